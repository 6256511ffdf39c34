//! The resumption stages (复工复产阶段, C1): a firm's contact reports its figures (workers back
//! of the total, capacity in percent of the pre-crisis level), the system suggests the stage
//! the figures support under the district's thresholds (参数设置), and a cadre paired with the
//! firm confirms a stage; a stage in force that the figures do not support is flagged
//! (`contradicts`), never hidden.
//!
//! The rule (`suggest`), in words:
//! - 未复工 unless the workers back are at least 复工比例 % of the workers in total;
//! - 复工 once they are; 复产 when, in addition, capacity is at least the 复产 threshold;
//! - 稳产, 达产, 扩产 (the highest that holds) when capacity has held at or above that stage's
//!   threshold for that stage's days: every report of the firm covering the span
//!   [date − days, date] is at or above it, the earliest of them dated at or before the span's
//!   start (the figures are known for the whole span); with 0 days the one report suffices.
//!
//! A later report supersedes an earlier one of the same day.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action, Event};
use crate::entities::{enterprise_pairings, enterprises, stage_latest, stage_reports};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::perm;

/// The stage codes in order.
pub const ORDER: [&str; 6] = [
    "not_resumed",
    "resumed",
    "producing",
    "stable",
    "full",
    "expanded",
];

/// The district's thresholds (settings), in percent and days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Thresholds {
    pub resumed_workers_pct: i64,
    pub producing_capacity: i64,
    pub stable_capacity: i64,
    pub stable_days: i64,
    pub full_capacity: i64,
    pub full_days: i64,
    pub expanded_capacity: i64,
    pub expanded_days: i64,
}

impl Default for Thresholds {
    /// The settings' defaults.
    fn default() -> Self {
        Thresholds {
            resumed_workers_pct: 10,
            producing_capacity: 30,
            stable_capacity: 60,
            stable_days: 14,
            full_capacity: 90,
            full_days: 14,
            expanded_capacity: 110,
            expanded_days: 14,
        }
    }
}

/// One report's figures, as the rule reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub on: NaiveDate,
    pub workers_back: i64,
    pub workers_total: i64,
    pub capacity_pct: i64,
}

/// The stage the figures support (see the module's doc for the rule in words). `history` is
/// the firm's other reports in any order; those dated after `report` are ignored, and those
/// of the same day are superseded by `report`.
pub fn suggest(t: &Thresholds, history: &[Figures], report: &Figures) -> &'static str {
    if report.workers_back * 100 < t.resumed_workers_pct * report.workers_total {
        return "not_resumed";
    }
    if report.capacity_pct < t.producing_capacity {
        return "resumed";
    }
    let held = |capacity: i64, days: i64| -> bool {
        if report.capacity_pct < capacity {
            return false;
        }
        let start = report.on - Duration::days(days.max(0));
        if days <= 0 {
            return true;
        }
        // The report in force at the span's start, and every one after it up to `report`.
        let earlier: Vec<&Figures> = history.iter().filter(|h| h.on < report.on).collect();
        let Some(anchor) = earlier.iter().filter(|h| h.on <= start).map(|h| h.on).max() else {
            return false;
        };
        earlier
            .iter()
            .filter(|h| h.on >= anchor)
            .all(|h| h.capacity_pct >= capacity)
    };
    [
        ("expanded", t.expanded_capacity, t.expanded_days),
        ("full", t.full_capacity, t.full_days),
        ("stable", t.stable_capacity, t.stable_days),
    ]
    .into_iter()
    .find(|(_, c, d)| held(*c, *d))
    .map(|(code, _, _)| code)
    .unwrap_or("producing")
}

