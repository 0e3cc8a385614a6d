//! The module's migrations, oldest first.

mod create_forum;

use sea_orm_migration::prelude::*;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(create_forum::CreateForum)]
}
