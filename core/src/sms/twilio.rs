//! The `twilio` sender: Twilio's Programmable Messaging REST API.
//!
//! `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From` (or
//! `MessagingServiceSid`) and `Body`, HTTP Basic auth with the account SID and auth token. Twilio
//! answers 201 with the message's JSON (`sid`, `status`), or an error as
//! `{"code", "message", "more_info", "status"}`.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::phone::is_e164;
use super::{SmsError, SmsSender};
use crate::SecretKey;
use crate::config::SmsConfig;

/// Twilio's longest alphanumeric sender ID.
const MAX_SENDER_ID: usize = 11;
/// How much of an answer that is not Twilio's JSON an error message quotes.
const MAX_QUOTED: usize = 200;

pub(crate) struct TwilioSender {
    http: reqwest::Client,
    /// The Messages resource of the account.
    url: Url,
    account_sid: String,
    auth_token: SecretKey,
    from: Originator,
    /// The base URL, for logs and errors (the path holds the account SID).
    target: String,
}

/// Who a message is from: a number or sender ID (`From`), or a Messaging Service, which picks
/// the number itself (`MessagingServiceSid`).
enum Originator {
    Sender(String),
    Service(String),
}

impl Originator {
    fn parse(from: &str) -> Option<Self> {
        let service = from.len() == 34
            && from.starts_with("MG")
            && from[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if service {
            return Some(Self::Service(from.to_owned()));
        }
        // Twilio's alphanumeric sender IDs: up to 11 letters, digits and spaces, one letter at least.
        let sender_id = (1..=MAX_SENDER_ID).contains(&from.len())
            && from.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
            && from.bytes().any(|b| b.is_ascii_alphabetic());
        (is_e164(from) || sender_id).then(|| Self::Sender(from.to_owned()))
    }

    fn field(&self) -> (&'static str, &str) {
        match self {
            Self::Sender(from) => ("From", from),
            Self::Service(sid) => ("MessagingServiceSid", sid),
        }
    }
}

/// What a 201 carries that we log.
#[derive(Deserialize)]
struct Accepted {
    sid: String,
    status: String,
}

/// Twilio's error document.
#[derive(Deserialize)]
struct Problem {
    code: Option<i64>,
    message: Option<String>,
    more_info: Option<String>,
}

impl TwilioSender {
    /// The sender `[sms]` describes, or every problem with it, each naming its key.
    pub(crate) fn new(sms: &SmsConfig) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let sid = sms.twilio_account_sid.trim();
        if sid.is_empty() {
            problems.push(
                "sms.twilio_account_sid is empty, and sms.transport is twilio; set \
                 BUREAU_SMS__TWILIO_ACCOUNT_SID to the account SID (AC…) from the Twilio console"
                    .to_owned(),
            );
        } else if !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            // It becomes a path segment of the URL.
            problems.push(format!(
                "sms.twilio_account_sid: {sid:?} is not an account SID (AC and 32 hex digits)"
            ));
        }
        if sms.twilio_auth_token.is_empty() {
            problems.push(
                "sms.twilio_auth_token is empty, and sms.transport is twilio; set \
                 BUREAU_SMS__TWILIO_AUTH_TOKEN to the account's auth token"
                    .to_owned(),
            );
        }
        let from = sms.from.trim();
        let parsed_from = Originator::parse(from);
        if from.is_empty() {
            problems.push(
                "sms.from is empty, and sms.transport is twilio; set BUREAU_SMS__FROM to a Twilio \
                 number (+14155550123), an alphanumeric sender ID or a Messaging Service SID (MG…)"
                    .to_owned(),
            );
        } else if parsed_from.is_none() {
            problems.push(format!(
                "sms.from: {from:?} is neither a phone number in E.164 form (+14155550123), an \
                 alphanumeric sender ID (at most {MAX_SENDER_ID} letters, digits and spaces) nor a \
                 Messaging Service SID (MG and 32 hex digits)"
            ));
        }
        let base = sms.twilio_base_url.trim().trim_end_matches('/');
        let url = Url::parse(&format!("{base}/2010-04-01/Accounts/{sid}/Messages.json"))
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.query().is_none());
        if url.is_none() {
            problems.push(format!(
                "sms.twilio_base_url: {base:?} is not an http(s) URL, e.g. https://api.twilio.com"
            ));
        }
        let timeout = Duration::from_secs(sms.timeout_secs.max(1));
        let http = reqwest::Client::builder()
            .user_agent(concat!("bureau/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would replay the credentials somewhere else; Twilio sends none.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("sms.transport: cannot build the HTTP client: {e}"));
        let http = match http {
            Ok(http) => Some(http),
            Err(problem) => {
                problems.push(problem);
                None
            }
        };
        match (http, url, parsed_from) {
            (Some(http), Some(url), Some(from)) if problems.is_empty() => Ok(Self {
                http,
                url,
                account_sid: sid.to_owned(),
                auth_token: sms.twilio_auth_token.clone(),
                from,
                target: base.to_owned(),
            }),
            _ => Err(problems),
        }
    }

    async fn post(&self, to: &str, body: &str) -> Result<(), SmsError> {
        let form = serde_urlencoded::to_string([("To", to), self.from.field(), ("Body", body)])
            .map_err(|e| SmsError::Permanent(format!("the message cannot be form-encoded: {e}")))?;
        let response = self
            .http
            .post(self.url.clone())
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(form)
            .send()
            .await
            // Twilio may or may not have the message; sending again risks a duplicate, which
            // beats never sending it (mail makes the same choice).
            .map_err(|e| {
                SmsError::Retryable(format!("Twilio at {}: {}", self.target, chain(&e)))
            })?;
        let status = response.status();
        // The body only explains; a failure to read it changes nothing about the status.
        let answer = response.bytes().await.unwrap_or_default();
        if status.is_success() {
            match serde_json::from_slice::<Accepted>(&answer) {
                Ok(accepted) => tracing::info!(
                    to,
                    sid = %accepted.sid,
                    status = %accepted.status,
                    "Twilio accepted the SMS"
                ),
                // Accepted all the same: sending it again would send it twice.
                Err(_) => {
                    tracing::warn!(to, %status, "Twilio accepted the SMS with an answer that is not its JSON")
                }
            }
            return Ok(());
        }
        let problem = format!("Twilio answered {status}: {}", explain(&answer));
        if is_retryable(status) {
            Err(SmsError::Retryable(problem))
        } else {
            Err(SmsError::Permanent(problem))
        }
    }
}

