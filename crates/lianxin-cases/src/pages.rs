//! Case screens: my to-do (待办) with counts, my department's cases, the overdue board, the
//! case page with its timeline and the actions the caller may take now, raising a case (and a
//! phone-friendly appeal page for enterprise contacts), inspections, bulletins, metrics.
//! Every screen calls `cases::service` / `inspections` / `bulletins` / `metrics`, as the API does.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use crate::access::Principal;
use crate::bulletins::{self, BulletinInput, BulletinItemInput, BulletinView};
use crate::entities::{enterprises, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::inspections::{self, FindingInput, InspectionInput, InspectionView};
use crate::kinds::{self, KindView};
use crate::label;
use crate::metrics::{self, GroupBy, Metrics, MetricsQuery};
use crate::paging::Paging;
use crate::perm;
use crate::service::{self, ActionInput, Bucket, CaseDetail, CaseFilter, CaseInput, CaseView};
use axum::extract::FromRef;
use lianxin_kernel::http::IdPath;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::local_time;
use lianxin_kernel::web::{PageCtx, render, render_status};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/cases", get(list_page))
        .route("/cases/new", get(new_page).post(new_submit))
        .route("/cases/metrics", get(metrics_page))
        .route("/cases/metrics.xlsx", get(metrics_export))
        .route("/cases/{id}", get(detail_page))
        .route("/cases/{id}/act", post(act_submit))
        .route("/cases/{id}/attach", post(attach_submit))
        .route("/attachments/{id}", get(attachment))
        .route("/appeal", get(appeal_page).post(appeal_submit))
        .route("/inspections", get(inspections_page))
        .route(
            "/inspections/new",
            get(inspection_new).post(inspection_submit),
        )
        .route("/inspections/{id}", get(inspection_detail))
        .route("/inspections/{id}/attach", post(inspection_attach))
        .route("/system/case-kinds", get(kinds_page).post(kind_create))
        .route("/system/case-kinds/{id}", post(kind_update))
        .route("/system/case-kinds/{id}/categories", post(category_create))
        .route("/bulletins", get(bulletins_page))
        .route("/bulletins/new", get(bulletin_new).post(bulletin_create))
        .route("/bulletins/{id}", get(bulletin_detail).post(bulletin_save))
        .route("/bulletins/{id}/edit", get(bulletin_edit))
        .route("/bulletins/{id}/issue", post(bulletin_issue))
        .route("/bulletins/{id}/export.docx", get(bulletin_docx))
        .route("/bulletins/{id}/export.xlsx", get(bulletin_xlsx))
}

pub use lianxin_kernel::web::widgets::SelectOption as Opt;

fn opt(value: impl ToString, label: impl Into<String>) -> Opt {
    Opt {
        value: value.to_string(),
        label: label.into(),
    }
}

fn codes(list: crate::Codes, lang: Lang) -> Vec<Opt> {
    list.iter()
        .map(|(k, zh, en)| opt(k, lang.pick(zh, en)))
        .collect()
}

fn t(v: &Option<DateTime<Utc>>) -> String {
    v.as_ref().map(local_time).unwrap_or_default()
}

/// Units a case can be dispatched to or be about (departments and local units).
async fn unit_options(s: &Core, kinds: &[&str]) -> AppResult<Vec<Opt>> {
    Ok(units::Entity::find()
        .filter(units::Column::Kind.is_in(kinds.to_vec()))
        .order_by_asc(units::Column::Code)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|u| opt(u.id, u.name))
        .collect())
}

const HANDLING_UNITS: &[&str] = &[
    "department",
    "subdistrict",
    "town",
    "task_force",
    "district",
];

/// The messages of the errors about `field` (and its parts: `field.x`, `field[2]...`), for the
/// line under a form control; nested fields are named so the row can be found.
fn field_errors(errors: &[FieldError], field: &str, lang: Lang) -> String {
    errors
        .iter()
        .filter(|e| {
            e.field == field
                || e.field.starts_with(&format!("{field}."))
                || e.field.starts_with(&format!("{field}["))
        })
        .map(|e| {
            if e.field == field {
                e.message(lang).to_owned()
            } else {
                format!("{}：{}", e.field, e.message(lang))
            }
        })
        .collect::<Vec<_>>()
        .join("；")
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn nth(v: &[String], i: usize) -> &str {
    v.get(i).map(String::as_str).unwrap_or("")
}

/// The end of a form post: to the saved record, or the form again (422) with its errors.
async fn saved_or_page<T, P, Fut>(
    result: AppResult<T>,
    redirect: impl FnOnce(T) -> String,
    page: impl FnOnce(Vec<FieldError>) -> Fut,
) -> AppResult<Response>
where
    P: Template,
    Fut: std::future::Future<Output = AppResult<P>>,
{
    match result {
        Ok(v) => Ok(Redirect::to(&redirect(v)).into_response()),
        Err(AppError::Validation(errs)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(errs).await?,
        )),
        Err(e) => Err(e),
    }
}

// --- list ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    bucket: Option<String>,
    scope: Option<String>,
    page: Option<u64>,
}

pub struct Tab {
    pub label: String,
    pub href: String,
    pub count: Option<u64>,
    pub active: bool,
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "cases_list.html")]
struct ListPage {
    ctx: PageCtx,
    tabs: Vec<Tab>,
    q: ListQuery,
    statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    rows: Vec<CaseView>,
    total: u64,
    page: u64,
    pages: u64,
    base: String,
    can_raise: bool,
    now: DateTime<Utc>,
}

impl ListPage {
    fn page_href(&self, p: u64) -> String {
        format!(
            "{}{}page={p}",
            self.base,
            if self.base.contains('?') { "&" } else { "?" }
        )
    }
    fn subject(&self, c: &CaseView) -> String {
        c.enterprise
            .as_ref()
            .or(c.subject_unit.as_ref())
            .map(|n| n.name.clone())
            .unwrap_or_default()
    }
    fn overdue_days(&self, c: &CaseView) -> i64 {
        c.deadline.map(|d| (self.now - d).num_days()).unwrap_or(0)
    }
}

