//! Session storage and lifetime: idle and absolute expiry, the Redis store, production cookies.

use std::time::Duration;

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::session;
use bureau_core::sea_orm::{EntityTrait, PaginatorTrait};
use bureau_core::testing::TestApp;

use crate::browser::Browser;
use crate::support::spawn_with;

const PASSWORD: &str = "correct horse battery";

async fn logged_in(app: &TestApp, username: &str) -> Browser {
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
    let browser = Browser::new(app);
    let response = browser
        .fill(
            "/accounts/login/",
            &[("login", username), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 303);
    browser
}

#[tokio::test]
async fn an_idle_session_expires_and_an_active_one_does_not() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_SESSION__IDLE_TIMEOUT_SECS", "2")).await;
    let active = logged_in(&app, "uma").await;
    let idle = logged_in(&app, "vic").await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(active.get("/accounts/profile/").await.status(), 200);
    }
    assert_eq!(idle.get("/accounts/profile/").await.status(), 303);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_SESSION__ABSOLUTE_TIMEOUT_SECS", "2")).await;
    let browser = logged_in(&app, "wes").await;
    assert_eq!(browser.get("/accounts/profile/").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(browser.get("/accounts/profile/").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1900)).await;
    assert_eq!(browser.get("/accounts/profile/").await.status(), 303);
}

#[tokio::test]
async fn sessions_can_live_in_redis_and_survive_a_restart() {
    let redis_url = std::env::var("BUREAU_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let (app, probe) = spawn_with(|s| {
        s.var("BUREAU_SESSION__STORE", "redis")
            .var("BUREAU_SESSION__REDIS_URL", &redis_url)
    })
    .await;
    let mut browser = logged_in(&app, "xena").await;
    let id = browser.session_id().unwrap();

    let client = redis::Client::open(redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("bureau:session:{id}"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        ttl > 0,
        "the session key expires in Redis itself (ttl {ttl})"
    );
    let rows = session::Entity::find()
        .count(app.state().db())
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing in the database store");

    let app = app.restart(&crate::support::app_with(&probe)).await;
    browser.visit(&app);
    assert_eq!(browser.get("/accounts/profile/").await.status(), 200);

    browser
        .submit("/accounts/profile/", "/accounts/logout/", &[])
        .await;
    let exists: bool = redis::cmd("EXISTS")
        .arg(format!("bureau:session:{id}"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(!exists, "logout deletes the session from Redis");
}

#[tokio::test]
async fn production_cookies_are_secure() {
    let (app, _) = spawn_with(|s| {
        s.var("BUREAU_APP__PROFILE", "production")
            .var("BUREAU_APP__DEBUG", "false")
            .var("BUREAU_SERVER__ALLOWED_HOSTS", "127.0.0.1")
            .var("BUREAU_CORS__ALLOWED_ORIGINS", "")
            .var(
                "BUREAU_SECURITY__SECRET_KEY",
                "a-production-secret-key-with-enough-entropy-0123456789",
            )
            .var("BUREAU_AUTH__PASSWORD_MEMORY_KIB", "19456")
            .var("BUREAU_AUTH__PASSWORD_ITERATIONS", "2")
    })
    .await;
    let response = app.get("/accounts/login/").await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
}

#[tokio::test]
async fn production_refuses_a_password_cost_below_owasp() {
    let app = crate::support::app_with(&crate::probe::Probe::default());
    let database = bureau_core::testing::TestDatabase::create().await;
    let source = database
        .config_source(&app)
        .var("BUREAU_APP__PROFILE", "production")
        .var("BUREAU_APP__DEBUG", "false")
        .var("BUREAU_SERVER__ALLOWED_HOSTS", "example.com")
        .var(
            "BUREAU_SECURITY__SECRET_KEY",
            "a-production-secret-key-with-enough-entropy-0123456789",
        );
    let error = app.config(&source).unwrap_err().to_string();
    assert!(
        error.contains("below OWASP's minimum for argon2id"),
        "{error}"
    );
}

#[tokio::test]
async fn the_cleanup_job_deletes_expired_sessions() {
    let (app, _) = spawn_with(|s| {
        s.var("BUREAU_SESSION__IDLE_TIMEOUT_SECS", "1")
            .var("BUREAU_SESSION__CLEANUP_INTERVAL_SECS", "1")
    })
    .await;
    let _browser = logged_in(&app, "yara").await;
    let count = || async {
        session::Entity::find()
            .count(app.state().db())
            .await
            .unwrap()
    };
    assert!(count().await >= 1);
    for _ in 0..50 {
        if count().await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expired sessions were not deleted");
}
