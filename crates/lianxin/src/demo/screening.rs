//! The demo district's checkpoints (community gates, road checkpoints, enterprise gates), a
//! device at each, and the last three days of passages by the district's residents and
//! workers, with the odd fever (which raises a follow-up case, as in production).

use std::collections::HashMap;

use chrono::{Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::DatabaseTransaction;

use crate::access::Principal;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::screening::checkpoints::{self, CheckpointInput, DeviceInput};
use crate::screening::passages::{self, PassageInput};

pub struct Person<'a> {
    pub id_number: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
}

/// `places`: (unit id, unit name, kind) of the checkpoints to set up;
/// `people`: who passes them.
pub async fn load(
    txn: &DatabaseTransaction,
    places: &[(i64, String, &'static str)],
    people: &[Person<'_>],
) -> AppResult<Vec<crate::entities::checkpoints::Model>> {
    let mut created = Vec::new();
    if people.is_empty() {
        return Ok(created);
    }
    let who = Principal::system("demo");
    let mut rng = ChaCha8Rng::seed_from_u64(20200210);
    let now = Utc::now();
    let mut regulars: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, (unit_id, unit_name, kind)) in places.iter().enumerate() {
        let suffix = match *kind {
            "community_gate" => "东门卡口",
            "enterprise_gate" => "厂区出入口",
            _ => "道路卡点",
        };
        let cp = checkpoints::create(
            txn,
            &who,
            CheckpointInput {
                name: Some(format!("{unit_name}{suffix}")),
                kind: Some((*kind).to_owned()),
                unit_id: Some(*unit_id),
                place: Some(format!("{unit_name}{suffix}")),
                responsible: Some("党员责任岗：社区党员志愿者轮值".into()),
                ..Default::default()
            },
        )
        .await?;
        let cp = if *kind == "community_gate" {
            // Community gates are staffed from 07:00 to 23:00; roads round the clock.
            checkpoints::set_duty_hours(
                txn,
                &who,
                cp.id,
                checkpoints::DutyHours {
                    duty_from: Some("07:00".into()),
                    duty_to: Some("23:00".into()),
                },
            )
            .await?
        } else {
            cp
        };
        created.push(cp.clone());
        let (device, _) = checkpoints::add_device(
            txn,
            &who,
            DeviceInput {
                checkpoint_id: Some(cp.id),
                name: Some(format!("{}测温门", cp.name)),
            },
        )
        .await?;
        // Each checkpoint has its regulars (who live or work there) and passers-by.
        let regular = regulars
            .entry(i)
            .or_insert_with(|| (0..40).map(|_| rng.gen_range(0..people.len())).collect());
        let mut batch = Vec::new();
        let mut seq = 0;
        for day in (0..3).rev() {
            for _ in 0..rng.gen_range(80..140) {
                let who = if rng.gen_bool(0.8) {
                    regular[rng.gen_range(0..regular.len())]
                } else {
                    rng.gen_range(0..people.len())
                };
                let p = &people[who];
                let minutes = rng.gen_range(6 * 60..22 * 60);
                let at = (now - Duration::days(day))
                    .date_naive()
                    .and_hms_opt(0, 0, 0)
                    .map(|d| d.and_utc())
                    .unwrap_or(now)
                    - Duration::hours(8)
                    + Duration::minutes(minutes);
                if at > now {
                    continue;
                }
                let fever = rng.gen_bool(0.003);
                seq += 1;
                batch.push(PassageInput {
                    device_seq: Some(seq),
                    id_number: Some(p.id_number.to_owned()),
                    name: Some(p.name.to_owned()),
                    phone: Some(p.phone.to_owned()),
                    temperature: Some(if fever {
                        rng.gen_range(373..392)
                    } else {
                        rng.gen_range(358..372)
                    }),
                    direction: Some(if rng.gen_bool(0.5) { "in" } else { "out" }.into()),
                    at: Some(at.fixed_offset()),
                    ..Default::default()
                });
            }
        }
        passages::ingest(txn, &device, batch, Lang::Zh).await?;
    }
    Ok(created)
}

/// The duty roster from three days ago to four days ahead: `crew[0]` (the demo's volunteer
/// login) on duty all day at the first checkpoint, so that the entry page can be tried at any
/// hour; the others take a community gate each, mornings (07:00-15:00) one day and
/// afternoons (15:00-23:00) the next, so the roster shows its gaps. Past shifts have their
/// attendance (one in ten missed); shifts under way now are signed in.
pub async fn load_shifts(
    txn: &DatabaseTransaction,
    checkpoints: &[crate::entities::checkpoints::Model],
    crew: &[crate::entities::users::Model],
) -> AppResult<()> {
    use crate::screening::duty::{self, ShiftInput};
    let who = Principal::system("demo");
    let mut rng = ChaCha8Rng::seed_from_u64(20200211);
    let now = Utc::now();
    let today = duty::local_day(now);
    let tz = chrono::FixedOffset::east_opt(8 * 3600)
        .ok_or_else(|| crate::error::AppError::internal("tz"))?;
    let gates: Vec<_> = checkpoints
        .iter()
        .filter(|c| c.kind == "community_gate")
        .collect();
    let mut plan = Vec::new();
    for offset in -3..=4i64 {
        let d = today + Duration::days(offset);
        if let (Some(first), Some(lead)) = (checkpoints.first(), crew.first()) {
            plan.push((
                first.id,
                lead.id,
                duty::local_at(d, 0),
                duty::local_at(d, 1440),
            ));
        }
        for (i, u) in crew.iter().skip(1).enumerate() {
            let Some(gate) = gates.get((i + 1) % gates.len().max(1)) else {
                continue;
            };
            let (from, to) = if (offset + i as i64) % 2 == 0 {
                (7 * 60, 15 * 60)
            } else {
                (15 * 60, 23 * 60)
            };
            plan.push((
                gate.id,
                u.id,
                duty::local_at(d, from),
                duty::local_at(d, to),
            ));
        }
    }
    for (checkpoint_id, user_id, starts, ends) in plan {
        let shifts = duty::create(
            txn,
            &who,
            ShiftInput {
                checkpoint_id: Some(checkpoint_id),
                user_id: Some(user_id),
                starts_at: Some(starts.with_timezone(&tz)),
                ends_at: Some(ends.with_timezone(&tz)),
                note: None,
                repeat_weeks: None,
            },
        )
        .await?;
        let lead = crew.first().map(|u| u.id) == Some(user_id);
        for s in shifts {
            let signed_in = s.starts_at + Duration::minutes(rng.gen_range(-15..10));
            if lead && s.ends_at > now {
                continue; // the demo volunteer signs in on the entry page
            }
            if s.ends_at <= now && !rng.gen_bool(0.1) {
                let out = s.ends_at + Duration::minutes(rng.gen_range(-10..15));
                duty::backfill_attendance(txn, s.id, signed_in, Some(out)).await?;
            } else if s.starts_at <= now && now < s.ends_at && signed_in <= now {
                duty::backfill_attendance(txn, s.id, signed_in, None).await?;
            }
        }
    }
    Ok(())
}
