//! `store_product`: something the store sells.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_product")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub category_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(220))", unique)]
    pub slug: String,
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub sku: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// In cents, tax excluded.
    pub price: i64,
    /// Units on hand; the database refuses a negative stock, so an order can never oversell.
    pub stock: i32,
    pub weight_grams: i32,
    /// Only active products are on the public pages and can be bought.
    pub active: bool,
    /// The approved reviews' ratings summed and counted, kept with each moderation decision so
    /// lists show the average without reading the reviews.
    pub rating_sum: i64,
    pub rating_count: i64,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::category::Entity",
        from = "Column::CategoryId",
        to = "super::category::Column::Id",
        on_delete = "Restrict"
    )]
    Category,
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The average approved rating, when there is one.
    pub fn rating(&self) -> Option<f64> {
        (self.rating_count > 0).then(|| self.rating_sum as f64 / self.rating_count as f64)
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.sku)
    }
}
