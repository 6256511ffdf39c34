//! 三对一 pairing (C3): each firm's leading cadre (分包领导), Party-building instructor
//! (党建指导员) and service specialist (服务专员), each from a date. `pairings` is the
//! append-only history; `enterprise_pairings` is its projection (what is in force), recomputed
//! from the history in the same transaction as every change, so a back-dated change never
//! overrides a later one. A cadre paired with a firm reads it through `scope::GRANTS`.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession,
    TransactionTrait,
};
use serde::{Deserialize, Deserializer, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action, Event};
use crate::entities::{case_kinds, cases, enterprise_pairings, enterprises, pairings, people};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, find_where};
use crate::perm;

/// The three roles, in the order they are shown.
pub const ROLES: [&str; 3] = ["leader", "instructor", "specialist"];

/// The label of a role in both languages.
pub fn role_label(role: &str) -> (&'static str, &'static str) {
    match role {
        "leader" => ("分包领导", "Leading cadre"),
        "instructor" => ("党建指导员", "Party-building instructor"),
        _ => ("服务专员", "Service specialist"),
    }
}

/// `Some(None)` for an explicit `null`, `None` (by `default`) for an absent field.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// A pairing change: a person id sets the role, `null` clears it, an omitted field keeps it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PairingInput {
    /// 分包领导: a cadre's person id; `null` clears the role; omitted keeps it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable = true)]
    pub leader_person_id: Option<Option<i64>>,
    /// 党建指导员.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable = true)]
    pub instructor_person_id: Option<Option<i64>>,
    /// 服务专员.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable = true)]
    pub specialist_person_id: Option<Option<i64>>,
    /// From this date (default today, Asia/Shanghai); not in the future, not before 1900.
    pub from: Option<NaiveDate>,
}

impl PairingInput {
    fn changes(&self) -> [(&'static str, &'static str, Option<Option<i64>>); 3] {
        [
            ("leader", "leader_person_id", self.leader_person_id),
            (
                "instructor",
                "instructor_person_id",
                self.instructor_person_id,
            ),
            (
                "specialist",
                "specialist_person_id",
                self.specialist_person_id,
            ),
        ]
    }
}

/// Who holds a role now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Holder {
    pub person_id: Option<i64>,
    pub name: Option<String>,
    /// Since when the holder (or nobody) holds it.
    pub since: Option<NaiveDate>,
}

/// One step of the history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// leader, instructor or specialist
    pub role: String,
    /// `null`: the role was cleared.
    pub person_id: Option<i64>,
    pub name: Option<String>,
    pub from: NaiveDate,
    pub recorded_at: chrono::DateTime<Utc>,
}

/// A firm's pairing: the three roles in force and the history, latest first (by date, then
/// by when recorded).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PairingView {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub leader: Holder,
    pub instructor: Holder,
    pub specialist: Holder,
    pub history: Vec<HistoryEntry>,
}

impl PairingView {
    pub fn holder(&self, role: &str) -> &Holder {
        match role {
            "leader" => &self.leader,
            "instructor" => &self.instructor,
            _ => &self.specialist,
        }
    }
}

pub fn today() -> NaiveDate {
    crate::projects::today()
}

