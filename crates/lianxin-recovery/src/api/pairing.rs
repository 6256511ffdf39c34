//! `/api/v1/enterprises/{id}/pairing` and `/api/v1/pairing/*`: 三对一 pairing, its gaps and
//! the caller's own paired firms.

use axum::Json;
use axum::extract::{FromRef, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::sheet::{ImportReport, file_response, read_upload};
use lianxin_kernel::state::Core;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppResult, ProblemBody};
use crate::paging::{Page, Paging};
use crate::pairing::{self, Gap, MyFirm, PairingInput, PairingView};
use crate::pairing_sheet;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(get, set))
        .routes(routes!(gaps))
        .routes(routes!(mine))
        .routes(routes!(import))
        .routes(routes!(template))
}

/// Pair firms in bulk from a sheet (`pairing:edit`): a multipart upload with a `file` (.xlsx or
/// .csv; columns 统一社会信用代码, 分包领导身份证号, 党建指导员身份证号, 服务专员身份证号,
/// 起始日期; an empty cadre cell keeps the role, `无` clears it). 422 with every bad row, and
/// nothing imported, unless the whole sheet is valid.
#[utoipa::path(post, path = "/api/v1/pairing/import", tag = "recovery",
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = ImportReport), (status = 422, description = "Every bad row (ImportReport), or a file that cannot be read (problem)", content((ImportReport = "application/json"), (ProblemBody = "application/problem+json")))))]
async fn import(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    mp: Multipart,
) -> AppResult<Response> {
    who.require(crate::perm::PAIRING_EDIT)?;
    let (name, bytes, _) = read_upload(mp).await?;
    let report = pairing_sheet::import(&s.db, &who, &name, bytes, pairing::today())
        .await?
        .localize(lang);
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)).into_response())
}

/// The pairing sheet's template (.xlsx).
#[utoipa::path(get, path = "/api/v1/pairing/template", tag = "recovery",
    responses((status = 200, description = "the template",
        content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
async fn template(who: Principal) -> AppResult<Response> {
    who.require(crate::perm::PAIRING_EDIT)?;
    Ok(file_response(
        pairing_sheet::template()?,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "三对一包联导入模板.xlsx",
    ))
}

/// A firm's 三对一 pairing: the three roles in force and the history (`pairing:list`).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/pairing", tag = "recovery",
    params(("id" = i64, Path)), responses((status = 200, body = PairingView)))]
async fn get(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<PairingView>> {
    Ok(Json(pairing::get(&s.db, &who, id).await?))
}

/// Change a firm's pairing from a date (`pairing:edit`): a person id sets a role, `null`
/// clears it, an omitted field keeps it; each person must be a cadre.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/pairing", tag = "recovery",
    params(("id" = i64, Path)), request_body = PairingInput,
    responses((status = 200, body = PairingView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn set(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<PairingInput>,
) -> AppResult<Json<PairingView>> {
    Ok(Json(
        pairing::set(&s.db, &who, id, input, pairing::today()).await?,
    ))
}

/// Firms in scope missing any of the three roles, by id (`pairing:list`).
#[utoipa::path(get, path = "/api/v1/pairing/gaps", tag = "recovery", params(Paging),
    responses((status = 200, body = Page<Gap>)))]
async fn gaps(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<Gap>>> {
    Ok(Json(pairing::gaps(&s.db, &who, p).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Mine {
    items: Vec<MyFirm>,
    total: u64,
}

/// The firms paired with the caller's person, with the caller's roles and each firm's open
/// appeals (empty for a login not linked to a person).
#[utoipa::path(get, path = "/api/v1/pairing/mine", tag = "recovery",
    responses((status = 200, body = Mine)))]
async fn mine(State(s): State<Core>, who: Principal) -> AppResult<Json<Mine>> {
    let items = pairing::mine(&s.db, &who).await?;
    Ok(Json(Mine {
        total: items.len() as u64,
        items,
    }))
}
