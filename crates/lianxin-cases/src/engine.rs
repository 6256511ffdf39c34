//! The state machine of a case, free of IO. `decide` checks a command against the current
//! state and answers the event to append (or the reason it is refused, in both languages);
//! `apply` folds an event into the state. The stored case row is exactly
//! `replay(events)`: the timeline is the source of truth.
//!
//! `allowed` answers which actions a caller may take on a case as it stands, from the same
//! rules (`decide`, and `may` for the rules about who): the case view carries it
//! (`allowed_actions`) and the page shows exactly those forms, so an API client and the page
//! never disagree, and neither offers what `act` would refuse.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::entities::cases;
use crate::perm;

/// Declares a closed set of codes as an enum: serialised as its code, with `code`, `parse` and
/// `ALL`, so the states and roles the engine reasons about are never compared as strings.
macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }
            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

codes!(
    /// What a person can do to a case through `act` (creation, files and the system's further
    /// reports have their own doors).
    Action {
        Dispatch = "dispatch",
        Accept = "accept",
        Reply = "reply",
        Resolve = "resolve",
        Revisit = "revisit",
        Close = "close",
        Reopen = "reopen",
        Escalate = "escalate",
        Extend = "extend",
        ApproveExtension = "approve_extension",
        Return = "return",
        /// An appeal filed for an enterprise not in the registry (Open311) is linked to the
        /// registered enterprise before it can be dispatched.
        LinkEnterprise = "link_enterprise",
        /// 不予受理: a new case refused with its reason, ending it.
        Reject = "reject",
        /// 合并重复: a new case merged into an open case as its duplicate, ending it.
        Merge = "merge",
    }
);

impl Action {
    /// The permission the action takes (replying takes only seeing the case).
    pub fn permission(self) -> &'static str {
        match self {
            Action::Dispatch | Action::LinkEnterprise | Action::Reject | Action::Merge => {
                perm::CASE_DISPATCH
            }
            Action::Accept | Action::Resolve | Action::Extend | Action::Return => perm::CASE_HANDLE,
            Action::Reply => perm::CASE_LIST,
            Action::Revisit => perm::CASE_REVISIT,
            Action::Close => perm::CASE_CLOSE,
            Action::Reopen | Action::Escalate => perm::CASE_ESCALATE,
            Action::ApproveExtension => perm::CASE_APPROVE,
        }
    }

    /// Whether the action is taken for one of the case's departments (`unit_id`).
    pub fn for_a_department(self) -> bool {
        matches!(
            self,
            Action::Accept | Action::Resolve | Action::Extend | Action::Return
        )
    }
}

/// The departments of the case the caller acts for by default: their own unit when it is
/// assigned; an administrator without an assignment of their own, any assigned unit.
pub fn acting_units(state: &CaseState, who: &Principal) -> Vec<i64> {
    let own: Vec<i64> = state
        .assignments
        .iter()
        .map(|a| a.unit_id)
        .filter(|u| who.unit_id == Some(*u))
        .collect();
    if own.is_empty() && who.can(perm::ALL) {
        state.assignments.iter().map(|a| a.unit_id).collect()
    } else {
        own
    }
}

