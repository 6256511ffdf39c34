//! The visits' pages: the list, the phone-first visit form (the firm's burden and its latest
//! figures shown as soon as it is picked, so that the visitor does not ask again), a visit with
//! its problems and photos, the firm's visits and burden, and the monthly visit report with its
//! .xlsx.

use askama::Template;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render, render_status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::access::Principal;
use crate::entities::{case_categories, case_kinds, enterprises, people, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::perm;
use crate::visits::{self, Burden, DutyReport, ProblemInput, VisitFilter, VisitInput, VisitView};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/visits", get(list).post(create))
        .route("/visits/new", get(new))
        .route("/visits/burden", get(burden_block))
        .route("/visits/report", get(report))
        .route("/visits/report.xlsx", get(report_xlsx))
        .route("/visits/excuse", post(excuse))
        .route("/visits/firm/{id}", get(firm))
        .route("/visits/firm/{id}/figure-requests", post(figure_request))
        .route("/visits/{id}", get(detail))
        .route("/visits/{id}/photos", post(photos))
}

/// How many problem rows the form offers.
const PROBLEM_ROWS: usize = 3;

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Deserialize, Default)]
struct ListQuery {
    month: Option<String>,
    enterprise_id: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

async fn firm_options(s: &Core, who: &Principal) -> AppResult<Vec<SelectOption>> {
    Ok(enterprises::Entity::find()
        .filter(who.scope.enterprises_with_dependents())
        .order_by_asc(enterprises::Column::Name)
        .limit(5000)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|e| SelectOption {
            value: e.id.to_string(),
            label: e.name,
        })
        .collect())
}

async fn list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let enterprise_id = match q.enterprise_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            AppError::invalid(FieldError::new(
                "enterprise_id",
                "format",
                "请选择企业",
                "choose an enterprise",
            ))
        })?),
    };
    let f = VisitFilter {
        enterprise_id,
        person_id: None,
        month: q.month.clone(),
    };
    let page = visits::list(&s.db, &who, &f, paging, lang).await?;
    let qs = query_string(&[
        ("month", q.month.clone()),
        ("enterprise_id", q.enterprise_id.clone()),
    ]);
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "visits").await?;
    let rows = page
        .items
        .iter()
        .map(|v| {
            vec![
                Cell::link(local(v.visited_at), format!("/visits/{}", v.id)),
                Cell::link(
                    v.enterprise.name.clone(),
                    format!("/visits/firm/{}", v.enterprise.id),
                ),
                Cell::text(
                    v.visitors
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(lang.pick("、", ", ")),
                ),
                Cell::num(v.problems.len()),
            ]
        })
        .collect();
    let mut buttons = Vec::new();
    if who.can(perm::VISIT_RECORD) {
        buttons.push(Button {
            id: "new",
            class: "btn-primary",
            href: "/visits/new".into(),
            label: lang.pick("登记走访", "Record a visit").into(),
        });
    }
    buttons.push(Button {
        id: "report",
        class: "",
        href: "/visits/report".into(),
        label: lang.pick("月度走访报表", "Monthly visit report").into(),
    });
    let tpl = ListPage {
        ctx: PageCtx::new(&who, lang, "visits", lang.pick("三送一强走访", "Visits")),
        action: "/visits".into(),
        buttons,
        filters: vec![
            FilterField::text(
                "month",
                lang.pick("月份（如 2020-03）", "Month (e.g. 2020-03)")
                    .into(),
                q.month.clone(),
            ),
            FilterField::select(
                "enterprise_id",
                lang.pick("企业", "Enterprise").into(),
                q.enterprise_id.clone(),
                firm_options(&s, &who).await?,
            ),
        ],
        columns: vec![
            Column::new("visited_at", lang.pick("走访时间", "Visited at")),
            Column::new("enterprise", lang.pick("企业", "Enterprise")),
            Column::new("visitors", lang.pick("走访干部", "Cadres")),
            Column::new("problems", lang.pick("问题数", "Problems")).numeric(),
        ],
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new("visits", "/visits", qs, None, paging, page.total, hidden),
        tree: Vec::new(),
    };
    Ok(render(&tpl))
}

