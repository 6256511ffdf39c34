//! The district's recovery report (复工复产报表), computed from the records on a date and within
//! the caller's scope of enterprises (optionally one sub-district's): firms by the stage of
//! their latest report (a confirmed stage counts under its code, an unconfirmed latest report
//! as "unconfirmed", a firm without one as "not_reported"), workers back, pairing, visits and
//! the problems they raised and solved, task forces, teams and key projects; and the online
//! jobs area's figures (jobs posted, positions, applications, hires, labour-sharing matches),
//! cumulative to the end of the date like the visits.
//!
//! Every figure is one aggregate query (no loop over firms): the firms in scope are a subquery.
//! Each firm's latest report is its row of `stage_latest` (kept in step with the reports) when
//! no report is dated after the report's date (today's report, the page's default), else it is
//! found on the `stage_reports (enterprise_id, on_date, id)` index. Units are counted, never
//! ranked.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::entities::{
    cases, enterprise_pairings, enterprises, key_projects, stage_latest, stage_reports,
    unit_closure, units, visit_problems, visits,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::perm;

/// The report's query: the date and, optionally, a sub-district (or any unit) whose firms.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The date (today in Asia/Shanghai by default).
    pub on: Option<NaiveDate>,
    /// Only the firms of this unit and below (a sub-district).
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PairingCounts {
    /// Firms with a leader, an instructor and a specialist.
    pub complete: i64,
    /// Firms missing any of the three.
    pub incomplete: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub on: NaiveDate,
    pub enterprises: i64,
    /// Each stage code: firms whose latest report is confirmed at it; `unconfirmed`: firms
    /// whose latest report awaits confirmation; `not_reported`: firms without a report.
    pub by_stage: BTreeMap<String, i64>,
    /// Sums over each firm's latest report.
    pub workers_back: i64,
    pub workers_total: i64,
    pub pairing: PairingCounts,
    /// Visits up to the date.
    pub visits: i64,
    /// Problems found by those visits.
    pub problems_raised: i64,
    /// Of them, appeals closed after a revisit that found them solved.
    pub problems_solved: i64,
    pub task_forces: i64,
    pub teams: i64,
    pub key_projects: i64,
    /// 就业服务, cumulative to the end of the date (see `lianxin_jobs::report`): jobs first
    /// posted by the firms in scope up to the date.
    pub jobs_posted: i64,
    /// The sum of those jobs' positions.
    pub positions: i64,
    /// Applications made to those jobs up to the date.
    pub applications: i64,
    /// Of them, hired up to the date.
    pub hires: i64,
    /// Labour-sharing matches both firms confirmed up to the date, either firm in scope.
    pub labour_matches: i64,
    /// The workers of those matches.
    pub labour_workers: i64,
}

/// One point of the series.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesPoint {
    pub on: NaiveDate,
    pub by_stage: BTreeMap<String, i64>,
    pub workers_back: i64,
    pub workers_total: i64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// The first day (12 weeks before `to` by default).
    pub from: Option<NaiveDate>,
    /// The last day (today by default).
    pub to: Option<NaiveDate>,
    /// `week` (default; at most 104 points) or `day` (at most 92).
    pub step: Option<String>,
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Series {
    pub step: String,
    pub points: Vec<SeriesPoint>,
}

/// The firms in the caller's scope (with dependents), of `unit` and below when given: a
/// condition on `enterprises`.
fn firm_condition(who: &Principal, unit: Option<i64>) -> Condition {
    let mut c = Condition::all().add(who.scope.enterprises_with_dependents());
    if let Some(u) = unit {
        c = c.add(
            enterprises::Column::UnitId.in_subquery(
                Query::select()
                    .column(unit_closure::Column::DescendantId)
                    .from(unit_closure::Entity)
                    .and_where(unit_closure::Column::AncestorId.eq(u))
                    .take(),
            ),
        );
    }
    c
}

/// The ids of those firms.
fn firms(who: &Principal, unit: Option<i64>) -> SelectStatement {
    Query::select()
        .column((enterprises::Entity, enterprises::Column::Id))
        .from(enterprises::Entity)
        .cond_where(firm_condition(who, unit))
        .take()
}

/// The start of the day after `on` in Beijing time, in UTC.
fn end_of(on: NaiveDate) -> chrono::DateTime<Utc> {
    let next = on + Duration::days(1);
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| {
            next.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::hours(8)
        })
}

