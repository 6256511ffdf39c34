//! The jobs' pages for firms and staff (`/recruitment`): the list (search, status, firm), a
//! job with its close, repost and delete buttons and its links to the applications and the
//! public page, and the form (pay typed in yuan).

use askama::Template;
use axum::Router;
use axum::extract::{Form, FromRef, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, refusal_text, render, render_status, saved_or_form};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::access::Principal;
use crate::board::{pay_text, yuan};
use crate::entities::enterprises;
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs::{self, JobFilter, JobInput, JobView};
use crate::paging::Paging;
use crate::perm;
use crate::text::clean;
use lianxin_kernel::i18n::Lang;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/recruitment", get(list).post(create))
        .route("/recruitment/new", get(new))
        .route("/recruitment/{id}", get(detail).post(update))
        .route("/recruitment/{id}/edit", get(edit))
        .route("/recruitment/{id}/close", post(close))
        .route("/recruitment/{id}/repost", post(repost))
        .route("/recruitment/{id}/delete", post(delete))
}

#[derive(Deserialize, Default)]
struct Query {
    q: Option<String>,
    status: Option<String>,
    enterprise_id: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

fn status_label(code: &str, lang: Lang) -> &'static str {
    match code {
        jobs::OPEN => lang.pick("招聘中", "Open"),
        jobs::CLOSED => lang.pick("已停止招聘", "Closed"),
        _ => lang.pick("已过截止日期", "Expired"),
    }
}

fn status_options(lang: Lang) -> Vec<SelectOption> {
    [jobs::OPEN, jobs::CLOSED, "expired"]
        .into_iter()
        .map(|c| SelectOption {
            value: c.to_owned(),
            label: status_label(c, lang).to_owned(),
        })
        .collect()
}

async fn list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let enterprise_id = match clean(q.enterprise_id.clone()) {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            AppError::invalid(FieldError::new(
                "enterprise_id",
                "format",
                "企业编号须为整数",
                "enterprise_id must be a whole number",
            ))
        })?),
    };
    let f = JobFilter {
        q: clean(q.q.clone()),
        enterprise_id,
        status: clean(q.status.clone()),
    };
    let page = jobs::list(&s.db, &who, &f, paging).await?;
    let qs = query_string(&[
        ("q", q.q.clone()),
        ("status", q.status.clone()),
        ("enterprise_id", q.enterprise_id.clone()),
    ]);
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "jobs").await?;
    let rows = page
        .items
        .iter()
        .map(|j| {
            vec![
                Cell::link(j.title.clone(), format!("/recruitment/{}", j.id)).with_badge(
                    j.employment_aid
                        .then(|| lang.pick("就业援助", "Assistance").to_owned()),
                ),
                Cell::link(
                    j.enterprise_name.clone(),
                    format!("/enterprises/{}", j.enterprise_id),
                ),
                Cell::num(j.positions),
                Cell::text(pay_text(j.salary_min_fen, j.salary_max_fen, lang)),
                Cell::text(j.closes_on.to_string()),
                Cell::text(status_label(j.status, lang)),
            ]
        })
        .collect();
    let mut buttons = Vec::new();
    if who.can(perm::JOB_EDIT) {
        buttons.push(Button {
            id: "new",
            class: "btn-primary",
            href: "/recruitment/new".into(),
            label: lang.pick("发布岗位", "Post a job").into(),
        });
    }
    buttons.push(Button {
        id: "board",
        class: "btn-light",
        href: "/jobs".into(),
        label: lang.pick("公共招聘平台", "Public job board").into(),
    });
    let mut filters = vec![
        FilterField::text("q", lang.pick("岗位名称", "Title").into(), q.q.clone()),
        FilterField::select(
            "status",
            lang.pick("状态", "Status").into(),
            q.status.clone(),
            status_options(lang),
        ),
    ];
    if who.enterprise_id.is_none() {
        filters.push(FilterField::hidden(
            "enterprise_id",
            q.enterprise_id.clone(),
        ));
    }
    let tpl = ListPage {
        ctx: PageCtx::new(&who, lang, "jobs", lang.pick("招聘岗位", "Jobs")),
        action: "/recruitment".into(),
        buttons,
        filters,
        columns: vec![
            Column::new("title", lang.pick("岗位名称", "Title")),
            Column::new("enterprise", lang.pick("企业", "Enterprise")),
            Column::new("positions", lang.pick("招聘人数", "Positions")).numeric(),
            Column::new("pay", lang.pick("月薪", "Monthly pay")),
            Column::new("closes_on", lang.pick("截止日期", "Closes")),
            Column::new("status", lang.pick("状态", "Status")),
        ],
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new("jobs", "/recruitment", qs, None, paging, page.total, hidden),
        tree: Vec::new(),
    };
    Ok(render(&tpl))
}