// --- the form -----------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
struct VisitForm {
    enterprise_id: Option<String>,
    /// datetime-local, Beijing time: 2020-03-19T10:30
    visited_at: Option<String>,
    #[serde(default)]
    visitor_person_ids: Vec<String>,
    policy: Option<String>,
    service: Option<String>,
    factor: Option<String>,
    confidence: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    p_title: Vec<String>,
    #[serde(default)]
    p_description: Vec<String>,
    #[serde(default)]
    p_category: Vec<String>,
    #[serde(default)]
    p_lead: Vec<String>,
}

impl VisitForm {
    fn input(&self) -> Result<VisitInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let enterprise_id = self
            .enterprise_id
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .and_then(|v| match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.push(FieldError::new(
                        "enterprise_id",
                        "format",
                        "请选择企业",
                        "choose an enterprise",
                    ));
                    None
                }
            });
        let visited_at = self
            .visited_at
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .and_then(|v| {
                let parsed = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
                    .ok()
                    .and_then(|t| {
                        FixedOffset::east_opt(8 * 3600)?
                            .from_local_datetime(&t)
                            .single()
                    });
                if parsed.is_none() {
                    e.push(FieldError::new(
                        "visited_at",
                        "format",
                        "走访时间格式应为 2020-03-19 10:30",
                        "the visit time should look like 2020-03-19 10:30",
                    ));
                }
                parsed
            });
        let mut visitors = Vec::new();
        for v in self
            .visitor_person_ids
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            match v.parse::<i64>() {
                Ok(n) => visitors.push(n),
                Err(_) => e.push(FieldError::new(
                    "visitor_person_ids",
                    "format",
                    "请选择走访干部",
                    "choose the cadres",
                )),
            }
        }
        let at = |v: &Vec<String>, i: usize| {
            v.get(i)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let mut problems = Vec::new();
        for i in 0..self.p_title.len().max(self.p_description.len()) {
            let title = at(&self.p_title, i);
            let description = at(&self.p_description, i);
            let category = at(&self.p_category, i);
            let lead = at(&self.p_lead, i);
            // An untouched row is no problem.
            if title.is_none() && description.is_none() {
                continue;
            }
            let lead_unit_id = lead.and_then(|l| l.parse::<i64>().ok());
            problems.push(ProblemInput {
                title,
                description,
                category,
                lead_unit_id,
            });
        }
        let input = VisitInput {
            enterprise_id,
            visited_at,
            visitor_person_ids: Some(visitors),
            delivered: Some(visits::Delivered {
                policy: self.policy.clone(),
                service: self.service.clone(),
                factor: self.factor.clone(),
                confidence: self.confidence.clone(),
            }),
            notes: self.notes.clone(),
            problems: Some(problems),
        };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}

struct ProblemRow {
    title: String,
    description: String,
    category: String,
    lead: String,
}

#[derive(Template)]
#[template(path = "recovery/visit_new.html")]
struct NewPage {
    ctx: PageCtx,
    firms: Vec<SelectOption>,
    cadres: Vec<SelectOption>,
    categories: Vec<SelectOption>,
    leads: Vec<SelectOption>,
    enterprise_id: String,
    visited_at: String,
    visitors: Vec<String>,
    delivered: [String; 4],
    notes: String,
    rows: Vec<ProblemRow>,
    burden: Option<Burden>,
    errors: Vec<FieldError>,
}

impl NewPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
            .map(|e| e.message(self.ctx.lang).to_owned())
            .collect::<Vec<_>>()
            .join("；")
    }
    fn row_error(&self, i: &usize) -> String {
        // Rows are numbered among the problems sent: the untouched rows are skipped.
        let sent: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.title.is_empty() || !r.description.is_empty())
            .map(|(i, _)| i)
            .collect();
        match sent.iter().position(|r| r == i) {
            Some(n) => self.error(&format!("problems[{n}]")),
            None => String::new(),
        }
    }
    fn all_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.message(self.ctx.lang).to_owned())
            .collect()
    }
    fn visitor_chosen(&self, v: &str) -> bool {
        self.visitors.iter().any(|x| x == v)
    }
}

