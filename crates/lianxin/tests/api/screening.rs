//! Screening: checkpoints, devices, idempotent passage batches, fever follow-ups on the case
//! engine, masked personal data, and personnel screening (人员排查).

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::*;

async fn device_post(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/passages"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("send")
}

fn passage(seq: i64, id: &str, temp: i64, minutes_ago: i64) -> Value {
    json!({"device_seq": seq, "id_number": id, "name": "张伟", "phone": "13803710001",
           "temperature": temp, "direction": "in",
           "at": (Utc::now() - Duration::minutes(minutes_ago)).to_rfc3339()})
}

#[tokio::test]
async fn a_device_posts_batches_that_are_never_stored_twice() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let cp = ok(app
        .post(
            &admin,
            "/api/v1/checkpoints",
            &json!({"name": "甲社区东门卡口", "kind": "community_gate", "unit_id": f.community_a}),
        )
        .await)
    .await;
    assert_eq!(cp["kind_label"], "小区卡口");
    let dev = ok(app
        .post(
            &admin,
            "/api/v1/devices",
            &json!({"checkpoint_id": cp["id"], "name": "东门测温门"}),
        )
        .await)
    .await;
    let token = dev["token"].as_str().expect("token").to_owned();
    let a = id_number("41010619850312101");
    let b = id_number("41010619900720202");
    let batch = json!([
        passage(1, &a, 365, 30),
        passage(2, &b, 381, 20),
        passage(3, &a, 450, 10),
        {"device_seq": 4, "id_number": "410106198503121019", "temperature": 366},
        {"device_seq": "five"}
    ]);
    let r = ok(device_post(&app, &token, &batch).await).await;
    assert_eq!(r["accepted"], 2, "{r}");
    assert_eq!(r["duplicates"], 0);
    assert_eq!(r["fevers"], 1);
    let rejected: Vec<i64> = r["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .filter_map(|x| x["index"].as_i64())
        .collect();
    assert_eq!(rejected, [2, 3, 4]);
    assert_eq!(r["rejected"][0]["errors"][0]["field"], "temperature");
    assert_eq!(r["rejected"][1]["errors"][0]["field"], "id_number");
    // The same batch again (a retry after a lost answer): nothing new.
    let r = ok(device_post(&app, &token, &batch).await).await;
    assert_eq!(r["accepted"], 0);
    assert_eq!(r["duplicates"], 2);
    assert_eq!(r["fevers"], 0, "no second fever case");
    // Repeated sequence numbers inside one batch count once.
    let r = ok(device_post(
        &app,
        &token,
        &json!([passage(9, &a, 362, 5), passage(9, &a, 362, 5)]),
    )
    .await)
    .await;
    assert_eq!(
        (r["accepted"].as_i64(), r["duplicates"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(app.count("passages").await, 3);
    // The identity number is not stored, only its keyed hash and a masked form.
    let plain = app
        .count(&format!(
            "passages WHERE person_hash = '{a}' OR id_masked = '{a}'"
        ))
        .await;
    assert_eq!(plain, 0);

    // The fever raised a follow-up case for the checkpoint's community, dispatched at once.
    app.settle_fevers().await;
    let cases: Value = ok(app.get(&admin, "/api/v1/cases?kind=fever_followup").await).await;
    assert_eq!(cases["total"], 1);
    assert_eq!(cases["items"][0]["status"], "dispatched");
    assert_eq!(cases["items"][0]["lead_unit"]["id"], f.community_a);
    assert_eq!(cases["items"][0]["priority"], "urgent");

    // Refusals: no token, a batch over the limit, a body that is not passages.
    let r = device_post(&app, "not-a-device", &batch).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let big = Value::Array((0..5001).map(|i| passage(100 + i, &a, 365, 1)).collect());
    let (status, p) = problem(device_post(&app, &token, &big).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "body");
    let (status, _) = problem(device_post(&app, &token, &json!("hello")).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("passages").await,
        3,
        "nothing stored from refused requests"
    );

    // Listing: the leader sees masked names; passages need the permission.
    let leader = app.token("leader").await;
    let list = ok(app
        .get(
            &leader,
            &format!("/api/v1/passages?checkpoint_id={}", cp["id"]),
        )
        .await)
    .await;
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][0]["name"], "张*");
    assert!(
        list["items"][0]["id_masked"]
            .as_str()
            .expect("masked")
            .contains('*')
    );
    let fevers = ok(app.get(&leader, "/api/v1/passages?fever=true").await).await;
    assert_eq!(fevers["total"], 1);
    let volunteer = app.token("volunteer").await;
    assert_eq!(
        app.get(&volunteer, "/api/v1/passages").await.status(),
        StatusCode::FORBIDDEN
    );
}

/// PostgreSQL: the check of which of a group's sender keys are stored already reads the
/// unique indexes even with the plan a connection keeps (generic) made on an empty table. As a
/// semi-join it was planned there as a hash of the keys over a scan of every passage, and kept
/// so as the table grew. (SQLite stores a group with one `INSERT … ON CONFLICT DO NOTHING`:
/// nothing to plan there.)
#[tokio::test]
async fn the_check_for_stored_passages_reads_the_unique_index_on_postgres() {
    let app = TestApp::spawn().await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    use sea_orm::TransactionTrait;
    let txn = app.db.begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan")
        .await
        .expect("generic plans");
    txn.execute_unprepared(&format!(
        "PREPARE held (bigint[], bigint[], bigint[], text[], bigint[]) AS {}",
        lianxin::screening::passages::HELD_ON_POSTGRES_SQL
    ))
    .await
    .expect("prepare");
    let plan: Vec<String> = txn
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "EXPLAIN EXECUTE held ('{1}', '{1}', '{1}', '{page-0001}', '{1}')",
        ))
        .await
        .expect("explain")
        .into_iter()
        .map(|r| r.try_get::<String>("", "QUERY PLAN").expect("line"))
        .collect();
    txn.execute_unprepared("DEALLOCATE held")
        .await
        .expect("deallocate");
    txn.rollback().await.expect("rollback");
    let plan = plan.join("\n");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    assert!(plan.contains("uq_passages_device_seq"), "{plan}");
    assert!(plan.contains("uq_passages_page_seq"), "{plan}");
}

