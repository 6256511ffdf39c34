//! Which cases a caller sees, and what working a case lets a department see elsewhere.
//! Both go through the kernel's one composition (`Scope::compose`).

use sea_orm::sea_query::{Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, Condition, DbBackend};

use lianxin_kernel::access::Scope;
use lianxin_kernel::area::{Grant, Reach};

use crate::entities::{case_assignments, case_sight, cases, enterprises};

/// Cases: those about an enterprise whose dependents the caller sees, about a visible unit,
/// those a visible unit leads, assists or was escalated to, those the caller raised and those
/// the caller is responsible for. An enterprise contact therefore sees only the appeals of
/// their own enterprise; a department sees what it leads or assists. A grant that reaches an
/// enterprise's record alone (the department's view of its case's subject) does not widen this.
pub fn cases_condition(scope: &Scope) -> Condition {
    scope.compose(case_relations(scope))
}

/// The cases a limited scope sees (`cases_condition`), as a few lookups of case ids each
/// served by an index: the cases its units and subtrees see through the units the cases
/// concern, one range of `case_sight`'s key per unit (`crate::sight`: subject, lead,
/// escalation, assignments, the firm's unit and team, kept ancestor by ancestor); the cases
/// of the firms it sees otherwise (its own enterprise, a paired cadre's firms); those it
/// raised and those it is responsible for. Before `case_sight` a sub-district's ids came from
/// five lookups joined to the unit tree, 58,000 ids for 29,000 cases, and gathering them cost
/// PostgreSQL more than reading the cases' facts. An id may come from more than one lookup.
/// `None` for the whole district (no filter); a scope that sees nothing gets one lookup that
/// finds nothing.
pub fn visible_case_lookups(scope: &Scope) -> Option<Vec<SelectStatement>> {
    if scope.all {
        return None;
    }
    let sight = |units: &[i64], direct_only: bool| {
        let mut q = Query::select()
            .column(case_sight::Column::CaseId)
            .from(case_sight::Entity)
            .and_where(case_sight::Column::UnitId.is_in(units.to_vec()))
            .take();
        if direct_only {
            q.and_where(case_sight::Column::Direct.eq(1));
        }
        q
    };
    let by_case = |c: Condition| {
        Query::select()
            .column(cases::Column::Id)
            .from(cases::Entity)
            .cond_where(c)
            .take()
    };
    let mut lookups: Vec<SelectStatement> = Vec::new();
    if !scope.subtrees.is_empty() {
        lookups.push(sight(&scope.subtrees, false));
    }
    if !scope.units.is_empty() {
        lookups.push(sight(&scope.units, true));
    }
    // Firms seen other than through units: the caller's own, and what other areas' relations
    // reach with the firm's dependents (a paired cadre's firms), as `enterprises_with_dependents`.
    let firms: Vec<Condition> = scope
        .enterprise_id
        .map(|id| Condition::all().add(enterprises::Column::Id.eq(id)))
        .into_iter()
        .chain(
            lianxin_kernel::area::grants_on("enterprises", Reach::WithDependents)
                .filter_map(|g| (g.rows)(scope)),
        )
        .collect();
    if !firms.is_empty() {
        let any = firms
            .into_iter()
            .fold(Condition::any(), |acc, c| acc.add(c));
        lookups.push(by_case(cases_of_firms(any)));
    }
    if let Some(id) = scope.user_id {
        lookups.push(by_case(
            Condition::all().add(cases::Column::CreatedByUserId.eq(id)),
        ));
    }
    if let Some(id) = scope.person_id {
        lookups.push(by_case(
            Condition::all().add(cases::Column::ResponsiblePersonId.eq(id)),
        ));
    }
    if lookups.is_empty() {
        // Deny by default, as `compose` does.
        lookups.push(by_case(scope.compose(vec![])));
    }
    Some(lookups)
}

/// The ids of the cases a limited scope sees, as one statement: the union of its lookups
/// (`visible_case_lookups`; an id may come more than once). `None` for the whole district.
pub fn visible_case_ids(scope: &Scope) -> Option<SelectStatement> {
    let mut lookups = visible_case_lookups(scope)?.into_iter();
    let mut union = lookups.next()?;
    for q in lookups {
        union.union(UnionType::All, q);
    }
    Some(union)
}

/// "`col` (a case id) is a case the scope sees", for reading a table keyed by case (the
/// facts) within a limited scope; `None` for the whole district. SQLite gets
/// `col IN (a UNION ALL b …)`: it builds the ids once and looks each up by key. PostgreSQL
/// gets `col IN (a) OR col IN (b) …`: each lookup hashed once as it comes, probed as the
/// table is read, nothing de-duplicated. (As one `UNION ALL` it has no estimate of the
/// distinct ids, assumes 200 and fetches a sub-district's 29,000 facts by as many key
/// lookups; as a `UNION` it hashes every id twice. Over 48,000 cases in `psql`, a
/// sub-district's metrics: `UNION` 30-47 ms, the `OR` 28-33 ms.)
pub fn in_view<C: sea_orm::sea_query::IntoColumnRef + Copy>(
    col: C,
    scope: &Scope,
    backend: DbBackend,
) -> Option<Condition> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    match backend {
        DbBackend::Postgres => Some(
            visible_case_lookups(scope)?
                .into_iter()
                .fold(Condition::any(), |c, q| {
                    c.add(Expr::col(col).in_subquery(q))
                }),
        ),
        _ => Some(Condition::all().add(Expr::col(col).in_subquery(visible_case_ids(scope)?))),
    }
}

/// The relations by which a case is in a scope, as conditions on `cases` (`None`: the scope
/// gives nothing through that one).
fn case_relations(scope: &Scope) -> Vec<Option<Condition>> {
    // A login acting as a cadre may reach firms through the relations areas keep (pairing).
    let enterprise_part = (!scope.units.is_empty()
        || !scope.subtrees.is_empty()
        || scope.enterprise_id.is_some()
        || scope.acting_person_id.is_some())
    .then(|| cases_of_firms(scope.enterprises_with_dependents()));
    vec![
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
    ]
}

/// Cases about the firms `firms` (a condition on `enterprises`) admits.
fn cases_of_firms(firms: Condition) -> Condition {
    Condition::all().add(
        cases::Column::EnterpriseId.in_subquery(
            Query::select()
                .column(enterprises::Column::Id)
                .from(enterprises::Entity)
                .cond_where(firms)
                .take(),
        ),
    )
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