async fn list_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    who.require(perm::CASE_LIST)?;
    let bucket = q
        .bucket
        .as_deref()
        .and_then(|b| Bucket::ALL.into_iter().find(|x| x.code() == b));
    let mine = q.scope.as_deref() == Some("unit");
    let f = CaseFilter {
        q: q.q.clone(),
        status: q.status.clone().filter(|s| !s.is_empty()),
        kind: q.kind.clone().filter(|s| !s.is_empty()),
        bucket,
        unit_id: if mine { who.unit_id } else { None },
        ..Default::default()
    };
    let page = q.page.unwrap_or(1).max(1);
    let paging = Paging::new(page, 20);
    let result = service::list(&s.db, &who, &f, paging).await?;
    let rows = service::views(&s.db, result.items, lang).await?;
    let counts = service::todo_counts(&s.db, &who, lang).await?;
    let mut tabs = vec![Tab {
        label: lang.pick("全部", "All").into(),
        href: "/cases".into(),
        count: None,
        active: bucket.is_none() && !mine,
        danger: false,
    }];
    if who.unit_id.is_some() && who.can(perm::CASE_HANDLE) {
        tabs.push(Tab {
            label: lang.pick("本单位承办", "My department's").into(),
            href: "/cases?scope=unit".into(),
            count: None,
            active: mine,
            danger: false,
        });
    }
    for tc in counts {
        tabs.push(Tab {
            label: tc.label,
            href: format!("/cases?bucket={}", tc.bucket.code()),
            count: Some(tc.count),
            active: bucket == Some(tc.bucket),
            danger: tc.bucket == Bucket::Overdue && tc.count > 0,
        });
    }
    let title = match bucket {
        Some(Bucket::Overdue) => lang.pick("超期督办", "Overdue board").to_owned(),
        Some(b) => format!("{}：{}", lang.pick("我的待办", "My to-do"), b.label(lang)),
        None => lang.pick("事项办理", "Cases").to_owned(),
    };
    let active = if bucket == Some(Bucket::Overdue) {
        "cases_overdue"
    } else {
        "cases"
    };
    let mut base = String::from("/cases?");
    for (k, v) in [
        ("q", &q.q),
        ("status", &q.status),
        ("kind", &q.kind),
        ("bucket", &q.bucket),
        ("scope", &q.scope),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            base.push_str(&format!(
                "{k}={}&",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            ));
        }
    }
    base.pop();
    let kinds = kinds::list(&s.db)
        .await?
        .into_iter()
        .map(|k| opt(&k.code, lang.pick(&k.name_zh, &k.name_en)))
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, active, title),
        tabs,
        statuses: codes(crate::STATUSES, lang),
        kinds,
        pages: paging.pages(result.total),
        total: result.total,
        page,
        rows,
        base,
        can_raise: who.can(perm::CASE_RAISE),
        now: Utc::now(),
        q,
    }))
}

// --- detail and actions ----------------------------------------------------------------------------

pub struct TimelineItem {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub unit: String,
    pub note: String,
    pub detail: String,
}

/// What the caller may do now (each renders as a form on the case page).
#[derive(Default)]
pub struct Allowed {
    pub dispatch: bool,
    pub accept: bool,
    pub handle: bool,
    pub resolve: bool,
    pub extend: bool,
    pub reply: bool,
    pub revisit: bool,
    pub close: bool,
    pub reopen: bool,
    pub escalate: bool,
    pub approve: bool,
    pub bulletin: bool,
    /// An administrator without a unit picks which department to act for.
    pub acting_units: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "case_detail.html")]
struct DetailPage {
    ctx: PageCtx,
    case: CaseView,
    attachments: Vec<crate::attachments::AttachmentView>,
    timeline: Vec<TimelineItem>,
    allowed: Allowed,
    units: Vec<Opt>,
    satisfactions: Vec<Opt>,
    error: Option<String>,
    errors: Vec<String>,
}

impl DetailPage {
    fn code_label(&self, what: &str, code: &str) -> String {
        let list = match what {
            "source" => crate::SOURCES,
            "priority" => crate::PRIORITIES,
            _ => crate::SATISFACTIONS,
        };
        label(list, code, self.ctx.lang)
    }
    fn assignment_status(&self, s: &str) -> &'static str {
        let lang = self.ctx.lang;
        match s {
            "pending" => lang.pick("待签收", "To accept"),
            "accepted" => lang.pick("办理中", "In progress"),
            "resolved" => lang.pick("已办结", "Resolved"),
            _ => "",
        }
    }
}

fn event_detail(data: &serde_json::Value, lang: Lang) -> String {
    let mut parts = Vec::new();
    let time = |k: &str| {
        data.get(k)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<DateTime<Utc>>().ok())
            .map(|d| lianxin_kernel::web::widgets::local_deadline(&d))
    };
    if let Some(d) = time("deadline") {
        parts.push(format!("{}{d}", lang.pick("期限：", "deadline: ")));
    }
    if let Some(s) = data.get("satisfaction").and_then(|v| v.as_str()) {
        parts.push(label(crate::SATISFACTIONS, s, lang));
    }
    if let Some(b) = data.get("solved").and_then(|v| v.as_bool()) {
        parts.push(
            if b {
                lang.pick("问题已解决", "solved")
            } else {
                lang.pick("问题未解决", "not solved")
            }
            .into(),
        );
    }
    if data.get("reopened").and_then(|v| v.as_bool()) == Some(true) {
        parts.push(lang.pick("重办", "reopened").into());
    }
    if let Some(s) = data.get("solution").and_then(|v| v.as_str()) {
        parts.push(s.to_owned());
    }
    if let Some(b) = data.get("approved").and_then(|v| v.as_bool()) {
        parts.push(
            if b {
                lang.pick("同意延期", "extension granted")
            } else {
                lang.pick("不同意延期", "extension refused")
            }
            .into(),
        );
    }
    parts.join("；")
}

