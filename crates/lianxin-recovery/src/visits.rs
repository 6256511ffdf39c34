//! 三送一强 visits (C1: 送政策、送服务、送要素、强信心): a visit to a firm by its cadres, what
//! was delivered under each heading, its notes and photos; each problem found becomes an
//! enterprise appeal on the case engine in the visit's transaction (dispatched at once when the
//! visitor names the lead department: 现场交办), or is linked to an open appeal of the same
//! firm and category instead of being filed twice. Also the visit duty (a plan per cadre, the
//! monthly report per cadre and per unit with the stated reasons) and the burden on the firm
//! (its visits and the units' requests for figures this month, and the figures it already
//! reported, shown to the visitor so that nobody asks again).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action};
use crate::entities::{
    attachments, case_categories, case_kinds, cases, enterprise_pairings, enterprises,
    figure_requests, people, stage_reports, units, visit_excuses, visit_problems, visit_visitors,
    visits,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::{Page, Paging, find_visible, find_where};
use crate::perm;
use crate::text::{optional_text, required_text};

/// The most problems one visit records.
pub const MAX_PROBLEMS: usize = 20;
/// The most cadres on one visit.
pub const MAX_VISITORS: usize = 20;

/// The case statuses in which an appeal is open for linking: not yet resolved.
pub const LINKABLE_STATUSES: &[&str] = &["new", "dispatched", "in_progress"];

/// What was delivered under the four headings (texts; empty when nothing).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Delivered {
    /// 送政策
    #[schema(max_length = 2000)]
    pub policy: Option<String>,
    /// 送服务
    #[schema(max_length = 2000)]
    pub service: Option<String>,
    /// 送要素
    #[schema(max_length = 2000)]
    pub factor: Option<String>,
    /// 强信心
    #[schema(max_length = 2000)]
    pub confidence: Option<String>,
}

/// A problem the visit found.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProblemInput {
    #[schema(required = true, nullable = false, min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// A category code of the enterprise-appeal kind. Without one the problem is matched to no
    /// open appeal: it always becomes a new appeal.
    pub category: Option<String>,
    /// 现场交办: dispatch the new appeal at once to this lead department (5 working days).
    pub lead_unit_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VisitInput {
    #[schema(required = true, nullable = false, minimum = 1)]
    pub enterprise_id: Option<i64>,
    /// When (RFC 3339); between 1900 and 2200, at most a day ahead.
    #[schema(required = true, nullable = false)]
    pub visited_at: Option<DateTime<FixedOffset>>,
    /// The cadres who went (people marked as cadres); the caller's own person is added when
    /// the login is linked to one.
    pub visitor_person_ids: Option<Vec<i64>>,
    pub delivered: Option<Delivered>,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// In the order sent; the answer's `problems` follow it.
    pub problems: Option<Vec<ProblemInput>>,
}

/// A notice the visit was recorded with (it was recorded all the same).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Warning {
    /// `visit_cap`: the firm had already had as many visits this month as the cap.
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemOutcome {
    pub case_id: i64,
    /// Linked to an open appeal of the same firm and category instead of a new one.
    pub linked: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub id: i64,
    /// The new appeals, in the order sent.
    pub case_ids: Vec<i64>,
    /// The open appeals problems were linked to.
    pub linked_case_ids: Vec<i64>,
    /// One per problem, in the order sent.
    pub problems: Vec<ProblemOutcome>,
    /// Notices (the visit is recorded regardless): objects with `code`, `message_zh`,
    /// `message_en`.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemView {
    pub seq: i32,
    pub case_id: i64,
    pub linked: bool,
    pub number: String,
    pub title: String,
    /// The case's status code (new, dispatched, in_progress, resolved, …).
    pub status: String,
    pub status_label: String,
    pub zero_trip: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitView {
    pub id: i64,
    pub enterprise: Named,
    pub visited_at: DateTime<Utc>,
    pub visitors: Vec<Named>,
    pub delivered: Delivered,
    pub notes: Option<String>,
    pub problems: Vec<ProblemView>,
    pub unit: Option<Named>,
    pub created_at: DateTime<Utc>,
}

fn shanghai() -> chrono_tz::Tz {
    chrono_tz::Asia::Shanghai
}

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&shanghai()).date_naive()
}

/// The first day of the month `at` falls in (Asia/Shanghai).
pub fn month_of(at: DateTime<Utc>) -> NaiveDate {
    let d = at.with_timezone(&shanghai()).date_naive();
    d.with_day(1).unwrap_or(d)
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first)
}

