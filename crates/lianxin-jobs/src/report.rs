//! The area's figures for the district's recovery report (就业服务), for a set of firms and as
//! of a moment, cumulative like the rest of that report ("on a date" = everything up to the
//! end of that day, Beijing time):
//!
//! - `jobs_posted`: jobs first posted (created) before the end, whatever their state now;
//! - `positions`: the sum of those jobs' positions (as they stand now);
//! - `applications`: applications made to those jobs before the end (a repeat by the same
//!   phone is linked to the first, so it is counted once);
//! - `hires`: of them, the ones hired, answered before the end;
//! - `labour_matches` and `labour_workers`: matches both firms confirmed before the end
//!   (the later confirmation), where either firm is in the set, and their workers.
//!
//! Every figure is one aggregate query over the records; nothing is typed in.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait};
use serde::Serialize;

use crate::entities::{job_applications, jobs, labour_asks, labour_matches, labour_offers};
use crate::error::AppResult;

/// The jobs figures of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JobsFigures {
    pub jobs_posted: i64,
    pub positions: i64,
    pub applications: i64,
    pub hires: i64,
    pub labour_matches: i64,
    pub labour_workers: i64,
}

/// An integer column of a raw row (`NULL` and absent: 0): `COUNT` and `SUM` of an `integer`
/// column are `bigint` on PostgreSQL, `integer` on SQLite.
pub(crate) fn int(r: &sea_orm::QueryResult, c: &str) -> i64 {
    r.try_get::<Option<i64>>("", c)
        .ok()
        .flatten()
        .or_else(|| {
            r.try_get::<Option<i32>>("", c)
                .ok()
                .flatten()
                .map(i64::from)
        })
        .unwrap_or(0)
}

async fn one(db: &impl ConnectionTrait, q: SelectStatement) -> AppResult<sea_orm::QueryResult> {
    let backend = db.get_database_backend();
    db.query_one_raw(backend.build(&q))
        .await?
        .ok_or_else(|| crate::error::AppError::internal("an aggregate returned no row"))
}

/// The figures for the firms `firms` selects (a statement of firm ids; `None`: every firm)
/// up to `end` (exclusive).
pub async fn figures(
    db: &impl ConnectionTrait,
    firms: Option<SelectStatement>,
    end: DateTime<Utc>,
) -> AppResult<JobsFigures> {
    let of_firms = |col: Expr| -> Condition {
        match &firms {
            None => Condition::all(),
            Some(f) => Condition::all().add(col.in_subquery(f.clone())),
        }
    };
    let jobs_in = || {
        Query::select()
            .column(jobs::Column::Id)
            .from(jobs::Entity)
            .cond_where(of_firms(Expr::col(jobs::Column::EnterpriseId)))
            .and_where(jobs::Column::CreatedAt.lt(end))
            .take()
    };
    let j = one(
        db,
        Query::select()
            .expr_as(Expr::col(jobs::Column::Id).count(), Alias::new("n"))
            .expr_as(Expr::col(jobs::Column::Positions).sum(), Alias::new("p"))
            .from(jobs::Entity)
            .and_where(jobs::Column::Id.in_subquery(jobs_in()))
            .take(),
    )
    .await?;
    let a = one(
        db,
        Query::select()
            .expr_as(
                Expr::col(job_applications::Column::Id).count(),
                Alias::new("n"),
            )
            .from(job_applications::Entity)
            .and_where(job_applications::Column::JobId.in_subquery(jobs_in()))
            .and_where(job_applications::Column::CreatedAt.lt(end))
            .take(),
    )
    .await?;
    let h = one(
        db,
        Query::select()
            .expr_as(
                Expr::col(job_applications::Column::Id).count(),
                Alias::new("n"),
            )
            .from(job_applications::Entity)
            .and_where(job_applications::Column::JobId.in_subquery(jobs_in()))
            .and_where(job_applications::Column::Status.eq("hired"))
            .and_where(job_applications::Column::AnsweredAt.lt(end))
            .take(),
    )
    .await?;
    let mut either = Condition::any();
    match &firms {
        None => either = Condition::all(),
        Some(_) => {
            either = either
                .add(
                    labour_matches::Column::OfferId.in_subquery(
                        Query::select()
                            .column(labour_offers::Column::Id)
                            .from(labour_offers::Entity)
                            .cond_where(of_firms(Expr::col(labour_offers::Column::EnterpriseId)))
                            .take(),
                    ),
                )
                .add(
                    labour_matches::Column::AskId.in_subquery(
                        Query::select()
                            .column(labour_asks::Column::Id)
                            .from(labour_asks::Entity)
                            .cond_where(of_firms(Expr::col(labour_asks::Column::EnterpriseId)))
                            .take(),
                    ),
                );
        }
    }
    let m = one(
        db,
        Query::select()
            .expr_as(
                Expr::col(labour_matches::Column::Id).count(),
                Alias::new("n"),
            )
            .expr_as(
                Expr::col(labour_matches::Column::Workers).sum(),
                Alias::new("w"),
            )
            .from(labour_matches::Entity)
            .cond_where(either)
            .and_where(labour_matches::Column::Status.eq(crate::labour::CONFIRMED))
            .and_where(labour_matches::Column::OfferConfirmedAt.lt(end))
            .and_where(labour_matches::Column::AskConfirmedAt.lt(end))
            .take(),
    )
    .await?;
    Ok(JobsFigures {
        jobs_posted: int(&j, "n"),
        positions: int(&j, "p"),
        applications: int(&a, "n"),
        hires: int(&h, "n"),
        labour_matches: int(&m, "n"),
        labour_workers: int(&m, "w"),
    })
}