#[tokio::test]
async fn personnel_screening_finds_who_passed_the_same_checkpoint_within_the_window() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let mk = |name: &str| json!({"name": name, "kind": "road", "unit_id": f.sub_a});
    let c1 = ok(app
        .post(&admin, "/api/v1/checkpoints", &mk("济源路道路卡点"))
        .await)
    .await;
    let c2 = ok(app
        .post(&admin, "/api/v1/checkpoints", &mk("工业路道路卡点"))
        .await)
    .await;
    let d1 = ok(app
        .post(
            &admin,
            "/api/v1/devices",
            &json!({"checkpoint_id": c1["id"], "name": "1号"}),
        )
        .await)
    .await;
    let d2 = ok(app
        .post(
            &admin,
            "/api/v1/devices",
            &json!({"checkpoint_id": c2["id"], "name": "2号"}),
        )
        .await)
    .await;
    let x = id_number("41010619850312101");
    let y = id_number("41010619900720202");
    let z = id_number("41010619800101303");
    let w = id_number("41010619950505404");
    // X at c1 two hours ago; Y 10 minutes later; Z 45 minutes later; W at c2 at the same time.
    ok(device_post(
        &app,
        d1["token"].as_str().expect("t"),
        &json!([
            passage(1, &x, 365, 120),
            passage(2, &y, 366, 110),
            passage(3, &z, 364, 75),
        ]),
    )
    .await)
    .await;
    ok(device_post(
        &app,
        d2["token"].as_str().expect("t"),
        &json!([passage(1, &w, 365, 120)]),
    )
    .await)
    .await;

    let leader = app.token("leader").await;
    let r = ok(app
        .get(
            &leader,
            &format!("/api/v1/screening/contacts?id_number={x}"),
        )
        .await)
    .await;
    assert_eq!(r["total"], 1, "{r}");
    assert_eq!(r["items"][0]["minutes_apart"], 10);
    assert_eq!(r["items"][0]["checkpoint_name"], "济源路道路卡点");

    // The migration that added the contacts index's keys fills them in SQL by the rule the
    // ingest writes them by: emptied and filled again, every key is the same, and the next
    // screening reads them.
    let keys = || async {
        app.db
            .query_all_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                "SELECT id, contact_key FROM passages ORDER BY id",
            ))
            .await
            .expect("keys")
            .into_iter()
            .map(|r| {
                let k: Option<Vec<u8>> = r.try_get("", "contact_key").expect("key");
                (r.try_get::<i64>("", "id").expect("id"), k)
            })
            .collect::<Vec<_>>()
    };
    let written = keys().await;
    assert_eq!(written.len(), 4);
    assert!(
        written
            .iter()
            .all(|(_, k)| k.as_ref().is_some_and(|k| k.len() == 16))
    );
    app.db
        .execute_unprepared("UPDATE passages SET contact_key = NULL")
        .await
        .expect("empty");
    app.db
        .execute_unprepared(lianxin::screening::privacy::contact_key_fill(
            app.db.get_database_backend(),
        ))
        .await
        .expect("fill");
    assert_eq!(keys().await, written);
    let r = ok(app
        .get(
            &leader,
            &format!("/api/v1/screening/contacts?id_number={x}&window_minutes=60&days=1"),
        )
        .await)
    .await;
    assert_eq!(r["total"], 2);
    // The result as a spreadsheet for the follow-up calls.
    let r = app
        .get(
            &leader,
            &format!("/api/v1/screening/contacts.xlsx?id_number={x}&window_minutes=60&days=1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.expect("bytes")[..2], b"PK");
    // Every screening query and export is in the audit log.
    assert!(app.count("audit_log WHERE entity = 'screening'").await >= 4);
    // Bad input and missing permission.
    let (status, p) = problem(
        app.get(&leader, "/api/v1/screening/contacts?id_number=123")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "id_number");
    let (status, _) = problem(
        app.get(
            &leader,
            &format!("/api/v1/screening/contacts?id_number={x}&days=365"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let staff = app.token("department_staff").await;
    assert_eq!(
        app.get(&staff, &format!("/api/v1/screening/contacts?id_number={x}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

fn named(seq: i64, id: &str, name: &str, temp: i64, minutes_ago: i64) -> Value {
    json!({"device_seq": seq, "id_number": id, "name": name,
           "temperature": temp, "direction": "in",
           "at": (Utc::now() - Duration::minutes(minutes_ago)).to_rfc3339()})
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn contacts_are_one_row_a_person_ranked_and_paged() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let g1 = app
        .gate_with_device(&admin, "甲社区东门", f.community_a)
        .await;
    let g2 = app
        .gate_with_device(&admin, "甲社区西门", f.community_a)
        .await;
    let x = id_number("41010619850312101");
    let a = id_number("41010619900720202");
    let b = id_number("41010619800101303");
    let c = id_number("41010619950505404");
    let fv = id_number("41010619700303505");
    let d = id_number("41010619600606606");
    // X at the east gate 300 and 120 minutes ago and at the west gate 60 minutes ago.
    // A near both east-gate passages (5 minutes each time): two shared windows.
    // B twice in one window (10 and 20 minutes from X): one row, one window, 10 minutes.
    // C at the west gate 2 minutes from X. F 20 minutes from X with a fever. D far from X.
    ok(device_post(
        &app,
        &g1,
        &json!([
            named(1, &x, "被排查人", 365, 300),
            named(2, &x, "被排查人", 365, 120),
            named(3, &a, "甲", 365, 295),
            named(4, &a, "甲", 365, 125),
            named(5, &b, "乙", 365, 110),
            named(6, &b, "乙", 365, 100),
            named(7, &fv, "发热者", 385, 280),
            named(8, &d, "远者", 365, 200),
        ]),
    )
    .await)
    .await;
    ok(device_post(
        &app,
        &g2,
        &json!([
            named(1, &x, "被排查人", 365, 60),
            named(2, &c, "丙", 365, 58)
        ]),
    )
    .await)
    .await;

    let all = ok(app
        .get(&admin, &format!("/api/v1/screening/contacts?id_number={x}"))
        .await)
    .await;
    assert_eq!(all["total"], 4, "{all}");
    assert_eq!(all["truncated"], false);
    assert_eq!(all["own_passages"], 3);
    // Fevers first, then most shared windows, then closest in time.
    assert_eq!(names(&all), ["发热者", "甲", "丙", "乙"], "{all}");
    let items = &all["items"];
    assert_eq!(items[0]["had_fever"], true);
    assert_eq!(items[0]["minutes_apart"], 20);
    assert_eq!(items[1]["windows"], 2);
    assert_eq!(items[1]["minutes_apart"], 5);
    assert_eq!(items[1]["had_fever"], false);
    assert_eq!(items[2]["checkpoint_name"], "甲社区西门");
    assert_eq!(items[2]["minutes_apart"], 2);
    // B's two passages in one window are one row: the closer one, next to X's passage.
    assert_eq!(items[3]["windows"], 1);
    assert_eq!(items[3]["minutes_apart"], 10);
    let shown =
        chrono::DateTime::parse_from_rfc3339(items[3]["at"].as_str().expect("at")).expect("at");
    let index = chrono::DateTime::parse_from_rfc3339(items[3]["index_at"].as_str().expect("at"))
        .expect("index_at");
    assert_eq!((shown - index).num_minutes(), 10);

    // Pages of two: the same order, the same total on each, an empty page past the end.
    let page = |n: u32| {
        let (app, admin, x) = (&app, &admin, &x);
        async move {
            ok(app
                .get(
                    admin,
                    &format!("/api/v1/screening/contacts?id_number={x}&page={n}&page_size=2"),
                )
                .await)
            .await
        }
    };
    let (p1, p2, p3) = (page(1).await, page(2).await, page(3).await);
    assert_eq!(names(&p1), ["发热者", "甲"]);
    assert_eq!(names(&p2), ["丙", "乙"]);
    assert!(names(&p3).is_empty());
    assert_eq!(
        (&p1["total"], &p2["total"], &p3["total"]),
        (&json!(4), &json!(4), &json!(4))
    );
    // The pages of one screening share one ranking, kept for a minute: a contact who passes
    // meanwhile does not shift the later pages under the reader; the ranking says when it
    // was made.
    assert_eq!(p1["as_of"], all["as_of"], "{p1}");
    assert_eq!((&p2["as_of"], &p3["as_of"]), (&p1["as_of"], &p1["as_of"]));
    let e = id_number("41010619880808707");
    ok(device_post(&app, &g2, &json!([named(3, &e, "后来者", 365, 59)])).await).await;
    let again = page(2).await;
    assert_eq!(names(&again), ["丙", "乙"], "{again}");
    assert_eq!(again["total"], 4);
    let (status, p) = problem(
        app.get(
            &admin,
            &format!("/api/v1/screening/contacts?id_number={x}&page=1000001"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "page");

    // A wider window is another screening, ranked now: D too, and the contact who passed
    // since the first page.
    let wide = ok(app
        .get(
            &admin,
            &format!("/api/v1/screening/contacts?id_number={x}&window_minutes=90"),
        )
        .await)
    .await;
    assert_eq!(wide["total"], 6, "{wide}");
    assert!(names(&wide).contains(&"后来者".to_owned()), "{wide}");
    // The export has every contact of the kept screening in rank order.
    let r = app
        .get(
            &admin,
            &format!("/api/v1/screening/contacts.xlsx?id_number={x}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    use calamine::Reader;
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    let col: Vec<String> = sheet.rows().skip(1).map(|r| r[5].to_string()).collect();
    assert_eq!(col, ["发热者", "甲", "丙", "乙"]);

    // The page: a pager over pages of 50.
    let br = Browser::login(&app, "admin").await;
    let (status, html) = br.get(&format!("/screening?id_number={x}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("发热者") && html.contains("1 / 1"), "{html}");
    assert!(!html.contains("contacts-truncated"));
}

#[tokio::test]
async fn a_person_with_too_many_passages_is_screened_around_the_latest_and_says_so() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let gate = app
        .gate_with_device(&admin, "甲社区东门", f.community_a)
        .await;
    let x = id_number("41010619850312101");
    let near_latest = id_number("41010619900720202");
    let near_earliest = id_number("41010619800101303");
    // 1,001 passages of X, one every 10 minutes; one person near the latest, one 25 minutes
    // from the earliest only (which is past the 1,000 screened).
    let mut batch: Vec<Value> = (0..1001)
        .map(|i| named(i + 1, &x, "被排查人", 365, 5 + 10 * i))
        .collect();
    batch.push(named(2000, &near_latest, "近者", 365, 4));
    batch.push(named(2001, &near_earliest, "早者", 365, 5 + 10 * 1000 + 25));
    let r = ok(device_post(&app, &gate, &Value::Array(batch)).await).await;
    assert_eq!(r["accepted"], 1003, "{r}");
    let page = ok(app
        .get(&admin, &format!("/api/v1/screening/contacts?id_number={x}"))
        .await)
    .await;
    assert_eq!(page["truncated"], true, "{page}");
    assert_eq!(page["own_passages"], 1001);
    assert_eq!(names(&page), ["近者"]);
    let br = Browser::login(&app, "admin").await;
    let (status, html) = br.get(&format!("/screening?id_number={x}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("contacts-truncated"), "{html}");
}

#[tokio::test]
async fn acknowledged_passages_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    // SQLite here: the file the test kills the server over (PostgreSQL's own durability is its own).
    let db_url = format!("sqlite://{}", dir.path().join("kill.db").display());
    add_root_with_cli(&db_url);
    let (mut child, base) = start_server(&db_url);
    let c = reqwest::Client::new();
    let token = token_at(&base, "root").await;
    let post = |path: &str, body: Value| {
        c.post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let unit: Value = post(
        "/api/v1/units",
        json!({"name": "上街区", "kind": "district"}),
    )
    .await
    .expect("unit")
    .json()
    .await
    .expect("json");
    let cp: Value = post(
        "/api/v1/checkpoints",
        json!({"name": "卡点", "kind": "road", "unit_id": unit["id"]}),
    )
    .await
    .expect("cp")
    .json()
    .await
    .expect("json");
    let dev: Value = post(
        "/api/v1/devices",
        json!({"checkpoint_id": cp["id"], "name": "闸机"}),
    )
    .await
    .expect("device")
    .json()
    .await
    .expect("json");
    let dtoken = dev["token"].as_str().expect("token").to_owned();
    let a = id_number("41010619850312101");
    let mut acknowledged = 0;
    for round in 0..5 {
        let batch = Value::Array(
            (0..200)
                .map(|i| passage(round * 200 + i, &a, 365, 5))
                .collect(),
        );
        let r: Value = c
            .post(format!("{base}/api/v1/passages"))
            .bearer_auth(&dtoken)
            .json(&batch)
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json");
        acknowledged += r["accepted"].as_i64().expect("accepted");
    }
    assert_eq!(acknowledged, 1000);
    child.kill().expect("kill -9"); // SIGKILL: no shutdown, no flush
    child.wait().expect("wait");

    let (mut child, base) = start_server(&db_url);
    let token = token_at(&base, "root").await;
    let list: Value = c
        .get(format!("{base}/api/v1/passages?page_size=1"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    child.kill().ok();
    child.wait().ok();
    assert_eq!(
        list["total"], 1000,
        "every acknowledged passage is there after kill -9"
    );
}

#[tokio::test]
async fn passages_past_retention_are_deleted_and_counted() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let cp = ok(app
        .post(
            &admin,
            "/api/v1/checkpoints",
            &json!({"name": "卡点", "kind": "road", "unit_id": f.sub_a}),
        )
        .await)
    .await;
    let dev = ok(app
        .post(
            &admin,
            "/api/v1/devices",
            &json!({"checkpoint_id": cp["id"], "name": "闸机"}),
        )
        .await)
    .await;
    let a = id_number("41010619850312101");
    let r = ok(device_post(
        &app,
        dev["token"].as_str().expect("token"),
        &json!([passage(1, &a, 365, 29 * 24 * 60), passage(2, &a, 365, 60)]),
    )
    .await)
    .await;
    assert_eq!(r["accepted"], 2);
    // `lianxin purge` (the same job `serve` runs every six hours): 28 days by default.
    let out = lianxin_cli()
        .args(["purge", "--db", &app.db_url])
        .env("LIANXIN_LOG", "error")
        .output()
        .expect("purge");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1 passages deleted"
    );
    assert_eq!(app.count("passages").await, 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'passage' AND action = 'delete'")
            .await,
        1
    );
}

#[tokio::test]
async fn disinfection_logs_and_the_fever_threshold() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let r = app
        .post(
            &admin,
            "/api/v1/disinfections",
            &json!({"unit_id": f.community_a, "place": "3号楼楼道", "agent": "84消毒液 1:100", "area": "6 层", "person": "赵敏"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (status, p) = problem(
        app.post(
            &admin,
            "/api/v1/disinfections",
            &json!({"unit_id": f.community_a}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["place", "agent", "person"]);
    let list = ok(app.get(&admin, "/api/v1/disinfections").await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["unit_name"], "甲社区");
    // The industry bureau's staff do not see the community's logs.
    let staff = app.token("department_staff").await;
    let list = ok(app.get(&staff, "/api/v1/disinfections").await).await;
    assert_eq!(list["total"], 0);

    // The fever threshold is a setting: at 38.0 °C, 37.5 °C is no fever.
    let leader = app.token("leader").await;
    let r = app
        .put(
            &leader,
            "/api/v1/screening/settings",
            &json!({"fever_threshold": 380}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _) = problem(
        app.put(
            &admin,
            "/api/v1/screening/settings",
            &json!({"fever_threshold": 500}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let s = ok(app
        .put(
            &admin,
            "/api/v1/screening/settings",
            &json!({"fever_threshold": 380, "retention_days": 14}),
        )
        .await)
    .await;
    assert_eq!(
        (s["fever_threshold"].as_i64(), s["retention_days"].as_i64()),
        (Some(380), Some(14))
    );
    let cp = ok(app
        .post(
            &admin,
            "/api/v1/checkpoints",
            &json!({"name": "卡点", "kind": "road", "unit_id": f.sub_a}),
        )
        .await)
    .await;
    let dev = ok(app
        .post(
            &admin,
            "/api/v1/devices",
            &json!({"checkpoint_id": cp["id"], "name": "闸机"}),
        )
        .await)
    .await;
    let a = id_number("41010619850312101");
    let r = ok(device_post(
        &app,
        dev["token"].as_str().expect("t"),
        &json!([passage(1, &a, 375, 5), passage(2, &a, 381, 4)]),
    )
    .await)
    .await;
    assert_eq!(r["fevers"], 1);
}

/// `minutes` before now, but never before today's local midnight (the day a fever counts
/// for): just after midnight, seconds after it instead, in the same order, so a test run then
/// keeps all its passages on one day.
fn today_minus(minutes: i64) -> chrono::DateTime<Utc> {
    let now = Utc::now();
    let midnight = lianxin::screening::duty::local_at(lianxin::screening::duty::local_day(now), 0);
    (now - Duration::minutes(minutes)).max(midnight + Duration::seconds(minutes))
}

/// A passage `today_minus(minutes)`.
fn passage_today(seq: i64, id: &str, temp: i64, minutes: i64) -> Value {
    let mut p = passage(seq, id, temp, 0);
    p["at"] = json!(today_minus(minutes).to_rfc3339());
    p
}

/// A fever storm: 20 people, each with a fever at two gates and again at the first, and an
/// enterprise's report of a fever for one of them. One case per person and day; every further
/// fever is a step on that person's case.
#[tokio::test]
async fn a_fever_storm_yields_one_case_per_person_and_day() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let east = app
        .gate_with_device(&admin, "甲社区东门卡口", f.community_a)
        .await;
    let west = app
        .gate_with_device(&admin, "乙社区西门卡口", f.community_b)
        .await;
    let people: Vec<String> = (0..20)
        .map(|i| id_number(&format!("410106198{}0101{:03}", i % 10, 100 + i)))
        .collect();
    // The enterprise contact of the fixture (刘洋) also passes a gate with a fever.
    let contact_id = id_number("41010619880808505");
    let mut east_batch: Vec<Value> = people
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let i = i as i64;
            [
                passage_today(2 * i + 1, p, 385, 60),
                passage_today(2 * i + 2, p, 380, 10),
            ]
        })
        .collect();
    east_batch.push(passage_today(1000, &contact_id, 390, 30));
    let west_batch: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(i, p)| passage_today(i as i64 + 1, p, 384, 40))
        .collect();
    let r = ok(device_post(&app, &east, &Value::Array(east_batch)).await).await;
    assert_eq!(
        (r["accepted"].as_i64(), r["fevers"].as_i64()),
        (Some(41), Some(41))
    );
    let r = ok(device_post(&app, &west, &Value::Array(west_batch)).await).await;
    assert_eq!(r["fevers"], 20);
    // The contact's enterprise reports the same fever in its daily health report.
    let c = app.token("enterprise_contact").await;
    let r = ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [{"person_id": f.contact_person, "temperature": 388,
                "symptoms": ["fever"], "mental_state": "good", "quarantine": "none"}]}),
        )
        .await)
    .await;
    assert_eq!(r["fevers"], 1, "{r}");
    app.settle_fevers().await;
    let fever_cases =
        "cases WHERE kind_id = (SELECT id FROM case_kinds WHERE code = 'fever_followup')";
    assert_eq!(
        app.count(fever_cases).await,
        21,
        "one case per person and day"
    );
    // 20 people × 2 further passages, and the report joining the contact's case.
    assert_eq!(app.count("case_events WHERE action = 'record'").await, 41);
    assert_eq!(
        app.count("passages WHERE fever AND case_id IS NULL").await,
        0
    );
    assert_eq!(app.count("health_reports WHERE case_id IS NULL").await, 0);
    assert_eq!(
        app.count(
            "health_reports h JOIN passages p ON p.case_id = h.case_id WHERE p.id_masked LIKE '410%'"
        )
        .await,
        1,
        "the report joined the case the gate raised"
    );
    assert_eq!(app.count("fever_signals WHERE done_at IS NULL").await, 0);
}

/// A retired fever kind refuses the follow-up, never the passage: the gate's batch is stored,
/// the fever waits in the queue with its reason, and once the kind is back the case comes.
#[tokio::test]
async fn a_disabled_fever_kind_loses_no_passage() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let token = app
        .gate_with_device(&admin, "甲社区东门卡口", f.community_a)
        .await;
    let kinds = ok(app.get(&admin, "/api/v1/case-kinds").await).await;
    let kind = kinds
        .as_array()
        .expect("kinds")
        .iter()
        .find(|k| k["code"] == "fever_followup")
        .expect("the fever kind")["id"]
        .as_i64()
        .expect("id");
    ok(app
        .put(
            &admin,
            &format!("/api/v1/case-kinds/{kind}"),
            &json!({"active": false}),
        )
        .await)
    .await;
    let a = id_number("41010619850312101");
    let r = ok(device_post(
        &app,
        &token,
        &json!([passage(1, &a, 390, 5), passage(2, &a, 365, 4)]),
    )
    .await)
    .await;
    assert_eq!(
        (r["accepted"].as_i64(), r["fevers"].as_i64()),
        (Some(2), Some(1))
    );
    app.settle_fevers().await;
    assert_eq!(
        app.count("passages").await,
        2,
        "a fever never costs a passage"
    );
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(
        app.count("fever_signals WHERE done_at IS NULL AND error IS NOT NULL AND attempts >= 1")
            .await,
        1,
        "the refused fever waits in the queue with its reason"
    );
    ok(app
        .put(
            &admin,
            &format!("/api/v1/case-kinds/{kind}"),
            &json!({"active": true}),
        )
        .await)
    .await;
    // The worker tries again after its back-off; here the test does not wait for it.
    lianxin::screening::fever::follow_up_due(&app.db, Utc::now() + Duration::hours(1))
        .await
        .expect("follow up");
    assert_eq!(app.count("cases").await, 1);
    assert_eq!(
        app.count("passages WHERE fever AND case_id IS NOT NULL")
            .await,
        1
    );
}

/// A panic in the passage writer is logged and the writer starts again: the batch it held is
/// refused (the gate retries it), and every later post is answered.
#[tokio::test]
async fn the_passage_writer_survives_a_panic() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let token = app
        .gate_with_device(&admin, "甲社区东门卡口", f.community_a)
        .await;
    let a = id_number("41010619850312101");
    app.screening.ingest.inject_panics(1);
    let batch = json!([passage(1, &a, 365, 5)]);
    let r = device_post(&app, &token, &batch).await;
    assert!(r.status().is_server_error(), "{}", r.status());
    for _ in 0..3 {
        let r = ok(device_post(&app, &token, &batch).await).await;
        assert_eq!(
            r["accepted"].as_i64().unwrap_or(0) + r["duplicates"].as_i64().unwrap_or(0),
            1
        );
    }
    assert_eq!(app.count("passages").await, 1);
}

/// A role with the given permissions over the given units (自定数据权限), and a user of it.
async fn custom_user(app: &TestApp, admin: &str, code: &str, perms: &[&str], units: &[i64]) {
    let r = app
        .post(
            admin,
            "/api/v1/roles",
            &json!({"code": code, "name_zh": code, "data_scope": "custom",
                    "permissions": perms, "unit_ids": units}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    add_user(app, code, code, None, None, None).await;
}

#[tokio::test]
async fn screening_finds_people_by_name_or_phone_in_scope_and_raises_follow_ups() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // A second 张伟, registered in the other community.
    let other = ok(app
        .post(
            &admin,
            "/api/v1/people",
            &json!({"name": "张伟", "unit_id": f.community_b,
            "id_number": id_number("41010619770707707"), "phone": "13803710007"}),
        )
        .await)
    .await;
    let gate = app
        .gate_with_device(&admin, "甲社区东门", f.community_a)
        .await;
    let x = id_number("41010619850312101"); // 张伟 of 甲社区 (the fixture's person_a)
    let y = id_number("41010619600606606");
    let z = id_number("41010619700303505");
    ok(device_post(
        &app,
        &gate,
        &json!([
            named(1, &x, "张伟", 365, 120),
            named(2, &y, "发热者", 386, 110),
            named(3, &z, "丁", 364, 115),
            named(4, &x, "张伟", 366, 30),
        ]),
    )
    .await)
    .await;
    // 丁 passes near 张伟 at a second gate too: one row, two shared windows, both gates.
    let west = app
        .gate_with_device(&admin, "甲社区西门", f.community_a)
        .await;
    ok(device_post(
        &app,
        &west,
        &json!([named(1, &x, "张伟", 365, 60), named(2, &z, "丁", 365, 62)]),
    )
    .await)
    .await;
    app.settle_fevers().await;
    let leader = app.token("leader").await;

    // By name: two people, masked numbers, their units; nothing screened yet.
    let audited = app
        .count("audit_log WHERE event = 'screening.people'")
        .await;
    let m = ok(app.get(&leader, "/api/v1/screening/people?q=张伟").await).await;
    assert_eq!(m.as_array().map(Vec::len), Some(2), "{m}");
    let units: Vec<&str> = m
        .as_array()
        .expect("matches")
        .iter()
        .map(|p| p["unit_name"].as_str().unwrap_or_default())
        .collect();
    assert!(
        units.contains(&"甲社区") && units.contains(&"乙社区"),
        "{m}"
    );
    assert!(!m.to_string().contains(&x), "numbers are masked: {m}");
    assert!(!m.to_string().contains("13803710001"), "{m}");
    // By phone: the one person.
    let m = ok(app
        .get(&leader, "/api/v1/screening/people?q=13803710001")
        .await)
    .await;
    assert_eq!(m.as_array().map(Vec::len), Some(1), "{m}");
    assert_eq!(m[0]["person_id"], f.person_a);
    assert_eq!(
        app.count("audit_log WHERE event = 'screening.people'")
            .await,
        audited + 2
    );
    let (status, _) = problem(app.get(&leader, "/api/v1/screening/people?q=").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A user whose scope is 乙社区 finds only that community's 张伟, and cannot screen the
    // other one by id.
    custom_user(
        &app,
        &admin,
        "screen_b",
        &["screening:query", "case:raise"],
        &[f.community_b],
    )
    .await;
    let b = app.token("screen_b").await;
    let m = ok(app.get(&b, "/api/v1/screening/people?q=张伟").await).await;
    assert_eq!(m.as_array().map(Vec::len), Some(1), "{m}");
    assert_eq!(m[0]["person_id"], other["id"]);
    let m = ok(app.get(&b, "/api/v1/screening/people?q=13803710001").await).await;
    assert_eq!(m, json!([]));
    assert_eq!(
        app.get(
            &b,
            &format!("/api/v1/screening/contacts?person_id={}", f.person_a)
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(
            &app.token("department_staff").await,
            "/api/v1/screening/people?q=张伟"
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );

    // Screening the chosen person: who they are, their own passages, the contacts' fevers.
    let q = format!("person_id={}&days=1&window_minutes=30", f.person_a);
    let r = ok(app
        .get(&leader, &format!("/api/v1/screening/contacts?{q}"))
        .await)
    .await;
    assert_eq!(r["person"]["name"], "张伟", "{r}");
    assert_eq!(r["person"]["unit_name"], "甲社区");
    let masked = r["person"]["id_masked"].as_str().unwrap_or_default();
    assert!(
        masked.starts_with("410*") && masked.ends_with(&x[14..]),
        "{r}"
    );
    assert_eq!(r["own_passages"], 3);
    assert_eq!(r["own"].as_array().map(Vec::len), Some(3));
    assert_eq!(r["own"][0]["checkpoint_name"], "甲社区东门");
    assert_eq!(r["own"][0]["temperature"], 366);
    assert_eq!(r["own"][0]["fever"], false);
    assert_eq!(r["total"], 2, "{r}");
    assert_eq!(r["fevers"], 1);
    assert_eq!(r["items"][0]["had_fever"], true);
    assert_eq!(r["items"][1]["had_fever"], false);
    assert_eq!(r["items"][1]["windows"], 2);
    assert_eq!(
        r["items"][1]["checkpoints"],
        json!(["甲社区西门", "甲社区东门"]),
        "{r}"
    );
    assert_eq!(r["items"][0]["checkpoints"], json!(["甲社区东门"]));
    let fever_only = ok(app
        .get(
            &leader,
            &format!("/api/v1/screening/contacts?{q}&fever_only=true"),
        )
        .await)
    .await;
    assert_eq!(fever_only["total"], 1);
    assert_eq!(fever_only["items"][0]["id"], r["items"][0]["id"]);
    // By number, the registered person is shown too.
    let by_number = ok(app
        .get(
            &leader,
            &format!("/api/v1/screening/contacts?id_number={x}&days=1"),
        )
        .await)
    .await;
    assert_eq!(by_number["person"]["person_id"], f.person_a);

    // Follow-ups for both contacts: the one with a fever already has the day's case (raised
    // by the fever), so it is linked; the other gets a new case. Again: both linked.
    let ids = json!([r["items"][0]["id"], r["items"][1]["id"]]);
    let body = json!({"person_id": f.person_a, "days": 1, "window_minutes": 30,
                      "contact_ids": ids, "note": "请社区跟进"});
    let cases_before = app.count("cases").await;
    let first = ok(app
        .post(&leader, "/api/v1/screening/followups", &body)
        .await)
    .await;
    assert_eq!(first["created"], 1, "{first}");
    assert_eq!(first["linked"], 1);
    assert_eq!(app.count("cases").await, cases_before + 1);
    let again = ok(app
        .post(&leader, "/api/v1/screening/followups", &body)
        .await)
    .await;
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(again["linked"], 2);
    assert_eq!(app.count("cases").await, cases_before + 1);
    assert_eq!(app.count("fever_followups").await, 2);
    assert_eq!(
        app.count("audit_log WHERE event = 'screening.followups'")
            .await,
        2
    );
    let case_id = first["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["linked"] == false)
        .map(|c| c["case_id"].clone())
        .expect("a new case");
    let case = ok(app.get(&leader, &format!("/api/v1/cases/{case_id}")).await).await;
    assert_eq!(case["kind"], "fever_followup", "{case}");
    assert!(case.to_string().contains("请社区跟进"), "{case}");
    assert!(case.to_string().contains("张伟"), "{case}");

    // All or nothing: one id that is not a contact of this screening refuses the batch.
    let bad = json!({"person_id": f.person_a, "days": 1, "window_minutes": 30,
                     "contact_ids": [r["items"][1]["id"], 999_999]});
    let (status, p) = problem(app.post(&leader, "/api/v1/screening/followups", &bad).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "contact_ids");
    assert_eq!(app.count("cases").await, cases_before + 1);
    // Without the permission to raise cases: 403.
    custom_user(
        &app,
        &admin,
        "screen_only",
        &["screening:query"],
        &[f.community_a],
    )
    .await;
    let only = app.token("screen_only").await;
    assert_eq!(
        app.post(&only, "/api/v1/screening/followups", &body)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The page: one field; a name with two matches lists them to choose, a phone screens.
    let br = Browser::login(&app, "leader").await;
    let (status, html) = br.get("/screening?q=张伟").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("screening-matches"), "{html}");
    assert!(!html.contains("contacts-table"));
    let (_, html) = br.get("/screening?q=13803710001&days=1").await;
    assert!(
        html.contains("screened-person") && html.contains("own-passages"),
        "{html}"
    );
    assert!(html.contains("fever-badge"), "{html}");
    assert!(html.contains("raise-followups"));
    // 发起随访 from the page, and with nothing ticked (back to the screening, which says so).
    let csrf = br.csrf().await;
    let pid = f.person_a.to_string();
    let contact = r["items"][1]["id"].to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("person_id", pid.as_str()),
        ("days", "1"),
        ("window_minutes", "30"),
        ("contact_ids", contact.as_str()),
    ];
    let res = br.post("/screening/followups", &form).await;
    assert!(res.status().is_redirection(), "{:?}", res.status());
    let to = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(to.contains("linked=1"), "{to}");
    let res = br.post("/screening/followups", &form[..4]).await;
    let to = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(to.contains("none_chosen=1"), "{to}");
    let (_, html) = br.get(&to).await;
    assert!(html.contains("请先勾选要发起随访的人员"), "{html}");
    assert_eq!(app.count("cases").await, cases_before + 1);
}

#[tokio::test]
async fn a_contact_whose_fever_before_midnight_raised_a_case_is_linked_to_it_after_midnight() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let gate = app
        .gate_with_device(&admin, "甲社区东门", f.community_a)
        .await;
    let x = id_number("41010619850312101"); // 张伟 of 甲社区
    let y = id_number("41010619600606606");
    // Yesterday, local time: 张伟 at 23:40 and a febrile person at 23:50, in one window.
    let yesterday = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        - Duration::days(1);
    let at = |h: u32, m: u32| {
        yesterday
            .and_hms_opt(h, m, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::Asia::Shanghai).single())
            .map(|t| t.to_rfc3339())
            .expect("a local time")
    };
    let passage = |seq: i64, id: &str, name: &str, temp: i64, t: String| {
        json!({"device_seq": seq, "id_number": id, "name": name, "temperature": temp,
               "direction": "in", "at": t})
    };
    ok(device_post(
        &app,
        &gate,
        &json!([
            passage(1, &x, "张伟", 365, at(23, 40)),
            passage(2, &y, "发热者", 386, at(23, 50)),
        ]),
    )
    .await)
    .await;
    app.settle_fevers().await;
    assert_eq!(app.count("fever_followups").await, 1);
    let leader = app.token("leader").await;
    let q = format!("id_number={x}&days=2&window_minutes=30");
    let r = ok(app
        .get(&leader, &format!("/api/v1/screening/contacts?{q}"))
        .await)
    .await;
    assert_eq!(r["total"], 1, "{r}");
    // Whatever the hour now, the contact's case of that day is the fever's: linked, not new.
    let body = json!({"id_number": x, "days": 2, "window_minutes": 30,
                      "contact_ids": [r["items"][0]["id"]]});
    let cases_before = app.count("cases").await;
    let v = ok(app
        .post(&leader, "/api/v1/screening/followups", &body)
        .await)
    .await;
    assert_eq!(v["created"], 0, "{v}");
    assert_eq!(v["linked"], 1, "{v}");
    assert_eq!(app.count("cases").await, cases_before);
    assert_eq!(app.count("fever_followups").await, 1);
}

#[tokio::test]
async fn a_contact_followed_up_by_another_unit_is_linked_without_showing_that_units_case() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let gate_a = app
        .gate_with_device(&admin, "甲社区东门", f.community_a)
        .await;
    let gate_b = app
        .gate_with_device(&admin, "乙社区西门", f.community_b)
        .await;
    let x = id_number("41010619900101101"); // screened by 乙社区
    let y = id_number("41010619600606606"); // a fever at 甲社区's gate, then passes 乙社区's
    // The fever and the contact's passage on one local day (the follow-up's day), also when
    // the test runs just after midnight.
    let at = |minutes_ago: i64| today_minus(minutes_ago).to_rfc3339();
    let passage = |seq: i64, id: &str, name: &str, temp: i64, t: String| {
        json!({"device_seq": seq, "id_number": id, "name": name, "temperature": temp,
               "direction": "in", "at": t})
    };
    ok(device_post(
        &app,
        &gate_a,
        &json!([passage(1, &y, "发热者", 386, at(50))]),
    )
    .await)
    .await;
    app.settle_fevers().await;
    assert_eq!(app.count("fever_followups").await, 1);
    ok(device_post(
        &app,
        &gate_b,
        &json!([
            passage(1, &x, "被排查人", 365, at(20)),
            passage(2, &y, "发热者", 366, at(15)),
        ]),
    )
    .await)
    .await;
    app.settle_fevers().await;

    // 乙社区's screener cannot see 甲社区's fever case ...
    custom_user(
        &app,
        &admin,
        "screen_b",
        &["screening:query", "case:raise", "case:list"],
        &[f.community_b],
    )
    .await;
    let b = app.token("screen_b").await;
    let fever_case: i64 = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT case_id FROM fever_followups",
        ))
        .await
        .expect("query")
        .expect("the fever's follow-up")
        .try_get("", "case_id")
        .expect("case_id");
    assert_eq!(
        app.get(&b, &format!("/api/v1/cases/{fever_case}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // ... and follows up the contact all the same: no second case, none shown, and the
    // screening is on that case's timeline in the screening's name.
    let q = format!("id_number={x}&days=1&window_minutes=30");
    let r = ok(app
        .get(&b, &format!("/api/v1/screening/contacts?{q}"))
        .await)
    .await;
    assert_eq!(r["total"], 1, "{r}");
    let body = json!({"id_number": x, "days": 1, "window_minutes": 30,
                      "contact_ids": [r["items"][0]["id"]], "note": "乙社区已电话联系"});
    let cases_before = app.count("cases").await;
    let v = ok(app.post(&b, "/api/v1/screening/followups", &body).await).await;
    assert_eq!(v["created"], 0, "{v}");
    assert_eq!(v["linked"], 1, "{v}");
    assert_eq!(v["cases"][0]["linked"], true, "{v}");
    assert_eq!(v["cases"][0]["case_id"], Value::Null, "{v}");
    assert_eq!(app.count("cases").await, cases_before);
    let leader = app.token("leader").await;
    let case = ok(app
        .get(&leader, &format!("/api/v1/cases/{fever_case}"))
        .await)
    .await;
    let timeline = case.to_string();
    assert!(timeline.contains("乙社区已电话联系"), "{case}");
    assert!(timeline.contains("人员排查：screen_b"), "{case}");
}
