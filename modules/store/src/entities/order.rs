//! `store_order`: what a customer bought, for how much, and where it stands. Its status moves
//! only through `crate::orders::transition`, which knows the allowed moves.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_order")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The public reference customers quote (`20261123-7KQ2XM`); ids stay internal.
    #[sea_orm(column_type = "String(StringLen::N(32))", unique)]
    pub number: String,
    pub user_id: i64,
    /// Sent by the checkout form: the same key twice (a double submit) finds the first order.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub idempotency_key: String,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub status: String,
    #[sea_orm(column_type = "String(StringLen::N(254))")]
    pub email: String,
    /// E.164, for SMS notices; empty when the customer gave none.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub phone: String,
    /// Cents: the lines, shipping, tax on both, and what the customer pays.
    pub subtotal: i64,
    pub shipping: i64,
    pub tax: i64,
    pub total: i64,
    #[sea_orm(column_type = "String(StringLen::N(3))")]
    pub currency: String,
    /// The shipping method as chosen (its name and rate are copied: rates change later).
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub shipping_method: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub carrier: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub tracking_number: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "bureau_core::entities::user::Entity",
        from = "Column::UserId",
        to = "bureau_core::entities::user::Column::Id",
        on_delete = "Restrict"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Order {}", self.number)
    }
}
