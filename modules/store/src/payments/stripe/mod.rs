//! Stripe: each payment is a PaymentIntent, created and confirmed in one call with the
//! PaymentMethod the customer's browser made (`pm_...`); 3-D Secure sends the customer to Stripe
//! and back to `return_url`; the outcome is read back (`state`) or pushed by a signed webhook.
//!
//! `client.rs` speaks the REST API, `intent.rs` reads Stripe's objects into our states,
//! `webhook.rs` checks `Stripe-Signature` and reads events.

mod client;
mod intent;
mod webhook;

use std::fmt;
use std::time::Duration;

use poem::http::HeaderMap;

use super::{
    BoxFuture, PaymentError, PaymentProvider, PaymentRequest, PaymentState, RefundRequest, Started,
};
use crate::payments::WebhookEvent;

/// Where Stripe's API lives; tests point `StripeConfig::api_base` at a local stand-in instead.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// How long a call to Stripe may take before the payment is reported `Unavailable`. The customer
/// is waiting on the checkout page, so this is shorter than Stripe's own libraries' 80 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the Stripe provider needs to know.
#[derive(Clone)]
pub struct StripeConfig {
    /// The secret API key (`sk_live_...`, `sk_test_...`, or a restricted `rk_...` key that may
    /// write PaymentIntents). Sent only in the `Authorization` header, never shown.
    pub secret_key: String,
    /// The webhook endpoint's signing secret (`whsec_...`), from the Dashboard or `stripe listen`.
    pub webhook_secret: String,
    /// `https://api.stripe.com` unless testing; without a trailing slash.
    pub api_base: String,
    /// The whole call, connecting included.
    pub timeout: Duration,
}

impl StripeConfig {
    /// A configuration for Stripe's real API with the default timeout.
    pub fn new(secret_key: impl Into<String>, webhook_secret: impl Into<String>) -> Self {
        Self {
            secret_key: secret_key.into(),
            webhook_secret: webhook_secret.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// By hand, so that logging a configuration never writes a secret: whether each one is set is
/// all a reader needs to diagnose.
impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &Hidden(&self.secret_key))
            .field("webhook_secret", &Hidden(&self.webhook_secret))
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A secret in `Debug` output: `"<empty>"` or `"<hidden>"`.
struct Hidden<'a>(&'a str);

impl fmt::Debug for Hidden<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "<empty>"
        } else {
            "<hidden>"
        })
    }
}

/// The Stripe payment provider.
pub struct Stripe {
    config: StripeConfig,
    http: reqwest::Client,
    /// Seconds since the Unix epoch; a field so tests can check the webhook's tolerance at a
    /// fixed instant.
    clock: fn() -> i64,
}

impl Stripe {
    /// The provider for `config`. Fails only if the HTTP client cannot be built (its TLS setup),
    /// which is why this is not infallible.
    pub fn new(mut config: StripeConfig) -> Result<Self, PaymentError> {
        config.api_base = config.api_base.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .user_agent(concat!("bureau/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            // An API answers, it does not redirect: a redirect means a wrong `api_base`, and
            // following it would send the customer's payment elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PaymentError::Unavailable(format!("cannot build an HTTP client: {e}")))?;
        Ok(Self {
            config,
            http,
            clock: unix_now,
        })
    }
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn start<'a>(
        &'a self,
        request: &'a PaymentRequest,
    ) -> BoxFuture<'a, Result<Started, PaymentError>> {
        Box::pin(self.create_intent(request))
    }

    fn state<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<PaymentState, PaymentError>> {
        Box::pin(self.intent_state(reference))
    }

    fn refund<'a>(
        &'a self,
        request: &'a RefundRequest,
    ) -> BoxFuture<'a, Result<String, PaymentError>> {
        Box::pin(self.create_refund(request))
    }

    fn webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<WebhookEvent>, PaymentError> {
        webhook::read(headers, body, &self.config.webhook_secret, (self.clock)())
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_shows_no_secret() {
        let config = StripeConfig::new("sk_test_51Secret", "whsec_Secret");
        let stripe = Stripe::new(config.clone()).unwrap();
        for shown in [format!("{config:?}"), format!("{stripe:?}")] {
            assert!(!shown.contains("Secret"), "{shown}");
            assert!(shown.contains("<hidden>"), "{shown}");
            assert!(shown.contains(DEFAULT_API_BASE), "{shown}");
        }
        let unset = StripeConfig::new("", "");
        assert!(format!("{unset:?}").contains("<empty>"));
    }

    #[test]
    fn webhooks_are_checked_against_the_providers_clock() {
        use hmac::{Hmac, Mac};
        use poem::http::HeaderValue;

        let signed_at = 1_718_000_000;
        let body = br#"{"id":"evt_1","type":"charge.refunded","data":{"object":{}}}"#;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"whsec_x").unwrap();
        mac.update(format!("{signed_at}.").as_bytes());
        mac.update(body);
        let signature = hex::encode(mac.finalize().into_bytes());
        let mut headers = HeaderMap::new();
        let value = format!("t={signed_at},v1={signature}");
        headers.insert("stripe-signature", HeaderValue::from_str(&value).unwrap());
        let mut stripe = Stripe::new(StripeConfig::new("sk_test_x", "whsec_x")).unwrap();

        stripe.clock = || 1_718_000_000 + 300;
        assert_eq!(stripe.webhook(&headers, body), Ok(None));
        stripe.clock = || 1_718_000_000 + 301;
        assert!(matches!(
            stripe.webhook(&headers, body),
            Err(PaymentError::BadWebhook(_))
        ));
    }
}
