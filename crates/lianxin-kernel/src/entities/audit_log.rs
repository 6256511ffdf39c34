use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub summary: String,
    pub ip: Option<String>,
    /// The kind of entry (`audit::EventDef::code`), when it has one.
    pub event: Option<String>,
    /// The entry's structured fields as a JSON object, filling its event's sentence.
    pub args: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
