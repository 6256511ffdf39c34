use sea_orm::entity::prelude::*;

/// A fever as its write recorded it (the outbox): a passage or a health report at or above
/// the threshold. The follow-up worker turns each into a case, or a step on the timeline of
/// the case the person already has that day, and marks it done.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fever_signals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The keyed hash of the identity number (as passages store it), or `person:ID` for a
    /// registered person without one.
    pub person_key: String,
    /// The local day (Asia/Shanghai) of the measurement.
    pub day: Date,
    pub at: DateTimeUtc,
    /// `passage` or `health_report`.
    pub source: String,
    pub device_id: Option<i64>,
    pub user_id: Option<i64>,
    pub client_id: Option<String>,
    pub seq: Option<i64>,
    pub health_report_id: Option<i64>,
    /// The unit that follows the fever up (the checkpoint's, the enterprise's sub-district).
    pub unit_id: i64,
    pub temperature: i16,
    pub case_id: Option<i64>,
    pub done_at: Option<DateTimeUtc>,
    pub attempts: i32,
    pub next_try_at: DateTimeUtc,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