async fn allowed_for(s: &Core, who: &Principal, case: &CaseView) -> AppResult<Allowed> {
    let st = case.status.as_str();
    let open = matches!(st, "dispatched" | "in_progress");
    let my_units: Vec<i64> = case
        .assignments
        .iter()
        .map(|a| a.unit.id)
        .filter(|u| who.unit_id == Some(*u))
        .collect();
    let admin_acting = who.can(perm::ALL) && my_units.is_empty();
    let mine = |pred: &dyn Fn(&service::AssignmentView) -> bool| {
        case.assignments
            .iter()
            .any(|a| (admin_acting || who.unit_id == Some(a.unit.id)) && pred(a))
    };
    let handler = who.can(perm::CASE_HANDLE) && open;
    let kind_verification = kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|k| k.code == case.kind)
        .is_some_and(|k| k.needs_verification);
    Ok(Allowed {
        dispatch: st == "new" && who.can(perm::CASE_DISPATCH),
        accept: handler && mine(&|a| a.status == "pending"),
        handle: handler && mine(&|_| true),
        resolve: handler && mine(&|a| a.status == "accepted"),
        extend: handler && case.requested_deadline.is_none() && mine(&|a| a.role == "lead"),
        reply: st != "closed",
        revisit: st == "resolved"
            && who.can(perm::CASE_REVISIT)
            && (!kind_verification || who.can(perm::INSPECTION_ADD))
            && my_units.is_empty(),
        close: st == "revisited" && who.can(perm::CASE_CLOSE),
        reopen: matches!(st, "revisited" | "closed") && who.can(perm::CASE_ESCALATE),
        escalate: open && who.can(perm::CASE_ESCALATE),
        approve: case.requested_deadline.is_some() && who.can(perm::CASE_APPROVE),
        bulletin: who.can(perm::BULLETIN_EDIT) && case.lead_unit.is_some(),
        acting_units: if admin_acting {
            case.assignments
                .iter()
                .map(|a| {
                    opt(
                        a.unit.id,
                        format!(
                            "{}（{}）",
                            a.unit.name,
                            if a.role == "lead" { "牵头" } else { "协办" }
                        ),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
    })
}

async fn detail_response(
    s: &Core,
    who: &Principal,
    lang: Lang,
    d: CaseDetail,
    status: StatusCode,
    error: Option<String>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let allowed = allowed_for(s, who, &d.case).await?;
    let timeline = d
        .events
        .iter()
        .rev()
        .map(|e| TimelineItem {
            at: local_time(&e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            action_label: e.action_label.clone(),
            unit: e.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
            note: e.note.clone().unwrap_or_default(),
            detail: event_detail(&e.data, lang),
        })
        .collect();
    let units = if allowed.dispatch {
        unit_options(s, HANDLING_UNITS).await?
    } else {
        Vec::new()
    };
    let title = format!("{} {}", d.case.number, d.case.title);
    let page = DetailPage {
        ctx: PageCtx::new(who, lang, "cases", title),
        case: d.case,
        attachments: d.attachments,
        timeline,
        allowed,
        units,
        satisfactions: codes(crate::SATISFACTIONS, lang),
        error,
        errors,
    };
    Ok(render_status(status, &page))
}

async fn detail_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let d = service::detail(&s.db, &who, id, lang).await?;
    detail_response(&s, &who, lang, d, StatusCode::OK, None, Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
struct ActForm {
    action: Option<String>,
    version: Option<i32>,
    note: Option<String>,
    lead_unit_id: Option<String>,
    #[serde(default)]
    assist_unit_ids: Vec<String>,
    lead_task: Option<String>,
    assist_task: Option<String>,
    working_days: Option<String>,
    hours: Option<String>,
    unit_id: Option<String>,
    solution: Option<String>,
    satisfaction: Option<String>,
    solved: Option<String>,
    approve: Option<String>,
}

fn num(errors: &mut Vec<FieldError>, field: &str, v: Option<&str>) -> Option<i64> {
    crate::text::parse_int(errors, field, v, field, field)
}

impl ActForm {
    fn into_input(self) -> Result<ActionInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let input = ActionInput {
            action: self.action,
            version: self.version,
            note: self.note,
            lead_unit_id: num(&mut errors, "lead_unit_id", self.lead_unit_id.as_deref()),
            assist_unit_ids: Some(
                self.assist_unit_ids
                    .iter()
                    .filter_map(|v| num(&mut errors, "assist_unit_ids", Some(v)))
                    .collect(),
            ),
            lead_task: self.lead_task,
            assist_task: self.assist_task,
            working_days: num(&mut errors, "working_days", self.working_days.as_deref()),
            hours: num(&mut errors, "hours", self.hours.as_deref()),
            unit_id: num(&mut errors, "unit_id", self.unit_id.as_deref()),
            solution: self.solution,
            satisfaction: self.satisfaction.filter(|s| !s.is_empty()),
            solved: self
                .solved
                .as_deref()
                .map(|v| matches!(v, "true" | "1" | "on" | "yes")),
            approve: self.approve.as_deref().map(|v| v == "true"),
            ..Default::default()
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

/// The case page again, with why the action was refused (409 or 422) above its forms.
async fn refused_on_case_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    e: &AppError,
) -> AppResult<Response> {
    let p = e.problem();
    let errors = p
        .errors
        .iter()
        .map(|fe| fe.message(lang).to_owned())
        .collect();
    let d = service::detail(&s.db, who, id, lang).await?;
    detail_response(
        s,
        who,
        lang,
        d,
        e.status(),
        Some(p.body(lang).detail),
        errors,
    )
    .await
}

async fn act_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<ActForm>,
) -> AppResult<Response> {
    let result = match f.into_input() {
        Ok(input) => service::act(&s.db, &who, id, input, service::now()).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    match result {
        Ok(row) => {
            // The caller may have acted the case out of their scope (a return): go to the list.
            if service::detail(&s.db, &who, row.id, lang).await.is_ok() {
                Ok(Redirect::to(&format!("/cases/{id}")).into_response())
            } else {
                Ok(Redirect::to("/cases").into_response())
            }
        }
        Err(
            e @ (AppError::Validation(_)
            | AppError::Conflict { .. }
            | AppError::ConflictWith { .. }),
        ) => refused_on_case_page(&s, &who, lang, id, &e).await,
        Err(e) => Err(e),
    }
}

async fn attach_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let result = match lianxin_kernel::http::read_upload(mp).await {
        Ok((fields, files)) => {
            let version = fields.get("version").and_then(|v| v.trim().parse().ok());
            service::attach(
                &s.db,
                &who,
                id,
                version,
                fields.get("note").cloned(),
                files,
                service::now(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(
            e @ (AppError::Validation(_)
            | AppError::Conflict { .. }
            | AppError::ConflictWith { .. }),
        ) => refused_on_case_page(&s, &who, lang, id, &e).await,
        Err(e) => Err(e),
    }
}

async fn attachment(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    crate::api::attachment_response(&s, &who, id).await
}

async fn inspection_attach(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let (_, files) = lianxin_kernel::http::read_upload(mp).await?;
    crate::attachments::attach_to_inspection(&s.db, &who, id, files, service::now()).await?;
    Ok(Redirect::to(&format!("/inspections/{id}")).into_response())
}

// --- raising a case ---------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct RaiseForm {
    kind: Option<String>,
    category: Option<String>,
    title: Option<String>,
    description: Option<String>,
    enterprise_id: Option<String>,
    unit_id: Option<String>,
    source: Option<String>,
    priority: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    lead_unit_id: Option<String>,
    #[serde(default)]
    assist_unit_ids: Vec<String>,
    working_days: Option<String>,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    ctx: PageCtx,
    kinds: Vec<KindView>,
    enterprises: Vec<Opt>,
    units: Vec<Opt>,
    handling_units: Vec<Opt>,
    sources: Vec<Opt>,
    priorities: Vec<Opt>,
    form: RaiseForm,
    errors: Vec<FieldError>,
    can_dispatch: bool,
}

impl NewPage {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }
    fn error(&self, field: &str) -> String {
        field_errors(&self.errors, field, self.lang())
    }
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        text(v)
    }
}

async fn new_form(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: RaiseForm,
    errors: Vec<FieldError>,
) -> AppResult<NewPage> {
    who.require(perm::CASE_RAISE)?;
    let enterprises = enterprises::Entity::find()
        .filter(who.scope.enterprises_with_dependents())
        .order_by_asc(enterprises::Column::Name)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|e| opt(e.id, e.name))
        .collect();
    Ok(NewPage {
        ctx: PageCtx::new(
            who,
            lang,
            "cases_new",
            lang.pick("登记事项", "Raise a case"),
        ),
        kinds: kinds::list(&s.db)
            .await?
            .into_iter()
            .filter(|k| k.active)
            .collect(),
        enterprises,
        units: unit_options(
            s,
            &[
                "subdistrict",
                "town",
                "community",
                "village",
                "department",
                "task_force",
                "service_team",
            ],
        )
        .await?,
        handling_units: unit_options(s, HANDLING_UNITS).await?,
        sources: codes(crate::SOURCES, lang),
        priorities: codes(crate::PRIORITIES, lang),
        form,
        errors,
        can_dispatch: who.can(perm::CASE_DISPATCH),
    })
}

async fn new_page(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    let form = RaiseForm {
        kind: Some("enterprise_appeal".into()),
        ..Default::default()
    };
    Ok(render(&new_form(&s, &who, lang, form, Vec::new()).await?))
}

fn raise_input(f: &RaiseForm, errors: &mut Vec<FieldError>) -> CaseInput {
    let clean = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let lead = num(errors, "lead_unit_id", f.lead_unit_id.as_deref());
    CaseInput {
        kind: clean(&f.kind),
        category: clean(&f.category),
        title: clean(&f.title),
        description: clean(&f.description),
        enterprise_id: num(errors, "enterprise_id", f.enterprise_id.as_deref()),
        unit_id: num(errors, "unit_id", f.unit_id.as_deref()),
        source: clean(&f.source),
        priority: clean(&f.priority),
        contact_name: clean(&f.contact_name),
        contact_phone: clean(&f.contact_phone),
        dispatch: lead.map(|l| ActionInput {
            lead_unit_id: Some(l),
            assist_unit_ids: Some(
                f.assist_unit_ids
                    .iter()
                    .filter_map(|v| v.parse().ok())
                    .collect(),
            ),
            working_days: f
                .working_days
                .as_deref()
                .and_then(|v| v.trim().parse().ok()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn new_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<RaiseForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = raise_input(&f, &mut errors);
    let result = if errors.is_empty() {
        service::create(&s.db, &who, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |row| format!("/cases/{}", row.id),
        |errs| new_form(&s, &who, lang, f, errs),
    )
    .await
}

// --- the phone page for enterprise contacts ---------------------------------------------------------

#[derive(Template)]
#[template(path = "appeal.html")]
struct AppealPage {
    lang: Lang,
    csrf: String,
    user_name: String,
    enterprise: String,
    categories: Vec<Opt>,
    form: RaiseForm,
    errors: Vec<FieldError>,
    mine: Vec<CaseView>,
    done: Option<String>,
}

impl AppealPage {
    fn lang(&self) -> Lang {
        self.lang
    }
    fn error(&self, field: &str) -> String {
        field_errors(&self.errors, field, self.lang())
    }
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        text(v)
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn appeal_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: RaiseForm,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> AppResult<AppealPage> {
    who.require(perm::CASE_RAISE)?;
    let enterprise = match who.enterprise_id {
        Some(id) => enterprises::Entity::find_by_id(id)
            .one(&s.db)
            .await?
            .map(|e| e.name),
        None => None,
    }
    .unwrap_or_default();
    let categories = kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|k| k.code == "enterprise_appeal")
        .map(|k| {
            k.categories
                .into_iter()
                .filter(|c| c.active)
                .map(|c| opt(&c.code, lang.pick(&c.name_zh, &c.name_en)))
                .collect()
        })
        .unwrap_or_default();
    let f = CaseFilter {
        kind: Some("enterprise_appeal".into()),
        enterprise_id: who.enterprise_id,
        ..Default::default()
    };
    let mine = if who.can(perm::CASE_LIST) {
        let page = service::list(&s.db, who, &f, Paging::new(1, 20)).await?;
        service::views(&s.db, page.items, lang).await?
    } else {
        Vec::new()
    };
    Ok(AppealPage {
        lang,
        csrf: who.csrf_token.clone(),
        user_name: who.display_name.clone(),
        enterprise,
        categories,
        form,
        errors,
        mine,
        done,
    })
}

async fn appeal_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    if who.enterprise_id.is_none() {
        // Staff raise cases (for any enterprise) on the full form.
        return Ok(Redirect::to("/cases/new").into_response());
    }
    Ok(render(
        &appeal_view(&s, &who, lang, RaiseForm::default(), Vec::new(), q.done).await?,
    ))
}

async fn appeal_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<RaiseForm>,
) -> AppResult<Response> {
    let input = CaseInput {
        kind: Some("enterprise_appeal".into()),
        category: f.category.clone().filter(|v| !v.is_empty()),
        title: f.title.clone(),
        description: f.description.clone(),
        contact_phone: f.contact_phone.clone().filter(|v| !v.is_empty()),
        contact_name: Some(who.display_name.clone()).filter(|v| !v.is_empty()),
        source: Some("online".into()),
        ..Default::default()
    };
    let result = service::create(&s.db, &who, input, service::now()).await;
    saved_or_page(
        result,
        |row| format!("/appeal?done={}", row.number),
        |errs| appeal_view(&s, &who, lang, f, errs, None),
    )
    .await
}

// --- metrics ------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct MetricsForm {
    group_by: Option<String>,
    from: Option<String>,
    to: Option<String>,
    kind: Option<String>,
}

impl MetricsForm {
    fn query(&self) -> Result<MetricsQuery, AppError> {
        let day = |v: &Option<String>, field: &str| -> Result<Option<DateTime<Utc>>, AppError> {
            match v.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => {
                    let d = crate::calendar::parse_day(s).map_err(|mut e| {
                        e.field = field.into();
                        AppError::invalid(e)
                    })?;
                    Ok(d.and_hms_opt(0, 0, 0)
                        .and_then(|n| n.and_local_timezone(chrono_tz::Asia::Shanghai).single())
                        .map(|d| d.with_timezone(&Utc)))
                }
            }
        };
        Ok(MetricsQuery {
            group_by: GroupBy::ALL
                .into_iter()
                .find(|g| Some(g.code()) == self.group_by.as_deref()),
            from: day(&self.from, "from")?,
            to: day(&self.to, "to")?.map(|d| d + chrono::Duration::days(1)),
            kind: self.kind.clone().filter(|s| !s.is_empty()),
        })
    }
    fn qs(&self) -> String {
        serde_urlencoded::to_string([
            ("group_by", self.group_by.as_deref().unwrap_or("")),
            ("from", self.from.as_deref().unwrap_or("")),
            ("to", self.to.as_deref().unwrap_or("")),
            ("kind", self.kind.as_deref().unwrap_or("")),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "case_metrics.html")]
struct MetricsPage {
    ctx: PageCtx,
    m: Metrics,
    form: MetricsForm,
    groups: Vec<Opt>,
    kinds: Vec<Opt>,
    chart_rates: String,
    chart_counts: String,
    export_href: String,
}

fn pct(v: &Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn days(v: &Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
}

impl MetricsPage {
    fn group_label(&self) -> &'static str {
        self.m.group_by.label(self.ctx.lang)
    }
    fn pct(&self, v: &Option<f64>) -> String {
        pct(v)
    }
    fn days(&self, v: &Option<f64>) -> String {
        days(v)
    }
}

async fn metrics_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(form): Query<MetricsForm>,
) -> AppResult<Response> {
    let q = form.query()?;
    let m = metrics::compute(&s.db, &who, &q, lang, service::now()).await?;
    let top: Vec<&metrics::MetricsRow> = m
        .items
        .iter()
        .filter(|r| r.key != "none")
        .take(15)
        .collect();
    let names: Vec<&str> = top.iter().map(|r| r.name.as_str()).collect();
    let rate = |f: fn(&metrics::MetricsRow) -> Option<f64>| -> Vec<serde_json::Value> {
        top.iter()
            .map(|r| {
                f(r).map(|v| json!((v * 1000.0).round() / 10.0))
                    .unwrap_or(serde_json::Value::Null)
            })
            .collect()
    };
    let chart_rates = json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 16, "top": 32, "bottom": 80},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 35}},
        "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {"name": lang.pick("按期办结率", "On-time"), "type": "bar", "data": rate(|r| r.on_time_resolution_rate), "itemStyle": {"color": "#c0392b"}},
            {"name": lang.pick("满意率", "Satisfaction"), "type": "line", "data": rate(|r| r.satisfaction_rate), "itemStyle": {"color": "#2e7d32"}},
            {"name": lang.pick("响应率", "Response"), "type": "line", "data": rate(|r| r.response_rate), "itemStyle": {"color": "#1565c0"}}
        ]
    })
    .to_string();
    let chart_counts = json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 16, "top": 32, "bottom": 80},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 35}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": lang.pick("受理", "Received"), "type": "bar", "data": top.iter().map(|r| r.received).collect::<Vec<_>>(), "itemStyle": {"color": "#8d6e63"}},
            {"name": lang.pick("当前超期", "Overdue now"), "type": "bar", "data": top.iter().map(|r| r.overdue_open).collect::<Vec<_>>(), "itemStyle": {"color": "#212121"}}
        ]
    })
    .to_string();
    let kinds = kinds::list(&s.db)
        .await?
        .into_iter()
        .map(|k| opt(&k.code, lang.pick(&k.name_zh, &k.name_en)))
        .collect();
    let export_href = format!("/cases/metrics.xlsx?{}", form.qs());
    Ok(render(&MetricsPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "cases_metrics",
            lang.pick("办理统计与红黑榜", "Case metrics and ranking"),
        ),
        groups: GroupBy::ALL
            .iter()
            .map(|g| opt(g.code(), g.label(lang)))
            .collect(),
        kinds,
        chart_rates,
        chart_counts,
        export_href,
        m,
        form,
    }))
}

