//! The admin shell around every list: the unit tree beside the lists (loaded a level at a
//! time, searched, filtering to a unit and below, within the caller's scope), the menu each
//! role sees, and where each role lands.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn the_unit_tree_opens_a_level_at_a_time_within_the_callers_scope() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // The top of the administrator's tree is the district, with its five units below.
    let top = ok(app.get(&admin, "/api/v1/units/tree").await).await;
    assert_eq!(names(&top), ["上街区"]);
    assert_eq!(top["items"][0]["children"], 5);
    assert_eq!(top["items"][0]["kind_label"], "区");
    assert_eq!(top["items"][0]["path"], json!([]));
    // Opening it fetches its children, each saying whether it opens further.
    let below = ok(app
        .get(&admin, &format!("/api/v1/units/tree?parent={}", f.district))
        .await)
    .await;
    assert_eq!(below["total"], 5);
    let sub_a = below["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == f.sub_a)
        .expect("济源路街道 below the district");
    assert_eq!(sub_a["children"], 1);
    assert_eq!(sub_a["path"], json!([f.district]));
    let finance = below["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == f.other_dept)
        .unwrap();
    assert_eq!(finance["children"], 0);
    // A search finds a unit by name with the path that opens the tree down to it.
    let found = ok(app
        .get(&admin, "/api/v1/units/tree?q=%E7%94%B2%E7%A4%BE")
        .await)
    .await;
    assert_eq!(names(&found), ["甲社区"]);
    assert_eq!(found["items"][0]["path"], json!([f.district, f.sub_a]));

    // Department staff see their department at the top of their tree, and nothing above or
    // beside it: the district is not theirs to open, a sub-district not theirs to find.
    let staff = app.token("department_staff").await;
    let top = ok(app.get(&staff, "/api/v1/units/tree").await).await;
    assert_eq!(names(&top), ["工业和信息化局"]);
    assert_eq!(top["items"][0]["path"], json!([]));
    for outside in [
        format!("/api/v1/units/tree?parent={}", f.district),
        format!("/api/v1/units/tree?id={}", f.sub_a),
    ] {
        let (status, _) = problem(app.get(&staff, &outside).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{outside}");
    }
    let found = ok(app
        .get(&staff, "/api/v1/units/tree?q=%E8%A1%97%E9%81%93")
        .await)
    .await;
    assert_eq!(
        found["total"], 0,
        "no sub-district is in a department's scope"
    );

    // A parameter that does not parse, or two questions at once, is a 422 naming the field.
    let (status, _) = problem(app.get(&admin, "/api/v1/units/tree?parent=abc").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, p) = problem(
        app.get(
            &admin,
            &format!("/api/v1/units/tree?parent={}&q=x", f.district),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "q");
    // Who may not read units gets no tree.
    let volunteer = app.token("volunteer").await;
    let (status, _) = problem(app.get(&volunteer, "/api/v1/units/tree").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_unit_in_the_tree_filters_each_list_to_it_and_below() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let contact = app.token("enterprise_contact").await;
    let appeal = ok(app
        .post(
            &contact,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "电力增容", "description": "新产线需要增容"}),
        )
        .await)
    .await;
    assert!(appeal["id"].is_i64());
    let b = Browser::login(&app, "admin").await;

    // People: 济源路街道 and below has 张伟 (in 甲社区 under it) and 陈静, not 李娜.
    let (status, html) = b.get(&format!("/people?unit_id={}", f.sub_a)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("张伟") && html.contains("陈静") && !html.contains("李娜"));
    assert!(html.contains("data-unit-tree") && html.contains("data-param=\"unit_id\""));
    assert!(html.contains(&format!("data-selected=\"{}\"", f.sub_a)));
    // Enterprises: the district and below is both, a sub-district its own.
    let (_, html) = b.get(&format!("/enterprises?unit_id={}", f.district)).await;
    assert!(html.contains("郑州长城科工贸有限公司") && html.contains("郑州矿山机械有限公司"));
    let (_, html) = b.get(&format!("/enterprises?unit_id={}", f.sub_b)).await;
    assert!(!html.contains("郑州长城科工贸有限公司") && html.contains("郑州矿山机械有限公司"));
    let api = ok(app
        .get(
            &admin,
            &format!("/api/v1/enterprises?unit_id={}", f.district),
        )
        .await)
    .await;
    assert_eq!(
        api["total"], 2,
        "the API filters to the unit and below as the page does"
    );
    // Units: the same tree, setting `under`.
    let (_, html) = b.get(&format!("/units?under={}", f.sub_a)).await;
    assert!(html.contains("甲社区") && !html.contains("乙社区"));
    assert!(html.contains("data-param=\"under\""));
    // Users: those of the unit and below.
    let (_, html) = b.get(&format!("/system/users?unit_id={}", f.dept)).await;
    assert!(html.contains(">department_staff<") && !html.contains(">service_cadre<"));
    let (_, html) = b
        .get(&format!("/system/users?unit_id={}", f.task_force))
        .await;
    assert!(html.contains(">service_cadre<") && !html.contains(">department_staff<"));
    // Cases: those concerning the unit or below, or handled there.
    let (_, html) = b.get(&format!("/cases?unit_id={}", f.sub_a)).await;
    assert!(html.contains("电力增容"));
    assert!(html.contains("data-unit-tree"));
    let (_, html) = b.get(&format!("/cases?unit_id={}", f.sub_b)).await;
    assert!(!html.contains("电力增容"));
    let api = ok(app
        .get(&admin, &format!("/api/v1/cases?under={}", f.district))
        .await)
    .await;
    assert_eq!(api["total"], 1);

    // Within the caller's scope: a unit outside it in the address shows nothing beyond it.
    let staff = Browser::login(&app, "department_staff").await;
    let (status, html) = staff.get(&format!("/people?unit_id={}", f.sub_a)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("张伟") && !html.contains("陈静"));
    let (_, html) = staff.get(&format!("/people?unit_id={}", f.dept)).await;
    assert!(html.contains("王强"));
    // A unit that is no number is refused, not ignored.
    let (status, _) = b.get("/people?unit_id=abc").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = b.get("/cases?unit_id=abc").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = b.get("/system/users?unit_id=abc").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // An enterprise's contact has no unit to choose: no tree beside its lists.
    let c = Browser::login(&app, "enterprise_contact").await;
    let (_, html) = c.get("/people").await;
    assert!(html.contains("陈静") && !html.contains("data-unit-tree"));
}

/// The menu links of a page (`nav.menu`).
fn menu_links(html: &str) -> Vec<String> {
    let nav = html
        .split("<nav class=\"menu\">")
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .unwrap_or_default();
    nav.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| {
            s.replace("&#x2f;", "/")
                .replace("&#47;", "/")
                .replace("&amp;", "&")
        })
        .collect()
}

#[tokio::test]
async fn each_role_sees_only_the_menu_entries_of_its_work() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = Browser::login(&app, "admin").await;
    let (_, html) = admin.get("/").await;
    let menu = menu_links(&html);
    assert!(menu.contains(&"/api/docs".to_owned()), "{menu:?}");
    assert!(menu.contains(&"/account/tokens".to_owned()));
    // Each on a page of its own (the volunteer's entry page is a phone page without a menu).
    for (role, page) in [
        ("leader", "/"),
        ("department_staff", "/cases?scope=unit"),
        ("service_cadre", "/"),
        ("volunteer", "/people"),
        ("enterprise_contact", "/"),
    ] {
        let b = Browser::login(&app, role).await;
        let (status, html) = b.get(page).await;
        assert_eq!(status, StatusCode::OK, "{role} on {page}");
        let menu = menu_links(&html);
        assert!(!menu.is_empty(), "{role} has a menu");
        assert!(
            !menu.contains(&"/api/docs".to_owned())
                && !menu.contains(&"/account/tokens".to_owned()),
            "{role} does no API work: {menu:?}"
        );
    }
    // An enterprise's contact sees its own work: its home, its employees, its appeals, its
    // gate and its health reports; not the district's lists, boards and figures.
    let c = Browser::login(&app, "enterprise_contact").await;
    let (_, html) = c.get("/").await;
    let menu = menu_links(&html);
    for own in ["/", "/people", "/appeal", "/cases", "/health"] {
        assert!(menu.contains(&own.to_owned()), "{own} in {menu:?}");
    }
    for not_its in [
        "/enterprises",
        "/cases?bucket=overdue",
        "/screening/dashboard",
        "/units",
    ] {
        assert!(!menu.contains(&not_its.to_owned()), "{not_its} in {menu:?}");
    }
    assert!(html.contains("我的诉求"));
    // The district's staff keep theirs.
    let staff = Browser::login(&app, "department_staff").await;
    let (_, html) = staff.get("/cases?scope=unit").await;
    let menu = menu_links(&html);
    for theirs in [
        "/enterprises",
        "/people",
        "/units",
        "/cases",
        "/cases?bucket=overdue",
    ] {
        assert!(menu.contains(&theirs.to_owned()), "{theirs} in {menu:?}");
    }
}

