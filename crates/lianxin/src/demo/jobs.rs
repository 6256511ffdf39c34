//! The demo's online jobs (C8), February to April 2020: firms post vacancies, residents
//! apply without an account (some as employment-assistance targets, whom the district follows
//! up), firms invite, turn down and hire; firms with idle workers and firms short of them
//! share labour through the district's matches. Written through the area's services, then each
//! record is moved to its day in 2020 (`jobs::demo`). Some jobs are reposted today, so the
//! public board has open jobs to show.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use crate::access::Principal;
use crate::entities::{enterprises, job_applications};
use crate::error::AppResult;
use crate::jobs::applications::{self, ActionInput, ApplicationInput};
use crate::jobs::assistance::{self, FollowupInput};
use crate::jobs::jobs::{self as job_svc, JobInput};
use crate::jobs::labour::{self, ConfirmInput, MatchInput, PostInput, Side};

/// What the jobs ask for, by the kind of work.
const TITLES: &[(&str, &str)] = &[
    ("普工", "身体健康，能适应倒班，有无经验均可，岗前培训"),
    ("操作工", "初中以上学历，服从安排，能适应两班倒"),
    ("铝材挤压工", "有铝型材挤压或机加工经验者优先"),
    ("数控车床操作工", "能看懂图纸，会编程者优先"),
    ("电工", "持低压电工作业证，两年以上工厂经验"),
    ("焊工", "持焊工证，熟悉氩弧焊、二保焊"),
    ("质检员", "中专以上学历，细心负责，会使用常用量具"),
    ("叉车司机", "持叉车证，一年以上经验"),
    ("仓储物流员", "会使用电脑，能吃苦耐劳"),
    ("装配工", "动手能力强，能适应计件工资"),
    ("销售代表", "大专以上学历，沟通能力强，有驾照者优先"),
    ("会计", "持会计从业资格，熟悉税务申报"),
    ("文员", "熟练使用办公软件，普通话标准"),
    ("厨师", "持健康证，会做大锅菜"),
    ("保洁员", "身体健康，责任心强，年龄 55 岁以下"),
    ("防疫消杀员", "经培训上岗，每日测温登记，负责厂区消杀"),
];

/// What idle workers can do, and what short firms need.
const SKILLS: &[&str] = &[
    "普工、装卸",
    "机加工、数控车床",
    "电工、设备维修",
    "仓储、叉车",
    "质检、包装",
    "焊接、钣金",
    "餐饮服务",
    "客服、文员",
];

