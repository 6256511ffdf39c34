//! Employees' daily health reports (C9): an enterprise contact reports for the roster
//! (temperature, symptoms, mental state, whereabouts, return from outside the city, quarantine).

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use serde::Serialize;

use crate::access::Principal;
use crate::access::roles::perm;
use crate::access::scope::Scoped;
use crate::entities::{enterprises, health_reports, people};
use crate::error::AppResult;

/// How far an enterprise's roster has reported on a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Completion {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    /// Employees on the roster.
    pub roster: i64,
    pub reported: i64,
    pub fevers: i64,
}

#[derive(FromQueryResult)]
struct CountRow {
    enterprise_id: i64,
    n: i64,
    f: i64,
}

/// The enterprises in scope with a roster: reported / roster on `day`, least complete first.
pub async fn completion(
    db: &impl ConnectionTrait,
    who: &Principal,
    day: NaiveDate,
) -> AppResult<Vec<Completion>> {
    who.require(perm::HEALTH_LIST)?;
    let visible = Query::select()
        .column(enterprises::Column::Id)
        .from(enterprises::Entity)
        .cond_where(enterprises::Entity::scope_condition(&who.scope))
        .take();
    let backend = db.get_database_backend();
    let roster = CountRow::find_by_statement(
        backend.build(
            Query::select()
                .expr_as(
                    Expr::col(people::Column::EnterpriseId),
                    sea_orm::sea_query::Alias::new("enterprise_id"),
                )
                .expr_as(Expr::cust("COUNT(*)"), sea_orm::sea_query::Alias::new("n"))
                .expr_as(
                    Expr::cust("CAST(0 AS BIGINT)"),
                    sea_orm::sea_query::Alias::new("f"),
                )
                .from(people::Entity)
                .and_where(people::Column::IsEmployee.eq(true))
                .and_where(people::Column::EnterpriseId.in_subquery(visible.clone()))
                .group_by_col(people::Column::EnterpriseId),
        ),
    )
    .all(db)
    .await?;
    let reported: std::collections::HashMap<i64, (i64, i64)> = CountRow::find_by_statement(
        backend.build(
            Query::select()
                .column(health_reports::Column::EnterpriseId)
                .expr_as(Expr::cust("COUNT(*)"), sea_orm::sea_query::Alias::new("n"))
                .expr_as(
                    Expr::cust("CAST(SUM(CASE WHEN fever THEN 1 ELSE 0 END) AS BIGINT)"),
                    sea_orm::sea_query::Alias::new("f"),
                )
                .from(health_reports::Entity)
                .and_where(health_reports::Column::ReportDate.eq(day))
                .and_where(health_reports::Column::EnterpriseId.in_subquery(visible))
                .group_by_col(health_reports::Column::EnterpriseId),
        ),
    )
    .all(db)
    .await?
    .into_iter()
    .map(|r| (r.enterprise_id, (r.n, r.f)))
    .collect();
    let ids: Vec<i64> = roster.iter().map(|r| r.enterprise_id).collect();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<(i64, String)> = enterprises::Entity::find()
            .select_only()
            .column(enterprises::Column::Id)
            .column(enterprises::Column::Name)
            .filter(enterprises::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    let mut out: Vec<Completion> = roster
        .into_iter()
        .map(|r| {
            let (n, f) = reported.get(&r.enterprise_id).copied().unwrap_or_default();
            Completion {
                enterprise_name: names.remove(&r.enterprise_id).unwrap_or_default(),
                enterprise_id: r.enterprise_id,
                roster: r.n,
                reported: n,
                fevers: f,
            }
        })
        .collect();
    // Least complete first (reported/roster ascending), then by name.
    out.sort_by(|a, b| {
        (a.reported * b.roster)
            .cmp(&(b.reported * a.roster))
            .then_with(|| a.enterprise_name.cmp(&b.enterprise_name))
    });
    Ok(out)
}
