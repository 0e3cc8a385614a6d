//! Payments: the store asks a `PaymentProvider` to take an order's money and learns the outcome
//! either at once, after the customer's extra step (3-D Secure), or from the provider's webhook.
//! The built-in `sandbox` provider needs nothing outside Bureau; `stripe` speaks Stripe's REST API.

pub mod refund;
pub mod sandbox;
pub mod settle;
pub mod stripe;

use std::future::Future;
use std::pin::Pin;

use poem::http::HeaderMap;

/// A future a provider returns; boxed so the configured provider can be chosen at run time.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the store asks of a payment service.
pub trait PaymentProvider: Send + Sync {
    /// `sandbox` or `stripe`: recorded with each payment and named in webhook URLs.
    fn name(&self) -> &'static str;

    /// Starts paying `request`. Calling it again with the same idempotency key must not charge
    /// twice: the provider answers the payment it started the first time.
    fn start<'a>(
        &'a self,
        request: &'a PaymentRequest,
    ) -> BoxFuture<'a, Result<Started, PaymentError>>;

    /// The payment's state now, asked of the provider (after the customer comes back from an
    /// extra step, or to reconcile a payment whose webhook never came).
    fn state<'a>(&'a self, reference: &'a str)
    -> BoxFuture<'a, Result<PaymentState, PaymentError>>;

    /// Gives back the whole of a succeeded payment. Calling it again with the same idempotency
    /// key must not refund twice. Answers the provider's id for the refund.
    fn refund<'a>(
        &'a self,
        request: &'a RefundRequest,
    ) -> BoxFuture<'a, Result<String, PaymentError>>;

    /// Checks a webhook's signature and reads it. A forged, stale or unreadable webhook is an
    /// error; an event about something other than a payment's outcome is `Ok(None)`.
    fn webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<WebhookEvent>, PaymentError>;
}

/// One attempt to take an order's money.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// The order's public number, shown on statements and sent as metadata.
    pub order_number: String,
    /// In minor units (cents).
    pub amount: i64,
    /// ISO 4217, lower case (`eur`), as Stripe writes it.
    pub currency: String,
    /// The same key for a retried request, so the provider charges once.
    pub idempotency_key: String,
    /// What the customer entered on the payment form, for providers that take it on our page
    /// (the sandbox takes a card number; Stripe takes a PaymentMethod id such as `pm_card_visa`).
    pub payment_method: String,
    /// Where the customer comes back to after an extra step on the provider's side.
    pub return_url: String,
}

/// Giving back a succeeded payment in full.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// The payment (`Started::reference`).
    pub reference: String,
    /// In minor units: the whole payment.
    pub amount: i64,
    pub order_number: String,
    /// The same key for a retried request, so the provider refunds once.
    pub idempotency_key: String,
}

/// A payment the provider has started, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The provider's id for the payment (Stripe: the PaymentIntent id).
    pub reference: String,
    pub state: PaymentState,
}

/// Where a payment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    Succeeded,
    /// Refused; the reason is shown to the customer.
    Declined(String),
    /// The customer must take an extra step at `url` (3-D Secure), then comes back.
    RequiresAction {
        url: String,
    },
    /// Under way at the provider; a webhook will tell.
    Processing,
}

/// A provider's notice that a payment reached an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The provider's event id: the same event delivered twice is handled once.
    pub id: String,
    /// The payment it is about (`Started::reference`).
    pub reference: String,
    pub state: PaymentState,
    /// What was paid, in minor units, to check against the order.
    pub amount: i64,
    pub currency: String,
}

/// Why a provider could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentError {
    /// The provider could not be reached or failed (5xx, timeout); trying later may work.
    Unavailable(String),
    /// The provider refused the request itself (bad key, bad parameters): a configuration or
    /// programming error, not the customer's.
    Rejected(String),
    /// A webhook whose signature is missing, wrong or too old, or whose body is not an event.
    BadWebhook(String),
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentError::Unavailable(why) => {
                write!(f, "the payment provider is unavailable: {why}")
            }
            PaymentError::Rejected(why) => {
                write!(f, "the payment provider refused the request: {why}")
            }
            PaymentError::BadWebhook(why) => write!(f, "a webhook was refused: {why}"),
        }
    }
}
