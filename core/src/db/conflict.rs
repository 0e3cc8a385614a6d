//! Errors that mean "a concurrent transaction got in the way": trying the whole transaction again
//! resolves them. Writers that race on purpose (votes, checkouts) retry on these and nothing else.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// A unique key another transaction took first, a serialization failure (`40001`, also MySQL's
/// deadlock) or a PostgreSQL deadlock (`40P01`), or SQLite being busy past its timeout.
pub fn is_conflict(error: &DbErr) -> bool {
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return true;
    }
    let (DbErr::Exec(RuntimeErr::SqlxError(source)) | DbErr::Query(RuntimeErr::SqlxError(source))) =
        error
    else {
        return false;
    };
    let code = source.as_database_error().and_then(|e| e.code());
    // SQLITE_BUSY (5) and SQLITE_BUSY_SNAPSHOT (517).
    matches!(code.as_deref(), Some("40001" | "40P01" | "5" | "517"))
}
