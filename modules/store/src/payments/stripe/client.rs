//! The calls the provider makes to Stripe's REST API, and how their answers and failures
//! become `Started`, `PaymentState` or `PaymentError`.

use std::error::Error as _;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use super::Stripe;
use super::intent::{ErrorBody, PaymentIntent, Refund};
use crate::payments::{PaymentError, PaymentRequest, PaymentState, RefundRequest, Started};

/// The API version the shapes in `intent.rs` were written against. Pinned per request, so a
/// change of the account's default version in the Dashboard cannot change what we read.
pub(super) const API_VERSION: &str = "2024-06-20";

/// An answer as it came: the status, the body, and Stripe's id for the request (support asks
/// for it).
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
    request_id: Option<String>,
}

impl Stripe {
    /// `POST /v1/payment_intents`, confirmed at once with the customer's PaymentMethod.
    ///
    /// `payment_method_types[]=card` rather than automatic payment methods: the store's form
    /// collects a card, so the intent should not depend on what the Dashboard enables, and the
    /// `return_url` is what makes 3-D Secure a redirect (`redirect_to_url`) the store can follow
    /// instead of a step only Stripe.js can take.
    pub(super) async fn create_intent(
        &self,
        request: &PaymentRequest,
    ) -> Result<Started, PaymentError> {
        let amount = request.amount.to_string();
        let description = format!("Order {}", request.order_number);
        let form = serde_urlencoded::to_string([
            ("amount", amount.as_str()),
            ("currency", &request.currency),
            ("payment_method", &request.payment_method),
            ("payment_method_types[]", "card"),
            ("confirm", "true"),
            ("return_url", &request.return_url),
            ("description", &description),
            ("metadata[order_number]", &request.order_number),
        ])
        .map_err(|e| PaymentError::Rejected(format!("cannot encode the payment: {e}")))?;
        let call = self
            .http
            .post(format!("{}/v1/payment_intents", self.config.api_base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            // Stripe answers a repeated key with the first answer, replayed: a retried checkout
            // gets the PaymentIntent it already has instead of a second charge.
            .header("Idempotency-Key", &request.idempotency_key)
            .body(form);
        let answer = self.send(call).await?;
        if answer.status.is_success() {
            let intent = self.intent(&answer)?;
            return Ok(Started {
                state: intent.state()?,
                reference: intent.id,
            });
        }
        if answer.status == StatusCode::PAYMENT_REQUIRED
            && let Some(error) = error_body(&answer)
            && let Some(id) = error.declined_intent()
        {
            return Ok(Started {
                reference: id.to_owned(),
                state: PaymentState::Declined(error.decline_reason()),
            });
        }
        Err(self.failure(&answer))
    }

    /// `GET /v1/payment_intents/{id}`.
    pub(super) async fn intent_state(&self, id: &str) -> Result<PaymentState, PaymentError> {
        // The id goes into the path: anything but Stripe's id alphabet could reach another
        // endpoint with our key.
        intent_id(id)?;
        let call = self
            .http
            .get(format!("{}/v1/payment_intents/{id}", self.config.api_base));
        let answer = self.send(call).await?;
        if !answer.status.is_success() {
            return Err(self.failure(&answer));
        }
        self.intent(&answer)?.state()
    }

    /// `POST /v1/refunds` of the whole PaymentIntent. A refund Stripe answers `pending` is
    /// under way and will complete on its own; `failed` or `canceled` is refused.
    pub(super) async fn create_refund(
        &self,
        request: &RefundRequest,
    ) -> Result<String, PaymentError> {
        intent_id(&request.reference)?;
        let amount = request.amount.to_string();
        let form = serde_urlencoded::to_string([
            ("payment_intent", request.reference.as_str()),
            ("amount", &amount),
            ("reason", "requested_by_customer"),
            ("metadata[order_number]", &request.order_number),
        ])
        .map_err(|e| PaymentError::Rejected(format!("cannot encode the refund: {e}")))?;
        let call = self
            .http
            .post(format!("{}/v1/refunds", self.config.api_base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("Idempotency-Key", &request.idempotency_key)
            .body(form);
        let answer = self.send(call).await?;
        if !answer.status.is_success() {
            return Err(self.failure(&answer));
        }
        let refund: Refund = serde_json::from_slice(&answer.body).map_err(|e| {
            PaymentError::Unavailable(format!(
                "Stripe's answer is not a Refund ({e}){}",
                request_id(&answer)
            ))
        })?;
        match refund.status.as_str() {
            "failed" | "canceled" => Err(PaymentError::Rejected(format!(
                "Stripe's refund {} {}: {}{}",
                refund.id,
                refund.status,
                refund
                    .failure_reason
                    .as_deref()
                    .unwrap_or("no reason given"),
                request_id(&answer)
            ))),
            _ => Ok(refund.id),
        }
    }

    /// Sends `call` with the key and the pinned version, and reads the whole answer.
    async fn send(&self, call: reqwest::RequestBuilder) -> Result<Answer, PaymentError> {
        let response = call
            .bearer_auth(&self.config.secret_key)
            .header("Stripe-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| self.unsent(&e))?;
        let status = response.status();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(|e| self.unsent(&e))?;
        Ok(Answer {
            status,
            body: body.to_vec(),
            request_id,
        })
    }

    /// A PaymentIntent in a successful answer.
    fn intent(&self, answer: &Answer) -> Result<PaymentIntent, PaymentError> {
        serde_json::from_slice(&answer.body).map_err(|e| {
            PaymentError::Unavailable(self.redact(format!(
                "Stripe's answer is not a PaymentIntent ({e}){}",
                request_id(answer)
            )))
        })
    }

    /// An error answer. Trying later may help with a rate limit (429), a concurrent request
    /// with the same idempotency key (409) or Stripe's own failure (5xx); anything else is a
    /// request Stripe will refuse again.
    fn failure(&self, answer: &Answer) -> PaymentError {
        let error = error_body(answer);
        let message = error
            .as_ref()
            .and_then(|e| e.message.as_deref())
            .unwrap_or("no message");
        let code = error
            .as_ref()
            .and_then(|e| e.code.as_deref().or(e.kind.as_deref()))
            .map(|code| format!(", {code}"))
            .unwrap_or_default();
        let text = self.redact(format!(
            "{message} (HTTP {}{code}){}",
            answer.status.as_u16(),
            request_id(answer)
        ));
        if answer.status.is_server_error()
            || answer.status == StatusCode::TOO_MANY_REQUESTS
            || answer.status == StatusCode::CONFLICT
        {
            PaymentError::Unavailable(text)
        } else {
            PaymentError::Rejected(text)
        }
    }

    /// A call that got no answer. A request that could not even be built (a malformed
    /// `api_base`) is a configuration error; the rest (refused, reset, timed out) may pass.
    fn unsent(&self, error: &reqwest::Error) -> PaymentError {
        if error.is_builder() {
            return PaymentError::Rejected(self.redact(format!(
                "cannot build a request to Stripe: {}",
                chain(error)
            )));
        }
        if error.is_timeout() {
            return PaymentError::Unavailable(format!(
                "Stripe did not answer within {} s",
                self.config.timeout.as_secs_f32()
            ));
        }
        PaymentError::Unavailable(self.redact(format!("cannot reach Stripe: {}", chain(error))))
    }

    /// `text` without the secrets, whatever a server or a library put in it. (Stripe itself
    /// masks a wrong key but its last four characters; something between us may not.)
    fn redact(&self, text: String) -> String {
        [&self.config.secret_key, &self.config.webhook_secret]
            .into_iter()
            .filter(|secret| !secret.is_empty())
            .fold(text, |text, secret| {
                text.replace(secret.as_str(), "[secret]")
            })
    }
}

/// Checks that `id` is a PaymentIntent's: only Stripe's id alphabet goes into a request.
fn intent_id(id: &str) -> Result<(), PaymentError> {
    let plausible =
        id.starts_with("pi_") && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plausible {
        Ok(())
    } else {
        Err(PaymentError::Rejected(format!(
            "`{id}` is not a PaymentIntent id"
        )))
    }
}

fn error_body(answer: &Answer) -> Option<super::intent::ApiError> {
    serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .map(|body| body.error)
}

fn request_id(answer: &Answer) -> String {
    answer
        .request_id
        .as_ref()
        .map(|id| format!(" [request {id}]"))
        .unwrap_or_default()
}

/// An error with its causes: reqwest's own message ("error sending request") hides the reason
/// ("connection refused") in its sources.
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
