//! Stripe's objects as far as the store reads them, and what a PaymentIntent's status means
//! for an order. Unknown fields are ignored, so Stripe adding some never breaks a payment.

use serde::Deserialize;

use crate::payments::{PaymentError, PaymentState};

/// Shown when Stripe declines without saying why (it usually says).
const DECLINED: &str = "The payment was declined.";

/// A PaymentIntent (API version `client::API_VERSION`).
#[derive(Debug, Deserialize)]
pub(super) struct PaymentIntent {
    pub(super) id: String,
    pub(super) status: String,
    /// Asked for, in minor units; only webhooks need it, so its absence breaks nothing else.
    pub(super) amount: Option<i64>,
    /// Received so far: the whole `amount` once succeeded, 0 before.
    pub(super) amount_received: Option<i64>,
    pub(super) currency: Option<String>,
    next_action: Option<NextAction>,
    last_payment_error: Option<LastPaymentError>,
}

/// A Refund: `succeeded`, `pending` (under way), `requires_action`, `failed` or `canceled`.
#[derive(Debug, Deserialize)]
pub(super) struct Refund {
    pub(super) id: String,
    pub(super) status: String,
    pub(super) failure_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NextAction {
    #[serde(rename = "type")]
    kind: String,
    redirect_to_url: Option<RedirectToUrl>,
}

#[derive(Debug, Deserialize)]
struct RedirectToUrl {
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LastPaymentError {
    message: Option<String>,
}

impl PaymentIntent {
    /// Where the payment stands for the order.
    ///
    /// `requires_payment_method` after an attempt means that attempt failed (declined, or 3-D
    /// Secure not passed): the customer may try another card, which is a new payment for us.
    /// `canceled` is final and unpaid, so it is a decline too. `requires_confirmation` and
    /// `requires_capture` cannot happen to an intent created confirmed with automatic capture,
    /// so they are reported as the programming error they would be.
    pub(super) fn state(&self) -> Result<PaymentState, PaymentError> {
        match self.status.as_str() {
            "succeeded" => Ok(PaymentState::Succeeded),
            "processing" => Ok(PaymentState::Processing),
            "requires_action" => self
                .redirect()
                .map(|url| PaymentState::RequiresAction { url }),
            "requires_payment_method" => Ok(PaymentState::Declined(self.decline_reason())),
            "canceled" => Ok(PaymentState::Declined(
                "The payment was canceled.".to_owned(),
            )),
            other => Err(PaymentError::Rejected(format!(
                "PaymentIntent {} is in state `{other}`, which Bureau never puts one in",
                self.id
            ))),
        }
    }

    /// Why the last attempt failed, in Stripe's words (written for customers).
    pub(super) fn decline_reason(&self) -> String {
        self.last_payment_error
            .as_ref()
            .and_then(|error| error.message.clone())
            .unwrap_or_else(|| DECLINED.to_owned())
    }

    /// The page the customer must visit. Confirming with a `return_url` makes Stripe ask for a
    /// redirect; any other kind of step (`use_stripe_sdk`) needs Stripe.js, which the store does
    /// not run, so it is an error rather than a payment stuck forever.
    fn redirect(&self) -> Result<String, PaymentError> {
        let action = self.next_action.as_ref();
        action
            .filter(|action| action.kind == "redirect_to_url")
            .and_then(|action| action.redirect_to_url.as_ref())
            .and_then(|redirect| redirect.url.clone())
            .ok_or_else(|| {
                PaymentError::Rejected(format!(
                    "PaymentIntent {} needs a step of kind `{}`, not a redirect",
                    self.id,
                    action.map_or("none", |action| action.kind.as_str())
                ))
            })
    }
}

/// The body of every error answer: `{"error": {...}}`.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    pub(super) error: ApiError,
}

#[derive(Debug, Deserialize)]
pub(super) struct ApiError {
    /// `card_error`, `invalid_request_error`, `api_error`, `idempotency_error`, ...
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    /// `card_declined`, `resource_missing`, ...
    pub(super) code: Option<String>,
    pub(super) message: Option<String>,
    /// With a card error: the PaymentIntent whose attempt failed.
    pub(super) payment_intent: Option<IntentId>,
}

#[derive(Debug, Deserialize)]
pub(super) struct IntentId {
    pub(super) id: String,
}

impl ApiError {
    /// A card error names the PaymentIntent it happened to: the customer's card was declined,
    /// which is an answer about the payment, not a failed request.
    pub(super) fn declined_intent(&self) -> Option<&str> {
        (self.kind.as_deref() == Some("card_error"))
            .then_some(self.payment_intent.as_ref())
            .flatten()
            .map(|intent| intent.id.as_str())
    }

    pub(super) fn decline_reason(&self) -> String {
        self.message.clone().unwrap_or_else(|| DECLINED.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn intent(value: serde_json::Value) -> PaymentIntent {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn statuses_become_states() {
        let succeeded = intent(json!({"id": "pi_1", "status": "succeeded", "extra": [1]}));
        assert_eq!(succeeded.state(), Ok(PaymentState::Succeeded));
        let processing = intent(json!({"id": "pi_1", "status": "processing"}));
        assert_eq!(processing.state(), Ok(PaymentState::Processing));
        let action = intent(json!({
            "id": "pi_1", "status": "requires_action",
            "next_action": {"type": "redirect_to_url",
                            "redirect_to_url": {"url": "https://hooks.stripe.com/x", "return_url": "r"}}
        }));
        assert_eq!(
            action.state(),
            Ok(PaymentState::RequiresAction {
                url: "https://hooks.stripe.com/x".into()
            })
        );
        let declined = intent(json!({
            "id": "pi_1", "status": "requires_payment_method",
            "last_payment_error": {"message": "Your card has insufficient funds."}
        }));
        assert_eq!(
            declined.state(),
            Ok(PaymentState::Declined(
                "Your card has insufficient funds.".into()
            ))
        );
        let unexplained = intent(json!({"id": "pi_1", "status": "requires_payment_method"}));
        assert_eq!(
            unexplained.state(),
            Ok(PaymentState::Declined(DECLINED.into()))
        );
    }

    #[test]
    fn a_step_that_is_not_a_redirect_or_an_unexpected_status_is_an_error() {
        let sdk = intent(json!({
            "id": "pi_1", "status": "requires_action",
            "next_action": {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
        }));
        assert!(
            matches!(sdk.state(), Err(PaymentError::Rejected(m)) if m.contains("use_stripe_sdk"))
        );
        let capture = intent(json!({"id": "pi_1", "status": "requires_capture"}));
        assert!(matches!(capture.state(), Err(PaymentError::Rejected(_))));
    }
}
