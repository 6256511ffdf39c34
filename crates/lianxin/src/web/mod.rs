//! Browser pages: askama templates (checked at compile time) + htmx, assets embedded in the
//! binary. Pages call the same service functions as the API; nothing here touches SQL.

pub mod cases;
pub mod dashboard;
pub mod duty;
pub mod health;
pub mod registries;
pub mod screening;
pub mod system;
pub mod widgets;

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::access::Principal;
use crate::access::auth::{self, SESSION_COOKIE, SessionKind};
use crate::access::extract::MaybePrincipal;
use crate::access::roles::perm;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Problem};
use crate::i18n::Lang;

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .route("/assets/{*path}", get(asset))
        .route("/api/docs", get(api_docs))
        .merge(registries::router())
        .merge(system::router())
        .merge(cases::router())
        .merge(screening::router())
        .merge(duty::router())
        .merge(health::router())
}

/// What every page's frame needs.
pub struct PageCtx {
    pub lang: Lang,
    pub title: String,
    pub active: &'static str,
    pub user_name: String,
    pub role_names: String,
    pub csrf: String,
    pub menu: Vec<MenuGroup>,
    pub flash: Option<String>,
}

pub struct MenuGroup {
    pub title: String,
    pub items: Vec<MenuItem>,
}

pub struct MenuItem {
    pub key: &'static str,
    pub href: &'static str,
    pub label: String,
}

