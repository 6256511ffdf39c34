use sea_orm::entity::prelude::*;

/// The narrow projection of a case that metrics scan (see `cases::metrics`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_facts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: i64,
    pub kind_id: i64,
    pub lead_unit_id: Option<i64>,
    pub subject_unit_id: Option<i64>,
    pub responsible_person_id: Option<i64>,
    /// Received (created), Unix seconds.
    pub received: i64,
    /// The month received in Asia/Shanghai, YYYYMM.
    pub month: i32,
    /// The deadline (Unix seconds) while the case is being worked on; else none.
    pub open_deadline: Option<i64>,
    /// The response deadline while the lead has not accepted; else none.
    pub unaccepted_response_deadline: Option<i64>,
    pub dispatched: i16,
    pub responded_on_time: Option<i16>,
    pub resolved_on_time: Option<i16>,
    pub resolved_ever: i16,
    pub revisited: i16,
    pub satisfied: i16,
    pub reopened: i16,
    pub returned: i16,
    pub handling_secs: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
