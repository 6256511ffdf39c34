use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A member (a person) of a task force (行业服务专班) or a Party-member service team
/// (党员服务队), both units of the tree. Active while `valid_until` is empty.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "team_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub person_id: i64,
    /// leader or member
    pub role: String,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
