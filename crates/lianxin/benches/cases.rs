//! Case-engine benchmark (issue 3): create, dispatch, accept and resolve 100,000 cases through
//! the engine (the same service functions the API calls), then the metrics over all of them.
//! Goal: metrics answer in under 100 ms at the median on SQLite; a filtered view (a period, a
//! kind, a department's or a sub-district's scope) in under 50 ms. Every figure is printed next
//! to a baseline measured in the same run (the machine is shared and noisy).
//!
//! Run: `cargo bench -p lianxin --bench cases` (LIANXIN_BENCH_CASES=N for another size).
//! `LIANXIN_BENCH_DB=path/bench.db` keeps the database there; run again with the same path,
//! the cases already in it are measured without the setup (to compare two builds on the same
//! data, or to time the statements by hand in `sqlite3`). A copy of the database needs the
//! installation key it was made with beside it (`lianxin-passage.key` in the same folder).
//!
//! On PostgreSQL: `LIANXIN_BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres` makes the
//! database `lianxin_bench_cases` there and runs the same setup and views against it. It is
//! kept after the run: run again with `LIANXIN_BENCH_PG_KEEP=1` and the cases already in it are
//! measured without the setup (drop it by hand when done).

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use lianxin::access::Principal;
use lianxin::app::{self, AppState};
use lianxin::cases::service::{self, ActionInput, CaseInput};
use lianxin::entities::{enterprises, units};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};

const ROUNDS: usize = 30;
/// The installation key of a PostgreSQL run (SQLite keeps its own beside the file).
const BENCH_KEY: &str = "lianxin-bench-passage-key-0123456789abcdef";

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
fn p90(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[(v.len() * 9) / 10]
}

