//! `/api/v1/projects`: the key projects registry, its milestones and its meeting issues.

use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppResult, ProblemBody};
use crate::paging::{Page, Paging};
use crate::projects::{self, IssueInput, ProjectFilter, ProjectInput, ProjectView};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
        .routes(routes!(raise_issue))
        .routes(routes!(link_case))
}

/// Key projects in the caller's scope, newest first; `late=true` keeps those late on a
/// milestone (a planned date passed without the milestone).
#[utoipa::path(get, path = "/api/v1/projects", tag = "recovery", params(ProjectFilter, Paging),
    responses((status = 200, body = Page<ProjectView>)))]
async fn list(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<ProjectFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<ProjectView>>> {
    Ok(Json(projects::list(&s.db, &who, &f, p).await?))
}

/// Register a key project (`project:edit`); the firm's `key_project` flag follows.
#[utoipa::path(post, path = "/api/v1/projects", tag = "recovery", request_body = ProjectInput,
    responses((status = 201, body = ProjectView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<ProjectInput>,
) -> AppResult<(StatusCode, Json<ProjectView>)> {
    let p = projects::create(&s.db, &who, input).await?;
    let v = projects::get(&s.db, &who, p.id).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "recovery", params(("id" = i64, Path)),
    responses((status = 200, body = ProjectView)))]
async fn get(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<ProjectView>> {
    Ok(Json(projects::get(&s.db, &who, id).await?))
}

/// Replace a project's fields (`version` required; a stale one is a 409 with the current
/// project).
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "recovery", params(("id" = i64, Path)),
    request_body = ProjectInput,
    responses((status = 200, body = ProjectView),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn update(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ProjectInput>,
) -> AppResult<Json<ProjectView>> {
    projects::update(&s.db, &who, id, input).await?;
    Ok(Json(projects::get(&s.db, &who, id).await?))
}

/// Remove a project without linked cases (else 409).
#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "recovery", params(("id" = i64, Path)),
    responses((status = 204),
        (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn delete(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<StatusCode> {
    projects::delete(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Raise a problem from a major-project meeting (D5): a meeting-issue case about the
/// project's firm, linked to the project, dispatched at once when `lead_unit_id` is given.
#[utoipa::path(post, path = "/api/v1/projects/{id}/issues", tag = "recovery",
    params(("id" = i64, Path)), request_body = IssueInput,
    responses((status = 201, body = Object),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn raise_issue(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<IssueInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let c = projects::raise_issue(&s.db, &who, id, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"case_id": c.id, "number": c.number, "status": c.status})),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct LinkInput {
    #[schema(required = true, nullable = false, minimum = 1)]
    case_id: Option<i64>,
}

/// Link an existing case of the project's firm to the project.
#[utoipa::path(post, path = "/api/v1/projects/{id}/cases", tag = "recovery",
    params(("id" = i64, Path)), request_body = LinkInput,
    responses((status = 204),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn link_case(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<LinkInput>,
) -> AppResult<StatusCode> {
    let Some(case_id) = input.case_id else {
        return Err(crate::error::AppError::invalid(
            crate::error::FieldError::required("case_id", "事项", "Case"),
        ));
    };
    projects::link_case(&s.db, &who, id, case_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
