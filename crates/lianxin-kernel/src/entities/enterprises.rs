use sea_orm::entity::prelude::*;

use crate::access::Scope;
use crate::access::scope::Scoped;
use sea_orm::Condition;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub uscc: String,
    pub uscc_override_reason: Option<String>,
    pub industry: Option<String>,
    pub unit_id: i64,
    pub ownership: String,
    pub address: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub employee_count: i32,
    pub has_party_org: bool,
    pub key_project: bool,
    pub service_team_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an edit names the version it read (409 when stale).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// An enterprise is visible with its sub-district or its stationed team, to its own contact, and through the areas' grants (for reading only).
impl Scoped for Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.enterprises_condition()
    }
    fn write_condition(scope: &Scope) -> Condition {
        scope.enterprises_writable()
    }
}