/// The rule as the page states it, with the district's numbers.
pub fn rule_text(t: &Thresholds, lang: Lang) -> Vec<String> {
    let span = |d: i64| {
        if d == 0 {
            lang.pick("本次填报即可", "this report suffices").to_owned()
        } else {
            match lang {
                Lang::Zh => format!("连续 {d} 天"),
                _ => format!("for {d} days"),
            }
        }
    };
    match lang {
        Lang::Zh => vec![
            format!(
                "未复工：返岗员工不足员工总数的 {}%。",
                t.resumed_workers_pct
            ),
            format!("复工：返岗员工达到员工总数的 {}%。", t.resumed_workers_pct),
            format!(
                "复产：已复工，且产能达到疫情前的 {}%。",
                t.producing_capacity
            ),
            format!(
                "稳产：产能{}不低于 {}%。",
                span(t.stable_days),
                t.stable_capacity
            ),
            format!(
                "达产：产能{}不低于 {}%。",
                span(t.full_days),
                t.full_capacity
            ),
            format!(
                "扩产：产能{}不低于 {}%。",
                span(t.expanded_days),
                t.expanded_capacity
            ),
            "“连续”指该期间内的每次填报都达到标准，且最早一次在期间开始之日或之前。确认的阶段与数据不符时会标出。".to_owned(),
        ],
        _ => vec![
            format!(
                "Not resumed: fewer than {}% of the workers are back.",
                t.resumed_workers_pct
            ),
            format!(
                "Resumed: at least {}% of the workers are back.",
                t.resumed_workers_pct
            ),
            format!(
                "Producing: resumed, and capacity at least {}% of the pre-crisis level.",
                t.producing_capacity
            ),
            format!(
                "Stable: capacity at or above {}% {}.",
                t.stable_capacity,
                span(t.stable_days)
            ),
            format!(
                "Full output: capacity at or above {}% {}.",
                t.full_capacity,
                span(t.full_days)
            ),
            format!(
                "Expanded: capacity at or above {}% {}.",
                t.expanded_capacity,
                span(t.expanded_days)
            ),
            "\"For N days\": every report in that span meets it, the earliest dated on or before the span's start. A confirmed stage the figures do not support is flagged.".to_owned(),
        ],
    }
}

fn setting(key: &str) -> AppResult<&'static lianxin_kernel::settings::Setting> {
    crate::SETTINGS
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| AppError::internal(format!("unknown setting {key}")))
}

/// The thresholds as the district has set them.
pub async fn thresholds(db: &impl ConnectionTrait) -> AppResult<Thresholds> {
    let int =
        |key: &'static str| async move { lianxin_kernel::settings::int(db, setting(key)?).await };
    Ok(Thresholds {
        resumed_workers_pct: int(crate::RESUMED_WORKERS_PCT).await?,
        producing_capacity: int(crate::PRODUCING_CAPACITY).await?,
        stable_capacity: int(crate::STABLE_CAPACITY).await?,
        stable_days: int(crate::STABLE_DAYS).await?,
        full_capacity: int(crate::FULL_CAPACITY).await?,
        full_days: int(crate::FULL_DAYS).await?,
        expanded_capacity: int(crate::EXPANDED_CAPACITY).await?,
        expanded_days: int(crate::EXPANDED_DAYS).await?,
    })
}

/// Today in Asia/Shanghai.
pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// A stage report as sent: all optional, checked by `validate`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    /// The stage the firm reports (a code of `recovery.stage`); the suggested one when omitted.
    pub stage: Option<String>,
    /// The day the figures are of; today (Asia/Shanghai) by default.
    pub on: Option<NaiveDate>,
    #[schema(required = true, nullable = false, minimum = 0)]
    pub workers_back: Option<i64>,
    /// The workers in total; the firm's employee count by default.
    #[schema(minimum = 0)]
    pub workers_total: Option<i64>,
    /// Capacity in percent of the pre-crisis level (may exceed 100).
    #[schema(required = true, nullable = false, minimum = 0, maximum = 1000)]
    pub capacity_pct: Option<i64>,
}

/// A confirmation as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfirmInput {
    /// The stage confirmed; by default the reported one, else the suggested one.
    pub stage: Option<String>,
    /// The version read (a stale one is a 409).
    pub version: Option<i32>,
}

