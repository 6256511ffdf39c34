use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A vacancy a firm posts (招聘岗位): open until it is closed or its closing date passes; a new
/// closing date reposts it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub title: String,
    pub positions: i32,
    /// Monthly pay range in fen.
    pub salary_min_fen: i64,
    pub salary_max_fen: i64,
    pub place: String,
    pub requirements: Option<String>,
    /// The last day applications are taken.
    pub closes_on: Date,
    /// Suits employment-assistance targets (就业援助).
    pub employment_aid: bool,
    /// `open` or `closed` (closed by the firm); an open job past `closes_on` is not shown.
    pub status: String,
    /// The day it was posted, or last reposted.
    pub posted_on: Date,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