async fn metrics_export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(form): Query<MetricsForm>,
) -> AppResult<Response> {
    crate::api::metrics_xlsx(&s, &who, lang, &form.query()?).await
}

// --- inspections ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    ctx: PageCtx,
    rows: Vec<InspectionView>,
    total: u64,
    can_add: bool,
}

async fn inspections_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Response> {
    let page = inspections::list(&s.db, &who, Paging::new(1, 100), lang).await?;
    Ok(render(&InspectionsPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "inspections",
            lang.pick("督查检查", "Inspections"),
        ),
        total: page.total,
        rows: page.items,
        can_add: who.can(perm::INSPECTION_ADD),
    }))
}

#[derive(Debug, Default, Deserialize)]
struct InspectionForm {
    group_unit_id: Option<String>,
    inspected_unit_id: Option<String>,
    held_on: Option<String>,
    place: Option<String>,
    #[serde(default)]
    methods: Vec<String>,
    attendees: Option<String>,
    summary: Option<String>,
    #[serde(default)]
    f_title: Vec<String>,
    #[serde(default)]
    f_category: Vec<String>,
    #[serde(default)]
    f_lead: Vec<String>,
    #[serde(default)]
    f_days: Vec<String>,
}

#[derive(Template)]
#[template(path = "inspection_new.html")]
struct InspectionNewPage {
    ctx: PageCtx,
    groups: Vec<Opt>,
    units: Vec<Opt>,
    handling_units: Vec<Opt>,
    methods: Vec<Opt>,
    categories: Vec<Opt>,
    form: InspectionForm,
    errors: Vec<FieldError>,
    rows: Vec<usize>,
}

