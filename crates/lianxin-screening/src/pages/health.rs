//! The health-report page (`/health`, C9): for an enterprise contact today's roster form
//! (one row per employee, one submit), who has not reported, the sheet import and a 14-day
//! trend; for officials the completion by enterprise, the district trend and the drill into
//! an enterprise. Writes go through `screening::health::submit`.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::access::Principal;
use crate::cases::Codes;
use crate::duty::local_day;
use crate::error::{AppError, AppResult};
use crate::health::{
    self, Celsius, Completion, HealthReportInput, HealthReportView, MENTAL_STATES, QUARANTINE,
    RosterPerson, SYMPTOMS, TrendDay,
};
use crate::i18n::Lang;
use crate::perm;
use axum::extract::FromRef;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::{Column, ListCtl};
use lianxin_kernel::web::{PageCtx, render_status};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/health", get(page).post(submit))
        .route("/health/import", post(import))
        .route("/health/template.xlsx", get(template))
        .route("/health/export.xlsx", get(export))
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub on: bool,
}

/// One employee's row of the roster form, as shown (or as typed, when refused).
pub struct FormRow {
    pub person_id: i64,
    pub name: String,
    pub id_masked: String,
    pub temperature: String,
    pub symptoms: Vec<Choice>,
    pub mental: Vec<Choice>,
    pub quarantine: Vec<Choice>,
    pub location: String,
    pub returned_from: String,
    pub returned_on: String,
    pub reported: bool,
    pub fever: bool,
    pub error: Option<String>,
}

/// The values a list offers (字典管理), and a switched-off one the report already has.
fn choices(codes: Codes, chosen: &[&str], lang: Lang) -> Vec<Choice> {
    codes
        .entries()
        .into_iter()
        .filter(|e| e.enabled || chosen.contains(&e.code.as_str()))
        .map(|e| Choice {
            label: e.label(lang).to_owned(),
            on: chosen.contains(&e.code.as_str()),
            value: e.code,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "health.html")]
struct HealthPage {
    ctx: PageCtx,
    today: String,
    /// The caller reports for their own enterprise (the roster form).
    reporter: bool,
    enterprise_id: Option<i64>,
    enterprise_name: String,
    rows: Vec<FormRow>,
    missing: Vec<RosterPerson>,
    reports: Vec<HealthReportView>,
    completion: Vec<Completion>,
    columns: Vec<Column>,
    list: ListCtl,
    chart: String,
    chart_title: String,
    error: Option<String>,
    notice: Option<String>,
    import_errors: Vec<String>,
}

fn trend_chart(days: &[TrendDay], lang: Lang) -> String {
    // From the first day anyone was on a roster or reported.
    let first = days
        .iter()
        .position(|d| d.roster > 0 || d.reported > 0)
        .unwrap_or(0);
    let days = &days[first..];
    let x: Vec<String> = days
        .iter()
        .map(|d| d.date.format("%m-%d").to_string())
        .collect();
    let series = |name: &str, f: fn(&TrendDay) -> i64, color: &str| {
        json!({"name": name, "type": "line", "smooth": true,
            "data": days.iter().map(f).collect::<Vec<_>>(), "itemStyle": {"color": color}})
    };
    json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 56, "containLabel": true},
        "xAxis": {"type": "category", "data": x},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            series(lang.pick("职工", "Roster"), |d| d.roster, "#bbbbbb"),
            series(lang.pick("已填报", "Reported"), |d| d.reported, "#1677ff"),
            series(lang.pick("发热", "Fever"), |d| d.fevers, "#cf1322"),
            series(lang.pick("有症状", "With symptoms"), |d| d.with_symptoms, "#fa8c16"),
            series(lang.pick("心理状态欠佳", "Mental state not good"), |d| d.mental_not_good, "#722ed1"),
            series(lang.pick("隔离观察中", "In quarantine"), |d| d.quarantined, "#13c2c2"),
        ]
    })
    .to_string()
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    enterprise_id: Option<i64>,
    saved: Option<usize>,
    sort: Option<String>,
    order: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

