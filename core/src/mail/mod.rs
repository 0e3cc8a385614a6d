//! Mail: messages rendered from templates are written to the outbox (`core_outbox`) in the
//! caller's transaction, so a change and the mail it causes commit or roll back together; the
//! outbox worker (`outbox`) sends them later through the configured `transport`, with retries.

mod outbox;
mod transport;

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;

use crate::entities;
use crate::{AppState, Error, Result};

pub use outbox::send_due;
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
