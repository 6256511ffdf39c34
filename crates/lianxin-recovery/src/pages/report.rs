//! `/recovery/report` (复工复产报表): the report's figures on a date (a date picker and a
//! sub-district filter), a chart over time of firms by stage and workers back, and the .xlsx
//! download. Units are never ranked by stage.

use axum::Router;
use axum::extract::{FromRef, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use lianxin_kernel::http::ApiQuery;
use lianxin_kernel::sheet::TableSheet;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::Chart;
use lianxin_kernel::web::{PageCtx, render};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use crate::access::Principal;
use crate::entities::units;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::report::{self, Report, ReportQuery, SeriesQuery};
use crate::text::clean;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/recovery/report", get(page))
        .route("/recovery/report.xlsx", get(download))
}

#[derive(Deserialize, Default)]
struct Query {
    on: Option<String>,
    unit_id: Option<String>,
}

impl Query {
    fn parsed(&self) -> AppResult<ReportQuery> {
        let on = match clean(self.on.clone()) {
            None => None,
            Some(v) => Some(NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| {
                AppError::invalid(FieldError::new(
                    "on",
                    "format",
                    "日期格式应为 2020-03-01",
                    "the date should look like 2020-03-01",
                ))
            })?),
        };
        let unit_id = match clean(self.unit_id.clone()) {
            None => None,
            Some(v) => Some(v.parse().map_err(|_| {
                AppError::invalid(FieldError::new("unit_id", "format", "请选择", "choose one"))
            })?),
        };
        Ok(ReportQuery { on, unit_id })
    }
}

/// The report's figures as (label, value) lines, in the page's and the sheet's order.
fn lines(r: &Report, lang: Lang) -> Vec<(String, i64)> {
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    let mut out = vec![(pick("企业数", "Enterprises"), r.enterprises)];
    for code in crate::stages::ORDER {
        out.push((
            format!(
                "{}{}",
                crate::STAGES.label(code, lang),
                lang.pick("（已确认）", " (confirmed)")
            ),
            r.by_stage.get(code).copied().unwrap_or(0),
        ));
    }
    let by = |k: &str| r.by_stage.get(k).copied().unwrap_or(0);
    out.extend([
        (pick("待确认", "Awaiting confirmation"), by("unconfirmed")),
        (pick("未填报", "Not reported"), by("not_reported")),
        (pick("返岗人数", "Workers back"), r.workers_back),
        (pick("员工总数", "Workers in total"), r.workers_total),
        (
            pick("三对一包联齐全", "Pairing complete"),
            r.pairing.complete,
        ),
        (
            pick("三对一包联不全", "Pairing incomplete"),
            r.pairing.incomplete,
        ),
        (pick("走访次数", "Visits"), r.visits),
        (pick("走访发现问题", "Problems raised"), r.problems_raised),
        (pick("问题已解决", "Problems solved"), r.problems_solved),
        (pick("行业服务专班", "Task forces"), r.task_forces),
        (pick("党员服务队", "Service teams"), r.teams),
        (pick("重点项目", "Key projects"), r.key_projects),
    ]);
    out
}

/// The employment figures (就业服务), cumulative to the end of the date.
fn jobs_lines(r: &Report, lang: Lang) -> Vec<(String, i64)> {
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    vec![
        (pick("发布招聘岗位", "Jobs posted"), r.jobs_posted),
        (pick("招聘人数", "Positions"), r.positions),
        (pick("应聘人次", "Applications"), r.applications),
        (pick("录用人数", "Hires"), r.hires),
        (
            pick("用工调剂成功（双方确认）", "Labour matches confirmed"),
            r.labour_matches,
        ),
        (pick("调剂用工人数", "Workers shared"), r.labour_workers),
    ]
}

#[derive(askama::Template)]
#[template(path = "recovery/report.html")]
struct ReportPage {
    ctx: PageCtx,
    report: Report,
    lines: Vec<(String, i64)>,
    jobs: Vec<(String, i64)>,
    chart: Chart,
    subdistricts: Vec<(i64, String)>,
    unit_id: Option<i64>,
    xlsx: String,
}

impl ReportPage {
    fn by(&self, k: &str) -> i64 {
        self.report.by_stage.get(k).copied().unwrap_or(0)
    }
    fn selected(&self, id: &i64) -> bool {
        self.unit_id == Some(*id)
    }
}