async fn check(db: &impl ConnectionTrait, who: &Principal, unit: Option<i64>) -> AppResult<()> {
    who.require(perm::RECOVERY_REPORT)?;
    if let Some(u) = unit {
        let visible = units::Entity::find()
            .filter(who.scope.units_condition())
            .filter(units::Column::Id.eq(u))
            .one(db)
            .await?
            .is_some();
        if !visible {
            return Err(AppError::invalid(FieldError::new(
                "unit_id",
                "unknown",
                "单位不存在或不在您的数据权限范围内",
                "no such unit within your data scope",
            )));
        }
    }
    Ok(())
}

fn check_date(field: &str, d: NaiveDate) -> AppResult<()> {
    let lo = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    let hi = NaiveDate::from_ymd_opt(2200, 12, 31).unwrap_or_default();
    if d < lo || d > hi {
        return Err(AppError::invalid(FieldError::new(
            field,
            "range",
            "日期须在 1900 年到 2200 年之间",
            "the date must be between 1900 and 2200",
        )));
    }
    Ok(())
}

fn int(r: &sea_orm::QueryResult, c: &str) -> i64 {
    r.try_get::<Option<i64>>("", c)
        .ok()
        .flatten()
        .or_else(|| {
            r.try_get::<Option<i32>>("", c)
                .ok()
                .flatten()
                .map(i64::from)
        })
        .unwrap_or(0)
}

async fn count(db: &impl ConnectionTrait, q: SelectStatement) -> AppResult<i64> {
    let backend = db.get_database_backend();
    Ok(db
        .query_one_raw(backend.build(&q))
        .await?
        .map(|r| int(&r, "n"))
        .unwrap_or(0))
}

fn count_of(col: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Expr::col(col).count()
}

/// Firms by the stage of their latest report on or before `on`, and the workers of those
/// reports: (by_stage without `not_reported`, reported firms, back, total). One pass over the
/// firms in scope, each finding its latest report by one probe of the
/// `(enterprise_id, on_date)` index (grouping all reports by firm is several times slower on
/// both backends).
async fn stages_on(
    db: &impl ConnectionTrait,
    firms: Condition,
    everything: bool,
    on: NaiveDate,
) -> AppResult<(BTreeMap<String, i64>, i64, i64, i64)> {
    let backend = db.get_database_backend();
    // No report dated after `on` (today's report, the page's default): each firm's latest
    // report is its row of `stage_latest`, kept in step with the reports.
    let later = stage_reports::Entity::find()
        .select_only()
        .column(stage_reports::Column::Id)
        .filter(stage_reports::Column::OnDate.gt(on))
        .into_tuple::<i64>()
        .one(db)
        .await?;
    let q = if later.is_none() {
        let mut q = Query::select();
        q.column(stage_latest::Column::Stage)
            .column(stage_latest::Column::Confirmed)
            .expr_as(
                count_of(stage_latest::Column::EnterpriseId),
                Alias::new("n"),
            )
            .expr_as(
                Expr::col(stage_latest::Column::WorkersBack).sum(),
                Alias::new("back"),
            )
            .expr_as(
                Expr::col(stage_latest::Column::WorkersTotal).sum(),
                Alias::new("total"),
            )
            .from(stage_latest::Entity)
            .group_by_col(stage_latest::Column::Stage)
            .group_by_col(stage_latest::Column::Confirmed);
        if !everything {
            q.and_where(
                stage_latest::Column::EnterpriseId.in_subquery(
                    Query::select()
                        .column((enterprises::Entity, enterprises::Column::Id))
                        .from(enterprises::Entity)
                        .cond_where(firms)
                        .take(),
                ),
            );
        }
        backend.build(&q)
    } else if backend == sea_orm::DbBackend::Postgres {
        // PostgreSQL: one ordered pass over the reports up to the date (`DISTINCT ON`), the
        // fastest of the forms tried there (a probe per firm was 3x slower). The date is a
        // literal (a `NaiveDate` prints digits and dashes only), the scope's values stay bound.
        let (filter, values) = if everything {
            (String::new(), None)
        } else {
            let f = backend.build(
                &Query::select()
                    .column((enterprises::Entity, enterprises::Column::Id))
                    .from(enterprises::Entity)
                    .cond_where(firms)
                    .take(),
            );
            (format!(" AND r.enterprise_id IN ({})", f.sql), f.values)
        };
        sea_orm::Statement {
            sql: format!(
                "SELECT r.stage AS stage, r.confirmed AS confirmed, COUNT(*) AS n, \
                 SUM(r.workers_back) AS back, SUM(r.workers_total) AS total FROM \
                 (SELECT DISTINCT ON (r.enterprise_id) r.stage, r.confirmed, r.workers_back, \
                 r.workers_total FROM stage_reports r WHERE r.on_date <= DATE '{on}'{filter} \
                 ORDER BY r.enterprise_id, r.on_date DESC, r.id DESC) r \
                 GROUP BY r.stage, r.confirmed"
            ),
            values,
            db_backend: backend,
        }
    } else {
        // SQLite: each firm in scope with the id of its latest report (one probe of the
        // `(enterprise_id, on_date, id)` index per firm), materialized first so that the
        // planner does not drive the join from the reports (a probe per report).
        let latest = Query::select()
            .expr_as(
                Expr::cust_with_values(
                    "(SELECT s.id FROM stage_reports s WHERE s.enterprise_id = enterprises.id \
                     AND s.on_date <= ? ORDER BY s.on_date DESC, s.id DESC LIMIT 1)",
                    [on],
                ),
                Alias::new("rid"),
            )
            .from(enterprises::Entity)
            .cond_where(firms)
            .take();
        let inner = backend.build(&latest);
        sea_orm::Statement {
            sql: format!(
                "WITH l AS MATERIALIZED ({}) \
                 SELECT r.stage AS stage, r.confirmed AS confirmed, COUNT(r.id) AS n, \
                 SUM(r.workers_back) AS back, SUM(r.workers_total) AS total \
                 FROM l JOIN stage_reports r ON r.id = l.rid GROUP BY r.stage, r.confirmed",
                inner.sql
            ),
            values: inner.values,
            db_backend: backend,
        }
    };
    let mut by: BTreeMap<String, i64> = crate::stages::ORDER
        .iter()
        .map(|c| ((*c).to_owned(), 0))
        .collect();
    by.insert("unconfirmed".into(), 0);
    let (mut reported, mut back, mut total) = (0, 0, 0);
    for row in db.query_all_raw(q).await? {
        let n = int(&row, "n");
        let confirmed = row
            .try_get::<Option<bool>>("", "confirmed")
            .ok()
            .flatten()
            .unwrap_or(false);
        let key = if confirmed {
            row.try_get::<Option<String>>("", "stage")
                .ok()
                .flatten()
                .unwrap_or_default()
        } else {
            "unconfirmed".to_owned()
        };
        *by.entry(key).or_insert(0) += n;
        reported += n;
        back += int(&row, "back");
        total += int(&row, "total");
    }
    Ok((by, reported, back, total))
}

