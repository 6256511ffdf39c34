//! The recovery report's employment figures (就业服务): jobs posted, positions, applications,
//! hires and labour-sharing matches are sums of the records, cumulative to the end of the date,
//! narrowed by the sub-district like the rest of the report.

use crate::helpers::*;
use chrono::Utc;
use lianxin::entities::job_applications;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

fn day(offset: i64) -> String {
    (lianxin::jobs::jobs::today() + chrono::Duration::days(offset)).to_string()
}

async fn job(app: &TestApp, token: &str, firm: i64, positions: i64) -> i64 {
    let v = ok(app
        .post(
            token,
            "/api/v1/jobs",
            &json!({"enterprise_id": firm, "title": "操作工", "positions": positions,
                "salary_min_fen": 400000, "salary_max_fen": 600000, "place": "上街区",
                "closes_on": day(30)}),
        )
        .await)
    .await;
    v["id"].as_i64().expect("id")
}

/// An application as the public board records it (its endpoint is built beside this one).
async fn apply(app: &TestApp, job: i64, n: usize, hired: bool) {
    let now = Utc::now();
    job_applications::ActiveModel {
        job_id: Set(job),
        reference: Set(format!("R{job}-{n}")),
        name: Set(format!("应聘者{n}")),
        phone_sealed: Set(format!("sealed-{job}-{n}")),
        phone_hash: Set(format!("hash-{job}-{n}")),
        ip_hash: Set(None),
        message: Set(None),
        assistance: Set(None),
        status: Set(if hired { "hired" } else { "new" }.into()),
        repeats: Set(0),
        version: Set(1),
        answered_by_user_id: Set(None),
        answered_at: Set(hired.then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("application");
}

fn figures(r: &Value) -> [i64; 6] {
    [
        "jobs_posted",
        "positions",
        "applications",
        "hires",
        "labour_matches",
        "labour_workers",
    ]
    .map(|k| r[k].as_i64().unwrap_or_else(|| panic!("{k} missing: {r}")))
}

#[tokio::test]
async fn the_report_counts_jobs_applications_hires_and_matches_from_the_records() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let contact_a = app.token("enterprise_contact").await;
    let leader = app.token("leader").await;

    // Firm A (sub-district A) posts two jobs, firm B (sub-district B) one.
    let a1 = job(&app, &contact_a, f.ent_a, 3).await;
    let a2 = job(&app, &contact_a, f.ent_a, 2).await;
    let b1 = job(&app, &admin, f.ent_b, 4).await;
    // Three people apply to A's first job (one is hired), two to B's (one hired).
    for n in 0..3 {
        apply(&app, a1, n, n == 0).await;
    }
    for n in 0..2 {
        apply(&app, b1, n, n == 1).await;
    }
    let _ = a2;
    // A lends B two workers, both confirm; another proposal still waits (not counted).
    let post = |firm: i64, workers: i64| json!({"enterprise_id": firm, "workers": workers, "skills": "普工", "from": day(0), "to": day(20)});
    let offer = ok(app
        .post(&leader, "/api/v1/labour/offers", &post(f.ent_a, 5))
        .await)
    .await["id"]
        .as_i64()
        .expect("offer");
    let ask = ok(app
        .post(&leader, "/api/v1/labour/asks", &post(f.ent_b, 5))
        .await)
    .await["id"]
        .as_i64()
        .expect("ask");
    let m = |workers: i64| json!({"offer_id": offer, "ask_id": ask, "workers": workers});
    let made = ok(app.post(&leader, "/api/v1/labour/matches", &m(2)).await).await["id"]
        .as_i64()
        .expect("match");
    for side in ["offer", "ask"] {
        ok(app
            .post(
                &leader,
                &format!("/api/v1/labour/matches/{made}/confirm"),
                &json!({"side": side}),
            )
            .await)
        .await;
    }
    ok(app.post(&leader, "/api/v1/labour/matches", &m(1)).await).await;

    // The district: every record.
    let today = day(0);
    let r = ok(app
        .get(&admin, &format!("/api/v1/recovery/report?on={today}"))
        .await)
    .await;
    assert_eq!(figures(&r), [3, 9, 5, 2, 1, 2], "{r}");
    assert_eq!(r["jobs_posted"].as_i64(), Some(app.count("jobs").await));
    assert_eq!(
        r["applications"].as_i64(),
        Some(app.count("job_applications").await)
    );
    // Sub-district A: A's jobs and their applications; the match has A's offer.
    let r = ok(app
        .get(
            &admin,
            &format!("/api/v1/recovery/report?on={today}&unit_id={}", f.sub_a),
        )
        .await)
    .await;
    assert_eq!(figures(&r), [2, 5, 3, 1, 1, 2], "{r}");
    // Sub-district B: B's job; the match has B's ask.
    let r = ok(app
        .get(
            &admin,
            &format!("/api/v1/recovery/report?on={today}&unit_id={}", f.sub_b),
        )
        .await)
    .await;
    assert_eq!(figures(&r), [1, 4, 2, 1, 1, 2], "{r}");
    // The day before, nothing had happened yet: the figures are cumulative to the date.
    let r = ok(app
        .get(&admin, &format!("/api/v1/recovery/report?on={}", day(-1)))
        .await)
    .await;
    assert_eq!(figures(&r), [0; 6], "{r}");

    // The page shows the block, and the .xlsx downloads.
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get(&format!("/recovery/report?on={today}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"report-jobs\"") && html.contains("就业服务"),
        "the block"
    );
    assert!(html.contains("发布招聘岗位"));
    let (status, _) = b.get(&format!("/recovery/report.xlsx?on={today}")).await;
    assert_eq!(status, StatusCode::OK);
}
