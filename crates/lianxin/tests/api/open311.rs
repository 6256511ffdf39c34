//! Open311 GeoReport v2: a client app with a key from `lianxin apikey add` files an appeal and
//! follows it, in JSON and in XML; errors in the specification's format.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn issue_key(app: &TestApp, name: &str) -> String {
    let out = lianxin_cli()
        .args(["apikey", "add", "--db", &app.db_url, "--name", name])
        .env("LIANXIN_LOG", "error")
        .output()
        .expect("run lianxin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    assert!(key.len() >= 32, "{key}");
    key
}

#[tokio::test]
async fn a_civic_app_files_and_follows_an_appeal_in_json_and_xml() {
    let (app, f) = TestApp::with_fixture().await;
    let key = issue_key(&app, "郑州政务通").await;
    // The same name twice is refused, with a one-line reason.
    let out = lianxin_cli()
        .args(["apikey", "add", "--db", &app.db_url, "--name", "郑州政务通"])
        .env("LIANXIN_LOG", "error")
        .output()
        .expect("run lianxin");
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim().lines().count(),
        1
    );

    let c = reqwest::Client::new();
    let d: Value = c
        .get(app.url("/open311/v2/discovery.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    let services: Value = c
        .get(app.url("/open311/v2/services.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = services
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["service_code"].as_str())
        .collect();
    assert!(codes.contains(&"permits"), "{services}");
    let xml = c
        .get(app.url("/open311/v2/services.xml"))
        .send()
        .await
        .unwrap();
    assert!(
        xml.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    let xml = xml.text().await.unwrap();
    assert!(
        xml.contains("<services><service><service_code>permits</service_code>"),
        "{xml}"
    );
    let def: Value = c
        .get(app.url("/open311/v2/services/permits.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(def["attributes"][0]["code"], "uscc");

    // File an appeal (form-encoded, as the specification says).
    let uscc_a = uscc("MA44AAA1");
    let r = c
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "permits"),
            ("attribute[uscc]", uscc_a.as_str()),
            ("description", "复工所需的排污许可证延续申请尚未受理"),
            ("address_string", "郑州市上街区济源路 8 号"),
            ("lat", "34.8"),
            ("long", "113.3"),
            ("first_name", "洋"),
            ("last_name", "刘"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let id = created[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(
        created[0]["service_notice"]
            .as_str()
            .unwrap()
            .contains("受理编号")
    );

    // It is an enterprise appeal in the case engine, which the district dispatches.
    let admin = app.token("admin").await;
    let case: Value = app
        .get(&admin, &format!("/api/v1/cases/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["kind"], "enterprise_appeal");
    assert_eq!(case["source"], "open311");
    assert_eq!(case["enterprise"]["id"], f.ent_a);
    assert_eq!(case["contact_name"], "刘洋");
    let r = app
        .post(
            &admin,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "dispatch", "version": case["version"], "lead_unit_id": f.dept, "working_days": 5}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let one: Value = c
        .get(app.url(&format!("/open311/v2/requests/{id}.json?api_key={key}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["agency_responsible"], "工业和信息化局");
    assert_eq!(one[0]["service_code"], "permits");
    assert!(
        one[0]["expected_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    assert_eq!(one[0]["lat"], 34.8);
    let xml = c
        .get(app.url(&format!("/open311/v2/requests/{id}.xml?api_key={key}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id><status>open</status>")), "{xml}");
    assert!(xml.contains("<agency_responsible>工业和信息化局</agency_responsible>"));

    let list: Value = c
        .get(app.url(&format!(
            "/open311/v2/requests.json?api_key={key}&status=open&start_date=2000-01-01T00:00:00Z"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let closed: Value = c
        .get(app.url(&format!(
            "/open311/v2/requests.json?api_key={key}&status=closed"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(closed.as_array().map(Vec::len), Some(0));

    assert!(
        one[0]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );

    // Without a key (as GeoReport v2 allows) and to another app: the public part only.
    let other = issue_key(&app, "另一个应用").await;
    for query in [String::new(), format!("?api_key={other}")] {
        let r = c
            .get(app.url(&format!("/open311/v2/requests/{id}.json{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let public: Value = r.json().await.unwrap();
        assert_eq!(public[0]["status"], "open");
        assert_eq!(public[0]["service_code"], "permits");
        assert_eq!(public[0]["agency_responsible"], "工业和信息化局");
        assert!(public[0]["expected_datetime"].is_string());
        for private in ["description", "address", "lat", "long"] {
            assert!(public[0][private].is_null(), "{private}: {public}");
        }
        let list: Value = c
            .get(app.url(&format!(
                "/open311/v2/requests.json{}",
                if query.is_empty() { "" } else { &query }
            )))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        assert!(list[0]["description"].is_null());
    }
    // A key that is not valid is still refused; an appeal raised inside the district is not
    // Open311's to show.
    let r = c
        .get(app.url(&format!("/open311/v2/requests/{id}.json?api_key=nope")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let inside = ok(app
        .post(
            &admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "category": "permits", "title": "内部诉求",
                    "description": "区内登记的诉求", "enterprise_id": f.ent_a}),
        )
        .await)
    .await;
    let r = c
        .get(app.url(&format!(
            "/open311/v2/requests/{}.json",
            inside["id"].as_i64().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn open311_errors_use_the_specification_format() {
    let (app, _f) = TestApp::with_fixture().await;
    let key = issue_key(&app, "app").await;
    let c = reqwest::Client::new();
    let before = app.count("cases").await;
    // No key, a wrong key.
    let r = c
        .post(app.url("/open311/v2/requests.json"))
        .form(&[("service_code", "permits")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v[0]["code"], 403);
    let r = c
        .post(app.url("/open311/v2/requests.xml"))
        .form(&[("api_key", "nope"), ("service_code", "permits")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let xml = r.text().await.unwrap();
    assert!(xml.contains("<errors><error><code>403</code><description>Invalid api_key</description></error></errors>"), "{xml}");
    // Unknown service, bad credit code, missing description.
    for (form, status) in [
        (vec![("service_code", "nope")], StatusCode::NOT_FOUND),
        (
            vec![("service_code", "permits"), ("attribute[uscc]", "123")],
            StatusCode::BAD_REQUEST,
        ),
        (
            vec![
                ("service_code", "permits"),
                ("attribute[uscc]", &uscc("MA44AAA1")),
            ],
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let mut form: Vec<(&str, &str)> = form;
        form.push(("api_key", &key));
        let r = c
            .post(app.url("/open311/v2/requests.json"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{form:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v[0]["code"], status.as_u16());
        assert!(v[0]["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let r = c
        .get(app.url("/open311/v2/requests.json?api_key=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .get(app.url(&format!(
            "/open311/v2/requests.json?api_key={key}&start_date=yesterday"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .get(app.url("/open311/v2/services/nope.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("cases").await, before, "nothing was filed");
}

/// An appeal about an enterprise the registry does not hold is taken in for triage, filed
/// against the intake unit and flagged; staff link the enterprise before dispatch. The filer
/// learns nothing about whether the code is registered.
#[tokio::test]
async fn an_appeal_for_an_unregistered_enterprise_waits_for_its_enterprise_before_dispatch() {
    let (app, f) = TestApp::with_fixture().await;
    let key = issue_key(&app, "郑州政务通").await;
    let c = reqwest::Client::new();
    let file = |code: String| {
        let c = c.clone();
        let key = key.clone();
        let url = app.url("/open311/v2/requests.json");
        async move {
            let r = c
                .post(url)
                .form(&[
                    ("api_key", key.as_str()),
                    ("service_code", "permits"),
                    ("attribute[uscc]", code.as_str()),
                    ("description", "新设企业的开工备案无人受理"),
                ])
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap();
            (status, v)
        }
    };
    let (s_known, known) = file(uscc("MA44AAA1")).await;
    let new_code = uscc("MA44NEW9");
    let (s_new, unknown) = file(new_code.clone()).await;
    // The same answer whether the code is registered or not.
    assert_eq!(s_known, StatusCode::CREATED);
    assert_eq!(s_new, StatusCode::CREATED);
    let shape = |v: &Value| {
        let mut keys: Vec<String> = v[0].as_object().unwrap().keys().cloned().collect();
        keys.sort();
        (
            keys,
            v[0]["service_notice"]
                .as_str()
                .unwrap()
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect::<String>(),
        )
    };
    assert_eq!(shape(&known), shape(&unknown));
    let id = unknown[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let public: Value = c
        .get(app.url(&format!("/open311/v2/requests/{id}.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public[0]["agency_responsible"], Value::Null, "{public}");
    assert!(!public.to_string().contains(&new_code));

    // Staff see it filed against the district (the intake unit by default), flagged.
    let admin = app.token("admin").await;
    let case = ok(app.get(&admin, &format!("/api/v1/cases/{id}")).await).await;
    assert_eq!(case["enterprise"], Value::Null);
    assert_eq!(case["enterprise_to_link"], new_code.as_str());
    assert_eq!(case["subject_unit"]["id"], f.district);
    let allowed: Vec<&str> = case["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(allowed.contains(&"link_enterprise"), "{allowed:?}");
    assert!(!allowed.contains(&"dispatch"), "{allowed:?}");
    let listed = ok(app.get(&admin, "/api/v1/cases?to_link=true").await).await;
    assert_eq!(listed["total"], 1, "{listed}");
    // An enterprise's contact (the intake unit is not theirs) does not see it.
    let contact = app.token("enterprise_contact").await;
    assert_eq!(
        app.get(&contact, &format!("/api/v1/cases/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Dispatch waits for the enterprise.
    let (status, p) = problem(
        app.post(
            &admin,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "dispatch", "version": case["version"], "lead_unit_id": f.dept}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    // The enterprise is registered, then linked; the case moves to its sub-district.
    let ent = ok(app
        .post(
            &admin,
            "/api/v1/enterprises",
            &json!({"name": "郑州新设机械有限公司", "uscc": new_code, "unit_id": f.sub_b}),
        )
        .await)
    .await;
    let (status, p) = problem(
        app.post(
            &admin,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "link_enterprise", "version": case["version"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "enterprise_id");
    let linked = ok(app
        .post(
            &admin,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "link_enterprise", "version": case["version"], "enterprise_id": ent["id"]}),
        )
        .await)
    .await;
    assert_eq!(linked["enterprise"]["id"], ent["id"]);
    assert_eq!(linked["enterprise_to_link"], Value::Null);
    assert_eq!(linked["subject_unit"]["id"], f.sub_b);
    // Linking again is refused; dispatch now goes through.
    let (status, _) = problem(
        app.post(
            &admin,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "link_enterprise", "version": linked["version"], "enterprise_id": ent["id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let r = app
        .post(
            &admin,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "dispatch", "version": linked["version"], "lead_unit_id": f.dept}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let listed = ok(app.get(&admin, "/api/v1/cases?to_link=true").await).await;
    assert_eq!(listed["total"], 0);
}

/// On the case page the flag shows and staff link the enterprise by its credit code.
#[tokio::test]
async fn staff_link_the_enterprise_of_an_outside_appeal_on_the_case_page() {
    let (app, f) = TestApp::with_fixture().await;
    let key = issue_key(&app, "app").await;
    let new_code = uscc("MA44NEW8");
    let r = reqwest::Client::new()
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "permits"),
            ("attribute[uscc]", new_code.as_str()),
            ("description", "用电增容迟迟未批"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_owned();
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get(&format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"enterprise-to-link\""), "{html}");
    assert!(html.contains("id=\"form-link-enterprise\""));
    assert!(
        !html.contains("id=\"form-dispatch\""),
        "no dispatch before the link"
    );
    let version = app
        .stored_version("cases", id.parse().unwrap())
        .await
        .unwrap()
        .to_string();
    let csrf = b.csrf().await;
    // A code nobody registered: the page says so and nothing changes.
    let r = b
        .post(
            &format!("/cases/{id}/act"),
            &[
                ("_csrf", &csrf),
                ("action", "link_enterprise"),
                ("version", &version),
                ("enterprise_uscc", &new_code),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("请先登记该企业"), "{body}");
    let admin = app.token("admin").await;
    ok(app
        .post(
            &admin,
            "/api/v1/enterprises",
            &json!({"name": "郑州新设电气有限公司", "uscc": new_code, "unit_id": f.sub_a}),
        )
        .await)
    .await;
    let r = b
        .post(
            &format!("/cases/{id}/act"),
            &[
                ("_csrf", &csrf),
                ("action", "link_enterprise"),
                ("version", &version),
                ("enterprise_uscc", &new_code.to_lowercase()),
            ],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let (_, html) = b.get(&format!("/cases/{id}")).await;
    assert!(html.contains("郑州新设电气有限公司"));
    assert!(html.contains("id=\"form-dispatch\""));
    assert!(!html.contains("id=\"form-link-enterprise\""));
}

/// The intake unit is a setting: named over the API or on the settings page (audited), and
/// the next outside appeal for an unregistered enterprise goes there; a unit that does not
/// exist is refused by name.
#[tokio::test]
async fn the_intake_unit_is_named_by_an_administrator() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let now = ok(app.get(&admin, "/api/v1/open311/intake-unit").await).await;
    assert_eq!(now["unit_id"], f.district);
    let (status, p) = problem(
        app.put_as_sent(
            &admin,
            "/api/v1/open311/intake-unit",
            &json!({"unit_id": 999999}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "unit_id");
    let staff = app.token("department_staff").await;
    assert_eq!(
        app.put_as_sent(
            &staff,
            "/api/v1/open311/intake-unit",
            &json!({"unit_id": f.sub_a})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let set = ok(app
        .put_as_sent(
            &admin,
            "/api/v1/open311/intake-unit",
            &json!({"unit_id": f.sub_a}),
        )
        .await)
    .await;
    assert_eq!(set["unit_id"], f.sub_a);
    let key = issue_key(&app, "app").await;
    let r = reqwest::Client::new()
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "permits"),
            ("attribute[uscc]", uscc("MA44NEW7").as_str()),
            ("description", "厂房租金减免没有落实"),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_owned();
    let case = ok(app.get(&admin, &format!("/api/v1/cases/{id}")).await).await;
    assert_eq!(case["subject_unit"]["id"], f.sub_a);
    // The case kinds page shows the setting; the settings page changes it.
    let b = Browser::login(&app, "admin").await;
    let (_, html) = b.get("/system/case-kinds").await;
    assert!(html.contains("id=\"intake-unit\""), "{html}");
    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/settings/open311.intake_unit_id",
            &[("_csrf", &csrf), ("value", &f.district.to_string())],
        )
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let now = ok(app.get(&admin, "/api/v1/open311/intake-unit").await).await;
    assert_eq!(now["unit_id"], f.district);
    let audited = ok(app.get(&admin, "/api/v1/audit?entity=setting").await).await;
    assert!(audited["total"].as_i64().unwrap() >= 2, "{audited}");
}
