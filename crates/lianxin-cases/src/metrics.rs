//! The figures leaders are judged by, per lead department, subject unit, cadre, kind or month,
//! over the cases received in a period and within the caller's data scope: the whole district
//! from running totals (`from_totals`), a limited scope by one aggregate pass over the facts of
//! the cases it sees, which also gathers each group's handling seconds for the 90th percentile.
//!
//! Definitions (all counts are of cases received in the period):
//! - 响应率 `response_rate`: accepted by the lead department by the response deadline, over
//!   the cases whose response is due (accepted, or past the response deadline unaccepted).
//! - 按期办结率 `on_time_resolution_rate`: resolved by the deadline, over the cases resolved
//!   **plus the open cases already past their deadline** (they are late already; a rate that
//!   left them out would reward sitting on a case).
//! - 回访率: revisited over resolved; 满意率: 满意 or 基本满意 at the last revisit, over revisited;
//!   重办率: reopened at least once, over resolved; 回退率: returned at least once, over dispatched.
//! - Handling days: from dispatch to the (last) resolution, in calendar days.
//!
//! The per-case facts (responded on time, resolved on time, handling seconds) are settled by
//! the engine when the step happens (`engine::CaseState::apply`) and kept, with the group
//! keys, in the narrow `case_facts` table (small integers, epoch seconds), rewritten with each
//! case. Metrics scan that table: this pass adds integers; only "open and past the deadline"
//! is judged now.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::entities::{case_facts, case_kinds, people};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::perm;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The lead department.
    #[default]
    Unit,
    /// The unit concerned (an enterprise's sub-district, an inspected unit).
    Subject,
    Kind,
    /// The responsible cadre.
    Cadre,
    /// The month received (Asia/Shanghai).
    Month,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        GroupBy::Unit,
        GroupBy::Subject,
        GroupBy::Kind,
        GroupBy::Cadre,
        GroupBy::Month,
    ];
    pub fn code(self) -> &'static str {
        match self {
            GroupBy::Unit => "unit",
            GroupBy::Subject => "subject",
            GroupBy::Kind => "kind",
            GroupBy::Cadre => "cadre",
            GroupBy::Month => "month",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            GroupBy::Unit => lang.pick("牵头单位", "Lead department"),
            GroupBy::Subject => lang.pick("属地/被督查单位", "Unit concerned"),
            GroupBy::Kind => lang.pick("事项类型", "Kind"),
            GroupBy::Cadre => lang.pick("责任干部", "Responsible cadre"),
            GroupBy::Month => lang.pick("月份", "Month"),
        }
    }
    /// The grouping's number in `case_tallies` (see `service::groups`).
    pub fn dimension(self) -> i16 {
        match self {
            GroupBy::Unit => 0,
            GroupBy::Subject => 1,
            GroupBy::Kind => 2,
            GroupBy::Cadre => 3,
            GroupBy::Month => 4,
        }
    }
    fn key_sql(self) -> &'static str {
        match self {
            GroupBy::Unit => "lead_unit_id",
            GroupBy::Subject => "subject_unit_id",
            GroupBy::Kind => "kind_id",
            GroupBy::Cadre => "responsible_person_id",
            GroupBy::Month => "month",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// unit (default), subject, kind, cadre or month
    pub group_by: Option<GroupBy>,
    /// Received from (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Received before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only this kind (code).
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct MetricsRow {
    /// The group: a unit, kind or person id, a month `YYYY-MM`, or `none` (e.g. not dispatched).
    pub key: String,
    pub name: String,
    pub received: i64,
    pub dispatched: i64,
    pub response_due: i64,
    pub responded_on_time: i64,
    pub response_rate: Option<f64>,
    /// Resolved, plus open past the deadline.
    pub resolution_due: i64,
    pub resolved_on_time: i64,
    pub on_time_resolution_rate: Option<f64>,
    /// Open and past the deadline now.
    pub overdue_open: i64,
    pub resolved: i64,
    pub revisited: i64,
    pub revisit_rate: Option<f64>,
    pub satisfied: i64,
    pub satisfaction_rate: Option<f64>,
    pub reopened: i64,
    pub rehandle_rate: Option<f64>,
    pub returned: i64,
    pub return_rate: Option<f64>,
    pub avg_handling_days: Option<f64>,
    pub p90_handling_days: Option<f64>,
    /// Cases the handling days are measured over (resolved now).
    pub handled: i64,
}

impl MetricsRow {
    fn finish(&mut self) {
        let rate = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        self.response_rate = rate(self.responded_on_time, self.response_due);
        self.on_time_resolution_rate = rate(self.resolved_on_time, self.resolution_due);
        self.revisit_rate = rate(self.revisited, self.resolved);
        self.satisfaction_rate = rate(self.satisfied, self.revisited);
        self.rehandle_rate = rate(self.reopened, self.resolved);
        self.return_rate = rate(self.returned, self.dispatched);
    }

    /// The composite score of the red/black ranking (红黑榜): on-time resolution weighs most,
    /// then satisfaction, response and re-handling.
    pub fn score(&self) -> Option<f64> {
        let on_time = self.on_time_resolution_rate?;
        Some(
            0.4 * on_time
                + 0.3 * self.satisfaction_rate.unwrap_or(on_time)
                + 0.2 * self.response_rate.unwrap_or(on_time)
                + 0.1 * (1.0 - self.rehandle_rate.unwrap_or(0.0)),
        )
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ranked {
    pub key: String,
    pub name: String,
    pub score: f64,
    pub received: i64,
    pub on_time_resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub overdue_open: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Metrics {
    pub group_by: GroupBy,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The moment "overdue" was judged at.
    pub as_of: DateTime<Utc>,
    pub items: Vec<MetricsRow>,
    pub total: MetricsRow,
    /// With `group_by=unit`: the best departments (红榜) ...
    pub red: Vec<Ranked>,
    /// ... and the worst (黑榜), among those with at least `RANKING_MIN_CASES` cases.
    pub black: Vec<Ranked>,
}

pub const RANKING_MIN_CASES: i64 = 3;
pub const RANKING_SIZE: usize = 5;

fn base(
    who: &Principal,
    q: &MetricsQuery,
    kind_id: Option<i64>,
    backend: sea_orm::DbBackend,
) -> SelectStatement {
    use sea_orm::sea_query::ExprTrait;
    let mut s = Query::select();
    s.from(case_facts::Entity);
    if let Some(c) = crate::scope::in_view(case_facts::Column::CaseId, &who.scope, backend) {
        // The facts of the cases in view.
        s.cond_where(c);
    }
    if let Some(v) = q.from {
        s.and_where(Expr::col(case_facts::Column::Received).gte(v.timestamp()));
    }
    if let Some(v) = q.to {
        s.and_where(Expr::col(case_facts::Column::Received).lt(v.timestamp()));
    }
    if let Some(k) = kind_id {
        s.and_where(Expr::col(case_facts::Column::KindId).eq(k));
    }
    s
}

fn sum(cond: &str) -> String {
    format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)")
}

pub async fn compute(
    db: &impl ConnectionTrait,
    who: &Principal,
    q: &MetricsQuery,
    lang: Lang,
    now: DateTime<Utc>,
) -> AppResult<Metrics> {
    who.require(perm::CASE_METRICS)?;
    let backend = db.get_database_backend();
    let group_by = q.group_by.unwrap_or_default();
    let kind_id = match q.kind.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => Some(
            super::kinds::by_code(db, code)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(crate::error::FieldError::new(
                        "kind",
                        "unknown",
                        format!("事项类型“{code}”不存在"),
                        format!("there is no case kind '{code}'"),
                    ))
                })?
                .id,
        ),
        None => None,
    };
    let key = group_by.key_sql();
    // The one placeholder of a custom expression: `$1` (PostgreSQL) or `?`.
    let ph = if backend == sea_orm::DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let mut agg = base(who, q, kind_id, backend);
    let now_s = now.timestamp();
    let columns: Vec<(&str, String, Vec<sea_orm::Value>)> = vec![
        ("k", key.to_owned(), vec![]),
        ("received", "COUNT(*)".into(), vec![]),
        ("dispatched", "SUM(dispatched)".into(), vec![]),
        (
            "response_due",
            sum(&format!(
                "responded_on_time IS NOT NULL OR unaccepted_response_deadline < {ph}"
            )),
            vec![now_s.into()],
        ),
        (
            "responded_on_time",
            "SUM(COALESCE(responded_on_time, 0))".into(),
            vec![],
        ),
        (
            "resolution_due",
            sum(&format!(
                "resolved_on_time IS NOT NULL OR open_deadline < {ph}"
            )),
            vec![now_s.into()],
        ),
        (
            "resolved_on_time",
            "SUM(COALESCE(resolved_on_time, 0))".into(),
            vec![],
        ),
        (
            "overdue_open",
            sum(&format!("open_deadline < {ph}")),
            vec![now_s.into()],
        ),
        ("resolved", "SUM(resolved_ever)".into(), vec![]),
        ("revisited", "SUM(revisited)".into(), vec![]),
        ("satisfied", "SUM(satisfied)".into(), vec![]),
        ("reopened", "SUM(reopened)".into(), vec![]),
        ("returned", "SUM(returned)".into(), vec![]),
        ("handled", "COUNT(handling_secs)".into(), vec![]),
        (
            "avg_secs",
            "AVG(CAST(handling_secs AS DOUBLE PRECISION))".into(),
            vec![],
        ),
        // The group's handling seconds as one text, for the 90th percentile ranked here: the
        // same pass, instead of a second statement fetching a row per resolved case.
        (
            "all_secs",
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "string_agg(CAST(handling_secs AS TEXT), ',')".into()
                }
                _ => "group_concat(handling_secs, ',')".into(),
            },
            vec![],
        ),
    ];
    for (alias, sql, values) in columns {
        agg.expr_as(Expr::cust_with_values(sql, values), Alias::new(alias));
    }
    agg.add_group_by([Expr::cust(key)]);

    let key_value = |r: &sea_orm::QueryResult| -> Option<i64> {
        // `month` is a 32-bit column (YYYYMM), the ids 64-bit; read either.
        r.try_get::<Option<i64>>("", "k")
            .ok()
            .flatten()
            .or_else(|| {
                r.try_get::<Option<i32>>("", "k")
                    .ok()
                    .flatten()
                    .map(i64::from)
            })
            // The totals write "none" as -1 (ids and months are positive).
            .filter(|v| *v >= 0)
    };
    let key_name = |k: Option<i64>| -> String {
        match k {
            Some(m) if group_by == GroupBy::Month => format!("{:04}-{:02}", m / 100, m % 100),
            Some(v) => v.to_string(),
            None => "none".to_owned(),
        }
    };
    let key_of = |r: &sea_orm::QueryResult| key_name(key_value(r));
    if who.scope.all {
        // The whole district, over any period and kind: running totals, the one thing that
        // depends on the clock (what is overdue now) counted live over the open cases, and
        // the 90th percentile by walking the (key, handling seconds) index per group.
        let items = from_totals(db, group_by, q, kind_id, now_s).await?;
        return finish(db, group_by, q, now, items, lang).await;
    }
    // A limited scope (a department, a sub-district): one pass over the facts of the cases the
    // caller sees (the scope is a union of several relations, so no totals key can hold it).
    let rows = db.query_all_raw(backend.build(&agg)).await?;
    // Nearest rank: the ceil(0.9 n)-th smallest, as `from_totals` walks it.
    let p90 = |r: &sea_orm::QueryResult| -> Option<i64> {
        let text = r.try_get::<Option<String>>("", "all_secs").ok().flatten()?;
        let mut v: Vec<i64> = text
            .split(',')
            .filter_map(|d| d.trim().parse().ok())
            .collect();
        if v.is_empty() {
            return None;
        }
        let rank = std::cmp::max((v.len() * 9).div_ceil(10), 1) - 1;
        let (_, d, _) = v.select_nth_unstable(rank);
        Some(*d)
    };
    let int = |r: &sea_orm::QueryResult, c: &str| -> i64 {
        r.try_get::<Option<i64>>("", c).ok().flatten().unwrap_or(0)
    };
    let items: Vec<MetricsRow> = rows
        .iter()
        .map(|r| {
            let key = key_of(r);
            let mut m = MetricsRow {
                received: int(r, "received"),
                dispatched: int(r, "dispatched"),
                response_due: int(r, "response_due"),
                responded_on_time: int(r, "responded_on_time"),
                resolution_due: int(r, "resolution_due"),
                resolved_on_time: int(r, "resolved_on_time"),
                overdue_open: int(r, "overdue_open"),
                resolved: int(r, "resolved"),
                revisited: int(r, "revisited"),
                satisfied: int(r, "satisfied"),
                reopened: int(r, "reopened"),
                returned: int(r, "returned"),
                handled: int(r, "handled"),
                avg_handling_days: r
                    .try_get::<Option<f64>>("", "avg_secs")
                    .ok()
                    .flatten()
                    .map(|s| round2(s / 86400.0)),
                p90_handling_days: p90(r).map(|s| round2(s as f64 / 86400.0)),
                key,
                ..Default::default()
            };
            m.finish();
            m
        })
        .collect();
    finish(db, group_by, q, now, items, lang).await
}

