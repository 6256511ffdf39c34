//! The demo district: Shangjie (上街区) with its sub-districts, departments, the seed's 36 task
//! forces and 162 service teams, ~300 enterprises and their people, plus one login per role.
//! Loaded through the same service functions as the API and the importers (no SQL side door),
//! in one transaction: a failed load leaves the database empty.

mod health;
mod history;
mod jobs;
mod recovery_pairing;
mod recovery_stages;
mod recovery_teams;
mod recovery_visits;
mod screening;

use std::collections::HashMap;

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::access::Principal;
use crate::access::auth::{self, NewUser};
use crate::entities::{enterprises, units, users};
use crate::error::{AppError, AppResult};
use crate::registries::enterprises::EnterpriseInput;
use crate::registries::people::PersonInput;
use crate::registries::units::UnitInput;
use crate::registries::{enterprises as ent, people, units as unit_reg};

pub const DEMO_PASSWORD: &str = "Lianxin@2020";

/// (username, role, whom it shows)
pub const DEMO_LOGINS: &[(&str, &str, &str)] = &[
    ("admin", "admin", "系统管理员 System administrator"),
    ("leader", "leader", "区领导 District leader (read all)"),
    (
        "gongxin",
        "department_staff",
        "工业和信息化局 Industry and IT bureau",
    ),
    (
        "cadre",
        "service_cadre",
        "党员服务队 A Party-member service team",
    ),
    ("jiancha", "supervisor", "第一监督检查组 Inspection group 1"),
    (
        "zuzhi",
        "organization",
        "区委组织部 Organisation department",
    ),
    ("volunteer", "volunteer", "社区志愿者 A community volunteer"),
    (
        "qiye",
        "enterprise_contact",
        "郑州长城科工贸有限公司 Enterprise contact",
    ),
];

pub async fn is_empty(db: &DatabaseConnection) -> AppResult<bool> {
    Ok(units::Entity::find().count(db).await? == 0
        && users::Entity::find().count(db).await? == 0
        && enterprises::Entity::find().count(db).await? == 0)
}

fn missing(what: &str) -> AppError {
    AppError::internal(format!("demo data is inconsistent: {what}"))
}

