//! The public job board's pages, `/jobs` and `/jobs/{id}`: no login (no `Principal`), their
//! own phone-first frame (`jobs/public_base.html`), a GET search form (a shareable address),
//! the open jobs as cards, and a job's page with its share link and the button to apply. A job
//! that stopped taking applications answers 410 with a friendly page. A signed-in visitor (the
//! district's staff, a firm) gets a link back to the system.

use askama::Template;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use lianxin_kernel::access::extract::MaybePrincipal;
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::{SelectOption, options};
use lianxin_kernel::web::{render, render_status};
use serde::Deserialize;

use crate::board::{self, BoardFilter, Found, PublicJob};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::Paging;
use crate::registries::enterprises::INDUSTRIES;
use crate::text::clean;

/// Jobs a page of the board shows.
const PAGE_SIZE: u64 = 20;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/jobs", get(list))
        .route("/jobs/{id}", get(job))
}

/// The search form as typed (every value text: the form is a plain GET).
#[derive(Deserialize, Default, Clone)]
struct Query {
    q: Option<String>,
    industry: Option<String>,
    unit_id: Option<String>,
    /// Yuan, as people think of pay.
    salary_min: Option<String>,
    employment_aid: Option<String>,
    page: Option<u64>,
}

/// The form's values as shown again.
struct Shown {
    q: String,
    industry: String,
    unit_id: String,
    salary_min: String,
    employment_aid: bool,
}

#[derive(Template)]
#[template(path = "jobs/board_list.html")]
struct ListPage {
    lang: Lang,
    title: String,
    signed_in: bool,
    f: Shown,
    industries: Vec<SelectOption>,
    subdistricts: Vec<(i64, String)>,
    errors: Vec<String>,
    jobs: Vec<PublicJob>,
    total: u64,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
}

impl ListPage {
    /// The filters beyond the words are open when one is set (or refused).
    fn filtered(&self) -> bool {
        !self.f.industry.is_empty()
            || !self.f.unit_id.is_empty()
            || !self.f.salary_min.is_empty()
            || self.f.employment_aid
            || !self.errors.is_empty()
    }
    fn pay(&self, j: &PublicJob) -> String {
        board::pay_text(j.salary_min_fen, j.salary_max_fen, self.lang)
    }
}

#[derive(Template)]
#[template(path = "jobs/board_job.html")]
struct JobPage {
    lang: Lang,
    title: String,
    signed_in: bool,
    j: PublicJob,
    pay: String,
    share: String,
}

#[derive(Template)]
#[template(path = "jobs/board_gone.html")]
struct GonePage {
    lang: Lang,
    title: String,
    signed_in: bool,
    job_title: String,
}

/// The form's text as the board's filter; what cannot be read is named as the field's error.
fn filter_of(q: &Query) -> (BoardFilter, Vec<FieldError>) {
    let mut errors = Vec::new();
    let unit_id = clean(q.unit_id.clone()).and_then(|v| match v.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                "unit_id",
                "format",
                "请选择街道或镇",
                "choose a sub-district or town",
            ));
            None
        }
    });
    let salary_min_fen =
        clean(q.salary_min.clone()).and_then(|v| match lianxin_types::Fen::from_yuan_str(&v) {
            Ok(f) => Some(f.0),
            Err(e) => {
                errors.push(FieldError::from_validation(
                    "salary_min",
                    &e,
                    "最低月薪（元）",
                    "Lowest monthly pay (yuan)",
                ));
                None
            }
        });
    let f = BoardFilter {
        q: clean(q.q.clone()),
        industry: clean(q.industry.clone()),
        unit_id,
        salary_min_fen,
        employment_aid: (q.employment_aid.as_deref() == Some("true")).then_some(true),
    };
    (f, errors)
}

async fn list(
    State(s): State<Core>,
    lang: Lang,
    MaybePrincipal(who): MaybePrincipal,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let page_no = q.page.unwrap_or(1).max(1);
    let paging = Paging {
        page: Some(page_no),
        page_size: Some(PAGE_SIZE),
    };
    let (f, mut bad) = filter_of(&q);
    let (jobs, total) = if bad.is_empty() {
        match board::search(&s.db, &f, paging, lang).await {
            Ok(p) => (p.items, p.total),
            Err(AppError::Validation(errs)) => {
                bad = errs;
                (Vec::new(), 0)
            }
            Err(e) => return Err(e),
        }
    } else {
        (Vec::new(), 0)
    };
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let base = lianxin_kernel::web::widgets::query_string(&[
        ("q", q.q.clone()),
        ("industry", q.industry.clone()),
        ("unit_id", q.unit_id.clone()),
        ("salary_min", q.salary_min.clone()),
        ("employment_aid", q.employment_aid.clone()),
    ]);
    let href = |p: u64| {
        if base.is_empty() {
            format!("/jobs?page={p}")
        } else {
            format!("/jobs?{base}&page={p}")
        }
    };
    let page = ListPage {
        lang,
        title: lang.pick("找工作", "Find a job").to_owned(),
        signed_in: who.is_some(),
        f: Shown {
            q: q.q.clone().unwrap_or_default(),
            industry: q.industry.clone().unwrap_or_default(),
            unit_id: q.unit_id.clone().unwrap_or_default(),
            salary_min: q.salary_min.clone().unwrap_or_default(),
            employment_aid: f.employment_aid == Some(true),
        },
        industries: options(INDUSTRIES, lang),
        subdistricts: board::subdistricts(&s.db).await?,
        errors: bad.iter().map(|e| e.message(lang).to_owned()).collect(),
        jobs,
        total,
        page: page_no.min(pages),
        pages,
        prev: (page_no > 1).then(|| href(page_no.min(pages) - 1)),
        next: (page_no < pages).then(|| href(page_no + 1)),
    };
    let status = if bad.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(status, &page))
}

/// The address of this page as the browser reached it (scheme and host as the request says,
/// a host of plain host characters only), to copy and share.
fn own_address(parts: &Parts) -> String {
    let host = parts
        .extensions
        .get::<lianxin_kernel::web::guard::ClientMeta>()
        .and_then(|m| m.forwarded_host.clone())
        .or_else(|| {
            parts
                .headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 253
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
    let path = parts.uri.path();
    match host {
        Some(h) => {
            let scheme = if lianxin_kernel::access::extract::is_https(parts) {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{h}{path}")
        }
        None => path.to_owned(),
    }
}

async fn job(
    State(s): State<Core>,
    lang: Lang,
    MaybePrincipal(who): MaybePrincipal,
    IdPath(id): IdPath,
    parts: Parts,
) -> AppResult<Response> {
    Ok(match board::get(&s.db, id, lang).await? {
        Found::Open(j) => render(&JobPage {
            lang,
            title: j.title.clone(),
            signed_in: who.is_some(),
            pay: board::pay_text(j.salary_min_fen, j.salary_max_fen, lang),
            share: own_address(&parts),
            j: *j,
        }),
        Found::Stopped(j) => render_status(
            StatusCode::GONE,
            &GonePage {
                lang,
                title: lang
                    .pick("岗位已停止招聘", "No longer recruiting")
                    .to_owned(),
                signed_in: who.is_some(),
                job_title: j.title,
            },
        ),
    })
}