/// The completion list's order and page (`sort` by `enterprise`, `roster`, `reported` or
/// `fevers`; without it least complete first).
#[derive(Debug, Default, Clone, Deserialize)]
struct CompletionQuery {
    sort: Option<String>,
    order: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

const COMPLETION_SORT_KEYS: &[&str] = &["enterprise", "roster", "reported", "fevers"];

/// One page of the completion list in the order asked for, and the list's widget.
fn completion_page(
    mut all: Vec<Completion>,
    lq: &CompletionQuery,
    hidden: Vec<String>,
) -> AppResult<(Vec<Completion>, ListCtl)> {
    let mut errors = Vec::new();
    let sort = lianxin_kernel::paging::Sort::parse(
        &mut errors,
        lq.sort.as_deref(),
        lq.order.as_deref(),
        COMPLETION_SORT_KEYS,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let paging = lianxin_kernel::paging::Paging {
        page: lq.page,
        page_size: lq.page_size,
    }
    .checked()?;
    if let Some(s) = &sort {
        all.sort_by(|a, b| {
            let o = match s.key.as_str() {
                "enterprise" => a.enterprise_name.cmp(&b.enterprise_name),
                "roster" => a.roster.cmp(&b.roster),
                "reported" => a.reported.cmp(&b.reported),
                _ => a.fevers.cmp(&b.fevers),
            }
            .then_with(|| a.enterprise_id.cmp(&b.enterprise_id));
            if s.desc { o.reverse() } else { o }
        });
    }
    let total = all.len() as u64;
    let list = ListCtl::new(
        "health_completion",
        "/health",
        String::new(),
        sort,
        paging,
        total,
        hidden,
    );
    let from = ((list.page - 1) * list.page_size) as usize;
    let rows = all
        .into_iter()
        .skip(from)
        .take(list.page_size as usize)
        .collect();
    Ok((rows, list))
}

/// What the page shows besides the roster form.
struct Extras {
    rows: Option<Vec<FormRow>>,
    error: Option<String>,
    notice: Option<String>,
    import_errors: Vec<String>,
}

fn is_reporter(who: &Principal) -> bool {
    who.can(perm::HEALTH_REPORT) && who.enterprise_id.is_some()
}

async fn view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    enterprise_id: Option<i64>,
    extras: Extras,
    status: StatusCode,
) -> AppResult<Response> {
    view_with(
        s,
        who,
        lang,
        enterprise_id,
        extras,
        status,
        &CompletionQuery::default(),
    )
    .await
}

async fn view_with(
    s: &Core,
    who: &Principal,
    lang: Lang,
    enterprise_id: Option<i64>,
    extras: Extras,
    status: StatusCode,
    lq: &CompletionQuery,
) -> AppResult<Response> {
    if !who.can(perm::HEALTH_REPORT) && !who.can(perm::HEALTH_LIST) {
        return Err(AppError::Forbidden);
    }
    let today = local_day(chrono::Utc::now());
    let reporter = is_reporter(who);
    let enterprise_id = if reporter {
        who.enterprise_id
    } else {
        enterprise_id
    };
    let mut page = HealthPage {
        ctx: PageCtx::new(
            who,
            lang,
            "health",
            lang.pick("职工健康日报", "Health reports"),
        ),
        today: today.to_string(),
        reporter,
        enterprise_id,
        enterprise_name: String::new(),
        rows: Vec::new(),
        missing: Vec::new(),
        reports: Vec::new(),
        completion: Vec::new(),
        columns: vec![
            Column::new("enterprise", lang.pick("企业", "Enterprise")).sorts("enterprise"),
            Column::new("roster", lang.pick("职工", "Roster"))
                .numeric()
                .sorts("roster"),
            Column::new("reported", lang.pick("已填报", "Reported"))
                .numeric()
                .sorts("reported"),
            Column::new("fevers", lang.pick("发热", "Fever"))
                .numeric()
                .sorts("fevers"),
        ],
        list: ListCtl::whole("health_completion", "/health", 0, Vec::new()),
        chart: String::new(),
        chart_title: String::new(),
        error: extras.error,
        notice: extras.notice,
        import_errors: extras.import_errors,
    };
    match enterprise_id {
        Some(e) => {
            let ent = health::readable_enterprise(&s.db, who, Some(e)).await?;
            page.enterprise_name = ent.name.clone();
            page.missing = health::missing(&s.db, who, ent.id, today).await?;
            page.reports = health::list(&s.db, who, Some(ent.id), today, lang).await?;
            if reporter {
                page.rows = match extras.rows {
                    Some(rows) => rows,
                    None => {
                        let roster = health::roster(&s.db, who, ent.id).await?;
                        prefilled(roster, &page.reports, lang)
                    }
                };
            }
            let days = health::trend(&s.db, who, Some(ent.id), 14).await?;
            page.chart = trend_chart(&days, lang);
            // The enterprise's name goes before it, marked as data (`health.html`).
            page.chart_title = lang
                .pick("近 14 天职工身体和心理状态", "— the last 14 days")
                .to_owned();
        }
        None => {
            if who.can(perm::HEALTH_LIST) {
                let all = health::completion(&s.db, who, today).await?;
                let hidden =
                    lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "health_completion")
                        .await?;
                (page.completion, page.list) = completion_page(all, lq, hidden)?;
            }
            let days = health::trend(&s.db, who, None, 14).await?;
            page.chart = trend_chart(&days, lang);
            page.chart_title = lang
                .pick(
                    "全区近 14 天职工身体和心理状态",
                    "The district's employees over the last 14 days",
                )
                .to_owned();
        }
    }
    Ok(render_status(status, &page))
}

