//! From a provider's answer to the order: the payment row follows the provider, and the order
//! becomes paid exactly once — the payment's move to `succeeded` and the order's move to `paid`
//! are conditional updates in one transaction, so a webhook delivered twice, or arriving while the
//! customer's browser reports the same success, changes nothing the second time.

use bureau_core::sea_orm::sea_query::Expr;
use bureau_core::sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use bureau_core::{AppState, Error, Result};

use super::sandbox::Sandbox;
use super::stripe::{Stripe, StripeConfig};
use super::{PaymentProvider, PaymentState, Started, WebhookEvent};
use crate::StoreConfig;
use crate::config::ProviderKind;
use crate::entities::{order, payment, webhook_event};
use crate::orders::{self, Status};

pub const PROCESSING: &str = "processing";
pub const REQUIRES_ACTION: &str = "requires_action";
pub const SUCCEEDED: &str = "succeeded";
pub const DECLINED: &str = "declined";
pub const REFUNDED: &str = "refunded";

/// The provider `[store] payment_provider` names.
pub fn provider(state: &AppState) -> Result<Box<dyn PaymentProvider>> {
    let config = state.config().section::<StoreConfig>("store")?;
    match config.payment_provider {
        ProviderKind::Sandbox => Ok(Box::new(Sandbox::new(state.db().clone()))),
        ProviderKind::Stripe => {
            let stripe = StripeConfig {
                api_base: config.stripe_api_base.clone(),
                ..StripeConfig::new(
                    config.stripe_secret_key.clone(),
                    config.stripe_webhook_secret.clone(),
                )
            };
            Ok(Box::new(
                Stripe::new(stripe).map_err(|e| Error::Internal(e.to_string()))?,
            ))
        }
    }
}

/// Records the payment a provider started for `order` (the same reference again — a retried
/// request — finds its row), then settles it as the provider answered.
pub async fn record(
    state: &AppState,
    provider: &str,
    order: &order::Model,
    started: &Started,
) -> Result<payment::Model> {
    let now = chrono::Utc::now().fixed_offset();
    let existing = find(state.db(), provider, &started.reference).await?;
    if existing.is_none() {
        let inserted = payment::Entity::insert(payment::ActiveModel {
            order_id: Set(order.id),
            provider: Set(provider.to_owned()),
            reference: Set(started.reference.clone()),
            amount: Set(order.total),
            currency: Set(order.currency.clone()),
            status: Set(PROCESSING.to_owned()),
            message: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(state.db())
        .await;
        match inserted {
            Ok(_) => {}
            // A concurrent request with the same key recorded it first.
            Err(error) if bureau_core::is_conflict(&error) => {}
            Err(error) => return Err(error.into()),
        }
    }
    settle(state, provider, &started.reference, &started.state, None).await?;
    find(state.db(), provider, &started.reference)
        .await?
        .ok_or(Error::NotFound)
}

async fn find(
    db: &impl ConnectionTrait,
    provider: &str,
    reference: &str,
) -> Result<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::Provider.eq(provider))
        .filter(payment::Column::Reference.eq(reference))
        .one(db)
        .await?)
}

/// Applies `outcome` to the payment `reference` of `provider` and its order. `event` is a
/// webhook's event, recorded in the same transaction so it is handled once.
pub async fn settle(
    state: &AppState,
    provider: &str,
    reference: &str,
    outcome: &PaymentState,
    event: Option<&WebhookEvent>,
) -> Result<()> {
    let txn = state.db().begin().await?;
    match steps(&txn, state, provider, reference, outcome, event).await {
        Ok(()) => Ok(txn.commit().await?),
        Err(error) => {
            txn.rollback().await?;
            match error {
                // The same webhook event, delivered again while the first was being handled.
                Error::Database(db) if event.is_some() && bureau_core::is_conflict(&db) => Ok(()),
                other => Err(other),
            }
        }
    }
}

async fn steps(
    txn: &DatabaseTransaction,
    state: &AppState,
    provider: &str,
    reference: &str,
    outcome: &PaymentState,
    event: Option<&WebhookEvent>,
) -> Result<()> {
    if let Some(event) = event {
        let seen = webhook_event::Entity::find_by_id((provider.to_owned(), event.id.clone()))
            .one(txn)
            .await?;
        if seen.is_some() {
            return Ok(());
        }
        webhook_event::Entity::insert(webhook_event::ActiveModel {
            provider: Set(provider.to_owned()),
            event_id: Set(event.id.clone()),
            received_at: Set(chrono::Utc::now().fixed_offset()),
        })
        .exec(txn)
        .await?;
    }
    let Some(payment) = find(txn, provider, reference).await? else {
        // A payment this store did not start (another site on the same account): not ours.
        tracing::warn!(
            provider,
            reference,
            "an outcome for an unknown payment was ignored"
        );
        return Ok(());
    };
    if let Some(event) = event
        && (event.amount != payment.amount
            || !event.currency.eq_ignore_ascii_case(&payment.currency))
    {
        tracing::error!(
            provider,
            reference,
            "a webhook's amount does not match the payment"
        );
        return Ok(());
    }
    let now = chrono::Utc::now().fixed_offset();
    let (status, message) = match outcome {
        PaymentState::Succeeded => (SUCCEEDED, String::new()),
        PaymentState::Declined(why) => (DECLINED, why.chars().take(500).collect()),
        PaymentState::RequiresAction { .. } => (REQUIRES_ACTION, String::new()),
        PaymentState::Processing => return Ok(()),
    };
    // A succeeded payment is final; anything else may still move.
    let moved = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(status))
        .col_expr(payment::Column::Message, Expr::value(message))
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(payment.id))
        .filter(payment::Column::Status.ne(SUCCEEDED))
        .filter(payment::Column::Status.ne(status))
        .exec(txn)
        .await?;
    if moved.rows_affected == 1 && status == SUCCEEDED {
        let note = "Paid by card.";
        match orders::transition_and_tell(txn, state, payment.order_id, Status::Paid, note, None)
            .await?
        {
            Ok(_) => {}
            // Cancelled before the money came: staff refund it by hand, and the log says so.
            Err(refused) => tracing::error!(
                provider,
                reference,
                reason = refused.0,
                "a payment succeeded for an order that cannot become paid"
            ),
        }
    }
    Ok(())
}
