//! Authentication, the caller's own profile, users and the logs.

use axum::Json;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::access::admin::{self, RoleInput, RoleView, UserUpdate, UserView};
use crate::access::auth;
use crate::access::extract::ClientIp;
use crate::app::AppState;
use crate::audit::{self, AuditFilter};
use crate::calendar;
use crate::entities::{audit_log, login_log};
use crate::error::{AppError, AppResult};
use crate::paging::Page;
use crate::paging::Paging;
use crate::perm;
use lianxin_kernel::access::auth::OpenSession;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::notices;
use lianxin_kernel::settings::{self, SettingView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token))
        .routes(routes!(list_tokens, revoke_all_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(list_throttles))
        .routes(routes!(lift_throttle))
        .routes(routes!(me))
        .routes(routes!(list_audit))
        .routes(routes!(export_audit))
        .routes(routes!(get_audit))
        .routes(routes!(list_logins))
        .routes(routes!(list_roles, create_role))
        .routes(routes!(permission_tree))
        .routes(routes!(my_notices, send_notice))
        .routes(routes!(sent_notices))
        .routes(routes!(open_notice, edit_notice))
        .routes(routes!(withdraw_notice))
        .routes(routes!(notice_receipts))
        .routes(routes!(get_role, update_role))
        .routes(routes!(list_users, create_user))
        .routes(routes!(export_users))
        .routes(routes!(update_user))
        .routes(routes!(list_calendar))
        .routes(routes!(set_calendar_day, delete_calendar_day))
        .routes(routes!(deadline))
        .routes(routes!(list_settings))
        .routes(routes!(put_setting))
        .routes(routes!(list_sessions))
        .routes(routes!(end_session))
}

/// The setting views with what overrides them at start (the API token lifetime when the
/// server was started with `--api-token-days`).
pub async fn setting_views(
    state: &AppState,
    who: &Principal,
    lang: crate::i18n::Lang,
) -> AppResult<Vec<SettingView>> {
    let mut views = settings::list(&state.db, who, lang).await?;
    for v in &mut views {
        overridden(state, v, lang);
    }
    Ok(views)
}

fn overridden(state: &AppState, v: &mut SettingView, lang: crate::i18n::Lang) {
    if v.key == settings::keys::API_TOKEN_DAYS
        && let Some(days) = state.api_token_days
    {
        v.overridden_by = Some(if lang.is_en() {
            format!(
                "started with --api-token-days {days}: tokens live {days} days, this value is not used"
            )
        } else {
            format!("服务以 --api-token-days {days} 启动：令牌有效期为 {days} 天，此处的值不生效")
        });
    }
}

/// The installation's settings (参数设置): each with its meaning, the value in force, its
/// default and range (administrators).
#[utoipa::path(get, path = "/api/v1/settings", tag = "system",
    responses((status = 200, body = Vec<SettingView>)))]
async fn list_settings(
    State(state): State<AppState>,
    who: Principal,
    lang: crate::i18n::Lang,
) -> AppResult<Json<Vec<SettingView>>> {
    Ok(Json(setting_views(&state, &who, lang).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SettingInput {
    /// The new value: a number for integer, decimal and unit settings (a decimal may have one
    /// digit after the point: 37.5), text for text settings.
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
}

/// Change one setting (administrators; audited). A value outside its kind or range is a 422
/// naming the field `value` and changes nothing; an unknown key is a 404.
#[utoipa::path(put, path = "/api/v1/settings/{key}", tag = "system",
    params(("key" = String, Path, description = "the setting's key, e.g. screening.fever_threshold")),
    request_body = SettingInput,
    responses((status = 200, body = SettingView)))]
async fn put_setting(
    State(state): State<AppState>,
    who: Principal,
    lang: crate::i18n::Lang,
    axum::extract::Path(key): axum::extract::Path<String>,
    ApiJson(input): ApiJson<SettingInput>,
) -> AppResult<Json<SettingView>> {
    who.require(perm::ALL)?;
    settings::find(&key).ok_or(AppError::NotFound)?;
    let text = settings::text_of(&input.value)?;
    let mut v = settings::set(&state.db, &who, &key, &text, lang).await?;
    overridden(&state, &mut v, lang);
    Ok(Json(v))
}

/// The open sessions (在线用户): browser sessions and API tokens that have not expired, the
/// most recently seen first. Never their secrets or hashes: `id` is a handle for ending one.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "system", params(Paging),
    responses((status = 200, body = Page<OpenSession>)))]
