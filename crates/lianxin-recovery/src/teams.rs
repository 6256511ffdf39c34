//! Task forces (行业服务专班) and Party-member service teams (党员服务队) (C4): units of the
//! tree that get members (people, each from a date, until they leave) and are stationed with
//! firms (驻企: the enterprise record's `service_team_id`, the one mechanism, written through
//! the registries' `enterprises::station`) and key projects. A team's page shows its firms,
//! their open appeals and their latest stages.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action, Event};
use crate::entities::{
    cases, enterprises, key_projects, people, stage_reports, team_members, units,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, find_visible};
use crate::perm;

/// The unit kinds that are teams.
pub const TEAM_KINDS: &[&str] = &["task_force", "service_team"];

/// The roles of a member.
pub const MEMBER_ROLES: &[(&str, &str, &str)] =
    &[("leader", "队长", "Leader"), ("member", "队员", "Member")];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    /// task_force or service_team
    pub kind: String,
    pub members: u64,
    pub firms: u64,
    pub projects: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub person_id: i64,
    pub name: String,
    /// leader or member
    pub role: String,
    pub since: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FirmView {
    pub enterprise_id: i64,
    pub name: String,
    pub open_appeals: u64,
    /// The stage in force of the firm's latest report (a stage code), if any.
    pub stage: Option<String>,
    pub stage_confirmed: bool,
    pub stage_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub members: Vec<MemberView>,
    pub firms: Vec<FirmView>,
    pub projects: Vec<crate::projects::ProjectView>,
}

/// The teams the caller may see, by name, with their counts.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamFilter {
    /// Name contains.
    pub q: Option<String>,
    /// task_force or service_team
    pub kind: Option<String>,
}

fn is_team(u: &units::Model) -> bool {
    TEAM_KINDS.contains(&u.kind.as_str())
}

async fn visible_team(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<units::Model> {
    let u = find_visible::<units::Entity>(db, &who.scope, id).await?;
    if is_team(&u) {
        Ok(u)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &TeamFilter,
    paging: Paging,
) -> AppResult<Page<TeamRow>> {
    who.require(perm::PAIRING_LIST)?;
    let kinds: Vec<&str> = match f.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => TEAM_KINDS.to_vec(),
        Some(k) if TEAM_KINDS.contains(&k) => vec![k],
        Some(_) => {
            return Err(AppError::invalid(FieldError::new(
                "kind",
                "unknown",
                "类型须为 task_force（专班）或 service_team（服务队）",
                "kind must be task_force or service_team",
            )));
        }
    };
    let mut q = units::Entity::find()
        .filter(units::Entity::scope_condition(&who.scope))
        .filter(units::Column::Kind.is_in(kinds));
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(units::Column::Name.like(crate::text::like_pattern(text)));
    }
    let page = crate::paging::paged(db, q, units::Column::Id, false, paging).await?;
    let ids: Vec<i64> = page.items.iter().map(|u| u.id).collect();
    let members = count_by(
        db,
        team_members::Entity::find()
            .filter(team_members::Column::UnitId.is_in(ids.clone()))
            .filter(team_members::Column::ValidUntil.is_null())
            .select_only()
            .column_as(team_members::Column::UnitId, "k")
            .column_as(Expr::col(team_members::Column::Id).count(), "n")
            .group_by(team_members::Column::UnitId),
    )
    .await?;
    let firms = count_by(
        db,
        enterprises::Entity::find()
            .filter(enterprises::Column::ServiceTeamId.is_in(ids.clone()))
            .select_only()
            .column_as(enterprises::Column::ServiceTeamId, "k")
            .column_as(Expr::col(enterprises::Column::Id).count(), "n")
            .group_by(enterprises::Column::ServiceTeamId),
    )
    .await?;
    let projects = count_by(
        db,
        key_projects::Entity::find()
            .filter(key_projects::Column::TeamUnitId.is_in(ids))
            .select_only()
            .column_as(key_projects::Column::TeamUnitId, "k")
            .column_as(Expr::col(key_projects::Column::Id).count(), "n")
            .group_by(key_projects::Column::TeamUnitId),
    )
    .await?;
    Ok(Page {
        total: page.total,
        items: page
            .items
            .into_iter()
            .map(|u| TeamRow {
                members: members.get(&u.id).copied().unwrap_or(0),
                firms: firms.get(&u.id).copied().unwrap_or(0),
                projects: projects.get(&u.id).copied().unwrap_or(0),
                id: u.id,
                name: u.name,
                kind: u.kind,
            })
            .collect(),
    })
}

