//! Health, metrics, OpenAPI, authentication and error shapes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_metrics_and_openapi() {
    let app = TestApp::spawn().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["openapi"].as_str().map(|s| s.starts_with("3.")),
        Some(true)
    );
    for path in [
        "/api/v1/auth/token",
        "/api/v1/units",
        "/api/v1/people/{id}",
        "/api/v1/enterprises",
        "/api/v1/audit",
        "/api/v1/import/{kind}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI lacks {path}");
    }
    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger-ui"));
    let m = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("lianxin_http_requests_total"), "{m}");
    let js = app
        .client
        .get(app.url("/assets/vendor/htmx.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
}

#[tokio::test]
async fn token_login_and_errors() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    // No credentials: 401 problem.
    let (status, body) = problem(
        app.client
            .get(app.url("/api/v1/units"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["status"], 401);
    assert!(body["title"].as_str().unwrap().contains("未登录"));
    // Wrong password: 401, in English on request.
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("Accept-Language", "en")
        .json(&json!({"username": "admin", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    let (status, body) = problem(r).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["title"], "Unauthenticated");
    // A bad token is refused, in the caller's language.
    let (status, body) = problem(app.get_en("not-a-token", "/api/v1/me").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["title"], "Unauthenticated");
    // The right password works and the token authenticates.
    let t = app.token("admin").await;
    let me: Value = app.get(&t, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["roles"][0], "admin");
    // Both attempts are in the login log.
    let logins: Value = app
        .get(&t, "/api/v1/logins?username=admin")
        .await
        .json()
        .await
        .unwrap();
    assert!(logins["total"].as_u64().unwrap() >= 2);
}

#[tokio::test]
async fn login_is_throttled_after_repeated_failures() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    for _ in 0..5 {
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": "admin", "password": "wrong-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while throttled.
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("retry-after").is_some());
    let (status, _) = problem(r).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn malformed_json_is_a_422_problem() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    let t = app.token("admin").await;
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = problem(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!body["errors"].as_array().unwrap().is_empty());
    // A path that cannot name a record, and a route that does not exist: 404 problems.
    for path in ["/api/v1/units/abc", "/api/v1/nowhere"] {
        let (status, _) = problem(app.get(&t, path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // The framework's own refusals are problems too.
    let r = app
        .client
        .patch(app.url("/api/v1/units"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let (status, body) = problem(r).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["status"], 405);
    let r = app.post(&t, "/api/v1/units", &json!({"name": 5})).await;
    let (status, body) = problem(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("units").await, 0);
    // What the decoder refused reads in Chinese for a Chinese client (serde's English stays
    // in the English message), for a body and for a query string.
    let zh = |body: &Value| {
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let message = zh(&body);
    assert!(
        message.contains("字段 name：类型不对：给的是整数 5，应为文本"),
        "{body}"
    );
    assert!(
        !message.contains("expected") && !message.contains("invalid"),
        "{body}"
    );
    let (status, body) = problem(app.get(&t, "/api/v1/cases/metrics?group_by=area").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = zh(&body);
    assert!(message.contains("取值“area”不在可选值中"), "{body}");
    assert!(
        !message.contains("expected") && !message.contains("variant"),
        "{body}"
    );
    let r = app
        .client
        .get(app.url("/api/v1/cases/metrics?group_by=area"))
        .bearer_auth(&t)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let (_, body) = problem(r).await;
    assert!(zh(&body).contains("unknown variant `area`"), "{body}");
}

#[tokio::test]
async fn the_working_day_calendar_is_data_an_admin_maintains() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // 2030 is a year the project ships no holidays for. Tuesday 1 Oct 2030 + 1 working day is
    // Wednesday 2 Oct on a bare calendar, and the answer says the year has no days...
    let d: Value = app
        .get(
            &admin,
            "/api/v1/calendar/deadline?from=2030-10-01T09:00:00%2B08:00&working_days=1",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["deadline"], "2030-10-02T16:00:00Z");
    assert_eq!(d["calendar_missing_years"], json!([2030]));
    assert!(d["warning"].as_str().is_some_and(|w| w.contains("2030")));
    // ...and Saturday 5 Oct once a holiday and its adjusted Saturday are entered.
    for day in [
        "2030-10-01",
        "2030-10-02",
        "2030-10-03",
        "2030-10-04",
        "2030-10-07",
    ] {
        let r = app
            .put(
                &admin,
                &format!("/api/v1/calendar/{day}"),
                &json!({"kind": "holiday", "note": "国庆节"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{day}");
    }
    let r = app
        .put(
            &admin,
            "/api/v1/calendar/2030-10-05",
            &json!({"kind": "workday", "note": "调休"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let d: Value = app
        .get(
            &admin,
            "/api/v1/calendar/deadline?from=2030-10-01T09:00:00%2B08:00&working_days=1",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["deadline"], "2030-10-05T16:00:00Z",
        "Saturday 5 Oct is worked"
    );
    assert_eq!(d["calendar_missing_years"], json!([]));
    assert_eq!(d["warning"], Value::Null);
    let year: Value = app
        .get(&admin, "/api/v1/calendar?year=2030")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(year.as_array().unwrap().len(), 6);
    // Bad input and missing permission change nothing.
    let (status, p) = problem(
        app.put(
            &admin,
            "/api/v1/calendar/2030-13-01",
            &json!({"kind": "holiday"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "day");
    let (status, _) = problem(
        app.put(
            &admin,
            "/api/v1/calendar/2030-10-11",
            &json!({"kind": "party"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let leader = app.token("leader").await;
    assert_eq!(
        app.put(
            &leader,
            "/api/v1/calendar/2030-10-11",
            &json!({"kind": "holiday"})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&admin, "/api/v1/calendar/2030-10-05")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&admin, "/api/v1/calendar/2030-10-05")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let year: Value = app
        .get(&leader, "/api/v1/calendar?year=2030")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(year.as_array().unwrap().len(), 5);
}

/// Makes every audit insert fail from now on (a trigger), to show which writes share their
/// audit row's transaction.
async fn refuse_audit(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let sqls: &[&str] = if app.db_url.starts_with("sqlite") {
        &[
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        ]
    } else {
        &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ]
    };
    for sql in sqls {
        app.db.execute_unprepared(sql).await.expect("trigger");
    }
}

/// A write whose audit row cannot be written does not happen: checkpoints, devices,
/// disinfections, calendar days, API keys, users, screening settings and case kinds each
/// write with their audit row in one transaction.
#[tokio::test]
async fn no_write_lands_without_its_audit_row() {
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
    refuse_audit(&app).await;
    let tables = [
        "checkpoints",
        "devices",
        "disinfections",
        "calendar_days",
        "api_clients",
        "users",
        "case_kinds",
        "settings",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(t).await);
    }
    let writes: Vec<(&str, String, Value)> = vec![
        (
            "POST",
            "/api/v1/checkpoints".into(),
            json!({"name": "乙社区西门卡口", "kind": "community_gate", "unit_id": f.community_b}),
        ),
        (
            "POST",
            "/api/v1/devices".into(),
            json!({"checkpoint_id": cp["id"], "name": "东门测温门"}),
        ),
        (
            "POST",
            "/api/v1/disinfections".into(),
            json!({"unit_id": f.community_a, "place": "3号楼楼道", "agent": "84消毒液 1:100", "person": "赵敏"}),
        ),
        (
            "PUT",
            "/api/v1/calendar/2030-10-01".into(),
            json!({"kind": "holiday", "note": "国庆节"}),
        ),
        (
            "POST",
            "/api/v1/api-clients".into(),
            json!({"name": "随手拍"}),
        ),
        (
            "POST",
            "/api/v1/users".into(),
            json!({"username": "newcomer", "password": PASSWORD, "roles": ["volunteer"]}),
        ),
        (
            "POST",
            "/api/v1/case-kinds".into(),
            json!({"code": "road_damage", "name_zh": "道路破损", "subject": "any", "working_days": 5}),
        ),
        (
            "PUT",
            "/api/v1/screening/settings".into(),
            json!({"fever_threshold": 375, "retention_days": 30}),
        ),
    ];
    for (method, path, body) in &writes {
        let req = match *method {
            "PUT" => app.client.put(app.url(path)),
            _ => app.client.post(app.url(path)),
        };
        let r = req
            .bearer_auth(&admin)
            .json(body)
            .send()
            .await
            .expect("send");
        assert!(
            r.status().is_server_error(),
            "{method} {path}: {} (the audit insert fails, so must the write)",
            r.status()
        );
    }
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(
            app.count(t).await,
            n,
            "{t}: nothing written without its audit row"
        );
    }
}

/// Every `$ref` of the OpenAPI document names a schema the document has (a dangling one makes
/// every client generator and the API fuzzing fail).
#[tokio::test]
async fn every_reference_in_the_openapi_document_resolves() {
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let app = TestApp::spawn().await;
    let doc: Value = ok(app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap())
    .await;
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 50, "the document has references: {}", all.len());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not exist in the document"
        );
    }
}

/// Two administrators saving the same new holiday at the same moment both succeed, and the day
/// is stored once.
#[tokio::test]
async fn concurrent_first_saves_of_a_calendar_day_both_succeed() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let before = app.count("calendar_days").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/calendar/2030-10-02"),
            admin.clone(),
        );
        tasks.push(tokio::spawn(async move {
            client
                .put(url)
                .bearer_auth(token)
                .json(&json!({"kind": "holiday", "note": format!("国庆节 {i}")}))
                .send()
                .await
                .expect("send")
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), StatusCode::OK);
    }
    assert_eq!(app.count("calendar_days").await, before + 1);
}

/// Writes that read before they write never fail because another write committed in between:
/// an empty change of a case kind (it reads the kind, then writes its audit row) running beside
/// real changes of the same kind and new holidays all succeed, and each is audited.
#[tokio::test]
async fn concurrent_writes_that_read_first_all_succeed() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let kinds = ok(app.get(&admin, "/api/v1/case-kinds").await).await;
    let kind = kinds[0]["id"].as_i64().expect("kind id");
    let audited_before = app.count("audit_log").await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (client, token) = (app.client.clone(), admin.clone());
        let (url, body) = match i % 3 {
            0 => (app.url(&format!("/api/v1/case-kinds/{kind}")), json!({})),
            1 => (
                app.url(&format!("/api/v1/case-kinds/{kind}")),
                json!({"working_days": 3 + i % 5}),
            ),
            _ => (
                app.url(&format!("/api/v1/calendar/2030-11-{:02}", 1 + i)),
                json!({"kind": "holiday", "note": format!("调休 {i}")}),
            ),
        };
        tasks.push(tokio::spawn(async move {
            client
                .put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("send")
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), StatusCode::OK);
    }
    assert_eq!(app.count("audit_log").await - audited_before, 24);
}

/// A page number, a page size or a date no one means is a 422 naming it, on the API and on pages, never a
/// dropped connection or a timestamp that is not RFC 3339; the server carries on.
#[tokio::test]
async fn far_pages_and_far_dates_are_refused_by_name() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    for list in [
        "/api/v1/people",
        "/api/v1/enterprises",
        "/api/v1/units",
        "/api/v1/cases",
        "/api/v1/passages",
        "/api/v1/users",
        "/api/v1/audit",
    ] {
        let (status, p) = problem(
            app.get(&admin, &format!("{list}?page=461168601842738792"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{list}: {p}");
        assert_eq!(p["errors"][0]["field"], "page", "{list}: {p}");
        let r = app.get(&admin, &format!("{list}?page=1000000")).await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{list}: the last page is served"
        );
        for size in ["0", "501", "18446744073709551615"] {
            let (status, p) =
                problem(app.get(&admin, &format!("{list}?page_size={size}")).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{list}: {p}");
            assert_eq!(p["errors"][0]["field"], "page_size", "{list}: {p}");
        }
        let r = app.get(&admin, &format!("{list}?page_size=500")).await;
        assert_eq!(r.status(), StatusCode::OK, "{list}: 500 a page is served");
    }
    let (status, p) = problem(
        app.get(
            &admin,
            "/api/v1/calendar/deadline?from=9999-12-31T00:00:00Z&working_days=10",
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "from");
    let ok_deadline = ok(app
        .get(
            &admin,
            "/api/v1/calendar/deadline?from=2200-12-01T00:00:00Z&working_days=3650",
        )
        .await)
    .await;
    let text = ok_deadline["deadline"].as_str().expect("deadline");
    assert!(
        chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        "RFC 3339: {text}"
    );
    let (status, p) = problem(
        app.post(
            &admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "category": "permits", "title": "远期",
                    "description": "期限", "enterprise_id": f.ent_a,
                    "requested_deadline": "+10000-01-01T00:00:00Z"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "requested_deadline");
    assert_eq!(app.count("cases").await, 0, "nothing stored");
    // Pages.
    let b = Browser::login(&app, "admin").await;
    for path in [
        "/duty?week=-262143-01-01",
        "/enterprises?page=461168601842738792",
        "/system/users?page=461168601842738792",
    ] {
        let (status, _) = b.get(path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    let (status, _) = b.get("/duty").await;
    assert_eq!(status, StatusCode::OK, "the server carries on");
}

/// The OpenAPI document is what clients are generated from: it is held to a reviewed
/// snapshot (`tests/api/snapshots/`), so any change to the outside shows in review. After a
/// deliberate change: `INSTA_UPDATE=always cargo test -p lianxin --test api openapi_document`
/// and review the diff of the snapshot.
#[tokio::test]
async fn the_openapi_document_is_the_reviewed_one() {
    let app = TestApp::spawn().await;
    let doc = app.openapi().await;
    insta::assert_json_snapshot!("openapi_document", doc);
}

/// A body the API declares as an object is refused in any other shape, even one serde could
/// read into the same fields (`[373, 28]` for the screening settings).
#[tokio::test]
async fn a_json_array_is_not_taken_for_an_object() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let before = ok(app.get(&admin, "/api/v1/screening/settings").await).await;
    for body in [json!([380, 7]), json!("text"), json!(5)] {
        let (status, p) = problem(
            app.put_as_sent(&admin, "/api/v1/screening/settings", &body)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], "body");
    }
    assert_eq!(
        ok(app.get(&admin, "/api/v1/screening/settings").await).await,
        before,
        "nothing changed"
    );
    let r = app
        .put_as_sent(
            &admin,
            "/api/v1/screening/settings",
            &json!({"fever_threshold": 375}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// JSON has one kind of number: an integer field takes `376.0` (JSON Schema's integer) as 376,
/// and refuses a fraction (`376.5`) with a 422 naming the field.
#[tokio::test]
async fn a_number_without_a_fraction_is_an_integer() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let r = app
        .put_as_sent(
            &admin,
            "/api/v1/screening/settings",
            &json!({"fever_threshold": 376.0}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let now = ok(app.get(&admin, "/api/v1/screening/settings").await).await;
    assert_eq!(now["fever_threshold"], 376, "{now}");
    let (status, p) = problem(
        app.put_as_sent(
            &admin,
            "/api/v1/screening/settings",
            &json!({"fever_threshold": 376.5}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "fever_threshold", "{p}");
    assert_eq!(
        ok(app.get(&admin, "/api/v1/screening/settings").await).await["fever_threshold"],
        376,
        "nothing changed"
    );
}

/// Every operation documents the problems it may answer (401 and 403 unless anyone may call
/// it, 400 and 422 always, 404 on a record's path, 409 on a write), and its parameters where
/// they go (`in: path` only for the path's own).
#[tokio::test]
async fn every_operation_documents_its_problems() {
    let app = TestApp::spawn().await;
    let doc = app.openapi().await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("item") {
            let codes = op["responses"].as_object().expect("responses");
            let public = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().all(|r| r == &json!({})));
            let mut wanted = vec!["400", "422"];
            if !public {
                wanted.extend(["401", "403"]);
            }
            if path.contains('{') {
                wanted.push("404");
            }
            if method != "get" {
                wanted.push("409");
            }
            for code in wanted {
                assert!(codes.contains_key(code), "{method} {path} documents {code}");
            }
            // Parameters in the path are the path's; every other one is a query parameter.
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().expect("name");
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(
                    p["in"],
                    if in_path { "path" } else { "query" },
                    "{method} {path} {name}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 80, "{checked} operations");
}
