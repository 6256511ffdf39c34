//! Duty shifts (排班), volunteers recording passages on duty only, and the pre-aggregated
//! screening dashboard.

use chrono::{Datelike, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn at(minutes_from_now: i64) -> String {
    (Utc::now() + Duration::minutes(minutes_from_now)).to_rfc3339()
}

/// Local (Asia/Shanghai) `date` at `hh:mm`, as RFC 3339.
fn local(date: chrono::NaiveDate, hh: u32, mm: u32) -> String {
    format!("{}T{:02}:{:02}:00+08:00", date, hh, mm)
}

async fn checkpoint(app: &TestApp, admin: &str, name: &str, unit: i64) -> i64 {
    ok(app
        .post(
            admin,
            "/api/v1/checkpoints",
            &json!({"name": name, "kind": "community_gate", "unit_id": unit}),
        )
        .await)
    .await["id"]
        .as_i64()
        .expect("id")
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let t = app.token(username).await;
    ok(app.get(&t, "/api/v1/me").await).await["id"]
        .as_i64()
        .expect("user id")
}

async fn record(
    app: &TestApp,
    token: &str,
    cp: i64,
    client: &str,
    passages: Value,
) -> reqwest::Response {
    app.post(
        token,
        &format!("/api/v1/checkpoints/{cp}/passages"),
        &json!({"client_id": client, "passages": passages}),
    )
    .await
}

#[tokio::test]
async fn a_roster_books_volunteers_without_overlap_and_shows_its_gaps() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let cp = checkpoint(&app, &admin, "甲社区东门卡口", f.community_a).await;
    let cp2 = checkpoint(&app, &admin, "乙社区北门卡口", f.community_b).await;
    let vol = user_id(&app, "volunteer").await;
    let ok_hours = app
        .put(
            &admin,
            &format!("/api/v1/checkpoints/{cp}/duty-hours"),
            &json!({"duty_from": "06:00", "duty_to": "22:00"}),
        )
        .await;
    assert_eq!(ok(ok_hours).await["duty_hours"], "06:00-22:00");
    let (status, p) = problem(
        app.put(
            &admin,
            &format!("/api/v1/checkpoints/{cp}/duty-hours"),
            &json!({"duty_from": "22:00", "duty_to": "06:00"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "duty_to");

    // Next week's Tuesday, 08:00-12:00 and 14:00-18:00, three weeks in a row.
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
        + Duration::days(7);
    let tuesday = monday + Duration::days(1);
    let booked = ok(app
        .post(
            &admin,
            "/api/v1/duty/shifts",
            &json!({"checkpoint_id": cp, "user_id": vol, "starts_at": local(tuesday, 8, 0),
                    "ends_at": local(tuesday, 12, 0), "repeat_weeks": 3, "note": "东门早班"}),
        )
        .await)
    .await;
    assert_eq!(booked.as_array().map(Vec::len), Some(3));
    assert_eq!(booked[0]["hours"], "08:00-12:00");
    assert_eq!(booked[0]["status"], "scheduled");

    // The same volunteer cannot be at two places at once: 422, nothing stored.
    let before = app.count("duty_shifts").await;
    let (status, p) = problem(
        app.post(
            &admin,
            "/api/v1/duty/shifts",
            &json!({"checkpoint_id": cp2, "user_id": vol, "starts_at": local(tuesday + Duration::days(7), 11, 0),
                    "ends_at": local(tuesday + Duration::days(7), 13, 0), "repeat_weeks": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "starts_at");
    assert_eq!(p["errors"][0]["code"], "overlap");
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("甲社区东门卡口"),
        "{p}"
    );
    assert_eq!(app.count("duty_shifts").await, before);

    // Bad input: an end before the start, a 30-hour shift, too many weeks, unknown people.
    for (body, field) in [
        (
            json!({"checkpoint_id": cp, "user_id": vol, "starts_at": local(monday, 9, 0), "ends_at": local(monday, 8, 0)}),
            "ends_at",
        ),
        (
            json!({"checkpoint_id": cp, "user_id": vol, "starts_at": local(monday, 0, 0), "ends_at": local(monday + Duration::days(1), 6, 0)}),
            "ends_at",
        ),
        (
            json!({"checkpoint_id": cp, "user_id": vol, "starts_at": local(monday, 8, 0), "ends_at": local(monday, 9, 0), "repeat_weeks": 13}),
            "repeat_weeks",
        ),
        (
            json!({"checkpoint_id": cp, "user_id": 999_999, "starts_at": local(monday, 8, 0), "ends_at": local(monday, 9, 0)}),
            "user_id",
        ),
        (
            json!({"checkpoint_id": 999_999, "user_id": vol, "starts_at": local(monday, 8, 0), "ends_at": local(monday, 9, 0)}),
            "checkpoint_id",
        ),
    ] {
        let (status, p) = problem(app.post(&admin, "/api/v1/duty/shifts", &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    assert_eq!(app.count("duty_shifts").await, before);

    // Two editors booking the same volunteer for the same slot at once: exactly one wins.
    let wednesday = tuesday + Duration::days(1);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/duty/shifts"),
            admin.clone(),
        );
        let cp_i = if i % 2 == 0 { cp } else { cp2 };
        let body = json!({"checkpoint_id": cp_i, "user_id": vol,
            "starts_at": local(wednesday, 8, i), "ends_at": local(wednesday, 12, 0)});
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    let mut won = 0;
    for t in tasks {
        let s = t.await.expect("task").expect("send");
        assert!(
            s == StatusCode::CREATED || s == StatusCode::UNPROCESSABLE_ENTITY,
            "{s}"
        );
        won += usize::from(s == StatusCode::CREATED);
    }
    assert_eq!(won, 1, "no double booking");

    // The roster of next week: Tuesday covered 08:00-12:00 of 06:00-22:00, the rest gaps.
    let r = ok(app
        .get(
            &admin,
            &format!("/api/v1/duty/shifts?checkpoint_id={cp}&week={tuesday}"),
        )
        .await)
    .await;
    assert_eq!(r["week"], monday.to_string());
    assert_eq!(r["duty_hours"], "06:00-22:00");
    let tue = &r["days"][1];
    assert_eq!(tue["date"], tuesday.to_string());
    assert_eq!(tue["shifts"][0]["user_name"], "volunteer");
    let gaps: Vec<&str> = tue["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .filter_map(|g| g["hours"].as_str())
        .collect();
    assert_eq!(gaps, ["06:00-08:00", "12:00-22:00"]);
    assert_eq!(tue["covered_minutes"], 240);
    assert_eq!(tue["required_minutes"], 960);
    assert_eq!(r["days"][0]["gaps"][0]["hours"], "06:00-22:00");

    // Removing a booking nobody signed in to.
    let id = booked[2]["id"].as_i64().expect("id");
    assert_eq!(
        app.delete(&admin, &format!("/api/v1/duty/shifts/{id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    // Who may keep the roster: not the volunteer, not outside the scope.
    let vt = app.token("volunteer").await;
    let (status, _) = problem(
        app.post(
            &vt,
            "/api/v1/duty/shifts",
            &json!({"checkpoint_id": cp, "user_id": vol, "starts_at": local(monday, 8, 0), "ends_at": local(monday, 9, 0)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let staff = app.token("department_staff").await;
    let r = app
        .get(&staff, &format!("/api/v1/duty/shifts?checkpoint_id={cp}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_volunteer_records_passages_only_on_duty_and_never_twice() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let cp = checkpoint(&app, &admin, "甲社区东门卡口", f.community_a).await;
    let other = checkpoint(&app, &admin, "乙社区北门卡口", f.community_b).await;
    let vol = user_id(&app, "volunteer").await;
    let vt = app.token("volunteer").await;
    let a = id_number("41010619850312101");
    let normal = json!({"device_seq": 1, "id_number": a, "name": "张伟", "temperature": 365, "direction": "in", "at": at(0)});

    // No shift there: the checkpoint is not theirs, 404 as a missing one.
    let (status, p) = problem(record(&app, &vt, cp, "phone-0001", json!([normal])).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!p.to_string().contains("甲社区东门卡口"), "{p}");

    // Booked from an hour ago for four hours; a shift not yet signed in to does not count.
    let shift = ok(app
        .post(
            &admin,
            "/api/v1/duty/shifts",
            &json!({"checkpoint_id": cp, "user_id": vol, "starts_at": at(-60), "ends_at": at(180)}),
        )
        .await)
    .await;
    let sid = shift[0]["id"].as_i64().expect("id");
    // A checkpoint of theirs: 403 with the reason.
    let (status, p) = problem(record(&app, &vt, cp, "phone-0001", json!([normal])).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("甲社区东门卡口"),
        "{p}"
    );
    let mine = ok(app.get(&vt, "/api/v1/duty/mine").await).await;
    assert_eq!(mine[0]["status"], "late");
    // Someone else's shift cannot be signed in to.
    let other_t = app.token("enterprise_contact").await;
    assert_eq!(
        app.post(
            &other_t,
            &format!("/api/v1/duty/shifts/{sid}/sign-in"),
            &json!({})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let signed = ok(app
        .post(
            &vt,
            &format!("/api/v1/duty/shifts/{sid}/sign-in"),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(signed["status"], "on_duty");
    let (status, _) = problem(
        app.post(
            &vt,
            &format!("/api/v1/duty/shifts/{sid}/sign-in"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A signed-in shift cannot be removed.
    let (status, _) = problem(
        app.delete(&admin, &format!("/api/v1/duty/shifts/{sid}"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // On duty: a normal and a fever passage; the fever raises a follow-up case.
    let fever = json!({"device_seq": 2, "id_number": a, "name": "张伟", "temperature": 382, "direction": "out", "at": at(0)});
    let r = ok(record(&app, &vt, cp, "phone-0001", json!([normal, fever])).await).await;
    assert_eq!(
        (r["accepted"].as_i64(), r["fevers"].as_i64()),
        (Some(2), Some(1))
    );
    // The offline queue re-sends after a lost answer: nothing is stored twice.
    let r = ok(record(&app, &vt, cp, "phone-0001", json!([normal, fever])).await).await;
    assert_eq!(
        (r["accepted"].as_i64(), r["duplicates"].as_i64()),
        (Some(0), Some(2))
    );
    assert_eq!(app.count("passages").await, 2);
    app.settle_fevers().await;
    assert_eq!(app.count("cases").await, 1);
    // Another phone of the same volunteer has its own numbers.
    let r = ok(record(&app, &vt, cp, "phone-0002", json!([normal])).await).await;
    assert_eq!(r["accepted"], 1);

    // Refusals: before the sign-in, at another checkpoint, bad values, a bad page id.
    let early = json!({"device_seq": 9, "id_number": a, "temperature": 365, "at": at(-240)});
    let (status, p) = problem(record(&app, &vt, cp, "phone-0001", json!([early])).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["code"], "not_on_duty");
    let (status, _) = problem(record(&app, &vt, other, "phone-0001", json!([normal])).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        problem(record(&app, &vt, 999_999, "phone-0001", json!([normal])).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (p, field) in [
        (
            json!({"device_seq": 10, "id_number": a, "temperature": 339}),
            "temperature",
        ),
        (
            json!({"device_seq": 11, "id_number": a, "temperature": 431}),
            "temperature",
        ),
        (
            json!({"device_seq": 12, "id_number": "41010619850312101X", "temperature": 365}),
            "id_number",
        ),
        (json!({"device_seq": 13, "temperature": 365}), "id_number"),
        (
            json!({"device_seq": 14, "person_id": 999_999, "temperature": 365}),
            "person_id",
        ),
    ] {
        let (status, body) = problem(record(&app, &vt, cp, "phone-0001", json!([p])).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(body["errors"][0]["field"], field, "{p}: {body}");
    }
    let (status, p) = problem(record(&app, &vt, cp, "bad id!", json!([normal])).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "client_id");
    let big = Value::Array(
        (0..5001)
            .map(|i| json!({"device_seq": 100 + i, "id_number": a, "temperature": 365}))
            .collect(),
    );
    let (status, _) = problem(record(&app, &vt, cp, "phone-0001", big).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A batch keeps its good rows and lists the bad ones.
    let r = ok(record(
        &app,
        &vt,
        cp,
        "phone-0001",
        json!([
            {"device_seq": 20, "id_number": a, "temperature": 366},
            {"device_seq": 21, "id_number": a, "temperature": 500},
            {"device_seq": 22, "id_number": a, "temperature": 364}
        ]),
    )
    .await)
    .await;
    assert_eq!(r["accepted"], 2);
    assert_eq!(r["rejected"][0]["index"], 1);
    assert_eq!(app.count("passages").await, 5);

    // Finding the person: by phone (exact), audited; then recording by person_id.
    let hits = ok(app
        .get(
            &vt,
            &format!("/api/v1/screening/lookup?checkpoint_id={cp}&q=13803710002"),
        )
        .await)
    .await;
    assert_eq!(hits[0]["name"], "李娜");
    assert!(hits[0]["id_masked"].as_str().unwrap_or("").contains('*'));
    let pid = hits[0]["person_id"].as_i64().expect("person id");
    assert_eq!(pid, f.person_b);
    let r = ok(record(
        &app,
        &vt,
        cp,
        "phone-0001",
        json!([{"device_seq": 30, "person_id": pid, "temperature": 363, "direction": "in"}]),
    )
    .await)
    .await;
    assert_eq!(r["accepted"], 1);
    let (status, _) = problem(
        app.get(
            &vt,
            &format!("/api/v1/screening/lookup?checkpoint_id={other}&q=13803710002"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        app.count("audit_log WHERE entity = 'passage_lookup'").await >= 1,
        "lookups are audited"
    );

    // The dashboard reads the running totals: they equal a scan of the passages.
    app.settle_fevers().await;
    let d = ok(app.get(&admin, "/api/v1/screening/dashboard").await).await;
    assert_eq!(d["passages_today"], 6);
    assert_eq!(d["fevers_today"], 1);
    assert_eq!(d["by_checkpoint"][0]["name"], "甲社区东门卡口");
    assert_eq!(d["by_subdistrict"][0]["name"], "济源路街道");
    assert_eq!(d["trend"].as_array().map(Vec::len), Some(14));
    assert_eq!(d["trend"][13]["passages"], 6);
    assert_eq!(d["latest_fevers"][0]["temperature"], 382);
    assert!(d["latest_fevers"][0]["case_id"].is_i64());
    assert_eq!(d["latest_fevers"][0]["name"], "张*");
    assert_eq!(d["coverage"]["on_duty"], 1);
    assert_eq!(
        app.count("screening_tallies").await,
        1,
        "one row per day and checkpoint"
    );
    assert_eq!(app.count("passages").await, 6, "the totals equal a count");
    // Another scope sees none of it.
    let staff = app.token("department_staff").await;
    let d = ok(app.get(&staff, "/api/v1/screening/dashboard").await).await;
    assert_eq!(d["passages_today"], 0);
    assert!(d["latest_fevers"].as_array().is_some_and(Vec::is_empty));

    // Signing out ends the duty.
    let out = ok(app
        .post(
            &vt,
            &format!("/api/v1/duty/shifts/{sid}/sign-out"),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(out["status"], "done");
}

/// The group-commit writer takes concurrent batches together: a batch and its retries posted
/// at once store every passage once, and each answer adds up.
#[tokio::test]
async fn concurrent_retries_of_a_batch_are_stored_once() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let cp = checkpoint(&app, &admin, "甲社区东门卡口", f.community_a).await;
    let mut tokens = Vec::new();
    for name in ["东门测温门", "西门测温门"] {
        let dev = ok(app
            .post(
                &admin,
                "/api/v1/devices",
                &json!({"checkpoint_id": cp, "name": name}),
            )
            .await)
        .await;
        tokens.push(dev["token"].as_str().expect("token").to_owned());
    }
    let a = id_number("41010619850312101");
    let batch: Value = (1..=50)
        .map(|i| json!({"device_seq": i, "id_number": a, "temperature": if i == 7 { 385 } else { 365 }}))
        .collect();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (client, url, token, body) = (
            app.client.clone(),
            app.url("/api/v1/passages"),
            tokens[i % 2].clone(),
            batch.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.expect("json")
        }));
    }
    let (mut accepted, mut duplicates, mut fevers) = (0, 0, 0);
    for t in tasks {
        let v = t.await.expect("task");
        accepted += v["accepted"].as_i64().unwrap_or(0);
        duplicates += v["duplicates"].as_i64().unwrap_or(0);
        fevers += v["fevers"].as_i64().unwrap_or(0);
    }
    // Two devices, each with its own sequence numbers: 50 passages each, once.
    assert_eq!(accepted, 100);
    assert_eq!(duplicates, 400);
    assert_eq!(fevers, 2);
    assert_eq!(app.count("passages").await, 100);
    app.settle_fevers().await;
    // The same person ran a fever at both gates: one follow-up case, the second fever a step
    // on its timeline.
    assert_eq!(
        app.count("cases").await,
        1,
        "one follow-up per person and day"
    );
    assert_eq!(app.count("case_events WHERE action = 'record'").await, 1);
    let d = ok(app.get(&admin, "/api/v1/screening/dashboard").await).await;
    assert_eq!(d["passages_today"], 100);
    assert_eq!(d["fevers_today"], 2);

    // A new threshold applies to the very next passage (the writer's cache is dropped).
    ok(app
        .put(
            &admin,
            "/api/v1/screening/settings",
            &json!({"fever_threshold": 390}),
        )
        .await)
    .await;
    let r = app
        .client
        .post(app.url("/api/v1/passages"))
        .bearer_auth(&tokens[0])
        .json(&json!({"device_seq": 51, "id_number": a, "temperature": 385}))
        .send()
        .await
        .expect("send");
    let v: Value = ok(r).await;
    assert_eq!(
        (v["accepted"].as_i64(), v["fevers"].as_i64()),
        (Some(1), Some(0))
    );
}
