//! `/api/v1/health-reports`: employees' daily health reports (C9) — the roster form, the
//! list of a day, who has not reported, the trend, and the sheet template and import.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::duty::local_day;
use crate::error::{AppError, AppResult, FieldError, ProblemBody};
use crate::health::{
    self, HealthReportInput, HealthReportView, ImportReport, RosterPerson, SubmitResult, TrendDay,
};
use crate::i18n::Lang;
use axum::extract::FromRef;
use lianxin_kernel::http::{ApiJson, ApiQuery};
use lianxin_kernel::state::Core;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_reports, submit_reports))
        .routes(routes!(missing))
        .routes(routes!(trend))
        .routes(routes!(template))
        .routes(routes!(export))
        .routes(routes!(import))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// Default: the caller's own enterprise (an enterprise contact).
    pub enterprise_id: Option<i64>,
    /// YYYY-MM-DD (Asia/Shanghai); default today.
    pub date: Option<NaiveDate>,
}

fn day_or_today(d: Option<NaiveDate>) -> NaiveDate {
    d.unwrap_or_else(|| local_day(chrono::Utc::now()))
}

/// An enterprise's reports of a day (names shown, identity numbers masked).
#[utoipa::path(get, path = "/api/v1/health-reports", tag = "health", params(DayQuery),
    responses((status = 200, body = Vec<HealthReportView>),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn list_reports(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> AppResult<Json<Vec<HealthReportView>>> {
    Ok(Json(
        health::list(&s.db, &who, q.enterprise_id, day_or_today(q.date), lang).await?,
    ))
}

/// A roster form: the day's reports of the caller's enterprise.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct SubmitBody {
    /// YYYY-MM-DD; default today (at most 30 days back).
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub reports: Vec<HealthReportInput>,
}

/// Report for the roster (enterprise contacts): all rows or none — a bad row is a 422 whose
/// fields name it (`reports[2].temperature`). A second report of a person on the same day
/// updates the first. A fever raises one follow-up case per person and day.
#[utoipa::path(post, path = "/api/v1/health-reports", tag = "health", request_body = SubmitBody,
    responses((status = 200, body = SubmitResult),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn submit_reports(
    State(s): State<Core>,
    who: Principal,
    ApiJson(b): ApiJson<SubmitBody>,
) -> AppResult<Json<SubmitResult>> {
    Ok(Json(
        health::submit(&s.db, &who, day_or_today(b.date), b.reports).await?,
    ))
}

/// Employees on the roster without a report that day.
#[utoipa::path(get, path = "/api/v1/health-reports/missing", tag = "health", params(DayQuery),
    responses((status = 200, body = Vec<RosterPerson>),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn missing(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> AppResult<Json<Vec<RosterPerson>>> {
    let e = health::readable_enterprise(&s.db, &who, q.enterprise_id).await?;
    Ok(Json(
        health::missing(&s.db, &who, e.id, day_or_today(q.date)).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// One enterprise; default every enterprise in the caller's scope.
    pub enterprise_id: Option<i64>,
    /// 1-90, default 14.
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<i64>,
}

/// Physical and mental state over time: per day reported, roster, fevers, with symptoms,
/// mental state not good, in quarantine.
#[utoipa::path(get, path = "/api/v1/health-reports/trend", tag = "health", params(TrendQuery),
    responses((status = 200, body = Vec<TrendDay>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn trend(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> AppResult<Json<Vec<TrendDay>>> {
    Ok(Json(
        health::trend(&s.db, &who, q.enterprise_id, q.days.unwrap_or(14)).await?,
    ))
}

/// The import template (.xlsx): the caller's roster by name, drop-downs for the coded columns.
#[utoipa::path(get, path = "/api/v1/health-reports/template.xlsx", tag = "health",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn template(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    let bytes = health::template(&s.db, &who).await?;
    Ok(lianxin_kernel::sheet::file_response(
        bytes,
        lianxin_kernel::sheet::XLSX,
        &format!(
            "{}.xlsx",
            lang.pick("健康日报导入模板", "health-report-template")
        ),
    ))
}

/// A day's reports of an enterprise as .xlsx (audited).
#[utoipa::path(get, path = "/api/v1/health-reports/export.xlsx", tag = "health", params(DayQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> AppResult<Response> {
    let (name, bytes) =
        health::export(&s.db, &who, q.enterprise_id, day_or_today(q.date), lang).await?;
    Ok(lianxin_kernel::sheet::file_response(
        bytes,
        lianxin_kernel::sheet::XLSX,
        &name,
    ))
}

/// Import a day's reports from the template (multipart: `file`, optional `date`): the same
/// all-or-nothing `submit`; 422 with every bad row (sheet row numbers) and nothing stored.
#[utoipa::path(post, path = "/api/v1/health-reports/import", tag = "health",
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = ImportReport), (status = 422, description = "Every bad row (ImportReport), or a file that cannot be read (problem)", content((ImportReport = "application/json"), (ProblemBody = "application/problem+json"))),
        (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
async fn import(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let (fields, files) = lianxin_kernel::http::read_upload(mp).await?;
    let day = parse_date_field(fields.get("date").map(String::as_str))?;
    let Some(file) = files.into_iter().next() else {
        return Err(AppError::invalid(FieldError::required(
            "file",
            "导入文件",
            "file",
        )));
    };
    let report = health::import(&s.db, &who, day, &file.bytes, lang).await?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)).into_response())
}

/// A `date` text field: empty is today.
pub fn parse_date_field(v: Option<&str>) -> AppResult<NaiveDate> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(day_or_today(None)),
        Some(v) => health::parse_day(v).ok_or_else(|| {
            AppError::invalid(FieldError::new(
                "date",
                "format",
                format!("日期“{v}”应为 YYYY-MM-DD"),
                format!("date '{v}' must be YYYY-MM-DD"),
            ))
        }),
    }
}
