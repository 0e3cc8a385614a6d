//! The module's tables.

pub mod task;
