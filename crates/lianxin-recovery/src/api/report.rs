//! `/api/v1/recovery/report`: the district's recovery report and its series for charts.

use axum::Json;
use axum::extract::{FromRef, State};
use lianxin_kernel::http::ApiQuery;
use lianxin_kernel::state::Core;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppResult, ProblemBody};
use crate::report::{self, Report, ReportQuery, Series, SeriesQuery};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(get_report))
        .routes(routes!(get_series))
}

/// The recovery report on a date (today by default) within the caller's scope of enterprises
/// (`recovery:report`): firms by the stage of their latest report (confirmed stages by code,
/// `unconfirmed`, `not_reported`), workers back, pairing, visits and their problems, task
/// forces, teams and key projects.
#[utoipa::path(get, path = "/api/v1/recovery/report", tag = "recovery", params(ReportQuery),
    responses((status = 200, body = Report),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_report(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> AppResult<Json<Report>> {
    Ok(Json(report::build(&s.db, &who, &q).await?))
}

/// Firms by stage and workers back per week (or day) from `from` to `to`, district-wide or
/// for a unit's firms (`unit_id`), for charts.
#[utoipa::path(get, path = "/api/v1/recovery/report/series", tag = "recovery", params(SeriesQuery),
    responses((status = 200, body = Series),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_series(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(q): ApiQuery<SeriesQuery>,
) -> AppResult<Json<Series>> {
    Ok(Json(report::series(&s.db, &who, &q).await?))
}
