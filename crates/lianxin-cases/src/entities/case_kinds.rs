use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "case_kinds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// "enterprise", "unit" or "any": what a case of this kind is about.
    pub subject: String,
    /// Handling time limit in working days.
    pub working_days: i32,
    /// Time to accept (签收) in working days.
    pub response_working_days: i32,
    /// Handling limit in hours for urgent cases.
    pub urgent_hours: i32,
    pub urgent_response_hours: i32,
    /// Closing needs the raising group to verify (findings).
    pub needs_verification: bool,
    /// Comma-separated role codes that may raise this kind; empty: anyone with `case:raise`.
    pub raise_roles: String,
    pub active: bool,
    pub sort: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
