//! tower-sessions' `SessionStore` on our own database through sea-orm, so sessions need nothing
//! beyond the database on SQLite, PostgreSQL and MariaDB alike.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_sessions_core::SessionStore;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error as StoreError, Result as StoreResult};

use super::{from_chrono, to_chrono};
use crate::entities::session;

#[derive(Debug, Clone)]
pub struct DatabaseStore {
    db: DatabaseConnection,
}

impl DatabaseStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired(&self) -> crate::Result<u64> {
        let now = chrono::Utc::now().fixed_offset();
        let done = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(now))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    fn row(record: &Record) -> StoreResult<session::ActiveModel> {
        let data =
            serde_json::to_string(&record.data).map_err(|e| StoreError::Encode(e.to_string()))?;
        Ok(session::ActiveModel {
            id: Set(record.id.to_string()),
            data: Set(data),
            expires_at: Set(to_chrono(record.expiry_date)),
        })
    }
}

fn backend(error: sea_orm::DbErr) -> StoreError {
    StoreError::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for DatabaseStore {
    async fn create(&self, record: &mut Record) -> StoreResult<()> {
        // Ids are 128 random bits; a collision is astronomically unlikely, but if one happens the
        // insert fails on the primary key and a fresh id is tried rather than taking over a session.
        for _ in 0..3 {
            match session::Entity::insert(Self::row(record)?)
                .exec_without_returning(&self.db)
                .await
            {
                Ok(_) => return Ok(()),
                Err(_) if self.load(&record.id).await?.is_some() => record.id = Id::default(),
                Err(error) => return Err(backend(error)),
            }
        }
        Err(StoreError::Backend(
            "could not find a free session id".to_owned(),
        ))
    }

    async fn save(&self, record: &Record) -> StoreResult<()> {
        session::Entity::insert(Self::row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Data, session::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> StoreResult<Option<Record>> {
        let now = chrono::Utc::now().fixed_offset();
        let Some(row) = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&row.data).map_err(|e| StoreError::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: from_chrono(row.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> StoreResult<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
