//! `store_address`: an order's shipping and billing addresses, as the customer entered them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_address")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// `shipping` or `billing`.
    #[sea_orm(column_type = "String(StringLen::N(10))")]
    pub kind: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub line1: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub line2: String,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub postcode: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub city: String,
    /// ISO 3166-1 alpha-2, upper case.
    #[sea_orm(column_type = "String(StringLen::N(2))")]
    pub country: String,
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

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, {} {} {}",
            self.name, self.postcode, self.city, self.country
        )
    }
}