#[derive(FromQueryResult)]
struct KeyCount {
    k: Option<i64>,
    n: i64,
}

async fn count_by<E: EntityTrait>(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<E>,
) -> AppResult<HashMap<i64, u64>> {
    Ok(q.into_model::<KeyCount>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.k?, u64::try_from(r.n).unwrap_or(0))))
        .collect())
}

/// Open cases (not yet closed, refused or merged) per firm, for these firms.
pub async fn open_appeals(
    db: &impl ConnectionTrait,
    firms: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    count_by(
        db,
        cases::Entity::find()
            .filter(cases::Column::EnterpriseId.is_in(firms.to_vec()))
            .filter(cases::Column::Status.is_in(crate::cases::ACTIVE_STATUSES.to_vec()))
            .select_only()
            .column_as(cases::Column::EnterpriseId, "k")
            .column_as(Expr::col(cases::Column::Id).count(), "n")
            .group_by(cases::Column::EnterpriseId),
    )
    .await
}

/// The latest stage report of each of these firms: one row a firm, each found by one probe of
/// the `(enterprise_id, on_date, id)` index (not every report the firms ever made).
pub async fn latest_stages(
    db: &impl ConnectionTrait,
    firms: &[i64],
) -> AppResult<HashMap<i64, stage_reports::Model>> {
    let latest = sea_orm::sea_query::Query::select()
        .expr(Expr::cust(
            "(SELECT s.id FROM stage_reports s WHERE s.enterprise_id = enterprises.id \
             ORDER BY s.on_date DESC, s.id DESC LIMIT 1)",
        ))
        .from(enterprises::Entity)
        .and_where(enterprises::Column::Id.is_in(firms.to_vec()))
        .take();
    Ok(stage_reports::Entity::find()
        .filter(stage_reports::Column::Id.in_subquery(latest))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.enterprise_id, r))
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<TeamView> {
    who.require(perm::PAIRING_LIST)?;
    let team = visible_team(db, who, id).await?;
    let rows = team_members::Entity::find()
        .filter(team_members::Column::UnitId.eq(id))
        .filter(team_members::Column::ValidUntil.is_null())
        .order_by_asc(team_members::Column::Id)
        .all(db)
        .await?;
    let names: HashMap<i64, String> = people::Entity::find()
        .filter(people::Column::Id.is_in(rows.iter().map(|m| m.person_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let members = rows
        .into_iter()
        .map(|m| MemberView {
            name: names.get(&m.person_id).cloned().unwrap_or_default(),
            person_id: m.person_id,
            role: m.role,
            since: m.valid_from,
        })
        .collect();
    let firms = enterprises::Entity::find()
        .filter(enterprises::Column::ServiceTeamId.eq(id))
        .filter(who.scope.enterprises_with_dependents())
        .order_by_asc(enterprises::Column::Name)
        .limit(500)
        .all(db)
        .await?;
    let ids: Vec<i64> = firms.iter().map(|e| e.id).collect();
    let open = open_appeals(db, &ids).await?;
    let stages = latest_stages(db, &ids).await?;
    let firms = firms
        .into_iter()
        .map(|e| {
            let s = stages.get(&e.id);
            FirmView {
                open_appeals: open.get(&e.id).copied().unwrap_or(0),
                stage: s.map(|s| s.stage.clone()),
                stage_confirmed: s.is_some_and(|s| s.confirmed),
                stage_on: s.map(|s| s.on_date),
                enterprise_id: e.id,
                name: e.name,
            }
        })
        .collect();
    let projects = key_projects::Entity::find()
        .filter(key_projects::Column::TeamUnitId.eq(id))
        .order_by_asc(key_projects::Column::Id)
        .all(db)
        .await?;
    Ok(TeamView {
        id: team.id,
        name: team.name,
        kind: team.kind,
        members,
        firms,
        projects: crate::projects::views(db, projects).await?,
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MemberInput {
    #[schema(required = true, nullable = false, minimum = 1)]
    pub person_id: Option<i64>,
    /// leader or member (default)
    pub role: Option<String>,
    /// From this date (default today).
    pub from: Option<NaiveDate>,
}

/// Adds a member (a person in the caller's scope) to a team; `pairing:edit`.
pub async fn add_member<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    team_id: i64,
    input: MemberInput,
) -> AppResult<team_members::Model> {
    who.require(perm::PAIRING_EDIT)?;
    let team = visible_team(db, who, team_id).await?;
    let mut errors = Vec::new();
    let person = match input.person_id {
        None => {
            errors.push(FieldError::required("person_id", "人员", "Person"));
            None
        }
        Some(pid) => match find_visible::<people::Entity>(db, &who.scope, pid).await {
            Ok(p) => Some(p),
            Err(AppError::NotFound) => {
                errors.push(FieldError::new(
                    "person_id",
                    "unknown",
                    "人员不存在或不在您的数据权限范围内",
                    "no such person within your data scope",
                ));
                None
            }
            Err(e) => return Err(e),
        },
    };
    let role = input.role.as_deref().map(str::trim).unwrap_or("member");
    if !MEMBER_ROLES.iter().any(|r| r.0 == role) {
        errors.push(FieldError::new(
            "role",
            "unknown",
            "角色须为 leader（队长）或 member（队员）",
            "role must be leader or member",
        ));
    }
    let today = crate::projects::today();
    let from = input.from.unwrap_or(today);
    if from > today || from.year_ce().1 < 1900 {
        errors.push(FieldError::new(
            "from",
            "range",
            "起始日期须在 1900 年到今天之间",
            "from must be between 1900 and today",
        ));
    }
    let Some(person) = person.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let already = team_members::Entity::find()
        .filter(team_members::Column::UnitId.eq(team_id))
        .filter(team_members::Column::PersonId.eq(person.id))
        .filter(team_members::Column::ValidUntil.is_null())
        .count(&txn)
        .await?;
    if already > 0 {
        return Err(AppError::invalid(FieldError::new(
            "person_id",
            "duplicate",
            format!("{} 已是「{}」的成员", person.name, team.name),
            format!("{} is already a member of “{}”", person.name, team.name),
        )));
    }
    let m = team_members::ActiveModel {
        unit_id: Set(team_id),
        person_id: Set(person.id),
        role: Set(role.to_owned()),
        valid_from: Set(from),
        valid_until: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record_event(
        &txn,
        who,
        Action::Create,
        "team_member",
        Some(m.id),
        format!("{} joined {}", person.name, team.name),
        Event::new(
            "team.join",
            serde_json::json!({"person": person.name, "team": team.name}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Ends a membership today (the row stays, as history).
pub async fn remove_member<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    team_id: i64,
    person_id: i64,
) -> AppResult<()> {
    who.require(perm::PAIRING_EDIT)?;
    let team = visible_team(db, who, team_id).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let m = team_members::Entity::find()
        .filter(team_members::Column::UnitId.eq(team_id))
        .filter(team_members::Column::PersonId.eq(person_id))
        .filter(team_members::Column::ValidUntil.is_null())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = people::Entity::find_by_id(person_id)
        .one(&txn)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let id = m.id;
    let mut am = m.into_active_model();
    am.valid_until = Set(Some(crate::projects::today()));
    am.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "team_member",
        Some(id),
        format!("{name} left {}", team.name),
        Event::new(
            "team.leave",
            serde_json::json!({"person": name, "team": team.name}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Stations the team with these firms (each an edit of the firm's record).
pub async fn station<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    team_id: i64,
    firms: &[i64],
) -> AppResult<u64> {
    who.require(perm::PAIRING_EDIT)?;
    visible_team(db, who, team_id).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    for &f in firms {
        crate::registries::enterprises::station(&txn, who, f, Some(team_id)).await?;
    }
    txn.commit().await?;
    Ok(firms.len() as u64)
}
