use sea_orm::entity::prelude::*;

use crate::access::Scope;
use crate::access::scope::Scoped;
use sea_orm::Condition;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub gender: Option<String>,
    #[sea_orm(unique)]
    pub id_number: Option<String>,
    pub id_number_override_reason: Option<String>,
    pub phone: Option<String>,
    pub unit_id: i64,
    pub enterprise_id: Option<i64>,
    pub party_member: bool,
    pub is_cadre: bool,
    pub is_volunteer: bool,
    pub is_employee: bool,
    pub is_contact: bool,
    pub position: Option<String>,
    pub rank: Option<String>,
    pub career: Option<String>,
    pub expertise: Option<String>,
    pub traits: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an edit names the version it read (409 when stale).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A person is visible with their unit, as the caller themself, or as an employee of the caller's enterprise.
impl Scoped for Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.people_condition()
    }
}
