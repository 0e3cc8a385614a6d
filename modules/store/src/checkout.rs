//! Placing an order: the customer's cart becomes an order in one transaction — stock reserved
//! with a conditional UPDATE per line (so concurrent checkouts of the last units never oversell),
//! prices and totals read from the products at that moment, the cart emptied, the confirmation
//! queued. An idempotency key from the checkout form makes a double submit find the first order.

use bureau_core::sea_orm::sea_query::Expr;
use bureau_core::sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use bureau_core::{AppState, Error, Result};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cart::{self, Holder};
use crate::entities::{address, order, order_event, order_line, product};
use crate::notify;
use crate::orders::{Refused, Status};

/// An address as the checkout form takes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

/// Everything the customer said at checkout before choosing how to ship.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Details {
    pub email: String,
    /// E.164 or empty.
    pub phone: String,
    pub shipping: Address,
    pub billing: Address,
}

/// The shipping method chosen, priced by the shipping rates (never by the form).
#[derive(Debug, Clone)]
pub struct Shipping {
    pub name: String,
    pub price: i64,
}

/// Subtotal, shipping, tax and total, in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub subtotal: i64,
    pub shipping: i64,
    pub tax: i64,
    pub total: i64,
}

/// Tax at `basis_points` (2000 = 20 %) on the goods and their shipping, rounded half up to the
/// cent.
pub fn totals(subtotal: i64, shipping: i64, basis_points: i64) -> Totals {
    let taxed = subtotal + shipping;
    let tax = (taxed * basis_points + 5_000) / 10_000;
    Totals {
        subtotal,
        shipping,
        tax,
        total: taxed + tax,
    }
}

/// A new order, or the one an earlier submit with the same key made.
pub struct Placed {
    pub order: order::Model,
    pub repeated: bool,
}

/// How often the checkout's transaction is tried when concurrent ones get in its way.
const ATTEMPTS: u32 = 5;

/// Places the logged-in customer's cart as an order. Refused, with nothing written, when the
/// cart is empty or a product ran out meanwhile.
pub async fn place(
    state: &AppState,
    user: i64,
    details: &Details,
    shipping: &Shipping,
    key: &str,
) -> Result<std::result::Result<Placed, Refused>> {
    if let Some(order) = by_key(state, user, key).await? {
        return Ok(Ok(Placed {
            order,
            repeated: true,
        }));
    }
    let mut attempt = 1;
    loop {
        // Read before the transaction: inside it the first statement is a write, so on SQLite
        // it takes the write lock (waiting its turn) instead of failing to upgrade a stale read.
        let wanted = cart::items(state.db(), Holder::Customer(user)).await?;
        let txn = state.db().begin().await?;
        match steps(&txn, state, user, &wanted, details, shipping, key).await {
            Ok(Ok(order)) => {
                txn.commit().await?;
                return Ok(Ok(Placed {
                    order,
                    repeated: false,
                }));
            }
            Ok(Err(refused)) => {
                txn.rollback().await?;
                return Ok(Err(refused));
            }
            Err(Error::Database(error)) if bureau_core::is_conflict(&error) => {
                txn.rollback().await?;
                // The same key placed meanwhile: that submit's order is the answer.
                if let Some(order) = by_key(state, user, key).await? {
                    return Ok(Ok(Placed {
                        order,
                        repeated: true,
                    }));
                }
                if attempt >= ATTEMPTS {
                    return Err(Error::Database(error));
                }
                attempt += 1;
                // Step aside a little longer each time, so the same racers do not meet again.
                tokio::time::sleep(std::time::Duration::from_millis(10 * u64::from(attempt))).await;
            }
            Err(error) => {
                txn.rollback().await?;
                return Err(error);
            }
        }
    }
}

/// The order a checkout form with `key` already placed.
pub async fn by_key(state: &AppState, user: i64, key: &str) -> Result<Option<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::UserId.eq(user))
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(state.db())
        .await?)
}

