use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An employee's daily health report (C9), one per person and day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "health_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub person_id: i64,
    /// The day reported for (Asia/Shanghai).
    pub report_date: Date,
    /// Tenths of a degree Celsius.
    pub temperature: Option<i16>,
    /// Comma-separated symptom codes; empty for none.
    pub symptoms: String,
    pub mental_state: String,
    /// Where the employee is today.
    pub location: Option<String>,
    /// Back from outside the city: from where and when.
    pub returned_from: Option<String>,
    pub returned_on: Option<Date>,
    pub quarantine: String,
    pub fever: bool,
    /// The fever follow-up case it raised.
    pub case_id: Option<i64>,
    pub reported_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
