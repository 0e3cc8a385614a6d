//! The sandbox provider: pays with test card numbers and nothing outside Bureau, so the embedded
//! default can sell end to end. It behaves like a real provider — a declined card, a card that
//! asks for 3-D Secure on the "bank's" page, answers repeated with the same idempotency key — and
//! keeps its side of each payment (the bank's decision) in `store_payment` through `decide`.

use bureau_core::sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use poem::http::HeaderMap;

use super::{
    BoxFuture, PaymentError, PaymentProvider, PaymentRequest, PaymentState, RefundRequest, Started,
    WebhookEvent,
};
use crate::entities::payment;

/// Test cards, as the payment page lists them: (number, what it does).
pub const CARDS: [(&str, &str); 3] = [
    ("4242 4242 4242 4242", "pays at once"),
    ("4000 0000 0000 0002", "is declined"),
    ("4000 0027 6000 3184", "asks for 3-D Secure first"),
];

pub struct Sandbox {
    db: DatabaseConnection,
}

impl Sandbox {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// The reference of the sandbox payment an idempotency key made: the same key gives the same
/// payment, as real providers do.
fn reference(key: &str) -> String {
    let tail: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    format!("sbx_{tail}")
}

impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn start<'a>(
        &'a self,
        request: &'a PaymentRequest,
    ) -> BoxFuture<'a, Result<Started, PaymentError>> {
        Box::pin(async move {
            let reference = reference(&request.idempotency_key);
            let card: String = request
                .payment_method
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let state = match card.as_str() {
                "4242424242424242" => PaymentState::Succeeded,
                "4000000000000002" => PaymentState::Declined("Your card was declined.".to_owned()),
                "4000002760003184" => PaymentState::RequiresAction {
                    url: format!("/store/sandbox/3ds/{reference}/"),
                },
                _ => PaymentState::Declined(
                    "The sandbox takes only its test card numbers (listed on this page)."
                        .to_owned(),
                ),
            };
            Ok(Started { reference, state })
        })
    }

    /// What the "bank" decided: read from the payment's row, where the 3-D Secure page wrote it.
    fn state<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<PaymentState, PaymentError>> {
        Box::pin(async move {
            let found = payment::Entity::find()
                .filter(payment::Column::Provider.eq("sandbox"))
                .filter(payment::Column::Reference.eq(reference))
                .one(&self.db)
                .await
                .map_err(|e| PaymentError::Unavailable(e.to_string()))?
                .ok_or_else(|| PaymentError::Rejected(format!("no sandbox payment {reference}")))?;
            Ok(match found.status.as_str() {
                "succeeded" => PaymentState::Succeeded,
                "declined" => PaymentState::Declined(found.message),
                "requires_action" => PaymentState::RequiresAction {
                    url: format!("/store/sandbox/3ds/{reference}/"),
                },
                _ => PaymentState::Processing,
            })
        })
    }

    /// Refunds what the "bank" took: only a succeeded payment has anything to give back. The
    /// refund's id follows from the payment's, so asking twice names the same refund.
    fn refund<'a>(
        &'a self,
        request: &'a RefundRequest,
    ) -> BoxFuture<'a, Result<String, PaymentError>> {
        Box::pin(async move {
            let found = payment::Entity::find()
                .filter(payment::Column::Provider.eq("sandbox"))
                .filter(payment::Column::Reference.eq(&request.reference))
                .one(&self.db)
                .await
                .map_err(|e| PaymentError::Unavailable(e.to_string()))?
                .ok_or_else(|| {
                    PaymentError::Rejected(format!("no sandbox payment {}", request.reference))
                })?;
            if found.status != "succeeded" || request.amount != found.amount {
                return Err(PaymentError::Rejected(format!(
                    "sandbox payment {} is {} for {} cents: it cannot refund {} cents",
                    found.reference, found.status, found.amount, request.amount
                )));
            }
            Ok(format!("sbx_re_{}", &found.reference[4..]))
        })
    }

    /// The sandbox sends no webhooks: its 3-D Secure page settles the payment directly.
    fn webhook(&self, _: &HeaderMap, _: &[u8]) -> Result<Option<WebhookEvent>, PaymentError> {
        Err(PaymentError::BadWebhook(
            "the sandbox provider sends no webhooks".to_owned(),
        ))
    }
}
