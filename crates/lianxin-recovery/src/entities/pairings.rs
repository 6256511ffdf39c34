use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One step of an enterprise's 三对一 pairing history: from `valid_from` the `role`
/// (leader 分包领导, instructor 党建指导员, specialist 服务专员) is held by `person_id`
/// (`None`: nobody, the role was cleared). Append-only; `enterprise_pairings` is the current state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "pairings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub role: String,
    pub person_id: Option<i64>,
    pub valid_from: Date,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
