//! Overload: past `server.max_in_flight` requests at once, and when the database has no free
//! connection, the app answers 503 with `Retry-After` at once — problem+json under `/api`, a
//! short page elsewhere — keeps its health probes answering, and serves normally once the load
//! is gone.

use std::time::Duration;

use bureau_core::ConfigSource;
use bureau_core::sea_orm::TransactionTrait;
use serde_json::Value;

use crate::support::spawn_with;

/// Debug off, so the pages are the ones visitors see (debug would show the cause instead).
fn as_deployed(source: ConfigSource) -> ConfigSource {
    source
        .var("BUREAU_APP__DEBUG", "false")
        .var("BUREAU_SERVER__ALLOWED_HOSTS", "127.0.0.1")
}

/// Long enough for anything this test waits on to happen on a busy machine; reaching it means
/// the app queued a request it should have refused, and the test fails instead of hanging.
const BOUND: Duration = Duration::from_secs(60);

async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(BOUND, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not happen within {BOUND:?}"),
    }
}

/// Asserts the 503 every refusal shares, and returns the body.
async fn refused(response: reqwest::Response, content_type: &str) -> String {
    assert_eq!(response.status(), 503, "{}", response.url());
    assert!(
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u32>()
            .is_ok_and(|seconds| seconds >= 1),
        "Retry-After names seconds to wait"
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(content_type),
        "{:?}",
        response.headers()["content-type"]
    );
    response.text().await.unwrap()
}

fn assert_problem(body: &str) {
    let problem: Value = serde_json::from_str(body).unwrap();
    assert_eq!(problem["status"], 503, "{problem}");
    assert_eq!(problem["title"], "Service Unavailable", "{problem}");
    assert_eq!(problem["type"], "about:blank", "{problem}");
}

#[tokio::test]
async fn requests_past_the_in_flight_cap_are_refused_at_once_until_the_load_drops() {
    let (app, probe) =
        spawn_with(|s| as_deployed(s).var("BUREAU_SERVER__MAX_IN_FLIGHT", "2")).await;
    let held: Vec<_> = (0..2)
        .map(|_| {
            let request = app.client.get(app.url("/probe/hold")).send();
            tokio::spawn(request)
        })
        .collect();
    bounded("two requests in flight", probe.hold.arrived(2)).await;

    let page = bounded("the page's answer", app.get("/probe/notes/")).await;
    let html = refused(page, "text/html").await;
    let api = bounded("the API's answer", app.get("/api/probe/notes/count")).await;
    let problem = refused(api, "application/problem+json").await;
    // The probes stay answerable, so an orchestrator does not restart a busy instance.
    let live = bounded("/healthz", app.get("/healthz")).await;
    let ready = bounded("/readyz", app.get("/readyz")).await;

    // Answered while both slots were still taken: refused at once, not queued behind them.
    assert!(held.iter().all(|request| !request.is_finished()));
    assert!(html.contains("busy"), "{html}");
    assert_problem(&problem);
    assert_eq!(live.status(), 200);
    assert_eq!(ready.status(), 200);

    probe.hold.release(2);
    for request in held {
        let response = bounded("a held request", request).await.unwrap().unwrap();
        assert_eq!(response.status(), 200, "requests taken on finish normally");
    }
    assert_eq!(app.get("/probe/notes/").await.status(), 200);
    assert_eq!(app.get("/api/probe/notes/count").await.status(), 200);
}

#[tokio::test]
async fn a_database_with_no_free_connection_answers_503_not_500() {
    let (app, _) = spawn_with(|s| {
        as_deployed(s)
            .var("BUREAU_DATABASE__MAX_CONNECTIONS", "2")
            .var("BUREAU_DATABASE__ACQUIRE_TIMEOUT_SECS", "1")
    })
    .await;
    let db = app.state().db();
    // Both of the pool's connections, held as open transactions.
    let first = bounded("a connection", db.begin()).await.unwrap();
    let second = bounded("a second connection", db.begin()).await.unwrap();

    let page = bounded("the page's answer", app.get("/probe/notes/")).await;
    let html = refused(page, "text/html").await;
    let api = bounded("the API's answer", app.get("/api/probe/notes/count")).await;
    let problem = refused(api, "application/problem+json").await;

    assert!(html.contains("busy"), "{html}");
    assert_problem(&problem);

    first.rollback().await.unwrap();
    second.rollback().await.unwrap();
    assert_eq!(app.get("/probe/notes/").await.status(), 200);
    assert_eq!(app.get("/api/probe/notes/count").await.status(), 200);
}