/// The instants bounding a Shanghai month: [start, end).
pub fn month_bounds(first: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |d: NaiveDate| {
        shanghai()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
    };
    (at(first), at(next_month(first)))
}

/// `YYYY-MM` (or empty: this month) → its first day; else 422 naming `field`.
pub fn parse_month(field: &str, v: Option<&str>) -> AppResult<NaiveDate> {
    let Some(v) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        let t = today();
        return Ok(t.with_day(1).unwrap_or(t));
    };
    NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()) && v.len() == 7)
        .ok_or_else(|| {
            AppError::invalid(FieldError::new(
                field,
                "format",
                "月份格式应为 YYYY-MM（1900 年到 2200 年）",
                "the month is YYYY-MM (1900 to 2200)",
            ))
        })
}

fn setting(key: &str) -> AppResult<&'static lianxin_kernel::settings::Setting> {
    crate::area()
        .settings
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| AppError::internal(format!("setting {key}")))
}

pub async fn visits_per_month(db: &impl ConnectionTrait) -> AppResult<i64> {
    lianxin_kernel::settings::int(db, setting(crate::VISITS_PER_MONTH)?).await
}

pub async fn visit_cap(db: &impl ConnectionTrait) -> AppResult<i64> {
    lianxin_kernel::settings::int(db, setting(crate::VISIT_CAP)?).await
}

fn unknown_firm() -> FieldError {
    FieldError::new(
        "enterprise_id",
        "unknown",
        "企业不存在或不在您的数据权限范围内",
        "no such enterprise within your data scope",
    )
}

