//! The pages that span areas: sign-in and language, the home dashboard, system management and
//! the API documentation, and the menu groups they bring. The frame (page context, widgets,
//! assets) is the kernel's; each area's pages are its own.

pub mod dashboard;
pub mod system;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::access::Principal;
use crate::access::auth::{self, SESSION_COOKIE, SessionKind};
use crate::access::extract::{ClientIp, MaybePrincipal};
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::perm;
use lianxin_kernel::area::Area;
use lianxin_kernel::web::{MenuGroup, MenuItem, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .route("/api/docs", get(api_docs))
        .merge(system::router())
}

/// The home group of the menu (the binary's own pages), first in the menu.
pub fn home_area() -> Area {
    Area {
        strings: |locale, key| crate::_rust_i18n_try_translate(locale, key),
        menu: |_, lang| {
            vec![MenuGroup {
                title: lang.t("menu.overview").into_owned(),
                items: vec![MenuItem::new("home", "/", lang.t("menu.home"))],
            }]
        },
        ..Area::empty()
    }
}

/// System management (users, roles, logs, the calendar, case kinds, the API documentation),
/// last in the menu.
pub fn system_area() -> Area {
    Area {
        menu: system_menu,
        ..Area::empty()
    }
}

fn system_menu(who: &Principal, lang: Lang) -> Vec<MenuGroup> {
    let item = |key, href, label: &str| MenuItem::new(key, href, lang.t(label));
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
    if who.can(perm::USER_EDIT) {
        sys.push(item(
            "login_throttles",
            "/system/login-throttles",
            "menu.login_throttles",
        ));
    }
    if who.can(perm::CALENDAR_EDIT) {
        sys.push(item("calendar", "/system/calendar", "menu.calendar"));
    }
    if who.can(perm::CASE_KINDS) {
        sys.push(item("case_kinds", "/system/case-kinds", "menu.case_kinds"));
    }
    sys.push(item("my_tokens", "/account/tokens", "menu.my_tokens"));
    sys.push(item("docs", "/api/docs", "menu.api_docs"));
    vec![MenuGroup {
        title: lang.t("menu.system").into_owned(),
        items: sys,
    }]
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
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let username = f.username.unwrap_or_default();
    let next = safe_next(f.next.as_deref());
    let result = auth::login(
        &state.db,
        &username,
        f.password.as_deref().unwrap_or(""),
        ip.as_deref(),
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
        Ok(user) => match auth::open_session(&state.db, user.id, SessionKind::Web, ip).await {
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
        },
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let mut r = fail(
                StatusCode::TOO_MANY_REQUESTS,
                lang.t("login.throttled")
                    .replace("{m}", &retry_after_secs.div_ceil(60).to_string()),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            r
        }
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
