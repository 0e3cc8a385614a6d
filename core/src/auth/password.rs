//! Password hashing: argon2id with the configured cost, always off the async runtime (a hash
//! takes tens of milliseconds of pure CPU), and upgrade of hashes made with an older cost.

use std::sync::{Arc, OnceLock};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::config::AuthConfig;
use crate::{Error, Result};

/// The stored value of an account that cannot log in with a password.
pub const UNUSABLE: &str = "!";

/// Hashes and verifies passwords with one set of argon2id parameters.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// A hash of nothing in particular, verified when the user does not exist, so an unknown
    /// username costs the same time as a wrong password.
    decoy: Arc<OnceLock<String>>,
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but hashed with other parameters: store this new hash.
    YesRehashed(String),
}

impl Passwords {
    pub fn new(config: &AuthConfig) -> Result<Self> {
        let params = Params::new(
            config.password_memory_kib,
            config.password_iterations,
            config.password_parallelism,
            None,
        )
        .map_err(|e| Error::Config(format!("auth.password_* is not a valid argon2 cost: {e}")))?;
        Ok(Self {
            params,
            decoy: Arc::new(OnceLock::new()),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=...`) with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        blocking(move || hash_with(&argon2, &password)).await?
    }

    /// Checks `password` against `stored`; a hash that cannot be parsed never matches.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<Verified> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        let stored = stored.to_owned();
        let params = self.params.clone();
        blocking(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Ok(Verified::No);
            };
            if argon2
                .verify_password(password.as_bytes(), &parsed)
                .is_err()
            {
                return Ok(Verified::No);
            }
            if same_cost(&parsed, &params) {
                Ok(Verified::Yes)
            } else {
                hash_with(&argon2, &password).map(Verified::YesRehashed)
            }
        })
        .await?
    }

    /// Spends the time of one verification and answers no: for logins naming no account.
    pub async fn verify_nobody(&self, password: &str) -> Result<Verified> {
        let decoy = match self.decoy.get() {
            Some(decoy) => decoy.clone(),
            None => {
                let decoy = self.hash("no account has this password").await?;
                self.decoy.get_or_init(|| decoy).clone()
            }
        };
        self.verify(password, &decoy).await.map(|_| Verified::No)
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String> {
    argon2
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("hashing a password: {e}")))
}

fn same_cost(hash: &PasswordHash, params: &Params) -> bool {
    hash.algorithm.as_str() == "argon2id"
        && Params::try_from(hash).is_ok_and(|p| {
            p.m_cost() == params.m_cost()
                && p.t_cost() == params.t_cost()
                && p.p_cost() == params.p_cost()
        })
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("password hashing task: {e}")))
}