async fn category_options(s: &Core, lang: Lang) -> AppResult<Vec<SelectOption>> {
    let Some(kind) = case_kinds::Entity::find()
        .filter(case_kinds::Column::Code.eq("enterprise_appeal"))
        .one(&s.db)
        .await?
    else {
        return Ok(Vec::new());
    };
    Ok(case_categories::Entity::find()
        .filter(case_categories::Column::KindId.eq(kind.id))
        .filter(case_categories::Column::Active.eq(true))
        .order_by_asc(case_categories::Column::Id)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|c| SelectOption {
            value: c.code,
            label: lang.pick(&c.name_zh, &c.name_en).to_owned(),
        })
        .collect())
}

async fn new_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: &VisitForm,
    errors: Vec<FieldError>,
) -> AppResult<NewPage> {
    who.require(perm::VISIT_RECORD)?;
    let cadres = people::Entity::find()
        .filter(people::Column::IsCadre.eq(true))
        .filter(<people::Entity as crate::access::scope::Scoped>::scope_condition(&who.scope))
        .order_by_asc(people::Column::Name)
        .limit(2000)
        .all(&s.db)
        .await?
        .into_iter()
        .filter(|p| Some(p.id) != who.person_id)
        .map(|p| SelectOption {
            value: p.id.to_string(),
            label: p.name,
        })
        .collect();
    let leads = units::Entity::find()
        .filter(units::Column::Kind.is_in(["department", "subdistrict", "town", "task_force"]))
        .order_by_asc(units::Column::Code)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|u| SelectOption {
            value: u.id.to_string(),
            label: u.name,
        })
        .collect();
    let get = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let n = form.p_title.len().max(PROBLEM_ROWS);
    let rows = (0..n)
        .map(|i| ProblemRow {
            title: get(&form.p_title, i),
            description: get(&form.p_description, i),
            category: get(&form.p_category, i),
            lead: get(&form.p_lead, i),
        })
        .collect();
    let enterprise_id = form.enterprise_id.clone().unwrap_or_default();
    let burden = match enterprise_id.trim().parse::<i64>() {
        Ok(id) if who.can(perm::VISIT_LIST) => {
            visits::burden(&s.db, who, id, visits::parse_month("month", None)?, lang)
                .await
                .ok()
        }
        _ => None,
    };
    let now = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let t = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(NewPage {
        ctx: PageCtx::new(who, lang, "visits", lang.pick("登记走访", "Record a visit")),
        firms: firm_options(s, who).await?,
        cadres,
        categories: category_options(s, lang).await?,
        leads,
        enterprise_id,
        visited_at: form.visited_at.clone().unwrap_or(now),
        visitors: form.visitor_person_ids.clone(),
        delivered: [
            t(&form.policy),
            t(&form.service),
            t(&form.factor),
            t(&form.confidence),
        ],
        notes: t(&form.notes),
        rows,
        burden,
        errors,
    })
}

async fn new(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<FirmQuery>,
) -> AppResult<Response> {
    let form = VisitForm {
        enterprise_id: q.enterprise_id,
        ..Default::default()
    };
    Ok(render(&new_page(&s, &who, lang, &form, Vec::new()).await?))
}

