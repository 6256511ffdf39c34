use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A firm with idle workers offers them to other firms for a period (用工余缺调剂: 余).
/// What is left of it is `workers` less the workers of its matches that are not cancelled.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "labour_offers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub workers: i32,
    pub skills: String,
    pub from_on: Date,
    pub to_on: Date,
    pub note: Option<String>,
    /// `open` or `withdrawn`.
    pub status: String,
    pub version: i32,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
