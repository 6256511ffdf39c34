//! 三对一 pairing (issue 15): history and what is in force, gaps, the paired cadre's reach,
//! the sheet import and the CLI's `user add --person`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn cadre(app: &TestApp, t: &str, name: &str, unit: i64, body17: &str) -> i64 {
    let v = ok(app
        .post(
            t,
            "/api/v1/people",
            &json!({"name": name, "unit_id": unit, "kinds": ["cadre"], "id_number": id_number(body17)}),
        )
        .await)
    .await;
    v["id"].as_i64().expect("id")
}

struct Cadres {
    a: i64,
    b: i64,
    c: i64,
    d: i64,
}

async fn setup() -> (TestApp, Fixture, Cadres) {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let c = Cadres {
        a: cadre(&app, &t, "周建国", f.dept, "41010619700101111").await,
        b: cadre(&app, &t, "吴海燕", f.sub_a, "41010619710202222").await,
        c: cadre(&app, &t, "郑志刚", f.sub_b, "41010619720303333").await,
        d: cadre(&app, &t, "孙丽", f.other_dept, "41010619730404444").await,
    };
    (app, f, c)
}

/// A sub-district's pairing editor: `pairing:edit` within sub-district A.
async fn street_editor(app: &TestApp) -> String {
    let admin = app.token("admin").await;
    ok(app
        .post(
            &admin,
            "/api/v1/roles",
            &json!({"code": "street_pairing", "name_zh": "街道包联管理", "data_scope": "unit_and_below",
                    "permissions": ["pairing:list", "pairing:edit", "enterprise:list"]}),
        )
        .await)
    .await;
    add_user(
        app,
        "leader_a",
        "street_pairing",
        Some("410106001"),
        None,
        None,
    )
    .await;
    app.token("leader_a").await
}

fn path(id: i64) -> String {
    format!("/api/v1/enterprises/{id}/pairing")
}

async fn put(app: &TestApp, t: &str, id: i64, body: Value) -> reqwest::Response {
    app.put_as_sent(t, &path(id), &body).await
}

