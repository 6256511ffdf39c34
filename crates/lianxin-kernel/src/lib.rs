//! The kernel of Lianxin: what every area shares and none owns. Errors and problem+json, the
//! request's language, the database connection and its backend helpers, the shared tables
//! (units and their closure, people, enterprises, users, roles, sessions, settings, the audit
//! and login logs, the calendar, API clients), access (`Principal`, `Scope`, `Scoped`), audit,
//! paging, text parsing, installation settings, the sheet mechanism, HTTP extractors, the web frame, and the
//! extension point (`area`) through which areas plug in. It never depends on an area.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod access;
pub mod area;
pub mod audit;
pub mod calendar;
pub mod calendar_cn;
pub mod db;
pub mod dict;
pub mod entities;
pub mod error;
pub mod http;
pub mod i18n;
mod migrations;
pub mod notices;
pub mod paging;
pub mod prefs;
pub mod secret;
pub mod settings;
pub mod sheet;
pub mod state;
pub mod text;
pub mod web;

/// The kernel's own migrations for its shared tables, in order (the first tables were created
/// by the binary's historical migrations). The binary runs these before every area's.
pub fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    migrations::all()
}
