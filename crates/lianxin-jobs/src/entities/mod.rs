//! SeaORM entities of the online jobs area (one per table, plain data), beside the lower
//! areas' and the kernel's, which are re-exported so `crate::entities::X` names any.

pub use lianxin_kernel::entities::*;

pub mod assistance_followups;
pub mod job_applications;
pub mod jobs;
pub mod labour_asks;
pub mod labour_matches;
pub mod labour_offers;
