//! `/api/v1/visits`: 三送一强 visits, their photos, the monthly visit report and the cadres'
//! reasons; `/api/v1/enterprises/{id}/burden` and `…/figure-requests`: the burden on the firm.

use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::state::Core;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::cases::attachments::AttachmentView;
use crate::error::{AppResult, ProblemBody};
use crate::paging::{Page, Paging};
use crate::visits::{
    self, Burden, DutyReport, ExcuseInput, FigureRequestInput, Recorded, VisitFilter, VisitInput,
    VisitView,
};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list, record))
        .routes(routes!(report))
        .routes(routes!(excuse))
        .routes(routes!(get))
        .routes(routes!(attach))
        .routes(routes!(burden))
        .routes(routes!(request_figures))
}

/// Visits in the caller's scope (their firm visible), the latest first.
#[utoipa::path(get, path = "/api/v1/visits", tag = "recovery", params(VisitFilter, Paging),
    responses((status = 200, body = Page<VisitView>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<VisitFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<VisitView>>> {
    Ok(Json(visits::list(&s.db, &who, &f, p, lang).await?))
}

/// Record a 三送一强 visit (`visit:record`). Each problem becomes an enterprise appeal in the
/// same transaction (dispatched at once to `lead_unit_id`: 现场交办, whatever the caller's
/// other rights), or is linked to an open appeal of the firm in the same category; a problem
/// without a category is never linked. A firm that already had its monthly cap of visits
/// yields a `warnings` entry `{code: "visit_cap", message_zh, message_en}`; the visit is
/// recorded all the same. A bad problem refuses the whole visit (422 naming
/// `problems[i].field`): nothing is written.
#[utoipa::path(post, path = "/api/v1/visits", tag = "recovery", request_body = VisitInput,
    responses((status = 201, body = Recorded),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn record(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<VisitInput>,
) -> AppResult<(StatusCode, Json<Recorded>)> {
    Ok((
        StatusCode::CREATED,
        Json(visits::record(&s.db, &who, input).await?),
    ))
}

/// A visit with its visitors' names, what was delivered, and its problems with their case
/// number and status.
#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "recovery", params(("id" = i64, Path)),
    responses((status = 200, body = VisitView)))]
async fn get(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Json<VisitView>> {
    Ok(Json(visits::get(&s.db, &who, id, lang).await?))
}

/// A multipart upload of a visit's photos: `file` (one or more, at most 10 of 10 MB).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct VisitUploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Add photos to a visit (`visit:record`); the answer lists all its photos, each downloaded
/// from `/api/v1/attachments/{id}`.
#[utoipa::path(post, path = "/api/v1/visits/{id}/attachments", tag = "recovery",
    params(("id" = i64, Path)),
    request_body(content = VisitUploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Vec<AttachmentView>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn attach(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<(StatusCode, Json<Vec<AttachmentView>>)> {
    let (_, files) = lianxin_kernel::http::read_upload(mp).await?;
    visits::attach(&s.db, &who, id, files).await?;
    Ok((StatusCode::CREATED, Json(visits::photos(&s.db, id).await?)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MonthQuery {
    /// YYYY-MM (Asia/Shanghai); this month by default.
    month: Option<String>,
}

/// The monthly visit report (`visit:list`): per cadre (paired with a firm in scope, or who
/// visited one that month) visits, firms covered, problems raised and solved (closed after a
/// revisit that found them solved), below the plan or not and the stated reason; per unit
/// the same sums.
#[utoipa::path(get, path = "/api/v1/visits/report", tag = "recovery", params(MonthQuery),
    responses((status = 200, body = DutyReport),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn report(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> AppResult<Json<DutyReport>> {
    let month = visits::parse_month("month", q.month.as_deref())?;
    Ok(Json(visits::report(&s.db, &who, month).await?))
}

/// Record a cadre's reason for a month below the plan: the cadre for themself, or a holder of
/// `pairing:edit` for a cadre in scope. A second reason for the month replaces the first.
#[utoipa::path(put, path = "/api/v1/visits/excuses", tag = "recovery", request_body = ExcuseInput,
    responses((status = 200, body = Object),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn excuse(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<ExcuseInput>,
) -> AppResult<Json<serde_json::Value>> {
    let e = visits::excuse(&s.db, &who, input).await?;
    Ok(Json(serde_json::json!({
        "id": e.id,
        "person_id": e.person_id,
        "month": e.month.format("%Y-%m").to_string(),
        "reason": e.reason,
    })))
}

/// The burden on the firm this month (`visit:list`): its visits and the units' requests for
/// figures, and the figures it already reported (its latest stage report).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/burden", tag = "recovery",
    params(("id" = i64, Path), MonthQuery),
    responses((status = 200, body = Burden),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn burden(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> AppResult<Json<Burden>> {
    let month = visits::parse_month("month", q.month.as_deref())?;
    Ok(Json(visits::burden(&s.db, &who, id, month, lang).await?))
}

/// Record a request for figures the caller's unit made of the firm (`visit:record`).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/figure-requests", tag = "recovery",
    params(("id" = i64, Path)), request_body = FigureRequestInput,
    responses((status = 201, body = Object),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn request_figures(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<FigureRequestInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let r = visits::request_figures(&s.db, &who, id, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "id": r.id,
            "enterprise_id": r.enterprise_id,
            "unit_id": r.unit_id,
            "subject": r.subject,
            "asked_on": r.asked_on,
        })),
    ))
}
