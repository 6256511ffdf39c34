//! Privacy and access through the real interface: cadre details per role (API, page, both
//! export formats, audit), numbers masked the same everywhere and kept through an edit by
//! those who see them masked, placement fields that stay within the writer's reach, and
//! records outside the scope that answer exactly as missing ones.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const POSITION: &str = "工业和信息化局副局长";
const CAREER: &str = "2005年起在区工信局工作，历任科员、科长";

/// A problem body without what differs between any two answers (the request's own ids).
fn shape(mut p: Value) -> Value {
    if let Some(o) = p.as_object_mut() {
        o.remove("instance");
        o.remove("request_id");
    }
    p
}

fn fields(p: &Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_owned(),
                        e["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The stored identity number and phone of a person, as the admin reads them.
async fn numbers(app: &TestApp, admin: &str, path: &str) -> (String, String) {
    let v = ok(app.get(admin, path).await).await;
    (
        v["id_number"].as_str().unwrap_or("").to_owned(),
        v["phone"].as_str().unwrap_or("").to_owned(),
    )
}

async fn audits(app: &TestApp, entity: &str, like: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE action = 'read_sensitive' AND entity = '{entity}' AND summary LIKE '%{like}%'"
    ))
    .await
}

async fn text(app: &TestApp, token: &str, path: &str) -> String {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.expect("text")
}

/// The first row (headers) and all cells of an xlsx export, as text.
async fn xlsx(app: &TestApp, token: &str, path: &str) -> (Vec<String>, String) {
    use calamine::Reader;
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let bytes = r.bytes().await.expect("bytes").to_vec();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let mut rows = range.rows();
    let header = rows
        .next()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default();
    let all = range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("|");
    (header, all)
}

