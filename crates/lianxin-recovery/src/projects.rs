//! The key projects registry (重点项目, D5): a project of a firm, its investment in fen, its
//! three milestones (签约, 开工, 投产) with planned and actual dates, and the service team
//! stationed with it. The firm's `key_project` flag is derived from it (written here, in the
//! same transaction, through the registries' service). Problems raised at major-project
//! meetings are meeting-issue cases on the case engine, linked to the project; a project whose
//! planned milestone has passed without its actual date is late.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action};
use crate::entities::{cases, enterprises, key_project_cases, key_projects, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, find_visible};
use crate::perm;
use crate::text::{optional_text, required_text};

/// A project as sent: all optional, checked by `validate`. On `PUT` every field is replaced
/// (an omitted date clears it) and `version` is required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProjectInput {
    #[schema(required = true, nullable = false, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(required = true, nullable = false, minimum = 1)]
    pub enterprise_id: Option<i64>,
    /// Investment in fen (1 yuan = 100 fen).
    #[schema(minimum = 0)]
    pub investment_fen: Option<i64>,
    /// The service team (or task force) stationed with the project.
    pub team_id: Option<i64>,
    pub signed_planned: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub started_planned: Option<NaiveDate>,
    pub started_on: Option<NaiveDate>,
    pub producing_planned: Option<NaiveDate>,
    pub producing_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// Required on `PUT`: the version read.
    pub version: Option<i32>,
}

/// One milestone as shown: planned, actual, and whether it is late today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Milestone {
    /// signed, started or producing
    pub code: &'static str,
    pub planned: Option<NaiveDate>,
    pub actual: Option<NaiveDate>,
    /// The planned date has passed without the milestone.
    pub late: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: i64,
    pub name: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub investment_fen: i64,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub milestones: Vec<Milestone>,
    /// Any milestone late.
    pub late: bool,
    pub note: Option<String>,
    pub version: i32,
}

/// The milestones' codes with their labels, in order.
pub const MILESTONES: &[(&str, &str, &str)] = &[
    ("signed", "签约", "Signed"),
    ("started", "开工", "Construction started"),
    ("producing", "投产", "In production"),
];

pub fn milestones(p: &key_projects::Model, today: NaiveDate) -> Vec<Milestone> {
    [
        ("signed", p.signed_planned, p.signed_on),
        ("started", p.started_planned, p.started_on),
        ("producing", p.producing_planned, p.producing_on),
    ]
    .into_iter()
    .map(|(code, planned, actual)| Milestone {
        code,
        planned,
        actual,
        late: actual.is_none() && planned.is_some_and(|d| d < today),
    })
    .collect()
}

/// Projects with a milestone late on `today`: a planned date passed with no actual one.
pub fn late_condition(today: NaiveDate) -> Condition {
    let late = |planned: key_projects::Column, actual: key_projects::Column| {
        Condition::all()
            .add(actual.is_null())
            .add(planned.lt(today))
    };
    Condition::any()
        .add(late(
            key_projects::Column::SignedPlanned,
            key_projects::Column::SignedOn,
        ))
        .add(late(
            key_projects::Column::StartedPlanned,
            key_projects::Column::StartedOn,
        ))
        .add(late(
            key_projects::Column::ProducingPlanned,
            key_projects::Column::ProducingOn,
        ))
}

pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// The list's filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectFilter {
    /// Name contains.
    pub q: Option<String>,
    pub enterprise_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Only projects late on a milestone.
    pub late: Option<bool>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &ProjectFilter,
    paging: Paging,
) -> AppResult<Page<ProjectView>> {
    who.require(perm::PROJECT_LIST)?;
    let mut q =
        key_projects::Entity::find().filter(key_projects::Entity::scope_condition(&who.scope));
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(key_projects::Column::Name.like(crate::text::like_pattern(text)));
    }
    if let Some(e) = f.enterprise_id {
        q = q.filter(key_projects::Column::EnterpriseId.eq(e));
    }
    if let Some(t) = f.team_id {
        q = q.filter(key_projects::Column::TeamUnitId.eq(t));
    }
    if f.late == Some(true) {
        q = q.filter(late_condition(today()));
    }
    let page = crate::paging::paged(db, q, key_projects::Column::Id, true, paging).await?;
    Ok(Page {
        total: page.total,
        items: views(db, page.items).await?,
    })
}

pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<key_projects::Model>,
) -> AppResult<Vec<ProjectView>> {
    let firms: std::collections::HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().map(|p| p.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let teams =
        crate::registries::units::names(db, rows.iter().filter_map(|p| p.team_unit_id)).await?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|p| {
            let ms = milestones(&p, today);
            ProjectView {
                id: p.id,
                enterprise_name: firms.get(&p.enterprise_id).cloned().unwrap_or_default(),
                enterprise_id: p.enterprise_id,
                investment_fen: p.investment_fen,
                team_name: p.team_unit_id.and_then(|t| teams.get(&t).cloned()),
                team_id: p.team_unit_id,
                late: ms.iter().any(|m| m.late),
                milestones: ms,
                name: p.name,
                note: p.note,
                version: p.version,
            }
        })
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<ProjectView> {
    who.require(perm::PROJECT_LIST)?;
    let p = find_visible::<key_projects::Entity>(db, &who.scope, id).await?;
    views(db, vec![p]).await?.pop().ok_or(AppError::NotFound)
}

struct Valid {
    name: String,
    enterprise_id: i64,
    investment_fen: i64,
    team_unit_id: Option<i64>,
    dates: [Option<NaiveDate>; 6],
    note: Option<String>,
}

async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    input: ProjectInput,
    current: Option<&key_projects::Model>,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let name = required_text(&mut errors, "name", input.name, 200, "项目名称", "Name");
    let note = optional_text(&mut errors, "note", input.note, 2000, "备注", "Note");
    let investment_fen = match input.investment_fen {
        None => 0,
        Some(v) if !(0..=1_000_000_000_000_000).contains(&v) => {
            errors.push(FieldError::new(
                "investment_fen",
                "range",
                "投资额须在 0 到 10 万亿元之间（单位：分）",
                "investment_fen must be between 0 and 10 trillion yuan (in fen)",
            ));
            0
        }
        Some(v) => v,
    };
    let enterprise_id = match input.enterprise_id {
        None => {
            errors.push(FieldError::required("enterprise_id", "企业", "Enterprise"));
            0
        }
        Some(id) => {
            let visible = enterprises::Entity::find()
                .filter(who.scope.enterprises_writable())
                .filter(enterprises::Column::Id.eq(id))
                .count(db)
                .await?
                > 0;
            if !visible && current.map(|c| c.enterprise_id) != Some(id) {
                errors.push(FieldError::new(
                    "enterprise_id",
                    "unknown",
                    "企业不存在或不在您的数据权限范围内",
                    "no such enterprise within your data scope",
                ));
            }
            id
        }
    };
    let team_unit_id = match input.team_id {
        None => None,
        Some(id) => match units::Entity::find_by_id(id).one(db).await? {
            Some(u) if u.kind == "service_team" || u.kind == "task_force" => Some(id),
            _ => {
                errors.push(FieldError::new(
                    "team_id",
                    "unknown",
                    "服务队或专班不存在",
                    "no such service team or task force",
                ));
                None
            }
        },
    };
    let dates = [
        input.signed_planned,
        input.signed_on,
        input.started_planned,
        input.started_on,
        input.producing_planned,
        input.producing_on,
    ];
    let names = [
        "signed_planned",
        "signed_on",
        "started_planned",
        "started_on",
        "producing_planned",
        "producing_on",
    ];
    let lo = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    let hi = NaiveDate::from_ymd_opt(2200, 12, 31).unwrap_or_default();
    for (d, field) in dates.iter().zip(names) {
        if d.is_some_and(|d| d < lo || d > hi) {
            errors.push(FieldError::new(
                field,
                "range",
                "日期须在 1900 年到 2200 年之间",
                "the date must be between 1900 and 2200",
            ));
        }
    }
    let today = today();
    for (actual, field) in [
        (dates[1], names[1]),
        (dates[3], names[3]),
        (dates[5], names[5]),
    ] {
        if actual.is_some_and(|d| d > today) {
            errors.push(FieldError::new(
                field,
                "future",
                "实际日期不能晚于今天",
                "an actual date cannot be later than today",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        name,
        enterprise_id,
        investment_fen,
        team_unit_id,
        dates,
        note,
    })
}

fn apply(am: &mut key_projects::ActiveModel, v: Valid) {
    am.name = Set(v.name);
    am.enterprise_id = Set(v.enterprise_id);
    am.investment_fen = Set(v.investment_fen);
    am.team_unit_id = Set(v.team_unit_id);
    am.signed_planned = Set(v.dates[0]);
    am.signed_on = Set(v.dates[1]);
    am.started_planned = Set(v.dates[2]);
    am.started_on = Set(v.dates[3]);
    am.producing_planned = Set(v.dates[4]);
    am.producing_on = Set(v.dates[5]);
    am.note = Set(v.note);
    am.updated_at = Set(Utc::now());
}

/// Writes the derived `key_project` flag of these firms from the registry.
async fn derive_flags(db: &impl ConnectionTrait, firms: &[i64]) -> AppResult<()> {
    for &id in firms {
        let has = key_projects::Entity::find()
            .filter(key_projects::Column::EnterpriseId.eq(id))
            .count(db)
            .await?
            > 0;
        crate::registries::enterprises::set_key_project(db, id, has).await?;
    }
    Ok(())
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: ProjectInput,
) -> AppResult<key_projects::Model> {
    who.require(perm::PROJECT_EDIT)?;
    let v = validate(db, who, input, None).await?;
    let now = Utc::now();
    let mut am = key_projects::ActiveModel {
        version: Set(1),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut am, v);
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let p = am.insert(&txn).await?;
    derive_flags(&txn, &[p.enterprise_id]).await?;
    crate::paging::ensure_writable::<key_projects::Entity>(&txn, who, p.id).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "key_project",
        Some(p.id),
        p.name.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: ProjectInput,
) -> AppResult<key_projects::Model> {
    who.require(perm::PROJECT_EDIT)?;
    let expected = crate::paging::version_required(input.version)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "key_projects", id).await?;
    let current = find_visible::<key_projects::Entity>(&txn, &who.scope, id).await?;
    if current.version != expected {
        let now = views(&txn, vec![current]).await?.pop();
        return Err(crate::paging::stale(now));
    }
    let v = validate(&txn, who, input, Some(&current)).await?;
    let before = current.enterprise_id;
    let version = current.version + 1;
    let mut am = current.into_active_model();
    apply(&mut am, v);
    am.version = Set(version);
    let p = am.update(&txn).await?;
    derive_flags(&txn, &[before, p.enterprise_id]).await?;
    crate::paging::ensure_writable::<key_projects::Entity>(&txn, who, p.id).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "key_project",
        Some(p.id),
        p.name.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// Removes a project without linked cases (a project with a meeting's issues is history: 409).
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<()> {
    who.require(perm::PROJECT_EDIT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let p = find_visible::<key_projects::Entity>(&txn, &who.scope, id).await?;
    let linked = key_project_cases::Entity::find()
        .filter(key_project_cases::Column::ProjectId.eq(id))
        .count(&txn)
        .await?;
    if linked > 0 {
        return Err(AppError::Conflict {
            zh: format!("项目已关联 {linked} 件事项，不能删除"),
            en: format!("the project has {linked} linked cases and cannot be deleted"),
        });
    }
    key_projects::Entity::delete_by_id(id).exec(&txn).await?;
    derive_flags(&txn, &[p.enterprise_id]).await?;
    audit::record(&txn, who, Action::Delete, "key_project", Some(id), p.name).await?;
    txn.commit().await?;
    Ok(())
}

/// A problem raised at a major-project meeting (D5): a meeting-issue case about the project's
/// firm, dispatched at once when a lead department is named, and linked to the project.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct IssueInput {
    #[schema(required = true, nullable = false, min_length = 1, max_length = 200)]
    pub title: Option<String>,
    pub description: Option<String>,
    /// A category code of the meeting-issue kind.
    pub category: Option<String>,
    /// Dispatch at once to this lead department, within `working_days` (default 5).
    pub lead_unit_id: Option<i64>,
    #[schema(minimum = 1, maximum = 365)]
    pub working_days: Option<i64>,
}

pub async fn raise_issue<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: IssueInput,
) -> AppResult<cases::Model> {
    who.require(perm::PROJECT_LIST)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let p = find_visible::<key_projects::Entity>(&txn, &who.scope, id).await?;
    let case_input = crate::cases::service::CaseInput {
        kind: Some("meeting_issue".to_owned()),
        category: input.category,
        title: input.title,
        description: input.description,
        enterprise_id: Some(p.enterprise_id),
        source: Some("meeting".to_owned()),
        dispatch: input
            .lead_unit_id
            .map(|lead| crate::cases::service::ActionInput {
                lead_unit_id: Some(lead),
                working_days: Some(input.working_days.unwrap_or(5)),
                ..Default::default()
            }),
        ..Default::default()
    };
    let c = crate::cases::service::create(&txn, who, case_input, Utc::now()).await?;
    link_in(&txn, p.id, c.id).await?;
    txn.commit().await?;
    Ok(c)
}

/// Links an existing case (of the project's firm) to the project.
pub async fn link_case<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    case_id: i64,
) -> AppResult<()> {
    who.require(perm::PROJECT_EDIT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let p = find_visible::<key_projects::Entity>(&txn, &who.scope, id).await?;
    let c = match find_visible::<cases::Entity>(&txn, &who.scope, case_id).await {
        Ok(c) => c,
        Err(AppError::NotFound) => {
            return Err(AppError::invalid(FieldError::new(
                "case_id",
                "unknown",
                "事项不存在或不在您的数据权限范围内",
                "no such case within your data scope",
            )));
        }
        Err(e) => return Err(e),
    };
    if c.enterprise_id != Some(p.enterprise_id) {
        return Err(AppError::invalid(FieldError::new(
            "case_id",
            "other_firm",
            "该事项不是本项目企业的事项",
            "the case is not about the project's enterprise",
        )));
    }
    link_in(&txn, p.id, c.id).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "key_project",
        Some(p.id),
        format!("link case {}", c.number),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn link_in(db: &impl ConnectionTrait, project_id: i64, case_id: i64) -> AppResult<()> {
    let exists = key_project_cases::Entity::find()
        .filter(key_project_cases::Column::CaseId.eq(case_id))
        .one(db)
        .await?;
    if let Some(l) = exists {
        if l.project_id == project_id {
            return Ok(());
        }
        return Err(AppError::invalid(FieldError::new(
            "case_id",
            "linked",
            "该事项已关联到其他重点项目",
            "the case is linked to another key project",
        )));
    }
    key_project_cases::ActiveModel {
        project_id: Set(project_id),
        case_id: Set(case_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The cases linked to a project that the caller may see, newest first.
pub async fn linked_cases(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<Vec<cases::Model>> {
    Ok(cases::Entity::find()
        .filter(<cases::Entity as Scoped>::scope_condition(&who.scope))
        .filter(
            cases::Column::Id.in_subquery(
                Query::select()
                    .column(key_project_cases::Column::CaseId)
                    .from(key_project_cases::Entity)
                    .and_where(key_project_cases::Column::ProjectId.eq(id))
                    .take(),
            ),
        )
        .order_by_desc(cases::Column::Id)
        .all(db)
        .await?)
}
