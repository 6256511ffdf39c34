//! Storage: one connection URL picks the backend (`sqlite://` or `postgres://`). The helpers
//! here (`is_sqlite`, `lock_row`, `backup`) hold the backend differences that are shared;
//! a hot path that needs its own SQL per backend branches on `is_sqlite` at its call site.

pub mod schema;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        // WAL with synchronous=FULL: readers never block the writer and an acknowledged write
        // survives a crash or power loss. The busy timeout queues writers instead of failing.
        opts.max_connections(8).min_connections(1);
        opts.map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        opts.max_connections(16).min_connections(1);
    }
    Database::connect(opts).await
}

/// Begins a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken
/// (waiting up to the busy timeout) before the first read, so a transaction that reads, decides
/// and then writes can never fail with `SQLITE_BUSY_SNAPSHOT` because another connection
/// committed in between (a deferred transaction cannot upgrade its read snapshot, and the busy
/// timeout does not help). PostgreSQL ignores the mode. Every write path begins with this, never
/// with a bare `begin()`.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

pub fn is_sqlite(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Sqlite
}

/// A consistent copy of the database to `file`: `VACUUM INTO` on SQLite, `pg_dump` on PostgreSQL.
pub async fn backup(
    db: &DatabaseConnection,
    url: &str,
    file: &std::path::Path,
) -> Result<(), String> {
    if is_sqlite(db) {
        if file.exists() {
            return Err(format!("{} already exists", file.display()));
        }
        let path = file.to_string_lossy().replace('\'', "''");
        db.execute_unprepared(&format!("VACUUM INTO '{path}'"))
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    } else {
        let status = tokio::process::Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--file")
            .arg(file)
            .arg(url)
            .status()
            .await
            .map_err(|e| format!("cannot run pg_dump: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("pg_dump failed: {status}"))
        }
    }
}

/// Takes the write lock on one row at the start of a transaction, so that a read-decide-write
/// sequence is serialised per row: `SELECT … FOR UPDATE` on PostgreSQL; on SQLite a no-op
/// update, which takes the database write lock before the transaction reads anything (a
/// deferred transaction that reads first cannot later upgrade while another writer commits).
/// `lock_row` for several rows in one statement (ids sorted, so writers never deadlock).
pub async fn lock_rows(db: &impl ConnectionTrait, table: &str, ids: &[i64]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = if is_sqlite(db) {
        format!("UPDATE {table} SET id = id WHERE id IN ({list})")
    } else {
        format!("SELECT id FROM {table} WHERE id IN ({list}) ORDER BY id FOR UPDATE")
    };
    db.execute_unprepared(&sql).await?;
    Ok(())
}

pub async fn lock_row(db: &impl ConnectionTrait, table: &str, id: i64) -> Result<(), DbErr> {
    let sql = if is_sqlite(db) {
        format!("UPDATE {table} SET id = id WHERE id = {id}")
    } else {
        format!("SELECT id FROM {table} WHERE id = {id} FOR UPDATE")
    };
    db.execute_unprepared(&sql).await?;
    Ok(())
}

/// Writes one installation setting (`settings` row), inserting or replacing it; the caller
/// holds the transaction and writes the audit row beside it.
pub async fn put_setting(db: &impl ConnectionTrait, key: &str, value: String) -> Result<(), DbErr> {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let exists = crate::entities::settings::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .is_some();
    let am = crate::entities::settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value),
    };
    if exists {
        am.update(db).await?;
    } else {
        am.insert(db).await?;
    }
    Ok(())
}
