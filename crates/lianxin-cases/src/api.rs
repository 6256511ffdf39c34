//! `/api/v1/cases`: raise, list, read with the timeline, act (`/actions`), to-do counts,
//! metrics; `/api/v1/case-kinds`: kinds and categories as data.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppError, AppResult, ProblemBody};
use crate::i18n::Lang;
use crate::kinds::{self, CategoryInput, CategoryView, KindInput, KindView};
use crate::metrics::{self, Metrics, MetricsQuery};
use crate::paging::Page;
use crate::paging::Paging;
use crate::service::{self, ActionInput, CaseDetail, CaseFilter, CaseInput, CaseView, TodoCount};
use axum::extract::FromRef;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::state::Core;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_cases, create_case))
        .routes(routes!(todo))
        .routes(routes!(get_metrics))
        .routes(routes!(export_metrics))
        .routes(routes!(export_cases))
        .routes(routes!(get_case))
        .routes(routes!(act))
        .routes(routes!(list_kinds, create_kind))
        .routes(routes!(update_kind))
        .routes(routes!(create_category))
}

/// Change a kind's names, time limits, who may raise it, or retire it (`active: false`).
#[utoipa::path(put, path = "/api/v1/case-kinds/{id}", tag = "cases",
    params(("id" = i64, Path, description = "kind id")), request_body = KindInput,
    responses((status = 200, body = KindView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn update_kind(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<KindInput>,
) -> AppResult<Json<KindView>> {
    let k = kinds::update_kind(&s.db, &who, id, input).await?;
    kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|v| v.id == k.id)
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Cases in the caller's data scope, newest first (overdue lists: nearest deadline first).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseFilter, Paging),
    responses((status = 200, body = Page<CaseView>)))]
async fn list_cases(
    State(s): State<Core>,
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
    State(s): State<Core>,
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
    State(s): State<Core>,
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
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ActionInput>,
) -> AppResult<Json<CaseDetail>> {
    let row = service::act(&s.db, &who, id, input, service::now()).await?;
    Ok(Json(
        service::detail_after_action(&s.db, &who, row, lang).await?,
    ))
}

/// The caller's to-do lists (待办) with their counts.
#[utoipa::path(get, path = "/api/v1/cases/todo", tag = "cases",
    responses((status = 200, body = Vec<TodoCount>)))]
async fn todo(
    State(s): State<Core>,
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
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> AppResult<Json<Metrics>> {
    Ok(Json(
        metrics::compute(&s.db, &who, &q, lang, service::now()).await?,
    ))
}

/// The cases the list's filter shows (a to-do `bucket`, `overdue`, the ticked `ids`…) as an
/// .xlsx, in the list's order (`sort`, `order`), with names and labels rather than codes.
#[utoipa::path(get, path = "/api/v1/cases/export.xlsx", tag = "cases", params(CaseFilter),
    responses((status = 200, description = "the cases as an .xlsx sheet",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn export_cases(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<CaseFilter>,
) -> AppResult<Response> {
    let title = if f.overdue == Some(true) || f.bucket == Some(service::Bucket::Overdue) {
        lang.pick("超期督办", "Overdue cases")
    } else {
        lang.pick("事项", "Cases")
    };
    crate::export::export(&s.db, &who, &f, lang, title).await
}

/// The metrics as an .xlsx sheet.
#[utoipa::path(get, path = "/api/v1/cases/metrics.xlsx", tag = "cases", params(MetricsQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export_metrics(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> AppResult<Response> {
    metrics_xlsx(&s, &who, lang, &q).await
}

pub async fn metrics_xlsx(
    s: &Core,
    who: &Principal,
    lang: Lang,
    q: &MetricsQuery,
) -> AppResult<Response> {
    let m = metrics::compute(&s.db, who, q, lang, service::now()).await?;
    let bytes = metrics::to_xlsx(&m, lang).map_err(AppError::internal)?;
    crate::audit::record_event(
        &s.db,
        who,
        crate::audit::Action::Export,
        "case_metrics",
        None,
        m.group_by.code(),
        crate::audit::Event::new("case_metrics.export", serde_json::json!({})),
    )
    .await?;
    let date = service::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y%m%d");
    Ok(lianxin_kernel::sheet::file_response(
        bytes,
        lianxin_kernel::sheet::XLSX,
        &format!("{}-{date}.xlsx", lang.pick("事项办理统计", "case-metrics")),
    ))
}

/// Case kinds with their categories and time limits.
#[utoipa::path(get, path = "/api/v1/case-kinds", tag = "cases",
    responses((status = 200, body = Vec<KindView>)))]
