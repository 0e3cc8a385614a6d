//! Login protection: failed logins are counted per account and per client address within a
//! sliding window; past the limit, further attempts are refused until old failures age out.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::config::AuthConfig;
use sha2::Digest;

use crate::entities::login_failure;
use crate::{Error, Result};

const MAX_READABLE_LOGIN: usize = 160;

/// The keys one login attempt counts against.
pub struct Keys {
    pub account: String,
    pub ip: Option<String>,
}

impl Keys {
    pub fn new(account: String, ip: Option<std::net::IpAddr>) -> Self {
        // The key column holds 190 characters; a longer login (no account has one, but anyone
        // can type one) is counted under its digest.
        let account = if account.len() > MAX_READABLE_LOGIN {
            let digest = sha2::Sha256::digest(account.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256:{hex}")
        } else {
            account
        };
        Self {
            account: format!("account:{account}"),
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }
}

/// Refuses the attempt when the account or the address has failed too often lately.
pub async fn check(db: &impl ConnectionTrait, config: &AuthConfig, keys: &Keys) -> Result<()> {
    let since = Utc::now().fixed_offset() - Duration::seconds(config.lockout_window_secs);
    let limits = [
        (Some(&keys.account), config.lockout_account_failures),
        (keys.ip.as_ref(), config.lockout_ip_failures),
    ];
    for (key, limit) in limits {
        let Some(key) = key else { continue };
        let failures = login_failure::Entity::find()
            .filter(login_failure::Column::Key.eq(key.as_str()))
            .filter(login_failure::Column::At.gt(since))
            .count(db)
            .await?;
        if limit > 0 && failures >= u64::from(limit) {
            let minutes = (config.lockout_window_secs + 59) / 60;
            return Err(Error::TooManyRequests(format!(
                "Too many failed login attempts. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )));
        }
    }
    Ok(())
}

pub async fn record_failure(db: &impl ConnectionTrait, keys: &Keys) -> Result<()> {
    let now = Utc::now().fixed_offset();
    for key in std::iter::once(&keys.account).chain(keys.ip.as_ref()) {
        login_failure::ActiveModel {
            key: Set(key.clone()),
            at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A successful login forgives the account's failures (not the address's).
pub async fn clear(db: &impl ConnectionTrait, keys: &Keys) -> Result<()> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(keys.account.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes failures older than the window; they no longer count.
pub async fn delete_expired(db: &impl ConnectionTrait, config: &AuthConfig) -> Result<u64> {
    let before = Utc::now().fixed_offset() - Duration::seconds(config.lockout_window_secs);
    Ok(login_failure::Entity::delete_many()
        .filter(login_failure::Column::At.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
