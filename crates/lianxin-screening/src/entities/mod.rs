//! SeaORM entities of the screening area (one per table, plain data), beside the lower
//! areas' and the kernel's, which are re-exported so `crate::entities::X` names any of them.

pub use lianxin_cases::entities::*;

pub mod checkpoints;
pub mod devices;
pub mod disinfections;
pub mod duty_shifts;
pub mod fever_followups;
pub mod fever_signals;
pub mod health_reports;
pub mod passages;
pub mod screening_tallies;
