//! Case transactions. Every change is: lock the row, check the caller's version, check the
//! permission, validate the inputs, let `engine::decide` accept or refuse, append the event,
//! rewrite the projection (`cases`, `case_assignments`) under the version check, audit;
//! all in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::engine::{self, Action as CaseAction, Assignment, CaseState, Created, Event, Refusal};
use super::{SATISFACTIONS, label};
use crate::access::Principal;
use crate::access::scope::scoped;
use crate::audit::{self, Action};
use crate::calendar::{self, Calendar};
use crate::entities::{
    case_assignments, case_categories, case_day_tallies, case_events, case_facts, case_kinds,
    case_tallies, cases, enterprises, inspections, people, units,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Page;
use crate::paging::Paging;
use crate::paging::find_visible;
use crate::perm;
use crate::text::optional_text;
use crate::text::parse_code;
use crate::text::required_text;

// --- inputs ---------------------------------------------------------------------------------

/// Raise a case. `kind`, `title` and the subject (`enterprise_id` or `unit_id`, as the kind
/// wants) are required. With `dispatch` the case is handed over on the spot (现场交办).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CaseInput {
    /// enterprise_appeal, supervision_finding, meeting_issue, rectification, or another kind's code
    #[schema(required = true, nullable = false, min_length = 1)]
    pub kind: Option<String>,
    /// A category code of the kind (or its id).
    pub category: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub title: Option<String>,
    pub description: Option<String>,
    pub enterprise_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// visit, online, hotline, inspection, meeting, open311
    pub source: Option<String>,
    /// normal (default) or urgent (hour-based limits)
    pub priority: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
    /// The inspection that found it (supervision findings).
    pub inspection_id: Option<i64>,
    /// Dispatch at creation (现场交办): the fields of the `dispatch` action.
    pub dispatch: Option<ActionInput>,
    #[serde(skip)]
    #[schema(ignore)]
    pub api_client_id: Option<i64>,
    /// Open311: the credit code of an enterprise that is not registered; the case is filed
    /// against `unit_id` (the intake unit) until staff link the enterprise.
    #[serde(skip)]
    #[schema(ignore)]
    pub pending_uscc: Option<String>,
}

/// One action on a case. `action` and `version` (the version the caller saw) are required;
/// the other fields depend on the action.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    /// dispatch, accept, reply, resolve, revisit, close, reopen, escalate, extend,
    /// approve_extension, return, link_enterprise, reject (不予受理, with a `note`), merge
    /// (合并重复, with `into_case_id`)
    pub action: Option<String>,
    pub version: Option<i32>,
    /// A remark; required for reply, return, escalate and extend.
    pub note: Option<String>,
    /// dispatch: the lead department.
    pub lead_unit_id: Option<i64>,
    /// dispatch: the assisting departments.
    pub assist_unit_ids: Option<Vec<i64>>,
    pub lead_task: Option<String>,
    /// dispatch: the task of every assisting department `assist_tasks` does not name.
    pub assist_task: Option<String>,
    /// dispatch: each assisting department's own task, by its unit id (`{"12": "…"}`).
    pub assist_tasks: Option<std::collections::BTreeMap<String, String>>,
    /// merge: the open case this new case duplicates (its enterprise follows that case).
    pub into_case_id: Option<i64>,
    /// dispatch: the responsible cadre (a person).
    pub responsible_person_id: Option<i64>,
    /// dispatch, escalate, extend: a deadline (RFC 3339) ...
    pub deadline: Option<DateTime<FixedOffset>>,
    /// ... or a number of working days (from now; for extend, from the current deadline) ...
    #[schema(minimum = 1, maximum = 365)]
    pub working_days: Option<i64>,
    /// ... or hours (urgent cases).
    #[schema(minimum = 1, maximum = 720)]
    pub hours: Option<i64>,
    /// accept, reply, resolve, return, extend: the department acting (default: the caller's).
    pub unit_id: Option<i64>,
    /// resolve: the solution.
    pub solution: Option<String>,
    /// resolve: 零跑腿, solved without the firm visiting an office (default false).
    pub zero_trip: Option<bool>,
    /// revisit: satisfied, basically_satisfied or unsatisfied
    pub satisfaction: Option<String>,
    /// revisit: whether the problem is solved
    pub solved: Option<bool>,
    /// approve_extension: true to grant, false to refuse
    pub approve: Option<bool>,
    /// link_enterprise: the registered enterprise the appeal is about.
    pub enterprise_id: Option<i64>,
}

// --- views ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub unit: Named,
    pub role: engine::Role,
    pub task: Option<String>,
    pub status: engine::Progress,
    pub assigned_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub reply: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub unit: Option<Named>,
    /// A dispatch's assisting departments (empty for other events).
    pub assist_units: Vec<Named>,
    pub note: Option<String>,
    /// The event's parameters (deadlines, satisfaction, ...).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub kind_name: String,
    pub category: Option<String>,
    pub category_name: Option<String>,
    pub title: String,
    pub description: String,
    pub source: String,
    pub priority: String,
    /// new, dispatched, in_progress, resolved, revisited, closed
    pub status: engine::Status,
    pub status_label: String,
    pub version: i32,
    pub enterprise: Option<Named>,
    /// An appeal filed through Open311 for an enterprise not in the registry: the credit code
    /// it named; the case is filed against the intake unit and waits for `link_enterprise`
    /// before it can be dispatched.
    pub enterprise_to_link: Option<String>,
    pub subject_unit: Option<Named>,
    pub lead_unit: Option<Named>,
    pub responsible_person: Option<Named>,
    pub escalated_unit: Option<Named>,
    pub inspection_id: Option<i64>,
    pub deadline: Option<DateTime<Utc>>,
    pub response_deadline: Option<DateTime<Utc>>,
    /// An extension asked for and not yet decided.
    pub requested_deadline: Option<DateTime<Utc>>,
    /// Still being worked on and past its deadline.
    pub overdue: bool,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub solution: Option<String>,
    pub satisfaction: Option<String>,
    pub solved: Option<bool>,
    /// 零跑腿: resolved without the firm visiting an office.
    pub zero_trip: bool,
    pub revisit_count: i32,
    pub reopen_count: i32,
    pub return_count: i32,
    pub extension_count: i32,
    pub escalation_count: i32,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub assignments: Vec<AssignmentView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseView,
    /// The timeline, oldest first.
    pub events: Vec<EventView>,
    /// Files added to the case (each through an `attach` event).
    pub attachments: Vec<super::attachments::AttachmentView>,
    /// What the caller may do to the case now (`engine::allowed`): the page shows exactly
    /// these forms, and `POST /api/v1/cases/{id}/actions` accepts exactly these.
    pub allowed_actions: Vec<engine::Action>,
    /// Why the caller's department cannot resolve its part yet, when that is the state's doing
    /// (an assisting part still open): Chinese and English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolve_blocked: Option<[String; 2]>,
    /// The years the case's deadlines were counted across (from dispatch, or raising, to the
    /// latest of its deadlines) for which the working-day calendar holds no day at all: there
    /// Monday to Friday counted as working days, so a deadline may miss a holiday. Empty when
    /// the calendar covers them.
    pub calendar_missing_years: Vec<i32>,
}

pub fn is_overdue(c: &cases::Model, now: DateTime<Utc>) -> bool {
    engine::Status::of(c).is_open() && c.deadline.is_some_and(|d| d < now)
}

struct Names {
    units: HashMap<i64, String>,
    enterprises: HashMap<i64, String>,
    people: HashMap<i64, String>,
    kinds: HashMap<i64, case_kinds::Model>,
    categories: HashMap<i64, case_categories::Model>,
}

