use sea_orm::entity::prelude::*;

use lianxin_kernel::access::Scope;
use lianxin_kernel::access::scope::Scoped;
use sea_orm::Condition;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub number: String,
    pub kind_id: i64,
    pub category_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub source: String,
    pub priority: String,
    pub enterprise_id: Option<i64>,
    pub subject_unit_id: Option<i64>,
    pub lead_unit_id: Option<i64>,
    pub responsible_person_id: Option<i64>,
    pub escalated_unit_id: Option<i64>,
    pub inspection_id: Option<i64>,
    pub api_client_id: Option<i64>,
    pub status: String,
    pub version: i32,
    pub deadline: Option<DateTimeUtc>,
    pub response_deadline: Option<DateTimeUtc>,
    pub requested_deadline: Option<DateTimeUtc>,
    pub dispatched_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub first_resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub solution: Option<String>,
    pub satisfaction: Option<String>,
    pub solved: Option<bool>,
    /// The lead department accepted by the response deadline (set when it accepts).
    pub responded_on_time: Option<bool>,
    /// Resolved by the deadline (set when the lead resolves; cleared when reopened).
    pub resolved_on_time: Option<bool>,
    /// Seconds from dispatch to the standing resolution.
    pub handling_secs: Option<i64>,
    pub revisit_count: i32,
    pub reopen_count: i32,
    pub return_count: i32,
    pub extension_count: i32,
    pub escalation_count: i32,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub created_by_user_id: Option<i64>,
    /// An outside client's credit code of an enterprise not (yet) registered: "enterprise to
    /// be linked" before dispatch.
    pub pending_uscc: Option<String>,
    /// 零跑腿: resolved without the firm visiting an office (set by the resolution; cleared
    /// when the case is reopened).
    pub zero_trip: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Which cases a caller sees: `crate::scope::cases_condition`.
impl Scoped for Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        crate::scope::cases_condition(scope)
    }
}
