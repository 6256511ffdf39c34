//! What the area's relations let a caller see, through the kernel's one composition: a cadre
//! paired with a firm (三对一), or a member of the team stationed with it (驻企), reads the firm
//! and what hangs from it (its appeals, visits, stages); the area's own records are visible
//! with their firm.

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};

use lianxin_kernel::access::Scope;
use lianxin_kernel::access::scope::Scoped;
use lianxin_kernel::area::{Grant, Reach};

use crate::entities::{
    enterprise_pairings, enterprises, figure_requests, key_projects, stage_reports, team_members,
    visits,
};

/// The grants of the area: firms paired with the caller's person or stationed with a team the
/// caller's person belongs to, with their dependents.
pub const GRANTS: &[Grant] = &[Grant {
    table: "enterprises",
    reach: Reach::WithDependents,
    rows: paired_or_stationed,
}];

fn paired_or_stationed(scope: &Scope) -> Option<Condition> {
    let p = scope.acting_person_id?;
    Some(
        Condition::any()
            .add(
                enterprises::Column::Id.in_subquery(
                    Query::select()
                        .column(enterprise_pairings::Column::EnterpriseId)
                        .from(enterprise_pairings::Entity)
                        .cond_where(
                            Condition::any()
                                .add(enterprise_pairings::Column::LeaderPersonId.eq(p))
                                .add(enterprise_pairings::Column::InstructorPersonId.eq(p))
                                .add(enterprise_pairings::Column::SpecialistPersonId.eq(p)),
                        )
                        .take(),
                ),
            )
            .add(
                enterprises::Column::ServiceTeamId.in_subquery(
                    Query::select()
                        .column(team_members::Column::UnitId)
                        .from(team_members::Entity)
                        .and_where(team_members::Column::PersonId.eq(p))
                        .and_where(team_members::Column::ValidUntil.is_null())
                        .take(),
                ),
            ),
    )
}

/// `col` names a firm whose dependents the caller sees.
pub fn of_visible_firm(scope: &Scope, col: impl ColumnTrait) -> Condition {
    scope.compose(vec![Some(
        Condition::all().add(
            col.in_subquery(
                Query::select()
                    .column(enterprises::Column::Id)
                    .from(enterprises::Entity)
                    .cond_where(scope.enterprises_with_dependents())
                    .take(),
            ),
        ),
    )])
}

impl Scoped for visits::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        of_visible_firm(scope, visits::Column::EnterpriseId)
    }
}

impl Scoped for stage_reports::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        of_visible_firm(scope, stage_reports::Column::EnterpriseId)
    }
}

impl Scoped for figure_requests::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        of_visible_firm(scope, figure_requests::Column::EnterpriseId)
    }
}

/// A key project is visible with its firm, and to the units above the team stationed with it.
impl Scoped for key_projects::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        let mut c =
            Condition::any().add(of_visible_firm(scope, key_projects::Column::EnterpriseId));
        if let Some(team) = scope.unit_in_scope(key_projects::Column::TeamUnitId) {
            c = c.add(team);
        }
        scope.compose(vec![Some(c)])
    }
}
