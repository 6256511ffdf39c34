//! System management: the settings page and API (参数设置), the open sessions with force
//! logout (在线用户), and the login log's reasons in words.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn setting<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .expect("settings")
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no setting {key} in {list}"))
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

fn passage(seq: i64, id: &str, temp: i64) -> Value {
    json!({"device_seq": seq, "id_number": id, "name": "张伟", "phone": "13803710001",
           "temperature": temp, "direction": "in",
           "at": (Utc::now() - Duration::minutes(1)).to_rfc3339()})
}

/// Every setting is listed with its meaning, value and default; the kernel's and each area's.
#[tokio::test]
async fn the_settings_are_listed_with_their_meaning_and_default() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let list = ok(app.get(&admin, "/api/v1/settings").await).await;
    for key in [
        "screening.fever_threshold",
        "screening.retention_days",
        "bulletin.number_pattern",
        "auth.throttle_free_failures",
        "auth.throttle_max_lock_minutes",
        "auth.api_token_days",
        "open311.intake_unit_id",
    ] {
        let s = setting(&list, key);
        assert!(!s["label"].as_str().unwrap().is_empty(), "{s}");
        assert!(!s["description"].as_str().unwrap().is_empty(), "{s}");
    }
    let fever = setting(&list, "screening.fever_threshold");
    assert_eq!(fever["label"], "发热阈值");
    assert_eq!(fever["value"], 37.3);
    assert_eq!(fever["display"], "37.3 ℃");
    assert_eq!(fever["default_display"], "37.3 ℃");
    let pattern = setting(&list, "bulletin.number_pattern");
    let year = lianxin_kernel::settings::this_year();
    assert_eq!(
        pattern["example"],
        format!("例：今年第 1 份通报编号为 上街督〔{year}〕1号")
    );
    assert!(
        pattern["description"]
            .as_str()
            .unwrap()
            .contains("签发年份"),
        "{pattern}"
    );
    // In English for an English client.
    let en = ok(app.get_en(&admin, "/api/v1/settings").await).await;
    assert_eq!(
        setting(&en, "screening.fever_threshold")["label"],
        "Fever threshold"
    );

    // The page shows the same, in the 系统管理 menu.
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/system/settings").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "参数设置",
        "发热阈值",
        "37.3 ℃",
        "通行与健康记录保留天数",
        "督查通报编号格式",
        &format!("上街督〔{year}〕1号"),
        "登录失败锁定次数",
        "接口令牌有效期",
        "外部诉求受理单位",
        "href=\"/system/settings\"",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    // The checkpoints page only mentions the threshold, with a link; the case kinds page the
    // intake unit.
    let (_, html) = b.get("/checkpoints").await;
    assert!(html.contains("37.3 ℃"), "{html}");
    assert!(!html.contains("name=\"fever_celsius\""));
    let (_, html) = b.get("/system/case-kinds").await;
    assert!(html.contains("/system/settings/open311.intake_unit_id"));
    assert!(!html.contains("/system/case-kinds/intake"));
}