/// The firm if the caller sees it (with what hangs from it), else 404.
pub async fn visible_firm(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<enterprises::Model> {
    find_where::<enterprises::Entity>(db, who.scope.enterprises_with_dependents(), id).await
}

struct ValidProblem {
    title: String,
    description: Option<String>,
    category: Option<case_categories::Model>,
    lead_unit_id: Option<i64>,
}

struct Valid {
    firm: enterprises::Model,
    at: DateTime<Utc>,
    visitors: Vec<i64>,
    delivered: [String; 4],
    notes: Option<String>,
    problems: Vec<ValidProblem>,
}

async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    input: VisitInput,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let firm = match input.enterprise_id {
        None => {
            errors.push(FieldError::required("enterprise_id", "企业", "Enterprise"));
            None
        }
        Some(id) => match visible_firm(db, who, id).await {
            Ok(f) => Some(f),
            Err(AppError::NotFound) => {
                errors.push(unknown_firm());
                None
            }
            Err(e) => return Err(e),
        },
    };
    let now = Utc::now();
    let at = match input.visited_at {
        None => {
            errors.push(FieldError::required("visited_at", "走访时间", "Visit time"));
            now
        }
        Some(t) => {
            let t = t.with_timezone(&Utc);
            if !(1900..=2200).contains(&t.year()) {
                errors.push(FieldError::new(
                    "visited_at",
                    "range",
                    "走访时间须在 1900 年到 2200 年之间",
                    "the visit time must be between 1900 and 2200",
                ));
            } else if t > now + Duration::days(1) {
                errors.push(FieldError::new(
                    "visited_at",
                    "future",
                    "走访时间不能晚于明天此时",
                    "the visit time cannot be more than a day ahead",
                ));
            }
            t
        }
    };
    let mut visitors: Vec<i64> = Vec::new();
    for id in input.visitor_person_ids.unwrap_or_default() {
        if !visitors.contains(&id) {
            visitors.push(id);
        }
    }
    if let Some(p) = who.person_id
        && !visitors.contains(&p)
    {
        visitors.insert(0, p);
    }
    if visitors.is_empty() {
        errors.push(FieldError::required(
            "visitor_person_ids",
            "走访干部",
            "The visiting cadres",
        ));
    } else if visitors.len() > MAX_VISITORS {
        errors.push(FieldError::new(
            "visitor_person_ids",
            "length",
            format!("走访干部最多 {MAX_VISITORS} 人"),
            format!("at most {MAX_VISITORS} visiting cadres"),
        ));
    } else {
        let cadres: HashSet<i64> = people::Entity::find()
            .filter(people::Column::Id.is_in(visitors.clone()))
            .filter(people::Column::IsCadre.eq(true))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        if let Some(bad) = visitors.iter().find(|id| !cadres.contains(id)) {
            errors.push(FieldError::new(
                "visitor_person_ids",
                "not_cadre",
                format!("人员 {bad} 不存在或不是干部"),
                format!("person {bad} does not exist or is not a cadre"),
            ));
        }
    }
    let d = input.delivered.unwrap_or_default();
    let mut text = |field: &str, v: Option<String>, zh: &str, en: &str| {
        optional_text(&mut errors, field, v, 2000, zh, en).unwrap_or_default()
    };
    let delivered = [
        text("delivered.policy", d.policy, "送政策", "Policy delivered"),
        text(
            "delivered.service",
            d.service,
            "送服务",
            "Service delivered",
        ),
        text("delivered.factor", d.factor, "送要素", "Factors delivered"),
        text("delivered.confidence", d.confidence, "强信心", "Confidence"),
    ];
    let notes = optional_text(&mut errors, "notes", input.notes, 5000, "备注", "Notes");
    let problems_in = input.problems.unwrap_or_default();
    if problems_in.len() > MAX_PROBLEMS {
        errors.push(FieldError::new(
            "problems",
            "length",
            format!("一次走访最多登记 {MAX_PROBLEMS} 个问题"),
            format!("at most {MAX_PROBLEMS} problems a visit"),
        ));
    }
    let appeal_kind = case_kinds::Entity::find()
        .filter(case_kinds::Column::Code.eq("enterprise_appeal"))
        .one(db)
        .await?;
    let mut problems = Vec::new();
    for (i, p) in problems_in.into_iter().take(MAX_PROBLEMS).enumerate() {
        let f = |name: &str| format!("problems[{i}].{name}");
        let title = required_text(&mut errors, &f("title"), p.title, 200, "问题", "Problem");
        let description = optional_text(
            &mut errors,
            &f("description"),
            p.description,
            5000,
            "问题描述",
            "Description",
        );
        let category = match p
            .category
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(code) => {
                let c = crate::cases::kinds::find_category(db, code)
                    .await?
                    .filter(|c| {
                        c.active && appeal_kind.as_ref().is_some_and(|k| k.id == c.kind_id)
                    });
                if c.is_none() {
                    errors.push(FieldError::new(
                        &f("category"),
                        "unknown",
                        format!("“{code}”不是企业诉求的类别"),
                        format!("'{code}' is not a category of enterprise appeals"),
                    ));
                }
                c
            }
        };
        if let Some(u) = p.lead_unit_id
            && units::Entity::find_by_id(u).one(db).await?.is_none()
        {
            errors.push(FieldError::new(
                &f("lead_unit_id"),
                "unknown",
                "牵头单位不存在",
                "no such lead department",
            ));
        }
        problems.push(ValidProblem {
            title,
            description,
            category,
            lead_unit_id: p.lead_unit_id,
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let firm = firm.ok_or_else(|| AppError::invalid(unknown_firm()))?;
    Ok(Valid {
        firm,
        at,
        visitors,
        delivered,
        notes,
        problems,
    })
}

/// An open appeal of the firm in the category, the oldest first.
async fn open_appeal(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
    category_id: i64,
) -> AppResult<Option<cases::Model>> {
    Ok(cases::Entity::find()
        .filter(cases::Column::EnterpriseId.eq(enterprise_id))
        .filter(cases::Column::CategoryId.eq(category_id))
        .filter(cases::Column::Status.is_in(LINKABLE_STATUSES.to_vec()))
        .order_by_asc(cases::Column::Id)
        .one(db)
        .await?)
}

/// Renames a case's field errors to the problem they came from.
fn in_problem(i: usize, e: AppError) -> AppError {
    match e {
        AppError::Validation(errors) => AppError::Validation(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = format!("problems[{i}].{}", f.field);
                    f
                })
                .collect(),
        ),
        e => e,
    }
}

