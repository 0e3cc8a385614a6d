//! SMS: like mail, a message rendered from a template is written to the outbox (`core_outbox`,
//! channel `sms`) in the caller's transaction, so a change and the SMS it causes commit or roll
//! back together; the outbox worker (`crate::outbox`) sends it later through the configured
//! [`SmsSender`], with the same claims, retries and backoff as mail.

mod log;
mod phone;
mod sender;
mod twilio;

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;

use crate::entities::outbox;
use crate::outbox::Failure;
use crate::{AppState, Error, Result};

pub use phone::{PhoneNumber, check_phone};
pub(crate) use sender::from_config as sender;
pub use sender::{SmsError, SmsSender};

/// The longest body accepted: Twilio refuses more than 1,600 characters (ten segments).
pub const MAX_BODY_CHARS: usize = 1600;

/// Renders `<template>.sms.txt` with `context` and queues it as an SMS to `to` on `db` (pass the
/// transaction of the change that causes the SMS). `to` must be in E.164 form (`+14155550123`):
/// anything else, or a body that is empty or longer than [`MAX_BODY_CHARS`], is
/// `Error::BadRequest` and nothing is written. The body is the rendered text without leading or
/// trailing whitespace.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    state: &AppState,
    to: &str,
    template: &str,
    context: impl Serialize,
) -> Result<()> {
    let to = PhoneNumber::parse(to)?;
    let context =
        serde_json::to_value(&context).map_err(|e| Error::Internal(format!("SMS context: {e}")))?;
    let body = state
        .templates()
        .render(&format!("{template}.sms.txt"), &context)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::BadRequest(format!(
            "the SMS rendered from {template}.sms.txt is empty"
        )));
    }
    let length = body.chars().count();
    if length > MAX_BODY_CHARS {
        return Err(Error::BadRequest(format!(
            "the SMS rendered from {template}.sms.txt has {length} characters; at most \
             {MAX_BODY_CHARS} can be sent"
        )));
    }
    let now = chrono::Utc::now().fixed_offset();
    outbox::ActiveModel {
        channel: Set(outbox::SMS.to_owned()),
        recipient: Set(to.as_str().to_owned()),
        subject: Set(String::new()),
        text_body: Set(body.to_owned()),
        html_body: Set(None),
        status: Set(outbox::PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        claim_token: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Sends one outbox row of the SMS channel through the configured sender.
pub(crate) async fn send(state: &AppState, row: &outbox::Model) -> Result<(), Failure> {
    state
        .sms_sender()
        .send(&row.recipient, &row.text_body)
        .await
        .map_err(|error| match error {
            SmsError::Retryable(error) => Failure::Retry(error),
            SmsError::Permanent(error) => Failure::GiveUp(error),
        })
}
