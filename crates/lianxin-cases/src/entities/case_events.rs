use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    /// The case version this event produced (1 for the creation).
    pub seq: i32,
    pub at: DateTimeUtc,
    pub user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub unit_id: Option<i64>,
    pub note: Option<String>,
    /// The action's parameters as JSON: enough to replay the case from its events.
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
