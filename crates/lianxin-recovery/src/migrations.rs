//! The enterprise service area's migrations, after the lower areas'. Never edit one that has
//! shipped: add a new one.

use lianxin_kernel::db::schema::{fk, grant_to_builtin_roles, idx};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::perm;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(M20261206RecoveryTables),
        Box::new(M20261207RecoveryStageLatestIndex),
        Box::new(M20261208RecoveryStageLatest),
    ]
}

/// Pairings (history and current), team members, key projects, visits, figure requests and
/// stage reports; the area's permissions for the built-in roles of an existing installation.
struct M20261206RecoveryTables;

impl MigrationName for M20261206RecoveryTables {
    fn name(&self) -> &str {
        "m20261206_recovery_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206RecoveryTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("pairings")
                .col(big_pk_auto("id"))
                .col(big_integer("enterprise_id"))
                .col(string_len("role", 16))
                .col(big_integer_null("person_id"))
                .col(date("valid_from"))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("pairings", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("pairings", "person_id", "people"))
                .take(),
        )
        .await?;
        m.create_index(idx("pairings", &["enterprise_id", "role", "valid_from"]))
            .await?;
        m.create_table(
            Table::create()
                .table("enterprise_pairings")
                .col(big_integer("enterprise_id").primary_key())
                .col(big_integer_null("leader_person_id"))
                .col(big_integer_null("instructor_person_id"))
                .col(big_integer_null("specialist_person_id"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "enterprise_pairings",
                    "enterprise_id",
                    "enterprises",
                ))
                .take(),
        )
        .await?;
        for col in [
            "leader_person_id",
            "instructor_person_id",
            "specialist_person_id",
        ] {
            m.create_index(idx("enterprise_pairings", &[col])).await?;
        }
        m.create_table(
            Table::create()
                .table("team_members")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(big_integer("person_id"))
                .col(string_len("role", 16))
                .col(date("valid_from"))
                .col(date_null("valid_until"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("team_members", "unit_id", "units"))
                .foreign_key(&mut fk("team_members", "person_id", "people"))
                .take(),
        )
        .await?;
        // One active membership per team and person (partial: the same statement on both).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_team_members_active ON team_members (unit_id, person_id) WHERE valid_until IS NULL",
            )
            .await?;
        m.create_index(idx("team_members", &["person_id"])).await?;
        m.create_table(
            Table::create()
                .table("key_projects")
                .col(big_pk_auto("id"))
                .col(string_len("name", 200))
                .col(big_integer("enterprise_id"))
                .col(big_integer("investment_fen"))
                .col(big_integer_null("team_unit_id"))
                .col(date_null("signed_planned"))
                .col(date_null("signed_on"))
                .col(date_null("started_planned"))
                .col(date_null("started_on"))
                .col(date_null("producing_planned"))
                .col(date_null("producing_on"))
                .col(text_null("note"))
                .col(integer("version").default(1))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("key_projects", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("key_projects", "team_unit_id", "units"))
                .take(),
        )
        .await?;
        m.create_index(idx("key_projects", &["enterprise_id"]))
            .await?;
        m.create_index(idx("key_projects", &["team_unit_id"]))
            .await?;
        m.create_table(
            Table::create()
                .table("key_project_cases")
                .col(big_pk_auto("id"))
                .col(big_integer("project_id"))
                .col(big_integer("case_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("key_project_cases", "project_id", "key_projects"))
                .foreign_key(&mut fk("key_project_cases", "case_id", "cases"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_key_project_cases_case")
                .table("key_project_cases")
                .col("case_id")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(idx("key_project_cases", &["project_id"]))
            .await?;
        m.create_table(
            Table::create()
                .table("visits")
                .col(big_pk_auto("id"))
                .col(big_integer("enterprise_id"))
                .col(timestamp_with_time_zone("visited_at"))
                .col(text("policy"))
                .col(text("service"))
                .col(text("factor"))
                .col(text("confidence"))
                .col(text_null("notes"))
                .col(big_integer_null("unit_id"))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("visits", "enterprise_id", "enterprises"))
                .take(),
        )
        .await?;
        m.create_index(idx("visits", &["enterprise_id", "visited_at"]))
            .await?;
        m.create_index(idx("visits", &["visited_at"])).await?;
        m.create_table(
            Table::create()
                .table("visit_visitors")
                .col(big_pk_auto("id"))
                .col(big_integer("visit_id"))
                .col(big_integer("person_id"))
                .foreign_key(&mut fk("visit_visitors", "visit_id", "visits"))
                .foreign_key(&mut fk("visit_visitors", "person_id", "people"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_visit_visitors")
                .table("visit_visitors")
                .col("visit_id")
                .col("person_id")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(idx("visit_visitors", &["person_id"]))
            .await?;
        m.create_table(
            Table::create()
                .table("visit_problems")
                .col(big_pk_auto("id"))
                .col(big_integer("visit_id"))
                .col(integer("seq"))
                .col(big_integer("case_id"))
                .col(boolean("linked"))
                .foreign_key(&mut fk("visit_problems", "visit_id", "visits"))
                .foreign_key(&mut fk("visit_problems", "case_id", "cases"))
                .take(),
        )
        .await?;
        m.create_index(idx("visit_problems", &["visit_id", "seq"]))
            .await?;
        m.create_index(idx("visit_problems", &["case_id"])).await?;
        m.create_table(
            Table::create()
                .table("visit_excuses")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(date("month"))
                .col(text("reason"))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("visit_excuses", "person_id", "people"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_visit_excuses_person_month")
                .table("visit_excuses")
                .col("person_id")
                .col("month")
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("figure_requests")
                .col(big_pk_auto("id"))
                .col(big_integer("enterprise_id"))
                .col(big_integer("unit_id"))
                .col(date("asked_on"))
                .col(string_len("subject", 200))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("figure_requests", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("figure_requests", "unit_id", "units"))
                .take(),
        )
        .await?;
        m.create_index(idx("figure_requests", &["enterprise_id", "asked_on"]))
            .await?;
        m.create_table(
            Table::create()
                .table("stage_reports")
                .col(big_pk_auto("id"))
                .col(big_integer("enterprise_id"))
                .col(date("on_date"))
                .col(integer("workers_back"))
                .col(integer("workers_total"))
                .col(integer("capacity_pct"))
                .col(string_len_null("reported_stage", 16))
                .col(string_len("suggested_stage", 16))
                .col(string_len("stage", 16))
                .col(boolean("confirmed"))
                .col(boolean("contradicts"))
                .col(big_integer_null("reported_by_user_id"))
                .col(big_integer_null("confirmed_by_user_id"))
                .col(big_integer_null("confirmed_by_person_id"))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("stage_reports", "enterprise_id", "enterprises"))
                .take(),
        )
        .await?;
        m.create_index(idx("stage_reports", &["enterprise_id", "on_date"]))
            .await?;
        m.create_index(idx("stage_reports", &["on_date"])).await?;
        grant_to_builtin_roles(m, perm::ROLE_PERMISSIONS).await?;
        grant_to_builtin_roles(m, &[("leader", &[perm::PAIRING_EDIT])]).await
    }
}

/// Each firm's latest stage report on a date is one backward probe of
/// `(enterprise_id, on_date, id)` (the recovery report finds it once per firm in scope); with
/// `(enterprise_id, on_date)` alone, PostgreSQL fetched and sorted each firm's reports.
struct M20261207RecoveryStageLatestIndex;

impl MigrationName for M20261207RecoveryStageLatestIndex {
    fn name(&self) -> &str {
        "m20261207_recovery_stage_latest_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207RecoveryStageLatestIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(idx("stage_reports", &["enterprise_id", "on_date", "id"]))
            .await
    }
}

/// Each firm's latest stage report, kept in step with the reports (`stage_latest`), filled from
/// the reports already there.
struct M20261208RecoveryStageLatest;

impl MigrationName for M20261208RecoveryStageLatest {
    fn name(&self) -> &str {
        "m20261208_recovery_stage_latest"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261208RecoveryStageLatest {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("stage_latest")
                .col(big_integer("enterprise_id").primary_key())
                .col(big_integer("report_id"))
                .col(date("on_date"))
                .col(string_len("stage", 16))
                .col(boolean("confirmed"))
                .col(integer("workers_back"))
                .col(integer("workers_total"))
                .foreign_key(&mut fk("stage_latest", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("stage_latest", "report_id", "stage_reports"))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(crate::stages::FILL_LATEST_SQL)
            .await?;
        Ok(())
    }
}
