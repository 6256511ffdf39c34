//! The case engine through the API: the whole loop, every refusal, scopes, concurrency and
//! metrics with hand-computed expectations.

use chrono::{DateTime, Duration, TimeZone, Utc};
use lianxin::access::Principal;
use lianxin::cases::service::{self, ActionInput, CaseInput};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Fixture, TestApp, add_user, ok, problem, uscc};

async fn act(app: &TestApp, token: &str, case: &Value, body: Value) -> reqwest::Response {
    let id = case["id"].as_i64().expect("id");
    let mut body = body;
    body["version"] = case["version"].clone();
    app.post(token, &format!("/api/v1/cases/{id}/actions"), &body)
        .await
}

async fn act_ok(app: &TestApp, token: &str, case: &Value, body: Value) -> Value {
    ok(act(app, token, case, body).await).await
}

async fn raise_appeal(app: &TestApp, token: &str) -> Value {
    let r = app
        .post(
            token,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "category": "permits",
                    "title": "施工许可证办理受阻", "description": "复工需要的施工许可证迟迟办不下来"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.expect("json")
}

async fn assert_replay_matches(app: &TestApp, id: i64) {
    let replayed = service::replayed(&app.db, id).await.expect("replay");
    let stored = service::stored(&app.db, id).await.expect("stored");
    assert!(replayed.is_some());
    assert_eq!(
        replayed, stored,
        "the stored case is the replay of its events"
    );
}

async fn setup() -> (TestApp, Fixture, Tokens) {
    let (app, f) = TestApp::with_fixture().await;
    add_user(
        &app,
        "caizheng",
        "department_staff",
        Some("D03"),
        None,
        None,
    )
    .await;
    let t = Tokens {
        admin: app.token("admin").await,
        leader: app.token("leader").await,
        dept: app.token("department_staff").await,
        other: app.token("caizheng").await,
        contact: app.token("enterprise_contact").await,
        supervisor: app.token("supervisor").await,
        volunteer: app.token("volunteer").await,
    };
    (app, f, t)
}

struct Tokens {
    admin: String,
    leader: String,
    dept: String,
    other: String,
    contact: String,
    supervisor: String,
    volunteer: String,
}

#[tokio::test]
async fn an_appeal_goes_round_the_whole_loop_with_two_departments() {
    let (app, f, t) = setup().await;
    // The enterprise raises it; the subject is its own enterprise.
    let case = raise_appeal(&app, &t.contact).await;
    assert_eq!(case["status"], "new");
    assert_eq!(case["version"], 1);
    assert_eq!(case["enterprise"]["id"], f.ent_a);
    assert_eq!(case["source"], "online");
    assert_eq!(case["events"].as_array().map(Vec::len), Some(1));
    assert_eq!(case["number"].as_str().map(str::len), Some(14));

    // The district leader dispatches it to a lead and an assisting department.
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "dispatch", "lead_unit_id": f.dept, "assist_unit_ids": [f.other_dept],
               "working_days": 3, "lead_task": "协调办理施工许可", "assist_task": "核实规费减免"}),
    )
    .await;
    assert_eq!(case["status"], "dispatched");
    assert_eq!(case["version"], 2);
    assert_eq!(case["assignments"].as_array().map(Vec::len), Some(2));
    assert!(case["deadline"].is_string());

    // Both accept; the assisting department first.
    let case = act_ok(&app, &t.other, &case, json!({"action": "accept"})).await;
    assert_eq!(
        case["status"], "dispatched",
        "the lead has not accepted yet"
    );
    let case = act_ok(&app, &t.dept, &case, json!({"action": "accept"})).await;
    assert_eq!(case["status"], "in_progress");
    let case = act_ok(
        &app,
        &t.dept,
        &case,
        json!({"action": "reply", "note": "已联系住建部门，正在核对材料"}),
    )
    .await;

    // The lead cannot finish while the assisting part is open.
    let (status, p) = problem(
        act(
            &app,
            &t.dept,
            &case,
            json!({"action": "resolve", "solution": "已办结"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        p["detail"].as_str().unwrap_or("").contains("协办单位"),
        "{p}"
    );
    assert_eq!(p["current"]["version"], case["version"], "{p}");

    let case = act_ok(
        &app,
        &t.other,
        &case,
        json!({"action": "resolve", "solution": "规费已按政策减免"}),
    )
    .await;
    let case = act_ok(
        &app,
        &t.dept,
        &case,
        json!({"action": "resolve", "solution": "施工许可证已核发"}),
    )
    .await;
    assert_eq!(case["status"], "resolved");

    // No closing before the revisit.
    let (status, p) = problem(act(&app, &t.leader, &case, json!({"action": "close"})).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        p["detail"].as_str().unwrap_or("").contains("尚未回访"),
        "{p}"
    );

    // A handling department may not revisit its own case.
    let r = act(
        &app,
        &t.dept,
        &case,
        json!({"action": "revisit", "satisfaction": "satisfied", "solved": true}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "department staff lack case:revisit"
    );

    // The enterprise is not satisfied: the case reopens (重办).
    let case = act_ok(
        &app,
        &t.contact,
        &case,
        json!({"action": "revisit", "satisfaction": "unsatisfied", "solved": false, "note": "证还没拿到"}),
    )
    .await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["reopen_count"], 1);
    let case = act_ok(
        &app,
        &t.dept,
        &case,
        json!({"action": "resolve", "solution": "证书已送达企业"}),
    )
    .await;
    let case = act_ok(
        &app,
        &t.contact,
        &case,
        json!({"action": "revisit", "satisfaction": "satisfied", "solved": true}),
    )
    .await;
    assert_eq!(case["status"], "revisited");
    let case = act_ok(&app, &t.leader, &case, json!({"action": "close"})).await;
    assert_eq!(case["status"], "closed");
    let actions: Vec<&str> = case["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "create", "dispatch", "accept", "accept", "reply", "resolve", "resolve", "revisit",
            "resolve", "revisit", "close"
        ]
    );
    assert_eq!(case["version"], 11);
    assert_replay_matches(&app, case["id"].as_i64().expect("id")).await;
    // Every change is audited.
    let audited = app.count("audit_log WHERE entity = 'case'").await;
    assert_eq!(audited, 11);
}

#[tokio::test]
async fn refusals_change_nothing_and_say_why() {
    let (app, f, t) = setup().await;
    let case = raise_appeal(&app, &t.contact).await;
    let id = case["id"].as_i64().expect("id");

    // Wrong state, in English on request.
    let r = app
        .post_en(
            &t.leader,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "close", "version": 1}),
        )
        .await;
    let (status, p) = problem(r).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        p["detail"].as_str().unwrap_or("").contains("to dispatch"),
        "{p}"
    );

    // Invalid input: 422 naming the field.
    let (status, p) = problem(
        act(
            &app,
            &t.leader,
            &case,
            json!({"action": "dispatch", "lead_unit_id": 999999}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "lead_unit_id");
    let (status, p) = problem(act(&app, &t.leader, &case, json!({"action": "fly"})).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "action");
    let (status, p) = problem(
        act(
            &app,
            &t.leader,
            &case,
            json!({"action": "dispatch", "lead_unit_id": f.dept, "deadline": "2001-01-01T00:00:00+08:00"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "deadline");
    let (status, _) = problem(
        app.post(
            &t.leader,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "dispatch"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "version is required"
    );

    // Without the permission: 403.
    let r = act(
        &app,
        &t.contact,
        &case,
        json!({"action": "dispatch", "lead_unit_id": f.dept}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = act(&app, &t.volunteer, &case, json!({"action": "close"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let now = ok(app.get(&t.admin, &format!("/api/v1/cases/{id}")).await).await;
    assert_eq!(now["version"], 1, "nothing changed");
    assert_eq!(now["events"].as_array().map(Vec::len), Some(1));

    // A stale version: 409 with the current case.
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "dispatch", "lead_unit_id": f.dept}),
    )
    .await;
    let stale = json!({"id": id, "version": 1});
    let (status, p) = problem(act(&app, &t.dept, &stale, json!({"action": "accept"})).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(p["current"]["version"], 2, "{p}");
    assert_eq!(p["current"]["status"], "dispatched");

    // A department that is not on the case does not see it; acting for it is refused.
    let r = act(&app, &t.other, &case, json!({"action": "accept"})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (status, p) = problem(
        act(
            &app,
            &t.admin,
            &case,
            json!({"action": "accept", "unit_id": f.other_dept}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        p["detail"].as_str().unwrap_or("").contains("承办或协办"),
        "{p}"
    );
    // A second dispatch is refused.
    let (status, p) = problem(
        act(
            &app,
            &t.leader,
            &case,
            json!({"action": "dispatch", "lead_unit_id": f.other_dept}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(p["detail"].as_str().unwrap_or("").contains("退回"), "{p}");
    // Resolving before accepting.
    let (status, _) = problem(
        act(
            &app,
            &t.dept,
            &case,
            json!({"action": "resolve", "solution": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A return needs a reason.
    let (status, p) = problem(act(&app, &t.dept, &case, json!({"action": "return"})).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "note");
    // Unknown case and bad kinds.
    let r = app.get(&t.admin, "/api/v1/cases/999999").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (status, p) = problem(
        app.post(
            &t.admin,
            "/api/v1/cases",
            &json!({"kind": "nope", "title": ""}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(fields.contains(&"kind") && fields.contains(&"title"), "{p}");
    // A department may not raise a supervision finding (kind restricted to supervisors).
    let r = app
        .post(
            &t.dept,
            "/api/v1/cases",
            &json!({"kind": "supervision_finding", "title": "x", "unit_id": f.sub_a}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn return_extension_escalation_and_reopen() {
    let (app, f, t) = setup().await;
    let case = raise_appeal(&app, &t.contact).await;
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "dispatch", "lead_unit_id": f.other_dept, "assist_unit_ids": [f.dept]}),
    )
    .await;
    // Wrong department: the lead returns it, the case waits for re-dispatch (改派).
    let case = act_ok(
        &app,
        &t.other,
        &case,
        json!({"action": "return", "note": "不属于本部门职责"}),
    )
    .await;
    assert_eq!(case["status"], "new");
    assert_eq!(case["return_count"], 1);
    assert!(case["assignments"].as_array().is_some_and(Vec::is_empty));
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "dispatch", "lead_unit_id": f.dept, "working_days": 2}),
    )
    .await;
    let case = act_ok(&app, &t.dept, &case, json!({"action": "accept"})).await;
    let old_deadline: DateTime<Utc> = case["deadline"]
        .as_str()
        .expect("deadline")
        .parse()
        .expect("rfc3339");

    // Extension: asked by the lead, decided by the leader.
    let (status, _) = problem(
        act(
            &app,
            &t.dept,
            &case,
            json!({"action": "extend", "working_days": 3}),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let case = act_ok(
        &app,
        &t.dept,
        &case,
        json!({"action": "extend", "working_days": 3, "note": "需等待省级审批"}),
    )
    .await;
    assert!(case["requested_deadline"].is_string());
    let r = act(
        &app,
        &t.dept,
        &case,
        json!({"action": "approve_extension", "approve": true}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "approve_extension", "approve": true}),
    )
    .await;
    let new_deadline: DateTime<Utc> = case["deadline"]
        .as_str()
        .expect("deadline")
        .parse()
        .expect("rfc3339");
    assert!(new_deadline > old_deadline);
    assert_eq!(case["extension_count"], 1);
    assert!(case["requested_deadline"].is_null());

    // Escalation (督办) goes up the tree: from the department to the district.
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "escalate", "note": "请加快办理", "hours": 24}),
    )
    .await;
    assert_eq!(case["escalation_count"], 1);
    assert_eq!(case["escalated_unit"]["id"], f.district);

    let case = act_ok(
        &app,
        &t.dept,
        &case,
        json!({"action": "resolve", "solution": "已办结"}),
    )
    .await;
    let case = act_ok(
        &app,
        &t.contact,
        &case,
        json!({"action": "revisit", "satisfaction": "basically_satisfied", "solved": true}),
    )
    .await;
    let case = act_ok(&app, &t.leader, &case, json!({"action": "close"})).await;
    // A leader can reopen a closed case with a reason.
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "reopen", "note": "企业反映问题复发"}),
    )
    .await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["reopen_count"], 1);
    assert_replay_matches(&app, case["id"].as_i64().expect("id")).await;
}

#[tokio::test]
async fn scopes_an_enterprise_sees_its_own_a_department_what_it_works_on() {
    let (app, f, t) = setup().await;
    let own = raise_appeal(&app, &t.contact).await;
    let other = ok(app
        .post(
            &t.admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "用工缺口", "enterprise_id": f.ent_b, "source": "hotline"}),
        )
        .await)
    .await;
    // The contact cannot raise for another enterprise.
    let (status, p) = problem(
        app.post(
            &t.contact,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "x", "enterprise_id": f.ent_b}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "enterprise_id");

    let list = ok(app.get(&t.contact, "/api/v1/cases").await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], own["id"]);
    let r = app
        .get(&t.contact, &format!("/api/v1/cases/{}", other["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A department sees nothing until it leads or assists.
    let list = ok(app.get(&t.other, "/api/v1/cases").await).await;
    assert_eq!(list["total"], 0);
    act_ok(
        &app,
        &t.leader,
        &other,
        json!({"action": "dispatch", "lead_unit_id": f.dept, "assist_unit_ids": [f.other_dept]}),
    )
    .await;
    let list = ok(app.get(&t.other, "/api/v1/cases").await).await;
    assert_eq!(list["total"], 1);
    let list = ok(app.get(&t.dept, "/api/v1/cases?bucket=to_accept").await).await;
    assert_eq!(list["total"], 1);
    let todo = ok(app.get(&t.dept, "/api/v1/cases/todo").await).await;
    let to_accept = todo
        .as_array()
        .expect("todo")
        .iter()
        .find(|b| b["bucket"] == "to_accept")
        .expect("to_accept");
    assert_eq!(to_accept["count"], 1);
    let todo = ok(app.get(&t.leader, "/api/v1/cases/todo").await).await;
    let to_dispatch = todo
        .as_array()
        .expect("todo")
        .iter()
        .find(|b| b["bucket"] == "to_dispatch")
        .expect("to_dispatch");
    assert_eq!(to_dispatch["count"], 1, "the enterprise's own appeal waits");
    // The supervisor sees everything; a volunteer nothing at all.
    let list = ok(app.get(&t.supervisor, "/api/v1/cases").await).await;
    assert_eq!(list["total"], 2);
    let r = app.get(&t.volunteer, "/api/v1/cases").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_actors_on_one_case_never_lose_an_update() {
    let (app, f, t) = setup().await;
    let case = raise_appeal(&app, &t.contact).await;
    let case = act_ok(
        &app,
        &t.leader,
        &case,
        json!({"action": "dispatch", "lead_unit_id": f.dept, "assist_unit_ids": [f.other_dept]}),
    )
    .await;
    for _round in 0..3 {
        // Both departments accept at once from the same version: exactly one wins.
        let current = ok(app
            .get(&t.admin, &format!("/api/v1/cases/{}", case["id"]))
            .await)
        .await;
        if current["assignments"]
            .as_array()
            .expect("assignments")
            .iter()
            .all(|a| a["status"] != "pending")
        {
            break;
        }
        let (a, b) = tokio::join!(
            act(
                &app,
                &t.dept,
                &current,
                json!({"action": "reply", "note": "工信局进展"})
            ),
            act(
                &app,
                &t.other,
                &current,
                json!({"action": "reply", "note": "财政局进展"})
            ),
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        let loser = if a.status() == StatusCode::CONFLICT {
            a
        } else {
            b
        };
        let (_, p) = problem(loser).await;
        assert_eq!(
            p["current"]["version"].as_i64(),
            current["version"].as_i64().map(|v| v + 1),
            "the 409 carries the winner's version"
        );
    }
    // Many concurrent actions: every acknowledged one is in the timeline, versions 1..=n.
    let current = ok(app
        .get(&t.admin, &format!("/api/v1/cases/{}", case["id"]))
        .await)
    .await;
    let mut handles = Vec::new();
    for i in 0..8 {
        let token = if i % 2 == 0 {
            t.dept.clone()
        } else {
            t.other.clone()
        };
        let base = app.url(&format!("/api/v1/cases/{}/actions", case["id"]));
        let client = reqwest::Client::new();
        let version = current["version"].clone();
        handles.push(tokio::spawn(async move {
            client
                .post(base)
                .bearer_auth(token)
                .json(&json!({"action": "reply", "note": format!("进展 {i}"), "version": version}))
                .send()
                .await
                .expect("send")
                .status()
        }));
    }
    let mut won = 0;
    for h in handles {
        let s = h.await.expect("join");
        assert!(s == StatusCode::OK || s == StatusCode::CONFLICT, "{s}");
        won += usize::from(s == StatusCode::OK);
    }
    assert_eq!(won, 1, "one version, one winner");
    let after = ok(app
        .get(&t.admin, &format!("/api/v1/cases/{}", case["id"]))
        .await)
    .await;
    let seqs: Vec<i64> = after["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    assert_eq!(
        seqs,
        (1..=after["version"].as_i64().expect("v")).collect::<Vec<_>>()
    );
    assert_replay_matches(&app, case["id"].as_i64().expect("id")).await;
}

// --- metrics ------------------------------------------------------------------------------------

fn at(t0: DateTime<Utc>, hours: i64) -> DateTime<Utc> {
    t0 + Duration::hours(hours)
}

async fn step(app: &TestApp, id: i64, when: DateTime<Utc>, input: ActionInput) {
    let who = Principal::system("test");
    let version = service::stored(&app.db, id)
        .await
        .expect("stored")
        .expect("case")
        .case
        .version;
    service::act(
        &app.db,
        &who,
        id,
        ActionInput {
            version: Some(version),
            ..input
        },
        when,
    )
    .await
    .expect("act");
}

fn action(a: &str) -> ActionInput {
    ActionInput {
        action: Some(a.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn metrics_count_open_overdue_cases_as_late() {
    let (app, f, t) = setup().await;
    let who = Principal::system("test");
    // Monday 16 March 2020, 09:00 in Zhengzhou.
    let t0 = Utc.with_ymd_and_hms(2020, 3, 16, 1, 0, 0).unwrap();
    let mut ids = Vec::new();
    for title in ["A", "B", "C", "D", "E"] {
        let c = service::create(
            &app.db,
            &who,
            CaseInput {
                kind: Some("enterprise_appeal".into()),
                title: Some(title.into()),
                enterprise_id: Some(f.ent_a),
                ..Default::default()
            },
            t0,
        )
        .await
        .expect("create");
        ids.push(c.id);
    }
    let dispatch = |lead: i64| ActionInput {
        lead_unit_id: Some(lead),
        hours: Some(48),
        ..action("dispatch")
    };
    let resolve = |unit: i64| ActionInput {
        unit_id: Some(unit),
        solution: Some("done".into()),
        ..action("resolve")
    };
    let accept = |unit: i64| ActionInput {
        unit_id: Some(unit),
        ..action("accept")
    };
    let revisit = |s: &str, solved: bool| ActionInput {
        satisfaction: Some(s.into()),
        solved: Some(solved),
        ..action("revisit")
    };
    let (a, b, c, e) = (ids[0], ids[1], ids[2], ids[4]);
    // A: accepted in time, resolved in 23 h, revisited satisfied, closed.
    step(&app, a, t0, dispatch(f.dept)).await;
    step(&app, a, at(t0, 1), accept(f.dept)).await;
    step(&app, a, at(t0, 24), resolve(f.dept)).await;
    step(&app, a, at(t0, 25), revisit("satisfied", true)).await;
    step(&app, a, at(t0, 26), action("close")).await;
    // B: accepted after the response deadline (end of Tuesday), resolved late (72 h > 48 h).
    step(&app, b, t0, dispatch(f.dept)).await;
    step(&app, b, at(t0, 40), accept(f.dept)).await;
    step(&app, b, at(t0, 72), resolve(f.dept)).await;
    // C: accepted, never resolved: open and past its deadline now.
    step(&app, c, t0, dispatch(f.dept)).await;
    step(&app, c, at(t0, 2), accept(f.dept)).await;
    // D: never dispatched.
    // E (other department): resolved, revisited unsatisfied, reopened: open and overdue again.
    step(&app, e, t0, dispatch(f.other_dept)).await;
    step(&app, e, at(t0, 1), accept(f.other_dept)).await;
    step(&app, e, at(t0, 10), resolve(f.other_dept)).await;
    step(&app, e, at(t0, 11), revisit("unsatisfied", false)).await;

    let m = ok(app
        .get(&t.leader, "/api/v1/cases/metrics?group_by=unit")
        .await)
    .await;
    let row = |key: String| {
        m["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no row {key} in {m}"))
    };
    let close = |v: &Value, x: f64| {
        let got = v.as_f64().unwrap_or(f64::NAN);
        assert!((got - x).abs() < 1e-9, "{got} != {x}");
    };
    let d = row(f.dept.to_string());
    assert_eq!(d["name"], "工业和信息化局");
    assert_eq!(d["received"], 3);
    assert_eq!(d["dispatched"], 3);
    assert_eq!(d["response_due"], 3);
    assert_eq!(d["responded_on_time"], 2);
    close(&d["response_rate"], 2.0 / 3.0);
    assert_eq!(
        d["resolution_due"], 3,
        "A and B resolved, C open past its deadline"
    );
    assert_eq!(d["resolved_on_time"], 1);
    close(&d["on_time_resolution_rate"], 1.0 / 3.0);
    assert_eq!(d["overdue_open"], 1);
    assert_eq!(d["resolved"], 2);
    close(&d["revisit_rate"], 0.5);
    close(&d["satisfaction_rate"], 1.0);
    close(&d["rehandle_rate"], 0.0);
    close(&d["return_rate"], 0.0);
    close(&d["avg_handling_days"], 2.0);
    close(&d["p90_handling_days"], 3.0);

    let o = row(f.other_dept.to_string());
    assert_eq!(o["received"], 1);
    close(&o["response_rate"], 1.0);
    assert_eq!(o["resolution_due"], 1);
    close(&o["on_time_resolution_rate"], 0.0);
    assert_eq!(o["overdue_open"], 1);
    close(&o["satisfaction_rate"], 0.0);
    close(&o["rehandle_rate"], 1.0);
    assert!(
        o["avg_handling_days"].is_null(),
        "reopened: no resolution stands"
    );

    let none = row("none".into());
    assert_eq!(none["received"], 1);
    assert!(none["on_time_resolution_rate"].is_null());

    assert_eq!(m["total"]["received"], 5);
    close(&m["total"]["on_time_resolution_rate"], 0.25);
    assert_eq!(m["total"]["overdue_open"], 2);
    assert_eq!(m["total"]["handled"], 2);
    close(&m["total"]["avg_handling_days"], 2.0);

    // A filtered view (a period) computes the percentile another way: the same figures.
    let mf = ok(app
        .get(
            &t.leader,
            "/api/v1/cases/metrics?group_by=unit&from=2020-01-01T00:00:00Z",
        )
        .await)
    .await;
    let df = mf["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["key"].as_str() == Some(f.dept.to_string().as_str()))
        .cloned()
        .expect("dept row");
    close(&df["p90_handling_days"], 3.0);
    close(&df["on_time_resolution_rate"], 1.0 / 3.0);
    // The district view reads running totals; a filtered view scans the cases. Same figures.
    for group in ["unit", "subject", "kind", "cadre", "month"] {
        let totals = ok(app
            .get(
                &t.leader,
                &format!("/api/v1/cases/metrics?group_by={group}"),
            )
            .await)
        .await;
        let scan = ok(app
            .get(
                &t.leader,
                &format!("/api/v1/cases/metrics?group_by={group}&from=2000-01-01T00:00:00Z"),
            )
            .await)
        .await;
        let strip = |m: &Value| {
            let mut items = m["items"].as_array().expect("items").clone();
            items.sort_by_key(|r| r["key"].as_str().unwrap_or("").to_owned());
            items
        };
        assert_eq!(strip(&totals), strip(&scan), "group_by={group}");
    }
    // By kind and by month, and a period that holds none of them.
    let m = ok(app
        .get(&t.leader, "/api/v1/cases/metrics?group_by=kind")
        .await)
    .await;
    assert_eq!(m["items"][0]["received"], 5);
    assert_eq!(m["items"][0]["name"], "企业诉求");
    let m = ok(app
        .get(&t.leader, "/api/v1/cases/metrics?group_by=month")
        .await)
    .await;
    assert_eq!(m["items"][0]["key"], "2020-03");
    let m = ok(app
        .get(&t.leader, "/api/v1/cases/metrics?from=2021-01-01T00:00:00Z")
        .await)
    .await;
    assert_eq!(m["total"]["received"], 0);
    // The overdue board lists the two open overdue cases, earliest deadline first.
    let overdue = ok(app.get(&t.leader, "/api/v1/cases?overdue=true").await).await;
    assert_eq!(overdue["total"], 2);
    assert_eq!(overdue["items"][0]["id"], c);
    // Metrics need the permission; a bad group is a 422.
    let r = app.get(&t.contact, "/api/v1/cases/metrics").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _) = problem(
        app.get(&t.leader, "/api/v1/cases/metrics?group_by=planet")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get(&t.leader, "/api/v1/cases/metrics.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.expect("bytes")[..2], b"PK");
}

/// What the metrics must say, recounted straight from the facts rows of the cases in view.
fn recount(
    facts: &[lianxin::cases::entities::case_facts::Model],
    q: &MetricsQuery,
    kind_id: Option<i64>,
    now: i64,
) -> std::collections::BTreeMap<String, Value> {
    use lianxin::cases::metrics::GroupBy;
    let mut groups: std::collections::BTreeMap<String, (Vec<i64>, Vec<i64>)> = Default::default();
    for f in facts {
        if q.from.is_some_and(|v| f.received < v.timestamp())
            || q.to.is_some_and(|v| f.received >= v.timestamp())
            || kind_id.is_some_and(|k| f.kind_id != k)
        {
            continue;
        }
        let key = match q.group_by.unwrap_or_default() {
            GroupBy::Unit => f.lead_unit_id,
            GroupBy::Subject => f.subject_unit_id,
            GroupBy::Kind => Some(f.kind_id),
            GroupBy::Cadre => f.responsible_person_id,
            GroupBy::Month => Some(i64::from(f.month)),
        };
        let key = match key {
            None => "none".to_owned(),
            Some(m) if q.group_by == Some(GroupBy::Month) => {
                format!("{:04}-{:02}", m / 100, m % 100)
            }
            Some(v) => v.to_string(),
        };
        let b = |v: bool| i64::from(v);
        let n = |v: i16| i64::from(v);
        let row = [
            1,
            n(f.dispatched),
            b(f.responded_on_time.is_some()
                || f.unaccepted_response_deadline.is_some_and(|d| d < now)),
            n(f.responded_on_time.unwrap_or(0)),
            b(f.resolved_on_time.is_some() || f.open_deadline.is_some_and(|d| d < now)),
            n(f.resolved_on_time.unwrap_or(0)),
            b(f.open_deadline.is_some_and(|d| d < now)),
            n(f.resolved_ever),
            n(f.revisited),
            n(f.satisfied),
            n(f.reopened),
            n(f.returned),
        ];
        let e = groups
            .entry(key)
            .or_insert_with(|| (vec![0; 12], Vec::new()));
        for (x, v) in e.0.iter_mut().zip(row) {
            *x += v;
        }
        e.1.extend(f.handling_secs);
    }
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    groups
        .into_iter()
        .map(|(key, (c, mut secs))| {
            secs.sort_unstable();
            let handled = secs.len();
            let avg = (handled > 0)
                .then(|| round2(secs.iter().sum::<i64>() as f64 / handled as f64 / 86400.0));
            let p90 = (handled > 0).then(|| {
                let rank = std::cmp::max((handled * 9).div_ceil(10), 1) - 1;
                round2(secs[rank] as f64 / 86400.0)
            });
            let names = [
                "received",
                "dispatched",
                "response_due",
                "responded_on_time",
                "resolution_due",
                "resolved_on_time",
                "overdue_open",
                "resolved",
                "revisited",
                "satisfied",
                "reopened",
                "returned",
            ];
            let mut v =
                json!({"handled": handled, "avg_handling_days": avg, "p90_handling_days": p90});
            for (name, x) in names.iter().zip(c) {
                v[*name] = json!(x);
            }
            (key, v)
        })
        .collect()
}

use lianxin::cases::metrics::MetricsQuery;

#[tokio::test]
async fn metrics_from_totals_match_a_recount_for_any_period_kind_and_scope() {
    use lianxin::cases::entities::{case_day_tallies, case_facts};
    use lianxin::cases::metrics::{self, GroupBy};
    use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
    let (app, f, _t) = setup().await;
    let who = Principal::system("test");
    // Monday 16 March 2020, 09:00 in Zhengzhou; cases over three weeks at odd hours.
    let t0 = Utc.with_ymd_and_hms(2020, 3, 16, 1, 0, 0).unwrap();
    for i in 0..48i64 {
        let created = t0 + Duration::minutes(i * 7 * 60 + (i % 5) * 13);
        let input = if i % 3 == 0 {
            CaseInput {
                kind: Some("supervision_finding".into()),
                title: Some(format!("发现 {i}")),
                unit_id: Some([f.sub_a, f.community_b, f.sub_b][(i as usize / 3) % 3]),
                ..Default::default()
            }
        } else {
            CaseInput {
                kind: Some("enterprise_appeal".into()),
                title: Some(format!("诉求 {i}")),
                enterprise_id: Some([f.ent_a, f.ent_b][i as usize % 2]),
                ..Default::default()
            }
        };
        let id = service::create(&app.db, &who, input, created)
            .await
            .expect("create")
            .id;
        if i % 7 == 6 {
            continue;
        }
        let lead = [f.dept, f.other_dept][i as usize % 2];
        // Some cases are assisted by the other department: a limited scope sees them through
        // its assignments alone.
        let assist = [f.other_dept, f.dept][i as usize % 2];
        step(
            &app,
            id,
            created,
            ActionInput {
                lead_unit_id: Some(lead),
                assist_unit_ids: (i % 4 == 1).then(|| vec![assist]),
                hours: Some(24 + (i % 4) * 24),
                ..action("dispatch")
            },
        )
        .await;
        if i % 5 == 1 {
            continue;
        }
        let accept = ActionInput {
            unit_id: Some(lead),
            ..action("accept")
        };
        step(&app, id, at(created, i % 40), accept).await;
        let assisted = (i % 4 == 1).then_some(assist);
        if let Some(u) = assisted {
            let accept = ActionInput {
                unit_id: Some(u),
                ..action("accept")
            };
            step(&app, id, at(created, i % 40), accept).await;
        }
        if i % 6 == 5 {
            continue;
        }
        for u in assisted.into_iter().chain([lead]) {
            let resolve = ActionInput {
                unit_id: Some(u),
                solution: Some("done".into()),
                ..action("resolve")
            };
            step(&app, id, at(created, 41 + (i * 3) % 90), resolve).await;
        }
        if i % 3 == 0 {
            let unsatisfied = i % 9 == 0;
            let revisit = ActionInput {
                satisfaction: Some(
                    if unsatisfied {
                        "unsatisfied"
                    } else {
                        "satisfied"
                    }
                    .into(),
                ),
                solved: Some(!unsatisfied),
                ..action("revisit")
            };
            step(&app, id, at(created, 140), revisit).await;
        }
    }
    let now = t0 + Duration::days(12);
    let facts = case_facts::Entity::find()
        .all(&app.db)
        .await
        .expect("facts");
    let kinds = [None, Some("enterprise_appeal"), Some("supervision_finding")];
    let mut kind_ids = std::collections::HashMap::new();
    for k in kinds.iter().flatten() {
        let id = lianxin::cases::kinds::by_code(&app.db, k)
            .await
            .expect("kind")
            .expect("kind exists")
            .id;
        kind_ids.insert(*k, id);
    }
    // Instants: midnights in Zhengzhou (whole days), odd minutes (partial days), none.
    let mut seed: u64 = 20200316;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let midnight = Utc.with_ymd_and_hms(2020, 3, 15, 16, 0, 0).unwrap();
    let instant = |next: &mut dyn FnMut(u64) -> u64| match next(4) {
        0 => None,
        1 => Some(midnight + Duration::days(next(24) as i64)),
        _ => Some(t0 + Duration::minutes(next(60 * 24 * 22) as i64 - 60 * 24)),
    };
    let scopes = [
        None,
        Some(lianxin::access::scope::Scope {
            subtrees: vec![f.sub_a],
            user_id: Some(1),
            ..Default::default()
        }),
        Some(lianxin::access::scope::Scope {
            units: vec![f.dept],
            user_id: Some(1),
            ..Default::default()
        }),
    ];
    // A sub-district's and a department's staff, every grouping without filters, over a
    // period (edges mid-day), over a kind and both: 40 rounds after the 60 random ones.
    let period = (
        Some(t0 + Duration::minutes(3 * 24 * 60 + 17)),
        Some(t0 + Duration::minutes(15 * 24 * 60 + 41)),
    );
    let mut answered = 0;
    for round in 0..100 {
        let q = if round < 60 {
            MetricsQuery {
                group_by: Some(GroupBy::ALL[next(5) as usize]),
                from: instant(&mut next),
                to: instant(&mut next),
                kind: kinds[next(3) as usize].map(Into::into),
            }
        } else {
            let r = round - 60;
            let (from, to) = if r % 4 >= 2 { period } else { (None, None) };
            MetricsQuery {
                group_by: Some(GroupBy::ALL[(r / 4) % 5]),
                from,
                to,
                kind: (r % 2 == 1).then(|| "enterprise_appeal".into()),
            }
        };
        let scope = &scopes[match round {
            0..40 => 0,
            40..60 => 1 + next(2) as usize,
            _ => 1 + (round - 60) / 20,
        }];
        let mut caller = who.clone();
        let in_view: Vec<case_facts::Model> = match scope {
            None => facts.clone(),
            Some(s) => {
                caller.scope = s.clone();
                let ids: Vec<i64> = lianxin::entities::cases::Entity::find()
                    .filter(lianxin::cases::scope::cases_condition(s))
                    .all(&app.db)
                    .await
                    .expect("cases")
                    .into_iter()
                    .map(|c| c.id)
                    .collect();
                facts
                    .iter()
                    .filter(|f| ids.contains(&f.case_id))
                    .cloned()
                    .collect()
            }
        };
        let m = metrics::compute(&app.db, &caller, &q, lianxin::i18n::Lang::En, now)
            .await
            .expect("metrics");
        let expected = recount(
            &in_view,
            &q,
            q.kind.as_deref().map(|k| kind_ids[k]),
            now.timestamp(),
        );
        let got: std::collections::BTreeMap<String, Value> = m
            .items
            .iter()
            .map(|r| {
                let v = serde_json::to_value(r).expect("json");
                let mut e = json!({});
                for name in expected.values().next().map_or(vec![], |x| {
                    x.as_object().expect("object").keys().cloned().collect()
                }) {
                    e[&name] = v[&name].clone();
                }
                (r.key.clone(), e)
            })
            .collect();
        assert_eq!(got, expected, "round {round}: {q:?} scope {scope:?}");
        answered += usize::from(!got.is_empty());
    }
    assert!(answered > 60, "{answered} filters held cases");
    // The upgrade's backfill gives the totals the service kept case by case.
    let kept = case_day_tallies::Entity::find()
        .order_by_asc(case_day_tallies::Column::Dimension)
        .order_by_asc(case_day_tallies::Column::Day)
        .order_by_asc(case_day_tallies::Column::KindId)
        .order_by_asc(case_day_tallies::Column::Key)
        .all(&app.db)
        .await
        .expect("tallies")
        .into_iter()
        .filter(|t| t.received > 0)
        .collect::<Vec<_>>();
    assert!(kept.len() > 40, "{}", kept.len());
    app.db
        .execute_unprepared("DELETE FROM case_day_tallies")
        .await
        .expect("empty");
    lianxin::cases::migrations::fill_day_tallies(&app.db)
        .await
        .expect("backfill");
    let filled = case_day_tallies::Entity::find()
        .order_by_asc(case_day_tallies::Column::Dimension)
        .order_by_asc(case_day_tallies::Column::Day)
        .order_by_asc(case_day_tallies::Column::KindId)
        .order_by_asc(case_day_tallies::Column::Key)
        .all(&app.db)
        .await
        .expect("tallies");
    assert_eq!(filled, kept);

    // The units that see each case follow firms and units that move, whatever moves them:
    // the cases each limited scope finds through `case_sight` stay those its definition
    // admits, the metrics stay a recount of them, and the kept sight stays what a fill from
    // scratch writes.
    let t = app.token("admin").await;
    let mut scopes = sight_scopes(&f);
    // A department's cadre paired with 郑州矿山机械 (三对一): their login sees its cases
    // through the pairing area's grant, beyond their unit.
    let cadre = ok(app
        .post(
            &t,
            "/api/v1/people",
            &json!({"name": "周建国", "unit_id": f.dept, "kinds": ["cadre"],
                    "id_number": crate::helpers::id_number("41010619700101111")}),
        )
        .await)
    .await["id"]
        .as_i64()
        .expect("cadre");
    let r = app
        .put_as_sent(
            &t,
            &format!("/api/v1/enterprises/{}/pairing", f.ent_b),
            &json!({"leader_person_id": cadre, "from": "2020-02-03"}),
        )
        .await;
    ok(r).await;
    scopes.push(lianxin::access::scope::Scope {
        units: vec![f.dept],
        user_id: Some(1),
        acting_person_id: Some(cadre),
        ..Default::default()
    });
    sight_agrees(&app, &scopes, "as the engine wrote it").await;
    // 郑州长城科工贸 moves from 济源路街道 to 矿山街道, through the form.
    let r = app
        .put(
            &t,
            &format!("/api/v1/enterprises/{}", f.ent_a),
            &json!({"name": "郑州长城科工贸有限公司", "uscc": uscc("MA44AAA1"),
                    "unit_id": f.sub_b, "service_team_id": f.team}),
        )
        .await;
    ok(r).await;
    sight_agrees(&app, &scopes, "a firm moved to another sub-district").await;
    // Its service team leaves; the other firm gets one, stationed by the pairing service.
    lianxin::registries::enterprises::station(&app.db, &who, f.ent_a, None)
        .await
        .expect("unstation");
    lianxin::registries::enterprises::station(&app.db, &who, f.ent_b, Some(f.team))
        .await
        .expect("station");
    sight_agrees(&app, &scopes, "teams stationed and withdrawn").await;
    // 乙社区, the subject of findings, moves under 济源路街道; then the task force (with
    // its team) under 济源路街道 too, and back under the district.
    for (unit, body) in [
        (
            f.community_b,
            json!({"name": "乙社区", "kind": "community", "parent_id": f.sub_a}),
        ),
        (
            f.task_force,
            json!({"name": "铝精深加工行业服务专班", "kind": "task_force",
                              "parent_id": f.sub_a, "code": "T01"}),
        ),
        (
            f.task_force,
            json!({"name": "铝精深加工行业服务专班", "kind": "task_force",
                              "parent_id": f.district, "code": "T01"}),
        ),
    ] {
        let r = app.put(&t, &format!("/api/v1/units/{unit}"), &body).await;
        ok(r).await;
        sight_agrees(&app, &scopes, &format!("unit {unit} moved")).await;
    }
    let facts = case_facts::Entity::find()
        .all(&app.db)
        .await
        .expect("facts");
    for scope in &scopes {
        let mut caller = who.clone();
        caller.scope = scope.clone();
        let ids = condition_ids(&app, scope).await;
        let in_view: Vec<case_facts::Model> = facts
            .iter()
            .filter(|f| ids.contains(&f.case_id))
            .cloned()
            .collect();
        let q = MetricsQuery {
            group_by: Some(GroupBy::Subject),
            ..Default::default()
        };
        let m = metrics::compute(&app.db, &caller, &q, lianxin::i18n::Lang::En, now)
            .await
            .expect("metrics");
        let expected = recount(&in_view, &q, None, now.timestamp());
        assert_eq!(
            m.items.iter().map(|r| r.received).sum::<i64>(),
            expected
                .values()
                .map(|v| v["received"].as_i64().unwrap_or(0))
                .sum::<i64>(),
            "after the moves, scope {scope:?}"
        );
    }
}

/// Limited scopes of every shape `case_sight` serves: subtrees, exact units (a department, a
/// sub-district without its communities, a team), a community's subtree.
fn sight_scopes(f: &Fixture) -> Vec<lianxin::access::scope::Scope> {
    use lianxin::access::scope::Scope;
    let subtree = |u: i64| Scope {
        subtrees: vec![u],
        user_id: Some(1),
        ..Default::default()
    };
    let exact = |u: i64| Scope {
        units: vec![u],
        user_id: Some(1),
        ..Default::default()
    };
    vec![
        subtree(f.sub_a),
        subtree(f.sub_b),
        subtree(f.community_b),
        subtree(f.task_force),
        exact(f.dept),
        exact(f.sub_a),
        exact(f.team),
        Scope {
            units: vec![f.other_dept],
            subtrees: vec![f.community_a, f.sub_b],
            user_id: Some(1),
            ..Default::default()
        },
    ]
}

/// The cases `cases_condition` admits for `scope`: the definition.
async fn condition_ids(app: &TestApp, scope: &lianxin::access::scope::Scope) -> Vec<i64> {
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
    lianxin::entities::cases::Entity::find()
        .filter(lianxin::cases::scope::cases_condition(scope))
        .order_by_asc(lianxin::entities::cases::Column::Id)
        .all(&app.db)
        .await
        .expect("cases")
        .into_iter()
        .map(|c| c.id)
        .collect()
}

/// Each scope finds through `visible_case_ids` exactly the cases its definition admits,
/// and the kept `case_sight` is what a fill from scratch writes.
async fn sight_agrees(app: &TestApp, scopes: &[lianxin::access::scope::Scope], when: &str) {
    use lianxin::cases::entities::case_sight;
    use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
    let backend = app.db.get_database_backend();
    let mut nonempty = 0;
    for scope in scopes {
        let stmt = lianxin::cases::scope::visible_case_ids(scope).expect("limited");
        let mut found: Vec<i64> = app
            .db
            .query_all_raw(backend.build(&stmt))
            .await
            .expect("ids")
            .iter()
            .map(|r| r.try_get_by_index::<i64>(0).expect("id"))
            .collect();
        found.sort_unstable();
        found.dedup();
        let expected = condition_ids(app, scope).await;
        nonempty += usize::from(!expected.is_empty());
        assert_eq!(found, expected, "{when}: scope {scope:?}");
    }
    assert!(nonempty >= 6, "{when}: most scopes see cases");
    let all = || {
        case_sight::Entity::find()
            .order_by_asc(case_sight::Column::UnitId)
            .order_by_asc(case_sight::Column::CaseId)
            .all(&app.db)
    };
    let kept = all().await.expect("sight");
    assert!(!kept.is_empty());
    app.db
        .execute_unprepared("DELETE FROM case_sight")
        .await
        .expect("empty");
    app.db
        .execute_unprepared(&lianxin::cases::sight::fill_sql("1 = 1"))
        .await
        .expect("fill");
    assert_eq!(all().await.expect("sight"), kept, "{when}: the kept sight");
}

#[tokio::test]
async fn an_inspection_records_findings_and_a_bulletin_is_issued_once() {
    let (app, f, t) = setup().await;
    let group = ok(app
        .post(
            &t.admin,
            "/api/v1/units",
            &json!({"name": "第一监督检查组", "kind": "inspection_group", "parent_id": f.district}),
        )
        .await)
    .await;
    let body = json!({
        "group_unit_id": group["id"], "inspected_unit_id": f.sub_a, "held_on": "2020-03-10",
        "place": "济源路街道办事处", "methods": ["attend_meeting", "records_review"],
        "attendees": "张三、李四", "summary": "列席防控例会并查阅台账",
        "findings": [
            {"title": "卡点登记台账不全", "category": "prevention", "lead_unit_id": f.sub_a, "working_days": 3},
            {"title": "企业诉求回复超期", "category": "inaction"}
        ]
    });
    // Only supervisors record inspections; bad input names the finding.
    let r = app.post(&t.dept, "/api/v1/inspections", &body).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut bad = body.clone();
    bad["findings"][1]["title"] = json!("");
    let (status, p) = problem(app.post(&t.supervisor, "/api/v1/inspections", &bad).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "findings[1].title");
    assert_eq!(app.count("inspections").await, 0, "nothing kept");
    let insp = ok(app.post(&t.supervisor, "/api/v1/inspections", &body).await).await;
    assert_eq!(insp["findings"], 2);
    assert_eq!(insp["method_labels"][0], "列席会议");
    let findings = ok(app
        .get(
            &t.supervisor,
            &format!("/api/v1/cases?inspection_id={}", insp["id"]),
        )
        .await)
    .await;
    assert_eq!(findings["total"], 2);
    let spot = findings["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["title"] == "卡点登记台账不全")
        .cloned()
        .expect("finding");
    assert_eq!(spot["status"], "dispatched", "handed over on the spot");
    assert_eq!(spot["kind"], "supervision_finding");
    assert_eq!(spot["source"], "inspection");

    // A finding is verified by the inspecting group, not by an enterprise.
    let spot = act_ok(&app, &t.admin, &spot, json!({"action": "accept"})).await;
    let spot = act_ok(
        &app,
        &t.admin,
        &spot,
        json!({"action": "resolve", "solution": "台账已补齐"}),
    )
    .await;
    let r = act(
        &app,
        &t.contact,
        &spot,
        json!({"action": "revisit", "satisfaction": "satisfied", "solved": true}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "not the enterprise's case"
    );
    let spot = act_ok(
        &app,
        &t.supervisor,
        &spot,
        json!({"action": "revisit", "satisfaction": "satisfied", "solved": true, "note": "现场核验整改到位"}),
    )
    .await;
    assert_eq!(spot["status"], "revisited");

    // A bulletin about the slow one: draft, edit, issue with the next number, then frozen.
    let slow = findings["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["title"] == "企业诉求回复超期")
        .cloned()
        .expect("finding");
    let draft = ok(app
        .post(
            &t.supervisor,
            "/api/v1/bulletins",
            &json!({"kind": "criticism", "title": "关于企业诉求办理不及时的通报", "body": "经查……",
                    "items": [{"case_id": slow["id"], "unit_id": f.sub_a, "note": "超期未回复"}]}),
        )
        .await)
    .await;
    assert_eq!(draft["status"], "draft");
    assert!(draft["number"].is_null());
    let edited = ok(app
        .put(
            &t.supervisor,
            &format!("/api/v1/bulletins/{}", draft["id"]),
            &json!({"kind": "criticism", "title": "关于企业诉求办理不及时的通报", "body": "经查，济源路街道……",
                    "version": 1, "items": [{"case_id": slow["id"], "unit_id": f.sub_a, "note": "超期未回复"}]}),
        )
        .await)
    .await;
    assert_eq!(edited["version"], 2);
    // The supervisor drafts; the leader issues.
    let r = app
        .post(
            &t.supervisor,
            &format!("/api/v1/bulletins/{}/issue", draft["id"]),
            &json!({"version": 2}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let issued = ok(app
        .post(
            &t.leader,
            &format!("/api/v1/bulletins/{}/issue", draft["id"]),
            &json!({"version": 2}),
        )
        .await)
    .await;
    assert_eq!(issued["status"], "issued");
    let year = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y")
        .to_string();
    assert_eq!(issued["number"], format!("上街督〔{year}〕1号"));
    let (status, p) = problem(
        app.put(
            &t.supervisor,
            &format!("/api/v1/bulletins/{}", draft["id"]),
            &json!({"kind": "circular", "title": "改", "body": "改", "version": 3, "items": []}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(p["detail"].as_str().unwrap_or("").contains("已签发"), "{p}");
    // A second bulletin, with the pattern changed, gets number 2.
    let r = app
        .put(
            &t.leader,
            "/api/v1/bulletins/number-pattern",
            &json!({"pattern": "上街督查〔{year}〕第{seq}号"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (status, _) = problem(
        app.put(
            &t.leader,
            "/api/v1/bulletins/number-pattern",
            &json!({"pattern": "无序号"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let second = ok(app
        .post(
            &t.supervisor,
            "/api/v1/bulletins",
            &json!({"kind": "circular", "title": "情况通报", "body": "……", "items": [{"unit_id": f.dept}]}),
        )
        .await)
    .await;
    let second = ok(app
        .post(
            &t.leader,
            &format!("/api/v1/bulletins/{}/issue", second["id"]),
            &json!({"version": 1}),
        )
        .await)
    .await;
    assert_eq!(second["number"], format!("上街督查〔{year}〕第2号"));
    // Exports; a department reads issued bulletins but not drafts.
    for ext in ["docx", "xlsx"] {
        let r = app
            .get(
                &t.dept,
                &format!("/api/v1/bulletins/{}/export.{ext}", issued["id"]),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(&r.bytes().await.expect("bytes")[..2], b"PK");
    }
    let draft3 = ok(app
        .post(
            &t.supervisor,
            "/api/v1/bulletins",
            &json!({"title": "草稿", "body": "……", "items": []}),
        )
        .await)
    .await;
    let r = app
        .get(&t.dept, &format!("/api/v1/bulletins/{}", draft3["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list = ok(app.get(&t.dept, "/api/v1/bulletins").await).await;
    assert_eq!(list["total"], 2);
    // An empty draft cannot be issued.
    let (status, _) = problem(
        app.post(
            &t.leader,
            &format!("/api/v1/bulletins/{}/issue", draft3["id"]),
            &json!({"version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn files_are_attached_through_the_timeline_and_only_seen_in_scope() {
    let (app, f, t) = setup().await;
    let case = raise_appeal(&app, &t.contact).await;
    let id = case["id"].as_i64().expect("id");
    let upload = |token: &str, version: i64, name: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("version", version.to_string())
            .text("note", "现场照片")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_owned())
                    .mime_str("image/jpeg")
                    .expect("mime"),
            );
        app.client
            .post(app.url(&format!("/api/v1/cases/{id}/attachments")))
            .bearer_auth(token)
            .multipart(form)
            .send()
    };
    let r = upload(
        &t.contact,
        1,
        "../../厂房照片.jpg",
        b"\xff\xd8\xff photo".to_vec(),
    )
    .await
    .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let c: Value = r.json().await.expect("json");
    assert_eq!(c["version"], 2);
    assert_eq!(c["events"][1]["action"], "attach");
    assert_eq!(
        c["attachments"][0]["filename"], "厂房照片.jpg",
        "no path in a file name"
    );
    let href = c["attachments"][0]["href"]
        .as_str()
        .expect("href")
        .to_owned();
    let r = app.get(&t.contact, &href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .starts_with("attachment")
    );
    assert_eq!(&r.bytes().await.expect("bytes")[..], b"\xff\xd8\xff photo");
    // A department that does not work on the case cannot fetch it.
    let r = app.get(&t.other, &href).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Stale version, empty file, too large: refused, nothing stored.
    let (status, p) = problem(
        upload(&t.contact, 1, "a.jpg", b"x".to_vec())
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(p["current"]["version"], 2);
    let (status, _) = problem(
        upload(&t.contact, 2, "empty.jpg", Vec::new())
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = problem(
        upload(&t.contact, 2, "big.jpg", vec![0u8; 10 * 1024 * 1024 + 1])
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("attachments").await, 1);
    assert_replay_matches(&app, id).await;

    // An inspection's record takes files too.
    let group = ok(app
        .post(
            &t.admin,
            "/api/v1/units",
            &json!({"name": "第二监督检查组", "kind": "inspection_group", "parent_id": f.district}),
        )
        .await)
    .await;
    let insp = ok(app
        .post(
            &t.supervisor,
            "/api/v1/inspections",
            &json!({"group_unit_id": group["id"], "inspected_unit_id": f.sub_b, "held_on": "2020-03-12",
                    "place": "矿山街道", "methods": ["onsite_check"]}),
        )
        .await)
    .await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"sign-in".to_vec()).file_name("签到表.pdf"),
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/inspections/{}/attachments", insp["id"])))
        .bearer_auth(&t.supervisor)
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["attachments"][0]["filename"], "签到表.pdf");
    let (status, _) = problem(
        app.post(
            &t.supervisor,
            "/api/v1/inspections",
            &json!({"group_unit_id": group["id"], "inspected_unit_id": f.sub_b,
            "held_on": "0000-01-01", "place": "x", "methods": ["onsite_check"]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a date outside 2000-2100"
    );
}

/// Every role against every case endpoint: the exact status each one gets.
#[tokio::test]
async fn every_role_against_every_case_endpoint() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let other = ok(app
        .post(
            &admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "用工", "enterprise_id": f.ent_b}),
        )
        .await)
    .await;
    let endpoints: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/api/v1/cases".into(), None),
        ("GET", "/api/v1/cases/todo".into(), None),
        ("GET", "/api/v1/cases/metrics".into(), None),
        ("GET", format!("/api/v1/cases/{}", other["id"]), None),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(json!({"kind": "enterprise_appeal", "title": "矩阵", "enterprise_id": f.ent_a})),
        ),
        ("POST", "/api/v1/inspections".into(), Some(json!({}))),
        ("GET", "/api/v1/bulletins".into(), None),
        ("POST", "/api/v1/bulletins".into(), Some(json!({}))),
        ("GET", "/api/v1/api-clients".into(), None),
        ("POST", "/api/v1/case-kinds".into(), Some(json!({}))),
    ];
    #[rustfmt::skip]
    let expected: [(&str, [u16; 10]); 8] = [
        //                    list todo metr caseB raise insp bulL bulP keys kinds
        ("leader",             [200, 200, 200, 200,  201,  403, 200, 422, 403, 403]),
        ("department_staff",   [200, 200, 200, 404,  422,  403, 200, 403, 403, 403]),
        ("service_cadre",      [200, 200, 200, 404,  201,  403, 200, 403, 403, 403]),
        ("supervisor",         [200, 200, 200, 200,  201,  422, 200, 422, 403, 403]),
        ("organization",       [200, 200, 200, 200,  403,  403, 200, 403, 403, 403]),
        ("volunteer",          [403, 403, 403, 403,  403,  403, 403, 403, 403, 403]),
        ("enterprise_contact", [200, 200, 403, 404,  201,  403, 403, 403, 403, 403]),
        ("admin",              [200, 200, 200, 200,  201,  422, 200, 422, 200, 422]),
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
            let got = req.send().await.expect("send").status().as_u16();
            assert_eq!(got, want, "{role} {method} {path}");
        }
    }
}

#[tokio::test]
async fn a_nul_character_is_refused_everywhere_before_it_reaches_the_database() {
    let (app, _f, t) = setup().await;
    let before = app.count("cases").await;
    for path in [
        "/api/v1/cases?q=%00",
        "/api/v1/cases?kind=a%00b",
        "/api/v1/cases/metrics?kind=%00",
    ] {
        let (status, p) = problem(app.get(&t.admin, path).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(p["errors"][0]["code"], "nul");
    }
    let r = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&t.admin)
        .header("content-type", "application/json")
        .body(r#"{"kind": "enterprise_appeal\u0000", "title": "x"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .client
        .get(app.url("/open311/v2/requests.json?api_key=%00"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v[0]["code"], 400);
    assert_eq!(app.count("cases").await, before);
}

#[tokio::test]
async fn a_department_reads_the_enterprise_of_a_case_it_works_and_nothing_more() {
    let (app, f, t) = setup().await;
    let worked = ok(app
        .post(
            &t.admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "用工缺口", "enterprise_id": f.ent_b, "source": "hotline"}),
        )
        .await)
    .await;
    let untouched = ok(app
        .post(
            &t.admin,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "融资需求", "enterprise_id": f.ent_b, "source": "hotline"}),
        )
        .await)
    .await;
    let enterprise = format!("/api/v1/enterprises/{}", f.ent_b);
    // Before the case reaches it, the assisting department cannot see the enterprise.
    let r = app.get(&t.other, &enterprise).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    act_ok(
        &app,
        &t.leader,
        &worked,
        json!({"action": "dispatch", "lead_unit_id": f.dept, "assist_unit_ids": [f.other_dept]}),
    )
    .await;
    // Lead and assist both read the registry record of the case's enterprise...
    for token in [&t.dept, &t.other] {
        let e = ok(app.get(token, &enterprise).await).await;
        assert_eq!(e["id"], f.ent_b);
    }
    // ...and not another enterprise...
    let r = app
        .get(&t.other, &format!("/api/v1/enterprises/{}", f.ent_a))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // ...nor what hangs from the enterprise: its other case stays out of reach.
    let r = app
        .get(&t.other, &format!("/api/v1/cases/{}", untouched["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list = ok(app.get(&t.other, "/api/v1/cases").await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], worked["id"]);
    // Reading is not writing: the department still may not edit it.
    let r = app
        .put(&t.other, &enterprise, &json!({"name": "改名"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// The actions a case page offers are exactly the `allowed_actions` of the API's case view,
/// for every role and every state a case goes through (and each one is offered somewhere).
#[tokio::test]
async fn the_page_offers_exactly_the_allowed_actions_for_every_role_and_state() {
    use crate::helpers::Browser;
    use std::collections::BTreeSet;
    let (app, f, t) = setup().await;
    let mut states: Vec<(&str, i64)> = Vec::new();
    let new = raise_appeal(&app, &t.contact).await;
    states.push(("new", new["id"].as_i64().unwrap()));
    let dispatch = json!({"action": "dispatch", "lead_unit_id": f.dept,
        "assist_unit_ids": [f.other_dept], "working_days": 3});
    let c = raise_appeal(&app, &t.contact).await;
    let c = act_ok(&app, &t.leader, &c, dispatch.clone()).await;
    states.push(("dispatched", c["id"].as_i64().unwrap()));
    let c = raise_appeal(&app, &t.contact).await;
    let c = act_ok(&app, &t.leader, &c, dispatch.clone()).await;
    let c = act_ok(&app, &t.other, &c, json!({"action": "accept"})).await;
    let c = act_ok(&app, &t.dept, &c, json!({"action": "accept"})).await;
    states.push(("in_progress", c["id"].as_i64().unwrap()));
    let ext = act_ok(
        &app,
        &t.dept,
        &c,
        json!({"action": "extend", "working_days": 2, "note": "材料未齐"}),
    )
    .await;
    states.push(("extension asked", ext["id"].as_i64().unwrap()));
    let c = raise_appeal(&app, &t.contact).await;
    let c = act_ok(&app, &t.leader, &c, dispatch.clone()).await;
    let c = act_ok(&app, &t.other, &c, json!({"action": "accept"})).await;
    let c = act_ok(&app, &t.dept, &c, json!({"action": "accept"})).await;
    let c = act_ok(
        &app,
        &t.other,
        &c,
        json!({"action": "resolve", "solution": "已核实"}),
    )
    .await;
    states.push(("assist resolved", c["id"].as_i64().unwrap()));
    let c = act_ok(
        &app,
        &t.dept,
        &c,
        json!({"action": "resolve", "solution": "已办理"}),
    )
    .await;
    states.push(("resolved", c["id"].as_i64().unwrap()));
    for closed in [false, true] {
        let c = raise_appeal(&app, &t.contact).await;
        let c = act_ok(&app, &t.leader, &c, dispatch.clone()).await;
        let c = act_ok(&app, &t.other, &c, json!({"action": "accept"})).await;
        let c = act_ok(&app, &t.dept, &c, json!({"action": "accept"})).await;
        let c = act_ok(
            &app,
            &t.other,
            &c,
            json!({"action": "resolve", "solution": "已核实"}),
        )
        .await;
        let c = act_ok(
            &app,
            &t.dept,
            &c,
            json!({"action": "resolve", "solution": "已办理"}),
        )
        .await;
        let c = act_ok(
            &app,
            &t.supervisor,
            &c,
            json!({"action": "revisit", "satisfaction": "satisfied", "solved": true}),
        )
        .await;
        if closed {
            let c = act_ok(&app, &t.leader, &c, json!({"action": "close"})).await;
            assert_eq!(c["status"], "closed");
            states.push(("closed", c["id"].as_i64().unwrap()));
        } else {
            states.push(("revisited", c["id"].as_i64().unwrap()));
        }
    }

    // The lead department, with its assisting department's part still open, is told why it
    // has no resolve form.
    let in_progress = states.iter().find(|s| s.0 == "in_progress").unwrap().1;
    let v = ok(app
        .get(&t.dept, &format!("/api/v1/cases/{in_progress}"))
        .await)
    .await;
    assert!(
        !v["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("resolve"))
    );
    assert!(
        v["resolve_blocked"][0]
            .as_str()
            .unwrap_or_default()
            .contains("协办单位"),
        "{v}"
    );
    let (_, html) = Browser::login(&app, "department_staff")
        .await
        .get(&format!("/cases/{in_progress}"))
        .await;
    assert!(html.contains("id=\"resolve-blocked\""));

    let mut offered: BTreeSet<String> = BTreeSet::new();
    for user in [
        "admin",
        "leader",
        "department_staff",
        "caizheng",
        "service_cadre",
        "supervisor",
        "organization",
        "volunteer",
        "enterprise_contact",
    ] {
        let token = app.token(user).await;
        let browser = Browser::login(&app, user).await;
        for (state, id) in &states {
            let r = app.get(&token, &format!("/api/v1/cases/{id}")).await;
            let api_status = r.status();
            let api: BTreeSet<String> = if api_status.is_success() {
                let v: Value = r.json().await.expect("json");
                v["allowed_actions"]
                    .as_array()
                    .expect("allowed_actions")
                    .iter()
                    .map(|a| a.as_str().expect("code").to_owned())
                    .collect()
            } else {
                BTreeSet::new()
            };
            let (page_status, html) = browser.get(&format!("/cases/{id}")).await;
            assert_eq!(
                page_status.is_success(),
                api_status.is_success(),
                "{user} on the {state} case: page {page_status}, API {api_status}"
            );
            let page: BTreeSet<String> = html
                .split("name=\"action\" value=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .map(str::to_owned)
                .collect();
            assert_eq!(page, api, "{user} on the {state} case");
            offered.extend(api);
        }
    }
    for action in [
        "dispatch",
        "accept",
        "reply",
        "resolve",
        "revisit",
        "close",
        "reopen",
        "escalate",
        "extend",
        "approve_extension",
        "return",
    ] {
        assert!(offered.contains(action), "{action} is offered somewhere");
    }
}