pub async fn load(db: &DatabaseConnection, progress: bool) -> AppResult<()> {
    let d = lianxin_demo_data::generate();
    let who = Principal::system("demo");
    let total = (d.units.len() + d.enterprises.len() + d.people.len() + DEMO_LOGINS.len()) as u64;
    let bar = if progress {
        let b = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{msg:12} {bar:40} {pos}/{len} {elapsed}") {
            b.set_style(style);
        }
        b
    } else {
        ProgressBar::hidden()
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;

    bar.set_message("units");
    let mut unit_ids: HashMap<String, i64> = HashMap::new();
    for u in &d.units {
        let parent_id = match &u.parent_code {
            Some(c) => Some(*unit_ids.get(c).ok_or_else(|| missing(c))?),
            None => None,
        };
        let m = unit_reg::create(
            &txn,
            &who,
            UnitInput {
                version: None,
                name: Some(u.name.clone()),
                kind: Some(u.kind.to_owned()),
                parent_id,
                code: Some(u.code.clone()),
                sort: None,
                leader: None,
                phone: None,
            },
        )
        .await?;
        unit_ids.insert(u.code.clone(), m.id);
        bar.inc(1);
    }

    // The district's own industries join the dictionary's (字典管理), and the enterprises
    // name theirs by its label, as a sheet would.
    for (zh, en) in lianxin_demo_data::industries() {
        if lianxin_kernel::dict::within(&txn, async {
            crate::registries::enterprises::INDUSTRIES
                .find(zh)
                .is_none()
        })
        .await
        {
            lianxin_kernel::dict::add(
                &txn,
                &who,
                crate::registries::enterprises::INDUSTRIES.key,
                lianxin_kernel::dict::ItemInput {
                    label_zh: Some(zh.to_owned()),
                    label_en: Some(en.to_owned()),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    bar.set_message("enterprises");
    let mut ent_ids: HashMap<String, i64> = HashMap::new();
    lianxin_kernel::dict::within(&txn, async {
        for e in &d.enterprises {
            let m = ent::create(
                &txn,
                &who,
                EnterpriseInput {
                    version: None,
                    name: Some(e.name.clone()),
                    uscc: Some(e.uscc.clone()),
                    unit_id: Some(
                        *unit_ids
                            .get(&e.unit_code)
                            .ok_or_else(|| missing(&e.unit_code))?,
                    ),
                    industry: Some(e.industry.clone()),
                    ownership: Some(e.ownership.to_owned()),
                    address: Some(e.address.clone()),
                    legal_rep: Some(e.legal_rep.clone()),
                    contact_name: Some(e.contact_name.clone()),
                    contact_phone: Some(e.contact_phone.clone()),
                    employee_count: Some(e.employee_count as i64),
                    has_party_org: Some(e.has_party_org),
                    key_project: None,
                    service_team_id: match &e.service_team_code {
                        Some(c) => Some(*unit_ids.get(c).ok_or_else(|| missing(c))?),
                        None => None,
                    },
                    override_reason: None,
                },
            )
            .await?;
            ent_ids.insert(e.uscc.clone(), m.id);
            bar.inc(1);
        }
        Ok::<_, AppError>(())
    })
    .await?;

    bar.set_message("people");
    let mut first_volunteer: Option<(i64, String)> = None;
    let mut volunteers: Vec<(i64, String, String)> = Vec::new();
    let mut contacts: HashMap<String, i64> = HashMap::new();
    let mut cadres: HashMap<String, Vec<i64>> = HashMap::new();
    for p in &d.people {
        let mut kinds = Vec::new();
        for (flag, code) in [
            (p.is_cadre, "cadre"),
            (p.is_volunteer, "volunteer"),
            (p.is_employee, "employee"),
            (p.is_contact, "contact"),
        ] {
            if flag {
                kinds.push(code.to_owned());
            }
        }
        let m = people::create(
            &txn,
            &who,
            PersonInput {
                version: None,
                name: Some(p.name.clone()),
                unit_id: Some(
                    *unit_ids
                        .get(&p.unit_code)
                        .ok_or_else(|| missing(&p.unit_code))?,
                ),
                id_number: Some(p.id_number.clone()),
                phone: Some(p.phone.clone()),
                gender: Some(p.gender.to_owned()),
                enterprise_id: match &p.enterprise_uscc {
                    Some(u) => Some(*ent_ids.get(u).ok_or_else(|| missing(u))?),
                    None => None,
                },
                party_member: Some(p.party_member),
                kinds: Some(kinds),
                position: p.position.clone(),
                rank: p.rank.clone(),
                career: p.career.clone(),
                expertise: p.expertise.clone(),
                traits: p.traits.clone(),
                override_reason: None,
            },
        )
        .await?;
        if p.is_cadre {
            cadres.entry(p.unit_code.clone()).or_default().push(m.id);
        }
        if p.is_volunteer && first_volunteer.is_none() {
            first_volunteer = Some((m.id, p.unit_code.clone()));
        } else if p.is_volunteer && volunteers.len() < 8 {
            volunteers.push((m.id, p.name.clone(), p.unit_code.clone()));
        }
        if p.is_contact
            && let Some(u) = &p.enterprise_uscc
        {
            contacts.entry(u.clone()).or_insert(m.id);
        }
        bar.inc(1);
    }

    bar.set_message("users");
    let unit_code_of = |name: &str| -> Option<String> {
        d.units
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.code.clone())
    };
    let seed_enterprise = d
        .enterprises
        .iter()
        .find(|e| e.name == "郑州长城科工贸有限公司")
        .ok_or_else(|| missing("郑州长城科工贸有限公司"))?;
    for (username, role, what) in DEMO_LOGINS {
        let (unit_code, enterprise_uscc, person_id) = match *role {
            "department_staff" => (unit_code_of("工业和信息化局"), None, None),
            "service_cadre" => (seed_enterprise.service_team_code.clone(), None, None),
            "supervisor" => (unit_code_of("第一监督检查组"), None, None),
            "organization" => (unit_code_of("区委组织部"), None, None),
            "volunteer" => (
                first_volunteer.as_ref().map(|v| v.1.clone()),
                None,
                first_volunteer.as_ref().map(|v| v.0),
            ),
            "enterprise_contact" => (
                Some(seed_enterprise.unit_code.clone()),
                Some(seed_enterprise.uscc.clone()),
                contacts.get(&seed_enterprise.uscc).copied(),
            ),
            _ => (Some("410106".to_owned()), None, None),
        };
        auth::create_user(
            &txn,
            &Principal::system("demo"),
            NewUser {
                username: (*username).to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                display_name: what.split_whitespace().next().map(str::to_owned),
                role_codes: vec![(*role).to_owned()],
                unit_code,
                enterprise_uscc,
                person_id,
            },
        )
        .await?;
        bar.inc(1);
    }
    // The calendar (2020's holidays, the extended Spring Festival) is the shipped one that
    // `app::prepare_database` loaded before this ran.
    bar.set_message("cases");
    let units_by_name: HashMap<String, (i64, String)> = d
        .units
        .iter()
        .filter_map(|u| {
            unit_ids
                .get(&u.code)
                .map(|id| (u.name.clone(), (*id, u.code.clone())))
        })
        .collect();
    let enterprises: Vec<(i64, String, String)> = d
        .enterprises
        .iter()
        .filter_map(|e| {
            ent_ids
                .get(&e.uscc)
                .map(|id| (*id, e.name.clone(), e.contact_name.clone()))
        })
        .collect();
    history::load(
        &txn,
        &history::Refs {
            units: &units_by_name,
            enterprises: &enterprises,
            cadres: &cadres,
        },
    )
    .await?;
    bar.set_message("checkpoints");
    let mut places: Vec<(i64, String, &'static str)> = Vec::new();
    for u in d.units.iter().filter(|u| u.kind == "community").take(8) {
        let id = *unit_ids.get(&u.code).ok_or_else(|| missing(&u.code))?;
        places.push((id, u.name.clone(), "community_gate"));
    }
    for u in d
        .units
        .iter()
        .filter(|u| u.kind == "subdistrict" || u.kind == "town")
    {
        let id = *unit_ids.get(&u.code).ok_or_else(|| missing(&u.code))?;
        places.push((id, u.name.clone(), "road"));
    }
    let residents: Vec<screening::Person<'_>> = d
        .people
        .iter()
        .filter(|p| p.is_volunteer || p.is_employee)
        .map(|p| screening::Person {
            id_number: &p.id_number,
            name: &p.name,
            phone: &p.phone,
        })
        .collect();
    let checkpoints = screening::load(&txn, &places, &residents).await?;
    // The duty roster: the demo's volunteer login on duty all week at the first community
    // gate (so the entry page works whenever the demo runs), and more volunteers in shifts.
    bar.set_message("duty roster");
    let mut crew = Vec::new();
    if let Some(u) = users::Entity::find()
        .filter(users::Column::Username.eq("volunteer"))
        .one(&txn)
        .await?
    {
        crew.push(u);
    }
    for (i, (person_id, name, unit_code)) in volunteers.iter().enumerate() {
        crew.push(
            auth::create_user(
                &txn,
                &Principal::system("demo"),
                NewUser {
                    username: format!("volunteer{}", i + 2),
                    password: DEMO_PASSWORD.to_owned(),
                    display_name: Some(name.clone()),
                    role_codes: vec!["volunteer".to_owned()],
                    unit_code: Some(unit_code.clone()),
                    enterprise_uscc: None,
                    person_id: Some(*person_id),
                },
            )
            .await?,
        );
    }
    screening::load_shifts(&txn, &checkpoints, &crew).await?;
    bar.set_message("health reports");
    health::load(&txn).await?;
    bar.set_message("teams, projects");
    recovery_teams::load(
        &txn,
        &recovery_teams::Refs {
            data: &d,
            unit_ids: &unit_ids,
            ent_ids: &ent_ids,
            cadres: &cadres,
        },
    )
    .await?;
    bar.set_message("pairings");
    let firms: Vec<(i64, String, Option<String>)> = d
        .enterprises
        .iter()
        .filter_map(|e| {
            ent_ids
                .get(&e.uscc)
                .map(|id| (*id, e.unit_code.clone(), e.service_team_code.clone()))
        })
        .collect();
    recovery_pairing::load(
        &txn,
        &recovery_pairing::Refs {
            cadres: &cadres,
            firms: &firms,
            seed_firm: *ent_ids
                .get(&seed_enterprise.uscc)
                .ok_or_else(|| missing(&seed_enterprise.uscc))?,
            seed_team: seed_enterprise.service_team_code.as_deref(),
        },
    )
    .await?;
    bar.set_message("stages");
    recovery_stages::load(&txn).await?;
    // Last: the visits read the pairings (when loaded) and link the history's appeals.
    bar.set_message("visits");
    let firm_units: HashMap<i64, String> = d
        .enterprises
        .iter()
        .filter_map(|e| ent_ids.get(&e.uscc).map(|id| (*id, e.unit_code.clone())))
        .collect();
    recovery_visits::load(
        &txn,
        &recovery_visits::Refs {
            enterprises: &enterprises,
            firm_units: &firm_units,
            cadres: &cadres,
            units: &units_by_name,
        },
    )
    .await?;
    bar.set_message("jobs");
    jobs::load(
        &txn,
        &jobs::Refs {
            data: &d,
            seed_firm: *ent_ids
                .get(&seed_enterprise.uscc)
                .ok_or_else(|| missing(&seed_enterprise.uscc))?,
        },
    )
    .await?;
    txn.commit().await?;
    bar.finish_and_clear();
    Ok(())
}