/// Names, orders and totals the rows, and ranks the departments.
async fn finish(
    db: &impl ConnectionTrait,
    group_by: GroupBy,
    q: &MetricsQuery,
    now: DateTime<Utc>,
    mut items: Vec<MetricsRow>,
    lang: Lang,
) -> AppResult<Metrics> {
    name_rows(db, group_by, &mut items, lang).await?;
    items.sort_by(|a, b| b.received.cmp(&a.received).then_with(|| a.key.cmp(&b.key)));
    if group_by == GroupBy::Month {
        items.sort_by(|a, b| a.key.cmp(&b.key));
    }
    let mut total = MetricsRow {
        key: "total".into(),
        name: lang.pick("合计", "Total").into(),
        ..Default::default()
    };
    let mut handled_days = 0.0;
    for m in &items {
        if let Some(avg) = m.avg_handling_days {
            handled_days += avg * m.handled as f64;
        }
        total.handled += m.handled;
        total.received += m.received;
        total.dispatched += m.dispatched;
        total.response_due += m.response_due;
        total.responded_on_time += m.responded_on_time;
        total.resolution_due += m.resolution_due;
        total.resolved_on_time += m.resolved_on_time;
        total.overdue_open += m.overdue_open;
        total.resolved += m.resolved;
        total.revisited += m.revisited;
        total.satisfied += m.satisfied;
        total.reopened += m.reopened;
        total.returned += m.returned;
    }
    total.finish();
    total.avg_handling_days =
        (total.handled > 0).then(|| round2(handled_days / total.handled as f64));
    let (red, black) = if group_by == GroupBy::Unit {
        ranking(&items)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Metrics {
        group_by,
        from: q.from,
        to: q.to,
        as_of: now,
        items,
        total,
        red,
        black,
    })
}

