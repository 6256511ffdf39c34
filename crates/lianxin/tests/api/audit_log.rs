//! The audit log (操作日志) read by a person: each entry described in words in the reader's
//! language from its structured fields, filtered by days, user, action and object, one entry
//! in detail, and what the filter shows as an .xlsx file.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string()
}

/// An administrator who lists people reads their full numbers: the log says so in words,
/// in Chinese, and in English for an English reader, naming how many people.
#[tokio::test]
async fn an_unmasked_read_is_described_in_words_in_both_languages() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let people = ok(app.get(&admin, "/api/v1/people").await).await;
    let n = people["total"].as_i64().unwrap();
    assert!(n >= 6, "{people}");
    let log = ok(app
        .get(
            &admin,
            "/api/v1/audit?action=read_sensitive&entity=person&username=admin",
        )
        .await)
    .await;
    let e = &items(&log)[0];
    assert_eq!(e["event"], "person.unmask");
    assert_eq!(e["args"]["n"], n);
    assert_eq!(
        e["description"],
        format!("查看了 {n} 人的完整证件号和电话"),
        "{e}"
    );
    assert_eq!(e["action_label"], "查看敏感信息");
    assert_eq!(e["entity_label"], "人员");
    let en = ok(app
        .get_en(&admin, "/api/v1/audit?action=read_sensitive&entity=person")
        .await)
    .await;
    assert_eq!(
        items(&en)[0]["description"],
        format!("viewed the full identity numbers and phones of {n} people")
    );
    assert_eq!(items(&en)[0]["entity_label"], "person");

    // A plain create is its verb, its object and the record's name.
    let created = ok(app
        .get(&admin, "/api/v1/audit?action=create&entity=unit")
        .await)
    .await;
    assert!(
        items(&created)
            .iter()
            .any(|e| e["description"] == "新增了单位「410106001 济源路街道」"),
        "{created}"
    );
}

/// Days, user, action and object narrow the log; a wrong value is a 422 naming it.
#[tokio::test]
async fn the_log_is_filtered_by_days_user_action_and_object() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let leader = app.token("leader").await;
    ok(app.get(&leader, "/api/v1/people").await).await;
    let all = ok(app.get(&admin, "/api/v1/audit?page_size=500").await).await;
    let total = all["total"].as_i64().unwrap();
    assert!(total > 10, "{all}");

    let by_leader = ok(app.get(&admin, "/api/v1/audit?username=leader").await).await;
    assert!(
        items(&by_leader).iter().all(|e| e["username"] == "leader"),
        "{by_leader}"
    );

    // In the browser: days are the district's days, the last one included.
    let b = Browser::login(&app, "admin").await;
    let day = today();
    let (status, html) = b
        .get(&format!("/system/audit?from={day}&to={day}&entity=unit"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("新增了单位「410106001 济源路街道」"),
        "{html}"
    );
    assert!(!html.contains("新增了企业"), "the object filter holds");
    let (_, html) = b.get("/system/audit?from=2020-01-01&to=2020-01-31").await;
    assert!(!html.contains("新增了单位"), "no entry of January 2020");
    let (status, html) = b.get("/system/audit?from=2020-02-30").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("from"), "{html}");

    let (status, body) = problem(app.get(&admin, "/api/v1/audit?action=peek").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "action", "{body}");

    // The log is the administrator's: others may not read it.
    let r = app.get(&leader, "/api/v1/audit").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// One entry in detail: who, when, what in words, the object and the records it names.
#[tokio::test]
async fn one_entry_is_shown_in_detail() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    ok(app.get(&admin, "/api/v1/people").await).await;
    let log = ok(app
        .get(&admin, "/api/v1/audit?action=read_sensitive&entity=person")
        .await)
    .await;
    let id = items(&log)[0]["id"].as_i64().unwrap();
    let one = ok(app.get(&admin, &format!("/api/v1/audit/{id}")).await).await;
    assert_eq!(one["id"], id);
    assert_eq!(one["description"], items(&log)[0]["description"]);
    let r = app.get(&admin, "/api/v1/audit/999999").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let b = Browser::login(&app, "admin").await;
    let (_, list) = b.get("/system/audit?entity=person").await;
    assert!(
        list.contains(&format!("href=\"/system/audit/{id}\"")),
        "{list}"
    );
    let (status, html) = b.get(&format!("/system/audit/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("人的完整证件号和电话"), "{html}");
    assert!(html.contains("涉及记录号"), "{html}");
    assert!(
        !html.contains("unmasked"),
        "no technical note for an entry with a kind"
    );
}

/// The export holds exactly what the filter shows, described in words, and is itself logged.
#[tokio::test]
async fn the_export_holds_what_the_filter_shows() {
    use calamine::Reader;
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let shown = ok(app.get(&admin, "/api/v1/audit?entity=enterprise").await).await;
    let b = Browser::login(&app, "admin").await;
    let (_, page) = b.get("/system/audit?entity=enterprise").await;
    assert!(
        page.contains("href=\"/system/audit/export.xlsx?entity=enterprise\""),
        "{page}"
    );
    let r = app
        .get(&admin, "/api/v1/audit/export?entity=enterprise")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "时间");
    assert_eq!(rows[0][5], "内容");
    assert_eq!(rows.len() as i64 - 1, shown["total"].as_i64().unwrap());
    for (row, e) in rows[1..].iter().zip(items(&shown)) {
        assert_eq!(row[3], "企业");
        assert_eq!(row[5], e["description"].as_str().unwrap());
    }
    let exports = ok(app.get(&admin, "/api/v1/audit?entity=audit").await).await;
    assert_eq!(
        items(&exports)[0]["description"],
        format!("导出了操作日志 {} 条", shown["total"])
    );
}

/// Kernel entries too: a role saved, a user changed, in words.
#[tokio::test]
async fn administration_is_described_in_words() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let users = ok(app.get(&admin, "/api/v1/users?page_size=100").await).await;
    let leader_id = items(&users)
        .iter()
        .find(|u| u["username"] == "leader")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    ok(app
        .put(
            &admin,
            &format!("/api/v1/users/{leader_id}"),
            &serde_json::json!({"active": false}),
        )
        .await)
    .await;
    let log = ok(app
        .get(&admin, "/api/v1/audit?entity=user&action=update")
        .await)
    .await;
    assert_eq!(
        items(&log)[0]["description"],
        "修改了用户「leader」：停用账号"
    );
    let en = ok(app
        .get_en(&admin, "/api/v1/audit?entity=user&action=update")
        .await)
    .await;
    assert_eq!(
        items(&en)[0]["description"],
        "updated the user “leader”: disabled"
    );
}
