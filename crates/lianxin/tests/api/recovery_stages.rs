//! Resumption stages (复工复产阶段) and the recovery report: the suggested stage from the
//! figures under the district's thresholds, contradictions flagged, confirmation by a paired
//! cadre only and once, the firm contact's own firm only, and the report's exact figures on a
//! small fixture, within a limited scope too.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::*;

async fn pair(
    app: &TestApp,
    firm: i64,
    leader: i64,
    instructor: Option<i64>,
    specialist: Option<i64>,
) {
    let opt = |v: Option<i64>| v.map_or("NULL".to_owned(), |v| v.to_string());
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO enterprise_pairings (enterprise_id, leader_person_id, instructor_person_id, specialist_person_id, updated_at) \
             VALUES ({firm}, {leader}, {}, {}, CURRENT_TIMESTAMP)",
            opt(instructor),
            opt(specialist)
        ))
        .await
        .expect("pairing");
}

async fn report(app: &TestApp, token: &str, firm: i64, body: Value) -> Value {
    let r = app
        .post(token, &format!("/api/v1/enterprises/{firm}/stages"), &body)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.expect("json")
}

/// The page's CSRF token (its meta tag).
fn csrf_of(html: &str) -> String {
    let i = html
        .find("name=\"csrf-token\" content=\"")
        .expect("csrf meta")
        + 27;
    html[i..].split('"').next().unwrap_or_default().to_owned()
}

fn figures(on: &str, back: i64, total: i64, cap: i64) -> Value {
    json!({"on": on, "workers_back": back, "workers_total": total, "capacity_pct": cap})
}

