//! 办理统计: the metrics page and its .xlsx.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub(super) struct MetricsForm {
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
        let group_by = match self
            .group_by
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
        {
            None => None,
            Some(g) => Some(
                GroupBy::ALL
                    .into_iter()
                    .find(|x| x.code() == g)
                    .ok_or_else(|| super::unknown_param("group_by", g))?,
            ),
        };
        Ok(MetricsQuery {
            group_by,
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
pub(super) struct MetricsPage {
    ctx: PageCtx,
    m: Metrics,
    form: MetricsForm,
    groups: Vec<Opt>,
    kinds: Vec<Opt>,
    chart_rates: String,
    chart_counts: String,
    export_href: String,
}

pub(super) fn pct(v: &Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub(super) fn days(v: &Option<f64>) -> String {
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

pub(super) async fn metrics_page(
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
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": true},
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
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": true},
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

pub(super) async fn metrics_export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(form): Query<MetricsForm>,
) -> AppResult<Response> {
    crate::api::metrics_xlsx(&s, &who, lang, &form.query()?).await
}
