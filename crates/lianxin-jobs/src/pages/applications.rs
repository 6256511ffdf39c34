//! The application pages: the public apply form `/jobs/{id}/apply` and the status page
//! `/jobs/applications/{reference}` (no login, phone-first; the form post is checked to come
//! from this site, since a public form has no session to carry a CSRF token), and the firm's
//! `/recruitment/{id}/applications`, answering each application in one click (htmx swaps the
//! row; without scripts the form posts and the page comes back).

use axum::Router;
use axum::extract::{Form, FromRef, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use lianxin_kernel::access::extract::ClientIp;
use lianxin_kernel::http::ApiQuery;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::guard::SameOrigin;
use lianxin_kernel::web::{PageCtx, render_status};
use serde::Deserialize;

use crate::access::Principal;
use crate::applications::{
    self, ActionInput, ApplicationInput, ApplicationStatus, ApplicationView,
};
use crate::entities::{enterprises, jobs};
use crate::error::{AppError, AppResult};
use crate::paging::Paging;
use crate::text::clean;
use lianxin_kernel::i18n::Lang;
use sea_orm::EntityTrait;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/jobs/{id}/apply", get(apply_form).post(apply_submit))
        .route("/jobs/applications/{reference}", get(status_page))
        .route("/recruitment/{id}/applications", get(firm_page))
        .route(
            "/recruitment/{id}/applications/{aid}/actions",
            post(firm_act),
        )
}

/// A job as the public pages show it.
pub(crate) struct JobCard {
    pub id: i64,
    pub title: String,
    pub firm: String,
    pub place: String,
    pub pay: String,
    pub closes_on: chrono::NaiveDate,
    pub employment_aid: bool,
}

fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("{}", fen / 100)
    } else {
        format!("{:.2}", fen as f64 / 100.0)
    }
}

async fn card(s: &Core, j: jobs::Model, lang: Lang) -> AppResult<JobCard> {
    let firm = enterprises::Entity::find_by_id(j.enterprise_id)
        .one(&s.db)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    Ok(JobCard {
        id: j.id,
        pay: format!(
            "{}–{} {}",
            yuan(j.salary_min_fen),
            yuan(j.salary_max_fen),
            lang.pick("元/月", "yuan a month")
        ),
        title: j.title,
        firm,
        place: j.place,
        closes_on: j.closes_on,
        employment_aid: j.employment_aid,
    })
}

#[derive(Deserialize, Default, Clone)]
struct ApplyForm {
    name: Option<String>,
    phone: Option<String>,
    message: Option<String>,
    assistance: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "jobs/apply_form.html")]
struct ApplyPage {
    lang: Lang,
    job: JobCard,
    form: ApplyForm,
    error: Option<String>,
    assistance: Vec<(&'static str, String)>,
}

impl ApplyPage {
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn chosen(&self, code: &str) -> bool {
        self.form.assistance.as_deref() == Some(code)
    }
}

#[derive(askama::Template)]
#[template(path = "jobs/apply_done.html")]
struct DonePage {
    lang: Lang,
    job: JobCard,
    reference: String,
    repeat: bool,
}

#[derive(askama::Template)]
#[template(path = "jobs/application_status.html")]
struct StatusPage {
    lang: Lang,
    s: ApplicationStatus,
    status_label: String,
}

impl StatusPage {
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        lianxin_kernel::web::time::local_time(t)
    }
}

fn assistance_options(lang: Lang) -> Vec<(&'static str, String)> {
    crate::ASSISTANCE
        .iter()
        .map(|(code, _, _)| (*code, crate::ASSISTANCE.label(code, lang)))
        .collect()
}

fn job_id(path: Result<Path<i64>, axum::extract::rejection::PathRejection>) -> AppResult<i64> {
    match path {
        Ok(Path(id)) => Ok(id),
        Err(_) => Err(AppError::NotFound),
    }
}