/// China Standard Time (UTC+8, Asia/Shanghai's offset since 1991), in seconds.
const CST: i64 = 8 * 3600;
const DAY: i64 = 86400;

/// The day an instant (Unix seconds) falls on in China Standard Time, counted from
/// 1970-01-01: the day of `case_day_tallies` (`migrations::DAY_SQL` says the same in SQL).
pub fn day_of(secs: i64) -> i32 {
    (secs + CST).div_euclid(DAY) as i32
}

fn day_start(day: i32) -> i64 {
    i64::from(day) * DAY - CST
}

/// A statement's text with its values, numbered for PostgreSQL (`$1`) or not (`?`).
struct Sql {
    backend: sea_orm::DbBackend,
    text: String,
    values: Vec<sea_orm::Value>,
}

impl Sql {
    fn new(backend: sea_orm::DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }
    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }
    fn bind(&mut self, v: impl Into<sea_orm::Value>) -> &mut Self {
        self.values.push(v.into());
        if self.backend == sea_orm::DbBackend::Postgres {
            let n = self.values.len();
            self.text.push_str(&format!("${n}"));
        } else {
            self.text.push('?');
        }
        self
    }
    /// ` AND received >= from AND received < to AND kind_id = kind`, for what is given.
    fn filters(&mut self, from: Option<i64>, to: Option<i64>, kind_id: Option<i64>) -> &mut Self {
        self.filtered(from, to, kind_id, "")
    }
    /// The same filters, which no index may serve (`+ 0`): the statement's own index (the
    /// open cases', a group's) is narrower than "every case of the kind".
    fn filters_unindexed(
        &mut self,
        from: Option<i64>,
        to: Option<i64>,
        kind_id: Option<i64>,
    ) -> &mut Self {
        self.filtered(from, to, kind_id, " + 0")
    }
    fn filtered(
        &mut self,
        from: Option<i64>,
        to: Option<i64>,
        kind_id: Option<i64>,
        hint: &str,
    ) -> &mut Self {
        if let Some(v) = from {
            self.push(&format!(" AND received{hint} >= ")).bind(v);
        }
        if let Some(v) = to {
            self.push(&format!(" AND received{hint} < ")).bind(v);
        }
        if let Some(v) = kind_id {
            self.push(&format!(" AND kind_id{hint} = ")).bind(v);
        }
        self
    }
    fn statement(&self) -> sea_orm::Statement {
        sea_orm::Statement::from_sql_and_values(self.backend, &self.text, self.values.clone())
    }
}

