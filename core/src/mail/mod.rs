//! Mail: messages rendered from templates are written to the outbox (`core_outbox`) in the
//! caller's transaction, so a change and the mail it causes commit or roll back together; the
//! outbox worker (`crate::outbox`) sends them later through the configured `transport`, with
//! retries.

mod transport;

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;

use crate::entities;
use crate::outbox::Failure;
use crate::{AppState, Error, Result};

pub use transport::Transport;

/// Renders `<template>.subject.txt`, `<template>.txt` and, when it exists, `<template>.html` with
/// `context`, and queues the message to `to` on `db` (pass the transaction of the change that
/// causes the mail).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    state: &AppState,
    to: &str,
    template: &str,
    context: impl Serialize,
) -> Result<()> {
    let templates = state.templates();
    let context = serde_json::to_value(&context)
        .map_err(|e| Error::Internal(format!("mail context: {e}")))?;
    let subject = templates.render(&format!("{template}.subject.txt"), &context)?;
    // Header injection is impossible through lettre, but a subject is one line by definition.
    let subject: String = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = templates.render(&format!("{template}.txt"), &context)?;
    let html_name = format!("{template}.html");
    let html = if templates.exists(&html_name) {
        Some(templates.render(&html_name, &context)?)
    } else {
        None
    };
    if to.contains(['\r', '\n']) {
        return Err(Error::BadRequest(
            "a mail recipient must be one line".to_owned(),
        ));
    }
    let now = chrono::Utc::now().fixed_offset();
    entities::outbox::ActiveModel {
        channel: Set(entities::outbox::MAIL.to_owned()),
        recipient: Set(to.to_owned()),
        subject: Set(subject),
        text_body: Set(text),
        html_body: Set(html),
        status: Set(entities::outbox::PENDING.to_owned()),
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

/// Sends one outbox row of the mail channel through the configured transport.
pub(crate) async fn send(state: &AppState, row: &entities::outbox::Model) -> Result<(), Failure> {
    let transport = state.mail_transport();
    let message = transport
        .message(
            &row.recipient,
            &row.subject,
            &row.text_body,
            row.html_body.as_deref(),
        )
        // A recipient that is not an address will not become one: no point in retrying.
        .map_err(|error| Failure::GiveUp(error.to_string()))?;
    transport
        .send(message)
        .await
        .map_err(|error| Failure::Retry(error.to_string()))
}
