//! The one list widget (issue 13): every list sorts by its columns, pages at 20/50/100/500
//! with a jump to a page, remembers the columns each user hides, and acts on the rows ticked
//! (export exactly those, delete all or none).

use reqwest::StatusCode;

use crate::helpers::*;

fn names(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_list_sorts_by_a_column_both_ways_and_refuses_an_unknown_one() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let asc = names(&ok(app.get(&t, "/api/v1/people?sort=name&order=asc").await).await);
    let mut want = asc.clone();
    want.sort();
    assert_eq!(asc, want, "ascending by name");
    assert!(asc.len() >= 6);
    let desc = names(&ok(app.get(&t, "/api/v1/people?sort=name&order=desc").await).await);
    want.reverse();
    assert_eq!(desc, want, "descending by name");
    // Pages of a sorted list neither overlap nor miss a row.
    let p1 = names(&ok(app.get(&t, "/api/v1/people?sort=name&page_size=4").await).await);
    let p2 = names(
        &ok(app
            .get(&t, "/api/v1/people?sort=name&page_size=4&page=2")
            .await)
        .await,
    );
    assert_eq!([p1, p2].concat(), asc);

    let (status, p) = problem(app.get(&t, "/api/v1/people?sort=password").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "sort");
    let (status, p) = problem(app.get(&t, "/api/v1/units?sort=name&order=sideways").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "order");

    // The page: the header links sort, the sorted column says so, the pager offers the sizes
    // and a jump, and keeps the sort and the filter.
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b
        .get("/people?sort=name&order=desc&page_size=2&q=%E5%BC%A0")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="descending""#), "{html}");
    assert!(
        html.contains("href=\"/people?q=%E5%BC%A0&#38;sort=name&#38;order=asc&#38;page_size=2\"")
    );
    for n in ["20 条/页", "50 条/页", "100 条/页", "500 条/页"] {
        assert!(html.contains(n), "{n}");
    }
    assert!(html.contains(r#"<input type="hidden" name="sort" value="name">"#));
    assert!(html.contains(r#"name="page" min="1""#));
    let (status, html) = b.get("/enterprises?sort=employee_count&order=desc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="descending""#));
    let (status, _) = b.get("/units?sort=version").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_columns_a_user_hides_are_remembered_for_that_user_only() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = Browser::login(&app, "admin").await;
    let (_, html) = admin.get("/people").await;
    assert!(html.contains(r#"data-col="person.phone""#));
    let csrf = admin.csrf().await;
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("list", "people"),
        ("back", "/people?q=x"),
    ];
    for c in [
        "person.name",
        "person.gender",
        "person.id_number",
        "person.phone",
        "person.unit",
    ] {
        form.push(("all", c));
    }
    form.push(("show", "person.name"));
    form.push(("show", "person.unit"));
    let r = admin.post("/prefs/columns", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/people?q=x");
    let (_, html) = admin.get("/people").await;
    assert!(!html.contains(r#"data-col="person.phone""#), "phone hidden");
    assert!(!html.contains(r#"data-col="person.id_number""#));
    assert!(html.contains(r#"data-col="person.name""#));
    assert!(
        html.contains(r#"data-col="person.kinds""#),
        "a column not on the form stays"
    );
    // the chooser still offers the hidden ones, unticked
    assert!(html.contains(r#"<input type="checkbox" name="show" value="person.phone"> "#));
    // Another user's list is untouched.
    let leader = Browser::login(&app, "leader").await;
    let (_, html) = leader.get("/people").await;
    assert!(html.contains(r#"data-col="person.phone""#));
    // Never a redirect off the site; a bad list key is a 422 and nothing changes.
    let r = admin
        .post(
            "/prefs/columns",
            &[
                ("_csrf", &csrf),
                ("list", "people"),
                ("back", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/");
    let r = admin
        .post(
            "/prefs/columns",
            &[("_csrf", &csrf), ("list", "../etc"), ("all", "person.name")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Without the CSRF token the post is refused, and nothing changes.
    let r = admin
        .post(
            "/prefs/columns",
            &[("list", "people"), ("all", "person.name")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (_, html) = admin.get("/people").await;
    assert!(html.contains(r#"data-col="person.name""#));
    // All shown again.
    let r = admin
        .post(
            "/prefs/columns",
            &[("_csrf", &csrf), ("list", "people"), ("back", "/people")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = admin.get("/people").await;
    assert!(html.contains(r#"data-col="person.phone""#));
}

#[tokio::test]
async fn the_ticked_rows_are_exported_alone_and_deleted_all_or_none() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let ids = format!("{},{}", f.person_a, f.person_b);
    let v = ok(app.get(&t, &format!("/api/v1/people?ids={ids}")).await).await;
    assert_eq!(v["total"], 2);
    let csv = app
        .client
        .get(app.url(&format!("/people/export.csv?ids={ids}")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        3,
        "the header and the two ticked rows: {csv}"
    );
    assert!(csv.contains("张伟") && csv.contains("李娜") && !csv.contains("王强"));
    let (status, p) = problem(app.get(&t, "/api/v1/people?ids=1,x").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "ids");

    // The page offers the batch actions to those who may.
    let admin = Browser::login(&app, "admin").await;
    let (_, html) = admin.get("/people").await;
    assert!(html.contains(r#"id="batch-export""#) && html.contains(r#"id="batch-delete""#));
    assert!(html.contains(&format!(r#"value="{}" data-row-check"#, f.person_a)));
    let leader = Browser::login(&app, "leader").await;
    let (_, html) = leader.get("/people").await;
    assert!(
        !html.contains(r#"id="batch-delete""#),
        "the leader may not delete people"
    );

    // One of the ticked rows cannot go (a user signs in as that person): none goes.
    let before = app.count("people").await;
    let csrf = admin.csrf().await;
    let mixed = format!("{},{}", f.person_a, f.contact_person);
    let r = admin
        .post("/people/batch-delete", &[("_csrf", &csrf), ("ids", &mixed)])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("people").await, before);
    let r = admin
        .post("/people/batch-delete", &[("_csrf", &csrf), ("ids", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post("/people/batch-delete", &[("_csrf", &csrf), ("ids", &ids)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("people").await, before - 2);
    // Each deletion is in the audit log.
    let log = ok(app
        .get(&t, "/api/v1/audit?action=delete&entity=person")
        .await)
    .await;
    assert_eq!(log["total"], 2, "{log}");
}

#[tokio::test]
async fn the_breadcrumb_is_the_real_path_and_menu_groups_fold() {
    let (app, f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let crumbs = |html: &str| {
        let i = html.find(r#"<nav class="breadcrumb""#).expect("breadcrumb");
        let end = html[i..].find("</nav>").unwrap();
        html[i..i + end].to_owned()
    };
    let (_, home) = b.get("/").await;
    let c = crumbs(&home);
    assert_eq!(c.matches("首页").count(), 1, "not 首页 / 首页: {c}");
    let (_, list) = b.get("/people").await;
    let c = crumbs(&list);
    assert!(
        c.contains(r#"<a href="/">首页</a><span>基础数据</span><span>人员</span>"#),
        "{c}"
    );
    let (_, detail) = b.get(&format!("/people/{}", f.person_a)).await;
    let c = crumbs(&detail);
    assert!(
        c.contains(r#"<span>基础数据</span><a href="/people">人员</a>"#),
        "{c}"
    );
    // Each menu group has a heading that folds it.
    assert!(list.contains(r#"data-menu-toggle>基础数据</button>"#));
    assert!(list.contains(r#"class="active" aria-current="page">人员</a>"#));
}