/// The counters of the running totals (`migrations::COUNTERS`), per group key (-1: none).
type Counts = std::collections::BTreeMap<i64, [i64; 13]>;

fn add_counts(counts: &mut Counts, rows: &[sea_orm::QueryResult]) {
    for r in rows {
        let key = r.try_get::<i64>("", "k").unwrap_or(-1);
        let e = counts.entry(key).or_insert([0; 13]);
        for (i, x) in e.iter_mut().enumerate() {
            *x += r
                .try_get::<Option<i64>>("", &format!("c{i}"))
                .ok()
                .flatten()
                .unwrap_or(0);
        }
    }
}

/// The district's figures per group over a period and a kind, from the running totals: the
/// all-time ones without filters, else the daily ones over the whole days of the period and
/// the facts of the partial days at its edges. Exactly what a scan of the facts would count.
async fn from_totals(
    db: &impl ConnectionTrait,
    group_by: GroupBy,
    q: &MetricsQuery,
    kind_id: Option<i64>,
    now_s: i64,
) -> AppResult<Vec<MetricsRow>> {
    use crate::migrations::{COUNTERS, FACT_SUMS};
    let backend = db.get_database_backend();
    let key = group_by.key_sql();
    let dim = group_by.dimension();
    let (from, to) = (q.from.map(|v| v.timestamp()), q.to.map(|v| v.timestamp()));
    let mut counts = Counts::new();
    let listed = |sums: &mut dyn Iterator<Item = String>| {
        sums.enumerate()
            .map(|(i, s)| format!("CAST({s} AS BIGINT) AS c{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if from.is_none() && to.is_none() && kind_id.is_none() {
        let cols = listed(&mut COUNTERS.iter().map(|c| (*c).to_owned()));
        let sql = format!(
            "SELECT key AS k, {cols} FROM case_tallies WHERE dimension = {dim} AND received > 0"
        );
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(backend, sql))
            .await?;
        add_counts(&mut counts, &rows);
    } else {
        // Whole days from `first` (the first that starts at or after `from`) up to `last`
        // (the day of `to`, which is whole before `to` only if `to` starts it).
        let first = from.map(|f| {
            let d = day_of(f);
            if day_start(d) == f { d } else { d + 1 }
        });
        let last = to.map(day_of);
        let mut edges: Vec<(Option<i64>, Option<i64>)> = Vec::new();
        let whole_days = !matches!((first, last), (Some(a), Some(b)) if a >= b);
        if !whole_days {
            if from < to {
                edges.push((from, to));
            }
        } else {
            if let (Some(a), Some(f)) = (first, from)
                && f < day_start(a)
            {
                edges.push((Some(f), Some(day_start(a))));
            }
            if let (Some(b), Some(t)) = (last, to)
                && day_start(b) < t
            {
                edges.push((Some(day_start(b)), Some(t)));
            }
            let cols = listed(&mut COUNTERS.iter().map(|c| format!("SUM({c})")));
            let mut sql = Sql::new(backend);
            sql.push(&format!(
                "SELECT key AS k, {cols} FROM case_day_tallies WHERE dimension = {dim}"
            ));
            if let Some(a) = first {
                sql.push(" AND day >= ").bind(a);
            }
            if let Some(b) = last {
                sql.push(" AND day < ").bind(b);
            }
            if let Some(k) = kind_id {
                sql.push(" AND kind_id = ").bind(k);
            }
            sql.push(" GROUP BY key");
            add_counts(&mut counts, &db.query_all_raw(sql.statement()).await?);
        }
        for (a, b) in edges {
            let cols = listed(&mut FACT_SUMS.iter().map(|c| (*c).to_owned()));
            let mut sql = Sql::new(backend);
            sql.push(&format!(
                "SELECT CAST(COALESCE({key}, -1) AS BIGINT) AS k, {cols} FROM case_facts WHERE 1 = 1"
            ))
            .filters(a, b, kind_id)
            .push(&format!(" GROUP BY COALESCE({key}, -1)"));
            add_counts(&mut counts, &db.query_all_raw(sql.statement()).await?);
        }
    }
    // What is overdue now, over the open cases of the period and kind.
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT CAST(COALESCE({key}, -1) AS BIGINT) AS k, \
         CAST(SUM(CASE WHEN open_deadline < "
    ))
    .bind(now_s)
    .push(" THEN 1 ELSE 0 END) AS BIGINT) AS overdue, CAST(SUM(CASE WHEN unaccepted_response_deadline < ")
    .bind(now_s)
    .push(" THEN 1 ELSE 0 END) AS BIGINT) AS late FROM case_facts WHERE open_deadline IS NOT NULL")
    .filters_unindexed(from, to, kind_id)
    .push(&format!(" GROUP BY COALESCE({key}, -1)"));
    let mut live: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in db.query_all_raw(sql.statement()).await? {
        let get = |c: &str| r.try_get::<Option<i64>>("", c).ok().flatten().unwrap_or(0);
        live.insert(
            r.try_get::<i64>("", "k").unwrap_or(-1),
            (get("overdue"), get("late")),
        );
    }
    let mut items = Vec::new();
    for (k, c) in counts {
        if c[0] == 0 {
            continue;
        }
        let (overdue, late) = live.get(&k).copied().unwrap_or((0, 0));
        let mut m = MetricsRow {
            key: match k {
                k if k < 0 => "none".to_owned(),
                k if group_by == GroupBy::Month => format!("{:04}-{:02}", k / 100, k % 100),
                k => k.to_string(),
            },
            received: c[0],
            dispatched: c[1],
            responded_on_time: c[2],
            response_due: c[3] + late,
            resolved_on_time: c[4],
            resolution_due: c[5] + overdue,
            overdue_open: overdue,
            resolved: c[6],
            revisited: c[7],
            satisfied: c[8],
            reopened: c[9],
            returned: c[10],
            handled: c[11],
            avg_handling_days: (c[11] > 0).then(|| round2(c[12] as f64 / c[11] as f64 / 86400.0)),
            ..Default::default()
        };
        if m.handled > 0 {
            // Nearest rank: the ceil(0.9 n)-th value, 0-based, walking the group's
            // (key, handling seconds, received, kind) index.
            let rank = std::cmp::max((m.handled as u64 * 9).div_ceil(10), 1) - 1;
            let mut sql = Sql::new(backend);
            sql.push(&format!("SELECT handling_secs FROM case_facts WHERE {key}"));
            if k < 0 {
                sql.push(" IS NULL");
            } else {
                sql.push(" = ").bind(k);
            }
            sql.push(" AND handling_secs IS NOT NULL")
                .filters_unindexed(from, to, kind_id)
                .push(" ORDER BY handling_secs LIMIT 1 OFFSET ")
                .bind(rank as i64);
            if let Some(r) = db.query_one_raw(sql.statement()).await?
                && let Ok(Some(secs)) = r.try_get::<Option<i64>>("", "handling_secs")
            {
                m.p90_handling_days = Some(round2(secs as f64 / 86400.0));
            }
        }
        m.finish();
        items.push(m);
    }
    Ok(items)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn ranking(items: &[MetricsRow]) -> (Vec<Ranked>, Vec<Ranked>) {
    let mut scored: Vec<Ranked> = items
        .iter()
        .filter(|m| m.key != "none" && m.received >= RANKING_MIN_CASES)
        .filter_map(|m| {
            Some(Ranked {
                score: round2(m.score()? * 100.0),
                key: m.key.clone(),
                name: m.name.clone(),
                received: m.received,
                on_time_resolution_rate: m.on_time_resolution_rate,
                satisfaction_rate: m.satisfaction_rate,
                overdue_open: m.overdue_open,
            })
        })
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.overdue_open.cmp(&b.overdue_open))
            .then_with(|| a.key.cmp(&b.key))
    });
    let n = RANKING_SIZE.min(scored.len() / 2);
    let red = scored[..n].to_vec();
    let mut black: Vec<Ranked> = scored[scored.len() - n..].to_vec();
    black.reverse();
    (red, black)
}

