//! The browser side: login with a session cookie, CSRF on every form, redirects, languages,
//! and forms that keep what was typed when they refuse it.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE};

use crate::helpers::*;

#[tokio::test]
async fn pages_need_a_login_and_show_chinese_by_default() {
    let (app, f) = TestApp::with_fixture().await;
    let r = app
        .client
        .get(app.url("/enterprises"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=%2Fenterprises");
    let login = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("<html lang=\"zh-CN\">"));
    // A wrong password stays on the login page with a message.
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", "nope-nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    // An open redirect is not followed.
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", PASSWORD),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");

    let b = Browser::login(&app, "admin").await;
    let (status, home) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("class=\"stats\"") && home.contains("data-chart"));
    for path in [
        "/enterprises",
        "/people",
        "/units",
        "/system/users",
        "/system/roles",
        "/system/audit",
        "/system/logins",
    ] {
        let (status, html) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("table class=\"data\""), "{path}");
    }
    for path in [
        format!("/enterprises/{}", f.ent_a),
        format!("/people/{}", f.person_a),
        format!("/units/{}", f.community_b),
    ] {
        assert_eq!(b.get(&path).await.0, StatusCode::OK, "{path}");
    }
    // English on request, via the language cookie.
    let r = app
        .client
        .get(app.url("/enterprises"))
        .header(COOKIE, format!("{}; lang=en", b.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r.contains("<html lang=\"en\">") && r.contains(">Enterprises<"));
}

