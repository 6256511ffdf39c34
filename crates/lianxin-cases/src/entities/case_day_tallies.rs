use sea_orm::entity::prelude::*;

/// Running totals of `case_facts` per grouping, key, day received and kind (see
/// `cases::metrics`): a period or a kind becomes a sum over a few rows.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_day_tallies")]
pub struct Model {
    /// As in `case_tallies`: 0 lead unit, 1 unit concerned, 2 kind, 3 cadre, 4 month.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: i16,
    /// The day received, counted from 1970-01-01 in China Standard Time (UTC+8).
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind_id: i64,
    /// The key within the grouping; -1 for none.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: i64,
    pub received: i64,
    pub dispatched: i64,
    pub responded_on_time: i64,
    pub responded: i64,
    pub resolved_on_time: i64,
    pub resolved_judged: i64,
    pub resolved_ever: i64,
    pub revisited: i64,
    pub satisfied: i64,
    pub reopened: i64,
    pub returned: i64,
    pub handled: i64,
    pub handling_secs_sum: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
