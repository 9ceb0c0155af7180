//! Connecting to PostgreSQL or the embedded SQLite file, and migrating under a lock.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    TransactionTrait,
};

use crate::config::Config;

/// Arbitrary constant naming the migration advisory lock on PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x6275_746c_6572_6d67;

static SQLITE_MIGRATION_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Opens the pool; for SQLite, creates the file's folder first.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url.expose().clone();
    migration::ensure_sqlite_dir(&url).context("creating the SQLite file's folder")?;
    let mut opts = ConnectOptions::new(url);
    let max = if config.is_sqlite() && config.database_url.expose().contains(":memory:") {
        1
    } else {
        config.db_max_connections.max(2)
    };
    // One timeout bounds both a new connection and a wait in the queue (SeaORM maps both
    // settings onto sqlx's acquire timeout): a request while the server is down fails within
    // it, and `ApiError` answers 503 `database_unavailable`.
    opts.max_connections(max)
        .min_connections(1)
        .connect_timeout(config.db_acquire_timeout)
        .acquire_timeout(config.db_acquire_timeout)
        // Statement logs could carry credentials; request spans say enough.
        .sqlx_logging(false)
        // Every pooled connection, not just the first: pragmas are per connection.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    connect_patiently(opts).await
}

/// How long an SQLite write waits for the file's one write lock before it gives up. Writes
/// are short (milliseconds), so this is only reached when something holds the lock for long.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Begins a transaction that will write. On SQLite it takes the file's write lock at once
/// (as `BEGIN IMMEDIATE` would), waiting its turn behind other writers: a transaction that
/// reads first and writes later would otherwise get `SQLITE_BUSY` at its first write whenever
/// another connection wrote in between, and SQLite does not wait there (it could deadlock).
/// On PostgreSQL it is a plain transaction.
pub async fn begin_write<C: TransactionTrait + ConnectionTrait>(
    db: &C,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // A write that changes nothing, as the first statement, takes the write lock (with
        // the busy timeout) before the transaction has read anything.
        txn.execute_unprepared("UPDATE seaql_migrations SET version = version WHERE 0")
            .await?;
    }
    Ok(txn)
}

/// How long start-up waits for a database that is not up yet (e.g. started together with
/// the API by compose).
const STARTUP_WAIT: Duration = Duration::from_secs(30);

/// The first connection, retried for [`STARTUP_WAIT`]: the short acquire timeout is for
/// requests, not for a server that is still starting.
async fn connect_patiently(opts: ConnectOptions) -> anyhow::Result<DatabaseConnection> {
    let deadline = tokio::time::Instant::now() + STARTUP_WAIT;
    loop {
        match Database::connect(opts.clone()).await {
            Ok(db) => return Ok(db),
            Err(e)
                if crate::error::db_unavailable(&e) && tokio::time::Instant::now() < deadline =>
            {
                tracing::warn!(error = %e, "the database is not reachable yet; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e).context("connecting to the database (DATABASE_URL)"),
        }
    }
}

/// Applies pending migrations while holding a lock, so replicas starting together migrate
/// once. Returns the names of the migrations it applied.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK_KEY.into()],
            ))
            .await
            .context("taking the migration lock")?;
            let applied = apply_pending(db).await;
            txn.commit().await?;
            applied
        }
        _ => {
            let _guard = SQLITE_MIGRATION_LOCK.lock().await;
            apply_pending(db).await
        }
    }
}

async fn apply_pending(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let pending: Vec<String> = Migrator::get_pending_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    if !pending.is_empty() {
        Migrator::up(db, None)
            .await
            .context("applying migrations")?;
    }
    Ok(pending)
}
