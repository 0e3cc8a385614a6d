//! CORS on the API: preflights answered or refused, the headers on real answers (errors included)
//! for the listed origins only, `*` without credentials, pages untouched, and the configuration
//! checked at load.

use bureau_core::ConfigSource;
use bureau_core::testing::TestApp;
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, Response};
use serde_json::Value;

use crate::support::{spawn, spawn_with};

/// Listed in config.toml's development defaults.
const LISTED: &str = "http://localhost:5173";
const UNLISTED: &str = "https://evil.example";

async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
    headers: &str,
) -> Response {
    let mut request = app
        .client
        .request(Method::OPTIONS, app.url(path))
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, method);
    if !headers.is_empty() {
        request = request.header(header::ACCESS_CONTROL_REQUEST_HEADERS, headers);
    }
    request.send().await.unwrap()
}

async fn get_from(app: &TestApp, path: &str, origin: &str) -> Response {
    app.client
        .get(app.url(path))
        .header(header::ORIGIN, origin)
        .send()
        .await
        .unwrap()
}

fn value<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// Every value of a comma-separated header, lowercase, across repeated headers.
fn items(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|item| item.trim().to_ascii_lowercase())
        .collect()
}

fn cors_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

fn assert_credentialed_for(headers: &HeaderMap, origin: &str) {
    assert_eq!(value(headers, "access-control-allow-origin"), origin);
    assert_eq!(value(headers, "access-control-allow-credentials"), "true");
    assert!(
        items(headers, "vary").contains(&"origin".to_owned()),
        "{headers:?}"
    );
    let exposed = items(headers, "access-control-expose-headers");
    for name in [
        "location",
        "x-request-id",
        "www-authenticate",
        "retry-after",
    ] {
        assert!(
            exposed.contains(&name.to_owned()),
            "{name} not exposed: {exposed:?}"
        );
    }
}

#[tokio::test]
async fn cors_preflight_from_a_listed_origin_is_allowed() {
    let (app, _) = spawn().await;

    let response = app
        .client
        .request(Method::OPTIONS, app.url("/api/auth/logout"))
        .header(header::ORIGIN, LISTED)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "Content-Type, x-csrf-token,AUTHORIZATION",
        )
        // A cookie does not make a preflight a CSRF case: it changes nothing.
        .header(header::COOKIE, "bureau_session=whatever")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 204);
    let headers = response.headers();
    assert_eq!(value(headers, "access-control-allow-origin"), LISTED);
    assert_eq!(value(headers, "access-control-allow-credentials"), "true");
    let methods = items(headers, "access-control-allow-methods");
    for method in ["get", "head", "post", "put", "patch", "delete"] {
        assert!(
            methods.contains(&method.to_owned()),
            "{method}: {methods:?}"
        );
    }
    let allowed = items(headers, "access-control-allow-headers");
    for name in [
        "authorization",
        "content-type",
        "x-csrf-token",
        "accept",
        "accept-language",
        "x-requested-with",
    ] {
        assert!(allowed.contains(&name.to_owned()), "{name}: {allowed:?}");
    }
    assert_eq!(value(headers, "access-control-max-age"), "600");
    let vary = items(headers, "vary");
    for name in [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
    ] {
        assert!(vary.contains(&name.to_owned()), "{name}: {vary:?}");
    }
    assert!(
        !headers.contains_key(header::SET_COOKIE),
        "a preflight makes no session"
    );
}

#[tokio::test]
async fn cors_preflight_is_refused_for_an_unlisted_origin_method_or_header() {
    let (app, _) = spawn().await;
    let cases = [
        (
            UNLISTED,
            "POST",
            "content-type",
            "origin \"https://evil.example\"",
        ),
        (LISTED, "TRACE", "", "method \"TRACE\""),
        (
            LISTED,
            "POST",
            "content-type, x-secret",
            "request header x-secret",
        ),
    ];

    for (origin, method, headers, refused) in cases {
        let response = preflight(&app, "/api/auth/login", origin, method, headers).await;

        assert_eq!(response.status(), 403, "{origin} {method} {headers}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert!(
            cors_headers(response.headers()).is_empty(),
            "a refused preflight allows nothing: {:?}",
            response.headers()
        );
        let problem: Value = response.json().await.unwrap();
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("CORS preflight refused"), "{detail}");
        assert!(detail.contains(refused), "{detail} should name {refused}");
    }
}

#[tokio::test]
async fn cors_preflight_still_needs_an_allowed_host() {
    let (app, _) = spawn().await;

    let response = app
        .client
        .request(Method::OPTIONS, app.url("/api/auth/login"))
        .header(header::HOST, "evil.example")
        .header(header::ORIGIN, LISTED)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert!(cors_headers(response.headers()).is_empty());
}

#[tokio::test]
async fn cors_get_from_a_listed_origin_carries_the_headers_with_credentials() {
    let (app, _) = spawn().await;

    let response = get_from(&app, "/api/openapi.json", LISTED).await;

    assert_eq!(response.status(), 200);
    assert_credentialed_for(response.headers(), LISTED);
}

#[tokio::test]
async fn cors_requests_from_an_unlisted_origin_are_served_without_cors_headers() {
    let (app, _) = spawn().await;

    let read = get_from(&app, "/api/openapi.json", UNLISTED).await;
    // A POST carries Origin even from the site's own pages: it is still served.
    let login = app
        .client
        .post(app.url("/api/auth/login"))
        .header(header::ORIGIN, UNLISTED)
        .json(&serde_json::json!({"username": "nobody", "password": "wrong"}))
        .send()
        .await
        .unwrap();

    assert_eq!(read.status(), 200);
    assert!(
        cors_headers(read.headers()).is_empty(),
        "{:?}",
        read.headers()
    );
    assert!(
        items(read.headers(), "vary").contains(&"origin".to_owned()),
        "the answer still varies by Origin for caches"
    );
    assert_eq!(
        login.status(),
        401,
        "served, and refused for its credentials"
    );
    assert!(cors_headers(login.headers()).is_empty());
}

