//! Employees' daily health reports (C9): an enterprise contact reports for the roster
//! (temperature, symptoms, mental state, whereabouts, return from outside the city, quarantine).
//!
//! One way to write: `submit` (API, page, sheet import and demo all call it) stores a whole
//! roster form in one transaction, all or nothing, one report per person and day (a second
//! report the same day updates the first), audited; a fever raises one follow-up case per
//! person and day. Reads go through the enterprises' data scope.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::cases::Codes;
use crate::entities::{enterprises, health_reports, people};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::perm;
use lianxin_kernel::sheet::{Col, col, xlsx_err};

/// Symptoms (code, 中文, English); none is the empty list.
pub const SYMPTOMS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::open(
    "health.symptom",
    "症状",
    "Symptom",
    &[
        ("fever", "发热", "Fever"),
        ("cough", "咳嗽", "Cough"),
        ("fatigue", "乏力", "Fatigue"),
        ("sore_throat", "咽痛", "Sore throat"),
        ("diarrhea", "腹泻", "Diarrhoea"),
        ("loss_of_smell", "嗅味觉减退", "Loss of smell or taste"),
        ("other", "其他", "Other"),
    ],
);

/// Mental state (心理状态).
pub const MENTAL_STATES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "health.mental_state",
    "心理状态",
    "Mental state",
    &[
        ("good", "良好", "Good"),
        ("anxious", "焦虑", "Anxious"),
        ("low", "情绪低落", "Low mood"),
        ("needs_help", "需要心理疏导", "Needs counselling"),
    ],
);

/// Quarantine status (隔离状态).
pub const QUARANTINE: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "health.quarantine",
    "隔离状态",
    "Quarantine",
    &[
        ("none", "无", "None"),
        ("home", "居家观察", "Home observation"),
        ("central", "集中隔离", "Central quarantine"),
        ("released", "解除隔离", "Released"),
    ],
);

/// Most rows one submission may hold (a roster).
pub const MAX_ROWS: usize = 5_000;
/// How far back a day may be reported (or corrected).
pub const MAX_DAYS_BACK: i64 = 30;

/// A temperature: a number is tenths of a degree (365 = 36.5 ℃), as every temperature in the
/// API; text is degrees ("36.5"), as forms and sheets give it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Celsius {
    Tenths(f64),
    Text(String),
}

/// One employee's report. Name the person by `person_id`, or by `id_number`, or by `name`
/// (which must be unique on the roster).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct HealthReportInput {
    pub person_id: Option<i64>,
    pub id_number: Option<String>,
    pub name: Option<String>,
    /// Tenths of a degree Celsius, 340-430 (365 = 36.5 ℃), like every temperature in the
    /// API; required. (Text in degrees, "36.5", is taken too, as forms and sheets give it.)
    #[schema(value_type = i64, required = true, minimum = 340, maximum = 430)]
    pub temperature: Option<Celsius>,
    /// Symptom codes (fever, cough, fatigue, sore_throat, diarrhea, loss_of_smell, other) or
    /// their Chinese names; empty or absent for none.
    pub symptoms: Option<Vec<String>>,
    /// good, anxious, low, needs_help (or 良好, 焦虑, 情绪低落, 需要心理疏导); required.
    #[schema(required = true, nullable = false, min_length = 1)]
    pub mental_state: Option<String>,
    /// Where the employee is today (所在地).
    pub location: Option<String>,
    /// Back from outside the city: from where ...
    pub returned_from: Option<String>,
    /// ... and on which day (YYYY-MM-DD).
    pub returned_on: Option<String>,
    /// none, home, central, released (or 无, 居家观察, 集中隔离, 解除隔离); required.
    #[schema(required = true, nullable = false, min_length = 1)]
    pub quarantine: Option<String>,
}

impl HealthReportInput {
    /// Nothing reported but the person (and the defaults of a prefilled form or template):
    /// such a row of a form or sheet means "not reported" and is skipped.
    pub fn is_blank(&self) -> bool {
        let empty = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or("").is_empty();
        let default = |s: &Option<String>, codes: Codes| {
            let v = s.as_deref().map(str::trim).unwrap_or("");
            v.is_empty() || codes.iter().next().is_some_and(|c| c.0 == v || c.1 == v)
        };
        let temp_empty = match &self.temperature {
            None => true,
            Some(Celsius::Text(t)) => t.trim().is_empty(),
            Some(Celsius::Tenths(_)) => false,
        };
        temp_empty
            && self
                .symptoms
                .as_ref()
                .is_none_or(|v| v.iter().all(|s| matches!(s.trim(), "" | "无" | "none")))
            && default(&self.mental_state, MENTAL_STATES)
            && default(&self.quarantine, QUARANTINE)
            && empty(&self.location)
            && empty(&self.returned_from)
            && empty(&self.returned_on)
    }
}

/// What a submission did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SubmitResult {
    pub date: NaiveDate,
    pub created: usize,
    pub updated: usize,
    /// Reports at or above the fever threshold or with the symptom fever.
    pub fevers: usize,
    /// Follow-up cases raised by this submission (at most one per person and day).
    pub cases_raised: usize,
}