fn action(a: &str) -> ActionInput {
    ActionInput {
        action: Some(a.into()),
        ..Default::default()
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("LIANXIN_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = std::env::var("LIANXIN_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("bench.db"));
    let pg_admin = std::env::var("LIANXIN_BENCH_PG").ok();
    let (url, kept, backend) = match &pg_admin {
        Some(admin) => {
            // No folder to keep the installation key beside, as on SQLite: a fixed one, so
            // that a kept database reads again in a later run.
            lianxin_kernel::secret::install(
                lianxin_kernel::secret::InstallationKey::new(BENCH_KEY.as_bytes().to_vec())
                    .expect("key"),
            );
            let keep = std::env::var_os("LIANXIN_BENCH_PG_KEEP").is_some();
            let a = sea_orm::Database::connect(admin).await.expect("connect PG");
            if !keep {
                a.execute_unprepared("DROP DATABASE IF EXISTS lianxin_bench_cases WITH (FORCE)")
                    .await
                    .expect("drop");
                a.execute_unprepared("CREATE DATABASE lianxin_bench_cases")
                    .await
                    .expect("create");
            }
            let mut u = url::Url::parse(admin).expect("url");
            u.set_path("/lianxin_bench_cases");
            (u.to_string(), keep, "PostgreSQL")
        }
        None => (
            format!("sqlite://{}?mode=rwc", path.display()),
            path.exists(),
            "SQLite",
        ),
    };
    let db = app::prepare_database(&url).await.expect("bench db");
    if !kept {
        lianxin::demo::load(&db, false).await.expect("demo");
    }
    let departments: Vec<i64> = units::Entity::find()
        .filter(units::Column::Kind.eq("department"))
        .all(&db)
        .await
        .expect("units")
        .into_iter()
        .map(|u| u.id)
        .collect();
    let ents: Vec<i64> = enterprises::Entity::find()
        .all(&db)
        .await
        .expect("enterprises")
        .into_iter()
        .map(|e| e.id)
        .collect();
    let who = Principal::system("bench");
    let t0 = Utc.with_ymd_and_hms(2020, 2, 10, 1, 0, 0).unwrap();

    // --- 100,000 cases through the engine, 1,000 per transaction on SQLite (a commit is a
    // sync of the file), 20 on PostgreSQL: there every case updates the same running totals'
    // rows, and each update of a row already updated in the same transaction walks the row's
    // versions made by that transaction (a thousand cases a transaction ran 16 cases a second).
    let per_txn = if pg_admin.is_some() { 20 } else { 1000 };
    let n = if kept { 0 } else { n };
    let bar = indicatif::ProgressBar::new(n as u64);
    let started = Instant::now();
    for block in 0..n.div_ceil(per_txn) {
        let txn = db.begin().await.expect("begin");
        for i in block * per_txn..((block + 1) * per_txn).min(n) {
            let at = t0 + Duration::minutes((i as i64 * 7) % (60 * 24 * 300));
            let lead = departments[i % departments.len()];
            let assist = departments[(i / 3 + 1) % departments.len()];
            let mut c = service::create(
                &txn,
                &who,
                CaseInput {
                    kind: Some("enterprise_appeal".into()),
                    category: Some(["permits", "workforce", "finance", "logistics"][i % 4].into()),
                    title: Some(format!("诉求 {i}")),
                    enterprise_id: Some(ents[i % ents.len()]),
                    dispatch: Some(ActionInput {
                        lead_unit_id: Some(lead),
                        assist_unit_ids: Some(if i % 5 == 0 && assist != lead {
                            vec![assist]
                        } else {
                            vec![]
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                at,
            )
            .await
            .expect("create");
            let step = |c: &lianxin::entities::cases::Model, input: ActionInput| ActionInput {
                version: Some(c.version),
                ..input
            };
            let units: Vec<i64> = if i % 5 == 0 && assist != lead {
                vec![assist, lead]
            } else {
                vec![lead]
            };
            if i % 13 == 0 {
                continue; // left waiting: overdue now
            }
            for u in &units {
                c = service::act(
                    &txn,
                    &who,
                    c.id,
                    step(
                        &c,
                        ActionInput {
                            unit_id: Some(*u),
                            ..action("accept")
                        },
                    ),
                    at + Duration::hours((i % 30) as i64),
                )
                .await
                .expect("accept");
            }
            for u in &units {
                let late = if i % 9 == 0 {
                    24 * 9
                } else {
                    20 + (i % 50) as i64
                };
                c = service::act(
                    &txn,
                    &who,
                    c.id,
                    step(
                        &c,
                        ActionInput {
                            unit_id: Some(*u),
                            solution: Some("已办结".into()),
                            ..action("resolve")
                        },
                    ),
                    at + Duration::hours(late),
                )
                .await
                .expect("resolve");
            }
            if i % 3 == 0 {
                let satisfaction = if i % 21 == 0 {
                    "unsatisfied"
                } else {
                    "satisfied"
                };
                service::act(
                    &txn,
                    &who,
                    c.id,
                    step(
                        &c,
                        ActionInput {
                            satisfaction: Some(satisfaction.into()),
                            solved: Some(satisfaction == "satisfied"),
                            ..action("revisit")
                        },
                    ),
                    at + Duration::hours(24 * 12),
                )
                .await
                .expect("revisit");
            }
        }
        txn.commit().await.expect("commit");
        bar.inc(per_txn as u64);
        // The CI's PostgreSQL runs without autovacuum; a district's has it, and it would clean
        // the running totals' rows (updated by every case) about once a minute. Without it
        // they pile up dead versions (49,277 for 83 rows after 57,000 cases).
        if pg_admin.is_some() && block % 100 == 99 {
            db.execute_unprepared("VACUUM case_tallies, case_day_tallies")
                .await
                .expect("vacuum");
        }
    }
    bar.finish_and_clear();
    let setup = started.elapsed().as_secs_f64();
    if pg_admin.is_some() {
        // What autovacuum does after such a load: the planner's statistics and the visibility
        // map (index-only scans need it).
        db.execute_unprepared("VACUUM ANALYZE")
            .await
            .expect("vacuum");
    }
    let events = count(&db, "case_events").await;
    if kept {
        println!(
            "setup: none, the kept database {}",
            if pg_admin.is_some() {
                url.as_str()
            } else {
                path.to_str().unwrap_or("?")
            }
        );
    } else {
        println!(
            "setup: {n} cases created, dispatched, accepted and resolved through the engine in {setup:.1} s \
         ({:.0} cases/s, {events} events, {:.0} events/s)",
            n as f64 / setup,
            events as f64 / setup
        );
    }

    // --- the metrics over HTTP ------------------------------------------------------------------
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(db.clone());
    tokio::spawn(async move { app::serve(listener, state, std::future::pending()).await });
    let client = reqwest::Client::new();
    let r: serde_json::Value = client
        .post(format!("http://{addr}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "leader", "password": lianxin::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("token");
    let token = r["token"].as_str().expect("token").to_owned();
    println!();
    println!(
        "metrics over {} cases ({backend}), {ROUNDS} requests each:",
        count(&db, "cases").await
    );
    let mut baseline = Vec::new();
    for _ in 0..ROUNDS {
        // The floor of any metric: one pass over the table.
        let t = Instant::now();
        db.execute_unprepared("SELECT COUNT(*), SUM(version) FROM cases")
            .await
            .expect("scan");
        baseline.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let base = median(&mut baseline);
    for group in ["unit", "kind", "month", "cadre", "subject"] {
        let mut times = Vec::new();
        let mut body = serde_json::Value::Null;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = client
                .get(format!(
                    "http://{addr}/api/v1/cases/metrics?group_by={group}"
                ))
                .bearer_auth(&token)
                .send()
                .await
                .expect("metrics");
            assert!(r.status().is_success(), "{}", r.status());
            body = r.json().await.expect("json");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (m, p) = (median(&mut times), p90(&mut times));
        println!(
            "  group_by={group:<8} median {m:6.1} ms, p90 {p:6.1} ms  ({} groups; on-time {:.1}%, overdue now {}){}",
            body["items"].as_array().map(Vec::len).unwrap_or(0),
            body["total"]["on_time_resolution_rate"]
                .as_f64()
                .unwrap_or(0.0)
                * 100.0,
            body["total"]["overdue_open"],
            if group == "unit" {
                "   (goal: median < 100 ms)"
            } else {
                ""
            },
        );
    }
    println!(
        "  baseline: one scan of the cases table (SELECT COUNT(*), SUM(version)), median {base:.1} ms"
    );
    // The filtered views: a period (whole days from the totals, the partial days at its edges
    // from the facts), a kind, and callers whose scope is a department or a sub-district.
    let subdistrict = busiest_subdistrict(&db).await;
    let made = lianxin::entities::users::Entity::find()
        .filter(lianxin::entities::users::Column::Username.eq("jiedao"))
        .one(&db)
        .await
        .expect("users")
        .is_some();
    if !made {
        lianxin::access::auth::create_user(
            &db,
            &who,
            lianxin::access::auth::NewUser {
                username: "jiedao".into(),
                password: lianxin::demo::DEMO_PASSWORD.into(),
                display_name: None,
                role_codes: vec!["department_staff".into()],
                unit_code: Some(subdistrict.1.clone()),
                enterprise_uscc: None,
                person_id: None,
            },
        )
        .await
        .expect("sub-district user");
    }
    let department = login(&client, addr, "gongxin").await;
    let street = login(&client, addr, "jiedao").await;
    let month = "from=2020-06-10T09:30:00%2B08:00&to=2020-07-10T18:00:00%2B08:00";
    let quarter = "from=2020-04-01T00:00:00%2B08:00&to=2020-07-01T00:00:00%2B08:00";
    let views: [(&str, &str, String); 8] = [
        (
            "a month (edges mid-day)",
            &token,
            format!("group_by=unit&{month}"),
        ),
        ("a quarter", &token, format!("group_by=unit&{quarter}")),
        (
            "a month by cadre",
            &token,
            format!("group_by=cadre&{month}"),
        ),
        (
            "a kind",
            &token,
            "group_by=unit&kind=enterprise_appeal".into(),
        ),
        (
            "a kind over a month",
            &token,
            format!("group_by=month&kind=enterprise_appeal&{month}"),
        ),
        ("scope: a department", &department, "group_by=unit".into()),
        (
            "scope: a department, a month",
            &department,
            format!("group_by=unit&{month}"),
        ),
        (subdistrict.2.as_str(), &street, "group_by=subject".into()),
    ];
    for (name, token, query) in views {
        let mut times = Vec::new();
        let mut body = serde_json::Value::Null;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = client
                .get(format!("http://{addr}/api/v1/cases/metrics?{query}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("metrics");
            assert!(r.status().is_success(), "{}", r.status());
            body = r.json().await.expect("json");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (m, p) = (median(&mut times), p90(&mut times));
        println!(
            "  {name:<30} median {m:6.1} ms, p90 {p:6.1} ms  ({} groups, {} cases; ratio {:.1} to the scan)   (goal: median < 50 ms)",
            body["items"].as_array().map(Vec::len).unwrap_or(0),
            body["total"]["received"],
            m / base,
        );
    }
    // The to-do counts and the overdue board, the other pages a leader opens every morning.
    for (name, path) in [
        ("to-do counts", "/api/v1/cases/todo"),
        ("overdue board", "/api/v1/cases?overdue=true"),
    ] {
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = client
                .get(format!("http://{addr}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("get");
            assert!(r.status().is_success());
            let _ = r.bytes().await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "  {name:<14} median {:.1} ms -> ratio {:.1} to the scan",
            median(&mut times),
            median(&mut times) / base
        );
    }
}

async fn login(client: &reqwest::Client, addr: std::net::SocketAddr, username: &str) -> String {
    let r: serde_json::Value = client
        .post(format!("http://{addr}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": username, "password": lianxin::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("token");
    r["token"].as_str().expect("token").to_owned()
}

/// The sub-district concerned by the most cases: (id, code, a label for the view).
async fn busiest_subdistrict(db: &sea_orm::DatabaseConnection) -> (i64, String, String) {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT u.id AS id, u.code AS code, COUNT(*) AS n FROM cases \
             JOIN unit_closure c ON c.descendant_id = cases.subject_unit_id \
             JOIN units u ON u.id = c.ancestor_id WHERE u.kind = 'subdistrict' \
             GROUP BY u.id, u.code ORDER BY n DESC LIMIT 1",
        ))
        .await
        .expect("sub-district")
        .expect("a sub-district with cases");
    let id: i64 = row.try_get("", "id").expect("id");
    let n: i64 = row.try_get("", "n").expect("n");
    (
        id,
        row.try_get("", "code").expect("code"),
        format!("scope: a sub-district ({n})"),
    )
}

async fn count(db: &sea_orm::DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}
