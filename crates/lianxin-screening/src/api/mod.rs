//! `/api/v1/checkpoints`, `/api/v1/devices`, `/api/v1/passages`, `/api/v1/screening/contacts`.

pub mod health;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::checkpoints::{self, CheckpointFilter, CheckpointInput, CheckpointView, DeviceInput};
use crate::error::{AppError, AppResult, FieldError, ProblemBody};
use crate::i18n::Lang;
use crate::paging::Page;
use crate::paging::Paging;
use crate::passages::{
    self, ContactsPage, ContactsQuery, IngestResult, PassageFilter, PassageInput, PassageView,
};
use axum::extract::FromRef;
use lianxin_kernel::http::{ApiJson, ApiQuery};
use lianxin_kernel::state::Core;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
    crate::Screening: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_checkpoints, create_checkpoint))
        .routes(routes!(export_checkpoints))
        .routes(routes!(create_device))
        .routes(routes!(list_passages, post_passages))
        .routes(routes!(export_passages))
        .routes(routes!(contacts))
        .routes(routes!(contacts_export))
        .routes(routes!(screening_people))
        .routes(routes!(screening_followups))
        .routes(routes!(list_disinfections, create_disinfection))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(roster, create_shifts))
        .routes(routes!(delete_shift))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(my_shifts))
        .routes(routes!(coverage))
        .routes(routes!(record_passages))
        .routes(routes!(lookup))
        .routes(routes!(dashboard))
        .routes(routes!(put_duty_hours))
}

/// A checkpoint's staffed hours (`{"duty_from": "07:00", "duty_to": "23:00"}`); the roster's
/// gaps are measured against them.
#[utoipa::path(put, path = "/api/v1/checkpoints/{id}/duty-hours", tag = "screening",
    params(("id" = i64, Path)), request_body = checkpoints::DutyHours,
    responses((status = 200, body = CheckpointView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn put_duty_hours(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<checkpoints::DutyHours>,
) -> AppResult<Json<CheckpointView>> {
    let c = checkpoints::set_duty_hours(&s.db, &who, id, input).await?;
    checkpoints::views(&s.db, vec![c], lang)
        .await?
        .pop()
        .map(Json)
        .ok_or_else(|| AppError::internal("view"))
}

use crate::dashboard::ScreeningDashboard;
use crate::duty::{self, Coverage, Roster, ShiftInput, ShiftView};
use crate::entry::{self, LookupHit, LookupQuery};
use axum::extract::Path;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    pub checkpoint_id: i64,
    /// Any day of the week (YYYY-MM-DD); default this week.
    pub week: Option<chrono::NaiveDate>,
}

/// A checkpoint's weekly duty roster (排班): each day's shifts and the gaps in its staffed hours.
#[utoipa::path(get, path = "/api/v1/duty/shifts", tag = "screening", params(RosterQuery),
    responses((status = 200, body = Roster)))]
async fn roster(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<RosterQuery>,
) -> AppResult<Json<Roster>> {
    let week = q
        .week
        .unwrap_or_else(|| duty::local_day(chrono::Utc::now()));
    Ok(Json(
        duty::roster(&s.db, &who, q.checkpoint_id, week, lang).await?,
    ))
}

