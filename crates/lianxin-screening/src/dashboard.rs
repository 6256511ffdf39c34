//! The screening dashboard: today's passages and fevers by checkpoint and sub-district, the
//! 14-day trend, duty coverage now, the latest fevers and health-report completion, within the
//! caller's scope.
//!
//! Pre-aggregated: every ingest moves `screening_tallies` (day, checkpoint) in its own
//! transaction (`add_to_tally`), so the dashboard reads a few hundred small rows however many
//! passages there are. Latest fevers come from the (fever, at) index.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use crate::access::Principal;
use crate::entities::{checkpoints, passages, screening_tallies, unit_closure, units};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::perm;

/// Adds to several (day, checkpoint) totals in one statement per 500; `totals` must not
/// repeat a key, and in (day, checkpoint) order concurrent writers never deadlock.
pub async fn add_to_tallies(
    db: &impl ConnectionTrait,
    totals: &[(NaiveDate, i64, i64, i64)],
) -> AppResult<()> {
    use screening_tallies::Column as C;
    for chunk in totals.chunks(500) {
        let mut stmt = Query::insert();
        stmt.into_table(screening_tallies::Entity).columns([
            C::Day,
            C::CheckpointId,
            C::Passages,
            C::Fevers,
        ]);
        for (day, cp, n, f) in chunk {
            stmt.values([(*day).into(), (*cp).into(), (*n).into(), (*f).into()])
                .map_err(AppError::internal)?;
        }
        stmt.on_conflict(
            OnConflict::columns([C::Day, C::CheckpointId])
                .value(
                    C::Passages,
                    Expr::cust("screening_tallies.passages + excluded.passages"),
                )
                .value(
                    C::Fevers,
                    Expr::cust("screening_tallies.fevers + excluded.fevers"),
                )
                .to_owned(),
        );
        db.execute(&stmt).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub id: i64,
    pub name: String,
    pub passages: i64,
    pub fevers: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    pub day: NaiveDate,
    pub passages: i64,
    pub fevers: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageCounts {
    pub on_duty: usize,
    pub unsigned: usize,
    pub gap: usize,
    pub closed: usize,
    /// Checkpoints that should be staffed now and are not (空岗 or 未到岗), with their state.
    pub uncovered: Vec<super::duty::Coverage>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScreeningDashboard {
    pub today: NaiveDate,
    pub passages_today: i64,
    pub fevers_today: i64,
    pub checkpoints: usize,
    /// Today, busiest first.
    pub by_checkpoint: Vec<Count>,
    /// Today, per sub-district (街道/镇) of the checkpoints' units.
    pub by_subdistrict: Vec<Count>,
    /// The last 14 days, oldest first.
    pub trend: Vec<DayCount>,
    pub coverage: CoverageCounts,
    /// Today's latest fevers (names masked), each with its follow-up case.
    pub latest_fevers: Vec<super::passages::PassageView>,
    /// Health reports today per enterprise (least complete first).
    pub health: Vec<super::health::Completion>,
    pub health_reported: i64,
    pub health_roster: i64,
}

#[derive(FromQueryResult)]
struct TallyRow {
    checkpoint_id: i64,
    passages: i64,
    fevers: i64,
}

#[derive(FromQueryResult)]
struct SubRow {
    descendant_id: i64,
    ancestor_id: i64,
    name: String,
}

#[derive(FromQueryResult)]
struct TrendRow {
    day: NaiveDate,
    passages: i64,
    fevers: i64,
}

fn in_scope(who: &Principal) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(checkpoints::Column::Id)
        .from(checkpoints::Entity)
        .cond_where(super::checkpoints::scope_condition(who))
        .take()
}

pub async fn build(
    db: &impl ConnectionTrait,
    who: &Principal,
    lang: Lang,
) -> AppResult<ScreeningDashboard> {
    who.require(perm::CHECKPOINT_LIST)?;
    let now = Utc::now();
    let today = super::duty::local_day(now);
    let cps: HashMap<i64, checkpoints::Model> = checkpoints::Entity::find()
        .filter(super::checkpoints::scope_condition(who))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let rows = TallyRow::find_by_statement(
        db.get_database_backend().build(
            Query::select()
                .columns([
                    screening_tallies::Column::CheckpointId,
                    screening_tallies::Column::Passages,
                    screening_tallies::Column::Fevers,
                ])
                .from(screening_tallies::Entity)
                .and_where(screening_tallies::Column::Day.eq(today))
                .and_where(screening_tallies::Column::CheckpointId.in_subquery(in_scope(who))),
        ),
    )
    .all(db)
    .await?;
    let mut by_checkpoint: Vec<Count> = rows
        .iter()
        .map(|r| Count {
            id: r.checkpoint_id,
            name: cps
                .get(&r.checkpoint_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            passages: r.passages,
            fevers: r.fevers,
        })
        .collect();
    by_checkpoint.sort_by(|a, b| b.passages.cmp(&a.passages).then(a.id.cmp(&b.id)));
    let passages_today = rows.iter().map(|r| r.passages).sum();
    let fevers_today = rows.iter().map(|r| r.fevers).sum();

    // Sub-districts: the checkpoint's unit's ancestor of kind 街道/镇 (itself included).
    let unit_ids: Vec<i64> = cps.values().map(|c| c.unit_id).collect();
    let mut sub_of: HashMap<i64, (i64, String)> = HashMap::new();
    for chunk in unit_ids.chunks(500) {
        let pairs = SubRow::find_by_statement(
            db.get_database_backend().build(
                Query::select()
                    .column((unit_closure::Entity, unit_closure::Column::DescendantId))
                    .column((unit_closure::Entity, unit_closure::Column::AncestorId))
                    .column((units::Entity, units::Column::Name))
                    .from(unit_closure::Entity)
                    .inner_join(
                        units::Entity,
                        Expr::col((units::Entity, units::Column::Id))
                            .equals((unit_closure::Entity, unit_closure::Column::AncestorId)),
                    )
                    .and_where(
                        Expr::col((unit_closure::Entity, unit_closure::Column::DescendantId))
                            .is_in(chunk.to_vec()),
                    )
                    .and_where(
                        Expr::col((units::Entity, units::Column::Kind))
                            .is_in(["subdistrict", "town"]),
                    ),
            ),
        )
        .all(db)
        .await?;
        for r in pairs {
            sub_of.insert(r.descendant_id, (r.ancestor_id, r.name));
        }
    }
    let mut subs: HashMap<i64, Count> = HashMap::new();
    for r in &rows {
        let Some(c) = cps.get(&r.checkpoint_id) else {
            continue;
        };
        let (id, name) = sub_of
            .get(&c.unit_id)
            .cloned()
            .unwrap_or((0, lang.pick("其他", "Other").to_owned()));
        let e = subs.entry(id).or_insert(Count {
            id,
            name,
            passages: 0,
            fevers: 0,
        });
        e.passages += r.passages;
        e.fevers += r.fevers;
    }
    let mut by_subdistrict: Vec<Count> = subs.into_values().collect();
    by_subdistrict.sort_by(|a, b| b.passages.cmp(&a.passages).then(a.id.cmp(&b.id)));

    // The trend: 14 days, summed in the database (CAST keeps PostgreSQL's SUM an integer).
    let first = today - Duration::days(13);
    let trend_rows = TrendRow::find_by_statement(
        db.get_database_backend().build(
            Query::select()
                .column(screening_tallies::Column::Day)
                .expr_as(
                    Expr::cust("CAST(SUM(passages) AS BIGINT)"),
                    sea_orm::sea_query::Alias::new("passages"),
                )
                .expr_as(
                    Expr::cust("CAST(SUM(fevers) AS BIGINT)"),
                    sea_orm::sea_query::Alias::new("fevers"),
                )
                .from(screening_tallies::Entity)
                .and_where(screening_tallies::Column::Day.gte(first))
                .and_where(screening_tallies::Column::CheckpointId.in_subquery(in_scope(who)))
                .group_by_col(screening_tallies::Column::Day),
        ),
    )
    .all(db)
    .await?;
    let by_day: HashMap<NaiveDate, (i64, i64)> = trend_rows
        .into_iter()
        .map(|r| (r.day, (r.passages, r.fevers)))
        .collect();
    let trend = (0..14)
        .map(|i| {
            let day = first + Duration::days(i);
            let (p, f) = by_day.get(&day).copied().unwrap_or_default();
            DayCount {
                day,
                passages: p,
                fevers: f,
            }
        })
        .collect();

    // Duty now.
    let cov = super::duty::coverage_now(db, who, lang).await?;
    let count = |s: &str| cov.iter().filter(|c| c.state == s).count();
    let coverage = CoverageCounts {
        on_duty: count("on_duty"),
        unsigned: count("unsigned"),
        gap: count("gap"),
        closed: count("closed"),
        uncovered: cov
            .iter()
            .filter(|c| c.state == "gap" || c.state == "unsigned")
            .take(50)
            .cloned()
            .collect(),
    };

    // Today's latest fevers, masked whatever the role (a wall screen).
    let fever_rows = passages::Entity::find()
        .filter(super::passages::fevers_only())
        .filter(passages::Column::At.gte(super::duty::local_at(today, 0)))
        .filter(super::passages::at_checkpoints_by_fevers(in_scope(who)))
        .order_by_desc(passages::Column::At)
        .limit(10)
        .all(db)
        .await?;
    let latest_fevers = super::passages::masked_views(db, fever_rows).await?;

    let health = if who.can(perm::HEALTH_LIST) {
        super::health::completion(db, who, today).await?
    } else {
        Vec::new()
    };
    Ok(ScreeningDashboard {
        today,
        passages_today,
        fevers_today,
        checkpoints: cps.len(),
        by_checkpoint,
        by_subdistrict,
        trend,
        coverage,
        latest_fevers,
        health_reported: health.iter().map(|h| h.reported).sum(),
        health_roster: health.iter().map(|h| h.roster).sum(),
        health,
    })
}
