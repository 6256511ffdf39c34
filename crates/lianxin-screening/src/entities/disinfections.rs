use sea_orm::entity::prelude::*;

use lianxin_kernel::access::Scope;
use lianxin_kernel::access::scope::Scoped;
use sea_orm::Condition;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "disinfections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub checkpoint_id: Option<i64>,
    pub place: String,
    pub at: DateTimeUtc,
    /// The disinfectant used (e.g. 84消毒液 1:100).
    pub agent: String,
    /// The area covered (e.g. 500㎡, 3 层楼道).
    pub area: Option<String>,
    /// Who did it.
    pub person: String,
    pub note: Option<String>,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A disinfection log is visible with its unit.
impl Scoped for Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.compose(vec![scope.unit_in_scope(Column::UnitId)])
    }
}
