//! Configuration: typed sections of `config.toml`, overridable by `BUREAU_<SECTION>__<KEY>`.
//!
//! Loading (layers, error messages) is in `load`, the values with rules of their own are in
//! `values`, and the production profile's refusals and the generated secret key are in `checks`.

mod checks;
mod load;
mod values;

use std::any::Any;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

pub use load::{ConfigSection, ConfigSource};
pub use values::{Backend, DatabaseUrl, HostPattern, LogFilter, SecretKey, list};

use crate::{Error, Result};

/// The whole configuration of a running app: core's sections plus the ones modules registered.
#[derive(Clone, Debug)]
pub struct Config {
    pub app: AppConfig,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub security: SecurityConfig,
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
    pub trusted_proxies: Vec<IpAddr>,
    pub max_body_bytes: u64,
    pub shutdown_timeout_secs: u64,
    pub compression: bool,
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
