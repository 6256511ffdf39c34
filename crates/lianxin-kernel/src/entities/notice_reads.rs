use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A read receipt: the first time a user opened a notice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "notice_reads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub notice_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub read_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
