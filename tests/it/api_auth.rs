//! The token API: login, use, refresh with rotation, reuse detection, logout, expiry, tampering,
//! and the browser session accepted on the API with its CSRF header.

use std::time::Duration;

use bureau_core::auth::users::{self, NewUser};
use bureau_core::testing::TestApp;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::support::{spawn, spawn_with};

const PASSWORD: &str = "correct horse battery";

async fn user(app: &TestApp, username: &str) {
    let new = NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        email_verified: true,
        ..Default::default()
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = app
        .client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

async fn me(app: &TestApp, access: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = app
        .client
        .get(app.url("/api/auth/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn tokens(app: &TestApp, username: &str) -> (String, String) {
    let (status, _, body) = post(
        app,
        "/api/auth/login",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn login_use_refresh_rotate_and_detect_reuse() {
    let (app, _) = spawn().await;
    user(&app, "olga").await;
    let (access, refresh) = tokens(&app, "olga").await;

    let (status, _, body) = me(&app, &access).await;
    assert_eq!(status, 200);
    assert_eq!(body["username"], "olga");

    let (status, _, rotated) =
        post(&app, "/api/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!(status, 200);
    let new_refresh = rotated["refresh_token"].as_str().unwrap().to_owned();
    let new_access = rotated["access_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh);
    assert_eq!(me(&app, &new_access).await.0, 200);

    // The old refresh token stopped working; presenting it again revokes the whole family.
    let (status, headers, problem) =
        post(&app, "/api/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!(status, 401);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(headers.contains_key("www-authenticate"));
    assert!(
        problem["detail"].as_str().unwrap().contains("already used"),
        "{problem}"
    );
    assert_eq!(
        post(
            &app,
            "/api/auth/refresh",
            json!({"refresh_token": new_refresh})
        )
        .await
        .0,
        401
    );
    assert_eq!(
        me(&app, &new_access).await.0,
        401,
        "access tokens of a revoked family die too"
    );

    // Another login is a family of its own and unaffected.
    let (other, _) = tokens(&app, "olga").await;
    assert_eq!(me(&app, &other).await.0, 200);
}

#[tokio::test]
async fn logout_revokes_the_login() {
    let (app, _) = spawn().await;
    user(&app, "pat").await;
    let (access, refresh) = tokens(&app, "pat").await;
    let response = app
        .client
        .post(app.url("/api/auth/logout"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(me(&app, &access).await.0, 401);
    assert_eq!(
        post(&app, "/api/auth/refresh", json!({"refresh_token": refresh}))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn bad_credentials_tampered_and_expired_tokens_are_401_problems() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_AUTH__ACCESS_TOKEN_MINUTES", "0")).await;
    user(&app, "quinn").await;

    for body in [
        json!({"username": "quinn", "password": "wrong"}),
        json!({"username": "nobody", "password": "wrong"}),
    ] {
        let (status, headers, problem) = post(&app, "/api/auth/login", body).await;
        assert_eq!(status, 401);
        assert_eq!(headers["content-type"], "application/problem+json");
        assert_eq!(headers["www-authenticate"], "Bearer realm=\"api\"");
        assert_eq!(
            problem["detail"],
            "The username/email or password is not correct."
        );
    }
    for body in [
        json!({}),
        json!({"username": "", "password": "x"}),
        json!({"username": [1, 2], "password": "x"}),
    ] {
        let (status, headers, _) = post(&app, "/api/auth/login", body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(headers["content-type"], "application/problem+json");
    }

    let (access, _) = tokens(&app, "quinn").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, headers, problem) = me(&app, &access).await;
    assert_eq!(status, 401);
    assert!(headers.contains_key("www-authenticate"));
    assert!(
        problem["detail"].as_str().unwrap().contains("expired"),
        "{problem}"
    );

    // A token whose payload was edited fails its signature.
    let parts: Vec<&str> = access.split('.').collect();
    let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    assert_eq!(me(&app, &tampered).await.0, 401);
    let forged = format!("{}.{}.{}", parts[0], parts[1], "AAAA");
    assert_eq!(me(&app, &forged).await.0, 401);
    let (status, headers, _) = {
        let r = app
            .client
            .get(app.url("/api/auth/me"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.headers().clone(), ())
    };
    assert_eq!(status, 401);
    assert!(headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn the_browser_session_works_on_the_api_with_the_csrf_header() {
    let (app, _) = spawn().await;
    user(&app, "rita").await;
    let browser = Browser::new(&app);
    browser
        .fill(
            "/accounts/login/",
            &[("login", "rita"), ("password", PASSWORD)],
        )
        .await;
    let me = browser.get("/api/auth/me").await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["username"], "rita");

    let (_, refresh) = tokens(&app, "rita").await;
    let without = browser
        .client
        .post(browser.url("/api/auth/logout"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    let token = browser.csrf_token("/accounts/password/change/").await;
    let with = browser
        .client
        .post(browser.url("/api/auth/logout"))
        .header("x-csrf-token", token)
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 204);
}

#[tokio::test]
async fn api_logins_count_towards_the_lockout() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_AUTH__LOCKOUT_ACCOUNT_FAILURES", "2")).await;
    user(&app, "sam").await;
    for _ in 0..2 {
        assert_eq!(
            post(
                &app,
                "/api/auth/login",
                json!({"username": "sam", "password": "no"})
            )
            .await
            .0,
            401
        );
    }
    let (status, _, problem) = post(
        &app,
        "/api/auth/login",
        json!({"username": "sam", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 429);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Too many failed login attempts")
    );
}

#[tokio::test]
async fn a_login_upgrades_a_hash_made_with_an_older_cost() {
    let (app, probe) = spawn().await;
    user(&app, "tess").await;
    let stored = || async {
        users::find_by_login(app.state().db(), "tess")
            .await
            .unwrap()
            .unwrap()
            .password
    };
    let before = stored().await;
    assert!(before.contains("m=1024,t=1,p=1"), "{before}");

    let app = TestApp {
        source: app
            .source
            .clone()
            .var("BUREAU_AUTH__PASSWORD_MEMORY_KIB", "2048")
            .var("BUREAU_AUTH__PASSWORD_ITERATIONS", "2"),
        ..app
    }
    .restart(&crate::support::app_with(&probe))
    .await;
    tokens(&app, "tess").await;
    let after = users::find_by_login(app.state().db(), "tess")
        .await
        .unwrap()
        .unwrap()
        .password;
    assert!(
        after.starts_with("$argon2id$") && after.contains("m=2048,t=2,p=1"),
        "{after}"
    );
    // The new hash still opens the account, and is left alone next time.
    tokens(&app, "tess").await;
    let again = users::find_by_login(app.state().db(), "tess")
        .await
        .unwrap()
        .unwrap()
        .password;
    assert_eq!(again, after);
}

#[tokio::test]
async fn an_overlong_login_is_refused_and_counted_without_error() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_AUTH__LOCKOUT_ACCOUNT_FAILURES", "2")).await;
    let long = "0".repeat(254);
    let statuses = [
        post(
            &app,
            "/api/auth/login/",
            json!({"username": long, "password": "x"}),
        )
        .await
        .0,
        post(
            &app,
            "/api/auth/login/",
            json!({"username": long, "password": "x"}),
        )
        .await
        .0,
        post(
            &app,
            "/api/auth/login/",
            json!({"username": long, "password": "x"}),
        )
        .await
        .0,
    ];
    assert_eq!(statuses, [401, 401, 429]);
}
