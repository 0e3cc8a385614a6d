//! `bureau_fixture_loads`: which registered fixtures this database has loaded.

use sea_orm::Set;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bureau_fixture_loads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub records: i64,
    pub loaded_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl ActiveModel {
    pub fn new(name: &str, records: usize) -> Self {
        Self {
            name: Set(name.to_owned()),
            records: Set(i64::try_from(records).unwrap_or(i64::MAX)),
            loaded_at: Set(chrono::Utc::now().fixed_offset()),
        }
    }
}