async fn list_kinds(State(s): State<Core>, _who: Principal) -> AppResult<Json<Vec<KindView>>> {
    Ok(Json(kinds::list(&s.db).await?))
}

/// A new kind of case (permission `case:kinds`): no code change needed.
#[utoipa::path(post, path = "/api/v1/case-kinds", tag = "cases", request_body = KindInput,
    responses((status = 201, body = KindView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_kind(
    State(s): State<Core>,
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
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<CategoryInput>,
) -> AppResult<(StatusCode, Json<CategoryView>)> {
    let c = kinds::create_category(&s.db, &who, id, input).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

// --- inspections, bulletins, api keys ------------------------------------------------------------

pub fn supervision_router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_inspections, create_inspection))
        .routes(routes!(export_inspections))
        .routes(routes!(get_inspection))
        .routes(routes!(list_bulletins, create_bulletin))
        .routes(routes!(export_bulletins))
        .routes(routes!(get_bulletin, update_bulletin, delete_bulletin))
        .routes(routes!(issue_bulletin))
        .routes(routes!(bulletin_docx))
        .routes(routes!(bulletin_xlsx))
        .routes(routes!(get_pattern, set_pattern))
        .routes(routes!(list_api_clients, create_api_client))
        .routes(routes!(get_intake_unit, set_intake_unit))
        .routes(routes!(attach_to_case))
        .routes(routes!(attach_to_inspection))
        .routes(routes!(get_attachment))
}

