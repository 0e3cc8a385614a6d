//! `core_policy_seed`: default rules already written once, so a default an administrator deleted
//! stays deleted.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "core_policy_seed")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub rule: String,
    pub seeded_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
