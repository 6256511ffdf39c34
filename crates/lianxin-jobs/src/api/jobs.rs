//! `/api/v1/jobs`: the jobs of the firms in scope, as their firms and the staff keep them.

use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppResult, ProblemBody};
use crate::jobs::{self, JobFilter, JobInput, JobView};
use crate::paging::{Page, Paging};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
}

/// The jobs of the firms in the caller's scope (an enterprise contact: their own firm's),
/// newest first.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobFilter, Paging),
    responses((status = 200, body = Page<JobView>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn list(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<JobFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<JobView>>> {
    Ok(Json(jobs::list(&s.db, &who, &f, p).await?))
}

/// Post a job (`job:edit`): an enterprise contact for their own firm (the default), staff for
/// a firm they may write for (`enterprise_id` required). Open from today until `closes_on`.
#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs", request_body = JobInput,
    responses((status = 201, body = JobView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<JobInput>,
) -> AppResult<(StatusCode, Json<JobView>)> {
    let j = jobs::create(&s.db, &who, input).await?;
    let v = jobs::get(&s.db, &who, j.id).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = JobView)))]
async fn get(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<JobView>> {
    Ok(Json(jobs::get(&s.db, &who, id).await?))
}
