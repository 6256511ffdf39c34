//! What a user asked the screens to remember (today: the columns hidden on each list), kept
//! per user on the server so that it follows them from the office PC to the laptop.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::access::Principal;
use crate::entities::user_prefs;
use crate::error::{AppError, AppResult, FieldError};

/// The most columns a list remembers as hidden, and the longest list or column key.
const MAX_HIDDEN: usize = 64;
const MAX_KEY: usize = 60;

fn columns_key(list: &str) -> String {
    format!("list.{list}.hidden")
}

/// A list key or column key: a short code of letters, digits, `.`, `_` and `-`.
fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= MAX_KEY
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The columns `user_id` hides on `list` (none when they never chose, or for a list they
/// cannot have chosen on).
pub async fn hidden_columns(
    db: &impl ConnectionTrait,
    user_id: i64,
    list: &str,
) -> AppResult<Vec<String>> {
    if !valid_key(list) {
        return Ok(Vec::new());
    }
    let row = user_prefs::Entity::find()
        .filter(user_prefs::Column::UserId.eq(user_id))
        .filter(user_prefs::Column::Key.eq(columns_key(list)))
        .one(db)
        .await?;
    Ok(row
        .and_then(|r| serde_json::from_str::<Vec<String>>(&r.value).ok())
        .unwrap_or_default())
}

/// Remembers which columns the caller hides on `list` (an empty set shows them all again).
pub async fn set_hidden_columns(
    db: &impl ConnectionTrait,
    who: &Principal,
    list: &str,
    hidden: Vec<String>,
) -> AppResult<()> {
    if !valid_key(list) {
        return Err(AppError::invalid(FieldError::new(
            "list",
            "format",
            "列表标识无效",
            "not a list key",
        )));
    }
    if hidden.len() > MAX_HIDDEN || !hidden.iter().all(|k| valid_key(k)) {
        return Err(AppError::invalid(FieldError::new(
            "hidden",
            "format",
            "隐藏列无效",
            "not a set of column keys",
        )));
    }
    let mut hidden = hidden;
    hidden.sort();
    hidden.dedup();
    let value = serde_json::to_string(&hidden).map_err(AppError::internal)?;
    let am = user_prefs::ActiveModel {
        user_id: Set(who.user_id),
        key: Set(columns_key(list)),
        value: Set(value),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    user_prefs::Entity::insert(am)
        .on_conflict(
            OnConflict::columns([user_prefs::Column::UserId, user_prefs::Column::Key])
                .update_columns([user_prefs::Column::Value, user_prefs::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}