/// Today's form: each employee's report if there is one, else the usual answers (无症状,
/// 良好, 无) and an empty temperature.
fn prefilled(roster: Vec<RosterPerson>, reports: &[HealthReportView], lang: Lang) -> Vec<FormRow> {
    let by_person: HashMap<i64, &HealthReportView> =
        reports.iter().map(|r| (r.person_id, r)).collect();
    roster
        .into_iter()
        .map(|p| {
            let r = by_person.get(&p.person_id);
            let sym: Vec<&str> = r
                .map(|r| r.symptoms.iter().map(String::as_str).collect())
                .unwrap_or_default();
            FormRow {
                person_id: p.person_id,
                name: p.name,
                id_masked: p.id_masked.unwrap_or_default(),
                temperature: r
                    .and_then(|r| r.temperature)
                    .map(|t| lianxin_types::DeciCelsius(t).degrees())
                    .unwrap_or_default(),
                symptoms: choices(SYMPTOMS, &sym, lang),
                mental: choices(
                    MENTAL_STATES,
                    &[r.map_or("good", |r| r.mental_state.as_str())],
                    lang,
                ),
                quarantine: choices(
                    QUARANTINE,
                    &[r.map_or("none", |r| r.quarantine.as_str())],
                    lang,
                ),
                location: r.and_then(|r| r.location.clone()).unwrap_or_default(),
                returned_from: r.and_then(|r| r.returned_from.clone()).unwrap_or_default(),
                returned_on: r
                    .and_then(|r| r.returned_on)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                reported: r.is_some(),
                fever: r.is_some_and(|r| r.fever),
                error: None,
            }
        })
        .collect()
}

async fn page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let notice = q.saved.map(|n| {
        format!(
            "{} {n} {}",
            lang.pick("已保存", "Saved the reports of"),
            lang.pick("人的健康日报。", "employees.")
        )
    });
    view_with(
        &s,
        &who,
        lang,
        q.enterprise_id,
        Extras {
            rows: None,
            error: None,
            notice,
            import_errors: Vec::new(),
        },
        StatusCode::OK,
        &CompletionQuery {
            sort: q.sort.clone(),
            order: q.order.clone(),
            page: q.page,
            page_size: q.page_size,
        },
    )
    .await
}

