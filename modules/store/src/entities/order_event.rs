//! `store_order_event`: each status an order reached, when, and by whose hand — the timeline the
//! tracking page shows.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_order_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub status: String,
    /// What the customer is told with it (a tracking number, a reason).
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub note: String,
    /// Staff who made the change; none for the customer's own steps and the payment provider.
    pub actor_id: Option<i64>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::order::Entity",
        from = "Column::OrderId",
        to = "super::order::Column::Id",
        on_delete = "Cascade"
    )]
    Order,
    #[sea_orm(
        belongs_to = "bureau_core::entities::user::Entity",
        from = "Column::ActorId",
        to = "bureau_core::entities::user::Column::Id",
        on_delete = "SetNull"
    )]
    Actor,
}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {}",
            self.status,
            self.created_at.format("%Y-%m-%d %H:%M")
        )
    }
}
