//! The module's tables. Money is in integer minor units (cents) everywhere: SQLite has no exact
//! decimal type, and sums and comparisons of integers are exact on every backend.

pub mod address;
pub mod cart_item;
pub mod category;
pub mod order;
pub mod order_event;
pub mod order_line;
pub mod payment;
pub mod product;
pub mod product_image;
pub mod review;
pub mod shipping_rate;
pub mod shipping_zone;
pub mod webhook_event;
