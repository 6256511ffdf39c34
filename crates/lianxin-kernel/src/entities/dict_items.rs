use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An item of a code list of the dictionary (字典管理, `crate::dict`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "dict_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The list's key (`case.source`).
    pub dict: String,
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    pub sort: i32,
    pub enabled: bool,
    pub builtin: bool,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
