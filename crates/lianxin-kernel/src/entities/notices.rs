use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A notice (通知公告) an administrator sends to everyone or to chosen units and below.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub body: String,
    pub to_all: bool,
    pub created_by_user_id: Option<i64>,
    pub author: String,
    pub created_at: DateTimeUtc,
    /// Bumped by each edit; an edit names the version it read.
    pub version: i32,
    /// When it was last edited.
    pub updated_at: Option<DateTimeUtc>,
    /// When it was withdrawn (撤回): its readers no longer see it.
    pub withdrawn_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
