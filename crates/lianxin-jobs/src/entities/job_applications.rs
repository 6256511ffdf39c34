use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An application to a job, made without an account. The phone is sealed with the
/// installation's key and kept as a keyed hash (one application per phone and job; the rate
/// limit); the applicant's address is kept only as a keyed hash (the rate limit).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "job_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job_id: i64,
    /// What the applicant follows the answer with (unguessable, unique).
    pub reference: String,
    pub name: String,
    /// `secret::seal` of the phone number.
    #[serde(skip)]
    pub phone_sealed: String,
    /// `secret::keyed_hash` of the phone number.
    #[serde(skip)]
    pub phone_hash: String,
    #[serde(skip)]
    pub ip_hash: Option<String>,
    pub message: Option<String>,
    /// `long_term_unemployed`, `disabled` or `low_income`: the applicant says they are an
    /// employment-assistance target.
    pub assistance: Option<String>,
    /// `new`, `invited`, `rejected` or `hired`.
    pub status: String,
    /// How many times the same phone applied to the same job again (linked, not doubled).
    pub repeats: i32,
    pub version: i32,
    pub answered_by_user_id: Option<i64>,
    pub answered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
