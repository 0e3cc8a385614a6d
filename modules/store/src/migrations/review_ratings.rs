//! Triggers that keep each product's `rating_sum` and `rating_count` equal to its approved
//! reviews, whatever changes them: a moderator's action, an admin edit, a delete, SQL by hand.
//! Lists then show averages without reading reviews, and the figures cannot drift.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub(super) struct ReviewRatings;

impl MigrationName for ReviewRatings {
    fn name(&self) -> &str {
        "m20261123_000002_store_review_ratings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ReviewRatings {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DbBackend::Sqlite => SQLITE_UP,
            DbBackend::Postgres => POSTGRES_UP,
            _ => MYSQL_UP,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_AND_MYSQL_DOWN,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER store_review_rating_insert AFTER INSERT ON store_review
    WHEN NEW.status = 'approved' BEGIN
        UPDATE store_product SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
        WHERE id = NEW.product_id;
    END",
    "CREATE TRIGGER store_review_rating_delete AFTER DELETE ON store_review
    WHEN OLD.status = 'approved' BEGIN
        UPDATE store_product SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
        WHERE id = OLD.product_id;
    END",
    "CREATE TRIGGER store_review_rating_update AFTER UPDATE OF status, rating, product_id ON store_review
    BEGIN
        UPDATE store_product SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
        WHERE id = OLD.product_id AND OLD.status = 'approved';
        UPDATE store_product SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
        WHERE id = NEW.product_id AND NEW.status = 'approved';
    END",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE OR REPLACE FUNCTION store_review_rating() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'approved' THEN
            UPDATE store_product
            SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
            WHERE id = OLD.product_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'approved' THEN
            UPDATE store_product
            SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
            WHERE id = NEW.product_id;
        END IF;
        RETURN NULL;
    END $$",
    "CREATE TRIGGER store_review_rating AFTER INSERT OR DELETE OR UPDATE OF status, rating, product_id
    ON store_review FOR EACH ROW EXECUTE FUNCTION store_review_rating()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS store_review_rating ON store_review",
    "DROP FUNCTION IF EXISTS store_review_rating()",
];

const MYSQL_UP: &[&str] = &[
    "CREATE TRIGGER store_review_rating_insert AFTER INSERT ON store_review FOR EACH ROW
        UPDATE store_product SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
        WHERE id = NEW.product_id AND NEW.status = 'approved'",
    "CREATE TRIGGER store_review_rating_delete AFTER DELETE ON store_review FOR EACH ROW
        UPDATE store_product SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
        WHERE id = OLD.product_id AND OLD.status = 'approved'",
    "CREATE TRIGGER store_review_rating_update AFTER UPDATE ON store_review FOR EACH ROW
    BEGIN
        UPDATE store_product SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
        WHERE id = OLD.product_id AND OLD.status = 'approved';
        UPDATE store_product SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
        WHERE id = NEW.product_id AND NEW.status = 'approved';
    END",
];

const SQLITE_AND_MYSQL_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS store_review_rating_insert",
    "DROP TRIGGER IF EXISTS store_review_rating_delete",
    "DROP TRIGGER IF EXISTS store_review_rating_update",
];
