//! The module's migrations, oldest first.

mod create_forum;
mod index_visible_posts;

use sea_orm_migration::prelude::*;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(create_forum::CreateForum),
        Box::new(index_visible_posts::IndexVisiblePosts),
    ]
}
