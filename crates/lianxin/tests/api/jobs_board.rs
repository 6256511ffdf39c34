//! The public job board (issue 16): anyone, without credentials, finds the open jobs (never a
//! closed or expired one, never an applicant's data), searches and filters them, and opens a
//! job's page to apply or share it; a job that stopped recruiting answers 410.

use chrono::Days;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::jobs_posting::seed_application;

fn in_days(n: u64) -> String {
    (lianxin::jobs::jobs::today() + Days::new(n)).to_string()
}

async fn post_job(app: &TestApp, t: &str, body: Value) -> i64 {
    let r = app.post(t, "/api/v1/jobs", &body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

/// An anonymous GET (no token, no cookie).
async fn anon(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

async fn anon_page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app
        .client
        .get(app.url(path))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

fn titles(v: &Value) -> Vec<String> {
    let mut t: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

/// Two firms: 长城 (manufacturing, 济源路街道) and 矿山机械 (construction, 矿山街道), with
/// a contact phone each; an open, a closed and an expired job. Returns (open, closed, expired,
/// the second firm's open job).
async fn district_with_jobs(app: &TestApp, f: &Fixture) -> (i64, i64, i64, i64) {
    for (id, industry, phone) in [
        (f.ent_a, "C", "0371-68881111"),
        (f.ent_b, "E", "0371-68882222"),
    ] {
        lianxin::entities::enterprises::ActiveModel {
            id: Set(id),
            industry: Set(Some(industry.to_owned())),
            contact_phone: Set(Some(phone.to_owned())),
            ..Default::default()
        }
        .update(&app.db)
        .await
        .unwrap();
    }
    let admin = app.token("admin").await;
    let job = |ent: i64, title: &str, min: i64, max: i64, place: &str, aid: bool| {
        json!({"enterprise_id": ent, "title": title, "positions": 3, "salary_min_fen": min,
               "salary_max_fen": max, "place": place, "requirements": "身体健康",
               "closes_on": in_days(30), "employment_aid": aid})
    };
    let open = post_job(
        app,
        &admin,
        job(
            f.ent_a,
            "铝材操作工",
            300_000,
            400_000,
            "上街区工业园",
            true,
        ),
    )
    .await;
    let closed = post_job(
        app,
        &admin,
        job(
            f.ent_a,
            "已招满的质检员",
            300_000,
            400_000,
            "上街区工业园",
            true,
        ),
    )
    .await;
    ok(app
        .post(&admin, &format!("/api/v1/jobs/{closed}/close"), &json!({}))
        .await)
    .await;
    let expired = post_job(
        app,
        &admin,
        job(
            f.ent_a,
            "过期的叉车司机",
            300_000,
            400_000,
            "上街区工业园",
            true,
        ),
    )
    .await;
    lianxin::entities::jobs::ActiveModel {
        id: Set(expired),
        closes_on: Set(lianxin::jobs::jobs::today() - Days::new(1)),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    let other = post_job(
        app,
        &admin,
        job(
            f.ent_b,
            "挖掘机司机",
            500_000,
            800_000,
            "矿山路施工现场",
            false,
        ),
    )
    .await;
    (open, closed, expired, other)
}

#[tokio::test]
async fn the_board_shows_anyone_only_open_jobs_and_no_applicant_data() {
    let (app, f) = TestApp::with_fixture().await;
    let (open, closed, expired, _) = district_with_jobs(&app, &f).await;
    for job in [open, closed, expired] {
        seed_application(&app, job, "王小明", "13912345678").await;
    }
    let r = anon(&app, "/api/v1/public/jobs").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(titles(&v), ["挖掘机司机", "铝材操作工"], "{v}");
    assert_eq!(v["total"], 2);
    // The public part only: nothing of the applicant, the firm's phone, counts or users.
    for secret in [
        "王小明",
        "13912345678",
        "REF-",
        "0371-6888",
        "phone",
        "application",
        "created_by",
        "version",
        "enterprise_id",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let first = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == open)
        .unwrap();
    assert_eq!(first["enterprise_name"], "郑州长城科工贸有限公司");
    assert_eq!(first["industry"], "C");
    assert_eq!(first["industry_label"], "制造业");
    assert_eq!(first["subdistrict"], "济源路街道");
    assert_eq!(first["salary_max_fen"], 400_000);
    // One job: the open one, without credentials; a stopped one is gone (410), a missing 404.
    let r = anon(&app, &format!("/api/v1/public/jobs/{open}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("铝材操作工") && !text.contains("王小明"),
        "{text}"
    );
    for stopped in [closed, expired] {
        let (status, prob) =
            problem(anon(&app, &format!("/api/v1/public/jobs/{stopped}")).await).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(
            prob["detail"]
                .as_str()
                .is_some_and(|d| d.contains("岗位已停止招聘")),
            "{prob}"
        );
    }
    let (status, _) = problem(anon(&app, "/api/v1/public/jobs/999999").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The document says anyone may call them (no 401/403 documented).
    let doc = app.openapi().await;
    for path in ["/api/v1/public/jobs", "/api/v1/public/jobs/{id}"] {
        let op = &doc["paths"][path]["get"];
        assert_eq!(op["security"], json!([{}]), "{path}: {op}");
        assert!(op["responses"].get("401").is_none(), "{path}");
    }
    assert!(doc["paths"]["/api/v1/public/jobs/{id}"]["get"]["responses"]["410"].is_object());
}

#[tokio::test]
async fn the_board_filters_by_industry_subdistrict_pay_assistance_and_words() {
    let (app, f) = TestApp::with_fixture().await;
    district_with_jobs(&app, &f).await;
    let search = |q: String| {
        let app = &app;
        async move {
            let r = anon(app, &format!("/api/v1/public/jobs?{q}")).await;
            titles(&ok(r).await)
        }
    };
    assert_eq!(search("industry=C".into()).await, ["铝材操作工"]);
    assert_eq!(search("industry=E".into()).await, ["挖掘机司机"]);
    assert_eq!(search(format!("unit_id={}", f.sub_a)).await, ["铝材操作工"]);
    assert_eq!(search(format!("unit_id={}", f.sub_b)).await, ["挖掘机司机"]);
    assert_eq!(
        search(format!("unit_id={}", f.district)).await,
        ["挖掘机司机", "铝材操作工"]
    );
    assert_eq!(search("salary_min_fen=450000".into()).await, ["挖掘机司机"]);
    assert_eq!(
        search("salary_min_fen=400000".into()).await,
        ["挖掘机司机", "铝材操作工"]
    );
    assert_eq!(search("employment_aid=true".into()).await, ["铝材操作工"]);
    assert_eq!(
        search("employment_aid=false".into()).await,
        ["挖掘机司机", "铝材操作工"]
    );
    // Words in the title, the place, the requirements or the firm's name.
    assert_eq!(search("q=矿山路".into()).await, ["挖掘机司机"]);
    assert_eq!(search("q=长城".into()).await, ["铝材操作工"]);
    assert_eq!(search("q=身体健康".into()).await.len(), 2);
    assert!(
        search("q=叉车".into()).await.is_empty(),
        "expired job found"
    );
    assert!(search("q=100%25".into()).await.is_empty());
    // Filters combine.
    assert_eq!(
        search(format!(
            "unit_id={}&industry=C&employment_aid=true",
            f.district
        ))
        .await,
        ["铝材操作工"]
    );
    // What cannot be a filter is a 422 naming it.
    for (q, field) in [
        ("industry=ZZZ".to_owned(), "industry"),
        (format!("unit_id={}", f.community_a), "unit_id"),
        (format!("unit_id={}", f.dept), "unit_id"),
        ("unit_id=999999".to_owned(), "unit_id"),
        ("salary_min_fen=-5".to_owned(), "salary_min_fen"),
        ("salary_min_fen=99999999999".to_owned(), "salary_min_fen"),
    ] {
        let (status, prob) = problem(anon(&app, &format!("/api/v1/public/jobs?{q}")).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(prob["errors"][0]["field"], field, "{q}: {prob}");
    }
    let r = anon(&app, "/api/v1/public/jobs?salary_min_fen=abc").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A town (镇) is at the sub-district level too.
    let admin = app.token("admin").await;
    let r = app
        .post(
            &admin,
            "/api/v1/units",
            &json!({"name": "峡窝镇", "kind": "town", "parent_id": f.district}),
        )
        .await;
    let town = ok(r).await["id"].as_i64().unwrap();
    lianxin::entities::enterprises::ActiveModel {
        id: Set(f.ent_b),
        unit_id: Set(town),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    assert_eq!(search(format!("unit_id={town}")).await, ["挖掘机司机"]);
    assert!(search(format!("unit_id={}", f.sub_b)).await.is_empty());
    let v = ok(anon(&app, &format!("/api/v1/public/jobs?unit_id={town}")).await).await;
    assert_eq!(v["items"][0]["subdistrict"], "峡窝镇", "{v}");
    // Paged, newest posted first.
    let v = ok(anon(&app, "/api/v1/public/jobs?page_size=1").await).await;
    assert_eq!(v["total"], 2);
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["title"], "挖掘机司机");
}

#[tokio::test]
async fn the_public_pages_answer_without_a_login() {
    let (app, f) = TestApp::with_fixture().await;
    let (open, closed, _, other) = district_with_jobs(&app, &f).await;
    seed_application(&app, open, "王小明", "13912345678").await;
    let (status, html) = anon_page(&app, "/jobs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("铝材操作工") && html.contains("挖掘机司机"),
        "{html}"
    );
    assert!(!html.contains("已招满的质检员") && !html.contains("过期的叉车司机"));
    assert!(!html.contains("王小明") && !html.contains("0371-6888"));
    assert!(html.contains("3000–4000 元/月"), "{html}");
    // No admin frame, no inline script; phone-first viewport.
    assert!(!html.contains("/logout") && !html.contains("class=\"sidebar\""));
    assert!(!html.contains("back-to-system"));
    assert!(!html.contains("<script>") && !html.contains("<style"));
    assert!(html.contains("width=device-width"));
    assert!(html.contains("name=\"employment_aid\"") && html.contains("name=\"salary_min\""));
    // The search form is a GET: its address is the search, yuan read as fen.
    let (status, html) = anon_page(
        &app,
        &format!("/jobs?q=&industry=&unit_id={}&salary_min=4500", f.district),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("挖掘机司机") && !html.contains("铝材操作工"),
        "{html}"
    );
    let (status, html) = anon_page(&app, "/jobs?industry=ZZZ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("没有这个行业"), "{html}");
    let (status, _) = anon_page(&app, "/jobs?salary_min=很多").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A job's page: everything public, the button to apply, the link to share.
    let (status, html) = anon_page(&app, &format!("/jobs/{open}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("铝材操作工") && html.contains("郑州长城科工贸有限公司"));
    assert!(
        html.contains(&format!("href=\"/jobs/{open}/apply\"")),
        "{html}"
    );
    assert!(html.contains("我要应聘"));
    assert!(
        html.contains(&format!("value=\"{}\"", app.url(&format!("/jobs/{open}")))),
        "{html}"
    );
    assert!(!html.contains("王小明"));
    let (status, html) = anon_page(&app, &format!("/jobs/{other}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("矿山街道"));
    // A closed job: a friendly 410 with the way back; a missing one: the 404 page.
    let (status, html) = anon_page(&app, &format!("/jobs/{closed}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("该岗位已停止招聘") && html.contains("href=\"/jobs\""));
    let (status, _) = anon_page(&app, "/jobs/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A signed-in visitor gets the way back to the system.
    let contact = Browser::login(&app, "enterprise_contact").await;
    let (status, html) = contact.get("/jobs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"back-to-system\" href=\"/\""), "{html}");
    // In English when the visitor switches (the language cookie needs no login).
    let r = app
        .client
        .get(app.url("/jobs"))
        .header("Cookie", "lang=en")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Find a job"));
}
