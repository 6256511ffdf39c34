//! `/api/v1/assistance/applications`: employment assistance (`employment:assist`), the
//! applications that claim it, district-wide, and their follow-ups.

use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::state::Core;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::assistance::{self, AssistanceFilter, AssistedApplication, FollowupInput, FollowupView};
use crate::error::{AppResult, ProblemBody};
use crate::paging::{Page, Paging};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(add_followup))
}

/// The applications whose applicants say they are employment-assistance targets,
/// district-wide (`employment:assist`), newest first, with their follow-ups.
#[utoipa::path(get, path = "/api/v1/assistance/applications", tag = "jobs",
    params(AssistanceFilter, Paging),
    responses((status = 200, body = Page<AssistedApplication>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<AssistanceFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<AssistedApplication>>> {
    Ok(Json(assistance::list(&s.db, &who, &f, p, lang).await?))
}

/// Add a follow-up note to an application that claims assistance (`employment:assist`).
#[utoipa::path(post, path = "/api/v1/assistance/applications/{id}/followups", tag = "jobs",
    params(("id" = i64, Path)), request_body = FollowupInput,
    responses((status = 201, body = FollowupView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn add_followup(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<FollowupInput>,
) -> AppResult<(StatusCode, Json<FollowupView>)> {
    let v = assistance::add_followup(&s.db, &who, id, input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}
