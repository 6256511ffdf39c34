//! Jobs for firms (issue 16): an enterprise contact posts, edits, closes, reposts and deletes
//! its firm's vacancies; staff name the firm; bad input is refused naming the field; another
//! firm's jobs are out of reach; the pages under `/recruitment`.

use chrono::{Days, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::helpers::*;

fn today() -> chrono::NaiveDate {
    lianxin::jobs::jobs::today()
}

fn in_days(n: u64) -> String {
    (today() + Days::new(n)).to_string()
}

fn job(title: &str) -> Value {
    json!({"title": title, "positions": 5, "salary_min_fen": 350_000, "salary_max_fen": 500_000,
           "place": "上街区工业园", "requirements": "吃苦耐劳，有铝加工经验优先",
           "closes_on": in_days(30), "employment_aid": true})
}

async fn post_job(app: &TestApp, t: &str, body: &Value) -> Value {
    let r = app.post(t, "/api/v1/jobs", body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// An application as the public form would leave it (the public API is another helper's).
pub async fn seed_application(app: &TestApp, job_id: i64, name: &str, phone: &str) {
    let now = Utc::now();
    lianxin::entities::job_applications::ActiveModel {
        job_id: Set(job_id),
        reference: Set(format!("REF-{job_id}-{phone}")),
        name: Set(name.to_owned()),
        phone_sealed: Set(format!("sealed:{phone}")),
        phone_hash: Set(format!("hash:{phone}")),
        ip_hash: Set(None),
        message: Set(Some(format!("我叫{name}，电话 {phone}"))),
        assistance: Set(Some("low_income".to_owned())),
        status: Set("new".to_owned()),
        repeats: Set(0),
        version: Set(1),
        answered_by_user_id: Set(None),
        answered_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("seed application");
}

async fn audit_entries(app: &TestApp, id: i64) -> i64 {
    app.count(&format!(
        "audit_log WHERE entity = 'job' AND entity_id = '{id}'"
    ))
    .await
}

#[tokio::test]
async fn a_contact_posts_for_its_own_firm_and_staff_must_name_the_firm() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let j = post_job(&app, &contact, &job("铝材操作工")).await;
    assert_eq!(j["enterprise_id"], f.ent_a, "{j}");
    assert_eq!(j["status"], "open");
    assert_eq!(j["posted_on"], today().to_string());
    assert_eq!(j["version"], 1);
    assert_eq!(audit_entries(&app, j["id"].as_i64().unwrap()).await, 1);
    // Another firm's id is refused, naming the field.
    let mut other = job("冒名岗位");
    other["enterprise_id"] = json!(f.ent_b);
    let (status, prob) = problem(app.post(&contact, "/api/v1/jobs", &other).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(prob["errors"][0]["field"], "enterprise_id", "{prob}");
    // Staff have no firm of their own: they name one.
    let admin = app.token("admin").await;
    let (status, prob) = problem(app.post(&admin, "/api/v1/jobs", &job("无主岗位")).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(prob["errors"][0]["field"], "enterprise_id", "{prob}");
    let mut named = job("矿山机械装配工");
    named["enterprise_id"] = json!(f.ent_b);
    let b = post_job(&app, &admin, &named).await;
    assert_eq!(b["enterprise_name"], "郑州矿山机械有限公司");
    // An edit that names no firm keeps the job's.
    let mut edit = job("矿山机械装配工（夜班）");
    edit["version"] = json!(1);
    let edited = ok(app
        .put(&admin, &format!("/api/v1/jobs/{}", b["id"]), &edit)
        .await)
    .await;
    assert_eq!(edited["enterprise_id"], f.ent_b, "{edited}");
    // The contact's list is its own firm's jobs.
    let mine = ok(app.get(&contact, "/api/v1/jobs").await).await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["items"][0]["title"], "铝材操作工");
}

#[tokio::test]
async fn bad_jobs_are_refused_naming_the_field_and_nothing_is_stored() {
    let (app, _f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("title", json!(""), "title"),
        ("title", json!("   "), "title"),
        ("positions", json!(0), "positions"),
        ("positions", json!(100_000), "positions"),
        ("salary_min_fen", json!(600_000), "salary_max_fen"),
        (
            "salary_max_fen",
            json!(100_000_000_000_i64),
            "salary_max_fen",
        ),
        ("salary_min_fen", json!(-1), "salary_min_fen"),
        ("closes_on", json!("2020-02-01"), "closes_on"),
        ("closes_on", json!(in_days(3650)), "closes_on"),
        ("place", json!(null), "place"),
    ];
    for (key, value, field) in cases {
        let mut body = job("铝材操作工");
        body[key] = value.clone();
        let (status, prob) = problem(app.post(&contact, "/api/v1/jobs", &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{key}={value}");
        assert!(
            prob["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{key}={value}: {prob}"
        );
    }
    // A body that is not an object, and a number that is not one.
    let (status, _) = problem(app.post(&contact, "/api/v1/jobs", &json!([1, 2])).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut body = job("铝材操作工");
    body["positions"] = json!("五");
    let (status, _) = problem(app.post(&contact, "/api/v1/jobs", &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("jobs").await, 0);
}

#[tokio::test]
async fn an_edit_needs_the_version_read_and_a_later_closing_date_reposts() {
    let (app, _f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let j = post_job(&app, &contact, &job("铝材操作工")).await;
    let id = j["id"].as_i64().unwrap();
    let path = format!("/api/v1/jobs/{id}");
    // Without the version read: 422 naming it.
    let mut body = job("铝材操作工（白班）");
    let (status, prob) = problem(app.put(&contact, &path, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(prob["errors"][0]["field"], "version", "{prob}");
    // With it: saved, the version moves on, the closing date unchanged so no repost.
    body["version"] = json!(1);
    let edited = ok(app.put(&contact, &path, &body).await).await;
    assert_eq!(edited["title"], "铝材操作工（白班）");
    assert_eq!(edited["version"], 2);
    // The old version again: 409 with the job as it now stands.
    body["title"] = json!("被覆盖的标题");
    let (status, prob) = problem(app.put(&contact, &path, &body).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(prob["current"]["title"], "铝材操作工（白班）", "{prob}");
    // Posted a while ago (the demo's February), then closed by the firm.
    lianxin::entities::jobs::ActiveModel {
        id: Set(id),
        posted_on: Set(today() - Days::new(20)),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    let closed = ok(app
        .post(&contact, &format!("{path}/close"), &json!({}))
        .await)
    .await;
    assert_eq!(closed["status"], "closed");
    // Closing again changes nothing and is not an error.
    let again = ok(app
        .post(&contact, &format!("{path}/close"), &json!({}))
        .await)
    .await;
    assert_eq!(again["status"], "closed");
    assert_eq!(again["version"], closed["version"]);
    // An edit keeping the closing date leaves it closed; a later one reposts it today.
    let mut body = job("铝材操作工（白班）");
    body["closes_on"] = edited["closes_on"].clone();
    body["version"] = closed["version"].clone();
    let kept = ok(app.put(&contact, &path, &body).await).await;
    assert_eq!(kept["status"], "closed", "{kept}");
    assert_eq!(kept["posted_on"], (today() - Days::new(20)).to_string());
    body["closes_on"] = json!(in_days(60));
    body["version"] = kept["version"].clone();
    let reposted = ok(app.put(&contact, &path, &body).await).await;
    assert_eq!(reposted["status"], "open", "{reposted}");
    assert_eq!(reposted["posted_on"], today().to_string());
    assert_eq!(reposted["closes_on"], in_days(60));
    // Post, edit, close, keep, repost: five entries (the second close wrote none).
    assert_eq!(audit_entries(&app, id).await, 5);
}

#[tokio::test]
async fn a_job_with_applications_cannot_be_deleted_one_without_can() {
    let (app, _f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let applied = post_job(&app, &contact, &job("铝材操作工")).await;
    let quiet = post_job(&app, &contact, &job("仓库管理员")).await;
    let applied_id = applied["id"].as_i64().unwrap();
    seed_application(&app, applied_id, "王小明", "13912345678").await;
    let (status, prob) = problem(
        app.delete(&contact, &format!("/api/v1/jobs/{applied_id}"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        prob["detail"].as_str().unwrap().contains("1 份应聘申请"),
        "{prob}"
    );
    let r = app
        .delete(&contact, &format!("/api/v1/jobs/{}", quiet["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .get(&contact, &format!("/api/v1/jobs/{}", quiet["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("jobs").await, 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'job' AND action = 'delete'")
            .await,
        1
    );
}

#[tokio::test]
async fn another_firms_job_is_not_found_for_a_contact() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let mut body = job("矿山机械装配工");
    body["enterprise_id"] = json!(f.ent_b);
    let other = post_job(&app, &admin, &body).await;
    let path = format!("/api/v1/jobs/{}", other["id"]);
    let contact = app.token("enterprise_contact").await;
    assert_eq!(
        app.get(&contact, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    body["version"] = json!(1);
    body["title"] = json!("改别人的岗位");
    assert_eq!(
        app.put(&contact, &path, &body).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&contact, &format!("{path}/close"), &json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&contact, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    let mine = ok(app.get(&contact, "/api/v1/jobs").await).await;
    assert_eq!(mine["total"], 0, "{mine}");
    // Untouched.
    let still = ok(app.get(&admin, &path).await).await;
    assert_eq!(still["title"], "矿山机械装配工");
    assert_eq!(still["status"], "open");
}

#[tokio::test]
async fn a_contact_keeps_its_jobs_in_the_pages() {
    let (app, _f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "enterprise_contact").await;
    let csrf = b.csrf().await;
    let (status, html) = b.get("/recruitment/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("月薪下限（元）"), "{html}");
    // Pay in yuan; a bad amount comes back naming the field, nothing stored.
    let closes = in_days(30);
    let form = |low: &str| -> Vec<(&'static str, String)> {
        vec![
            ("_csrf", csrf.clone()),
            ("title", "铝材操作工".to_owned()),
            ("positions", "5".to_owned()),
            ("salary_min", low.to_owned()),
            ("salary_max", "5000".to_owned()),
            ("place", "上街区工业园".to_owned()),
            ("closes_on", closes.clone()),
            ("employment_aid", "on".to_owned()),
        ]
    };
    let bad = form("三千五");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/recruitment", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("jobs").await, 0);
    let good = form("3500");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/recruitment", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = to.trim_start_matches("/recruitment/").parse().unwrap();
    let contact = app.token("enterprise_contact").await;
    let j = ok(app.get(&contact, &format!("/api/v1/jobs/{id}")).await).await;
    assert_eq!(j["salary_min_fen"], 350_000);
    assert_eq!(j["employment_aid"], true);
    // The job's page: its applications, its public page, and the firm's buttons.
    let (status, html) = b.get(&to).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("应聘申请"), "{html}");
    assert!(html.contains(&format!("/recruitment/{id}/applications")));
    assert!(html.contains(&format!("href=\"/jobs/{id}\"")), "{html}");
    assert!(html.contains("公开链接"));
    assert!(html.contains("3500–5000 元/月"), "{html}");
    // The list shows it; the menu has the jobs and the board.
    let (status, html) = b.get("/recruitment?q=铝材").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("铝材操作工"));
    assert!(html.contains("href=\"/recruitment\""));
    assert!(html.contains("公共招聘平台"));
    // Closed from its page; a delete of a job with an application is refused on the page.
    let r = b
        .post(&format!("/recruitment/{id}/close"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let j = ok(app.get(&contact, &format!("/api/v1/jobs/{id}")).await).await;
    assert_eq!(j["status"], "closed");
    seed_application(&app, id, "王小明", "13912345678").await;
    let r = b
        .post(&format!("/recruitment/{id}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("不能删除"));
    // Reposted from its page with a later closing date.
    let later = in_days(45);
    let r = b
        .post(
            &format!("/recruitment/{id}/repost"),
            &[
                ("_csrf", &csrf),
                ("closes_on", &later),
                ("version", &j["version"].to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let j = ok(app.get(&contact, &format!("/api/v1/jobs/{id}")).await).await;
    assert_eq!(j["status"], "open");
    assert_eq!(j["closes_on"], later);
}
