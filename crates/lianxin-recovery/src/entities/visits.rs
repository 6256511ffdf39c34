use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A 三送一强 visit: when, which firm, what was delivered under each of the four headings
/// (送政策, 送服务, 送要素, 强信心). Its visitors and problems hang from it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub visited_at: DateTimeUtc,
    pub policy: String,
    pub service: String,
    pub factor: String,
    pub confidence: String,
    pub notes: Option<String>,
    /// The recording user's unit (the monthly report per unit).
    pub unit_id: Option<i64>,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
