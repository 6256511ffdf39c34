//! Registry edits name the version they read: units, people and enterprises carry a
//! `version`, a `PUT` without one is a 422, a stale one a 409 with the current record, and of
//! two editors who read the same version exactly one wins.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn an_edit_names_the_version_it_read_and_a_stale_one_is_refused() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    for (path, body) in [
        (
            format!("/api/v1/units/{}", f.community_a),
            json!({"name": "甲社区（新）", "kind": "community", "parent_id": f.sub_a}),
        ),
        (
            format!("/api/v1/enterprises/{}", f.ent_a),
            json!({"name": "郑州长城科工贸有限公司", "uscc": uscc("MA44AAA1"),
                   "unit_id": f.sub_a, "service_team_id": f.team, "employee_count": 301}),
        ),
        (
            format!("/api/v1/people/{}", f.person_a),
            json!({"name": "张三（改）", "unit_id": f.sub_a}),
        ),
    ] {
        let read = ok(app.get(&admin, &path).await).await;
        let version = read["version"].as_i64().expect("a version");
        // No version: 422 naming it, nothing changes.
        let (status, p) = problem(app.put_as_sent(&admin, &path, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {p}");
        assert_eq!(p["errors"][0]["field"], "version");
        assert_eq!(ok(app.get(&admin, &path).await).await, read, "{path}");
        // The version read: saved, and the version moves on.
        let mut with = body.clone();
        with["version"] = json!(version);
        let saved = ok(app.put_as_sent(&admin, &path, &with).await).await;
        assert_eq!(saved["version"], version + 1, "{path}");
        // The same version again is stale: 409 with the record as it now stands.
        let (status, p) = problem(app.put_as_sent(&admin, &path, &with).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {p}");
        assert_eq!(p["current"]["version"], version + 1, "{path}: {p}");
        assert_eq!(p["current"]["id"], saved["id"]);
    }
}

#[tokio::test]
async fn of_editors_who_read_the_same_version_exactly_one_wins() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let path = format!("/api/v1/enterprises/{}", f.ent_b);
    let read = ok(app.get(&admin, &path).await).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let body = json!({"name": "郑州矿山机械有限公司", "uscc": uscc("MA44BBB2"),
                          "unit_id": f.sub_b, "employee_count": 100 + i,
                          "version": read["version"]});
        let (client, url, token) = (app.client.clone(), app.url(&path), admin.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("send");
            (r.status(), r.json::<Value>().await.expect("json"))
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (status, v) = t.await.expect("task");
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status}: {v}"
        );
        if status == StatusCode::OK {
            winners.push(v["employee_count"].clone());
        }
    }
    assert_eq!(winners.len(), 1, "one version, one winner");
    let now = ok(app.get(&admin, &path).await).await;
    assert_eq!(
        now["employee_count"], winners[0],
        "the winner's change stands"
    );
    assert_eq!(now["version"], read["version"].as_i64().expect("v") + 1);
}

#[tokio::test]
async fn the_edit_form_carries_its_version_and_imports_bump_it() {
    let (app, f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let (_, html) = b.get(&format!("/units/{}/edit", f.community_a)).await;
    assert!(
        html.contains(r#"<input type="hidden" name="version" value="1">"#),
        "the form carries the version it was read at"
    );
    // Someone else saves first; the form read at version 1 is refused with a message.
    let admin = app.token("admin").await;
    ok(app
        .put(
            &admin,
            &format!("/api/v1/units/{}", f.community_a),
            &json!({"name": "甲社区（他人改）", "kind": "community", "parent_id": f.sub_a}),
        )
        .await)
    .await;
    let csrf = b.csrf().await;
    let r = b
        .post(
            &format!("/units/{}", f.community_a),
            &[
                ("_csrf", csrf.as_str()),
                ("name", "甲社区（我改）"),
                ("kind", "community"),
                ("parent_id", &f.sub_a.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("记录已被他人修改")
    );
    let unit = ok(app
        .get(&admin, &format!("/api/v1/units/{}", f.community_a))
        .await)
    .await;
    assert_eq!(
        unit["name"], "甲社区（他人改）",
        "the other's change stands"
    );
    // An import with "update existing" updates by key and bumps the version.
    let before = app.stored_version("units", f.community_a).await;
    let csv = format!(
        "单位名称,单位类型,上级单位（编码或名称）,单位编码\n甲社区（导入）,community,{},{}\n",
        unit_code(&app, f.sub_a).await,
        unit["code"].as_str().expect("code")
    );
    let r = app
        .client
        .post(app.url("/api/v1/import/units"))
        .bearer_auth(&admin)
        .multipart(
            reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("units.csv"),
                )
                .text("update_existing", "true"),
        )
        .send()
        .await
        .expect("import");
    let report = ok(r).await;
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(
        app.stored_version("units", f.community_a).await,
        before.map(|v| v + 1)
    );
}

async fn unit_code(app: &TestApp, id: i64) -> String {
    let admin = app.token("admin").await;
    ok(app.get(&admin, &format!("/api/v1/units/{id}")).await).await["code"]
        .as_str()
        .expect("code")
        .to_owned()
}