/// A stage report as answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageView {
    pub id: i64,
    pub enterprise_id: i64,
    pub on: NaiveDate,
    pub workers_back: i32,
    pub workers_total: i32,
    pub capacity_pct: i32,
    /// The stage in force (the confirmed one once confirmed).
    pub stage: String,
    pub stage_label: String,
    pub reported_stage: Option<String>,
    pub suggested_stage: String,
    pub suggested_stage_label: String,
    /// The stage in force is not what the figures suggest.
    pub contradicts_figures: bool,
    pub confirmed: bool,
    pub confirmed_by_person_id: Option<i64>,
    pub confirmed_at: Option<chrono::DateTime<Utc>>,
    pub version: i32,
}

pub fn view(r: &stage_reports::Model, lang: Lang) -> StageView {
    StageView {
        id: r.id,
        enterprise_id: r.enterprise_id,
        on: r.on_date,
        workers_back: r.workers_back,
        workers_total: r.workers_total,
        capacity_pct: r.capacity_pct,
        stage_label: crate::STAGES.label(&r.stage, lang),
        stage: r.stage.clone(),
        reported_stage: r.reported_stage.clone(),
        suggested_stage_label: crate::STAGES.label(&r.suggested_stage, lang),
        suggested_stage: r.suggested_stage.clone(),
        contradicts_figures: r.contradicts,
        confirmed: r.confirmed,
        confirmed_by_person_id: r.confirmed_by_person_id,
        confirmed_at: r.confirmed_at,
        version: r.version,
    }
}

fn stage_code(errors: &mut Vec<FieldError>, v: Option<String>) -> Option<String> {
    let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())?;
    match crate::STAGES.find(&v) {
        Some(e) => Some(e.code.to_string()),
        None => {
            errors.push(FieldError::new(
                "stage",
                "unknown",
                "阶段须为：未复工、复工、复产、稳产、达产、扩产之一",
                "stage must be one of not_resumed, resumed, producing, stable, full, expanded",
            ));
            None
        }
    }
}

