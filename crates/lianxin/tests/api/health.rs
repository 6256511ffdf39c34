//! Employees' daily health reports (C9): the roster form (all or nothing, one report per
//! person and day), fever follow-ups, who has not reported, the trend, scope, the sheet
//! import and the page.

use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE};
use serde_json::{Value, json};

use crate::helpers::*;

fn today() -> NaiveDate {
    lianxin::screening::duty::local_day(Utc::now())
}

fn report(person: i64, temp: Value) -> Value {
    json!({"person_id": person, "temperature": temp, "mental_state": "good", "quarantine": "none"})
}

#[tokio::test]
async fn a_roster_form_is_stored_once_per_person_and_day() {
    let (app, f) = TestApp::with_fixture().await;
    let c = app.token("enterprise_contact").await;
    let r = ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(365))]}),
        )
        .await)
    .await;
    assert_eq!(
        (r["created"].as_i64(), r["updated"].as_i64()),
        (Some(1), Some(0))
    );
    // Who has not reported today: the contact themself.
    let m = ok(app.get(&c, "/api/v1/health-reports/missing").await).await;
    assert_eq!(m.as_array().map(Vec::len), Some(1));
    assert_eq!(m[0]["person_id"], f.contact_person);
    // A second report the same day updates the first; the other is new.
    let r = ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [
                {"person_id": f.employee_a, "temperature": "36.8", "symptoms": ["咳嗽", "fatigue"],
                 "mental_state": "焦虑", "location": "上街区", "quarantine": "居家观察",
                 "returned_from": "洛阳市", "returned_on": today().to_string()},
                report(f.contact_person, json!(364)),
            ]}),
        )
        .await)
    .await;
    assert_eq!(
        (r["created"].as_i64(), r["updated"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(app.count("health_reports").await, 2);
    let list = ok(app.get(&c, "/api/v1/health-reports").await).await;
    let a = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["person_id"] == f.employee_a)
        .cloned()
        .unwrap();
    assert_eq!(a["temperature"], 368, "tenths of a degree");
    assert_eq!(a["symptoms"], json!(["cough", "fatigue"]));
    assert_eq!(a["symptoms_label"], "咳嗽、乏力");
    assert_eq!(a["mental_state"], "anxious");
    assert_eq!(a["quarantine"], "home");
    assert_eq!(a["person_name"], "陈静");
    let masked = a["id_masked"].as_str().unwrap();
    assert!(masked.contains('*') && !masked.contains("0909"), "{masked}");
    assert!(!list.to_string().contains(&id_number("41010619920909606")));
    let m = ok(app.get(&c, "/api/v1/health-reports/missing").await).await;
    assert_eq!(m, json!([]));
    assert_eq!(
        app.count("audit_log WHERE entity = 'health_report'").await,
        2
    );
}

#[tokio::test]
async fn one_bad_row_refuses_the_whole_form() {
    let (app, f) = TestApp::with_fixture().await;
    let c = app.token("enterprise_contact").await;
    let r = app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [
                report(f.contact_person, json!(365)),
                {"person_id": f.employee_a, "temperature": 440, "mental_state": "great", "quarantine": "none"},
            ]}),
        )
        .await;
    let (status, p) = problem(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["reports[1].temperature", "reports[1].mental_state"],
        "{p}"
    );
    assert!(p.to_string().contains("第 2 条"), "{p}");
    assert_eq!(app.count("health_reports").await, 0);
    // In English on request.
    let r = app
        .post_en(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [{"person_id": f.employee_a, "temperature": 365.5, "mental_state": "good", "quarantine": "none"}]}),
        )
        .await;
    let (_, p) = problem(r).await;
    assert!(p.to_string().contains("report 1: temperature"), "{p}");
    // Someone not on the roster (a resident, not an employee of this enterprise).
    let r = app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.person_a, json!(365))]}),
        )
        .await;
    let (status, p) = problem(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "reports[0].person_id");
    assert_eq!(p["errors"][0]["code"], "not_on_roster");
    // The same person twice, and a day in the future.
    let r = app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(365)), report(f.employee_a, json!(366))]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"date": (today() + Duration::days(1)).to_string(), "reports": [report(f.employee_a, json!(365))]}),
        )
        .await;
    let (_, p) = problem(r).await;
    assert_eq!(p["errors"][0]["field"], "date");
    assert_eq!(app.count("health_reports").await, 0);
}

