//! The case area's own migrations, after the historical ones in the binary. Never edit one
//! that has shipped: add a new one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use lianxin_kernel::db::schema::idx;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(M20261205CaseDayTallies),
        Box::new(M20261206EnterpriseToLink),
        Box::new(M20261206CategoryLead),
        Box::new(M20261206ZeroTrip),
        Box::new(M20261206AttachmentVisit),
        Box::new(M20261207ScopeIndexesWithId),
        Box::new(M20261207CaseSight),
    ]
}

/// The counters of the running totals, in `case_tallies`' order.
pub(crate) const COUNTERS: [&str; 13] = [
    "received",
    "dispatched",
    "responded_on_time",
    "responded",
    "resolved_on_time",
    "resolved_judged",
    "resolved_ever",
    "revisited",
    "satisfied",
    "reopened",
    "returned",
    "handled",
    "handling_secs_sum",
];

/// What the facts rows add to each counter, as SQL over `case_facts` (the backfill; the
/// service adds the same per case in `service::contribution`).
pub(crate) const FACT_SUMS: [&str; 13] = [
    "COUNT(*)",
    "SUM(dispatched)",
    "SUM(COALESCE(responded_on_time, 0))",
    "SUM(CASE WHEN responded_on_time IS NOT NULL THEN 1 ELSE 0 END)",
    "SUM(COALESCE(resolved_on_time, 0))",
    "SUM(CASE WHEN resolved_on_time IS NOT NULL THEN 1 ELSE 0 END)",
    "SUM(resolved_ever)",
    "SUM(revisited)",
    "SUM(satisfied)",
    "SUM(reopened)",
    "SUM(returned)",
    "COUNT(handling_secs)",
    "COALESCE(SUM(handling_secs), 0)",
];

/// The key column of each grouping (`metrics::GroupBy::dimension` order).
pub(crate) const DIMENSION_KEYS: [&str; 5] = [
    "lead_unit_id",
    "subject_unit_id",
    "kind_id",
    "responsible_person_id",
    "month",
];

/// The day a `received` (Unix seconds) falls on in China Standard Time, in SQL: days since
/// 1970-01-01 at UTC+8, rounded down for times before it too (`metrics::day_of`).
pub(crate) const DAY_SQL: &str =
    "((received + 28800 - CASE WHEN received + 28800 < 0 THEN 86399 ELSE 0 END) / 86400)";

/// Fills the empty `case_day_tallies` from `case_facts` (the upgrade's backfill; tests hold it
/// to the totals the service keeps).
pub async fn fill_day_tallies(db: &impl sea_orm::ConnectionTrait) -> Result<(), DbErr> {
    for (dimension, key) in DIMENSION_KEYS.iter().enumerate() {
        db.execute_unprepared(&format!(
            "INSERT INTO case_day_tallies (dimension, day, kind_id, key, {counters}) \
             SELECT {dimension}, {DAY_SQL}, kind_id, COALESCE({key}, -1), {sums} \
             FROM case_facts GROUP BY {DAY_SQL}, kind_id, COALESCE({key}, -1)",
            counters = COUNTERS.join(", "),
            sums = FACT_SUMS.join(", "),
        ))
        .await?;
    }
    Ok(())
}

/// Totals per day received and kind, beside the all-time `case_tallies`: the metrics over a
/// period or a kind read these instead of scanning `case_facts`. Backfilled from the facts.
/// The percentile walks of a filtered view read the period and kind from the index itself
/// (key, handling seconds, received, kind), never from the table; the edges of a period
/// that do not fill a day are read by `received`.
/// And the two relations of a case's scope that had no index get one.
struct M20261205CaseDayTallies;

