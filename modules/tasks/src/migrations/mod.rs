//! The module's migrations, oldest first.

mod create_task;
mod task_counts;

use sea_orm_migration::prelude::*;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(create_task::CreateTask),
        Box::new(task_counts::CreateTaskCounts),
    ]
}
