//! A real SMTP server for the mail tests: `tests/smtp_sink.py` (aiosmtpd) as a child process,
//! stopped when the [`SmtpSink`] is dropped. It stores each message it accepts as a file.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");

/// How the sink is started: on which port (0: a free one), with which login and TLS pair.
#[derive(Default)]
pub struct Options<'a> {
    pub port: u16,
    pub login: Option<(String, String)>,
    pub tls: Option<&'a Tls>,
}

pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl SmtpSink {
    pub fn start(options: Options<'_>) -> Self {
        let dir = tempfile::tempdir().expect("a folder for the sink's messages");
        let mut command = Command::new("python3");
        command
            .arg(SCRIPT)
            .arg("--dir")
            .arg(dir.path())
            .args(["--port", &options.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some((user, password)) = &options.login {
            command.args(["--user", user, "--password", password]);
        }
        if let Some(tls) = options.tls {
            command
                .arg("--cert")
                .arg(&tls.cert)
                .arg("--key")
                .arg(&tls.key);
        }
        let mut child = command
            .spawn()
            .expect("starting tests/smtp_sink.py (needs python3 with aiosmtpd)");
        // The first line is the port, printed once the server listens.
        let mut line = String::new();
        let stdout = child.stdout.take().expect("the sink's stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the sink's port");
        let port = match line.trim().parse() {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                panic!("the SMTP sink did not start (printed {line:?})");
            }
        };
        Self { child, port, dir }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The messages received so far, in order of arrival, each with `X-MailFrom:` and
    /// `X-RcptTo:` lines (the envelope) before the message itself.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("reading the sink's folder")
            .map(|entry| entry.expect("a folder entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| std::fs::read_to_string(path).expect("reading a received message"))
            .collect()
    }

    /// Waits until at least `count` messages arrived and returns them all.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<String> {
        let start = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                start.elapsed() < limit,
                "the SMTP sink received {} of {count} messages within {limit:?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for `127.0.0.1` and `localhost`, made with the `openssl` CLI.
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
    _dir: TempDir,
}

impl Tls {
    pub fn self_signed() -> Self {
        let dir = tempfile::tempdir().expect("a folder for the certificate");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let output = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
            .args(["-subj", "/CN=localhost"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            // rustls refuses a CA certificate as a server's own, and openssl makes one by default.
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("running openssl");
        assert!(
            output.status.success(),
            "openssl failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self {
            cert,
            key,
            _dir: dir,
        }
    }
}
