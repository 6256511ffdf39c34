use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "passages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub checkpoint_id: i64,
    pub device_id: Option<i64>,
    pub device_seq: Option<i64>,
    pub user_id: Option<i64>,
    /// HMAC-SHA256 (hex) of the identity number with the installation's key.
    pub person_hash: String,
    pub id_masked: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Tenths of a degree Celsius.
    pub temperature: i16,
    /// "in" or "out"
    pub direction: String,
    pub fever: bool,
    /// The fever follow-up case it raised.
    pub case_id: Option<i64>,
    pub at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    /// The entry page's own id (one per browser) for passages recorded by a user.
    pub client_id: Option<String>,
    /// Time and person as the contacts index reads them (`privacy::contact_key`).
    #[serde(skip)]
    pub contact_key: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
