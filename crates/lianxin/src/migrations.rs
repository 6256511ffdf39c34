//! The migrations that shipped before the areas became crates, kept here as history: they
//! keep their names and their order, and one of them creates tables of several areas. New
//! migrations are written by the crate that owns their tables (`lianxin_X::migrations()`);
//! `Migrator` runs these first, then the kernel's and each area's in the order of the crate
//! graph.
//! Never edit a migration that has shipped: add a new one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use lianxin_kernel::db::schema::{fk, grant_to_builtin_roles, idx, times};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let history: Vec<Box<dyn MigrationTrait>> = vec![
            Box::new(M0001Foundation),
            Box::new(M0002Calendar),
            Box::new(M0003Cases),
            Box::new(M0004Screening),
            Box::new(M0005DutyHealth),
        ];
        // Then the kernel's and each area's own, lower crates first (the crate graph's order);
        // an area added later beside a lower layer comes after those already shipped (jobs).
        history
            .into_iter()
            .chain(lianxin_kernel::migrations())
            .chain(lianxin_registries::migrations())
            .chain(lianxin_cases::migrations())
            .chain(lianxin_screening::migrations())
            .chain(lianxin_recovery::migrations())
            .chain(lianxin_jobs::migrations())
            .collect()
    }
}

// Names are explicit: `DeriveMigrationName` would name every migration in this file alike.
struct M0001Foundation;