#[tokio::test]
async fn cadre_details_are_the_organisation_departments_and_each_read_is_audited() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let body = json!({"name": "王强", "unit_id": f.dept, "kinds": ["cadre"],
        "id_number": id_number("41010619800101303"), "position": POSITION, "rank": "副处级",
        "career": CAREER, "expertise": "产业政策", "traits": "稳重"});
    ok(app
        .put(&admin, &format!("/api/v1/people/{}", f.dept_person), &body)
        .await)
    .await;

    // The API: every role that reads the person, with or without the details.
    for (role, shown) in [
        ("admin", true),
        ("organization", true),
        ("leader", false),
        ("supervisor", false),
        ("department_staff", false),
    ] {
        let t = app.token(role).await;
        let before = audits(&app, "person", "cadre details").await;
        let p = ok(app
            .get(&t, &format!("/api/v1/people/{}", f.dept_person))
            .await)
        .await;
        assert_eq!(p["cadre_details"], shown, "{role}");
        for field in ["position", "rank", "career", "expertise", "traits"] {
            assert_eq!(p[field].is_null(), !shown, "{role}: {field}");
        }
        let listed = ok(app
            .get(&t, &format!("/api/v1/people?q=王强&unit_id={}", f.dept))
            .await)
        .await;
        assert_eq!(listed["items"][0]["position"].is_null(), !shown, "{role}");
        let after = audits(&app, "person", "cadre details").await;
        assert_eq!(
            after - before,
            if shown { 2 } else { 0 },
            "{role}: each read of cadre details is audited, and only those"
        );
    }

    // The page.
    for (role, shown) in [
        ("organization", true),
        ("leader", false),
        ("supervisor", false),
    ] {
        let b = Browser::login(&app, role).await;
        let (status, html) = b.get(&format!("/people/{}", f.dept_person)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(html.contains(POSITION), shown, "{role}: the person page");
    }
    let org = Browser::login(&app, "organization").await;
    let (_, form) = org.get(&format!("/people/{}/edit", f.dept_person)).await;
    assert!(form.contains(POSITION) && form.contains("name=\"career\""));

    // Both export formats: the leader's has no cadre columns, the organisation's has them.
    let leader = app.token("leader").await;
    let org_t = app.token("organization").await;
    let csv = text(&app, &leader, "/api/v1/export/people?format=csv").await;
    assert!(!csv.contains("职务") && !csv.contains(POSITION) && !csv.contains("个性特点"));
    assert!(csv.contains("王强"));
    let (header, all) = xlsx(&app, &leader, "/api/v1/export/people").await;
    assert!(
        !header.iter().any(|h| h == "职务" || h == "工作履历"),
        "{header:?}"
    );
    assert!(!all.contains(POSITION) && all.contains("王强"));
    let before = app
        .count("audit_log WHERE entity = 'person' AND summary LIKE '%with cadre details%'")
        .await;
    let csv = text(&app, &org_t, "/api/v1/export/people?format=csv").await;
    assert!(csv.contains("职务") && csv.contains(POSITION));
    let (header, all) = xlsx(&app, &org_t, "/api/v1/export/people").await;
    assert!(header.iter().any(|h| h == "职务"));
    assert!(all.contains(POSITION) && all.contains(CAREER));
    let after = app
        .count("audit_log WHERE entity = 'person' AND summary LIKE '%with cadre details%'")
        .await;
    assert_eq!(
        after - before,
        2,
        "each export with cadre details is audited"
    );

    // Writes: without the permission, a cadre detail is refused (naming the field) and
    // nothing changes; left out, the stored details stay.
    let contact = app.token("enterprise_contact").await;
    let before = app.count("people").await;
    let (status, p) = problem(
        app.post(
            &contact,
            "/api/v1/people",
            &json!({"name": "新职工", "enterprise_id": f.ent_a,
            "kinds": ["employee"], "position": "车间主任"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&p), vec![("position".into(), "forbidden".into())]);
    assert_eq!(app.count("people").await, before);
    ok(app
        .put(
            &admin,
            &format!("/api/v1/people/{}", f.employee_a),
            &json!({"name": "陈静",
            "unit_id": f.sub_a, "enterprise_id": f.ent_a, "kinds": ["employee"],
            "id_number": id_number("41010619920909606"), "position": "车间主任"}),
        )
        .await)
    .await;
    let (status, p) = problem(
        app.put(
            &contact,
            &format!("/api/v1/people/{}", f.employee_a),
            &json!({"name": "陈静",
            "enterprise_id": f.ent_a, "kinds": ["employee"], "rank": "科级"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&p), vec![("rank".into(), "forbidden".into())]);
    let v = ok(app
        .put(
            &contact,
            &format!("/api/v1/people/{}", f.employee_a),
            &json!({"name": "陈静静",
            "enterprise_id": f.ent_a, "kinds": ["employee"]}),
        )
        .await)
    .await;
    assert!(v["position"].is_null(), "the contact does not see it");
    let stored = ok(app
        .get(&admin, &format!("/api/v1/people/{}", f.employee_a))
        .await)
    .await;
    assert_eq!(stored["name"], "陈静静");
    assert_eq!(stored["position"], "车间主任", "left out, it stays");
    // The organisation department writes them.
    let v = ok(app
        .put(
            &org_t,
            &format!("/api/v1/people/{}", f.employee_a),
            &json!({"name": "陈静",
            "enterprise_id": f.ent_a, "kinds": ["employee"], "position": "班组长"}),
        )
        .await)
    .await;
    assert_eq!(v["position"], "班组长");
}

#[tokio::test]
async fn masked_numbers_survive_an_edit_by_someone_who_sees_them_masked() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let contact = app.token("enterprise_contact").await;
    let id_a = id_number("41010619920909606");
    ok(app
        .put(
            &admin,
            &format!("/api/v1/people/{}", f.employee_a),
            &json!({"name": "陈静",
            "unit_id": f.sub_a, "enterprise_id": f.ent_a, "kinds": ["employee"],
            "id_number": id_a, "phone": "13903710006"}),
        )
        .await)
    .await;
    let path = format!("/api/v1/people/{}", f.employee_a);
    let seen = ok(app.get(&contact, &path).await).await;
    assert_eq!(seen["phone"], "139****0006");
    assert_eq!(seen["unmasked"], false);

    // The view sent back as read (masked numbers): 200 and the numbers stay.
    let mut back = seen.clone();
    back["name"] = json!("陈静一");
    let r = app.put(&contact, &path, &back).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        numbers(&app, &admin, &path).await,
        (id_a.clone(), "13903710006".into())
    );
    // Numbers left out: unchanged, not erased.
    ok(app
        .put(
            &contact,
            &path,
            &json!({"name": "陈静二", "enterprise_id": f.ent_a, "kinds": ["employee"]}),
        )
        .await)
    .await;
    assert_eq!(
        numbers(&app, &admin, &path).await,
        (id_a.clone(), "13903710006".into())
    );
    // A masked form that is not the stored number's is refused; a new full number changes it.
    let (status, p) = problem(
        app.put(
            &contact,
            &path,
            &json!({"name": "陈静", "enterprise_id": f.ent_a,
            "kinds": ["employee"], "phone": "139****9999"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&p)[0].0, "phone");
    ok(app
        .put(
            &contact,
            &path,
            &json!({"name": "陈静", "enterprise_id": f.ent_a,
            "kinds": ["employee"], "phone": "13903710066"}),
        )
        .await)
    .await;
    assert_eq!(
        numbers(&app, &admin, &path).await,
        (id_a.clone(), "13903710066".into())
    );

    // The web form shows the numbers masked and, sent back unchanged, keeps them.
    let b = Browser::login(&app, "enterprise_contact").await;
    let (status, html) = b.get(&format!("/people/{}/edit", f.employee_a)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&id_a) && !html.contains("13903710066"));
    assert!(html.contains("139****0066"));
    let csrf = b.csrf().await;
    let r = b
        .post(
            &format!("/people/{}", f.employee_a),
            &[
                ("_csrf", csrf.as_str()),
                ("name", "陈静三"),
                ("unit_id", ""),
                ("id_number", &lianxin_types::IdNumber::mask(&id_a)),
                ("phone", "139****0066"),
                ("enterprise_id", &f.ent_a.to_string()),
                ("kind_employee", "on"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    assert_eq!(
        numbers(&app, &admin, &path).await,
        (id_a.clone(), "13903710066".into())
    );

    // An enterprise's contact phone: masked for the service cadre, unmasked and audited for
    // the admin, and kept through the cadre's edit.
    let ent = format!("/api/v1/enterprises/{}", f.ent_a);
    ok(app
        .put(
            &admin,
            &ent,
            &json!({"name": "郑州长城科工贸有限公司", "uscc": uscc("MA44AAA1"),
            "unit_id": f.sub_a, "service_team_id": f.team, "contact_phone": "13912345678"}),
        )
        .await)
    .await;
    let cadre = app.token("service_cadre").await;
    let before = audits(&app, "enterprise", "unmasked").await;
    let seen = ok(app.get(&cadre, &ent).await).await;
    assert_eq!(seen["contact_phone"], "139****5678");
    assert_eq!(seen["contact_phone_unmasked"], false);
    assert_eq!(audits(&app, "enterprise", "unmasked").await, before);
    let full = ok(app.get(&admin, &ent).await).await;
    assert_eq!(full["contact_phone"], "13912345678");
    assert_eq!(audits(&app, "enterprise", "unmasked").await, before + 1);
    let mut back = seen.clone();
    back["employee_count"] = json!(12);
    ok(app.put(&cadre, &ent, &back).await).await;
    let full = ok(app.get(&admin, &ent).await).await;
    assert_eq!(full["contact_phone"], "13912345678");
    assert_eq!(full["employee_count"], 12);
    let csv = text(&app, &cadre, "/api/v1/export/enterprises?format=csv").await;
    assert!(
        csv.contains("139****5678") && !csv.contains("13912345678"),
        "{csv}"
    );
    let b = Browser::login(&app, "service_cadre").await;
    let (_, html) = b.get(&format!("/enterprises/{}/edit", f.ent_a)).await;
    assert!(html.contains("139****5678") && !html.contains("13912345678"));
    let (_, html) = b.get(&format!("/enterprises/{}", f.ent_a)).await;
    assert!(!html.contains("13912345678"));
}

#[tokio::test]
async fn placement_fields_stay_within_the_writers_reach() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let contact = app.token("enterprise_contact").await;
    let ent = format!("/api/v1/enterprises/{}", f.ent_a);
    let body = |unit: i64, team: i64| {
        json!({"name": "郑州长城科工贸有限公司", "uscc": uscc("MA44AAA1"), "unit_id": unit,
            "service_team_id": team, "employee_count": 40})
    };
    // The contact cannot move its enterprise to another sub-district, nor station another
    // team with it (that takes pairing:edit).
    let (status, p) = problem(app.put(&contact, &ent, &body(f.sub_b, f.team)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(
        fields(&p),
        vec![("unit_id".to_owned(), "out_of_reach".to_owned())]
    );
    let (status, p) = problem(app.put(&contact, &ent, &body(f.sub_a, f.task_force)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
    let e = ok(app.get(&admin, &ent).await).await;
    assert_eq!(
        (e["unit_id"].as_i64(), e["service_team_id"].as_i64()),
        (Some(f.sub_a), Some(f.team))
    );
    assert_eq!(e["employee_count"], 0, "a refused edit changes nothing");
    // Unchanged placement: fine.
    ok(app.put(&contact, &ent, &body(f.sub_a, f.team)).await).await;
    // The service cadre cannot move it to a sub-district outside its reach either.
    let cadre = app.token("service_cadre").await;
    let (status, p) = problem(app.put(&cadre, &ent, &body(f.sub_b, f.team)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&p), vec![("unit_id".into(), "out_of_reach".into())]);
    // The admin may.
    ok(app.put(&admin, &ent, &body(f.sub_b, f.team)).await).await;
    ok(app.put(&admin, &ent, &body(f.sub_a, f.team)).await).await;

    // New employees go to the contact's enterprise, under its sub-district or below.
    let before = app.count("people").await;
    for unit in [f.district, f.dept, f.task_force, f.sub_b, f.community_b] {
        let (status, p) = problem(
            app.post(
                &contact,
                "/api/v1/people",
                &json!({"name": "新职工", "unit_id": unit,
                "enterprise_id": f.ent_a, "kinds": ["employee"]}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "unit {unit}: {p}");
        assert_eq!(fields(&p), vec![("unit_id".into(), "out_of_reach".into())]);
    }
    assert_eq!(
        app.count("people").await,
        before,
        "nothing stored by the refusals"
    );
    let p = ok(app
        .post(
            &contact,
            "/api/v1/people",
            &json!({"name": "新职工", "enterprise_id": f.ent_a, "kinds": ["employee"]}),
        )
        .await)
    .await;
    assert_eq!(p["unit_id"], f.sub_a);
    let p = ok(app
        .post(
            &contact,
            "/api/v1/people",
            &json!({"name": "另一职工", "unit_id": f.community_a,
            "enterprise_id": f.ent_a, "kinds": ["employee"]}),
        )
        .await)
    .await;
    assert_eq!(p["unit_id"], f.community_a);
    // ...and an existing employee is not moved out either.
    let (status, p) = problem(
        app.put(
            &contact,
            &format!("/api/v1/people/{}", f.employee_a),
            &json!({"name": "陈静",
            "unit_id": f.dept, "enterprise_id": f.ent_a, "kinds": ["employee"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&p), vec![("unit_id".into(), "out_of_reach".into())]);
    // The department's registry never saw any of them.
    let staff = app.token("department_staff").await;
    let dept_people = ok(app.get(&staff, "/api/v1/people").await).await;
    assert_eq!(dept_people["total"], 1);

    // Through the web form: the enterprise's own placement is offered and kept, another is
    // refused on the field.
    let b = Browser::login(&app, "enterprise_contact").await;
    let (_, html) = b.get(&format!("/enterprises/{}/edit", f.ent_a)).await;
    assert!(
        html.contains(&format!("<option value=\"{}\" selected>", f.sub_a)),
        "its sub-district is offered"
    );
    let csrf = b.csrf().await;
    let r = b
        .post(
            &format!("/enterprises/{}", f.ent_a),
            &[
                ("_csrf", csrf.as_str()),
                ("name", "郑州长城科工贸有限公司"),
                ("uscc", &uscc("MA44AAA1")),
                ("unit_id", &f.sub_a.to_string()),
                ("ownership", "private"),
                ("service_team_id", &f.team.to_string()),
                ("employee_count", "41"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post(
            &format!("/enterprises/{}", f.ent_a),
            &[
                ("_csrf", csrf.as_str()),
                ("name", "郑州长城科工贸有限公司"),
                ("uscc", &uscc("MA44AAA1")),
                ("unit_id", &f.sub_b.to_string()),
                ("ownership", "private"),
                ("service_team_id", &f.team.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = ok(app.get(&admin, &ent).await).await;
    assert_eq!(e["unit_id"], f.sub_a);
}

#[tokio::test]
async fn records_outside_the_scope_answer_exactly_as_missing_ones() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let contact = app.token("enterprise_contact").await;

    // A person filed under another enterprise, or a missing one: the same 422.
    let person =
        |ent: i64| json!({"name": "外企职工", "enterprise_id": ent, "kinds": ["employee"]});
    let before = app.count("people").await;
    let (s1, other) = problem(app.post(&contact, "/api/v1/people", &person(f.ent_b)).await).await;
    let (s2, missing) = problem(app.post(&contact, "/api/v1/people", &person(999_999)).await).await;
    assert_eq!(
        (s1, s2),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY
        )
    );
    assert_eq!(shape(other.clone()), shape(missing));
    assert!(fields(&other).contains(&("enterprise_id".into(), "unknown".into())));
    assert!(!other.to_string().contains("矿山机械"));
    let (s1, other) = problem(
        app.put(
            &contact,
            &format!("/api/v1/people/{}", f.employee_a),
            &person(f.ent_b),
        )
        .await,
    )
    .await;
    let (s2, missing) = problem(
        app.put(
            &contact,
            &format!("/api/v1/people/{}", f.employee_a),
            &person(999_999),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s1, s2),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY
        )
    );
    assert_eq!(shape(other), shape(missing));
    assert_eq!(app.count("people").await, before);

    // The volunteer's lookup: another checkpoint is 404 like a missing one, its name untold;
    // a checkpoint of theirs (a shift there) keeps the helpful 403.
    let cp =
        |name: &str, unit: i64| json!({"name": name, "kind": "community_gate", "unit_id": unit});
    let mine = ok(app
        .post(
            &admin,
            "/api/v1/checkpoints",
            &cp("甲社区东门卡口", f.community_a),
        )
        .await)
    .await["id"]
        .as_i64()
        .expect("id");
    let theirs = ok(app
        .post(
            &admin,
            "/api/v1/checkpoints",
            &cp("乙社区北门卡口", f.community_b),
        )
        .await)
    .await["id"]
        .as_i64()
        .expect("id");
    let vol = app.token("volunteer").await;
    let vol_id = ok(app.get(&vol, "/api/v1/me").await).await["id"]
        .as_i64()
        .expect("id");
    let at = |m: i64| (Utc::now() + Duration::minutes(m)).to_rfc3339();
    let shift = ok(app
        .post(
            &admin,
            "/api/v1/duty/shifts",
            &json!({"checkpoint_id": mine, "user_id": vol_id,
            "starts_at": at(-60), "ends_at": at(180)}),
        )
        .await)
    .await[0]["id"]
        .as_i64()
        .expect("shift");
    let lookup = |cp: i64| format!("/api/v1/screening/lookup?checkpoint_id={cp}&q=13803710002");
    let (s1, other) = problem(app.get(&vol, &lookup(theirs)).await).await;
    let (s2, missing) = problem(app.get(&vol, &lookup(999_999)).await).await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(shape(other.clone()), shape(missing));
    assert!(!other.to_string().contains("乙社区北门卡口"));
    let (status, p) = problem(app.get(&vol, &lookup(mine)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("甲社区东门卡口"),
        "{p}"
    );
    // Recording there (what the entry page posts) the same way.
    let record = |cp: i64| {
        let path = format!("/api/v1/checkpoints/{cp}/passages");
        let body = json!({"client_id": "phone-0001", "passages": [{"device_seq": 1,
            "id_number": id_number("41010619850312101"), "temperature": 365}]});
        (path, body)
    };
    let (path, body) = record(theirs);
    let (s1, other) = problem(app.post(&vol, &path, &body).await).await;
    let (path, body) = record(999_999);
    let (s2, missing) = problem(app.post(&vol, &path, &body).await).await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(shape(other), shape(missing));
    let (path, body) = record(mine);
    assert_eq!(
        app.post(&vol, &path, &body).await.status(),
        StatusCode::FORBIDDEN
    );

    // Another's shift and a missing one: the volunteer may not remove shifts at all (403
    // alike); the contact, who keeps its own gates' rosters, gets 404 alike.
    let (s1, other) = problem(
        app.delete(&vol, &format!("/api/v1/duty/shifts/{shift}"))
            .await,
    )
    .await;
    let (s2, missing) = problem(app.delete(&vol, "/api/v1/duty/shifts/999999").await).await;
    assert_eq!((s1, s2), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN));
    assert_eq!(shape(other), shape(missing));
    let (s1, other) = problem(
        app.delete(&contact, &format!("/api/v1/duty/shifts/{shift}"))
            .await,
    )
    .await;
    let (s2, missing) = problem(app.delete(&contact, "/api/v1/duty/shifts/999999").await).await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(shape(other), shape(missing));
    assert_eq!(app.count("duty_shifts").await, 1);

    // Another's attachment and a missing one.
    let case = ok(app
        .post(
            &contact,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "category": "permits",
            "title": "施工许可证办理受阻", "description": "复工需要的施工许可证迟迟办不下来"}),
        )
        .await)
    .await;
    let form = reqwest::multipart::Form::new().text("version", "1").part(
        "file",
        reqwest::multipart::Part::bytes(b"\xff\xd8\xff photo".to_vec())
            .file_name("厂房照片.jpg")
            .mime_str("image/jpeg")
            .expect("mime"),
    );
    let c: Value = ok(app
        .client
        .post(app.url(&format!("/api/v1/cases/{}/attachments", case["id"])))
        .bearer_auth(&contact)
        .multipart(form)
        .send()
        .await
        .expect("send"))
    .await;
    let href = c["attachments"][0]["href"]
        .as_str()
        .expect("href")
        .to_owned();
    for who in ["volunteer", "department_staff"] {
        let t = app.token(who).await;
        let (s1, other) = problem(app.get(&t, &href).await).await;
        let (s2, missing) = problem(app.get(&t, "/api/v1/attachments/999999").await).await;
        assert_eq!(s1, s2, "{who}");
        assert_eq!(shape(other), shape(missing), "{who}");
    }
}

/// An installation whose roles predate the permission: the registries' migration grants it to
/// the built-in organisation department, and to no one else.
#[tokio::test]
async fn an_existing_installation_gives_cadre_details_to_its_organisation_department() {
    use sea_orm::ConnectionTrait;
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    ok(app
        .put(
            &admin,
            &format!("/api/v1/people/{}", f.dept_person),
            &json!({"name": "王强",
            "unit_id": f.dept, "kinds": ["cadre"], "position": POSITION}),
        )
        .await)
    .await;
    app.db
        .execute_unprepared("DELETE FROM role_permissions WHERE permission = 'person:cadre'")
        .await
        .expect("delete");
    let org = app.token("organization").await;
    let path = format!("/api/v1/people/{}", f.dept_person);
    assert!(ok(app.get(&org, &path).await).await["position"].is_null());
    let migration = lianxin::registries::migrations()
        .into_iter()
        .find(|m| m.name() == "m20261205_registries_cadre_permission")
        .expect("the migration");
    migration
        .up(&sea_orm_migration::SchemaManager::new(&app.db))
        .await
        .expect("up");
    assert_eq!(ok(app.get(&org, &path).await).await["position"], POSITION);
    assert_eq!(
        app.count("role_permissions WHERE permission = 'person:cadre'")
            .await,
        1
    );
}
