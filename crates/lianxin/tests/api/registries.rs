//! Registry CRUD, search, paging, validation with check characters, masking and audit.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn crud_with_minimal_payloads_and_search() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    // Minimal creates as CONTRACT.md promises.
    let r = app
        .post(
            &t,
            "/api/v1/units",
            &json!({"name": "丙社区", "kind": "community", "parent_id": f.sub_a}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let unit: Value = r.json().await.unwrap();
    assert!(
        unit["code"].as_str().unwrap().starts_with("410106001-"),
        "{unit}"
    );
    let r = app
        .post(
            &t,
            "/api/v1/people",
            &json!({"name": "孙丽", "unit_id": unit["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let code = uscc("MA44CCC3");
    let r = app
        .post(
            &t,
            "/api/v1/enterprises",
            &json!({"name": "郑州铝都新材料有限公司", "uscc": code, "unit_id": f.sub_a}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["ownership"], "private");
    assert_eq!(e["unit_name"], "济源路街道");
    let id = e["id"].as_i64().unwrap();

    // Search and paging.
    let list: Value = app
        .get(&t, "/api/v1/enterprises?q=铝都")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    let list: Value = app
        .get(&t, &format!("/api/v1/enterprises?q={}", &code[8..]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let list: Value = app
        .get(&t, "/api/v1/enterprises?page=1&page_size=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let list: Value = app
        .get(&t, "/api/v1/enterprises?page=2&page_size=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list: Value = app
        .get(&t, &format!("/api/v1/units?under={}", f.sub_a))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["total"], 3,
        "sub-district, its community and the new one"
    );

    // Update and delete.
    let r = app
        .put(&t, &format!("/api/v1/enterprises/{id}"), &json!({"name": "郑州铝都新材料股份有限公司", "uscc": code, "unit_id": f.sub_b, "employee_count": 88}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let e: Value = app
        .get(&t, &format!("/api/v1/enterprises/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["employee_count"], 88);
    assert_eq!(e["unit_name"], "矿山街道");
    assert_eq!(
        app.delete(&t, &format!("/api/v1/enterprises/{id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&t, &format!("/api/v1/enterprises/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A unit with children cannot be deleted: 409 with the reason.
    let (status, body) = problem(app.delete(&t, &format!("/api/v1/units/{}", f.sub_a)).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["detail"].as_str().unwrap().contains("不能删除"));

    // Every change is in the audit log with who and what.
    let audit: Value = app
        .get(
            &t,
            &format!("/api/v1/audit?entity=enterprise&entity_id={id}"),
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["delete", "update", "create"]);
    assert_eq!(audit["items"][0]["username"], "admin");
    assert_eq!(audit["items"][0]["ip"], "127.0.0.1");
}

#[tokio::test]
async fn moving_a_unit_moves_its_subtree_in_the_scope() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    // Move community A under sub-district B: B's subtree now holds both communities.
    let r = app
        .put(
            &t,
            &format!("/api/v1/units/{}", f.community_a),
            &json!({"name": "甲社区", "kind": "community", "parent_id": f.sub_b}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let list: Value = app
        .get(&t, &format!("/api/v1/units?under={}", f.sub_b))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3);
    let list: Value = app
        .get(&t, &format!("/api/v1/people?unit_id={}", f.sub_b))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["total"], 3,
        "李娜, 张伟 and 赵敏 are below 矿山街道 now"
    );
    // A unit cannot move under its own descendant.
    let (status, body) = problem(
        app.put(
            &t,
            &format!("/api/v1/units/{}", f.sub_b),
            &json!({"name": "矿山街道", "kind": "subdistrict", "parent_id": f.community_a}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "parent_id");
}

async fn expect_field_error(
    app: &TestApp,
    t: &str,
    path: &str,
    body: Value,
    field: &str,
    code: &str,
) -> Value {
    let r = app.post(t, path, &body).await;
    let (status, p) = problem(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
    let e = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .cloned();
    let e = e.unwrap_or_else(|| panic!("no error on {field} in {p}"));
    assert_eq!(e["code"], code, "{p}");
    e
}

#[tokio::test]
async fn credit_codes_are_checked_with_their_check_characters() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let good = uscc("MA44DDD4");
    let before = app.count("enterprises").await;
    let wrong_last = {
        let mut s = good.clone();
        let last = s.pop().unwrap();
        s.push(if last == '0' { '1' } else { '0' });
        s
    };
    let e = expect_field_error(
        &app,
        &t,
        "/api/v1/enterprises",
        json!({"name": "甲", "uscc": wrong_last, "unit_id": f.sub_a}),
        "uscc",
        "check_char",
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("校验位"), "{e}");
    // Embedded organisation-code check character (position 17).
    let wrong_org = {
        let mut c: Vec<char> = good.chars().collect();
        c[16] = if c[16] == '0' { '1' } else { '0' };
        c.into_iter().collect::<String>()
    };
    expect_field_error(
        &app,
        &t,
        "/api/v1/enterprises",
        json!({"name": "甲", "uscc": wrong_org, "unit_id": f.sub_a}),
        "uscc",
        "check_char",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/enterprises",
        json!({"name": "甲", "uscc": &good[..17], "unit_id": f.sub_a}),
        "uscc",
        "length",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/enterprises",
        json!({"name": "甲", "uscc": format!("{}I", &good[..17]), "unit_id": f.sub_a}),
        "uscc",
        "charset",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/enterprises",
        json!({"name": "甲", "unit_id": f.sub_a}),
        "uscc",
        "required",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/enterprises",
        json!({"name": "甲", "uscc": good, "unit_id": f.community_a}),
        "unit_id",
        "unknown",
    )
    .await;
    // English messages on request.
    let r = app
        .post_en(
            &t,
            "/api/v1/enterprises",
            &json!({"name": "甲", "uscc": wrong_last, "unit_id": f.sub_a}),
        )
        .await;
    let (_, p) = problem(r).await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("check character"),
        "{p}"
    );
    // Nothing was stored by any of these.
    assert_eq!(app.count("enterprises").await, before);
    // Lower case is accepted and normalised.
    let r = app
        .post(
            &t,
            "/api/v1/enterprises",
            &json!({"name": "甲", "uscc": good.to_lowercase(), "unit_id": f.sub_a}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // The same code twice is refused on the field.
    expect_field_error(
        &app,
        &t,
        "/api/v1/enterprises",
        json!({"name": "乙", "uscc": good, "unit_id": f.sub_a}),
        "uscc",
        "duplicate",
    )
    .await;
}

#[tokio::test]
async fn identity_numbers_and_phones_are_validated() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let good = id_number("41010619900307123");
    let before = app.count("people").await;
    let wrong = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let p = |id: &str| json!({"name": "测试", "unit_id": f.community_a, "id_number": id});
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        p(&wrong),
        "id_number",
        "check_char",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        p(&good[..17]),
        "id_number",
        "length",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        p("41010619900307A23X"),
        "id_number",
        "charset",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        p(&id_number("99010619900307123")),
        "id_number",
        "region",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        p(&id_number("41010619900230123")),
        "id_number",
        "birth_date",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        p(&id_number("41010630000101123")),
        "id_number",
        "birth_date",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        json!({"name": "测试", "unit_id": f.community_a, "phone": "12345"}),
        "phone",
        "format",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        json!({"unit_id": f.community_a}),
        "name",
        "required",
    )
    .await;
    expect_field_error(
        &app,
        &t,
        "/api/v1/people",
        json!({"name": "测试"}),
        "unit_id",
        "required",
    )
    .await;
    assert_eq!(app.count("people").await, before);
    // A valid one; gender is derived from the number.
    let r = app.post(&t, "/api/v1/people", &p(&good)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["gender"], "male");
}

#[tokio::test]
async fn a_failing_check_character_needs_an_audited_override() {
    let (app, f) = TestApp::with_fixture().await;
    let good = uscc("MA44EEE5");
    let legacy = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    // Without a reason even an admin is refused.
    let admin = app.token("admin").await;
    let body = json!({"name": "老字号企业", "uscc": legacy, "unit_id": f.sub_a});
    assert_eq!(
        app.post(&admin, "/api/v1/enterprises", &body)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // An organisation-department user has no override permission: a reason does not help.
    let mut with_reason = body.clone();
    with_reason["override_reason"] = json!("1998 年工商登记的历史代码，经核实真实有效");
    let org = app.token("organization").await;
    let valid = id_number("41010619700101111");
    let legacy_id = format!(
        "{}{}",
        &valid[..17],
        if valid.ends_with('0') { '1' } else { '0' }
    );
    let person = json!({"name": "老证件", "unit_id": f.community_a, "id_number": legacy_id, "override_reason": "历史证件"});
    let r = app.post(&org, "/api/v1/people", &person).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The admin with a reason: accepted, flagged and audited.
    let r = app.post(&admin, "/api/v1/enterprises", &with_reason).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["uscc_override_reason"]
            .as_str()
            .unwrap()
            .contains("历史代码")
    );
    let audit: Value = app
        .get(&admin, "/api/v1/audit?action=override")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["items"][0]["entity_id"], e["id"].to_string());
    // Other failures (length, charset) cannot be overridden.
    let mut short = with_reason.clone();
    short["uscc"] = json!(&good[..16]);
    assert_eq!(
        app.post(&admin, "/api/v1/enterprises", &short)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn personal_numbers_are_masked_unless_permitted_and_reads_are_audited() {
    let (app, f) = TestApp::with_fixture().await;
    let leader = app.token("leader").await;
    let v: Value = app
        .get(&leader, &format!("/api/v1/people/{}", f.person_a))
        .await
        .json()
        .await
        .unwrap();
    let id = v["id_number"].as_str().unwrap();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("410***********"), "{id}");
    assert_eq!(v["phone"], "138****0001");
    assert_eq!(v["unmasked"], false);
    let org = app.token("organization").await;
    let v: Value = app
        .get(&org, &format!("/api/v1/people/{}", f.person_a))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["id_number"], id_number("41010619850312101"));
    assert_eq!(v["unmasked"], true);
    let admin = app.token("admin").await;
    let audit: Value = app
        .get(&admin, &format!("/api/v1/audit?action=read_sensitive&entity=person&username=organization&entity_id={}", f.person_a))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["items"][0]["username"], "organization");
    // A list read of unmasked numbers is audited too; a masked one is not.
    let before: Value = app
        .get(&admin, "/api/v1/audit?action=read_sensitive")
        .await
        .json()
        .await
        .unwrap();
    app.get(&leader, "/api/v1/people").await;
    let after: Value = app
        .get(&admin, "/api/v1/audit?action=read_sensitive")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["total"], after["total"]);
    app.get(&org, "/api/v1/people").await;
    let after: Value = app
        .get(&admin, "/api/v1/audit?action=read_sensitive")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["total"].as_u64().unwrap(),
        before["total"].as_u64().unwrap() + 1
    );
}

#[tokio::test]
async fn the_demo_district_loads_through_the_services() {
    let app = TestApp::spawn().await;
    lianxin::demo::load(&app.db, false)
        .await
        .expect("demo loads");
    let t = {
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": "admin", "password": lianxin::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    };
    let count = |kind: &'static str| {
        let app = &app;
        let t = t.clone();
        async move {
            let v: Value = app
                .get(&t, &format!("/api/v1/units?kind={kind}&page_size=1"))
                .await
                .json()
                .await
                .unwrap();
            v["total"].as_u64().unwrap()
        }
    };
    assert_eq!(count("district").await, 1);
    assert_eq!(count("subdistrict").await, 5);
    assert_eq!(count("town").await, 1);
    assert_eq!(count("task_force").await, 36);
    assert_eq!(count("service_team").await, 162);
    let e: Value = app
        .get(&t, "/api/v1/enterprises?page_size=1")
        .await
        .json()
        .await
        .unwrap();
    assert!(e["total"].as_u64().unwrap() >= 300);
    let seed: Value = app
        .get(&t, "/api/v1/enterprises?q=长城科工贸")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seed["total"], 1);
    // Every demo role can log in.
    for (user, _, _) in lianxin::demo::DEMO_LOGINS {
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": user, "password": lianxin::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{user}");
    }
    // The demo refuses a database that is not empty.
    assert!(!lianxin::demo::is_empty(&app.db).await.unwrap());
}