impl InspectionNewPage {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }
    fn error(&self, field: &str) -> String {
        field_errors(&self.errors, field, self.lang())
    }
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        text(v)
    }
    fn at<'a>(&self, v: &'a [String], i: &usize) -> &'a str {
        nth(v, *i)
    }
    fn checked(&self, m: &str) -> bool {
        self.form.methods.iter().any(|x| x == m)
    }
}

async fn inspection_form(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: InspectionForm,
    errors: Vec<FieldError>,
) -> AppResult<InspectionNewPage> {
    who.require(perm::INSPECTION_ADD)?;
    let categories = kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|k| k.code == "supervision_finding")
        .map(|k| {
            k.categories
                .into_iter()
                .map(|c| opt(&c.code, lang.pick(&c.name_zh, &c.name_en)))
                .collect()
        })
        .unwrap_or_default();
    let rows = (0..form.f_title.len().max(3)).collect();
    Ok(InspectionNewPage {
        ctx: PageCtx::new(
            who,
            lang,
            "inspections",
            lang.pick("登记督查", "Record an inspection"),
        ),
        groups: unit_options(s, &["inspection_group"]).await?,
        units: unit_options(
            s,
            &[
                "subdistrict",
                "town",
                "community",
                "village",
                "group",
                "department",
            ],
        )
        .await?,
        handling_units: unit_options(s, HANDLING_UNITS).await?,
        methods: codes(crate::INSPECTION_METHODS, lang),
        categories,
        form,
        errors,
        rows,
    })
}

