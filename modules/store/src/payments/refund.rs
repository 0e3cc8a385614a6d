//! Giving an order's money back: every succeeded payment of the order is refunded in full
//! through the provider that took it, and its row says so.
//!
//! The caller runs this in the transaction that moves the order (to refunded or cancelled), after
//! the move: if the provider refuses, the caller rolls everything back and the order stays as it
//! was. If the provider refunds but the commit then fails, doing it again sends the same
//! idempotency key, so the provider answers the refund it already made instead of paying twice.

use bureau_core::sea_orm::sea_query::Expr;
use bureau_core::sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use bureau_core::{AppState, Result};

use super::settle::{REFUNDED, SUCCEEDED, provider};
use super::{PaymentError, RefundRequest};
use crate::entities::{order, payment};
use crate::orders::Refused;

/// Refunds `order`'s succeeded payments and answers how many there were (0: nothing was paid).
/// A provider's refusal or outage is `Refused`, with the provider's reason for staff.
pub async fn refund_order(
    db: &impl ConnectionTrait,
    state: &AppState,
    order: &order::Model,
) -> Result<std::result::Result<usize, Refused>> {
    let paid = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order.id))
        .filter(payment::Column::Status.eq(SUCCEEDED))
        .all(db)
        .await?;
    if paid.is_empty() {
        return Ok(Ok(0));
    }
    let provider = provider(state)?;
    for payment in &paid {
        if payment.provider != provider.name() {
            return Ok(Err(Refused(format!(
                "Payment {} was taken by {}, which is no longer the store's provider: refund \
                 it there.",
                payment.reference, payment.provider
            ))));
        }
        let request = RefundRequest {
            reference: payment.reference.clone(),
            amount: payment.amount,
            order_number: order.number.clone(),
            idempotency_key: format!("refund-{}-{}", payment.provider, payment.reference),
        };
        let refund = match provider.refund(&request).await {
            Ok(refund) => refund,
            Err(error) => {
                tracing::warn!(order = order.number, %error, "a refund failed");
                return Ok(Err(Refused(match error {
                    PaymentError::Unavailable(why) => format!(
                        "The payment provider could not refund now ({why}); nothing was \
                         changed, try again later."
                    ),
                    PaymentError::Rejected(why) | PaymentError::BadWebhook(why) => format!(
                        "The payment provider refused the refund ({why}); nothing was changed."
                    ),
                })));
            }
        };
        payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(REFUNDED))
            .col_expr(
                payment::Column::Message,
                Expr::value(format!("Refunded as {refund}.")),
            )
            .col_expr(
                payment::Column::UpdatedAt,
                Expr::value(chrono::Utc::now().fixed_offset()),
            )
            .filter(payment::Column::Id.eq(payment.id))
            .exec(db)
            .await?;
    }
    Ok(Ok(paid.len()))
}