/// The pairing of a firm the caller may read (`pairing:list`).
pub async fn get(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<PairingView> {
    who.require(perm::PAIRING_LIST)?;
    let e = find_where::<enterprises::Entity>(db, who.scope.enterprises_condition(), id).await?;
    view(db, e).await
}

async fn view(db: &impl ConnectionTrait, e: enterprises::Model) -> AppResult<PairingView> {
    let rows = pairings::Entity::find()
        .filter(pairings::Column::EnterpriseId.eq(e.id))
        .order_by_desc(pairings::Column::ValidFrom)
        .order_by_desc(pairings::Column::Id)
        .all(db)
        .await?;
    let names = person_names(db, rows.iter().filter_map(|r| r.person_id)).await?;
    let holder = |role: &str| {
        rows.iter()
            .find(|r| r.role == role)
            .map(|r| Holder {
                person_id: r.person_id,
                name: r.person_id.and_then(|p| names.get(&p).cloned()),
                since: Some(r.valid_from),
            })
            .unwrap_or(Holder {
                person_id: None,
                name: None,
                since: None,
            })
    };
    Ok(PairingView {
        enterprise_id: e.id,
        enterprise_name: e.name,
        leader: holder("leader"),
        instructor: holder("instructor"),
        specialist: holder("specialist"),
        history: rows
            .iter()
            .map(|r| HistoryEntry {
                role: r.role.clone(),
                person_id: r.person_id,
                name: r.person_id.and_then(|p| names.get(&p).cloned()),
                from: r.valid_from,
                recorded_at: r.created_at,
            })
            .collect(),
    })
}

pub async fn person_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(people::Entity::find()
        .filter(people::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// A checked change: the date and, per role, the new holder (`None`: cleared).
pub struct Valid {
    pub from: NaiveDate,
    pub roles: Vec<(&'static str, Option<i64>)>,
}

/// Checks a change without writing: the date's range and each named person a cadre.
pub async fn validate(
    db: &impl ConnectionTrait,
    input: &PairingInput,
    today: NaiveDate,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let from = input.from.unwrap_or(today);
    if from > today {
        errors.push(FieldError::new(
            "from",
            "future",
            "起始日期不能晚于今天",
            "from cannot be later than today",
        ));
    } else if from.year_ce().1 < 1900 || !from.year_ce().0 {
        errors.push(FieldError::new(
            "from",
            "range",
            "起始日期须在 1900 年到今天之间",
            "from must be between 1900 and today",
        ));
    }
    let mut roles = Vec::new();
    for (role, field, change) in input.changes() {
        let Some(change) = change else { continue };
        if let Some(pid) = change {
            let p = people::Entity::find_by_id(pid).one(db).await?;
            if !p.is_some_and(|p| p.is_cadre) {
                let (zh, en) = role_label(role);
                errors.push(FieldError::new(
                    field,
                    "not_cadre",
                    format!("{zh}须为已登记的干部"),
                    format!("the {} must be a registered cadre", en.to_lowercase()),
                ));
                continue;
            }
        }
        roles.push((role, change));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid { from, roles })
}

/// Changes a firm's pairing (`pairing:edit`, the firm writable in scope), appending one history
/// row per role whose holder at `from` changes, in one transaction with its audit.
pub async fn set<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    enterprise_id: i64,
    input: PairingInput,
    today: NaiveDate,
) -> AppResult<PairingView> {
    who.require(perm::PAIRING_EDIT)?;
    find_where::<enterprises::Entity>(db, who.scope.enterprises_writable(), enterprise_id).await?;
    let valid = validate(db, &input, today).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    apply(&txn, who, enterprise_id, &valid).await?;
    let e = find_where::<enterprises::Entity>(&txn, Condition::all(), enterprise_id).await?;
    let v = view(&txn, e).await?;
    txn.commit().await?;
    Ok(v)
}

/// Applies one change to several firms (`pairing:edit`, each firm writable in scope) in one
/// transaction: a firm out of reach refuses them all (404). Answers how many firms changed.
pub async fn set_many<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    enterprise_ids: &[i64],
    input: PairingInput,
    today: NaiveDate,
) -> AppResult<usize> {
    who.require(perm::PAIRING_EDIT)?;
    if enterprise_ids.is_empty() || enterprise_ids.len() > 500 {
        return Err(AppError::invalid(FieldError::new(
            "ids",
            "range",
            "请勾选 1 到 500 家企业",
            "tick 1 to 500 enterprises",
        )));
    }
    let valid = validate(db, &input, today).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let mut changed = 0;
    for &id in enterprise_ids {
        find_where::<enterprises::Entity>(&txn, who.scope.enterprises_writable(), id).await?;
        if apply(&txn, who, id, &valid).await? > 0 {
            changed += 1;
        }
    }
    txn.commit().await?;
    Ok(changed)
}

/// Applies a checked change to one firm inside the caller's transaction: the history rows, the
/// projection and the audit entry. Answers how many roles changed.
pub async fn apply(
    txn: &impl ConnectionTrait,
    who: &Principal,
    enterprise_id: i64,
    valid: &Valid,
) -> AppResult<usize> {
    let e = find_where::<enterprises::Entity>(txn, Condition::all(), enterprise_id).await?;
    let history = pairings::Entity::find()
        .filter(pairings::Column::EnterpriseId.eq(enterprise_id))
        .order_by_desc(pairings::Column::ValidFrom)
        .order_by_desc(pairings::Column::Id)
        .all(txn)
        .await?;
    let now = Utc::now();
    let mut changed: Vec<(&'static str, Option<i64>)> = Vec::new();
    for &(role, person) in &valid.roles {
        // The holder in force on `from` (nobody before the first row).
        let at_from = history
            .iter()
            .find(|r| r.role == role && r.valid_from <= valid.from)
            .and_then(|r| r.person_id);
        if at_from == person {
            continue;
        }
        pairings::ActiveModel {
            enterprise_id: Set(enterprise_id),
            role: Set(role.to_owned()),
            person_id: Set(person),
            valid_from: Set(valid.from),
            created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        changed.push((role, person));
    }
    if changed.is_empty() {
        return Ok(0);
    }
    project(txn, enterprise_id).await?;
    let names = person_names(txn, changed.iter().filter_map(|c| c.1)).await?;
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for (role, person) in &changed {
        let (rz, re) = role_label(role);
        let name = person.and_then(|p| names.get(&p).cloned());
        zh.push(format!("{rz} {}", name.as_deref().unwrap_or("（空缺）")));
        en.push(format!("{re} {}", name.as_deref().unwrap_or("(none)")));
    }
    audit::record_event(
        txn,
        who,
        Action::Update,
        "pairing",
        Some(enterprise_id),
        format!("pairing of {} from {}", e.name, valid.from),
        Event::new(
            "pairing.set",
            serde_json::json!({
                "enterprise": e.name,
                "from": valid.from.to_string(),
                "roles": audit::both(zh.join("；"), en.join("; ")),
            }),
        ),
    )
    .await?;
    Ok(changed.len())
}

/// Rewrites the firm's row of `enterprise_pairings` from its history: each role's latest row
/// by date (then by when recorded).
async fn project(txn: &impl ConnectionTrait, enterprise_id: i64) -> AppResult<()> {
    let rows = pairings::Entity::find()
        .filter(pairings::Column::EnterpriseId.eq(enterprise_id))
        .order_by_desc(pairings::Column::ValidFrom)
        .order_by_desc(pairings::Column::Id)
        .all(txn)
        .await?;
    let current = |role: &str| {
        rows.iter()
            .find(|r| r.role == role)
            .and_then(|r| r.person_id)
    };
    let am = enterprise_pairings::ActiveModel {
        enterprise_id: Set(enterprise_id),
        leader_person_id: Set(current("leader")),
        instructor_person_id: Set(current("instructor")),
        specialist_person_id: Set(current("specialist")),
        updated_at: Set(Utc::now()),
    };
    if enterprise_pairings::Entity::find_by_id(enterprise_id)
        .one(txn)
        .await?
        .is_some()
    {
        am.update(txn).await?;
    } else {
        am.insert(txn).await?;
    }
    Ok(())
}

/// A firm missing one or more of the three roles.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Gap {
    pub enterprise_id: i64,
    pub name: String,
    /// The roles nobody holds: leader, instructor, specialist.
    pub missing: Vec<String>,
}

#[derive(FromQueryResult)]
struct GapRow {
    id: i64,
    name: String,
    leader: Option<i64>,
    instructor: Option<i64>,
    specialist: Option<i64>,
}

fn pairing_join() -> sea_orm::RelationDef {
    enterprises::Entity::belongs_to(enterprise_pairings::Entity)
        .from(enterprises::Column::Id)
        .to(enterprise_pairings::Column::EnterpriseId)
        .into()
}

/// The firms in the caller's scope missing any role (`pairing:list`), by id: one query over
/// the firms joined to their pairing in force (a page and its count).
pub async fn gaps(
    db: &impl ConnectionTrait,
    who: &Principal,
    paging: Paging,
) -> AppResult<Page<Gap>> {
    who.require(perm::PAIRING_LIST)?;
    let paging = paging.checked()?;
    let q = enterprises::Entity::find()
        .join(JoinType::LeftJoin, pairing_join())
        .filter(who.scope.enterprises_condition())
        .filter(
            Condition::any()
                .add(enterprise_pairings::Column::LeaderPersonId.is_null())
                .add(enterprise_pairings::Column::InstructorPersonId.is_null())
                .add(enterprise_pairings::Column::SpecialistPersonId.is_null()),
        );
    let rows = q
        .clone()
        .select_only()
        .column(enterprises::Column::Id)
        .column(enterprises::Column::Name)
        .column_as(enterprise_pairings::Column::LeaderPersonId, "leader")
        .column_as(
            enterprise_pairings::Column::InstructorPersonId,
            "instructor",
        )
        .column_as(
            enterprise_pairings::Column::SpecialistPersonId,
            "specialist",
        )
        .order_by_asc(enterprises::Column::Id)
        .offset(paging.offset())
        .limit(paging.limit())
        .into_model::<GapRow>();
    let (total, rows) = tokio::try_join!(q.count(db), rows.all(db))?;
    Ok(Page {
        total,
        items: rows
            .into_iter()
            .map(|r| Gap {
                missing: [
                    ("leader", r.leader),
                    ("instructor", r.instructor),
                    ("specialist", r.specialist),
                ]
                .into_iter()
                .filter(|(_, p)| p.is_none())
                .map(|(role, _)| role.to_owned())
                .collect(),
                enterprise_id: r.id,
                name: r.name,
            })
            .collect(),
    })
}

/// A firm paired with the caller's person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyFirm {
    pub enterprise_id: i64,
    pub name: String,
    /// The roles the caller holds with the firm.
    pub roles: Vec<String>,
    /// Its enterprise appeals not yet closed, refused or merged.
    pub open_appeals: u64,
}

/// The firms paired with the caller's person (none for a login not linked to a person).
pub async fn mine(db: &impl ConnectionTrait, who: &Principal) -> AppResult<Vec<MyFirm>> {
    let Some(p) = who.person_id else {
        return Ok(Vec::new());
    };
    let rows = enterprise_pairings::Entity::find()
        .filter(
            Condition::any()
                .add(enterprise_pairings::Column::LeaderPersonId.eq(p))
                .add(enterprise_pairings::Column::InstructorPersonId.eq(p))
                .add(enterprise_pairings::Column::SpecialistPersonId.eq(p)),
        )
        .order_by_asc(enterprise_pairings::Column::EnterpriseId)
        .limit(1000)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.enterprise_id).collect();
    let names: HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let open = open_appeals(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| MyFirm {
            roles: [
                ("leader", r.leader_person_id),
                ("instructor", r.instructor_person_id),
                ("specialist", r.specialist_person_id),
            ]
            .into_iter()
            .filter(|(_, x)| *x == Some(p))
            .map(|(role, _)| role.to_owned())
            .collect(),
            name: names.get(&r.enterprise_id).cloned().unwrap_or_default(),
            open_appeals: open.get(&r.enterprise_id).copied().unwrap_or(0),
            enterprise_id: r.enterprise_id,
        })
        .collect())
}