async fn inspection_new(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    let form = InspectionForm {
        held_on: Some(
            Utc::now()
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d")
                .to_string(),
        ),
        methods: vec!["onsite_check".into()],
        ..Default::default()
    };
    Ok(render(
        &inspection_form(&s, &who, lang, form, Vec::new()).await?,
    ))
}

async fn inspection_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<InspectionForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut findings = Vec::new();
    for (i, title) in f.f_title.iter().enumerate() {
        if title.trim().is_empty() {
            continue;
        }
        let get = |v: &Vec<String>| v.get(i).cloned().filter(|s| !s.trim().is_empty());
        findings.push(FindingInput {
            title: Some(title.clone()),
            category: get(&f.f_category),
            lead_unit_id: num(
                &mut errors,
                "findings.lead_unit_id",
                get(&f.f_lead).as_deref(),
            ),
            working_days: num(
                &mut errors,
                "findings.working_days",
                get(&f.f_days).as_deref(),
            ),
            ..Default::default()
        });
    }
    let input = InspectionInput {
        group_unit_id: num(&mut errors, "group_unit_id", f.group_unit_id.as_deref()),
        inspected_unit_id: num(
            &mut errors,
            "inspected_unit_id",
            f.inspected_unit_id.as_deref(),
        ),
        held_on: f.held_on.clone(),
        place: f.place.clone(),
        methods: Some(f.methods.clone()),
        attendees: f.attendees.clone(),
        summary: f.summary.clone(),
        findings,
    };
    let result = if errors.is_empty() {
        inspections::create(&s.db, &who, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |row| format!("/inspections/{}", row.id),
        |errs| inspection_form(&s, &who, lang, f, errs),
    )
    .await
}

