use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A resumption-stage report of a firm (未复工 … 扩产): its figures, the stage the figures
/// suggest under the district's thresholds, the stage reported, and the paired cadre's
/// confirmation. `stage` is the stage in force: the confirmed one once confirmed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "stage_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub on_date: Date,
    pub workers_back: i32,
    pub workers_total: i32,
    /// Capacity in percent of the pre-crisis level (may exceed 100).
    pub capacity_pct: i32,
    pub reported_stage: Option<String>,
    pub suggested_stage: String,
    pub stage: String,
    pub confirmed: bool,
    /// The stage in force is not what the figures suggest.
    pub contradicts: bool,
    pub reported_by_user_id: Option<i64>,
    pub confirmed_by_user_id: Option<i64>,
    pub confirmed_by_person_id: Option<i64>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