impl Names {
    async fn load(
        db: &impl ConnectionTrait,
        cases: &[&cases::Model],
        extra_units: impl IntoIterator<Item = i64>,
    ) -> AppResult<Names> {
        let mut unit_ids: HashSet<i64> = extra_units.into_iter().collect();
        let mut ent_ids = HashSet::new();
        let mut person_ids = HashSet::new();
        for c in cases {
            unit_ids.extend(c.subject_unit_id);
            unit_ids.extend(c.lead_unit_id);
            unit_ids.extend(c.escalated_unit_id);
            ent_ids.extend(c.enterprise_id);
            person_ids.extend(c.responsible_person_id);
        }
        let units = crate::registries::units::names(db, unit_ids).await?;
        let enterprises = enterprises::Entity::find()
            .filter(enterprises::Column::Id.is_in(ent_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect();
        let people = people::Entity::find()
            .filter(people::Column::Id.is_in(person_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let kinds = case_kinds::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|k| (k.id, k))
            .collect();
        let categories = case_categories::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|k| (k.id, k))
            .collect();
        Ok(Names {
            units,
            enterprises,
            people,
            kinds,
            categories,
        })
    }

    fn unit(&self, id: Option<i64>) -> Option<Named> {
        id.map(|id| Named {
            id,
            name: self.units.get(&id).cloned().unwrap_or_default(),
        })
    }

    fn view(
        &self,
        c: cases::Model,
        assignments: &[Assignment],
        lang: Lang,
        now: DateTime<Utc>,
    ) -> CaseView {
        let kind = self.kinds.get(&c.kind_id);
        let category = c.category_id.and_then(|id| self.categories.get(&id));
        CaseView {
            overdue: is_overdue(&c, now),
            id: c.id,
            number: c.number,
            kind: kind.map(|k| k.code.clone()).unwrap_or_default(),
            kind_name: kind
                .map(|k| lang.pick(&k.name_zh, &k.name_en).to_owned())
                .unwrap_or_default(),
            category: category.map(|k| k.code.clone()),
            category_name: category.map(|k| lang.pick(&k.name_zh, &k.name_en).to_owned()),
            title: c.title,
            description: c.description,
            source: c.source,
            priority: c.priority,
            status_label: label(super::STATUSES, &c.status, lang),
            status: engine::Status::parse(&c.status).unwrap_or(engine::Status::New),
            version: c.version,
            enterprise: c.enterprise_id.map(|id| Named {
                id,
                name: self.enterprises.get(&id).cloned().unwrap_or_default(),
            }),
            enterprise_to_link: c.pending_uscc,
            subject_unit: self.unit(c.subject_unit_id),
            lead_unit: self.unit(c.lead_unit_id),
            responsible_person: c.responsible_person_id.map(|id| Named {
                id,
                name: self.people.get(&id).cloned().unwrap_or_default(),
            }),
            escalated_unit: self.unit(c.escalated_unit_id),
            inspection_id: c.inspection_id,
            deadline: c.deadline,
            response_deadline: c.response_deadline,
            requested_deadline: c.requested_deadline,
            dispatched_at: c.dispatched_at,
            accepted_at: c.accepted_at,
            resolved_at: c.resolved_at,
            closed_at: c.closed_at,
            solution: c.solution,
            satisfaction: c.satisfaction,
            solved: c.solved,
            zero_trip: c.zero_trip,
            revisit_count: c.revisit_count,
            reopen_count: c.reopen_count,
            return_count: c.return_count,
            extension_count: c.extension_count,
            escalation_count: c.escalation_count,
            contact_name: c.contact_name,
            contact_phone: c.contact_phone,
            address: c.address,
            assignments: assignments
                .iter()
                .map(|a| AssignmentView {
                    unit: Named {
                        id: a.unit_id,
                        name: self.units.get(&a.unit_id).cloned().unwrap_or_default(),
                    },
                    role: a.role,
                    task: a.task.clone(),
                    status: a.status,
                    assigned_at: a.assigned_at,
                    accepted_at: a.accepted_at,
                    resolved_at: a.resolved_at,
                    reply: a.reply.clone(),
                })
                .collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

fn to_assignment(a: case_assignments::Model) -> Assignment {
    Assignment {
        unit_id: a.unit_id,
        // A stored code the engine does not know reads as the weakest: an assisting part, pending.
        role: engine::Role::parse(&a.role).unwrap_or(engine::Role::Assist),
        task: a.task,
        status: engine::Progress::parse(&a.status).unwrap_or(engine::Progress::Pending),
        assigned_at: a.assigned_at,
        accepted_at: a.accepted_at,
        resolved_at: a.resolved_at,
        reply: a.reply,
    }
}

async fn assignments_of(
    db: &impl ConnectionTrait,
    case_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<Assignment>>> {
    let mut map: HashMap<i64, Vec<Assignment>> = HashMap::new();
    if case_ids.is_empty() {
        return Ok(map);
    }
    for a in case_assignments::Entity::find()
        .filter(case_assignments::Column::CaseId.is_in(case_ids.to_vec()))
        .order_by_asc(case_assignments::Column::Id)
        .all(db)
        .await?
    {
        map.entry(a.case_id).or_default().push(to_assignment(a));
    }
    Ok(map)
}

/// Views of a page of cases (names loaded in a few batched queries).
pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<cases::Model>,
    lang: Lang,
) -> AppResult<Vec<CaseView>> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut assignments = assignments_of(db, &ids).await?;
    let unit_ids: Vec<i64> = assignments.values().flatten().map(|a| a.unit_id).collect();
    let names = Names::load(db, &rows.iter().collect::<Vec<_>>(), unit_ids).await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|c| {
            let a = assignments.remove(&c.id).unwrap_or_default();
            names.view(c, &a, lang, now)
        })
        .collect())
}

pub async fn detail(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
    lang: Lang,
) -> AppResult<CaseDetail> {
    who.require(perm::CASE_LIST)?;
    let c = find_visible::<cases::Entity>(db, &who.scope, id).await?;
    detail_of(db, who, c, lang, true).await
}

/// The case right after the caller acted on it, even if the action took it out of their scope
/// (a department that returns a case no longer sees it, but is told how it now stands).
pub async fn detail_after_action(
    db: &impl ConnectionTrait,
    who: &Principal,
    c: cases::Model,
    lang: Lang,
) -> AppResult<CaseDetail> {
    let visible = find_visible::<cases::Entity>(db, &who.scope, c.id)
        .await
        .is_ok();
    detail_of(db, who, c, lang, visible).await
}

async fn detail_of(
    db: &impl ConnectionTrait,
    who: &Principal,
    c: cases::Model,
    lang: Lang,
    visible: bool,
) -> AppResult<CaseDetail> {
    let events = case_events::Entity::find()
        .filter(case_events::Column::CaseId.eq(c.id))
        .order_by_asc(case_events::Column::Seq)
        .all(db)
        .await?;
    let assignments = assignments_of(db, &[c.id])
        .await?
        .remove(&c.id)
        .unwrap_or_default();
    let data: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null))
        .collect();
    let assists_of = |d: &serde_json::Value| -> Vec<i64> {
        d.get("assist_unit_ids")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|u| u.as_i64()).collect())
            .unwrap_or_default()
    };
    let names = Names::load(
        db,
        &[&c],
        assignments
            .iter()
            .map(|a| a.unit_id)
            .chain(events.iter().filter_map(|e| e.unit_id))
            .chain(data.iter().flat_map(assists_of)),
    )
    .await?;
    let events = events
        .into_iter()
        .zip(data)
        .map(|(e, data)| EventView {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action_label: label(super::ACTIONS, &e.action, lang),
            action: e.action,
            unit: names.unit(e.unit_id),
            assist_units: assists_of(&data)
                .into_iter()
                .filter_map(|u| names.unit(Some(u)))
                .collect(),
            note: e.note,
            data,
        })
        .collect();
    let attachments = super::attachments::of_case(db, c.id).await?;
    let (allowed_actions, resolve_blocked) = if visible {
        let needs_verification = case_kinds::Entity::find_by_id(c.kind_id)
            .one(db)
            .await?
            .is_some_and(|k| k.needs_verification);
        let state = CaseState {
            case: c.clone(),
            assignments: assignments.clone(),
        };
        let allowed = engine::allowed(&state, who, needs_verification);
        let blocked = engine::why_not(
            &state,
            who,
            needs_verification,
            &allowed,
            engine::Action::Resolve,
        )
        .map(|r| [r.zh, r.en]);
        (allowed, blocked)
    } else {
        (Vec::new(), None)
    };
    let calendar_missing_years = match [c.deadline, c.response_deadline, c.requested_deadline]
        .into_iter()
        .flatten()
        .max()
    {
        Some(last) => {
            let years = calendar::deadline_years(c.dispatched_at.unwrap_or(c.created_at), last);
            calendar::years_without_days(db, years).await?
        }
        None => Vec::new(),
    };
    Ok(CaseDetail {
        calendar_missing_years,
        case: names.view(c, &assignments, lang, Utc::now()),
        events,
        attachments,
        allowed_actions,
        resolve_blocked,
    })
}

/// The case as it stands, for a 409 answer (the caller's view is stale).
pub async fn current_json(db: &impl ConnectionTrait, id: i64) -> serde_json::Value {
    let Ok(Some(c)) = cases::Entity::find_by_id(id).one(db).await else {
        return serde_json::Value::Null;
    };
    match views(db, vec![c], Lang::Zh).await {
        Ok(mut v) => v
            .pop()
            .and_then(|v| serde_json::to_value(v).ok())
            .unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::Null,
    }
}

// --- lists ----------------------------------------------------------------------------------

/// Which to-do list (待办) of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// 待交办 (dispatchers)
    ToDispatch,
    /// 待签收 (the caller's department)
    ToAccept,
    /// 办理中 (the caller's department)
    ToHandle,
    /// 延期待审批
    ToApprove,
    /// 待回访
    ToRevisit,
    /// 待结案
    ToClose,
    /// 超期 (open and past the deadline)
    Overdue,
}

