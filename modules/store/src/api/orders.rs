//! The caller's orders: `GET /orders/` (newest first, a page at a time) and
//! `GET /orders/{number}/` (lines, addresses, totals, timeline, tracking). Another customer's
//! order is not found.

use bureau_core::api::{Nullable, Pagination, Problems};
use bureau_core::auth::ApiAuth;
use bureau_core::poem::web::Data;
use bureau_core::poem::{self, Request};
use bureau_core::poem_openapi::param::{Path, Query};
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::types::Example;
use bureau_core::poem_openapi::{self, Enum, Object, OpenApi};
use bureau_core::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use bureau_core::{AppState, Error, Result};
use chrono::{DateTime, FixedOffset};

use super::StoreTag;
use crate::countries::country_name;
use crate::orders::Status;
use crate::{address, order, order_event, order_line};

/// Where an order stands.
#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename = "OrderStatus", rename_all = "snake_case")]
enum OrderStatus {
    PendingPayment,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    fn of(stored: &str) -> Self {
        match Status::parse(stored) {
            Some(Status::Paid) => Self::Paid,
            Some(Status::Shipped) => Self::Shipped,
            Some(Status::Delivered) => Self::Delivered,
            Some(Status::Cancelled) => Self::Cancelled,
            Some(Status::Refunded) => Self::Refunded,
            Some(Status::PendingPayment) | None => Self::PendingPayment,
        }
    }
}

fn label(stored: &str) -> String {
    Status::parse(stored)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|| stored.to_owned())
}

/// An order in the history.
#[derive(Object)]
#[oai(example)]
struct OrderSummary {
    /// The public reference, as in `/api/store/orders/{number}/`.
    number: String,
    status: OrderStatus,
    /// The status as customers read it.
    status_label: String,
    items: i64,
    total_cents: i64,
    currency: String,
    created_at: DateTime<FixedOffset>,
}

/// One page of the caller's orders, newest first.
#[derive(Object)]
struct OrderPage {
    count: u64,
    next: Nullable<String>,
    previous: Nullable<String>,
    results: Vec<OrderSummary>,
}

/// A product of an order, as it was when ordered.
#[derive(Object)]
struct OrderLineView {
    /// Null once the product is deleted.
    product_id: Nullable<i64>,
    name: String,
    sku: String,
    unit_price_cents: i64,
    quantity: i32,
    line_total_cents: i64,
}

#[derive(Object)]
struct AddressView {
    name: String,
    line1: String,
    line2: String,
    postcode: String,
    city: String,
    country: String,
    country_name: String,
}

impl AddressView {
    fn of(a: address::Model) -> Self {
        Self {
            country_name: country_name(&a.country).unwrap_or_default().to_owned(),
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            postcode: a.postcode,
            city: a.city,
            country: a.country,
        }
    }
}

/// A status the order reached.
#[derive(Object)]
struct TimelineEvent {
    status: OrderStatus,
    status_label: String,
    /// What the customer was told with it (a tracking number, a reason).
    note: String,
    at: DateTime<FixedOffset>,
}

/// One of the caller's orders in full.
#[derive(Object)]
#[oai(example)]
pub(super) struct OrderView {
    number: String,
    status: OrderStatus,
    status_label: String,
    email: String,
    /// Empty when none was given.
    phone: String,
    lines: Vec<OrderLineView>,
    shipping_address: Nullable<AddressView>,
    billing_address: Nullable<AddressView>,
    shipping_method: String,
    subtotal_cents: i64,
    shipping_cents: i64,
    tax_cents: i64,
    total_cents: i64,
    currency: String,
    /// Set once shipped.
    carrier: Nullable<String>,
    tracking_number: Nullable<String>,
    /// Oldest first.
    timeline: Vec<TimelineEvent>,
    created_at: DateTime<FixedOffset>,
    updated_at: DateTime<FixedOffset>,
}

fn nonempty(text: String) -> Nullable<String> {
    (!text.is_empty()).then_some(text).into()
}

pub(super) async fn order_view(state: &AppState, order: order::Model) -> Result<OrderView> {
    let db = state.db();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let mut addresses = address::Entity::find()
        .filter(address::Column::OrderId.eq(order.id))
        .all(db)
        .await?;
    let mut take = |kind: &str| {
        let at = addresses.iter().position(|a| a.kind == kind)?;
        Some(AddressView::of(addresses.remove(at)))
    };
    let (shipping_address, billing_address) = (take("shipping"), take("billing"));
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order.id))
        .order_by_asc(order_event::Column::CreatedAt)
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?;
    Ok(OrderView {
        status: OrderStatus::of(&order.status),
        status_label: label(&order.status),
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                product_id: l.product_id.into(),
                name: l.name,
                sku: l.sku,
                unit_price_cents: l.unit_price,
                quantity: l.quantity,
                line_total_cents: l.line_total,
            })
            .collect(),
        shipping_address: shipping_address.into(),
        billing_address: billing_address.into(),
        timeline: events
            .into_iter()
            .map(|e| TimelineEvent {
                status: OrderStatus::of(&e.status),
                status_label: label(&e.status),
                note: e.note,
                at: e.created_at,
            })
            .collect(),
        carrier: nonempty(order.carrier),
        tracking_number: nonempty(order.tracking_number),
        number: order.number,
        email: order.email,
        phone: order.phone,
        shipping_method: order.shipping_method,
        subtotal_cents: order.subtotal,
        shipping_cents: order.shipping,
        tax_cents: order.tax,
        total_cents: order.total,
        currency: order.currency,
        created_at: order.created_at,
        updated_at: order.updated_at,
    })
}