#[tokio::test]
async fn recovery_stages_are_suggested_flagged_and_confirmed_by_a_paired_cadre() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let a = f.ent_a;
    // Held at 92–95% since 1 March: on the 15th that is 14 days, 达产.
    let first = report(&app, &contact, a, figures("2020-03-01", 50, 100, 95)).await;
    assert_eq!(first["suggested_stage"], "producing", "{first}");
    assert_eq!(first["confirmed"], false);
    let r = report(&app, &contact, a, figures("2020-03-15", 50, 100, 92)).await;
    assert_eq!(r["suggested_stage"], "full", "{r}");
    assert_eq!(r["stage"], "full");
    assert_eq!(r["contradicts_figures"], false);
    assert_eq!(r["workers_total"], 100);
    assert_eq!(r["version"], 1);
    // A stage the figures do not support is kept and flagged.
    let mut body = figures("2020-03-16", 5, 100, 10);
    body["stage"] = json!("expanded");
    let bold = report(&app, &contact, a, body).await;
    assert_eq!(bold["suggested_stage"], "not_resumed", "{bold}");
    assert_eq!(bold["stage"], "expanded");
    assert_eq!(bold["contradicts_figures"], true);

    // Bad input: 422 naming the field, nothing stored.
    let before = app.count("stage_reports").await;
    for (body, field) in [
        (
            json!({"workers_back": 5, "workers_total": 4, "capacity_pct": 10}),
            "workers_total",
        ),
        (
            json!({"workers_back": 5, "workers_total": 10, "capacity_pct": 1001}),
            "capacity_pct",
        ),
        (
            json!({"workers_back": 5, "workers_total": 10}),
            "capacity_pct",
        ),
        (
            json!({"workers_back": 5, "workers_total": 10, "capacity_pct": 5, "on": "2999-01-01"}),
            "on",
        ),
        (
            json!({"workers_back": 5, "workers_total": 10, "capacity_pct": 5, "stage": "booming"}),
            "stage",
        ),
        (
            json!({"workers_total": 10, "capacity_pct": 5}),
            "workers_back",
        ),
    ] {
        let (status, p) = problem(
            app.post(&contact, &format!("/api/v1/enterprises/{a}/stages"), &body)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    assert_eq!(app.count("stage_reports").await, before);

    // The contact reads and reports only their own firm.
    let b = f.ent_b;
    let (status, _) = problem(
        app.post(
            &contact,
            &format!("/api/v1/enterprises/{b}/stages"),
            &figures("2020-03-01", 1, 2, 3),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = problem(
        app.get(&contact, &format!("/api/v1/enterprises/{b}/stages"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let history = ok(app
        .get(&contact, &format!("/api/v1/enterprises/{a}/stages"))
        .await)
    .await;
    let history = history.as_array().expect("array");
    assert_eq!(history.len(), 3);
    assert_eq!(history[0]["on"], "2020-03-16", "newest first");
    assert_eq!(history[1]["stage_label"], "达产");

    // Confirming: a cadre who sees the firm but is not paired with it is refused.
    let path = |id: &Value| {
        format!(
            "/api/v1/enterprises/{a}/stages/{}/confirm",
            id.as_i64().unwrap_or(0)
        )
    };
    let leader = app.token("leader").await;
    let (status, _) = problem(app.post(&leader, &path(&r["id"]), &json!({})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = problem(app.post(&contact, &path(&r["id"]), &json!({})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a contact cannot confirm");
    // Paired (the department cadre leads the firm's pairing): confirms, once.
    pair(&app, a, f.dept_person, None, None).await;
    let cadre = app.token("department_staff").await;
    let (status, _) = problem(
        app.post(&cadre, &path(&r["id"]), &json!({"version": 7}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale version");
    let c = ok(app
        .post(&cadre, &path(&r["id"]), &json!({"version": 1}))
        .await)
    .await;
    assert_eq!(c["confirmed"], true, "{c}");
    assert_eq!(c["stage"], "full");
    assert_eq!(c["contradicts_figures"], false);
    assert_eq!(c["confirmed_by_person_id"], f.dept_person);
    assert_eq!(c["version"], 2);
    let (status, _) = problem(app.post(&cadre, &path(&r["id"]), &json!({})).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "a second confirmation");
    // The cadre confirms another stage than the figures suggest: flagged.
    let c = ok(app
        .post(&cadre, &path(&first["id"]), &json!({"stage": "full"}))
        .await)
    .await;
    assert_eq!(c["stage"], "full");
    assert_eq!(c["contradicts_figures"], true);
    // By default the reported stage.
    let c = ok(app.post(&cadre, &path(&bold["id"]), &json!({})).await).await;
    assert_eq!(c["stage"], "expanded");
    assert_eq!(c["contradicts_figures"], true);
    // The administrator may confirm anywhere.
    let admin = app.token("admin").await;
    let rb = report(&app, &admin, b, figures("2020-03-10", 30, 100, 40)).await;
    let c = ok(app
        .post(
            &admin,
            &format!("/api/v1/enterprises/{b}/stages/{}/confirm", rb["id"]),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(c["stage"], "producing");
    // A report of another firm through this firm's path is not there.
    let (status, _) = problem(app.post(&admin, &path(&rb["id"]), &json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("audit_log WHERE event = 'stage.confirm'").await,
        4
    );
}

#[tokio::test]
async fn recovery_stages_follow_the_district_thresholds() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let r = report(&app, &admin, f.ent_b, figures("2020-03-10", 50, 100, 90)).await;
    assert_eq!(
        r["suggested_stage"], "producing",
        "no history: 14 days not held"
    );
    let v = ok(app
        .put_as_sent(
            &admin,
            "/api/v1/settings/recovery.stage.full_days",
            &json!({"value": 0}),
        )
        .await)
    .await;
    assert_eq!(v["value"], 0, "{v}");
    let r = report(&app, &admin, f.ent_b, figures("2020-03-11", 50, 100, 90)).await;
    assert_eq!(r["suggested_stage"], "full", "{r}");
    ok(app
        .put_as_sent(
            &admin,
            "/api/v1/settings/recovery.stage.resumed_workers_pct",
            &json!({"value": 60}),
        )
        .await)
    .await;
    let r = report(&app, &admin, f.ent_b, figures("2020-03-12", 50, 100, 90)).await;
    assert_eq!(r["suggested_stage"], "not_resumed", "{r}");
}

#[tokio::test]
async fn recovery_report_counts_the_records_within_scope() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let (a, b) = (f.ent_a, f.ent_b);
    let r1 = report(&app, &admin, a, figures("2020-03-01", 50, 100, 95)).await;
    let r2 = report(&app, &admin, a, figures("2020-03-15", 60, 100, 92)).await;
    report(&app, &admin, b, figures("2020-03-10", 5, 80, 0)).await;
    for r in [&r1, &r2] {
        ok(app
            .post(
                &admin,
                &format!("/api/v1/enterprises/{a}/stages/{}/confirm", r["id"]),
                &json!({}),
            )
            .await)
        .await;
    }
    pair(&app, a, f.dept_person, None, None).await;
    pair(
        &app,
        b,
        f.dept_person,
        Some(f.dept_person),
        Some(f.dept_person),
    )
    .await;

    let rep = ok(app
        .get(&admin, "/api/v1/recovery/report?on=2020-03-20")
        .await)
    .await;
    assert_eq!(rep["enterprises"], 2, "{rep}");
    assert_eq!(rep["by_stage"]["full"], 1);
    assert_eq!(rep["by_stage"]["producing"], 0);
    assert_eq!(rep["by_stage"]["unconfirmed"], 1);
    assert_eq!(rep["by_stage"]["not_reported"], 0);
    assert_eq!(rep["workers_back"], 65);
    assert_eq!(rep["workers_total"], 180);
    assert_eq!(rep["pairing"], json!({"complete": 1, "incomplete": 1}));
    assert_eq!(rep["visits"], 0);
    assert_eq!(rep["problems_raised"], 0);
    assert_eq!(rep["problems_solved"], 0);
    assert_eq!(rep["task_forces"], 1);
    assert_eq!(rep["teams"], 1);
    assert_eq!(rep["key_projects"], 0);

    // Earlier: a's latest was the first report (confirmed: producing), b had none.
    let rep = ok(app
        .get(&admin, "/api/v1/recovery/report?on=2020-03-05")
        .await)
    .await;
    assert_eq!(rep["by_stage"]["producing"], 1, "{rep}");
    assert_eq!(rep["by_stage"]["not_reported"], 1);
    assert_eq!(rep["workers_back"], 50);

    // One sub-district's firms; and a user whose scope is that sub-district.
    let rep = ok(app
        .get(
            &admin,
            &format!("/api/v1/recovery/report?on=2020-03-20&unit_id={}", f.sub_b),
        )
        .await)
    .await;
    assert_eq!(rep["enterprises"], 1, "{rep}");
    assert_eq!(rep["by_stage"]["unconfirmed"], 1);
    assert_eq!(rep["workers_total"], 80);
    add_user(
        &app,
        "sub_cadre",
        "service_cadre",
        Some("410106001"),
        None,
        None,
    )
    .await;
    let sub = app.token("sub_cadre").await;
    let rep = ok(app.get(&sub, "/api/v1/recovery/report?on=2020-03-20").await).await;
    assert_eq!(rep["enterprises"], 1, "{rep}");
    assert_eq!(rep["by_stage"]["full"], 1);
    assert_eq!(rep["workers_back"], 60);
    let (status, p) = problem(
        app.get(
            &sub,
            &format!("/api/v1/recovery/report?unit_id={}", f.sub_b),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "unit_id");
    let contact = app.token("enterprise_contact").await;
    let (status, _) = problem(app.get(&contact, "/api/v1/recovery/report").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The series: weekly points up to `to`.
    let s = ok(app
        .get(
            &admin,
            "/api/v1/recovery/report/series?from=2020-03-01&to=2020-03-20",
        )
        .await)
    .await;
    let points = s["points"].as_array().expect("points");
    let days: Vec<&str> = points.iter().filter_map(|p| p["on"].as_str()).collect();
    assert_eq!(
        days,
        ["2020-03-01", "2020-03-08", "2020-03-15", "2020-03-20"]
    );
    assert_eq!(points[0]["by_stage"]["producing"], 1);
    assert_eq!(points[3]["by_stage"]["full"], 1);
    assert_eq!(points[3]["workers_back"], 65);
    let (status, p) = problem(
        app.get(
            &admin,
            "/api/v1/recovery/report/series?from=2020-03-20&to=2020-03-01",
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "from");
}

#[tokio::test]
async fn recovery_stage_pages_report_confirm_and_show_the_report() {
    let (app, f) = TestApp::with_fixture().await;
    pair(&app, f.ent_a, f.dept_person, None, None).await;
    // The contact reports from the phone form and sees the suggestion.
    let contact = Browser::login(&app, "enterprise_contact").await;
    let (status, html) = contact.get("/recovery/stages").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"stage-form\"") && html.contains("id=\"stage-rule\""));
    assert!(html.contains("/recovery/stages\""), "the menu entry");
    let csrf = csrf_of(&html);
    let r = contact
        .post(
            "/recovery/stages",
            &[
                ("_csrf", &csrf),
                ("on", "2020-03-02"),
                ("workers_back", "40"),
                ("workers_total", "100"),
                ("capacity_pct", "35"),
                ("stage", "full"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    let (_, html) = contact.get(&to).await;
    assert!(html.contains("id=\"stage-suggested\""), "{html}");
    assert!(html.contains("<strong>复产</strong>") && html.contains("与数据不符"));
    let r = contact
        .post(
            "/recovery/stages",
            &[
                ("_csrf", &csrf),
                ("workers_back", "x"),
                ("capacity_pct", "35"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("stage_reports").await, 1);

    // The paired cadre sees it awaiting, flagged, and confirms the suggested stage instead.
    let cadre = Browser::login(&app, "department_staff").await;
    let (status, html) = cadre.get("/recovery/stages").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"stage-awaiting\"") && html.contains("与数据不符：数据支持“复产”"),
        "{html}"
    );
    let id = app.count("stage_reports WHERE stage = 'full'").await;
    assert_eq!(id, 1);
    let csrf = csrf_of(&html);
    let stage_id: i64 = {
        let v = ok(app
            .get(
                &app.token("admin").await,
                &format!("/api/v1/enterprises/{}/stages", f.ent_a),
            )
            .await)
        .await;
        v[0]["id"].as_i64().unwrap_or(0)
    };
    let r = cadre
        .post(
            &format!("/recovery/stages/{}/{stage_id}/confirm", f.ent_a),
            &[("_csrf", &csrf), ("stage", "producing"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("stage_reports WHERE confirmed AND stage = 'producing' AND NOT contradicts")
            .await,
        1
    );

    // The report page, with its chart and sub-district filter, and the download.
    let leader = Browser::login(&app, "leader").await;
    let (status, html) = leader.get("/recovery/report?on=2020-03-10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"report-chart\"") && html.contains("data-chart="));
    assert!(html.contains("济源路街道"));
    assert!(!html.contains("<script>") && !html.contains("<style"));
    let (status, _) = leader.get("/recovery/report?on=March").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .client
        .get(app.url("/recovery/report.xlsx?on=2020-03-10"))
        .header(reqwest::header::COOKIE, &leader.cookie)
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip");
}

async fn latest_rows(app: &TestApp) -> Vec<(i64, i64, String, bool, i64)> {
    app.db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT enterprise_id, report_id, stage, confirmed, workers_back FROM stage_latest \
             ORDER BY enterprise_id",
        ))
        .await
        .expect("latest")
        .into_iter()
        .map(|r| {
            (
                r.try_get::<i64>("", "enterprise_id").expect("enterprise"),
                r.try_get::<i64>("", "report_id").expect("report"),
                r.try_get::<String>("", "stage").expect("stage"),
                r.try_get::<bool>("", "confirmed").expect("confirmed"),
                i64::from(r.try_get::<i32>("", "workers_back").expect("back")),
            )
        })
        .collect()
}

/// Today's report reads each firm's latest report from a table kept in step with every report
/// and confirmation: a back-dated report does not displace a later one, a confirmation shows at
/// once, and the kept table equals its recomputation from the reports.
#[tokio::test]
async fn recovery_latest_stages_are_kept_in_step_with_the_reports() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let (a, b) = (f.ent_a, f.ent_b);
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let day = |back: i64| (today - chrono::Duration::days(back)).to_string();
    report(&app, &admin, a, figures(&day(20), 10, 100, 20)).await;
    let later = report(&app, &admin, a, figures(&day(5), 60, 100, 50)).await;
    // Reported afterwards, dated before: the firm's latest stays the later one.
    report(&app, &admin, a, figures(&day(10), 30, 100, 40)).await;
    report(&app, &admin, b, figures(&day(3), 8, 80, 0)).await;
    let rows = latest_rows(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].1, later["id"].as_i64().expect("id"), "{rows:?}");
    assert_eq!(rows[0].4, 60);
    assert!(!rows[0].3);
    let rep = ok(app.get(&admin, "/api/v1/recovery/report").await).await;
    assert_eq!(rep["by_stage"]["unconfirmed"], 2, "{rep}");
    assert_eq!(rep["workers_back"], 68);

    ok(app
        .post(
            &admin,
            &format!("/api/v1/enterprises/{a}/stages/{}/confirm", later["id"]),
            &json!({"stage": "producing"}),
        )
        .await)
    .await;
    let rows = latest_rows(&app).await;
    assert_eq!((rows[0].2.as_str(), rows[0].3), ("producing", true));
    let rep = ok(app.get(&admin, "/api/v1/recovery/report").await).await;
    assert_eq!(rep["by_stage"]["producing"], 1, "{rep}");
    assert_eq!(rep["by_stage"]["unconfirmed"], 1);
    // A day before b's report, the dated path reads the reports themselves and agrees.
    let rep = ok(app
        .get(&admin, &format!("/api/v1/recovery/report?on={}", day(4)))
        .await)
    .await;
    assert_eq!(rep["by_stage"]["producing"], 1, "{rep}");
    assert_eq!(rep["by_stage"]["not_reported"], 1);

    let kept = latest_rows(&app).await;
    lianxin::recovery::stages::rebuild_latest(&app.db)
        .await
        .expect("rebuild");
    assert_eq!(kept, latest_rows(&app).await, "kept = recomputed");
}

/// Staff read one firm's stage history on its own page, linked from the enterprise's page; a
/// paired cadre confirms there and comes back to it; a contact of another firm finds nothing.
#[tokio::test]
async fn recovery_a_firm_s_stage_history_has_its_page() {
    let (app, f) = TestApp::with_fixture().await;
    pair(&app, f.ent_a, f.dept_person, None, None).await;
    let admin = app.token("admin").await;
    let first = report(&app, &admin, f.ent_a, figures("2020-03-01", 10, 100, 20)).await;
    report(&app, &admin, f.ent_a, figures("2020-03-08", 40, 100, 35)).await;

    let leader = Browser::login(&app, "leader").await;
    let (status, html) = leader.get(&format!("/enterprises/{}", f.ent_a)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/recovery/stages/firm/{}", f.ent_a)),
        "the enterprise's page links to its stage history"
    );
    let (status, html) = leader
        .get(&format!("/recovery/stages/firm/{}", f.ent_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"firm-stages\"") && html.contains("2020-03-08"));
    assert!(html.contains("2020-03-01"));
    assert!(
        !html.contains("/confirm\""),
        "the leader is not paired: no confirm form"
    );

    let cadre = Browser::login(&app, "department_staff").await;
    let (status, html) = cadre
        .get(&format!("/recovery/stages/firm/{}", f.ent_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    let action = format!("/recovery/stages/{}/{}/confirm", f.ent_a, first["id"]);
    assert!(html.contains(&action), "the paired cadre may confirm");
    let csrf = csrf_of(&html);
    let r = cadre
        .post(
            &action,
            &[
                ("_csrf", &csrf),
                ("stage", "resumed"),
                ("version", "1"),
                ("back", "firm"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"].to_str().unwrap_or_default(),
        format!("/recovery/stages/firm/{}", f.ent_a)
    );
    assert_eq!(app.count("stage_reports WHERE confirmed").await, 1);

    let contact = Browser::login(&app, "enterprise_contact").await;
    let (status, _) = contact
        .get(&format!("/recovery/stages/firm/{}", f.ent_b))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
