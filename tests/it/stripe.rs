//! The Stripe payment provider against a local server that answers as Stripe's API does for the
//! calls the provider makes (`POST /v1/payment_intents`, `GET /v1/payment_intents/{id}`,
//! `POST /v1/refunds`), with
//! Stripe's test PaymentMethods, its idempotency and its error bodies; and webhooks signed here.
//! No app and no database: the provider is used directly.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bureau_core::poem::http::{HeaderMap, HeaderValue, StatusCode};
use bureau_core::poem::listener::{Acceptor, Listener, TcpListener};
use bureau_core::poem::web::{Data, Path};
use bureau_core::poem::{EndpointExt, Request, Response, Route, get, handler, post};
use bureau_store::payments::stripe::{Stripe, StripeConfig};
use bureau_store::payments::{
    PaymentError, PaymentProvider, PaymentRequest, PaymentState, RefundRequest, Started,
    WebhookEvent,
};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const KEY: &str = "sk_test_51BureauFakeSecretKey0123456789";
const WEBHOOK_SECRET: &str = "whsec_BureauFakeSigningSecret";
const DECLINED: &str = "Your card was declined.";
const AUTHENTICATION_FAILED: &str = "We are unable to authenticate your payment method. Please \
                                     choose a different payment method and try again.";

/// What the fake remembers, as Stripe would.
#[derive(Default)]
struct Fake {
    state: Mutex<FakeState>,
}

#[derive(Default)]
struct FakeState {
    /// PaymentIntents by id.
    intents: HashMap<String, Value>,
    /// Idempotency key → the parameters it was first used with and the answer then given.
    idempotent: HashMap<String, (Form, Answer)>,
    /// Every create call as it arrived.
    creates: Vec<Create>,
    /// Refunds by id, and how many refund calls ran (not replayed).
    refunds: HashMap<String, Value>,
    /// Answer every call with this status, as Stripe does during an incident.
    outage: Option<StatusCode>,
    /// Wait this long before answering.
    delay: Duration,
    serial: u32,
}

/// A form's fields in the order sent.
type Form = Vec<(String, String)>;

/// An answer's status and JSON body.
type Answer = (StatusCode, Value);

#[derive(Clone, Debug)]
struct Create {
    form: Form,
    idempotency_key: Option<String>,
    stripe_version: Option<String>,
    content_type: Option<String>,
    replayed: bool,
}

impl Fake {
    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    fn intent(&self, id: &str) -> Value {
        self.state().intents[id].clone()
    }

    fn intent_count(&self) -> usize {
        self.state().intents.len()
    }

    fn creates(&self) -> Vec<Create> {
        self.state().creates.clone()
    }

    /// The customer finishes 3-D Secure on Stripe's page: passed or failed.
    fn authenticate(&self, id: &str, passed: bool) {
        let mut state = self.state();
        let intent = state.intents.get_mut(id).unwrap();
        assert_eq!(intent["status"], "requires_action");
        intent["next_action"] = Value::Null;
        if passed {
            intent["status"] = json!("succeeded");
            intent["amount_received"] = intent["amount"].clone();
            intent["latest_charge"] = json!(format!("ch_{}", &id[3..]));
        } else {
            intent["status"] = json!("requires_payment_method");
            intent["last_payment_error"] = json!({
                "code": "payment_intent_authentication_failure",
                "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
                "message": AUTHENTICATION_FAILED,
                "payment_method": {"id": intent["payment_method"], "object": "payment_method", "type": "card"},
                "type": "invalid_request_error"
            });
        }
    }
}

fn stripe_json(status: StatusCode, body: &Value, serial: u32) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .header("Request-Id", format!("req_Fake{serial:08}"))
        .body(body.to_string())
}

fn stripe_error(status: StatusCode, error: Value) -> Response {
    stripe_json(status, &json!({ "error": error }), 0)
}

fn invalid_request(message: &str, param: Option<&str>, code: Option<&str>) -> Response {
    let (status, body) = refusal(message, param, code);
    stripe_json(status, &body, 0)
}

/// Stripe's answer to parameters it does not accept.
fn refusal(message: &str, param: Option<&str>, code: Option<&str>) -> Answer {
    (
        StatusCode::BAD_REQUEST,
        json!({"error": {"type": "invalid_request_error", "message": message, "param": param,
                         "code": code}}),
    )
}

