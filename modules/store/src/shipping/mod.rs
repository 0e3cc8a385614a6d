//! Shipping: what sending a parcel costs, asked of a `ShippingRateProvider`. The built-in
//! `TableRates` reads the zones and rates store managers keep in the admin; a carrier's rating API
//! can be added beside it behind the same trait.
//!
//! Checkout shows the quotes of every provider, posts back only the chosen quote's `id`, and on
//! submit asks the providers for that id again with the parcel as it is then: the price on the order
//! is the one found at that moment, never a price the form carried.

mod table;

pub use table::TableRates;
pub(crate) use table::{check_rate, check_zone};

use sea_orm::DatabaseExecutor;

use crate::payments::BoxFuture;

/// What is being sent, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parcel {
    /// ISO 3166-1 alpha-2, upper case (`FR`).
    pub country: String,
    /// The parcel's total weight.
    pub weight_grams: i64,
    /// The order's subtotal in cents, which some rates ship free above.
    pub subtotal: i64,
}

/// One way to ship a parcel and its price.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quote {
    /// `<provider>:<the provider's key>` (`table:3`): what a checkout form posts back, and what
    /// `ShippingRateProvider::quote` finds the method by again. Stable as long as the method
    /// exists.
    pub id: String,
    /// The provider that made the quote (`ShippingRateProvider::name`).
    pub provider: &'static str,
    /// The `store_shipping_rate` row, for quotes from the table; `None` from other providers.
    pub rate_id: Option<i64>,
    /// What the customer chooses and the order records: "Standard", "Express".
    pub name: String,
    /// Cents; 0 when `free`.
    pub price: i64,
    /// The method is free for this parcel because its subtotal reached the rate's threshold.
    pub free: bool,
}

/// A source of shipping quotes.
///
/// Object-safe (boxed futures, no generic methods), so the store holds its providers as
/// `Arc<dyn ShippingRateProvider>` and checkout asks each in turn. To add a carrier's rating API:
/// write a client struct holding its configuration and an HTTP client (as
/// `payments::stripe` does), give it a `name` of its own (`colissimo`), and implement both methods
/// by asking the API — `db` may go unused. Its quotes' ids start with `<name>:` followed by
/// whatever lets it find the service again (`colissimo:express`); `quote` answers `Ok(None)` for
/// an id that is not its own, so it never claims another provider's quote. A carrier that cannot
/// be reached answers `Err(Error::Internal(..))`, and checkout may still offer the other
/// providers' quotes.
pub trait ShippingRateProvider: Send + Sync {
    /// The first part of this provider's quote ids: `table`, or a carrier's name.
    fn name(&self) -> &'static str;

    /// Every way this provider would ship `parcel`, cheapest first (then by name). None when it
    /// does not ship there, or the country code is not two letters.
    ///
    /// `db` is a pool or a transaction: `state.db().into()`, `(&txn).into()`.
    fn quotes<'a>(
        &'a self,
        db: DatabaseExecutor<'a>,
        parcel: &'a Parcel,
    ) -> BoxFuture<'a, bureau_core::Result<Vec<Quote>>>;

    /// The quote `id` names, priced again for `parcel` as it is now; `None` when the id is not
    /// one of this provider's, or the method no longer exists or no longer fits the parcel.
    fn quote<'a>(
        &'a self,
        db: DatabaseExecutor<'a>,
        parcel: &'a Parcel,
        id: &'a str,
    ) -> BoxFuture<'a, bureau_core::Result<Option<Quote>>>;
}
