use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A unit's request to a firm for figures (报表, 数据): counted on the firm's page with its
/// visits, so that the burden on the firm shows.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "figure_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub unit_id: i64,
    pub asked_on: Date,
    pub subject: String,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
