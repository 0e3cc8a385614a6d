//! tower-sessions' `SessionStore` on Redis, for deployments that prefer it to the database. Keys
//! expire in Redis itself, so no cleanup job is needed for them.

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tower_sessions_core::SessionStore;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error as StoreError, Result as StoreResult};

use crate::{Error, Result};

#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisStore")
    }
}

impl RedisStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let problem =
            |e: redis::RedisError| Error::Config(format!("session.redis_url ({url}): {e}"));
        let client = redis::Client::open(url).map_err(problem)?;
        let connection = ConnectionManager::new(client).await.map_err(problem)?;
        Ok(Self { connection })
    }

    fn key(id: &Id) -> String {
        format!("bureau:session:{id}")
    }
}

fn backend(error: redis::RedisError) -> StoreError {
    StoreError::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create(&self, record: &mut Record) -> StoreResult<()> {
        let mut connection = self.connection.clone();
        // SET NX: never take over an existing session if a random id ever repeats.
        for _ in 0..3 {
            let value =
                serde_json::to_string(record).map_err(|e| StoreError::Encode(e.to_string()))?;
            let options = redis::SetOptions::default()
                .conditional_set(redis::ExistenceCheck::NX)
                .with_expiration(redis::SetExpiry::EXAT(expiry(record)));
            let created: Option<String> = connection
                .set_options(Self::key(&record.id), value, options)
                .await
                .map_err(backend)?;
            if created.is_some() {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(StoreError::Backend(
            "could not find a free session id".to_owned(),
        ))
    }

    async fn save(&self, record: &Record) -> StoreResult<()> {
        let mut connection = self.connection.clone();
        let value = serde_json::to_string(record).map_err(|e| StoreError::Encode(e.to_string()))?;
        let options =
            redis::SetOptions::default().with_expiration(redis::SetExpiry::EXAT(expiry(record)));
        let _: Option<String> = connection
            .set_options(Self::key(&record.id), value, options)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> StoreResult<Option<Record>> {
        let mut connection = self.connection.clone();
        let value: Option<String> = connection.get(Self::key(id)).await.map_err(backend)?;
        value
            .map(|v| serde_json::from_str(&v).map_err(|e| StoreError::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> StoreResult<()> {
        let mut connection = self.connection.clone();
        let _: i64 = connection.del(Self::key(id)).await.map_err(backend)?;
        Ok(())
    }
}

fn expiry(record: &Record) -> u64 {
    u64::try_from(record.expiry_date.unix_timestamp()).unwrap_or(0)
}
