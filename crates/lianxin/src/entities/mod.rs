//! SeaORM entities: one per table, plain data. Rules live in the area modules, not here.

pub mod api_clients;
pub mod attachment_blobs;
pub mod attachments;
pub mod audit_log;
pub mod bulletin_items;
pub mod bulletins;
pub mod calendar_days;
pub mod case_assignments;
pub mod case_categories;
pub mod case_events;
pub mod case_kinds;
pub mod cases;
pub mod enterprises;
pub mod inspections;
pub mod login_log;
pub mod people;
pub mod role_permissions;
pub mod role_units;
pub mod roles;
pub mod sessions;
pub mod settings;
pub mod unit_closure;
pub mod units;
pub mod user_roles;
pub mod users;