impl PageCtx {
    pub fn new(
        who: &Principal,
        lang: Lang,
        active: &'static str,
        title: impl Into<String>,
    ) -> Self {
        let item = |key: &'static str, href: &'static str, label: &str| MenuItem {
            key,
            href,
            label: lang.t(label).into_owned(),
        };
        let mut menu = Vec::new();
        menu.push(MenuGroup {
            title: lang.t("menu.overview").into_owned(),
            items: vec![item("home", "/", "menu.home")],
        });
        let mut reg = Vec::new();
        if who.can(perm::ENTERPRISE_LIST) {
            reg.push(item("enterprises", "/enterprises", "menu.enterprises"));
        }
        if who.can(perm::PERSON_LIST) {
            reg.push(item("people", "/people", "menu.people"));
        }
        if who.can(perm::UNIT_LIST) {
            reg.push(item("units", "/units", "menu.units"));
        }
        if !reg.is_empty() {
            menu.push(MenuGroup {
                title: lang.t("menu.registries").into_owned(),
                items: reg,
            });
        }
        let mut work = Vec::new();
        if who.enterprise_id.is_some() && who.can(perm::CASE_RAISE) {
            work.push(item("appeal", "/appeal", "menu.appeal"));
        }
        if who.can(perm::CASE_LIST) {
            work.push(item("cases", "/cases", "menu.cases"));
            work.push(item(
                "cases_overdue",
                "/cases?bucket=overdue",
                "menu.overdue",
            ));
        }
        if who.can(perm::CASE_RAISE) && who.enterprise_id.is_none() {
            work.push(item("cases_new", "/cases/new", "menu.case_new"));
        }
        if who.can(perm::CASE_METRICS) {
            work.push(item("cases_metrics", "/cases/metrics", "menu.case_metrics"));
        }
        if who.can(perm::CASE_LIST) && who.enterprise_id.is_none() {
            work.push(item("inspections", "/inspections", "menu.inspections"));
            work.push(item("bulletins", "/bulletins", "menu.bulletins"));
        }
        if !work.is_empty() {
            menu.push(MenuGroup {
                title: lang.t("menu.cases_group").into_owned(),
                items: work,
            });
        }
        let mut scr = Vec::new();
        if who.can(perm::CHECKPOINT_LIST)
            && (who.scope.all
                || !who.scope.units.is_empty()
                || !who.scope.subtrees.is_empty()
                || who.enterprise_id.is_some())
        {
            scr.push(item("checkpoints", "/checkpoints", "menu.checkpoints"));
        }
        let staffed_scope = who.can(perm::CHECKPOINT_LIST)
            && (who.scope.all
                || !who.scope.units.is_empty()
                || !who.scope.subtrees.is_empty()
                || who.enterprise_id.is_some());
        if staffed_scope {
            scr.push(item(
                "screening_dashboard",
                "/screening/dashboard",
                "menu.screening_dashboard",
            ));
        }
        if who.can(perm::PASSAGE_ADD) {
            scr.push(item("entry", "/screening/entry", "menu.entry"));
        }
        if who.can(perm::DUTY_LIST) && staffed_scope {
            scr.push(item("duty", "/duty", "menu.duty"));
        }
        if who.can(perm::PASSAGE_LIST) {
            scr.push(item("passages", "/passages", "menu.passages"));
        }
        if who.can(perm::CHECKPOINT_LIST) && !who.scope.units.is_empty()
            || who.can(perm::CHECKPOINT_LIST) && (who.scope.all || !who.scope.subtrees.is_empty())
        {
            scr.push(item(
                "disinfections",
                "/disinfections",
                "menu.disinfections",
            ));
        }
        if who.can(perm::SCREENING_QUERY) {
            scr.push(item("screening", "/screening", "menu.screening"));
        }
        if who.can(perm::HEALTH_REPORT) || who.can(perm::HEALTH_LIST) {
            scr.push(item("health", "/health", "menu.health"));
        }
        if !scr.is_empty() {
            menu.push(MenuGroup {
                title: lang.t("menu.screening_group").into_owned(),
                items: scr,
            });
        }
        let mut sys = Vec::new();
        if who.can(perm::USER_LIST) {
            sys.push(item("users", "/system/users", "menu.users"));
        }
        if who.can(perm::ROLE_LIST) {
            sys.push(item("roles", "/system/roles", "menu.roles"));
        }
        if who.can(perm::AUDIT_LIST) {
            sys.push(item("audit", "/system/audit", "menu.audit"));
            sys.push(item("logins", "/system/logins", "menu.logins"));
        }
        if who.can(perm::CALENDAR_EDIT) {
            sys.push(item("calendar", "/system/calendar", "menu.calendar"));
        }
        if who.can(perm::CASE_KINDS) {
            sys.push(item("case_kinds", "/system/case-kinds", "menu.case_kinds"));
        }
        sys.push(item("docs", "/api/docs", "menu.api_docs"));
        menu.push(MenuGroup {
            title: lang.t("menu.system").into_owned(),
            items: sys,
        });
        PageCtx {
            lang,
            title: title.into(),
            active,
            user_name: who.display_name.clone(),
            role_names: who.role_names(lang),
            csrf: who.csrf_token.clone(),
            menu,
            flash: None,
        }
    }
}

/// Renders a template; a rendering failure is a 500 problem.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => AppError::internal(e).into_response(),
    }
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

