//! `core_casbin_rule`: casbin's policy lines (`p, role, object, action`; `g, role, parent`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "core_casbin_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(12))")]
    pub ptype: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub v0: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub v1: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub v2: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub v3: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub v4: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub v5: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
