//! The demo district's case history (February to April 2020): a few hundred enterprise
//! appeals across every stage of the loop, the seed's 19 March story (one appeal, several
//! departments at once), supervision inspections with findings, meeting issues and
//! rectification items, revisits, and two issued bulletins. Every step goes through the case
//! engine with its historical time, so the timelines, deadlines and metrics are real.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::DatabaseTransaction;

use crate::access::Principal;
use crate::cases::bulletins::{self, BulletinInput, BulletinItemInput};
use crate::cases::inspections::{self, FindingInput, InspectionInput};
use crate::cases::service::{self, ActionInput, CaseInput};
use crate::entities::cases;
use crate::error::{AppError, AppResult};

pub struct Refs<'a> {
    /// unit name → (id, code)
    pub units: &'a HashMap<String, (i64, String)>,
    /// (id, name, contact name)
    pub enterprises: &'a [(i64, String, String)],
    /// unit code → cadre person ids
    pub cadres: &'a HashMap<String, Vec<i64>>,
}

impl Refs<'_> {
    fn unit(&self, name: &str) -> AppResult<i64> {
        self.units
            .get(name)
            .map(|u| u.0)
            .ok_or_else(|| AppError::internal(format!("demo history: no unit {name}")))
    }
    fn cadre(&self, unit: i64, rng: &mut ChaCha8Rng) -> Option<i64> {
        let code = self.units.values().find(|u| u.0 == unit).map(|u| &u.1)?;
        let list = self.cadres.get(code)?;
        (!list.is_empty()).then(|| list[rng.gen_range(0..list.len())])
    }
}

