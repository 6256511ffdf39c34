use sea_orm::entity::prelude::*;

use lianxin_kernel::access::Scope;
use lianxin_kernel::access::scope::Scoped;
use sea_orm::Condition;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "checkpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// community_gate, road, enterprise_gate, park, canteen, dormitory
    pub kind: String,
    pub unit_id: i64,
    pub enterprise_id: Option<i64>,
    pub place: Option<String>,
    /// The Party members responsible (党员责任岗).
    pub responsible: Option<String>,
    pub active: bool,
    /// The hours the post must be staffed, in minutes of the local day (0..=1440).
    pub duty_from: i32,
    pub duty_to: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A checkpoint is visible with its unit, and to the enterprise at whose gate it stands.
impl Scoped for Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.compose(vec![
            scope.unit_in_scope(Column::UnitId),
            scope
                .enterprise_id
                .map(|e| Condition::all().add(Column::EnterpriseId.eq(e))),
        ])
    }
}
