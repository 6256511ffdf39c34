use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Each firm's latest stage report (the greatest `(on_date, id)`), kept in step with every
/// report and confirmation in their transaction: the recovery report of today reads it instead
/// of finding each firm's latest report. Derived, never typed: `stages::rebuild_latest`
/// recomputes it from `stage_reports`, and a test holds the two equal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "stage_latest")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub enterprise_id: i64,
    pub report_id: i64,
    pub on_date: Date,
    pub stage: String,
    pub confirmed: bool,
    pub workers_back: i32,
    pub workers_total: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