/// What every call meets first: the delay, an outage, the API key.
async fn gate(request: &Request, fake: &Fake) -> Result<(), Response> {
    let (delay, outage) = {
        let state = fake.state();
        (state.delay, state.outage)
    };
    tokio::time::sleep(delay).await;
    if let Some(status) = outage {
        let error = if status == StatusCode::TOO_MANY_REQUESTS {
            json!({"type": "invalid_request_error", "code": "rate_limit",
                   "message": "Too many requests hit the API too quickly."})
        } else {
            json!({"type": "api_error", "message": "An unknown error occurred"})
        };
        return Err(stripe_error(status, error));
    }
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    match authorization.and_then(|value| value.strip_prefix("Bearer ")) {
        Some(KEY) => Ok(()),
        None => Err(stripe_error(
            StatusCode::UNAUTHORIZED,
            json!({"type": "invalid_request_error",
                   "message": "You did not provide an API key. You need to provide your API key in \
                               the Authorization header, using Bearer auth."}),
        )),
        // Stripe masks all but the key's last four characters; the fake repeats it whole, so
        // the tests prove the provider never passes on what a server says about its key.
        Some(other) => Err(stripe_error(
            StatusCode::UNAUTHORIZED,
            json!({"type": "invalid_request_error",
                   "message": format!("Invalid API Key provided: {other}")}),
        )),
    }
}

