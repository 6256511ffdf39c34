//! Which cases a caller sees, and what working a case lets a department see elsewhere.
//! Both go through the kernel's one composition (`Scope::compose`).

use sea_orm::sea_query::{Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, Condition, DbBackend};

use lianxin_kernel::access::Scope;
use lianxin_kernel::area::{Grant, Reach};

use crate::entities::{case_assignments, cases, enterprises};

/// Cases: those about an enterprise whose dependents the caller sees, about a visible unit,
/// those a visible unit leads, assists or was escalated to, those the caller raised and those
/// the caller is responsible for. An enterprise contact therefore sees only the appeals of
/// their own enterprise; a department sees what it leads or assists. A grant that reaches an
/// enterprise's record alone (the department's view of its case's subject) does not widen this.
pub fn cases_condition(scope: &Scope) -> Condition {
    scope.compose(case_relations(scope).into_iter().map(|r| r.cases).collect())
}

/// The ids of the cases a limited scope sees (`cases_condition`), as a union of one lookup per
/// relation, each served by that relation's index (`cases.enterprise_id`, `subject_unit_id`,
/// `lead_unit_id`, `escalated_unit_id`, `case_assignments.unit_id`, `created_by_user_id`,
/// `responsible_person_id`; a subtree through `unit_closure`). The same rows as filtering the
/// cases by the OR of the relations, without evaluating the OR on every case: a department
/// sees a few thousand of 100,000 cases. An id may come more than once (`UNION ALL`: a case
/// about a firm of a sub-district is also about the sub-district), so use it as the right
/// side of `IN`, which reads each once; the database then builds one set, not two.
/// PostgreSQL gets `UNION` instead: it has no estimate of the distinct ids in a `UNION ALL`
/// (it assumes 200) and so fetched the facts of a sub-district's 29,110 cases by as many key
/// lookups; told the ids are distinct, it joins them by hash (over 100,000 cases in `psql`,
/// paired medians of 20: a sub-district 122 -> 86 ms, a department 27.9 -> 30.8 ms).
/// `None` for the whole district (no filter).
pub fn visible_case_ids(scope: &Scope, backend: DbBackend) -> Option<SelectStatement> {
    if scope.all {
        return None;
    }
    let mut lookups = case_relations(scope).into_iter().filter_map(|r| {
        let c = r.cases?;
        Some(match r.ids {
            Some(ids) => ids,
            None => Query::select()
                .column(cases::Column::Id)
                .from(cases::Entity)
                .cond_where(c)
                .take(),
        })
    });
    let Some(mut union) = lookups.next() else {
        // Deny by default, as `compose` does.
        return Some(
            Query::select()
                .column(cases::Column::Id)
                .from(cases::Entity)
                .cond_where(scope.compose(vec![]))
                .take(),
        );
    };
    let kind = match backend {
        DbBackend::Postgres => UnionType::Distinct,
        _ => UnionType::All,
    };
    for q in lookups {
        union.union(kind, q);
    }
    Some(union)
}

/// One relation by which a case is in a scope: the condition on `cases`, and, when the
/// relation lives in another table, the ids straight from it (an assignment's `case_id`).
struct Relation {
    cases: Option<Condition>,
    ids: Option<SelectStatement>,
}

impl From<Option<Condition>> for Relation {
    fn from(cases: Option<Condition>) -> Self {
        Relation { cases, ids: None }
    }
}

fn case_relations(scope: &Scope) -> Vec<Relation> {
    // A login acting as a cadre may reach firms through the relations areas keep (pairing).
    let enterprise_part = (!scope.units.is_empty()
        || !scope.subtrees.is_empty()
        || scope.enterprise_id.is_some()
        || scope.acting_person_id.is_some())
    .then(|| {
        Condition::all().add(
            cases::Column::EnterpriseId.in_subquery(
                Query::select()
                    .column(enterprises::Column::Id)
                    .from(enterprises::Entity)
                    .cond_where(scope.enterprises_with_dependents())
                    .take(),
            ),
        )
    });
    vec![
        enterprise_part.into(),
        scope.unit_in_scope(cases::Column::SubjectUnitId).into(),
        scope.unit_in_scope(cases::Column::LeadUnitId).into(),
        scope.unit_in_scope(cases::Column::EscalatedUnitId).into(),
        Relation {
            cases: assigned_to_scope(scope),
            ids: assignments_in_scope(scope),
        },
        scope
            .user_id
            .map(|id| Condition::all().add(cases::Column::CreatedByUserId.eq(id)))
            .into(),
        scope
            .person_id
            .map(|id| Condition::all().add(cases::Column::ResponsiblePersonId.eq(id)))
            .into(),
    ]
}

/// Cases that a visible unit leads or assists (its assignments).
fn assigned_to_scope(scope: &Scope) -> Option<Condition> {
    Some(Condition::all().add(cases::Column::Id.in_subquery(assignments_in_scope(scope)?)))
}

/// The ids of those cases, from the assignments alone.
fn assignments_in_scope(scope: &Scope) -> Option<SelectStatement> {
    let c = scope.unit_in_scope(case_assignments::Column::UnitId)?;
    Some(
        Query::select()
            .column(case_assignments::Column::CaseId)
            .from(case_assignments::Entity)
            .cond_where(c)
            .take(),
    )
}

/// A department that leads or assists a case may read the registry record of the case's
/// enterprise, and nothing that hangs from it (not the firm's other cases or its people).
fn subject_enterprises(scope: &Scope) -> Option<Condition> {
    let lead = scope.unit_in_scope(cases::Column::LeadUnitId);
    let assigned = assigned_to_scope(scope);
    if lead.is_none() && assigned.is_none() {
        return None;
    }
    let worked = Condition::any().add_option(lead).add_option(assigned);
    Some(
        Condition::all().add(
            enterprises::Column::Id.in_subquery(
                Query::select()
                    .column(cases::Column::EnterpriseId)
                    .from(cases::Entity)
                    .cond_where(worked)
                    .take(),
            ),
        ),
    )
}

pub const GRANTS: &[Grant] = &[Grant {
    table: "enterprises",
    reach: Reach::Record,
    rows: subject_enterprises,
}];
