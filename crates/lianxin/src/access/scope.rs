//! Data scope: the one place that decides which rows a caller may see. A caller's roles OR
//! together; a caller with no qualifying role sees nothing (deny by default). "Unit and below"
//! is a join on the `unit_closure` table.

use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::entities::{case_assignments, cases, enterprises, people, unit_closure, units};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// 全部数据权限 on any role.
    pub all: bool,
    /// Units visible exactly (本部门, 自定数据权限).
    pub units: Vec<i64>,
    /// Units visible with everything below them (本部门及以下).
    pub subtrees: Vec<i64>,
    /// 仅本人: the caller's own person record ...
    pub person_id: Option<i64>,
    /// ... and the caller's own enterprise with its employees.
    pub enterprise_id: Option<i64>,
    /// The caller, for what they raised themselves (cases); set when any role grants a scope.
    pub user_id: Option<i64>,
}

impl Scope {
    pub fn all() -> Self {
        Scope {
            all: true,
            ..Default::default()
        }
    }

    /// `col` names a unit that is visible.
    pub(crate) fn unit_in_scope(&self, col: impl ColumnTrait) -> Option<Condition> {
        let mut c = Condition::any();
        let mut any = false;
        if !self.units.is_empty() {
            c = c.add(col.is_in(self.units.clone()));
            any = true;
        }
        if !self.subtrees.is_empty() {
            c = c.add(
                col.in_subquery(
                    Query::select()
                        .column(unit_closure::Column::DescendantId)
                        .from(unit_closure::Entity)
                        .and_where(unit_closure::Column::AncestorId.is_in(self.subtrees.clone()))
                        .take(),
                ),
            );
            any = true;
        }
        any.then_some(c)
    }

    fn finish(&self, parts: Vec<Option<Condition>>) -> Condition {
        if self.all {
            return Condition::all();
        }
        let parts: Vec<Condition> = parts.into_iter().flatten().collect();
        if parts.is_empty() {
            return Condition::all().add(deny());
        }
        parts
            .into_iter()
            .fold(Condition::any(), |acc, p| acc.add(p))
    }

    pub fn units_condition(&self) -> Condition {
        self.finish(vec![self.unit_in_scope(units::Column::Id)])
    }

    pub fn people_condition(&self) -> Condition {
        self.finish(vec![
            self.unit_in_scope(people::Column::UnitId),
            self.person_id
                .map(|id| Condition::all().add(people::Column::Id.eq(id))),
            self.enterprise_id
                .map(|id| Condition::all().add(people::Column::EnterpriseId.eq(id))),
        ])
    }

    pub fn enterprises_condition(&self) -> Condition {
        self.finish(vec![
            self.unit_in_scope(enterprises::Column::UnitId),
            self.unit_in_scope(enterprises::Column::ServiceTeamId),
            self.enterprise_id
                .map(|id| Condition::all().add(enterprises::Column::Id.eq(id))),
        ])
    }
}

impl Scope {
    /// Cases: those about a visible enterprise or unit, those a visible unit leads, assists or
    /// was escalated to, those the caller raised and those the caller is responsible for.
    /// An enterprise contact therefore sees only the appeals of their own enterprise; a
    /// department sees what it leads or assists.
    pub fn cases_condition(&self) -> Condition {
        let enterprise_part =
            (!self.units.is_empty() || !self.subtrees.is_empty() || self.enterprise_id.is_some())
                .then(|| {
                    Condition::all().add(
                        cases::Column::EnterpriseId.in_subquery(
                            Query::select()
                                .column(enterprises::Column::Id)
                                .from(enterprises::Entity)
                                .cond_where(self.enterprises_condition())
                                .take(),
                        ),
                    )
                });
        let assigned = self
            .unit_in_scope(case_assignments::Column::UnitId)
            .map(|c| {
                Condition::all().add(
                    cases::Column::Id.in_subquery(
                        Query::select()
                            .column(case_assignments::Column::CaseId)
                            .from(case_assignments::Entity)
                            .cond_where(c)
                            .take(),
                    ),
                )
            });
        self.finish(vec![
            enterprise_part,
            self.unit_in_scope(cases::Column::SubjectUnitId),
            self.unit_in_scope(cases::Column::LeadUnitId),
            self.unit_in_scope(cases::Column::EscalatedUnitId),
            assigned,
            self.user_id
                .map(|id| Condition::all().add(cases::Column::CreatedByUserId.eq(id))),
            self.person_id
                .map(|id| Condition::all().add(cases::Column::ResponsiblePersonId.eq(id))),
        ])
    }
}

impl Scoped for cases::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.cases_condition()
    }
}

fn deny() -> SimpleExpr {
    Expr::cust("1 = 0")
}

/// Entities whose rows are filtered by scope. Every registry read starts from `scoped`.
pub trait Scoped: EntityTrait {
    fn scope_condition(scope: &Scope) -> Condition;
}

impl Scoped for units::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.units_condition()
    }
}
impl Scoped for people::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.people_condition()
    }
}
impl Scoped for enterprises::Entity {
    fn scope_condition(scope: &Scope) -> Condition {
        scope.enterprises_condition()
    }
}

/// `SELECT … FROM entity WHERE <caller's scope>`: the start of every registry read.
pub fn scoped<E: Scoped>(scope: &Scope) -> Select<E> {
    E::find().filter(E::scope_condition(scope))
}