async fn list_sessions(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    ApiQuery(paging): ApiQuery<Paging>,
) -> AppResult<Json<Page<OpenSession>>> {
    let current = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| auth::token_id(t.trim()));
    Ok(Json(
        auth::list_sessions(&state.db, &who, current.as_deref(), paging).await?,
    ))
}

/// Force a session to end (强制下线): its next request is unauthenticated (a browser goes to
/// the sign-in page). Audited.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "system",
    params(("id" = String, Path, description = "the session's id from the list")),
    responses((status = 204)))]
async fn end_session(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<StatusCode> {
    auth::end_session(&state.db, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParam {
    /// 1900-2200; defaults to the current year.
    #[param(minimum = 1900, maximum = 2200)]
    pub year: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarDay {
    /// YYYY-MM-DD
    pub day: String,
    /// holiday or workday
    pub kind: String,
    pub note: String,
}

impl From<crate::entities::calendar_days::Model> for CalendarDay {
    fn from(m: crate::entities::calendar_days::Model) -> Self {
        CalendarDay {
            day: m.day.to_string(),
            kind: m.kind,
            note: m.note,
        }
    }
}

/// The exceptions of a year's working-day calendar: holidays and adjusted working weekends.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "system", params(YearParam),
    responses((status = 200, body = Vec<CalendarDay>)))]
async fn list_calendar(
    State(state): State<AppState>,
    _who: Principal,
    ApiQuery(p): ApiQuery<YearParam>,
) -> AppResult<Json<Vec<CalendarDay>>> {
    use chrono::Datelike;
    let year = p.year.unwrap_or_else(|| chrono::Utc::now().year());
    Ok(Json(
        calendar::list(&state.db, year)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CalendarDayInput {
    /// holiday or workday
    #[schema(required = true, nullable = false, min_length = 1)]
    pub kind: Option<String>,
    pub note: Option<String>,
}

/// Record a holiday or an adjusted working day (replaces what the day had).
#[utoipa::path(put, path = "/api/v1/calendar/{day}", tag = "system",
    params(("day" = String, Path, description = "YYYY-MM-DD")), request_body = CalendarDayInput,
    responses((status = 200, body = CalendarDay), (status = 422, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn set_calendar_day(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path(day): axum::extract::Path<String>,
    ApiJson(input): ApiJson<CalendarDayInput>,
) -> AppResult<Json<CalendarDay>> {
    let day = calendar::parse_day(&day).map_err(AppError::invalid)?;
    Ok(Json(
        calendar::set_day(&state.db, &who, day, input.kind.as_deref(), input.note)
            .await?
            .into(),
    ))
}

/// Remove a day's exception: it becomes an ordinary weekday or weekend day again.
#[utoipa::path(delete, path = "/api/v1/calendar/{day}", tag = "system",
    params(("day" = String, Path, description = "YYYY-MM-DD")), responses((status = 204)))]
async fn delete_calendar_day(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path(day): axum::extract::Path<String>,
) -> AppResult<axum::http::StatusCode> {
    let day = calendar::parse_day(&day).map_err(|_| AppError::NotFound)?;
    calendar::remove_day(&state.db, &who, day).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineParams {
    /// RFC 3339 start time, in the years 1900-2200.
    pub from: chrono::DateTime<chrono::Utc>,
    /// 0-3650.
    #[param(maximum = 3650)]
    pub working_days: u32,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineResponse {
    /// The end of the n-th working day after `from` (24:00 Asia/Shanghai), RFC 3339.
    pub deadline: chrono::DateTime<chrono::Utc>,
    /// The years the count ran across for which the calendar holds no day at all (no
    /// holidays or adjusted working days entered): there Monday to Friday counted as working
    /// days, so the deadline may be wrong. Empty when the calendar covers the whole count.
    pub calendar_missing_years: Vec<i32>,
    /// `calendar_missing_years` said in a sentence (in the request's language), or null.
    pub warning: Option<String>,
}

/// The deadline `working_days` working days after `from`, on the district's calendar.
#[utoipa::path(get, path = "/api/v1/calendar/deadline", tag = "system", params(DeadlineParams),
    responses((status = 200, body = DeadlineResponse)))]
async fn deadline(
    State(state): State<AppState>,
    _who: Principal,
    lang: crate::i18n::Lang,
    ApiQuery(p): ApiQuery<DeadlineParams>,
) -> AppResult<Json<DeadlineResponse>> {
    if p.working_days > 3650 {
        return Err(AppError::invalid(crate::error::FieldError::new(
            "working_days",
            "range",
            "工作日数应在 0 到 3650 之间",
            "working_days must be between 0 and 3650",
        )));
    }
    let cal = calendar::Calendar::load(&state.db).await?;
    let deadline = cal.deadline_after(p.from, p.working_days);
    let missing =
        calendar::years_without_days(&state.db, calendar::deadline_years(p.from, deadline)).await?;
    Ok(Json(DeadlineResponse {
        deadline,
        warning: calendar::missing_years_notice(&missing, lang),
        calendar_missing_years: missing,
    }))
}

/// Roles with their permissions and data scopes (角色管理).
#[utoipa::path(get, path = "/api/v1/roles", tag = "system", responses((status = 200, body = Vec<RoleView>)))]
async fn list_roles(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Json<Vec<RoleView>>> {
    Ok(Json(admin::list_roles(&state.db, &who).await?))
}

/// A permission with its label in the caller's language.
#[derive(Serialize, ToSchema)]
pub struct PermissionNode {
    pub permission: String,
    pub label: String,
}

/// A page of the permission tree: the permission that opens it and its buttons.
#[derive(Serialize, ToSchema)]
pub struct PermissionPage {
    pub permission: String,
    pub label: String,
    pub actions: Vec<PermissionNode>,
}

/// A menu group of the permission tree.
#[derive(Serialize, ToSchema)]
pub struct PermissionGroup {
    pub label: String,
    pub pages: Vec<PermissionPage>,
}

/// The permissions a role may be given, as the role editor shows them: menu groups → pages
/// → buttons, labelled in the caller's language (`*` is the administrators' alone and not in it).
#[utoipa::path(get, path = "/api/v1/roles/permission-tree", tag = "system",
    responses((status = 200, body = Vec<PermissionGroup>)))]
async fn permission_tree(
    who: Principal,
    lang: crate::i18n::Lang,
) -> AppResult<Json<Vec<PermissionGroup>>> {
    who.require(perm::ROLE_LIST)?;
    Ok(Json(
        lianxin_kernel::area::permission_tree()
            .into_iter()
            .map(|g| PermissionGroup {
                label: lang.pick(g.zh, g.en).to_owned(),
                pages: g
                    .pages
                    .iter()
                    .map(|p| PermissionPage {
                        permission: p.view.to_owned(),
                        label: lang.pick(p.zh, p.en).to_owned(),
                        actions: p
                            .actions
                            .iter()
                            .map(|a| PermissionNode {
                                permission: (*a).to_owned(),
                                label: lianxin_kernel::area::permission_label(a, lang).to_owned(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// Create a role: `code`, `name_zh`, `data_scope` (all, custom, unit, unit_and_below, self),
/// `permissions`, and `unit_ids` for a custom scope.
#[utoipa::path(post, path = "/api/v1/roles", tag = "system", request_body = RoleInput,
    responses((status = 201, body = RoleView), (status = 422, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn create_role(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<RoleInput>,
) -> AppResult<(axum::http::StatusCode, Json<RoleView>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(admin::create_role(&state.db, &who, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/roles/{id}", params(("id" = i64, Path, description = "record id")), tag = "system", responses((status = 200, body = RoleView)))]
async fn get_role(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<RoleView>> {
    Ok(Json(admin::get_role(&state.db, &who, id).await?))
}

/// Replace a role's names, permissions and data scope (the admin role cannot be changed).
#[utoipa::path(put, path = "/api/v1/roles/{id}", params(("id" = i64, Path, description = "record id")), tag = "system", request_body = RoleInput,
    responses((status = 200, body = RoleView), (status = 409, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn update_role(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<RoleInput>,
) -> AppResult<Json<RoleView>> {
    Ok(Json(admin::update_role(&state.db, &who, id, input).await?))
}

/// Users (用户管理).
#[utoipa::path(get, path = "/api/v1/users", tag = "system", params(Paging), responses((status = 200, body = Page<UserView>)))]
async fn list_users(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(paging): ApiQuery<Paging>,
) -> AppResult<Json<Page<UserView>>> {
    use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder, QuerySelect};
    who.require(perm::USER_LIST)?;
    let q = crate::entities::users::Entity::find();
    let total = q.clone().count(&state.db).await?;
    let rows = q
        .order_by_asc(crate::entities::users::Column::Id)
        .offset(paging.checked()?.offset())
        .limit(paging.limit())
        .all(&state.db)
        .await?;
    Ok(Json(Page {
        items: admin::user_views(&state.db, rows).await?,
        total,
    }))
}

/// The users the list's filter shows (or the ticked `ids`) as an .xlsx, in the list's order
/// (`sort`, `order`), with role, unit and enterprise names.
#[utoipa::path(get, path = "/api/v1/users/export.xlsx", tag = "system",
    params(lianxin_kernel::access::user_list::UserFilter),
    responses((status = 200, description = "the users as an .xlsx sheet",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn export_users(
    State(state): State<AppState>,
    who: Principal,
    lang: crate::i18n::Lang,
    ApiQuery(f): ApiQuery<lianxin_kernel::access::user_list::UserFilter>,
) -> AppResult<axum::response::Response> {
    lianxin_kernel::access::user_list::export(&state.db, &who, &f, lang).await
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserInput {
    #[schema(required = true, nullable = false, min_length = 1)]
    pub username: Option<String>,
    #[schema(required = true, nullable = false, min_length = 10)]
    pub password: Option<String>,
    pub display_name: Option<String>,
    pub roles: Option<Vec<String>>,
    /// Code of the user's unit.
    pub unit_code: Option<String>,
    /// Credit code of the user's enterprise (enterprise contacts).
    pub enterprise_uscc: Option<String>,
    pub person_id: Option<i64>,
}

/// Create a user with roles.
#[utoipa::path(post, path = "/api/v1/users", tag = "system", request_body = NewUserInput,
    responses((status = 201, body = UserView), (status = 422, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn create_user(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<NewUserInput>,
) -> AppResult<(axum::http::StatusCode, Json<UserView>)> {
    who.require(perm::USER_ADD)?;
    let user = auth::create_user(
        &state.db,
        &who,
        auth::NewUser {
            username: input.username.unwrap_or_default(),
            password: input.password.unwrap_or_default(),
            display_name: crate::text::clean(input.display_name),
            role_codes: input.roles.unwrap_or_default(),
            unit_code: crate::text::clean(input.unit_code),
            enterprise_uscc: crate::text::clean(input.enterprise_uscc),
            person_id: input.person_id,
        },
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(admin::user_views(&state.db, vec![user]).await?.remove(0)),
    ))
}

/// Change a user's roles, unit, name or active flag, or reset the password (ends the user's
/// sessions).
#[utoipa::path(put, path = "/api/v1/users/{id}", params(("id" = i64, Path, description = "record id")), tag = "system", request_body = UserUpdate,
    responses((status = 200, body = UserView)))]
async fn update_user(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<UserUpdate>,
) -> AppResult<Json<UserView>> {
    Ok(Json(admin::update_user(&state.db, &who, id, input).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(required = true, nullable = false, min_length = 1)]
    pub username: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    /// RFC 3339
    pub expires_at: String,
}

/// Exchange a username and password for a bearer token (valid for the days of the setting
/// `auth.api_token_days`, 30 by default, unless the server is started with `--api-token-days`).
/// After 5 failures of an account from one client (the setting `auth.throttle_free_failures`),
/// each further attempt waits for a growing delay (1 minute, doubling up to 15, the setting
/// `auth.throttle_max_lock_minutes`): an attempt during the delay answers 429 with
/// `Retry-After`, is not counted and checks no password.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", security(()),
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<TokenRequest>,
) -> AppResult<Json<TokenResponse>> {
    let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let user = auth::login(
        &state.db,
        req.username.as_deref().unwrap_or(""),
        req.password.as_deref().unwrap_or(""),
        ip.as_deref(),
        ua,
    )
    .await?;
    let days = match state.api_token_days {
        Some(d) => d,
        None => {
            lianxin_kernel::settings::kernel_int(
                &state.db,
                lianxin_kernel::settings::keys::API_TOKEN_DAYS,
            )
            .await?
        }
    };
    let (token, expires) = auth::open_api_token(&state.db, user.id, ip, days).await?;
    Ok(Json(TokenResponse {
        token,
        expires_at: expires.to_rfc3339(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ApiTokenView {
    /// The token's id (the SHA-256 of the secret, never the secret itself).
    pub id: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The address the token was issued to.
    pub ip: Option<String>,
    /// Whether this is the token of the request.
    pub current: bool,
}

/// The caller's own API tokens that have not expired, newest first.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth",
    responses((status = 200, body = Page<ApiTokenView>)))]
async fn list_tokens(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
) -> AppResult<Json<Page<ApiTokenView>>> {
    let current = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| auth::token_id(t.trim()));
    let items: Vec<ApiTokenView> = auth::list_api_tokens(&state.db, &who)
        .await?
        .into_iter()
        .map(|s| ApiTokenView {
            current: current.as_deref() == Some(s.id.as_str()),
            id: s.id,
            created_at: s.created_at,
            expires_at: s.expires_at,
            ip: s.ip,
        })
        .collect();
    Ok(Json(Page {
        total: items.len() as u64,
        items,
    }))
}

/// Revoke one of the caller's API tokens (another user's token is a 404).
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth",
    params(("id" = String, Path, description = "the token's id from the list")),
    responses((status = 204),
        (status = 404, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn revoke_token(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<StatusCode> {
    auth::revoke_api_token(&state.db, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct RevokedResponse {
    pub revoked: u64,
}

/// Revoke every API token of the caller, the one of this request too.
#[utoipa::path(delete, path = "/api/v1/auth/tokens", tag = "auth",
    responses((status = 200, body = RevokedResponse)))]
async fn revoke_all_tokens(
    State(state): State<AppState>,
    who: Principal,
) -> AppResult<Json<RevokedResponse>> {
    Ok(Json(RevokedResponse {
        revoked: auth::revoke_all_api_tokens(&state.db, &who).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ThrottleView {
    pub id: i64,
    pub username: String,
    /// The client's address.
    pub client: String,
    /// Failures since the last success (forgotten after a day without one).
    pub failures: i32,
    /// Attempts before this time answer 429.
    pub blocked_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the account is delayed for this client now.
    pub blocked: bool,
    pub last_failure_at: chrono::DateTime<chrono::Utc>,
}

impl From<crate::entities::login_throttles::Model> for ThrottleView {
    fn from(m: crate::entities::login_throttles::Model) -> Self {
        ThrottleView {
            blocked: m.blocked_until.is_some_and(|u| u > chrono::Utc::now()),
            id: m.id,
            username: m.username,
            client: m.client,
            failures: m.failures,
            blocked_until: m.blocked_until,
            last_failure_at: m.last_failure_at,
        }
    }
}

/// Sign-in throttles (account and client) with recent failures, the latest first.
#[utoipa::path(get, path = "/api/v1/login-throttles", tag = "system", params(Paging),
    responses((status = 200, body = Page<ThrottleView>)))]
async fn list_throttles(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(paging): ApiQuery<Paging>,
) -> AppResult<Json<Page<ThrottleView>>> {
    let page = auth::list_throttles(&state.db, &who, paging).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
    }))
}

/// Lift a sign-in throttle: the account may sign in from that client at once.
#[utoipa::path(delete, path = "/api/v1/login-throttles/{id}", tag = "system",
    params(("id" = i64, Path, description = "record id")),
    responses((status = 204),
        (status = 404, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn lift_throttle(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<StatusCode> {
    auth::lift_throttle(&state.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub person_id: Option<i64>,
}

/// The caller: roles, permissions and home unit.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = MeResponse)))]
async fn me(who: Principal) -> Json<MeResponse> {
    let mut permissions: Vec<String> = who.permissions.iter().cloned().collect();
    permissions.sort();
    Json(MeResponse {
        id: who.user_id,
        username: who.username.clone(),
        display_name: who.display_name.clone(),
        roles: who.roles.iter().map(|r| r.code.clone()).collect(),
        permissions,
        unit_id: who.unit_id,
        enterprise_id: who.enterprise_id,
        person_id: who.person_id,
    })
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// The stored technical note (free text).
    pub summary: String,
    pub ip: Option<String>,
    /// What happened, in a sentence in the caller's language ("查看了 3 人的完整证件号和电话").
    pub description: String,
    /// The action's label in the caller's language.
    pub action_label: String,
    /// The object's label in the caller's language.
    pub entity_label: String,
    /// The kind of entry, when it has one (e.g. `person.unmask`).
    pub event: Option<String>,
    /// The entry's structured fields (e.g. `{"n": 3, "ids": [...]}`).
    #[schema(value_type = Option<Object>)]
    pub args: Option<serde_json::Value>,
}

impl AuditEntry {
    fn new(m: audit_log::Model, lang: crate::i18n::Lang) -> Self {
        AuditEntry {
            description: audit::describe(&m, lang),
            action_label: audit::Action::label(&m.action, lang).to_owned(),
            entity_label: audit::object_label(&m.entity, lang),
            args: m.args.as_deref().and_then(|a| serde_json::from_str(a).ok()),
            event: m.event,
            id: m.id,
            at: m.at,
            user_id: m.user_id,
            username: m.username,
            action: m.action,
            entity: m.entity,
            entity_id: m.entity_id,
            summary: m.summary,
            ip: m.ip,
        }
    }
}

/// Search the audit log (操作日志), newest first; each entry described in the caller's
/// language (`Accept-Language`). An unknown `action` is a 422.
#[utoipa::path(get, path = "/api/v1/audit", tag = "system",
    params(AuditFilter, Paging), responses((status = 200, body = Page<AuditEntry>)))]
async fn list_audit(
    State(state): State<AppState>,
    who: Principal,
    lang: crate::i18n::Lang,
    ApiQuery(f): ApiQuery<AuditFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> AppResult<Json<Page<AuditEntry>>> {
    who.require(perm::AUDIT_LIST)?;
    let page = audit::search(&state.db, &f, paging).await?;
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|m| AuditEntry::new(m, lang))
            .collect(),
        total: page.total,
    }))
}

/// One entry of the audit log.
#[utoipa::path(get, path = "/api/v1/audit/{id}", tag = "system",
    params(("id" = i64, Path)), responses((status = 200, body = AuditEntry)))]
async fn get_audit(
    State(state): State<AppState>,
    who: Principal,
    lang: crate::i18n::Lang,
    IdPath(id): IdPath,
) -> AppResult<Json<AuditEntry>> {
    who.require(perm::AUDIT_LIST)?;
    Ok(Json(AuditEntry::new(
        audit::get(&state.db, id).await?,
        lang,
    )))
}

/// The entries the filter shows as an .xlsx file (time, user, action, object, record,
/// description, address), in the caller's language. The export is itself audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "system",
    params(AuditFilter),
    responses((status = 200, description = "the .xlsx file",
        content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
async fn export_audit(
    State(state): State<AppState>,
    who: Principal,
    lang: crate::i18n::Lang,
    ApiQuery(f): ApiQuery<AuditFilter>,
) -> AppResult<axum::response::Response> {
    crate::web::system::audit_file(&state, &who, lang, &f).await
}

#[derive(Serialize, ToSchema)]
pub struct LoginEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub username: String,
    pub success: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub message: String,
}

impl From<login_log::Model> for LoginEntry {
    fn from(m: login_log::Model) -> Self {
        LoginEntry {
            id: m.id,
            at: m.at,
            username: m.username,
            success: m.success,
            ip: m.ip,
            user_agent: m.user_agent,
            message: m.message,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginFilter {
    pub username: Option<String>,
}

/// The login log (登录日志), newest first.
#[utoipa::path(get, path = "/api/v1/logins", tag = "system",
    params(LoginFilter, Paging), responses((status = 200, body = Page<LoginEntry>)))]
async fn list_logins(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(f): ApiQuery<LoginFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> AppResult<Json<Page<LoginEntry>>> {
    who.require(perm::AUDIT_LIST)?;
    let page = audit::search_logins(&state.db, f.username.as_deref(), paging).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
    }))
}

/// The notices (通知公告) addressed to the caller, newest first, with when they read each.
#[utoipa::path(get, path = "/api/v1/notices", tag = "system",
    params(Paging), responses((status = 200, body = Page<notices::NoticeView>)))]
async fn my_notices(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(paging): ApiQuery<Paging>,
) -> AppResult<Json<Page<notices::NoticeView>>> {
    Ok(Json(notices::mine(&state.db, &who, paging).await?))
}

/// Send a notice: `title`, `body`, and `to_all: true` or `unit_ids` (their users and those
/// of every unit below them receive it). Audited.
#[utoipa::path(post, path = "/api/v1/notices", tag = "system", request_body = notices::NoticeInput,
    responses((status = 201, body = notices::NoticeView)))]
async fn send_notice(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<notices::NoticeInput>,
) -> AppResult<(StatusCode, Json<notices::NoticeView>)> {
    let n = notices::send(&state.db, &who, input).await?;
    let receipts = notices::receipts(&state.db, &who, n.id).await?;
    Ok((StatusCode::CREATED, Json(receipts.notice)))
}

/// Every notice sent, newest first, with how many of its readers have read it (who sends
/// notices).
#[utoipa::path(get, path = "/api/v1/notices/sent", tag = "system",
    params(Paging), responses((status = 200, body = Page<notices::SentNotice>)))]
async fn sent_notices(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(paging): ApiQuery<Paging>,
) -> AppResult<Json<Page<notices::SentNotice>>> {
    Ok(Json(notices::sent(&state.db, &who, paging).await?))
}

/// Open a notice addressed to the caller: its first opening is their read receipt. A notice
/// not addressed to them is a 404 (except for who sends notices).
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "system",
    params(("id" = i64, Path)), responses((status = 200, body = notices::NoticeView)))]
async fn open_notice(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<notices::NoticeView>> {
    Ok(Json(notices::open(&state.db, &who, id).await?))
}

/// Edit a sent notice's `title` and `body` (who sends notices), naming the `version` read: a
/// stale one, or a withdrawn notice, is a 409 with the notice as it stands. Its readers see
/// the new text (marked as edited); their read receipts stand. Audited.
#[utoipa::path(put, path = "/api/v1/notices/{id}", tag = "system", request_body = notices::NoticeEdit,
    params(("id" = i64, Path)),
    responses((status = 200, body = notices::NoticeView), (status = 409, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn edit_notice(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<notices::NoticeEdit>,
) -> AppResult<Json<notices::NoticeView>> {
    notices::edit(&state.db, &who, id, input).await?;
    Ok(Json(notices::receipts(&state.db, &who, id).await?.notice))
}

/// Withdraw (撤回) a sent notice (who sends notices), naming the `version` read: it leaves its
/// readers' lists and home pages; its sender keeps it with its receipts. Audited.
#[utoipa::path(post, path = "/api/v1/notices/{id}/withdraw", tag = "system", request_body = notices::Withdrawal,
    params(("id" = i64, Path)),
    responses((status = 200, body = notices::NoticeView), (status = 409, body = crate::error::ProblemBody, content_type = "application/problem+json")))]
async fn withdraw_notice(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<notices::Withdrawal>,
) -> AppResult<Json<notices::NoticeView>> {
    notices::withdraw(&state.db, &who, id, input).await?;
    Ok(Json(notices::receipts(&state.db, &who, id).await?.notice))
}

/// Who has read a notice (with when) and who has not yet (who sends notices).
#[utoipa::path(get, path = "/api/v1/notices/{id}/receipts", tag = "system",
    params(("id" = i64, Path)), responses((status = 200, body = notices::Receipts)))]
async fn notice_receipts(
    State(state): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<notices::Receipts>> {
    Ok(Json(notices::receipts(&state.db, &who, id).await?))
}
