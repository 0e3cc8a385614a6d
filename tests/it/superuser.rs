//! `bureau createsuperuser` and the superuser a first start makes for the demo.

use std::io::Write;
use std::process::{Command, Stdio};

use bureau_core::auth::users;
use bureau_core::testing::TestDatabase;

use crate::probe::Probe;
use crate::support::{app_with, bureau, command_with, stderr, stdout};

#[tokio::test]
async fn no_input_takes_the_password_from_the_environment() {
    let app = app_with(&Probe::default());
    let database = TestDatabase::create().await;
    command_with(&app, &database, &["migrate", "up"], |s| s)
        .await
        .unwrap();
    let args = [
        "createsuperuser",
        "--no-input",
        "--username",
        "root",
        "--email",
        "root@example.com",
    ];

    let without = command_with(&app, &database, &args, |s| s)
        .await
        .unwrap_err();
    assert!(without.contains("BUREAU_SUPERUSER_PASSWORD"), "{without}");
    let weak = command_with(&app, &database, &args, |s| {
        s.var("BUREAU_SUPERUSER_PASSWORD", "root1")
    })
    .await
    .unwrap_err();
    assert!(
        weak.contains("password: This password is too short"),
        "{weak}"
    );

    let made = command_with(&app, &database, &args, |s| {
        s.var("BUREAU_SUPERUSER_PASSWORD", "a long admin passphrase")
    })
    .await
    .unwrap();
    assert_eq!(made.trim(), "Superuser root created.");
    let again = command_with(&app, &database, &args, |s| {
        s.var("BUREAU_SUPERUSER_PASSWORD", "a long admin passphrase")
    })
    .await
    .unwrap_err();
    assert!(
        again.contains("username: A user with that username already exists."),
        "{again}"
    );

    let server = app.start(&database.config_source(&app)).await.unwrap();
    let user = users::find_by_login(server.state().db(), "ROOT@example.com")
        .await
        .unwrap()
        .unwrap();
    server.shutdown().await.unwrap();
    assert!(user.is_superuser && user.is_staff && user.is_active && user.email_verified);
    assert!(user.password.starts_with("$argon2id$"), "{}", user.password);
}

#[test]
fn interactive_asks_for_each_answer() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = bureau(dir.path(), &["migrate", "up"], &[]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let mut child = Command::new(env!("CARGO_BIN_EXE_bureau"))
        .arg("createsuperuser")
        .current_dir(dir.path())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"boss\nboss@example.com\nquiet river stones 42\nquiet river stones 42\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let asked = stderr(&output);
    for question in [
        "Username: ",
        "Email address: ",
        "Password: ",
        "Password (again): ",
    ] {
        assert!(asked.contains(question), "{asked}");
    }
    assert_eq!(stdout(&output).trim(), "Superuser boss created.");
}

#[test]
fn the_first_start_with_demo_data_prints_the_admin_credentials_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = serve_first_lines(dir.path());
    assert!(
        first[0].starts_with("Bureau is running at http://127.0.0.1:"),
        "{first:?}"
    );
    assert!(
        first[1].starts_with("Created the superuser `admin` with password `"),
        "{first:?}"
    );
    let again = serve_first_lines(dir.path());
    assert!(
        !again.join("\n").contains("Created the superuser"),
        "{again:?}"
    );
}

/// Starts `bureau serve`, reads what it prints at startup, and stops it.
fn serve_first_lines(dir: &std::path::Path) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bureau"))
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("BUREAU_SERVER__ADDR", "127.0.0.1:0")
        .env("BUREAU_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    lines.push(line.trim().to_owned());
    // The credentials follow the address at once when there are any; a short wait settles it.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::BufRead::read_line(&mut stdout, &mut rest);
        let _ = sender.send(rest);
    });
    if let Ok(rest) = receiver.recv_timeout(std::time::Duration::from_millis(1500)) {
        lines.push(rest.trim().to_owned());
    }
    unsafe_sigterm(child.id());
    let _ = child.wait();
    lines
}

fn unsafe_sigterm(pid: u32) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
}