/// A roster entry: names are shown to these roles, identity numbers only masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RosterPerson {
    pub person_id: i64,
    pub name: String,
    pub id_masked: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HealthReportView {
    pub id: i64,
    pub enterprise_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub id_masked: Option<String>,
    pub report_date: NaiveDate,
    /// Tenths of a degree Celsius (365 = 36.5 ℃).
    pub temperature: Option<i16>,
    pub symptoms: Vec<String>,
    /// The symptoms in the caller's language ("无" for none).
    pub symptoms_label: String,
    pub mental_state: String,
    pub mental_state_label: String,
    pub location: Option<String>,
    pub returned_from: Option<String>,
    pub returned_on: Option<NaiveDate>,
    pub quarantine: String,
    pub quarantine_label: String,
    pub fever: bool,
    pub case_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

impl HealthReportView {
    /// The temperature as screens show it (`37.3 ℃`), or nothing when not reported.
    pub fn temperature_text(&self) -> String {
        self.temperature
            .map(|t| lianxin_types::DeciCelsius(t).to_string())
            .unwrap_or_default()
    }
}

/// One day of an enterprise's (or the district's) physical and mental state.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TrendDay {
    pub date: NaiveDate,
    /// Employees on the roster (today's roster).
    pub roster: i64,
    pub reported: i64,
    pub fevers: i64,
    pub with_symptoms: i64,
    /// Mental state other than good.
    pub mental_not_good: i64,
    /// Under home observation or in central quarantine.
    pub quarantined: i64,
}

fn masked(id: Option<&str>) -> Option<String> {
    id.map(lianxin_types::IdNumber::mask)
}

fn code_of(codes: Codes, v: &str) -> Option<String> {
    codes.find(v).map(|e| e.code)
}

fn unknown_code(field: &str, v: &str, codes: Codes, zh: &str, en: &str) -> FieldError {
    let offered = codes.offered();
    let allowed_zh: Vec<&str> = offered.iter().map(|c| c.label_zh.as_str()).collect();
    let allowed_en: Vec<&str> = offered.iter().map(|c| c.code.as_str()).collect();
    FieldError::new(
        field,
        "unknown",
        format!("{zh}“{v}”无效，可选：{}", allowed_zh.join("、")),
        format!("{en} '{v}' is not one of: {}", allowed_en.join(", ")),
    )
}