async fn steps(
    txn: &DatabaseTransaction,
    state: &AppState,
    user: i64,
    wanted: &BTreeMap<i64, i64>,
    details: &Details,
    shipping: &Shipping,
    key: &str,
) -> Result<std::result::Result<order::Model, Refused>> {
    let config = state.config().section::<crate::StoreConfig>("store")?;
    if wanted.is_empty() {
        return Ok(Err(Refused("Your cart is empty.".to_owned())));
    }
    // Writes first, in product order: two checkouts lock rows in the same order, so they wait
    // for each other rather than deadlock.
    for (id, quantity) in wanted {
        let quantity =
            i32::try_from(*quantity).map_err(|_| Error::BadRequest("quantity".into()))?;
        let reserved = product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).sub(quantity),
            )
            .filter(product::Column::Id.eq(*id))
            .filter(product::Column::Active.eq(true))
            .filter(product::Column::Stock.gte(quantity))
            .exec(txn)
            .await?;
        if reserved.rows_affected != 1 {
            let name = product::Entity::find_by_id(*id)
                .one(txn)
                .await?
                .map(|p| p.name)
                .unwrap_or_else(|| "A product".to_owned());
            return Ok(Err(Refused(format!(
                "{name} sold out while you were checking out; your cart shows what is left."
            ))));
        }
    }
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(wanted.keys().copied().collect::<Vec<_>>()))
        .order_by_asc(product::Column::Id)
        .all(txn)
        .await?;
    let subtotal: i64 = products
        .iter()
        .map(|p| p.price * wanted.get(&p.id).copied().unwrap_or(0))
        .sum();
    let rate = config.tax_rate.0;
    let sums = totals(subtotal, shipping.price, rate);
    let now = chrono::Utc::now().fixed_offset();
    let placed = order::Entity::insert(order::ActiveModel {
        number: Set(number(now)?),
        user_id: Set(user),
        idempotency_key: Set(key.to_owned()),
        status: Set(Status::PendingPayment.as_str().to_owned()),
        email: Set(details.email.clone()),
        phone: Set(details.phone.clone()),
        subtotal: Set(sums.subtotal),
        shipping: Set(sums.shipping),
        tax: Set(sums.tax),
        total: Set(sums.total),
        currency: Set(config.currency.clone()),
        shipping_method: Set(shipping.name.clone()),
        carrier: Set(String::new()),
        tracking_number: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    order_line::Entity::insert_many(products.iter().map(|p| {
        let quantity = wanted.get(&p.id).copied().unwrap_or(0);
        order_line::ActiveModel {
            order_id: Set(placed.id),
            product_id: Set(Some(p.id)),
            name: Set(p.name.clone()),
            sku: Set(p.sku.clone()),
            unit_price: Set(p.price),
            quantity: Set(quantity as i32),
            line_total: Set(p.price * quantity),
            ..Default::default()
        }
    }))
    .exec(txn)
    .await?;
    address::Entity::insert_many(
        [
            ("shipping", &details.shipping),
            ("billing", &details.billing),
        ]
        .map(|(kind, a)| address::ActiveModel {
            order_id: Set(placed.id),
            kind: Set(kind.to_owned()),
            name: Set(a.name.clone()),
            line1: Set(a.line1.clone()),
            line2: Set(a.line2.clone()),
            postcode: Set(a.postcode.clone()),
            city: Set(a.city.clone()),
            country: Set(a.country.clone()),
            ..Default::default()
        }),
    )
    .exec(txn)
    .await?;
    order_event::Entity::insert(order_event::ActiveModel {
        order_id: Set(placed.id),
        status: Set(Status::PendingPayment.as_str().to_owned()),
        note: Set("Order placed.".to_owned()),
        actor_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    // Only what was ordered: a product added in another tab meanwhile stays in the cart.
    cart::remove(txn, user, wanted.keys().copied().collect()).await?;
    notify::order_changed(txn, state, &placed, Status::PendingPayment, "").await?;
    Ok(Ok(placed))
}

/// `20261123-7KQ2XMPA`: the day, then eight characters nobody misreads (no 0/O, 1/I).
fn number(now: chrono::DateTime<chrono::FixedOffset>) -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let code: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{code}", now.format("%Y%m%d")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tax_is_on_goods_and_shipping_rounded_half_up() {
        let t = super::totals(1999, 490, 2000);
        assert_eq!((t.tax, t.total), (498, 2987)); // 2489 × 20 % = 497.8
        let t = super::totals(25, 0, 2000); // 5.0 exactly
        assert_eq!(t.tax, 5);
        let t = super::totals(1, 1, 2500); // 0.5 rounds up
        assert_eq!(t.tax, 1);
        assert_eq!(super::totals(1000, 0, 0).total, 1000);
    }
}
