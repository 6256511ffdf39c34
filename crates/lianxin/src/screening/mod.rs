//! Screening (C9, C10): checkpoints and their devices, passages with temperature, fever
//! follow-ups on the case engine, and personnel screening (人员排查). The high-volume path.
//!
//! Privacy: an identity number never reaches the passages table; it is stored as a keyed hash
//! (`privacy::person_hash`, HMAC-SHA256 with the installation's key) plus a masked form, and the
//! screening query works on the hash.

pub mod checkpoints;
pub mod dashboard;
pub mod disinfections;
pub mod duty;
pub mod entry;
pub mod health;
pub mod passages;
pub mod privacy;
pub mod retention;
pub mod writer;

/// (code, 中文, English)
pub const CHECKPOINT_KINDS: crate::cases::Codes = &[
    ("community_gate", "小区卡口", "Community gate"),
    ("road", "道路卡点", "Road checkpoint"),
    ("enterprise_gate", "企业出入口", "Enterprise gate"),
    ("park", "园区", "Industrial park"),
    ("canteen", "食堂", "Canteen"),
    ("dormitory", "宿舍", "Dormitory"),
];