const FOLLOW_UPS: &[&str] = &[
    "已电话联系，了解求职意向，推荐参加区人社局线上招聘会",
    "已登记为就业援助对象，推荐公益性岗位",
    "已协调企业优先面试，待反馈结果",
    "已联系社区，核实困难情况，纳入重点帮扶台账",
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// `on` at `hour` o'clock in Beijing time.
fn at(on: NaiveDate, hour: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&on.and_hms_opt(hour, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

pub struct Refs<'a> {
    pub data: &'a lianxin_demo_data::DemoDistrict,
    /// The seed's enterprise (郑州长城科工贸有限公司): its contact answers in the browser test.
    pub seed_firm: i64,
}

struct Posted {
    id: i64,
    positions: i32,
    posted: NaiveDate,
    /// Reposted today: open on the public board.
    open: bool,
}

pub async fn load(txn: &DatabaseTransaction, r: &Refs<'_>) -> AppResult<()> {
    let who = Principal::system("demo");
    let mut rng = ChaCha8Rng::seed_from_u64(20200215);
    let today = job_svc::today();
    let firms: Vec<enterprises::Model> = enterprises::Entity::find()
        .order_by_asc(enterprises::Column::Id)
        .all(txn)
        .await?;
    // About one firm in four recruits; the seed's firm always does.
    let hiring: Vec<&enterprises::Model> = firms
        .iter()
        .enumerate()
        .filter(|(i, e)| i % 4 == 1 || e.id == r.seed_firm)
        .map(|(_, e)| e)
        .collect();
    let mut posted: Vec<Posted> = Vec::new();
    for (n, firm) in hiring.iter().enumerate() {
        let count = if firm.id == r.seed_firm {
            2
        } else {
            rng.gen_range(1..=2)
        };
        for k in 0..count {
            let (title, req) = if firm.id == r.seed_firm && k == 0 {
                (
                    "铝板带轧制操作工",
                    "有铝加工企业工作经验者优先，能适应三班倒，公司提供食宿",
                )
            } else {
                TITLES[rng.gen_range(0..TITLES.len())]
            };
            let min_yuan = rng.gen_range(25..=55) * 100;
            let max_yuan = min_yuan + rng.gen_range(5..=30) * 100;
            let positions = rng.gen_range(1..=12);
            let job = job_svc::create(
                txn,
                &who,
                JobInput {
                    enterprise_id: Some(firm.id),
                    title: Some(title.to_owned()),
                    positions: Some(positions),
                    salary_min_fen: Some(i64::from(min_yuan) * 100),
                    salary_max_fen: Some(i64::from(max_yuan) * 100),
                    place: Some(
                        firm.address
                            .clone()
                            .filter(|a| !a.is_empty())
                            .unwrap_or_else(|| "上街区".to_owned()),
                    ),
                    requirements: Some(req.to_owned()),
                    closes_on: Some(today + Duration::days(30)),
                    employment_aid: Some(rng.gen_bool(0.25)),
                    version: None,
                },
            )
            .await?;
            let posted_on = day(2020, 2, 10) + Duration::days(rng.gen_range(0..70));
            // One job in six (and the seed firm's first) is still recruiting: reposted today.
            let open = (firm.id == r.seed_firm && k == 0) || (n + k) % 6 == 0;
            posted.push(Posted {
                id: job.id,
                positions,
                posted: posted_on,
                open,
            });
        }
    }

    // Residents looking for work apply (the demo's people are mostly workers of its firms,
    // some of which had not resumed): cadres and firm contacts do not.
    let seekers: Vec<&lianxin_demo_data::DemoPerson> = r
        .data
        .people
        .iter()
        .filter(|p| !p.is_cadre && !p.is_contact && !p.phone.is_empty())
        .collect();
    let codes = ["long_term_unemployed", "disabled", "low_income"];
    let mut next_seeker = 0usize;
    for job in &posted {
        let n = rng.gen_range(0..=7usize).min(seekers.len());
        let mut hired = 0;
        for _ in 0..n {
            let Some(p) = seekers.get(next_seeker % seekers.len().max(1)) else {
                break;
            };
            next_seeker += 1;
            let assisted = rng.gen_bool(0.12);
            let applied = applications::apply(
                txn,
                job.id,
                ApplicationInput {
                    name: Some(p.name.clone()),
                    phone: Some(p.phone.clone()),
                    message: Some(
                        "您好，我在上街区居住，看到招聘信息想应聘，方便时请联系我。".to_owned(),
                    ),
                    assistance: assisted.then(|| codes[rng.gen_range(0..codes.len())].to_owned()),
                },
                None,
            )
            .await;
            // A resident drawn twice for the same job, or over the hourly limit, is skipped.
            let applied = match applied {
                Ok(a) => a,
                Err(_) => continue,
            };
            if !applied.created {
                continue;
            }
            let Some(app) = job_applications::Entity::find()
                .filter(job_applications::Column::Reference.eq(applied.reference.as_str()))
                .one(txn)
                .await?
            else {
                continue;
            };
            // Everything happens by the end of April 2020.
            let last = day(2020, 4, 30);
            let applied_on = (job.posted + Duration::days(rng.gen_range(0..20))).min(last);
            let later = |days: i64| (applied_on + Duration::days(days)).min(last);
            let roll: f64 = rng.r#gen();
            let mut version = app.version;
            let answer = |action: &str, version: i32| ActionInput {
                action: Some(action.to_owned()),
                version: Some(version),
            };
            let mut answered = None;
            if roll < 0.6 {
                let v =
                    applications::act(txn, &who, job.id, app.id, answer("invite", version)).await?;
                version = v.version;
                answered = Some(at(later(2), 10));
                if roll < 0.3 && hired < job.positions {
                    applications::act(txn, &who, job.id, app.id, answer("hire", version)).await?;
                    hired += 1;
                    answered = Some(at(later(6), 15));
                }
            } else if roll < 0.8 {
                applications::act(txn, &who, job.id, app.id, answer("reject", version)).await?;
                answered = Some(at(later(3), 9));
            }
            crate::jobs::demo::date_application(txn, app.id, at(applied_on, 8), answered).await?;
            if assisted && rng.gen_bool(0.7) {
                assistance::add_followup(
                    txn,
                    &who,
                    app.id,
                    FollowupInput {
                        note: Some(FOLLOW_UPS[rng.gen_range(0..FOLLOW_UPS.len())].to_owned()),
                    },
                )
                .await?;
                crate::jobs::demo::date_followups(txn, app.id, at(later(1), 16)).await?;
            }
        }
    }
    for job in &posted {
        if job.open {
            crate::jobs::demo::date_job(
                txn,
                job.id,
                at(job.posted, 9),
                today,
                today + Duration::days(30),
                None,
            )
            .await?;
        } else {
            // Half the others were closed by their firm once filled; the rest ran out.
            let closes = job.posted + Duration::days(30);
            let closed = (job.id % 2 == 0).then(|| at(closes - Duration::days(8), 17));
            if closed.is_some() {
                job_svc::close(txn, &who, job.id).await?;
            }
            crate::jobs::demo::date_job(txn, job.id, at(job.posted, 9), job.posted, closes, closed)
                .await?;
        }
    }

    // Labour sharing: idle workers of firms not yet producing, asks of firms short of hands.
    let mut offers = Vec::new();
    let mut asks = Vec::new();
    for (i, firm) in firms
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 9 == 4)
        .take(24)
    {
        let side = if i % 2 == 0 { Side::Offer } else { Side::Ask };
        let workers = rng.gen_range(3..=20);
        let id = labour::create(
            txn,
            &who,
            side,
            PostInput {
                enterprise_id: Some(firm.id),
                workers: Some(workers),
                skills: Some(SKILLS[rng.gen_range(0..SKILLS.len())].to_owned()),
                from: Some(today),
                to: Some(today + Duration::days(60)),
                note: None,
            },
        )
        .await?;
        let from = day(2020, 2, 17) + Duration::days(rng.gen_range(0..35));
        match side {
            Side::Offer => offers.push((id, workers, from)),
            Side::Ask => asks.push((id, workers, from)),
        }
    }
    for (k, (offer, ask)) in offers.iter().zip(asks.iter()).enumerate() {
        let workers = offer.1.min(ask.1).min(rng.gen_range(2..=8));
        let m = labour::propose(
            txn,
            &who,
            MatchInput {
                offer_id: Some(offer.0),
                ask_id: Some(ask.0),
                workers: Some(workers),
            },
        )
        .await?;
        // Most matches are confirmed by both firms; a few wait for one of them.
        let sides: &[&str] = if k % 4 == 3 {
            &["offer"]
        } else {
            &["offer", "ask"]
        };
        for side in sides {
            labour::confirm(
                txn,
                &who,
                m.id,
                ConfirmInput {
                    side: Some((*side).to_owned()),
                },
            )
            .await?;
        }
        let proposed = offer.2.max(ask.2) + Duration::days(2);
        crate::jobs::demo::date_match(
            txn,
            m.id,
            at(proposed, 11),
            at(proposed + Duration::days(1), 15),
        )
        .await?;
    }
    for (side, list) in [(Side::Offer, &offers), (Side::Ask, &asks)] {
        for (id, _, from) in list.iter() {
            crate::jobs::demo::date_post(
                txn,
                side,
                *id,
                at(*from - Duration::days(1), 9),
                *from,
                *from + Duration::days(45),
            )
            .await?;
        }
    }
    Ok(())
}
