//! `store_product_image`: a product's pictures, by URL or path under the site, in order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_product_image")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    /// `https://...` or a path such as `/static/store/mug.svg`.
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub url: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub alt: String,
    /// The first (lowest) is the product's main picture.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::product::Entity",
        from = "Column::ProductId",
        to = "super::product::Column::Id",
        on_delete = "Cascade"
    )]
    Product,
}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}