#[tokio::test]
async fn a_fever_raises_exactly_one_follow_up_per_person_and_day() {
    let (app, f) = TestApp::with_fixture().await;
    let c = app.token("enterprise_contact").await;
    let r = ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(382)), report(f.contact_person, json!(365))]}),
        )
        .await)
    .await;
    assert_eq!(
        (r["fevers"].as_i64(), r["cases_raised"].as_i64()),
        (Some(1), Some(1))
    );
    let r = ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(386))]}),
        )
        .await)
    .await;
    assert_eq!(
        (r["fevers"].as_i64(), r["cases_raised"].as_i64()),
        (Some(1), Some(0))
    );
    app.settle_fevers().await;
    assert_eq!(
        app.count(
            "cases WHERE kind_id = (SELECT id FROM case_kinds WHERE code = 'fever_followup')"
        )
        .await,
        1
    );
    // The symptom fever counts as a fever even at a normal temperature.
    let mut rep = report(f.contact_person, json!(369));
    rep["symptoms"] = json!(["fever"]);
    ok(app
        .post(&c, "/api/v1/health-reports", &json!({"reports": [rep]}))
        .await)
    .await;
    app.settle_fevers().await;
    assert_eq!(
        app.count(
            "cases WHERE kind_id = (SELECT id FROM case_kinds WHERE code = 'fever_followup')"
        )
        .await,
        2
    );
    assert_eq!(
        app.count(&format!(
            "cases WHERE kind_id = (SELECT id FROM case_kinds WHERE code = 'fever_followup') AND subject_unit_id = {}",
            f.sub_a
        ))
        .await,
        2
    );
    let list = ok(app.get(&c, "/api/v1/health-reports").await).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|r| r["fever"] == true && r["case_id"].is_i64())
    );
}

#[tokio::test]
async fn the_trend_counts_each_day() {
    let (app, f) = TestApp::with_fixture().await;
    let c = app.token("enterprise_contact").await;
    let yesterday = today() - Duration::days(1);
    let mut a = report(f.employee_a, json!(365));
    a["mental_state"] = json!("anxious");
    ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"date": yesterday.to_string(), "reports": [a]}),
        )
        .await)
    .await;
    let mut b = report(f.contact_person, json!(366));
    b["symptoms"] = json!(["cough"]);
    b["quarantine"] = json!("home");
    ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(375)), b]}),
        )
        .await)
    .await;
    let expect = json!([
        {"date": (today() - Duration::days(2)).to_string(), "roster": 2, "reported": 0, "fevers": 0, "with_symptoms": 0, "mental_not_good": 0, "quarantined": 0},
        {"date": yesterday.to_string(), "roster": 2, "reported": 1, "fevers": 0, "with_symptoms": 0, "mental_not_good": 1, "quarantined": 0},
        {"date": today().to_string(), "roster": 2, "reported": 2, "fevers": 1, "with_symptoms": 1, "mental_not_good": 0, "quarantined": 1},
    ]);
    let t = ok(app.get(&c, "/api/v1/health-reports/trend?days=3").await).await;
    assert_eq!(t, expect);
    // The district's picture for an official: the same reports (ent_b has no employees).
    let leader = app.token("leader").await;
    let t = ok(app
        .get(&leader, "/api/v1/health-reports/trend?days=3")
        .await)
    .await;
    assert_eq!(t, expect);
    let t = ok(app
        .get(
            &leader,
            &format!(
                "/api/v1/health-reports/trend?days=3&enterprise_id={}",
                f.ent_a
            ),
        )
        .await)
    .await;
    assert_eq!(t, expect);
    let r = app
        .get(&leader, "/api/v1/health-reports/trend?days=0")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn another_enterprise_can_neither_read_nor_write_officials_see() {
    let (app, f) = TestApp::with_fixture().await;
    add_user(
        &app,
        "contact_b",
        "enterprise_contact",
        Some("410106005"),
        Some(&uscc("MA44BBB2")),
        None,
    )
    .await;
    let c = app.token("enterprise_contact").await;
    ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(365))]}),
        )
        .await)
    .await;
    let b = app.token("contact_b").await;
    for path in [
        format!("/api/v1/health-reports?enterprise_id={}", f.ent_a),
        format!("/api/v1/health-reports/missing?enterprise_id={}", f.ent_a),
        format!("/api/v1/health-reports/trend?enterprise_id={}", f.ent_a),
    ] {
        let r = app.get(&b, &path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = app
        .post(
            &b,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(379))]}),
        )
        .await;
    let (status, p) = problem(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["code"], "not_on_roster");
    // Their own (empty) district picture shows nothing of ent_a.
    let t = ok(app.get(&b, "/api/v1/health-reports/trend?days=1").await).await;
    assert_eq!(t[0]["reported"], 0);
    // Officials see, but do not report.
    for user in ["leader", "supervisor", "service_cadre"] {
        let t = app.token(user).await;
        let list = ok(app
            .get(
                &t,
                &format!("/api/v1/health-reports?enterprise_id={}", f.ent_a),
            )
            .await)
        .await;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{user}");
    }
    let leader = app.token("leader").await;
    let r = app
        .post(
            &leader,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(365))]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v = app.token("volunteer").await;
    let r = app
        .get(
            &v,
            &format!("/api/v1/health-reports?enterprise_id={}", f.ent_a),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("health_reports").await, 1);
}