/// The roster form: `pid` per row, then `t_<pid>`, `s_<pid>` (repeated), `m_<pid>`,
/// `l_<pid>`, `rf_<pid>`, `ro_<pid>`, `q_<pid>`. Rows left at the defaults without a
/// temperature are "not reported" and skipped.
async fn submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    body: Bytes,
) -> AppResult<Response> {
    who.require(perm::HEALTH_REPORT)?;
    let Some(enterprise_id) = who.enterprise_id else {
        return Err(AppError::Forbidden);
    };
    let mut order: Vec<i64> = Vec::new();
    let mut fields: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        if k == "pid" {
            if let Ok(id) = v.trim().parse::<i64>()
                && !order.contains(&id)
            {
                order.push(id);
            }
        } else {
            fields
                .entry(k.into_owned())
                .or_default()
                .push(v.into_owned());
        }
    }
    let one = |key: String| -> String {
        fields
            .get(&key)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let roster: HashMap<i64, RosterPerson> = health::roster(&s.db, &who, enterprise_id)
        .await?
        .into_iter()
        .map(|p| (p.person_id, p))
        .collect();
    let today = local_day(chrono::Utc::now());
    let mut shown = Vec::new();
    let mut inputs = Vec::new();
    for (i, pid) in order.iter().enumerate() {
        let sym: Vec<String> = fields.get(&format!("s_{pid}")).cloned().unwrap_or_default();
        let input = HealthReportInput {
            person_id: Some(*pid),
            temperature: Some(Celsius::Text(one(format!("t_{pid}")))),
            symptoms: Some(sym.clone()),
            mental_state: Some(one(format!("m_{pid}"))),
            location: Some(one(format!("l_{pid}"))),
            returned_from: Some(one(format!("rf_{pid}"))),
            returned_on: Some(one(format!("ro_{pid}"))),
            quarantine: Some(one(format!("q_{pid}"))),
            ..Default::default()
        };
        let p = roster.get(pid);
        let sym_refs: Vec<&str> = sym.iter().map(String::as_str).collect();
        let m = one(format!("m_{pid}"));
        let q = one(format!("q_{pid}"));
        shown.push(FormRow {
            person_id: *pid,
            name: p.map(|p| p.name.clone()).unwrap_or_default(),
            id_masked: p.and_then(|p| p.id_masked.clone()).unwrap_or_default(),
            temperature: one(format!("t_{pid}")),
            symptoms: choices(SYMPTOMS, &sym_refs, lang),
            mental: choices(MENTAL_STATES, &[m.as_str()], lang),
            quarantine: choices(QUARANTINE, &[q.as_str()], lang),
            location: one(format!("l_{pid}")),
            returned_from: one(format!("rf_{pid}")),
            returned_on: one(format!("ro_{pid}")),
            reported: false,
            fever: false,
            error: None,
        });
        if !input.is_blank() {
            inputs.push((i, input));
        }
    }
    let outcome = if inputs.is_empty() {
        Err(crate::error::AppError::invalid(
            crate::error::FieldError::new(
                "reports",
                "required",
                "没有要保存的填报（至少填写一人的体温）",
                "nothing to store (report at least one employee's temperature)",
            ),
        ))
    } else {
        health::submit_rows(&s.db, &who, today, inputs, Vec::new()).await
    };
    let refused = |error: String, rows: Vec<FormRow>| Extras {
        rows: Some(rows),
        error: Some(error),
        notice: None,
        import_errors: Vec::new(),
    };
    match outcome {
        Ok(Ok(r)) => {
            Ok(Redirect::to(&format!("/health?saved={}", r.created + r.updated)).into_response())
        }
        Ok(Err(errors)) => {
            let n = errors.len();
            for (i, e) in errors {
                if let Some(row) = shown.get_mut(i) {
                    let m = e.message(lang).to_owned();
                    row.error = Some(match row.error.take() {
                        Some(prev) => format!("{prev}；{m}"),
                        None => m,
                    });
                }
            }
            let msg = format!(
                "{} {n} {}",
                lang.pick("有", "There are"),
                lang.pick(
                    "处填写有误，未保存任何数据，请修改后重新提交。",
                    "errors; nothing was saved. Correct them and submit again."
                )
            );
            view(
                &s,
                &who,
                lang,
                None,
                refused(msg, shown),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ AppError::Validation(_)) => {
            let msg = lianxin_kernel::web::refusal_text(&e, lang);
            view(
                &s,
                &who,
                lang,
                None,
                refused(msg, shown),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn import(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    who.require(perm::HEALTH_REPORT)?;
    let (_, files) = lianxin_kernel::http::read_upload(mp).await?;
    let today = local_day(chrono::Utc::now());
    let outcome = match files.into_iter().next() {
        None => Err(AppError::invalid(crate::error::FieldError::required(
            "file",
            "导入文件",
            "File",
        ))),
        Some(f) => health::import(&s.db, &who, today, &f.bytes, lang).await,
    };
    let (extras, status) = match outcome {
        Ok(r) if r.errors.is_empty() => (
            Extras {
                rows: None,
                error: None,
                notice: Some(r.message),
                import_errors: Vec::new(),
            },
            StatusCode::OK,
        ),
        Ok(r) => (
            Extras {
                rows: None,
                error: Some(r.message.clone()),
                notice: None,
                import_errors: r
                    .errors
                    .iter()
                    .map(|e| {
                        if lang.is_en() {
                            e.line_en()
                        } else {
                            e.line_zh()
                        }
                    })
                    .collect(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e @ AppError::Validation(_)) => (
            Extras {
                rows: None,
                error: Some(lianxin_kernel::web::refusal_text(&e, lang)),
                notice: None,
                import_errors: Vec::new(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e),
    };
    view(&s, &who, lang, None, extras, status).await
}

async fn template(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    let bytes = health::template(&s.db, &who).await?;
    Ok(lianxin_kernel::sheet::file_response(
        bytes,
        lianxin_kernel::sheet::XLSX,
        &format!(
            "{}.xlsx",
            lang.pick("健康日报导入模板", "health-report-template")
        ),
    ))
}

async fn export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let today = local_day(chrono::Utc::now());
    let (name, bytes) = health::export(&s.db, &who, q.enterprise_id, today, lang).await?;
    Ok(lianxin_kernel::sheet::file_response(
        bytes,
        lianxin_kernel::sheet::XLSX,
        &name,
    ))
}
