use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "bulletins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub year: i32,
    /// Sequence within the year, given when issued.
    pub seq: Option<i32>,
    pub number: Option<String>,
    /// "criticism" (通报批评) or "circular" (情况通报)
    pub kind: String,
    pub title: String,
    pub body: String,
    /// "draft" or "issued"
    pub status: String,
    pub version: i32,
    pub issued_at: Option<DateTimeUtc>,
    pub issued_by: Option<String>,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