async fn create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<VisitForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => visits::record(&s.db, &who, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    match result {
        Ok(r) => {
            let to = if r.warnings.is_empty() {
                format!("/visits/{}", r.id)
            } else {
                format!("/visits/{}?warned=1", r.id)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Validation(errs)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(&s, &who, lang, &form, errs).await?,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
struct FirmQuery {
    enterprise_id: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery/visit_burden.html")]
struct BurdenBlock {
    ctx: PageCtx,
    burden: Option<Burden>,
}

/// The burden block of the form for the firm picked (htmx swaps it in).
async fn burden_block(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<FirmQuery>,
) -> AppResult<Response> {
    let burden = match q
        .enterprise_id
        .as_deref()
        .map(str::trim)
        .map(str::parse::<i64>)
    {
        Some(Ok(id)) if who.can(perm::VISIT_LIST) => {
            visits::burden(&s.db, &who, id, visits::parse_month("month", None)?, lang)
                .await
                .ok()
        }
        _ => None,
    };
    Ok(render(&BurdenBlock {
        ctx: PageCtx::new(&who, lang, "visits", ""),
        burden,
    }))
}

// --- a visit ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "recovery/visit_detail.html")]
struct DetailPage {
    ctx: PageCtx,
    v: VisitView,
    photos: Vec<crate::cases::attachments::AttachmentView>,
    can_upload: bool,
    warned: bool,
    cap: i64,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    warned: Option<String>,
}

impl DetailPage {
    fn when(&self) -> String {
        local(self.v.visited_at)
    }
    fn or_dash(&self, v: &Option<String>) -> String {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "—".into())
    }
}

async fn detail_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    warned: bool,
    error: Option<String>,
) -> AppResult<DetailPage> {
    let v = visits::get(&s.db, who, id, lang).await?;
    Ok(DetailPage {
        ctx: PageCtx::new(who, lang, "visits", v.enterprise.name.clone()),
        photos: visits::photos(&s.db, id).await?,
        can_upload: who.can(perm::VISIT_RECORD),
        cap: visits::visit_cap(&s.db).await?,
        v,
        warned,
        error,
    })
}

async fn detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<DetailQuery>,
) -> AppResult<Response> {
    let warned = q.warned.as_deref() == Some("1");
    Ok(render(
        &detail_page(&s, &who, lang, id, warned, None).await?,
    ))
}

async fn photos(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let result = match lianxin_kernel::http::read_upload(mp).await {
        Ok((_, files)) => visits::attach(&s.db, &who, id, files).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/visits/{id}")).into_response()),
        Err(AppError::Validation(errs)) => {
            let msg = errs
                .iter()
                .map(|e| e.message(lang).to_owned())
                .collect::<Vec<_>>()
                .join("；");
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &detail_page(&s, &who, lang, id, false, Some(msg)).await?,
            ))
        }
        Err(e) => Err(e),
    }
}

// --- the firm ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "recovery/visit_firm.html")]
struct FirmPage {
    ctx: PageCtx,
    burden: Option<Burden>,
    visits: Vec<VisitView>,
    can_record: bool,
    error: Option<String>,
}

impl FirmPage {
    fn when(&self, v: &VisitView) -> String {
        local(v.visited_at)
    }
}

async fn firm_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    error: Option<String>,
) -> AppResult<FirmPage> {
    let b = visits::burden(&s.db, who, id, visits::parse_month("month", None)?, lang).await?;
    let f = VisitFilter {
        enterprise_id: Some(id),
        ..Default::default()
    };
    let page = visits::list(
        &s.db,
        who,
        &f,
        Paging {
            page: Some(1),
            page_size: Some(50),
        },
        lang,
    )
    .await?;
    Ok(FirmPage {
        ctx: PageCtx::new(who, lang, "visits", b.enterprise.name.clone()),
        burden: Some(b),
        visits: page.items,
        can_record: who.can(perm::VISIT_RECORD),
        error,
    })
}

async fn firm(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    Ok(render(&firm_page(&s, &who, lang, id, None).await?))
}

#[derive(Deserialize, Default)]
struct FigureForm {
    subject: Option<String>,
    asked_on: Option<String>,
}

async fn figure_request(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<FigureForm>,
) -> AppResult<Response> {
    let asked_on = match f
        .asked_on
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                AppError::invalid(FieldError::new(
                    "asked_on",
                    "format",
                    "日期格式应为 2020-03-01",
                    "the date should look like 2020-03-01",
                ))
            }),
    };
    let result = match asked_on {
        Ok(asked_on) => visits::request_figures(
            &s.db,
            &who,
            id,
            visits::FigureRequestInput {
                subject: f.subject,
                asked_on,
                unit_id: None,
            },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/visits/firm/{id}")).into_response()),
        Err(AppError::Validation(errs)) => {
            let msg = errs
                .iter()
                .map(|e| e.message(lang).to_owned())
                .collect::<Vec<_>>()
                .join("；");
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &firm_page(&s, &who, lang, id, Some(msg)).await?,
            ))
        }
        Err(e) => Err(e),
    }
}