impl Bucket {
    pub const ALL: [Bucket; 7] = [
        Bucket::ToDispatch,
        Bucket::ToAccept,
        Bucket::ToHandle,
        Bucket::ToApprove,
        Bucket::ToRevisit,
        Bucket::ToClose,
        Bucket::Overdue,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Bucket::ToDispatch => "to_dispatch",
            Bucket::ToAccept => "to_accept",
            Bucket::ToHandle => "to_handle",
            Bucket::ToApprove => "to_approve",
            Bucket::ToRevisit => "to_revisit",
            Bucket::ToClose => "to_close",
            Bucket::Overdue => "overdue",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Bucket::ToDispatch => lang.pick("待交办", "To dispatch"),
            Bucket::ToAccept => lang.pick("待签收", "To accept"),
            Bucket::ToHandle => lang.pick("办理中", "To handle"),
            Bucket::ToApprove => lang.pick("延期待审批", "Extensions to decide"),
            Bucket::ToRevisit => lang.pick("待回访", "To revisit"),
            Bucket::ToClose => lang.pick("待结案", "To close"),
            Bucket::Overdue => lang.pick("已超期", "Overdue"),
        }
    }
    /// The permission that makes this list the caller's work.
    pub fn permission(self) -> &'static str {
        match self {
            Bucket::ToDispatch => perm::CASE_DISPATCH,
            Bucket::ToAccept | Bucket::ToHandle => perm::CASE_HANDLE,
            Bucket::ToApprove => perm::CASE_APPROVE,
            Bucket::ToRevisit => perm::CASE_REVISIT,
            Bucket::ToClose => perm::CASE_CLOSE,
            Bucket::Overdue => perm::CASE_LIST,
        }
    }

    fn condition(self, who: &Principal, now: DateTime<Utc>) -> Condition {
        let mine = |status: &str| {
            let mut q = Query::select();
            q.column(case_assignments::Column::CaseId)
                .from(case_assignments::Entity)
                .and_where(case_assignments::Column::Status.eq(status));
            if let Some(u) = who.unit_id.filter(|_| !who.can(perm::ALL)) {
                q.and_where(case_assignments::Column::UnitId.eq(u));
            }
            Condition::all()
                .add(cases::Column::Id.in_subquery(q.take()))
                .add(cases::Column::Status.is_in(super::OPEN_STATUSES.to_vec()))
        };
        match self {
            Bucket::ToDispatch => Condition::all().add(cases::Column::Status.eq("new")),
            Bucket::ToAccept => mine("pending"),
            Bucket::ToHandle => mine("accepted"),
            Bucket::ToApprove => {
                Condition::all().add(cases::Column::RequestedDeadline.is_not_null())
            }
            Bucket::ToRevisit => Condition::all().add(cases::Column::Status.eq("resolved")),
            Bucket::ToClose => Condition::all().add(cases::Column::Status.eq("revisited")),
            Bucket::Overdue => overdue_condition(now),
        }
    }
}

pub fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(cases::Column::Status.is_in(super::OPEN_STATUSES.to_vec()))
        .add(cases::Column::Deadline.lt(now))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
    /// Title or number contains.
    pub q: Option<String>,
    /// One status or several, comma-separated.
    pub status: Option<String>,
    /// A kind's code.
    pub kind: Option<String>,
    /// A category's code.
    pub category: Option<String>,
    pub source: Option<String>,
    pub priority: Option<String>,
    /// Led or assisted by this unit.
    pub unit_id: Option<i64>,
    /// Concerning this unit or a unit below it, or led or assisted by one (the unit tree
    /// beside the list).
    pub under: Option<i64>,
    /// Led by this unit.
    pub lead_unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub subject_unit_id: Option<i64>,
    pub inspection_id: Option<i64>,
    /// Only open cases past their deadline.
    pub overdue: Option<bool>,
    /// Only appeals whose enterprise is still to be linked (true), or none of them (false).
    pub to_link: Option<bool>,
    /// One of the caller's to-do lists.
    pub bucket: Option<Bucket>,
    /// Received from (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Received before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Sort by `number`, `title`, `status`, `priority`, `deadline` or `created_at` (`order`
    /// gives the direction); without it newest first (overdue lists: nearest deadline first).
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these cases: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the case list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &[
    "number",
    "title",
    "status",
    "priority",
    "deadline",
    "created_at",
];

fn sort_column(key: &str) -> Option<cases::Column> {
    match key {
        "number" => Some(cases::Column::Number),
        "title" => Some(cases::Column::Title),
        "status" => Some(cases::Column::Status),
        "priority" => Some(cases::Column::Priority),
        "deadline" => Some(cases::Column::Deadline),
        "created_at" => Some(cases::Column::CreatedAt),
        _ => None,
    }
}

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &CaseFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

/// The cases the filter matches in the caller's scope, in the list's order.
pub fn ordered(who: &Principal, f: &CaseFilter) -> AppResult<sea_orm::Select<cases::Entity>> {
    let sort = sort_of(f)?;
    let default = if f.overdue == Some(true) || f.bucket == Some(Bucket::Overdue) {
        // Overdue lists read most urgent first; others newest first.
        (cases::Column::Deadline, false)
    } else {
        (cases::Column::Id, true)
    };
    let q = filtered(who, f, Utc::now());
    let q = crate::paging::sorted(q, sort.as_ref(), sort_column, default, cases::Column::Id);
    Ok(if sort.is_none() && !default.1 {
        // ties on the deadline in a stable order, so that pages never overlap
        q.order_by_asc(cases::Column::Id)
    } else {
        q
    })
}

fn filtered(who: &Principal, f: &CaseFilter, now: DateTime<Utc>) -> sea_orm::Select<cases::Entity> {
    let mut q = scoped::<cases::Entity>(&who.scope);
    if let Some(v) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(crate::text::contains_any(
            &[cases::Column::Title, cases::Column::Number],
            v,
        ));
    }
    if let Some(v) = f.status.as_deref().filter(|s| !s.is_empty()) {
        let list: Vec<String> = v.split(',').map(|s| s.trim().to_owned()).collect();
        q = q.filter(cases::Column::Status.is_in(list));
    }
    if let Some(v) = f.kind.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            cases::Column::KindId.in_subquery(
                Query::select()
                    .column(case_kinds::Column::Id)
                    .from(case_kinds::Entity)
                    .and_where(case_kinds::Column::Code.eq(v))
                    .take(),
            ),
        );
    }
    if let Some(v) = f.category.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(
            cases::Column::CategoryId.in_subquery(
                Query::select()
                    .column(case_categories::Column::Id)
                    .from(case_categories::Entity)
                    .and_where(case_categories::Column::Code.eq(v))
                    .take(),
            ),
        );
    }
    if let Some(v) = f.source.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(cases::Column::Source.eq(v));
    }
    if let Some(v) = f.priority.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(cases::Column::Priority.eq(v));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(
            cases::Column::Id.in_subquery(
                Query::select()
                    .column(case_assignments::Column::CaseId)
                    .from(case_assignments::Entity)
                    .and_where(case_assignments::Column::UnitId.eq(u))
                    .take(),
            ),
        );
    }
    if let Some(u) = f.under {
        let subtree = || crate::registries::units::subtree_of(u);
        q = q.filter(
            Condition::any()
                .add(cases::Column::SubjectUnitId.in_subquery(subtree()))
                .add(
                    cases::Column::Id.in_subquery(
                        Query::select()
                            .column(case_assignments::Column::CaseId)
                            .from(case_assignments::Entity)
                            .and_where(case_assignments::Column::UnitId.in_subquery(subtree()))
                            .take(),
                    ),
                ),
        );
    }
    if let Some(u) = f.lead_unit_id {
        q = q.filter(cases::Column::LeadUnitId.eq(u));
    }
    if let Some(v) = f.enterprise_id {
        q = q.filter(cases::Column::EnterpriseId.eq(v));
    }
    if let Some(v) = f.subject_unit_id {
        q = q.filter(cases::Column::SubjectUnitId.eq(v));
    }
    if let Some(v) = f.inspection_id {
        q = q.filter(cases::Column::InspectionId.eq(v));
    }
    if f.overdue == Some(true) {
        q = q.filter(overdue_condition(now));
    }
    match f.to_link {
        Some(true) => q = q.filter(cases::Column::PendingUscc.is_not_null()),
        Some(false) => q = q.filter(cases::Column::PendingUscc.is_null()),
        None => {}
    }
    if let Some(b) = f.bucket {
        q = q.filter(b.condition(who, now));
    }
    if let Some(v) = f.from {
        q = q.filter(cases::Column::CreatedAt.gte(v));
    }
    if let Some(v) = f.to {
        q = q.filter(cases::Column::CreatedAt.lt(v));
    }
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(cases::Column::Id.is_in(ids));
    }
    q
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &CaseFilter,
    paging: Paging,
) -> AppResult<Page<cases::Model>> {
    who.require(perm::CASE_LIST)?;
    crate::paging::paged_in_order(db, ordered(who, f)?, paging).await
}

