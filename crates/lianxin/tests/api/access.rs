//! The access-control matrix: every built-in role against every registry endpoint, including
//! reads across units and enterprises. Out-of-scope records answer 404 exactly like missing ones.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

type Seen = Result<Vec<i64>, StatusCode>;

const ROLES: [&str; 8] = [
    "admin",
    "leader",
    "department_staff",
    "service_cadre",
    "supervisor",
    "organization",
    "volunteer",
    "enterprise_contact",
];

async fn ids(app: &TestApp, t: &str, path: &str) -> Result<Vec<i64>, StatusCode> {
    let r = app.get(t, path).await;
    if r.status() != StatusCode::OK {
        return Err(r.status());
    }
    let v: Value = r.json().await.unwrap();
    let mut ids: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        v["total"].as_u64().unwrap() as usize,
        ids.len(),
        "{path}: total must match the visible rows"
    );
    Ok(ids)
}

#[tokio::test]
async fn every_role_sees_exactly_its_scope() {
    let (app, f) = TestApp::with_fixture().await;
    let all_units = {
        let t = app.token("admin").await;
        ids(&app, &t, "/api/v1/units?page_size=500").await.unwrap()
    };
    let all_people = {
        let mut v = vec![
            f.person_a,
            f.person_b,
            f.dept_person,
            f.volunteer_person,
            f.contact_person,
            f.employee_a,
        ];
        v.sort();
        v
    };
    let mut both = vec![f.ent_a, f.ent_b];
    both.sort();
    let forbidden = || Err(StatusCode::FORBIDDEN);
    for role in ROLES {
        let t = app.token(role).await;
        let units = ids(&app, &t, "/api/v1/units?page_size=500").await;
        let people = ids(&app, &t, "/api/v1/people?page_size=500").await;
        let ents = ids(&app, &t, "/api/v1/enterprises?page_size=500").await;
        let (eu, ep, ee): (Seen, Seen, Seen) = match role {
            "admin" | "leader" | "supervisor" => (
                Ok(all_units.clone()),
                Ok(all_people.clone()),
                Ok(both.clone()),
            ),
            "organization" => (
                Ok(all_units.clone()),
                Ok(all_people.clone()),
                Ok(both.clone()),
            ),
            "department_staff" => (Ok(vec![f.dept]), Ok(vec![f.dept_person]), Ok(vec![])),
            "service_cadre" => (Ok(vec![f.team]), Ok(vec![]), Ok(vec![f.ent_a])),
            "volunteer" => (forbidden(), Ok(vec![f.volunteer_person]), forbidden()),
            "enterprise_contact" => {
                let mut p = vec![f.contact_person, f.employee_a];
                p.sort();
                (forbidden(), Ok(p), Ok(vec![f.ent_a]))
            }
            _ => unreachable!(),
        };
        assert_eq!(units, eu, "{role}: units");
        assert_eq!(people, ep, "{role}: people");
        assert_eq!(ents, ee, "{role}: enterprises");
    }
}

