//! The database drops every connection of the app while requests flow — as a restart, a failover
//! or an administrator does — and the app carries on without being restarted: statements cut
//! off answer 503 (never 500, never a panic), and once the connections are gone every request
//! succeeds on new ones. Needs a database server (BUREAU_TEST_DATABASE_URL): PostgreSQL
//! terminates the backends, MariaDB/MySQL kills the connections. `bench/db_restart.sh` restarts
//! the real server under load.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bureau_core::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

use crate::support::{eventually_async, spawn_with};

/// What the load saw: status code (or "error") → how many.
type Tally = BTreeMap<String, usize>;

/// A connection of the test's own to the app's database, the one that is spared.
async fn own_connection(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url);
    options.max_connections(1).min_connections(1);
    Database::connect(options).await.unwrap()
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Statements of the app sleeping in `/probe/db-sleep` right now.
async fn sleeping(db: &DatabaseConnection) -> i64 {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND state = 'active' AND query LIKE 'SELECT pg_sleep(60)%'"
        }
        _ => {
            "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.processlist \
             WHERE db = DATABASE() AND info LIKE 'SELECT SLEEP(60)%'"
        }
    };
    count(db, sql).await
}

/// Cuts every connection to the database but `db`'s own; returns how many.
async fn drop_other_connections(db: &DatabaseConnection) -> usize {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        let sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                   WHERE datname = current_database() AND pid <> pg_backend_pid()";
        let rows = db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
        return rows.len();
    }
    let sql = "SELECT id FROM information_schema.processlist \
               WHERE db = DATABASE() AND id <> CONNECTION_ID()";
    let ids = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    for row in &ids {
        let id: i64 = row.try_get_by_index(0).unwrap();
        // A connection may have ended by itself meanwhile.
        let _ = db.execute_unprepared(&format!("KILL {id}")).await;
    }
    ids.len()
}

fn record(tally: &mut Tally, outcome: &reqwest::Result<reqwest::Response>) {
    let key = match outcome {
        Ok(response) => response.status().as_u16().to_string(),
        Err(error) => format!("error: {error}"),
    };
    *tally.entry(key).or_default() += 1;
}

/// Paths the load goes through: an API and a page of the probe, and a module's real page.
const PATHS: [&str; 3] = ["/api/probe/notes/count", "/probe/notes/", "/forum/"];

#[tokio::test]
async fn the_app_recovers_when_the_database_drops_its_connections_mid_load() {
    let (app, _) = spawn_with(|s| {
        s.var("BUREAU_DATABASE__MAX_CONNECTIONS", "8")
            // Debug off, so the pages are the ones visitors see.
            .var("BUREAU_APP__DEBUG", "false")
            .var("BUREAU_SERVER__ALLOWED_HOSTS", "127.0.0.1")
    })
    .await;
    let backend = app.state().db().get_database_backend();
    if backend == DbBackend::Sqlite {
        eprintln!("skipped: needs a database server (BUREAU_TEST_DATABASE_URL)");
        return;
    }
    let own = own_connection(&app.database.url).await;

    // Steady load from four clients until the outage is over.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..4)
        .map(|worker| {
            let (client, base) = (app.client.clone(), app.url(""));
            let (stop, done) = (stop.clone(), done.clone());
            tokio::spawn(async move {
                let mut tally = Tally::new();
                let mut turn = worker;
                while !stop.load(Ordering::Relaxed) {
                    let path = PATHS[turn % PATHS.len()];
                    record(
                        &mut tally,
                        &client.get(format!("{base}{path}")).send().await,
                    );
                    done.fetch_add(1, Ordering::Relaxed);
                    turn += 1;
                }
                tally
            })
        })
        .collect();
    // Two statements that are running on the server when it cuts the connections.
    let cut_off: Vec<_> = (0..2)
        .map(|_| tokio::spawn(app.client.get(app.url("/probe/db-sleep")).send()))
        .collect();
    eventually_async(Duration::from_secs(60), async || sleeping(&own).await == 2).await;

    let dropped = drop_other_connections(&own).await;

    assert!(dropped >= 2, "the app's connections were cut ({dropped})");
    for request in cut_off {
        let response = request.await.unwrap().unwrap();
        assert_eq!(response.status(), 503, "a statement cut off answers 503");
        assert!(response.headers().contains_key("retry-after"));
        let page = response.text().await.unwrap();
        assert!(page.contains("busy or briefly unavailable"), "{page}");
    }
    // The load goes on for a while on the connections the pool makes anew.
    let so_far = done.load(Ordering::Relaxed);
    eventually_async(Duration::from_secs(60), async || {
        done.load(Ordering::Relaxed) >= so_far + 40
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    let mut during = Tally::new();
    for worker in load {
        for (key, n) in worker.await.unwrap() {
            *during.entry(key).or_default() += n;
        }
    }
    eprintln!("while the connections were cut: {during:?}");
    assert!(
        during.keys().all(|key| key == "200" || key == "503"),
        "only 200 and 503 while the connections were cut: {during:?}"
    );

    // Every request afterwards succeeds, on new connections, with no restart.
    let mut after = Tally::new();
    for round in 0..30 {
        let path = PATHS[round % PATHS.len()];
        record(&mut after, &app.client.get(app.url(path)).send().await);
    }
    assert_eq!(
        after,
        Tally::from([("200".to_owned(), 30)]),
        "(during: {during:?})"
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert!(
        sleeping(&own).await == 0,
        "the cut statements are gone from the server"
    );
}
