//! The module's migrations, oldest first.

mod create_store;
mod review_ratings;

use sea_orm_migration::prelude::*;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(create_store::CreateStore),
        Box::new(review_ratings::ReviewRatings),
    ]
}
