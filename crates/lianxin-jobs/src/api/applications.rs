//! Applications to jobs: the public door (apply without an account, read the status by
//! reference) and the firm's (list a job's applications, answer each in one click).

use axum::Json;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use lianxin_kernel::access::extract::ClientIp;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::applications::{
    self, ActionInput, ApplicationInput, ApplicationStatus, ApplicationView, Applied,
};
use crate::error::{AppError, AppResult, ProblemBody};
use crate::paging::{Page, Paging};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(apply))
        .routes(routes!(status))
        .routes(routes!(list))
        .routes(routes!(act))
}

/// Apply to an open job without an account: 201 with the reference to follow the answer by;
/// the same phone for the same job again answers 200 with the existing reference (linked, not
/// doubled). Rate-limited per phone and per address (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/public/jobs/{id}/applications", tag = "public",
    security(()), params(("id" = i64, Path)), request_body = ApplicationInput,
    responses((status = 201, body = Applied, description = "applied"),
        (status = 200, body = Applied, description = "the same phone had applied: its reference"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 410, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json")))]
async fn apply(
    State(s): State<Core>,
    ClientIp(ip): ClientIp,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> AppResult<(StatusCode, Json<Applied>)> {
    let a = applications::apply(&s.db, id, input, ip.as_deref()).await?;
    let status = if a.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(a)))
}

/// An application's status by its reference: the job, the firm, the status and the dates,
/// never the applicant's data.
#[utoipa::path(get, path = "/api/v1/public/applications/{reference}", tag = "public",
    security(()), params(("reference" = String, Path)),
    responses((status = 200, body = ApplicationStatus),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn status(
    State(s): State<Core>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> AppResult<Json<ApplicationStatus>> {
    let Ok(Path(reference)) = path else {
        return Err(AppError::NotFound);
    };
    Ok(Json(applications::status(&s.db, &reference).await?))
}

/// A job's applications (`job:list`, the job in scope, else 404), newest first, with the
/// applicant's phone so the firm can call.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/applications", tag = "jobs",
    params(("id" = i64, Path), Paging),
    responses((status = 200, body = Page<ApplicationView>),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn list(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<ApplicationView>>> {
    Ok(Json(applications::list(&s.db, &who, id, p).await?))
}

/// Answer an application (`job:edit`, the job writable): `invite` (new → invited), `reject`
/// (new or invited → rejected), `hire` (invited → hired). A stale version, a second hire of
/// the same person, more hires than positions, or a move the status does not allow: 409 with
/// the reason and the application as it stands.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/applications/{aid}/actions", tag = "jobs",
    params(("id" = i64, Path), ("aid" = i64, Path)), request_body = ActionInput,
    responses((status = 200, body = ApplicationView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn act(
    State(s): State<Core>,
    who: Principal,
    path: Result<Path<(i64, i64)>, axum::extract::rejection::PathRejection>,
    ApiJson(input): ApiJson<ActionInput>,
) -> AppResult<Json<ApplicationView>> {
    let Ok(Path((id, aid))) = path else {
        return Err(AppError::NotFound);
    };
    Ok(Json(applications::act(&s.db, &who, id, aid, input).await?))
}