/// The report on `q.on` within the caller's scope.
pub async fn build(
    db: &impl ConnectionTrait,
    who: &Principal,
    q: &ReportQuery,
) -> AppResult<Report> {
    check(db, who, q.unit_id).await?;
    let on = q.on.unwrap_or_else(crate::stages::today);
    check_date("on", on)?;
    let end = end_of(on);
    // Rows of the firms in scope; the whole district needs no filter (every row has its firm).
    let everything = who.scope.all && q.unit_id.is_none();
    let of_firms = |col: Expr| -> Condition {
        if everything {
            Condition::all()
        } else {
            Condition::all().add(col.in_subquery(firms(who, q.unit_id)))
        }
    };
    let n_firms = count(
        db,
        Query::select()
            .expr_as(count_of(enterprises::Column::Id), Alias::new("n"))
            .from(enterprises::Entity)
            .cond_where(firm_condition(who, q.unit_id))
            .take(),
    )
    .await?;
    let (mut by_stage, reported, workers_back, workers_total) = stages_on(
        db,
        firm_condition(who, q.unit_id),
        who.scope.all && q.unit_id.is_none(),
        on,
    )
    .await?;
    by_stage.insert("not_reported".into(), Ord::max(n_firms - reported, 0));
    let complete = count(
        db,
        Query::select()
            .expr_as(
                count_of(enterprise_pairings::Column::EnterpriseId),
                Alias::new("n"),
            )
            .from(enterprise_pairings::Entity)
            .cond_where(of_firms(Expr::col(
                enterprise_pairings::Column::EnterpriseId,
            )))
            .and_where(enterprise_pairings::Column::LeaderPersonId.is_not_null())
            .and_where(enterprise_pairings::Column::InstructorPersonId.is_not_null())
            .and_where(enterprise_pairings::Column::SpecialistPersonId.is_not_null())
            .take(),
    )
    .await?;
    let visits_in = || {
        Query::select()
            .column(visits::Column::Id)
            .from(visits::Entity)
            .cond_where(of_firms(Expr::col(visits::Column::EnterpriseId)))
            .and_where(visits::Column::VisitedAt.lt(end))
            .take()
    };
    let n_visits = count(
        db,
        Query::select()
            .expr_as(count_of(visits::Column::Id), Alias::new("n"))
            .from(visits::Entity)
            .and_where(visits::Column::Id.in_subquery(visits_in()))
            .take(),
    )
    .await?;
    let problems = |solved: bool| {
        let mut q = Query::select()
            .expr_as(count_of(visit_problems::Column::Id), Alias::new("n"))
            .from(visit_problems::Entity)
            .and_where(visit_problems::Column::VisitId.in_subquery(visits_in()))
            .take();
        if solved {
            q.and_where(
                visit_problems::Column::CaseId.in_subquery(
                    Query::select()
                        .column(cases::Column::Id)
                        .from(cases::Entity)
                        .and_where(cases::Column::Status.eq("closed"))
                        .and_where(cases::Column::Solved.eq(true))
                        .and_where(cases::Column::ClosedAt.lt(end))
                        .take(),
                ),
            );
        }
        q
    };
    let problems_raised = count(db, problems(false)).await?;
    let problems_solved = count(db, problems(true)).await?;
    let unit_kind = |kind: &str| {
        Query::select()
            .expr_as(count_of(units::Column::Id), Alias::new("n"))
            .from(units::Entity)
            .cond_where(who.scope.units_condition())
            .and_where(units::Column::Kind.eq(kind))
            .take()
    };
    let task_forces = count(db, unit_kind("task_force")).await?;
    let teams = count(db, unit_kind("service_team")).await?;
    let n_projects = count(
        db,
        Query::select()
            .expr_as(count_of(key_projects::Column::Id), Alias::new("n"))
            .from(key_projects::Entity)
            .cond_where(of_firms(Expr::col(key_projects::Column::EnterpriseId)))
            .take(),
    )
    .await?;
    let jobs = lianxin_jobs::report::figures(db, (!everything).then(|| firms(who, q.unit_id)), end)
        .await?;
    Ok(Report {
        on,
        enterprises: n_firms,
        by_stage,
        workers_back,
        workers_total,
        pairing: PairingCounts {
            complete,
            incomplete: Ord::max(n_firms - complete, 0),
        },
        visits: n_visits,
        problems_raised,
        problems_solved,
        task_forces,
        teams,
        key_projects: n_projects,
        jobs_posted: jobs.jobs_posted,
        positions: jobs.positions,
        applications: jobs.applications,
        hires: jobs.hires,
        labour_matches: jobs.labour_matches,
        labour_workers: jobs.labour_workers,
    })
}