/// The open cases (待交办, 待签收, 办理中) a new case may be merged into as a duplicate:
/// those of the same enterprise first, then those of the same kind, newest first, within the
/// caller's scope (at most 50).
pub async fn merge_candidates(
    db: &impl ConnectionTrait,
    who: &Principal,
    case: &CaseView,
) -> AppResult<Vec<cases::Model>> {
    use sea_orm::QuerySelect;
    let open = || {
        scoped::<cases::Entity>(&who.scope)
            .filter(cases::Column::Id.ne(case.id))
            .filter(cases::Column::Status.is_in(["new", "dispatched", "in_progress"]))
            .order_by_desc(cases::Column::Id)
            .limit(50)
    };
    let mut out = match &case.enterprise {
        Some(e) => {
            open()
                .filter(cases::Column::EnterpriseId.eq(e.id))
                .all(db)
                .await?
        }
        None => Vec::new(),
    };
    if out.len() < 50 {
        let kind = case_kinds::Entity::find()
            .filter(case_kinds::Column::Code.eq(case.kind.as_str()))
            .one(db)
            .await?;
        if let Some(k) = kind {
            let more = open()
                .filter(cases::Column::KindId.eq(k.id))
                .all(db)
                .await?;
            for m in more {
                if out.len() >= 50 {
                    break;
                }
                if !out.iter().any(|o| o.id == m.id) {
                    out.push(m);
                }
            }
        }
    }
    Ok(out)
}

/// The department that has led this category's cases most often: the dispatch form's
/// suggestion for the lead.
pub async fn suggested_lead(
    db: &impl ConnectionTrait,
    category: Option<&str>,
) -> AppResult<Option<i64>> {
    let Some(code) = category else {
        return Ok(None);
    };
    let Some(cid) = case_categories::Entity::find()
        .filter(case_categories::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|c| c.id)
    else {
        return Ok(None);
    };
    use sea_orm::{FromQueryResult, QuerySelect};
    #[derive(FromQueryResult)]
    struct Lead {
        lead_unit_id: Option<i64>,
    }
    let top = cases::Entity::find()
        .select_only()
        .column(cases::Column::LeadUnitId)
        .filter(cases::Column::CategoryId.eq(cid))
        .filter(cases::Column::LeadUnitId.is_not_null())
        .group_by(cases::Column::LeadUnitId)
        .order_by_desc(cases::Column::Id.count())
        .into_model::<Lead>()
        .one(db)
        .await?;
    Ok(top.and_then(|l| l.lead_unit_id))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TodoCount {
    /// to_dispatch, to_accept, to_handle, to_approve, to_revisit, to_close, overdue
    pub bucket: Bucket,
    pub label: String,
    pub count: u64,
}

/// The caller's to-do counts: one per list their permissions make theirs.
pub async fn todo_counts(
    db: &impl ConnectionTrait,
    who: &Principal,
    lang: Lang,
) -> AppResult<Vec<TodoCount>> {
    who.require(perm::CASE_LIST)?;
    let now = Utc::now();
    let mut out = Vec::new();
    for b in Bucket::ALL {
        if !who.can(b.permission()) {
            continue;
        }
        let count = scoped::<cases::Entity>(&who.scope)
            .filter(b.condition(who, now))
            .count(db)
            .await?;
        out.push(TodoCount {
            bucket: b,
            label: b.label(lang).to_owned(),
            count,
        });
    }
    Ok(out)
}

// --- create -----------------------------------------------------------------------------------

fn check_deadline_inputs(errors: &mut Vec<FieldError>, input: &ActionInput, now: DateTime<Utc>) {
    let given = [
        input.deadline.is_some(),
        input.working_days.is_some(),
        input.hours.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given > 1 {
        errors.push(FieldError::new(
            "deadline",
            "conflict",
            "期限只能用一种方式给出：deadline、working_days 或 hours",
            "give the deadline one way only: deadline, working_days or hours",
        ));
    }
    if let Some(d) = input.deadline
        && d.with_timezone(&Utc) <= now
    {
        errors.push(FieldError::new(
            "deadline",
            "past",
            "期限必须晚于当前时间",
            "the deadline must be in the future",
        ));
    }
    if let Some(n) = input.working_days
        && !(1..=365).contains(&n)
    {
        errors.push(FieldError::new(
            "working_days",
            "range",
            "工作日数必须在 1 到 365 之间",
            "working_days must be between 1 and 365",
        ));
    }
    if let Some(n) = input.hours
        && !(1..=720).contains(&n)
    {
        errors.push(FieldError::new(
            "hours",
            "range",
            "小时数必须在 1 到 720 之间",
            "hours must be between 1 and 720",
        ));
    }
}

/// The deadline the inputs ask for, counted from `base`.
fn deadline_from(
    input: &ActionInput,
    cal: &Calendar,
    base: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if let Some(d) = input.deadline {
        return Some(d.with_timezone(&Utc));
    }
    if let Some(n) = input.working_days {
        return Some(cal.deadline_after(base, n as u32));
    }
    input.hours.map(|h| base + Duration::hours(h))
}

async fn unit_exists(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<units::Model>> {
    Ok(units::Entity::find_by_id(id).one(db).await?)
}

/// Raises a case (and dispatches it at once when `input.dispatch` is given).
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: CaseInput,
    at: DateTime<Utc>,
) -> AppResult<cases::Model> {
    who.require(perm::CASE_RAISE)?;
    let mut errors = Vec::new();
    let kind = match input
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            errors.push(FieldError::required("kind", "事项类型", "Kind"));
            None
        }
        Some(v) => {
            let k = super::kinds::find_kind(db, v).await?.filter(|k| k.active);
            if k.is_none() {
                errors.push(FieldError::new(
                    "kind",
                    "unknown",
                    format!("事项类型“{v}”不存在"),
                    format!("there is no case kind '{v}'"),
                ));
            }
            k
        }
    };
    if let Some(k) = &kind {
        let allowed = super::kinds::roles_of(k);
        if !allowed.is_empty()
            && !who.can(perm::ALL)
            && !who.roles.iter().any(|r| allowed.contains(&r.code))
        {
            return Err(AppError::Forbidden);
        }
    }
    let category = match input
        .category
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(v) => {
            let c = super::kinds::find_category(db, v)
                .await?
                .filter(|c| c.active && kind.as_ref().is_some_and(|k| k.id == c.kind_id));
            if c.is_none() {
                errors.push(FieldError::new(
                    "category",
                    "unknown",
                    format!("类别“{v}”不属于该事项类型"),
                    format!("'{v}' is not a category of this kind"),
                ));
            }
            c
        }
    };
    let title = required_text(&mut errors, "title", input.title, 200, "标题", "Title");
    let description = optional_text(
        &mut errors,
        "description",
        input.description,
        5000,
        "内容",
        "Description",
    )
    .unwrap_or_default();
    let source = parse_code(
        &mut errors,
        "source",
        Some(
            input
                .source
                .as_deref()
                .unwrap_or(if who.enterprise_id.is_some() {
                    "online"
                } else {
                    "visit"
                }),
        ),
        super::SOURCES,
        "来源",
        "Source",
    );
    let priority = parse_code(
        &mut errors,
        "priority",
        Some(input.priority.as_deref().unwrap_or("normal")),
        super::PRIORITIES,
        "紧急程度",
        "Priority",
    );
    let contact_name = optional_text(
        &mut errors,
        "contact_name",
        input.contact_name,
        50,
        "联系人",
        "Contact",
    );
    let contact_phone = match crate::text::clean(input.contact_phone) {
        None => None,
        Some(p) => match lianxin_types::Phone::parse(&p) {
            Ok(p) => Some(p.to_string()),
            Err(e) => {
                errors.push(FieldError::from_validation(
                    "contact_phone",
                    &e,
                    "联系电话",
                    "Contact phone",
                ));
                None
            }
        },
    };
    let address = optional_text(
        &mut errors,
        "address",
        input.address,
        200,
        "地址",
        "Address",
    );
    for (field, v, lim) in [("lat", input.lat, 90.0), ("lon", input.lon, 180.0)] {
        if v.is_some_and(|v| !v.is_finite() || v.abs() > lim) {
            errors.push(FieldError::new(
                field,
                "range",
                "坐标超出范围",
                "the coordinate is out of range",
            ));
        }
    }
    // The subject: an enterprise the caller can see, or a unit.
    let mut enterprise_id = None;
    let mut subject_unit_id = None;
    let enterprise_id_in = input
        .enterprise_id
        .or(who.enterprise_id.filter(|_| input.unit_id.is_none()));
    if let Some(eid) = enterprise_id_in {
        match crate::paging::find_where::<enterprises::Entity>(
            db,
            who.scope.enterprises_with_dependents(),
            eid,
        )
        .await
        {
            Ok(e) => {
                enterprise_id = Some(e.id);
                subject_unit_id = Some(e.unit_id);
            }
            Err(AppError::NotFound) => errors.push(FieldError::new(
                "enterprise_id",
                "unknown",
                "企业不存在或不在您的数据权限范围内",
                "no such enterprise within your data scope",
            )),
            Err(e) => return Err(e),
        }
    }
    if let Some(uid) = input.unit_id {
        if unit_exists(db, uid).await?.is_some() {
            subject_unit_id = Some(uid);
        } else {
            errors.push(FieldError::new(
                "unit_id",
                "unknown",
                "单位不存在",
                "no such unit",
            ));
        }
    }
    if let Some(k) = &kind {
        let missing = match k.subject.as_str() {
            "enterprise" => (enterprise_id_in.is_none() && input.pending_uscc.is_none())
                .then_some(("enterprise_id", "企业", "An enterprise")),
            "unit" => {
                input
                    .unit_id
                    .is_none()
                    .then_some(("unit_id", "被督查单位", "The unit concerned"))
            }
            _ => (enterprise_id_in.is_none() && input.unit_id.is_none()).then_some((
                "enterprise_id",
                "企业或单位",
                "An enterprise or a unit",
            )),
        };
        if let Some((field, zh, en)) = missing {
            errors.push(FieldError::required(field, zh, en));
        }
    }
    if let Some(iid) = input.inspection_id
        && inspections::Entity::find_by_id(iid)
            .one(db)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "inspection_id",
            "unknown",
            "督查记录不存在",
            "no such inspection",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let Some(kind) = kind else {
        return Err(AppError::internal("kind validated"));
    };
    let created = Created {
        number: uuid::Uuid::new_v4().simple().to_string(),
        kind_id: kind.id,
        category_id: category.map(|c| c.id),
        title,
        description,
        source: source.unwrap_or_else(|| "visit".to_owned()),
        priority: priority.unwrap_or_else(|| "normal".to_owned()),
        enterprise_id,
        subject_unit_id,
        inspection_id: input.inspection_id,
        api_client_id: input.api_client_id,
        contact_name,
        contact_phone,
        address,
        lat: input.lat,
        lon: input.lon,
        created_by_user_id: (who.user_id > 0).then_some(who.user_id),
        pending_uscc: input.pending_uscc.filter(|_| enterprise_id.is_none()),
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let mut am = CaseState::created(0, at, &created).case.into_active_model();
    am.id = sea_orm::ActiveValue::NotSet;
    let row = am.insert(&txn).await?;
    let local = at.with_timezone(&Shanghai);
    let number = format!(
        "{:04}{:02}{:02}{:06}",
        local.year(),
        local.month(),
        local.day(),
        row.id % 1_000_000
    );
    let row = {
        let mut am = row.into_active_model();
        am.number = Set(number.clone());
        am.update(&txn).await?
    };
    write_facts(&txn, &row).await?;
    crate::sight::refresh(&txn, row.id).await?;
    let created = Created { number, ..created };
    append_event(
        &txn,
        who,
        row.id,
        1,
        at,
        &Event::Create(Box::new(created)),
        None,
    )
    .await?;
    crate::paging::ensure_writable::<cases::Entity>(&txn, who, row.id).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "case",
        Some(row.id),
        format!("{} {}", row.number, row.title),
    )
    .await?;
    let row = match input.dispatch {
        Some(mut d) => {
            d.action = Some("dispatch".to_owned());
            d.version = Some(row.version);
            act_in(&txn, who, row.id, d, at).await?
        }
        None => row,
    };
    txn.commit().await?;
    Ok(row)
}