/// Splits a symptoms cell or text ("咳嗽、乏力", "cough,fatigue"); "无" alone means none.
pub fn split_symptoms(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；', ' ', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The symptoms' labels in `lang`, "无"/"none" for none.
pub fn symptoms_label(codes: &str, lang: Lang) -> String {
    if codes.is_empty() {
        return lang.pick("无", "none").to_owned();
    }
    codes
        .split(',')
        .map(|c| crate::cases::label(SYMPTOMS, c, lang))
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// A date typed into a form or a sheet: 2020-02-10, 2020/2/10, 2020.2.10 or 2020年2月10日.
pub fn parse_day(v: &str) -> Option<NaiveDate> {
    let v = v.trim().trim_end_matches('日');
    let norm: String = v
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .collect();
    let norm = norm.split([' ', 'T']).next().unwrap_or("");
    NaiveDate::parse_from_str(norm, "%Y-%m-%d").ok()
}

struct Valid {
    person_id: i64,
    temperature: i16,
    symptoms: String,
    mental_state: String,
    location: Option<String>,
    returned_from: Option<String>,
    returned_on: Option<NaiveDate>,
    quarantine: String,
}

struct Roster {
    by_id: HashMap<i64, people::Model>,
    by_number: HashMap<String, i64>,
    by_name: HashMap<String, Vec<i64>>,
}

impl Roster {
    async fn load(db: &impl ConnectionTrait, enterprise_id: i64) -> AppResult<Roster> {
        let rows = people::Entity::find()
            .filter(people::Column::EnterpriseId.eq(enterprise_id))
            .filter(people::Column::IsEmployee.eq(true))
            .order_by_asc(people::Column::Name)
            .order_by_asc(people::Column::Id)
            .all(db)
            .await?;
        let mut r = Roster {
            by_id: HashMap::new(),
            by_number: HashMap::new(),
            by_name: HashMap::new(),
        };
        for p in rows {
            if let Some(n) = &p.id_number {
                r.by_number.insert(n.to_ascii_uppercase(), p.id);
            }
            r.by_name.entry(p.name.clone()).or_default().push(p.id);
            r.by_id.insert(p.id, p);
        }
        Ok(r)
    }

    fn find(&self, input: &HealthReportInput, errors: &mut Vec<FieldError>) -> Option<i64> {
        let not_on_roster = |field: &str| {
            FieldError::new(
                field,
                "not_on_roster",
                "此人不在本企业的职工名单中",
                "this person is not on your enterprise's roster of employees",
            )
        };
        if let Some(id) = input.person_id {
            if self.by_id.contains_key(&id) {
                return Some(id);
            }
            errors.push(not_on_roster("person_id"));
            return None;
        }
        if let Some(n) = crate::text::clean(input.id_number.clone()) {
            if let Some(id) = self.by_number.get(&n.to_ascii_uppercase()) {
                return Some(*id);
            }
            errors.push(not_on_roster("id_number"));
            return None;
        }
        if let Some(n) = crate::text::clean(input.name.clone()) {
            return match self.by_name.get(&n).map(Vec::as_slice) {
                Some([id]) => Some(*id),
                Some(_) => {
                    errors.push(FieldError::new(
                        "name",
                        "ambiguous",
                        format!("职工名单中有多个“{n}”，请填写身份证号"),
                        format!("several employees are named '{n}'; give the identity number"),
                    ));
                    None
                }
                None => {
                    errors.push(not_on_roster("name"));
                    None
                }
            };
        }
        errors.push(FieldError::new(
            "person_id",
            "required",
            "请指明职工（人员编号、身份证号或姓名）",
            "name the employee (person_id, id_number or name)",
        ));
        None
    }
}

fn validate(
    input: HealthReportInput,
    roster: &Roster,
    day: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<Valid> {
    let before = errors.len();
    let person_id = roster.find(&input, errors);
    let tenths = match &input.temperature {
        Some(Celsius::Tenths(n)) if n.fract() == 0.0 && n.abs() < 1e6 => {
            lianxin_types::DeciCelsius::new_body(*n as i32).ok()
        }
        _ => None,
    };
    let temperature = match &input.temperature {
        None => None,
        Some(Celsius::Text(t)) if t.trim().is_empty() => None,
        Some(Celsius::Text(t)) => Some(t.trim().to_owned()),
        Some(Celsius::Tenths(n)) => Some(format!("{n}")),
    };
    let temperature = match (tenths, temperature) {
        (Some(d), _) => d.0,
        (None, None) => {
            errors.push(FieldError::required("temperature", "体温", "Temperature"));
            0
        }
        (None, Some(_)) if matches!(input.temperature, Some(Celsius::Tenths(_))) => {
            errors.push(FieldError::new(
                "temperature",
                "range",
                "体温以 0.1 ℃ 为单位，应为 340 到 430 之间的整数（如 365 表示 36.5 ℃）",
                "temperature is in tenths of a degree: a whole number 340-430 (365 = 36.5 °C)",
            ));
            0
        }
        (None, Some(t)) => match lianxin_types::DeciCelsius::from_celsius_str(&t) {
            Ok(d) => d.0,
            Err(_) => {
                errors.push(FieldError::new(
                    "temperature",
                    "range",
                    "体温应为 34.0 到 43.0 ℃ 之间、最多一位小数的数字（如 36.5）",
                    "temperature must be 34.0-43.0 °C with at most one decimal (e.g. 36.5)",
                ));
                0
            }
        },
    };
    let mut symptoms: Vec<String> = Vec::new();
    let mut said_none = false;
    for s in input.symptoms.iter().flatten() {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        if matches!(s, "无" | "none" | "无症状") {
            said_none = true;
            continue;
        }
        match code_of(SYMPTOMS, s) {
            Some(c) => {
                if !symptoms.contains(&c) {
                    symptoms.push(c);
                }
            }
            None => errors.push(unknown_code("symptoms", s, SYMPTOMS, "症状", "Symptom")),
        }
    }
    if said_none && !symptoms.is_empty() {
        errors.push(FieldError::new(
            "symptoms",
            "conflict",
            "症状不能既填“无”又填具体症状",
            "symptoms cannot be both none and some",
        ));
    }
    // Stored in the order of the list, so equal sets compare equal.
    let order = SYMPTOMS.entries();
    symptoms.sort_by_key(|c| order.iter().position(|s| s.code == *c));
    let mut coded = |field: &str, v: &Option<String>, codes: Codes, zh: &str, en: &str| match v
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => {
            errors.push(FieldError::required(field, zh, en));
            String::new()
        }
        Some(v) => code_of(codes, v).unwrap_or_else(|| {
            errors.push(unknown_code(field, v, codes, zh, en));
            String::new()
        }),
    };
    let mental_state = coded(
        "mental_state",
        &input.mental_state,
        MENTAL_STATES,
        "心理状态",
        "Mental state",
    );
    let quarantine = coded(
        "quarantine",
        &input.quarantine,
        QUARANTINE,
        "隔离状态",
        "Quarantine status",
    );
    let location = crate::text::optional_text(
        errors,
        "location",
        input.location,
        200,
        "所在地",
        "Location",
    );
    let returned_from = crate::text::optional_text(
        errors,
        "returned_from",
        input.returned_from,
        100,
        "返城来源地",
        "Returned from",
    );
    let returned_on = match crate::text::clean(input.returned_on) {
        None => None,
        Some(v) => match parse_day(&v) {
            Some(d) if d <= day && d >= day - Duration::days(366) => Some(d),
            Some(_) => {
                errors.push(FieldError::new(
                    "returned_on",
                    "range",
                    "返城日期不能晚于填报日期，也不能早于一年前",
                    "returned_on must not be after the report's day nor more than a year before",
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "returned_on",
                    "format",
                    format!("返城日期“{v}”应为 YYYY-MM-DD"),
                    format!("returned_on '{v}' must be YYYY-MM-DD"),
                ));
                None
            }
        },
    };
    if returned_from.is_some() != returned_on.is_some() && errors.len() == before {
        let (field, zh, en) = if returned_from.is_none() {
            ("returned_from", "返城来源地", "Returned from")
        } else {
            ("returned_on", "返城日期", "Returned on")
        };
        errors.push(FieldError::new(
            field,
            "required",
            format!("填写返城信息时，{zh}不能为空"),
            format!("{en} is required with a return from outside the city"),
        ));
    }
    match person_id {
        Some(person_id) if errors.len() == before => Some(Valid {
            person_id,
            temperature,
            symptoms: symptoms.join(","),
            mental_state,
            location,
            returned_from,
            returned_on,
            quarantine,
        }),
        _ => None,
    }
}

/// The caller's enterprise, which must be in their scope: only its contact reports for it.
async fn own_enterprise(
    db: &impl ConnectionTrait,
    who: &Principal,
) -> AppResult<enterprises::Model> {
    who.require(perm::HEALTH_REPORT)?;
    let Some(e) = who.enterprise_id else {
        return Err(AppError::forbidden_because(
            "只有企业联络员可以填报本企业职工的健康日报",
            "only an enterprise's contact reports for its employees",
        ));
    };
    crate::paging::find_where::<enterprises::Entity>(db, who.scope.enterprises_with_dependents(), e)
        .await
}

fn check_day(day: NaiveDate, now: DateTime<Utc>) -> AppResult<()> {
    let today = super::duty::local_day(now);
    if day > today || day < today - Duration::days(MAX_DAYS_BACK) {
        return Err(AppError::invalid(FieldError::new(
            "date",
            "range",
            format!("填报日期不能晚于今天，也不能早于 {MAX_DAYS_BACK} 天前"),
            format!("date must not be after today nor more than {MAX_DAYS_BACK} days ago"),
        )));
    }
    Ok(())
}

/// Stores a roster form for `day`: all rows or none. A bad row is a 422 whose fields name
/// the row (`reports[2].temperature`) and whose messages say which row.
pub async fn submit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    day: NaiveDate,
    reports: Vec<HealthReportInput>,
) -> AppResult<SubmitResult> {
    let rows = reports.into_iter().enumerate().collect();
    match submit_rows(db, who, day, rows, Vec::new()).await? {
        Ok(r) => Ok(r),
        Err(errors) => Err(AppError::Validation(
            errors
                .into_iter()
                .map(|(i, e)| {
                    FieldError::new(
                        &format!("reports[{i}].{}", e.field),
                        &e.code,
                        format!("第 {} 条：{}", i + 1, e.message_zh),
                        format!("report {}: {}", i + 1, e.message_en),
                    )
                })
                .collect(),
        )),
    }
}

/// `submit` for callers that number their rows themselves (a sheet's row numbers) and may
/// bring errors of their own (cells that did not parse): any error, and nothing is stored;
/// the errors come back with their row numbers.
pub async fn submit_rows<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    day: NaiveDate,
    rows: Vec<(usize, HealthReportInput)>,
    mut errors: Vec<(usize, FieldError)>,
) -> AppResult<Result<SubmitResult, Vec<(usize, FieldError)>>> {
    let now = Utc::now();
    let enterprise = own_enterprise(db, who).await?;
    check_day(day, now)?;
    if rows.len() > MAX_ROWS {
        return Err(AppError::invalid(FieldError::new(
            "reports",
            "length",
            format!("一次最多填报 {MAX_ROWS} 人"),
            format!("at most {MAX_ROWS} reports at a time"),
        )));
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(AppError::invalid(FieldError::new(
            "reports",
            "required",
            "没有要保存的填报（至少填写一人的体温）",
            "nothing to store (report at least one employee's temperature)",
        )));
    }
    let threshold = super::privacy::fever_threshold(db).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    // One writer per enterprise at a time: two forms of the same day never race their upserts.
    crate::db::lock_row(&txn, "enterprises", enterprise.id).await?;
    let roster = Roster::load(&txn, enterprise.id).await?;
    let mut valid = Vec::with_capacity(rows.len());
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for (row, input) in rows {
        let mut errs = Vec::new();
        if let Some(v) = validate(input, &roster, day, &mut errs) {
            if let Some(first) = seen.insert(v.person_id, row) {
                errors.push((
                    row,
                    FieldError::new(
                        "person_id",
                        "duplicate",
                        format!("同一职工重复填报（与第 {first} 行重复）"),
                        format!("the same employee twice (as row {first})"),
                    ),
                ));
            } else {
                valid.push(v);
            }
        }
        errors.extend(errs.into_iter().map(|e| (row, e)));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.0);
        return Ok(Err(errors));
    }
    let ids: Vec<i64> = valid.iter().map(|v| v.person_id).collect();
    let mut existing: HashMap<i64, health_reports::Model> = HashMap::new();
    for chunk in ids.chunks(1000) {
        for r in health_reports::Entity::find()
            .filter(health_reports::Column::ReportDate.eq(day))
            .filter(health_reports::Column::PersonId.is_in(chunk.to_vec()))
            .all(&txn)
            .await?
        {
            existing.insert(r.person_id, r);
        }
    }
    let key = super::privacy::key()?;
    let mut signals = Vec::new();
    let user = (who.user_id > 0).then_some(who.user_id);
    let mut result = SubmitResult {
        date: day,
        ..Default::default()
    };
    for v in valid {
        let fever = v.temperature >= threshold || v.symptoms.split(',').any(|s| s == "fever");
        let before = existing.remove(&v.person_id);
        let case_id = before.as_ref().and_then(|b| b.case_id);
        if fever {
            result.fevers += 1;
        }
        // A new fever (not one this report already had): the follow-up worker raises or
        // joins the person's case of the day after this transaction.
        let new_fever = fever && case_id.is_none() && !before.as_ref().is_some_and(|b| b.fever);
        let person = roster.by_id.get(&v.person_id);
        let signal = new_fever.then(|| super::fever::Signal {
            person_key: super::fever::person_key(
                &key,
                v.person_id,
                person.and_then(|p| p.id_number.as_deref()),
            ),
            day,
            at: now,
            source: super::fever::Source::HealthReport { id: 0 },
            unit_id: enterprise.unit_id,
            temperature: v.temperature,
        });
        if new_fever {
            result.cases_raised += 1;
        }
        match before {
            Some(b) => {
                let mut am: health_reports::ActiveModel = b.into();
                am.temperature = Set(Some(v.temperature));
                am.symptoms = Set(v.symptoms);
                am.mental_state = Set(v.mental_state.to_owned());
                am.location = Set(v.location);
                am.returned_from = Set(v.returned_from);
                am.returned_on = Set(v.returned_on);
                am.quarantine = Set(v.quarantine.to_owned());
                am.fever = Set(fever);
                am.case_id = Set(case_id);
                am.reported_by_user_id = Set(user);
                am.updated_at = Set(now);
                let r = am.update(&txn).await?;
                signals.extend(signal.map(|s| s.of_report(r.id)));
                result.updated += 1;
            }
            None => {
                let r = health_reports::ActiveModel {
                    enterprise_id: Set(enterprise.id),
                    person_id: Set(v.person_id),
                    report_date: Set(day),
                    temperature: Set(Some(v.temperature)),
                    symptoms: Set(v.symptoms),
                    mental_state: Set(v.mental_state.to_owned()),
                    location: Set(v.location),
                    returned_from: Set(v.returned_from),
                    returned_on: Set(v.returned_on),
                    quarantine: Set(v.quarantine.to_owned()),
                    fever: Set(fever),
                    case_id: Set(case_id),
                    reported_by_user_id: Set(user),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                signals.extend(signal.map(|s| s.of_report(r.id)));
                result.created += 1;
            }
        }
    }
    super::fever::Signal::add_all(&txn, signals).await?;
    audit::record(
        &txn,
        who,
        if result.created > 0 {
            Action::Create
        } else {
            Action::Update
        },
        "health_report",
        Some(enterprise.id),
        format!(
            "{} {day}：新增 {}，更新 {}，发热 {}",
            enterprise.name, result.created, result.updated, result.fevers
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(result))
}

/// The enterprise whose reports the caller reads: the one asked for (404 outside the scope)
/// or, for a contact, their own.
pub async fn readable_enterprise(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: Option<i64>,
) -> AppResult<enterprises::Model> {
    if !who.can(perm::HEALTH_LIST) && !who.can(perm::HEALTH_REPORT) {
        return Err(AppError::Forbidden);
    }
    match enterprise_id.or(who.enterprise_id) {
        Some(e) => {
            crate::paging::find_where::<enterprises::Entity>(
                db,
                who.scope.enterprises_with_dependents(),
                e,
            )
            .await
        }
        None => Err(AppError::invalid(FieldError::required(
            "enterprise_id",
            "企业",
            "enterprise_id",
        ))),
    }
}

/// The roster of an enterprise (employees), by name.
pub async fn roster(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: i64,
) -> AppResult<Vec<RosterPerson>> {
    let e = readable_enterprise(db, who, Some(enterprise_id)).await?;
    let r = Roster::load(db, e.id).await?;
    let mut out: Vec<RosterPerson> = r
        .by_id
        .into_values()
        .map(|p| RosterPerson {
            person_id: p.id,
            id_masked: masked(p.id_number.as_deref()),
            name: p.name,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.person_id.cmp(&b.person_id)));
    Ok(out)
}

/// An enterprise's reports of a day, by name.
pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: Option<i64>,
    day: NaiveDate,
    lang: Lang,
) -> AppResult<Vec<HealthReportView>> {
    let e = readable_enterprise(db, who, enterprise_id).await?;
    let rows = health_reports::Entity::find()
        .filter(health_reports::Column::EnterpriseId.eq(e.id))
        .filter(health_reports::Column::ReportDate.eq(day))
        .order_by_asc(health_reports::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let mut persons: HashMap<i64, (String, Option<String>)> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let found: Vec<(i64, String, Option<String>)> = people::Entity::find()
            .select_only()
            .column(people::Column::Id)
            .column(people::Column::Name)
            .column(people::Column::IdNumber)
            .filter(people::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        persons.extend(found.into_iter().map(|(id, n, num)| (id, (n, num))));
    }
    let mut out: Vec<HealthReportView> = rows
        .into_iter()
        .map(|r| {
            let (name, number) = persons.remove(&r.person_id).unwrap_or_default();
            HealthReportView {
                id: r.id,
                enterprise_id: r.enterprise_id,
                person_id: r.person_id,
                person_name: name,
                id_masked: masked(number.as_deref()),
                report_date: r.report_date,
                temperature: r.temperature,
                symptoms: r
                    .symptoms
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                symptoms_label: symptoms_label(&r.symptoms, lang),
                mental_state_label: crate::cases::label(MENTAL_STATES, &r.mental_state, lang),
                mental_state: r.mental_state,
                location: r.location,
                returned_from: r.returned_from,
                returned_on: r.returned_on,
                quarantine_label: crate::cases::label(QUARANTINE, &r.quarantine, lang),
                quarantine: r.quarantine,
                fever: r.fever,
                case_id: r.case_id,
                updated_at: r.updated_at,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.person_name
            .cmp(&b.person_name)
            .then(a.person_id.cmp(&b.person_id))
    });
    Ok(out)
}

/// The roster people of an enterprise without a report on `day`.
pub async fn missing(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: i64,
    day: NaiveDate,
) -> AppResult<Vec<RosterPerson>> {
    let all = roster(db, who, enterprise_id).await?;
    let reported: HashSet<i64> = health_reports::Entity::find()
        .select_only()
        .column(health_reports::Column::PersonId)
        .filter(health_reports::Column::EnterpriseId.eq(enterprise_id))
        .filter(health_reports::Column::ReportDate.eq(day))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(all
        .into_iter()
        .filter(|p| !reported.contains(&p.person_id))
        .collect())
}

#[derive(FromQueryResult)]
struct TrendRow {
    report_date: NaiveDate,
    reported: i64,
    fevers: i64,
    with_symptoms: i64,
    mental_not_good: i64,
    quarantined: i64,
}

/// Per day over the last `days` days (today included, oldest first): reported, roster,
/// fevers, with symptoms, mental state not good, in quarantine; of one enterprise, or of
/// every enterprise in the caller's scope.
pub async fn trend(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: Option<i64>,
    days: i64,
) -> AppResult<Vec<TrendDay>> {
    use sea_orm::sea_query::{Alias, ExprTrait};
    if !who.can(perm::HEALTH_LIST) && !who.can(perm::HEALTH_REPORT) {
        return Err(AppError::Forbidden);
    }
    if !(1..=90).contains(&days) {
        return Err(AppError::invalid(FieldError::new(
            "days",
            "range",
            "天数应在 1 到 90 之间",
            "days must be 1-90",
        )));
    }
    let visible = match enterprise_id {
        Some(e) => {
            let e = readable_enterprise(db, who, Some(e)).await?;
            Query::select().expr(Expr::val(e.id)).take()
        }
        None => Query::select()
            .column(enterprises::Column::Id)
            .from(enterprises::Entity)
            .cond_where(who.scope.enterprises_with_dependents())
            .take(),
    };
    let today = super::duty::local_day(Utc::now());
    let first = today - Duration::days(days - 1);
    let backend = db.get_database_backend();
    let roster: i64 = people::Entity::find()
        .filter(people::Column::IsEmployee.eq(true))
        .filter(people::Column::EnterpriseId.in_subquery(visible.clone()))
        .count(db)
        .await? as i64;
    let sum = |cond: &str| {
        Expr::cust(format!(
            "CAST(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS BIGINT)"
        ))
    };
    let rows = TrendRow::find_by_statement(
        backend.build(
            Query::select()
                .column(health_reports::Column::ReportDate)
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("reported"))
                .expr_as(sum("fever"), Alias::new("fevers"))
                .expr_as(sum("symptoms <> ''"), Alias::new("with_symptoms"))
                .expr_as(sum("mental_state <> 'good'"), Alias::new("mental_not_good"))
                .expr_as(
                    sum("quarantine IN ('home', 'central')"),
                    Alias::new("quarantined"),
                )
                .from(health_reports::Entity)
                .and_where(Expr::col(health_reports::Column::ReportDate).gte(first))
                .and_where(Expr::col(health_reports::Column::ReportDate).lte(today))
                .and_where(health_reports::Column::EnterpriseId.in_subquery(visible))
                .group_by_col(health_reports::Column::ReportDate),
        ),
    )
    .all(db)
    .await?;
    let by_day: HashMap<NaiveDate, TrendRow> =
        rows.into_iter().map(|r| (r.report_date, r)).collect();
    Ok((0..days)
        .map(|i| {
            let date = first + Duration::days(i);
            let r = by_day.get(&date);
            TrendDay {
                date,
                roster,
                reported: r.map_or(0, |r| r.reported),
                fevers: r.map_or(0, |r| r.fevers),
                with_symptoms: r.map_or(0, |r| r.with_symptoms),
                mental_not_good: r.map_or(0, |r| r.mental_not_good),
                quarantined: r.map_or(0, |r| r.quarantined),
            }
        })
        .collect())
}

/// How far an enterprise's roster has reported on a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Completion {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    /// Employees on the roster.
    pub roster: i64,
    pub reported: i64,
    pub fevers: i64,
}

