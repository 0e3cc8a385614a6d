//! The module's tables.

pub mod task;
pub mod task_count;