#[tokio::test]
async fn out_of_scope_reads_are_404_like_missing_records() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    assert_eq!(
        app.get(&contact, &format!("/api/v1/enterprises/{}", f.ent_a))
            .await
            .status(),
        StatusCode::OK
    );
    let (status, other) = problem(
        app.get(&contact, &format!("/api/v1/enterprises/{}", f.ent_b))
            .await,
    )
    .await;
    let (status_missing, missing) =
        problem(app.get(&contact, "/api/v1/enterprises/999999").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(status_missing, StatusCode::NOT_FOUND);
    assert_eq!(
        other, missing,
        "an out-of-scope record must be indistinguishable from a missing one"
    );
    assert_eq!(
        app.get(&contact, &format!("/api/v1/people/{}", f.person_a))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&contact, &format!("/api/v1/people/{}", f.employee_a))
            .await
            .status(),
        StatusCode::OK
    );

    let dept = app.token("department_staff").await;
    assert_eq!(
        app.get(&dept, &format!("/api/v1/units/{}", f.other_dept))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&dept, &format!("/api/v1/people/{}", f.person_b))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&dept, &format!("/api/v1/enterprises/{}", f.ent_a))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let cadre = app.token("service_cadre").await;
    assert_eq!(
        app.get(&cadre, &format!("/api/v1/enterprises/{}", f.ent_a))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&cadre, &format!("/api/v1/enterprises/{}", f.ent_b))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let vol = app.token("volunteer").await;
    assert_eq!(
        app.get(&vol, &format!("/api/v1/people/{}", f.volunteer_person))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&vol, &format!("/api/v1/people/{}", f.person_a))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn writes_follow_permissions_and_scope() {
    let (app, f) = TestApp::with_fixture().await;
    let new_unit = json!({"name": "新社区", "kind": "community", "parent_id": f.sub_a});
    let new_ent =
        |org: &str| json!({"name": format!("企业{org}"), "uscc": uscc(org), "unit_id": f.sub_a});
    let new_person = json!({"name": "新人", "unit_id": f.community_a});
    for (i, role) in ROLES.iter().enumerate() {
        let t = app.token(role).await;
        let unit = app.post(&t, "/api/v1/units", &new_unit).await.status();
        let ent = app
            .post(&t, "/api/v1/enterprises", &new_ent(&format!("MA45{i:04}")))
            .await
            .status();
        let person = app.post(&t, "/api/v1/people", &new_person).await.status();
        let audit = app.get(&t, "/api/v1/audit").await.status();
        let (eu, ee, ep, ea) = match *role {
            "admin" => (201, 201, 201, 200),
            "organization" => (403, 403, 201, 403),
            // The contact may add people, but only to its own enterprise: this one is filed
            // in a community outside its reach, refused on the field.
            "enterprise_contact" => (403, 403, 422, 403),
            _ => (403, 403, 403, 403),
        };
        assert_eq!(
            (unit.as_u16(), ent.as_u16(), person.as_u16(), audit.as_u16()),
            (eu, ee, ep, ea),
            "{role}: unit, enterprise, person, audit"
        );
    }
    // The contact adds an employee to its own enterprise; the scope check admits it.
    let contact = app.token("enterprise_contact").await;
    let r = app
        .post(&contact, "/api/v1/people", &json!({"name": "新职工", "unit_id": f.sub_a, "enterprise_id": f.ent_a, "kinds": ["employee"]}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // ...but not to another enterprise (which reads as one that does not exist), and nothing
    // is stored by the refusal.
    let before = app.count("people").await;
    let r = app
        .post(&contact, "/api/v1/people", &json!({"name": "外企职工", "unit_id": f.sub_b, "enterprise_id": f.ent_b, "kinds": ["employee"]}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("people").await, before);
    // The service cadre edits its paired enterprise but not another.
    let cadre = app.token("service_cadre").await;
    let body = json!({"name": "郑州长城科工贸有限公司", "uscc": uscc("MA44AAA1"), "unit_id": f.sub_a, "service_team_id": f.team, "employee_count": 300});
    assert_eq!(
        app.put(&cadre, &format!("/api/v1/enterprises/{}", f.ent_a), &body)
            .await
            .status(),
        StatusCode::OK
    );
    let body_b =
        json!({"name": "郑州矿山机械有限公司", "uscc": uscc("MA44BBB2"), "unit_id": f.sub_b});
    assert_eq!(
        app.put(&cadre, &format!("/api/v1/enterprises/{}", f.ent_b), &body_b)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Moving the paired enterprise away from the cadre's team would take it out of reach: refused.
    let away =
        json!({"name": "郑州长城科工贸有限公司", "uscc": uscc("MA44AAA1"), "unit_id": f.sub_a});
    assert_eq!(
        app.put(&cadre, &format!("/api/v1/enterprises/{}", f.ent_a), &away)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let admin = app.token("admin").await;
    let e: Value = app
        .get(&admin, &format!("/api/v1/enterprises/{}", f.ent_a))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        e["service_team_id"], f.team,
        "the refused update changed nothing"
    );
    assert_eq!(e["employee_count"], 300);
    // Leaders read everything but change nothing.
    let leader = app.token("leader").await;
    assert_eq!(
        app.delete(&leader, &format!("/api/v1/enterprises/{}", f.ent_b))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let _ = f.district;
    let _ = f.task_force;
}

#[tokio::test]
async fn custom_and_own_unit_scopes_and_role_administration() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let r = app
        .post(
            &admin,
            "/api/v1/roles",
            &json!({"code": "grid_b", "name_zh": "乙社区网格员", "data_scope": "custom",
                    "permissions": ["person:list", "unit:list", "enterprise:list"], "unit_ids": [f.community_b]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post(
            &admin,
            "/api/v1/roles",
            &json!({"code": "street_a", "name_zh": "街道工作人员", "data_scope": "unit", "permissions": ["person:list", "unit:list"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "grid", "password": PASSWORD, "roles": ["grid_b"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post(&admin, "/api/v1/users", &json!({"username": "street", "password": PASSWORD, "roles": ["street_a"], "unit_code": "410106001"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let street_id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // 自定数据权限: exactly the chosen unit.
    let grid = app.token("grid").await;
    assert_eq!(
        ids(&app, &grid, "/api/v1/units").await,
        Ok(vec![f.community_b])
    );
    assert_eq!(
        ids(&app, &grid, "/api/v1/people").await,
        Ok(vec![f.person_b])
    );
    assert_eq!(ids(&app, &grid, "/api/v1/enterprises").await, Ok(vec![]));
    // 本部门数据权限: the unit itself, not what lies below it.
    let street = app.token("street").await;
    assert_eq!(ids(&app, &street, "/api/v1/units").await, Ok(vec![f.sub_a]));
    let mut own = vec![f.contact_person, f.employee_a];
    own.sort();
    assert_eq!(ids(&app, &street, "/api/v1/people").await, Ok(own.clone()));
    // Roles OR together, effective at once.
    let r = app
        .put(
            &admin,
            &format!("/api/v1/users/{street_id}"),
            &json!({"roles": ["street_a", "grid_b"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut both = own.clone();
    both.push(f.person_b);
    both.sort();
    assert_eq!(ids(&app, &street, "/api/v1/people").await, Ok(both));

    // Refusals: a custom scope without units, an unknown permission, the admin role, a non-admin.
    let (status, p) = problem(
        app.post(&admin, "/api/v1/roles", &json!({"code": "x", "name_zh": "x", "data_scope": "custom", "permissions": ["person:fly"]})).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"unit_ids") && fields.contains(&"permissions"),
        "{p}"
    );
    let roles: Value = app.get(&admin, "/api/v1/roles").await.json().await.unwrap();
    let admin_role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "admin")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = problem(
        app.put(
            &admin,
            &format!("/api/v1/roles/{admin_role}"),
            &json!({"code": "admin", "name_zh": "x", "data_scope": "self"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let leader = app.token("leader").await;
    let r = app
        .post(
            &leader,
            "/api/v1/roles",
            &json!({"code": "y", "name_zh": "y", "data_scope": "all"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Disabling a user ends their sessions at once.
    let r = app
        .put(
            &admin,
            &format!("/api/v1/users/{street_id}"),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.get(&street, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let audit: Value = app
        .get(&admin, "/api/v1/audit?entity=role")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 2);
}

/// Every role against every endpoint: the exact status each one gets.
#[tokio::test]
async fn every_role_against_every_endpoint() {
    let (app, f) = TestApp::with_fixture().await;
    let ent_b = json!({"name": "郑州矿山机械有限公司", "uscc": uscc("MA44BBB2"), "unit_id": f.sub_b, "employee_count": 7, "version": 1});
    // (method, path, body); `admin` runs last so its successful DELETE does not change what
    // the others see.
    let endpoints: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/api/v1/me".into(), None),
        ("GET", "/api/v1/units".into(), None),
        ("GET", "/api/v1/people".into(), None),
        ("GET", "/api/v1/enterprises".into(), None),
        ("GET", format!("/api/v1/enterprises/{}", f.ent_b), None),
        (
            "PUT",
            format!("/api/v1/enterprises/{}", f.ent_b),
            Some(ent_b),
        ),
        ("GET", format!("/api/v1/people/{}", f.person_b), None),
        ("DELETE", format!("/api/v1/units/{}", f.other_dept), None),
        ("GET", "/api/v1/audit".into(), None),
        ("GET", "/api/v1/logins".into(), None),
        ("GET", "/api/v1/users".into(), None),
        ("GET", "/api/v1/roles".into(), None),
        ("GET", "/api/v1/export/people?format=csv".into(), None),
        ("GET", "/api/v1/export/units?format=csv".into(), None),
        ("POST", "/api/v1/import/units".into(), None),
    ];
    #[rustfmt::skip]
    let expected: [(&str, [u16; 15]); 8] = [
        //                    me   units people ents  entB  putB  perB  delU  audit login users roles expP  expU  impU
        ("leader",             [200, 200,  200,  200,  200,  403,  200,  403,  403,  403,  403,  403,  200,  200,  403]),
        ("department_staff",   [200, 200,  200,  200,  404,  403,  404,  403,  403,  403,  403,  403,  403,  403,  403]),
        ("service_cadre",      [200, 200,  200,  200,  404,  404,  404,  403,  403,  403,  403,  403,  403,  403,  403]),
        ("supervisor",         [200, 200,  200,  200,  200,  403,  200,  403,  403,  403,  403,  403,  403,  403,  403]),
        ("organization",       [200, 200,  200,  200,  200,  403,  200,  403,  403,  403,  403,  403,  200,  403,  403]),
        ("volunteer",          [200, 403,  200,  403,  403,  403,  404,  403,  403,  403,  403,  403,  403,  403,  403]),
        ("enterprise_contact", [200, 403,  200,  200,  404,  404,  404,  403,  403,  403,  403,  403,  200,  403,  403]),
        ("admin",              [200, 200,  200,  200,  200,  200,  200,  204,  200,  200,  200,  200,  200,  200,  422]),
    ];
    for (role, statuses) in expected {
        assert_eq!(
            endpoints.len(),
            statuses.len(),
            "{role}: every endpoint needs its status"
        );
        let t = app.token(role).await;
        for ((method, path, body), want) in endpoints.iter().zip(statuses) {
            let mut req = match *method {
                "GET" => app.client.get(app.url(path)),
                "PUT" => app.client.put(app.url(path)),
                "DELETE" => app.client.delete(app.url(path)),
                _ => app.client.post(app.url(path)),
            }
            .bearer_auth(&t);
            if let Some(b) = body {
                req = req.json(b);
            }
            if path.contains("/import/") {
                req =
                    req.multipart(reqwest::multipart::Form::new().text("update_existing", "false"));
            }
            let got = req.send().await.unwrap().status().as_u16();
            assert_eq!(got, want, "{role} {method} {path}");
        }
    }
}
