//! The store's admin panels and who may use them: store managers run the catalogue, reviews,
//! shipping rates and orders; every staff member may look.

use bureau_core::sea_orm::sea_query::Expr;
use std::future::Future;
use std::pin::Pin;

use bureau_core::sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use bureau_core::{ActionContext, ActionField, ActionOutcome, AdminPanel, AppBuilder, Policy};

use crate::entities::{
    address, category, order, order_event, order_line, payment, product, product_image, review,
    shipping_rate, shipping_zone,
};
use crate::orders::{self, Status};

/// Fills `created_at` and `updated_at` of a row added in the admin.
fn stamp_new(row: &mut serde_json::Map<String, serde_json::Value>) {
    let now = serde_json::Value::from(chrono::Utc::now().to_rfc3339());
    row.insert("created_at".into(), now.clone());
    row.insert("updated_at".into(), now);
}

fn stamp_changed(row: &mut serde_json::Map<String, serde_json::Value>) {
    row.insert("updated_at".into(), chrono::Utc::now().to_rfc3339().into());
}

/// The order a panel action is about.
fn order_id(action: &ActionContext) -> bureau_core::Result<i64> {
    action
        .id
        .as_i64()
        .ok_or_else(|| bureau_core::Error::BadRequest("an order id is a number".to_owned()))
}

fn status_of(row: &serde_json::Map<String, serde_json::Value>) -> Option<Status> {
    row.get("status")
        .and_then(|s| s.as_str())
        .and_then(Status::parse)
}

/// The action that moves an order to `to`, telling the customer the input `note` (a field name,
/// or "" for none), and says `done`.
fn mover(
    to: Status,
    note: &'static str,
    done: &'static str,
) -> impl for<'a> Fn(
    &'a DatabaseTransaction,
    ActionContext,
) -> Pin<Box<dyn Future<Output = bureau_core::Result<ActionOutcome>> + Send + 'a>>
+ Send
+ Sync
+ 'static {
    move |txn, action| {
        Box::pin(async move {
            let id = order_id(&action)?;
            let note = action.input(note).to_owned();
            let moved = orders::transition_and_tell(
                txn,
                &action.state,
                id,
                to,
                &note,
                Some(action.user.id),
            )
            .await?;
            Ok(outcome(moved, done))
        })
    }
}

/// A state-machine answer as the admin shows it.
fn outcome(moved: std::result::Result<order::Model, orders::Refused>, done: &str) -> ActionOutcome {
    match moved {
        Ok(_) => ActionOutcome::done(done),
        Err(refused) => ActionOutcome::refused(refused.0),
    }
}

/// Shipping rates as their own panel and the zone page's inline both read and check them.
fn rate_panel() -> AdminPanel {
    AdminPanel::of::<shipping_rate::Entity>()
        .money(["price", "free_above"])
        .validator(crate::shipping::check_rate)
}

/// Products with this many units or fewer are "low stock" in the admin's filter.
const LOW_STOCK: i64 = 5;

