//! `/api/store/`: the catalogue for anyone; the cart, checkout and order history for the logged-in
//! customer, by bearer token or browser session.
//!
//! Money is integer cents (`price_cents`, `total_cents`...) with the store's `currency`; the
//! server prices everything from the products and shipping rates, and a body that carries a price
//! is refused for its unknown field. The rules are the pages' own: the queries come from
//! `catalogue`, the cart's refusals from `cart`, orders from `checkout::place`.
//!
//! One file per resource — `products.rs`, `cart.rs`, `checkout.rs`, `orders.rs` — each with its
//! request and response shapes and its operations; this file joins them into the one service the
//! module registers, with the tags and helpers they share.

mod cart;
mod checkout;
mod orders;
mod products;

use bureau_core::poem_openapi::{self, OpenApi, Tags};
use bureau_core::{AppState, Error, FieldErrors, Result};

use crate::config::StoreConfig;

/// The store's operations: one poem-openapi service made of each resource's.
pub(crate) fn service() -> impl OpenApi + 'static {
    (
        products::ProductsApi,
        cart::CartApi,
        checkout::CheckoutApi,
        orders::OrdersApi,
    )
}

#[derive(Tags)]
enum StoreTag {
    /// The products on sale.
    Catalogue,
    /// Your cart.
    Cart,
    /// Shipping quotes and placing an order.
    Checkout,
    /// Your orders.
    Orders,
}

fn config(state: &AppState) -> Result<&StoreConfig> {
    state.config().section::<StoreConfig>("store")
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    Error::Invalid(errors)
}