/// Book a volunteer for a shift (and, with `repeat_weeks`, the same slot in the next weeks).
/// A person's shifts never overlap.
#[utoipa::path(post, path = "/api/v1/duty/shifts", tag = "screening", request_body = ShiftInput,
    responses((status = 201, body = Vec<ShiftView>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_shifts(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiJson(input): ApiJson<ShiftInput>,
) -> AppResult<(StatusCode, Json<Vec<ShiftView>>)> {
    let rows = duty::create(&s.db, &who, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(duty::views(&s.db, rows, lang).await?),
    ))
}

/// Remove a shift nobody has signed in to.
#[utoipa::path(delete, path = "/api/v1/duty/shifts/{id}", tag = "screening",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn delete_shift(
    State(s): State<Core>,
    who: Principal,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    duty::remove(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign in to one's own shift (from 30 minutes before its start until its end).
#[utoipa::path(post, path = "/api/v1/duty/shifts/{id}/sign-in", tag = "screening",
    params(("id" = i64, Path)),
    responses((status = 200, body = ShiftView), (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn sign_in(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
) -> AppResult<Json<ShiftView>> {
    let m = duty::sign_in(&s.db, &who, id).await?;
    one_shift(&s, m, lang).await
}

/// Sign out of one's own shift.
#[utoipa::path(post, path = "/api/v1/duty/shifts/{id}/sign-out", tag = "screening",
    params(("id" = i64, Path)),
    responses((status = 200, body = ShiftView), (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn sign_out(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
) -> AppResult<Json<ShiftView>> {
    let m = duty::sign_out(&s.db, &who, id).await?;
    one_shift(&s, m, lang).await
}

async fn one_shift(
    s: &Core,
    m: crate::entities::duty_shifts::Model,
    lang: Lang,
) -> AppResult<Json<ShiftView>> {
    duty::views(&s.db, vec![m], lang)
        .await?
        .pop()
        .map(Json)
        .ok_or_else(|| AppError::internal("shift view"))
}

/// The caller's shifts from twelve hours ago to a week ahead.
#[utoipa::path(get, path = "/api/v1/duty/mine", tag = "screening",
    responses((status = 200, body = Vec<ShiftView>)))]
async fn my_shifts(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Json<Vec<ShiftView>>> {
    Ok(Json(duty::mine(&s.db, &who, lang).await?))
}

/// Every checkpoint in scope with its duty state now (在岗, 未到岗, 空岗, 非值守时段).
#[utoipa::path(get, path = "/api/v1/duty/coverage", tag = "screening",
    responses((status = 200, body = Vec<Coverage>)))]
async fn coverage(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Json<Vec<Coverage>>> {
    Ok(Json(duty::coverage_now(&s.db, &who, lang).await?))
}

/// Passages recorded on the entry page (or its offline queue).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct RecordBody {
    /// The page's own id (one per browser, 8-40 letters, digits, - or _); with each
    /// passage's `device_seq` it makes a re-sent passage one passage.
    #[schema(
        required = true,
        nullable = false,
        min_length = 8,
        max_length = 40,
        pattern = r"^[A-Za-z0-9_-]{8,40}$"
    )]
    pub client_id: Option<String>,
    #[serde(default)]
    pub passages: Vec<serde_json::Value>,
}

/// Record passages at a checkpoint as a signed-in user: a volunteer while on duty there
/// (signed in to a shift), a user who keeps the checkpoint at any time. Same answer and the
/// same idempotency as the device endpoint; a single passage that is refused is a 422.
#[utoipa::path(post, path = "/api/v1/checkpoints/{id}/passages", tag = "screening",
    params(("id" = i64, Path)), request_body = RecordBody,
    responses((status = 200, body = IngestResult),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn record_passages(
    State(s): State<crate::Screening>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RecordBody>,
) -> AppResult<Json<IngestResult>> {
    let (indices, inputs, malformed) = split_batch(body.passages, lang)?;
    let single = indices.len() + malformed.len() == 1;
    let prepared = passages::prepare_user(&s.db, &who, id, body.client_id, inputs, lang).await?;
    let r = s.ingest.write(prepared).await?;
    finish(r, indices, malformed, single)
}

/// Find a person for the entry form: identity number or phone (exact), or a name on the
/// roster of the checkpoint's enterprise or among the people registered in the checkpoint's
/// unit and below. Only while on duty there (403 at a checkpoint of
/// the caller's not signed in to; 404 at any other, as at a missing one); audited.
#[utoipa::path(get, path = "/api/v1/screening/lookup", tag = "screening", params(LookupQuery),
    responses((status = 200, body = Vec<LookupHit>),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn lookup(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> AppResult<Json<Vec<LookupHit>>> {
    Ok(Json(entry::lookup(&s.db, &who, &q).await?))
}

/// The screening dashboard (pre-aggregated): today by checkpoint and sub-district, 14 days,
/// duty coverage now, the latest fevers, health-report completion.
#[utoipa::path(get, path = "/api/v1/screening/dashboard", tag = "screening",
    responses((status = 200, body = ScreeningDashboard)))]
async fn dashboard(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Json<ScreeningDashboard>> {
    Ok(Json(crate::dashboard::build(&s.db, &who, lang).await?))
}

type Split = (Vec<usize>, Vec<PassageInput>, Vec<passages::Rejected>);

/// Each element on its own: a malformed one is rejected, the others go on.
fn split_batch(items: Vec<serde_json::Value>, lang: Lang) -> AppResult<Split> {
    if items.len() > passages::MAX_BATCH {
        return Err(AppError::invalid(FieldError::new(
            "body",
            "length",
            format!("一批最多 {} 条通行记录", passages::MAX_BATCH),
            format!("a batch holds at most {} passages", passages::MAX_BATCH),
        )));
    }
    let mut indices = Vec::with_capacity(items.len());
    let mut inputs = Vec::with_capacity(items.len());
    let mut malformed = Vec::new();
    for (i, v) in items.into_iter().enumerate() {
        match serde_json::from_value::<PassageInput>(v) {
            Ok(p) => {
                indices.push(i);
                inputs.push(p);
            }
            Err(e) => malformed.push(passages::Rejected {
                index: i,
                errors: vec![crate::error::ProblemFieldBody {
                    field: "body".into(),
                    code: "json".into(),
                    message: lang
                        .pick(
                            &format!(
                                "字段类型不对：{}",
                                lianxin_kernel::http::decoding_error_zh(&e.to_string())
                            ),
                            &format!("wrong field type: {e}"),
                        )
                        .to_owned(),
                }],
            }),
        }
    }
    Ok((indices, inputs, malformed))
}

/// Positions in the posted array; a single passage that was refused is a 422.
fn finish(
    mut r: IngestResult,
    indices: Vec<usize>,
    malformed: Vec<passages::Rejected>,
    single: bool,
) -> AppResult<Json<IngestResult>> {
    for rej in &mut r.rejected {
        rej.index = indices.get(rej.index).copied().unwrap_or(rej.index);
    }
    r.rejected.extend(malformed);
    r.rejected.sort_by_key(|x| x.index);
    if single && let Some(rej) = r.rejected.first() {
        return Err(AppError::Validation(
            rej.errors
                .iter()
                .map(|e| FieldError::new(&e.field, &e.code, e.message.clone(), e.message.clone()))
                .collect(),
        ));
    }
    Ok(Json(r))
}

use crate::disinfections::{self, DisinfectionInput, DisinfectionView};
use crate::privacy::{self, ScreeningSettings};

/// Disinfection logs (消杀) in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/disinfections", tag = "screening", params(Paging),
    responses((status = 200, body = Page<DisinfectionView>)))]
async fn list_disinfections(
    State(s): State<Core>,
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
    State(s): State<Core>,
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
    State(s): State<Core>,
    _who: Principal,
) -> AppResult<Json<ScreeningSettings>> {
    Ok(Json(privacy::settings_of(&s.db).await?))
}

/// Change them (administrators).
#[utoipa::path(put, path = "/api/v1/screening/settings", tag = "screening", request_body = ScreeningSettings,
    responses((status = 200, body = ScreeningSettings),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn put_settings(
    State(s): State<crate::Screening>,
    who: Principal,
    ApiJson(b): ApiJson<ScreeningSettings>,
) -> AppResult<Json<ScreeningSettings>> {
    let r = privacy::set_settings(&s.db, &who, b).await?;
    s.ingest.forget_settings();
    Ok(Json(r))
}

/// The screening result as .xlsx, for the follow-up calls (audited like the query): every
/// contact in rank order, up to 100,000.
#[utoipa::path(get, path = "/api/v1/screening/contacts.xlsx", tag = "screening", params(ContactsQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn contacts_export(
    State(s): State<crate::Screening>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> AppResult<axum::response::Response> {
    contacts_file(&s, &who, lang, &q).await
}

pub async fn contacts_file(
    s: &crate::Screening,
    who: &Principal,
    lang: Lang,
    q: &ContactsQuery,
) -> AppResult<axum::response::Response> {
    let page = crate::contacts::all_contacts(&s.db, &s.contacts, who, q).await?;
    let bytes = passages::contacts_xlsx(&page, lang).map_err(AppError::internal)?;
    crate::audit::record_event(
        &s.db,
        who,
        crate::audit::Action::Export,
        "screening",
        None,
        format!("{} contacts", page.items.len()),
        crate::audit::Event::new(
            "screening.export",
            serde_json::json!({"n": page.items.len()}),
        ),
    )
    .await?;
    Ok(lianxin_kernel::sheet::file_response(
        bytes,
        lianxin_kernel::sheet::XLSX,
        &format!("{}.xlsx", lang.pick("人员排查结果", "screening-contacts")),
    ))
}

/// Checkpoints in the caller's scope, in the order they were added or as asked for (`sort`,
/// `order`).
#[utoipa::path(get, path = "/api/v1/checkpoints", tag = "screening", params(CheckpointFilter, Paging),
    responses((status = 200, body = Page<CheckpointView>)))]