/// A multipart upload to a case: `file` (one or more, at most 10 of 10 MB), the case's
/// `version` and an optional `note`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    version: i32,
    note: Option<String>,
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A multipart upload to an inspection's record: `file` (one or more, at most 10 of 10 MB).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct InspectionUploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Add files to a case (an `attach` event in its timeline; `version` as for actions).
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = CaseDetail),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn attach_to_case(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<Json<CaseDetail>> {
    let (fields, files) = lianxin_kernel::http::read_upload(mp).await?;
    let version = match fields.get("version").map(|v| v.trim()) {
        None | Some("") => None,
        Some(v) => Some(v.parse::<i32>().map_err(|_| {
            AppError::invalid(crate::error::FieldError::new(
                "version",
                "format",
                "版本号必须是整数",
                "version must be a whole number",
            ))
        })?),
    };
    let row = service::attach(
        &s.db,
        &who,
        id,
        version,
        fields.get("note").cloned(),
        files,
        service::now(),
    )
    .await?;
    Ok(Json(
        service::detail_after_action(&s.db, &who, row, lang).await?,
    ))
}

/// Add files to an inspection's record.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/attachments", tag = "supervision",
    params(("id" = i64, Path, description = "inspection id")),
    request_body(content = InspectionUploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = InspectionView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn attach_to_inspection(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<Json<InspectionView>> {
    let (_, files) = lianxin_kernel::http::read_upload(mp).await?;
    crate::attachments::attach_to_inspection(&s.db, &who, id, files, service::now()).await?;
    Ok(Json(inspections::get(&s.db, &who, id, lang).await?))
}

/// Download an attachment (404 unless the caller sees its case or inspection).
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "cases",
    params(("id" = i64, Path, description = "attachment id")),
    responses((status = 200, description = "the file: its own type when an image or a PDF, else a download of bytes",
            content(("application/octet-stream"), ("image/png"), ("image/jpeg"), ("image/gif"), ("image/webp"), ("application/pdf"))),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_attachment(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    attachment_response(&s, &who, id).await
}

pub async fn attachment_response(s: &Core, who: &Principal, id: i64) -> AppResult<Response> {
    let (a, bytes) = crate::attachments::download(&s.db, who, id).await?;
    Ok(lianxin_kernel::sheet::uploaded_file_response(
        bytes,
        &a.content_type,
        &a.filename,
    ))
}

use crate::access::apikeys::{self, ApiClientView};
use crate::bulletins::{self, BulletinFilter, BulletinInput, BulletinView};
use crate::inspections::{self, InspectionFilter, InspectionInput, InspectionView};

/// Inspections visible to the caller (by the group or the inspected unit), newest first or
/// in the order asked for (`sort`, `order`).
#[utoipa::path(get, path = "/api/v1/inspections", tag = "supervision", params(InspectionFilter, Paging),
    responses((status = 200, body = Page<InspectionView>)))]
async fn list_inspections(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<InspectionFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<InspectionView>>> {
    Ok(Json(inspections::list(&s.db, &who, &f, p, lang).await?))
}

/// The inspections the list shows (or the ticked `ids`) as an .xlsx, in the list's order
/// (`sort`, `order`), with units' names and methods' labels.
#[utoipa::path(get, path = "/api/v1/inspections/export.xlsx", tag = "supervision", params(InspectionFilter),
    responses((status = 200, description = "the inspections as an .xlsx sheet",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn export_inspections(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<InspectionFilter>,
) -> AppResult<axum::response::Response> {
    inspections::export(&s.db, &who, &f, lang).await
}

/// Record an inspection (group, date, place, unit inspected, methods, attendees) with its
/// findings; a finding with `lead_unit_id` is handed over on the spot (现场交办).
#[utoipa::path(post, path = "/api/v1/inspections", tag = "supervision", request_body = InspectionInput,
    responses((status = 201, body = InspectionView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_inspection(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiJson(input): ApiJson<InspectionInput>,
) -> AppResult<(StatusCode, Json<InspectionView>)> {
    let row = inspections::create(&s.db, &who, input, service::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(inspections::get(&s.db, &who, row.id, lang).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "supervision",
    params(("id" = i64, Path, description = "inspection id")),
    responses((status = 200, body = InspectionView)))]
async fn get_inspection(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Json<InspectionView>> {
    Ok(Json(inspections::get(&s.db, &who, id, lang).await?))
}

/// Bulletins: drafts for editors, issued ones for everyone who works on cases; newest first
/// or in the order asked for (`sort`, `order`).
#[utoipa::path(get, path = "/api/v1/bulletins", tag = "supervision", params(BulletinFilter, Paging),
    responses((status = 200, body = Page<BulletinView>)))]
async fn list_bulletins(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<BulletinFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<BulletinView>>> {
    Ok(Json(bulletins::list(&s.db, &who, &f, p, lang).await?))
}

/// The bulletins the list shows (or the ticked `ids`) as an .xlsx, in the list's order
/// (`sort`, `order`), with labels and names rather than codes.
#[utoipa::path(get, path = "/api/v1/bulletins/export.xlsx", tag = "supervision", params(BulletinFilter),
    responses((status = 200, description = "the bulletins as an .xlsx sheet",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn export_bulletins(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<BulletinFilter>,
) -> AppResult<axum::response::Response> {
    bulletins::export(&s.db, &who, &f, lang).await
}

/// A draft bulletin (通报批评 or 情况通报) about cases and units.
#[utoipa::path(post, path = "/api/v1/bulletins", tag = "supervision", request_body = BulletinInput,
    responses((status = 201, body = BulletinView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_bulletin(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiJson(input): ApiJson<BulletinInput>,
) -> AppResult<(StatusCode, Json<BulletinView>)> {
    let b = bulletins::create(&s.db, &who, input, service::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(bulletins::get(&s.db, &who, b.id, lang).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/bulletins/{id}", tag = "supervision",
    params(("id" = i64, Path, description = "bulletin id")),
    responses((status = 200, body = BulletinView)))]
async fn get_bulletin(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Json<BulletinView>> {
    Ok(Json(bulletins::get(&s.db, &who, id, lang).await?))
}

/// Replace a draft (with the `version` you edited); an issued bulletin answers 409.
#[utoipa::path(put, path = "/api/v1/bulletins/{id}", tag = "supervision",
    params(("id" = i64, Path, description = "bulletin id")), request_body = BulletinInput,
    responses((status = 200, body = BulletinView),
        (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn update_bulletin(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<BulletinInput>,
) -> AppResult<Json<BulletinView>> {
    bulletins::update(&s.db, &who, id, input, service::now()).await?;
    Ok(Json(bulletins::get(&s.db, &who, id, lang).await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub struct VersionParam {
    pub version: Option<i32>,
}

/// Delete a draft.
#[utoipa::path(delete, path = "/api/v1/bulletins/{id}", tag = "supervision",
    params(("id" = i64, Path, description = "bulletin id"), VersionParam),
    responses((status = 204)))]
async fn delete_bulletin(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiQuery(v): ApiQuery<VersionParam>,
) -> AppResult<StatusCode> {
    bulletins::delete(&s.db, &who, id, v.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issue a draft: it gets the year's next number and can no longer be edited.
#[utoipa::path(post, path = "/api/v1/bulletins/{id}/issue", tag = "supervision",
    params(("id" = i64, Path, description = "bulletin id")), request_body = VersionParam,
    responses((status = 200, body = BulletinView),
        (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn issue_bulletin(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ApiJson(v): ApiJson<VersionParam>,
) -> AppResult<Json<BulletinView>> {
    bulletins::issue(&s.db, &who, id, v.version, service::now()).await?;
    Ok(Json(bulletins::get(&s.db, &who, id, lang).await?))
}

/// The bulletin as a Word document.
#[utoipa::path(get, path = "/api/v1/bulletins/{id}/export.docx", tag = "supervision",
    params(("id" = i64, Path, description = "bulletin id")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")))]
async fn bulletin_docx(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    bulletin_file(&s, &who, lang, id, true).await
}

/// The bulletin's units and cases as a spreadsheet.
#[utoipa::path(get, path = "/api/v1/bulletins/{id}/export.xlsx", tag = "supervision",
    params(("id" = i64, Path, description = "bulletin id")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn bulletin_xlsx(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    bulletin_file(&s, &who, lang, id, false).await
}

pub async fn bulletin_file(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    docx: bool,
) -> AppResult<Response> {
    let b = bulletins::get(&s.db, who, id, lang).await?;
    let name = b.number.clone().unwrap_or_else(|| format!("通报草稿-{id}"));
    crate::audit::record(
        &s.db,
        who,
        crate::audit::Action::Export,
        "bulletin",
        Some(id),
        name.clone(),
    )
    .await?;
    Ok(if docx {
        lianxin_kernel::sheet::file_response(
            bulletins::to_docx(&b)?,
            lianxin_kernel::sheet::DOCX,
            &format!("{name}.docx"),
        )
    } else {
        let bytes = bulletins::to_xlsx(&b).map_err(AppError::internal)?;
        lianxin_kernel::sheet::file_response(
            bytes,
            lianxin_kernel::sheet::XLSX,
            &format!("{name}.xlsx"),
        )
    })
}

#[derive(serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct PatternBody {
    /// e.g. 上街督〔{year}〕{seq}号
    pub pattern: Option<String>,
}

/// The numbering pattern of bulletins.
#[utoipa::path(get, path = "/api/v1/bulletins/number-pattern", tag = "supervision",
    responses((status = 200, body = PatternBody)))]
async fn get_pattern(State(s): State<Core>, _who: Principal) -> AppResult<Json<PatternBody>> {
    Ok(Json(PatternBody {
        pattern: Some(bulletins::number_pattern(&s.db).await?),
    }))
}

/// Change the numbering pattern (must contain `{seq}`; `{year}` optional).
#[utoipa::path(put, path = "/api/v1/bulletins/number-pattern", tag = "supervision", request_body = PatternBody,
    responses((status = 200, body = PatternBody),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn set_pattern(
    State(s): State<Core>,
    who: Principal,
    ApiJson(b): ApiJson<PatternBody>,
) -> AppResult<Json<PatternBody>> {
    bulletins::set_number_pattern(&s.db, &who, b.pattern.as_deref().unwrap_or("")).await?;
    Ok(Json(PatternBody {
        pattern: Some(bulletins::number_pattern(&s.db).await?),
    }))
}

/// The unit that receives Open311 appeals for enterprises not in the registry.
#[derive(serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct IntakeUnit {
    #[schema(required = true, nullable = false, minimum = 1)]
    pub unit_id: Option<i64>,
    /// The unit's name (in answers).
    #[serde(default, skip_deserializing)]
    pub unit_name: Option<String>,
}

/// Where an Open311 appeal for an enterprise not in the registry is filed until its enterprise
/// is linked (the district unless named).
#[utoipa::path(get, path = "/api/v1/open311/intake-unit", tag = "system",
    responses((status = 200, body = IntakeUnit)))]
async fn get_intake_unit(State(s): State<Core>, who: Principal) -> AppResult<Json<IntakeUnit>> {
    who.require(crate::perm::CASE_KINDS)?;
    let u = crate::open311::intake_unit(&s.db).await?;
    Ok(Json(IntakeUnit {
        unit_id: Some(u.id),
        unit_name: Some(u.name),
    }))
}

/// Name the intake unit (audited).
#[utoipa::path(put, path = "/api/v1/open311/intake-unit", tag = "system", request_body = IntakeUnit,
    responses((status = 200, body = IntakeUnit)))]
async fn set_intake_unit(
    State(s): State<Core>,
    who: Principal,
    ApiJson(b): ApiJson<IntakeUnit>,
) -> AppResult<Json<IntakeUnit>> {
    let u = crate::open311::set_intake_unit(&s.db, &who, b.unit_id).await?;
    Ok(Json(IntakeUnit {
        unit_id: Some(u.id),
        unit_name: Some(u.name),
    }))
}

/// Open311 client apps.
#[utoipa::path(get, path = "/api/v1/api-clients", tag = "system",
    responses((status = 200, body = Vec<ApiClientView>)))]
async fn list_api_clients(
    State(s): State<Core>,
    who: Principal,
) -> AppResult<Json<Vec<ApiClientView>>> {
    Ok(Json(
        apikeys::list(&s.db, &who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewClient {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"\S"
    )]
    pub name: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IssuedKey {
    pub client: ApiClientView,
    /// Shown this once; only its hash is stored.
    pub api_key: String,
}

/// Issue an api_key for a client app (the same as `lianxin apikey add`).
#[utoipa::path(post, path = "/api/v1/api-clients", tag = "system", request_body = NewClient,
    responses((status = 201, body = IssuedKey)))]
async fn create_api_client(
    State(s): State<Core>,
    who: Principal,
    ApiJson(b): ApiJson<NewClient>,
) -> AppResult<(StatusCode, Json<IssuedKey>)> {
    let (m, key) = apikeys::add(&s.db, &who, b.name.as_deref().unwrap_or("")).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKey {
            client: m.into(),
            api_key: key,
        }),
    ))
}
