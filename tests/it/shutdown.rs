//! SIGINT/SIGTERM stop the server gracefully: requests in flight finish, new ones are refused.

use std::process::{Command, Stdio};
use std::time::Duration;

use bureau_core::testing::TestApp;

use crate::probe::Probe;
use crate::support::app_with;

#[tokio::test]
async fn a_request_in_flight_completes_when_sigterm_arrives() {
    let probe = Probe::default();
    let app = TestApp::spawn(&app_with(&probe)).await;
    let TestApp {
        server,
        client,
        database: _database,
        ..
    } = app;
    let url = server.url();
    let running = tokio::spawn(server.run_until(bureau_core::shutdown_signal()));

    let slow = tokio::spawn({
        let client = client.clone();
        let url = format!("{url}/probe/slow");
        async move { client.get(url).send().await }
    });
    probe.slow_started.notified().await;
    let terminated = Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());

    let response = slow
        .await
        .unwrap()
        .expect("the in-flight request was answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
    let fresh = bureau_core::testing::client()
        .get(format!("{url}/healthz"))
        .send()
        .await;
    assert!(fresh.is_err(), "a stopped server accepted a new connection");
}

#[test]
fn the_binary_serves_prints_its_url_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bureau"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("BUREAU_SERVER__ADDR", "127.0.0.1:0")
        .env("BUREAU_LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert!(
        line.starts_with("Bureau is running at http://127.0.0.1:"),
        "{line}"
    );
    let url = line
        .split_whitespace()
        .nth(4)
        .unwrap()
        .trim_end_matches('/')
        .to_owned();

    let health = status_of(&format!("{url}/healthz"));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();

    assert_eq!(health, 200);
    assert!(output.status.success(), "exit status {:?}", output.status);
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("shutdown complete"), "{logs}");
    let access = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| entry["target"] == "bureau::access" && entry["path"] == "/healthz")
        .unwrap_or_else(|| panic!("no JSON access log line for /healthz in: {logs}"));
    assert_eq!(access["status"], 200);
    assert_eq!(access["method"], "GET");
    assert_eq!(
        access["span"]["id"].as_str().map(str::len),
        Some(16),
        "the request id is on the line"
    );
    assert!(
        dir.path().join("data/bureau.db").exists(),
        "the SQLite file was created under data/"
    );
    assert!(
        dir.path().join("data/secret_key").exists(),
        "a secret key was generated"
    );
}

/// The status of a GET, from a synchronous test.
fn status_of(url: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        bureau_core::testing::client()
            .get(url)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}
