//! What module APIs are built from, beyond poem-openapi itself: strict JSON input, nullable
//! output fields, DRF-style pagination, documented problem answers; and core's health endpoint.

pub(crate) mod health;
mod input;
mod nullable;
mod pagination;
mod problems;

pub use input::Input;
pub use nullable::Nullable;
pub use pagination::{DEFAULT_PAGE_SIZE, Links, MAX_PAGE_SIZE, Pagination};
pub use problems::Problems;
pub(crate) use problems::document as document_problems;
