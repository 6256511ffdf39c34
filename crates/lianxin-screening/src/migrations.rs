//! Screening's own migrations, after the historical ones in the binary. Never edit one that
//! has shipped: add a new one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(M20261201FeverSignals),
        Box::new(M20261205SealedPhones),
        Box::new(M20261206ContactsIndex),
        Box::new(M20261206PassageIngestIndexes),
        Box::new(M20261206ContactsIndexWithId),
        Box::new(M20261207ContactKey),
    ]
}

/// The fever outbox (a passage or report write records its fever; the follow-up worker turns
/// it into a case) and the one follow-up case per person and day.
struct M20261201FeverSignals;

impl MigrationName for M20261201FeverSignals {
    fn name(&self) -> &str {
        "m20261201_screening_fever_signals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261201FeverSignals {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("fever_signals")
                .col(big_pk_auto("id"))
                .col(string_len("person_key", 80))
                .col(date("day"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("source", 16))
                .col(big_integer_null("device_id"))
                .col(big_integer_null("user_id"))
                .col(string_len_null("client_id", 64))
                .col(big_integer_null("seq"))
                .col(big_integer_null("health_report_id"))
                .col(big_integer("unit_id"))
                .col(small_integer("temperature"))
                .col(big_integer_null("case_id"))
                .col(timestamp_with_time_zone_null("done_at"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_try_at"))
                .col(text_null("error"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        // The worker's queue: only what is not done yet (a partial index, the same statement on
        // SQLite and PostgreSQL), so done signals cost the index nothing.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_fever_signals_pending ON fever_signals (next_try_at) WHERE done_at IS NULL",
            )
            .await?;
        m.create_table(
            Table::create()
                .table("fever_followups")
                .col(big_pk_auto("id"))
                .col(string_len("person_key", 80))
                .col(date("day"))
                .col(big_integer("case_id"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_fever_followups_person_day")
                .table("fever_followups")
                .col("person_key")
                .col("day")
                .unique()
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// Passers-by's phone numbers are stored sealed (`lianxin_kernel::secret`), which is longer
/// than a number. SQLite does not hold a text to its declared length; PostgreSQL does.
struct M20261205SealedPhones;

impl MigrationName for M20261205SealedPhones {
    fn name(&self) -> &str {
        "m20261205_screening_sealed_phones"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205SealedPhones {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("ALTER TABLE passages ALTER COLUMN phone TYPE varchar(160)")
                .await?;
        }
        Ok(())
    }
}

/// Personnel screening reads the passages of a checkpoint in a time window and needs only
/// whose they were and whether they were a fever: with those two columns in the
/// (checkpoint_id, at) index, the contacts query never reads the table for the tens of
/// thousands of passages it groups (`contacts`). The new index serves every query the old
/// (checkpoint_id, at) one did, so that one goes: each passage still writes one index for it.
struct M20261206ContactsIndex;

impl MigrationName for M20261206ContactsIndex {
    fn name(&self) -> &str {
        "m20261206_screening_contacts_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206ContactsIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS idx_passages_checkpoint_at_person \
             ON passages (checkpoint_id, at, person_hash, fever)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_passages_checkpoint_id_at")
            .await?;
        Ok(())
    }
}

/// What a passage costs to write. Every passage paid for an index entry in the fever index and
/// in the entry page's key, though only a few in a thousand are fevers and a gate's passages
/// have no page: both become partial indexes (the same statements on SQLite and PostgreSQL),
/// which only the rows they serve enter. Every query on them names the index's condition:
/// `fever` (the dashboard's latest fevers, the list's fever filter), `user_id = …` (the entry
/// page's duplicates and the follow-up worker's look-up).
///
/// PostgreSQL: the passages' two foreign keys go. Each ran a query per passage (its
/// referential trigger) to check what the writer already holds: the device is locked and its
/// checkpoint read in the same transaction, and neither a device nor a checkpoint is ever
/// deleted. SQLite keeps them: its check is two look-ups in small tables, and dropping a
/// constraint there means copying the table.
struct M20261206PassageIngestIndexes;

impl MigrationName for M20261206PassageIngestIndexes {
    fn name(&self) -> &str {
        "m20261206_screening_passage_ingest_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206PassageIngestIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // New names, each made before the index it replaces goes (the page's key never lapses).
        for sql in [
            "CREATE INDEX idx_passages_fevers ON passages (at) WHERE fever",
            "DROP INDEX IF EXISTS idx_passages_fever_at",
            "CREATE UNIQUE INDEX uq_passages_page_seq ON passages (user_id, client_id, device_seq) WHERE user_id IS NOT NULL",
            "DROP INDEX IF EXISTS uq_passages_user_client_seq",
        ] {
            db.execute_unprepared(sql).await?;
        }
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            // The constraints' names are PostgreSQL's own (the table was made without names).
            db.execute_unprepared(
                "ALTER TABLE passages DROP CONSTRAINT IF EXISTS passages_checkpoint_id_fkey, \
                 DROP CONSTRAINT IF EXISTS passages_device_id_fkey",
            )
            .await?;
        }
        Ok(())
    }
}

/// PostgreSQL: the contacts index also carries the passage id (`INCLUDE (id)`), which the
/// screening picks each contact's closest passage by. Without it every one of the tens of
/// thousands of passages in the windows was read from the table (a bitmap heap scan: 1.3 s
/// over a million passages); with it the join is an index-only scan (0.3 s). SQLite's
/// indexes carry the rowid already.
struct M20261206ContactsIndexWithId;

impl MigrationName for M20261206ContactsIndexWithId {
    fn name(&self) -> &str {
        "m20261206_screening_contacts_index_with_id"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206ContactsIndexWithId {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_passages_checkpoint_at_person_id \
                 ON passages (checkpoint_id, at, person_hash, fever) INCLUDE (id)",
            )
            .await?;
            db.execute_unprepared("DROP INDEX IF EXISTS idx_passages_checkpoint_at_person")
                .await?;
        }
        Ok(())
    }
}

/// Personnel screening reads every passage in the windows of a person's passages (about
/// 100,000 for a busy person over a million passages), and the contacts index held each as
/// its 64-digit hash and 32-character time. `contact_key` holds both in 16 bytes
/// (`privacy::contact_key`), which the index carries instead of the hash: the contacts
/// statement joins a window's keys as they are stored, with nothing converted per passage.
/// The index stays on (checkpoint_id, at), which a gate's passage list reads too.
struct M20261207ContactKey;

impl MigrationName for M20261207ContactKey {
    fn name(&self) -> &str {
        "m20261207_screening_contact_key"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207ContactKey {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        let db = m.get_connection();
        let (column, index, old) = if backend == sea_orm::DbBackend::Postgres {
            (
                "ALTER TABLE passages ADD COLUMN contact_key bytea",
                "CREATE INDEX idx_passages_checkpoint_at_contact \
                 ON passages (checkpoint_id, at) INCLUDE (contact_key, fever)",
                "DROP INDEX IF EXISTS idx_passages_checkpoint_at_person_id",
            )
        } else {
            (
                "ALTER TABLE passages ADD COLUMN contact_key BLOB",
                "CREATE INDEX idx_passages_checkpoint_at_contact \
                 ON passages (checkpoint_id, at, contact_key)",
                "DROP INDEX IF EXISTS idx_passages_checkpoint_at_person",
            )
        };
        for sql in [
            column,
            crate::privacy::contact_key_fill(backend),
            index,
            old,
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
