//! `/api/v1/enterprises/{id}/stages`: a firm's resumption stages, reported by its contact and
//! confirmed by a paired cadre.

use axum::Json;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use lianxin_kernel::http::{ApiJson, IdPath};
use lianxin_kernel::state::Core;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppError, AppResult, ProblemBody};
use crate::i18n::Lang;
use crate::stages::{self, ConfirmInput, ReportInput, StageView};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(history, report))
        .routes(routes!(confirm))
}

/// The firm's stage history, newest first, with labels (an enterprise contact: their own
/// firm only).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/stages", tag = "recovery",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<StageView>)))]
async fn history(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Json<Vec<StageView>>> {
    let rows = stages::history(&s.db, &who, id).await?;
    Ok(Json(rows.iter().map(|r| stages::view(r, lang)).collect()))
}

/// Report the firm's figures (`stage:report`; an enterprise contact for their own firm): the
/// answer carries the stage the figures suggest under the district's thresholds and whether
/// the reported stage contradicts them.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/stages", tag = "recovery",
    params(("id" = i64, Path)), request_body = ReportInput,
    responses((status = 201, body = StageView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn report(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<(StatusCode, Json<StageView>)> {
    let r = stages::report(&s.db, &who, id, input).await?;
    Ok((StatusCode::CREATED, Json(stages::view(&r, lang))))
}

/// Confirm a report (`stage:confirm`, a cadre paired with the firm, else 403): the stage given,
/// else the reported one, else the suggested one. A second confirmation is a 409.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/stages/{stage_id}/confirm", tag = "recovery",
    params(("id" = i64, Path), ("stage_id" = i64, Path)), request_body = ConfirmInput,
    responses((status = 200, body = StageView),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn confirm(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<(i64, i64)>, axum::extract::rejection::PathRejection>,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> AppResult<Json<StageView>> {
    let Ok(Path((id, stage_id))) = path else {
        return Err(AppError::NotFound);
    };
    let r = stages::confirm(&s.db, &who, id, stage_id, input).await?;
    Ok(Json(stages::view(&r, lang)))
}