async fn name_rows(
    db: &impl ConnectionTrait,
    group_by: GroupBy,
    items: &mut [MetricsRow],
    lang: Lang,
) -> AppResult<()> {
    let ids: Vec<i64> = items.iter().filter_map(|m| m.key.parse().ok()).collect();
    let names: HashMap<String, String> = match group_by {
        GroupBy::Unit | GroupBy::Subject => crate::registries::units::names(db, ids)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        GroupBy::Kind => case_kinds::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|k| {
                (
                    k.id.to_string(),
                    lang.pick(&k.name_zh, &k.name_en).to_owned(),
                )
            })
            .collect(),
        GroupBy::Cadre => people::Entity::find()
            .filter(sea_orm::ColumnTrait::is_in(&people::Column::Id, ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p.name))
            .collect(),
        GroupBy::Month => HashMap::new(),
    };
    for m in items {
        m.name = if m.key == "none" {
            match group_by {
                GroupBy::Unit => lang.pick("未交办", "Not dispatched"),
                GroupBy::Cadre => lang.pick("未指定责任人", "No responsible cadre"),
                _ => lang.pick("无", "None"),
            }
            .to_owned()
        } else {
            names.get(&m.key).cloned().unwrap_or_else(|| m.key.clone())
        };
    }
    Ok(())
}

