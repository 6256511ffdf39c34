use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A match of an offer with an ask, proposed by the district's staff for some of the offered
/// workers, made when both firms have confirmed it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "labour_matches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub offer_id: i64,
    pub ask_id: i64,
    pub workers: i32,
    /// `proposed` (waiting for one or both firms), `confirmed` (both did) or `cancelled`.
    pub status: String,
    pub offer_confirmed_at: Option<DateTimeUtc>,
    pub offer_confirmed_by_user_id: Option<i64>,
    pub ask_confirmed_at: Option<DateTimeUtc>,
    pub ask_confirmed_by_user_id: Option<i64>,
    pub version: i32,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
