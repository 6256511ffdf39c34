use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A unit a notice is sent to (its users and those of the units below it receive it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "notice_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub notice_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