#[handler]
async fn create_intent(request: &Request, body: String, fake: Data<&Arc<Fake>>) -> Response {
    if let Err(answer) = gate(request, &fake).await {
        return answer;
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let form: Form = match serde_urlencoded::from_str(&body) {
        Ok(form) => form,
        Err(_) => return invalid_request("Invalid request body.", None, None),
    };
    let idempotency_key = header("idempotency-key");
    let mut create = Create {
        form: form.clone(),
        idempotency_key: idempotency_key.clone(),
        stripe_version: header("stripe-version"),
        content_type: header("content-type"),
        replayed: false,
    };
    // Stripe does not require the key; the fake does, so every create proves it is sent.
    let Some(idempotency_key) = idempotency_key else {
        fake.state().creates.push(create);
        return invalid_request("Fake Stripe: send an Idempotency-Key.", None, None);
    };
    let replay = fake.state().idempotent.get(&idempotency_key).cloned();
    if let Some((first_form, (status, body))) = replay {
        create.replayed = true;
        fake.state().creates.push(create);
        if first_form != form {
            return stripe_error(
                StatusCode::BAD_REQUEST,
                json!({"type": "idempotency_error",
                       "message": format!("Keys for idempotent requests can only be used with the \
                           same parameters they were first used with. Try using a key other than \
                           '{idempotency_key}' if you meant to execute a different request.")}),
            );
        }
        let mut answer = stripe_json(status, &body, 0);
        answer
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        return answer;
    }
    fake.state().creates.push(create);
    let (status, body) = match new_intent(&form, &fake) {
        Ok(answer) => answer,
        Err((status, body)) => return stripe_json(status, &body, 0),
    };
    let mut state = fake.state();
    // Stripe keeps the answer of a request that ran, success or card error, for the key.
    state
        .idempotent
        .insert(idempotency_key, (form, (status, body.clone())));
    let serial = state.serial;
    drop(state);
    stripe_json(status, &body, serial)
}

/// Checks the parameters as Stripe does and creates the confirmed PaymentIntent: the answer's
/// status and body, or the refusal of the parameters (which Stripe does not keep for the key).
fn new_intent(form: &[(String, String)], fake: &Fake) -> Result<Answer, Answer> {
    const KNOWN: [&str; 10] = [
        "amount",
        "currency",
        "payment_method",
        "payment_method_types[]",
        "automatic_payment_methods[enabled]",
        "automatic_payment_methods[allow_redirects]",
        "confirm",
        "return_url",
        "description",
        "metadata[order_number]",
    ];
    if let Some((name, _)) = form
        .iter()
        .find(|(name, _)| !KNOWN.contains(&name.as_str()))
    {
        return Err(refusal(
            &format!("Received unknown parameter: {name}"),
            Some(name),
            Some("parameter_unknown"),
        ));
    }
    let params: HashMap<&str, &str> = form
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    for name in ["amount", "currency"] {
        if !params.contains_key(name) {
            return Err(refusal(
                &format!("Missing required param: {name}."),
                Some(name),
                Some("parameter_missing"),
            ));
        }
    }
    let amount: i64 = match params["amount"].parse() {
        Ok(amount) if amount > 0 => amount,
        _ => {
            return Err(refusal(
                &format!("Invalid integer: {}", params["amount"]),
                Some("amount"),
                None,
            ));
        }
    };
    let currency = params["currency"];
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(refusal(
            &format!("Invalid currency: {currency}."),
            Some("currency"),
            None,
        ));
    }
    let card_only = params.get("payment_method_types[]") == Some(&"card");
    let automatic = params.get("automatic_payment_methods[enabled]") == Some(&"true");
    if card_only == automatic {
        return Err(refusal(
            "You may only specify one of these parameters: automatic_payment_methods, \
             payment_method_types.",
            None,
            None,
        ));
    }
    let return_url = params.get("return_url").copied();
    if automatic
        && params.get("automatic_payment_methods[allow_redirects]") != Some(&"never")
        && return_url.is_none()
    {
        return Err(refusal(
            "This PaymentIntent is configured to accept payment methods enabled in your \
             Dashboard. Because some of these payment methods might redirect your customer off \
             of your page, you must provide a `return_url`.",
            None,
            None,
        ));
    }
    // The fake only models what the provider does: create and confirm in one call.
    if params.get("confirm") != Some(&"true") {
        return Err(refusal(
            "Fake Stripe: only confirm=true is modelled.",
            Some("confirm"),
            None,
        ));
    }
    let Some(&payment_method) = params.get("payment_method") else {
        return Err(refusal(
            "You cannot confirm this PaymentIntent because it's missing a payment method.",
            None,
            Some("payment_intent_unexpected_state"),
        ));
    };
    let outcome = match payment_method {
        "pm_card_visa" => "succeeded",
        "pm_card_chargeDeclined" => "declined",
        "pm_card_authenticationRequired" | "pm_card_threeDSecure2Required" => "requires_action",
        other => {
            return Err(refusal(
                &format!("No such PaymentMethod: '{other}'"),
                Some("payment_method"),
                Some("resource_missing"),
            ));
        }
    };

    let mut state = fake.state();
    state.serial += 1;
    let serial = state.serial;
    let id = format!("pi_3FakeIntent{serial:06}");
    let charge = format!("ch_3FakeCharge{serial:06}");
    let card = format!("pm_1FakeCard{serial:06}");
    let mut intent = json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": null,
        "application_fee_amount": null,
        "automatic_payment_methods": if automatic {
            json!({"enabled": true, "allow_redirects": params.get("automatic_payment_methods[allow_redirects]").unwrap_or(&"always")})
        } else {
            Value::Null
        },
        "canceled_at": null,
        "cancellation_reason": null,
        "capture_method": "automatic_async",
        "client_secret": format!("{id}_secret_FakeClientSecret"),
        "confirmation_method": "automatic",
        "created": chrono::Utc::now().timestamp(),
        "currency": currency,
        "customer": null,
        "description": params.get("description"),
        "invoice": null,
        "last_payment_error": null,
        "latest_charge": null,
        "livemode": false,
        "metadata": {"order_number": params.get("metadata[order_number]")},
        "next_action": null,
        "on_behalf_of": null,
        "payment_method": card,
        "payment_method_configuration_details": null,
        "payment_method_options": {"card": {"installments": null, "mandate_options": null,
                                            "network": null, "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "processing": null,
        "receipt_email": null,
        "review": null,
        "setup_future_usage": null,
        "shipping": null,
        "source": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": "requires_confirmation",
        "transfer_data": null,
        "transfer_group": null
    });
    let answer = match outcome {
        "succeeded" => {
            intent["status"] = json!("succeeded");
            intent["amount_received"] = json!(amount);
            intent["latest_charge"] = json!(charge);
            (StatusCode::OK, intent.clone())
        }
        "requires_action" => {
            intent["status"] = json!("requires_action");
            intent["next_action"] = match return_url {
                Some(return_url) => json!({
                    "type": "redirect_to_url",
                    "redirect_to_url": {
                        "return_url": return_url,
                        "url": format!("https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1Fake&payment_intent={id}&payment_intent_client_secret={id}_secret_FakeClientSecret&publishable_key=pk_test_Fake&source=payatt_3Fake{serial:06}")
                    }
                }),
                // Without a return URL only Stripe.js can take the customer through 3-D Secure.
                None => {
                    json!({"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "stripe_3ds2_fingerprint"}})
                }
            };
            (StatusCode::OK, intent.clone())
        }
        _ => {
            let error = json!({
                "charge": charge,
                "code": "card_declined",
                "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": DECLINED,
                "payment_method": {"id": card, "object": "payment_method", "type": "card",
                                   "card": {"brand": "visa", "last4": "0002"}},
                "type": "card_error"
            });
            intent["status"] = json!("requires_payment_method");
            intent["latest_charge"] = json!(charge);
            intent["payment_method"] = Value::Null;
            intent["last_payment_error"] = error.clone();
            let mut error = error;
            error["payment_intent"] = intent.clone();
            error["request_log_url"] = json!(format!(
                "https://dashboard.stripe.com/test/logs/req_Fake{serial:08}?t=1718000000"
            ));
            (StatusCode::PAYMENT_REQUIRED, json!({ "error": error }))
        }
    };
    state.intents.insert(id, intent);
    Ok(answer)
}

/// `POST /v1/refunds` of a PaymentIntent: replayed for a known idempotency key; refused for an
/// unknown intent, one without a successful charge, or more than is left to refund.
#[handler]
async fn create_refund(request: &Request, body: String, fake: Data<&Arc<Fake>>) -> Response {
    if let Err(answer) = gate(request, &fake).await {
        return answer;
    }
    let Ok(form) = serde_urlencoded::from_str::<Form>(&body) else {
        return invalid_request("Invalid request body.", None, None);
    };
    let Some(key) = request
        .headers()
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
    else {
        return invalid_request("Fake Stripe: send an Idempotency-Key.", None, None);
    };
    let mut state = fake.state();
    if let Some((first_form, (status, body))) = state.idempotent.get(&key).cloned() {
        if first_form != form {
            return invalid_request(
                "Keys for idempotent requests can only be used with the same parameters.",
                None,
                None,
            );
        }
        return stripe_json(status, &body, 0);
    }
    let params: HashMap<&str, &str> = form
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let id = params.get("payment_intent").copied().unwrap_or_default();
    let Some(intent) = state.intents.get(id).cloned() else {
        return invalid_request(
            &format!("No such payment_intent: '{id}'"),
            Some("payment_intent"),
            Some("resource_missing"),
        );
    };
    if intent["status"] != "succeeded" {
        return invalid_request(
            &format!("This PaymentIntent ({id}) does not have a successful charge to refund."),
            Some("payment_intent"),
            Some("charge_not_refundable"),
        );
    }
    let refunded: i64 = state
        .refunds
        .values()
        .filter(|refund| refund["payment_intent"] == id)
        .filter_map(|refund| refund["amount"].as_i64())
        .sum();
    let received = intent["amount_received"].as_i64().unwrap_or(0);
    if refunded >= received {
        return invalid_request(
            &format!(
                "Charge {} has already been refunded.",
                intent["latest_charge"]
            ),
            None,
            Some("charge_already_refunded"),
        );
    }
    let amount = match params.get("amount").map(|amount| amount.parse::<i64>()) {
        None => received - refunded,
        Some(Ok(amount)) if amount > 0 && amount <= received - refunded => amount,
        Some(_) => {
            return invalid_request(
                "Refund amount is greater than the unrefunded amount on the charge.",
                Some("amount"),
                Some("amount_too_large"),
            );
        }
    };
    state.serial += 1;
    let refund = json!({
        "id": format!("re_Fake{:08}", state.serial),
        "object": "refund",
        "amount": amount,
        "currency": intent["currency"],
        "payment_intent": id,
        "charge": intent["latest_charge"],
        "reason": params.get("reason"),
        "metadata": {"order_number": params.get("metadata[order_number]")},
        "status": "succeeded",
    });
    let refund_id = refund["id"].as_str().unwrap_or_default().to_owned();
    state.refunds.insert(refund_id, refund.clone());
    state
        .idempotent
        .insert(key, (form, (StatusCode::OK, refund.clone())));
    stripe_json(StatusCode::OK, &refund, state.serial)
}

#[handler]
async fn retrieve_intent(
    request: &Request,
    Path(id): Path<String>,
    fake: Data<&Arc<Fake>>,
) -> Response {
    if let Err(answer) = gate(request, &fake).await {
        return answer;
    }
    match fake.state().intents.get(&id) {
        Some(intent) => stripe_json(StatusCode::OK, intent, 0),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            json!({"type": "invalid_request_error", "code": "resource_missing", "param": "intent",
                   "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
                   "message": format!("No such payment_intent: '{id}'")}),
        ),
    }
}

/// Serves a [`Fake`] Stripe on a free port of 127.0.0.1 for as long as the test runs.
async fn fake_stripe() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr: SocketAddr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    let app = Route::new()
        .at("/v1/payment_intents", post(create_intent))
        .at("/v1/payment_intents/:id", get(retrieve_intent))
        .at("/v1/refunds", post(create_refund))
        .data(fake.clone());
    tokio::spawn(bureau_core::poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}"), fake)
}

