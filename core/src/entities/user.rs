//! `core_user`: a person who can log in.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "core_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(150))")]
    pub username: String,
    /// `username` lowercased: uniqueness and login ignore case.
    #[sea_orm(unique)]
    #[serde(skip)]
    pub username_key: String,
    #[sea_orm(column_type = "String(StringLen::N(254))")]
    pub email: String,
    /// `email` lowercased.
    #[sea_orm(unique)]
    #[serde(skip)]
    pub email_key: String,
    /// A PHC string (`$argon2id$...`), or `!` for an account that cannot log in by password.
    #[serde(skip)]
    pub password: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub email_verified: bool,
    pub date_joined: DateTimeWithTimeZone,
    pub last_login: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user_role::Entity")]
    UserRole,
    #[sea_orm(has_many = "super::token_family::Entity")]
    TokenFamily,
}

impl Related<super::token_family::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TokenFamily.def()
    }
}

impl Related<super::user_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserRole.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
