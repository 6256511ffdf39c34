//! The demo's task forces and service teams get members (cadres, round the district's pool),
//! and its key-project firms get their projects with milestones from the spring of 2020 (most
//! reached; a few still short of production, so late), through the area's services.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use crate::access::Principal;
use crate::entities::{case_kinds, cases, key_projects};
use crate::error::AppResult;
use crate::recovery::{projects, teams};

pub struct Refs<'a> {
    pub data: &'a lianxin_demo_data::DemoDistrict,
    pub unit_ids: &'a HashMap<String, i64>,
    pub ent_ids: &'a HashMap<String, i64>,
    pub cadres: &'a HashMap<String, Vec<i64>>,
}

pub async fn load(txn: &DatabaseTransaction, r: &Refs<'_>) -> AppResult<()> {
    let who = Principal::system("demo");
    let mut pool: Vec<i64> = r.cadres.values().flatten().copied().collect();
    pool.sort_unstable();
    let mut next = 0usize;
    let mut take = || {
        let p = pool.get(next % pool.len().max(1)).copied();
        next += 1;
        p
    };
    for u in r
        .data
        .units
        .iter()
        .filter(|u| teams::TEAM_KINDS.contains(&u.kind))
    {
        let Some(&team) = r.unit_ids.get(&u.code) else {
            continue;
        };
        let size = if u.kind == "task_force" { 2 } else { 3 };
        for i in 0..size {
            let Some(person) = take() else { break };
            let added = teams::add_member(
                txn,
                &who,
                team,
                teams::MemberInput {
                    person_id: Some(person),
                    role: Some(if i == 0 { "leader" } else { "member" }.to_owned()),
                    from: NaiveDate::from_ymd_opt(2020, 2, 3),
                },
            )
            .await;
            // A cadre drawn twice for the same team is skipped, not an error of the demo.
            match added {
                Ok(_) | Err(crate::error::AppError::Validation(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let start = NaiveDate::from_ymd_opt(2020, 2, 10).unwrap_or_default();
    for (i, e) in r
        .data
        .enterprises
        .iter()
        .filter(|e| e.key_project)
        .enumerate()
    {
        let Some(&firm) = r.ent_ids.get(&e.uscc) else {
            continue;
        };
        let i = i as i64;
        let signed_planned = start + Duration::days(i % 20);
        let started_planned = signed_planned + Duration::days(30 + i % 15);
        let producing_planned = started_planned + Duration::days(75 + i % 30);
        let reached_production = i % 7 != 3;
        let kind = ["技术改造", "扩能", "智能化改造", "新建生产线"][(i % 4) as usize];
        projects::create(
            txn,
            &who,
            projects::ProjectInput {
                name: Some(format!("{}{kind}项目", short_name(&e.name))),
                enterprise_id: Some(firm),
                investment_fen: Some((800 + (i * 379) % 9_200) * 1_000_000),
                team_id: e
                    .service_team_code
                    .as_ref()
                    .and_then(|c| r.unit_ids.get(c).copied()),
                signed_planned: Some(signed_planned),
                signed_on: Some(signed_planned + Duration::days(i % 4)),
                started_planned: Some(started_planned),
                started_on: Some(started_planned + Duration::days(i % 9)),
                producing_planned: Some(producing_planned),
                producing_on: reached_production
                    .then(|| producing_planned + Duration::days(i % 12)),
                note: None,
                version: None,
            },
        )
        .await?;
    }
    // The meeting issues already raised about a key-project firm belong to its project.
    let kind = case_kinds::Entity::find()
        .filter(case_kinds::Column::Code.eq("meeting_issue"))
        .one(txn)
        .await?;
    let projects_by_firm: HashMap<i64, i64> = key_projects::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.enterprise_id, p.id))
        .collect();
    if let Some(kind) = kind {
        for c in cases::Entity::find()
            .filter(cases::Column::KindId.eq(kind.id))
            .all(txn)
            .await?
        {
            if let Some(&project) = c.enterprise_id.and_then(|e| projects_by_firm.get(&e)) {
                projects::link_case(txn, &who, project, c.id).await?;
            }
        }
    }
    Ok(())
}

/// 郑州长城科工贸有限公司 → 长城科工贸.
fn short_name(name: &str) -> &str {
    let name = name.strip_prefix("郑州").unwrap_or(name);
    name.strip_suffix("有限公司")
        .or_else(|| name.strip_suffix("有限责任公司"))
        .or_else(|| name.strip_suffix("股份有限公司"))
        .unwrap_or(name)
}