fn provider(api_base: &str, secret_key: &str, timeout: Duration) -> Stripe {
    Stripe::new(StripeConfig {
        api_base: api_base.to_owned(),
        timeout,
        ..StripeConfig::new(secret_key, WEBHOOK_SECRET)
    })
    .unwrap()
}

async fn spawn() -> (Stripe, Arc<Fake>) {
    let (base, fake) = fake_stripe().await;
    (provider(&base, KEY, Duration::from_secs(10)), fake)
}

fn payment(payment_method: &str, idempotency_key: &str) -> PaymentRequest {
    PaymentRequest {
        order_number: "B-2026-000042".into(),
        amount: 2599,
        currency: "eur".into(),
        idempotency_key: idempotency_key.into(),
        payment_method: payment_method.into(),
        return_url: "https://shop.example/store/checkout/B-2026-000042/return".into(),
    }
}

fn refund(reference: &str, idempotency_key: &str) -> RefundRequest {
    RefundRequest {
        reference: reference.into(),
        amount: 2599,
        order_number: "B-2026-000042".into(),
        idempotency_key: idempotency_key.into(),
    }
}

/// An error's text, checked to hold no secret whatever the server said.
fn text(error: &PaymentError) -> String {
    let text = error.to_string();
    for secret in [KEY, WEBHOOK_SECRET] {
        assert!(!text.contains(secret), "a secret in {text:?}");
    }
    text
}