impl SmsSender for TwilioSender {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(self.post(to, body))
    }

    fn target(&self) -> &str {
        &self.target
    }
}

/// Busy, unavailable or slow: worth another try. Any other answer (400 for a bad number, 401 for
/// bad credentials, 404 for a wrong account) would come back the same.
fn is_retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// `error 21211: The 'To' number ... is not a valid phone number. (https://...)` from Twilio's
/// error document, or the start of whatever else came back.
fn explain(answer: &[u8]) -> String {
    if let Ok(problem) = serde_json::from_slice::<Problem>(answer)
        && (problem.code.is_some() || problem.message.is_some())
    {
        let mut text = String::new();
        if let Some(code) = problem.code {
            text.push_str(&format!("error {code}: "));
        }
        text.push_str(problem.message.as_deref().unwrap_or("(no message)"));
        if let Some(more) = problem.more_info.filter(|more| !more.is_empty()) {
            text.push_str(&format!(" ({more})"));
        }
        return text;
    }
    let text = String::from_utf8_lossy(answer);
    let quoted: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match quoted.char_indices().nth(MAX_QUOTED) {
        Some((end, _)) => format!("{}…", &quoted[..end]),
        None if quoted.is_empty() => "(empty answer)".to_owned(),
        None => quoted,
    }
}

/// An HTTP error with its causes ("error sending request: ... : Connection refused"), or the
/// timeout it was.
fn chain(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer within sms.timeout_secs".to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_twilio_from_is_a_number_a_sender_id_or_a_messaging_service() {
        let field = |from: &str| Originator::parse(from).map(|f| f.field().0);
        assert_eq!(field("+14155550123"), Some("From"));
        assert_eq!(field("Bureau"), Some("From"));
        assert_eq!(field("Bureau Shop"), Some("From"));
        assert_eq!(
            field("MG0123456789abcdef0123456789abcdef"),
            Some("MessagingServiceSid")
        );
        for bad in ["", "12345", "Bureau Shop 24", "Büro", "+1 415 555 0123"] {
            assert_eq!(field(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sms_twilio_errors_are_explained_and_sorted_by_retry() {
        let error = br#"{"code": 21211, "message": "The 'To' number +15005550001 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        assert_eq!(
            explain(error),
            "error 21211: The 'To' number +15005550001 is not a valid phone number. \
             (https://www.twilio.com/docs/errors/21211)"
        );
        assert_eq!(
            explain(b"<html>\n  Bad   gateway</html>"),
            "<html> Bad gateway</html>"
        );
        assert_eq!(explain(b""), "(empty answer)");
        assert!(explain("x ".repeat(500).as_bytes()).ends_with('…'));
        for retry in [500, 502, 503, 429, 408] {
            assert!(
                is_retryable(StatusCode::from_u16(retry).unwrap()),
                "{retry}"
            );
        }
        for give_up in [400, 401, 403, 404, 422] {
            assert!(
                !is_retryable(StatusCode::from_u16(give_up).unwrap()),
                "{give_up}"
            );
        }
    }
}