/// The firm the caller may report for: an enterprise contact their own firm only, others a
/// firm they may write to. Anything else is not there (404).
async fn reportable_firm(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<enterprises::Model> {
    if who.enterprise_id.is_some_and(|own| own != id) {
        return Err(AppError::NotFound);
    }
    enterprises::Entity::find()
        .filter(who.scope.enterprises_writable())
        .filter(enterprises::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The firm's reports other than `except`, as the rule reads them.
async fn history_figures(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
    until: NaiveDate,
) -> AppResult<Vec<Figures>> {
    let rows: Vec<(NaiveDate, i32, i32, i32)> = stage_reports::Entity::find()
        .select_only()
        .column(stage_reports::Column::OnDate)
        .column(stage_reports::Column::WorkersBack)
        .column(stage_reports::Column::WorkersTotal)
        .column(stage_reports::Column::CapacityPct)
        .filter(stage_reports::Column::EnterpriseId.eq(enterprise_id))
        .filter(stage_reports::Column::OnDate.lt(until))
        .order_by_asc(stage_reports::Column::OnDate)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(on, b, t, c)| Figures {
            on,
            workers_back: b.into(),
            workers_total: t.into(),
            capacity_pct: c.into(),
        })
        .collect())
}

/// Checks a report's figures against the firm: (stage reported, figures).
fn validate(input: ReportInput, firm: &enterprises::Model) -> AppResult<(Option<String>, Figures)> {
    let mut errors = Vec::new();
    let reported = stage_code(&mut errors, input.stage);
    let today = today();
    let lo = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    let on = input.on.unwrap_or(today);
    if on < lo || on > today {
        errors.push(FieldError::new(
            "on",
            "range",
            "日期须在 1900 年到今天之间",
            "the date must be between 1900 and today",
        ));
    }
    const MAX_WORKERS: i64 = 10_000_000;
    let workers_back = match input.workers_back {
        None => {
            errors.push(FieldError::required(
                "workers_back",
                "返岗人数",
                "Workers back",
            ));
            0
        }
        Some(n) if !(0..=MAX_WORKERS).contains(&n) => {
            errors.push(FieldError::new(
                "workers_back",
                "range",
                "返岗人数须在 0 到 1000 万之间",
                "workers_back must be between 0 and 10 million",
            ));
            0
        }
        Some(n) => n,
    };
    let workers_total = match input.workers_total {
        None => i64::from(firm.employee_count.max(0)),
        Some(n) if !(0..=MAX_WORKERS).contains(&n) => {
            errors.push(FieldError::new(
                "workers_total",
                "range",
                "员工总数须在 0 到 1000 万之间",
                "workers_total must be between 0 and 10 million",
            ));
            workers_back
        }
        Some(n) => n,
    };
    if workers_total < workers_back && !errors.iter().any(|e| e.field == "workers_back") {
        errors.push(FieldError::new(
            "workers_total",
            "less_than_back",
            "员工总数不能少于返岗人数（未填时按企业登记的员工数）",
            "workers_total cannot be less than workers_back (the firm's employee count when omitted)",
        ));
    }
    let capacity_pct = match input.capacity_pct {
        None => {
            errors.push(FieldError::required(
                "capacity_pct",
                "产能（%）",
                "Capacity (%)",
            ));
            0
        }
        Some(n) if !(0..=1000).contains(&n) => {
            errors.push(FieldError::new(
                "capacity_pct",
                "range",
                "产能须为 0 到 1000 之间的整数（疫情前水平的百分比）",
                "capacity_pct must be a whole number from 0 to 1000 (percent of the pre-crisis level)",
            ));
            0
        }
        Some(n) => n,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((
        reported,
        Figures {
            on,
            workers_back,
            workers_total,
            capacity_pct,
        },
    ))
}

fn i32_of(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Records a firm's report (`stage:report`): the suggested stage from the figures, the stage
/// in force the reported one (else the suggested one), unconfirmed.
pub async fn report<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    enterprise_id: i64,
    input: ReportInput,
) -> AppResult<stage_reports::Model> {
    who.require(perm::STAGE_REPORT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    // One writer of a firm's reports at a time, so its latest report is computed after the
    // other's (`refresh_latest`).
    lianxin_kernel::db::lock_row(&txn, "enterprises", enterprise_id).await?;
    let firm = reportable_firm(&txn, who, enterprise_id).await?;
    let (reported, f) = validate(input, &firm)?;
    let t = thresholds(&txn).await?;
    let history = history_figures(&txn, firm.id, f.on).await?;
    let suggested = suggest(&t, &history, &f);
    let stage = reported.clone().unwrap_or_else(|| suggested.to_owned());
    let r = stage_reports::ActiveModel {
        enterprise_id: Set(firm.id),
        on_date: Set(f.on),
        workers_back: Set(i32_of(f.workers_back)),
        workers_total: Set(i32_of(f.workers_total)),
        capacity_pct: Set(i32_of(f.capacity_pct)),
        reported_stage: Set(reported),
        suggested_stage: Set(suggested.to_owned()),
        contradicts: Set(stage != suggested),
        stage: Set(stage),
        confirmed: Set(false),
        reported_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        version: Set(1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    refresh_latest(&txn, firm.id).await?;
    audit::record_event(
        &txn,
        who,
        Action::Create,
        "stage_report",
        Some(r.id),
        format!("{} {} {}", firm.name, r.on_date, r.stage),
        Event::new(
            "stage.report",
            serde_json::json!({
                "enterprise": firm.name,
                "on": r.on_date.to_string(),
                "stage": stage_both(&r.stage),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

fn stage_both(code: &str) -> serde_json::Value {
    audit::both(
        crate::STAGES.label(code, Lang::Zh),
        crate::STAGES.label(code, Lang::En),
    )
}

/// Whether the caller may confirm the firm's stages: a holder of `*`, or the person the login
/// acts as paired with the firm (leader, instructor or specialist).
pub async fn may_confirm(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: i64,
) -> AppResult<bool> {
    if !who.can(perm::STAGE_CONFIRM) {
        return Ok(false);
    }
    if who.can(lianxin_kernel::access::roles::perm::ALL) {
        return Ok(true);
    }
    let Some(p) = who.person_id else {
        return Ok(false);
    };
    Ok(enterprise_pairings::Entity::find()
        .filter(enterprise_pairings::Column::EnterpriseId.eq(enterprise_id))
        .filter(paired_with(p))
        .one(db)
        .await?
        .is_some())
}

fn paired_with(person_id: i64) -> Condition {
    Condition::any()
        .add(enterprise_pairings::Column::LeaderPersonId.eq(person_id))
        .add(enterprise_pairings::Column::InstructorPersonId.eq(person_id))
        .add(enterprise_pairings::Column::SpecialistPersonId.eq(person_id))
}

/// Confirms a report (`stage:confirm`, by a cadre paired with the firm or an administrator):
/// the stage given, else the reported one, else the suggested one; flagged when it is not
/// what the figures suggest. A report is confirmed once (a second time is a 409).
pub async fn confirm<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    enterprise_id: i64,
    stage_id: i64,
    input: ConfirmInput,
) -> AppResult<stage_reports::Model> {
    who.require(perm::STAGE_CONFIRM)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "enterprises", enterprise_id).await?;
    lianxin_kernel::db::lock_row(&txn, "stage_reports", stage_id).await?;
    let current = stage_reports::Entity::find_by_id(stage_id)
        .filter(stage_reports::Column::EnterpriseId.eq(enterprise_id))
        .filter(stage_reports::Entity::scope_condition(&who.scope))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_confirm(&txn, who, enterprise_id).await? {
        return Err(AppError::ForbiddenBecause {
            zh: "只有与该企业包联的干部可以确认其复工阶段".into(),
            en: "only a cadre paired with the enterprise may confirm its stage".into(),
        });
    }
    let mut errors = Vec::new();
    let stage = stage_code(&mut errors, input.stage);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if input.version.is_some_and(|v| v != current.version) {
        return Err(crate::paging::stale(view(&current, Lang::Zh)));
    }
    if current.confirmed {
        return Err(AppError::Conflict {
            zh: "该次填报已确认".into(),
            en: "this report is already confirmed".into(),
        });
    }
    let r = write_confirmation(&txn, current, stage, Some(who.user_id), who.person_id).await?;
    let firm = enterprises::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "stage_report",
        Some(r.id),
        format!("{firm} {} {}", r.on_date, r.stage),
        Event::new(
            "stage.confirm",
            serde_json::json!({
                "enterprise": firm,
                "on": r.on_date.to_string(),
                "stage": stage_both(&r.stage),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

async fn write_confirmation(
    db: &impl ConnectionTrait,
    current: stage_reports::Model,
    stage: Option<String>,
    user_id: Option<i64>,
    person_id: Option<i64>,
) -> AppResult<stage_reports::Model> {
    let stage = stage
        .or_else(|| current.reported_stage.clone())
        .unwrap_or_else(|| current.suggested_stage.clone());
    let contradicts = stage != current.suggested_stage;
    let version = current.version + 1;
    let mut am = current.into_active_model();
    am.stage = Set(stage);
    am.contradicts = Set(contradicts);
    am.confirmed = Set(true);
    am.confirmed_by_user_id = Set(user_id.filter(|u| *u > 0));
    am.confirmed_by_person_id = Set(person_id);
    am.confirmed_at = Set(Some(Utc::now()));
    am.version = Set(version);
    let r = am.update(db).await?;
    refresh_latest(db, r.enterprise_id).await?;
    Ok(r)
}

/// Fills `stage_latest` from `stage_reports`: each firm's report with the greatest
/// `(on_date, id)`. The migration runs it once; `rebuild_latest` runs it again.
pub const FILL_LATEST_SQL: &str = "INSERT INTO stage_latest \
     (enterprise_id, report_id, on_date, stage, confirmed, workers_back, workers_total) \
     SELECT r.enterprise_id, r.id, r.on_date, r.stage, r.confirmed, r.workers_back, \
     r.workers_total FROM stage_reports r WHERE r.id = (SELECT s.id FROM stage_reports s \
     WHERE s.enterprise_id = r.enterprise_id ORDER BY s.on_date DESC, s.id DESC LIMIT 1)";

/// Writes the firm's row of `stage_latest` from its reports, in the writer's transaction
/// (which holds the firm's row lock).
pub async fn refresh_latest(db: &impl ConnectionTrait, enterprise_id: i64) -> AppResult<()> {
    let latest = stage_reports::Entity::find()
        .filter(stage_reports::Column::EnterpriseId.eq(enterprise_id))
        .order_by_desc(stage_reports::Column::OnDate)
        .order_by_desc(stage_reports::Column::Id)
        .one(db)
        .await?;
    stage_latest::Entity::delete_by_id(enterprise_id)
        .exec(db)
        .await?;
    if let Some(r) = latest {
        stage_latest::ActiveModel {
            enterprise_id: Set(r.enterprise_id),
            report_id: Set(r.id),
            on_date: Set(r.on_date),
            stage: Set(r.stage),
            confirmed: Set(r.confirmed),
            workers_back: Set(r.workers_back),
            workers_total: Set(r.workers_total),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Recomputes the whole `stage_latest` from `stage_reports` (after a bulk load that wrote the
/// reports directly; the tests compare the kept table with it).
pub async fn rebuild_latest(db: &impl ConnectionTrait) -> AppResult<()> {
    stage_latest::Entity::delete_many().exec(db).await?;
    db.execute_unprepared(FILL_LATEST_SQL).await?;
    Ok(())
}

/// The demo's path: confirms a report as `person_id` (which may be none while pairing is not
/// loaded) without a caller. Not reachable from any request.
#[doc(hidden)]
pub async fn demo_confirm(
    db: &impl ConnectionTrait,
    stage_id: i64,
    stage: Option<&str>,
    person_id: Option<i64>,
) -> AppResult<stage_reports::Model> {
    let current = stage_reports::Entity::find_by_id(stage_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    write_confirmation(db, current, stage.map(str::to_owned), None, person_id).await
}

/// The firm's history, newest first: any of reporting, confirming or the report's permission,
/// and the firm visible with its dependents (an enterprise contact: their own firm).
pub async fn history(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: i64,
) -> AppResult<Vec<stage_reports::Model>> {
    if !(who.can(perm::STAGE_REPORT)
        || who.can(perm::STAGE_CONFIRM)
        || who.can(perm::RECOVERY_REPORT))
    {
        return Err(AppError::Forbidden);
    }
    if who.enterprise_id.is_some_and(|own| own != enterprise_id) {
        return Err(AppError::NotFound);
    }
    let visible = enterprises::Entity::find()
        .filter(who.scope.enterprises_with_dependents())
        .filter(enterprises::Column::Id.eq(enterprise_id))
        .one(db)
        .await?
        .is_some();
    if !visible {
        return Err(AppError::NotFound);
    }
    Ok(stage_reports::Entity::find()
        .filter(stage_reports::Entity::scope_condition(&who.scope))
        .filter(stage_reports::Column::EnterpriseId.eq(enterprise_id))
        .order_by_desc(stage_reports::Column::OnDate)
        .order_by_desc(stage_reports::Column::Id)
        .limit(500)
        .all(db)
        .await?)
}

/// Unconfirmed reports the caller may confirm, oldest first, with the firm's name: those of
/// the firms paired with the caller's person (an administrator: every firm in scope).
pub async fn awaiting(
    db: &impl ConnectionTrait,
    who: &Principal,
) -> AppResult<Vec<(stage_reports::Model, String)>> {
    if !who.can(perm::STAGE_CONFIRM) {
        return Ok(Vec::new());
    }
    let mut q = stage_reports::Entity::find()
        .filter(stage_reports::Entity::scope_condition(&who.scope))
        .filter(stage_reports::Column::Confirmed.eq(false));
    if !who.can(lianxin_kernel::access::roles::perm::ALL) {
        let Some(p) = who.person_id else {
            return Ok(Vec::new());
        };
        q = q.filter(
            stage_reports::Column::EnterpriseId.in_subquery(
                Query::select()
                    .column(enterprise_pairings::Column::EnterpriseId)
                    .from(enterprise_pairings::Entity)
                    .cond_where(paired_with(p))
                    .take(),
            ),
        );
    }
    let rows = q
        .order_by_asc(stage_reports::Column::OnDate)
        .order_by_asc(stage_reports::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let names: std::collections::HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().map(|r| r.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = names.get(&r.enterprise_id).cloned().unwrap_or_default();
            (r, n)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 3, day).unwrap_or_default()
    }

    fn f(day: u32, back: i64, total: i64, cap: i64) -> Figures {
        Figures {
            on: d(day),
            workers_back: back,
            workers_total: total,
            capacity_pct: cap,
        }
    }

    #[test]
    fn workers_share_decides_resumed() {
        let t = Thresholds::default();
        assert_eq!(suggest(&t, &[], &f(20, 9, 100, 0)), "not_resumed");
        assert_eq!(suggest(&t, &[], &f(20, 10, 100, 0)), "resumed");
        // Capacity alone does not make a firm resumed.
        assert_eq!(suggest(&t, &[], &f(20, 0, 100, 200)), "not_resumed");
    }

    #[test]
    fn producing_at_its_capacity() {
        let t = Thresholds::default();
        assert_eq!(suggest(&t, &[], &f(20, 50, 100, 29)), "resumed");
        assert_eq!(suggest(&t, &[], &f(20, 50, 100, 30)), "producing");
        // Without a history, a high capacity is only producing.
        assert_eq!(suggest(&t, &[], &f(20, 50, 100, 150)), "producing");
    }

    #[test]
    fn held_spans_need_a_report_at_or_before_the_start() {
        let t = Thresholds::default();
        // 2020-03-01 .. 03-15: 14 days, the first report exactly at the span's start.
        let h = [f(1, 90, 100, 95), f(8, 90, 100, 92)];
        assert_eq!(suggest(&t, &h, &f(15, 90, 100, 91)), "full");
        // One day short: the earliest report is after the span's start.
        let h = [f(2, 90, 100, 95), f(8, 90, 100, 92)];
        assert_eq!(suggest(&t, &h, &f(15, 90, 100, 91)), "producing");
        // A dip inside the span: only what held stays (stable at 60).
        let h = [f(1, 90, 100, 95), f(8, 90, 100, 70)];
        assert_eq!(suggest(&t, &h, &f(15, 90, 100, 91)), "stable");
        // The report in force at the start counts even when it is older than the span.
        let h = [f(1, 90, 100, 89), f(2, 90, 100, 120)];
        let r = Figures {
            on: d(31),
            ..f(1, 90, 100, 115)
        };
        assert_eq!(suggest(&t, &h, &r), "expanded");
        // Reports after the one judged are ignored; one of the same day is superseded.
        let h = [f(1, 90, 100, 95), f(15, 90, 100, 10), f(20, 90, 100, 10)];
        assert_eq!(suggest(&t, &h, &f(15, 90, 100, 91)), "full");
    }

    #[test]
    fn zero_days_needs_the_one_report() {
        let t = Thresholds {
            full_days: 0,
            ..Thresholds::default()
        };
        assert_eq!(suggest(&t, &[], &f(20, 50, 100, 90)), "full");
        assert_eq!(suggest(&t, &[], &f(20, 50, 100, 89)), "producing");
    }

    #[test]
    fn a_firm_without_workers_is_resumed_by_its_share() {
        let t = Thresholds::default();
        assert_eq!(suggest(&t, &[], &f(20, 0, 0, 0)), "resumed");
    }
}