#[tokio::test]
async fn a_visa_card_succeeds_with_the_parameters_stripe_needs() {
    let (stripe, fake) = spawn().await;

    let started = stripe
        .start(&payment("pm_card_visa", "order-42-attempt-1"))
        .await
        .unwrap();

    assert_eq!(started.state, PaymentState::Succeeded);
    assert_eq!(fake.intent(&started.reference)["amount_received"], 2599);
    let creates = fake.creates();
    assert_eq!(creates.len(), 1);
    let create = &creates[0];
    let sent: HashMap<&str, &str> = create
        .form
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        sent,
        HashMap::from([
            ("amount", "2599"),
            ("currency", "eur"),
            ("payment_method", "pm_card_visa"),
            ("payment_method_types[]", "card"),
            ("confirm", "true"),
            (
                "return_url",
                "https://shop.example/store/checkout/B-2026-000042/return"
            ),
            ("description", "Order B-2026-000042"),
            ("metadata[order_number]", "B-2026-000042"),
        ])
    );
    assert_eq!(
        create.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        create.idempotency_key.as_deref(),
        Some("order-42-attempt-1")
    );
    assert_eq!(create.stripe_version.as_deref(), Some("2024-06-20"));
    assert_eq!(stripe.name(), "stripe");
    assert_eq!(
        stripe.state(&started.reference).await,
        Ok(PaymentState::Succeeded)
    );
}

#[tokio::test]
async fn the_same_idempotency_key_answers_the_first_payment_intent_and_charges_once() {
    let (stripe, fake) = spawn().await;
    let request = payment("pm_card_visa", "order-42-attempt-1");

    let first = stripe.start(&request).await.unwrap();
    let again = stripe.start(&request).await.unwrap();

    assert_eq!(again, first);
    assert_eq!(fake.intent_count(), 1, "one PaymentIntent, so one charge");
    let replays: Vec<bool> = fake.creates().iter().map(|c| c.replayed).collect();
    assert_eq!(replays, [false, true]);

    // A declined attempt is replayed as declined, with the same PaymentIntent.
    let declined = payment("pm_card_chargeDeclined", "order-43-attempt-1");
    let first_decline = stripe.start(&declined).await.unwrap();
    assert_eq!(stripe.start(&declined).await.unwrap(), first_decline);
    assert_eq!(fake.intent_count(), 2);

    // Another key is another attempt.
    let second = stripe
        .start(&payment("pm_card_visa", "order-42-attempt-2"))
        .await
        .unwrap();
    assert_ne!(second.reference, first.reference);
    assert_eq!(fake.intent_count(), 3);

    // A key reused for another payment is a programming error Stripe refuses.
    let changed = PaymentRequest {
        amount: 9999,
        ..request
    };
    let error = stripe.start(&changed).await.unwrap_err();
    assert!(
        matches!(&error, PaymentError::Rejected(m) if m.contains("idempotent requests")),
        "{error:?}"
    );
    text(&error);
    assert_eq!(fake.intent_count(), 3);
}

