//! The phone pages' own answers (issue 14): the entry page's one search field (identity
//! number, phone or a name in the checkpoint's community or on its enterprise's roster), and
//! the enterprise contact's appeal with a photo and an urgency.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE};
use serde_json::{Value, json};

use crate::helpers::*;

async fn gate(app: &TestApp, admin: &str, body: Value) -> i64 {
    ok(app.post(admin, "/api/v1/checkpoints", &body).await).await["id"]
        .as_i64()
        .expect("id")
}

/// The names of a lookup's hits, sorted.
async fn names(app: &TestApp, t: &str, cp: i64, q: &str) -> Vec<String> {
    let path = format!(
        "/api/v1/screening/lookup?checkpoint_id={cp}&q={}",
        urlencode(q)
    );
    let hits = ok(app.get(t, &path).await).await;
    let mut v: Vec<String> = hits
        .as_array()
        .expect("array")
        .iter()
        .map(|h| {
            // Numbers are masked, names are whole.
            let id = h["id_masked"].as_str().unwrap_or("");
            assert!(id.contains('*'), "masked: {h}");
            h["name"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    v.sort();
    v
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_entry_search_finds_names_in_the_checkpoints_community_and_on_its_roster() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // The keeper of the checkpoints (an administrator) may record at any time.
    let community_gate = gate(
        &app,
        &admin,
        json!({"name": "甲社区东门卡口", "kind": "community_gate", "unit_id": f.community_a}),
    )
    .await;
    let other_gate = gate(
        &app,
        &admin,
        json!({"name": "乙社区北门卡口", "kind": "community_gate", "unit_id": f.community_b}),
    )
    .await;
    let factory_gate = gate(
        &app,
        &admin,
        json!({"name": "长城科工贸厂门", "kind": "enterprise_gate", "unit_id": f.sub_a, "enterprise_id": f.ent_a}),
    )
    .await;
    let audited = app.count("audit_log WHERE entity = 'passage_lookup'").await;

    // A name in the community: 甲社区's 张伟 and 赵敏, never 乙社区's 李娜.
    assert_eq!(names(&app, &admin, community_gate, "张").await, ["张伟"]);
    assert_eq!(names(&app, &admin, community_gate, "赵敏").await, ["赵敏"]);
    assert!(names(&app, &admin, community_gate, "李娜").await.is_empty());
    assert_eq!(names(&app, &admin, other_gate, "李").await, ["李娜"]);
    // An empty search at a community gate lists nobody (a community is too many to list).
    assert!(names(&app, &admin, community_gate, "").await.is_empty());
    // Identity number and phone: exact, as before.
    let li_na = id_number("41010619900720202");
    assert_eq!(names(&app, &admin, community_gate, &li_na).await, ["李娜"]);
    assert_eq!(
        names(&app, &admin, community_gate, "13803710001").await,
        ["张伟"]
    );
    // An enterprise gate: its roster (all of it for an empty search), and by name its roster
    // and the people registered in its unit and below.
    assert_eq!(
        names(&app, &admin, factory_gate, "").await,
        ["刘洋", "陈静"]
    );
    assert_eq!(names(&app, &admin, factory_gate, "陈").await, ["陈静"]);
    assert_eq!(names(&app, &admin, factory_gate, "张").await, ["张伟"]);
    assert!(names(&app, &admin, factory_gate, "李").await.is_empty());
    // A LIKE wildcard is a character, not "anyone".
    assert!(names(&app, &admin, community_gate, "%").await.is_empty());
    // Every search that reads the registry is audited (the empty one at the community gate
    // reads nothing).
    assert_eq!(
        app.count("audit_log WHERE entity = 'passage_lookup'").await,
        audited + 11
    );

    // A volunteer with no shift at the gate is told nothing about it (404), names or not.
    let v = app.token("volunteer").await;
    let (status, _) = problem(
        app.get(
            &v,
            &format!("/api/v1/screening/lookup?checkpoint_id={community_gate}&q=%E5%BC%A0"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Posts the appeal page's form as the phone sends it (multipart, with the CSRF token in the
/// address as the page's form has it).
async fn appeal(
    b: &Browser<'_>,
    csrf: &str,
    fields: &[(&str, &str)],
    photo: Option<(&str, &str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    if let Some((name, mime, bytes)) = photo {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(mime)
                .expect("mime"),
        );
    }
    b.app
        .client
        .post(b.app.url(&format!("/appeal?_csrf={csrf}")))
        .header(COOKIE, &b.cookie)
        .header(ACCEPT, "text/html")
        .multipart(form)
        .send()
        .await
        .expect("post")
}

/// The appeal numbered `number`, as the district sees it.
async fn case_numbered(app: &TestApp, admin: &str, number: &str) -> Value {
    let list = ok(app
        .get(admin, &format!("/api/v1/cases?q={}", urlencode(number)))
        .await)
    .await;
    let id = list["items"][0]["id"]
        .as_i64()
        .expect("the appeal is listed");
    ok(app.get(admin, &format!("/api/v1/cases/{id}")).await).await
}

#[tokio::test]
async fn an_enterprise_contact_appeals_with_a_photo_and_an_urgency() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let b = Browser::login(&app, "enterprise_contact").await;
    let csrf = b.csrf().await;

    // The page offers both.
    let (status, html) = b.get("/appeal").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"photo\"") && html.contains("accept=\"image/*\""));
    assert!(html.contains("name=\"priority\" value=\"urgent\"") && html.contains("紧急"));
    assert!(html.contains("enctype=\"multipart/form-data\""));

    let png = b"\x89PNG\r\n\x1a\n fake but typed as a photo".to_vec();
    let r = appeal(
        &b,
        &csrf,
        &[
            ("category", "permits"),
            ("title", "消防验收两周无人受理"),
            ("description", "新厂房已完工。"),
            ("contact_phone", "13803710099"),
            ("priority", "urgent"),
        ],
        Some(("现场.png", "image/png", png.clone())),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let number = to.strip_prefix("/appeal?done=").expect("done").to_owned();
    let case = case_numbered(&app, &admin, &number).await;
    assert_eq!(case["priority"], "urgent");
    assert_eq!(case["attachments"][0]["filename"], "现场.png");
    assert_eq!(case["attachments"][0]["content_type"], "image/png");
    assert_eq!(case["attachments"][0]["size"], png.len());
    // The photo is the case's own attachment: the timeline names it.
    assert!(
        case["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["action"] == "attach"),
        "{case}"
    );

    // Without a photo and an urgency: a normal appeal.
    let r = appeal(
        &b,
        &csrf,
        &[("category", "permits"), ("title", "招工难")],
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let case = case_numbered(&app, &admin, to.trim_start_matches("/appeal?done=")).await;
    assert_eq!(case["priority"], "normal");
    assert_eq!(case["attachments"].as_array().map(Vec::len), Some(0));

    // A file that is not a photo, or an unknown urgency: 422 on the page, nothing raised.
    let before = app.count("cases").await;
    let r = appeal(
        &b,
        &csrf,
        &[("category", "permits"), ("title", "附件不是照片")],
        Some(("说明.exe", "application/octet-stream", b"MZ".to_vec())),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.expect("html");
    assert!(html.contains("不是照片"), "{html}");
    assert!(html.contains("附件不是照片"), "what was typed stays");
    let r = appeal(
        &b,
        &csrf,
        &[
            ("category", "permits"),
            ("title", "加急"),
            ("priority", "asap"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("cases").await, before);
    assert_eq!(app.count("attachments").await, 1);

    // The plain form (no photo) is still taken.
    let r = b
        .post(
            "/appeal",
            &[
                ("_csrf", &csrf),
                ("category", "permits"),
                ("title", "用电报装"),
                ("priority", "urgent"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("cases").await, before + 1);
}
