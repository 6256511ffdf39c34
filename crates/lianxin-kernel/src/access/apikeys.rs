//! API keys of client apps (Open311 `api_key`): issued by an administrator (CLI or API), shown
//! once, stored as SHA-256 hashes like session tokens.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::Serialize;

use super::Principal;
use super::auth::{new_token, token_id};
use super::roles::perm;
use crate::audit::{self, Action};
use crate::entities::api_clients;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiClientView {
    pub id: i64,
    pub name: String,
    pub disabled: bool,
    pub created_at: chrono::DateTime<Utc>,
    pub last_used_at: Option<chrono::DateTime<Utc>>,
}

impl From<api_clients::Model> for ApiClientView {
    fn from(m: api_clients::Model) -> Self {
        ApiClientView {
            id: m.id,
            name: m.name,
            disabled: m.disabled,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
        }
    }
}

/// Issues a key for a new client app; answers the client and the key (shown once).
pub async fn add<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    name: &str,
) -> AppResult<(api_clients::Model, String)> {
    who.require(perm::APIKEY_EDIT)?;
    let cleaned = crate::text::clean(Some(name.to_owned())).unwrap_or_default();
    let name = cleaned.as_str();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(FieldError::new(
            "name",
            "required",
            "请填写应用名称（不超过 100 个字）",
            "give the client app a name (at most 100 characters)",
        )));
    }
    if api_clients::Entity::find()
        .filter(api_clients::Column::Name.eq(name))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::invalid(FieldError::new(
            "name",
            "duplicate",
            "已有同名应用",
            "a client app of that name exists",
        )));
    }
    let key = new_token();
    let txn = crate::db::begin_write(db).await?;
    let m = api_clients::ActiveModel {
        name: Set(name.to_owned()),
        key_hash: Set(token_id(&key)),
        disabled: Set(false),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "api_client",
        Some(m.id),
        m.name.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok((m, key))
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
) -> AppResult<Vec<api_clients::Model>> {
    who.require(perm::APIKEY_EDIT)?;
    Ok(api_clients::Entity::find()
        .order_by_asc(api_clients::Column::Id)
        .all(db)
        .await?)
}

/// The enabled client holding `key`, if any (its last use is recorded).
pub async fn authenticate(
    db: &impl ConnectionTrait,
    key: &str,
) -> AppResult<Option<api_clients::Model>> {
    if key.is_empty() || key.len() > 200 {
        return Ok(None);
    }
    let Some(m) = api_clients::Entity::find()
        .filter(api_clients::Column::KeyHash.eq(token_id(key)))
        .filter(api_clients::Column::Disabled.eq(false))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let mut am: api_clients::ActiveModel = m.clone().into();
    am.last_used_at = Set(Some(Utc::now()));
    am.update(db).await?;
    Ok(Some(m))
}
