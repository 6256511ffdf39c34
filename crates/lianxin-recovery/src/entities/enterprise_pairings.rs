use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The pairing in force of each enterprise (one row per enterprise that ever had one), the
/// projection of `pairings` rewritten in the same transaction as each change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "enterprise_pairings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub enterprise_id: i64,
    pub leader_person_id: Option<i64>,
    pub instructor_person_id: Option<i64>,
    pub specialist_person_id: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
