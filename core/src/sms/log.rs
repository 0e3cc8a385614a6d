//! The `log` sender (the default): nothing leaves the machine. Each message goes to the tracing
//! log at info level and, as one JSON line `{"to", "body", "at"}`, to `<file_dir>/outbox.jsonl`,
//! where a developer reads what would have been sent (as the mail `file` transport writes `.eml`
//! files).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use futures_util::future::BoxFuture;

use super::{SmsError, SmsSender};

const FILE_NAME: &str = "outbox.jsonl";

pub(crate) struct LogSender {
    path: PathBuf,
    /// The file's path as text, for logs.
    target: String,
}

impl LogSender {
    /// Creates `dir` now, so a folder that cannot be written stops the start; the problem names
    /// `sms.file_dir`.
    pub(crate) fn new(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| {
            format!(
                "sms.file_dir: cannot create the folder {}: {e}",
                dir.display()
            )
        })?;
        let path = dir.join(FILE_NAME);
        Ok(Self {
            target: path.display().to_string(),
            path,
        })
    }
}

impl SmsSender for LogSender {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            tracing::info!(to, body, file = %self.target, "SMS written to the log (sms.transport = log; not sent)");
            let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
            let mut line = serde_json::json!({ "to": to, "body": body, "at": at }).to_string();
            line.push('\n');
            let path = self.path.clone();
            // File I/O blocks; it runs on the blocking pool, never on the async runtime.
            let written = tokio::task::spawn_blocking(move || append(&path, line.as_bytes()))
                .await
                .map_err(|e| e.to_string())
                .and_then(|written| written.map_err(|e| e.to_string()));
            // A full disk or a lost mount may recover: worth a retry.
            written.map_err(|e| SmsError::Retryable(format!("writing {}: {e}", self.target)))
        })
    }

    fn target(&self) -> &str {
        &self.target
    }
}

/// One `write` in append mode: lines from several instances sharing the folder never interleave
/// (the kernel appends each write whole at the end of a local file).
fn append(path: &Path, line: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(line)
}