/// A local (Asia/Shanghai) time in 2020.
fn local(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(2020, month, day, hour, minute, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

/// Category → (lead department, possible assisting departments).
const ROUTES: &[(&str, &str, &[&str])] = &[
    (
        "permits",
        "行政审批和政务信息管理局",
        &[
            "住房和城乡建设局",
            "自然资源和规划局",
            "生态环境分局",
            "市场监督管理局",
        ],
    ),
    (
        "workforce",
        "人力资源和社会保障局",
        &["交通运输局", "卫生健康委员会", "工业和信息化局"],
    ),
    (
        "supplies",
        "工业和信息化局",
        &["卫生健康委员会", "商务局", "市场监督管理局"],
    ),
    (
        "finance",
        "财政局",
        &["发展和改革委员会", "工业和信息化局", "税务局"],
    ),
    ("logistics", "交通运输局", &["公安分局", "商务局"]),
    (
        "policy",
        "发展和改革委员会",
        &["财政局", "税务局", "工业和信息化局"],
    ),
    (
        "utilities",
        "城市管理局",
        &["住房和城乡建设局", "发展和改革委员会"],
    ),
    (
        "appeal_other",
        "工业和信息化局",
        &["商务局", "市场监督管理局"],
    ),
];

const TITLES: &[(&str, &[&str])] = &[
    (
        "permits",
        &[
            "复工备案手续办理受阻",
            "排污许可证延续申请待批",
            "新建厂房施工许可办理慢",
            "食品经营许可证到期需延续",
        ],
    ),
    (
        "workforce",
        &[
            "外地员工返岗缺少通行证明",
            "一线工人招工缺口较大",
            "员工返岗需集中隔离场所",
            "技术工人社保补贴申请",
        ],
    ),
    (
        "supplies",
        &[
            "口罩和消毒液储备不足",
            "测温枪短缺影响复工",
            "需协调防护服采购渠道",
        ],
    ),
    (
        "finance",
        &[
            "流动资金紧张申请贷款展期",
            "稳岗补贴发放进度咨询",
            "申请应急转贷资金",
        ],
    ),
    (
        "logistics",
        &[
            "原材料运输车辆通行受阻",
            "产品外运物流不畅",
            "需办理货车通行证",
        ],
    ),
    (
        "policy",
        &[
            "减免租金政策如何兑现",
            "复工复产奖励申报咨询",
            "阶段性减免社保费落实",
        ],
    ),
    (
        "utilities",
        &[
            "厂区用电增容申请",
            "天然气价格优惠政策落实",
            "供水管网改造影响生产",
        ],
    ),
    (
        "appeal_other",
        &["周边道路施工影响出入", "企业用地边界纠纷需协调"],
    ),
];

async fn step(
    txn: &DatabaseTransaction,
    who: &Principal,
    case: &cases::Model,
    at: DateTime<Utc>,
    input: ActionInput,
) -> AppResult<cases::Model> {
    service::act(
        txn,
        who,
        case.id,
        ActionInput {
            version: Some(case.version),
            ..input
        },
        at,
    )
    .await
}

fn action(a: &str) -> ActionInput {
    ActionInput {
        action: Some(a.into()),
        ..Default::default()
    }
}

fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

pub async fn load(txn: &DatabaseTransaction, r: &Refs<'_>) -> AppResult<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(20200319);
    let dispatcher = Principal::system("区营商环境服务中心");
    let leader = Principal::system("区委督查室");
    nineteenth_of_march(txn, r).await?;

    // Enterprise appeals, spread over ten weeks of working hours.
    let n = 240usize;
    let mut late_cases = Vec::new();
    for i in 0..n {
        let (ent_id, ent_name, contact) = &r.enterprises[rng.gen_range(0..r.enterprises.len())];
        let (cat, lead_name, assists) = ROUTES[rng.gen_range(0..ROUTES.len())];
        let titles = TITLES
            .iter()
            .find(|t| t.0 == cat)
            .map(|t| t.1)
            .unwrap_or(&["企业诉求"]);
        let title = titles[rng.gen_range(0..titles.len())];
        let day = rng.gen_range(0..70);
        let created =
            local(2, 10, 8, 30) + Duration::days(day) + Duration::minutes(rng.gen_range(0..540));
        let source = ["visit", "visit", "online", "hotline"][rng.gen_range(0..4)];
        let raiser = Principal::system(if source == "online" {
            contact.as_str()
        } else {
            "三送一强工作队"
        });
        let case = service::create(
            txn,
            &raiser,
            CaseInput {
                kind: Some("enterprise_appeal".into()),
                category: Some(cat.into()),
                title: Some(title.into()),
                description: Some(format!(
                    "{ent_name}反映：{title}，影响企业复工复产，请协调解决。"
                )),
                enterprise_id: Some(*ent_id),
                source: Some(source.into()),
                priority: Some(
                    if rng.gen_bool(0.1) {
                        "urgent"
                    } else {
                        "normal"
                    }
                    .into(),
                ),
                contact_name: Some(contact.clone()),
                ..Default::default()
            },
            created,
        )
        .await?;
        // Stages: most cases went round the whole loop; some are still under way.
        let stage = i % 25;
        if stage == 24 {
            continue; // waiting to be dispatched
        }
        let lead = r.unit(lead_name)?;
        let mut assist_ids = Vec::new();
        for a in assists.iter().take(rng.gen_range(0..=2)) {
            assist_ids.push(r.unit(a)?);
        }
        let mut t = created + hours(rng.gen_range(1..4));
        let mut case = step(
            txn,
            &dispatcher,
            &case,
            t,
            ActionInput {
                lead_unit_id: Some(lead),
                assist_unit_ids: Some(assist_ids.clone()),
                responsible_person_id: r.cadre(lead, &mut rng),
                ..action("dispatch")
            },
        )
        .await?;
        if stage == 23 {
            continue; // dispatched, not accepted yet
        }
        if stage == 22 {
            // The wrong department: returned and dispatched again (改派).
            t += hours(3);
            let staff = Principal::system(&format!("{lead_name}经办人"));
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(lead),
                    note: Some("不属于本部门职责，建议交由属地办理".into()),
                    ..action("return")
                },
            )
            .await?;
            t += hours(2);
            case = step(
                txn,
                &dispatcher,
                &case,
                t,
                ActionInput {
                    lead_unit_id: Some(lead),
                    assist_unit_ids: Some(assist_ids.clone()),
                    ..action("dispatch")
                },
            )
            .await?;
        }
        let units: Vec<(i64, String)> = std::iter::once((lead, lead_name.to_owned()))
            .chain(
                assist_ids
                    .iter()
                    .zip(assists.iter())
                    .map(|(id, n)| (*id, (*n).to_owned())),
            )
            .collect();
        // Assisting departments accept and resolve their part first.
        for (uid, uname) in units.iter().rev() {
            t += hours(rng.gen_range(1..if stage == 21 { 40 } else { 12 }));
            let staff = Principal::system(&format!("{uname}经办人"));
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(*uid),
                    ..action("accept")
                },
            )
            .await?;
        }
        if stage == 20 || stage == 19 {
            // Still in progress (the later of these now long overdue).
            if stage == 19 {
                late_cases.push(case.id);
                t += hours(30);
                case = step(
                    txn,
                    &leader,
                    &case,
                    t,
                    ActionInput {
                        note: Some("请加快办理，按期反馈".into()),
                        working_days: Some(2),
                        ..action("escalate")
                    },
                )
                .await?;
            }
            let staff = Principal::system(&format!("{lead_name}经办人"));
            step(
                txn,
                &staff,
                &case,
                t + hours(5),
                ActionInput {
                    unit_id: Some(lead),
                    note: Some("已与企业对接，正在协调相关单位".into()),
                    ..action("reply")
                },
            )
            .await?;
            continue;
        }
        if stage == 18 {
            let staff = Principal::system(&format!("{lead_name}经办人"));
            t += hours(20);
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(lead),
                    working_days: Some(5),
                    note: Some("涉及省级审批，需延长办理时间".into()),
                    ..action("extend")
                },
            )
            .await?;
            t += hours(4);
            case = step(
                txn,
                &leader,
                &case,
                t,
                ActionInput {
                    approve: Some(true),
                    ..action("approve_extension")
                },
            )
            .await?;
        }
        for (uid, uname) in units.iter().rev() {
            // Most within the limit; every seventh late.
            let extra = if i % 7 == 3 {
                rng.gen_range(100..200)
            } else {
                rng.gen_range(4..60)
            };
            t += hours(extra / units.len() as i64 + 1);
            let staff = Principal::system(&format!("{uname}经办人"));
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(*uid),
                    solution: Some(if *uid == lead {
                        format!("经{lead_name}牵头协调，问题已解决，已电话告知企业。")
                    } else {
                        format!("{uname}已完成承办部分。")
                    }),
                    ..action("resolve")
                },
            )
            .await?;
        }
        if stage == 17 {
            continue; // waiting for the revisit
        }
        let revisitor = Principal::system(if source == "online" {
            contact.as_str()
        } else {
            "区营商环境服务中心回访员"
        });
        t += hours(rng.gen_range(8..40));
        if stage == 16 || stage == 15 {
            // Not satisfied: re-handled, then satisfied.
            case = step(
                txn,
                &revisitor,
                &case,
                t,
                ActionInput {
                    satisfaction: Some("unsatisfied".into()),
                    solved: Some(false),
                    note: Some("企业反映问题尚未真正解决".into()),
                    ..action("revisit")
                },
            )
            .await?;
            if stage == 15 {
                continue; // being re-handled (重办) now
            }
            t += hours(rng.gen_range(20..60));
            let staff = Principal::system(&format!("{lead_name}经办人"));
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(lead),
                    solution: Some("重新核实后已彻底解决，并当面向企业说明。".into()),
                    ..action("resolve")
                },
            )
            .await?;
            t += hours(24);
        }
        let satisfaction = if rng.gen_bool(0.2) {
            "basically_satisfied"
        } else {
            "satisfied"
        };
        case = step(
            txn,
            &revisitor,
            &case,
            t,
            ActionInput {
                satisfaction: Some(satisfaction.into()),
                solved: Some(true),
                ..action("revisit")
            },
        )
        .await?;
        if stage == 14 {
            continue; // revisited, waiting to be closed
        }
        step(txn, &dispatcher, &case, t + hours(20), action("close")).await?;
    }

    // Meeting issues (企业家会商, 重大项目例会) and rectification items (D2, D5).
    for i in 0..16 {
        let (ent_id, ent_name, _) = &r.enterprises[(i * 17) % r.enterprises.len()];
        let created = local(3, 2, 15, 0) + Duration::days(i as i64 * 3);
        let category = if i % 2 == 0 {
            "entrepreneur_meeting"
        } else {
            "major_project"
        };
        let case = service::create(
            txn,
            &dispatcher,
            CaseInput {
                kind: Some("meeting_issue".into()),
                category: Some(category.into()),
                title: Some(format!("{ent_name}：项目用地和配套手续需加快")),
                description: Some("会商会议提出，需多部门协同推进。".into()),
                enterprise_id: Some(*ent_id),
                source: Some("meeting".into()),
                dispatch: Some(ActionInput {
                    lead_unit_id: Some(r.unit("发展和改革委员会")?),
                    assist_unit_ids: Some(vec![r.unit("自然资源和规划局")?]),
                    ..Default::default()
                }),
                ..Default::default()
            },
            created,
        )
        .await?;
        if i % 4 == 3 {
            continue;
        }
        let mut case = case;
        let mut t = created;
        for (u, n) in [
            ("自然资源和规划局", "自然资源和规划局"),
            ("发展和改革委员会", "发展和改革委员会"),
        ] {
            let staff = Principal::system(&format!("{n}经办人"));
            t += hours(3);
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(r.unit(u)?),
                    ..action("accept")
                },
            )
            .await?;
        }
        for (u, n) in [
            ("自然资源和规划局", "自然资源和规划局"),
            ("发展和改革委员会", "发展和改革委员会"),
        ] {
            let staff = Principal::system(&format!("{n}经办人"));
            t += hours(50);
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(r.unit(u)?),
                    solution: Some("已列入项目推进清单，手续办结。".into()),
                    ..action("resolve")
                },
            )
            .await?;
        }
        t += hours(24);
        case = step(
            txn,
            &dispatcher,
            &case,
            t,
            ActionInput {
                satisfaction: Some("satisfied".into()),
                solved: Some(true),
                ..action("revisit")
            },
        )
        .await?;
        step(txn, &dispatcher, &case, t + hours(2), action("close")).await?;
    }

    // Supervision inspections with findings, verified by the inspecting group.
    let groups = [
        "第一监督检查组",
        "第二监督检查组",
        "第三监督检查组",
        "第四监督检查组",
        "第五监督检查组",
    ];
    let inspected = [
        "济源路街道",
        "新安路街道",
        "中心路街道",
        "工业路街道",
        "矿山街道",
        "峡窝镇",
        "行政审批和政务信息管理局",
        "人力资源和社会保障局",
        "市场监督管理局",
        "卫生健康委员会",
        "城市管理局",
        "交通运输局",
    ];
    let findings_pool: &[(&str, &str)] = &[
        ("prevention", "卡点值守人员登记台账不完整"),
        ("prevention", "返岗人员健康码查验不严"),
        ("work_style", "值班值守人员脱岗"),
        ("inaction", "企业诉求回复超过时限"),
        ("enterprise_service", "对口联系企业走访不到位"),
        ("prevention", "消杀记录缺失"),
    ];
    let mut slow_findings = Vec::new();
    for (i, unit_name) in inspected.iter().enumerate() {
        let group = groups[i % groups.len()];
        let inspector = Principal::system(&format!("{group}组长"));
        let held = local(2, 12, 9, 0) + Duration::days(i as i64 * 5);
        let unit_id = r.unit(unit_name)?;
        let count = 1 + i % 3;
        let findings: Vec<FindingInput> = (0..count)
            .map(|k| {
                let (cat, title) = findings_pool[(i + k) % findings_pool.len()];
                FindingInput {
                    title: Some(title.into()),
                    description: Some(format!("督查发现{unit_name}{title}，要求限期整改。")),
                    category: Some(cat.into()),
                    // Hand over on the spot for the first finding of each inspection.
                    lead_unit_id: (k == 0).then_some(unit_id),
                    working_days: (k == 0).then_some(3),
                    ..Default::default()
                }
            })
            .collect();
        let insp = inspections::create(
            txn,
            &inspector,
            InspectionInput {
                group_unit_id: Some(r.unit(group)?),
                inspected_unit_id: Some(unit_id),
                held_on: Some(held.with_timezone(&Shanghai).format("%Y-%m-%d").to_string()),
                place: Some(format!("{unit_name}办公场所及辖区卡点")),
                methods: Some(vec![
                    ["attend_meeting", "onsite_check", "records_review"][i % 3].to_owned(),
                    "onsite_check".to_owned(),
                ]),
                attendees: Some(format!("{group}全体成员，{unit_name}主要负责人")),
                summary: Some(format!(
                    "{group}列席{unit_name}疫情防控调度会，实地检查辖区卡点，查阅值守和消杀台账。"
                )),
                findings,
            },
            held,
        )
        .await?;
        let f = service::CaseFilter {
            inspection_id: Some(insp.id),
            ..Default::default()
        };
        let all = Principal::system("demo");
        let found = service::list(txn, &all, &f, crate::paging::Paging::new(1, 50)).await?;
        for (k, case) in found.items.into_iter().enumerate() {
            let mut case = case;
            let mut t = held + hours(2);
            if lianxin_cases::engine::Status::of(&case) == lianxin_cases::engine::Status::New {
                case = step(
                    txn,
                    &leader,
                    &case,
                    t,
                    ActionInput {
                        lead_unit_id: Some(unit_id),
                        working_days: Some(5),
                        ..action("dispatch")
                    },
                )
                .await?;
            }
            let staff = Principal::system(&format!("{unit_name}经办人"));
            t += hours(4);
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(unit_id),
                    ..action("accept")
                },
            )
            .await?;
            if (i + k) % 5 == 4 {
                slow_findings.push((case.id, unit_id));
                continue; // never rectified: overdue, then in a bulletin
            }
            t += hours(30);
            case = step(
                txn,
                &staff,
                &case,
                t,
                ActionInput {
                    unit_id: Some(unit_id),
                    solution: Some("已完成整改，台账已补齐，相关责任人已约谈。".into()),
                    ..action("resolve")
                },
            )
            .await?;
            t += hours(48);
            case = step(
                txn,
                &inspector,
                &case,
                t,
                ActionInput {
                    satisfaction: Some("satisfied".into()),
                    solved: Some(true),
                    note: Some("督查组回访核验，整改到位".into()),
                    ..action("revisit")
                },
            )
            .await?;
            step(txn, &inspector, &case, t + hours(1), action("close")).await?;
        }
    }

    // Two issued bulletins: a public criticism of inaction and a circular on appeal handling.
    let criticism = bulletins::create(
        txn,
        &leader,
        BulletinInput {
            kind: Some("criticism".into()),
            title: Some("关于部分单位督查问题整改不力的通报".into()),
            body: Some("近期，区监督检查组在督查中发现，部分单位对督查交办问题整改不及时、不到位。\n现将有关情况通报如下，请相关单位立即整改，并于三个工作日内将整改情况报区委督查室。\n各单位要引以为戒，切实履职尽责，坚决杜绝慢作为、不作为。".into()),
            version: None,
            items: slow_findings
                .iter()
                .take(4)
                .map(|(case, unit)| BulletinItemInput {
                    case_id: Some(*case),
                    unit_id: Some(*unit),
                    note: Some("交办问题超期未整改".into()),
                })
                .collect(),
        },
        local(3, 20, 16, 0),
    )
    .await?;
    bulletins::issue(
        txn,
        &leader,
        criticism.id,
        Some(criticism.version),
        local(3, 20, 17, 0),
    )
    .await?;
    let circular = bulletins::create(
        txn,
        &leader,
        BulletinInput {
            kind: Some("circular".into()),
            title: Some("关于企业诉求办理情况的通报".into()),
            body: Some("截至4月中旬，全区受理企业诉求均已交办，绝大多数按期办结，企业满意率较高。\n对仍在办理中的超期诉求，各牵头单位要加强协调，尽快办结。".into()),
            version: None,
            items: late_cases
                .iter()
                .take(3)
                .map(|c| BulletinItemInput {
                    case_id: Some(*c),
                    unit_id: None,
                    note: Some("企业诉求超期未办结".into()),
                })
                .collect(),
        },
        local(4, 15, 10, 0),
    )
    .await?;
    bulletins::issue(
        txn,
        &leader,
        circular.id,
        Some(circular.version),
        local(4, 15, 11, 0),
    )
    .await?;
    Ok(())
}

