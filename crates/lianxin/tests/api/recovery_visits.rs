//! 三送一强 visits through the API: problems as appeals in one transaction, links to open
//! appeals, 现场交办 by a cadre without `case:dispatch`, the cap warning, 零跑腿 on
//! resolution, the monthly visit report, the burden on the firm, and scope.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{Fixture, TestApp, add_user, id_number, ok, problem};

struct Setup {
    app: TestApp,
    f: Fixture,
    cadre: String,
    cadre_person: i64,
    dept: String,
    leader: String,
}

/// A cadre (a person) of 济源路街道 with a `service_cadre` login linked to them: the role
/// records visits but holds no `case:dispatch`.
async fn setup() -> Setup {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let cadre_person = ok(app
        .post(
            &admin,
            "/api/v1/people",
            &json!({"name": "孙磊", "unit_id": f.sub_a, "kinds": ["cadre"],
                    "id_number": id_number("41010619790303707")}),
        )
        .await)
    .await["id"]
        .as_i64()
        .expect("id");
    add_user(
        &app,
        "cadre_a",
        "service_cadre",
        Some("410106001"),
        None,
        Some(cadre_person),
    )
    .await;
    Setup {
        cadre: app.token("cadre_a").await,
        dept: app.token("department_staff").await,
        leader: app.token("leader").await,
        app,
        f,
        cadre_person,
    }
}

fn now_rfc3339() -> String {
    (Utc::now() - Duration::minutes(5)).to_rfc3339()
}

fn visit(f: &Fixture, problems: Value) -> Value {
    json!({
        "enterprise_id": f.ent_a,
        "visited_at": now_rfc3339(),
        "visitor_person_ids": [f.dept_person],
        "delivered": {"policy": "稳岗返还政策", "service": "协助办理用工备案", "factor": "协调口罩 2000 只", "confidence": "介绍全区复工进度"},
        "notes": "企业负责人在岗",
        "problems": problems,
    })
}

