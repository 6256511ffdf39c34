//! The demo enterprises' daily health reports (C9): the last three days for every enterprise
//! with employees, through `screening::health::submit` like a contact's form. Most employees
//! report every day, a few have not yet reported today; now and then someone is anxious or
//! back from outside the city, and rarely someone has a fever (which raises a follow-up case).

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use crate::access::Principal;
use crate::entities::people;
use crate::error::AppResult;
use crate::screening::health::{self, Celsius, HealthReportInput};

const PLACES: &[&str] = &["上街区", "上街区", "上街区", "厂区宿舍", "荥阳市"];
const FROM: &[&str] = &["郑州市金水区", "洛阳市", "开封市", "新乡市"];

pub async fn load(txn: &DatabaseTransaction) -> AppResult<()> {
    let employees = people::Entity::find()
        .filter(people::Column::IsEmployee.eq(true))
        .filter(people::Column::EnterpriseId.is_not_null())
        .order_by_asc(people::Column::Id)
        .all(txn)
        .await?;
    let mut by_enterprise: BTreeMap<i64, Vec<people::Model>> = BTreeMap::new();
    for p in employees {
        if let Some(e) = p.enterprise_id {
            by_enterprise.entry(e).or_default().push(p);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(20200211);
    let today = crate::screening::duty::local_day(Utc::now());
    for (enterprise_id, roster) in by_enterprise {
        // The enterprise's contact, as the form's author.
        let mut who = Principal::system("demo");
        who.enterprise_id = Some(enterprise_id);
        for back in (0..3).rev() {
            let day = today - Duration::days(back);
            let skip = if back == 0 { 0.15 } else { 0.03 };
            let mut reports = Vec::new();
            for p in &roster {
                if rng.gen_bool(skip) {
                    continue;
                }
                let fever = rng.gen_bool(0.004);
                let temp: i16 = if fever {
                    rng.gen_range(374..=386)
                } else {
                    rng.gen_range(360..=369)
                };
                let mut symptoms = Vec::new();
                if fever {
                    symptoms.push("fever".to_owned());
                }
                if rng.gen_bool(0.02) {
                    symptoms.push(
                        if rng.gen_bool(0.5) {
                            "cough"
                        } else {
                            "fatigue"
                        }
                        .into(),
                    );
                }
                let mental = match rng.gen_range(0..100) {
                    0..=5 => "anxious",
                    6..=7 => "low",
                    8 => "needs_help",
                    _ => "good",
                };
                let returned = rng.gen_bool(0.03);
                let quarantine = if returned { "home" } else { "none" };
                reports.push(HealthReportInput {
                    person_id: Some(p.id),
                    temperature: Some(Celsius::Text(lianxin_types::DeciCelsius(temp).degrees())),
                    symptoms: Some(symptoms),
                    mental_state: Some(mental.into()),
                    location: Some(PLACES[rng.gen_range(0..PLACES.len())].into()),
                    returned_from: returned.then(|| FROM[rng.gen_range(0..FROM.len())].to_owned()),
                    returned_on: returned
                        .then(|| (day - Duration::days(rng.gen_range(0..3))).to_string()),
                    quarantine: Some(quarantine.into()),
                    ..Default::default()
                });
            }
            if !reports.is_empty() {
                health::submit(txn, &who, day, reports).await?;
            }
        }
    }
    Ok(())
}
