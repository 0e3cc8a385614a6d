//! `/api/docs`: Swagger UI from the binary — the page, its vendored assets by fingerprinted URLs,
//! the CSRF token a logged-in visitor's "Try it out" needs, and HTML (not problem+json) errors.
//! The page running in Chromium is in `chromium.rs`.

use bureau_core::auth::users::{self, NewUser};
use serde_json::json;

use crate::browser::Browser;
use crate::support::{html, spawn};

const ASSETS: [(&str, &str); 4] = [
    (
        "/static/core/vendor/swagger-ui/swagger-ui-bundle.js?v=",
        "javascript",
    ),
    (
        "/static/core/vendor/swagger-ui/swagger-ui.css?v=",
        "text/css",
    ),
    ("/static/core/js/api-docs.js?v=", "javascript"),
    ("/static/core/css/api-docs.css?v=", "text/css"),
];

/// The `content` of `<meta name="csrf-token">`, if the page has one.
fn meta_token(page: &str) -> Option<String> {
    let marker = "<meta name=\"csrf-token\" content=\"";
    let start = page.find(marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_owned())
}

#[tokio::test]
async fn api_docs_serve_swagger_ui_from_the_binary() {
    let (app, _) = spawn().await;

    let response = app.get("/api/docs").await;

    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(
        headers["content-security-policy"],
        app.state()
            .config()
            .security
            .content_security_policy
            .as_str(),
        "the page runs under the site's own CSP"
    );
    assert!(
        !headers.contains_key("set-cookie"),
        "reading the docs makes no session"
    );
    let page = html(&response.text().await.unwrap());
    assert!(
        page.contains("data-spec-url=\"/api/openapi.json\""),
        "{page}"
    );
    assert!(meta_token(&page).is_none(), "no token without a session");
    assert!(!page.contains("https://"), "nothing from a CDN: {page}");
    for tag in page.split("<script").skip(1) {
        assert!(tag.trim_start().starts_with("src="), "inline script: {tag}");
    }
    for (prefix, content_type) in ASSETS {
        let url = page
            .split('"')
            .find(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("the page does not load {prefix}…: {page}"))
            .to_owned();
        let asset = app.get(&url).await;
        assert_eq!(asset.status(), 200, "{url}");
        assert_eq!(
            asset.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let served = asset.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(served.contains(content_type), "{url}: {served}");
        let body = asset.text().await.unwrap();
        if url.contains("swagger-ui-bundle.js") {
            assert!(body.contains("SwaggerUIBundle"), "the real bundle");
        }
    }
}

#[tokio::test]
async fn api_docs_give_a_logged_in_visitor_the_csrf_token_for_try_it_out() {
    let (app, _) = spawn().await;
    let new = NewUser {
        username: "reader".to_owned(),
        email: "reader@example.com".to_owned(),
        password: "correct horse battery".to_owned(),
        email_verified: true,
        ..Default::default()
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();
    let browser = Browser::new(&app);
    browser
        .fill(
            "/accounts/login/",
            &[("login", "reader"), ("password", "correct horse battery")],
        )
        .await;

    let (status, page) = browser.page("/api/docs").await;
    let token = meta_token(&page).expect("a logged-in visitor's page carries the token");
    let login = |token: Option<&str>| {
        let mut request = browser
            .client
            .post(browser.url("/api/auth/login"))
            .json(&json!({"username": "reader", "password": "correct horse battery"}));
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    // What "Try it out" sends for an unsafe method: the session cookie plus the header.
    let without = login(None).await.unwrap();
    let with = login(Some(&token)).await.unwrap();

    assert_eq!(status, 200);
    assert!(page.contains("Logged in as reader"), "{page}");
    assert_eq!(without.status(), 403, "the session cookie alone is refused");
    assert_eq!(with.status(), 200, "the page's token is the session's");
}

#[tokio::test]
async fn api_docs_with_a_slash_redirect_and_their_errors_are_pages() {
    let (app, _) = spawn().await;

    let slash = app.get("/api/docs/").await;
    let post = app.client.post(app.url("/api/docs")).send().await.unwrap();

    assert_eq!(slash.status(), 308);
    assert_eq!(slash.headers()["location"], "/api/docs");
    assert!(post.status().is_client_error());
    assert_eq!(
        post.headers()["content-type"],
        "text/html; charset=utf-8",
        "a page's error is a page, not problem+json"
    );
}