#[tokio::test]
async fn cors_headers_are_on_error_answers_too() {
    let (app, _) = spawn().await;

    let unauthorized = get_from(&app, "/api/auth/me", LISTED).await;
    let missing = get_from(&app, "/api/auth/nowhere", LISTED).await;
    let invalid = app
        .client
        .post(app.url("/api/auth/login"))
        .header(header::ORIGIN, LISTED)
        .json(&serde_json::json!({"username": "", "password": "x"}))
        .send()
        .await
        .unwrap();

    for (response, status) in [(unauthorized, 401), (missing, 404), (invalid, 400)] {
        assert_eq!(response.status(), status);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert_credentialed_for(response.headers(), LISTED);
    }
}

#[tokio::test]
async fn cors_star_allows_any_origin_without_credentials() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_CORS__ALLOWED_ORIGINS", "*")).await;

    let read = get_from(&app, "/api/openapi.json", UNLISTED).await;
    let error = get_from(&app, "/api/auth/me", UNLISTED).await;
    let allowed = preflight(&app, "/api/auth/login", UNLISTED, "POST", "content-type").await;
    let refused = preflight(&app, "/api/auth/login", UNLISTED, "POST", "x-secret").await;

    for response in [&read, &error, &allowed] {
        let headers = response.headers();
        assert_eq!(value(headers, "access-control-allow-origin"), "*");
        assert!(
            !headers.contains_key("access-control-allow-credentials"),
            "never credentials with *: {headers:?}"
        );
    }
    assert_eq!(allowed.status(), 204);
    assert!(
        items(read.headers(), "access-control-expose-headers").contains(&"x-request-id".to_owned())
    );
    assert_eq!(refused.status(), 403);
    assert!(cors_headers(refused.headers()).is_empty());
}

#[tokio::test]
async fn cors_leaves_pages_alone() {
    let (app, _) = spawn().await;

    let page = get_from(&app, "/accounts/login/", LISTED).await;
    let docs = get_from(&app, "/api/docs", LISTED).await;
    let page_preflight = preflight(&app, "/accounts/login/", LISTED, "POST", "").await;

    assert_eq!(page.status(), 200);
    assert_eq!(docs.status(), 200);
    for response in [&page, &docs, &page_preflight] {
        assert!(
            cors_headers(response.headers()).is_empty(),
            "{:?}",
            response.headers()
        );
    }
    assert_ne!(page_preflight.status(), 204);
}

fn load(vars: &[(&str, &str)]) -> Result<bureau_core::Config, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut source = ConfigSource::defaults(bureau::app().defaults())
        .var("BUREAU_APP__DATA_DIR", dir.path().display().to_string());
    for (name, value) in vars {
        source = source.var(*name, *value);
    }
    bureau::app().config(&source).map_err(|e| e.to_string())
}

#[test]
fn cors_bad_allowed_origins_are_refused_naming_the_key() {
    let with_path = load(&[("BUREAU_CORS__ALLOWED_ORIGINS", "https://app.example.com/")]);
    let no_scheme = load(&[("BUREAU_CORS__ALLOWED_ORIGINS", "app.example.com")]);
    let star_and_more = load(&[("BUREAU_CORS__ALLOWED_ORIGINS", "*,https://app.example.com")]);

    for (message, expected) in [
        (with_path, "without a path"),
        (no_scheme, "expected an origin, scheme://host[:port]"),
        (star_and_more, "must be the only entry"),
    ] {
        let message = message.expect_err("a bad origin was accepted");
        assert!(message.contains("cors.allowed_origins"), "{message}");
        assert!(
            message.contains("environment variable BUREAU_CORS__ALLOWED_ORIGINS"),
            "{message}"
        );
        assert!(message.contains(expected), "{message}");
    }
    let good = load(&[(
        "BUREAU_CORS__ALLOWED_ORIGINS",
        "https://App.Example.com:443, http://localhost:8080",
    )])
    .unwrap();
    assert!(good.cors.allowed_origins.allows("https://app.example.com"));
    assert!(!good.cors.allowed_origins.allows("http://localhost:3000"));
}

#[test]
fn cors_production_refuses_the_local_development_origins() {
    let production = [
        ("BUREAU_APP__PROFILE", "production"),
        ("BUREAU_APP__DEBUG", "false"),
        ("BUREAU_APP__LOAD_DEMO_FIXTURES", "false"),
        ("BUREAU_SERVER__ALLOWED_HOSTS", "example.com"),
        (
            "BUREAU_SECURITY__SECRET_KEY",
            "Zq3x9Lw2Vb7Nc4Mk8Jh1Gf6Dd5Ss0Aa_-+",
        ),
    ];
    let with_origins = |origins: &'static str| {
        let mut vars = production.to_vec();
        vars.push(("BUREAU_CORS__ALLOWED_ORIGINS", origins));
        load(&vars)
    };

    let message = load(&production).expect_err("production kept localhost origins");

    assert!(
        message.contains("cors.allowed_origins lists local development origins"),
        "{message}"
    );
    assert!(message.contains("http://localhost:3000"), "{message}");
    assert!(with_origins("https://app.example.com").is_ok());
    assert!(with_origins("").is_ok(), "no origins at all");
    assert!(with_origins("*").is_ok(), "* never carries credentials");
}
