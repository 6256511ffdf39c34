//! The home page: the district at a glance (within the caller's scope), with ECharts charts.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::access::Principal;
use crate::app::AppState;
use crate::dashboard;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::registries::{enterprises::OWNERSHIPS, units::KINDS};
use crate::text::code_label;
use lianxin_kernel::web::{PageCtx, render};

pub struct Stat {
    pub value: u64,
    pub label: String,
    pub href: &'static str,
}

pub struct TodoStat {
    pub label: String,
    pub value: u64,
    pub href: String,
    pub danger: bool,
}

pub use lianxin_kernel::web::widgets::Chart;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    scope_note: String,
    /// The caller's to-do lists of the case engine (待办), when they work on cases.
    todo: Vec<TodoStat>,
    stats: Vec<Stat>,
    charts: Vec<Chart>,
    /// The caller's unread notices (通知公告), shown by `notices_block.html`.
    notices: lianxin_kernel::notices::NoticesBlock,
}

fn bar(names: Vec<String>, values: Vec<u64>, color: &str) -> String {
    json!({
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": true},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": values, "itemStyle": {"color": color}, "label": {"show": true, "position": "top"}}]
    })
    .to_string()
}

fn pie(items: Vec<(String, u64)>) -> String {
    json!({
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["35%", "65%"],
            "data": items.into_iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>()}]
    })
    .to_string()
}

/// Where `/` takes a caller: each role lands where its work is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    /// The district at a glance (within the caller's scope).
    Dashboard,
    /// An enterprise's contact, at desk or on a phone: its enterprise's home page.
    Enterprise(i64),
    /// A page of the caller's work: the entry page for a checkpoint volunteer, the to-do
    /// list for a department's staff (those who handle cases for their unit, not the
    /// whole district).
    Elsewhere(&'static str),
}

pub fn landing(who: &Principal) -> Landing {
    use crate::perm;
    if let Some(e) = who.enterprise_id {
        return Landing::Enterprise(e);
    }
    if !who.can(perm::DASHBOARD) && who.can(perm::PASSAGE_ADD) {
        return Landing::Elsewhere("/screening/entry");
    }
    if who.can(perm::CASE_HANDLE) && who.unit_id.is_some() && !who.scope.all {
        return Landing::Elsewhere("/cases");
    }
    Landing::Dashboard
}

/// `/`: the caller's landing page.
pub async fn page(State(s): State<AppState>, who: Principal, lang: Lang) -> AppResult<Response> {
    match landing(&who) {
        Landing::Dashboard => overview(&s, &who, lang).await,
        Landing::Enterprise(e) => super::enterprise_home::page(&s, &who, lang, e).await,
        Landing::Elsewhere(to) => Ok(axum::response::Redirect::to(to).into_response()),
    }
}

/// `/dashboard`: the district at a glance, for those who may read it wherever they land.
pub async fn overview_page(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
) -> AppResult<Response> {
    who.require(crate::perm::DASHBOARD)?;
    overview(&s, &who, lang).await
}

async fn overview(s: &AppState, who: &Principal, lang: Lang) -> AppResult<Response> {
    let o = dashboard::overview(&s.db, who).await?;
    let t = |k: &str| lang.t(k).into_owned();
    let stats = vec![
        Stat {
            value: o.enterprises,
            label: t("dash.enterprises"),
            href: "/enterprises",
        },
        Stat {
            value: o.key_projects,
            label: t("dash.key_projects"),
            href: "/enterprises?key_project=true",
        },
        Stat {
            value: o.enterprises_with_party_org,
            label: t("dash.party_orgs"),
            href: "/enterprises?has_party_org=true",
        },
        Stat {
            value: o.people,
            label: t("dash.people"),
            href: "/people",
        },
        Stat {
            value: o.cadres,
            label: t("dash.cadres"),
            href: "/people?kind=cadre",
        },
        Stat {
            value: o.volunteers,
            label: t("dash.volunteers"),
            href: "/people?kind=volunteer",
        },
        Stat {
            value: o.employees,
            label: t("dash.employees"),
            href: "/people?kind=employee",
        },
        Stat {
            value: o.party_members,
            label: t("dash.party_members"),
            href: "/people?party_member=true",
        },
        Stat {
            value: o.units,
            label: t("dash.units"),
            href: "/units",
        },
    ];
    let mut charts = Vec::new();
    if !o.enterprises_by_unit.is_empty() {
        charts.push(Chart {
            title: t("dash.chart_enterprises_by_unit"),
            option: bar(
                o.enterprises_by_unit
                    .iter()
                    .map(|(_, n, _)| n.clone())
                    .collect(),
                o.enterprises_by_unit.iter().map(|(_, _, v)| *v).collect(),
                "#c23531",
            ),
        });
    }
    if !o.enterprises_by_ownership.is_empty() {
        charts.push(Chart {
            title: t("dash.chart_ownership"),
            option: pie(o
                .enterprises_by_ownership
                .iter()
                .map(|(k, v)| (code_label(OWNERSHIPS, k, lang), *v))
                .collect()),
        });
    }
    if !o.people_by_unit.is_empty() {
        charts.push(Chart {
            title: t("dash.chart_people_by_unit"),
            option: bar(
                o.people_by_unit.iter().map(|(_, n, _)| n.clone()).collect(),
                o.people_by_unit.iter().map(|(_, _, v)| *v).collect(),
                "#2f4554",
            ),
        });
    }
    if !o.units_by_kind.is_empty() {
        charts.push(Chart {
            title: t("dash.chart_units_by_kind"),
            option: pie(o
                .units_by_kind
                .iter()
                .map(|(k, v)| (code_label(KINDS, k, lang), *v))
                .collect()),
        });
    }
    let scope_note = if who.scope.all {
        t("dash.scope_all")
    } else {
        t("dash.scope_limited")
    };
    let todo = if who.can(crate::perm::CASE_LIST) {
        crate::cases::service::todo_counts(&s.db, who, lang)
            .await?
            .into_iter()
            .map(|c| TodoStat {
                danger: c.bucket == crate::cases::service::Bucket::Overdue && c.count > 0,
                href: format!("/cases?bucket={}", c.bucket.code()),
                label: c.label,
                value: c.count,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(&DashboardPage {
        ctx: PageCtx::new(who, lang, "home", t("menu.home")),
        scope_note,
        todo,
        stats,
        charts,
        notices: lianxin_kernel::notices::block(&s.db, who, lang).await?,
    }))
}