async fn apply_form(
    State(s): State<Core>,
    lang: Lang,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> AppResult<Response> {
    let j = applications::open_job(&s.db, job_id(path)?).await?;
    let page = ApplyPage {
        lang,
        job: card(&s, j, lang).await?,
        form: ApplyForm::default(),
        error: None,
        assistance: assistance_options(lang),
    };
    Ok(render_status(StatusCode::OK, &page))
}

async fn apply_submit(
    State(s): State<Core>,
    lang: Lang,
    SameOrigin(same_origin): SameOrigin,
    ClientIp(ip): ClientIp,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    Form(form): Form<ApplyForm>,
) -> AppResult<Response> {
    if !same_origin {
        return Err(AppError::forbidden_because(
            "请从本站页面提交应聘申请",
            "send the application from this site's page",
        ));
    }
    let j = applications::open_job(&s.db, job_id(path)?).await?;
    let input = ApplicationInput {
        name: form.name.clone(),
        phone: form.phone.clone(),
        message: form.message.clone(),
        assistance: clean(form.assistance.clone()),
    };
    match applications::apply(&s.db, j.id, input, ip.as_deref()).await {
        Ok(a) => Ok(render_status(
            StatusCode::OK,
            &DonePage {
                lang,
                job: card(&s, j, lang).await?,
                reference: a.reference,
                repeat: !a.created,
            },
        )),
        Err(e @ (AppError::Validation(_) | AppError::TooManyRequestsBecause { .. })) => {
            let status = e.status();
            let retry = e.problem().retry_after;
            let page = ApplyPage {
                lang,
                job: card(&s, j, lang).await?,
                form,
                error: Some(lianxin_kernel::web::refusal_text(&e, lang)),
                assistance: assistance_options(lang),
            };
            let mut r = render_status(status, &page);
            if let Some(secs) = retry {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

async fn status_page(
    State(s): State<Core>,
    lang: Lang,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> AppResult<Response> {
    let Ok(Path(reference)) = path else {
        return Err(AppError::NotFound);
    };
    let st = applications::status(&s.db, &reference).await?;
    let page = StatusPage {
        lang,
        status_label: crate::APPLICATION_STATUS.label(&st.status, lang),
        s: st,
    };
    Ok(render_status(StatusCode::OK, &page))
}

#[derive(askama::Template)]
#[template(path = "jobs/application_list.html")]
struct FirmPage {
    ctx: PageCtx,
    job: crate::jobs::JobView,
    rows: Vec<ApplicationView>,
    total: u64,
    hired: u64,
    page: u64,
    pages: u64,
    error: Option<String>,
    can_edit: bool,
}

#[derive(askama::Template)]
#[template(path = "jobs/application_row.html")]
struct RowFragment {
    ctx: PageCtx,
    job_id: i64,
    a: ApplicationView,
    row_error: Option<String>,
    can_edit: bool,
}

/// What a row shows, for the list page and the row fragment alike.
pub(crate) trait RowText {
    fn lang(&self) -> Lang;
    fn status_label(&self, code: &str) -> String {
        crate::APPLICATION_STATUS.label(code, self.lang())
    }
    fn assistance_label(&self, code: &Option<String>) -> String {
        code.as_deref()
            .map(|c| crate::ASSISTANCE.label(c, self.lang()))
            .unwrap_or_default()
    }
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        lianxin_kernel::web::time::local_time(t)
    }
    /// The answers the application's status allows: (action, 中文/English label, button class).
    fn answers(&self, status: &str) -> Vec<(&'static str, &'static str, &'static str)> {
        let lang = self.lang();
        let invite = ("invite", lang.pick("邀请面试", "Invite"), "btn-primary");
        let reject = ("reject", lang.pick("不录用", "Reject"), "btn-light");
        let hire = ("hire", lang.pick("录用", "Hire"), "btn-primary");
        match status {
            applications::NEW => vec![invite, reject],
            applications::INVITED => vec![hire, reject],
            _ => Vec::new(),
        }
    }
}

impl FirmPage {
    /// A listed row carries no refusal of its own (the page's is above the table).
    fn no_error(&self) -> Option<&'static str> {
        None
    }
}

impl RowText for FirmPage {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }
}

impl RowText for RowFragment {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }
}

async fn firm_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    paging: Paging,
    error: Option<String>,
) -> AppResult<Response> {
    let list = applications::list(&s.db, who, id, paging).await?;
    let job = crate::jobs::get(&s.db, who, id).await?;
    let hired = applications::hires(&s.db, id).await?;
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let title = format!("{}{}", lang.pick("应聘申请：", "Applications: "), job.title);
    let page = FirmPage {
        ctx: PageCtx::new(who, lang, "recruitment", title),
        can_edit: who.can(crate::perm::JOB_EDIT),
        job,
        total: list.total,
        rows: list.items,
        hired,
        page: paging.page(),
        pages: paging.pages(list.total),
        error,
    };
    Ok(render_status(status, &page))
}

async fn firm_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Response> {
    firm_view(&s, &who, lang, job_id(path)?, p, None).await
}

#[derive(Deserialize, Default)]
struct ActForm {
    action: Option<String>,
    version: Option<String>,
}

async fn firm_act(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    headers: HeaderMap,
    path: Result<Path<(i64, i64)>, axum::extract::rejection::PathRejection>,
    Form(form): Form<ActForm>,
) -> AppResult<Response> {
    let Ok(Path((id, aid))) = path else {
        return Err(AppError::NotFound);
    };
    let htmx = headers.contains_key("hx-request");
    let input = ActionInput {
        action: clean(form.action),
        version: form.version.as_deref().and_then(|v| v.trim().parse().ok()),
    };
    let result = applications::act(&s.db, &who, id, aid, input).await;
    let (a, error) = match result {
        Ok(a) => (a, None),
        Err(e @ (AppError::ConflictWith { .. } | AppError::Validation(_))) => {
            let text = lianxin_kernel::web::refusal_text(&e, lang);
            if !htmx {
                return firm_view(&s, &who, lang, id, Paging::default(), Some(text)).await;
            }
            (applications::get(&s.db, &who, id, aid).await?, Some(text))
        }
        Err(e) => return Err(e),
    };
    if !htmx {
        return Ok(Redirect::to(&format!("/recruitment/{id}/applications")).into_response());
    }
    let frag = RowFragment {
        ctx: PageCtx::new(&who, lang, "recruitment", ""),
        job_id: id,
        a,
        row_error: error,
        can_edit: true,
    };
    Ok(render_status(StatusCode::OK, &frag))
}
