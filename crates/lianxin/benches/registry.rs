//! Registry benchmark (issue 2): the enterprise list with search over 100,000 enterprises,
//! server start on the demo database, and idle memory. Each figure is printed next to a
//! baseline measured in the same run, because the machine is shared and noisy.
//!
//! Run: `cargo bench -p lianxin --bench registry`

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lianxin::access::Principal;
use lianxin::app::{self, AppState};
use lianxin::entities::{enterprises, units};
use lianxin::paging::Paging;
use lianxin::registries::enterprises as ent;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

const N: usize = 100_000;
const ROUNDS: usize = 40;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
fn p90(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[(v.len() * 9) / 10]
}

const BRANDS: &[&str] = &[
    "长城", "中原", "铝都", "嵩山", "黄河", "豫新", "天工", "恒通", "宏达", "金桥", "瑞丰", "华信",
    "博远", "新峰", "泰和", "永安", "鼎盛", "凯旋", "众诚", "万方",
];
const TRADES: &[&str] = &[
    "铝业",
    "机械",
    "新材料",
    "航空科技",
    "物流",
    "商贸",
    "建材",
    "电子",
    "食品",
    "医药",
];

fn uscc_for(i: usize) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::from("MB");
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

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    // --- the demo database, for start-up ---------------------------------------------------
    let demo_url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let demo_db = app::prepare_database(&demo_url).await.expect("demo db");
    lianxin::demo::load(&demo_db, false).await.expect("demo");
    demo_db.close().await.ok();

    // --- 100,000 enterprises on top of the demo district -----------------------------------
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = app::prepare_database(&url).await.expect("bench db");
    lianxin::demo::load(&db, false).await.expect("demo");
    let homes: Vec<i64> = units::Entity::find()
        .filter(units::Column::Kind.is_in(["subdistrict", "town"]))
        .all(&db)
        .await
        .expect("units")
        .into_iter()
        .map(|u| u.id)
        .collect();
    let t = Instant::now();
    let now = chrono::Utc::now();
    let bar = indicatif::ProgressBar::new(N as u64);
    for chunk in (0..N).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|&i| enterprises::ActiveModel {
            name: Set(format!(
                "郑州{}{}{}有限公司",
                BRANDS[i % BRANDS.len()],
                i / 200,
                TRADES[(i / 7) % TRADES.len()]
            )),
            uscc: Set(uscc_for(i)),
            uscc_override_reason: Set(None),
            industry: Set(Some(TRADES[(i / 7) % TRADES.len()].to_owned())),
            unit_id: Set(homes[i % homes.len()]),
            ownership: Set("private".into()),
            address: Set(Some(format!("上街区第{i}号"))),
            legal_rep: Set(None),
            contact_name: Set(None),
            contact_phone: Set(None),
            employee_count: Set((i % 500) as i32),
            has_party_org: Set(i % 3 == 0),
            key_project: Set(i % 10 == 0),
            service_team_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        enterprises::Entity::insert_many(rows)
            .exec(&db)
            .await
            .expect("insert");
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    println!(
        "setup: {N} enterprises inserted in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    // --- the server, in process ---------------------------------------------------------------
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(db.clone());
    tokio::spawn(async move { app::serve(listener, state, std::future::pending()).await });
    let client = reqwest::Client::new();
    let token = {
        let r: serde_json::Value = client
            .post(format!("http://{addr}/api/v1/auth/token"))
            .json(&serde_json::json!({"username": "leader", "password": lianxin::demo::DEMO_PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("token");
        r["token"].as_str().expect("token").to_owned()
    };
    // Searches a user types: a common trade, a brand, a rare name, a credit-code fragment,
    // and no search at all (plain paging deep into the list).
    let queries: Vec<(Option<String>, u64)> = vec![
        (Some("铝业".into()), 1),
        (Some("长城".into()), 3),
        (Some("郑州嵩山417".into()), 1),
        (Some(uscc_for(77_777)[8..16].to_owned()), 1),
        (None, 1),
        (None, 2500),
    ];
    let who = Principal::system("bench");
    let mut http = Vec::new();
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    let mut direct = Vec::new();
    let mut health = Vec::new();
    for _ in 0..ROUNDS {
        for (qi, (q, page)) in queries.iter().enumerate() {
            let filter = ent::EnterpriseFilter {
                q: q.clone(),
                ..Default::default()
            };
            let t = Instant::now();
            let p = ent::list(&db, &who, &filter, Paging::new(*page, 20))
                .await
                .expect("list");
            let _ = ent::views(&db, &who, p.items, Some("bench"))
                .await
                .expect("views");
            direct.push(t.elapsed().as_secs_f64() * 1000.0);

            let mut url = format!("http://{addr}/api/v1/enterprises?page={page}&page_size=20");
            if let Some(q) = q {
                url.push_str(&format!(
                    "&q={}",
                    url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
                ));
            }
            let t = Instant::now();
            let r = client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("list");
            assert!(r.status().is_success());
            let _ = r.bytes().await.expect("body");
            http.push(t.elapsed().as_secs_f64() * 1000.0);
            per_query[qi].push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let t = Instant::now();
        let _ = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("health")
            .bytes()
            .await;
        health.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (hm, h9) = (median(&mut http), p90(&mut http));
    let dm = median(&mut direct);
    let healthm = median(&mut health);
    println!();
    println!(
        "enterprise list with search over {N} enterprises (SQLite), {} requests:",
        http.len()
    );
    println!("  HTTP  median {hm:.1} ms, p90 {h9:.1} ms   (goal: median < 50 ms)");
    println!(
        "  baseline: same queries straight on the database, median {dm:.1} ms -> ratio {:.2}",
        hm / dm
    );
    println!("  baseline: GET /healthz median {healthm:.2} ms");
    for ((q, page), times) in queries.iter().zip(per_query.iter_mut()) {
        println!(
            "    q={:<14} page {page:<5} median {:.1} ms",
            q.as_deref().unwrap_or("-"),
            median(times)
        );
    }

    // --- exports of all 100,000 rows: peak memory while streaming ------------------------------
    for (format, label) in [("csv", "CSV"), ("xlsx", "xlsx")] {
        let before = rss_self_mb();
        let peak = std::sync::Arc::new(std::sync::Mutex::new(before));
        let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let sampler = {
            let (peak, sampling) = (peak.clone(), sampling.clone());
            tokio::spawn(async move {
                while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                    let now = rss_self_mb();
                    if let Ok(mut p) = peak.lock() {
                        *p = p.max(now);
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        let t = Instant::now();
        let mut r = client
            .get(format!(
                "http://{addr}/api/v1/export/enterprises?format={format}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("export");
        let mut bytes = 0usize;
        while let Some(chunk) = r.chunk().await.expect("chunk") {
            bytes += chunk.len();
        }
        let secs = t.elapsed().as_secs_f64();
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        let _ = sampler.await;
        let peak = peak.lock().map(|p| *p).unwrap_or(before);
        println!(
            "export of {N} enterprises as {label}: {:.1} MB in {secs:.1}s; process memory {before:.0} MB before, peak +{:.1} MB",
            bytes as f64 / 1e6,
            peak - before
        );
    }

    // --- server start on the demo database, and idle memory ----------------------------------
    let bin = env!("CARGO_BIN_EXE_lianxin");
    let mut starts = Vec::new();
    let mut versions = Vec::new();
    let mut rss_mb = 0.0;
    for round in 0..5 {
        let t = Instant::now();
        Command::new(bin)
            .arg("--version")
            .output()
            .expect("version");
        versions.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let mut child = Command::new(bin)
            .args(["serve", "--db", &demo_url, "--listen", "127.0.0.1:0"])
            .env("LIANXIN_LOG", "error")
            .stdout(Stdio::piped())
            .spawn()
            .expect("serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        while !line.contains("listening on") {
            line.clear();
            if reader.read_line(&mut line).expect("read") == 0 {
                panic!("server exited before listening");
            }
        }
        starts.push(t.elapsed().as_secs_f64() * 1000.0);
        if round == 4 {
            let base = line
                .trim()
                .rsplit(' ')
                .next()
                .unwrap_or_default()
                .to_owned();
            for _ in 0..20 {
                let _ = client.get(format!("{base}/healthz")).send().await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let status =
                std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
            rss_mb = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
                .unwrap_or(0.0);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    let sm = median(&mut starts);
    let vm = median(&mut versions);
    println!();
    println!("server start on the demo database: median {sm:.0} ms   (goal: < 1000 ms)");
    println!(
        "  baseline: starting the binary for --version, median {vm:.1} ms -> ratio {:.1}",
        sm / vm
    );
    println!("idle memory after start and 20 requests: {rss_mb:.1} MB RSS   (goal: < 100 MB)");
}

fn rss_self_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}
