//! `/api/v1/teams`: task forces and service teams, their members and stationed firms.

use axum::Json;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppError, AppResult, FieldError, ProblemBody};
use crate::paging::{Page, Paging};
use crate::teams::{self, MemberInput, TeamFilter, TeamRow, TeamView};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(station))
}

/// Task forces (行业服务专班) and Party-member service teams (党员服务队) in scope, with their
/// counts of members, stationed firms and key projects.
#[utoipa::path(get, path = "/api/v1/teams", tag = "recovery", params(TeamFilter, Paging),
    responses((status = 200, body = Page<TeamRow>)))]
async fn list(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<TeamFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<TeamRow>>> {
    Ok(Json(teams::list(&s.db, &who, &f, p).await?))
}

/// A team: its members, its firms (with their open cases and latest stage) and its projects.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "recovery", params(("id" = i64, Path)),
    responses((status = 200, body = TeamView)))]
async fn get(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<TeamView>> {
    Ok(Json(teams::get(&s.db, &who, id).await?))
}

/// Add a member (`pairing:edit`).
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "recovery",
    params(("id" = i64, Path)), request_body = MemberInput,
    responses((status = 201, body = TeamView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn add_member(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<MemberInput>,
) -> AppResult<(StatusCode, Json<TeamView>)> {
    teams::add_member(&s.db, &who, id, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(teams::get(&s.db, &who, id).await?),
    ))
}

/// End a membership today (`pairing:edit`).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{person_id}", tag = "recovery",
    params(("id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204)))]
async fn remove_member(
    State(s): State<Core>,
    who: Principal,
    Path((id, person_id)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    teams::remove_member(&s.db, &who, id, person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct StationInput {
    /// The firms the team is stationed with (驻企); each firm's record changes.
    #[schema(required = true, nullable = false, min_items = 1, max_items = 500)]
    enterprise_ids: Option<Vec<i64>>,
}

/// Station the team with firms (`pairing:edit`): the firms' `service_team_id`.
#[utoipa::path(post, path = "/api/v1/teams/{id}/firms", tag = "recovery",
    params(("id" = i64, Path)), request_body = StationInput,
    responses((status = 200, body = TeamView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn station(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<StationInput>,
) -> AppResult<Json<TeamView>> {
    let ids = input.enterprise_ids.unwrap_or_default();
    if ids.is_empty() || ids.len() > 500 {
        return Err(AppError::invalid(FieldError::new(
            "enterprise_ids",
            "range",
            "请选择 1 到 500 家企业",
            "name 1 to 500 enterprises",
        )));
    }
    teams::station(&s.db, &who, id, &ids).await?;
    Ok(Json(teams::get(&s.db, &who, id).await?))
}
