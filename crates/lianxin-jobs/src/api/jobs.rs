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
        .routes(routes!(get, update, delete))
        .routes(routes!(close))
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

/// A job of a firm in the caller's scope (another firm's is a 404 to an enterprise contact).
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = JobView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<JobView>> {
    Ok(Json(jobs::get(&s.db, &who, id).await?))
}

/// Replace a job's fields (`job:edit`; `version` required, a stale one is a 409 with the
/// current job). A new `closes_on` later than the old one, or a new `closes_on` on a closed
/// job, reposts it: open again, `posted_on` today.
#[utoipa::path(put, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    request_body = JobInput,
    responses((status = 200, body = JobView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn update(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<JobInput>,
) -> AppResult<Json<JobView>> {
    jobs::update(&s.db, &who, id, input).await?;
    Ok(Json(jobs::get(&s.db, &who, id).await?))
}

/// Stop taking applications (`job:edit`): the job leaves the public board. Closing a closed
/// job is not an error: it answers the job unchanged. A `PUT` with a new `closes_on` reposts.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/close", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = JobView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn close(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<JobView>> {
    jobs::close(&s.db, &who, id).await?;
    Ok(Json(jobs::get(&s.db, &who, id).await?))
}

/// Remove a job nobody has applied to (`job:edit`); a job with applications is a 409 saying
/// so (close it instead).
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 204),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn delete(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<StatusCode> {
    jobs::delete(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
