//! The demo's resumption stages: a weekly report of every demo firm from February to April
//! 2020, through the stages service, taking the district from mostly 未复工 in February to
//! mostly 达产 by April. Most are confirmed by the firm's leading cadre (or, while pairing is
//! not loaded, by no one in particular through the demo path); a few firms report a stage
//! their figures do not support, confirmed as reported and so flagged.

use chrono::{Duration, NaiveDate};
use sea_orm::{DatabaseTransaction, EntityTrait, QueryOrder};

use crate::access::Principal;
use crate::entities::{enterprise_pairings, enterprises};
use crate::error::AppResult;
use crate::recovery::stages::{self, ReportInput};

/// A stable spread per firm (no randomness: the demo is the same each time).
fn spread(id: i64, salt: i64, n: i64) -> i64 {
    (id.wrapping_mul(2_654_435_761).wrapping_add(salt * 40_503)).rem_euclid(n)
}

pub async fn load(txn: &DatabaseTransaction) -> AppResult<()> {
    let who = Principal::system("demo");
    let firms = enterprises::Entity::find()
        .order_by_asc(enterprises::Column::Id)
        .all(txn)
        .await?;
    let leaders: std::collections::HashMap<i64, Option<i64>> = enterprise_pairings::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.enterprise_id, p.leader_person_id))
        .collect();
    let first = NaiveDate::from_ymd_opt(2020, 2, 3).unwrap_or_default();
    for (i, f) in firms.iter().enumerate() {
        let total = i64::from(f.employee_count.max(0)).max(8);
        // The week the firm resumed (1..5: mid-February into early March) and how fast its
        // capacity ramps (points a week).
        let start = 1 + spread(f.id, 1, 5);
        let pace = 14 + spread(f.id, 2, 10);
        let ceiling = if spread(f.id, 3, 10) == 0 { 125 } else { 100 };
        // A few firms claim 达产 in March before their figures support it.
        let claims = i % 23 == 7;
        // A few firms' last report still awaits confirmation.
        let last_open = spread(f.id, 4, 5) == 0;
        for week in 0..13_i64 {
            let on = first + Duration::days(7 * week);
            let w = week - start;
            let (back, cap) = if w < 0 {
                (total * spread(f.id, week, 5) / 100, 0)
            } else {
                let back = (total * (25 + 25 * w) / 100).min(total);
                let cap = (10 + pace * w + spread(f.id, week + 7, 6)).min(ceiling);
                (back, cap)
            };
            let stage = (claims && (5..8).contains(&week)).then(|| "full".to_owned());
            let r = stages::report(
                txn,
                &who,
                f.id,
                ReportInput {
                    stage,
                    on: Some(on),
                    workers_back: Some(back),
                    workers_total: Some(total),
                    capacity_pct: Some(cap),
                },
            )
            .await?;
            if !(last_open && week == 12) {
                let person = leaders.get(&f.id).copied().flatten();
                stages::demo_confirm(txn, r.id, None, person).await?;
            }
        }
    }
    Ok(())
}