#[derive(Template)]
#[template(path = "inspection_detail.html")]
struct InspectionDetailPage {
    ctx: PageCtx,
    i: InspectionView,
    findings: Vec<CaseView>,
    can_attach: bool,
}

async fn inspection_detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let i = inspections::get(&s.db, &who, id, lang).await?;
    let f = CaseFilter {
        inspection_id: Some(id),
        ..Default::default()
    };
    let page = service::list(&s.db, &who, &f, Paging::new(1, 200)).await?;
    let findings = service::views(&s.db, page.items, lang).await?;
    Ok(render(&InspectionDetailPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "inspections",
            format!("{} {}", i.held_on, i.inspected_unit.name),
        ),
        can_attach: who.can(perm::INSPECTION_ADD),
        i,
        findings,
    }))
}

// --- bulletins ----------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "bulletins.html")]
struct BulletinsPage {
    ctx: PageCtx,
    rows: Vec<BulletinView>,
    can_edit: bool,
    pattern: String,
}

async fn bulletins_page(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    let page = bulletins::list(&s.db, &who, Paging::new(1, 200), lang).await?;
    Ok(render(&BulletinsPage {
        ctx: PageCtx::new(&who, lang, "bulletins", lang.pick("督查通报", "Bulletins")),
        rows: page.items,
        can_edit: who.can(perm::BULLETIN_EDIT),
        pattern: bulletins::number_pattern(&s.db).await?,
    }))
}

#[derive(Debug, Default, Deserialize)]
struct BulletinForm {
    kind: Option<String>,
    title: Option<String>,
    body: Option<String>,
    version: Option<i32>,
    #[serde(default)]
    i_case: Vec<String>,
    #[serde(default)]
    i_unit: Vec<String>,
    #[serde(default)]
    i_note: Vec<String>,
}

#[derive(Template)]
#[template(path = "bulletin_form.html")]
struct BulletinFormPage {
    ctx: PageCtx,
    action: String,
    kinds: Vec<Opt>,
    units: Vec<Opt>,
    form: BulletinForm,
    errors: Vec<FieldError>,
    rows: Vec<usize>,
}

impl BulletinFormPage {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }
    fn error(&self, field: &str) -> String {
        field_errors(&self.errors, field, self.lang())
    }
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        text(v)
    }
    fn at<'a>(&self, v: &'a [String], i: &usize) -> &'a str {
        nth(v, *i)
    }
}

async fn bulletin_form(
    s: &Core,
    who: &Principal,
    lang: Lang,
    action: String,
    form: BulletinForm,
    errors: Vec<FieldError>,
) -> AppResult<BulletinFormPage> {
    who.require(perm::BULLETIN_EDIT)?;
    let rows = (0..(form.i_unit.len().max(form.i_case.len()) + 2).max(3)).collect();
    Ok(BulletinFormPage {
        ctx: PageCtx::new(
            who,
            lang,
            "bulletins",
            lang.pick("编辑通报", "Edit a bulletin"),
        ),
        action,
        kinds: codes(bulletins::KINDS, lang),
        units: unit_options(
            s,
            &[
                "department",
                "subdistrict",
                "town",
                "community",
                "village",
                "task_force",
                "service_team",
            ],
        )
        .await?,
        form,
        errors,
        rows,
    })
}

#[derive(Deserialize)]
struct NewBulletinQuery {
    case_id: Option<i64>,
}

async fn bulletin_new(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<NewBulletinQuery>,
) -> AppResult<Response> {
    let mut form = BulletinForm {
        kind: Some("criticism".into()),
        ..Default::default()
    };
    if let Some(id) = q.case_id {
        let d = service::detail(&s.db, &who, id, lang).await?;
        form.title = Some(
            lang.pick("关于事项办理不力的通报", "On slow handling of cases")
                .into(),
        );
        form.i_case.push(d.case.number.clone());
        form.i_unit.push(
            d.case
                .lead_unit
                .map(|u| u.id.to_string())
                .unwrap_or_default(),
        );
        form.i_note.push(format!(
            "{}，期限 {}，{}",
            d.case.title,
            t(&d.case.deadline),
            d.case.status_label
        ));
    }
    Ok(render(
        &bulletin_form(&s, &who, lang, "/bulletins/new".into(), form, Vec::new()).await?,
    ))
}

async fn bulletin_input(
    s: &Core,
    f: &BulletinForm,
    errors: &mut Vec<FieldError>,
) -> AppResult<BulletinInput> {
    let mut items = Vec::new();
    let n = f.i_unit.len().max(f.i_case.len());
    for i in 0..n {
        let case = f.i_case.get(i).map(|v| v.trim()).filter(|v| !v.is_empty());
        let unit = f.i_unit.get(i).map(|v| v.trim()).filter(|v| !v.is_empty());
        if case.is_none() && unit.is_none() {
            continue;
        }
        // A case is named by its number (or id).
        let case_id = match case {
            None => None,
            Some(v) => {
                let found = crate::entities::cases::Entity::find()
                    .filter(crate::entities::cases::Column::Number.eq(v))
                    .one(&s.db)
                    .await?
                    .map(|c| c.id)
                    .or_else(|| v.parse().ok());
                if found.is_none() {
                    errors.push(FieldError::new(
                        &format!("items[{i}].case_id"),
                        "unknown",
                        "事项编号不存在",
                        "no case with that number",
                    ));
                }
                found
            }
        };
        items.push(BulletinItemInput {
            case_id,
            unit_id: unit.and_then(|u| u.parse().ok()),
            note: f.i_note.get(i).cloned(),
        });
    }
    Ok(BulletinInput {
        kind: f.kind.clone(),
        title: f.title.clone(),
        body: f.body.clone(),
        version: f.version,
        items,
    })
}

async fn bulletin_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<BulletinForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = bulletin_input(&s, &f, &mut errors).await?;
    let result = if errors.is_empty() {
        bulletins::create(&s.db, &who, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |b| format!("/bulletins/{}", b.id),
        |errs| bulletin_form(&s, &who, lang, "/bulletins/new".into(), f, errs),
    )
    .await
}

