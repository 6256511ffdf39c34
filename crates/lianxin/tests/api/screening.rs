//! Screening: checkpoints, devices, idempotent passage batches, fever follow-ups on the case
//! engine, masked personal data, and personnel screening (人员排查).

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let v: Value = r.json().await.expect("json");
    assert!(status.is_success(), "{status}: {v}");
    v
}

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

/// Starts the real binary; answers the child and its base URL once it listens.
fn start_server(db_url: &str) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lianxin"))
        .args(["serve", "--db", db_url, "--listen", "127.0.0.1:0"])
        .env("LIANXIN_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start lianxin");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .expect("line");
        if let Some(u) = line.strip_prefix("lianxin listening on ") {
            break u.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

#[tokio::test]
async fn acknowledged_passages_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    // SQLite here: the file the test kills the server over (PostgreSQL's own durability is its own).
    let db_url = format!("sqlite://{}", dir.path().join("kill.db").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lianxin"))
        .args([
            "user",
            "add",
            "--db",
            &db_url,
            "--username",
            "root",
            "--role",
            "admin",
        ])
        .env("LIANXIN_PASSWORD", PASSWORD)
        .env("LIANXIN_LOG", "error")
        .output()
        .expect("user add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut child, base) = start_server(&db_url);
    let c = reqwest::Client::new();
    let token: Value = c
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "root", "password": PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["token"].as_str().expect("token").to_owned();
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
    let token: Value = c
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "root", "password": PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let list: Value = c
        .get(format!("{base}/api/v1/passages?page_size=1"))
        .bearer_auth(token["token"].as_str().expect("token"))
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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lianxin"))
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
