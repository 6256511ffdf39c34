//! Retention: passages older than N days (default 28, setting `screening.retention_days`) are
//! deleted, and so are employees' health reports whose day is more than N days back, and the
//! fever signals and follow-up keys of those days (they name people too); what was deleted is
//! logged as counts (audit log and server log). Runs at start and every six hours in
//! `lianxin serve`, and on demand with `lianxin purge`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{fever_followups, fever_signals, health_reports, passages, settings};
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

/// Deletes what is past retention, with its audit rows, in one transaction: passages, health
/// reports, and the fever signals and follow-up keys that name their people. Answers how many
/// passages went (the rest are counted in the audit and server logs).
pub async fn purge<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let txn = lianxin_kernel::db::begin_write(conn).await?;
    let db = &txn;
    let days = retention_days(db).await?;
    let cutoff = now - Duration::days(days);
    let res = passages::Entity::delete_many()
        .filter(passages::Column::At.lt(cutoff))
        .exec(db)
        .await?;
    if res.rows_affected > 0 {
        audit::record_event(
            db,
            &Principal::system("retention"),
            Action::Delete,
            "passage",
            None,
            format!(
                "{} passages older than {days} days deleted",
                res.rows_affected
            ),
            audit::Event::new(
                "retention.passages",
                serde_json::json!({"n": res.rows_affected, "days": days}),
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
        audit::record_event(
            db,
            &Principal::system("retention"),
            Action::Delete,
            "health_report",
            None,
            format!(
                "{} health reports older than {days} days deleted",
                reports.rows_affected
            ),
            audit::Event::new(
                "retention.health",
                serde_json::json!({"n": reports.rows_affected, "days": days}),
            ),
        )
        .await?;
    }
    tracing::info!(
        deleted = reports.rows_affected,
        days,
        "retention: health reports purged"
    );
    fever_signals::Entity::delete_many()
        .filter(fever_signals::Column::At.lt(cutoff))
        .exec(db)
        .await?;
    fever_followups::Entity::delete_many()
        .filter(fever_followups::Column::Day.lt(first_kept))
        .exec(db)
        .await?;
    txn.commit().await?;
    Ok(res.rows_affected)
}