#[derive(FromQueryResult)]
struct CountRow {
    enterprise_id: i64,
    n: i64,
    f: i64,
}

/// The enterprises in scope with a roster: reported / roster on `day`, least complete first.
pub async fn completion(
    db: &impl ConnectionTrait,
    who: &Principal,
    day: NaiveDate,
) -> AppResult<Vec<Completion>> {
    who.require(perm::HEALTH_LIST)?;
    let visible = Query::select()
        .column(enterprises::Column::Id)
        .from(enterprises::Entity)
        .cond_where(who.scope.enterprises_with_dependents())
        .take();
    let backend = db.get_database_backend();
    let roster = CountRow::find_by_statement(
        backend.build(
            Query::select()
                .expr_as(
                    Expr::col(people::Column::EnterpriseId),
                    sea_orm::sea_query::Alias::new("enterprise_id"),
                )
                .expr_as(Expr::cust("COUNT(*)"), sea_orm::sea_query::Alias::new("n"))
                .expr_as(
                    Expr::cust("CAST(0 AS BIGINT)"),
                    sea_orm::sea_query::Alias::new("f"),
                )
                .from(people::Entity)
                .and_where(people::Column::IsEmployee.eq(true))
                .and_where(people::Column::EnterpriseId.in_subquery(visible.clone()))
                .group_by_col(people::Column::EnterpriseId),
        ),
    )
    .all(db)
    .await?;
    let reported: std::collections::HashMap<i64, (i64, i64)> = CountRow::find_by_statement(
        backend.build(
            Query::select()
                .column(health_reports::Column::EnterpriseId)
                .expr_as(Expr::cust("COUNT(*)"), sea_orm::sea_query::Alias::new("n"))
                .expr_as(
                    Expr::cust("CAST(SUM(CASE WHEN fever THEN 1 ELSE 0 END) AS BIGINT)"),
                    sea_orm::sea_query::Alias::new("f"),
                )
                .from(health_reports::Entity)
                .and_where(health_reports::Column::ReportDate.eq(day))
                .and_where(health_reports::Column::EnterpriseId.in_subquery(visible))
                .group_by_col(health_reports::Column::EnterpriseId),
        ),
    )
    .all(db)
    .await?
    .into_iter()
    .map(|r| (r.enterprise_id, (r.n, r.f)))
    .collect();
    let ids: Vec<i64> = roster.iter().map(|r| r.enterprise_id).collect();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<(i64, String)> = enterprises::Entity::find()
            .select_only()
            .column(enterprises::Column::Id)
            .column(enterprises::Column::Name)
            .filter(enterprises::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    let mut out: Vec<Completion> = roster
        .into_iter()
        .map(|r| {
            let (n, f) = reported.get(&r.enterprise_id).copied().unwrap_or_default();
            Completion {
                enterprise_name: names.remove(&r.enterprise_id).unwrap_or_default(),
                enterprise_id: r.enterprise_id,
                roster: r.n,
                reported: n,
                fevers: f,
            }
        })
        .collect();
    // Least complete first (reported/roster ascending), then by name.
    out.sort_by(|a, b| {
        (a.reported * b.roster)
            .cmp(&(b.reported * a.roster))
            .then_with(|| a.enterprise_name.cmp(&b.enterprise_name))
    });
    Ok(out)
}

// --- sheets: template, import, export ----------------------------------------------------

/// The columns of the template, the import and the export: (key, 中文, English, codes).
pub const SHEET_COLS: &[Col] = &[
    Col {
        text: true,
        ..col("id_number", "id_number", "身份证号", "Identity number")
    },
    col("name", "person_id", "姓名", "Name"),
    Col {
        required: true,
        ..col("temperature", "temperature", "体温", "Temperature")
    },
    col("symptoms", "symptoms", "症状", "Symptoms"),
    Col {
        codes: Some(MENTAL_STATES),
        ..col("mental_state", "mental_state", "心理状态", "Mental state")
    },
    col("location", "location", "所在地", "Location"),
    col(
        "returned_from",
        "returned_from",
        "返城来源地",
        "Returned from",
    ),
    Col {
        text: true,
        ..col("returned_on", "returned_on", "返城日期", "Returned on")
    },
    Col {
        codes: Some(QUARANTINE),
        ..col("quarantine", "quarantine", "隔离状态", "Quarantine status")
    },
];

/// The kernel's header (drop-downs for coded columns, text columns), and for a template the
/// symptom column's suggestions: one from the list, or several typed as 咳嗽、乏力.
fn sheet_header(ws: &mut rust_xlsxwriter::Worksheet, template: bool) -> AppResult<()> {
    lianxin_kernel::sheet::write_header(ws, SHEET_COLS, template)?;
    if template && let Some(col) = SHEET_COLS.iter().position(|c| c.key == "symptoms") {
        let list: Vec<String> = std::iter::once("无".to_owned())
            .chain(SYMPTOMS.offered().into_iter().map(|c| c.label_zh))
            .collect();
        let dv = rust_xlsxwriter::DataValidation::new()
            .allow_list_strings(&list)
            .map_err(xlsx_err)?
            .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information);
        ws.add_data_validation(1, col as u16, 10_000, col as u16, &dv)
            .map_err(xlsx_err)?;
    }
    Ok(())
}

