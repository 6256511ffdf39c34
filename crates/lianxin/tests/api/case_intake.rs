//! Before dispatch a new case can be refused (不予受理) or merged into an open case as a
//! duplicate (合并重复), and a dispatch gives each assisting department its own task.

use lianxin::cases::service;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, add_user, ok, problem};

async fn act(app: &TestApp, token: &str, case: &Value, body: Value) -> reqwest::Response {
    let id = case["id"].as_i64().expect("id");
    let mut body = body;
    body["version"] = case["version"].clone();
    app.post(token, &format!("/api/v1/cases/{id}/actions"), &body)
        .await
}

async fn raise(app: &TestApp, token: &str, title: &str) -> Value {
    let r = app
        .post(
            token,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "category": "permits",
                    "title": title, "description": "复工需要的施工许可证迟迟办不下来"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.expect("json")
}

async fn assert_replay_matches(app: &TestApp, id: i64) {
    let replayed = service::replayed(&app.db, id).await.expect("replay");
    let stored = service::stored(&app.db, id).await.expect("stored");
    assert_eq!(
        replayed, stored,
        "the stored case is the replay of its events"
    );
}

/// 不予受理 needs its reason, ends the case and offers nothing more; only a new case can be
/// refused.
#[tokio::test]
async fn a_new_case_is_refused_with_its_reason() {
    let (app, _f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let leader = app.token("leader").await;
    let case = raise(&app, &contact, "要求减免全部税款").await;
    assert!(
        case["allowed_actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a != "reject" && a != "merge"),
        "the enterprise cannot refuse or merge its own appeal: {}",
        case["allowed_actions"]
    );
    let seen = ok(app
        .get(&leader, &format!("/api/v1/cases/{}", case["id"]))
        .await)
    .await;
    let allowed: Vec<&str> = seen["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        allowed.contains(&"reject") && allowed.contains(&"merge"),
        "{allowed:?}"
    );

    let (s, p) = problem(act(&app, &leader, &seen, json!({"action": "reject"})).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "note");
    let done = ok(act(
        &app,
        &leader,
        &seen,
        json!({"action": "reject", "note": "不属于本级政府职权范围，已告知企业向税务部门咨询"}),
    )
    .await)
    .await;
    assert_eq!(done["status"], "rejected");
    assert_eq!(done["status_label"], "不予受理");
    assert!(
        done["allowed_actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a != "dispatch")
    );
    let last = done["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "reject");
    assert_eq!(last["action_label"], "不予受理");
    assert!(last["note"].as_str().unwrap().contains("税务部门"));
    assert_replay_matches(&app, done["id"].as_i64().unwrap()).await;

    // Once dispatched, a case is no longer refused: 409 with the case as it stands.
    let other = raise(&app, &contact, "用工招聘困难").await;
    let f_dept =
        ok(app.get(&leader, "/api/v1/units?q=工业和信息化局").await).await["items"][0]["id"]
            .clone();
    let dispatched = ok(act(
        &app,
        &leader,
        &other,
        json!({"action": "dispatch", "lead_unit_id": f_dept, "working_days": 3}),
    )
    .await)
    .await;
    let (s, p) = problem(
        act(
            &app,
            &leader,
            &dispatched,
            json!({"action": "reject", "note": "重复"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(p["current"]["status"], "dispatched");
}

/// 合并重复: the duplicate ends as merged, its enterprise follows the case it joined, and that
/// case says so in its own timeline; a case cannot be merged into itself, into a closed case
/// or into one outside the caller's scope.
#[tokio::test]
async fn a_duplicate_is_merged_into_an_open_case() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let admin = app.token("admin").await;
    let first = raise(&app, &contact, "施工许可证办理受阻").await;
    // The same matter raised again by the district, about no enterprise yet.
    let r = app
        .post(
            &admin,
            "/api/v1/cases",
            &json!({"kind": "supervision_finding", "unit_id": f.sub_a,
                    "title": "长城科工贸施工许可", "description": "同一事项的督查发现"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let dup: Value = r.json().await.unwrap();
    assert!(dup["enterprise"].is_null());

    let (s, p) = problem(act(&app, &admin, &dup, json!({"action": "merge"})).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "into_case_id");
    let (s, p) = problem(
        act(
            &app,
            &admin,
            &dup,
            json!({"action": "merge", "into_case_id": dup["id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (s, _) = problem(
        act(
            &app,
            &admin,
            &dup,
            json!({"action": "merge", "into_case_id": 999_999}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let merged = ok(act(
        &app,
        &admin,
        &dup,
        json!({"action": "merge", "into_case_id": first["id"], "note": "与企业网上提交的诉求重复"}),
    )
    .await)
    .await;
    assert_eq!(merged["status"], "merged");
    assert_eq!(
        merged["enterprise"]["id"], f.ent_a,
        "the enterprise follows the case"
    );
    let last = merged["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "merge");
    assert_eq!(last["data"]["into_case_id"], first["id"]);
    assert_replay_matches(&app, merged["id"].as_i64().unwrap()).await;
    let first_now = ok(app
        .get(&admin, &format!("/api/v1/cases/{}", first["id"]))
        .await)
    .await;
    let note = first_now["events"].as_array().unwrap().last().unwrap()["note"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(note.contains(merged["number"].as_str().unwrap()), "{note}");
    assert_replay_matches(&app, first["id"].as_i64().unwrap()).await;

    // A merged case is over: it cannot be merged again, nor can anything merge into it.
    let third = raise(&app, &contact, "第三次反映施工许可").await;
    let (s, _) = problem(
        act(
            &app,
            &admin,
            &third,
            json!({"action": "merge", "into_case_id": merged["id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A department cannot merge into a case it does not see.
    add_user(
        &app,
        "caizheng",
        "department_staff",
        Some("D03"),
        None,
        None,
    )
    .await;
    let other = app.token("caizheng").await;
    let r = act(
        &app,
        &other,
        &third,
        json!({"action": "merge", "into_case_id": first["id"]}),
    )
    .await;
    assert!(
        matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status()
    );
}

/// Each assisting department gets its own task; those `assist_tasks` does not name get
/// `assist_task`; a task for a department that is not assisting is refused.
#[tokio::test]
async fn each_assisting_department_gets_its_own_task() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let leader = app.token("leader").await;
    let admin = app.token("admin").await;
    let third = ok(app
        .post(
            &admin,
            "/api/v1/units",
            &json!({"name": "人力资源和社会保障局", "kind": "department", "parent_id": f.district, "code": "D04"}),
        )
        .await)
    .await["id"]
        .as_i64()
        .unwrap();
    let case = raise(&app, &contact, "施工许可证办理受阻").await;
    let (s, p) = problem(
        act(
            &app,
            &leader,
            &case,
            json!({"action": "dispatch", "lead_unit_id": f.dept, "assist_unit_ids": [f.other_dept],
                   "assist_tasks": {(third.to_string()): "不在协办之列"}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "assist_tasks");

    let done = ok(act(
        &app,
        &leader,
        &case,
        json!({"action": "dispatch", "lead_unit_id": f.dept, "assist_unit_ids": [f.other_dept, third],
               "assist_task": "配合核实", "assist_tasks": {(f.other_dept.to_string()): "核实规费减免"}}),
    )
    .await)
    .await;
    let task_of = |u: i64| {
        done["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["unit"]["id"] == u)
            .map(|a| a["task"].clone())
            .unwrap()
    };
    assert_eq!(task_of(f.other_dept), "核实规费减免");
    assert_eq!(task_of(third), "配合核实");
    // The timeline names the assisting departments of the dispatch.
    let dispatch = done["events"].as_array().unwrap().last().unwrap().clone();
    let names: Vec<&str> = dispatch["assist_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["财政局", "人力资源和社会保障局"]);
    assert_replay_matches(&app, done["id"].as_i64().unwrap()).await;
}

/// The dispatch form preselects the department that has led the category's cases most often,
/// and says so; the leader may pick another.
#[tokio::test]
async fn the_dispatch_form_suggests_the_categorys_usual_lead() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let leader = app.token("leader").await;
    let b = Browser::login(&app, "leader").await;
    let first = raise(&app, &contact, "施工许可证办理受阻").await;
    let (_, html) = b.get(&format!("/cases/{}", first["id"])).await;
    assert!(
        !html.contains("id=\"lead-suggested\""),
        "no history, no suggestion"
    );
    ok(act(
        &app,
        &leader,
        &first,
        json!({"action": "dispatch", "lead_unit_id": f.other_dept, "working_days": 3}),
    )
    .await)
    .await;
    let second = raise(&app, &contact, "施工许可证又被退回").await;
    let (status, html) = b.get(&format!("/cases/{}", second["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"lead-suggested\""));
    assert!(
        html.contains(&format!("<option value=\"{}\" selected>", f.other_dept)),
        "the finance bureau, which led the last permits case, is preselected"
    );
    assert!(!html.contains(&format!("<option value=\"{}\" selected>", f.dept)));
}