impl MigrationName for M0001Foundation {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0001Foundation {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // --- registries -------------------------------------------------------------------
        let mut t = Table::create()
            .table("units")
            .col(big_pk_auto("id"))
            .col(string_len_uniq("code", 32))
            .col(string_len("name", 100))
            .col(string_len("kind", 24))
            .col(big_integer_null("parent_id"))
            .col(integer("sort").default(0))
            .col(string_len_null("leader", 50))
            .col(string_len_null("phone", 20))
            .foreign_key(&mut fk("units", "parent_id", "units"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(idx("units", &["parent_id"])).await?;
        m.create_index(idx("units", &["kind"])).await?;

        // Closure table: one row per (ancestor, descendant) pair, depth 0 for the unit itself.
        // "Unit and below" is a join on it, never a string prefix.
        m.create_table(
            Table::create()
                .table("unit_closure")
                .col(big_integer("ancestor_id"))
                .col(big_integer("descendant_id"))
                .col(integer("depth"))
                .primary_key(Index::create().col("ancestor_id").col("descendant_id"))
                .foreign_key(&mut fk("unit_closure", "ancestor_id", "units"))
                .foreign_key(&mut fk("unit_closure", "descendant_id", "units"))
                .take(),
        )
        .await?;
        m.create_index(idx("unit_closure", &["descendant_id"]))
            .await?;

        let mut t = Table::create()
            .table("enterprises")
            .col(big_pk_auto("id"))
            .col(string_len("name", 200))
            .col(string_len_uniq("uscc", 18))
            .col(text_null("uscc_override_reason"))
            .col(string_len_null("industry", 100))
            .col(big_integer("unit_id"))
            .col(string_len("ownership", 24))
            .col(string_len_null("address", 300))
            .col(string_len_null("legal_rep", 50))
            .col(string_len_null("contact_name", 50))
            .col(string_len_null("contact_phone", 20))
            .col(integer("employee_count").default(0))
            .col(boolean("has_party_org").default(false))
            .col(boolean("key_project").default(false))
            .col(big_integer_null("service_team_id"))
            .foreign_key(&mut fk("enterprises", "unit_id", "units"))
            .foreign_key(&mut fk("enterprises", "service_team_id", "units"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(idx("enterprises", &["unit_id"])).await?;
        m.create_index(idx("enterprises", &["service_team_id"]))
            .await?;
        m.create_index(idx("enterprises", &["name"])).await?;

        let mut t = Table::create()
            .table("people")
            .col(big_pk_auto("id"))
            .col(string_len("name", 50))
            .col(string_len_null("gender", 8))
            .col(string_len_null("id_number", 18).unique_key())
            .col(text_null("id_number_override_reason"))
            .col(string_len_null("phone", 20))
            .col(big_integer("unit_id"))
            .col(big_integer_null("enterprise_id"))
            .col(boolean("party_member").default(false))
            .col(boolean("is_cadre").default(false))
            .col(boolean("is_volunteer").default(false))
            .col(boolean("is_employee").default(false))
            .col(boolean("is_contact").default(false))
            .col(string_len_null("position", 100))
            .col(string_len_null("rank", 50))
            .col(text_null("career"))
            .col(text_null("expertise"))
            .col(text_null("traits"))
            .foreign_key(&mut fk("people", "unit_id", "units"))
            .foreign_key(&mut fk("people", "enterprise_id", "enterprises"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(idx("people", &["unit_id"])).await?;
        m.create_index(idx("people", &["enterprise_id"])).await?;
        m.create_index(idx("people", &["name"])).await?;

        // --- access -------------------------------------------------------------------------
        m.create_table(
            Table::create()
                .table("roles")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("code", 50))
                .col(string_len("name_zh", 50))
                .col(string_len("name_en", 80))
                .col(string_len("data_scope", 24))
                .col(boolean("builtin").default(false))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("role_permissions")
                .col(big_integer("role_id"))
                .col(string_len("permission", 80))
                .primary_key(Index::create().col("role_id").col("permission"))
                .foreign_key(&mut fk("role_permissions", "role_id", "roles"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("role_units")
                .col(big_integer("role_id"))
                .col(big_integer("unit_id"))
                .primary_key(Index::create().col("role_id").col("unit_id"))
                .foreign_key(&mut fk("role_units", "role_id", "roles"))
                .foreign_key(&mut fk("role_units", "unit_id", "units"))
                .take(),
        )
        .await?;
        let mut t = Table::create()
            .table("users")
            .col(big_pk_auto("id"))
            .col(string_len_uniq("username", 64))
            .col(string_len("password_hash", 200))
            .col(string_len("display_name", 64))
            .col(big_integer_null("unit_id"))
            .col(big_integer_null("enterprise_id"))
            .col(big_integer_null("person_id"))
            .col(boolean("active").default(true))
            .col(timestamp_with_time_zone_null("last_login_at"))
            .foreign_key(&mut fk("users", "unit_id", "units"))
            .foreign_key(&mut fk("users", "enterprise_id", "enterprises"))
            .foreign_key(&mut fk("users", "person_id", "people"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        m.create_table(
            Table::create()
                .table("user_roles")
                .col(big_integer("user_id"))
                .col(big_integer("role_id"))
                .primary_key(Index::create().col("user_id").col("role_id"))
                .foreign_key(&mut fk("user_roles", "user_id", "users"))
                .foreign_key(&mut fk("user_roles", "role_id", "roles"))
                .take(),
        )
        .await?;
        // Sessions (browser) and API tokens share one table; only a SHA-256 of the token is kept.
        m.create_table(
            Table::create()
                .table("sessions")
                .col(string_len("id", 64).primary_key())
                .col(big_integer("user_id"))
                .col(string_len("kind", 8))
                .col(string_len("csrf_token", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(string_len_null("ip", 64))
                .foreign_key(&mut fk("sessions", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(idx("sessions", &["user_id"])).await?;

        // --- logs ---------------------------------------------------------------------------
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(timestamp_with_time_zone("at"))
                .col(big_integer_null("user_id"))
                .col(string_len("username", 64))
                .col(string_len("action", 24))
                .col(string_len("entity", 32))
                .col(string_len_null("entity_id", 64))
                .col(text("summary"))
                .col(string_len_null("ip", 64))
                .take(),
        )
        .await?;
        m.create_index(idx("audit_log", &["at"])).await?;
        m.create_index(idx("audit_log", &["entity", "entity_id"]))
            .await?;
        m.create_index(idx("audit_log", &["user_id"])).await?;
        m.create_table(
            Table::create()
                .table("login_log")
                .col(big_pk_auto("id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("username", 64))
                .col(boolean("success"))
                .col(string_len_null("ip", 64))
                .col(string_len_null("user_agent", 300))
                .col(string_len("message", 200))
                .take(),
        )
        .await?;
        m.create_index(idx("login_log", &["username", "at"]))
            .await?;
        m.create_index(idx("login_log", &["ip", "at"])).await?;
        Ok(())
    }
}

struct M0002Calendar;

impl MigrationName for M0002Calendar {
    fn name(&self) -> &str {
        "m0002_calendar"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0002Calendar {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Exceptions to "Monday to Friday are working days": public holidays and the adjusted
        // working weekends (调休) the State Council announces each year.
        m.create_table(
            Table::create()
                .table("calendar_days")
                .col(date("day").primary_key())
                .col(string_len("kind", 16))
                .col(string_len("note", 100))
                .take(),
        )
        .await?;
        Ok(())
    }
}

struct M0003Cases;

impl MigrationName for M0003Cases {
    fn name(&self) -> &str {
        "m0003_cases"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0003Cases {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Case kinds and their categories are data: a new kind needs no code.
        m.create_table(
            Table::create()
                .table("case_kinds")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("code", 32))
                .col(string_len("name_zh", 50))
                .col(string_len("name_en", 80))
                .col(string_len("subject", 16))
                .col(integer("working_days"))
                .col(integer("response_working_days"))
                .col(integer("urgent_hours"))
                .col(integer("urgent_response_hours"))
                .col(boolean("needs_verification"))
                .col(text("raise_roles"))
                .col(boolean("active"))
                .col(integer("sort"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("case_categories")
                .col(big_pk_auto("id"))
                .col(big_integer("kind_id"))
                .col(string_len_uniq("code", 32))
                .col(string_len("name_zh", 50))
                .col(string_len("name_en", 80))
                .col(text_null("description"))
                .col(integer_null("working_days"))
                .col(boolean("active"))
                .col(integer("sort"))
                .foreign_key(&mut fk("case_categories", "kind_id", "case_kinds"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("inspections")
                .col(big_pk_auto("id"))
                .col(big_integer("group_unit_id"))
                .col(big_integer("inspected_unit_id"))
                .col(date("held_on"))
                .col(string_len("place", 200))
                .col(string_len("methods", 64))
                .col(text("attendees"))
                .col(text("summary"))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("inspections", "group_unit_id", "units"))
                .foreign_key(&mut fk("inspections", "inspected_unit_id", "units"))
                .take(),
        )
        .await?;
        m.create_index(idx("inspections", &["held_on"])).await?;
        m.create_table(
            Table::create()
                .table("api_clients")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("name", 100))
                .col(string_len_uniq("key_hash", 64))
                .col(boolean("disabled"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .take(),
        )
        .await?;
        // The case row is the projection of its events (case_events), rewritten with each
        // event under an optimistic version check.
        let mut t = Table::create()
            .table("cases")
            .col(big_pk_auto("id"))
            .col(string_len_uniq("number", 32))
            .col(big_integer("kind_id"))
            .col(big_integer_null("category_id"))
            .col(string_len("title", 200))
            .col(text("description"))
            .col(string_len("source", 16))
            .col(string_len("priority", 16))
            .col(big_integer_null("enterprise_id"))
            .col(big_integer_null("subject_unit_id"))
            .col(big_integer_null("lead_unit_id"))
            .col(big_integer_null("responsible_person_id"))
            .col(big_integer_null("escalated_unit_id"))
            .col(big_integer_null("inspection_id"))
            .col(big_integer_null("api_client_id"))
            .col(string_len("status", 16))
            .col(integer("version"))
            .col(timestamp_with_time_zone_null("deadline"))
            .col(timestamp_with_time_zone_null("response_deadline"))
            .col(timestamp_with_time_zone_null("requested_deadline"))
            .col(timestamp_with_time_zone_null("dispatched_at"))
            .col(timestamp_with_time_zone_null("accepted_at"))
            .col(timestamp_with_time_zone_null("resolved_at"))
            .col(timestamp_with_time_zone_null("first_resolved_at"))
            .col(timestamp_with_time_zone_null("closed_at"))
            .col(text_null("solution"))
            .col(string_len_null("satisfaction", 24))
            .col(boolean_null("solved"))
            // Derived at the step that settles them, so metrics add integers instead of
            // comparing timestamps per row.
            .col(boolean_null("responded_on_time"))
            .col(boolean_null("resolved_on_time"))
            .col(big_integer_null("handling_secs"))
            .col(integer("revisit_count"))
            .col(integer("reopen_count"))
            .col(integer("return_count"))
            .col(integer("extension_count"))
            .col(integer("escalation_count"))
            .col(string_len_null("contact_name", 50))
            .col(string_len_null("contact_phone", 20))
            .col(string_len_null("address", 200))
            .col(double_null("lat"))
            .col(double_null("lon"))
            .col(big_integer_null("created_by_user_id"))
            .foreign_key(&mut fk("cases", "kind_id", "case_kinds"))
            .foreign_key(&mut fk("cases", "category_id", "case_categories"))
            .foreign_key(&mut fk("cases", "enterprise_id", "enterprises"))
            .foreign_key(&mut fk("cases", "subject_unit_id", "units"))
            .foreign_key(&mut fk("cases", "lead_unit_id", "units"))
            .foreign_key(&mut fk("cases", "responsible_person_id", "people"))
            .foreign_key(&mut fk("cases", "inspection_id", "inspections"))
            .foreign_key(&mut fk("cases", "api_client_id", "api_clients"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        for cols in [
            &["status", "deadline"][..],
            &["lead_unit_id", "created_at"],
            &["kind_id", "created_at"],
            &["created_at"],
            &["enterprise_id"],
            &["subject_unit_id"],
            &["responsible_person_id"],
            &["inspection_id"],
            &["api_client_id"],
        ] {
            m.create_index(idx("cases", cols)).await?;
        }
        // The narrow projection metrics scan: small integers only (epoch seconds for times),
        // one row per case, rewritten with the case. Scanning it is a fraction of scanning
        // the wide `cases` rows.
        m.create_table(
            Table::create()
                .table("case_facts")
                .col(big_integer("case_id").primary_key())
                .col(big_integer("kind_id"))
                .col(big_integer_null("lead_unit_id"))
                .col(big_integer_null("subject_unit_id"))
                .col(big_integer_null("responsible_person_id"))
                .col(big_integer("received"))
                .col(integer("month"))
                .col(big_integer_null("open_deadline"))
                .col(big_integer_null("unaccepted_response_deadline"))
                .col(small_integer("dispatched"))
                .col(small_integer_null("responded_on_time"))
                .col(small_integer_null("resolved_on_time"))
                .col(small_integer("resolved_ever"))
                .col(small_integer("revisited"))
                .col(small_integer("satisfied"))
                .col(small_integer("reopened"))
                .col(small_integer("returned"))
                .col(big_integer_null("handling_secs"))
                .foreign_key(&mut fk("case_facts", "case_id", "cases"))
                .take(),
        )
        .await?;
        for key in [
            "lead_unit_id",
            "subject_unit_id",
            "kind_id",
            "responsible_person_id",
            "month",
        ] {
            m.create_index(idx("case_facts", &[key, "handling_secs"]))
                .await?;
        }
        m.create_index(idx("case_facts", &["open_deadline"]))
            .await?;
        // Running totals of the facts per grouping (dimension) and key, kept in step with
        // every case write: the district-wide metrics read a few dozen rows instead of
        // scanning every case. Only "overdue now" is judged live, over the open cases.
        let mut t = Table::create()
            .table("case_tallies")
            .col(small_integer("dimension"))
            .col(big_integer("key"))
            .primary_key(Index::create().col("dimension").col("key"))
            .take();
        for c in TALLY_COLUMNS {
            t.col(big_integer(*c).default(0));
        }
        m.create_table(t).await?;
        // One row per department working on a case: the lead and the assisting ones, each
        // with its own task, acceptance and reply.
        m.create_table(
            Table::create()
                .table("case_assignments")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                .col(big_integer("unit_id"))
                .col(string_len("role", 8))
                .col(text_null("task"))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("assigned_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(text_null("reply"))
                .foreign_key(&mut fk("case_assignments", "case_id", "cases"))
                .foreign_key(&mut fk("case_assignments", "unit_id", "units"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_case_assignments_case_unit")
                .table("case_assignments")
                .col("case_id")
                .col("unit_id")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(idx("case_assignments", &["unit_id", "status"]))
            .await?;
        // Append-only: (case_id, seq) is unique, so two writers can never both append the
        // same version.
        m.create_table(
            Table::create()
                .table("case_events")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                .col(integer("seq"))
                .col(timestamp_with_time_zone("at"))
                .col(big_integer_null("user_id"))
                .col(string_len("actor", 64))
                .col(string_len("action", 24))
                .col(big_integer_null("unit_id"))
                .col(text_null("note"))
                .col(text("data"))
                .foreign_key(&mut fk("case_events", "case_id", "cases"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_case_events_case_seq")
                .table("case_events")
                .col("case_id")
                .col("seq")
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("bulletins")
                .col(big_pk_auto("id"))
                .col(integer("year"))
                .col(integer_null("seq"))
                .col(string_len_null("number", 64))
                .col(string_len("kind", 16))
                .col(string_len("title", 200))
                .col(text("body"))
                .col(string_len("status", 16))
                .col(integer("version"))
                .col(timestamp_with_time_zone_null("issued_at"))
                .col(string_len_null("issued_by", 64))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_bulletins_year_seq")
                .table("bulletins")
                .col("year")
                .col("seq")
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("bulletin_items")
                .col(big_pk_auto("id"))
                .col(big_integer("bulletin_id"))
                .col(big_integer_null("case_id"))
                .col(big_integer("unit_id"))
                .col(text("note"))
                .foreign_key(&mut fk("bulletin_items", "bulletin_id", "bulletins"))
                .foreign_key(&mut fk("bulletin_items", "case_id", "cases"))
                .foreign_key(&mut fk("bulletin_items", "unit_id", "units"))
                .take(),
        )
        .await?;
        m.create_index(idx("bulletin_items", &["bulletin_id"]))
            .await?;
        // Files attached to a case (through an `attach` event) or to an inspection. The bytes
        // live in their own table so that listing attachments never reads them.
        m.create_table(
            Table::create()
                .table("attachments")
                .col(big_pk_auto("id"))
                .col(big_integer_null("case_id"))
                .col(big_integer_null("inspection_id"))
                .col(string_len("filename", 200))
                .col(string_len("content_type", 100))
                .col(big_integer("size"))
                .col(string_len("sha256", 64))
                .col(string_len("uploaded_by", 64))
                .col(big_integer_null("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("attachments", "case_id", "cases"))
                .foreign_key(&mut fk("attachments", "inspection_id", "inspections"))
                .take(),
        )
        .await?;
        m.create_index(idx("attachments", &["case_id"])).await?;
        m.create_index(idx("attachments", &["inspection_id"]))
            .await?;
        m.create_table(
            Table::create()
                .table("attachment_blobs")
                .col(big_integer("id").primary_key())
                .col(blob("data"))
                .foreign_key(&mut fk("attachment_blobs", "id", "attachments"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("settings")
                .col(string_len("key", 64).primary_key())
                .col(text("value"))
                .take(),
        )
        .await?;
        // Existing installations: the built-in roles get the case permissions they would
        // have been created with (new installations get them from `ensure_builtin_roles`).
        grant_to_builtin_roles(m, M0003_GRANTS).await?;
        Ok(())
    }
}

/// The counters of `case_tallies` (m0003).
const TALLY_COLUMNS: &[&str] = &[
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

/// The case permissions of the built-in roles as of m0003 (kept here, not imported, so that this
/// migration does what it did when it shipped).
const M0003_GRANTS: &[(&str, &[&str])] = &[
    (
        "leader",
        &[
            "case:list",
            "case:raise",
            "case:dispatch",
            "case:escalate",
            "case:approve",
            "case:revisit",
            "case:close",
            "case:metrics",
            "bulletin:edit",
            "bulletin:issue",
        ],
    ),
    (
        "department_staff",
        &["case:list", "case:raise", "case:handle", "case:metrics"],
    ),
    (
        "service_cadre",
        &["case:list", "case:raise", "case:revisit", "case:metrics"],
    ),
    (
        "supervisor",
        &[
            "case:list",
            "case:raise",
            "case:dispatch",
            "case:revisit",
            "case:close",
            "case:escalate",
            "case:metrics",
            "inspection:add",
            "bulletin:edit",
        ],
    ),
    ("organization", &["case:list", "case:metrics"]),
    (
        "enterprise_contact",
        &["case:list", "case:raise", "case:revisit"],
    ),
];

struct M0004Screening;

impl MigrationName for M0004Screening {
    fn name(&self) -> &str {
        "m0004_screening"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0004Screening {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Checkpoints and posts (卡点, 党员责任岗), and the devices (gates, scanners) at them.
        let mut t = Table::create()
            .table("checkpoints")
            .col(big_pk_auto("id"))
            .col(string_len("name", 100))
            .col(string_len("kind", 24))
            .col(big_integer("unit_id"))
            .col(big_integer_null("enterprise_id"))
            .col(string_len_null("place", 200))
            .col(text_null("responsible"))
            .col(boolean("active"))
            .foreign_key(&mut fk("checkpoints", "unit_id", "units"))
            .foreign_key(&mut fk("checkpoints", "enterprise_id", "enterprises"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(idx("checkpoints", &["unit_id"])).await?;
        m.create_index(idx("checkpoints", &["enterprise_id"]))
            .await?;
        m.create_table(
            Table::create()
                .table("devices")
                .col(big_pk_auto("id"))
                .col(big_integer("checkpoint_id"))
                .col(string_len("name", 100))
                .col(string_len_uniq("token_hash", 64))
                .col(boolean("disabled"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_seen_at"))
                .foreign_key(&mut fk("devices", "checkpoint_id", "checkpoints"))
                .take(),
        )
        .await?;
        // Passages: the identity number only as a keyed hash (HMAC) and a masked form.
        m.create_table(
            Table::create()
                .table("passages")
                .col(big_pk_auto("id"))
                .col(big_integer("checkpoint_id"))
                .col(big_integer_null("device_id"))
                .col(big_integer_null("device_seq"))
                .col(big_integer_null("user_id"))
                .col(string_len("person_hash", 64))
                .col(string_len("id_masked", 24))
                .col(string_len_null("name", 50))
                .col(string_len_null("phone", 20))
                .col(small_integer("temperature"))
                .col(string_len("direction", 4))
                .col(boolean("fever"))
                .col(big_integer_null("case_id"))
                .col(timestamp_with_time_zone("at"))
                .col(timestamp_with_time_zone("received_at"))
                .foreign_key(&mut fk("passages", "checkpoint_id", "checkpoints"))
                .foreign_key(&mut fk("passages", "device_id", "devices"))
                .take(),
        )
        .await?;
        // A device's sequence number is stored once: a retried batch adds nothing.
        m.create_index(
            Index::create()
                .name("uq_passages_device_seq")
                .table("passages")
                .col("device_id")
                .col("device_seq")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(idx("passages", &["person_hash", "at"]))
            .await?;
        m.create_index(idx("passages", &["checkpoint_id", "at"]))
            .await?;
        m.create_index(idx("passages", &["at"])).await?;
        // Disinfection logs (消杀) per place.
        m.create_table(
            Table::create()
                .table("disinfections")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(big_integer_null("checkpoint_id"))
                .col(string_len("place", 200))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("agent", 100))
                .col(string_len_null("area", 100))
                .col(string_len("person", 50))
                .col(text_null("note"))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("disinfections", "unit_id", "units"))
                .foreign_key(&mut fk("disinfections", "checkpoint_id", "checkpoints"))
                .take(),
        )
        .await?;
        m.create_index(idx("disinfections", &["unit_id", "at"]))
            .await?;
        grant_to_builtin_roles(m, M0004_GRANTS).await?;
        Ok(())
    }
}

/// The screening permissions of the built-in roles as of m0004.
const M0004_GRANTS: &[(&str, &[&str])] = &[
    (
        "leader",
        &["checkpoint:list", "passage:list", "screening:query"],
    ),
    (
        "department_staff",
        &["checkpoint:list", "checkpoint:edit", "passage:list"],
    ),
    ("supervisor", &["checkpoint:list", "passage:list"]),
    ("volunteer", &["checkpoint:list", "passage:add"]),
    (
        "enterprise_contact",
        &[
            "checkpoint:list",
            "checkpoint:edit",
            "passage:add",
            "passage:list",
        ],
    ),
];

struct M0005DutyHealth;

impl MigrationName for M0005DutyHealth {
    fn name(&self) -> &str {
        "m0005_duty_health"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0005DutyHealth {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The hours a checkpoint must be staffed (minutes of the local day, 0..=1440); the
        // roster's gaps are measured against them. SQLite adds one column per statement.
        for (col, default) in [("duty_from", 0), ("duty_to", 1440)] {
            m.alter_table(
                Table::alter()
                    .table("checkpoints")
                    .add_column(integer(col).default(default))
                    .take(),
            )
            .await?;
        }
        // Duty shifts (排班): a volunteer at a checkpoint for a time slot, signed in and out.
        let mut t = Table::create()
            .table("duty_shifts")
            .col(big_pk_auto("id"))
            .col(big_integer("checkpoint_id"))
            .col(big_integer("user_id"))
            .col(timestamp_with_time_zone("starts_at"))
            .col(timestamp_with_time_zone("ends_at"))
            .col(timestamp_with_time_zone_null("signed_in_at"))
            .col(timestamp_with_time_zone_null("signed_out_at"))
            .col(string_len_null("note", 200))
            .col(big_integer_null("created_by_user_id"))
            .foreign_key(&mut fk("duty_shifts", "checkpoint_id", "checkpoints"))
            .foreign_key(&mut fk("duty_shifts", "user_id", "users"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(idx("duty_shifts", &["checkpoint_id", "starts_at"]))
            .await?;
        m.create_index(idx("duty_shifts", &["user_id", "starts_at"]))
            .await?;
        // Passages recorded on a phone: the page's own id (one per browser) and its sequence
        // number make a re-sent passage one passage, as (device_id, device_seq) does for devices.
        m.alter_table(
            Table::alter()
                .table("passages")
                .add_column(string_len_null("client_id", 40))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_passages_user_client_seq")
                .table("passages")
                .col("user_id")
                .col("client_id")
                .col("device_seq")
                .unique()
                .take(),
        )
        .await?;
        // The dashboard's latest fevers without scanning the day's passages.
        m.create_index(idx("passages", &["fever", "at"])).await?;
        // Running totals per day (Asia/Shanghai) and checkpoint, moved in the transaction of
        // every ingest: the dashboard reads these, never the passages.
        m.create_table(
            Table::create()
                .table("screening_tallies")
                .col(date("day"))
                .col(big_integer("checkpoint_id"))
                .col(big_integer("passages").default(0))
                .col(big_integer("fevers").default(0))
                .primary_key(Index::create().col("day").col("checkpoint_id"))
                .foreign_key(&mut fk("screening_tallies", "checkpoint_id", "checkpoints"))
                .take(),
        )
        .await?;
        // Employees' daily health reports (C9), one per person and day.
        let mut t = Table::create()
            .table("health_reports")
            .col(big_pk_auto("id"))
            .col(big_integer("enterprise_id"))
            .col(big_integer("person_id"))
            .col(date("report_date"))
            .col(small_integer_null("temperature"))
            .col(string_len("symptoms", 100))
            .col(string_len("mental_state", 16))
            .col(string_len_null("location", 200))
            .col(string_len_null("returned_from", 100))
            .col(date_null("returned_on"))
            .col(string_len("quarantine", 16))
            .col(boolean("fever"))
            .col(big_integer_null("case_id"))
            .col(big_integer_null("reported_by_user_id"))
            .foreign_key(&mut fk("health_reports", "enterprise_id", "enterprises"))
            .foreign_key(&mut fk("health_reports", "person_id", "people"))
            .take();
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(
            Index::create()
                .name("uq_health_reports_person_date")
                .table("health_reports")
                .col("person_id")
                .col("report_date")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(idx("health_reports", &["enterprise_id", "report_date"]))
            .await?;
        m.create_index(idx("health_reports", &["report_date"]))
            .await?;
        grant_to_builtin_roles(m, M0005_GRANTS).await?;
        Ok(())
    }
}

/// The duty and health-report permissions of the built-in roles as of m0005.
const M0005_GRANTS: &[(&str, &[&str])] = &[
    ("leader", &["duty:list", "health:list"]),
    (
        "department_staff",
        &["duty:list", "duty:edit", "health:list"],
    ),
    ("service_cadre", &["health:list"]),
    ("supervisor", &["duty:list", "health:list"]),
    ("volunteer", &["duty:list"]),
    (
        "enterprise_contact",
        &["duty:list", "duty:edit", "health:report", "health:list"],
    ),
];