pub(super) struct OrdersApi;

#[OpenApi]
impl OrdersApi {
    /// Your orders, newest first, a page at a time.
    #[oai(
        path = "/orders/",
        method = "get",
        operation_id = "listOrders",
        tag = "StoreTag::Orders"
    )]
    async fn orders(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        req: &Request,
        /// Page number, from 1. A page past the last is not found (404).
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page: Query<Option<u32>>,
        /// Orders per page, default 20; values above 100 are lowered to 100.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page_size: Query<Option<u32>>,
    ) -> Result<Json<OrderPage>, Problems<404>> {
        let db = state.db();
        let query = order::Entity::find().filter(order::Column::UserId.eq(auth.user().id));
        let count = query.clone().count(db).await.map_err(Error::from)?;
        let pagination = Pagination::new(page.0.map(u64::from), page_size.0.map(u64::from));
        let links = pagination.links(req, count)?;
        let orders = query
            .order_by_desc(order::Column::CreatedAt)
            .order_by_desc(order::Column::Id)
            .offset(pagination.offset())
            .limit(pagination.limit())
            .all(db)
            .await
            .map_err(Error::from)?;
        // Units per order, for the page's orders in one query.
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let lines = order_line::Entity::find()
            .filter(order_line::Column::OrderId.is_in(ids))
            .all(db)
            .await
            .map_err(Error::from)?;
        let items = |id: i64| -> i64 {
            lines
                .iter()
                .filter(|l| l.order_id == id)
                .map(|l| i64::from(l.quantity))
                .sum()
        };
        Ok(Json(OrderPage {
            count,
            next: links.next.into(),
            previous: links.previous.into(),
            results: orders
                .into_iter()
                .map(|o| OrderSummary {
                    items: items(o.id),
                    status: OrderStatus::of(&o.status),
                    status_label: label(&o.status),
                    number: o.number,
                    total_cents: o.total,
                    currency: o.currency,
                    created_at: o.created_at,
                })
                .collect(),
        }))
    }

    /// One of your orders: lines, addresses, totals, status and timeline, carrier and tracking.
    /// Another customer's order is not found.
    #[oai(
        path = "/orders/:number/",
        method = "get",
        operation_id = "getOrder",
        tag = "StoreTag::Orders"
    )]
    async fn order(
        &self,
        state: Data<&AppState>,
        auth: ApiAuth,
        #[oai(validator(max_length = 32))] number: Path<String>,
    ) -> poem::Result<Json<OrderView>> {
        let order = order::Entity::find()
            .filter(order::Column::Number.eq(number.0.as_str()))
            .filter(order::Column::UserId.eq(auth.user().id))
            .one(state.db())
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound)?;
        Ok(Json(order_view(&state, order).await?))
    }
}

// ---- Examples the API document shows -----------------------------------------------------------

/// A time of the examples' order, 23 November 2026 UTC.
fn at(time: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2026-11-23T{time}Z")).unwrap_or_default()
}

impl Example for OrderSummary {
    fn example() -> Self {
        Self {
            number: "20261123-7KQ2XMPA".to_owned(),
            status: OrderStatus::Shipped,
            status_label: Status::Shipped.label().to_owned(),
            items: 3,
            total_cents: 5448,
            currency: "EUR".to_owned(),
            created_at: at("10:12:00"),
        }
    }
}

impl Example for OrderView {
    fn example() -> Self {
        let address = || AddressView {
            name: "Ann Martin".to_owned(),
            line1: "12 rue des Lilas".to_owned(),
            line2: String::new(),
            postcode: "75011".to_owned(),
            city: "Paris".to_owned(),
            country: "FR".to_owned(),
            country_name: "France".to_owned(),
        };
        let event = |status: Status, note: &str, time: &str| TimelineEvent {
            status: OrderStatus::of(status.as_str()),
            status_label: status.label().to_owned(),
            note: note.to_owned(),
            at: at(time),
        };
        // 3 × 13.50 + 4.90 shipping, 20 % tax on both: 9.08; 54.48 in all.
        Self {
            number: "20261123-7KQ2XMPA".to_owned(),
            status: OrderStatus::Shipped,
            status_label: Status::Shipped.label().to_owned(),
            email: "ann@example.com".to_owned(),
            phone: "+33612345678".to_owned(),
            lines: vec![OrderLineView {
                product_id: Some(1).into(),
                name: "Stoneware mug — Slate".to_owned(),
                sku: "KIT-00001".to_owned(),
                unit_price_cents: 1350,
                quantity: 3,
                line_total_cents: 4050,
            }],
            shipping_address: Some(address()).into(),
            billing_address: Some(address()).into(),
            shipping_method: "Standard".to_owned(),
            subtotal_cents: 4050,
            shipping_cents: 490,
            tax_cents: 908,
            total_cents: 5448,
            currency: "EUR".to_owned(),
            carrier: Some("Colissimo".to_owned()).into(),
            tracking_number: Some("6A12345678901".to_owned()).into(),
            timeline: vec![
                event(Status::PendingPayment, "Order placed.", "10:12:00"),
                event(Status::Paid, "Paid by card.", "10:14:00"),
                event(
                    Status::Shipped,
                    "Colissimo, tracking number 6A12345678901",
                    "16:40:00",
                ),
            ],
            created_at: at("10:12:00"),
            updated_at: at("16:40:00"),
        }
    }
}