impl MigrationName for M20261205CaseDayTallies {
    fn name(&self) -> &str {
        "m20261205_cases_day_tallies"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205CaseDayTallies {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut t = Table::create()
            .table("case_day_tallies")
            .col(small_integer("dimension"))
            .col(integer("day"))
            .col(big_integer("kind_id"))
            .col(big_integer("key"))
            .primary_key(
                Index::create()
                    .col("dimension")
                    .col("day")
                    .col("kind_id")
                    .col("key"),
            )
            .take();
        for c in COUNTERS {
            t.col(big_integer(c).default(0));
        }
        m.create_table(t).await?;
        fill_day_tallies(m.get_connection()).await?;
        for key in DIMENSION_KEYS {
            m.drop_index(
                Index::drop()
                    .name(format!("idx_case_facts_{key}_handling_secs"))
                    .table("case_facts")
                    .to_owned(),
            )
            .await?;
            let cols: &[&'static str] = if key == "kind_id" {
                &["kind_id", "handling_secs", "received"]
            } else {
                &[key, "handling_secs", "received", "kind_id"]
            };
            m.create_index(idx("case_facts", cols)).await?;
        }
        m.create_index(idx("case_facts", &["received"])).await?;
        // Every relation of `scope::cases_condition` indexed, so that the cases a limited
        // scope sees are a union of index lookups (SQLite's multi-index OR), not a scan.
        m.create_index(idx("cases", &["escalated_unit_id"])).await?;
        m.create_index(idx("cases", &["created_by_user_id"]))
            .await?;
        Ok(())
    }
}

/// An appeal an outside client files for an enterprise that is not registered is accepted for
/// triage: it keeps the credit code it named until staff link the enterprise.
struct M20261206EnterpriseToLink;

impl MigrationName for M20261206EnterpriseToLink {
    fn name(&self) -> &str {
        "m20261206_cases_enterprise_to_link"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206EnterpriseToLink {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("cases")
                .add_column(string_len_null("pending_uscc", 18))
                .take(),
        )
        .await
    }
}

/// The dispatch form suggests the department that has led a category's cases most often: an
/// index answers that from the category's rows alone.
struct M20261206CategoryLead;

impl MigrationName for M20261206CategoryLead {
    fn name(&self) -> &str {
        "m20261206_cases_category_lead"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206CategoryLead {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(idx("cases", &["category_id", "lead_unit_id"]))
            .await
    }
}

/// 零跑腿: the resolution says whether the appeal was solved without the firm visiting an
/// office (issue 15).
struct M20261206ZeroTrip;

impl MigrationName for M20261206ZeroTrip {
    fn name(&self) -> &str {
        "m20261206_cases_zero_trip"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206ZeroTrip {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("cases")
                .add_column(boolean("zero_trip").default(false))
                .take(),
        )
        .await
    }
}

/// Photos of a 三送一强 visit are attachments too: `visit_id` names the visit (no foreign key,
/// so that the case area does not depend on the enterprise service area above it).
struct M20261206AttachmentVisit;

impl MigrationName for M20261206AttachmentVisit {
    fn name(&self) -> &str {
        "m20261206_cases_attachment_visit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206AttachmentVisit {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("attachments")
                .add_column(big_integer_null("visit_id"))
                .take(),
        )
        .await?;
        m.create_index(idx("attachments", &["visit_id"])).await
    }
}

/// PostgreSQL: the indexes of a scope's relations (`scope::visible_case_ids`) also carry the
/// case id (`INCLUDE`), so that the cases a limited scope sees are read from the indexes alone
/// (index-only scans). Without the id PostgreSQL read the whole `cases` table once per
/// relation for a sub-district (a quarter of all cases are about it, too many for lookups in
/// the table): four sequential scans, 190 ms of the 290 its metrics took over 100,000 cases.
/// Each index keeps its key columns, so it serves what it served before. SQLite's indexes
/// carry the rowid (the id) already.
struct M20261207ScopeIndexesWithId;

impl MigrationName for M20261207ScopeIndexesWithId {
    fn name(&self) -> &str {
        "m20261207_cases_scope_indexes_with_id"
    }
}

/// (old index, the table and its key columns, the column carried).
const SCOPE_INDEXES: [(&str, &str, &str); 7] = [
    ("idx_cases_enterprise_id", "cases (enterprise_id)", "id"),
    ("idx_cases_subject_unit_id", "cases (subject_unit_id)", "id"),
    (
        "idx_cases_lead_unit_id_created_at",
        "cases (lead_unit_id, created_at)",
        "id",
    ),
    (
        "idx_cases_escalated_unit_id",
        "cases (escalated_unit_id)",
        "id",
    ),
    (
        "idx_cases_created_by_user_id",
        "cases (created_by_user_id)",
        "id",
    ),
    (
        "idx_cases_responsible_person_id",
        "cases (responsible_person_id)",
        "id",
    ),
    (
        "idx_case_assignments_unit_id_status",
        "case_assignments (unit_id, status)",
        "case_id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for M20261207ScopeIndexesWithId {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for (old, keys, carried) in SCOPE_INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {old}_with_{carried} ON {keys} INCLUDE ({carried})"
            ))
            .await?;
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {old}"))
                .await?;
        }
        Ok(())
    }
}

/// The units that see each case through the units it concerns (`sight`), with the triggers
/// that keep it when a firm or a unit moves, filled from the cases as they are.
struct M20261207CaseSight;

impl MigrationName for M20261207CaseSight {
    fn name(&self) -> &str {
        "m20261207_cases_sight"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207CaseSight {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("case_sight")
                .if_not_exists()
                .col(big_integer("unit_id"))
                .col(big_integer("case_id"))
                .col(small_integer("direct"))
                .primary_key(Index::create().col("unit_id").col("case_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("case_sight", "case_id")
                        .to("cases", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(idx("case_sight", &["case_id"])).await?;
        let db = m.get_connection();
        for s in crate::sight::trigger_statements(m.get_database_backend()) {
            db.execute_unprepared(&s).await?;
        }
        db.execute_unprepared(&crate::sight::fill_sql("1 = 1"))
            .await?;
        Ok(())
    }
}
