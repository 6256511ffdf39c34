use sea_orm::entity::prelude::*;

/// Running totals of `case_facts` per grouping and key (see `cases::metrics`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_tallies")]
pub struct Model {
    /// 0 lead unit, 1 unit concerned, 2 kind, 3 responsible cadre, 4 month (YYYYMM)
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: i16,
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
