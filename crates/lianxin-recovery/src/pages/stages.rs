//! `/recovery/stages` (复工复产): for an enterprise contact, the firm's history and a
//! phone-first report form whose answer shows the suggested stage; for cadres, the reports of
//! the firms paired with them awaiting confirmation, each with its confirm form, and stages
//! that contradict the figures marked in words. The rule is stated with the district's numbers.

use axum::Router;
use axum::extract::{Form, FromRef, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use lianxin_kernel::http::ApiQuery;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::PageCtx;
use serde::Deserialize;

use crate::access::Principal;
use crate::entities::{enterprises, stage_reports};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::perm;
use crate::stages::{self, ConfirmInput, ReportInput};
use crate::text::clean;
use sea_orm::EntityTrait;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/recovery/stages", get(page).post(submit))
        .route("/recovery/stages/firm/{enterprise_id}", get(firm_page))
        .route(
            "/recovery/stages/{enterprise_id}/{stage_id}/confirm",
            post(confirm),
        )
}

/// One report as a row of the page.
struct Row {
    r: stage_reports::Model,
    firm: String,
}

#[derive(askama::Template)]
#[template(path = "recovery/stage_page.html")]
struct StagePage {
    ctx: PageCtx,
    rule: Vec<String>,
    /// The contact's firm (id, name), when the caller reports for one.
    firm: Option<(i64, String)>,
    history: Vec<Row>,
    awaiting: Vec<Row>,
    /// The report just recorded (its suggestion is shown).
    done: Option<stage_reports::Model>,
    form: ReportForm,
    error: Option<String>,
    today: NaiveDate,
}

impl StagePage {
    fn label(&self, code: &str) -> String {
        crate::STAGES.label(code, self.ctx.lang)
    }
    fn stages(&self) -> Vec<(&'static str, String)> {
        stages::ORDER
            .iter()
            .map(|c| (*c, crate::STAGES.label(c, self.ctx.lang)))
            .collect()
    }
    /// The stage a confirmation defaults to: the reported one, else the suggested one.
    fn default_stage<'a>(&self, r: &'a stage_reports::Model) -> &'a str {
        r.reported_stage.as_deref().unwrap_or(&r.suggested_stage)
    }
    fn workers(&self, r: &stage_reports::Model) -> String {
        format!("{}/{}", r.workers_back, r.workers_total)
    }
    fn state(&self, r: &stage_reports::Model) -> &'static str {
        let lang = self.ctx.lang;
        if r.confirmed {
            lang.pick("已确认", "Confirmed")
        } else {
            lang.pick("待确认", "Awaiting confirmation")
        }
    }
    /// The words of the contradiction mark: what the figures support instead.
    fn contradiction(&self, r: &stage_reports::Model) -> String {
        let lang = self.ctx.lang;
        match lang {
            Lang::Zh => format!("与数据不符：数据支持“{}”", self.label(&r.suggested_stage)),
            _ => format!(
                "Contradicts the figures: they support “{}”",
                self.label(&r.suggested_stage)
            ),
        }
    }
    fn reported_contradicts(&self, r: &stage_reports::Model) -> bool {
        r.reported_stage
            .as_deref()
            .is_some_and(|s| s != r.suggested_stage)
    }
}

/// One firm's stage history, for staff and the cadres paired with it: each report with its
/// figures, the stage in force, the suggestion, the contradiction mark and who confirmed it;
/// an unconfirmed report carries its confirm form for whoever may confirm.
#[derive(askama::Template)]
#[template(path = "recovery/stage_firm.html")]
struct FirmStagePage {
    ctx: PageCtx,
    firm_id: i64,
    firm: String,
    history: Vec<stage_reports::Model>,
    may_confirm: bool,
    error: Option<String>,
}

impl FirmStagePage {
    fn label(&self, code: &str) -> String {
        crate::STAGES.label(code, self.ctx.lang)
    }
    fn stages(&self) -> Vec<(&'static str, String)> {
        stages::ORDER
            .iter()
            .map(|c| (*c, crate::STAGES.label(c, self.ctx.lang)))
            .collect()
    }
    fn default_stage<'a>(&self, r: &'a stage_reports::Model) -> &'a str {
        r.reported_stage.as_deref().unwrap_or(&r.suggested_stage)
    }
    fn workers(&self, r: &stage_reports::Model) -> String {
        format!("{}/{}", r.workers_back, r.workers_total)
    }
    fn reported(&self, r: &stage_reports::Model) -> String {
        r.reported_stage
            .as_deref()
            .map_or_else(|| "—".to_owned(), |c| self.label(c))
    }
    fn contradiction(&self, r: &stage_reports::Model) -> String {
        match self.ctx.lang {
            Lang::Zh => format!("与数据不符：数据支持“{}”", self.label(&r.suggested_stage)),
            _ => format!(
                "Contradicts the figures: they support “{}”",
                self.label(&r.suggested_stage)
            ),
        }
    }
}

