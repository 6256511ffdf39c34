//! The kernel's own migrations, after the historical ones in the binary. Never edit one that
//! has shipped: add a new one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(M20261205LoginThrottles),
        Box::new(M20261205RegistryVersions),
        Box::new(M20261206UserPrefs),
        Box::new(M20261206SessionLastSeen),
        Box::new(M20261206AuditEvents),
        Box::new(M20261206Notices),
        Box::new(M20261206Dictionary),
        Box::new(M20261207NoticeEdits),
        Box::new(M20261207SessionHandles),
    ]
}

/// Sign-in throttling by account and client (`access::auth::login`), replacing the count
/// over the login log.
struct M20261205LoginThrottles;

impl MigrationName for M20261205LoginThrottles {
    fn name(&self) -> &str {
        "m20261205_kernel_login_throttles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205LoginThrottles {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("login_throttles")
                .col(big_pk_auto("id"))
                .col(string_len("username", 64))
                .col(string_len("client", 64))
                .col(integer("failures").default(0))
                .col(timestamp_with_time_zone_null("blocked_until"))
                .col(timestamp_with_time_zone("last_failure_at"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_login_throttles_username_client")
                .table("login_throttles")
                .col("username")
                .col("client")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_throttles_last_failure_at")
                .table("login_throttles")
                .col("last_failure_at")
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// Units, people and enterprises carry a version: an edit names the version it read, and a
/// stale one is refused instead of silently overwriting another's change.
struct M20261205RegistryVersions;

impl MigrationName for M20261205RegistryVersions {
    fn name(&self) -> &str {
        "m20261205_kernel_registry_versions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205RegistryVersions {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["units", "people", "enterprises"] {
            m.alter_table(
                Table::alter()
                    .table(table)
                    .add_column(integer("version").default(1))
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}

/// What each user chose to remember on a screen (the columns they hide on a list), one row
/// per user and screen.
struct M20261206UserPrefs;

impl MigrationName for M20261206UserPrefs {
    fn name(&self) -> &str {
        "m20261206_kernel_user_prefs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206UserPrefs {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("user_prefs")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("key", 80))
                .col(text("value"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_user_prefs_user_key")
                .table("user_prefs")
                .col("user_id")
                .col("key")
                .unique()
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// A session remembers its last request, for the online-users page (在线用户).
struct M20261206SessionLastSeen;

impl MigrationName for M20261206SessionLastSeen {
    fn name(&self) -> &str {
        "m20261206_kernel_session_last_seen"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206SessionLastSeen {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(timestamp_with_time_zone_null("last_seen_at"))
                .take(),
        )
        .await
    }
}

/// An audit entry may name its kind and carry its structured fields, so that it is described
/// in the reader's language rather than by its free-text summary.
struct M20261206AuditEvents;

impl MigrationName for M20261206AuditEvents {
    fn name(&self) -> &str {
        "m20261206_kernel_audit_events"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206AuditEvents {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for c in [string_len_null("event", 64), text_null("args")] {
            m.alter_table(Table::alter().table("audit_log").add_column(c).take())
                .await?;
        }
        Ok(())
    }
}

/// Notices (通知公告) to everyone or to chosen units and below, with their read receipts.
struct M20261206Notices;

impl MigrationName for M20261206Notices {
    fn name(&self) -> &str {
        "m20261206_kernel_notices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206Notices {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("notices")
                .col(big_pk_auto("id"))
                .col(string_len("title", 200))
                .col(text("body"))
                .col(boolean("to_all").default(false))
                .col(big_integer_null("created_by_user_id"))
                .col(string_len("author", 128))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("notice_units")
                .col(big_integer("notice_id"))
                .col(big_integer("unit_id"))
                .primary_key(Index::create().col("notice_id").col("unit_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("notice_units", "notice_id")
                        .to("notices", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("notice_units", "unit_id")
                        .to("units", "id"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notice_units_unit_id")
                .table("notice_units")
                .col("unit_id")
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("notice_reads")
                .col(big_integer("notice_id"))
                .col(big_integer("user_id"))
                .col(timestamp_with_time_zone("read_at"))
                .primary_key(Index::create().col("notice_id").col("user_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("notice_reads", "notice_id")
                        .to("notices", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("notice_reads", "user_id")
                        .to("users", "id"),
                )
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// The dictionary (字典管理, `crate::dict`): one row per item of each area's code lists.
struct M20261206Dictionary;

impl MigrationName for M20261206Dictionary {
    fn name(&self) -> &str {
        "m20261206_kernel_dictionary"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206Dictionary {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dict_items")
                .col(big_pk_auto("id"))
                .col(string_len("dict", 64))
                .col(string_len("code", 64))
                .col(string_len("label_zh", 100))
                .col(string_len("label_en", 200))
                .col(integer("sort").default(0))
                .col(boolean("enabled").default(true))
                .col(boolean("builtin").default(false))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_dict_items_dict_code")
                .table("dict_items")
                .col("dict")
                .col("code")
                .unique()
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// Notices are edited (title and text, under a version like the registries' records) and
/// withdrawn (撤回: gone from their readers' lists, kept with its receipts for the sender).
struct M20261207NoticeEdits;

impl MigrationName for M20261207NoticeEdits {
    fn name(&self) -> &str {
        "m20261207_kernel_notice_edits"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207NoticeEdits {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds one at a time.
        for col in [
            integer("version").default(1).take(),
            timestamp_with_time_zone_null("updated_at").take(),
            timestamp_with_time_zone_null("withdrawn_at").take(),
        ] {
            m.alter_table(Table::alter().table("notices").add_column(col).take())
                .await?;
        }
        Ok(())
    }
}

/// A session's public handle (`auth::session_handle`) is stored with it, so that ending one
/// (强制下线) finds it by an index instead of hashing the id of every open session.
struct M20261207SessionHandles;

impl MigrationName for M20261207SessionHandles {
    fn name(&self) -> &str {
        "m20261207_kernel_session_handles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207SessionHandles {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm::{ConnectionTrait, Statement};
        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(string_len_null("handle", 24))
                .take(),
        )
        .await?;
        let db = m.get_connection();
        let backend = db.get_database_backend();
        let ids = db
            .query_all_raw(Statement::from_string(backend, "SELECT id FROM sessions"))
            .await?;
        for row in ids {
            let id: String = row.try_get("", "id")?;
            let sql = match backend {
                sea_orm::DbBackend::Postgres => "UPDATE sessions SET handle = $1 WHERE id = $2",
                _ => "UPDATE sessions SET handle = ? WHERE id = ?",
            };
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [crate::access::auth::session_handle(&id).into(), id.into()],
            ))
            .await?;
        }
        m.create_index(
            Index::create()
                .name("uq_sessions_handle")
                .table("sessions")
                .col("handle")
                .unique()
                .take(),
        )
        .await?;
        Ok(())
    }
}
