//! The HTTP stack as clients see it: probes, static files, error pages, security headers, hosts,
//! body limits, compression and request ids.

use std::io::Read;

use bureau_core::testing::TestApp;
use reqwest::header;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::probe::Probe;
use crate::support::{app_with, command, html, spawn, spawn_with};

#[tokio::test]
async fn health_and_readiness_answer_json() {
    let (app, _) = spawn().await;

    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({ "status": "ready", "checks": { "database": "ok", "migrations": "ok" } })
    );
}

#[tokio::test]
async fn readiness_fails_until_migrations_are_applied() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let app = TestApp::spawn_with(&bureau, |s| {
        s.var("BUREAU_DATABASE__MIGRATE_ON_START", "false")
    })
    .await;

    let before = app.get("/readyz").await;
    assert_eq!(before.status(), 503);
    assert_eq!(
        before.json::<Value>().await.unwrap()["checks"]["migrations"],
        "pending"
    );

    command(&bureau, &app.database, &["migrate", "up"])
        .await
        .unwrap();

    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_unreachable() {
    let (app, _) = spawn_with(|s| {
        s.var(
            "BUREAU_DATABASE__URL",
            "postgres://postgres@127.0.0.1:1/nowhere",
        )
        .var("BUREAU_DATABASE__MIGRATE_ON_START", "false")
        .var("BUREAU_DATABASE__CONNECT_TIMEOUT_SECS", "1")
        .var("BUREAU_DATABASE__ACQUIRE_TIMEOUT_SECS", "1")
    })
    .await;

    let ready = app.get("/readyz").await;

    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.json::<Value>().await.unwrap()["checks"]["database"],
        "unreachable"
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "liveness does not depend on the database"
    );
}

