//! `store_webhook_event`: provider events already handled, so a delivery repeated by the provider
//! (they retry until answered) changes nothing the second time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_webhook_event")]
pub struct Model {
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub provider: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub event_id: String,
    pub received_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.provider, self.event_id)
    }
}
