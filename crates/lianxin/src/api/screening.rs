//! `/api/v1/checkpoints`, `/api/v1/devices`, `/api/v1/passages`, `/api/v1/screening/contacts`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ApiJson, ApiQuery};
use crate::access::Principal;
use crate::app::AppState;
use crate::error::{AppError, AppResult, FieldError, ProblemBody};
use crate::i18n::Lang;
use crate::registries::{Page, Paging};
use crate::screening::checkpoints::{self, CheckpointInput, CheckpointView, DeviceInput};
use crate::screening::passages::{
    self, Contact, ContactsQuery, IngestResult, PassageFilter, PassageInput, PassageView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_checkpoints, create_checkpoint))
        .routes(routes!(create_device))
        .routes(routes!(list_passages, post_passages))
        .routes(routes!(contacts))
        .routes(routes!(contacts_export))
        .routes(routes!(list_disinfections, create_disinfection))
        .routes(routes!(get_settings, put_settings))
}

use crate::screening::disinfections::{self, DisinfectionInput, DisinfectionView};
use crate::screening::privacy::{self, ScreeningSettings};

/// Disinfection logs (消杀) in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/disinfections", tag = "screening", params(Paging),
    responses((status = 200, body = Page<DisinfectionView>)))]
async fn list_disinfections(
    State(s): State<AppState>,
    who: Principal,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<DisinfectionView>>> {
    Ok(Json(disinfections::list(&s.db, &who, p).await?))
}

/// Record a disinfection: `unit_id`, `place`, `agent`, `person`; `at` defaults to now.
#[utoipa::path(post, path = "/api/v1/disinfections", tag = "screening", request_body = DisinfectionInput,
    responses((status = 201, body = Object),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_disinfection(
    State(s): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<DisinfectionInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let d = disinfections::create(&s.db, &who, input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": d.id}))))
}

/// The fever threshold and the retention of passages.
#[utoipa::path(get, path = "/api/v1/screening/settings", tag = "screening",
    responses((status = 200, body = ScreeningSettings)))]
async fn get_settings(
    State(s): State<AppState>,
    _who: Principal,
) -> AppResult<Json<ScreeningSettings>> {
    Ok(Json(privacy::settings_of(&s.db).await?))
}

/// Change them (administrators).
#[utoipa::path(put, path = "/api/v1/screening/settings", tag = "screening", request_body = ScreeningSettings,
    responses((status = 200, body = ScreeningSettings),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn put_settings(
    State(s): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<ScreeningSettings>,
) -> AppResult<Json<ScreeningSettings>> {
    Ok(Json(privacy::set_settings(&s.db, &who, b).await?))
}

/// The screening result as .xlsx, for the follow-up calls (audited like the query).
#[utoipa::path(get, path = "/api/v1/screening/contacts.xlsx", tag = "screening", params(ContactsQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn contacts_export(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> AppResult<axum::response::Response> {
    contacts_file(&s, &who, lang, &q).await
}

pub async fn contacts_file(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    q: &ContactsQuery,
) -> AppResult<axum::response::Response> {
    let page = passages::contacts(&s.db, who, q).await?;
    let bytes = passages::contacts_xlsx(&page.items, lang).map_err(AppError::internal)?;
    crate::audit::record(
        &s.db,
        who,
        crate::audit::Action::Export,
        "screening",
        None,
        format!("{} contacts", page.items.len()),
    )
    .await?;
    Ok(crate::exchange::file_response(
        bytes,
        crate::exchange::XLSX,
        &format!("{}.xlsx", lang.pick("人员排查结果", "screening-contacts")),
    ))
}

/// Checkpoints in the caller's scope.
#[utoipa::path(get, path = "/api/v1/checkpoints", tag = "screening", params(Paging),
    responses((status = 200, body = Page<CheckpointView>)))]