#[tokio::test]
async fn static_files_have_validators_and_cache_headers() {
    let (app, _) = spawn().await;
    let page = html(&app.get("/probe/notes/").await.text().await.unwrap());
    let versioned = page
        .split('"')
        .find(|s| s.starts_with("/static/core/css/bureau.css?v="))
        .expect("the layout links its stylesheet with a version")
        .to_owned();

    let pinned = app.get(&versioned).await;
    assert_eq!(pinned.status(), 200);
    assert_eq!(
        pinned.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(pinned.headers()["content-type"], "text/css; charset=utf-8");

    let plain = app.get("/static/core/css/bureau.css").await;
    assert_eq!(plain.headers()["cache-control"], "public, max-age=300");
    let etag = plain.headers()["etag"].clone();

    let again = app
        .client
        .get(app.url("/static/core/css/bureau.css"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    assert_eq!(app.get("/static/core/css/missing.css").await.status(), 404);
    assert_eq!(
        app.get("/static/core/%2e%2e/%2e%2e/Cargo.toml")
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/static/nomodule/x.css").await.status(), 404);
}

#[tokio::test]
async fn unknown_pages_get_an_html_404_in_the_site_layout() {
    let (app, _) = spawn().await;

    let response = app.get("/no/such/page").await;

    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let html = html(&response.text().await.unwrap());
    assert!(
        html.contains("<h1 id=\"error-title\">Not Found</h1>"),
        "{html}"
    );
    assert!(html.contains("There is no page at this address."), "{html}");
    assert!(
        html.contains(r#"<a href="/probe/notes/">Notes</a>"#),
        "error pages keep the site navigation"
    );
}

#[tokio::test]
async fn errors_under_api_are_problem_json() {
    let (app, _) = spawn().await;

    for path in ["/api/nothing-here", "/api/probe/nothing-here"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["title"], "Not Found");
        assert_eq!(problem["status"], 404);
        assert_eq!(problem["type"], "about:blank");
        assert!(problem["request_id"].is_string());
    }

    let wrong_method = app
        .client
        .delete(app.url("/api/probe/notes/count"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(
        wrong_method.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn a_panicking_handler_answers_500_without_leaking_the_cause() {
    let (app, _) = spawn_with(|s| {
        s.var("BUREAU_APP__DEBUG", "false")
            .var("BUREAU_SERVER__ALLOWED_HOSTS", "127.0.0.1")
    })
    .await;

    let response = app.get("/probe/panic").await;

    assert_eq!(response.status(), 500);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(html.contains("Something went wrong on our side"), "{html}");
    assert!(
        !html.contains("panicked on purpose"),
        "the panic message leaked: {html}"
    );
    assert!(
        html.contains(&request_id),
        "the page shows the request id to quote"
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "the server survives the panic"
    );
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let (app, _) = spawn().await;

    for path in [
        "/probe/notes/",
        "/no/such/page",
        "/api/probe/notes/count",
        "/static/core/css/bureau.css",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(
            !headers.contains_key("strict-transport-security"),
            "{path}: no HSTS over plain HTTP"
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_when_a_trusted_proxy_says_the_client_used_https() {
    let (trusting, _) = spawn_with(|s| s.var("BUREAU_SERVER__TRUSTED_PROXIES", "127.0.0.1")).await;
    let (untrusting, _) = spawn().await;

    let via_proxy = |app: &TestApp| {
        app.client
            .get(app.url("/healthz"))
            .header("x-forwarded-proto", "https")
            .send()
    };
    let trusted = via_proxy(&trusting).await.unwrap();
    let forged = via_proxy(&untrusting).await.unwrap();

    assert_eq!(
        trusted.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    assert!(!forged.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_host_header_not_in_allowed_hosts_is_rejected() {
    let (dev, _) = spawn().await;
    let (configured, _) =
        spawn_with(|s| s.var("BUREAU_SERVER__ALLOWED_HOSTS", ".example.com")).await;
    let with_host = |app: &TestApp, path: &str, host: &str| {
        app.client
            .get(app.url(path))
            .header(header::HOST, host)
            .send()
    };

    let evil = with_host(&dev, "/probe/notes/", "evil.example")
        .await
        .unwrap();
    assert_eq!(evil.status(), 400);
    assert!(
        html(&evil.text().await.unwrap())
            .contains("Invalid Host header \"evil.example\"; add it to server.allowed_hosts")
    );
    assert_eq!(
        with_host(&dev, "/probe/notes/", "localhost:8000")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        with_host(&configured, "/probe/notes/", "shop.example.com")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        with_host(&configured, "/probe/notes/", "localhost")
            .await
            .unwrap()
            .status(),
        400
    );
    let api = with_host(&configured, "/api/probe/notes/count", "evil.example")
        .await
        .unwrap();
    assert_eq!(api.status(), 400);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    // Probes are called by IP address from inside the network.
    assert_eq!(
        with_host(&configured, "/healthz", "10.0.0.7")
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn request_bodies_over_the_limit_are_refused() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_SERVER__MAX_BODY_BYTES", "1024")).await;
    let browser = Browser::new(&app);
    let token = browser.csrf_token("/accounts/login/").await;
    let post = |body: reqwest::Body| {
        browser
            .client
            .post(app.url("/probe/echo"))
            .header("x-csrf-token", &token)
            .body(body)
            .send()
    };

    let small = post(vec![b'a'; 1000].into()).await.unwrap();
    assert_eq!(small.text().await.unwrap(), "received 1000 bytes");

    let declared = post(vec![b'a'; 5000].into()).await.unwrap();
    assert_eq!(declared.status(), 413);

    // No Content-Length: the body is streamed in chunks and cut off when it passes the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..10).map(|_| Ok(vec![b'a'; 600])).collect();
    let streamed = post(reqwest::Body::wrap_stream(futures_util::stream::iter(
        chunks,
    )))
    .await
    .unwrap();
    assert_eq!(streamed.status(), 413);
}

#[tokio::test]
async fn text_responses_are_gzipped_for_clients_that_accept_it() {
    let (app, _) = spawn().await;
    let css = |encoding: &'static str| {
        app.client
            .get(app.url("/static/probe/probe.css"))
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
    };

    let gzipped = css("gzip, br").await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.headers()["vary"], "accept-encoding");
    let mut text = String::new();
    flate2_free_gunzip(&gzipped.bytes().await.unwrap(), &mut text);
    assert!(text.contains(".note-count"));

    let plain = css("identity").await.unwrap();
    assert!(!plain.headers().contains_key("content-encoding"));
    assert!(plain.text().await.unwrap().contains(".note-count"));
}

/// Inflates a gzip member with the gzip tool, so the tests need no compression crate of their own.
fn flate2_free_gunzip(data: &[u8], text: &mut String) {
    assert_eq!(&data[..2], [0x1f, 0x8b], "not gzip");
    let mut child = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip is installed");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), data).unwrap();
    child.stdout.take().unwrap().read_to_string(text).unwrap();
    assert!(child.wait().unwrap().success());
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_trusted_proxies_may_set_it() {
    let (direct, _) = spawn().await;
    let (proxied, _) = spawn_with(|s| s.var("BUREAU_SERVER__TRUSTED_PROXIES", "127.0.0.1")).await;
    // Proxies given as networks, as container platforms hand them out: ours is in the second.
    let (in_network, _) =
        spawn_with(|s| s.var("BUREAU_SERVER__TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.0/8")).await;
    let (other_network, _) =
        spawn_with(|s| s.var("BUREAU_SERVER__TRUSTED_PROXIES", "10.0.0.0/8")).await;
    let with_id = |app: &TestApp| {
        app.client
            .get(app.url("/healthz"))
            .header("x-request-id", "edge-42")
            .send()
    };

    let generated = with_id(&direct).await.unwrap();
    let kept = with_id(&proxied).await.unwrap();

    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 16);
    assert_ne!(
        id, "edge-42",
        "an untrusted client cannot choose its request id"
    );
    assert_eq!(kept.headers()["x-request-id"], "edge-42");
    let from_network = with_id(&in_network).await.unwrap();
    assert_eq!(from_network.headers()["x-request-id"], "edge-42");
    let from_outside = with_id(&other_network).await.unwrap();
    assert_ne!(from_outside.headers()["x-request-id"], "edge-42");
}

#[tokio::test]
async fn the_home_page_lists_the_sections_when_no_module_claims_it() {
    // Bureau's movies module claims `/`; an app of core and the probe does not (nor may its
    // defaults have the sections of modules it lacks).
    let mut defaults = include_str!("../../config.toml").to_owned();
    for section in ["\n[movies]", "\n[store]"] {
        let (head, rest) = defaults.split_once(section).unwrap();
        let tail = rest.find("\n[").map_or("", |at| &rest[at..]);
        defaults = format!("{head}{tail}");
    }
    let defaults: &'static str = defaults.leak();
    let app = bureau_core::App::new(defaults).module(crate::probe::Probe::default());
    let app = bureau_core::testing::TestApp::spawn(&app).await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 200);
    let html = html(&response.text().await.unwrap());
    assert!(
        html.contains(r#"<li class="card"><a href="/probe/notes/">Notes</a></li>"#),
        "{html}"
    );
    assert!(html.contains(r#"href="/api/openapi.json""#));
}