#[tokio::test]
async fn recovery_pairing_set_keep_clear_and_history() {
    let (app, f, c) = setup().await;
    let t = app.token("leader").await;
    let v = ok(put(
        &app,
        &t,
        f.ent_a,
        json!({"leader_person_id": c.a, "instructor_person_id": c.b, "specialist_person_id": c.c, "from": "2020-02-03"}),
    )
    .await)
    .await;
    assert_eq!(v["leader"]["person_id"], c.a);
    assert_eq!(v["leader"]["name"], "周建国");
    assert_eq!(v["leader"]["since"], "2020-02-03");
    assert_eq!(v["specialist"]["person_id"], c.c);
    assert_eq!(v["history"].as_array().unwrap().len(), 3);

    // Omitted keeps, null clears; only the changed roles get a row.
    let v = ok(put(
        &app,
        &t,
        f.ent_a,
        json!({"specialist_person_id": null, "leader_person_id": c.d, "from": "2020-03-02"}),
    )
    .await)
    .await;
    assert_eq!(v["leader"]["person_id"], c.d);
    assert_eq!(v["leader"]["since"], "2020-03-02");
    assert_eq!(v["instructor"]["person_id"], c.b);
    assert_eq!(v["instructor"]["since"], "2020-02-03");
    assert_eq!(v["specialist"]["person_id"], Value::Null);
    assert_eq!(v["specialist"]["since"], "2020-03-02");
    let h = v["history"].as_array().unwrap();
    assert_eq!(h.len(), 5);
    // Latest first.
    assert_eq!(h[0]["from"], "2020-03-02");
    assert_eq!(h[4]["from"], "2020-02-03");
    let dates: Vec<&str> = h.iter().map(|e| e["from"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);

    // The same holder again is no change.
    let v = ok(put(&app, &t, f.ent_a, json!({"instructor_person_id": c.b})).await).await;
    assert_eq!(v["history"].as_array().unwrap().len(), 5);

    // A back-dated change is history; the later one stays in force.
    let v = ok(put(
        &app,
        &t,
        f.ent_a,
        json!({"leader_person_id": c.b, "from": "2020-02-20"}),
    )
    .await)
    .await;
    assert_eq!(v["leader"]["person_id"], c.d);
    assert_eq!(v["history"].as_array().unwrap().len(), 6);
    assert_eq!(v["history"][2]["from"], "2020-02-20");
    assert_eq!(v["history"][2]["person_id"], c.b);

    // Default date: today; GET answers the same.
    let v = ok(put(&app, &t, f.ent_a, json!({"specialist_person_id": c.c})).await).await;
    let got = ok(app.get(&t, &path(f.ent_a)).await).await;
    assert_eq!(got["specialist"], v["specialist"]);
    assert!(
        got["specialist"]["since"].as_str().unwrap() > "2026-01-01"
            || got["specialist"]["since"].as_str().unwrap() > "2024-01-01"
    );
    // The projection matches the history; one audit entry per change that changed something.
    assert_eq!(app.count("enterprise_pairings").await, 1);
    assert_eq!(app.count("pairings").await, 7);
    assert_eq!(
        app.count("audit_log WHERE entity = 'pairing' AND action = 'update'")
            .await,
        4
    );
}

#[tokio::test]
async fn recovery_pairing_refusals() {
    let (app, f, c) = setup().await;
    let t = app.token("leader").await;
    // A person who is not a cadre, and one who does not exist: 422 on each field, nothing written.
    let (status, p) = problem(
        put(
            &app,
            &t,
            f.ent_a,
            json!({"leader_person_id": f.person_a, "specialist_person_id": 999999, "instructor_person_id": c.b}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["leader_person_id", "specialist_person_id"]);
    assert_eq!(app.count("pairings").await, 0);
    // A date in the future, before 1900, not a date.
    for from in ["2999-01-01", "1899-12-31", "2020-02-30", "x"] {
        let (status, p) = problem(
            put(
                &app,
                &t,
                f.ent_a,
                json!({"leader_person_id": c.a, "from": from}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{from}: {p}");
        assert_eq!(p["errors"][0]["field"], "from", "{from}: {p}");
    }
    // Not a number.
    let (status, _) =
        problem(put(&app, &t, f.ent_a, json!({"leader_person_id": "abc"})).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("pairings").await, 0);
    // Without pairing:edit: 403.
    let staff = app.token("department_staff").await;
    let (status, _) =
        problem(put(&app, &staff, f.ent_a, json!({"leader_person_id": c.a})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another scope's firm: 404; unknown firm: 404.
    let la = street_editor(&app).await;
    let (status, _) =
        problem(put(&app, &la, f.ent_b, json!({"leader_person_id": c.a})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = problem(app.get(&la, &path(f.ent_b)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = problem(put(&app, &t, 987654, json!({"leader_person_id": c.a})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    ok(put(&app, &la, f.ent_a, json!({"leader_person_id": c.a})).await).await;
    assert_eq!(app.count("pairings").await, 1);
}

#[tokio::test]
async fn recovery_pairing_gaps_paged_and_after_changes() {
    let (app, f, c) = setup().await;
    let t = app.token("leader").await;
    let gaps = ok(app.get(&t, "/api/v1/pairing/gaps").await).await;
    assert_eq!(gaps["total"], 2);
    assert_eq!(gaps["items"][0]["enterprise_id"], f.ent_a);
    assert_eq!(
        gaps["items"][0]["missing"],
        json!(["leader", "instructor", "specialist"])
    );
    ok(put(
        &app,
        &t,
        f.ent_a,
        json!({"leader_person_id": c.a, "instructor_person_id": c.b, "specialist_person_id": c.c}),
    )
    .await)
    .await;
    ok(put(
        &app,
        &t,
        f.ent_b,
        json!({"leader_person_id": c.a, "specialist_person_id": c.d}),
    )
    .await)
    .await;
    let gaps = ok(app.get(&t, "/api/v1/pairing/gaps").await).await;
    assert_eq!(gaps["total"], 1);
    assert_eq!(gaps["items"][0]["enterprise_id"], f.ent_b);
    assert_eq!(gaps["items"][0]["name"], "郑州矿山机械有限公司");
    assert_eq!(gaps["items"][0]["missing"], json!(["instructor"]));
    ok(put(&app, &t, f.ent_a, json!({"specialist_person_id": null})).await).await;
    let page1 = ok(app.get(&t, "/api/v1/pairing/gaps?page=1&page_size=1").await).await;
    let page2 = ok(app.get(&t, "/api/v1/pairing/gaps?page=2&page_size=1").await).await;
    assert_eq!(page1["total"], 2);
    assert_eq!(page1["items"][0]["enterprise_id"], f.ent_a);
    assert_eq!(page1["items"][0]["missing"], json!(["specialist"]));
    assert_eq!(page2["items"][0]["enterprise_id"], f.ent_b);
    // Within scope: a sub-district's leader sees its own firm only.
    let la = street_editor(&app).await;
    let gaps = ok(app.get(&la, "/api/v1/pairing/gaps").await).await;
    assert_eq!(gaps["total"], 1);
    assert_eq!(gaps["items"][0]["enterprise_id"], f.ent_a);
    // Bad paging: 422; no permission: 403.
    let (status, _) = problem(app.get(&t, "/api/v1/pairing/gaps?page_size=0").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let contact = app.token("enterprise_contact").await;
    let (status, _) = problem(app.get(&contact, "/api/v1/pairing/gaps").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn recovery_pairing_cadre_reads_paired_firm_until_unpaired() {
    let (app, f, c) = setup().await;
    let admin = app.token("admin").await;
    let t = app.token("leader").await;
    // An appeal of firm B (sub-district B).
    let appeal = ok(app
        .post(
            &admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "category": "workforce", "title": "用工缺口", "enterprise_id": f.ent_b, "source": "hotline"}),
        )
        .await)
    .await;
    // A service cadre of sub-district A, acting as cadre B.
    add_user(
        &app,
        "cadre_b",
        "service_cadre",
        Some("410106001"),
        None,
        Some(c.b),
    )
    .await;
    let cb = app.token("cadre_b").await;
    let firm = format!("/api/v1/enterprises/{}", f.ent_b);
    let cases = format!("/api/v1/cases?enterprise_id={}", f.ent_b);
    let (status, _) = problem(app.get(&cb, &firm).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list = ok(app.get(&cb, &cases).await).await;
    assert_eq!(list["total"], 0);
    let mine = ok(app.get(&cb, "/api/v1/pairing/mine").await).await;
    assert_eq!(mine["total"], 0);

    ok(put(
        &app,
        &t,
        f.ent_b,
        json!({"instructor_person_id": c.b, "from": "2020-02-03"}),
    )
    .await)
    .await;
    let e = ok(app.get(&cb, &firm).await).await;
    assert_eq!(e["id"], f.ent_b);
    let list = ok(app.get(&cb, &cases).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], appeal["id"]);
    let one = ok(app
        .get(&cb, &format!("/api/v1/cases/{}", appeal["id"]))
        .await)
    .await;
    assert_eq!(one["id"], appeal["id"]);
    let mine = ok(app.get(&cb, "/api/v1/pairing/mine").await).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["enterprise_id"], f.ent_b);
    assert_eq!(mine["items"][0]["roles"], json!(["instructor"]));
    assert_eq!(mine["items"][0]["open_appeals"], 1);
    // The cadre reads the pairing but may not change it (a grant reads only).
    ok(app.get(&cb, &path(f.ent_b)).await).await;
    let (status, _) =
        problem(put(&app, &cb, f.ent_b, json!({"leader_person_id": c.b})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Unpaired: out of reach again.
    ok(put(&app, &t, f.ent_b, json!({"instructor_person_id": null})).await).await;
    let (status, _) = problem(app.get(&cb, &firm).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list = ok(app.get(&cb, &cases).await).await;
    assert_eq!(list["total"], 0);
    let mine = ok(app.get(&cb, "/api/v1/pairing/mine").await).await;
    assert_eq!(mine["total"], 0);
}

#[tokio::test]
async fn recovery_pairing_cli_user_add_person() {
    let (app, f, c) = setup().await;
    let url = app.db_url.clone();
    let add = |username: &str, number: &str| {
        lianxin_cli()
            .args([
                "user",
                "add",
                "--db",
                &url,
                "--username",
                username,
                "--role",
                "service_cadre",
                "--unit",
                "410106001",
                "--person",
                number,
            ])
            .env("LIANXIN_PASSWORD", PASSWORD)
            .output()
            .expect("user add")
    };
    let out = add("zhou", &id_number("41010619700101111"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The login acts as the cadre: paired with firm B, it reads it.
    let zhou = app.token("zhou").await;
    let firm = format!("/api/v1/enterprises/{}", f.ent_b);
    let (status, _) = problem(app.get(&zhou, &firm).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let t = app.token("leader").await;
    ok(put(&app, &t, f.ent_b, json!({"leader_person_id": c.a})).await).await;
    ok(app.get(&zhou, &firm).await).await;
    let mine = ok(app.get(&zhou, "/api/v1/pairing/mine").await).await;
    assert_eq!(mine["items"][0]["roles"], json!(["leader"]));
    let out = add("nobody1", &id_number("41010619990909999"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no person"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[tokio::test]
async fn recovery_pairing_pages() {
    let (app, f, c) = setup().await;
    add_user(
        &app,
        "cadre_b",
        "service_cadre",
        Some("410106001"),
        None,
        Some(c.b),
    )
    .await;
    let b = Browser::login(&app, "leader").await;
    let (status, html) = b.get("/recovery/pairing").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("包联缺口") && html.contains("郑州矿山机械有限公司"));
    assert!(html.contains("/recovery/pairing/"));
    let (status, html) = b.get(&format!("/recovery/pairing/{}", f.ent_b)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("pairing-form") && html.contains("吴海燕"));
    let csrf = b.csrf().await;
    let form_path = format!("/recovery/pairing/{}", f.ent_b);
    let pb = c.b.to_string();
    let pa = c.a.to_string();
    let r = b
        .post(
            &form_path,
            &[
                ("_csrf", csrf.as_str()),
                ("leader_person_id", pa.as_str()),
                ("instructor_person_id", pb.as_str()),
                ("specialist_person_id", ""),
                ("from", "2020-02-03"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.token("leader").await;
    let v = ok(app.get(&t, &path(f.ent_b)).await).await;
    assert_eq!(v["leader"]["person_id"], c.a);
    assert_eq!(v["instructor"]["person_id"], c.b);
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    // A refusal is shown on the page, nothing written.
    let r = b
        .post(
            &form_path,
            &[
                ("_csrf", csrf.as_str()),
                ("leader_person_id", pa.as_str()),
                ("from", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("起始日期"));
    // The paired cadre's own list.
    let cb = Browser::login(&app, "cadre_b").await;
    let (status, html) = cb.get("/recovery/pairing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("我的包联企业") && html.contains("郑州矿山机械有限公司"));
    assert!(html.contains("党建指导员"));
    let (status, html) = cb.get(&form_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("pairing-form"));
    let (status, _) = cb.get("/recovery/pairing?tab=nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn upload(app: &TestApp, token: &str, csv: String) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes())
            .file_name("包联.csv")
            .mime_str("text/csv")
            .expect("mime"),
    );
    app.client
        .post(app.url("/api/v1/pairing/import"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

#[tokio::test]
async fn recovery_pairing_sheet_import_all_or_nothing() {
    let (app, f, c) = setup().await;
    let _ = c;
    let t = app.token("leader").await;
    let a = id_number("41010619700101111");
    let b = id_number("41010619710202222");
    let cc = id_number("41010619720303333");
    let not_cadre = id_number("41010619850312101");
    let head = "统一社会信用代码,分包领导身份证号,党建指导员身份证号,服务专员身份证号,起始日期\n";
    let ua = uscc("MA44AAA1");
    let ub = uscc("MA44BBB2");
    // Three bad rows (unknown firm, a non-cadre, a future date) and a good one: nothing lands.
    let bad = format!(
        "{head}{ua},{a},{b},{cc},2020-02-03\n91410106MA44ZZZZ00,{a},,,\n{ub},{not_cadre},,,2020-02-03\n{ub},{a},,,2999-01-01\n"
    );
    let r = upload(&app, &t, bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let rows: Vec<i64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4, 5], "{v}");
    assert_eq!(v["errors"][1]["column"], "分包领导身份证号");
    assert_eq!(app.count("pairings").await, 0);
    assert_eq!(app.count("enterprise_pairings").await, 0);

    let good = format!("{head}{ua},{a},{b},{cc},2020-02-03\n{ub},{b},,无,2020-03-01\n");
    let r = upload(&app, &t, good).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["rows"], 2, "{v}");
    assert!(v["errors"].as_array().unwrap().is_empty());
    let pa = ok(app.get(&t, &path(f.ent_a)).await).await;
    assert_eq!(pa["specialist"]["name"], "郑志刚");
    let pb = ok(app.get(&t, &path(f.ent_b)).await).await;
    assert_eq!(pb["leader"]["name"], "吴海燕");
    assert_eq!(pb["leader"]["since"], "2020-03-01");
    assert_eq!(pb["instructor"]["person_id"], Value::Null);
    let gaps = ok(app.get(&t, "/api/v1/pairing/gaps").await).await;
    assert_eq!(gaps["total"], 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'pairing' AND action = 'import'")
            .await,
        1
    );
    // Without pairing:edit: 403; the template downloads.
    let staff = app.token("department_staff").await;
    let r = upload(&app, &staff, format!("{head}{ua},{a},,,\n")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.get(&t, "/api/v1/pairing/template").await;
    assert_eq!(r.status(), StatusCode::OK);
    let b = Browser::login(&app, "leader").await;
    let (status, html) = b.get("/recovery/pairing/import").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("import-form"));
    // A pairing row replaces the firm's pairing: no "update existing" box to tick for nothing.
    assert!(!html.contains("name=\"update_existing\""));
}

#[tokio::test]
async fn recovery_pairing_batch_from_the_enterprise_list() {
    let (app, f, c) = setup().await;
    let b = Browser::login(&app, "leader").await;
    let (status, html) = b.get("/enterprises").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("batch-pairing") && html.contains("设定包联"));
    let csrf = b.csrf().await;
    let ids = format!("{},{}", f.ent_a, f.ent_b);
    let r = b
        .post(
            "/recovery/pairing/batch",
            &[("_csrf", csrf.as_str()), ("ids", ids.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("pairing-batch-form") && html.contains("郑州矿山机械有限公司"));
    let t = app.token("leader").await;
    ok(put(
        &app,
        &t,
        f.ent_a,
        json!({"instructor_person_id": c.c, "from": "2020-02-03"}),
    )
    .await)
    .await;
    let pa = c.a.to_string();
    let r = b
        .post(
            "/recovery/pairing/batch",
            &[
                ("_csrf", csrf.as_str()),
                ("ids", ids.as_str()),
                ("apply", "1"),
                ("leader_person_id", pa.as_str()),
                ("instructor_person_id", ""),
                ("specialist_person_id", "none"),
                ("from", "2020-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("batch-done"));
    for e in [f.ent_a, f.ent_b] {
        let v = ok(app.get(&t, &path(e)).await).await;
        assert_eq!(v["leader"]["person_id"], c.a);
        assert_eq!(v["leader"]["since"], "2020-03-01");
    }
    // An empty picker kept each firm's instructor.
    let v = ok(app.get(&t, &path(f.ent_a)).await).await;
    assert_eq!(v["instructor"]["person_id"], c.c);
    // A firm out of the editor's scope refuses them all.
    street_editor(&app).await;
    let sb = Browser::login(&app, "leader_a").await;
    let street_csrf = sb.csrf().await;
    let pb = c.b.to_string();
    let before = app.count("pairings").await;
    let r = sb
        .post(
            "/recovery/pairing/batch",
            &[
                ("_csrf", street_csrf.as_str()),
                ("ids", ids.as_str()),
                ("apply", "1"),
                ("leader_person_id", pb.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("pairings").await, before);
    // Nothing ticked: 422; no batch action without pairing:edit.
    let r = b
        .post("/recovery/pairing/batch", &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let staff = Browser::login(&app, "department_staff").await;
    let (_, html) = staff.get("/enterprises").await;
    assert!(!html.contains("batch-pairing"));
}

#[tokio::test]
async fn recovery_pairing_users_linked_to_persons() {
    let (app, f, c) = setup().await;
    let admin = app.token("admin").await;
    let leader = app.token("leader").await;
    ok(put(&app, &leader, f.ent_b, json!({"specialist_person_id": c.c})).await).await;
    // The API: a person that does not exist is refused on person_id.
    let (status, p) = problem(
        app.post(
            &admin,
            "/api/v1/users",
            &json!({"username": "zheng", "password": PASSWORD, "roles": ["service_cadre"],
                    "unit_code": "410106001", "person_id": 999999}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "person");
    let u = ok(app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "zheng", "password": PASSWORD, "roles": ["service_cadre"],
                    "unit_code": "410106001"}),
        )
        .await)
    .await;
    let uid = u["id"].as_i64().unwrap();
    let zheng = app.token("zheng").await;
    let firm = format!("/api/v1/enterprises/{}", f.ent_b);
    let (status, _) = problem(app.get(&zheng, &firm).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, p) = problem(
        app.put_as_sent(
            &admin,
            &format!("/api/v1/users/{uid}"),
            &json!({"person_id": 999999}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "person_id");
    let v = ok(app
        .put_as_sent(
            &admin,
            &format!("/api/v1/users/{uid}"),
            &json!({"person_id": c.c}),
        )
        .await)
    .await;
    assert_eq!(v["person_id"], c.c);
    let zheng = app.token("zheng").await;
    ok(app.get(&zheng, &firm).await).await;
    // Omitted keeps; null unlinks.
    let v = ok(app
        .put_as_sent(
            &admin,
            &format!("/api/v1/users/{uid}"),
            &json!({"display_name": "郑"}),
        )
        .await)
    .await;
    assert_eq!(v["person_id"], c.c);
    let v = ok(app
        .put_as_sent(
            &admin,
            &format!("/api/v1/users/{uid}"),
            &json!({"person_id": null}),
        )
        .await)
    .await;
    assert_eq!(v["person_id"], Value::Null);
    let zheng = app.token("zheng").await;
    let (status, _) = problem(app.get(&zheng, &firm).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The user pages: 关联人员 by identity number.
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/system/users/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("person_id_number") && html.contains("关联人员"));
    let csrf = b.csrf().await;
    let unknown = id_number("41010619990909999");
    let r = b
        .post(
            "/system/users",
            &[
                ("_csrf", csrf.as_str()),
                ("username", "sun"),
                ("password", PASSWORD),
                ("role", "service_cadre"),
                ("unit_code", "410106001"),
                ("person_id_number", unknown.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let known = id_number("41010619720303333");
    let r = b
        .post(
            "/system/users",
            &[
                ("_csrf", csrf.as_str()),
                ("username", "sun"),
                ("password", PASSWORD),
                ("role", "service_cadre"),
                ("unit_code", "410106001"),
                ("person_id_number", known.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sun = app.token("sun").await;
    ok(app.get(&sun, &firm).await).await;
    // The edit page links and unlinks.
    let (status, html) = b.get(&format!("/system/users/{uid}/edit")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("person_id_number"));
    let r = b
        .post(
            &format!("/system/users/{uid}"),
            &[
                ("_csrf", csrf.as_str()),
                ("display_name", "郑"),
                ("roles", "service_cadre"),
                ("active", "on"),
                ("person_id_number", known.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let zheng = app.token("zheng").await;
    ok(app.get(&zheng, &firm).await).await;
    let r = b
        .post(
            &format!("/system/users/{uid}"),
            &[
                ("_csrf", csrf.as_str()),
                ("display_name", "郑"),
                ("roles", "service_cadre"),
                ("active", "on"),
                ("person_id_number", unknown.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post(
            &format!("/system/users/{uid}"),
            &[
                ("_csrf", csrf.as_str()),
                ("display_name", "郑"),
                ("roles", "service_cadre"),
                ("active", "on"),
                ("person_id_number", "无"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let zheng = app.token("zheng").await;
    let (status, _) = problem(app.get(&zheng, &firm).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