/// Records a visit with its visitors and problems, each problem an appeal (new or linked), in
/// one transaction: on any refusal nothing is written.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: VisitInput,
) -> AppResult<Recorded> {
    who.require(perm::VISIT_RECORD)?;
    let v = validate(db, who, input).await?;
    // 现场交办: a cadre dispatches the problems of their own visit whatever their other
    // rights. The case engine is asked with a copy of the caller that holds `case:raise` and
    // `case:dispatch` for these calls only; the copy never leaves this function.
    let mut creator = who.clone();
    creator.permissions.insert(perm::CASE_RAISE.to_owned());
    creator.permissions.insert(perm::CASE_DISPATCH.to_owned());
    let (from, to) = month_bounds(month_of(v.at));
    let cap = visit_cap(db).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let before = visits::Entity::find()
        .filter(visits::Column::EnterpriseId.eq(v.firm.id))
        .filter(visits::Column::VisitedAt.gte(from))
        .filter(visits::Column::VisitedAt.lt(to))
        .count(&txn)
        .await? as i64;
    let now = Utc::now();
    let [policy, service, factor, confidence] = v.delivered;
    let visit = visits::ActiveModel {
        enterprise_id: Set(v.firm.id),
        visited_at: Set(v.at),
        policy: Set(policy),
        service: Set(service),
        factor: Set(factor),
        confidence: Set(confidence),
        notes: Set(v.notes),
        unit_id: Set(who.unit_id),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for p in &v.visitors {
        visit_visitors::ActiveModel {
            visit_id: Set(visit.id),
            person_id: Set(*p),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let mut out = Recorded {
        id: visit.id,
        case_ids: Vec::new(),
        linked_case_ids: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let n = v.problems.len();
    for (i, p) in v.problems.into_iter().enumerate() {
        let linked = match &p.category {
            Some(c) => open_appeal(&txn, v.firm.id, c.id).await?,
            None => None,
        };
        let (case_id, is_linked) = match linked {
            Some(c) => {
                if !out.linked_case_ids.contains(&c.id) {
                    out.linked_case_ids.push(c.id);
                }
                (c.id, true)
            }
            None => {
                let input = crate::cases::service::CaseInput {
                    kind: Some("enterprise_appeal".to_owned()),
                    category: p.category.as_ref().map(|c| c.code.clone()),
                    title: Some(p.title),
                    description: p.description,
                    enterprise_id: Some(v.firm.id),
                    source: Some("visit".to_owned()),
                    dispatch: p
                        .lead_unit_id
                        .map(|lead| crate::cases::service::ActionInput {
                            lead_unit_id: Some(lead),
                            working_days: Some(5),
                            ..Default::default()
                        }),
                    ..Default::default()
                };
                let c = crate::cases::service::create(&txn, &creator, input, now)
                    .await
                    .map_err(|e| in_problem(i, e))?;
                out.case_ids.push(c.id);
                (c.id, false)
            }
        };
        visit_problems::ActiveModel {
            visit_id: Set(visit.id),
            seq: Set(i as i32 + 1),
            case_id: Set(case_id),
            linked: Set(is_linked),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        out.problems.push(ProblemOutcome {
            case_id,
            linked: is_linked,
        });
    }
    if before >= cap {
        out.warnings.push(Warning {
            code: "visit_cap",
            message_zh: format!(
                "该企业本月已被走访 {before} 次，达到每月上限 {cap} 次；请减少对企业的打扰（本次走访已记录）"
            ),
            message_en: format!(
                "the firm has had {before} visits this month, the monthly cap is {cap}: spare it (this visit is recorded)"
            ),
        });
    }
    audit::record_event(
        &txn,
        who,
        Action::Create,
        "visit",
        Some(visit.id),
        v.firm.name.clone(),
        audit::Event::new(
            "visit.record",
            serde_json::json!({"enterprise": v.firm.name, "problems": n}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// The list's filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitFilter {
    pub enterprise_id: Option<i64>,
    /// A cadre who went.
    pub person_id: Option<i64>,
    /// YYYY-MM (Asia/Shanghai).
    pub month: Option<String>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &VisitFilter,
    paging: Paging,
    lang: Lang,
) -> AppResult<Page<VisitView>> {
    who.require(perm::VISIT_LIST)?;
    let mut q = visits::Entity::find().filter(visits::Entity::scope_condition(&who.scope));
    if let Some(e) = f.enterprise_id {
        q = q.filter(visits::Column::EnterpriseId.eq(e));
    }
    if let Some(p) = f.person_id {
        q = q.filter(
            visits::Column::Id.in_subquery(
                Query::select()
                    .column(visit_visitors::Column::VisitId)
                    .from(visit_visitors::Entity)
                    .and_where(visit_visitors::Column::PersonId.eq(p))
                    .take(),
            ),
        );
    }
    if f.month.as_deref().is_some_and(|m| !m.trim().is_empty()) {
        let (from, to) = month_bounds(parse_month("month", f.month.as_deref())?);
        q = q
            .filter(visits::Column::VisitedAt.gte(from))
            .filter(visits::Column::VisitedAt.lt(to));
    }
    let page = crate::paging::paged(db, q, visits::Column::VisitedAt, true, paging).await?;
    Ok(Page {
        total: page.total,
        items: views(db, page.items, lang).await?,
    })
}

pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<visits::Model>,
    lang: Lang,
) -> AppResult<Vec<VisitView>> {
    let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
    let firms: HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().map(|v| v.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let vv = visit_visitors::Entity::find()
        .filter(visit_visitors::Column::VisitId.is_in(ids.clone()))
        .order_by_asc(visit_visitors::Column::Id)
        .all(db)
        .await?;
    let names: HashMap<i64, String> = people::Entity::find()
        .filter(people::Column::Id.is_in(vv.iter().map(|v| v.person_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let vp = visit_problems::Entity::find()
        .filter(visit_problems::Column::VisitId.is_in(ids))
        .order_by_asc(visit_problems::Column::Seq)
        .all(db)
        .await?;
    let case_rows: HashMap<i64, cases::Model> = cases::Entity::find()
        .filter(cases::Column::Id.is_in(vp.iter().map(|p| p.case_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let unit_names =
        crate::registries::units::names(db, rows.iter().filter_map(|v| v.unit_id)).await?;
    Ok(rows
        .into_iter()
        .map(|v| VisitView {
            id: v.id,
            enterprise: Named {
                id: v.enterprise_id,
                name: firms.get(&v.enterprise_id).cloned().unwrap_or_default(),
            },
            visited_at: v.visited_at,
            visitors: vv
                .iter()
                .filter(|x| x.visit_id == v.id)
                .map(|x| Named {
                    id: x.person_id,
                    name: names.get(&x.person_id).cloned().unwrap_or_default(),
                })
                .collect(),
            delivered: Delivered {
                policy: Some(v.policy),
                service: Some(v.service),
                factor: Some(v.factor),
                confidence: Some(v.confidence),
            },
            notes: v.notes,
            problems: vp
                .iter()
                .filter(|p| p.visit_id == v.id)
                .map(|p| {
                    let c = case_rows.get(&p.case_id);
                    ProblemView {
                        seq: p.seq,
                        case_id: p.case_id,
                        linked: p.linked,
                        number: c.map(|c| c.number.clone()).unwrap_or_default(),
                        title: c.map(|c| c.title.clone()).unwrap_or_default(),
                        status: c.map(|c| c.status.clone()).unwrap_or_default(),
                        status_label: c
                            .map(|c| {
                                crate::cases::label(crate::cases::STATUSES, &c.status, lang)
                                    .to_string()
                            })
                            .unwrap_or_default(),
                        zero_trip: c.is_some_and(|c| c.zero_trip),
                    }
                })
                .collect(),
            unit: v.unit_id.map(|u| Named {
                id: u,
                name: unit_names.get(&u).cloned().unwrap_or_default(),
            }),
            created_at: v.created_at,
        })
        .collect())
}

pub async fn get(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
    lang: Lang,
) -> AppResult<VisitView> {
    who.require(perm::VISIT_LIST)?;
    let v = find_visible::<visits::Entity>(db, &who.scope, id).await?;
    views(db, vec![v], lang)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

// --- photos -----------------------------------------------------------------------------------

/// The visit's photos (attachments with its `visit_id`), oldest first.
pub async fn photos(
    db: &impl ConnectionTrait,
    visit_id: i64,
) -> AppResult<Vec<crate::cases::attachments::AttachmentView>> {
    Ok(attachments::Entity::find()
        .filter(attachments::Column::VisitId.eq(visit_id))
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Adds photos to a visit the caller sees (`visit:record`), with the attachments' limits; all
/// or nothing.
pub async fn attach<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    uploads: Vec<crate::cases::attachments::Upload>,
) -> AppResult<Vec<attachments::Model>> {
    who.require(perm::VISIT_RECORD)?;
    let v = find_visible::<visits::Entity>(db, &who.scope, id).await?;
    crate::cases::attachments::validate(&uploads)?;
    let at = Utc::now();
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let mut out = Vec::new();
    for u in &uploads {
        let a = crate::cases::attachments::store(&txn, who, None, None, u, at).await?;
        let mut am = a.into_active_model();
        am.visit_id = Set(Some(v.id));
        out.push(am.update(&txn).await?);
    }
    audit::record(
        &txn,
        who,
        Action::Update,
        "visit",
        Some(v.id),
        format!("attach {}", out.len()),
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

// --- visit duty -------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CadreRow {
    pub person_id: i64,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub visits: u64,
    /// Distinct firms visited.
    pub firms: u64,
    pub problems_raised: u64,
    /// Problems whose appeal was closed after a revisit that found it solved.
    pub problems_solved: u64,
    /// Fewer firms visited than the plan.
    pub below_plan: bool,
    /// The reason the cadre gave for the month (未走访说明).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct UnitRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub cadres: u64,
    pub visits: u64,
    pub firms: u64,
    pub problems_raised: u64,
    pub problems_solved: u64,
    /// Cadres below the plan.
    pub below_plan: u64,
    /// Cadres without a visit.
    pub without_visit: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DutyReport {
    /// YYYY-MM
    pub month: String,
    /// The plan: firms each cadre visits a month (setting `recovery.visits_per_month`).
    pub plan: i64,
    pub cadres: Vec<CadreRow>,
    pub units: Vec<UnitRow>,
}

/// The monthly visit report: per cadre (paired with a firm in scope, or a visitor on a visit
/// in scope that month) and per their units.
pub async fn report(
    db: &impl ConnectionTrait,
    who: &Principal,
    month: NaiveDate,
) -> AppResult<DutyReport> {
    who.require(perm::VISIT_LIST)?;
    let plan = visits_per_month(db).await?;
    let (from, to) = month_bounds(month);
    let vs = visits::Entity::find()
        .filter(visits::Entity::scope_condition(&who.scope))
        .filter(visits::Column::VisitedAt.gte(from))
        .filter(visits::Column::VisitedAt.lt(to))
        .all(db)
        .await?;
    let firm_of: HashMap<i64, i64> = vs.iter().map(|v| (v.id, v.enterprise_id)).collect();
    let vv = visit_visitors::Entity::find()
        .filter(visit_visitors::Column::VisitId.is_in(firm_of.keys().copied()))
        .all(db)
        .await?;
    let vp = visit_problems::Entity::find()
        .filter(visit_problems::Column::VisitId.is_in(firm_of.keys().copied()))
        .all(db)
        .await?;
    let solved: HashSet<i64> = cases::Entity::find()
        .filter(cases::Column::Id.is_in(vp.iter().map(|p| p.case_id)))
        .filter(cases::Column::Status.eq("closed"))
        .filter(cases::Column::Solved.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut persons: BTreeSet<i64> = vv.iter().map(|v| v.person_id).collect();
    for p in enterprise_pairings::Entity::find()
        .filter(
            enterprise_pairings::Column::EnterpriseId.in_subquery(
                Query::select()
                    .column(enterprises::Column::Id)
                    .from(enterprises::Entity)
                    .cond_where(who.scope.enterprises_with_dependents())
                    .take(),
            ),
        )
        .all(db)
        .await?
    {
        persons.extend(
            [
                p.leader_person_id,
                p.instructor_person_id,
                p.specialist_person_id,
            ]
            .into_iter()
            .flatten(),
        );
    }
    let people_rows: Vec<people::Model> = people::Entity::find()
        .filter(people::Column::Id.is_in(persons.iter().copied()))
        .all(db)
        .await?;
    let unit_names =
        crate::registries::units::names(db, people_rows.iter().map(|p| p.unit_id)).await?;
    let reasons: HashMap<i64, String> = visit_excuses::Entity::find()
        .filter(visit_excuses::Column::Month.eq(month))
        .filter(visit_excuses::Column::PersonId.is_in(persons.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.person_id, e.reason))
        .collect();
    let mut cadres = Vec::new();
    let mut units: BTreeMap<i64, (UnitRow, HashSet<i64>)> = BTreeMap::new();
    for p in people_rows {
        let mine: HashSet<i64> = vv
            .iter()
            .filter(|v| v.person_id == p.id)
            .map(|v| v.visit_id)
            .collect();
        let firms: HashSet<i64> = mine
            .iter()
            .filter_map(|v| firm_of.get(v).copied())
            .collect();
        let raised: Vec<&visit_problems::Model> =
            vp.iter().filter(|x| mine.contains(&x.visit_id)).collect();
        let row = CadreRow {
            person_id: p.id,
            name: p.name.clone(),
            unit_id: p.unit_id,
            unit_name: unit_names.get(&p.unit_id).cloned().unwrap_or_default(),
            visits: mine.len() as u64,
            firms: firms.len() as u64,
            problems_raised: raised.len() as u64,
            problems_solved: raised
                .iter()
                .filter(|x| solved.contains(&x.case_id))
                .count() as u64,
            below_plan: (firms.len() as i64) < plan,
            reason: reasons.get(&p.id).cloned(),
        };
        let (u, unit_firms) = units.entry(p.unit_id).or_insert_with(|| {
            (
                UnitRow {
                    unit_id: p.unit_id,
                    unit_name: row.unit_name.clone(),
                    ..Default::default()
                },
                HashSet::new(),
            )
        });
        u.cadres += 1;
        u.problems_raised += row.problems_raised;
        u.problems_solved += row.problems_solved;
        u.below_plan += u64::from(row.below_plan);
        u.without_visit += u64::from(row.visits == 0);
        unit_firms.extend(firms.iter().copied());
        cadres.push(row);
    }
    // A unit's visits and firms are distinct ones: a visit by two of its cadres counts once.
    let mut unit_rows = Vec::new();
    for (unit_id, (mut u, firms)) in units {
        let members: HashSet<i64> = cadres
            .iter()
            .filter(|c| c.unit_id == unit_id)
            .map(|c| c.person_id)
            .collect();
        u.visits = vv
            .iter()
            .filter(|v| members.contains(&v.person_id))
            .map(|v| v.visit_id)
            .collect::<HashSet<_>>()
            .len() as u64;
        u.firms = firms.len() as u64;
        unit_rows.push(u);
    }
    cadres.sort_by(|a, b| {
        (a.unit_name.as_str(), a.name.as_str()).cmp(&(b.unit_name.as_str(), b.name.as_str()))
    });
    unit_rows.sort_by(|a, b| a.unit_name.cmp(&b.unit_name));
    Ok(DutyReport {
        month: month.format("%Y-%m").to_string(),
        plan,
        cadres,
        units: unit_rows,
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExcuseInput {
    #[schema(required = true, nullable = false)]
    pub person_id: Option<i64>,
    /// YYYY-MM
    #[schema(required = true, nullable = false)]
    pub month: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// Records (or replaces) a cadre's reason for a month without a visit: the cadre for
/// themself, or a holder of `pairing:edit` for anyone in scope.
pub async fn excuse<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: ExcuseInput,
) -> AppResult<visit_excuses::Model> {
    let mut errors = Vec::new();
    let reason = required_text(&mut errors, "reason", input.reason, 500, "原因", "Reason");
    let month = match parse_month("month", input.month.as_deref()) {
        Ok(m) if input.month.as_deref().is_some_and(|m| !m.trim().is_empty()) => Some(m),
        Ok(_) => {
            errors.push(FieldError::required("month", "月份", "Month"));
            None
        }
        Err(AppError::Validation(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(e) => return Err(e),
    };
    let Some(person_id) = input.person_id else {
        errors.push(FieldError::required("person_id", "干部", "Cadre"));
        return Err(AppError::Validation(errors));
    };
    let own = who.person_id == Some(person_id);
    if !own && !who.can(perm::PAIRING_EDIT) {
        return Err(AppError::Forbidden);
    }
    let person = if own {
        people::Entity::find_by_id(person_id).one(db).await?
    } else {
        people::Entity::find()
            .filter(people::Entity::scope_condition(&who.scope))
            .filter(people::Column::Id.eq(person_id))
            .one(db)
            .await?
    };
    let person = match person {
        Some(p) if p.is_cadre => Some(p),
        _ => {
            errors.push(FieldError::new(
                "person_id",
                "unknown",
                "干部不存在或不在您的数据权限范围内",
                "no such cadre within your data scope",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (Some(person), Some(month)) = (person, month) else {
        return Err(AppError::internal("validated"));
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let existing = visit_excuses::Entity::find()
        .filter(visit_excuses::Column::PersonId.eq(person.id))
        .filter(visit_excuses::Column::Month.eq(month))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(e) => {
            let mut am = e.into_active_model();
            am.reason = Set(reason);
            am.created_by_user_id = Set((who.user_id > 0).then_some(who.user_id));
            am.created_at = Set(Utc::now());
            am.update(&txn).await?
        }
        None => {
            visit_excuses::ActiveModel {
                person_id: Set(person.id),
                month: Set(month),
                reason: Set(reason),
                created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let m = month.format("%Y-%m").to_string();
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "visit_excuse",
        Some(row.id),
        format!("{} {m}", person.name),
        audit::Event::new(
            "visit.excuse",
            serde_json::json!({"person": person.name, "month": m}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

// --- burden on the firm -----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FigureRequestView {
    pub id: i64,
    pub unit: Named,
    pub subject: String,
    pub asked_on: NaiveDate,
}

/// The figures the firm already reported: its latest stage report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportedFigures {
    pub on_date: NaiveDate,
    /// The stage in force (a `recovery.stage` code).
    pub stage: String,
    pub stage_label: String,
    pub confirmed: bool,
    pub workers_back: i32,
    pub workers_total: i32,
    pub capacity_pct: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Burden {
    pub enterprise: Named,
    /// YYYY-MM
    pub month: String,
    pub visits: u64,
    /// The cap of visits a month (setting).
    pub visit_cap: i64,
    pub figure_requests: u64,
    /// This month's requests for figures, from all units, newest first.
    pub requests: Vec<FigureRequestView>,
    /// The latest figures the firm reported (none yet: null): show them, do not ask again.
    pub figures: Option<ReportedFigures>,
}

pub async fn burden(
    db: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: i64,
    month: NaiveDate,
    lang: Lang,
) -> AppResult<Burden> {
    who.require(perm::VISIT_LIST)?;
    let firm = visible_firm(db, who, enterprise_id).await?;
    let (from, to) = month_bounds(month);
    let visits_n = visits::Entity::find()
        .filter(visits::Column::EnterpriseId.eq(firm.id))
        .filter(visits::Column::VisitedAt.gte(from))
        .filter(visits::Column::VisitedAt.lt(to))
        .count(db)
        .await?;
    let reqs = figure_requests::Entity::find()
        .filter(figure_requests::Column::EnterpriseId.eq(firm.id))
        .filter(figure_requests::Column::AskedOn.gte(month))
        .filter(figure_requests::Column::AskedOn.lt(next_month(month)))
        .order_by_desc(figure_requests::Column::AskedOn)
        .order_by_desc(figure_requests::Column::Id)
        .all(db)
        .await?;
    let unit_names = crate::registries::units::names(db, reqs.iter().map(|r| r.unit_id)).await?;
    let latest = stage_reports::Entity::find()
        .filter(stage_reports::Column::EnterpriseId.eq(firm.id))
        .order_by_desc(stage_reports::Column::OnDate)
        .order_by_desc(stage_reports::Column::Id)
        .one(db)
        .await?;
    Ok(Burden {
        enterprise: Named {
            id: firm.id,
            name: firm.name,
        },
        month: month.format("%Y-%m").to_string(),
        visits: visits_n,
        visit_cap: visit_cap(db).await?,
        figure_requests: reqs.len() as u64,
        requests: reqs
            .into_iter()
            .map(|r| FigureRequestView {
                id: r.id,
                unit: Named {
                    id: r.unit_id,
                    name: unit_names.get(&r.unit_id).cloned().unwrap_or_default(),
                },
                subject: r.subject,
                asked_on: r.asked_on,
            })
            .collect(),
        figures: latest.map(|s| ReportedFigures {
            on_date: s.on_date,
            stage_label: crate::STAGES.label(&s.stage, lang).to_string(),
            stage: s.stage,
            confirmed: s.confirmed,
            workers_back: s.workers_back,
            workers_total: s.workers_total,
            capacity_pct: s.capacity_pct,
        }),
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FigureRequestInput {
    /// What figures were asked for.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 200)]
    pub subject: Option<String>,
    /// Today by default.
    pub asked_on: Option<NaiveDate>,
    /// The unit that asked: the caller's own by default; another unit within the caller's
    /// units (an administrator without a unit names one).
    pub unit_id: Option<i64>,
}

/// Records a request for figures a unit made of the firm (the caller's own unless named).
pub async fn request_figures<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    enterprise_id: i64,
    input: FigureRequestInput,
) -> AppResult<figure_requests::Model> {
    who.require(perm::VISIT_RECORD)?;
    let firm = visible_firm(db, who, enterprise_id).await?;
    let mut errors = Vec::new();
    let subject = required_text(
        &mut errors,
        "subject",
        input.subject,
        200,
        "内容",
        "Subject",
    );
    let asked_on = input.asked_on.unwrap_or_else(today);
    if !(1900..=2200).contains(&asked_on.year()) || asked_on > today() {
        errors.push(FieldError::new(
            "asked_on",
            "range",
            "日期须在 1900 年到今天之间",
            "the date must be between 1900 and today",
        ));
    }
    let Some(unit_id) = input.unit_id.or(who.unit_id) else {
        errors.push(FieldError::new(
            "unit_id",
            "required",
            "您的账号不属于任何单位，请指明提出要求的单位",
            "your account belongs to no unit: name the unit that asked",
        ));
        return Err(AppError::Validation(errors));
    };
    if input.unit_id.is_some_and(|u| Some(u) != who.unit_id)
        && !lianxin_kernel::paging::may_place_in(db, &who.scope, unit_id).await?
    {
        errors.push(FieldError::new(
            "unit_id",
            "unknown",
            "单位不存在或不在您的数据权限范围内",
            "no such unit within your data scope",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let row = figure_requests::ActiveModel {
        enterprise_id: Set(firm.id),
        unit_id: Set(unit_id),
        asked_on: Set(asked_on),
        subject: Set(subject),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "figure_request",
        Some(row.id),
        format!("{}: {}", firm.name, row.subject),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Condition: visits whose firm the caller sees (for pages that build their own queries).
pub fn visible(who: &Principal) -> Condition {
    visits::Entity::scope_condition(&who.scope)
}
