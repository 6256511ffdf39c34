use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: Option<i64>,
    pub inspection_id: Option<i64>,
    /// A 三送一强 visit's photo (no foreign key: the visit is the enterprise service area's).
    pub visit_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 (hex) of the bytes.
    pub sha256: String,
    pub uploaded_by: String,
    pub user_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