async fn list_checkpoints(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<CheckpointView>>> {
    let page = checkpoints::list(&s.db, &who, p).await?;
    Ok(Json(Page {
        items: checkpoints::views(&s.db, page.items, lang).await?,
        total: page.total,
    }))
}

/// A checkpoint: `name`, `kind` (community_gate, road, enterprise_gate, park, canteen,
/// dormitory) and `unit_id`.
#[utoipa::path(post, path = "/api/v1/checkpoints", tag = "screening", request_body = CheckpointInput,
    responses((status = 201, body = CheckpointView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_checkpoint(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ApiJson(input): ApiJson<CheckpointInput>,
) -> AppResult<(StatusCode, Json<CheckpointView>)> {
    let c = checkpoints::create(&s.db, &who, input).await?;
    let v = checkpoints::views(&s.db, vec![c], lang)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("view"))?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeviceCreated {
    pub id: i64,
    pub checkpoint_id: i64,
    pub name: String,
    /// The device's bearer token for `POST /api/v1/passages`; shown only this once.
    pub token: String,
}

/// Register a device (temperature gate, scanner) at a checkpoint.
#[utoipa::path(post, path = "/api/v1/devices", tag = "screening", request_body = DeviceInput,
    responses((status = 201, body = DeviceCreated),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_device(
    State(s): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<DeviceInput>,
) -> AppResult<(StatusCode, Json<DeviceCreated>)> {
    let (d, token) = checkpoints::add_device(&s.db, &who, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(DeviceCreated {
            id: d.id,
            checkpoint_id: d.checkpoint_id,
            name: d.name,
            token,
        }),
    ))
}

/// Passages in the caller's scope, newest first (names and phones masked unless the role may
/// see personal data).
#[utoipa::path(get, path = "/api/v1/passages", tag = "screening", params(PassageFilter, Paging),
    responses((status = 200, body = Page<PassageView>)))]
async fn list_passages(
    State(s): State<AppState>,
    who: Principal,
    ApiQuery(f): ApiQuery<PassageFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<PassageView>>> {
    Ok(Json(passages::list(&s.db, &who, &f, p).await?))
}

/// One passage or a JSON array of up to 5,000, with the device's bearer token. A passage
/// whose `device_seq` the device sent before is a duplicate and is not stored again; invalid
/// ones are listed in `rejected` (the others are kept). The answer comes after the commit.
#[utoipa::path(post, path = "/api/v1/passages", tag = "screening", request_body = Vec<PassageInput>,
    responses((status = 200, body = IngestResult),
        (status = 401, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn post_passages(
    State(s): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<IngestResult>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let device = checkpoints::device_by_token(&s.db, token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        AppError::invalid(FieldError::new(
            "body",
            "json",
            format!("请求体不是有效的 JSON：{e}"),
            format!("the body is not valid JSON: {e}"),
        ))
    })?;
    let items: Vec<serde_json::Value> = match value {
        serde_json::Value::Array(a) => a,
        v @ serde_json::Value::Object(_) => vec![v],
        _ => {
            return Err(AppError::invalid(FieldError::new(
                "body",
                "json",
                "请求体应是一条通行记录或其数组",
                "the body must be a passage or an array of passages",
            )));
        }
    };
    if items.len() > passages::MAX_BATCH {
        return Err(AppError::invalid(FieldError::new(
            "body",
            "length",
            format!("一批最多 {} 条通行记录", passages::MAX_BATCH),
            format!("a batch holds at most {} passages", passages::MAX_BATCH),
        )));
    }
    // Each element on its own: a malformed one is rejected, the others go on.
    let mut batch = Vec::with_capacity(items.len());
    let mut malformed = Vec::new();
    for (i, v) in items.into_iter().enumerate() {
        match serde_json::from_value::<PassageInput>(v) {
            Ok(p) => batch.push((i, p)),
            Err(e) => malformed.push(passages::Rejected {
                index: i,
                errors: vec![crate::error::ProblemFieldBody {
                    field: "body".into(),
                    code: "json".into(),
                    message: lang
                        .pick(
                            &format!("字段类型不对：{e}"),
                            &format!("wrong field type: {e}"),
                        )
                        .to_owned(),
                }],
            }),
        }
    }
    let (indices, inputs): (Vec<usize>, Vec<PassageInput>) = batch.into_iter().unzip();
    let mut r = passages::ingest(&s.db, &device, inputs, lang).await?;
    // Report positions in the posted array.
    for rej in &mut r.rejected {
        rej.index = indices.get(rej.index).copied().unwrap_or(rej.index);
    }
    r.rejected.extend(malformed);
    r.rejected.sort_by_key(|x| x.index);
    Ok(Json(r))
}

/// Personnel screening (人员排查): everyone who passed the same checkpoint within
/// ±`window_minutes` of the person's passages over the last `days`. Audited.
#[utoipa::path(get, path = "/api/v1/screening/contacts", tag = "screening", params(ContactsQuery),
    responses((status = 200, body = Page<Contact>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn contacts(
    State(s): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> AppResult<Json<Page<Contact>>> {
    Ok(Json(passages::contacts(&s.db, &who, &q).await?))
}