#[derive(Template)]
#[template(path = "jobs/job_detail.html")]
struct DetailTpl {
    ctx: PageCtx,
    j: JobView,
    pay: String,
    can_edit: bool,
    today: NaiveDate,
    error: Option<String>,
}

impl DetailTpl {
    fn status_label(&self) -> &'static str {
        status_label(self.j.status, self.ctx.lang)
    }
    fn status_class(&self) -> &'static str {
        match self.j.status {
            jobs::OPEN => "badge-ok",
            _ => "badge-muted",
        }
    }
    fn aid(&self) -> String {
        yes_no_text(self.ctx.lang, self.j.employment_aid)
    }
}

async fn detail_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    error: Option<String>,
) -> AppResult<DetailTpl> {
    let j = jobs::get(&s.db, who, id).await?;
    Ok(DetailTpl {
        ctx: PageCtx::new(who, lang, "jobs", j.title.clone()),
        pay: pay_text(j.salary_min_fen, j.salary_max_fen, lang),
        can_edit: who.can(perm::JOB_EDIT),
        today: jobs::today(),
        error,
        j,
    })
}

async fn detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    Ok(render(&detail_page(&s, &who, lang, id, None).await?))
}

/// The job's page again with a refusal shown (a delete of a job with applications, a repost
/// without a later date), answered with the refusal's status.
async fn refused(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    e: AppError,
) -> AppResult<Response> {
    match e {
        e @ (AppError::Validation(_)
        | AppError::Conflict { .. }
        | AppError::ConflictWith { .. }) => {
            let status = e.status();
            let page = detail_page(s, who, lang, id, Some(refusal_text(&e, lang))).await?;
            Ok(render_status(status, &page))
        }
        e => Err(e),
    }
}

#[derive(Deserialize, Default, Clone)]
struct JobForm {
    enterprise_id: Option<String>,
    title: Option<String>,
    positions: Option<String>,
    salary_min: Option<String>,
    salary_max: Option<String>,
    place: Option<String>,
    requirements: Option<String>,
    closes_on: Option<String>,
    employment_aid: Option<String>,
    version: Option<String>,
}

fn date_of(e: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<NaiveDate> {
    clean(v.clone()).and_then(|v| match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            e.push(FieldError::new(
                field,
                "format",
                "日期格式应为 2020-03-01",
                "the date should look like 2020-03-01",
            ));
            None
        }
    })
}

impl JobForm {
    fn of(j: &JobView) -> Self {
        JobForm {
            enterprise_id: Some(j.enterprise_id.to_string()),
            title: Some(j.title.clone()),
            positions: Some(j.positions.to_string()),
            salary_min: Some(yuan(j.salary_min_fen)),
            salary_max: Some(yuan(j.salary_max_fen)),
            place: Some(j.place.clone()),
            requirements: j.requirements.clone(),
            closes_on: Some(j.closes_on.to_string()),
            employment_aid: j.employment_aid.then(|| "on".to_owned()),
            version: Some(j.version.to_string()),
        }
    }

    fn input(&self) -> Result<JobInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let enterprise_id =
            clean(self.enterprise_id.clone()).and_then(|v| match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.push(FieldError::new(
                        "enterprise_id",
                        "format",
                        "请选择",
                        "choose one",
                    ));
                    None
                }
            });
        let positions = clean(self.positions.clone()).and_then(|v| match v.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                e.push(FieldError::new(
                    "positions",
                    "format",
                    "招聘人数须为 1 到 10000 的整数",
                    "positions must be a whole number from 1 to 10000",
                ));
                None
            }
        });
        let mut money = |field: &str, v: &Option<String>, zh: &str, en: &str| {
            clean(v.clone()).and_then(|v| match lianxin_types::Fen::from_yuan_str(&v) {
                Ok(f) => Some(f.0),
                Err(err) => {
                    e.push(FieldError::from_validation(field, &err, zh, en));
                    None
                }
            })
        };
        let salary_min_fen = money(
            "salary_min",
            &self.salary_min,
            "月薪下限（元）",
            "Lowest pay (yuan)",
        );
        let salary_max_fen = money(
            "salary_max",
            &self.salary_max,
            "月薪上限（元）",
            "Highest pay (yuan)",
        );
        let closes_on = date_of(&mut e, "closes_on", &self.closes_on);
        let input = JobInput {
            enterprise_id,
            title: self.title.clone(),
            positions,
            salary_min_fen,
            salary_max_fen,
            place: self.place.clone(),
            requirements: self.requirements.clone(),
            closes_on,
            employment_aid: Some(self.employment_aid.as_deref().is_some_and(|v| v == "on")),
            version: self.version.as_deref().and_then(|v| v.trim().parse().ok()),
        };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}

/// The service's field names for pay are in fen; the form's in yuan.
fn form_errors(errs: Vec<FieldError>) -> Vec<FieldError> {
    errs.into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "salary_min_fen" => "salary_min".into(),
                "salary_max_fen" => "salary_max".into(),
                other => other.into(),
            };
            e
        })
        .collect()
}