fn chart(s: &report::Series, lang: Lang) -> Chart {
    let colors = [
        "#bfbfbf", "#faad14", "#1677ff", "#13c2c2", "#52c41a", "#722ed1",
    ];
    let mut series: Vec<serde_json::Value> = crate::stages::ORDER
        .iter()
        .zip(colors)
        .map(|(code, color)| {
            json!({
                "name": crate::STAGES.label(code, lang),
                "type": "bar",
                "stack": "firms",
                "itemStyle": {"color": color},
                "data": s.points.iter().map(|p| p.by_stage.get(*code).copied().unwrap_or(0)).collect::<Vec<_>>(),
            })
        })
        .collect();
    series.push(json!({
        "name": lang.pick("待确认", "Awaiting confirmation"),
        "type": "bar",
        "stack": "firms",
        "itemStyle": {"color": "#d9d9d9"},
        "data": s.points.iter().map(|p| p.by_stage.get("unconfirmed").copied().unwrap_or(0)).collect::<Vec<_>>(),
    }));
    series.push(json!({
        "name": lang.pick("返岗人数", "Workers back"),
        "type": "line",
        "yAxisIndex": 1,
        "itemStyle": {"color": "#d4380d"},
        "data": s.points.iter().map(|p| p.workers_back).collect::<Vec<_>>(),
    }));
    Chart {
        title: lang
            .pick(
                "各阶段企业数与返岗人数（按周）",
                "Firms by stage and workers back, by week",
            )
            .to_owned(),
        option: json!({
            "animation": false,
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0, "type": "scroll"},
            "grid": {"left": 8, "right": 8, "top": 32, "bottom": 48, "containLabel": true},
            "xAxis": {"type": "category", "data": s.points.iter().map(|p| p.on.format("%m-%d").to_string()).collect::<Vec<_>>()},
            "yAxis": [
                {"type": "value", "minInterval": 1, "name": lang.pick("企业（家）", "Firms")},
                {"type": "value", "minInterval": 1, "splitLine": {"show": false}, "name": lang.pick("返岗（人）", "Workers")}
            ],
            "series": series,
        })
        .to_string(),
    }
}

async fn page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let rq = q.parsed()?;
    let r = report::build(&s.db, &who, &rq).await?;
    let series = report::series(
        &s.db,
        &who,
        &SeriesQuery {
            from: Some(r.on - Duration::days(7 * 12)),
            to: Some(r.on),
            step: None,
            unit_id: rq.unit_id,
        },
    )
    .await?;
    let subdistricts = units::Entity::find()
        .filter(who.scope.units_condition())
        .filter(units::Column::Kind.is_in(["subdistrict", "town"]))
        .order_by_asc(units::Column::Id)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let xlsx = format!(
        "/recovery/report.xlsx?on={}{}",
        r.on,
        rq.unit_id
            .map(|u| format!("&unit_id={u}"))
            .unwrap_or_default()
    );
    Ok(render(&ReportPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "recovery_report",
            lang.pick("复工复产报表", "Recovery report"),
        ),
        lines: lines(&r, lang),
        jobs: jobs_lines(&r, lang),
        chart: chart(&series, lang),
        report: r,
        subdistricts,
        unit_id: rq.unit_id,
        xlsx,
    }))
}

async fn download(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let rq = q.parsed()?;
    let r = report::build(&s.db, &who, &rq).await?;
    let title = lang.pick("复工复产报表", "Recovery report");
    let mut sheet = TableSheet::labeled(title, &[("指标", "Figure"), ("数值", "Value")], lang)?;
    sheet.row(&[lang.pick("日期", "Date").to_owned(), r.on.to_string()])?;
    if let Some(u) = rq.unit_id {
        let name = units::Entity::find_by_id(u)
            .one(&s.db)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        sheet.row(&[lang.pick("范围", "Area").to_owned(), name])?;
    }
    for (label, v) in lines(&r, lang).into_iter().chain(jobs_lines(&r, lang)) {
        sheet.row(&[label, v.to_string()])?;
    }
    lianxin_kernel::audit::record(
        &s.db,
        &who,
        lianxin_kernel::audit::Action::Export,
        "stage_report",
        None,
        format!("recovery report {}", r.on),
    )
    .await?;
    sheet
        .download(lang.pick("复工复产报表", "recovery-report"))
        .await
}
