//! The demo district's 三送一强 visits (February to April 2020): many firms visited by their
//! paired cadres (or, where no pairing is recorded, by cadres of the firm's sub-district),
//! what was delivered under the four headings, problems that became appeals on the case
//! engine at the visit's time, and the visit-sourced appeals of the history (the 19 March story
//! among them) linked to the visits they came from.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::access::Principal;
use crate::cases::service::{self, ActionInput, CaseInput};
use crate::entities::{cases, enterprise_pairings, visit_problems, visit_visitors, visits};
use crate::error::AppResult;

pub struct Refs<'a> {
    /// (id, name, contact name)
    pub enterprises: &'a [(i64, String, String)],
    /// enterprise id → its unit's code
    pub firm_units: &'a HashMap<i64, String>,
    /// unit code → cadre person ids
    pub cadres: &'a HashMap<String, Vec<i64>>,
    /// unit name → (id, code)
    pub units: &'a HashMap<String, (i64, String)>,
}

fn local(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(2020, month, day, hour, minute, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

const POLICIES: &[&str] = &[
    "宣讲阶段性减免社保费政策",
    "解读稳岗返还和以工代训补贴",
    "送达支持中小企业共渡难关十条措施",
    "讲解电费阶段性降低 5% 政策",
    "介绍延期缴纳税款办理方式",
];
const SERVICES: &[&str] = &[
    "协助办理复工备案",
    "代办用工登记和健康证明",
    "对接线上招聘会",
    "帮办贷款延期申请",
    "现场指导防控方案",
];
const FACTORS: &[&str] = &[
    "协调口罩 2000 只、测温枪 10 把",
    "协调原料运输通行证",
    "对接银行授信 300 万元",
    "协调返岗员工包车",
    "",
];
const CONFIDENCE: &[&str] = &[
    "通报全区复工进度，企业负责人表示有信心一季度达产",
    "介绍园区配套恢复情况",
    "承诺问题限时办结、专人跟踪",
    "",
];

/// Problem → (category, title, lead department).
const PROBLEMS: &[(&str, &str, &str)] = &[
    (
        "workforce",
        "外地员工返岗难，缺熟练工",
        "人力资源和社会保障局",
    ),
    ("supplies", "口罩等防疫物资不足", "工业和信息化局"),
    ("finance", "流动资金紧张，贷款即将到期", "财政局"),
    ("logistics", "原料运输车辆通行受阻", "交通运输局"),
    ("permits", "复工所需证照办理慢", "行政审批和政务信息管理局"),
    ("policy", "稳岗补贴申领不知如何办理", "人力资源和社会保障局"),
];

async fn insert_visit(
    txn: &DatabaseTransaction,
    enterprise_id: i64,
    at: DateTime<Utc>,
    visitors: &[i64],
    rng: &mut ChaCha8Rng,
    notes: Option<String>,
) -> AppResult<visits::Model> {
    let pick = |list: &[&str], rng: &mut ChaCha8Rng| list[rng.gen_range(0..list.len())].to_owned();
    let v = visits::ActiveModel {
        enterprise_id: Set(enterprise_id),
        visited_at: Set(at),
        policy: Set(pick(POLICIES, rng)),
        service: Set(pick(SERVICES, rng)),
        factor: Set(pick(FACTORS, rng)),
        confidence: Set(pick(CONFIDENCE, rng)),
        notes: Set(notes),
        unit_id: Set(None),
        created_by_user_id: Set(None),
        created_at: Set(at + Duration::hours(2)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for p in visitors {
        visit_visitors::ActiveModel {
            visit_id: Set(v.id),
            person_id: Set(*p),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(v)
}

async fn problem_row(
    txn: &DatabaseTransaction,
    visit_id: i64,
    seq: i32,
    case_id: i64,
    linked: bool,
) -> AppResult<()> {
    visit_problems::ActiveModel {
        visit_id: Set(visit_id),
        seq: Set(seq),
        case_id: Set(case_id),
        linked: Set(linked),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

pub async fn load(txn: &DatabaseTransaction, r: &Refs<'_>) -> AppResult<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(20200210);
    let pairings: HashMap<i64, Vec<i64>> = enterprise_pairings::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.enterprise_id,
                [
                    p.leader_person_id,
                    p.instructor_person_id,
                    p.specialist_person_id,
                ]
                .into_iter()
                .flatten()
                .collect(),
            )
        })
        .collect();
    let all_cadres: Vec<i64> = r.cadres.values().flatten().copied().collect();
    if all_cadres.is_empty() || r.enterprises.is_empty() {
        return Ok(());
    }
    let visitors_of = |firm: i64, rng: &mut ChaCha8Rng| -> Vec<i64> {
        if let Some(p) = pairings.get(&firm).filter(|p| !p.is_empty()) {
            return p.iter().take(2).copied().collect();
        }
        let local: Vec<i64> = r
            .firm_units
            .get(&firm)
            .and_then(|u| r.cadres.get(u))
            .cloned()
            .unwrap_or_default();
        let pool = if local.is_empty() {
            &all_cadres
        } else {
            &local
        };
        let first = pool[rng.gen_range(0..pool.len())];
        let mut out = vec![first];
        if pool.len() > 1 && rng.gen_bool(0.4) {
            let second = pool[rng.gen_range(0..pool.len())];
            if second != first {
                out.push(second);
            }
        }
        out
    };

    // The visit-sourced appeals of the history came from visits: each gets its visit, the
    // appeal linked to it (the 19 March story first).
    let from_visits = cases::Entity::find()
        .filter(cases::Column::Source.eq("visit"))
        .filter(cases::Column::EnterpriseId.is_not_null())
        .order_by_asc(cases::Column::Id)
        .limit(40)
        .all(txn)
        .await?;
    for c in &from_visits {
        let Some(firm) = c.enterprise_id else {
            continue;
        };
        let notes = c
            .title
            .contains("扩建项目施工许可")
            .then(|| "区长带队走访，现场协调多部门并联办理扩建项目手续".to_owned());
        let people = visitors_of(firm, &mut rng);
        let v = insert_visit(
            txn,
            firm,
            c.created_at - Duration::minutes(30),
            &people,
            &mut rng,
            notes,
        )
        .await?;
        problem_row(txn, v.id, 1, c.id, true).await?;
    }

    // Visits to many firms, each firm two or three times from February to April; about a
    // third find a problem that becomes an appeal, most handed over on the spot.
    let team = Principal::system("三送一强工作队");
    let firms: Vec<&(i64, String, String)> = r.enterprises.iter().step_by(2).take(80).collect();
    for (i, (firm, name, contact)) in firms.into_iter().enumerate() {
        let n = 2 + (i % 2);
        for k in 0..n {
            let month = 2 + k as u32;
            let day = rng.gen_range(if month == 2 { 10 } else { 2 }..=27);
            let at = local(month, day, rng.gen_range(9..17), rng.gen_range(0..60));
            let people = visitors_of(*firm, &mut rng);
            let v = insert_visit(txn, *firm, at, &people, &mut rng, None).await?;
            if rng.gen_bool(0.35) {
                let (cat, title, lead) = PROBLEMS[rng.gen_range(0..PROBLEMS.len())];
                let lead_id = r.units.get(lead).map(|u| u.0);
                let c = service::create(
                    txn,
                    &team,
                    CaseInput {
                        kind: Some("enterprise_appeal".into()),
                        category: Some(cat.into()),
                        title: Some(title.into()),
                        description: Some(format!("走访{name}时企业反映：{title}。")),
                        enterprise_id: Some(*firm),
                        source: Some("visit".into()),
                        contact_name: Some(contact.clone()),
                        dispatch: lead_id
                            .filter(|_| rng.gen_bool(0.8))
                            .map(|lead| ActionInput {
                                lead_unit_id: Some(lead),
                                working_days: Some(5),
                                ..Default::default()
                            }),
                        ..Default::default()
                    },
                    at + Duration::minutes(20),
                )
                .await?;
                problem_row(txn, v.id, 1, c.id, false).await?;
            }
        }
    }
    Ok(())
}
