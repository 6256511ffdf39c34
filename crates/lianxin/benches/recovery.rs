//! Recovery benchmark (issue 15): the district's recovery report (today's, read from the kept
//! latest stages, and a past day's, from the reports) and the pairing gaps query over 100,000
//! enterprises with four stage reports each, each median printed next to a plain
//! scan of the same tables measured in the same run (the machine is shared and noisy).
//!
//! Run: `cargo bench -p lianxin --bench recovery` (SQLite; `LIANXIN_BENCH_PG=postgres://…`
//! runs it on a fresh PostgreSQL database of that server instead). `LIANXIN_BENCH_N` sets the
//! number of firms (100,000 by default).

use std::time::Instant;

use chrono::NaiveDate;
use lianxin::access::Principal;
use lianxin::app;
use lianxin::entities::{enterprise_pairings, enterprises, stage_reports};
use lianxin::recovery::report::{self, ReportQuery};
use lianxin::registries::units::{self as unit_reg, UnitInput};
use sea_orm::{ConnectionTrait, EntityTrait, Set, Statement};

const ROUNDS: usize = 15;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn uscc_for(i: usize) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::from("MC");
    let mut n = i;
    for _ in 0..6 {
        body.push(CHARS[n % 31] as char);
        n /= 31;
    }
    let org = lianxin_types::Uscc::org_code_check_char(&body).expect("org body");
    let first17 = format!("91410106{body}{org}");
    let c = lianxin_types::Uscc::check_char(&first17).expect("17 chars");
    format!("{first17}{c}")
}

async fn database(dir: &std::path::Path) -> String {
    match std::env::var("LIANXIN_BENCH_PG") {
        Ok(base) => {
            let name = format!("lianxin_bench_{}", std::process::id());
            let admin = sea_orm::Database::connect(&base).await.expect("pg");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            let mut u = url::Url::parse(&base).expect("url");
            u.set_path(&name);
            u.to_string()
        }
        Err(_) => format!("sqlite://{}", dir.join("bench.db").display()),
    }
}

