//! SeaORM entities of the shared tables: plain data. Rules live in the services, not here.

pub mod api_clients;
pub mod audit_log;
pub mod calendar_days;
pub mod dict_items;
pub mod enterprises;
pub mod login_log;
pub mod login_throttles;
pub mod notice_reads;
pub mod notice_units;
pub mod notices;
pub mod people;
pub mod role_permissions;
pub mod role_units;
pub mod roles;
pub mod sessions;
pub mod settings;
pub mod unit_closure;
pub mod units;
pub mod user_prefs;
pub mod user_roles;
pub mod users;
