//! Key projects and teams (issue 15): the projects registry with its milestones and meeting
//! issues, the derived `key_project` flag, stationing and team members, and what a team
//! member reaches.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn new_project(app: &TestApp, t: &str, body: Value) -> Value {
    let r = app.post(t, "/api/v1/projects", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

async fn key_project_flag(app: &TestApp, t: &str, ent: i64) -> bool {
    let e = ok(app.get(t, &format!("/api/v1/enterprises/{ent}")).await).await;
    e["key_project"].as_bool().unwrap()
}

#[tokio::test]
async fn a_firm_is_a_key_project_while_the_registry_has_its_project() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    assert!(!key_project_flag(&app, &t, f.ent_a).await);
    let p = new_project(
        &app,
        &t,
        json!({"name": "年产10万吨铝板带项目", "enterprise_id": f.ent_a, "investment_fen": 15_000_000_000_i64,
               "team_id": f.team, "signed_planned": "2020-02-20", "signed_on": "2020-02-21"}),
    )
    .await;
    assert_eq!(p["investment_fen"], 15_000_000_000_i64);
    assert_eq!(p["milestones"][0]["code"], "signed");
    assert!(key_project_flag(&app, &t, f.ent_a).await);
    // The flag is read-only: sending another value is a 422 naming it, the same value passes.
    let e = ok(app
        .get(&t, &format!("/api/v1/enterprises/{}", f.ent_a))
        .await)
    .await;
    let mut body = e.clone();
    body["key_project"] = json!(false);
    let (status, prob) = problem(
        app.put(&t, &format!("/api/v1/enterprises/{}", f.ent_a), &body)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(prob["errors"][0]["field"], "key_project", "{prob}");
    body["key_project"] = json!(true);
    ok(app
        .put(&t, &format!("/api/v1/enterprises/{}", f.ent_a), &body)
        .await)
    .await;
    // A new firm cannot declare itself a key project.
    let (status, _) = problem(
        app.post(
            &t,
            "/api/v1/enterprises",
            &json!({"name": "新企业", "uscc": uscc("MA44CCC3"), "unit_id": f.sub_a, "key_project": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Deleting the project clears the flag.
    let r = app
        .delete(&t, &format!("/api/v1/projects/{}", p["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(!key_project_flag(&app, &t, f.ent_a).await);
}

#[tokio::test]
async fn a_project_past_a_planned_milestone_is_late_and_its_edits_are_versioned() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let late = new_project(
        &app,
        &t,
        json!({"name": "迟到项目", "enterprise_id": f.ent_a, "started_planned": "2020-03-01"}),
    )
    .await;
    assert_eq!(late["late"], true);
    assert_eq!(late["milestones"][1]["late"], true);
    let on_time = new_project(
        &app,
        &t,
        json!({"name": "按期项目", "enterprise_id": f.ent_b, "started_planned": "2020-03-01", "started_on": "2020-02-28",
               "producing_planned": "2199-01-01"}),
    )
    .await;
    assert_eq!(on_time["late"], false);
    let list = ok(app.get(&t, "/api/v1/projects?late=true").await).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], late["id"]);
    // The milestone reached: no longer late; a PUT without the version read is a 422, a stale
    // one a 409 with the current project.
    let path = format!("/api/v1/projects/{}", late["id"]);
    let body = json!({"name": "迟到项目", "enterprise_id": f.ent_a, "started_planned": "2020-03-01", "started_on": "2020-03-05"});
    let (status, prob) = problem(app.put_as_sent(&t, &path, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(prob["errors"][0]["field"], "version");
    let mut sent = body.clone();
    sent["version"] = json!(1);
    let now = ok(app.put_as_sent(&t, &path, &sent).await).await;
    assert_eq!(now["late"], false);
    assert_eq!(now["version"], 2);
    let (status, prob) = problem(app.put_as_sent(&t, &path, &sent).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(prob["current"]["version"], 2, "{prob}");
    // An actual date in the future, or a date out of range, is refused and nothing changes.
    for (field, value) in [
        ("signed_on", "2199-01-01"),
        ("producing_planned", "1800-01-01"),
    ] {
        let mut bad = body.clone();
        bad["version"] = json!(2);
        bad[field] = json!(value);
        let (status, prob) = problem(app.put_as_sent(&t, &path, &bad).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(prob["errors"][0]["field"], field, "{prob}");
    }
    assert_eq!(ok(app.get(&t, &path).await).await["version"], 2);
}

#[tokio::test]
async fn a_meeting_issue_is_a_dispatched_case_linked_to_its_project() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let p = new_project(
        &app,
        &t,
        json!({"name": "智能装备产业园", "enterprise_id": f.ent_a}),
    )
    .await;
    let r = app
        .post(
            &t,
            &format!("/api/v1/projects/{}/issues", p["id"]),
            &json!({"title": "施工用电增容", "description": "推进会提出", "lead_unit_id": f.dept}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let issue: Value = r.json().await.unwrap();
    assert_eq!(issue["status"], "dispatched");
    let case = ok(app
        .get(&t, &format!("/api/v1/cases/{}", issue["case_id"]))
        .await)
    .await;
    assert_eq!(case["kind"], "meeting_issue", "{case}");
    assert_eq!(case["enterprise"]["id"], f.ent_a);
    // The lead department has it to do.
    let staff = app.token("department_staff").await;
    ok(app
        .get(&staff, &format!("/api/v1/cases/{}", issue["case_id"]))
        .await)
    .await;
    // A project with a meeting's issues is history: it is not deleted.
    let (status, _) = problem(
        app.delete(&t, &format!("/api/v1/projects/{}", p["id"]))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A case of another firm is not linked.
    let other = ok(app
        .post(
            &t,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "别家的诉求", "enterprise_id": f.ent_b}),
        )
        .await)
    .await;
    let (status, prob) = problem(
        app.post(
            &t,
            &format!("/api/v1/projects/{}/cases", p["id"]),
            &json!({"case_id": other["id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(prob["errors"][0]["field"], "case_id");
}

#[tokio::test]
async fn projects_are_read_within_scope_and_written_with_the_permission() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let p = new_project(
        &app,
        &t,
        json!({"name": "矿山机械扩产", "enterprise_id": f.ent_b, "team_id": f.team}),
    )
    .await;
    let other = new_project(
        &app,
        &t,
        json!({"name": "矿山机械二期", "enterprise_id": f.ent_b}),
    )
    .await;
    // The service team's cadre sees the project stationed with the team, not the firm's other.
    let cadre = app.token("service_cadre").await;
    ok(app
        .get(&cadre, &format!("/api/v1/projects/{}", p["id"]))
        .await)
    .await;
    let (status, _) = problem(
        app.get(&cadre, &format!("/api/v1/projects/{}", other["id"]))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Without project:edit, no writing; an enterprise contact has no projects at all.
    let (status, _) = problem(
        app.post(
            &cadre,
            "/api/v1/projects",
            &json!({"name": "x", "enterprise_id": f.ent_a}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let contact = app.token("enterprise_contact").await;
    let (status, _) = problem(app.get(&contact, "/api/v1/projects").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The leader reads all and may edit.
    let leader = app.token("leader").await;
    assert_eq!(
        ok(app.get(&leader, "/api/v1/projects").await).await["total"],
        2
    );
}

#[tokio::test]
async fn the_stationed_team_changes_only_with_pairing_edit() {
    let (app, f) = TestApp::with_fixture().await;
    // The service cadre edits enterprises but does not station teams.
    let cadre = app.token("service_cadre").await;
    let path = format!("/api/v1/enterprises/{}", f.ent_a);
    let e = ok(app.get(&cadre, &path).await).await;
    let mut body = e.clone();
    body["employee_count"] = json!(88);
    let e = ok(app.put(&cadre, &path, &body).await).await;
    let mut body = e.clone();
    body["service_team_id"] = Value::Null;
    let (status, _) = problem(app.put(&cadre, &path, &body).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin = app.token("admin").await;
    assert_eq!(
        ok(app.get(&admin, &path).await).await["service_team_id"],
        f.team
    );
    // Through the team: an administrator stations the team with the other firm.
    let team = ok(app
        .post(
            &admin,
            &format!("/api/v1/teams/{}/firms", f.team),
            &json!({"enterprise_ids": [f.ent_b]}),
        )
        .await)
    .await;
    let firms: Vec<i64> = team["firms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["enterprise_id"].as_i64().unwrap())
        .collect();
    assert!(
        firms.contains(&f.ent_a) && firms.contains(&f.ent_b),
        "{team}"
    );
    let (status, _) = problem(
        app.post(
            &cadre,
            &format!("/api/v1/teams/{}/firms", f.team),
            &json!({"enterprise_ids": [f.ent_b]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_team_member_reads_the_firms_stationed_with_the_team() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // A cadre of the finance bureau, linked to a person who is not yet on the team.
    add_user(
        &app,
        "teammate",
        "department_staff",
        Some("D03"),
        None,
        Some(f.person_b),
    )
    .await;
    let mate = app.token("teammate").await;
    let firm = format!("/api/v1/enterprises/{}", f.ent_a);
    assert_eq!(app.get(&mate, &firm).await.status(), StatusCode::NOT_FOUND);
    let r = app
        .post(
            &admin,
            &format!("/api/v1/teams/{}/members", f.team),
            &json!({"person_id": f.person_b, "role": "leader"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let team: Value = r.json().await.unwrap();
    assert_eq!(team["members"][0]["role"], "leader");
    // Twice is refused; an unknown role too.
    let (status, prob) = problem(
        app.post(
            &admin,
            &format!("/api/v1/teams/{}/members", f.team),
            &json!({"person_id": f.person_b}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(prob["errors"][0]["field"], "person_id");
    let (status, _) = problem(
        app.post(
            &admin,
            &format!("/api/v1/teams/{}/members", f.team),
            &json!({"person_id": f.person_a, "role": "captain"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A new login of the member now reads the stationed firm and its appeals.
    let mate = app.token("teammate").await;
    ok(app.get(&mate, &firm).await).await;
    let appeal = ok(app
        .post(
            &admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "用工难", "enterprise_id": f.ent_a}),
        )
        .await)
    .await;
    ok(app
        .get(&mate, &format!("/api/v1/cases/{}", appeal["id"]))
        .await)
    .await;
    // The list of teams counts the member; leaving ends the reach.
    let teams = ok(app.get(&admin, "/api/v1/teams?kind=service_team").await).await;
    assert_eq!(teams["items"][0]["members"], 1, "{teams}");
    let r = app
        .delete(
            &admin,
            &format!("/api/v1/teams/{}/members/{}", f.team, f.person_b),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let mate = app.token("teammate").await;
    assert_eq!(app.get(&mate, &firm).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_team_and_project_pages_show_members_firms_and_milestones() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    new_project(
        &app,
        &admin,
        json!({"name": "铝板带项目", "enterprise_id": f.ent_a, "team_id": f.team, "producing_planned": "2020-04-01"}),
    )
    .await;
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/recovery/teams").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第一党员服务队") && html.contains("铝精深加工行业服务专班"));
    let csrf = b.csrf().await;
    let r = b
        .post(
            &format!("/recovery/teams/{}/members", f.team),
            &[
                ("_csrf", &csrf),
                ("person_id", &f.dept_person.to_string()),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, html) = b.get(&format!("/recovery/teams/{}", f.team)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("王强") && html.contains("郑州长城科工贸有限公司"),
        "{html}"
    );
    assert!(html.contains("铝板带项目") && html.contains("逾期"));
    let (status, html) = b.get("/recovery/projects?late=true").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("铝板带项目"));
    // The firm's page links to its projects, which list that firm's alone.
    let (_, html) = b.get(&format!("/enterprises/{}", f.ent_a)).await;
    let link = format!("/recovery/projects?enterprise_id={}", f.ent_a);
    assert!(html.contains(&link), "{html}");
    for other in [
        format!("/recovery/pairing/{}", f.ent_a),
        format!("/visits/firm/{}", f.ent_a),
    ] {
        assert!(html.contains(&other), "{other}");
        assert_eq!(b.get(&other).await.0, StatusCode::OK, "{other}");
    }
    let (_, html) = b.get(&link).await;
    assert!(html.contains("铝板带项目"));
    let (_, html) = b
        .get(&format!("/recovery/projects?enterprise_id={}", f.ent_b))
        .await;
    assert!(!html.contains("铝板带项目"));
    let (status, _) = b.get("/recovery/projects?enterprise_id=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A bad form comes back with the error, nothing saved.
    let before = app.count("key_projects").await;
    let r = b
        .post(
            "/recovery/projects",
            &[
                ("_csrf", &csrf),
                ("name", ""),
                ("enterprise_id", &f.ent_b.to_string()),
                ("investment", "12.345"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("key_projects").await, before);
}
