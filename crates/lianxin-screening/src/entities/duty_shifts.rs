use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A volunteer's duty shift (排班) at a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "duty_shifts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub checkpoint_id: i64,
    pub user_id: i64,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub signed_in_at: Option<DateTimeUtc>,
    pub signed_out_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
