//! SeaORM entities of the cases area (one per table, plain data), beside the kernel's shared
//! tables, which are re-exported so `crate::entities::X` names either.

pub use lianxin_kernel::entities::*;

pub mod attachment_blobs;
pub mod attachments;
pub mod bulletin_items;
pub mod bulletins;
pub mod case_assignments;
pub mod case_categories;
pub mod case_day_tallies;
pub mod case_events;
pub mod case_facts;
pub mod case_kinds;
pub mod case_sight;
pub mod case_tallies;
pub mod cases;
pub mod inspections;