#[tokio::test]
async fn each_role_lands_where_its_work_is() {
    let (app, f) = TestApp::with_fixture().await;
    // Department staff land on their to-do list; the district overview stays in their menu.
    let staff = Browser::login(&app, "department_staff").await;
    let r = app
        .client
        .get(app.url("/"))
        .header(reqwest::header::COOKIE, &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/cases");
    // 我的待办 opens on their own work: nothing to do yet, so their department's cases; 全部
    // is a tab of its own.
    let (status, _) = staff.get("/cases").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let r = app
        .client
        .get(app.url("/cases"))
        .header(reqwest::header::COOKIE, &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/cases?scope=unit");
    let (_, html) = staff.get("/cases?scope=unit").await;
    assert!(html.contains("href=\"/cases?scope=all\""));
    assert!(menu_links(&html).contains(&"/dashboard".to_owned()));
    let (status, html) = staff.get("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"todo-stats\""));
    // A volunteer lands on the entry page.
    let volunteer = Browser::login(&app, "volunteer").await;
    let r = app
        .client
        .get(app.url("/"))
        .header(reqwest::header::COOKIE, &volunteer.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/screening/entry");
    // A leader sees the district.
    let leader = Browser::login(&app, "leader").await;
    let (status, html) = leader.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("class=\"chart-grid\""));

    // An enterprise's contact lands on its enterprise: today's reports, its appeals, what it
    // can ask for; not the district's tiles.
    let token = app.token("enterprise_contact").await;
    let c = Browser::login(&app, "enterprise_contact").await;
    let (status, html) = c.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h1><span data-data>郑州长城科工贸有限公司</span></h1>"),
        "{html}"
    );
    assert!(!html.contains("class=\"chart-grid\"") && !html.contains("郑州矿山机械有限公司"));
    assert!(html.contains("data-reported=\"0\" data-roster=\"2\""));
    assert!(
        html.contains("刘洋") && html.contains("陈静"),
        "both still to report"
    );
    assert!(html.contains("还没有诉求"));
    assert!(
        html.contains("href=\"/appeal\"") && html.contains(&format!("/enterprises/{}", f.ent_a))
    );
    ok(app
        .post(
            &token,
            "/api/v1/health-reports",
            &json!({"reports": [{"person_id": f.employee_a, "temperature": 365,
                "mental_state": "good", "quarantine": "none"}]}),
        )
        .await)
    .await;
    ok(app
        .post(
            &token,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": "招工难", "description": "缺少熟练工"}),
        )
        .await)
    .await;
    let (_, html) = c.get("/").await;
    assert!(html.contains("data-reported=\"1\" data-roster=\"2\""));
    assert!(html.contains("尚未填报：刘洋"));
    assert!(html.contains("招工难") && !html.contains("还没有诉求"));
}
