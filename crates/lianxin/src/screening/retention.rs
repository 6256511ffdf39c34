//! Retention: passages older than N days (default 28, setting `screening.retention_days`) are
//! deleted; what was deleted is logged as counts (audit log and server log). Runs at start and
//! every six hours in `lianxin serve`, and on demand with `lianxin purge`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{passages, settings};
use crate::error::AppResult;

pub const RETENTION_SETTING: &str = "screening.retention_days";
pub const DEFAULT_DAYS: i64 = 28;

pub async fn retention_days(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(settings::Entity::find_by_id(RETENTION_SETTING.to_owned())
        .one(db)
        .await?
        .and_then(|s| s.value.parse().ok())
        .filter(|d| (1..=3650).contains(d))
        .unwrap_or(DEFAULT_DAYS))
}

/// Deletes what is past retention; answers how many passages went.
pub async fn purge(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let days = retention_days(db).await?;
    let cutoff = now - Duration::days(days);
    let res = passages::Entity::delete_many()
        .filter(passages::Column::At.lt(cutoff))
        .exec(db)
        .await?;
    if res.rows_affected > 0 {
        audit::record(
            db,
            &Principal::system("retention"),
            Action::Delete,
            "passage",
            None,
            format!(
                "{} passages older than {days} days deleted",
                res.rows_affected
            ),
        )
        .await?;
    }
    tracing::info!(
        deleted = res.rows_affected,
        days,
        "retention: passages purged"
    );
    Ok(res.rows_affected)
}
