//! Applications without an account (issue 16): a person applies to an open job with a name,
//! a phone and a message and follows the answer by a reference; a repeat is linked, not
//! doubled; the phone and the address are rate-limited; the firm answers each application in
//! one click, never hiring one person twice nor more than the job's positions; the district's
//! employment-assistance staff see, district-wide, the applicants who claim assistance and
//! follow them up.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, ORIGIN, RETRY_AFTER};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::*;

/// A job posted by `who` (admin for firm `ent`, or the enterprise contact for its own).
async fn post_job(app: &TestApp, t: &str, ent: Option<i64>, title: &str, positions: i32) -> i64 {
    let closes = (chrono::Utc::now() + chrono::Duration::days(30))
        .date_naive()
        .to_string();
    let mut body = json!({"title": title, "positions": positions, "salary_min_fen": 400_000,
        "salary_max_fen": 600_000, "place": "上街区工业园", "closes_on": closes});
    if let Some(e) = ent {
        body["enterprise_id"] = json!(e);
    }
    let r = app.post(t, "/api/v1/jobs", &body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

/// An application sent without any credentials.
async fn apply(app: &TestApp, job: i64, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/public/jobs/{job}/applications")))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn apply_ok(app: &TestApp, job: i64, name: &str, phone: &str) -> String {
    let r = apply(
        app,
        job,
        json!({"name": name, "phone": phone, "message": "想应聘"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    v["reference"].as_str().unwrap().to_owned()
}

async fn public_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

async fn applications(app: &TestApp, t: &str, job: i64) -> Vec<Value> {
    let v = ok(app
        .get(t, &format!("/api/v1/jobs/{job}/applications"))
        .await)
    .await;
    v["items"].as_array().unwrap().clone()
}

async fn act(app: &TestApp, t: &str, job: i64, a: &Value, action: &str) -> reqwest::Response {
    app.post(
        t,
        &format!("/api/v1/jobs/{job}/applications/{}/actions", a["id"]),
        &json!({"action": action, "version": a["version"]}),
    )
    .await
}

async fn set(app: &TestApp, key: &str, value: i64) {
    let admin = app.token("admin").await;
    ok(app
        .put_as_sent(
            &admin,
            &format!("/api/v1/settings/{key}"),
            &json!({"value": value}),
        )
        .await)
    .await;
}

#[tokio::test]
async fn a_person_applies_without_an_account_and_follows_the_answer_by_reference() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let job = post_job(&app, &contact, None, "数控车床操作工", 3).await;

    let r = apply(
        &app,
        job,
        json!({"name": "王小明", "phone": "13903710011", "message": "有三年数控经验", "assistance": null}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let reference = v["reference"].as_str().unwrap().to_owned();
    assert!(reference.len() >= 12, "{reference}");
    assert!(
        !reference.contains(['0', 'O', '1', 'I', 'L']),
        "no look-alikes: {reference}"
    );

    // The same phone again is linked to the first application: same reference, one row.
    let r = apply(
        &app,
        job,
        json!({"name": "王小明", "phone": " 13903710011 ", "message": "补充：可以上夜班"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["reference"], reference.as_str());
    assert_eq!(app.count("job_applications").await, 1);

    // The phone is stored sealed, never in clear.
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT phone_sealed, phone_hash, ip_hash FROM job_applications".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let sealed: String = row.try_get("", "phone_sealed").unwrap();
    let hash: String = row.try_get("", "phone_hash").unwrap();
    let ip: Option<String> = row.try_get("", "ip_hash").unwrap();
    assert!(!sealed.contains("13903710011") && !hash.contains("13903710011"));
    assert!(ip.is_some_and(|h| !h.contains("127.0.0.1")));

    // The status by reference names the job and the firm, never the applicant.
    let r = public_get(&app, &format!("/api/v1/public/applications/{reference}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let s: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(s["status"], "new");
    assert_eq!(s["job_title"], "数控车床操作工");
    assert_eq!(s["enterprise_name"], "郑州长城科工贸有限公司");
    for secret in ["王小明", "13903710011", "三年数控", "夜班"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let r = public_get(&app, "/api/v1/public/applications/NOSUCHREFERENCE").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The firm sees the application with the phone, the newest message and the repeat; the
    // phone opened from its seal is a read in the audit log.
    let sensitive = "audit_log WHERE entity = 'job_application' AND action = 'read_sensitive'";
    assert_eq!(app.count(sensitive).await, 0);
    let list = applications(&app, &contact, job).await;
    assert_eq!(app.count(sensitive).await, 1);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "王小明");
    assert_eq!(list[0]["phone"], "13903710011");
    assert_eq!(list[0]["message"], "补充：可以上夜班");
    assert_eq!(list[0]["repeats"], 1);

    // Another firm's contact and a cadre outside its scope get 404.
    add_user(
        &app,
        "contact_b",
        "enterprise_contact",
        Some("410106005"),
        Some(&uscc("MA44BBB2")),
        None,
    )
    .await;
    let other = app.token("contact_b").await;
    let r = app
        .get(&other, &format!("/api/v1/jobs/{job}/applications"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (status, _) = problem(act(&app, &other, job, &list[0], "invite").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = f;
}

#[tokio::test]
async fn bad_applications_are_refused_naming_the_field_and_closed_jobs_answer_410() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let job = post_job(&app, &admin, Some(f.ent_b), "仓库管理员", 1).await;
    for (body, field) in [
        (json!({"phone": "13903710011"}), "name"),
        (json!({"name": "", "phone": "13903710011"}), "name"),
        (
            json!({"name": "长".repeat(51), "phone": "13903710011"}),
            "name",
        ),
        (json!({"name": "张三"}), "phone"),
        (json!({"name": "张三", "phone": "0371-68881234"}), "phone"),
        (json!({"name": "张三", "phone": "1390371001"}), "phone"),
        (json!({"name": "张三", "phone": "abc"}), "phone"),
        (
            json!({"name": "张三", "phone": "13903710011", "message": "字".repeat(2001)}),
            "message",
        ),
        (
            json!({"name": "张三", "phone": "13903710011", "assistance": "rich"}),
            "assistance",
        ),
    ] {
        let (status, p) = problem(apply(&app, job, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    assert_eq!(app.count("job_applications").await, 0);

    let (status, _) = problem(
        apply(
            &app,
            999_999,
            json!({"name": "张三", "phone": "13903710011"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A job past its closing date, or closed by the firm, answers 410.
    app.db
        .execute_unprepared(&format!(
            "UPDATE jobs SET closes_on = '2020-03-01' WHERE id = {job}"
        ))
        .await
        .unwrap();
    let (status, p) =
        problem(apply(&app, job, json!({"name": "张三", "phone": "13903710011"})).await).await;
    assert_eq!(status, StatusCode::GONE, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("截止"), "{p}");
    let closed = post_job(&app, &admin, Some(f.ent_b), "叉车司机", 1).await;
    app.db
        .execute_unprepared(&format!(
            "UPDATE jobs SET status = 'closed' WHERE id = {closed}"
        ))
        .await
        .unwrap();
    let (status, _) = problem(
        apply(
            &app,
            closed,
            json!({"name": "张三", "phone": "13903710011"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(app.count("job_applications").await, 0);
}

#[tokio::test]
async fn applications_are_rate_limited_per_phone_and_per_address() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let mut jobs = Vec::new();
    for title in ["焊工", "钳工", "电工", "包装工"] {
        jobs.push(post_job(&app, &admin, Some(f.ent_a), title, 2).await);
    }
    set(&app, "jobs.apply_per_phone_per_hour", 2).await;
    apply_ok(&app, jobs[0], "赵六", "13700000001").await;
    apply_ok(&app, jobs[1], "赵六", "13700000001").await;
    let r = apply(
        &app,
        jobs[2],
        json!({"name": "赵六", "phone": "13700000001"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((60..=3600).contains(&wait), "{wait}");
    assert_eq!(
        r.headers()[CONTENT_TYPE].to_str().unwrap(),
        "application/problem+json"
    );
    let p: Value = r.json().await.unwrap();
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("投递过于频繁，请"),
        "{p}"
    );
    // Another phone from the same address still may apply, until the address's limit.
    set(&app, "jobs.apply_per_address_per_hour", 3).await;
    apply_ok(&app, jobs[2], "钱七", "13700000002").await;
    let r = apply(
        &app,
        jobs[3],
        json!({"name": "孙八", "phone": "13700000003"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(RETRY_AFTER));
    assert_eq!(app.count("job_applications").await, 3);
}

#[tokio::test]
async fn the_firm_answers_in_one_click_and_never_hires_twice_or_beyond_its_positions() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let job = post_job(&app, &contact, None, "装配工", 2).await;
    let r1 = apply_ok(&app, job, "甲", "13800000001").await;
    apply_ok(&app, job, "乙", "13800000002").await;
    apply_ok(&app, job, "丙", "13800000003").await;
    apply_ok(&app, job, "丁", "13800000004").await;
    let list = applications(&app, &contact, job).await;
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["name"], "丁", "newest first");
    let find =
        |list: &[Value], name: &str| list.iter().find(|a| a["name"] == name).unwrap().clone();

    // 甲: hire before an invitation is refused; invite, then hire; hire again → 409.
    let a = find(&list, "甲");
    let (status, p) = problem(act(&app, &contact, job, &a, "hire").await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    let a = ok(act(&app, &contact, job, &a, "invite").await).await;
    assert_eq!(a["status"], "invited");
    let s = ok(public_get(&app, &format!("/api/v1/public/applications/{r1}")).await).await;
    assert_eq!(s["status"], "invited", "the applicant reads the answer");
    // A stale version is a 409 with the application as it stands.
    let stale = find(&list, "甲");
    let (status, p) = problem(act(&app, &contact, job, &stale, "reject").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(p["current"]["status"], "invited", "{p}");
    let a = ok(act(&app, &contact, job, &a, "hire").await).await;
    assert_eq!(a["status"], "hired");
    let (status, p) = problem(act(&app, &contact, job, &a, "hire").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(p["detail"].as_str().unwrap().contains("重复录用"), "{p}");
    let (status, _) = problem(act(&app, &contact, job, &a, "reject").await).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // 乙 rejected; a rejected application cannot be invited.
    let b = ok(act(&app, &contact, job, &find(&list, "乙"), "reject").await).await;
    assert_eq!(b["status"], "rejected");
    let (status, _) = problem(act(&app, &contact, job, &b, "invite").await).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // 丙 and 丁 invited; both hired at once for the last position: exactly one wins.
    let c = ok(act(&app, &contact, job, &find(&list, "丙"), "invite").await).await;
    let d = ok(act(&app, &contact, job, &find(&list, "丁"), "invite").await).await;
    let (rc, rd) = tokio::join!(
        act(&app, &contact, job, &c, "hire"),
        act(&app, &contact, job, &d, "hire")
    );
    let mut statuses = [rc.status(), rd.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let loser = if rc.status() == StatusCode::CONFLICT {
        rc
    } else {
        rd
    };
    let p: Value = loser.json().await.unwrap();
    assert!(
        p["detail"].as_str().unwrap().contains("招聘人数已满"),
        "{p}"
    );
    let hired = applications(&app, &contact, job)
        .await
        .into_iter()
        .filter(|a| a["status"] == "hired")
        .count();
    assert_eq!(hired, 2, "never more hires than positions");

    // Bad answers name the field.
    let (status, p) = problem(
        app.post(
            &contact,
            &format!("/api/v1/jobs/{job}/applications/{}/actions", c["id"]),
            &json!({"action": "promote", "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "action");
    let (status, p) = problem(
        app.post(
            &contact,
            &format!("/api/v1/jobs/{job}/applications/{}/actions", c["id"]),
            &json!({"action": "reject"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "version");
    // An application of another job under this job's path is not found.
    let other = post_job(&app, &contact, None, "质检员", 1).await;
    let (status, _) = problem(act(&app, &contact, other, &c, "reject").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = f;
}

#[tokio::test]
async fn assistance_staff_see_the_assisted_applicants_district_wide_and_follow_them_up() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let job_a = post_job(&app, &admin, Some(f.ent_a), "保洁员", 2).await;
    let job_b = post_job(&app, &admin, Some(f.ent_b), "门卫", 1).await;
    let r = apply(
        &app,
        job_a,
        json!({"name": "周大", "phone": "15000000001", "assistance": "disabled"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = apply(
        &app,
        job_b,
        json!({"name": "吴二", "phone": "15000000002", "assistance": "long_term_unemployed"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    apply_ok(&app, job_b, "郑三", "15000000003").await;

    // A role with employment:assist alone and no unit scope.
    let r = app
        .post(
            &admin,
            "/api/v1/roles",
            &json!({"code": "assist_only", "name_zh": "就业援助专员", "data_scope": "unit",
                    "permissions": ["employment:assist"]}),
        )
        .await;
    ok(r).await;
    add_user(&app, "assist", "assist_only", None, None, None).await;
    let t = app.token("assist").await;
    let v = ok(app.get(&t, "/api/v1/assistance/applications").await).await;
    assert_eq!(v["total"], 2, "{v}");
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["吴二", "周大"]);
    let wu = &v["items"][0];
    assert_eq!(wu["phone"], "15000000002");
    assert_eq!(wu["job_title"], "门卫");
    assert_eq!(wu["enterprise_name"], "郑州矿山机械有限公司");
    assert_eq!(wu["assistance"], "long_term_unemployed");
    assert_eq!(wu["assistance_label"], "长期失业人员");
    let v = ok(app
        .get(&t, "/api/v1/assistance/applications?assistance=disabled")
        .await)
    .await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["name"], "周大");
    let v = ok(app
        .get(&t, "/api/v1/assistance/applications?status=hired")
        .await)
    .await;
    assert_eq!(v["total"], 0);
    let (status, p) = problem(
        app.get(&t, "/api/v1/assistance/applications?assistance=rich")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "assistance");

    // A follow-up, shown with the application; empty notes are refused.
    let id = wu["id"].as_i64().unwrap();
    let path = format!("/api/v1/assistance/applications/{id}/followups");
    let r = app
        .post(&t, &path, &json!({"note": "已电话联系，推荐参加焊工培训"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (status, p) = problem(app.post(&t, &path, &json!({"note": "  "})).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "note");
    let v = ok(app.get(&t, "/api/v1/assistance/applications").await).await;
    let notes = v["items"][0]["followups"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["note"], "已电话联系，推荐参加焊工培训");
    // An application that claims no assistance is not theirs to follow up.
    let plain = applications(&app, &admin, job_b)
        .await
        .into_iter()
        .find(|a| a["name"] == "郑三")
        .unwrap();
    let (status, _) = problem(
        app.post(
            &t,
            &format!("/api/v1/assistance/applications/{}/followups", plain["id"]),
            &json!({"note": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Nothing else of the firms: no job list, no applications.
    let r = app.get(&t, "/api/v1/jobs").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .get(&t, &format!("/api/v1/jobs/{job_b}/applications"))
        .await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&r.status()),
        "{}",
        r.status()
    );
    // And the firm's contact has no assistance door.
    let contact = app.token("enterprise_contact").await;
    let r = app.get(&contact, "/api/v1/assistance/applications").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_public_pages_work_without_a_cookie_and_the_firm_answers_on_its_page() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let job = post_job(&app, &admin, Some(f.ent_a), "面点师", 1).await;
    let page = |path: String| {
        app.client
            .get(app.url(&path))
            .header(ACCEPT, "text/html")
            .send()
    };
    let r = page(format!("/jobs/{job}/apply")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    for label in [
        "姓名",
        "手机号",
        "留言",
        "就业援助",
        "面点师",
        "name=\"viewport\"",
    ] {
        assert!(html.contains(label), "{label}");
    }
    let post = |form: Vec<(&'static str, &'static str)>, origin: &str| {
        app.client
            .post(app.url(&format!("/jobs/{job}/apply")))
            .header(ACCEPT, "text/html")
            .header(ORIGIN, origin.to_owned())
            .form(&form)
            .send()
    };
    let origin = app.base.clone();
    // From another site: refused, nothing stored.
    let r = post(
        vec![("name", "刘一"), ("phone", "18600000001")],
        "https://evil.example",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A bad phone: the form again with the message.
    let r = post(vec![("name", "刘一"), ("phone", "123")], &origin)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("手机号"));
    assert_eq!(app.count("job_applications").await, 0);
    let r = post(
        vec![
            ("name", "刘一"),
            ("phone", "18600000001"),
            ("message", "做过五年面点"),
            ("assistance", "low_income"),
        ],
        &origin,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let reference: String = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT reference FROM job_applications".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "reference")
        .unwrap();
    assert!(html.contains(&reference), "the reference shown");
    assert!(html.contains(&format!("/jobs/applications/{reference}")));
    let r = page(format!("/jobs/applications/{reference}"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("面点师") && html.contains("待处理"), "{html}");
    assert!(!html.contains("刘一") && !html.contains("18600000001"));
    let r = page("/jobs/applications/NOSUCHREF".to_owned())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The rate limit answers the form again, with the clear message.
    set(&app, "jobs.apply_per_phone_per_hour", 1).await;
    let other = post_job(&app, &admin, Some(f.ent_a), "厨师", 1).await;
    let r = app
        .client
        .post(app.url(&format!("/jobs/{other}/apply")))
        .header(ACCEPT, "text/html")
        .header(ORIGIN, origin.clone())
        .form(&[("name", "刘一"), ("phone", "18600000001")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(RETRY_AFTER));
    assert!(r.text().await.unwrap().contains("投递过于频繁"));

    // The firm's page lists it with the phone and answers in one click.
    let b = Browser::login(&app, "enterprise_contact").await;
    let (status, html) = b.get(&format!("/recruitment/{job}/applications")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("刘一") && html.contains("18600000001") && html.contains("邀请面试"));
    let csrf = b.csrf().await;
    let id = applications(&app, &admin, job).await[0]["id"]
        .as_i64()
        .unwrap();
    let r = b
        .post(
            &format!("/recruitment/{job}/applications/{id}/actions"),
            &[("_csrf", &csrf), ("action", "invite"), ("version", "1")],
        )
        .await;
    assert!(
        r.status().is_success() || r.status() == StatusCode::SEE_OTHER,
        "{}",
        r.status()
    );
    let s = ok(public_get(&app, &format!("/api/v1/public/applications/{reference}")).await).await;
    assert_eq!(s["status"], "invited");

    // The assistance page lists the claim and takes a follow-up.
    let b = Browser::login(&app, "leader").await;
    let (status, html) = b.get("/employment/assistance").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("刘一") && html.contains("低收入家庭成员"),
        "{html}"
    );
    let csrf = b.csrf().await;
    let r = b
        .post(
            &format!("/employment/assistance/{id}/followups"),
            &[("_csrf", &csrf), ("note", "已联系，面试时陪同")],
        )
        .await;
    assert!(
        r.status().is_success() || r.status() == StatusCode::SEE_OTHER,
        "{}",
        r.status()
    );
    assert_eq!(app.count("assistance_followups").await, 1);
}

#[tokio::test]
async fn the_same_phone_applying_twice_at_once_gets_one_application_and_one_reference() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let job = post_job(&app, &admin, Some(f.ent_a), "搬运工", 5).await;
    for round in 0..3 {
        let phone = format!("1770000000{round}");
        let body = json!({"name": "冯九", "phone": phone});
        let (a, b) = tokio::join!(
            apply(&app, job, body.clone()),
            apply(&app, job, body.clone())
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CREATED],
            "round {round}"
        );
        let a: Value = a.json().await.unwrap();
        let b: Value = b.json().await.unwrap();
        assert_eq!(a["reference"], b["reference"], "round {round}");
    }
    assert_eq!(app.count("job_applications").await, 3);
    let list = applications(&app, &admin, job).await;
    assert!(list.iter().all(|a| a["repeats"] == 1), "{list:?}");
}