/// The rules about who may take an action, beyond permissions and the state: a kind that
/// needs verification is revisited by the inspecting group; a department never revisits a
/// case it handled; only the lead department asks for more time.
pub fn may(
    state: &CaseState,
    who: &Principal,
    needs_verification: bool,
    action: Action,
    unit_id: Option<i64>,
) -> Result<(), Refusal> {
    match action {
        Action::Revisit => {
            if needs_verification && !who.can(perm::INSPECTION_ADD) {
                return Err(refuse(
                    "此类事项须由督查组核验整改情况",
                    "cases of this kind are verified by the inspecting group",
                ));
            }
            if let Some(u) = who.unit_id
                && !who.can(perm::ALL)
                && state.assignments.iter().any(|a| a.unit_id == u)
            {
                return Err(refuse(
                    "承办单位不能回访自己办理的事项",
                    "a department cannot revisit a case it handled",
                ));
            }
        }
        Action::Extend => {
            let lead = unit_id.is_some_and(|u| {
                state
                    .assignments
                    .iter()
                    .any(|a| a.unit_id == u && a.is_lead())
            });
            if !lead {
                return Err(refuse(
                    "只有牵头单位可以申请延期",
                    "only the lead department can ask for more time",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Why `who` cannot take `action` now (`allowed` is what `allowed` answered for them), when
/// they hold its permission and the rules about who
/// allow it for one of their departments, but the case's state refuses it (the lead's
/// resolution while an assisting part is open): the reason the page shows in the form's place.
pub fn why_not(
    state: &CaseState,
    who: &Principal,
    needs_verification: bool,
    allowed: &[Action],
    action: Action,
) -> Option<Refusal> {
    if !who.can(action.permission()) || allowed.contains(&action) {
        return None;
    }
    let units: Vec<Option<i64>> = if action.for_a_department() {
        acting_units(state, who).into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    let far = Utc::now() + Duration::days(3650);
    if !Status::of(&state.case).is_open() {
        return None; // nothing to explain about a case that is not being worked on
    }
    units.into_iter().find_map(|unit| {
        may(state, who, needs_verification, action, unit).ok()?;
        // Only a part that has been accepted and is not yet done expects the form.
        if unit.is_some_and(|u| {
            !state
                .assignments
                .iter()
                .any(|a| a.unit_id == u && a.status == Progress::Accepted)
        }) {
            return None;
        }
        let event = match (action, unit) {
            (Action::Resolve, Some(u)) => Event::Resolve {
                unit_id: u,
                solution: String::new(),
                lead: state
                    .assignments
                    .iter()
                    .any(|a| a.unit_id == u && a.is_lead()),
                zero_trip: false,
            },
            (Action::Extend, Some(_)) => Event::Extend { deadline: far },
            _ => return None,
        };
        decide(state, event).err()
    })
}

/// The actions `who` may take on the case now: permitted, allowed by `may` for the caller
/// (and, for a department's action, for one of the departments they act for), and accepted
/// by `decide` in this state.
pub fn allowed(state: &CaseState, who: &Principal, needs_verification: bool) -> Vec<Action> {
    let units = acting_units(state, who);
    let far = Utc::now() + Duration::days(3650);
    let probe = |action: Action, unit: Option<i64>| -> Option<Event> {
        Some(match action {
            Action::Dispatch => Event::Dispatch {
                lead_unit_id: -1,
                assist_unit_ids: Vec::new(),
                lead_task: None,
                assist_task: None,
                assist_tasks: Default::default(),
                responsible_person_id: None,
                deadline: far,
                response_deadline: far,
            },
            Action::Accept => Event::Accept { unit_id: unit? },
            Action::Reply => Event::Reply {
                unit_id: unit,
                text: String::new(),
            },
            Action::Resolve => {
                let u = unit?;
                Event::Resolve {
                    unit_id: u,
                    solution: String::new(),
                    lead: state
                        .assignments
                        .iter()
                        .any(|a| a.unit_id == u && a.is_lead()),
                    zero_trip: false,
                }
            }
            Action::Revisit => Event::Revisit {
                satisfaction: Satisfaction::Satisfied,
                solved: true,
                reopened: false,
                deadline: None,
            },
            Action::Close => Event::Close,
            Action::LinkEnterprise => Event::LinkEnterprise {
                enterprise_id: -1,
                unit_id: -1,
            },
            Action::Reopen => Event::Reopen { deadline: far },
            Action::Escalate => Event::Escalate {
                to_unit_id: None,
                deadline: None,
            },
            Action::Extend => Event::Extend { deadline: far },
            Action::ApproveExtension => Event::ApproveExtension {
                approved: true,
                deadline: None,
            },
            Action::Return => Event::Return {
                unit_id: unit?,
                lead: false,
            },
            Action::Reject => Event::Reject,
            Action::Merge => Event::Merge {
                into_case_id: -1,
                into_number: String::new(),
                enterprise_id: None,
                subject_unit_id: None,
            },
        })
    };
    let ok = |action: Action, unit: Option<i64>| {
        may(state, who, needs_verification, action, unit).is_ok()
            && probe(action, unit).is_some_and(|e| decide(state, e).is_ok())
    };
    Action::ALL
        .iter()
        .copied()
        .filter(|a| who.can(a.permission()))
        .filter(|a| {
            if a.for_a_department() {
                units.iter().any(|u| ok(*a, Some(*u)))
            } else {
                ok(*a, None)
            }
        })
        .collect()
}

codes!(
    /// Where a case stands (the status column holds its code).
    Status {
        New = "new",
        Dispatched = "dispatched",
        InProgress = "in_progress",
        Resolved = "resolved",
        Revisited = "revisited",
        Closed = "closed",
        /// 不予受理: refused before dispatch, with its reason.
        Rejected = "rejected",
        /// 已合并: a duplicate merged into another case before dispatch.
        Merged = "merged",
    }
);

impl Status {
    /// Of a stored case (an unknown code reads as new: it cannot be acted on but to dispatch).
    pub fn of(case: &cases::Model) -> Status {
        Status::parse(&case.status).unwrap_or(Status::New)
    }
    /// Still being worked on (a past deadline makes it overdue).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Dispatched | Status::InProgress)
    }
}

codes!(
    /// A department's part in a case.
    Role {
        Lead = "lead",
        Assist = "assist",
    }
);

codes!(
    /// How far a department's part has come.
    Progress {
        /// 待签收
        Pending = "pending",
        /// 办理中
        Accepted = "accepted",
        /// 已办结
        Resolved = "resolved",
    }
);

codes!(
    /// What the enterprise said at the revisit.
    Satisfaction {
        Satisfied = "satisfied",
        BasicallySatisfied = "basically_satisfied",
        Unsatisfied = "unsatisfied",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    pub unit_id: i64,
    pub role: Role,
    pub task: Option<String>,
    pub status: Progress,
    pub assigned_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub reply: Option<String>,
}

impl Assignment {
    pub fn is_lead(&self) -> bool {
        self.role == Role::Lead
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseState {
    pub case: cases::Model,
    pub assignments: Vec<Assignment>,
}

/// What a case's creation records: everything the first version of the row holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    pub number: String,
    pub kind_id: i64,
    pub category_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub source: String,
    pub priority: String,
    pub enterprise_id: Option<i64>,
    pub subject_unit_id: Option<i64>,
    pub inspection_id: Option<i64>,
    pub api_client_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub created_by_user_id: Option<i64>,
    /// The credit code an outside client named for an enterprise that is not registered: the
    /// case waits, filed against the intake unit, until staff link the enterprise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_uscc: Option<String>,
}

/// A department's own task in a dispatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitTask {
    pub unit_id: i64,
    pub task: String,
}

/// One step of the timeline (the `data` of a `case_events` row, tagged by `action`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Event {
    Create(Box<Created>),
    Dispatch {
        lead_unit_id: i64,
        assist_unit_ids: Vec<i64>,
        lead_task: Option<String>,
        /// The task of every assisting department `assist_tasks` does not name.
        assist_task: Option<String>,
        /// Each assisting department's own task.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        assist_tasks: Vec<UnitTask>,
        responsible_person_id: Option<i64>,
        deadline: DateTime<Utc>,
        response_deadline: DateTime<Utc>,
    },
    Accept {
        unit_id: i64,
    },
    Reply {
        unit_id: Option<i64>,
        text: String,
    },
    Resolve {
        unit_id: i64,
        solution: String,
        /// The lead's resolution resolves the case; an assisting unit's resolves its part.
        lead: bool,
        /// 零跑腿: solved without the firm visiting an office (the lead's resolution sets the
        /// case's flag). Absent in events written before the flag existed.
        #[serde(default)]
        zero_trip: bool,
    },
    Revisit {
        satisfaction: Satisfaction,
        solved: bool,
        /// Unsatisfied or unsolved: the case goes back to the lead department (重办).
        reopened: bool,
        deadline: Option<DateTime<Utc>>,
    },
    Close,
    Reopen {
        deadline: DateTime<Utc>,
    },
    Escalate {
        to_unit_id: Option<i64>,
        deadline: Option<DateTime<Utc>>,
    },
    Extend {
        deadline: DateTime<Utc>,
    },
    ApproveExtension {
        approved: bool,
        deadline: Option<DateTime<Utc>>,
    },
    Return {
        unit_id: i64,
        lead: bool,
    },
    /// Files added to the case (photos, scans, documents); they live in `attachments`.
    Attach {
        attachment_ids: Vec<i64>,
        names: Vec<String>,
    },
    /// A further report on the same matter from the system that raised the case (another
    /// fever of the same person that day); it changes nothing but the timeline.
    Record {
        text: String,
    },
    /// The enterprise an appeal is about, found in (or added to) the registry; the case moves
    /// to the enterprise's sub-district.
    LinkEnterprise {
        enterprise_id: i64,
        unit_id: i64,
    },
    /// 不予受理 (the reason is the event's note).
    Reject,
    /// 合并重复: this case is a duplicate of `into_case_id`; the enterprise follows that case.
    Merge {
        into_case_id: i64,
        into_number: String,
        enterprise_id: Option<i64>,
        #[serde(default)]
        subject_unit_id: Option<i64>,
    },
}

impl Event {
    pub fn action(&self) -> &'static str {
        match self {
            Event::Create(_) => "create",
            Event::Dispatch { .. } => "dispatch",
            Event::Accept { .. } => "accept",
            Event::Reply { .. } => "reply",
            Event::Resolve { .. } => "resolve",
            Event::Revisit { .. } => "revisit",
            Event::Close => "close",
            Event::Reopen { .. } => "reopen",
            Event::Escalate { .. } => "escalate",
            Event::Extend { .. } => "extend",
            Event::ApproveExtension { .. } => "approve_extension",
            Event::Return { .. } => "return",
            Event::Attach { .. } => "attach",
            Event::Record { .. } => "record",
            Event::LinkEnterprise { .. } => "link_enterprise",
            Event::Reject => "reject",
            Event::Merge { .. } => "merge",
        }
    }

    /// The unit acting, when the event concerns one department's task.
    pub fn unit_id(&self) -> Option<i64> {
        match self {
            Event::Accept { unit_id }
            | Event::Resolve { unit_id, .. }
            | Event::Return { unit_id, .. } => Some(*unit_id),
            Event::Reply { unit_id, .. } => *unit_id,
            Event::Dispatch { lead_unit_id, .. } => Some(*lead_unit_id),
            Event::Escalate { to_unit_id, .. } => *to_unit_id,
            _ => None,
        }
    }
}

/// Why a command is refused in the current state (409), in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub zh: String,
    pub en: String,
}

fn refuse(zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal {
        zh: zh.into(),
        en: en.into(),
    }
}

fn status_is(state: &CaseState, allowed: &[Status], zh: &str, en: &str) -> Result<(), Refusal> {
    if allowed.contains(&Status::of(&state.case)) {
        Ok(())
    } else {
        let label = (
            super::STATUSES.label(&state.case.status, crate::i18n::Lang::Zh),
            super::STATUSES.label(&state.case.status, crate::i18n::Lang::En),
        );
        Err(refuse(
            format!("事项当前状态为“{}”，{zh}", label.0),
            format!("the case is {}: {en}", label.1.to_lowercase()),
        ))
    }
}

fn assignment(state: &CaseState, unit_id: i64) -> Result<&Assignment, Refusal> {
    state
        .assignments
        .iter()
        .find(|a| a.unit_id == unit_id)
        .ok_or_else(|| {
            refuse(
                "该单位不是本事项的承办或协办单位",
                "that unit is neither the lead nor an assisting department of this case",
            )
        })
}

/// Checks `event` (the command, with its inputs already validated) against the state.
pub fn decide(state: &CaseState, event: Event) -> Result<Event, Refusal> {
    let c = &state.case;
    match &event {
        Event::Create(_) => return Err(refuse("事项已存在", "the case exists already")),
        Event::LinkEnterprise { .. } => {
            if c.pending_uscc.is_none() {
                return Err(refuse(
                    "该事项无需关联企业",
                    "the case has no enterprise to link",
                ));
            }
            status_is(
                state,
                &[Status::New],
                "只有待交办的事项可以关联企业",
                "only a case waiting for dispatch can be linked",
            )?;
        }
        Event::Reject => {
            status_is(
                state,
                &[Status::New],
                "只有待交办的事项可以不予受理",
                "only a case waiting for dispatch can be refused",
            )?;
        }
        Event::Merge { into_case_id, .. } => {
            status_is(
                state,
                &[Status::New],
                "只有待交办的事项可以合并",
                "only a case waiting for dispatch can be merged",
            )?;
            if *into_case_id == c.id {
                return Err(refuse(
                    "事项不能合并到自身",
                    "a case cannot be merged into itself",
                ));
            }
        }
        Event::Dispatch {
            lead_unit_id,
            assist_unit_ids,
            ..
        } => {
            status_is(
                state,
                &[Status::New],
                "只有待交办的事项可以交办；如需改派，请承办单位先退回",
                "only a case waiting for dispatch can be dispatched; to re-dispatch, the lead department returns it first",
            )?;
            if c.pending_uscc.is_some() {
                return Err(refuse(
                    "请先关联企业再交办（该企业尚未在企业库中登记）",
                    "link the enterprise first (it is not in the registry yet)",
                ));
            }
            if assist_unit_ids.contains(lead_unit_id) {
                return Err(refuse(
                    "牵头单位不能同时是协办单位",
                    "the lead department cannot also assist",
                ));
            }
        }
        Event::Accept { unit_id } => {
            status_is(
                state,
                &[Status::Dispatched, Status::InProgress],
                "不能签收",
                "it cannot be accepted",
            )?;
            if assignment(state, *unit_id)?.status != Progress::Pending {
                return Err(refuse(
                    "该单位已签收",
                    "that department has accepted already",
                ));
            }
        }
        Event::Reply { .. } => {
            status_is(
                state,
                &[
                    Status::New,
                    Status::Dispatched,
                    Status::InProgress,
                    Status::Resolved,
                    Status::Revisited,
                ],
                "不能再答复",
                "no more replies are taken",
            )?;
        }
        Event::Resolve { unit_id, lead, .. } => {
            status_is(
                state,
                &[Status::Dispatched, Status::InProgress],
                "不能办结",
                "it cannot be resolved",
            )?;
            let a = assignment(state, *unit_id)?;
            if a.is_lead() != *lead {
                return Err(refuse(
                    "承办角色不符",
                    "the department's role does not match",
                ));
            }
            match a.status {
                Progress::Pending => {
                    return Err(refuse(
                        "请先签收再办结",
                        "the department must accept the case before resolving it",
                    ));
                }
                Progress::Resolved => {
                    return Err(refuse(
                        "该单位已办结其承办部分",
                        "that department has resolved its part already",
                    ));
                }
                _ => {}
            }
            if *lead {
                let open: Vec<i64> = state
                    .assignments
                    .iter()
                    .filter(|a| !a.is_lead() && a.status != Progress::Resolved)
                    .map(|a| a.unit_id)
                    .collect();
                if !open.is_empty() {
                    return Err(refuse(
                        format!("还有 {} 个协办单位未办结，牵头单位暂不能办结", open.len()),
                        format!(
                            "{} assisting department(s) have not resolved their part yet",
                            open.len()
                        ),
                    ));
                }
            }
        }
        Event::Revisit { .. } => {
            status_is(
                state,
                &[Status::Resolved],
                "只有已办结待回访的事项可以回访",
                "only a resolved case can be revisited",
            )?;
        }
        Event::Close => {
            if Status::of(c) == Status::Resolved {
                return Err(refuse(
                    "尚未回访，不能结案：请先回访，确认满意且问题已解决",
                    "the case has not been revisited: a case closes only after a satisfied revisit",
                ));
            }
            status_is(
                state,
                &[Status::Revisited],
                "不能结案",
                "it cannot be closed",
            )?;
        }
        Event::Reopen { .. } => {
            status_is(
                state,
                &[Status::Revisited, Status::Closed],
                "只有已回访或已办结的事项可以重办",
                "only a revisited or closed case can be reopened",
            )?;
            if c.lead_unit_id.is_none() {
                return Err(refuse(
                    "事项没有牵头单位",
                    "the case has no lead department",
                ));
            }
        }
        Event::Escalate { .. } => {
            status_is(
                state,
                &[Status::Dispatched, Status::InProgress],
                "只有办理中的事项可以督办",
                "only a case being worked on can be escalated",
            )?;
        }
        Event::Extend { deadline } => {
            status_is(
                state,
                &[Status::Dispatched, Status::InProgress],
                "不能申请延期",
                "no extension can be asked for",
            )?;
            if c.requested_deadline.is_some() {
                return Err(refuse(
                    "已有延期申请待审批",
                    "an extension request is already waiting for a decision",
                ));
            }
            if c.deadline.is_some_and(|d| *deadline <= d) {
                return Err(refuse(
                    "延期后的期限必须晚于当前期限",
                    "the new deadline must be later than the current one",
                ));
            }
        }
        Event::ApproveExtension { .. } => {
            if c.requested_deadline.is_none() {
                return Err(refuse(
                    "没有待审批的延期申请",
                    "there is no extension request to decide",
                ));
            }
        }
        Event::Return { .. } => {
            status_is(
                state,
                &[Status::Dispatched, Status::InProgress],
                "不能退回",
                "it cannot be returned",
            )?;
        }
        // Evidence may be added at any stage, also to a closed case's file, and so may a
        // further report on the matter.
        Event::Attach { .. } | Event::Record { .. } => {}
    }
    // Fill in what the state decides (the extension's deadline comes from the request).
    Ok(match event {
        Event::ApproveExtension { approved, .. } => Event::ApproveExtension {
            approved,
            deadline: approved.then_some(c.requested_deadline).flatten(),
        },
        Event::Return { unit_id, .. } => {
            let lead = assignment(state, unit_id)?.is_lead();
            Event::Return { unit_id, lead }
        }
        e => e,
    })
}

impl CaseState {
    /// The state right after creation (version 1).
    pub fn created(id: i64, at: DateTime<Utc>, c: &Created) -> CaseState {
        CaseState {
            case: cases::Model {
                id,
                number: c.number.clone(),
                kind_id: c.kind_id,
                category_id: c.category_id,
                title: c.title.clone(),
                description: c.description.clone(),
                source: c.source.clone(),
                priority: c.priority.clone(),
                enterprise_id: c.enterprise_id,
                subject_unit_id: c.subject_unit_id,
                lead_unit_id: None,
                responsible_person_id: None,
                escalated_unit_id: None,
                inspection_id: c.inspection_id,
                api_client_id: c.api_client_id,
                status: Status::New.code().to_owned(),
                version: 1,
                deadline: None,
                response_deadline: None,
                requested_deadline: None,
                dispatched_at: None,
                accepted_at: None,
                resolved_at: None,
                first_resolved_at: None,
                closed_at: None,
                solution: None,
                satisfaction: None,
                solved: None,
                responded_on_time: None,
                resolved_on_time: None,
                handling_secs: None,
                revisit_count: 0,
                reopen_count: 0,
                return_count: 0,
                extension_count: 0,
                escalation_count: 0,
                contact_name: c.contact_name.clone(),
                contact_phone: c.contact_phone.clone(),
                address: c.address.clone(),
                lat: c.lat,
                lon: c.lon,
                created_by_user_id: c.created_by_user_id,
                pending_uscc: c.pending_uscc.clone(),
                zero_trip: false,
                created_at: at,
                updated_at: at,
            },
            assignments: Vec::new(),
        }
    }

    /// Folds one (already decided) event into the state.
    pub fn apply(&mut self, at: DateTime<Utc>, event: &Event) {
        let c = &mut self.case;
        c.version += 1;
        c.updated_at = at;
        match event {
            Event::Create(_) => {}
            Event::Dispatch {
                lead_unit_id,
                assist_unit_ids,
                lead_task,
                assist_task,
                assist_tasks,
                responsible_person_id,
                deadline,
                response_deadline,
            } => {
                c.status = Status::Dispatched.code().to_owned();
                c.lead_unit_id = Some(*lead_unit_id);
                c.responsible_person_id = *responsible_person_id;
                c.deadline = Some(*deadline);
                c.response_deadline = Some(*response_deadline);
                c.dispatched_at = Some(at);
                c.accepted_at = None;
                c.requested_deadline = None;
                c.responded_on_time = None;
                c.resolved_on_time = None;
                c.handling_secs = None;
                let assign = |unit_id: i64, role: Role, task: &Option<String>| Assignment {
                    unit_id,
                    role,
                    task: task.clone(),
                    status: Progress::Pending,
                    assigned_at: at,
                    accepted_at: None,
                    resolved_at: None,
                    reply: None,
                };
                self.assignments = std::iter::once(assign(*lead_unit_id, Role::Lead, lead_task))
                    .chain(assist_unit_ids.iter().map(|u| {
                        let own = assist_tasks
                            .iter()
                            .find(|t| t.unit_id == *u)
                            .map(|t| t.task.clone())
                            .or_else(|| assist_task.clone());
                        assign(*u, Role::Assist, &own)
                    }))
                    .collect();
            }
            Event::Accept { unit_id } => {
                if let Some(a) = self.assignments.iter_mut().find(|a| a.unit_id == *unit_id) {
                    a.status = Progress::Accepted;
                    a.accepted_at = Some(at);
                    if a.is_lead() {
                        c.status = Status::InProgress.code().to_owned();
                        c.accepted_at = Some(at);
                        c.responded_on_time = c.response_deadline.map(|d| at <= d);
                    }
                }
            }
            Event::Reply { unit_id, text } => {
                if let Some(a) = self
                    .assignments
                    .iter_mut()
                    .find(|a| Some(a.unit_id) == *unit_id)
                {
                    a.reply = Some(text.clone());
                }
            }
            Event::Resolve {
                unit_id,
                solution,
                lead,
                zero_trip,
            } => {
                if let Some(a) = self.assignments.iter_mut().find(|a| a.unit_id == *unit_id) {
                    a.status = Progress::Resolved;
                    a.resolved_at = Some(at);
                    a.reply = Some(solution.clone());
                }
                if *lead {
                    c.status = Status::Resolved.code().to_owned();
                    c.resolved_at = Some(at);
                    c.resolved_on_time = c.deadline.map(|d| at <= d);
                    c.handling_secs = c.dispatched_at.map(|d| (at - d).num_seconds());
                    c.first_resolved_at.get_or_insert(at);
                    c.solution = Some(solution.clone());
                    c.zero_trip = *zero_trip;
                    c.requested_deadline = None;
                }
            }
            Event::Revisit {
                satisfaction,
                solved,
                reopened,
                deadline,
            } => {
                c.revisit_count += 1;
                c.satisfaction = Some(satisfaction.code().to_owned());
                c.solved = Some(*solved);
                if *reopened {
                    reopen(c, &mut self.assignments, *deadline);
                } else {
                    c.status = Status::Revisited.code().to_owned();
                }
            }
            Event::Close => {
                c.status = Status::Closed.code().to_owned();
                c.closed_at = Some(at);
            }
            Event::Reopen { deadline } => {
                reopen(c, &mut self.assignments, Some(*deadline));
            }
            Event::Escalate {
                to_unit_id,
                deadline,
            } => {
                c.escalation_count += 1;
                if to_unit_id.is_some() {
                    c.escalated_unit_id = *to_unit_id;
                }
                if let Some(d) = deadline {
                    c.deadline = Some(*d);
                }
            }
            Event::Extend { deadline } => {
                c.requested_deadline = Some(*deadline);
            }
            Event::ApproveExtension { approved, deadline } => {
                if *approved && let Some(d) = deadline {
                    c.deadline = Some(*d);
                    c.extension_count += 1;
                }
                c.requested_deadline = None;
            }
            Event::Attach { .. } | Event::Record { .. } => {}
            Event::LinkEnterprise {
                enterprise_id,
                unit_id,
            } => {
                c.enterprise_id = Some(*enterprise_id);
                c.subject_unit_id = Some(*unit_id);
                c.pending_uscc = None;
            }
            Event::Reject => {
                c.status = Status::Rejected.code().to_owned();
                c.closed_at = Some(at);
            }
            Event::Merge {
                enterprise_id,
                subject_unit_id,
                ..
            } => {
                c.status = Status::Merged.code().to_owned();
                c.closed_at = Some(at);
                // The duplicate is about what the case it joined is about.
                if enterprise_id.is_some() {
                    c.enterprise_id = *enterprise_id;
                    c.pending_uscc = None;
                }
                if subject_unit_id.is_some() {
                    c.subject_unit_id = *subject_unit_id;
                }
            }
            Event::Return { unit_id, lead } => {
                if *lead {
                    c.status = Status::New.code().to_owned();
                    c.return_count += 1;
                    c.lead_unit_id = None;
                    c.responsible_person_id = None;
                    c.deadline = None;
                    c.response_deadline = None;
                    c.requested_deadline = None;
                    c.dispatched_at = None;
                    c.accepted_at = None;
                    c.responded_on_time = None;
                    self.assignments.clear();
                } else {
                    self.assignments.retain(|a| a.unit_id != *unit_id);
                }
            }
        }
    }
}

/// 重办: back to the lead department with a new deadline; the previous resolution stands in
/// the timeline but no longer counts.
fn reopen(c: &mut cases::Model, assignments: &mut [Assignment], deadline: Option<DateTime<Utc>>) {
    c.status = Status::InProgress.code().to_owned();
    c.reopen_count += 1;
    c.resolved_at = None;
    c.resolved_on_time = None;
    c.handling_secs = None;
    c.closed_at = None;
    c.solution = None;
    c.zero_trip = false;
    if deadline.is_some() {
        c.deadline = deadline;
    }
    for a in assignments.iter_mut().filter(|a| a.is_lead()) {
        a.status = Progress::Accepted;
        a.resolved_at = None;
    }
}

/// The state from the timeline alone: `events` in order, the first one the creation.
pub fn replay(id: i64, events: &[(DateTime<Utc>, Event)]) -> Option<CaseState> {
    let (first_at, Event::Create(created)) = events.first()? else {
        return None;
    };
    let mut state = CaseState::created(id, *first_at, created);
    for (at, e) in &events[1..] {
        state.apply(*at, e);
    }
    Some(state)
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_enums_and_the_code_lists_agree() {
        use crate::{ACTIONS, OPEN_STATUSES, SATISFACTIONS, STATUSES};
        let codes = |l: crate::Codes| l.iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(
            Status::ALL.iter().map(|s| s.code()).collect::<Vec<_>>(),
            codes(STATUSES)
        );
        assert_eq!(
            Satisfaction::ALL
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>(),
            codes(SATISFACTIONS)
        );
        let open: Vec<&str> = Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.code())
            .collect();
        assert_eq!(open, OPEN_STATUSES);
        for a in Action::ALL {
            assert!(codes(ACTIONS).contains(&a.code()), "{a} has a label");
            assert_eq!(Action::parse(a.code()), Some(*a));
        }
        assert_eq!(Action::parse("create"), None, "creation has its own door");
    }

    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 3, 19, h, 0, 0).unwrap()
    }

    fn new_case() -> CaseState {
        CaseState::created(
            1,
            t(1),
            &Created {
                number: "N1".into(),
                kind_id: 1,
                category_id: None,
                title: "t".into(),
                description: "d".into(),
                source: "visit".into(),
                priority: "normal".into(),
                enterprise_id: Some(7),
                subject_unit_id: Some(2),
                inspection_id: None,
                api_client_id: None,
                contact_name: None,
                contact_phone: None,
                address: None,
                lat: None,
                lon: None,
                created_by_user_id: None,
                pending_uscc: None,
            },
        )
    }

    fn step(s: &mut CaseState, h: u32, e: Event) -> Result<(), Refusal> {
        let e = decide(s, e)?;
        s.apply(t(h), &e);
        Ok(())
    }

    fn dispatch() -> Event {
        Event::Dispatch {
            lead_unit_id: 10,
            assist_unit_ids: vec![11, 12],
            lead_task: None,
            assist_task: None,
            assist_tasks: Vec::new(),
            responsible_person_id: None,
            deadline: t(20),
            response_deadline: t(5),
        }
    }

    #[test]
    fn the_whole_loop_with_two_assisting_departments() {
        let mut s = new_case();
        step(&mut s, 2, dispatch()).unwrap();
        assert_eq!(s.case.status, "dispatched");
        assert_eq!(s.assignments.len(), 3);
        for u in [11, 12, 10] {
            step(&mut s, 3, Event::Accept { unit_id: u }).unwrap();
        }
        assert_eq!(s.case.status, "in_progress");
        assert_eq!(s.case.accepted_at, Some(t(3)));
        let lead_resolve = Event::Resolve {
            unit_id: 10,
            solution: "ok".into(),
            lead: true,
            zero_trip: true,
        };
        let early = decide(&s, lead_resolve.clone()).unwrap_err();
        assert!(early.zh.contains("协办单位未办结"), "{early:?}");
        for u in [11, 12] {
            step(
                &mut s,
                4,
                Event::Resolve {
                    unit_id: u,
                    solution: "part".into(),
                    lead: false,
                    zero_trip: false,
                },
            )
            .unwrap();
        }
        step(&mut s, 5, lead_resolve).unwrap();
        assert_eq!(s.case.status, "resolved");
        assert!(s.case.zero_trip, "the lead's resolution sets 零跑腿");
        assert!(
            decide(&s, Event::Close)
                .unwrap_err()
                .zh
                .contains("尚未回访")
        );
        step(
            &mut s,
            6,
            Event::Revisit {
                satisfaction: Satisfaction::Unsatisfied,
                solved: false,
                reopened: true,
                deadline: Some(t(23)),
            },
        )
        .unwrap();
        assert_eq!(s.case.status, "in_progress");
        assert_eq!(s.case.reopen_count, 1);
        assert_eq!(s.case.resolved_at, None);
        assert_eq!(s.case.first_resolved_at, Some(t(5)));
        assert!(!s.case.zero_trip, "重办 clears 零跑腿");
        step(
            &mut s,
            7,
            Event::Resolve {
                unit_id: 10,
                solution: "again".into(),
                lead: true,
                zero_trip: false,
            },
        )
        .unwrap();
        step(
            &mut s,
            8,
            Event::Revisit {
                satisfaction: Satisfaction::Satisfied,
                solved: true,
                reopened: false,
                deadline: None,
            },
        )
        .unwrap();
        step(&mut s, 9, Event::Close).unwrap();
        assert_eq!(s.case.status, "closed");
        assert_eq!(s.case.version, 12);
    }

    #[test]
    fn refusals_name_the_state() {
        let mut s = new_case();
        let r = decide(&s, Event::Accept { unit_id: 10 }).unwrap_err();
        assert!(r.zh.contains("待交办"), "{r:?}");
        assert!(r.en.contains("to dispatch"), "{r:?}");
        step(&mut s, 2, dispatch()).unwrap();
        assert!(decide(&s, dispatch()).is_err());
        let r = decide(&s, Event::Accept { unit_id: 99 }).unwrap_err();
        assert!(r.en.contains("neither the lead"));
        let r = decide(
            &s,
            Event::Resolve {
                unit_id: 10,
                solution: "x".into(),
                lead: true,
                zero_trip: false,
            },
        )
        .unwrap_err();
        assert!(r.zh.contains("先签收"));
    }

    #[test]
    fn a_lead_return_sends_the_case_back_for_dispatch() {
        let mut s = new_case();
        step(&mut s, 2, dispatch()).unwrap();
        step(
            &mut s,
            3,
            Event::Return {
                unit_id: 11,
                lead: true,
            },
        )
        .unwrap();
        assert_eq!(
            s.assignments.len(),
            2,
            "an assisting unit's return drops its part"
        );
        assert_eq!(s.case.status, "dispatched");
        step(
            &mut s,
            4,
            Event::Return {
                unit_id: 10,
                lead: false,
            },
        )
        .unwrap();
        assert_eq!(s.case.status, "new");
        assert_eq!(s.case.return_count, 1);
        assert!(s.assignments.is_empty());
        step(&mut s, 5, dispatch()).unwrap();
        assert_eq!(s.case.status, "dispatched");
    }

    #[test]
    fn extensions_wait_for_approval() {
        let mut s = new_case();
        step(&mut s, 2, dispatch()).unwrap();
        assert!(
            decide(&s, Event::Extend { deadline: t(10) }).is_err(),
            "earlier than now"
        );
        step(&mut s, 3, Event::Extend { deadline: t(22) }).unwrap();
        assert!(decide(&s, Event::Extend { deadline: t(23) }).is_err());
        step(
            &mut s,
            4,
            Event::ApproveExtension {
                approved: true,
                deadline: None,
            },
        )
        .unwrap();
        assert_eq!(s.case.deadline, Some(t(22)));
        assert_eq!(s.case.extension_count, 1);
        assert!(
            decide(
                &s,
                Event::ApproveExtension {
                    approved: true,
                    deadline: None
                }
            )
            .is_err()
        );
    }

    #[test]
    fn replay_gives_the_state() {
        let mut s = new_case();
        let Event::Create(created) = Event::Create(Box::new(Created {
            number: "N1".into(),
            kind_id: 1,
            category_id: None,
            title: "t".into(),
            description: "d".into(),
            source: "visit".into(),
            priority: "normal".into(),
            enterprise_id: Some(7),
            subject_unit_id: Some(2),
            inspection_id: None,
            api_client_id: None,
            contact_name: None,
            contact_phone: None,
            address: None,
            lat: None,
            lon: None,
            created_by_user_id: None,
            pending_uscc: None,
        })) else {
            unreachable!()
        };
        let mut log = vec![(t(1), Event::Create(created))];
        for (h, e) in [(2, dispatch()), (3, Event::Accept { unit_id: 10 })] {
            let e = decide(&s, e).unwrap();
            s.apply(t(h), &e);
            // Through JSON, as stored.
            let e: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            log.push((t(h), e));
        }
        assert_eq!(replay(1, &log), Some(s));
    }
}
