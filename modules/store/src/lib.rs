//! Store: a catalogue customers browse and review, a cart, checkout with shipping and tax, orders
//! that move through their states, payments, and notifications, all run by staff from the admin.

pub mod payments;

use bureau_core::{AppBuilder, Module};

/// The store module, as the composition root lists it.
pub struct Store;

impl Module for Store {
    fn name(&self) -> &'static str {
        "store"
    }

    fn build(&self, _app: &mut AppBuilder) {}
}
