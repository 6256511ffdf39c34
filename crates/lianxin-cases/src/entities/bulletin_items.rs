use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "bulletin_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub bulletin_id: i64,
    pub case_id: Option<i64>,
    pub unit_id: i64,
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
