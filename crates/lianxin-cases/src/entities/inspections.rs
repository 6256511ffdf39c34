use sea_orm::entity::prelude::*;

use lianxin_kernel::access::Scope;
use lianxin_kernel::access::scope::Scoped;
use sea_orm::Condition;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The supervision inspection group (a unit of kind inspection_group).
    pub group_unit_id: i64,
    pub inspected_unit_id: i64,
    pub held_on: Date,
    pub place: String,
    /// Comma-separated: attend_meeting, onsite_check, records_review.
    pub methods: String,
    pub attendees: String,
    pub summary: String,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// An inspection is visible with the group or the inspected unit.
impl Scoped for Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.compose(vec![
            scope.unit_in_scope(Column::InspectedUnitId),
            scope.unit_in_scope(Column::GroupUnitId),
        ])
    }
}
