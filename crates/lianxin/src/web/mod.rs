//! The pages that span areas: sign-in and language, the home dashboard, system management and
//! the API documentation, and the menu groups they bring. The frame (page context, widgets,
//! assets) is the kernel's; each area's pages are its own.

pub mod dashboard;
pub mod dicts;
pub mod enterprise_home;
pub mod notices;
pub mod system;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap};
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
use lianxin_kernel::web::guard::{self, SameOrigin};
use lianxin_kernel::web::{MenuGroup, MenuItem, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/dashboard", get(dashboard::overview_page))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .route("/api/docs", get(api_docs))
        .merge(system::router())
        .merge(dicts::router())
        .merge(notices::router())
}

/// The home group of the menu (the binary's own pages), first in the menu.
pub fn home_area() -> Area {
    Area {
        strings: |locale, key| crate::_rust_i18n_try_translate(locale, key),
        menu: |who, lang| {
            // Where `/` takes the caller is their work; the district overview stays at
            // `/dashboard` for those who may read it.
            let (href, label) = match dashboard::landing(who) {
                dashboard::Landing::Elsewhere(_) if who.can(perm::DASHBOARD) => {
                    ("/dashboard", "menu.home")
                }
                dashboard::Landing::Enterprise(_) => ("/", "menu.enterprise_home"),
                _ => ("/", "menu.home"),
            };
            vec![MenuGroup {
                title: lang.t("menu.overview").into_owned(),
                items: vec![MenuItem::new("home", href, lang.t(label))],
            }]
        },
        permission_tree: &[lianxin_kernel::area::PermGroup {
            zh: "总览",
            en: "Overview",
            pages: &[lianxin_kernel::area::PermPage {
                zh: "首页总览",
                en: "Dashboard",
                view: perm::DASHBOARD,
                actions: &[],
            }],
        }],
        ..Area::empty()
    }
}

/// System management (users, roles, settings, online users, logs, the calendar, case kinds,
/// the API documentation),
/// last in the menu.
pub fn system_area() -> Area {
    Area {
        menu: system_menu,
        permission_tree: SYSTEM_TREE,
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
    if who.can(perm::ALL) {
        sys.push(item("settings", "/system/settings", "menu.settings"));
    }
    if who.can(perm::DICT_EDIT) {
        sys.push(item("dicts", "/system/dicts", "menu.dicts"));
    }
    if who.can(perm::USER_EDIT) {
        sys.push(item("sessions", "/system/sessions", "menu.sessions"));
    }
    if who.can(perm::NOTICE_EDIT) {
        sys.push(item("notices", "/system/notices", "menu.notices"));
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
    // The API's documentation and tokens only for those who do API work.
    if who.can(perm::API_DOCS) {
        sys.push(item("my_tokens", "/account/tokens", "menu.my_tokens"));
        sys.push(item("docs", "/api/docs", "menu.api_docs"));
    }
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

/// Where to go after login: only a path on this site (no open redirect), judged as a browser
/// reads it: tabs and line breaks anywhere and control characters or spaces at either end are
/// dropped first (browsers drop them), and the result must be a plain absolute path (`/x`),
/// never `//host`, `/\host` or a backslash anywhere (browsers read `\` as `/`), never a
/// scheme or a control character, also once percent-decoded. Anything else is `/`.
fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_owned();
    };
    let n: String = n
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let plain_path = |p: &str| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains('\\')
            && !p.chars().any(|c| c.is_control())
    };
    let decoded = percent_decoded(&n);
    if n.len() > 2000 || !plain_path(&n) || !plain_path(&decoded) {
        return "/".to_owned();
    }
    // A header value is visible ASCII: spaces and other letters travel percent-encoded.
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// `%XX` sequences decoded once (a server or proxy on the way may decode them).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn login_page(
    lang: Lang,
    MaybePrincipal(who): MaybePrincipal,
    Query(q): Query<NextQuery>,
) -> Response {
    if who.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
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
    SameOrigin(same_origin): SameOrigin,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    // Login CSRF: a form posted from another site would sign the browser in as the attacker.
    if !same_origin {
        return AppError::forbidden_because(
            "登录表单来自其他网站，已拒绝；请在本站登录页登录",
            "the sign-in form came from another site and was refused; sign in on this site's page",
        )
        .into_response();
    }
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
                let mut r = Redirect::to(&next).into_response();
                if let Some(v) =
                    guard::cookie(SESSION_COOKIE, &token, auth::WEB_SESSION_HOURS * 3600, true)
                {
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
            r.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
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
    if let Some(v) = guard::cookie(SESSION_COOKIE, "", 0, true) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
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
    if let Some(v) = guard::cookie("lang", lang, 31_536_000, false) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// System management's permissions as the role editor shows them.
const SYSTEM_TREE: &[lianxin_kernel::area::PermGroup] = &[lianxin_kernel::area::PermGroup {
    zh: "系统管理",
    en: "System",
    pages: &[
        lianxin_kernel::area::PermPage {
            zh: "用户管理",
            en: "Users",
            view: perm::USER_LIST,
            actions: &[perm::USER_ADD, perm::USER_EDIT],
        },
        lianxin_kernel::area::PermPage {
            zh: "角色管理",
            en: "Roles",
            view: perm::ROLE_LIST,
            actions: &[perm::ROLE_EDIT],
        },
        lianxin_kernel::area::PermPage {
            zh: "操作日志与登录日志",
            en: "Audit and login logs",
            view: perm::AUDIT_LIST,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "工作日历",
            en: "Working-day calendar",
            view: perm::CALENDAR_EDIT,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "字典管理",
            en: "Dictionary",
            view: perm::DICT_EDIT,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "通知公告",
            en: "Notices",
            view: perm::NOTICE_EDIT,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "开放接口密钥",
            en: "Open311 API keys",
            view: perm::APIKEY_EDIT,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "接口文档与 API 令牌",
            en: "API documentation and tokens",
            view: perm::API_DOCS,
            actions: &[],
        },
    ],
}];
