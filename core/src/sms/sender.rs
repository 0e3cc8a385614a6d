//! The way out for SMS: the [`SmsSender`] trait, and the sender `[sms] transport` names, built
//! once at start so a bad setting stops the app instead of failing every message.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::{log, twilio};
use crate::config::SmsTransportKind;
use crate::{Config, Error, Result};

/// Hands SMS over for delivery. The configured sender is chosen at run time and kept as
/// `Arc<dyn SmsSender>`, so `send` returns a boxed future (an `async fn` in a trait could not be
/// called through `dyn`).
pub trait SmsSender: Send + Sync {
    /// Sends `body` to `to` (E.164, e.g. `+14155550123`). `Ok` means the provider accepted the
    /// message, not that a phone received it.
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), SmsError>>;

    /// Where messages go, for logs and errors: the file, or the provider's address.
    fn target(&self) -> &str;
}

/// Why an SMS was not sent, split by what trying again would do. (Not a second error type of the
/// crate: it is the answer the outbox worker needs to decide between a retry and giving up.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// It may work later: the network, a timeout, the provider's 5xx or 429.
    #[error("{0}")]
    Retryable(String),
    /// It fails the same way every time: a number the provider refuses, bad credentials, any
    /// other 4xx.
    #[error("{0}")]
    Permanent(String),
}

impl SmsError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable(_))
    }
}

impl From<SmsError> for Error {
    fn from(error: SmsError) -> Self {
        Error::Internal(format!("SMS not sent: {error}"))
    }
}

/// Checks `[sms]` and builds the sender it names. Errors name each key at fault.
pub(crate) fn from_config(config: &Config) -> Result<Arc<dyn SmsSender>> {
    let sms = &config.sms;
    let mut problems = Vec::new();
    if sms.timeout_secs == 0 {
        problems.push("sms.timeout_secs: must be at least 1".to_owned());
    }
    let sender: Option<Arc<dyn SmsSender>> = match sms.transport {
        SmsTransportKind::Log => match log::LogSender::new(&sms.file_dir(&config.app)) {
            Ok(sender) => Some(Arc::new(sender)),
            Err(problem) => {
                problems.push(problem);
                None
            }
        },
        SmsTransportKind::Twilio => match twilio::TwilioSender::new(sms) {
            Ok(sender) => Some(Arc::new(sender)),
            Err(found) => {
                problems.extend(found);
                None
            }
        },
    };
    match (sender, problems.as_slice()) {
        (Some(sender), []) => Ok(sender),
        (_, [one]) => Err(Error::Config(format!("configuration error: {one}"))),
        (_, many) => Err(Error::Config(format!(
            "configuration error:\n  - {}",
            many.join("\n  - ")
        ))),
    }
}
