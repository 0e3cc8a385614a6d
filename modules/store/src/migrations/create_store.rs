//! The store's tables: catalogue, reviews, carts, shipping rates, orders and payments, with the
//! checks that keep stock and ratings sane whatever the code above them does, and the indexes the
//! public pages and the admin read by.

use sea_orm_migration::prelude::*;

pub(super) struct CreateStore;

impl MigrationName for CreateStore {
    fn name(&self) -> &str {
        "m20261123_000001_store_create_store"
    }
}

fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

fn string(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).not_null().to_owned()
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn flag(name: &'static str, default: bool) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

fn time(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn refers(
    table: &'static str,
    column: &'static str,
    to: &'static str,
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(to, "id")
        .on_delete(action)
        .to_owned()
}

fn index(
    name: &'static str,
    table: &'static str,
    columns: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(*column);
    }
    index
}

const USER: &str = "core_user";

#[async_trait::async_trait]
impl MigrationTrait for CreateStore {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        let tables = [
            Table::create()
                .table("store_category")
                .col(id())
                .col(ColumnDef::new("parent_id").big_integer().null())
                .col(string("name", 100))
                .col(string("slug", 120).unique_key())
                .col(text("description"))
                .foreign_key(&mut refers(
                    "store_category",
                    "parent_id",
                    "store_category",
                    Restrict,
                ))
                .to_owned(),
            Table::create()
                .table("store_product")
                .col(id())
                .col(big("category_id"))
                .col(string("name", 200))
                .col(string("slug", 220).unique_key())
                .col(string("sku", 64).unique_key())
                .col(text("description"))
                .col(big("price"))
                .col(int("stock"))
                .col(int("weight_grams"))
                .col(flag("active", true))
                .col(big("rating_sum").default(0))
                .col(big("rating_count").default(0))
                .col(time("created_at"))
                .col(time("updated_at"))
                .foreign_key(&mut refers(
                    "store_product",
                    "category_id",
                    "store_category",
                    Restrict,
                ))
                // The last line of defence against overselling: no update may take stock below 0.
                .check(Expr::col("stock").gte(0))
                .check(Expr::col("price").gte(0))
                .check(Expr::col("weight_grams").gte(0))
                .to_owned(),
            Table::create()
                .table("store_product_image")
                .col(id())
                .col(big("product_id"))
                .col(string("url", 500))
                .col(string("alt", 200))
                .col(int("position").default(0))
                .foreign_key(&mut refers(
                    "store_product_image",
                    "product_id",
                    "store_product",
                    Cascade,
                ))
                .to_owned(),
            Table::create()
                .table("store_review")
                .col(id())
                .col(big("product_id"))
                .col(big("user_id"))
                .col(ColumnDef::new("rating").small_integer().not_null())
                .col(string("title", 200))
                .col(text("body"))
                .col(string("status", 20))
                .col(time("created_at"))
                .foreign_key(&mut refers(
                    "store_review",
                    "product_id",
                    "store_product",
                    Cascade,
                ))
                .foreign_key(&mut refers("store_review", "user_id", USER, Cascade))
                .check(Expr::col("rating").between(1, 5))
                .to_owned(),
            Table::create()
                .table("store_cart_item")
                .col(big("user_id"))
                .col(big("product_id"))
                .col(int("quantity"))
                .col(time("added_at"))
                .primary_key(Index::create().col("user_id").col("product_id"))
                .foreign_key(&mut refers("store_cart_item", "user_id", USER, Cascade))
                .foreign_key(&mut refers(
                    "store_cart_item",
                    "product_id",
                    "store_product",
                    Cascade,
                ))
                .check(Expr::col("quantity").gt(0))
                .to_owned(),
            Table::create()
                .table("store_shipping_zone")
                .col(id())
                .col(string("name", 100))
                .col(text("countries"))
                .to_owned(),
            Table::create()
                .table("store_shipping_rate")
                .col(id())
                .col(big("zone_id"))
                .col(string("name", 100))
                .col(int("min_weight_grams").default(0))
                .col(ColumnDef::new("max_weight_grams").integer().null())
                .col(big("price"))
                .col(ColumnDef::new("free_above").big_integer().null())
                .col(flag("active", true))
                .foreign_key(&mut refers(
                    "store_shipping_rate",
                    "zone_id",
                    "store_shipping_zone",
                    Cascade,
                ))
                .check(Expr::col("price").gte(0))
                .to_owned(),
            Table::create()
                .table("store_order")
                .col(id())
                .col(string("number", 32).unique_key())
                .col(big("user_id"))
                .col(string("idempotency_key", 64))
                .col(string("status", 20))
                .col(string("email", 254))
                .col(string("phone", 20))
                .col(big("subtotal"))
                .col(big("shipping"))
                .col(big("tax"))
                .col(big("total"))
                .col(string("currency", 3))
                .col(string("shipping_method", 100))
                .col(string("carrier", 100))
                .col(string("tracking_number", 100))
                .col(time("created_at"))
                .col(time("updated_at"))
                .foreign_key(&mut refers("store_order", "user_id", USER, Restrict))
                .to_owned(),
            Table::create()
                .table("store_order_line")
                .col(id())
                .col(big("order_id"))
                .col(ColumnDef::new("product_id").big_integer().null())
                .col(string("name", 200))
                .col(string("sku", 64))
                .col(big("unit_price"))
                .col(int("quantity"))
                .col(big("line_total"))
                .foreign_key(&mut refers(
                    "store_order_line",
                    "order_id",
                    "store_order",
                    Cascade,
                ))
                .foreign_key(&mut refers(
                    "store_order_line",
                    "product_id",
                    "store_product",
                    SetNull,
                ))
                .check(Expr::col("quantity").gt(0))
                .to_owned(),
            Table::create()
                .table("store_address")
                .col(id())
                .col(big("order_id"))
                .col(string("kind", 10))
                .col(string("name", 100))
                .col(string("line1", 200))
                .col(string("line2", 200))
                .col(string("postcode", 20))
                .col(string("city", 100))
                .col(string("country", 2))
                .foreign_key(&mut refers(
                    "store_address",
                    "order_id",
                    "store_order",
                    Cascade,
                ))
                .to_owned(),
            Table::create()
                .table("store_order_event")
                .col(id())
                .col(big("order_id"))
                .col(string("status", 20))
                .col(string("note", 500))
                .col(ColumnDef::new("actor_id").big_integer().null())
                .col(time("created_at"))
                .foreign_key(&mut refers(
                    "store_order_event",
                    "order_id",
                    "store_order",
                    Cascade,
                ))
                .foreign_key(&mut refers("store_order_event", "actor_id", USER, SetNull))
                .to_owned(),
            Table::create()
                .table("store_payment")
                .col(id())
                .col(big("order_id"))
                .col(string("provider", 20))
                .col(string("reference", 100))
                .col(big("amount"))
                .col(string("currency", 3))
                .col(string("status", 20))
                .col(string("message", 500))
                .col(time("created_at"))
                .col(time("updated_at"))
                .foreign_key(&mut refers(
                    "store_payment",
                    "order_id",
                    "store_order",
                    Cascade,
                ))
                .to_owned(),
            Table::create()
                .table("store_webhook_event")
                .col(string("provider", 20))
                .col(string("event_id", 100))
                .col(time("received_at"))
                .primary_key(Index::create().col("provider").col("event_id"))
                .to_owned(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        let indexes = [
            index("store_category_parent", "store_category", &["parent_id"]),
            // The public lists: active products by category, price, date and name.
            index(
                "store_product_category",
                "store_product",
                &["active", "category_id", "id"],
            ),
            index(
                "store_product_price",
                "store_product",
                &["active", "price", "id"],
            ),
            index(
                "store_product_created",
                "store_product",
                &["active", "created_at", "id"],
            ),
            index(
                "store_product_name",
                "store_product",
                &["active", "name", "id"],
            ),
            index(
                "store_product_image_order",
                "store_product_image",
                &["product_id", "position"],
            ),
            // One review per customer and product, whatever runs at once.
            index(
                "store_review_once",
                "store_review",
                &["product_id", "user_id"],
            )
            .unique()
            .to_owned(),
            index(
                "store_review_shown",
                "store_review",
                &["product_id", "status", "created_at"],
            ),
            index(
                "store_review_queue",
                "store_review",
                &["status", "created_at"],
            ),
            index(
                "store_cart_item_product",
                "store_cart_item",
                &["product_id"],
            ),
            index(
                "store_shipping_rate_zone",
                "store_shipping_rate",
                &["zone_id"],
            ),
            // A double-submitted checkout finds the order its first submit made.
            index(
                "store_order_idempotency",
                "store_order",
                &["user_id", "idempotency_key"],
            )
            .unique()
            .to_owned(),
            index(
                "store_order_history",
                "store_order",
                &["user_id", "created_at"],
            ),
            index(
                "store_order_status",
                "store_order",
                &["status", "created_at"],
            ),
            index("store_order_created", "store_order", &["created_at", "id"]),
            index("store_order_line_order", "store_order_line", &["order_id"]),
            index(
                "store_order_line_product",
                "store_order_line",
                &["product_id"],
            ),
            index(
                "store_address_order",
                "store_address",
                &["order_id", "kind"],
            ),
            index(
                "store_order_event_order",
                "store_order_event",
                &["order_id", "created_at"],
            ),
            index(
                "store_payment_reference",
                "store_payment",
                &["provider", "reference"],
            )
            .unique()
            .to_owned(),
            index("store_payment_order", "store_payment", &["order_id"]),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "store_webhook_event",
            "store_payment",
            "store_order_event",
            "store_address",
            "store_order_line",
            "store_order",
            "store_shipping_rate",
            "store_shipping_zone",
            "store_cart_item",
            "store_review",
            "store_product_image",
            "store_product",
            "store_category",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
