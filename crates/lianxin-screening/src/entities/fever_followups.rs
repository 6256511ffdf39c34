use sea_orm::entity::prelude::*;

/// The one follow-up case of a person and day, whichever gates and reports saw the fever.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fever_followups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_key: String,
    pub day: Date,
    pub case_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
