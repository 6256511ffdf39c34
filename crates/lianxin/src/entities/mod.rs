//! SeaORM entities: one per table, plain data. Rules live in the area modules, not here.

pub mod audit_log;
pub mod calendar_days;
pub mod enterprises;
pub mod login_log;
pub mod people;
pub mod role_permissions;
pub mod role_units;
pub mod roles;
pub mod sessions;
pub mod unit_closure;
pub mod units;
pub mod user_roles;
pub mod users;
