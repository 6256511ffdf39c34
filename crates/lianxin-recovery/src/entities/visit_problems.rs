use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A problem a visit found: the appeal it became (`linked`: an open appeal of the same firm
/// and category it was linked to instead), in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "visit_problems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub visit_id: i64,
    pub seq: i32,
    pub case_id: i64,
    pub linked: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