/// A bad value is a 422 naming the field and changes nothing; a good one is audited in words;
/// a changed threshold is what the next passages are judged by.
#[tokio::test]
async fn a_setting_is_checked_audited_and_used() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    for (key, value, message) in [
        (
            "screening.fever_threshold",
            json!(45),
            "发热阈值应为 36.0 到 40.0 之间的数，最多一位小数（单位：℃），如 37.3",
        ),
        (
            "screening.fever_threshold",
            json!("37.55"),
            "发热阈值应为 36.0 到 40.0 之间的数，最多一位小数（单位：℃），如 37.3",
        ),
        (
            "screening.retention_days",
            json!(0),
            "通行与健康记录保留天数应为 1 到 3650 之间的整数（单位：天）",
        ),
        (
            "bulletin.number_pattern",
            json!("上街督〔{year}〕号"),
            "编号格式须含有顺序号“{seq}”（可含年份“{year}”），不超过 60 个字，例如 上街督〔{year}〕{seq}号",
        ),
        (
            "auth.throttle_free_failures",
            json!("many"),
            "登录失败锁定次数应为 1 到 20 之间的整数（单位：次）",
        ),
        (
            "open311.intake_unit_id",
            json!(999999),
            "外部诉求受理单位须为单位树中的一个区级部门、街道或乡镇单位（按编号选择）",
        ),
        ("auth.api_token_days", json!(null), "value 须为数字或文字"),
    ] {
        let (status, p) = problem(
            app.put_as_sent(
                &admin,
                &format!("/api/v1/settings/{key}"),
                &json!({ "value": value }),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{key}: {p}");
        assert_eq!(p["errors"][0]["field"], "value", "{p}");
        assert_eq!(p["errors"][0]["message"], message, "{key}");
    }
    assert_eq!(
        app.count(
            "settings WHERE key IN ('screening.fever_threshold', 'screening.retention_days', \
             'bulletin.number_pattern', 'auth.throttle_free_failures', 'auth.api_token_days', \
             'open311.intake_unit_id')"
        )
        .await,
        0
    );
    assert_eq!(
        app.count("audit_log WHERE entity = 'setting'").await,
        0,
        "nothing changed"
    );
    let r = app
        .put_as_sent(&admin, "/api/v1/settings/no.such.key", &json!({"value": 1}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Non-administrators may neither read nor change.
    for role in ["leader", "department_staff"] {
        let t = app.token(role).await;
        assert_eq!(
            app.get(&t, "/api/v1/settings").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.put_as_sent(
                &t,
                "/api/v1/settings/screening.fever_threshold",
                &json!({"value": 38})
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
    }

    // A passage at 37.5 °C is a fever at the default threshold.
    let gate = app
        .gate_with_device(&admin, "甲社区东门卡口", f.community_a)
        .await;
    let a = id_number("41010619850312101");
    let r = ok(device_post(&app, &gate, &json!([passage(1, &a, 375)])).await).await;
    assert_eq!(r["fevers"], 1);
    // At 37.6 °C it is not, at once (no waiting for a cache).
    let v = ok(app
        .put_as_sent(
            &admin,
            "/api/v1/settings/screening.fever_threshold",
            &json!({"value": 37.6}),
        )
        .await)
    .await;
    assert_eq!(v["value"], 37.6);
    assert_eq!(v["display"], "37.6 ℃");
    let r = ok(device_post(&app, &gate, &json!([passage(2, &a, 375)])).await).await;
    assert_eq!(r["fevers"], 0);
    // The older endpoint reads the same value.
    let old = ok(app.get(&admin, "/api/v1/screening/settings").await).await;
    assert_eq!(old["fever_threshold"], 376);
    let audit = ok(app.get(&admin, "/api/v1/audit?entity=setting").await).await;
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(
        audit["items"][0]["summary"],
        "把发热阈值由 37.3 ℃ 改为 37.6 ℃"
    );

    // The form: a bad value comes back with the field's error; a good one is saved.
    let b = Browser::login(&app, "admin").await;
    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/settings/screening.retention_days",
            &[("_csrf", &csrf), ("value", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("通行与健康记录保留天数应为 1 到 3650 之间的整数（单位：天）"),
        "{html}"
    );
    let r = b
        .post(
            "/system/settings/screening.retention_days",
            &[("_csrf", &csrf), ("value", "21")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post(
            "/system/settings/open311.intake_unit_id",
            &[("_csrf", &csrf), ("value", &f.sub_a.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let now = ok(app.get(&admin, "/api/v1/open311/intake-unit").await).await;
    assert_eq!(now["unit_id"], f.sub_a);
    let list = ok(app.get(&admin, "/api/v1/settings").await).await;
    assert_eq!(setting(&list, "screening.retention_days")["value"], 21);
    assert_eq!(setting(&list, "open311.intake_unit_id")["value"], f.sub_a);
    let audit = ok(app.get(&admin, "/api/v1/audit?entity=setting").await).await;
    assert_eq!(audit["total"], 3, "{audit}");
    assert_eq!(
        audit["items"][1]["summary"],
        "把通行与健康记录保留天数由 28 天 改为 21 天"
    );
    let staff = Browser::login(&app, "department_staff").await;
    assert_eq!(staff.get("/system/settings").await.0, StatusCode::FORBIDDEN);
}

/// The API token lifetime and the sign-in throttle are settings the kernel reads.
#[tokio::test]
async fn token_lifetime_and_throttle_come_from_the_settings() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    ok(app
        .put_as_sent(
            &admin,
            "/api/v1/settings/auth.api_token_days",
            &json!({"value": 2}),
        )
        .await)
    .await;
    let r = ok(app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "leader", "password": PASSWORD}))
        .send()
        .await
        .unwrap())
    .await;
    let expires = chrono::DateTime::parse_from_rfc3339(r["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let days = (expires - Utc::now()).num_hours();
    assert!((47..=48).contains(&days), "{days} hours");

    ok(app
        .put_as_sent(
            &admin,
            "/api/v1/settings/auth.throttle_free_failures",
            &json!({"value": 2}),
        )
        .await)
    .await;
    for _ in 0..2 {
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": "leader", "password": "Wrong@guess2020"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "leader", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// The open sessions are listed without their secrets; a forced logout ends that session only
/// (audited), and the browser's next request goes to the sign-in page.
#[tokio::test]
async fn a_forced_logout_ends_that_session_only() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let leader_browser = Browser::login(&app, "leader").await;
    let leader_token = app.token("leader").await;
    assert_eq!(leader_browser.get("/").await.0, StatusCode::OK);
    let list = ok(app.get(&admin, "/api/v1/sessions").await).await;
    let items = list["items"].as_array().unwrap();
    let leader_rows: Vec<&Value> = items.iter().filter(|s| s["username"] == "leader").collect();
    assert_eq!(leader_rows.len(), 2, "{list}");
    let web = leader_rows
        .iter()
        .find(|s| s["kind"] == "web")
        .expect("the browser session");
    assert!(web["last_seen_at"].is_string(), "{web}");
    assert_eq!(web["display_name"], "leader");
    let text = list.to_string();
    let secret = leader_browser.cookie.split('=').nth(1).unwrap().to_owned();
    for hidden in [
        secret.clone(),
        lianxin::access::auth::token_id(&secret),
        lianxin::access::auth::token_id(&leader_token),
        leader_token.clone(),
    ] {
        assert!(!text.contains(&hidden), "a secret or its hash is shown");
    }
    assert!(
        items
            .iter()
            .any(|s| s["username"] == "admin" && s["current"] == true)
    );
    // Paged by the database: each page its share, in the list's order, the same total.
    let total = list["total"].as_u64().unwrap();
    assert_eq!(total as usize, items.len(), "{list}");
    for (i, row) in items.iter().enumerate() {
        let page = ok(app
            .get(
                &admin,
                &format!("/api/v1/sessions?page={}&page_size=1", i + 1),
            )
            .await)
        .await;
        assert_eq!(page["total"], total);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{page}");
        assert_eq!(page["items"][0]["id"], row["id"], "{page}");
    }

    // Only administrators of users see or end sessions.
    let staff = app.token("department_staff").await;
    assert_eq!(
        app.get(&staff, "/api/v1/sessions").await.status(),
        StatusCode::FORBIDDEN
    );
    let id = web["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.delete(&staff, &format!("/api/v1/sessions/{id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&admin, "/api/v1/sessions/0123456789abcdef01234567")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Over the page: confirm, then post with the CSRF token.
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/system/sessions").await;
    assert_eq!(status, StatusCode::OK);
    for text in ["在线用户", "强制下线", "leader", "浏览器", "接口令牌"] {
        assert!(html.contains(text), "{text}");
    }
    assert!(!html.contains(&secret));
    let (status, _) = b.get(&format!("/system/sessions/{id}/end")).await;
    assert_eq!(status, StatusCode::OK);
    let r = b
        .post(&format!("/system/sessions/{id}/end"), &[("confirm", "on")])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "no CSRF token, no logout"
    );
    let csrf = b.csrf().await;
    let r = b
        .post(
            &format!("/system/sessions/{id}/end"),
            &[("_csrf", &csrf), ("confirm", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The leader's browser goes to the sign-in page; their API token still works.
    let r = app
        .client
        .get(app.url("/"))
        .header(reqwest::header::COOKIE, &leader_browser.cookie)
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login"),
        "{:?}",
        r.headers()["location"]
    );
    assert_eq!(
        app.get(&leader_token, "/api/v1/me").await.status(),
        StatusCode::OK
    );
    // Over the API: the token.
    let list = ok(app.get(&admin, "/api/v1/sessions").await).await;
    let token_id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == "leader")
        .expect("the token")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .delete(&admin, &format!("/api/v1/sessions/{token_id}"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&leader_token, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get(&admin, "/api/v1/me").await.status(), StatusCode::OK);
    let audit = ok(app.get(&admin, "/api/v1/audit?entity=session").await).await;
    assert_eq!(audit["total"], 2, "{audit}");
    assert!(
        audit["items"][1]["summary"]
            .as_str()
            .unwrap()
            .starts_with("强制下线 leader（leader）的浏览器会话"),
        "{audit}"
    );
}

/// The login log says why in words, in both languages; the stored codes stay.
#[tokio::test]
async fn the_login_log_says_why_in_words() {
    let (app, _f) = TestApp::with_fixture().await;
    let attempt = |user: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": user, "password": password}))
            .send()
    };
    attempt("leader", PASSWORD).await.unwrap();
    attempt("nobody", PASSWORD).await.unwrap();
    for _ in 0..6 {
        attempt("supervisor", "Wrong@guess2020").await.unwrap();
    }
    let b = Browser::login(&app, "admin").await;
    let (_, html) = b.get("/system/logins").await;
    for text in ["登录成功", "用户不存在", "密码错误", "尝试过多，已锁定至 "]
    {
        assert!(html.contains(text), "{text} missing");
    }
    assert!(!html.contains(">ok<") && !html.contains("bad credentials"));
    let admin = app.token("admin").await;
    let log = ok(app.get(&admin, "/api/v1/logins?username=nobody").await).await;
    assert_eq!(log["items"][0]["message"], "bad credentials (unknown user)");
    assert_eq!(
        lianxin::access::auth::login_reason("ok", lianxin::i18n::Lang::En),
        "Signed in"
    );
    assert_eq!(
        lianxin::access::auth::login_reason(
            "throttled until 2026-01-05T02:05:00Z",
            lianxin::i18n::Lang::Zh
        ),
        "尝试过多，已锁定至 10:05"
    );
    assert_eq!(
        lianxin::access::auth::login_reason(
            "bad credentials (account disabled)",
            lianxin::i18n::Lang::Zh
        ),
        "账号已停用"
    );
}