/// The import template: the caller's roster by name with the usual answers filled in (无,
/// 良好, 无); the temperature is left to fill. Identity numbers are not written out (a row
/// is matched by name, or by an identity number the user types).
pub async fn template(db: &impl ConnectionTrait, who: &Principal) -> AppResult<Vec<u8>> {
    let people = match who.enterprise_id {
        Some(e) if who.can(perm::HEALTH_REPORT) => roster(db, who, e).await?,
        _ => {
            if !who.can(perm::HEALTH_REPORT) && !who.can(perm::HEALTH_LIST) {
                return Err(AppError::Forbidden);
            }
            Vec::new()
        }
    };
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("健康日报").map_err(xlsx_err)?;
    sheet_header(ws, true)?;
    let names: Vec<String> = if people.is_empty() {
        vec!["王五".to_owned()]
    } else {
        people.into_iter().map(|p| p.name).collect()
    };
    for (i, n) in names.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 1, n).map_err(xlsx_err)?;
        ws.write_string(r, 3, "无").map_err(xlsx_err)?;
        ws.write_string(r, 4, "良好").map_err(xlsx_err)?;
        ws.write_string(r, 8, "无").map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// What a sheet import did: a `submit` in the words of the import screens.
pub type ImportReport = lianxin_kernel::sheet::ImportReport;