async fn record(s: &Setup, body: &Value) -> Value {
    let r = s.app.post(&s.cadre, "/api/v1/visits", body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{body}");
    r.json().await.expect("json")
}

async fn case(s: &Setup, id: i64) -> Value {
    ok(s.app.get(&s.leader, &format!("/api/v1/cases/{id}")).await).await
}

async fn act(s: &Setup, token: &str, id: i64, body: Value) -> Value {
    let c = case(s, id).await;
    let mut body = body;
    body["version"] = c["version"].clone();
    ok(s.app
        .post(token, &format!("/api/v1/cases/{id}/actions"), &body)
        .await)
    .await
}

#[tokio::test]
async fn a_visit_s_problems_become_appeals_dispatched_on_the_spot() {
    let s = setup().await;
    let to_accept = |v: Value| v["total"].as_i64().expect("total");
    let before = to_accept(ok(s.app.get(&s.dept, "/api/v1/cases?bucket=to_accept").await).await);
    let v = record(
        &s,
        &visit(
            &s.f,
            json!([
                {"title": "招工难", "description": "缺熟练焊工 30 人", "category": "workforce", "lead_unit_id": s.f.dept},
                {"title": "贷款到期", "description": "流动资金贷款下月到期", "category": "finance", "lead_unit_id": s.f.dept},
            ]),
        ),
    )
    .await;
    let ids: Vec<i64> = v["case_ids"]
        .as_array()
        .expect("case_ids")
        .iter()
        .map(|x| x.as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2, "{v}");
    assert_eq!(v["linked_case_ids"], json!([]));
    assert_eq!(
        v["problems"],
        json!([{"case_id": ids[0], "linked": false}, {"case_id": ids[1], "linked": false}])
    );
    assert_eq!(v["warnings"], json!([]));
    // 现场交办: the cadre holds no case:dispatch, yet both appeals went to the lead at once.
    for id in &ids {
        let c = case(&s, *id).await;
        assert_eq!(c["status"], "dispatched", "{c}");
        assert_eq!(c["source"], "visit");
        assert_eq!(c["lead_unit"]["id"], s.f.dept);
        assert_eq!(c["kind"], "enterprise_appeal");
    }
    let after = to_accept(ok(s.app.get(&s.dept, "/api/v1/cases?bucket=to_accept").await).await);
    assert_eq!(after, before + 2, "both are in the lead department's to-do");
    // The cadre still cannot dispatch anything else.
    let other = ok(s
        .app
        .post(
            &s.cadre,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "enterprise_id": s.f.ent_a, "title": "另一件"}),
        )
        .await)
    .await;
    let r = s
        .app
        .post(
            &s.cadre,
            &format!("/api/v1/cases/{}/actions", other["id"]),
            &json!({"action": "dispatch", "version": other["version"], "lead_unit_id": s.f.dept, "working_days": 5}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The visit as read back: the visitors (the caller added), delivered, problems.
    let got = ok(s
        .app
        .get(&s.cadre, &format!("/api/v1/visits/{}", v["id"]))
        .await)
    .await;
    let visitors: Vec<i64> = got["visitors"]
        .as_array()
        .expect("visitors")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect();
    assert!(visitors.contains(&s.cadre_person) && visitors.contains(&s.f.dept_person));
    assert_eq!(got["delivered"]["factor"], "协调口罩 2000 只");
    assert_eq!(got["problems"][0]["status"], "dispatched");
    assert!(
        !got["problems"][1]["number"]
            .as_str()
            .unwrap_or("")
            .is_empty()
    );
    let list = ok(s
        .app
        .get(
            &s.cadre,
            &format!("/api/v1/visits?enterprise_id={}", s.f.ent_a),
        )
        .await)
    .await;
    assert_eq!(list["total"], 1);
    let audit = s.app.count("audit_log").await;
    assert!(audit > 0);
}

#[tokio::test]
async fn a_bad_problem_refuses_the_whole_visit() {
    let s = setup().await;
    let cases = s.app.count("cases").await;
    let visits = s.app.count("visits").await;
    let (st, p) = problem(
        s.app
            .post(
                &s.cadre,
                "/api/v1/visits",
                &visit(
                    &s.f,
                    json!([
                        {"title": "招工难", "category": "workforce", "lead_unit_id": s.f.dept},
                        {"title": "不存在的类别", "category": "no_such_category"},
                    ]),
                ),
            )
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p.to_string().contains("problems[1].category"), "{p}");
    let (st, p) = problem(
        s.app
            .post(
                &s.cadre,
                "/api/v1/visits",
                &visit(
                    &s.f,
                    json!([{"title": "好的", "category": "workforce"}, {"title": "  "}]),
                ),
            )
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.to_string().contains("problems[1].title"), "{p}");
    assert_eq!(s.app.count("cases").await, cases, "no case created");
    assert_eq!(s.app.count("visits").await, visits, "no visit recorded");

    // A visitor who is not a cadre; a time too far ahead; a firm outside the caller's scope.
    let mut body = visit(&s.f, json!([]));
    body["visitor_person_ids"] = json!([s.f.person_a]);
    let (st, p) = problem(s.app.post(&s.cadre, "/api/v1/visits", &body).await).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.to_string().contains("visitor_person_ids"), "{p}");
    let mut body = visit(&s.f, json!([]));
    body["visited_at"] = json!("yesterday");
    let (st, _) = problem(s.app.post(&s.cadre, "/api/v1/visits", &body).await).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let mut body = visit(&s.f, json!([]));
    body["visited_at"] = json!((Utc::now() + Duration::days(3)).to_rfc3339());
    let (st, p) = problem(s.app.post(&s.cadre, "/api/v1/visits", &body).await).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.to_string().contains("visited_at"), "{p}");
    let mut body = visit(&s.f, json!([]));
    body["enterprise_id"] = json!(s.f.ent_b);
    let (st, p) = problem(s.app.post(&s.cadre, "/api/v1/visits", &body).await).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.to_string().contains("enterprise_id"), "{p}");
    assert_eq!(s.app.count("visits").await, visits);
    // Out of scope to read too.
    let r = s
        .app
        .get(
            &s.cadre,
            &format!("/api/v1/enterprises/{}/burden", s.f.ent_b),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_problem_matching_an_open_appeal_is_linked_not_filed_twice() {
    let s = setup().await;
    let first = record(
        &s,
        &visit(
            &s.f,
            json!([{"title": "证照办不下来", "category": "permits"}]),
        ),
    )
    .await;
    let open = first["case_ids"][0].as_i64().expect("case");
    let second = record(
        &s,
        &visit(
            &s.f,
            json!([
                {"title": "施工许可仍未办下", "category": "permits"},
                {"title": "没有类别的问题"},
                {"title": "另一个类别", "category": "logistics"},
            ]),
        ),
    )
    .await;
    assert_eq!(second["linked_case_ids"], json!([open]));
    assert_eq!(
        second["problems"][0],
        json!({"case_id": open, "linked": true})
    );
    assert_eq!(second["problems"][1]["linked"], false);
    assert_ne!(second["problems"][1]["case_id"], json!(open));
    assert_eq!(second["problems"][2]["linked"], false);
    assert_eq!(second["case_ids"].as_array().map(Vec::len), Some(2));
    // A problem without a category is never linked, even to one without a category.
    let third = record(&s, &visit(&s.f, json!([{"title": "没有类别的问题"}]))).await;
    assert_eq!(third["problems"][0]["linked"], false);
    assert_eq!(third["linked_case_ids"], json!([]));
    let got = ok(s
        .app
        .get(&s.cadre, &format!("/api/v1/visits/{}", second["id"]))
        .await)
    .await;
    assert_eq!(got["problems"][0]["linked"], true);
    assert_eq!(got["problems"][0]["case_id"], open);
}

#[tokio::test]
async fn above_the_cap_the_visit_is_recorded_with_a_warning() {
    let s = setup().await;
    for i in 0..4 {
        let v = record(&s, &visit(&s.f, json!([]))).await;
        assert_eq!(v["warnings"], json!([]), "visit {i}");
    }
    let v = record(&s, &visit(&s.f, json!([]))).await;
    assert_eq!(v["warnings"][0]["code"], "visit_cap", "{v}");
    assert!(
        v["warnings"][0]["message_zh"]
            .as_str()
            .unwrap_or("")
            .contains('4')
    );
    assert!(v["id"].as_i64().is_some());
    let b = ok(s
        .app
        .get(
            &s.cadre,
            &format!("/api/v1/enterprises/{}/burden", s.f.ent_a),
        )
        .await)
    .await;
    assert_eq!(b["visits"], 5);
}

#[tokio::test]
async fn zero_trip_and_the_monthly_report() {
    let s = setup().await;
    let v = record(
        &s,
        &visit(
            &s.f,
            json!([
                {"title": "招工难", "category": "workforce", "lead_unit_id": s.f.dept},
                {"title": "贷款到期", "category": "finance", "lead_unit_id": s.f.dept},
            ]),
        ),
    )
    .await;
    let id = v["case_ids"][0].as_i64().expect("case");
    act(&s, &s.dept, id, json!({"action": "accept"})).await;
    let c = act(
        &s,
        &s.dept,
        id,
        json!({"action": "resolve", "solution": "人社局线上招聘会对接到位", "zero_trip": true}),
    )
    .await;
    assert_eq!(c["zero_trip"], true, "{c}");
    act(
        &s,
        &s.cadre,
        id,
        json!({"action": "revisit", "satisfaction": "satisfied", "solved": true}),
    )
    .await;
    let c = act(&s, &s.leader, id, json!({"action": "close"})).await;
    assert_eq!(c["status"], "closed");
    assert_eq!(case(&s, id).await["zero_trip"], true);
    // A resolution that does not say so is not 零跑腿.
    let other = v["case_ids"][1].as_i64().expect("case");
    act(&s, &s.dept, other, json!({"action": "accept"})).await;
    let c = act(
        &s,
        &s.dept,
        other,
        json!({"action": "resolve", "solution": "已协调"}),
    )
    .await;
    assert_eq!(c["zero_trip"], false);

    let r = ok(s.app.get(&s.leader, "/api/v1/visits/report").await).await;
    assert_eq!(r["plan"], 2);
    let row = |p: i64| {
        r["cadres"]
            .as_array()
            .expect("cadres")
            .iter()
            .find(|c| c["person_id"] == p)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let me = row(s.cadre_person);
    assert_eq!(me["visits"], 1, "{r}");
    assert_eq!(me["firms"], 1);
    assert_eq!(me["problems_raised"], 2);
    assert_eq!(me["problems_solved"], 1);
    assert_eq!(me["below_plan"], true);
    let dept_row = row(s.f.dept_person);
    assert_eq!(dept_row["visits"], 1);
    // The cadre states their reason; another cadre's reason needs pairing:edit.
    let month = r["month"].as_str().expect("month").to_owned();
    ok(s.app
        .put(
            &s.cadre,
            "/api/v1/visits/excuses",
            &json!({"person_id": s.cadre_person, "month": month, "reason": "本月集中参加防疫值守"}),
        )
        .await)
    .await;
    let r2 = s
        .app
        .put(
            &s.cadre,
            "/api/v1/visits/excuses",
            &json!({"person_id": s.f.dept_person, "month": month, "reason": "代填"}),
        )
        .await;
    assert_eq!(r2.status(), StatusCode::FORBIDDEN);
    let (st, _) = problem(
        s.app
            .put(
                &s.cadre,
                "/api/v1/visits/excuses",
                &json!({"person_id": s.cadre_person, "month": "2020-13", "reason": "x"}),
            )
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ok(s
        .app
        .get(&s.leader, &format!("/api/v1/visits/report?month={month}"))
        .await)
    .await;
    let me = r["cadres"]
        .as_array()
        .expect("cadres")
        .iter()
        .find(|c| c["person_id"] == s.cadre_person)
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(me["reason"], "本月集中参加防疫值守");
    let unit = r["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_id"] == s.f.sub_a)
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(unit["visits"], 1, "{r}");
    assert_eq!(unit["problems_solved"], 1);
    // An empty month.
    let old = ok(s
        .app
        .get(&s.leader, "/api/v1/visits/report?month=2019-01")
        .await)
    .await;
    assert!(
        old["cadres"]
            .as_array()
            .expect("cadres")
            .iter()
            .all(|c| c["visits"] == 0)
    );
    let (st, _) = problem(
        s.app
            .get(&s.leader, "/api/v1/visits/report?month=abc")
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_burden_on_the_firm_counts_visits_requests_and_shows_its_figures() {
    let s = setup().await;
    record(&s, &visit(&s.f, json!([]))).await;
    record(&s, &visit(&s.f, json!([]))).await;
    for (token, subject) in [(&s.leader, "一季度产值"), (&s.cadre, "返岗人数")] {
        let r = s
            .app
            .post(
                token,
                &format!("/api/v1/enterprises/{}/figure-requests", s.f.ent_a),
                &json!({"subject": subject}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (st, p) = problem(
        s.app
            .post(
                &s.cadre,
                &format!("/api/v1/enterprises/{}/figure-requests", s.f.ent_a),
                &json!({"subject": ""}),
            )
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.to_string().contains("subject"));
    // An administrator belongs to no unit: it names the unit that asked; a cadre may not name
    // a unit outside its own.
    let admin = s.app.token("admin").await;
    let path = format!("/api/v1/enterprises/{}/figure-requests", s.f.ent_a);
    let (st, p) = problem(
        s.app
            .post(&admin, &path, &json!({"subject": "用电量"}))
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "unit_id", "{p}");
    let r = s
        .app
        .post(
            &admin,
            &path,
            &json!({"subject": "用电量", "unit_id": s.f.other_dept}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        s.app
            .count(&format!(
                "figure_requests WHERE unit_id = {} AND subject = '用电量'",
                s.f.other_dept
            ))
            .await,
        1
    );
    let (st, p) = problem(
        s.app
            .post(
                &s.cadre,
                &path,
                &json!({"subject": "用电量", "unit_id": s.f.other_dept}),
            )
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "unit_id", "{p}");
    s.app
        .db
        .execute_unprepared(&format!(
            "DELETE FROM figure_requests WHERE unit_id = {}",
            s.f.other_dept
        ))
        .await
        .expect("tidy");
    let b = ok(s
        .app
        .get(
            &s.cadre,
            &format!("/api/v1/enterprises/{}/burden", s.f.ent_a),
        )
        .await)
    .await;
    assert_eq!(b["visits"], 2);
    assert_eq!(b["figure_requests"], 2);
    assert_eq!(b["figures"], Value::Null);
    // The figures the firm already reported: its latest stage report.
    for (on, back, pct) in [("2020-02-20", 10, 20), ("2020-03-20", 80, 95)] {
        lianxin::entities::stage_reports::ActiveModel {
            enterprise_id: Set(s.f.ent_a),
            on_date: Set(on.parse().expect("date")),
            workers_back: Set(back),
            workers_total: Set(100),
            capacity_pct: Set(pct),
            reported_stage: Set(None),
            suggested_stage: Set("full".into()),
            stage: Set("full".into()),
            confirmed: Set(true),
            contradicts: Set(false),
            version: Set(1),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&s.app.db)
        .await
        .expect("stage report");
    }
    let b = ok(s
        .app
        .get(
            &s.cadre,
            &format!("/api/v1/enterprises/{}/burden", s.f.ent_a),
        )
        .await)
    .await;
    assert_eq!(b["figures"]["on_date"], "2020-03-20");
    assert_eq!(b["figures"]["workers_back"], 80);
    assert_eq!(b["figures"]["capacity_pct"], 95);
    let old = ok(s
        .app
        .get(
            &s.cadre,
            &format!("/api/v1/enterprises/{}/burden?month=2020-02", s.f.ent_a),
        )
        .await)
    .await;
    assert_eq!(old["visits"], 0);
    assert_eq!(old["figure_requests"], 0);
}

#[tokio::test]
async fn photos_attach_to_a_visit_and_download_through_the_attachments_route() {
    let s = setup().await;
    let v = record(&s, &visit(&s.f, json!([]))).await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"\x89PNG fake".to_vec())
            .file_name("现场.png")
            .mime_str("image/png")
            .expect("mime"),
    );
    let r = s
        .app
        .client
        .post(
            s.app
                .url(&format!("/api/v1/visits/{}/attachments", v["id"])),
        )
        .bearer_auth(&s.cadre)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::CREATED);
    let list: Value = r.json().await.expect("json");
    let href = list[0]["href"].as_str().expect("href").to_owned();
    let r = s.app.get(&s.cadre, &href).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Out of the firm's scope: not found.
    add_user(
        &s.app,
        "cadre_b",
        "service_cadre",
        Some("410106005"),
        None,
        None,
    )
    .await;
    let other = s.app.token("cadre_b").await;
    assert_eq!(
        s.app.get(&other, &href).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.app
            .get(&other, &format!("/api/v1/visits/{}", v["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_cadre_records_a_visit_on_the_pages() {
    let s = setup().await;
    let b = crate::helpers::Browser::login(&s.app, "cadre_a").await;
    let (st, html) = b
        .get(&format!("/visits/new?enterprise_id={}", s.f.ent_a))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("id=\"burden-counts\""),
        "the firm's burden is shown"
    );
    assert_eq!(
        html.matches("name=\"p_title\"").count(),
        3,
        "problem rows offered"
    );
    let csrf = b.csrf().await;
    let ent = s.f.ent_a.to_string();
    let dept = s.f.dept.to_string();
    let dept_person = s.f.dept_person.to_string();
    let when = (Utc::now() + Duration::hours(8) - Duration::minutes(10))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    // A problem without a title is refused with the form kept.
    let r = b
        .post(
            "/visits",
            &[
                ("_csrf", &csrf),
                ("enterprise_id", &ent),
                ("visited_at", &when),
                ("p_title", ""),
                ("p_description", "只有描述"),
                ("p_category", ""),
                ("p_lead", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap_or_default().contains("只有描述"));
    let r = b
        .post(
            "/visits",
            &[
                ("_csrf", &csrf),
                ("enterprise_id", &ent),
                ("visited_at", &when),
                ("visitor_person_ids", &dept_person),
                ("policy", "稳岗返还"),
                ("service", ""),
                ("factor", ""),
                ("confidence", ""),
                ("notes", "现场办公"),
                ("p_title", "招工难"),
                ("p_description", "缺焊工"),
                ("p_category", "workforce"),
                ("p_lead", &dept),
                ("p_title", "物流不畅"),
                ("p_description", "原料运不进来"),
                ("p_category", "logistics"),
                ("p_lead", &dept),
                ("p_title", ""),
                ("p_description", ""),
                ("p_category", ""),
                ("p_lead", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap_or("").to_owned();
    let (st, html) = b.get(&to).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("招工难") && html.contains("物流不畅"),
        "{html}"
    );
    assert!(html.contains("王强"));
    for path in [
        "/visits".to_owned(),
        "/visits/report".to_owned(),
        format!("/visits/firm/{}", s.f.ent_a),
        format!("/visits/burden?enterprise_id={}", s.f.ent_a),
    ] {
        let (st, html) = b.get(&path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert!(!html.is_empty());
    }
    let (_, html) = b.get("/visits/report").await;
    assert!(html.contains("孙磊"));
    assert!(html.contains("id=\"excuse-form\""));
    let month = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m")
        .to_string();
    let r = b
        .post(
            "/visits/excuse",
            &[("_csrf", &csrf), ("month", &month), ("reason", "外出培训")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = b.get(&format!("/visits/report?month={month}")).await;
    assert!(html.contains("外出培训"));
    let r = s
        .app
        .client
        .get(s.app.url("/visits/report.xlsx"))
        .header(reqwest::header::COOKIE, &b.cookie)
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), StatusCode::OK);
    let (_, menu) = b.get("/visits").await;
    assert!(menu.contains("href=\"/visits\""), "the menu entry");
    // The case page shows 零跑腿 once the resolution says so.
    let list = ok(s.app.get(&s.cadre, "/api/v1/visits").await).await;
    let case_id = list["items"][0]["problems"][0]["case_id"]
        .as_i64()
        .expect("case");
    act(&s, &s.dept, case_id, json!({"action": "accept"})).await;
    act(
        &s,
        &s.dept,
        case_id,
        json!({"action": "resolve", "solution": "线上办结", "zero_trip": true}),
    )
    .await;
    let (_, html) = b.get(&format!("/cases/{case_id}")).await;
    assert!(html.contains("id=\"zero-trip\""));
}

#[tokio::test]
async fn the_demo_has_visits_whose_problems_are_appeals() {
    let app = TestApp::spawn().await;
    lianxin::demo::load(&app.db, false)
        .await
        .expect("demo loads");
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": "admin", "password": lianxin::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("token");
    let v: Value = r.json().await.expect("json");
    let t = v["token"].as_str().expect("token").to_owned();
    let all = ok(app.get(&t, "/api/v1/visits?page_size=500").await).await;
    assert!(all["total"].as_u64().unwrap_or(0) > 100, "{}", all["total"]);
    let items = all["items"].as_array().expect("items");
    assert!(items.iter().all(|v| {
        let at = v["visited_at"].as_str().unwrap_or("");
        ("2020-02".."2020-05").contains(&at)
    }));
    let problems: Vec<&Value> = items
        .iter()
        .flat_map(|v| v["problems"].as_array().into_iter().flatten())
        .collect();
    assert!(problems.iter().any(|p| p["linked"] == true));
    assert!(problems.iter().any(|p| p["linked"] == false));
    let march = ok(app
        .get(&t, "/api/v1/visits?month=2020-03&page_size=500")
        .await)
    .await;
    assert!(
        march["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|v| v["notes"].as_str().unwrap_or("").contains("区长带队走访")),
        "the 19 March story has its visit"
    );
    let report = ok(app.get(&t, "/api/v1/visits/report?month=2020-03").await).await;
    assert!(!report["cadres"].as_array().expect("cadres").is_empty());
}

/// Every role against the visit endpoints: the exact status each one gets.
#[tokio::test]
async fn every_role_against_the_visit_endpoints() {
    let (app, f) = TestApp::with_fixture().await;
    let body = json!({"enterprise_id": f.ent_a, "visited_at": now_rfc3339(),
                      "visitor_person_ids": [f.dept_person], "problems": []});
    let endpoints: Vec<(&str, String)> = vec![
        ("GET", "/api/v1/visits".into()),
        ("GET", "/api/v1/visits/report".into()),
        ("POST", "/api/v1/visits".into()),
        ("GET", format!("/api/v1/enterprises/{}/burden", f.ent_a)),
        ("GET", format!("/api/v1/enterprises/{}/burden", f.ent_b)),
        (
            "POST",
            format!("/api/v1/enterprises/{}/figure-requests", f.ent_a),
        ),
    ];
    #[rustfmt::skip]
    let expected: [(&str, [u16; 6]); 8] = [
        //                    list report record burdenA burdenB figures
        ("leader",             [200, 200,   201,   200,    200,    201]),
        ("department_staff",   [200, 200,   422,   404,    404,    404]),
        // The team's cadre sees the firm its team is stationed with (驻企).
        ("service_cadre",      [200, 200,   201,   200,    404,    201]),
        ("supervisor",         [200, 200,   403,   200,    200,    403]),
        ("organization",       [200, 200,   403,   200,    200,    403]),
        ("volunteer",          [403, 403,   403,   403,    403,    403]),
        ("enterprise_contact", [403, 403,   403,   403,    403,    403]),
        // An administrator belongs to no unit: no unit's request for figures to record.
        ("admin",              [200, 200,   201,   200,    200,    422]),
    ];
    let mut got = Vec::new();
    for (role, statuses) in expected {
        let t = app.token(role).await;
        let mut row = Vec::new();
        for (method, path) in &endpoints {
            let r = if *method == "GET" {
                app.get(&t, path).await
            } else if path.ends_with("figure-requests") {
                app.post(&t, path, &json!({"subject": "产值"})).await
            } else {
                app.post(&t, path, &body).await
            };
            row.push(r.status().as_u16());
        }
        got.push((role, row.clone(), statuses.to_vec()));
    }
    for (role, row, want) in &got {
        assert_eq!(row, want, "{role}: {got:?}");
    }
}
