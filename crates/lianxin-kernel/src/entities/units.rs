use sea_orm::entity::prelude::*;

use crate::access::Scope;
use crate::access::scope::Scoped;
use sea_orm::Condition;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub sort: i32,
    pub leader: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an edit names the version it read (409 when stale).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A unit is visible when the scope names it or a unit above it.
impl Scoped for Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.units_condition()
    }
}