async fn firm_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let history = stages::history(&s.db, who, id).await?;
    let firm = enterprises::Entity::find_by_id(id)
        .one(&s.db)
        .await?
        .map(|e| e.name)
        .ok_or(AppError::NotFound)?;
    let may_confirm = stages::may_confirm(&s.db, who, id).await?;
    let ctx = PageCtx::new(
        who,
        lang,
        "stages",
        lang.pick("复工阶段记录", "Stage history"),
    );
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(lianxin_kernel::web::render_status(
        status,
        &FirmStagePage {
            ctx,
            firm_id: id,
            firm,
            history,
            may_confirm,
            error,
        },
    ))
}

async fn firm_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> AppResult<Response> {
    let Ok(Path(id)) = path else {
        return Err(AppError::NotFound);
    };
    firm_view(&s, &who, lang, id, None).await
}

#[derive(Deserialize, Default, Clone)]
struct ReportForm {
    on: Option<String>,
    workers_back: Option<String>,
    workers_total: Option<String>,
    capacity_pct: Option<String>,
    stage: Option<String>,
}

impl ReportForm {
    fn input(&self) -> Result<ReportInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let mut num = |field: &str, v: &Option<String>| {
            clean(v.clone()).and_then(|v| match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.push(FieldError::new(
                        field,
                        "format",
                        "请填写整数",
                        "a whole number",
                    ));
                    None
                }
            })
        };
        let workers_back = num("workers_back", &self.workers_back);
        let workers_total = num("workers_total", &self.workers_total);
        let capacity_pct = num("capacity_pct", &self.capacity_pct);
        let on =
            clean(self.on.clone()).and_then(|v| match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    e.push(FieldError::new(
                        "on",
                        "format",
                        "日期格式应为 2020-03-01",
                        "the date should look like 2020-03-01",
                    ));
                    None
                }
            });
        let input = ReportInput {
            stage: clean(self.stage.clone()),
            on,
            workers_back,
            workers_total,
            capacity_pct,
        };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}

#[derive(Deserialize, Default)]
struct Query {
    done: Option<String>,
}

async fn view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    done: Option<i64>,
    form: ReportForm,
    error: Option<String>,
) -> AppResult<Response> {
    let reports = who.enterprise_id.is_some() && who.can(perm::STAGE_REPORT);
    if !(reports || who.can(perm::STAGE_CONFIRM)) {
        return Err(AppError::Forbidden);
    }
    let mut firm = None;
    let mut history = Vec::new();
    let mut just = None;
    if let (true, Some(id)) = (reports, who.enterprise_id) {
        let name = enterprises::Entity::find_by_id(id)
            .one(&s.db)
            .await?
            .map(|e| e.name)
            .unwrap_or_default();
        for r in stages::history(&s.db, who, id).await? {
            if Some(r.id) == done {
                just = Some(r.clone());
            }
            history.push(Row {
                r,
                firm: name.clone(),
            });
        }
        firm = Some((id, name));
    }
    let awaiting = stages::awaiting(&s.db, who)
        .await?
        .into_iter()
        .map(|(r, firm)| Row { r, firm })
        .collect();
    let t = stages::thresholds(&s.db).await?;
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(lianxin_kernel::web::render_status(
        status,
        &StagePage {
            ctx: PageCtx::new(who, lang, "stages", lang.pick("复工复产", "Resumption")),
            rule: stages::rule_text(&t, lang),
            firm,
            history,
            awaiting,
            done: just,
            form,
            error,
            today: stages::today(),
        },
    ))
}

async fn page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let done = q.done.as_deref().and_then(|v| v.trim().parse().ok());
    view(&s, &who, lang, done, ReportForm::default(), None).await
}

async fn submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let Some(firm) = who.enterprise_id else {
        return Err(AppError::Forbidden);
    };
    let result = match form.input() {
        Ok(input) => stages::report(&s.db, &who, firm, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/recovery/stages?done={}", r.id)).into_response()),
        Err(e) => {
            let text = lianxin_kernel::web::shown_refusal(e, lang)?;
            view(&s, &who, lang, None, form, Some(text)).await
        }
    }
}

#[derive(Deserialize, Default)]
struct ConfirmForm {
    stage: Option<String>,
    version: Option<String>,
    /// `firm`: the confirmation came from the firm's history page, which it returns to.
    back: Option<String>,
}

async fn confirm(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<(i64, i64)>, axum::extract::rejection::PathRejection>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let Ok(Path((firm, id))) = path else {
        return Err(AppError::NotFound);
    };
    let input = ConfirmInput {
        stage: clean(form.stage),
        version: form.version.as_deref().and_then(|v| v.trim().parse().ok()),
    };
    let from_firm = form.back.as_deref() == Some("firm");
    match stages::confirm(&s.db, &who, firm, id, input).await {
        Ok(_) if from_firm => {
            Ok(Redirect::to(&format!("/recovery/stages/firm/{firm}")).into_response())
        }
        Ok(_) => Ok(Redirect::to("/recovery/stages").into_response()),
        Err(e) => {
            let text = lianxin_kernel::web::shown_refusal(e, lang)?;
            if from_firm {
                firm_view(&s, &who, lang, firm, Some(text)).await
            } else {
                view(&s, &who, lang, None, ReportForm::default(), Some(text)).await
            }
        }
    }
}