/// The metrics as a spreadsheet (one row per group, the total last).
pub fn to_xlsx(m: &Metrics, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(lang.pick("办理统计", "Case metrics"))?;
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let headers = [
        m.group_by.label(lang),
        lang.pick("受理数", "Received"),
        lang.pick("交办数", "Dispatched"),
        lang.pick("响应率", "Response rate"),
        lang.pick("按期办结率", "On-time resolution rate"),
        lang.pick("当前超期", "Overdue now"),
        lang.pick("办结数", "Resolved"),
        lang.pick("回访率", "Revisit rate"),
        lang.pick("满意率", "Satisfaction rate"),
        lang.pick("重办率", "Re-handling rate"),
        lang.pick("回退率", "Return rate"),
        lang.pick("平均办理天数", "Average handling days"),
        lang.pick("90%办理天数", "90th percentile handling days"),
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, r) in m.items.iter().chain(std::iter::once(&m.total)).enumerate() {
        let row = i as u32 + 1;
        ws.write(row, 0, r.name.as_str())?;
        ws.write(row, 1, r.received as f64)?;
        ws.write(row, 2, r.dispatched as f64)?;
        for (c, v) in [(3u16, r.response_rate), (4, r.on_time_resolution_rate)] {
            if let Some(v) = v {
                ws.write_with_format(row, c, v, &pct)?;
            }
        }
        ws.write(row, 5, r.overdue_open as f64)?;
        ws.write(row, 6, r.resolved as f64)?;
        for (c, v) in [
            (7u16, r.revisit_rate),
            (8, r.satisfaction_rate),
            (9, r.rehandle_rate),
            (10, r.return_rate),
        ] {
            if let Some(v) = v {
                ws.write_with_format(row, c, v, &pct)?;
            }
        }
        for (c, v) in [(11u16, r.avg_handling_days), (12, r.p90_handling_days)] {
            if let Some(v) = v {
                ws.write(row, c, v)?;
            }
        }
    }
    ws.set_column_width(0, 28)?;
    ws.set_freeze_panes(1, 1)?;
    wb.save_to_buffer()
}
