//! SeaORM entities of the enterprise service area (one per table, plain data), beside the
//! lower areas' and the kernel's, which are re-exported so `crate::entities::X` names any.

pub use lianxin_cases::entities::*;

pub mod enterprise_pairings;
pub mod figure_requests;
pub mod key_project_cases;
pub mod key_projects;
pub mod pairings;
pub mod stage_latest;
pub mod stage_reports;
pub mod team_members;
pub mod visit_excuses;
pub mod visit_problems;
pub mod visit_visitors;
pub mod visits;
