//! `store_payment`: one attempt to pay an order through a provider.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_payment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// `sandbox` or `stripe`.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub provider: String,
    /// The provider's id for it; unique per provider, so its webhook finds exactly this row.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub reference: String,
    /// Cents.
    pub amount: i64,
    #[sea_orm(column_type = "String(StringLen::N(3))")]
    pub currency: String,
    /// `processing`, `requires_action`, `succeeded`, `declined` or `refunded`.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub status: String,
    /// Why it was declined, as the provider put it, or the provider's id for its refund.
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub message: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
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
}

impl Related<super::order::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Order.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.provider, self.reference, self.status)
    }
}
