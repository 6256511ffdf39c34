//! The district at a glance, within the caller's data scope: counts by kind and sub-district.
//! Grouped counts in the database, never rows pulled into memory.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;

use crate::access::Principal;
use crate::access::scope::scoped;
use crate::entities::{enterprises, people, units};
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub units: u64,
    pub enterprises: u64,
    pub people: u64,
    pub cadres: u64,
    pub volunteers: u64,
    pub employees: u64,
    pub party_members: u64,
    pub key_projects: u64,
    pub enterprises_with_party_org: u64,
    /// Enterprises per sub-district/town: (unit id, name, count).
    pub enterprises_by_unit: Vec<(i64, String, u64)>,
    /// Enterprises per ownership code.
    pub enterprises_by_ownership: Vec<(String, u64)>,
    /// Units per kind code.
    pub units_by_kind: Vec<(String, u64)>,
    /// People per sub-district/town (including the units below it): (unit id, name, count).
    pub people_by_unit: Vec<(i64, String, u64)>,
}

pub async fn overview(db: &impl ConnectionTrait, who: &Principal) -> AppResult<Overview> {
    let s = &who.scope;
    let count_people = |col: people::Column| async move {
        scoped::<people::Entity>(s)
            .filter(col.eq(true))
            .count(db)
            .await
    };
    let units_by_kind: Vec<(String, i64)> = scoped::<units::Entity>(s)
        .select_only()
        .column(units::Column::Kind)
        .column_as(Expr::col(units::Column::Id).count(), "n")
        .group_by(units::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let by_unit: Vec<(i64, i64)> = scoped::<enterprises::Entity>(s)
        .select_only()
        .column(enterprises::Column::UnitId)
        .column_as(Expr::col(enterprises::Column::Id).count(), "n")
        .group_by(enterprises::Column::UnitId)
        .into_tuple()
        .all(db)
        .await?;
    let by_ownership: Vec<(String, i64)> = scoped::<enterprises::Entity>(s)
        .select_only()
        .column(enterprises::Column::Ownership)
        .column_as(Expr::col(enterprises::Column::Id).count(), "n")
        .group_by(enterprises::Column::Ownership)
        .into_tuple()
        .all(db)
        .await?;
    // Sub-districts and towns, with everyone in the units below them.
    let homes = units::Entity::find()
        .filter(units::Column::Kind.is_in(["subdistrict", "town"]))
        .all(db)
        .await?;
    let mut people_by_unit = Vec::new();
    for h in &homes {
        let n = scoped::<people::Entity>(s)
            .filter(
                people::Column::UnitId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(crate::entities::unit_closure::Column::DescendantId)
                        .from(crate::entities::unit_closure::Entity)
                        .and_where(crate::entities::unit_closure::Column::AncestorId.eq(h.id))
                        .take(),
                ),
            )
            .count(db)
            .await?;
        if n > 0 {
            people_by_unit.push((h.id, h.name.clone(), n));
        }
    }
    let names: std::collections::HashMap<i64, String> =
        homes.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut enterprises_by_unit: Vec<(i64, String, u64)> = by_unit
        .into_iter()
        .map(|(id, n)| {
            (
                id,
                names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                n as u64,
            )
        })
        .collect();
    enterprises_by_unit.sort_by_key(|(id, _, _)| *id);
    Ok(Overview {
        units: scoped::<units::Entity>(s).count(db).await?,
        enterprises: scoped::<enterprises::Entity>(s).count(db).await?,
        people: scoped::<people::Entity>(s).count(db).await?,
        cadres: count_people(people::Column::IsCadre).await?,
        volunteers: count_people(people::Column::IsVolunteer).await?,
        employees: count_people(people::Column::IsEmployee).await?,
        party_members: count_people(people::Column::PartyMember).await?,
        key_projects: scoped::<enterprises::Entity>(s)
            .filter(enterprises::Column::KeyProject.eq(true))
            .count(db)
            .await?,
        enterprises_with_party_org: scoped::<enterprises::Entity>(s)
            .filter(enterprises::Column::HasPartyOrg.eq(true))
            .count(db)
            .await?,
        enterprises_by_unit,
        enterprises_by_ownership: by_ownership
            .into_iter()
            .map(|(k, n)| (k, n as u64))
            .collect(),
        units_by_kind: units_by_kind
            .into_iter()
            .map(|(k, n)| (k, n as u64))
            .collect(),
        people_by_unit,
    })
}