#[tokio::test]
async fn forms_are_csrf_protected_and_keep_input_on_errors() {
    let (app, f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let before = app.count("enterprises").await;
    let unit = f.sub_a.to_string();
    let good = uscc("MA46WEB1");
    let bad = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    // No token: refused, nothing stored.
    let r = b
        .post(
            "/enterprises",
            &[
                ("name", "表单企业"),
                ("uscc", &good),
                ("unit_id", &unit),
                ("ownership", "private"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("enterprises").await, before);
    let csrf = b.csrf().await;
    // A wrong check character: the form comes back with the field error and the typed values.
    let r = b
        .post(
            "/enterprises",
            &[
                ("_csrf", &csrf),
                ("name", "表单企业"),
                ("uscc", &bad),
                ("unit_id", &unit),
                ("ownership", "private"),
                ("has_party_org", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-field=\"uscc\""), "{html}");
    assert!(html.contains("校验位"));
    assert!(html.contains(&format!("value=\"{bad}\"")) && html.contains("value=\"表单企业\""));
    assert_eq!(app.count("enterprises").await, before);
    // Fixed: saved and redirected to the record.
    let r = b
        .post(
            "/enterprises",
            &[
                ("_csrf", &csrf),
                ("name", "表单企业"),
                ("uscc", &good),
                ("unit_id", &unit),
                ("ownership", "private"),
                ("has_party_org", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let (status, html) = b.get(&loc).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>表单企业</h1>"));
    assert_eq!(app.count("enterprises").await, before + 1);
    // Logging out ends the session.
    let r = b.post("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn pages_respect_the_data_scope() {
    let (app, f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "enterprise_contact").await;
    let (status, _) = b.get(&format!("/enterprises/{}", f.ent_b)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = b.get("/enterprises").await;
    assert!(list.contains("郑州长城科工贸有限公司") && !list.contains("郑州矿山机械有限公司"));
    let (_, people) = b.get("/people").await;
    assert!(people.contains("陈静") && !people.contains("李娜"));
    // Masked for a contact: no full identity number on the page.
    assert!(!people.contains(&id_number("41010619920909606")));
    assert!(
        !list.contains("/system/users"),
        "no system menu for a contact"
    );
    let (status, _) = b.get("/system/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_maintains_the_calendar_in_the_browser() {
    let (app, _f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/calendar",
            &[
                ("_csrf", &csrf),
                ("day", "2026-10-01"),
                ("kind", "holiday"),
                ("note", "国庆节"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/system/calendar?year=2026");
    let (status, html) = b.get("/system/calendar?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2026-10-01") && html.contains("国庆节"));
    // A bad date comes back on the form; "ordinary" removes the exception.
    let r = b
        .post(
            "/system/calendar",
            &[("_csrf", &csrf), ("day", "2026-02-30"), ("kind", "holiday")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("data-field=\"day\""));
    let r = b
        .post(
            "/system/calendar",
            &[
                ("_csrf", &csrf),
                ("day", "2026-10-01"),
                ("kind", "ordinary"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = b.get("/system/calendar?year=2026").await;
    assert!(!html.contains("2026-10-01"));
    // Only those who may maintain it see the page.
    let leader = Browser::login(&app, "leader").await;
    assert_eq!(
        leader.get("/system/calendar").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_admin_adds_a_case_kind_and_changes_its_time_limit_in_the_browser() {
    let (app, f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/case-kinds",
            &[
                ("_csrf", &csrf),
                ("code", "epidemic_report"),
                ("name_zh", "疫情报送"),
                ("name_en", "Epidemic report"),
                ("subject", "unit"),
                ("working_days", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.token("admin").await;
    let kinds: serde_json::Value = app
        .get(&t, "/api/v1/case-kinds")
        .await
        .json()
        .await
        .unwrap();
    let k = kinds
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["code"] == "epidemic_report")
        .cloned()
        .expect("the new kind");
    assert_eq!(k["working_days"], 1);
    let id = k["id"].as_i64().unwrap().to_string();
    let r = b
        .post(
            &format!("/system/case-kinds/{id}"),
            &[
                ("_csrf", &csrf),
                ("name_zh", "疫情报送"),
                ("subject", "unit"),
                ("working_days", "2"),
                ("response_working_days", "0"),
                ("urgent_hours", "12"),
                ("urgent_response_hours", "1"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post(
            &format!("/system/case-kinds/{id}/categories"),
            &[
                ("_csrf", &csrf),
                ("code", "home_isolation"),
                ("name_zh", "居家隔离"),
                ("working_days", "400"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a limit over 365 days"
    );
    let (status, html) = b.get("/system/case-kinds").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("疫情报送"), "the list has it");
    let (status, html) = b.get(&format!("/system/case-kinds/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("疫情报送") && html.contains("value=\"2\""));
    // A case of the new kind needs no code: raised and dispatched at once, with its limit.
    let r = app
        .post(
            &t,
            "/api/v1/cases",
            &serde_json::json!({"kind": "epidemic_report", "title": "疫情信息报送", "unit_id": f.community_a,
                "dispatch": {"lead_unit_id": f.sub_a}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let c: serde_json::Value = r.json().await.unwrap();
    assert_eq!(c["status"], "dispatched");
    assert_eq!(c["kind_name"], "疫情报送");
    let leader = Browser::login(&app, "leader").await;
    assert_eq!(
        leader.get("/system/case-kinds").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn checkpoints_devices_passages_and_screening_in_the_browser() {
    let (app, f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let csrf = b.csrf().await;
    let unit = f.community_a.to_string();
    let r = b
        .post(
            "/checkpoints",
            &[
                ("_csrf", &csrf),
                ("name", "甲社区北门"),
                ("kind", "community_gate"),
                ("unit_id", &unit),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("甲社区北门"));
    let r = b
        .post(
            "/checkpoints",
            &[
                ("_csrf", &csrf),
                ("name", ""),
                ("kind", "road"),
                ("unit_id", &unit),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let t = app.token("admin").await;
    let cps: serde_json::Value = app
        .get(&t, "/api/v1/checkpoints")
        .await
        .json()
        .await
        .unwrap();
    let cp = cps["items"][0]["id"].as_i64().unwrap().to_string();
    let r = b
        .post(
            "/checkpoints/devices",
            &[
                ("_csrf", &csrf),
                ("checkpoint_id", &cp),
                ("name", "北门测温门"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let i = html.find("<code>").expect("the token is shown once") + 6;
    let token = html[i..].split('<').next().unwrap().to_owned();
    let x = id_number("41010619850312101");
    let y = id_number("41010619900720202");
    let at = |m: i64| (chrono::Utc::now() - chrono::Duration::minutes(m)).to_rfc3339();
    let r = app
        .client
        .post(app.url("/api/v1/passages"))
        .bearer_auth(&token)
        .json(&serde_json::json!([
            {"device_seq": 1, "id_number": x, "name": "张伟", "temperature": 366, "at": at(60)},
            {"device_seq": 2, "id_number": y, "name": "李娜", "temperature": 385, "at": at(50)}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (status, html) = b.get(&format!("/passages?checkpoint_id={cp}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("38.5 ℃") && html.contains("/cases/"),
        "a fever links to its follow-up"
    );
    // A checkpoint and a time window: everyone who passed then (here: the last 55 minutes).
    let window = |m: i64| {
        (chrono::Utc::now() - chrono::Duration::minutes(m))
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let (status, html) = b
        .get(&format!(
            "/passages?checkpoint_id={cp}&from={}&to={}",
            window(55),
            window(0)
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("38.5 ℃") && !html.contains("36.6 ℃"),
        "only the passage in the window"
    );
    let (status, html) = b
        .get(&format!(
            "/screening?id_number={x}&days=1&window_minutes=30"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("李娜"),
        "the other person at the gate within 30 minutes"
    );
    let (status, _) = b.get("/screening?id_number=123").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Disinfection logs and the screening settings.
    let r = b
        .post(
            "/disinfections",
            &[
                ("_csrf", &csrf),
                ("unit_id", &unit),
                ("place", "北门岗亭"),
                ("agent", "75%酒精"),
                ("person", "赵敏"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("北门岗亭"));
    // The threshold is changed on the settings page; the checkpoints page names it and links
    // there.
    let r = b
        .post(
            "/system/settings/screening.fever_threshold",
            &[("_csrf", &csrf), ("value", "37.5")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = b.get("/checkpoints").await;
    assert!(html.contains("37.5 ℃"), "{html}");
    assert!(html.contains("href=\"/system/settings\""));
    let r = b
        .post(
            "/system/settings/screening.fever_threshold",
            &[("_csrf", &csrf), ("value", "hot")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let staff = Browser::login(&app, "department_staff").await;
    assert_eq!(staff.get("/screening").await.0, StatusCode::FORBIDDEN);
}

/// A filter or paging parameter that does not parse is a 422 naming it, on every list, export
/// and page: never dropped (which would widen a list or an export to the whole scope).
#[tokio::test]
async fn a_parameter_that_does_not_parse_is_a_422_never_dropped() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    for path in [
        "/api/v1/export/people?unit_id=abc",
        "/api/v1/export/people?page=abc",
        "/api/v1/export/enterprises?key_project=maybe",
        "/api/v1/export/units?format=pdf",
    ] {
        let (status, p) = problem(app.get(&admin, path).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {p}");
    }
    let browser = Browser::login(&app, "admin").await;
    for path in [
        "/enterprises?unit_id=abc",
        "/people?page=abc",
        "/people/export.csv?unit_id=abc",
        "/units?under=x",
        "/passages?checkpoint_id=gate",
        "/passages?from=yesterday",
        "/duty?week=abc",
        "/screening/contacts.xlsx?id_number=410106198503121010&days=abc",
        "/screening?id_number=410106198503121010&days=abc",
        "/cases?bucket=nope",
        "/cases/metrics?group_by=nope",
        "/system/calendar?year=abc",
        "/system/calendar/new?day=tomorrow",
    ] {
        let (status, html) = browser.get(path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {html}");
    }
    // The same lists with good parameters answer.
    for path in [
        "/enterprises?unit_id=",
        "/passages?checkpoint_id=",
        "/cases?bucket=",
    ] {
        let (status, _) = browser.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}
