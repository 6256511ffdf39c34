//! The online jobs area's migrations, after the lower areas'. Never edit one that has shipped:
//! add a new one.

use lianxin_kernel::db::schema::{fk, grant_to_builtin_roles, idx, times};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::perm;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(M20261208JobsTables)]
}

fn unique(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = idx(table, cols);
    i.name(format!("uq_{}_{}", table, cols.join("_"))).unique();
    i
}

/// Jobs and their applications, assistance follow-ups, labour offers, asks and matches; the
/// area's permissions for the built-in roles of an existing installation.
struct M20261208JobsTables;

impl MigrationName for M20261208JobsTables {
    fn name(&self) -> &str {
        "m20261208_jobs_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261208JobsTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut t = Table::create();
        t.table("jobs")
            .col(big_pk_auto("id"))
            .col(big_integer("enterprise_id"))
            .col(string_len("title", 100))
            .col(integer("positions"))
            .col(big_integer("salary_min_fen"))
            .col(big_integer("salary_max_fen"))
            .col(string_len("place", 200))
            .col(text_null("requirements"))
            .col(date("closes_on"))
            .col(boolean("employment_aid"))
            .col(string_len("status", 16))
            .col(date("posted_on"))
            .col(timestamp_with_time_zone_null("closed_at"))
            .col(integer("version").default(1))
            .col(big_integer_null("created_by_user_id"))
            .foreign_key(&mut fk("jobs", "enterprise_id", "enterprises"));
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(idx("jobs", &["enterprise_id", "status"]))
            .await?;
        m.create_index(idx("jobs", &["status", "closes_on"]))
            .await?;

        let mut t = Table::create();
        t.table("job_applications")
            .col(big_pk_auto("id"))
            .col(big_integer("job_id"))
            .col(string_len("reference", 32))
            .col(string_len("name", 50))
            .col(string("phone_sealed"))
            .col(string_len("phone_hash", 128))
            .col(string_len_null("ip_hash", 128))
            .col(text_null("message"))
            .col(string_len_null("assistance", 32))
            .col(string_len("status", 16))
            .col(integer("repeats").default(0))
            .col(integer("version").default(1))
            .col(big_integer_null("answered_by_user_id"))
            .col(timestamp_with_time_zone_null("answered_at"))
            .foreign_key(&mut fk("job_applications", "job_id", "jobs"));
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(unique("job_applications", &["reference"]))
            .await?;
        m.create_index(unique("job_applications", &["job_id", "phone_hash"]))
            .await?;
        m.create_index(idx("job_applications", &["job_id", "status"]))
            .await?;
        m.create_index(idx("job_applications", &["phone_hash", "created_at"]))
            .await?;
        m.create_index(idx("job_applications", &["ip_hash", "created_at"]))
            .await?;
        m.create_index(idx("job_applications", &["assistance", "created_at"]))
            .await?;

        m.create_table(
            Table::create()
                .table("assistance_followups")
                .col(big_pk_auto("id"))
                .col(big_integer("application_id"))
                .col(text("note"))
                .col(big_integer_null("created_by_user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "assistance_followups",
                    "application_id",
                    "job_applications",
                ))
                .take(),
        )
        .await?;
        m.create_index(idx("assistance_followups", &["application_id"]))
            .await?;

        for table in ["labour_offers", "labour_asks"] {
            let mut t = Table::create();
            t.table(table)
                .col(big_pk_auto("id"))
                .col(big_integer("enterprise_id"))
                .col(integer("workers"))
                .col(string_len("skills", 500))
                .col(date("from_on"))
                .col(date("to_on"))
                .col(text_null("note"))
                .col(string_len("status", 16))
                .col(integer("version").default(1))
                .col(big_integer_null("created_by_user_id"))
                .foreign_key(&mut fk(table, "enterprise_id", "enterprises"));
            times(&mut t);
            m.create_table(t).await?;
            m.create_index(idx(table, &["enterprise_id"])).await?;
            m.create_index(idx(table, &["status", "to_on"])).await?;
        }

        let mut t = Table::create();
        t.table("labour_matches")
            .col(big_pk_auto("id"))
            .col(big_integer("offer_id"))
            .col(big_integer("ask_id"))
            .col(integer("workers"))
            .col(string_len("status", 16))
            .col(timestamp_with_time_zone_null("offer_confirmed_at"))
            .col(big_integer_null("offer_confirmed_by_user_id"))
            .col(timestamp_with_time_zone_null("ask_confirmed_at"))
            .col(big_integer_null("ask_confirmed_by_user_id"))
            .col(integer("version").default(1))
            .col(big_integer_null("created_by_user_id"))
            .foreign_key(&mut fk("labour_matches", "offer_id", "labour_offers"))
            .foreign_key(&mut fk("labour_matches", "ask_id", "labour_asks"));
        times(&mut t);
        m.create_table(t).await?;
        m.create_index(idx("labour_matches", &["offer_id"])).await?;
        m.create_index(idx("labour_matches", &["ask_id"])).await?;

        grant_to_builtin_roles(m, perm::ROLE_PERMISSIONS).await
    }
}