/// The end of every form post: to the saved record, or the form again (422) with the field
/// errors next to their fields and the typed values kept.
pub async fn saved_or_form<T, Fut>(
    result: crate::error::AppResult<T>,
    redirect: impl FnOnce(T) -> String,
    form: impl FnOnce() -> Fut,
) -> crate::error::AppResult<Response>
where
    Fut: std::future::Future<Output = crate::error::AppResult<widgets::FormPage>>,
{
    match result {
        Ok(v) => Ok(Redirect::to(&redirect(v)).into_response()),
        Err(AppError::Validation(errs)) => {
            let page = form().await?.with_errors(&errs);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

/// A refusal as one line for a flash message: the field messages, or the problem's detail.
/// A refusal a form page shows itself (invalid fields), as its one line; any other error
/// goes on to the error page.
pub fn shown_refusal(e: AppError, lang: Lang) -> AppResult<String> {
    match e {
        e @ AppError::Validation(_) => Ok(refusal_text(&e, lang)),
        e => Err(e),
    }
}

pub fn refusal_text(e: &AppError, lang: Lang) -> String {
    let p = e.problem();
    let fields: Vec<String> = p
        .errors
        .iter()
        .map(|f| f.message(lang).to_owned())
        .collect();
    if fields.is_empty() {
        p.body(lang).detail
    } else {
        fields.join("；")
    }
}

#[derive(Template)]
#[template(path = "error_bare.html")]
struct ErrorBare<'a> {
    lang: Lang,
    status: u16,
    title: &'a str,
    detail: &'a str,
}

/// The HTML form of a problem (used by `i18n::localize_errors` for browser requests).
pub fn error_page(lang: Lang, p: &Problem) -> Response {
    let body = p.body(lang);
    let page = ErrorBare {
        lang,
        status: p.status,
        title: &body.title,
        detail: &body.detail,
    };
    let mut r = render(&page);
    *r.status_mut() = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = file.metadata.mimetype().to_owned();
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => AppError::NotFound.into_response(),
    }
}

/// The entry page's service worker, served under `/screening/` so that its scope covers the
/// page; never cached by the browser's HTTP cache (a new version must reach the phones).
pub async fn service_worker() -> Response {
    match Assets::get("sw.js") {
        Some(file) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}

#[derive(Template)]
#[template(path = "docs.html")]
struct Docs;

async fn api_docs() -> Response {
    render(&Docs)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

async fn login_page(
    lang: Lang,
    MaybePrincipal(who): MaybePrincipal,
    Query(q): Query<NextQuery>,
) -> Response {
    if who.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&LoginPage {
        lang,
        error: None,
        username: String::new(),
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let ip = addr.ip().to_string();
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let username = f.username.unwrap_or_default();
    let next = safe_next(f.next.as_deref());
    let result = auth::login(
        &state.db,
        &username,
        f.password.as_deref().unwrap_or(""),
        Some(&ip),
        ua,
    )
    .await;
    let fail = |status: StatusCode, msg: String| {
        render_status(
            status,
            &LoginPage {
                lang,
                error: Some(msg),
                username: username.clone(),
                next: next.clone(),
            },
        )
    };
    match result {
        Ok(user) => {
            match auth::open_session(&state.db, user.id, SessionKind::Web, Some(ip)).await {
                Ok((token, _)) => {
                    let cookie = format!(
                        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
                        auth::WEB_SESSION_HOURS * 3600
                    );
                    let mut r = Redirect::to(&next).into_response();
                    if let Ok(v) = HeaderValue::from_str(&cookie) {
                        r.headers_mut().insert(header::SET_COOKIE, v);
                    }
                    r
                }
                Err(e) => e.into_response(),
            }
        }
        Err(AppError::TooManyRequests { retry_after_secs }) => fail(
            StatusCode::TOO_MANY_REQUESTS,
            lang.t("login.throttled")
                .replace("{m}", &(retry_after_secs / 60).to_string()),
        ),
        Err(AppError::Unauthenticated) | Err(AppError::Validation(_)) => fail(
            StatusCode::UNAUTHORIZED,
            lang.t("login.failed").into_owned(),
        ),
        Err(e) => e.into_response(),
    }
}

async fn logout(State(state): State<AppState>, who: Principal, headers: HeaderMap) -> Response {
    // Taking `Principal` makes logout CSRF-checked like every other form.
    let _ = who;
    if let Some(token) = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| {
            c.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix(&format!("{SESSION_COOKIE}="))
                    .map(str::to_owned)
            })
        })
        && let Err(e) = auth::close_session(&state.db, &token).await
    {
        return e.into_response();
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("lianxin_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    r
}

async fn set_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = if code.starts_with("en") {
        "en"
    } else {
        "zh-CN"
    };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        });
    let mut r = Redirect::to(&safe_next(back.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "lang={lang}; Path=/; SameSite=Lax; Max-Age=31536000"
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
