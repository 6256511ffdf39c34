use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A key project (重点项目) with its three milestones (签约, 开工, 投产), planned and actual.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "key_projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub enterprise_id: i64,
    /// Investment in fen.
    pub investment_fen: i64,
    /// The service team stationed with the project.
    pub team_unit_id: Option<i64>,
    pub signed_planned: Option<Date>,
    pub signed_on: Option<Date>,
    pub started_planned: Option<Date>,
    pub started_on: Option<Date>,
    pub producing_planned: Option<Date>,
    pub producing_on: Option<Date>,
    pub note: Option<String>,
    pub version: i32,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