async fn append_event(
    db: &impl ConnectionTrait,
    who: &Principal,
    case_id: i64,
    seq: i32,
    at: DateTime<Utc>,
    event: &Event,
    note: Option<String>,
) -> AppResult<()> {
    case_events::ActiveModel {
        case_id: Set(case_id),
        seq: Set(seq),
        at: Set(at),
        user_id: Set((who.user_id > 0).then_some(who.user_id)),
        actor: Set(if who.display_name.is_empty() {
            who.username.clone()
        } else {
            who.display_name.clone()
        }),
        action: Set(event.action().to_owned()),
        unit_id: Set(event.unit_id()),
        note: Set(note),
        data: Set(serde_json::to_string(event).map_err(AppError::internal)?),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

// --- actions ----------------------------------------------------------------------------------

/// Performs one action on a case: the case as it now stands, or a 409 (stale version, or an
/// action the state does not allow) that carries the current case.
pub async fn act<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: ActionInput,
    at: DateTime<Utc>,
) -> AppResult<cases::Model> {
    who.require(perm::CASE_LIST)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let result = act_in(&txn, who, id, input, at).await;
    match result {
        Ok(row) => {
            txn.commit().await?;
            Ok(row)
        }
        Err(AppError::Conflict { zh, en }) => {
            txn.rollback().await?;
            Err(AppError::ConflictWith {
                zh,
                en,
                current: Box::new(current_json(db, id).await),
            })
        }
        Err(e) => Err(e),
    }
}

fn refused(r: Refusal) -> AppError {
    AppError::conflict(r.zh, r.en)
}

async fn act_in(
    txn: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
    input: ActionInput,
    now: DateTime<Utc>,
) -> AppResult<cases::Model> {
    crate::db::lock_row(txn, "cases", id).await?;
    let row = find_visible::<cases::Entity>(txn, &who.scope, id).await?;
    let mut errors = Vec::new();
    let action = match input
        .action
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            errors.push(FieldError::required("action", "操作", "Action"));
            None
        }
        Some(a) => match CaseAction::parse(a) {
            Some(x) => Some(x),
            None => {
                errors.push(FieldError::new(
                    "action",
                    "unknown",
                    format!("未知操作“{a}”"),
                    format!("unknown action '{a}'"),
                ));
                None
            }
        },
    };
    let Some(version) = input.version else {
        errors.push(FieldError::required("version", "版本号", "Version"));
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if version != row.version {
        return Err(AppError::conflict(
            format!(
                "事项已被他人更新（当前版本 {}，您提交的是 {version}），请刷新后重试",
                row.version
            ),
            format!(
                "the case has changed since you loaded it (now version {}, you sent {version}); reload and retry",
                row.version
            ),
        ));
    }
    let kind = case_kinds::Entity::find_by_id(row.kind_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal("case kind missing"))?;
    let state = state_of(txn, row).await?;
    let Some(action) = action else {
        return Err(AppError::Validation(errors));
    };
    let cal = Calendar::load(txn).await?;
    let note = crate::text::clean(input.note.clone());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::invalid(FieldError::new(
            "note",
            "length",
            "备注不能超过 2000 个字",
            "note must be at most 2000 characters",
        )));
    }
    let need_note = |errors: &mut Vec<FieldError>, zh: &str, en: &str| {
        if note.is_none() {
            errors.push(FieldError::new("note", "required", zh, en));
        }
    };
    let event = match action {
        CaseAction::Dispatch => {
            who.require(perm::CASE_DISPATCH)?;
            check_deadline_inputs(&mut errors, &input, now);
            let lead = match input.lead_unit_id {
                None => {
                    errors.push(FieldError::required(
                        "lead_unit_id",
                        "牵头单位",
                        "Lead department",
                    ));
                    0
                }
                Some(u) => {
                    if unit_exists(txn, u).await?.is_none() {
                        errors.push(FieldError::new(
                            "lead_unit_id",
                            "unknown",
                            "牵头单位不存在",
                            "no such lead department",
                        ));
                    }
                    u
                }
            };
            let mut assists = input.assist_unit_ids.clone().unwrap_or_default();
            assists.sort_unstable();
            assists.dedup();
            if assists.len() > 20 {
                errors.push(FieldError::new(
                    "assist_unit_ids",
                    "length",
                    "协办单位最多 20 个",
                    "at most 20 assisting departments",
                ));
            }
            for u in &assists {
                if unit_exists(txn, *u).await?.is_none() {
                    errors.push(FieldError::new(
                        "assist_unit_ids",
                        "unknown",
                        format!("协办单位 {u} 不存在"),
                        format!("no such assisting department: {u}"),
                    ));
                }
            }
            if let Some(p) = input.responsible_person_id
                && people::Entity::find_by_id(p).one(txn).await?.is_none()
            {
                errors.push(FieldError::new(
                    "responsible_person_id",
                    "unknown",
                    "责任人不存在",
                    "no such person",
                ));
            }
            let lead_task = optional_text(
                &mut errors,
                "lead_task",
                input.lead_task.clone(),
                500,
                "牵头任务",
                "Lead task",
            );
            let assist_task = optional_text(
                &mut errors,
                "assist_task",
                input.assist_task.clone(),
                500,
                "协办任务",
                "Assisting task",
            );
            let mut assist_tasks: Vec<engine::UnitTask> = Vec::new();
            for (k, text) in input.assist_tasks.clone().unwrap_or_default() {
                let Some(u) = k.trim().parse::<i64>().ok().filter(|u| assists.contains(u)) else {
                    errors.push(FieldError::new(
                        "assist_tasks",
                        "unknown",
                        format!("“{k}”不是本次交办的协办单位"),
                        format!("'{k}' is not one of the assisting departments of this dispatch"),
                    ));
                    // One refusal names the problem; a body of many keys is not answered key by key.
                    break;
                };
                if let Some(t) = optional_text(
                    &mut errors,
                    "assist_tasks",
                    Some(text),
                    500,
                    "协办任务",
                    "Assisting task",
                ) {
                    assist_tasks.push(engine::UnitTask {
                        unit_id: u,
                        task: t,
                    });
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let urgent = state.case.priority == "urgent";
            let category_days = match state.case.category_id {
                Some(cid) => case_categories::Entity::find_by_id(cid)
                    .one(txn)
                    .await?
                    .and_then(|c| c.working_days),
                None => None,
            };
            let deadline = deadline_from(&input, &cal, now).unwrap_or_else(|| {
                if urgent {
                    now + Duration::hours(kind.urgent_hours.into())
                } else {
                    cal.deadline_after(
                        now,
                        category_days.unwrap_or(kind.working_days).max(0) as u32,
                    )
                }
            });
            let response_deadline = if urgent {
                now + Duration::hours(kind.urgent_response_hours.into())
            } else {
                cal.deadline_after(now, kind.response_working_days.max(0) as u32)
            }
            .min(deadline);
            Event::Dispatch {
                lead_unit_id: lead,
                assist_unit_ids: assists,
                lead_task,
                assist_task,
                assist_tasks,
                responsible_person_id: input.responsible_person_id,
                deadline,
                response_deadline,
            }
        }
        CaseAction::Accept => {
            who.require(perm::CASE_HANDLE)?;
            Event::Accept {
                unit_id: acting_unit(txn, who, &state, input.unit_id).await?,
            }
        }
        CaseAction::Reply => {
            need_note(&mut errors, "请填写答复内容", "a reply needs a note");
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let unit_id = if who.can(perm::CASE_HANDLE) {
                acting_unit(txn, who, &state, input.unit_id).await.ok()
            } else {
                None
            };
            Event::Reply {
                unit_id,
                text: note.clone().unwrap_or_default(),
            }
        }
        CaseAction::Resolve => {
            who.require(perm::CASE_HANDLE)?;
            let solution = required_text(
                &mut errors,
                "solution",
                input.solution.clone(),
                5000,
                "办理结果",
                "Solution",
            );
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let unit_id = acting_unit(txn, who, &state, input.unit_id).await?;
            let lead = state
                .assignments
                .iter()
                .any(|a| a.unit_id == unit_id && a.is_lead());
            Event::Resolve {
                unit_id,
                solution,
                lead,
                zero_trip: input.zero_trip.unwrap_or(false),
            }
        }
        CaseAction::Revisit => {
            who.require(perm::CASE_REVISIT)?;
            engine::may(&state, who, kind.needs_verification, action, None).map_err(refused)?;
            let satisfaction = parse_code(
                &mut errors,
                "satisfaction",
                input.satisfaction.as_deref(),
                SATISFACTIONS,
                "满意度",
                "Satisfaction",
            );
            if input.satisfaction.is_none() {
                errors.push(FieldError::required(
                    "satisfaction",
                    "满意度",
                    "Satisfaction",
                ));
            }
            if input.solved.is_none() {
                errors.push(FieldError::required("solved", "是否解决", "Solved"));
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let satisfaction = satisfaction
                .as_deref()
                .and_then(engine::Satisfaction::parse)
                .unwrap_or(engine::Satisfaction::Unsatisfied);
            let solved = input.solved.unwrap_or(false);
            let reopened = satisfaction == engine::Satisfaction::Unsatisfied || !solved;
            Event::Revisit {
                satisfaction,
                solved,
                reopened,
                deadline: reopened
                    .then(|| cal.deadline_after(now, kind.working_days.max(1) as u32)),
            }
        }
        CaseAction::Close => {
            who.require(perm::CASE_CLOSE)?;
            Event::Close
        }
        CaseAction::LinkEnterprise => {
            who.require(perm::CASE_DISPATCH)?;
            let Some(eid) = input.enterprise_id else {
                return Err(AppError::invalid(FieldError::required(
                    "enterprise_id",
                    "企业",
                    "The enterprise",
                )));
            };
            let e = match crate::paging::find_where::<enterprises::Entity>(
                txn,
                who.scope.enterprises_with_dependents(),
                eid,
            )
            .await
            {
                Ok(e) => e,
                Err(AppError::NotFound) => {
                    return Err(AppError::invalid(FieldError::new(
                        "enterprise_id",
                        "unknown",
                        "企业不存在或不在您的数据权限范围内",
                        "no such enterprise within your data scope",
                    )));
                }
                Err(e) => return Err(e),
            };
            Event::LinkEnterprise {
                enterprise_id: e.id,
                unit_id: e.unit_id,
            }
        }
        CaseAction::Reopen => {
            who.require(perm::CASE_ESCALATE)?;
            need_note(
                &mut errors,
                "请说明重办原因",
                "say why the case is reopened",
            );
            check_deadline_inputs(&mut errors, &input, now);
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            Event::Reopen {
                deadline: deadline_from(&input, &cal, now)
                    .unwrap_or_else(|| cal.deadline_after(now, kind.working_days.max(1) as u32)),
            }
        }
        CaseAction::Escalate => {
            who.require(perm::CASE_ESCALATE)?;
            need_note(&mut errors, "请填写督办意见", "an escalation needs a note");
            check_deadline_inputs(&mut errors, &input, now);
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            // Up the unit tree: the lead department's parent, then the parent's parent...
            let from = state.case.escalated_unit_id.or(state.case.lead_unit_id);
            let to_unit_id = match from {
                Some(u) => match unit_exists(txn, u).await? {
                    Some(unit) => unit.parent_id.or(Some(unit.id)),
                    None => None,
                },
                None => None,
            };
            Event::Escalate {
                to_unit_id,
                deadline: deadline_from(&input, &cal, now),
            }
        }
        CaseAction::Extend => {
            who.require(perm::CASE_HANDLE)?;
            need_note(&mut errors, "请说明延期理由", "say why more time is needed");
            check_deadline_inputs(&mut errors, &input, now);
            if input.deadline.is_none() && input.working_days.is_none() && input.hours.is_none() {
                errors.push(FieldError::required(
                    "deadline",
                    "延期后的期限",
                    "The new deadline",
                ));
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let unit_id = acting_unit(txn, who, &state, input.unit_id).await?;
            engine::may(&state, who, kind.needs_verification, action, Some(unit_id))
                .map_err(refused)?;
            let base = state.case.deadline.unwrap_or(now).max(now);
            Event::Extend {
                deadline: deadline_from(&input, &cal, base).unwrap_or(base),
            }
        }
        CaseAction::ApproveExtension => {
            who.require(perm::CASE_APPROVE)?;
            let Some(approved) = input.approve else {
                return Err(AppError::invalid(FieldError::required(
                    "approve",
                    "审批意见",
                    "Decision",
                )));
            };
            Event::ApproveExtension {
                approved,
                deadline: None,
            }
        }
        CaseAction::Reject => {
            who.require(perm::CASE_DISPATCH)?;
            need_note(
                &mut errors,
                "请说明不予受理的理由",
                "say why the case is not accepted",
            );
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            Event::Reject
        }
        CaseAction::Merge => {
            who.require(perm::CASE_DISPATCH)?;
            let Some(into) = input.into_case_id else {
                return Err(AppError::invalid(FieldError::required(
                    "into_case_id",
                    "合并到的事项",
                    "The case to merge into",
                )));
            };
            let not_open = || {
                AppError::invalid(FieldError::new(
                    "into_case_id",
                    "unknown",
                    "要合并到的事项不存在、不在您的数据权限范围内或已经结束",
                    "no open case to merge into with that id within your data scope",
                ))
            };
            if into == id {
                return Err(AppError::invalid(FieldError::new(
                    "into_case_id",
                    "self",
                    "事项不能合并到自身",
                    "a case cannot be merged into itself",
                )));
            }
            crate::db::lock_row(txn, "cases", into).await?;
            let target = match find_visible::<cases::Entity>(txn, &who.scope, into).await {
                Ok(t) => t,
                Err(AppError::NotFound) => return Err(not_open()),
                Err(e) => return Err(e),
            };
            if !matches!(
                engine::Status::of(&target),
                engine::Status::New | engine::Status::Dispatched | engine::Status::InProgress
            ) {
                return Err(not_open());
            }
            let merged = append(
                txn,
                who,
                &state,
                Event::Merge {
                    into_case_id: target.id,
                    into_number: target.number.clone(),
                    enterprise_id: target.enterprise_id,
                    subject_unit_id: target.subject_unit_id,
                },
                note,
                now,
            )
            .await?;
            // The case it joined says so in its own timeline.
            let text = format!("合并了重复事项 {}：{}", merged.number, merged.title);
            let target_state = state_of(txn, target).await?;
            append(
                txn,
                who,
                &target_state,
                Event::Record { text: text.clone() },
                Some(text),
                now,
            )
            .await?;
            return Ok(merged);
        }
        CaseAction::Return => {
            who.require(perm::CASE_HANDLE)?;
            need_note(
                &mut errors,
                "请说明退回理由",
                "say why the case is returned",
            );
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            Event::Return {
                unit_id: acting_unit(txn, who, &state, input.unit_id).await?,
                lead: false,
            }
        }
    };
    append(txn, who, &state, event, note, now).await
}

/// The one way an event joins a case after its creation: the engine decides, the state moves,
/// the projection is saved, the event is appended and the change audited, in the caller's
/// transaction.
async fn append(
    txn: &impl ConnectionTrait,
    who: &Principal,
    state: &CaseState,
    event: Event,
    note: Option<String>,
    at: DateTime<Utc>,
) -> AppResult<cases::Model> {
    let event = engine::decide(state, event).map_err(refused)?;
    let mut next = state.clone();
    next.apply(at, &event);
    save(txn, state, &next).await?;
    let id = next.case.id;
    append_event(txn, who, id, next.case.version, at, &event, note).await?;
    let act = event.action();
    let label = crate::ACTIONS.iter().find(|a| a.0 == act);
    audit::record_event(
        txn,
        who,
        Action::Update,
        "case",
        Some(id),
        format!("{} {act}", next.case.number),
        audit::Event::new(
            "case.act",
            serde_json::json!({
                "number": next.case.number,
                "title": next.case.title,
                "action": audit::both(
                    label.map_or(act, |l| l.1),
                    label.map_or(act, |l| l.2).to_lowercase(),
                ),
            }),
        ),
    )
    .await?;
    Ok(next.case)
}

/// The department the caller acts for: the one named (which the caller must belong to or
/// have in scope), else the caller's own; an administrator defaults to the lead.
async fn acting_unit(
    db: &impl ConnectionTrait,
    who: &Principal,
    state: &CaseState,
    requested: Option<i64>,
) -> AppResult<i64> {
    let unit = match requested.or(who.unit_id) {
        Some(u) => u,
        None if who.can(perm::ALL) => state
            .assignments
            .iter()
            .find(|a| a.is_lead())
            .map(|a| a.unit_id)
            .ok_or_else(|| {
                AppError::conflict("事项尚未交办", "the case has not been dispatched")
            })?,
        None => {
            return Err(AppError::conflict(
                "您的账号没有所属单位，不能代表单位办理",
                "your account belongs to no unit, so it cannot act for a department",
            ));
        }
    };
    let may = who.can(perm::ALL)
        || who.unit_id == Some(unit)
        || find_visible::<units::Entity>(db, &who.scope, unit)
            .await
            .is_ok();
    if !may {
        return Err(AppError::Forbidden);
    }
    if !state.assignments.iter().any(|a| a.unit_id == unit) {
        return Err(AppError::conflict(
            "您的单位不是本事项的承办或协办单位",
            "your department is neither the lead nor an assisting department of this case",
        ));
    }
    Ok(unit)
}

/// The narrow row metrics scan, derived from the case row.
fn facts(c: &cases::Model) -> case_facts::Model {
    use chrono::Datelike;
    let open = engine::Status::of(c).is_open();
    let local = c.created_at.with_timezone(&Shanghai);
    let flag = |b: bool| i16::from(b);
    case_facts::Model {
        case_id: c.id,
        kind_id: c.kind_id,
        lead_unit_id: c.lead_unit_id,
        subject_unit_id: c.subject_unit_id,
        responsible_person_id: c.responsible_person_id,
        received: c.created_at.timestamp(),
        month: local.year() * 100 + local.month() as i32,
        open_deadline: c.deadline.filter(|_| open).map(|d| d.timestamp()),
        unaccepted_response_deadline: c
            .response_deadline
            .filter(|_| open && c.accepted_at.is_none())
            .map(|d| d.timestamp()),
        dispatched: flag(c.dispatched_at.is_some() || c.return_count > 0),
        responded_on_time: c.responded_on_time.map(flag),
        resolved_on_time: c.resolved_on_time.map(flag),
        resolved_ever: flag(c.first_resolved_at.is_some()),
        revisited: flag(c.revisit_count > 0),
        satisfied: flag(
            c.revisit_count > 0
                && c.satisfaction
                    .as_deref()
                    .and_then(engine::Satisfaction::parse)
                    .is_some_and(|s| {
                        matches!(
                            s,
                            engine::Satisfaction::Satisfied
                                | engine::Satisfaction::BasicallySatisfied
                        )
                    }),
        ),
        reopened: flag(c.reopen_count > 0),
        returned: flag(c.return_count > 0),
        handling_secs: c.handling_secs,
    }
}

/// The counters of `case_tallies`, in this order.
const TALLIES: [(case_tallies::Column, &str); 13] = [
    (case_tallies::Column::Received, "received"),
    (case_tallies::Column::Dispatched, "dispatched"),
    (case_tallies::Column::RespondedOnTime, "responded_on_time"),
    (case_tallies::Column::Responded, "responded"),
    (case_tallies::Column::ResolvedOnTime, "resolved_on_time"),
    (case_tallies::Column::ResolvedJudged, "resolved_judged"),
    (case_tallies::Column::ResolvedEver, "resolved_ever"),
    (case_tallies::Column::Revisited, "revisited"),
    (case_tallies::Column::Satisfied, "satisfied"),
    (case_tallies::Column::Reopened, "reopened"),
    (case_tallies::Column::Returned, "returned"),
    (case_tallies::Column::Handled, "handled"),
    (case_tallies::Column::HandlingSecsSum, "handling_secs_sum"),
];

/// The counters of `case_day_tallies`, in the same order.
const DAY_TALLIES: [(case_day_tallies::Column, &str); 13] = [
    (case_day_tallies::Column::Received, "received"),
    (case_day_tallies::Column::Dispatched, "dispatched"),
    (
        case_day_tallies::Column::RespondedOnTime,
        "responded_on_time",
    ),
    (case_day_tallies::Column::Responded, "responded"),
    (case_day_tallies::Column::ResolvedOnTime, "resolved_on_time"),
    (case_day_tallies::Column::ResolvedJudged, "resolved_judged"),
    (case_day_tallies::Column::ResolvedEver, "resolved_ever"),
    (case_day_tallies::Column::Revisited, "revisited"),
    (case_day_tallies::Column::Satisfied, "satisfied"),
    (case_day_tallies::Column::Reopened, "reopened"),
    (case_day_tallies::Column::Returned, "returned"),
    (case_day_tallies::Column::Handled, "handled"),
    (
        case_day_tallies::Column::HandlingSecsSum,
        "handling_secs_sum",
    ),
];

/// What one case adds to the counters of its groups.
fn contribution(f: &case_facts::Model) -> [i64; 13] {
    let b = |v: i16| i64::from(v);
    [
        1,
        b(f.dispatched),
        b(f.responded_on_time.unwrap_or(0)),
        i64::from(f.responded_on_time.is_some()),
        b(f.resolved_on_time.unwrap_or(0)),
        i64::from(f.resolved_on_time.is_some()),
        b(f.resolved_ever),
        b(f.revisited),
        b(f.satisfied),
        b(f.reopened),
        b(f.returned),
        i64::from(f.handling_secs.is_some()),
        f.handling_secs.unwrap_or(0),
    ]
}

/// The groups a case counts in: (dimension, key), -1 for none. Dimensions follow
/// `metrics::GroupBy::dimension`.
fn groups(f: &case_facts::Model) -> [(i16, i64); 5] {
    [
        (0, f.lead_unit_id.unwrap_or(-1)),
        (1, f.subject_unit_id.unwrap_or(-1)),
        (2, f.kind_id),
        (3, f.responsible_person_id.unwrap_or(-1)),
        (4, i64::from(f.month)),
    ]
}

/// Rewrites the case's facts row and moves its contribution between the running totals.
/// Totals are updated in (dimension, key) order, so concurrent writers never deadlock.
async fn write_facts(db: &impl ConnectionTrait, c: &cases::Model) -> AppResult<()> {
    use sea_orm::sea_query::OnConflict;
    let new = facts(c);
    let old = case_facts::Entity::find_by_id(c.id).one(db).await?;
    if old.as_ref() == Some(&new) {
        return Ok(());
    }
    let mut changes: std::collections::BTreeMap<(i16, i64), [i64; 13]> = Default::default();
    if let Some(o) = &old {
        let sub = contribution(o);
        for g in groups(o) {
            let e = changes.entry(g).or_insert([0; 13]);
            for (x, v) in e.iter_mut().zip(sub) {
                *x -= v;
            }
        }
    }
    let add = contribution(&new);
    for g in groups(&new) {
        let e = changes.entry(g).or_insert([0; 13]);
        for (x, v) in e.iter_mut().zip(add) {
            *x += v;
        }
    }
    // The same moves per day received and kind (a case's day and kind never change, but the
    // old row may be missing).
    let mut day_changes: std::collections::BTreeMap<(i16, i32, i64, i64), [i64; 13]> =
        Default::default();
    for (f, sign) in old.iter().map(|o| (o, -1)).chain([(&new, 1)]) {
        let day = crate::metrics::day_of(f.received);
        let c = contribution(f);
        for (dimension, key) in groups(f) {
            let e = day_changes
                .entry((dimension, day, f.kind_id, key))
                .or_insert([0; 13]);
            for (x, v) in e.iter_mut().zip(c) {
                *x += sign * v;
            }
        }
    }
    let mut am: case_facts::ActiveModel = new.into();
    am = am.reset_all();
    let mut upsert = OnConflict::column(case_facts::Column::CaseId);
    upsert.update_columns([
        case_facts::Column::KindId,
        case_facts::Column::LeadUnitId,
        case_facts::Column::SubjectUnitId,
        case_facts::Column::ResponsiblePersonId,
        case_facts::Column::Received,
        case_facts::Column::Month,
        case_facts::Column::OpenDeadline,
        case_facts::Column::UnacceptedResponseDeadline,
        case_facts::Column::Dispatched,
        case_facts::Column::RespondedOnTime,
        case_facts::Column::ResolvedOnTime,
        case_facts::Column::ResolvedEver,
        case_facts::Column::Revisited,
        case_facts::Column::Satisfied,
        case_facts::Column::Reopened,
        case_facts::Column::Returned,
        case_facts::Column::HandlingSecs,
    ]);
    case_facts::Entity::insert(am)
        .on_conflict(upsert)
        .exec_without_returning(db)
        .await?;
    for ((dimension, key), delta) in changes {
        if delta.iter().all(|d| *d == 0) {
            continue;
        }
        let mut row = case_tallies::ActiveModel {
            dimension: Set(dimension),
            key: Set(key),
            ..Default::default()
        };
        let mut on =
            OnConflict::columns([case_tallies::Column::Dimension, case_tallies::Column::Key]);
        for ((col, name), d) in TALLIES.iter().zip(delta) {
            sea_orm::ActiveModelTrait::set(&mut row, *col, d.into());
            on.value(
                *col,
                Expr::cust(format!("case_tallies.{name} + excluded.{name}")),
            );
        }
        case_tallies::Entity::insert(row)
            .on_conflict(on)
            .exec_without_returning(db)
            .await?;
    }
    for ((dimension, day, kind_id, key), delta) in day_changes {
        if delta.iter().all(|d| *d == 0) {
            continue;
        }
        let mut row = case_day_tallies::ActiveModel {
            dimension: Set(dimension),
            day: Set(day),
            kind_id: Set(kind_id),
            key: Set(key),
            ..Default::default()
        };
        let mut on = OnConflict::columns([
            case_day_tallies::Column::Dimension,
            case_day_tallies::Column::Day,
            case_day_tallies::Column::KindId,
            case_day_tallies::Column::Key,
        ]);
        for ((col, name), d) in DAY_TALLIES.iter().zip(delta) {
            sea_orm::ActiveModelTrait::set(&mut row, *col, d.into());
            on.value(
                *col,
                Expr::cust(format!("case_day_tallies.{name} + excluded.{name}")),
            );
        }
        case_day_tallies::Entity::insert(row)
            .on_conflict(on)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Writes the new projection; the version check makes a concurrent writer's update a 409.
async fn save(db: &impl ConnectionTrait, before: &CaseState, after: &CaseState) -> AppResult<()> {
    let mut am = after.case.clone().into_active_model().reset_all();
    am.id = sea_orm::ActiveValue::Unchanged(after.case.id);
    let res = cases::Entity::update_many()
        .set(am)
        .filter(cases::Column::Id.eq(after.case.id))
        .filter(cases::Column::Version.eq(before.case.version))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::conflict(
            "事项已被他人更新，请刷新后重试",
            "the case has changed meanwhile; reload and retry",
        ));
    }
    write_facts(db, &after.case).await?;
    if before.assignments != after.assignments {
        case_assignments::Entity::delete_many()
            .filter(case_assignments::Column::CaseId.eq(after.case.id))
            .exec(db)
            .await?;
        for a in &after.assignments {
            case_assignments::ActiveModel {
                case_id: Set(after.case.id),
                unit_id: Set(a.unit_id),
                role: Set(a.role.code().to_owned()),
                task: Set(a.task.clone()),
                status: Set(a.status.code().to_owned()),
                assigned_at: Set(a.assigned_at),
                accepted_at: Set(a.accepted_at),
                resolved_at: Set(a.resolved_at),
                reply: Set(a.reply.clone()),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    // The units that see the case, when the units it concerns change.
    let units = |s: &CaseState| {
        let c = &s.case;
        let mut v: Vec<i64> = [c.subject_unit_id, c.lead_unit_id, c.escalated_unit_id]
            .into_iter()
            .flatten()
            .chain(s.assignments.iter().map(|a| a.unit_id))
            .collect();
        v.sort_unstable();
        v.dedup();
        (c.enterprise_id, v)
    };
    if units(before) != units(after) {
        crate::sight::refresh(db, after.case.id).await?;
    }
    Ok(())
}

/// The timeline of a case replayed from its events (for checks and repairs).
pub async fn replayed(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<CaseState>> {
    let events = case_events::Entity::find()
        .filter(case_events::Column::CaseId.eq(id))
        .order_by_asc(case_events::Column::Seq)
        .all(db)
        .await?;
    let mut log = Vec::with_capacity(events.len());
    for e in events {
        let ev: Event = serde_json::from_str(&e.data).map_err(AppError::internal)?;
        log.push((e.at, ev));
    }
    Ok(engine::replay(id, &log))
}

/// The stored projection of a case (row and assignments), to compare with `replayed`.
pub async fn stored(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<CaseState>> {
    match cases::Entity::find_by_id(id).one(db).await? {
        Some(case) => Ok(Some(state_of(db, case).await?)),
        None => Ok(None),
    }
}

/// A case row with its departments' assignments: the state the engine decides on.
async fn state_of(db: &impl ConnectionTrait, case: cases::Model) -> AppResult<CaseState> {
    let assignments = assignments_of(db, &[case.id])
        .await?
        .remove(&case.id)
        .unwrap_or_default();
    Ok(CaseState { case, assignments })
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Adds a further report to a case's timeline (the system that raised it saw the matter
/// again), inside the caller's transaction: one `record` event, audited with it.
pub async fn record(
    txn: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
    text: String,
    at: DateTime<Utc>,
) -> AppResult<cases::Model> {
    crate::db::lock_row(txn, "cases", id).await?;
    let row = find_visible::<cases::Entity>(txn, &who.scope, id).await?;
    let state = state_of(txn, row).await?;
    append(
        txn,
        who,
        &state,
        Event::Record { text: text.clone() },
        Some(text),
        at,
    )
    .await
}

/// Adds files to a case: one `attach` event naming them, under the same version check as any
/// action. Anyone who sees the case may add evidence.
pub async fn attach<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    version: Option<i32>,
    note: Option<String>,
    uploads: Vec<super::attachments::Upload>,
    at: DateTime<Utc>,
) -> AppResult<cases::Model> {
    who.require(perm::CASE_LIST)?;
    super::attachments::validate(&uploads)?;
    let note = crate::text::clean(note);
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let result = async {
        crate::db::lock_row(&txn, "cases", id).await?;
        let row = find_visible::<cases::Entity>(&txn, &who.scope, id).await?;
        let Some(version) = version else {
            return Err(AppError::invalid(FieldError::required(
                "version",
                "版本号",
                "Version",
            )));
        };
        if version != row.version {
            return Err(AppError::conflict(
                format!("事项已被他人更新（当前版本 {}），请刷新后重试", row.version),
                format!(
                    "the case has changed (now version {}); reload and retry",
                    row.version
                ),
            ));
        }
        let state = state_of(&txn, row).await?;
        let mut ids = Vec::new();
        let mut names = Vec::new();
        for u in &uploads {
            let a = super::attachments::store(&txn, who, Some(id), None, u, at).await?;
            ids.push(a.id);
            names.push(a.filename);
        }
        let event = Event::Attach {
            attachment_ids: ids,
            names,
        };
        append(&txn, who, &state, event, note, at).await
    }
    .await;
    match result {
        Ok(row) => {
            txn.commit().await?;
            Ok(row)
        }
        Err(AppError::Conflict { zh, en }) => {
            txn.rollback().await?;
            Err(AppError::ConflictWith {
                zh,
                en,
                current: Box::new(current_json(db, id).await),
            })
        }
        Err(e) => Err(e),
    }
}
