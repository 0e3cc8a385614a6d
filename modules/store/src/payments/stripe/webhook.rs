//! Stripe's webhooks: the `Stripe-Signature` check and the two events that tell a payment's
//! outcome.
//!
//! Stripe signs `"{t}.{body}"` with HMAC-SHA256 under the endpoint's signing secret and sends
//! `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]` — several `v1` while the secret is
//! being rolled, so any one of them may match. The timestamp is inside the signature, so a
//! captured webhook cannot be replayed outside the tolerance.

use hmac::{Hmac, Mac};
use poem::http::HeaderMap;
use serde::Deserialize;
use sha2::Sha256;

use super::intent::PaymentIntent;
use crate::payments::{PaymentError, PaymentState, WebhookEvent};

/// How far a signature's time may be from ours, either way: Stripe's libraries' default.
pub(super) const TOLERANCE_SECS: i64 = 300;

/// The verified event in `body`, if it is about a payment's outcome.
pub(super) fn read(
    headers: &HeaderMap,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<Option<WebhookEvent>, PaymentError> {
    let header = headers
        .get("stripe-signature")
        .ok_or_else(|| bad("no Stripe-Signature header"))?
        .to_str()
        .map_err(|_| bad("the Stripe-Signature header is not text"))?;
    verify(header, body, secret, now)?;
    event(body)
}

/// Checks `header` against `body`: one `v1` signature must match and the time must be within
/// the tolerance of `now`.
pub(super) fn verify(
    header: &str,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), PaymentError> {
    // With no secret, anyone could compute the "signature": refuse rather than accept all.
    if secret.is_empty() {
        return Err(bad("no webhook signing secret is configured"));
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) if timestamp.is_none() => timestamp = Some(value),
            Some(("v1", value)) => signatures.push(value),
            // `v0` (test-mode only) and future schemes.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| bad("the signature has no timestamp"))?;
    let seconds: i64 = timestamp
        .parse()
        .map_err(|_| bad("the signature's timestamp is not a number"))?;
    if signatures.is_empty() {
        return Err(bad("the signature has no v1 entry"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| bad("the webhook signing secret cannot key an HMAC"))?;
    // The timestamp exactly as sent: it is what Stripe signed.
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // `verify_slice` compares in constant time; a garbled entry simply does not match.
    let matches = signatures.iter().any(|signature| {
        hex::decode(signature).is_ok_and(|tag| mac.clone().verify_slice(&tag).is_ok())
    });
    if !matches {
        return Err(bad("no v1 signature matches the body"));
    }
    let skew = now.saturating_sub(seconds);
    if skew.abs() > TOLERANCE_SECS {
        return Err(bad(&format!(
            "the signature is {skew} s old, beyond the {TOLERANCE_SECS} s tolerance"
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: serde_json::Value,
}

/// `payment_intent.succeeded` and `payment_intent.payment_failed`; other events (Stripe sends
/// whatever the endpoint subscribes to) are no concern of the store's.
fn event(body: &[u8]) -> Result<Option<WebhookEvent>, PaymentError> {
    let event: Event = serde_json::from_slice(body)
        .map_err(|e| bad(&format!("the body is not a Stripe event: {e}")))?;
    let succeeded = match event.kind.as_str() {
        "payment_intent.succeeded" => true,
        "payment_intent.payment_failed" => false,
        _ => return Ok(None),
    };
    let intent: PaymentIntent = serde_json::from_value(event.data.object)
        .map_err(|e| bad(&format!("event {} holds no PaymentIntent: {e}", event.id)))?;
    let (Some(amount), Some(currency)) = (intent.amount, intent.currency.clone()) else {
        return Err(bad(&format!(
            "event {}: the PaymentIntent has no amount or currency",
            event.id
        )));
    };
    let (state, amount) = if succeeded {
        (
            PaymentState::Succeeded,
            intent.amount_received.unwrap_or(amount),
        )
    } else {
        (PaymentState::Declined(intent.decline_reason()), amount)
    };
    Ok(Some(WebhookEvent {
        id: event.id,
        reference: intent.id,
        state,
        amount,
        currency,
    }))
}

fn bad(why: &str) -> PaymentError {
    PaymentError::BadWebhook(why.to_owned())
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, Mac};
    use poem::http::{HeaderMap, HeaderValue};
    use serde_json::json;
    use sha2::Sha256;

    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const NOW: i64 = 1_718_000_000;

    /// HMAC-SHA256(secret, "{t}.{body}") in hex, computed here rather than by the code under test.
    fn sign(secret: &str, t: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn a_known_vector_matches() {
        // HMAC-SHA256("whsec_test_secret", "1718000000.{\"id\":\"evt_1\"}"), from Python's
        // `hmac.new(...).hexdigest()`: the test's own signing agrees with an outside one.
        let body = br#"{"id":"evt_1"}"#;
        let expected = "3867094b9b8cea1a4282b6a91ac5b08170f26946c716d1cb5174ed4826909edd";
        assert_eq!(sign(SECRET, NOW, body), expected);
        let header = format!("t={NOW},v1={expected}");
        assert_eq!(verify(&header, body, SECRET, NOW), Ok(()));
        // Upper-case hex is still the same signature.
        let upper = format!("t={NOW},v1={}", expected.to_uppercase());
        assert_eq!(verify(&upper, body, SECRET, NOW), Ok(()));
    }

    #[test]
    fn a_tampered_body_or_another_secret_does_not_match() {
        let body = br#"{"id":"evt_1","amount":100}"#;
        let header = format!("t={NOW},v1={}", sign(SECRET, NOW, body));
        let tampered = br#"{"id":"evt_1","amount":999}"#;
        assert!(matches!(
            verify(&header, tampered, SECRET, NOW),
            Err(PaymentError::BadWebhook(_))
        ));
        assert!(matches!(
            verify(&header, body, "whsec_other", NOW),
            Err(PaymentError::BadWebhook(_))
        ));
        let other = format!("t={NOW},v1={}", sign("whsec_other", NOW, body));
        assert!(verify(&other, body, SECRET, NOW).is_err());
        // The timestamp is signed too: moving it breaks the signature.
        let moved = format!("t={},v1={}", NOW + 1, sign(SECRET, NOW, body));
        assert!(verify(&moved, body, SECRET, NOW).is_err());
    }

    #[test]
    fn the_timestamp_must_be_within_the_tolerance_either_way() {
        let body = b"{}";
        for (t, ok) in [
            (NOW - TOLERANCE_SECS, true),
            (NOW + TOLERANCE_SECS, true),
            (NOW - TOLERANCE_SECS - 1, false),
            (NOW + TOLERANCE_SECS + 1, false),
        ] {
            let header = format!("t={t},v1={}", sign(SECRET, t, body));
            assert_eq!(
                verify(&header, body, SECRET, NOW).is_ok(),
                ok,
                "t = now{:+}",
                t - NOW
            );
        }
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let body = b"{}";
        let good = sign(SECRET, NOW, body);
        let old_secret = sign("whsec_old", NOW, body);
        let header = format!("t={NOW}, v1={old_secret}, v0=abc, v1=zz-not-hex, v1={good}");
        assert_eq!(verify(&header, body, SECRET, NOW), Ok(()));
        let none = format!("t={NOW},v1={old_secret},v1=zz");
        assert!(verify(&none, body, SECRET, NOW).is_err());
    }

    #[test]
    fn garbled_headers_and_an_empty_secret_are_refused() {
        let body = b"{}";
        let good = sign(SECRET, NOW, body);
        for header in [
            String::new(),
            "garbage".to_owned(),
            format!("v1={good}"),
            format!("t=soon,v1={good}"),
            format!("t={NOW}"),
            format!("t={NOW},v0={good}"),
        ] {
            assert!(
                matches!(
                    verify(&header, body, SECRET, NOW),
                    Err(PaymentError::BadWebhook(_))
                ),
                "{header:?}"
            );
        }
        let unkeyed = format!("t={NOW},v1={}", sign("", NOW, body));
        assert!(verify(&unkeyed, body, "", NOW).is_err());
    }

    fn signed(body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("t={NOW},v1={}", sign(SECRET, NOW, body));
        headers.insert("stripe-signature", HeaderValue::from_str(&value).unwrap());
        headers
    }

    #[test]
    fn events_are_read_after_the_signature() {
        let body = json!({
            "id": "evt_1", "object": "event", "type": "payment_intent.payment_failed",
            "data": {"object": {
                "id": "pi_1", "object": "payment_intent", "status": "requires_payment_method",
                "amount": 2599, "amount_received": 0, "currency": "eur",
                "last_payment_error": {"message": "Your card has insufficient funds."}
            }}
        })
        .to_string();
        assert_eq!(
            read(&signed(body.as_bytes()), body.as_bytes(), SECRET, NOW),
            Ok(Some(WebhookEvent {
                id: "evt_1".into(),
                reference: "pi_1".into(),
                state: PaymentState::Declined("Your card has insufficient funds.".into()),
                amount: 2599,
                currency: "eur".into(),
            }))
        );
        assert!(read(&HeaderMap::new(), body.as_bytes(), SECRET, NOW).is_err());
        let other =
            json!({"id": "evt_2", "type": "charge.refunded", "data": {"object": {}}}).to_string();
        assert_eq!(
            read(&signed(other.as_bytes()), other.as_bytes(), SECRET, NOW),
            Ok(None)
        );
        for garbled in ["not json", r#"{"id": "evt_3"}"#] {
            assert!(matches!(
                read(&signed(garbled.as_bytes()), garbled.as_bytes(), SECRET, NOW),
                Err(PaymentError::BadWebhook(_))
            ));
        }
    }
}
