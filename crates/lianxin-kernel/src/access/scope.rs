//! Data scope: the one place that decides which rows a caller may see. A caller's roles OR
//! together; a caller with no qualifying role sees nothing (deny by default). "Unit and below"
//! is a join on the `unit_closure` table.
//!
//! Every scoped table, the kernel's and each area's, is filtered by one composition
//! (`Scope::compose`): the parts that the caller's scope grants on that table, OR-ed, or no
//! rows at all. An area adds visibility that its relations grant on another table through
//! `crate::area::Grant`, never by naming its tables here.

use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::area::{self, Reach};
use crate::entities::{enterprises, people, unit_closure, units};

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
    /// The person the caller's login acts as (a cadre), whatever their roles' scopes; areas
    /// grant through it what a person's relations reach (a paired cadre's firms). Set when
    /// the login is linked to a person and any role grants a scope.
    pub acting_person_id: Option<i64>,
}

impl Scope {
    pub fn all() -> Self {
        Scope {
            all: true,
            ..Default::default()
        }
    }

    /// `col` names a unit that is visible.
    pub fn unit_in_scope(&self, col: impl ColumnTrait) -> Option<Condition> {
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

    /// Whether any role grants rows beyond the caller's own person and enterprise.
    pub fn has_units(&self) -> bool {
        self.all || !self.units.is_empty() || !self.subtrees.is_empty()
    }

    /// The one composition of scopes: everything for 全部数据权限; otherwise the rows that
    /// any of `parts` admits; nothing when no part applies (deny by default).
    pub fn compose(&self, parts: Vec<Option<Condition>>) -> Condition {
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
        self.compose(vec![self.unit_in_scope(units::Column::Id)])
    }

    pub fn people_condition(&self) -> Condition {
        self.compose(vec![
            self.unit_in_scope(people::Column::UnitId),
            self.person_id
                .map(|id| Condition::all().add(people::Column::Id.eq(id))),
            self.enterprise_id
                .map(|id| Condition::all().add(people::Column::EnterpriseId.eq(id))),
        ])
    }

    /// Enterprises the caller may read: by the scope itself, and by every area's grant on
    /// `enterprises` (a department reads the enterprise of a case it works).
    pub fn enterprises_condition(&self) -> Condition {
        self.enterprises_reaching(Some(Reach::Record))
    }

    /// Enterprises whose dependent records (their cases, their roster…) the caller may read
    /// through them: the scope itself and only the grants that reach dependents.
    pub fn enterprises_with_dependents(&self) -> Condition {
        self.enterprises_reaching(Some(Reach::WithDependents))
    }

    /// Enterprises the caller may write to: the scope itself; a grant only lets one read.
    pub fn enterprises_writable(&self) -> Condition {
        self.enterprises_reaching(None)
    }

    fn enterprises_reaching(&self, reach: Option<Reach>) -> Condition {
        let mut parts = vec![
            self.unit_in_scope(enterprises::Column::UnitId),
            self.unit_in_scope(enterprises::Column::ServiceTeamId),
            self.enterprise_id
                .map(|id| Condition::all().add(enterprises::Column::Id.eq(id))),
        ];
        if let Some(reach) = reach.filter(|_| !self.all) {
            parts.extend(area::grants_on("enterprises", reach).map(|g| (g.rows)(self)));
        }
        self.compose(parts)
    }
}

fn deny() -> SimpleExpr {
    Expr::cust("1 = 0")
}

/// Entities whose rows are filtered by scope. Every registry read starts from `scoped`.
pub trait Scoped: EntityTrait {
    /// The rows the caller may read.
    fn scope_condition(scope: &Scope) -> Condition;
    /// The rows the caller may write to: what they read, unless a grant widens reading only.
    fn write_condition(scope: &Scope) -> Condition {
        Self::scope_condition(scope)
    }
}

/// `SELECT … FROM entity WHERE <caller's scope>`: the start of every registry read.
pub fn scoped<E: Scoped>(scope: &Scope) -> Select<E> {
    E::find().filter(E::scope_condition(scope))
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Query, SqliteQueryBuilder};
    use sea_orm::{ColumnTrait, Condition};

    use super::*;
    use crate::area::{Area, Grant};

    fn sql(c: Condition) -> String {
        Query::select()
            .column(enterprises::Column::Id)
            .from(enterprises::Entity)
            .cond_where(c)
            .to_string(SqliteQueryBuilder)
    }

    fn granted(_: &Scope) -> Option<Condition> {
        Some(Condition::all().add(enterprises::Column::Id.eq(4242)))
    }

    /// One area granting enterprise 4242 to everyone, for reading the record alone.
    fn install() {
        crate::area::install(|| {
            vec![Area {
                grants: &[Grant {
                    table: "enterprises",
                    reach: Reach::Record,
                    rows: granted,
                }],
                ..Area::empty()
            }]
        });
    }

    fn department() -> Scope {
        Scope {
            subtrees: vec![7],
            user_id: Some(1),
            ..Default::default()
        }
    }

    #[test]
    fn no_part_means_no_rows_and_all_means_every_row() {
        let nobody = Scope::default();
        assert!(sql(nobody.compose(vec![None, None])).contains("1 = 0"));
        assert!(!sql(Scope::all().compose(vec![None])).contains("1 = 0"));
    }

    #[test]
    fn a_record_grant_widens_reading_the_record_only() {
        install();
        let s = department();
        assert!(sql(s.enterprises_condition()).contains("4242"));
        assert!(!sql(s.enterprises_with_dependents()).contains("4242"));
        assert!(!sql(s.enterprises_writable()).contains("4242"));
        // A caller with no scope of their own gets the grant alone, never more.
        let nobody = Scope::default();
        let read = sql(nobody.enterprises_condition());
        assert!(read.contains("4242") && !read.contains("1 = 0"), "{read}");
        assert!(sql(nobody.enterprises_writable()).contains("1 = 0"));
    }
}