/// Reads a health sheet: the temperature, and the person by identity number or name.
async fn read_sheet(bytes: &[u8]) -> AppResult<Vec<(usize, HashMap<&'static str, String>)>> {
    let sheet = lianxin_kernel::sheet::read_rows(SHEET_COLS, "", bytes.to_vec(), MAX_ROWS).await?;
    if !(sheet.has("name") || sheet.has("id_number")) {
        return Err(lianxin_kernel::sheet::file_error(
            "缺少必填列：身份证号或姓名（请下载导入模板）",
            "required columns missing: identity number or name (download the template)",
        ));
    }
    Ok(sheet.rows)
}

/// Imports a day's reports from the caller's sheet: one `submit`, all rows or none, errors
/// with their sheet rows. Rows with nothing but the person and the template's answers are
/// "not reported" and skipped.
pub async fn import<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    day: NaiveDate,
    bytes: &[u8],
    lang: Lang,
) -> AppResult<ImportReport> {
    own_enterprise(db, who).await?;
    let sheet = read_sheet(bytes).await?;
    let total = sheet.len();
    let mut rows = Vec::new();
    for (row, mut m) in sheet {
        let input = HealthReportInput {
            person_id: None,
            id_number: m.remove("id_number"),
            name: m.remove("name"),
            temperature: m.remove("temperature").map(Celsius::Text),
            symptoms: m.remove("symptoms").map(|s| split_symptoms(&s)),
            mental_state: m.remove("mental_state"),
            location: m.remove("location"),
            returned_from: m.remove("returned_from"),
            returned_on: m.remove("returned_on"),
            quarantine: m.remove("quarantine"),
        };
        if !input.is_blank() {
            rows.push((row, input));
        }
    }
    let reported = rows.len();
    if reported == 0 {
        return Err(AppError::invalid(FieldError::new(
            "file",
            "empty",
            format!("文件中没有填写体温的行（共 {total} 行）"),
            format!("no row of the file has a temperature ({total} rows)"),
        )));
    }
    let outcome = submit_rows(db, who, day, rows, Vec::new()).await?;
    let mut report = match outcome {
        Ok(r) => ImportReport {
            rows: reported,
            created: r.created,
            updated: r.updated,
            errors: Vec::new(),
            message: String::new(),
        },
        Err(errors) => ImportReport {
            rows: reported,
            created: 0,
            updated: 0,
            errors: errors
                .into_iter()
                .map(|(row, e)| {
                    let col = SHEET_COLS
                        .iter()
                        .find(|c| c.key == e.field || c.field == e.field);
                    lianxin_kernel::sheet::RowError {
                        row,
                        column: col.map(|c| c.zh.to_owned()).unwrap_or_default(),
                        column_en: col.map(|c| c.en.to_owned()).unwrap_or_default(),
                        message: String::new(),
                        message_zh: e.message_zh,
                        message_en: e.message_en,
                    }
                })
                .collect(),
            message: String::new(),
        },
    };
    report.message = if lang.is_en() {
        report.summary_en()
    } else {
        report.summary_zh()
    };
    for e in &mut report.errors {
        if lang.is_en() {
            e.message = e.message_en.clone();
            e.column = e.column_en.clone();
        } else {
            e.message = e.message_zh.clone();
        }
    }
    Ok(report)
}

