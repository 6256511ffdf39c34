//! Which cases a caller sees, and what working a case lets a department see elsewhere.
//! Both go through the kernel's one composition (`Scope::compose`).

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};

use lianxin_kernel::access::Scope;
use lianxin_kernel::area::{Grant, Reach};

use crate::entities::{case_assignments, cases, enterprises};

/// Cases: those about an enterprise whose dependents the caller sees, about a visible unit,
/// those a visible unit leads, assists or was escalated to, those the caller raised and those
/// the caller is responsible for. An enterprise contact therefore sees only the appeals of
/// their own enterprise; a department sees what it leads or assists. A grant that reaches an
/// enterprise's record alone (the department's view of its case's subject) does not widen this.
pub fn cases_condition(scope: &Scope) -> Condition {
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
    scope.compose(vec![
        enterprise_part,
        scope.unit_in_scope(cases::Column::SubjectUnitId),
        scope.unit_in_scope(cases::Column::LeadUnitId),
        scope.unit_in_scope(cases::Column::EscalatedUnitId),
        assigned_to_scope(scope),
        scope
            .user_id
            .map(|id| Condition::all().add(cases::Column::CreatedByUserId.eq(id))),
        scope
            .person_id
            .map(|id| Condition::all().add(cases::Column::ResponsiblePersonId.eq(id))),
    ])
}

/// Cases that a visible unit leads or assists (its assignments).
fn assigned_to_scope(scope: &Scope) -> Option<Condition> {
    let c = scope.unit_in_scope(case_assignments::Column::UnitId)?;
    Some(
        Condition::all().add(
            cases::Column::Id.in_subquery(
                Query::select()
                    .column(case_assignments::Column::CaseId)
                    .from(case_assignments::Entity)
                    .cond_where(c)
                    .take(),
            ),
        ),
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
