//! Retention: passages older than N days (default 28, setting `screening.retention_days`) are
//! deleted, and so are employees' health reports whose day is more than N days back; what was deleted is logged as counts (audit log and server log). Runs at start and
//! every six hours in `lianxin serve`, and on demand with `lianxin purge`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{health_reports, passages, settings};
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

/// Deletes what is past retention; answers how many passages went (health reports are
/// counted in the audit and server logs).
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
    // Health reports by their (Asia/Shanghai) day: kept for the same N days.
    let first_kept = super::duty::local_day(now) - Duration::days(days);
    let reports = health_reports::Entity::delete_many()
        .filter(health_reports::Column::ReportDate.lt(first_kept))
        .exec(db)
        .await?;
    if reports.rows_affected > 0 {
        audit::record(
            db,
            &Principal::system("retention"),
            Action::Delete,
            "health_report",
            None,
            format!(
                "{} health reports older than {days} days deleted",
                reports.rows_affected
            ),
        )
        .await?;
    }
    tracing::info!(
        deleted = reports.rows_affected,
        days,
        "retention: health reports purged"
    );
    Ok(res.rows_affected)
}