pub(crate) fn register(app: &mut AppBuilder) {
    let mut products = AdminPanel::of::<product::Entity>()
        .label("products")
        .list_display([
            "name",
            "sku",
            "category_id__name",
            "price",
            "stock",
            "active",
            "updated_at",
        ])
        .money(["price"])
        .search_fields(["name", "sku"])
        .list_filter(["category_id", "active", "stock"])
        .ranges(
            "stock",
            [
                ("Out of stock", None, Some(0)),
                ("Low stock", Some(1), Some(LOW_STOCK)),
                ("In stock", Some(LOW_STOCK + 1), None),
            ],
        )
        .ordering(["name"])
        .display("name")
        .blank(["description"])
        .readonly_fields(["rating_sum", "rating_count", "created_at", "updated_at"])
        .inline::<product_image::Entity>(
            "images",
            "Images",
            "product_id",
            ["position", "url", "alt"],
        )
        .fieldset(
            "Product",
            ["name", "slug", "sku", "category_id", "description"],
        )
        .fieldset("Sale", ["price", "stock", "weight_grams", "active"])
        .fieldset("Reviews", ["rating_sum", "rating_count"])
        .on_add(stamp_new)
        .on_change(stamp_changed);
    for (name, label, active) in [
        ("activate", "Put selected products on sale", true),
        ("deactivate", "Take selected products off sale", false),
    ] {
        products = products.action(name, label, move |txn, ids| {
            Box::pin(async move {
                let ids: Vec<i64> = ids.iter().filter_map(|id| id.as_i64()).collect();
                let done = product::Entity::update_many()
                    .col_expr(product::Column::Active, Expr::value(active))
                    .col_expr(
                        product::Column::UpdatedAt,
                        Expr::value(chrono::Utc::now().fixed_offset()),
                    )
                    .filter(product::Column::Id.is_in(ids))
                    .filter(product::Column::Active.eq(!active))
                    .exec(txn)
                    .await?;
                Ok(done.rows_affected)
            })
        });
    }
    let mut reviews = AdminPanel::of::<review::Entity>()
        .label("reviews")
        .list_display([
            "title",
            "product_id__name",
            "user_id__username",
            "rating",
            "status",
            "created_at",
        ])
        .search_fields(["title", "body"])
        .list_filter(["status", "rating", "created_at"])
        .choices(
            "status",
            [review::PENDING, review::APPROVED, review::REJECTED],
        )
        .ordering(["-created_at"])
        .display("title")
        .readonly_fields(["product_id", "user_id", "created_at"]);
    for (name, label, status) in [
        ("approve", "Approve selected reviews", review::APPROVED),
        ("reject", "Reject selected reviews", review::REJECTED),
    ] {
        // The products' rating figures follow through the database's triggers.
        reviews = reviews.action(name, label, move |txn, ids| {
            Box::pin(async move {
                let ids: Vec<i64> = ids.iter().filter_map(|id| id.as_i64()).collect();
                let done = review::Entity::update_many()
                    .col_expr(review::Column::Status, Expr::value(status))
                    .filter(review::Column::Id.is_in(ids))
                    .filter(review::Column::Status.ne(status))
                    .exec(txn)
                    .await?;
                Ok(done.rows_affected)
            })
        });
    }
    app.admin(
        AdminPanel::of::<category::Entity>()
            .label("categories")
            .list_display(["name", "slug", "parent_id__name"])
            .search_fields(["name", "slug"])
            .list_filter(["parent_id"])
            .ordering(["name"])
            .display("name")
            .blank(["description"]),
    )
    .admin(products)
    .admin(reviews)
    .admin(
        AdminPanel::of::<shipping_zone::Entity>()
            .label("shipping zones")
            .list_display(["name", "countries"])
            .search_fields(["name", "countries"])
            .ordering(["name"])
            .display("name")
            .validator(crate::shipping::check_zone)
            .inline_panel(
                "rates",
                "Rates",
                "zone_id",
                rate_panel().list_display([
                    "name",
                    "min_weight_grams",
                    "max_weight_grams",
                    "price",
                    "free_above",
                    "active",
                ]),
            ),
    )
    .admin(
        rate_panel()
            .label("shipping rates")
            .list_display([
                "name",
                "zone_id__name",
                "min_weight_grams",
                "max_weight_grams",
                "price",
                "free_above",
                "active",
            ])
            .list_filter(["zone_id", "active"])
            .ordering(["zone_id", "min_weight_grams"])
            .display("name"),
    );
    // Orders change only through their actions, which keep the state machine, the stock, the
    // timeline and the customer's messages together.
    app.admin(
        AdminPanel::of::<order::Entity>()
            .label("orders")
            .read_only()
            .list_display([
                "number",
                "user_id__username",
                "status",
                "total",
                "shipping_method",
                "created_at",
            ])
            .money(["subtotal", "shipping", "tax", "total"])
            .search_fields(["number", "email", "tracking_number"])
            .list_filter(["status", "created_at", "user_id"])
            .choices("status", Status::ALL.map(Status::as_str))
            .ordering(["-created_at"])
            .display("number")
            .inline_panel(
                "lines",
                "Lines",
                "order_id",
                AdminPanel::of::<order_line::Entity>()
                    .list_display(["name", "sku", "unit_price", "quantity", "line_total"])
                    .money(["unit_price", "line_total"]),
            )
            .inline::<address::Entity>(
                "addresses",
                "Addresses",
                "order_id",
                [
                    "kind", "name", "line1", "line2", "postcode", "city", "country",
                ],
            )
            .inline::<order_event::Entity>(
                "timeline",
                "Timeline",
                "order_id",
                ["created_at", "status", "note", "actor_id"],
            )
            .inline_panel(
                "payments",
                "Payments",
                "order_id",
                AdminPanel::of::<payment::Entity>()
                    .list_display(["provider", "reference", "amount", "status", "message"])
                    .money(["amount"]),
            )
            .object_action(
                "ship",
                "Mark shipped",
                [
                    ActionField::text("carrier", "Carrier")
                        .required()
                        .max_length(100),
                    ActionField::text("tracking_number", "Tracking number")
                        .required()
                        .max_length(100),
                ],
                |txn, action| {
                    Box::pin(async move {
                        let id = order_id(&action)?;
                        let shipped = orders::ship(
                            txn,
                            &action.state,
                            id,
                            action.input("carrier"),
                            action.input("tracking_number"),
                            Some(action.user.id),
                        )
                        .await?;
                        Ok(outcome(
                            shipped,
                            "The order is marked shipped; the customer is told.",
                        ))
                    })
                },
            )
            .object_action_when("ship", |row| status_of(row) == Some(Status::Paid))
            .object_action(
                "deliver",
                "Mark delivered",
                [],
                mover(Status::Delivered, "", "The order is marked delivered."),
            )
            .object_action_when("deliver", |row| status_of(row) == Some(Status::Shipped))
            .object_action(
                "cancel",
                "Cancel order",
                [ActionField::textarea("reason", "Reason, for the customer").max_length(500)],
                mover(
                    Status::Cancelled,
                    "reason",
                    "The order is cancelled; its stock is back on sale and any payment is \
                     refunded.",
                ),
            )
            .object_action_when("cancel", |row| {
                status_of(row).is_some_and(|s| s.may_become(Status::Cancelled))
            })
            .object_action(
                "refund",
                "Refund",
                [
                    ActionField::textarea("note", "Note for the customer").max_length(500),
                    ActionField::checkbox(
                        "confirm",
                        "Give the whole payment back to the customer through the payment provider",
                    )
                    .required(),
                ],
                mover(
                    Status::Refunded,
                    "note",
                    "The order is refunded: its payment is on its way back to the customer.",
                ),
            )
            .object_action_when("refund", |row| {
                status_of(row).is_some_and(|s| s.may_become(Status::Refunded))
            }),
    )
    .admin(
        AdminPanel::of::<payment::Entity>()
            .label("payments")
            .read_only()
            .list_display([
                "reference",
                "order_id__number",
                "provider",
                "amount",
                "status",
                "created_at",
            ])
            .money(["amount"])
            .search_fields(["reference"])
            .list_filter(["provider", "status", "created_at"])
            .ordering(["-created_at"])
            .display("reference"),
    );
    for model in ["store.order", "store.payment"] {
        app.policy(Policy::allow("store_manager", model, "view"));
        app.policy(Policy::allow("staff", model, "view"));
    }
    for action in ["ship", "deliver", "cancel", "refund"] {
        app.policy(Policy::allow("store_manager", "store.order", action));
    }
    for model in [
        "store.category",
        "store.product",
        "store.product_image",
        "store.review",
        "store.shipping_zone",
        "store.shipping_rate",
    ] {
        for action in ["view", "add", "change", "delete"] {
            app.policy(Policy::allow("store_manager", model, action));
        }
        app.policy(Policy::allow("staff", model, "view"));
    }
    for action in ["activate", "deactivate"] {
        app.policy(Policy::allow("store_manager", "store.product", action));
    }
    for action in ["approve", "reject"] {
        app.policy(Policy::allow("store_manager", "store.review", action));
    }
}