#[tokio::test]
async fn a_declined_card_is_a_declined_payment_with_its_payment_intent() {
    let (stripe, fake) = spawn().await;

    let started = stripe
        .start(&payment("pm_card_chargeDeclined", "order-42-attempt-1"))
        .await
        .unwrap();

    assert_eq!(started.state, PaymentState::Declined(DECLINED.into()));
    assert!(started.reference.starts_with("pi_"), "{started:?}");
    assert_eq!(
        fake.intent(&started.reference)["status"],
        "requires_payment_method"
    );
    assert_eq!(
        stripe.state(&started.reference).await,
        Ok(PaymentState::Declined(DECLINED.into()))
    );
}

#[tokio::test]
async fn three_d_secure_sends_the_customer_to_stripe_and_the_state_tells_how_it_went() {
    let (stripe, fake) = spawn().await;

    let passes = stripe
        .start(&payment(
            "pm_card_authenticationRequired",
            "order-42-attempt-1",
        ))
        .await
        .unwrap();
    let fails = stripe
        .start(&payment(
            "pm_card_threeDSecure2Required",
            "order-43-attempt-1",
        ))
        .await
        .unwrap();

    let PaymentState::RequiresAction { url } = &passes.state else {
        panic!("{passes:?}");
    };
    assert!(
        url.starts_with("https://hooks.stripe.com/3d_secure_2/hosted?")
            && url.contains(&passes.reference),
        "{url}"
    );
    assert_eq!(
        stripe.state(&passes.reference).await,
        Ok(passes.state.clone()),
        "until the customer acts"
    );
    fake.authenticate(&passes.reference, true);
    fake.authenticate(&fails.reference, false);
    assert_eq!(
        stripe.state(&passes.reference).await,
        Ok(PaymentState::Succeeded)
    );
    assert_eq!(
        stripe.state(&fails.reference).await,
        Ok(PaymentState::Declined(AUTHENTICATION_FAILED.into()))
    );
}

#[tokio::test]
async fn a_payment_under_way_is_processing() {
    let (stripe, fake) = spawn().await;
    let Started { reference, .. } = stripe
        .start(&payment("pm_card_visa", "order-42-attempt-1"))
        .await
        .unwrap();

    fake.state().intents.get_mut(&reference).unwrap()["status"] = json!("processing");

    assert_eq!(stripe.state(&reference).await, Ok(PaymentState::Processing));
}

#[tokio::test]
async fn outages_rate_limits_timeouts_and_unreachable_servers_are_unavailable() {
    let (base, fake) = fake_stripe().await;
    let stripe = provider(&base, KEY, Duration::from_secs(10));
    let request = payment("pm_card_visa", "order-42-attempt-1");
    let started = stripe.start(&request).await.unwrap();

    for status in [
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        fake.state().outage = Some(status);
        for error in [
            stripe.start(&request).await.unwrap_err(),
            stripe.state(&started.reference).await.unwrap_err(),
        ] {
            assert!(
                matches!(&error, PaymentError::Unavailable(m) if m.contains(status.as_str())),
                "{status}: {error:?}"
            );
            text(&error);
        }
    }
    fake.state().outage = None;

    fake.state().delay = Duration::from_secs(3);
    let impatient = provider(&base, KEY, Duration::from_millis(300));
    let error = impatient.start(&request).await.unwrap_err();
    assert!(
        matches!(&error, PaymentError::Unavailable(m) if m.contains("did not answer")),
        "{error:?}"
    );
    text(&error);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unreachable = provider(&nowhere, KEY, Duration::from_secs(5));
    for error in [
        unreachable.start(&request).await.unwrap_err(),
        unreachable.state(&started.reference).await.unwrap_err(),
    ] {
        assert!(
            matches!(&error, PaymentError::Unavailable(m) if m.contains("cannot reach Stripe")),
            "{error:?}"
        );
        text(&error);
    }
}

