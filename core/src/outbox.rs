//! The outbox worker: sends due messages from `core_outbox` through their channel's transport,
//! retries failures with exponential backoff, and gives up after `mail.max_attempts`, or at once
//! when the transport says a message can never be sent.
//!
//! Every instance runs it. A row is sent only by the instance that *claimed* it with a
//! conditional UPDATE that exactly one instance can win, so a message is never sent twice while
//! its claim holds; a claim expires (a lease) so a crashed instance's messages are sent later.
//!
//! Timestamps are always written in UTC: SQLite stores them as RFC 3339 text and compares text, so
//! one offset keeps text order and time order the same.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::outbox::{self, Column, Entity as Outbox};
use crate::{AppState, Error, Result, mail, sms};

/// Rows looked at per run; the rest wait for the next tick, so one run stays short.
const BATCH: u64 = 20;
/// Backoff doubles per failure up to this exponent, and never waits longer than a day, so a long
/// outage is retried daily rather than weeks later (and times stay within every backend's range).
const MAX_BACKOFF_EXPONENT: u32 = 16;
const MAX_RETRY_DELAY_SECS: i64 = 24 * 60 * 60;
/// However long a transport's timeout is, one send gives up after an hour.
const MAX_SEND_SECS: u64 = 60 * 60;

/// Why one attempt failed, as the channel's transport judges it.
#[derive(Debug)]
pub(crate) enum Failure {
    /// It may work later (the server is down, busy, or slow): retried with backoff.
    Retry(String),
    /// It will fail the same way every time (not an address, a number the provider refuses):
    /// given up on at once.
    GiveUp(String),
}

/// The way a row leaves: which transport sends it, and how long that may take.
#[derive(Debug, Clone, Copy)]
enum Channel {
    Mail,
    Sms,
}

impl Channel {
    /// Every channel this version sends, by the name rows carry.
    const ALL: [Self; 2] = [Self::Mail, Self::Sms];

    fn of(row: &outbox::Model) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.name() == row.channel)
    }

    fn name(self) -> &'static str {
        match self {
            Self::Mail => outbox::MAIL,
            Self::Sms => outbox::SMS,
        }
    }

    /// How long one send may take. lettre's timeout bounds each SMTP command, and a send is
    /// several (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA); the SMS sender's bounds the
    /// whole request, to which a little is added for the worker's own steps.
    fn send_limit(self, state: &AppState) -> Duration {
        let secs = match self {
            Self::Mail => state.config().mail.smtp_timeout_secs.saturating_mul(8),
            Self::Sms => state.config().sms.timeout_secs.saturating_add(5),
        };
        Duration::from_secs(secs.min(MAX_SEND_SECS))
    }

    /// Where its messages go, for logs and errors.
    fn target(self, state: &AppState) -> &str {
        match self {
            Self::Mail => state.mail_transport().target(),
            Self::Sms => state.sms_sender().target(),
        }
    }

    async fn send(self, state: &AppState, row: &outbox::Model) -> Result<(), Failure> {
        match self {
            Self::Mail => mail::send(state, row).await,
            Self::Sms => sms::send(state, row).await,
        }
    }
}

