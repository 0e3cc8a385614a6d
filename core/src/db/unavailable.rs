//! Errors that mean "the database cannot answer now", as opposed to "this statement is wrong":
//! no free connection within `database.acquire_timeout_secs`, a connection that could not be
//! made, or one the server closed under a running statement (a restart, a failover, an
//! administrator's `pg_terminate_backend` or `KILL`). Requests that meet one answer 503, and the
//! pool replaces the lost connections by itself.

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};

pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        // sea-orm reports acquiring and connecting as these two, whatever the cause.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(source))
        | DbErr::Query(RuntimeErr::SqlxError(source)) => connection_lost(source),
        _ => false,
    }
}

fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| lost_code(&code)),
        _ => false,
    }
}

/// SQLSTATE class 08 (connection exception) on both servers; PostgreSQL's 57P01–57P03 (the
/// backend was terminated, the server crashed or is starting); MariaDB's 70100 (the connection or
/// its query was killed); SQLite's SQLITE_BUSY (5) past its busy timeout, which under load means
/// "too many writers now".
fn lost_code(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "70100" | "5")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnAcquireErr;

    fn query_error(error: sqlx::Error) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(error)))
    }

    #[test]
    fn lost_connections_are_unavailable_and_bad_statements_are_not() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(is_unavailable(&query_error(sqlx::Error::Io(reset))));
        assert!(!is_unavailable(&query_error(sqlx::Error::RowNotFound)));
        assert!(!is_unavailable(&DbErr::Custom("bad".into())));
        assert!(lost_code("57P01") && lost_code("08006") && lost_code("70100"));
        assert!(!lost_code("23505") && !lost_code("42P01") && !lost_code("517"));
    }
}