#[tokio::test]
async fn a_wrong_key_or_a_bad_request_is_rejected_and_no_message_shows_the_key() {
    let (base, fake) = fake_stripe().await;
    let wrong_key = "sk_test_51WrongKeyThatMustNotLeak";
    let wrong = provider(&base, wrong_key, Duration::from_secs(10));
    let stripe = provider(&base, KEY, Duration::from_secs(10));

    for error in [
        wrong
            .start(&payment("pm_card_visa", "order-42-attempt-1"))
            .await
            .unwrap_err(),
        wrong.state("pi_3FakeIntent000001").await.unwrap_err(),
    ] {
        let PaymentError::Rejected(message) = &error else {
            panic!("{error:?}");
        };
        assert!(message.contains("Invalid API Key provided"), "{message}");
        assert!(message.contains("HTTP 401"), "{message}");
        assert!(!message.contains(wrong_key), "{message}");
    }
    assert_eq!(fake.intent_count(), 0);

    let error = stripe
        .start(&payment("pm_card_unknown", "order-42-attempt-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PaymentError::Rejected(m)
            if m.contains("No such PaymentMethod: 'pm_card_unknown'") && m.contains("resource_missing")),
        "{error:?}"
    );
    let error = stripe.state("pi_3NoSuchIntent").await.unwrap_err();
    assert!(
        matches!(&error, PaymentError::Rejected(m) if m.contains("No such payment_intent")),
        "{error:?}"
    );
    let calls = fake.creates().len();
    let error = stripe.state("../../v1/customers").await.unwrap_err();
    assert!(matches!(error, PaymentError::Rejected(_)), "{error:?}");
    assert_eq!(fake.creates().len(), calls);
}

// Webhooks.

/// `Stripe-Signature` for `body` at `t`, computed here as Stripe does.
fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn signed(signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "Stripe-Signature",
        HeaderValue::from_str(signature).unwrap(),
    );
    headers
}

