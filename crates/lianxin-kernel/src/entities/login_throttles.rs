use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The sign-in throttle of one account from one client: failures counted since the last
/// success, and the end of the current delay. One row per (username, client), taken with a
/// write lock by every attempt, so the check and the count are one step.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "login_throttles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The name as typed (trimmed, at most 64 characters): unknown names are throttled too.
    pub username: String,
    /// The client's address ("" when unknown).
    pub client: String,
    pub failures: i32,
    /// Attempts before this instant answer 429 without a password check.
    pub blocked_until: Option<DateTimeUtc>,
    pub last_failure_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
