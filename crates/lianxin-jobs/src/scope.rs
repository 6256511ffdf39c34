//! What a caller sees of the area's records, through the kernel's one composition: a job, an
//! offer or an ask is visible with its firm and what hangs from it (the firm's unit scope, an
//! enterprise contact's own firm, every area's grant reaching dependents, such as a paired
//! cadre's); an application with its job; a match with its offer or its ask. The public board
//! and employment assistance read through their own doors (`board`, `assistance`), never a
//! widened scope.

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};

use lianxin_kernel::access::Scope;
use lianxin_kernel::access::scope::Scoped;

use crate::entities::{
    enterprises, job_applications, jobs, labour_asks, labour_matches, labour_offers,
};

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

/// `col` names a firm the caller may write for (a grant only lets one read).
pub fn of_writable_firm(scope: &Scope, col: impl ColumnTrait) -> Condition {
    scope.compose(vec![Some(
        Condition::all().add(
            col.in_subquery(
                Query::select()
                    .column(enterprises::Column::Id)
                    .from(enterprises::Entity)
                    .cond_where(scope.enterprises_writable())
                    .take(),
            ),
        ),
    )])
}

impl Scoped for jobs::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        of_visible_firm(scope, jobs::Column::EnterpriseId)
    }
    fn write_condition(scope: &Scope) -> Condition {
        of_writable_firm(scope, jobs::Column::EnterpriseId)
    }
}

impl Scoped for job_applications::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.compose(vec![Some(
            Condition::all().add(
                job_applications::Column::JobId.in_subquery(
                    Query::select()
                        .column(jobs::Column::Id)
                        .from(jobs::Entity)
                        .cond_where(jobs::Entity::scope_condition(scope))
                        .take(),
                ),
            ),
        )])
    }
    fn write_condition(scope: &Scope) -> Condition {
        scope.compose(vec![Some(
            Condition::all().add(
                job_applications::Column::JobId.in_subquery(
                    Query::select()
                        .column(jobs::Column::Id)
                        .from(jobs::Entity)
                        .cond_where(jobs::Entity::write_condition(scope))
                        .take(),
                ),
            ),
        )])
    }
}

impl Scoped for labour_offers::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        of_visible_firm(scope, labour_offers::Column::EnterpriseId)
    }
    fn write_condition(scope: &Scope) -> Condition {
        of_writable_firm(scope, labour_offers::Column::EnterpriseId)
    }
}

impl Scoped for labour_asks::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        of_visible_firm(scope, labour_asks::Column::EnterpriseId)
    }
    fn write_condition(scope: &Scope) -> Condition {
        of_writable_firm(scope, labour_asks::Column::EnterpriseId)
    }
}

/// A match is visible to whoever sees its offer or its ask.
impl Scoped for labour_matches::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.compose(vec![Some(
            Condition::any()
                .add(
                    labour_matches::Column::OfferId.in_subquery(
                        Query::select()
                            .column(labour_offers::Column::Id)
                            .from(labour_offers::Entity)
                            .cond_where(labour_offers::Entity::scope_condition(scope))
                            .take(),
                    ),
                )
                .add(
                    labour_matches::Column::AskId.in_subquery(
                        Query::select()
                            .column(labour_asks::Column::Id)
                            .from(labour_asks::Entity)
                            .cond_where(labour_asks::Entity::scope_condition(scope))
                            .take(),
                    ),
                ),
        )])
    }
}
