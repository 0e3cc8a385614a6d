//! `store_shipping_rate`: a shipping method in a zone and what it costs — a flat price, or a price
//! for parcels in a weight band — free above an order subtotal when set.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_shipping_rate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub zone_id: i64,
    /// What the customer chooses: "Standard", "Express".
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub name: String,
    /// The band of parcel weights it applies to, in grams: from `min_weight_grams` included up
    /// to `max_weight_grams` excluded (no upper bound when none).
    pub min_weight_grams: i32,
    pub max_weight_grams: Option<i32>,
    /// Cents.
    pub price: i64,
    /// Orders whose subtotal (cents) reaches this ship for free by this method.
    pub free_above: Option<i64>,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::shipping_zone::Entity",
        from = "Column::ZoneId",
        to = "super::shipping_zone::Column::Id",
        on_delete = "Cascade"
    )]
    Zone,
}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}