async fn time<F, Fut>(rounds: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut v = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        f().await;
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    median(&mut v)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("LIANXIN_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = database(dir.path()).await;
    let db = app::prepare_database(&url).await.expect("bench db");
    let who = Principal::system("bench");
    let unit = |name: &str, kind: &str, parent: Option<i64>, code: &str| UnitInput {
        version: None,
        name: Some(name.into()),
        kind: Some(kind.into()),
        parent_id: parent,
        code: Some(code.into()),
        sort: None,
        leader: None,
        phone: None,
    };
    let district = unit_reg::create(&db, &who, unit("上街区", "district", None, "410106"))
        .await
        .expect("district")
        .id;
    let mut homes = Vec::new();
    for i in 0..6 {
        let u = unit_reg::create(
            &db,
            &who,
            unit(
                &format!("第{i}街道"),
                "subdistrict",
                Some(district),
                &format!("41010600{i}"),
            ),
        )
        .await
        .expect("subdistrict");
        homes.push(u.id);
    }
    let t = Instant::now();
    let now = chrono::Utc::now();
    let first = NaiveDate::from_ymd_opt(2020, 2, 3).expect("date");
    let stages = ["not_resumed", "resumed", "producing", "stable", "full"];
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        // Explicit ids (the table is empty): the reports below name their firms.
        let rows = chunk.iter().map(|&i| enterprises::ActiveModel {
            id: Set(i as i64 + 1),
            name: Set(format!("郑州测试{i}有限公司")),
            uscc: Set(uscc_for(i)),
            uscc_override_reason: Set(None),
            industry: Set(None),
            unit_id: Set(homes[i % homes.len()]),
            ownership: Set("private".into()),
            address: Set(None),
            legal_rep: Set(None),
            contact_name: Set(None),
            contact_phone: Set(None),
            employee_count: Set((i % 500) as i32),
            has_party_org: Set(false),
            key_project: Set(false),
            service_team_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        enterprises::Entity::insert_many(rows)
            .exec(&db)
            .await
            .expect("firms");
        let ids: Vec<i64> = chunk.iter().map(|&i| i as i64 + 1).collect();
        let reports = ids.iter().flat_map(|&e| {
            (0..4_i64).map(move |w| stage_reports::ActiveModel {
                enterprise_id: Set(e),
                on_date: Set(first + chrono::Duration::days(14 * w + e % 7)),
                workers_back: Set(((e + w) % 50) as i32),
                workers_total: Set(50),
                capacity_pct: Set((25 * w) as i32),
                reported_stage: Set(None),
                suggested_stage: Set(stages[w as usize].into()),
                stage: Set(stages[w as usize].into()),
                confirmed: Set(w < 3 || e % 4 != 0),
                contradicts: Set(false),
                reported_by_user_id: Set(None),
                confirmed_by_user_id: Set(None),
                confirmed_by_person_id: Set(None),
                confirmed_at: Set(None),
                version: Set(1),
                created_at: Set(now),
                ..Default::default()
            })
        });
        stage_reports::Entity::insert_many(reports)
            .exec(&db)
            .await
            .expect("reports");
        // Nine firms in ten have a pairing row, no role filled yet (people are not loaded):
        // every firm is a gap, the gaps query's worst case.
        let pairings =
            ids.iter()
                .filter(|&&e| e % 10 != 0)
                .map(|&e| enterprise_pairings::ActiveModel {
                    enterprise_id: Set(e),
                    leader_person_id: Set(None),
                    instructor_person_id: Set(None),
                    specialist_person_id: Set(None),
                    updated_at: Set(now),
                });
        enterprise_pairings::Entity::insert_many(pairings)
            .exec(&db)
            .await
            .expect("pairings");
    }
    println!(
        "setup: {n} enterprises, {} stage reports in {:.1}s ({})",
        n * 4,
        t.elapsed().as_secs_f64(),
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    // The reports were written directly, not through the service: recompute each firm's
    // latest report as the service keeps it.
    lianxin::recovery::stages::rebuild_latest(&db)
        .await
        .expect("latest stages");
    let backend = db.get_database_backend();
    db.execute_unprepared("ANALYZE").await.expect("analyze");

    let on = NaiveDate::from_ymd_opt(2020, 3, 20);
    let q = ReportQuery { on, unit_id: None };
    let r = report::build(&db, &who, &q).await.expect("report");
    println!(
        "report on {}: {} firms, by stage {:?}, workers {}/{}",
        r.on, r.enterprises, r.by_stage, r.workers_back, r.workers_total
    );
    let report_ms = time(ROUNDS, || async {
        report::build(&db, &who, &q).await.expect("report");
    })
    .await;
    // Today's report (the page's default): no report is dated later, so each firm's latest
    // report is read from the kept table.
    let today_q = ReportQuery::default();
    let today_ms = time(ROUNDS, || async {
        report::build(&db, &who, &today_q).await.expect("report");
    })
    .await;
    let today_sub = ReportQuery {
        on: None,
        unit_id: Some(homes[0]),
    };
    let today_sub_ms = time(ROUNDS, || async {
        report::build(&db, &who, &today_sub).await.expect("report");
    })
    .await;
    let sub = ReportQuery {
        on,
        unit_id: Some(homes[0]),
    };
    let sub_ms = time(ROUNDS, || async {
        report::build(&db, &who, &sub).await.expect("report");
    })
    .await;
    // The plain scan: every row of the tables the report reads, summed once.
    let scan = |sql: &'static str| Statement::from_string(backend, sql);
    let scan_ms = time(ROUNDS, || async {
        for sql in [
            "SELECT COUNT(*) AS n FROM enterprises",
            "SELECT COUNT(*) AS n, SUM(workers_back) AS b, SUM(workers_total) AS t FROM stage_reports",
            "SELECT COUNT(*) AS n FROM enterprise_pairings",
        ] {
            db.query_one_raw(scan(sql)).await.expect("scan");
        }
    })
    .await;
    // The gaps page: enterprises missing any of the three roles, first page with the total.
    let gaps = "FROM enterprises e LEFT JOIN enterprise_pairings p ON p.enterprise_id = e.id \
                WHERE p.leader_person_id IS NULL OR p.instructor_person_id IS NULL \
                OR p.specialist_person_id IS NULL";
    let page_sql = format!("SELECT e.id {gaps} ORDER BY e.id LIMIT 20");
    let total_sql = format!("SELECT COUNT(*) AS n {gaps}");
    let gaps_ms = time(ROUNDS, || async {
        db.query_all_raw(Statement::from_string(backend, page_sql.clone()))
            .await
            .expect("gaps page");
        db.query_one_raw(Statement::from_string(backend, total_sql.clone()))
            .await
            .expect("gaps total");
    })
    .await;
    println!();
    println!(
        "recovery report of today, whole district: median {today_ms:.1} ms   (goal: < 100 ms)"
    );
    println!("recovery report of today, one sub-district: median {today_sub_ms:.1} ms");
    println!("recovery report on 2020-03-20, whole district: median {report_ms:.1} ms");
    println!("recovery report on 2020-03-20, one sub-district: median {sub_ms:.1} ms");
    println!("pairing gaps, first page and total: median {gaps_ms:.1} ms   (goal: < 100 ms)");
    println!(
        "plain scan of enterprises, stage_reports, enterprise_pairings: median {scan_ms:.1} ms"
    );
    println!(
        "ratios to the scan: today {:.2}×, dated report {:.2}×, sub-district {:.2}×, gaps {:.2}×",
        today_ms / scan_ms,
        report_ms / scan_ms,
        sub_ms / scan_ms,
        gaps_ms / scan_ms
    );
    db.close().await.ok();
    if let (Ok(base), true) = (
        std::env::var("LIANXIN_BENCH_PG"),
        url.starts_with("postgres"),
    ) && let (Ok(admin), Some(name)) = (
        sea_orm::Database::connect(&base).await,
        url.rsplit('/').next(),
    ) {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await
            .ok();
    }
}