async fn upload(app: &TestApp, t: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("健康日报.xlsx"),
    );
    let r = app
        .client
        .post(app.url("/api/v1/health-reports/import"))
        .bearer_auth(t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn the_template_comes_back_as_an_import() {
    use calamine::Reader;
    let (app, f) = TestApp::with_fixture().await;
    let c = app.token("enterprise_contact").await;
    let r = app.get(&c, "/api/v1/health-reports/template.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let grid: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    // The required column is marked as in every template.
    assert_eq!(
        grid[0],
        [
            "身份证号",
            "姓名",
            "体温*",
            "症状",
            "心理状态",
            "所在地",
            "返城来源地",
            "返城日期",
            "隔离状态"
        ]
    );
    // The roster by name with the usual answers; no identity numbers written out.
    assert_eq!(grid.len(), 3);
    assert_eq!(grid[1][1], "刘洋");
    assert_eq!(grid[2][1], "陈静");
    assert_eq!(
        (
            grid[2][3].as_str(),
            grid[2][4].as_str(),
            grid[2][8].as_str()
        ),
        ("无", "良好", "无")
    );
    assert!(grid[1][0].is_empty());
    // Filled in as a user would: one bad temperature first.
    let sheet = |t1: &str, t2: &str| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (i, row) in grid.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                ws.write_string(i as u32, j as u16, v).unwrap();
            }
        }
        ws.write_number(1, 2, t1.parse::<f64>().unwrap()).unwrap();
        ws.write_string(2, 2, t2).unwrap();
        ws.write_string(2, 3, "咳嗽、乏力").unwrap();
        ws.write_string(2, 6, "洛阳市").unwrap();
        ws.write_string(2, 7, today().to_string()).unwrap();
        ws.write_string(2, 8, "居家观察").unwrap();
        book.save_to_buffer().unwrap()
    };
    let (status, rep) = upload(&app, &c, sheet("36.5", "45.1")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rep}");
    assert_eq!(rep["errors"][0]["row"], 3);
    assert_eq!(rep["errors"][0]["column"], "体温");
    assert_eq!(app.count("health_reports").await, 0);
    let (status, rep) = upload(&app, &c, sheet("36.5", "36.7")).await;
    assert_eq!(status, StatusCode::OK, "{rep}");
    assert_eq!(rep["created"], 2);
    let list = ok(app.get(&c, "/api/v1/health-reports").await).await;
    let a = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["person_id"] == f.employee_a)
        .cloned()
        .unwrap();
    assert_eq!(
        (a["temperature"].as_i64(), a["quarantine"].as_str()),
        (Some(367), Some("home"))
    );
    assert_eq!(a["symptoms"], json!(["cough", "fatigue"]));
    // And out again.
    let r = app.get(&c, "/api/v1/health-reports/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn health_reports_are_purged_after_the_retention_days() {
    let (app, f) = TestApp::with_fixture().await;
    let c = app.token("enterprise_contact").await;
    for back in [29, 0] {
        ok(app
            .post(
                &c,
                "/api/v1/health-reports",
                &json!({"date": (today() - Duration::days(back)).to_string(), "reports": [report(f.employee_a, json!(365))]}),
            )
            .await)
        .await;
    }
    lianxin::screening::retention::purge(&app.db, Utc::now())
        .await
        .unwrap();
    assert_eq!(app.count("health_reports").await, 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'health_report' AND action = 'delete'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_roster_form_in_the_browser() {
    let (app, f) = TestApp::with_fixture().await;
    let browser = Browser::login(&app, "enterprise_contact").await;
    let (status, html) = browser.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"health-roster\"") && html.contains("陈静"),
        "{html}"
    );
    assert!(html.contains(&format!("name=\"t_{}\"", f.employee_a)));
    assert!(html.contains("href=\"/health\""), "menu item");
    let i = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    let csrf = html[i..].split('"').next().unwrap().to_owned();
    let (a, b) = (f.employee_a.to_string(), f.contact_person.to_string());
    let form = |temp: &str| {
        vec![
            ("_csrf".to_owned(), csrf.clone()),
            ("pid".into(), a.clone()),
            (format!("t_{a}"), temp.to_owned()),
            (format!("s_{a}"), "cough".into()),
            (format!("m_{a}"), "good".into()),
            (format!("q_{a}"), "none".into()),
            (format!("l_{a}"), "上街区".into()),
            ("pid".into(), b.clone()),
            (format!("t_{b}"), String::new()),
            (format!("m_{b}"), "good".into()),
            (format!("q_{b}"), "none".into()),
        ]
    };
    let post = |body: Vec<(String, String)>| {
        app.client
            .post(app.url("/health"))
            .header(COOKIE, &browser.cookie)
            .header(ACCEPT, "text/html")
            .form(&body)
            .send()
    };
    // Refused: the page again (422) with what was typed and the row's message.
    let r = post(form("99")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"99\""), "{html}");
    assert!(html.contains("体温应为 34.0 到 43.0"), "{html}");
    assert_eq!(app.count("health_reports").await, 0);
    // Without the CSRF token: refused.
    let mut no_csrf = form("36.6");
    no_csrf.remove(0);
    let r = post(no_csrf).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Stored: the blank row is "not reported".
    let r = post(form("36.6")).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/health?saved=1");
    assert_eq!(app.count("health_reports").await, 1);
    let (_, html) = browser.get("/health?saved=1").await;
    assert!(
        html.contains("value=\"36.6\""),
        "prefilled from today's report"
    );
    assert!(html.contains("id=\"health-missing\""));
    // An official: completion by enterprise, and the drill into one.
    let browser = Browser::login(&app, "leader").await;
    let (status, html) = browser.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"health-completion\"") && html.contains("郑州长城科工贸有限公司"));
    let (status, html) = browser
        .get(&format!("/health?enterprise_id={}", f.ent_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"health-reports\"") && html.contains("陈静") && html.contains("刘洋")
    );
}

/// A person with health reports cannot be deleted: 409 with the reason, nothing changed.
#[tokio::test]
async fn a_person_with_reports_is_not_deleted() {
    let (app, f) = TestApp::with_fixture().await;
    let c = app.token("enterprise_contact").await;
    ok(app
        .post(
            &c,
            "/api/v1/health-reports",
            &json!({"reports": [report(f.employee_a, json!(365))]}),
        )
        .await)
    .await;
    let admin = app.token("admin").await;
    let (status, p) = problem(
        app.delete(&admin, &format!("/api/v1/people/{}", f.employee_a))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(p["detail"].as_str().unwrap_or("").contains("引用"), "{p}");
    assert_eq!(
        app.count(&format!("people WHERE id = {}", f.employee_a))
            .await,
        1
    );
}
