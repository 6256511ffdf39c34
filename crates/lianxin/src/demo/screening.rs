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
) -> AppResult<()> {
    if people.is_empty() {
        return Ok(());
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
    Ok(())
}
