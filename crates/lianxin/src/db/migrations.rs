//! Schema migrations, embedded in the binary and run at start on every backend.
//! Never edit a migration that has shipped: add a new one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(M0001Foundation), Box::new(M0002Calendar)]
    }
}

// Names are explicit: `DeriveMigrationName` would name every migration in this file alike.
struct M0001Foundation;

impl MigrationName for M0001Foundation {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

fn idx(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("idx_{}_{}", table, cols.join("_")))
        .table(table)
        .if_not_exists();
    for c in cols {
        i.col(*c);
    }
    i.take()
}

fn times(t: &mut TableCreateStatement) {
    t.col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"));
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
