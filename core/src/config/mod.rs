//! Configuration: typed sections of `config.toml`, overridable by `BUREAU_<SECTION>__<KEY>`.
//!
//! Loading (layers, error messages) is in `load`, the values with rules of their own are in
//! `values`, and the production profile's refusals and the generated secret key are in `checks`.

mod checks;
mod load;
mod values;

use std::any::Any;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

pub use load::{ConfigSection, ConfigSource};
pub use values::{
    AllowedOrigins, Backend, DatabaseUrl, HostPattern, IpNetwork, LogFilter, Origin, SecretKey,
    list,
};

use crate::{Error, Result};

/// The whole configuration of a running app: core's sections plus the ones modules registered.
#[derive(Clone, Debug)]
pub struct Config {
    pub app: AppConfig,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub security: SecurityConfig,
    pub auth: AuthConfig,
    pub session: SessionConfig,
    pub mail: MailConfig,
    pub sms: SmsConfig,
    pub cors: CorsConfig,
    modules: Arc<HashMap<&'static str, load::SectionValue>>,
    /// Where the values came from, most general first ("built-in defaults", "config.toml", ...).
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Dev,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub name: String,
    pub profile: Profile,
    pub debug: bool,
    pub data_dir: PathBuf,
    pub load_demo_fixtures: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    #[serde(deserialize_with = "list")]
    pub allowed_hosts: Vec<HostPattern>,
    #[serde(deserialize_with = "list")]
    pub trusted_proxies: Vec<IpNetwork>,
    pub max_body_bytes: u64,
    pub shutdown_timeout_secs: u64,
    pub compression: bool,
    /// Requests handled at once; more are answered 503 at once (`web::load_shedding`). 0: no cap.
    pub max_in_flight: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout_secs: u64,
    pub acquire_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub sqlite_busy_timeout_ms: u64,
    pub sqlite_checkpoint_secs: u64,
    pub migrate_on_start: bool,
    pub log_statements: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Auto,
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub level: LogFilter,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    pub secret_key: SecretKey,
    pub hsts_max_age_secs: u64,
    #[serde(deserialize_with = "values::header_value")]
    pub content_security_policy: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailVerification {
    Mandatory,
    Optional,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub password_memory_kib: u32,
    pub password_iterations: u32,
    pub password_parallelism: u32,
    pub password_min_length: usize,
    pub email_verification: EmailVerification,
    pub site_url: String,
    pub verification_token_hours: i64,
    pub password_reset_token_minutes: i64,
    pub lockout_account_failures: u32,
    pub lockout_ip_failures: u32,
    pub lockout_window_secs: i64,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStoreKind {
    Database,
    Redis,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    pub store: SessionStoreKind,
    pub redis_url: String,
    pub idle_timeout_secs: i64,
    pub absolute_timeout_secs: i64,
    pub cleanup_interval_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub from: String,
    pub transport: MailTransportKind,
    pub file_dir: PathBuf,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: String,
    pub smtp_password: SecretKey,
    pub smtp_ca_file: PathBuf,
    pub smtp_timeout_secs: u64,
    pub poll_interval_ms: u64,
    pub max_attempts: i32,
    pub retry_base_secs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsTransportKind {
    Log,
    Twilio,
}

/// How SMS leave (`crate::sms`). The outbox worker that sends them is configured in `[mail]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub transport: SmsTransportKind,
    pub file_dir: PathBuf,
    pub from: String,
    pub twilio_base_url: String,
    pub twilio_account_sid: String,
    pub twilio_auth_token: SecretKey,
    pub timeout_secs: u64,
}

/// Which other web origins may call the API from their pages (`web::cors`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    #[serde(deserialize_with = "values::allowed_origins")]
    pub allowed_origins: AllowedOrigins,
    pub max_age_secs: u64,
}

impl MailConfig {
    /// Where the file transport writes: `file_dir`, or `<data_dir>/mail`.
    pub fn file_dir(&self, app: &AppConfig) -> PathBuf {
        if self.file_dir.as_os_str().is_empty() {
            app.data_dir.join("mail")
        } else {
            self.file_dir.clone()
        }
    }
}

impl SmsConfig {
    /// Where the log sender writes: `file_dir`, or `<data_dir>/sms`.
    pub fn file_dir(&self, app: &AppConfig) -> PathBuf {
        if self.file_dir.as_os_str().is_empty() {
            app.data_dir.join("sms")
        } else {
            self.file_dir.clone()
        }
    }
}

impl Config {
    /// Loads every layer of `source`, checks it, and settles the secret key.
    pub fn load(source: &ConfigSource, sections: &[ConfigSection]) -> Result<Self> {
        let mut config = load::load(source, sections)?;
        checks::check(&config)?;
        checks::settle_secret_key(&mut config)?;
        Ok(config)
    }

    /// The section a module registered with `AppBuilder::config_section`.
    pub fn section<T: Any + Send + Sync>(&self, name: &str) -> Result<&T> {
        self.modules
            .get(name)
            .and_then(|value| value.downcast_ref::<T>())
            .ok_or_else(|| {
                Error::Internal(format!(
                    "configuration section [{name}] is not registered with that type"
                ))
            })
    }

    /// Settings that are allowed but risky (in production: a remote database without TLS).
    pub fn warnings(&self) -> Vec<String> {
        checks::warnings(self)
    }

    pub fn is_production(&self) -> bool {
        self.app.profile == Profile::Production
    }

    pub fn json_logs(&self) -> bool {
        match self.log.format {
            LogFormat::Json => true,
            LogFormat::Pretty => false,
            LogFormat::Auto => self.is_production(),
        }
    }
}

impl ServerConfig {
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}