async fn bulletin_edit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let b = bulletins::get(&s.db, &who, id, lang).await?;
    let form = BulletinForm {
        kind: Some(b.kind.clone()),
        title: Some(b.title.clone()),
        body: Some(b.body.clone()),
        version: Some(b.version),
        i_case: b
            .items
            .iter()
            .map(|i| i.case_number.clone().unwrap_or_default())
            .collect(),
        i_unit: b.items.iter().map(|i| i.unit.id.to_string()).collect(),
        i_note: b.items.iter().map(|i| i.note.clone()).collect(),
    };
    Ok(render(
        &bulletin_form(&s, &who, lang, format!("/bulletins/{id}"), form, Vec::new()).await?,
    ))
}

async fn bulletin_save(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<BulletinForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = bulletin_input(&s, &f, &mut errors).await?;
    let result = if errors.is_empty() {
        bulletins::update(&s.db, &who, id, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |_| format!("/bulletins/{id}"),
        |errs| bulletin_form(&s, &who, lang, format!("/bulletins/{id}"), f, errs),
    )
    .await
}

#[derive(Template)]
#[template(path = "bulletin_detail.html")]
struct BulletinDetailPage {
    ctx: PageCtx,
    b: BulletinView,
    can_edit: bool,
    can_issue: bool,
    paragraphs: Vec<String>,
}

async fn bulletin_detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let b = bulletins::get(&s.db, &who, id, lang).await?;
    let draft = b.status == "draft";
    Ok(render(&BulletinDetailPage {
        ctx: PageCtx::new(&who, lang, "bulletins", b.title.clone()),
        paragraphs: b
            .body
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        can_edit: draft && who.can(perm::BULLETIN_EDIT),
        can_issue: draft && who.can(perm::BULLETIN_ISSUE),
        b,
    }))
}

#[derive(Deserialize)]
struct VersionForm {
    version: Option<i32>,
}

async fn bulletin_issue(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    Form(f): Form<VersionForm>,
) -> AppResult<Response> {
    bulletins::issue(&s.db, &who, id, f.version, service::now()).await?;
    Ok(Redirect::to(&format!("/bulletins/{id}")).into_response())
}

async fn bulletin_docx(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    crate::api::bulletin_file(&s, &who, lang, id, true).await
}

async fn bulletin_xlsx(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    crate::api::bulletin_file(&s, &who, lang, id, false).await
}

// --- case kinds (administrators) ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "case_kinds.html")]
struct KindsPage {
    ctx: PageCtx,
    kinds: Vec<KindView>,
    subjects: Vec<Opt>,
    error: Option<String>,
}

async fn kinds_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    who.require(perm::CASE_KINDS)?;
    Ok(render_status(
        status,
        &KindsPage {
            ctx: PageCtx::new(
                who,
                lang,
                "case_kinds",
                lang.pick("事项类型与时限", "Case kinds and time limits"),
            ),
            kinds: kinds::list(&s.db).await?,
            subjects: codes(crate::SUBJECTS, lang),
            error,
        },
    ))
}

async fn kinds_page(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    kinds_view(&s, &who, lang, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
struct KindForm {
    code: Option<String>,
    name_zh: Option<String>,
    name_en: Option<String>,
    subject: Option<String>,
    working_days: Option<String>,
    response_working_days: Option<String>,
    urgent_hours: Option<String>,
    urgent_response_hours: Option<String>,
    needs_verification: Option<String>,
    raise_roles: Option<String>,
    active: Option<String>,
    description: Option<String>,
}

impl KindForm {
    fn input(&self, errors: &mut Vec<FieldError>) -> kinds::KindInput {
        let int = |errors: &mut Vec<FieldError>, f: &str, v: &Option<String>| {
            num(errors, f, v.as_deref()).map(|n| n.clamp(-1, 100_000) as i32)
        };
        kinds::KindInput {
            code: self.code.clone().filter(|v| !v.is_empty()),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            subject: self.subject.clone().filter(|v| !v.is_empty()),
            working_days: int(errors, "working_days", &self.working_days),
            response_working_days: int(
                errors,
                "response_working_days",
                &self.response_working_days,
            ),
            urgent_hours: int(errors, "urgent_hours", &self.urgent_hours),
            urgent_response_hours: int(
                errors,
                "urgent_response_hours",
                &self.urgent_response_hours,
            ),
            needs_verification: Some(self.needs_verification.is_some()),
            raise_roles: self.raise_roles.as_ref().map(|v| {
                v.split([',', '，', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
            active: Some(self.active.is_some()),
        }
    }
}

async fn kind_done(s: &Core, who: &Principal, lang: Lang, r: AppResult<()>) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to("/system/case-kinds").into_response()),
        Err(e @ AppError::Validation(_)) => {
            let msg = lianxin_kernel::web::refusal_text(&e, lang);
            kinds_view(s, who, lang, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn kind_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<KindForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut input = f.input(&mut errors);
    input.active = None;
    let r = if errors.is_empty() {
        kinds::create_kind(&s.db, &who, input).await.map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    kind_done(&s, &who, lang, r).await
}

async fn kind_update(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<KindForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut input = f.input(&mut errors);
    input.code = None;
    let r = if errors.is_empty() {
        kinds::update_kind(&s.db, &who, id, input).await.map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    kind_done(&s, &who, lang, r).await
}

async fn category_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<KindForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = kinds::CategoryInput {
        code: f.code.clone(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
        description: f.description.clone(),
        working_days: num(&mut errors, "working_days", f.working_days.as_deref())
            .map(|n| n.clamp(-1, 100_000) as i32),
    };
    let r = if errors.is_empty() {
        kinds::create_category(&s.db, &who, id, input)
            .await
            .map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    kind_done(&s, &who, lang, r).await
}
