//! An order's life: the statuses it moves through and the only place that moves it. Each move is
//! a conditional UPDATE from the status it was read in, so two moves racing (a webhook and a
//! moderator, a double click) cannot both apply; each is recorded on the order's timeline, and a
//! cancelled order's stock goes back on the shelf in the same transaction.

use bureau_core::sea_orm::sea_query::Expr;
use bureau_core::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Set,
};
use bureau_core::{AppState, Error, Result};

use crate::entities::{order, order_event, order_line, product};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    PendingPayment,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::PendingPayment,
        Status::Paid,
        Status::Shipped,
        Status::Delivered,
        Status::Cancelled,
        Status::Refunded,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::PendingPayment => "pending_payment",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
            Status::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// How customers read it.
    pub fn label(self) -> &'static str {
        match self {
            Status::PendingPayment => "Awaiting payment",
            Status::Paid => "Paid",
            Status::Shipped => "Shipped",
            Status::Delivered => "Delivered",
            Status::Cancelled => "Cancelled",
            Status::Refunded => "Refunded",
        }
    }

    /// The statuses an order may move to from this one — the whole state machine.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::PendingPayment => &[Status::Paid, Status::Cancelled],
            Status::Paid => &[Status::Shipped, Status::Cancelled, Status::Refunded],
            Status::Shipped => &[Status::Delivered, Status::Refunded],
            Status::Delivered => &[Status::Refunded],
            Status::Cancelled | Status::Refunded => &[],
        }
    }

    pub fn may_become(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Whether the goods are still here: leaving such a status for cancelled or refunded puts
    /// the stock back.
    fn holds_stock(self) -> bool {
        matches!(self, Status::PendingPayment | Status::Paid)
    }
}

/// Why a move was refused, for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// Moves `order` to `to` on `db` (the caller's transaction), recording `note` and who did it
/// (`actor`: staff; none for the customer and the payment provider). Refused when the machine
/// does not allow it from the status the order has *now*.
pub async fn transition(
    db: &impl ConnectionTrait,
    order_id: i64,
    to: Status,
    note: &str,
    actor: Option<i64>,
) -> Result<std::result::Result<order::Model, Refused>> {
    let Some(current) = order::Entity::find_by_id(order_id).one(db).await? else {
        return Err(Error::NotFound);
    };
    let from = Status::parse(&current.status).ok_or_else(|| {
        Error::Internal(format!(
            "order {} has status {:?}",
            current.number, current.status
        ))
    })?;
    if !from.may_become(to) {
        return Ok(Err(Refused(format!(
            "An order that is {} cannot be {}.",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        ))));
    }
    let now = chrono::Utc::now().fixed_offset();
    let moved = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(Err(Refused(
            "The order changed meanwhile; look at it again.".to_owned(),
        )));
    }
    if from.holds_stock() && matches!(to, Status::Cancelled | Status::Refunded) {
        restock(db, order_id).await?;
    }
    order_event::Entity::insert(order_event::ActiveModel {
        order_id: Set(order_id),
        status: Set(to.as_str().to_owned()),
        note: Set(note.chars().take(500).collect()),
        actor_id: Set(actor),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    let mut moved = current;
    moved.status = to.as_str().to_owned();
    moved.updated_at = now;
    Ok(Ok(moved))
}

/// `transition`, then — for a cancelled or refunded order — its payments given back through
/// the provider, then the customer's mail and SMS about it, all in the caller's transaction. A
/// refund the provider refuses refuses the whole move, which the caller rolls back.
pub async fn transition_and_tell(
    db: &impl ConnectionTrait,
    state: &AppState,
    order_id: i64,
    to: Status,
    note: &str,
    actor: Option<i64>,
) -> Result<std::result::Result<order::Model, Refused>> {
    let order = match transition(db, order_id, to, note, actor).await? {
        Ok(order) => order,
        Err(refused) => return Ok(Err(refused)),
    };
    if matches!(to, Status::Cancelled | Status::Refunded)
        && let Err(refused) = crate::payments::refund::refund_order(db, state, &order).await?
    {
        return Ok(Err(refused));
    }
    crate::notify::order_changed(db, state, &order, to, note).await?;
    Ok(Ok(order))
}

/// Records the carrier and tracking number, then marks the order shipped and tells the
/// customer. Both are required: a shipped order without them cannot be followed.
pub async fn ship(
    db: &impl ConnectionTrait,
    state: &AppState,
    order_id: i64,
    carrier: &str,
    tracking_number: &str,
    actor: Option<i64>,
) -> Result<std::result::Result<order::Model, Refused>> {
    let (carrier, tracking_number) = (carrier.trim(), tracking_number.trim());
    if carrier.is_empty() || tracking_number.is_empty() {
        return Ok(Err(Refused(
            "A shipped order needs its carrier and tracking number.".to_owned(),
        )));
    }
    order::Entity::update_many()
        .col_expr(order::Column::Carrier, Expr::value(carrier))
        .col_expr(order::Column::TrackingNumber, Expr::value(tracking_number))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.eq(Status::Paid.as_str()))
        .exec(db)
        .await?;
    let note = format!("{carrier}, tracking number {tracking_number}");
    transition_and_tell(db, state, order_id, Status::Shipped, &note, actor).await
}

/// Puts an order's quantities back on its products' stock (products since deleted are skipped).
async fn restock(db: &impl ConnectionTrait, order_id: i64) -> Result<()> {
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .all(db)
        .await?;
    for line in lines {
        if let Some(id) = line.product_id {
            product::Entity::update_many()
                .col_expr(
                    product::Column::Stock,
                    Expr::col(product::Column::Stock).add(line.quantity),
                )
                .filter(product::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    #[test]
    fn the_machine_allows_exactly_these_moves() {
        let allowed = [
            (PendingPayment, Paid),
            (PendingPayment, Cancelled),
            (Paid, Shipped),
            (Paid, Cancelled),
            (Paid, Refunded),
            (Shipped, Delivered),
            (Shipped, Refunded),
            (Delivered, Refunded),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
            assert_eq!(Status::parse(from.as_str()), Some(from));
        }
    }
}
