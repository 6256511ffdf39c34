//! Notices (通知公告): sent to everyone or to chosen units and below, shown on the home pages
//! of those who receive them, and a read receipt when one is opened.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn titles(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect()
}

/// A notice to one sub-district reaches its users and those below it, not the others'; the
/// sender sees who has read it once they open it.
#[tokio::test]
async fn a_notice_to_a_unit_reaches_its_users_and_the_sender_sees_who_read_it() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // The enterprise contact's unit is the sub-district 410106001 (sub_a).
    let sent = app
        .post(
            &admin,
            "/api/v1/notices",
            &json!({"title": "关于复工复产防疫检查的通知", "body": "请于本周五前完成自查。",
                    "unit_ids": [f.sub_a]}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent = sent.json::<Value>().await.unwrap();
    let id = sent["id"].as_i64().unwrap();
    assert_eq!(sent["units"][0]["name"], "济源路街道");

    let contact = app.token("enterprise_contact").await;
    let mine = ok(app.get(&contact, "/api/v1/notices").await).await;
    assert_eq!(titles(&mine), ["关于复工复产防疫检查的通知"]);
    assert!(mine["items"][0]["read_at"].is_null());
    // A user elsewhere (the department's) does not get it, and cannot open it.
    let staff = app.token("department_staff").await;
    let theirs = ok(app.get(&staff, "/api/v1/notices").await).await;
    assert_eq!(theirs["total"], 0, "{theirs}");
    let r = app.get(&staff, &format!("/api/v1/notices/{id}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let receipts = ok(app
        .get(&admin, &format!("/api/v1/notices/{id}/receipts"))
        .await)
    .await;
    assert_eq!(receipts["read"].as_array().unwrap().len(), 0);
    let unread: Vec<&str> = receipts["unread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap())
        .collect();
    assert_eq!(unread, ["enterprise_contact"], "{receipts}");

    // Opening it is the read receipt; a second opening keeps the first time.
    let opened = ok(app.get(&contact, &format!("/api/v1/notices/{id}")).await).await;
    let first = opened["read_at"].as_str().unwrap().to_owned();
    let again = ok(app.get(&contact, &format!("/api/v1/notices/{id}")).await).await;
    assert_eq!(again["read_at"], first);
    let receipts = ok(app
        .get(&admin, &format!("/api/v1/notices/{id}/receipts"))
        .await)
    .await;
    assert_eq!(receipts["read"][0]["username"], "enterprise_contact");
    assert_eq!(receipts["read"][0]["read_at"], first);
    assert_eq!(receipts["unread"].as_array().unwrap().len(), 0);
    let list = ok(app.get(&admin, "/api/v1/notices/sent").await).await;
    assert_eq!(list["items"][0]["read"], 1);
    assert_eq!(list["items"][0]["readers"], 1);

    // Only who may send notices sees receipts and sends.
    let r = app
        .get(&contact, &format!("/api/v1/notices/{id}/receipts"))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            &contact,
            "/api/v1/notices",
            &json!({"title": "x", "body": "y", "to_all": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The sending is in the audit log, in words.
    let log = ok(app.get(&admin, "/api/v1/audit?entity=notice").await).await;
    assert_eq!(
        log["items"][0]["description"],
        "向济源路街道发布了通知「关于复工复产防疫检查的通知」"
    );
}

/// A notice to everyone is on every home page until it is opened.
#[tokio::test]
async fn a_notice_to_everyone_shows_on_home_pages_until_read() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let n = ok(app
        .post(
            &admin,
            "/api/v1/notices",
            &json!({"title": "清明节放假安排", "body": "4 月 4 日至 6 日放假。", "to_all": true}),
        )
        .await)
    .await;
    let b = Browser::login(&app, "leader").await;
    let (_, home) = b.get("/").await;
    assert!(home.contains("id=\"notices-block\""), "{home}");
    assert!(home.contains("清明节放假安排"));
    let (status, page) = b.get(&format!("/notices/{}", n["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("4 月 4 日至 6 日放假。"));
    let (_, home) = b.get("/").await;
    assert!(
        !home.contains("清明节放假安排"),
        "read: no longer on the home page"
    );
    let (_, mine) = b.get("/notices").await;
    assert!(mine.contains("清明节放假安排") && mine.contains("已读"));

    let admin_b = Browser::login(&app, "admin").await;
    let (_, receipts) = admin_b.get(&format!("/system/notices/{}", n["id"])).await;
    assert!(receipts.contains("已读（1）"), "{receipts}");
}

/// Bad input names its fields and sends nothing; the form says so too.
#[tokio::test]
async fn a_notice_without_title_or_addressees_is_refused() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let (status, body) = problem(
        app.post(&admin, "/api/v1/notices", &json!({"body": "正文"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "unit_ids"], "{body}");
    let (status, _) = problem(
        app.post(
            &admin,
            "/api/v1/notices",
            &json!({"title": "t", "body": "b", "unit_ids": [987654]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("notices").await, 0);

    let b = Browser::login(&app, "admin").await;
    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/notices",
            &[("_csrf", &csrf), ("title", ""), ("body", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("请选择接收单位"), "{html}");
    let r = b
        .post(
            "/system/notices",
            &[
                ("_csrf", &csrf),
                ("title", "通知"),
                ("body", "x"),
                ("to_all", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("notices").await, 1);
}

/// The notices block is on every role's landing page: department staff's to-do list, the
/// volunteer's entry page and the enterprise contact's home, as on the district overview.
#[tokio::test]
async fn the_notices_block_is_on_every_landing_page() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let n = ok(app
        .post(
            &admin,
            "/api/v1/notices",
            &json!({"title": "关于做好节后返岗的通知", "body": "返岗人员须报备。", "to_all": true}),
        )
        .await)
    .await;
    for (user, landing) in [
        ("department_staff", "/cases?scope=unit"),
        ("volunteer", "/screening/entry"),
        ("enterprise_contact", "/"),
    ] {
        let b = Browser::login(&app, user).await;
        let (status, page) = b.get(landing).await;
        assert_eq!(status, StatusCode::OK, "{user} {landing}");
        assert!(page.contains("id=\"notices-block\""), "{user}: {page}");
        assert!(page.contains("关于做好节后返岗的通知"), "{user}");
        assert!(page.contains(&format!("href=\"/notices/{}\"", n["id"])));
        assert!(page.contains("1 条未读"), "{user}: the count");
        if user == "department_staff" {
            // Only the plain to-do list, not each of its tabs and filters.
            let (_, tab) = b.get("/cases?bucket=overdue").await;
            assert!(!tab.contains("id=\"notices-block\""));
        }
        let (status, _) = b.get(&format!("/notices/{}", n["id"])).await;
        assert_eq!(status, StatusCode::OK);
        let (_, page) = b.get(landing).await;
        assert!(
            !page.contains("id=\"notices-block\""),
            "{user}: read, the block is gone"
        );
    }
}

/// A sent notice is corrected under the version read (a stale one is a 409 with the notice as
/// it stands) and withdrawn: gone from its readers, kept with its receipts for its sender.
#[tokio::test]
async fn a_sent_notice_is_edited_under_its_version_and_withdrawn_from_its_readers() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let n = ok(app
        .post(
            &admin,
            "/api/v1/notices",
            &json!({"title": "五一放假安排", "body": "5 月 1 日至 3 日放假。", "to_all": true}),
        )
        .await)
    .await;
    let id = n["id"].as_i64().unwrap();
    assert_eq!(n["version"], 1);
    assert!(
        n["updated_at"].is_null() && n["withdrawn_at"].is_null(),
        "{n}"
    );
    let leader = app.token("leader").await;
    let read = ok(app.get(&leader, &format!("/api/v1/notices/{id}")).await).await;
    let path = format!("/api/v1/notices/{id}");

    // Without a version, and with an empty title: 422 naming both; nothing changes.
    let (status, p) = problem(
        app.put(&admin, &path, &json!({"title": "", "body": "x"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"title") && fields.contains(&"version"),
        "{p}"
    );
    // Only who sends notices edits them.
    let r = app
        .put(
            &leader,
            &path,
            &json!({"version": 1, "title": "x", "body": "x"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let edited = ok(app
        .put(
            &admin,
            &path,
            &json!({"version": 1, "title": "五一放假安排（更正）", "body": "5 月 1 日至 5 日放假。"}),
        )
        .await)
    .await;
    assert_eq!(edited["version"], 2, "{edited}");
    assert!(edited["updated_at"].is_string(), "{edited}");
    // The reader sees the new text; their read receipt stands.
    let mine = ok(app.get(&leader, "/api/v1/notices").await).await;
    assert_eq!(titles(&mine), ["五一放假安排（更正）"]);
    assert_eq!(mine["items"][0]["read_at"], read["read_at"], "{mine}");
    // An edit from the first read: 409 with the notice as it stands.
    let (status, p) = problem(
        app.put(
            &admin,
            &path,
            &json!({"version": 1, "title": "旧的", "body": "旧的"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["current"]["version"], 2, "{p}");
    assert_eq!(p["current"]["title"], "五一放假安排（更正）");

    // Withdrawn: gone from the reader's list, home page and link; the sender keeps it.
    let withdraw = format!("/api/v1/notices/{id}/withdraw");
    let r = app.post(&leader, &withdraw, &json!({"version": 2})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _) = problem(app.post(&admin, &withdraw, &json!({"version": 1})).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let gone = ok(app.post(&admin, &withdraw, &json!({"version": 2})).await).await;
    assert!(gone["withdrawn_at"].is_string(), "{gone}");
    assert_eq!(gone["version"], 3);
    let mine = ok(app.get(&leader, "/api/v1/notices").await).await;
    assert_eq!(mine["total"], 0, "{mine}");
    assert_eq!(
        app.get(&leader, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    let sent = ok(app.get(&admin, "/api/v1/notices/sent").await).await;
    assert!(sent["items"][0]["withdrawn_at"].is_string(), "{sent}");
    let receipts = ok(app
        .get(&admin, &format!("/api/v1/notices/{id}/receipts"))
        .await)
    .await;
    assert_eq!(receipts["read"][0]["username"], "leader", "{receipts}");
    // A withdrawn notice is not changed again.
    let (status, p) = problem(
        app.put(
            &admin,
            &path,
            &json!({"version": 3, "title": "x", "body": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    let (status, _) = problem(app.post(&admin, &withdraw, &json!({"version": 3})).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        app.count("audit_log WHERE event IN ('notice.edit', 'notice.withdraw')")
            .await,
        2
    );
}

/// The sender's pages: 修改 opens the form with the notice and its version, saving shows the
/// edit; 撤回 takes it off the readers' home pages and the buttons off its page.
#[tokio::test]
async fn the_sender_edits_and_withdraws_a_notice_on_its_page() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let n = ok(app
        .post(
            &admin,
            "/api/v1/notices",
            &json!({"title": "端午节放假安排", "body": "放假一天。", "to_all": true}),
        )
        .await)
    .await;
    let id = n["id"].as_i64().unwrap();
    let b = Browser::login(&app, "admin").await;
    let (status, page) = b.get(&format!("/system/notices/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("id=\"btn-edit\"") && page.contains("id=\"btn-withdraw\""),
        "{page}"
    );
    let (status, form) = b.get(&format!("/system/notices/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("端午节放假安排") && form.contains("name=\"version\""),
        "{form}"
    );

    let edit = format!("/system/notices/{id}/edit");
    let csrf = b.csrf().await;
    let r = b
        .post(
            &edit,
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("title", "端午节放假安排（更正）"),
                ("body", "放假三天。"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = b.get(&format!("/system/notices/{id}")).await;
    assert!(
        page.contains("放假三天。") && page.contains("修改时间"),
        "{page}"
    );
    // The same form again, from before the edit: refused, saying why, the text kept.
    let r = b
        .post(
            &edit,
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("title", "旧标题"),
                ("body", "旧正文"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("记录已被他人修改") && html.contains("旧正文"),
        "{html}"
    );

    let leader = Browser::login(&app, "leader").await;
    let (_, home) = leader.get("/").await;
    assert!(home.contains("端午节放假安排（更正）"), "{home}");
    let r = b
        .post(
            &format!("/system/notices/{id}/withdraw"),
            &[("_csrf", &csrf), ("version", "2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = b.get(&format!("/system/notices/{id}")).await;
    assert!(page.contains("已撤回"), "{page}");
    assert!(!page.contains("id=\"btn-withdraw\"") && !page.contains("id=\"btn-edit\""));
    let (_, list) = b.get("/system/notices").await;
    assert!(list.contains("已撤回"), "{list}");
    let (_, home) = leader.get("/").await;
    assert!(!home.contains("端午节放假安排"), "{home}");
    let (status, _) = leader.get(&format!("/notices/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