fn with_form_fields<T>(r: AppResult<T>) -> AppResult<T> {
    r.map_err(|e| match e {
        AppError::Validation(errs) => AppError::Validation(form_errors(errs)),
        e => e,
    })
}

async fn form_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: &JobForm,
    editing: Option<i64>,
) -> AppResult<FormPage> {
    who.require(perm::JOB_EDIT)?;
    let firms = enterprises::Entity::find()
        .filter(who.scope.enterprises_writable())
        .order_by_asc(enterprises::Column::Name)
        .limit(5000)
        .all(&s.db)
        .await?;
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    let fields = vec![
        FormField::new(
            "enterprise_id",
            pick("企业", "Enterprise"),
            "select",
            form.enterprise_id.as_ref(),
        )
        .required()
        .options(
            firms
                .into_iter()
                .map(|e| SelectOption {
                    value: e.id.to_string(),
                    label: e.name,
                })
                .collect(),
        ),
        FormField::new(
            "title",
            pick("岗位名称", "Title"),
            "text",
            form.title.as_ref(),
        )
        .required(),
        FormField::new(
            "positions",
            pick("招聘人数", "Positions"),
            "number",
            form.positions.as_ref(),
        )
        .required(),
        FormField::new(
            "salary_min",
            pick("月薪下限（元）", "Lowest monthly pay (yuan)"),
            "text",
            form.salary_min.as_ref(),
        )
        .required()
        .hint(pick("面议请填 0", "0 for negotiable")),
        FormField::new(
            "salary_max",
            pick("月薪上限（元）", "Highest monthly pay (yuan)"),
            "text",
            form.salary_max.as_ref(),
        )
        .required(),
        FormField::new(
            "place",
            pick("工作地点", "Place"),
            "text",
            form.place.as_ref(),
        )
        .required(),
        FormField::new(
            "requirements",
            pick("任职要求", "Requirements"),
            "textarea",
            form.requirements.as_ref(),
        ),
        FormField::new(
            "closes_on",
            pick("截止日期", "Closing date"),
            "date",
            form.closes_on.as_ref(),
        )
        .required(),
        FormField::new(
            "employment_aid",
            pick(
                "就业援助友好（适合长期失业人员、残疾人、低收入家庭成员）",
                "Suits employment-assistance targets",
            ),
            "checkbox",
            form.employment_aid.as_ref(),
        ),
        FormField::new("version", String::new(), "hidden", form.version.as_ref()),
    ];
    let (title, action, cancel) = match editing {
        Some(id) => (
            pick("修改岗位", "Edit job"),
            format!("/recruitment/{id}"),
            format!("/recruitment/{id}"),
        ),
        None => (
            pick("发布岗位", "Post a job"),
            "/recruitment".to_owned(),
            "/recruitment".to_owned(),
        ),
    };
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "jobs", title),
        action,
        cancel,
        fields,
        errors: Vec::new(),
    })
}

async fn new(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    let form = JobForm {
        enterprise_id: who.enterprise_id.map(|e| e.to_string()),
        ..Default::default()
    };
    Ok(render(&form_page(&s, &who, lang, &form, None).await?))
}

async fn create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<JobForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => with_form_fields(jobs::create(&s.db, &who, input).await),
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |j| format!("/recruitment/{}", j.id),
        || form_page(&s, &who, lang, &form, None),
    )
    .await
}

async fn edit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let j = jobs::get(&s.db, &who, id).await?;
    Ok(render(
        &form_page(&s, &who, lang, &JobForm::of(&j), Some(id)).await?,
    ))
}

async fn update(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(form): Form<JobForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => with_form_fields(jobs::update(&s.db, &who, id, input).await),
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |j| format!("/recruitment/{}", j.id),
        || form_page(&s, &who, lang, &form, Some(id)),
    )
    .await
}

async fn close(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    match jobs::close(&s.db, &who, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/recruitment/{id}")).into_response()),
        Err(e) => refused(&s, &who, lang, id, e).await,
    }
}

#[derive(Deserialize, Default)]
struct RepostForm {
    closes_on: Option<String>,
    version: Option<String>,
}

async fn repost(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(form): Form<RepostForm>,
) -> AppResult<Response> {
    let mut errs = Vec::new();
    let closes_on = date_of(&mut errs, "closes_on", &form.closes_on);
    let version = form.version.as_deref().and_then(|v| v.trim().parse().ok());
    let result = if errs.is_empty() {
        jobs::repost(&s.db, &who, id, closes_on, version).await
    } else {
        Err(AppError::Validation(errs))
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/recruitment/{id}")).into_response()),
        Err(e) => refused(&s, &who, lang, id, e).await,
    }
}

async fn delete(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    match jobs::delete(&s.db, &who, id).await {
        Ok(()) => Ok(Redirect::to("/recruitment").into_response()),
        Err(e) => refused(&s, &who, lang, id, e).await,
    }
}
