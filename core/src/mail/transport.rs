//! Where mail goes: `.eml` files in a folder (development) or an SMTP server. Built once at
//! startup from `[mail]`, so a bad setting stops the app instead of failing every message.

use std::path::Path;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailTransportKind, SmtpTls};
use crate::{Config, Error, Result};

/// The configured way out for mail, with the sender address every message carries.
pub struct Transport {
    from: Mailbox,
    kind: Kind,
    /// Where messages go, for logs and errors: a folder, or `host:port`.
    target: String,
}

enum Kind {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    /// Checks `[mail]` and builds the transport it names. Errors name the key at fault.
    pub fn from_config(config: &Config) -> Result<Self> {
        let mail = &config.mail;
        check_numbers(mail)?;
        let from = mail.from.parse::<Mailbox>().map_err(|e| {
            invalid(
                "mail.from",
                format!(
                    "{:?} is not a mail address ({e}); expected e.g. \"Bureau <noreply@example.com>\"",
                    mail.from
                ),
            )
        })?;
        let (kind, target) = match mail.transport {
            MailTransportKind::File => {
                let dir = mail.file_dir(&config.app);
                std::fs::create_dir_all(&dir).map_err(|e| {
                    invalid(
                        "mail.file_dir",
                        format!("cannot create the folder {}: {e}", dir.display()),
                    )
                })?;
                let target = dir.display().to_string();
                (Kind::File(AsyncFileTransport::new(dir)), target)
            }
            MailTransportKind::Smtp => (
                Kind::Smtp(smtp(mail)?),
                format!("{}:{}", mail.smtp_host, mail.smtp_port),
            ),
        };
        Ok(Self { from, kind, target })
    }

    /// A message from the configured sender to `to`: plain text, or text and HTML as
    /// alternatives. A recipient that is not a mail address is an error of this message only.
    pub fn message(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        html: Option<&str>,
    ) -> Result<Message> {
        let to = to.parse::<Mailbox>().map_err(|e| {
            Error::BadRequest(format!("the recipient {to:?} is not a mail address: {e}"))
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject);
        let message = match html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            )),
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(text.to_owned()),
        };
        message.map_err(|e| Error::BadRequest(format!("the message cannot be built: {e}")))
    }

    /// Hands `message` over: written to its file, or accepted by the SMTP server.
    pub async fn send(&self, message: Message) -> Result<()> {
        let sent = match &self.kind {
            Kind::File(file) => file
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Kind::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        };
        sent.map_err(|e| Error::Internal(format!("sending to {}: {e}", self.target)))
    }

    /// Where messages go: the folder, or the SMTP server's `host:port`.
    pub fn target(&self) -> &str {
        &self.target
    }
}

/// The worker's numbers; zero or negative values would make it spin or never retry.
fn check_numbers(mail: &MailConfig) -> Result<()> {
    if mail.poll_interval_ms == 0 {
        return Err(invalid(
            "mail.poll_interval_ms",
            "must be at least 1".into(),
        ));
    }
    if mail.max_attempts < 1 {
        return Err(invalid("mail.max_attempts", "must be at least 1".into()));
    }
    if mail.retry_base_secs < 1 {
        return Err(invalid("mail.retry_base_secs", "must be at least 1".into()));
    }
    if mail.smtp_timeout_secs == 0 {
        return Err(invalid(
            "mail.smtp_timeout_secs",
            "must be at least 1".into(),
        ));
    }
    Ok(())
}

fn smtp(mail: &MailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let host = mail.smtp_host.as_str();
    if host.is_empty() {
        return Err(invalid(
            "mail.smtp_host",
            "is empty, and mail.transport is smtp".into(),
        ));
    }
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(mail.smtp_port)
        .timeout(Some(Duration::from_secs(mail.smtp_timeout_secs)));
    builder = match mail.smtp_tls {
        SmtpTls::None => builder.tls(Tls::None),
        // Required, not Opportunistic: a server that stops offering STARTTLS must not get the
        // credentials and messages in clear.
        SmtpTls::Starttls => builder.tls(Tls::Required(tls_parameters(mail)?)),
        SmtpTls::Tls => builder.tls(Tls::Wrapper(tls_parameters(mail)?)),
    };
    if !mail.smtp_username.is_empty() {
        if mail.smtp_tls == SmtpTls::None && !is_loopback(host) {
            tracing::warn!(
                host,
                "mail.smtp_username is set with mail.smtp_tls = none: the password crosses the network in clear"
            );
        }
        builder = builder.credentials(Credentials::new(
            mail.smtp_username.clone(),
            mail.smtp_password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// The system's root certificates, plus those of `smtp_ca_file` when set (a private CA's).
fn tls_parameters(mail: &MailConfig) -> Result<TlsParameters> {
    let mut builder = TlsParameters::builder(mail.smtp_host.clone());
    if !mail.smtp_ca_file.as_os_str().is_empty() {
        builder = builder.add_root_certificate(ca_certificate(&mail.smtp_ca_file)?);
    }
    let key = if mail.smtp_ca_file.as_os_str().is_empty() {
        "mail.smtp_tls"
    } else {
        "mail.smtp_ca_file"
    };
    builder.build().map_err(|e| {
        invalid(
            key,
            format!("TLS to {} cannot be set up: {e}", mail.smtp_host),
        )
    })
}

fn ca_certificate(path: &Path) -> Result<Certificate> {
    let pem = std::fs::read(path).map_err(|e| {
        invalid(
            "mail.smtp_ca_file",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    // lettre accepts a file without any certificate in it, which would silently trust nothing.
    let has_certificate = pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----");
    if !has_certificate {
        return Err(invalid(
            "mail.smtp_ca_file",
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Certificate::from_pem(&pem).map_err(|e| {
        invalid(
            "mail.smtp_ca_file",
            format!("{} is not a PEM certificate: {e}", path.display()),
        )
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn invalid(key: &str, problem: String) -> Error {
    Error::Config(format!("configuration error: {key}: {problem}"))
}