#[derive(FromQueryResult)]
struct KeyCount {
    k: Option<i64>,
    n: i64,
}

/// Open enterprise appeals per firm, for these firms.
pub async fn open_appeals(
    db: &impl ConnectionTrait,
    firms: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    if firms.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(cases::Entity::find()
        .filter(cases::Column::EnterpriseId.is_in(firms.to_vec()))
        .filter(cases::Column::Status.is_in(crate::cases::ACTIVE_STATUSES.to_vec()))
        .filter(
            cases::Column::KindId.in_subquery(
                Query::select()
                    .column(case_kinds::Column::Id)
                    .from(case_kinds::Entity)
                    .and_where(case_kinds::Column::Code.eq("enterprise_appeal"))
                    .take(),
            ),
        )
        .select_only()
        .column_as(cases::Column::EnterpriseId, "k")
        .column_as(Expr::col(cases::Column::Id).count(), "n")
        .group_by(cases::Column::EnterpriseId)
        .into_model::<KeyCount>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.k?, u64::try_from(r.n).unwrap_or(0))))
        .collect())
}

/// Cadres (people with `is_cadre`) in the caller's scope, for the pickers: id and name with
/// their unit, by name.
pub async fn cadres(db: &impl ConnectionTrait, who: &Principal) -> AppResult<Vec<(i64, String)>> {
    let rows = people::Entity::find()
        .filter(who.scope.people_condition())
        .filter(people::Column::IsCadre.eq(true))
        .order_by_asc(people::Column::Name)
        .order_by_asc(people::Column::Id)
        .limit(2000)
        .all(db)
        .await?;
    let units = crate::registries::units::names(db, rows.iter().map(|p| p.unit_id)).await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let unit = units.get(&p.unit_id).cloned().unwrap_or_default();
            (p.id, format!("{}（{unit}）", p.name))
        })
        .collect())
}

/// How many firms a person is paired with now (for checks and reports).
pub async fn count_paired(db: &impl ConnectionTrait, person_id: i64) -> AppResult<u64> {
    Ok(enterprise_pairings::Entity::find()
        .filter(
            Condition::any()
                .add(enterprise_pairings::Column::LeaderPersonId.eq(person_id))
                .add(enterprise_pairings::Column::InstructorPersonId.eq(person_id))
                .add(enterprise_pairings::Column::SpecialistPersonId.eq(person_id)),
        )
        .count(db)
        .await?)
}