/// Sends the messages that are due, one claim at a time. Returns how many were sent.
pub async fn send_due(state: &AppState) -> Result<usize> {
    let db = state.db();
    let now = utc_now();
    let due = Outbox::find()
        .filter(is_due(now))
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut sent = 0;
    for row in due {
        // Only rows of known channels are due (see `is_due`).
        let Some(channel) = Channel::of(&row) else {
            continue;
        };
        // Another instance may have claimed it since the SELECT; then it is theirs.
        if let Some(claim) = claim(db, state, &row, channel).await?
            && deliver(db, state, &row, channel, &claim).await?
        {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Pending, its time has come, no live claim on it, and of a channel this version can send: a
/// channel added by a newer version, during a rolling upgrade, is left to the instances that
/// know it.
fn is_due(now: DateTime<FixedOffset>) -> Condition {
    Condition::all()
        .add(Column::Status.eq(outbox::PENDING))
        .add(Column::Channel.is_in(Channel::ALL.map(Channel::name)))
        .add(Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(Column::ClaimedUntil.is_null())
                .add(Column::ClaimedUntil.lt(now)),
        )
}

/// How long a claim lasts: it outlasts the whole send, so that no other instance can claim a
/// message still being sent.
fn lease(send_limit: Duration) -> TimeDelta {
    // send_limit is at most MAX_SEND_SECS, so the conversion cannot fail.
    let secs = i64::try_from(send_limit.as_secs()).unwrap_or(MAX_SEND_SECS as i64);
    TimeDelta::seconds(secs + 60)
}

/// Claims `row` for this run; `None` when another instance holds it or it is no longer due.
async fn claim(
    db: &impl ConnectionTrait,
    state: &AppState,
    row: &outbox::Model,
    channel: Channel,
) -> Result<Option<String>> {
    let now = utc_now();
    let token = claim_token()?;
    let lease = lease(channel.send_limit(state));
    let claimed = Outbox::update_many()
        .col_expr(Column::ClaimToken, Expr::value(token.clone()))
        .col_expr(Column::ClaimedUntil, Expr::value(now + lease))
        .filter(Column::Id.eq(row.id))
        .filter(is_due(now))
        .exec(db)
        .await?;
    Ok((claimed.rows_affected == 1).then_some(token))
}

/// Sends one claimed message through its channel and records the outcome. Returns whether it
/// was sent.
async fn deliver(
    db: &impl ConnectionTrait,
    state: &AppState,
    row: &outbox::Model,
    channel: Channel,
    claim: &str,
) -> Result<bool> {
    let attempt = row.attempts.saturating_add(1);
    let limit = channel.send_limit(state);
    let sent = match tokio::time::timeout(limit, channel.send(state, row)).await {
        Ok(sent) => sent,
        Err(_) => Err(Failure::Retry(format!(
            "sending to {} took longer than {} s",
            channel.target(state),
            limit.as_secs()
        ))),
    };
    let name = channel.name();
    match sent {
        Ok(()) => {
            let now = utc_now();
            let recorded = Outbox::update_many()
                .col_expr(Column::Status, Expr::value(outbox::SENT))
                .col_expr(Column::SentAt, Expr::value(Some(now)))
                .col_expr(Column::Attempts, Expr::value(attempt))
                .col_expr(
                    Column::ClaimedUntil,
                    Expr::value(None::<DateTime<FixedOffset>>),
                )
                .col_expr(Column::ClaimToken, Expr::value(None::<String>))
                .filter(Column::Id.eq(row.id))
                .filter(Column::ClaimToken.eq(claim))
                .exec(db)
                .await?;
            if recorded.rows_affected == 1 {
                tracing::info!(outbox_id = row.id, channel = name, attempt, "message sent");
            } else {
                lost_claim(row.id);
            }
            Ok(true)
        }
        Err(Failure::GiveUp(error)) => {
            tracing::error!(outbox_id = row.id, channel = name, attempt, %error, "message cannot be sent; giving up");
            record_failure(db, row.id, claim, attempt, &error, None).await?;
            Ok(false)
        }
        Err(Failure::Retry(error)) => {
            let max = state.config().mail.max_attempts;
            if attempt >= max {
                tracing::error!(outbox_id = row.id, channel = name, attempt, %error, "message not sent; giving up");
                record_failure(db, row.id, claim, attempt, &error, None).await?;
            } else {
                let delay = retry_delay(state.config().mail.retry_base_secs, attempt);
                let retry_at = utc_now() + delay;
                tracing::warn!(outbox_id = row.id, channel = name, attempt, %retry_at, %error, "message not sent; will retry");
                record_failure(db, row.id, claim, attempt, &error, Some(retry_at)).await?;
            }
            Ok(false)
        }
    }
}

/// Records a failed attempt and releases the claim: pending again from `retry_at`, or failed for
/// good without one.
async fn record_failure(
    db: &impl ConnectionTrait,
    id: i64,
    claim: &str,
    attempt: i32,
    error: &str,
    retry_at: Option<DateTime<FixedOffset>>,
) -> Result<()> {
    let mut update = Outbox::update_many()
        .col_expr(Column::Attempts, Expr::value(attempt))
        .col_expr(Column::LastError, Expr::value(Some(error.to_owned())))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(None::<DateTime<FixedOffset>>),
        )
        .col_expr(Column::ClaimToken, Expr::value(None::<String>));
    update = match retry_at {
        Some(at) => update.col_expr(Column::NextAttemptAt, Expr::value(at)),
        None => update.col_expr(Column::Status, Expr::value(outbox::FAILED)),
    };
    let recorded = update
        .filter(Column::Id.eq(id))
        .filter(Column::ClaimToken.eq(claim))
        .exec(db)
        .await?;
    if recorded.rows_affected != 1 {
        lost_claim(id);
    }
    Ok(())
}

/// Our claim expired and another instance took the row: the lease is shorter than a send took.
fn lost_claim(id: i64) {
    tracing::warn!(
        outbox_id = id,
        "the outbox claim expired while sending; another instance may send this message again"
    );
}

/// `retry_base_secs * 2^(attempt - 1)`, capped.
fn retry_delay(base_secs: i64, attempt: i32) -> TimeDelta {
    let exponent = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(MAX_BACKOFF_EXPONENT);
    let secs = base_secs
        .saturating_mul(1_i64 << exponent)
        .clamp(0, MAX_RETRY_DELAY_SECS);
    TimeDelta::seconds(secs)
}

fn utc_now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

/// 16 random bytes as 32 hex digits (the column's width): unique per claim, so an instance can
/// tell its own claim from a newer one on the same row.
fn claim_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("no randomness for an outbox claim: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_retry_delay_doubles_from_the_base_and_is_capped() {
        assert_eq!(retry_delay(30, 1), TimeDelta::seconds(30));
        assert_eq!(retry_delay(30, 2), TimeDelta::seconds(60));
        assert_eq!(retry_delay(30, 4), TimeDelta::seconds(240));
        assert_eq!(
            retry_delay(30, 40),
            TimeDelta::seconds(MAX_RETRY_DELAY_SECS)
        );
        assert_eq!(
            retry_delay(i64::MAX, 3),
            TimeDelta::seconds(MAX_RETRY_DELAY_SECS)
        );
        assert_eq!(retry_delay(5, 0), TimeDelta::seconds(5));
    }

    #[test]
    fn outbox_claim_tokens_fit_the_column_and_differ() -> crate::Result<()> {
        let (a, b) = (claim_token()?, claim_token()?);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        Ok(())
    }
}