fn event(id: &str, kind: &str, object: &Value) -> Vec<u8> {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": chrono::Utc::now().timestamp(),
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": "req_Fake00000001", "idempotency_key": "order-42-attempt-1"},
        "type": kind
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn webhooks_signed_with_the_secret_tell_outcomes_and_others_are_refused() {
    let (stripe, fake) = spawn().await;
    let paid = stripe
        .start(&payment("pm_card_visa", "order-42-attempt-1"))
        .await
        .unwrap();
    let declined = stripe
        .start(&payment("pm_card_chargeDeclined", "order-43-attempt-1"))
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp();

    let succeeded = event(
        "evt_3FakeSucceeded",
        "payment_intent.succeeded",
        &fake.intent(&paid.reference),
    );
    assert_eq!(
        stripe.webhook(
            &signed(&signature(WEBHOOK_SECRET, now, &succeeded)),
            &succeeded
        ),
        Ok(Some(WebhookEvent {
            id: "evt_3FakeSucceeded".into(),
            reference: paid.reference.clone(),
            state: PaymentState::Succeeded,
            amount: 2599,
            currency: "eur".into(),
        }))
    );

    let failed = event(
        "evt_3FakeFailed",
        "payment_intent.payment_failed",
        &fake.intent(&declined.reference),
    );
    assert_eq!(
        stripe.webhook(&signed(&signature(WEBHOOK_SECRET, now, &failed)), &failed),
        Ok(Some(WebhookEvent {
            id: "evt_3FakeFailed".into(),
            reference: declined.reference.clone(),
            state: PaymentState::Declined(DECLINED.into()),
            amount: 2599,
            currency: "eur".into(),
        }))
    );

    let created = event(
        "evt_3FakeCreated",
        "payment_intent.created",
        &fake.intent(&paid.reference),
    );
    assert_eq!(
        stripe.webhook(&signed(&signature(WEBHOOK_SECRET, now, &created)), &created),
        Ok(None),
        "not an outcome"
    );

    // While the secret is being rolled Stripe signs with both; either may be ours.
    let rolled = format!(
        "{},{}",
        signature("whsec_TheOldSecret", now, &succeeded),
        signature(WEBHOOK_SECRET, now, &succeeded)
            .split_once(',')
            .unwrap()
            .1
    );
    assert!(matches!(
        stripe.webhook(&signed(&rolled), &succeeded),
        Ok(Some(_))
    ));

    let mut tampered = succeeded.clone();
    let at = tampered.windows(4).position(|w| w == b"2599").unwrap();
    tampered[at] = b'9';
    let stale = now - 301;
    for (headers, body, why) in [
        (
            signed(&signature(WEBHOOK_SECRET, now, &succeeded)),
            &tampered,
            "a changed amount",
        ),
        (
            signed(&signature("whsec_SomeoneElse", now, &succeeded)),
            &succeeded,
            "another secret",
        ),
        (
            signed(&signature(WEBHOOK_SECRET, stale, &succeeded)),
            &succeeded,
            "a replay from six minutes ago",
        ),
        (
            signed(&signature(WEBHOOK_SECRET, now + 301, &succeeded)),
            &succeeded,
            "a timestamp in the future",
        ),
        (HeaderMap::new(), &succeeded, "no signature"),
        (signed("t=,v1=xyz"), &succeeded, "a garbled signature"),
    ] {
        let error = stripe.webhook(&headers, body).unwrap_err();
        assert!(
            matches!(error, PaymentError::BadWebhook(_)),
            "{why}: {error:?}"
        );
        text(&error);
    }
    let garbled = b"{\"id\": \"evt_1\", \"type\": ".to_vec();
    let error = stripe
        .webhook(&signed(&signature(WEBHOOK_SECRET, now, &garbled)), &garbled)
        .unwrap_err();
    assert!(matches!(error, PaymentError::BadWebhook(_)), "{error:?}");
}

#[tokio::test]
async fn a_succeeded_payment_is_refunded_once_whatever_the_retries() {
    let (stripe, fake) = spawn().await;
    let paid = stripe
        .start(&payment("pm_card_visa", "order-42-attempt-1"))
        .await
        .unwrap();

    let first = stripe
        .refund(&refund(&paid.reference, "refund-42"))
        .await
        .unwrap();
    assert!(first.starts_with("re_"), "{first}");
    let again = stripe
        .refund(&refund(&paid.reference, "refund-42"))
        .await
        .unwrap();
    assert_eq!(again, first, "a retry answers the same refund");
    let refunds: Vec<Value> = fake.state().refunds.values().cloned().collect();
    assert_eq!(refunds.len(), 1, "the money went back once");
    assert_eq!(refunds[0]["amount"], 2599);
    assert_eq!(refunds[0]["payment_intent"], paid.reference.as_str());
    assert_eq!(refunds[0]["reason"], "requested_by_customer");
    assert_eq!(refunds[0]["metadata"]["order_number"], "B-2026-000042");

    let other_key = stripe
        .refund(&refund(&paid.reference, "refund-42-bis"))
        .await
        .unwrap_err();
    assert!(
        matches!(&other_key, PaymentError::Rejected(_))
            && text(&other_key).contains("already been refunded"),
        "{other_key:?}"
    );
}

#[tokio::test]
async fn refunds_of_unpaid_unknown_or_malformed_payments_are_refused_and_outages_are_unavailable() {
    let (stripe, fake) = spawn().await;
    let declined = stripe
        .start(&payment("pm_card_chargeDeclined", "order-43-attempt-1"))
        .await
        .unwrap();
    for (reference, says) in [
        (
            declined.reference.as_str(),
            "does not have a successful charge",
        ),
        ("pi_NoSuchIntent", "No such payment_intent"),
        ("../v1/customers", "not a PaymentIntent id"),
    ] {
        let error = stripe
            .refund(&refund(reference, reference))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, PaymentError::Rejected(_)) && text(&error).contains(says),
            "{reference}: {error:?}"
        );
    }
    let paid = stripe
        .start(&payment("pm_card_visa", "order-44-attempt-1"))
        .await
        .unwrap();
    fake.state().outage = Some(StatusCode::SERVICE_UNAVAILABLE);
    let error = stripe
        .refund(&refund(&paid.reference, "refund-44"))
        .await
        .unwrap_err();
    assert!(matches!(error, PaymentError::Unavailable(_)), "{error:?}");
    fake.state().outage = None;
    assert!(
        stripe
            .refund(&refund(&paid.reference, "refund-44"))
            .await
            .is_ok()
    );
    assert_eq!(fake.state().refunds.len(), 1);
}
