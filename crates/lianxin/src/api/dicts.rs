//! 字典管理 over the API: the code lists of every area with their values as the installation
//! has them (any signed-in caller: forms and filters offer them), and the administrator's
//! changes (`lianxin_kernel::dict`).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use lianxin_kernel::dict::{self, Entry, ItemInput, ListView};
use lianxin_kernel::http::ApiJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dicts))
        .routes(routes!(get_dict, add_item))
        .routes(routes!(update_item))
}

/// Every coded field's list with its values (switched-off ones included, marked), in order.
#[utoipa::path(get, path = "/api/v1/dicts", tag = "system",
    responses((status = 200, body = Vec<ListView>)))]
async fn list_dicts(_who: Principal, lang: Lang) -> Json<Vec<ListView>> {
    Json(dict::views(lang))
}

/// One list (`case.source`, `enterprise.industry`, `health.symptom`…) with its values.
#[utoipa::path(get, path = "/api/v1/dicts/{key}", tag = "system",
    params(("key" = String, Path, description = "the list's key, e.g. enterprise.industry")),
    responses((status = 200, body = ListView)))]
async fn get_dict(
    _who: Principal,
    lang: Lang,
    Path(key): Path<String>,
) -> AppResult<Json<ListView>> {
    let l = dict::list(&key).ok_or(AppError::NotFound)?;
    Ok(Json(dict::view(l, lang)))
}

/// Add a value to an open list (`system:dict:edit`; audited): labels in both languages are
/// required; `code` is given when left out. A fixed list, a taken code or a taken Chinese
/// label is a 422 and changes nothing.
#[utoipa::path(post, path = "/api/v1/dicts/{key}/items", tag = "system",
    params(("key" = String, Path, description = "the list's key")),
    request_body = ItemInput,
    responses((status = 201, body = Entry)))]
async fn add_item(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: Principal,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<ItemInput>,
) -> AppResult<(StatusCode, Json<Entry>)> {
    let e = dict::add(&state.db, &who, &key, input).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Change a value (`system:dict:edit`; audited): its labels, and in an open list its order
/// and whether it is offered. `version` is required; a stale one is a 409 with the value as
/// it stands. A fixed list's values keep their order and stay on (422).
#[utoipa::path(put, path = "/api/v1/dicts/{key}/items/{code}", tag = "system",
    params(
        ("key" = String, Path, description = "the list's key"),
        ("code" = String, Path, description = "the value's code"),
    ),
    request_body = ItemInput,
    responses((status = 200, body = Entry)))]
async fn update_item(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: Principal,
    Path((key, code)): Path<(String, String)>,
    ApiJson(input): ApiJson<ItemInput>,
) -> AppResult<Json<Entry>> {
    Ok(Json(
        dict::update(&state.db, &who, &key, &code, input).await?,
    ))
}
