//! The module's tables.

pub mod post;
pub mod report;
pub mod vote;
