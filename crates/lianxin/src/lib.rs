//! Lianxin (连心): one system with which a district runs epidemic control and enterprise
//! recovery. See ARCHITECTURE.md for the map.
//!
//! This crate assembles the areas into one application: the CLI (`main.rs`), the state and
//! the router (`app`), the migrator (`migrations`), the demo district (`demo`), and the
//! pages that span areas (the home dashboard, system management). The areas' modules are
//! re-exported under the paths they had when this was one crate, for the tests, the
//! benchmarks and the CLI.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod app;
pub mod dashboard;
pub mod demo;
pub mod migrations;
pub mod web;

pub use lianxin_cases as cases;
pub use lianxin_cases::open311;
pub use lianxin_jobs as jobs;
pub use lianxin_kernel::{access, audit, calendar, calendar_cn, error, i18n, paging, text};
pub use lianxin_recovery as recovery;
pub use lianxin_registries as registries;
pub use lianxin_registries::exchange;
pub use lianxin_screening as screening;

/// Every entity of the application: the kernel's shared tables and each area's.
pub mod entities {
    pub use lianxin_jobs::entities::{
        assistance_followups, job_applications, jobs, labour_asks, labour_matches, labour_offers,
    };
    pub use lianxin_recovery::entities::*;
    pub use lianxin_screening::entities::*;
}

/// Every permission string: the kernel's and each area's.
pub mod perm {
    pub use lianxin_jobs::perm::{
        EMPLOYMENT_ASSIST, JOB_EDIT, JOB_LIST, LABOUR_LIST, LABOUR_MATCH, LABOUR_POST,
    };
    pub use lianxin_recovery::perm::{
        PAIRING_LIST, PROJECT_EDIT, PROJECT_LIST, RECOVERY_REPORT, STAGE_CONFIRM, STAGE_REPORT,
        VISIT_LIST, VISIT_RECORD,
    };
    pub use lianxin_screening::perm::*;
}

/// Storage: the kernel's connection helpers and the application's migrator.
pub mod db {
    pub use lianxin_kernel::db::*;

    /// Connect and bring the schema up to date.
    pub async fn connect_and_migrate(
        url: &str,
    ) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
        use sea_orm_migration::MigratorTrait;
        let db = connect(url).await?;
        // A wrong or missing passage key refuses before the schema is upgraded.
        lianxin_kernel::secret::check_before_migrating(&db, url)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        crate::migrations::Migrator::up(&db, None).await?;
        Ok(db)
    }
}
