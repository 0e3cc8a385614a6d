//! Telling customers about their order: an email (text and HTML) and, when they gave a phone
//! number, an SMS, each time the order is placed, paid, shipped, cancelled or refunded. Both go
//! through the outbox in the caller's transaction: if the change rolls back, nobody is told.

use bureau_core::sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use bureau_core::{AppState, Result};
use serde_json::json;

use crate::entities::{order, order_line};
use crate::orders::Status;
use crate::price;

/// Where links in messages point: `auth.site_url`, or the address the server listens on.
fn site(state: &AppState) -> String {
    let configured = state.config().auth.site_url.trim_end_matches('/');
    if configured.is_empty() {
        format!("http://{}", state.config().server.addr)
    } else {
        configured.to_owned()
    }
}

/// Queues the messages for `order` having reached `status` (nothing for the other statuses).
pub async fn order_changed(
    db: &impl ConnectionTrait,
    state: &AppState,
    order: &order::Model,
    status: Status,
    note: &str,
) -> Result<()> {
    let template = match status {
        Status::PendingPayment => "placed",
        Status::Paid => "paid",
        Status::Shipped => "shipped",
        Status::Cancelled => "cancelled",
        Status::Refunded => "refunded",
        Status::Delivered => return Ok(()),
    };
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let money = |cents: i64| price::format_price(cents, &order.currency);
    let context = json!({
        "site_name": state.config().app.name,
        "number": order.number,
        "link": format!("{}/store/orders/{}/", site(state), order.number),
        "status": status.label(),
        "note": note,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipping_method": order.shipping_method,
        "subtotal": money(order.subtotal),
        "shipping": money(order.shipping),
        "tax": money(order.tax),
        "total": money(order.total),
        "lines": lines.iter().map(|l| json!({
            "name": l.name,
            "quantity": l.quantity,
            "line_total": money(l.line_total),
        })).collect::<Vec<_>>(),
    });
    let name = format!("store/mail/order_{template}");
    bureau_core::mail::enqueue(db, state, &order.email, &name, &context).await?;
    if !order.phone.is_empty() {
        let name = format!("store/sms/order_{template}");
        bureau_core::sms::enqueue(db, state, &order.phone, &name, &context).await?;
    }
    Ok(())
}
