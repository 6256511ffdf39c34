//! `/api/v1/cases`: raise, list, read with the timeline, act (`/actions`), to-do counts,
//! metrics; `/api/v1/case-kinds`: kinds and categories as data.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ApiJson, ApiQuery, IdPath};
use crate::access::Principal;
use crate::app::AppState;
use crate::cases::kinds::{self, CategoryInput, CategoryView, KindInput, KindView};
use crate::cases::metrics::{self, Metrics, MetricsQuery};
use crate::cases::service::{
    self, ActionInput, CaseDetail, CaseFilter, CaseInput, CaseView, TodoCount,
};
use crate::error::{AppError, AppResult, ProblemBody};
use crate::i18n::Lang;
use crate::registries::{Page, Paging};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, create_case))
        .routes(routes!(todo))
        .routes(routes!(get_metrics))
        .routes(routes!(export_metrics))
        .routes(routes!(get_case))
        .routes(routes!(act))
        .routes(routes!(list_kinds, create_kind))
        .routes(routes!(create_category))
}

/// Cases in the caller's data scope, newest first (overdue lists: nearest deadline first).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseFilter, Paging),
    responses((status = 200, body = Page<CaseView>)))]
async fn list_cases(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<CaseFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<CaseView>>> {
    let page = service::list(&s.db, &who, &f, p).await?;
    Ok(Json(Page {
        items: service::views(&s.db, page.items, lang).await?,
        total: page.total,
    }))
}

/// Raise a case; with `dispatch` it is handed over on the spot (现场交办).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = CaseDetail),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_case(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ApiJson(input): ApiJson<CaseInput>,
) -> AppResult<(StatusCode, Json<CaseDetail>)> {
    let row = service::create(&s.db, &who, input, service::now()).await?;
    let d = service::detail(&s.db, &who, row.id, lang).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// The case, its departments and its timeline.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = CaseDetail),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_case(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Json<CaseDetail>> {
    Ok(Json(service::detail(&s.db, &who, id, lang).await?))
}

/// One action on a case, with the `version` the caller saw. 409 (with `current`, the case as
/// it stands) when the version is stale or the current state does not allow the action.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases",
    params(("id" = i64, Path, description = "case id")), request_body = ActionInput,
    responses((status = 200, body = CaseDetail),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn act(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ActionInput>,
) -> AppResult<Json<CaseDetail>> {
    let row = service::act(&s.db, &who, id, input, service::now()).await?;
    Ok(Json(service::detail_after_action(&s.db, row, lang).await?))
}

/// The caller's to-do lists (待办) with their counts.
#[utoipa::path(get, path = "/api/v1/cases/todo", tag = "cases",
    responses((status = 200, body = Vec<TodoCount>)))]
async fn todo(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
) -> AppResult<Json<Vec<TodoCount>>> {
    Ok(Json(service::todo_counts(&s.db, &who, lang).await?))
}

/// Received, response rate, on-time resolution rate (open cases past their deadline count as
/// late), overdue now, revisit, satisfaction, re-handling and return rates, handling days;
/// per lead department (with the red/black ranking), unit concerned, kind, cadre or month.
#[utoipa::path(get, path = "/api/v1/cases/metrics", tag = "cases", params(MetricsQuery),
    responses((status = 200, body = Metrics)))]
async fn get_metrics(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> AppResult<Json<Metrics>> {
    Ok(Json(
        metrics::compute(&s.db, &who, &q, lang, service::now()).await?,
    ))
}

/// The metrics as an .xlsx sheet.
#[utoipa::path(get, path = "/api/v1/cases/metrics.xlsx", tag = "cases", params(MetricsQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export_metrics(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> AppResult<Response> {
    metrics_xlsx(&s, &who, lang, &q).await
}

pub async fn metrics_xlsx(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    q: &MetricsQuery,
) -> AppResult<Response> {
    let m = metrics::compute(&s.db, who, q, lang, service::now()).await?;
    let bytes = metrics::to_xlsx(&m, lang).map_err(AppError::internal)?;
    crate::audit::record(
        &s.db,
        who,
        crate::audit::Action::Export,
        "case_metrics",
        None,
        m.group_by.code(),
    )
    .await?;
    let date = service::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y%m%d");
    Ok(crate::exchange::file_response(
        bytes,
        crate::exchange::XLSX,
        &format!("{}-{date}.xlsx", lang.pick("事项办理统计", "case-metrics")),
    ))
}

/// Case kinds with their categories and time limits.
#[utoipa::path(get, path = "/api/v1/case-kinds", tag = "cases",
    responses((status = 200, body = Vec<KindView>)))]
async fn list_kinds(State(s): State<AppState>, _who: Principal) -> AppResult<Json<Vec<KindView>>> {
    Ok(Json(kinds::list(&s.db).await?))
}

/// A new kind of case (permission `case:kinds`): no code change needed.
#[utoipa::path(post, path = "/api/v1/case-kinds", tag = "cases", request_body = KindInput,
    responses((status = 201, body = KindView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_kind(
    State(s): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<KindInput>,
) -> AppResult<(StatusCode, Json<KindView>)> {
    let k = kinds::create_kind(&s.db, &who, input).await?;
    let view = kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|v| v.id == k.id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A new category of a kind.
#[utoipa::path(post, path = "/api/v1/case-kinds/{id}/categories", tag = "cases",
    params(("id" = i64, Path, description = "kind id")), request_body = CategoryInput,
    responses((status = 201, body = CategoryView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_category(
    State(s): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<CategoryInput>,
) -> AppResult<(StatusCode, Json<CategoryView>)> {
    let c = kinds::create_category(&s.db, &who, id, input).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}