/// A day's reports of an enterprise as .xlsx (identity numbers masked).
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: Option<i64>,
    day: NaiveDate,
    lang: Lang,
) -> AppResult<(String, Vec<u8>)> {
    let e = readable_enterprise(db, who, enterprise_id).await?;
    let rows = list(db, who, Some(e.id), day, lang).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("健康日报").map_err(xlsx_err)?;
    sheet_header(ws, false)?;
    let fever_col = SHEET_COLS.len() as u16;
    ws.write_string(0, fever_col, lang.pick("发热", "Fever"))
        .map_err(xlsx_err)?;
    for (i, r) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        let cells = [
            r.id_masked.clone().unwrap_or_default(),
            r.person_name.clone(),
            r.temperature
                .map(|t| lianxin_types::DeciCelsius(t).degrees())
                .unwrap_or_default(),
            r.symptoms_label.clone(),
            r.mental_state_label.clone(),
            r.location.clone().unwrap_or_default(),
            r.returned_from.clone().unwrap_or_default(),
            r.returned_on.map(|d| d.to_string()).unwrap_or_default(),
            r.quarantine_label.clone(),
            if r.fever {
                lang.pick("是", "yes").to_owned()
            } else {
                String::new()
            },
        ];
        for (j, c) in cells.iter().enumerate() {
            ws.write_string(n, j as u16, c).map_err(xlsx_err)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(xlsx_err)?;
    audit::record(
        db,
        who,
        Action::Export,
        "health_report",
        Some(e.id),
        format!("{} {day}：{} 条", e.name, rows.len()),
    )
    .await?;
    Ok((
        format!("{}-{day}.xlsx", lang.pick("健康日报", "health-reports")),
        bytes,
    ))
}