// --- the monthly report -----------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct MonthQuery {
    month: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery/visit_report.html")]
struct ReportPage {
    ctx: PageCtx,
    r: DutyReport,
    /// The caller's own row when they are a cadre of the report: they may state a reason.
    me: Option<i64>,
    error: Option<String>,
}

async fn report_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    month: chrono::NaiveDate,
    error: Option<String>,
) -> AppResult<ReportPage> {
    let r = visits::report(&s.db, who, month).await?;
    let me = who
        .person_id
        .filter(|p| r.cadres.iter().any(|c| c.person_id == *p));
    Ok(ReportPage {
        ctx: PageCtx::new(
            who,
            lang,
            "visits",
            lang.pick("月度走访报表", "Monthly visit report"),
        ),
        r,
        me,
        error,
    })
}

#[derive(Deserialize, Default)]
struct ExcuseForm {
    month: Option<String>,
    reason: Option<String>,
}

/// The caller states their own reason for the month.
async fn excuse(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<ExcuseForm>,
) -> AppResult<Response> {
    let month = f.month.clone().unwrap_or_default();
    let result = visits::excuse(
        &s.db,
        &who,
        visits::ExcuseInput {
            person_id: who.person_id,
            month: f.month,
            reason: f.reason,
        },
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/visits/report?month={month}")).into_response()),
        Err(AppError::Validation(errs)) => {
            let msg = errs
                .iter()
                .map(|e| e.message(lang).to_owned())
                .collect::<Vec<_>>()
                .join("；");
            let m = visits::parse_month("month", Some(&month))
                .or_else(|_| visits::parse_month("month", None))?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &report_page(&s, &who, lang, m, Some(msg)).await?,
            ))
        }
        Err(e) => Err(e),
    }
}

async fn report(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> AppResult<Response> {
    let month = visits::parse_month("month", q.month.as_deref())?;
    Ok(render(&report_page(&s, &who, lang, month, None).await?))
}

async fn report_xlsx(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> AppResult<Response> {
    use lianxin_kernel::sheet::TableSheet;
    let month = visits::parse_month("month", q.month.as_deref())?;
    let r = visits::report(&s.db, &who, month).await?;
    let yes_no = |b: bool| lang.pick(if b { "是" } else { "否" }, if b { "yes" } else { "no" });
    let title = lang.pick("月度走访报表", "Monthly visit report");
    let mut sheet = TableSheet::labeled(
        title,
        &[
            ("干部", "Cadre"),
            ("单位", "Unit"),
            ("走访次数", "Visits"),
            ("走访企业数", "Firms"),
            ("发现问题", "Problems raised"),
            ("解决问题", "Problems solved"),
            ("未完成走访计划", "Below the plan"),
            ("未走访原因", "Reason given"),
        ],
        lang,
    )?;
    for c in &r.cadres {
        sheet.row(&[
            c.name.clone(),
            c.unit_name.clone(),
            c.visits.to_string(),
            c.firms.to_string(),
            c.problems_raised.to_string(),
            c.problems_solved.to_string(),
            yes_no(c.below_plan).to_owned(),
            c.reason.clone().unwrap_or_default(),
        ])?;
    }
    sheet.row(&[""])?;
    sheet.row(&[
        lang.pick("单位", "Unit"),
        lang.pick("干部数", "Cadres"),
        lang.pick("走访次数", "Visits"),
        lang.pick("走访企业数", "Firms"),
        lang.pick("发现问题", "Problems raised"),
        lang.pick("解决问题", "Problems solved"),
        lang.pick("未完成计划人数", "Below the plan"),
        lang.pick("未走访人数", "Without a visit"),
    ])?;
    for u in &r.units {
        sheet.row(&[
            u.unit_name.clone(),
            u.cadres.to_string(),
            u.visits.to_string(),
            u.firms.to_string(),
            u.problems_raised.to_string(),
            u.problems_solved.to_string(),
            u.below_plan.to_string(),
            u.without_visit.to_string(),
        ])?;
    }
    crate::audit::record_export(&s.db, &who, "visit", sheet.len()).await?;
    sheet.download(&format!("{title}-{}", r.month)).await
}
