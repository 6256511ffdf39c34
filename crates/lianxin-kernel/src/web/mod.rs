//! The web frame every area's pages share: the page context (who, language, menu, CSRF),
//! rendering, the error page, the form-post helpers, and the embedded assets (CSS, JS,
//! vendored htmx, ECharts and Swagger UI). Pages call service functions; nothing here
//! touches SQL.

pub mod guard;
pub mod time;
pub mod widgets;

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::access::Principal;
use crate::error::{AppError, AppResult, Problem};
use crate::i18n::Lang;

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// `/assets/{*path}`: the frame's static files (and `/favicon.ico`, the icon), and `/prefs/columns`: a list's column
/// chooser, for any application state that provides the kernel's `Core`.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::state::Core: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/assets/{*path}", get(asset))
        // Browsers and tools ask for it whatever the page names.
        .route(
            "/favicon.ico",
            get(|| asset(Path("favicon.svg".to_owned()))),
        )
        .route("/prefs/columns", axum::routing::post(save_columns))
}

#[derive(serde::Deserialize)]
struct ColumnsForm {
    list: String,
    /// Every column of the list, and those left ticked.
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    show: Vec<String>,
    /// Where the list was (a path of this site).
    back: Option<String>,
}

/// The column chooser's post: remembers the unticked columns as the caller's hidden ones on
/// that list, then back to the list.
async fn save_columns(
    axum::extract::State(core): axum::extract::State<crate::state::Core>,
    who: Principal,
    axum_extra::extract::Form(f): axum_extra::extract::Form<ColumnsForm>,
) -> AppResult<Response> {
    let hidden: Vec<String> = f
        .all
        .iter()
        .filter(|c| !f.show.contains(c))
        .cloned()
        .collect();
    crate::prefs::set_hidden_columns(&core.db, &who, &f.list, hidden).await?;
    // Only a path of this site (never `//host` or a scheme): no open redirect.
    let back = f
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    Ok(Redirect::to(&back).into_response())
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
    /// Warnings the page shows above its content (e.g. a deadline counted across a year the
    /// working-day calendar has no days for).
    pub warnings: Vec<String>,
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
    /// The frame of a page: the menu is what the installed areas offer this caller
    /// (`crate::area`), in the order the application installed them.
    pub fn new(
        who: &Principal,
        lang: Lang,
        active: &'static str,
        title: impl Into<String>,
    ) -> Self {
        let menu = crate::area::installed()
            .iter()
            .flat_map(|a| (a.menu)(who, lang))
            .filter(|g| !g.items.is_empty())
            .collect();
        PageCtx {
            lang,
            title: title.into(),
            active,
            user_name: who.display_name.clone(),
            role_names: who.role_names(lang),
            csrf: who.csrf_token.clone(),
            menu,
            flash: None,
            warnings: Vec::new(),
        }
    }
}

impl PageCtx {
    /// The breadcrumb of the real path: 首页, the menu group and item the page belongs to (the
    /// item a link when the page is one of its records), then the page itself; the home page
    /// is 首页 alone.
    pub fn crumbs(&self) -> Vec<(String, Option<String>)> {
        let home = self.lang.t("menu.home").into_owned();
        let mut out = vec![(home.clone(), Some("/".to_owned()))];
        if self.active == "home" || self.title == home {
            out[0].1 = None;
            return out;
        }
        let found = self.menu.iter().find_map(|g| {
            g.items
                .iter()
                .find(|i| i.key == self.active)
                .map(|i| (g, i))
        });
        if let Some((g, i)) = found {
            out.push((g.title.clone(), None));
            if i.label != self.title {
                out.push((i.label.clone(), Some(i.href.to_owned())));
            }
        }
        out.push((self.title.clone(), None));
        out
    }
}

impl MenuItem {
    pub fn new(key: &'static str, href: &'static str, label: impl Into<String>) -> Self {
        MenuItem {
            key,
            href,
            label: label.into(),
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
    result: AppResult<T>,
    redirect: impl FnOnce(T) -> String,
    form: impl FnOnce() -> Fut,
) -> AppResult<Response>
where
    Fut: std::future::Future<Output = AppResult<widgets::FormPage>>,
{
    match result {
        Ok(v) => Ok(Redirect::to(&redirect(v)).into_response()),
        Err(AppError::Validation(errs)) => {
            let page = form().await?.with_errors(&errs);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        // Changed by someone else since the form was read: the form again, saying so.
        Err(e @ AppError::ConflictWith { .. }) => {
            let mut page = form().await?;
            page.errors.push(refusal_text(&e, page.ctx.lang));
            Ok(render_status(StatusCode::CONFLICT, &page))
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
    let found = Assets::get(&path).or_else(|| {
        crate::area::installed()
            .iter()
            .find_map(|a| (a.asset)(&path))
    });
    match found {
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