async fn list_checkpoints(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<CheckpointFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<CheckpointView>>> {
    let page = checkpoints::list_sorted(&s.db, &who, &f, p).await?;
    Ok(Json(Page {
        items: checkpoints::views(&s.db, page.items, lang).await?,
        total: page.total,
    }))
}

/// The checkpoints the list shows (or the ticked `ids`) as an .xlsx, in the list's order
/// (`sort`, `order`), with kinds' labels and units' names.
#[utoipa::path(get, path = "/api/v1/checkpoints/export.xlsx", tag = "screening", params(CheckpointFilter),
    responses((status = 200, description = "the checkpoints as an .xlsx sheet",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn export_checkpoints(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<CheckpointFilter>,
) -> AppResult<axum::response::Response> {
    checkpoints::export(&s.db, &who, &f, lang).await
}

/// A checkpoint: `name`, `kind` (community_gate, road, enterprise_gate, park, canteen,
/// dormitory) and `unit_id`.
#[utoipa::path(post, path = "/api/v1/checkpoints", tag = "screening", request_body = CheckpointInput,
    responses((status = 201, body = CheckpointView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_checkpoint(
    State(s): State<Core>,
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
    State(s): State<Core>,
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
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<PassageFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<PassageView>>> {
    Ok(Json(passages::list(&s.db, &who, &f, p).await?))
}

/// The passages the list's filter shows (or the ticked `ids`) as an .xlsx, in the list's
/// order (`sort`, `order`): names and phones masked unless the role may see personal data.
#[utoipa::path(get, path = "/api/v1/passages/export.xlsx", tag = "screening", params(PassageFilter),
    responses((status = 200, description = "the passages as an .xlsx sheet",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn export_passages(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<PassageFilter>,
) -> AppResult<axum::response::Response> {
    passages::export(&s.db, &who, &f, lang).await
}

/// One passage or a JSON array of up to 5,000, with the device's bearer token. A passage
/// whose `device_seq` the device sent before is a duplicate and is not stored again; invalid
/// ones are listed in `rejected` (the others are kept). The answer comes after the commit.
#[utoipa::path(post, path = "/api/v1/passages", tag = "screening", request_body = Vec<PassageInput>,
    responses((status = 200, body = IngestResult),
        (status = 401, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn post_passages(
    State(s): State<crate::Screening>,
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
            format!(
                "请求体不是有效的 JSON：{}",
                lianxin_kernel::http::decoding_error_zh(&e.to_string())
            ),
            format!("the body is not valid JSON: {e}"),
        ))
    })?;
    // A single object (not an array) is one passage: refused, it is a 422.
    let single = value.is_object();
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
    let (indices, inputs, malformed) = split_batch(items, lang)?;
    let (key, threshold) = s.ingest.settings(&s.db).await?;
    let prepared = passages::prepare_with(
        &s.db,
        passages::Source::Device(device),
        None,
        inputs,
        lang,
        &key,
        threshold,
    )
    .await?;
    let r = s.ingest.write(prepared).await?;
    finish(r, indices, malformed, single)
}

/// Personnel screening (人员排查): everyone who passed the same checkpoint within
/// ±`window_minutes` of the person's passages over the last `days`, one item per person
/// (their closest passage), ranked: fevers first, then most shared windows, then closest in
/// time. `truncated` says the person had more than 1,000 passages in the period (the latest
/// 1,000 are screened). Audited.
#[utoipa::path(get, path = "/api/v1/screening/contacts", tag = "screening", params(ContactsQuery, Paging),
    responses((status = 200, body = ContactsPage),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn contacts(
    State(s): State<crate::Screening>,
    who: Principal,
    ApiQuery(q): ApiQuery<ContactsQuery>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<ContactsPage>> {
    Ok(Json(
        passages::contacts(&s.db, &s.contacts, &who, &q, p).await?,
    ))
}

/// People to screen (人员排查): registered people in the caller's data scope found by
/// identity number or phone (exact) or part of a name, at most 50; numbers masked; audited.
/// Screen one with `GET /api/v1/screening/contacts?person_id=`.
#[utoipa::path(get, path = "/api/v1/screening/people", tag = "screening", params(crate::contacts::PeopleQuery),
    responses((status = 200, body = Vec<crate::contacts::PersonMatch>),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn screening_people(
    State(s): State<crate::Screening>,
    who: Principal,
    ApiQuery(q): ApiQuery<crate::contacts::PeopleQuery>,
) -> AppResult<Json<Vec<crate::contacts::PersonMatch>>> {
    Ok(Json(crate::contacts::search_people(&s.db, &who, &q).await?))
}

/// Follow-ups (发起随访) for chosen contacts of a screening: one `fever_followup` case per
/// contact and day (a contact who has one that day gets a step on it, `linked`), dispatched
/// to the unit of the checkpoint where they passed near, the note and the person screened in
/// its text. All or nothing; audited. Needs `screening:query` and `case:raise`.
#[utoipa::path(post, path = "/api/v1/screening/followups", tag = "screening",
    request_body = crate::contacts::FollowupsInput,
    responses((status = 201, body = crate::contacts::FollowupsResult),
        (status = 403, body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn screening_followups(
    State(s): State<crate::Screening>,
    who: Principal,
    ApiJson(b): ApiJson<crate::contacts::FollowupsInput>,
) -> AppResult<(StatusCode, Json<crate::contacts::FollowupsResult>)> {
    let r = crate::contacts::raise_followups(&s.db, &s.contacts, &who, b).await?;
    Ok((StatusCode::CREATED, Json(r)))
}
