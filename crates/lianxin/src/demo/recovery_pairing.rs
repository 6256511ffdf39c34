//! The demo's 三对一 pairings: every firm paired from 2020-02-03 with two cadres of its own
//! sub-district (leader, instructor) and a specialist from the district's other cadres; a
//! change of leading cadre for some firms in March 2020; about one firm in twenty left with a
//! role missing (the gaps to find). The `cadre` login acts as a cadre who is the specialist of
//! the seed firm (the `qiye` login's) and of a few firms elsewhere; the `leader` login acts as
//! a district cadre.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::access::Principal;
use crate::entities::users;
use crate::error::{AppError, AppResult};
use crate::recovery::pairing::{self, PairingInput};

pub struct Refs<'a> {
    /// Cadres (person ids) by their unit's code, in load order.
    pub cadres: &'a HashMap<String, Vec<i64>>,
    /// Each firm: id, its sub-district's code and its stationed team's code, in load order.
    pub firms: &'a [(i64, String, Option<String>)],
    /// The seed firm (the `qiye` login's).
    pub seed_firm: i64,
    /// The seed firm's service team (the `cadre` login's unit).
    pub seed_team: Option<&'a str>,
}

fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| AppError::internal("demo date"))
}

async fn set(
    txn: &impl ConnectionTrait,
    who: &Principal,
    firm: i64,
    input: PairingInput,
) -> AppResult<()> {
    let valid = pairing::validate(txn, &input, pairing::today()).await?;
    pairing::apply(txn, who, firm, &valid).await?;
    Ok(())
}

async fn link(txn: &impl ConnectionTrait, username: &str, person: i64) -> AppResult<()> {
    if let Some(u) = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(txn)
        .await?
    {
        let mut am: users::ActiveModel = u.into();
        am.person_id = Set(Some(person));
        am.update(txn).await?;
    }
    Ok(())
}

/// The firms' pairings: the leading cadre from the firm's sub-district, the instructor from
/// its stationed Party-member service team, the specialist from the departments' cadres.
pub async fn load(txn: &impl ConnectionTrait, r: &Refs<'_>) -> AppResult<()> {
    let who = Principal::system("demo");
    let mut all: Vec<i64> = r.cadres.values().flatten().copied().collect();
    all.sort_unstable();
    // Department cadres: unit codes 410106-Dnn.
    let mut departments: Vec<i64> = r
        .cadres
        .iter()
        .filter(|(code, _)| code.contains("-D"))
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    departments.sort_unstable();
    if all.len() < 3 || departments.len() < 2 {
        return Err(AppError::internal("demo data has too few cadres"));
    }
    let first_of = |code: Option<&str>| code.and_then(|c| r.cadres.get(c)?.first().copied());
    // The `cadre` login acts as the cadre of its service team; the `leader` login as the
    // first department cadre.
    let cadre_person = first_of(r.seed_team).unwrap_or(all[0]);
    let leader_person = departments
        .iter()
        .copied()
        .find(|p| *p != cadre_person)
        .unwrap_or(all[1]);
    let specialists: Vec<i64> = departments
        .iter()
        .copied()
        .filter(|p| *p != leader_person)
        .collect();
    let first = date(2020, 2, 3)?;
    let march = date(2020, 3, 9)?;
    let mut elsewhere = 0;
    for (i, (firm, unit, team)) in r.firms.iter().enumerate() {
        let local = r.cadres.get(unit).filter(|v| !v.is_empty()).unwrap_or(&all);
        let n = local.len();
        let leader = local[i % n];
        let instructor = first_of(team.as_deref()).unwrap_or(all[(i * 5 + 1) % all.len()]);
        let mut specialist = specialists[(i * 7 + 3) % specialists.len()];
        if *firm != r.seed_firm && team.as_deref() != r.seed_team && elsewhere < 4 && i % 9 == 0 {
            elsewhere += 1;
            specialist = cadre_person;
        }
        let gap = *firm != r.seed_firm && (i % 40 == 7 || i % 40 == 27);
        set(
            txn,
            &who,
            *firm,
            PairingInput {
                leader_person_id: Some(Some(leader)),
                instructor_person_id: (!(gap && i % 40 == 27)).then_some(Some(instructor)),
                specialist_person_id: (!gap).then_some(Some(specialist)),
                from: Some(first),
            },
        )
        .await?;
        // March: a new leading cadre for some firms, the district's for others.
        let change = match i % 15 {
            4 => Some(leader_person),
            0 | 9 if n > 1 => Some(local[(i + 1) % n]),
            _ => None,
        };
        if let Some(p) = change {
            set(
                txn,
                &who,
                *firm,
                PairingInput {
                    leader_person_id: Some(Some(p)),
                    from: Some(march),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    link(txn, "cadre", cadre_person).await?;
    link(txn, "leader", leader_person).await?;
    Ok(())
}