/// C2: on 19 March the district head, visiting 郑州长城科工贸有限公司, hears that its permits are
/// stuck, and hands the appeal over on the spot to several departments at once; each does its
/// part, the lead answers the enterprise, and the enterprise is satisfied.
async fn nineteenth_of_march(txn: &DatabaseTransaction, r: &Refs<'_>) -> AppResult<()> {
    let Some((ent_id, _, contact)) = r
        .enterprises
        .iter()
        .find(|e| e.1 == "郑州长城科工贸有限公司")
    else {
        return Err(AppError::internal(
            "demo history: the seed's enterprise is missing",
        ));
    };
    let head = Principal::system("区长（三送一强走访）");
    let lead = r.unit("行政审批和政务信息管理局")?;
    let assists = [
        ("住房和城乡建设局", "核发施工许可"),
        ("生态环境分局", "办理环评批复"),
        ("自然资源和规划局", "办理规划许可"),
    ];
    let mut assist_ids = Vec::new();
    for (n, _) in assists {
        assist_ids.push(r.unit(n)?);
    }
    let t0 = local(3, 19, 10, 30);
    let mut case = service::create(
        txn,
        &head,
        CaseInput {
            kind: Some("enterprise_appeal".into()),
            category: Some("permits".into()),
            title: Some("扩建项目施工许可、环评、规划等手续办理受阻".into()),
            description: Some("企业扩建项目复工在即，施工许可、环评批复、规划许可等手续迟迟办不下来。区长现场协调，多部门同步办理，承诺尽快解决。".into()),
            enterprise_id: Some(*ent_id),
            source: Some("visit".into()),
            priority: Some("urgent".into()),
            contact_name: Some(contact.clone()),
            dispatch: Some(ActionInput {
                lead_unit_id: Some(lead),
                assist_unit_ids: Some(assist_ids.clone()),
                hours: Some(72),
                lead_task: Some("牵头统筹，并联审批，一次答复企业".into()),
                assist_task: Some("按职责同步办理本部门手续".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        t0,
    )
    .await?;
    let mut t = t0;
    for (uid, (name, _)) in assist_ids
        .iter()
        .zip(assists)
        .chain(std::iter::once((&lead, ("行政审批和政务信息管理局", ""))))
    {
        t += Duration::minutes(40);
        case = step(
            txn,
            &Principal::system(&format!("{name}经办人")),
            &case,
            t,
            ActionInput {
                unit_id: Some(*uid),
                ..action("accept")
            },
        )
        .await?;
    }
    for (uid, (name, task)) in assist_ids.iter().zip(assists) {
        t += hours(6);
        case = step(
            txn,
            &Principal::system(&format!("{name}经办人")),
            &case,
            t,
            ActionInput {
                unit_id: Some(*uid),
                solution: Some(format!("已{task}，材料当日办结。")),
                ..action("resolve")
            },
        )
        .await?;
    }
    t += hours(3);
    case = step(
        txn,
        &Principal::system("行政审批和政务信息管理局经办人"),
        &case,
        t,
        ActionInput {
            unit_id: Some(lead),
            solution: Some(
                "施工许可、环评批复、规划许可均已办结，证照已送达企业，项目可按期复工。".into(),
            ),
            ..action("resolve")
        },
    )
    .await?;
    t += hours(20);
    case = step(
        txn,
        &Principal::system(contact),
        &case,
        t,
        ActionInput {
            satisfaction: Some("satisfied".into()),
            solved: Some(true),
            note: Some("各部门同时办理，两天就拿到了全部手续，非常满意！".into()),
            ..action("revisit")
        },
    )
    .await?;
    step(
        txn,
        &Principal::system("区营商环境服务中心"),
        &case,
        t + hours(2),
        action("close"),
    )
    .await?;
    Ok(())
}