/// Firms by stage and workers back on each step's day from `from` to `to` (the last point is
/// `to` itself), within the caller's scope.
pub async fn series(
    db: &impl ConnectionTrait,
    who: &Principal,
    q: &SeriesQuery,
) -> AppResult<Series> {
    check(db, who, q.unit_id).await?;
    let (step, days, max) = match q.step.as_deref().map(str::trim) {
        None | Some("") | Some("week") => ("week", 7, 104),
        Some("day") => ("day", 1, 92),
        Some(_) => {
            return Err(AppError::invalid(FieldError::new(
                "step",
                "unknown",
                "间隔须为 week（按周）或 day（按日）",
                "step must be week or day",
            )));
        }
    };
    let to = q.to.unwrap_or_else(crate::stages::today);
    check_date("to", to)?;
    let from = q.from.unwrap_or(to - Duration::days(7 * 12));
    check_date("from", from)?;
    if from > to {
        return Err(AppError::invalid(FieldError::new(
            "from",
            "after_to",
            "开始日期不能晚于结束日期",
            "from cannot be later than to",
        )));
    }
    let mut dates = Vec::new();
    let mut d = from;
    while d < to {
        dates.push(d);
        d += Duration::days(days);
    }
    dates.push(to);
    if dates.len() > max {
        return Err(AppError::invalid(FieldError::new(
            "from",
            "too_long",
            format!(
                "时间跨度过长：按{}最多 {max} 个点",
                if days == 7 { "周" } else { "日" }
            ),
            format!("the span is too long: at most {max} points by {step}"),
        )));
    }
    let mut points = Vec::with_capacity(dates.len());
    for on in dates {
        let (by_stage, _, workers_back, workers_total) = stages_on(
            db,
            firm_condition(who, q.unit_id),
            who.scope.all && q.unit_id.is_none(),
            on,
        )
        .await?;
        points.push(SeriesPoint {
            on,
            by_stage,
            workers_back,
            workers_total,
        });
    }
    Ok(Series {
        step: step.to_owned(),
        points,
    })
}
