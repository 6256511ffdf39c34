//! The one list widget on the case list (my to-do, the overdue board), passages, the health
//! completion list and the users: sorted by a column, paged at the sizes every list offers,
//! the rows ticked exported alone, and an .xlsx of exactly what the filter shows, in the
//! order shown, with names and labels where the records hold codes and ids.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Every row of the first sheet of an .xlsx answer, as text.
async fn sheet(app: &TestApp, token: &str, path: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.expect("bytes").to_vec();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn column(rows: &[Vec<String>], header: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}: {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

fn field(v: &Value, key: &str) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn raise(app: &TestApp, t: &str, f: &Fixture, title: &str) -> i64 {
    ok(app
        .post(
            t,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "title": title, "enterprise_id": f.ent_a,
                    "source": "hotline"}),
        )
        .await)
    .await["id"]
        .as_i64()
        .expect("id")
}

#[tokio::test]
async fn the_case_list_sorts_pages_and_exports_what_it_shows_in_its_order() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let b_id = raise(&app, &t, &f, "乙 用工缺口").await;
    let a_id = raise(&app, &t, &f, "甲 施工许可").await;
    let c_id = raise(&app, &t, &f, "丙 融资需求").await;
    let asc = field(
        &ok(app.get(&t, "/api/v1/cases?sort=title&order=asc").await).await,
        "title",
    );
    let mut want = asc.clone();
    want.sort();
    assert_eq!(asc, want, "ascending by title");
    assert_eq!(asc.len(), 3);
    let desc = field(
        &ok(app.get(&t, "/api/v1/cases?sort=title&order=desc").await).await,
        "title",
    );
    want.reverse();
    assert_eq!(desc, want, "descending by title");
    // Pages of a sorted list neither overlap nor miss a row.
    let p1 = field(
        &ok(app.get(&t, "/api/v1/cases?sort=title&page_size=2").await).await,
        "title",
    );
    let p2 = field(
        &ok(app
            .get(&t, "/api/v1/cases?sort=title&page_size=2&page=2")
            .await)
        .await,
        "title",
    );
    assert_eq!([p1, p2].concat(), asc);
    let (status, p) = problem(app.get(&t, "/api/v1/cases?sort=description").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "sort");

    // The export holds what the list shows, in its order, with labels, not codes.
    let rows = sheet(&app, &t, "/api/v1/cases/export.xlsx?sort=title&order=desc").await;
    assert_eq!(column(&rows, "标题"), desc);
    assert!(
        column(&rows, "类型").iter().all(|k| k == "企业诉求"),
        "{rows:?}"
    );
    assert!(column(&rows, "来源").iter().all(|s| s == "电话热线"));
    assert!(
        column(&rows, "企业/单位")
            .iter()
            .all(|s| s == "郑州长城科工贸有限公司")
    );
    // The page's export link is the same question; the ticked rows alone.
    let b = Browser::login(&app, "admin").await;
    let ids = format!("{a_id},{c_id}");
    let rows = sheet(
        &app,
        &t,
        &format!("/cases/export.xlsx?sort=title&order=asc&ids={ids}"),
    )
    .await;
    assert_eq!(rows.len(), 3, "the header and the two ticked rows");
    assert!(!column(&rows, "标题").contains(&"乙 用工缺口".to_owned()));
    let _ = b_id;
    let (status, _) = b.get("/cases/export.xlsx?ids=1,x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page: sortable headers, the one pager with sizes and a jump, the batch export of
    // the ticked rows, the export button keeping the sort.
    let (status, html) = b.get("/cases?sort=title&order=desc&page_size=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="descending""#), "{html}");
    assert!(html.contains(r#"href="/cases?sort=title&#38;order=asc&#38;page_size=2""#));
    for n in ["20 条/页", "50 条/页", "100 条/页", "500 条/页"] {
        assert!(html.contains(n), "{n}");
    }
    assert!(html.contains(r#"name="page" min="1" max="2""#));
    assert!(html.contains(r#"id="batch-export""#));
    assert!(html.contains(r#"href="/cases/export.xlsx?sort=title&#38;order=desc""#));
    assert_eq!(html.matches("data-row-check").count(), 2);
    // The overdue board is the same list (nothing overdue here).
    let (status, html) = b.get("/cases?bucket=overdue&sort=deadline").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(
            r#"href="/cases/export.xlsx?bucket=overdue&#38;sort=deadline&#38;order=asc""#
        )
    );
    let rows = sheet(&app, &t, "/cases/export.xlsx?bucket=overdue").await;
    assert_eq!(rows.len(), 1, "only the header");
    // Columns hidden on the case list are remembered.
    let csrf = b.csrf().await;
    let r = b
        .post(
            "/prefs/columns",
            &[
                ("_csrf", csrf.as_str()),
                ("list", "cases"),
                ("back", "/cases"),
                ("all", "number"),
                ("all", "kind"),
                ("show", "number"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = b.get("/cases?scope=all").await;
    assert!(!html.contains(r#"data-col="kind""#));
    assert!(html.contains(r#"data-col="number""#));
}

#[tokio::test]
async fn passages_sort_by_temperature_and_export_in_that_order() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let gate = app
        .gate_with_device(&admin, "甲社区东门", f.community_a)
        .await;
    let at = |m: i64| (Utc::now() - Duration::minutes(m)).to_rfc3339();
    let r = app
        .client
        .post(app.url("/api/v1/passages"))
        .bearer_auth(&gate)
        .json(&json!([
            {"device_seq": 1, "id_number": id_number("41010619850312101"), "name": "张伟",
             "temperature": 366, "direction": "in", "at": at(30)},
            {"device_seq": 2, "id_number": id_number("41010619900720202"), "name": "李娜",
             "temperature": 362, "direction": "out", "at": at(20)},
            {"device_seq": 3, "id_number": id_number("41010619800101303"), "name": "王强",
             "temperature": 369, "direction": "in", "at": at(10)},
        ]))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let temps = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["temperature"].as_i64().unwrap())
            .collect()
    };
    let v = ok(app
        .get(&admin, "/api/v1/passages?sort=temperature&order=desc")
        .await)
    .await;
    assert_eq!(temps(&v), [369, 366, 362]);
    let v = ok(app.get(&admin, "/api/v1/passages?sort=temperature").await).await;
    assert_eq!(temps(&v), [362, 366, 369]);
    let v = ok(app.get(&admin, "/api/v1/passages").await).await;
    assert_eq!(temps(&v), [369, 362, 366], "newest first without a sort");
    let (status, p) = problem(app.get(&admin, "/api/v1/passages?sort=name").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "sort");

    let rows = sheet(
        &app,
        &admin,
        "/api/v1/passages/export.xlsx?sort=temperature&order=desc",
    )
    .await;
    assert_eq!(column(&rows, "体温"), ["36.9 ℃", "36.6 ℃", "36.2 ℃"]);
    assert!(column(&rows, "卡点").iter().all(|c| c == "甲社区东门"));
    assert_eq!(column(&rows, "方向"), ["进", "进", "出"]);
    let ids: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let rows = sheet(
        &app,
        &admin,
        &format!("/passages/export.xlsx?ids={}", ids[0]),
    )
    .await;
    assert_eq!(rows.len(), 2, "the header and the ticked row");

    let b = Browser::login(&app, "admin").await;
    let (status, html) = b
        .get("/passages?sort=temperature&order=asc&page_size=2")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="ascending""#));
    assert_eq!(html.matches("data-row-check").count(), 2);
    assert!(html.contains(r#"name="page" min="1" max="2""#));
    assert!(html.contains(r#"id="batch-export""#));
    assert!(html.contains(r#"href="/passages/export.xlsx?sort=temperature&#38;order=asc""#));
}

#[tokio::test]
async fn the_health_completion_list_pages_and_sorts() {
    let (app, _f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b
        .get("/health?sort=enterprise&order=desc&page_size=1")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="descending""#), "{html}");
    assert!(html.contains("20 条/页"));
    let table = &html[html.find(r#"id="health-completion""#).expect("table")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(
        table.matches("/health?enterprise_id=").count(),
        1,
        "one enterprise a page: {table}"
    );
    let (status, _) = b.get("/health?sort=secret").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = b.get("/health?page_size=501").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn users_export_in_the_lists_order_with_role_and_unit_names() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let rows = sheet(
        &app,
        &t,
        "/api/v1/users/export.xlsx?sort=username&order=desc",
    )
    .await;
    let names = column(&rows, "用户名");
    let mut want = names.clone();
    want.sort();
    want.reverse();
    assert_eq!(names, want);
    assert!(names.contains(&"enterprise_contact".to_owned()));
    let i = names
        .iter()
        .position(|n| n == "enterprise_contact")
        .unwrap();
    assert_eq!(
        column(&rows, "所属单位")[i],
        "济源路街道",
        "a name, not 410106001"
    );
    assert_eq!(column(&rows, "所在企业")[i], "郑州长城科工贸有限公司");
    assert!(
        !column(&rows, "角色")[i].contains("enterprise_contact"),
        "{rows:?}"
    );
    let rows = sheet(&app, &t, "/system/users/export.xlsx?q=admin").await;
    assert_eq!(column(&rows, "用户名"), ["admin"]);

    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/system/users?sort=username&order=desc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="descending""#));
    assert!(html.contains(r#"id="batch-export""#));
    assert!(html.contains(r#"href="/system/users/export.xlsx?sort=username&#38;order=desc""#));
    let (status, _) = b.get("/system/users?sort=password_hash").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn registry_exports_name_units_and_keep_the_lists_order() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let rows = sheet(&app, &t, "/enterprises/export.xlsx?sort=name&order=desc").await;
    let names = column(&rows, "企业名称*");
    let mut want = names.clone();
    want.sort();
    want.reverse();
    assert_eq!(names, want, "in the list's order");
    assert!(names.len() >= 2);
    let streets = column(&rows, "所属街道（镇）*");
    assert!(streets.contains(&"济源路街道".to_owned()), "{streets:?}");
    assert!(!streets.iter().any(|s| s == "410106001"));
    let rows = sheet(&app, &t, "/api/v1/export/people?sort=name&order=asc").await;
    let people = column(&rows, "姓名*");
    let mut want = people.clone();
    want.sort();
    assert_eq!(people, want);
    // The page's export links carry the sort.
    let b = Browser::login(&app, "admin").await;
    let (_, html) = b.get("/people?sort=name&order=desc").await;
    assert!(html.contains(r#"href="/people/export.xlsx?sort=name&#38;order=desc""#));
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| x["id"].as_i64().expect("id"))
        .collect()
}

/// 督查检查, 督查通报 and the checkpoints on the list widget: sorted by a column both ways
/// (an unknown column a 422), paged, the ticked rows exported alone, and an .xlsx of what the
/// list shows in its order with names and labels; drafts of bulletins deleted all or none.
#[tokio::test]
async fn inspections_bulletins_and_checkpoints_sort_page_and_export() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let group = ok(app
        .post(
            &t,
            "/api/v1/units",
            &json!({"name": "第二监督检查组", "kind": "inspection_group", "parent_id": f.district}),
        )
        .await)
    .await;
    for (day, place) in [
        ("2020-03-12", "乙 会议室"),
        ("2020-03-10", "丙 办事处"),
        ("2020-03-11", "甲 卡点"),
    ] {
        ok(app
            .post(
                &t,
                "/api/v1/inspections",
                &json!({"group_unit_id": group["id"], "inspected_unit_id": f.sub_a,
                        "held_on": day, "place": place, "methods": ["onsite_check"]}),
            )
            .await)
        .await;
    }
    let days = |v: &Value| field(v, "held_on");
    let v = ok(app
        .get(&t, "/api/v1/inspections?sort=held_on&order=asc")
        .await)
    .await;
    assert_eq!(days(&v), ["2020-03-10", "2020-03-11", "2020-03-12"]);
    let v = ok(app
        .get(&t, "/api/v1/inspections?sort=place&order=desc")
        .await)
    .await;
    let mut want = field(&v, "place");
    want.sort();
    want.reverse();
    assert_eq!(field(&v, "place"), want);
    let p2 = ok(app
        .get(&t, "/api/v1/inspections?sort=held_on&page_size=2&page=2")
        .await)
    .await;
    assert_eq!(days(&p2), ["2020-03-12"]);
    assert_eq!(p2["total"], 3);
    let (status, p) = problem(app.get(&t, "/api/v1/inspections?sort=summary").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "sort");
    let rows = sheet(
        &app,
        &t,
        "/api/v1/inspections/export.xlsx?sort=held_on&order=desc",
    )
    .await;
    assert_eq!(
        column(&rows, "督查日期"),
        ["2020-03-12", "2020-03-11", "2020-03-10"]
    );
    assert!(
        column(&rows, "督查组")
            .iter()
            .all(|g| g == "第二监督检查组")
    );
    assert!(
        column(&rows, "被督查单位")
            .iter()
            .all(|u| u == "济源路街道")
    );
    assert!(column(&rows, "督查方式").iter().all(|m| m == "实地检查"));
    let asc = ids(&ok(app.get(&t, "/api/v1/inspections?sort=held_on").await).await);
    let rows = sheet(
        &app,
        &t,
        &format!("/inspections/export.xlsx?ids={},{}", asc[0], asc[2]),
    )
    .await;
    assert_eq!(column(&rows, "督查日期"), ["2020-03-12", "2020-03-10"]);
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b
        .get("/inspections?sort=held_on&order=asc&page_size=2")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="ascending""#), "{html}");
    assert_eq!(html.matches("data-row-check").count(), 2);
    assert!(html.contains(r#"name="page" min="1" max="2""#));
    assert!(html.contains(r#"id="batch-export""#));
    assert!(html.contains(r#"href="/inspections/export.xlsx?sort=held_on&#38;order=asc""#));
    assert!(html.contains(r#"href="/inspections?sort=held_on&#38;order=desc&#38;page_size=2""#));
    let (status, _) = b.get("/inspections?sort=group_unit_id").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // By the unit inspected: its name, both ways.
    ok(app
        .post(
            &t,
            "/api/v1/inspections",
            &json!({"group_unit_id": group["id"], "inspected_unit_id": f.sub_b,
                    "held_on": "2020-03-09", "place": "丁 社区", "methods": ["onsite_check"]}),
        )
        .await)
    .await;
    let inspected = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["inspected_unit"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_unit = inspected(
        &ok(app
            .get(&t, "/api/v1/inspections?sort=inspected&order=asc")
            .await)
        .await,
    );
    let mut want = by_unit.clone();
    want.sort();
    assert_eq!(by_unit, want);
    assert_ne!(by_unit.first(), by_unit.last(), "two units: {by_unit:?}");
    let by_unit_desc = inspected(
        &ok(app
            .get(&t, "/api/v1/inspections?sort=inspected&order=desc")
            .await)
        .await,
    );
    want.reverse();
    assert_eq!(by_unit_desc, want);
    ok(app.get(&t, "/api/v1/inspections?sort=group").await).await;
    let v = ok(app.get(&t, "/api/v1/inspections?ids=999999").await).await;
    assert_eq!(v["total"], 0, "ids narrow, never widen");
    let (_, html) = b.get("/inspections?sort=inspected&order=desc").await;
    assert!(html.contains(r#"aria-sort="descending""#));

    // Bulletins: two issued (numbered in order) and a draft.
    let mut bulletin_ids = Vec::new();
    for title in ["乙 关于卡点值守的通报", "甲 关于台账的通报", "丙 草稿通报"]
    {
        let b = ok(app
            .post(
                &t,
                "/api/v1/bulletins",
                &json!({"kind": "circular", "title": title, "body": "经查……",
                        "items": [{"unit_id": f.sub_a, "note": "—"}]}),
            )
            .await)
        .await;
        bulletin_ids.push(b["id"].as_i64().unwrap());
    }
    for id in &bulletin_ids[..2] {
        ok(app
            .post(
                &t,
                &format!("/api/v1/bulletins/{id}/issue"),
                &json!({"version": 1}),
            )
            .await)
        .await;
    }
    let v = ok(app
        .get(&t, "/api/v1/bulletins?sort=number&order=desc")
        .await)
    .await;
    assert_eq!(
        ids(&v),
        [bulletin_ids[1], bulletin_ids[0], bulletin_ids[2]],
        "by number, the draft without one last"
    );
    let v = ok(app.get(&t, "/api/v1/bulletins?sort=number").await).await;
    assert_eq!(ids(&v), bulletin_ids, "the draft last either way");
    let v = ok(app.get(&t, "/api/v1/bulletins?sort=title").await).await;
    let mut want = field(&v, "title");
    want.sort();
    assert_eq!(field(&v, "title"), want);
    let (status, p) = problem(app.get(&t, "/api/v1/bulletins?sort=body").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "sort");
    let rows = sheet(&app, &t, "/api/v1/bulletins/export.xlsx?sort=number").await;
    assert_eq!(rows.len(), 4);
    assert_eq!(column(&rows, "类型"), ["情况通报", "情况通报", "情况通报"]);
    assert_eq!(column(&rows, "状态"), ["已签发", "已签发", "草稿"]);
    assert_eq!(column(&rows, "被通报单位")[0], "济源路街道");
    assert_eq!(column(&rows, "文号")[2], "", "a draft has no number");
    let rows = sheet(
        &app,
        &t,
        &format!("/bulletins/export.xlsx?ids={}", bulletin_ids[2]),
    )
    .await;
    assert_eq!(column(&rows, "标题"), ["丙 草稿通报"]);
    let (status, html) = b.get("/bulletins?sort=issued_at&order=desc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="descending""#));
    assert!(html.contains(r#"id="batch-delete""#));
    assert!(html.contains(r#"href="/bulletins/export.xlsx?sort=issued_at&#38;order=desc""#));
    assert!(
        html.contains("下一份通报签发时的文号") && !html.contains("{year}"),
        "the page says the next number, not the raw pattern"
    );
    // Deleting an issued bulletin with a draft: refused, none goes; the draft alone goes.
    let csrf = b.csrf().await;
    let both = format!("{},{}", bulletin_ids[0], bulletin_ids[2]);
    let r = b
        .post(
            "/bulletins/batch-delete",
            &[("_csrf", csrf.as_str()), ("ids", both.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(ok(app.get(&t, "/api/v1/bulletins").await).await["total"], 3);
    let draft = bulletin_ids[2].to_string();
    let r = b
        .post(
            "/bulletins/batch-delete",
            &[("_csrf", csrf.as_str()), ("ids", draft.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok(app.get(&t, "/api/v1/bulletins").await).await["total"], 2);
    // Who may not edit bulletins is offered no delete, and cannot post one.
    let staff = Browser::login(&app, "department_staff").await;
    let (status, html) = staff.get("/bulletins").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(r#"id="batch-delete""#));
    assert!(html.contains(r#"id="batch-export""#));

    // Checkpoints: by name both ways, exported with labels and names.
    for name in ["乙 西门", "甲 东门", "丙 南门"] {
        ok(app
            .post(
                &t,
                "/api/v1/checkpoints",
                &json!({"name": name, "kind": "community_gate", "unit_id": f.community_a}),
            )
            .await)
        .await;
    }
    let asc = field(
        &ok(app.get(&t, "/api/v1/checkpoints?sort=name").await).await,
        "name",
    );
    let mut want = asc.clone();
    want.sort();
    assert_eq!(asc, want);
    let desc = field(
        &ok(app
            .get(&t, "/api/v1/checkpoints?sort=name&order=desc")
            .await)
        .await,
        "name",
    );
    want.reverse();
    assert_eq!(desc, want);
    let v = ok(app
        .get(&t, "/api/v1/checkpoints?sort=unit&order=desc")
        .await)
    .await;
    let units = field(&v, "unit_name");
    let mut want = units.clone();
    want.sort();
    want.reverse();
    assert_eq!(units, want, "by the unit's name");
    let (status, p) = problem(app.get(&t, "/api/v1/checkpoints?sort=place").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "sort");
    let rows = sheet(
        &app,
        &t,
        "/api/v1/checkpoints/export.xlsx?sort=name&order=desc",
    )
    .await;
    assert_eq!(column(&rows, "卡点"), desc);
    assert!(
        column(&rows, "类型").iter().all(|k| k == "小区卡口"),
        "{rows:?}"
    );
    assert!(
        column(&rows, "所属单位")
            .iter()
            .all(|u| !u.is_empty() && !u.chars().all(|c| c.is_ascii_digit()))
    );
    let (status, html) = b.get("/checkpoints?sort=name&order=desc&page_size=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-sort="descending""#));
    assert_eq!(html.matches("data-row-check").count(), 2);
    assert!(html.contains(r#"href="/checkpoints/export.xlsx?sort=name&#38;order=desc""#));
    assert!(
        !html.contains(r#"id="batch-delete""#),
        "checkpoints are not deleted"
    );
    // Each export is in the audit log, in words.
    for (entity, said) in [
        ("checkpoint", "导出了卡点 3 条"),
        ("bulletin", "导出了通报 1 条"),
        ("inspection", "导出了督查检查 2 条"),
    ] {
        let log = ok(app
            .get(&t, &format!("/api/v1/audit?entity={entity}&action=export"))
            .await)
        .await;
        assert_eq!(log["items"][0]["description"], said, "{log}");
    }
}

/// The checkpoint list is searched by name or place, kind and unit (with the units below it),
/// through the API, the page (its filter kept in the pager and the export) and the export.
#[tokio::test]
async fn checkpoints_are_found_by_name_place_kind_and_unit() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    for (name, kind, unit, place) in [
        ("甲社区东门", "community_gate", f.community_a, "建设路 1 号"),
        ("甲社区西门", "community_gate", f.community_a, "建设路 9 号"),
        ("乙社区北门", "community_gate", f.community_b, "长城路 3 号"),
        ("高速口卡点", "road", f.sub_a, "郑少高速上街站"),
    ] {
        ok(app
            .post(
                &t,
                "/api/v1/checkpoints",
                &json!({"name": name, "kind": kind, "unit_id": unit, "place": place}),
            )
            .await)
        .await;
    }
    let names = |v: Value| {
        let mut n = field(&v, "name");
        n.sort();
        n
    };
    let get = |q: String| {
        let app = &app;
        let t = &t;
        async move { ok(app.get(t, &format!("/api/v1/checkpoints?{q}")).await).await }
    };
    assert_eq!(names(get("q=东门".into()).await), ["甲社区东门"]);
    assert_eq!(
        names(get("q=建设路".into()).await),
        ["甲社区东门", "甲社区西门"],
        "by place"
    );
    assert_eq!(names(get("kind=road".into()).await), ["高速口卡点"]);
    assert_eq!(
        names(get(format!("unit_id={}", f.community_b)).await),
        ["乙社区北门"]
    );
    // The sub-district's own and those of its communities, not the other sub-district's.
    assert_eq!(
        names(get(format!("unit_id={}", f.sub_a)).await),
        ["甲社区东门", "甲社区西门", "高速口卡点"]
    );
    let v = get(format!("q=%25&unit_id={}", f.community_a)).await;
    assert_eq!(v["total"], 0, "a % is a character, not a wildcard: {v}");
    let (status, p) = problem(app.get(&t, "/api/v1/checkpoints?unit_id=x").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "query", "{p}");

    // The page: the form shows the filter, the rows match, the export takes the same filter.
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b
        .get(&format!("/checkpoints?q=门&unit_id={}", f.community_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("甲社区东门") && html.contains("甲社区西门"),
        "{html}"
    );
    assert!(!html.contains("乙社区北门") && !html.contains("高速口卡点"));
    assert!(html.contains(r#"name="q" value="门""#), "{html}");
    // The pager's and the export's links carry the filter.
    assert!(
        html.contains("/checkpoints/export.xlsx?")
            && html.contains(&format!("unit_id={}", f.community_a)),
        "{html}"
    );
    let (status, _) = b.get("/checkpoints?unit_id=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = sheet(&app, &t, "/api/v1/checkpoints/export.xlsx?kind=road").await;
    assert_eq!(column(&rows, "卡点"), ["高速口卡点"]);
}

/// The bulletin list is searched by title or number, kind, status and year, through the API,
/// the page (its filter kept in its links) and the export.
#[tokio::test]
async fn bulletins_are_found_by_title_number_kind_status_and_year() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let mut made = Vec::new();
    for (kind, title) in [
        ("criticism", "关于卡点值守不到位的通报"),
        ("circular", "关于复工复产台账的情况通报"),
        ("criticism", "关于台账造假的通报（草稿）"),
    ] {
        let b = ok(app
            .post(
                &t,
                "/api/v1/bulletins",
                &json!({"kind": kind, "title": title, "body": "经查……",
                        "items": [{"unit_id": f.sub_a, "note": "—"}]}),
            )
            .await)
        .await;
        made.push(b);
    }
    let mut numbers = Vec::new();
    for b in &made[..2] {
        let issued = ok(app
            .post(
                &t,
                &format!("/api/v1/bulletins/{}/issue", b["id"]),
                &json!({"version": 1}),
            )
            .await)
        .await;
        numbers.push(issued["number"].as_str().unwrap_or_default().to_owned());
    }
    let titles = |v: Value| {
        let mut n = field(&v, "title");
        n.sort();
        n
    };
    let get = |q: String| {
        let app = &app;
        let t = &t;
        async move { ok(app.get(t, &format!("/api/v1/bulletins?{q}")).await).await }
    };
    assert_eq!(
        titles(get("q=台账".into()).await),
        ["关于台账造假的通报（草稿）", "关于复工复产台账的情况通报"]
    );
    assert_eq!(
        titles(get("kind=criticism&status=issued".into()).await),
        ["关于卡点值守不到位的通报"]
    );
    assert_eq!(
        titles(get("status=draft".into()).await),
        ["关于台账造假的通报（草稿）"]
    );
    // By the number the second one was given.
    let by_number = get(format!("q={}", urlencoding(&numbers[1]))).await;
    assert_eq!(
        titles(by_number),
        ["关于复工复产台账的情况通报"],
        "{numbers:?}"
    );
    let year = made[0]["year"].as_i64().unwrap();
    assert_eq!(get(format!("year={year}")).await["total"], 3);
    assert_eq!(get(format!("year={}", year - 1)).await["total"], 0);

    // The page: the form shows the filter and the rows match; the export takes the filter.
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/bulletins?q=台账&status=issued").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("关于复工复产台账的情况通报"), "{html}");
    assert!(!html.contains("关于台账造假的通报") && !html.contains("关于卡点值守不到位的通报"));
    assert!(
        html.contains(r#"<option value="issued" selected>"#),
        "{html}"
    );
    assert!(html.contains("/bulletins/export.xlsx?") && html.contains("status=issued"));
    let (status, _) = b.get("/bulletins?year=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = sheet(&app, &t, "/api/v1/bulletins/export.xlsx?status=draft").await;
    assert_eq!(column(&rows, "标题"), ["关于台账造假的通报（草稿）"]);
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The inspection list is searched by place or summary and by the days held, through the
/// API, the page (its filter kept in its links) and the export.
#[tokio::test]
async fn inspections_are_found_by_place_summary_and_days() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let group = ok(app
        .post(
            &t,
            "/api/v1/units",
            &json!({"name": "第三监督检查组", "kind": "inspection_group", "parent_id": f.district}),
        )
        .await)
    .await;
    for (day, place, summary, unit) in [
        ("2020-03-10", "济源路街道办事处", "台账齐全", f.sub_a),
        ("2020-03-11", "建设路卡点", "值守人员不在岗", f.community_a),
        (
            "2020-03-12",
            "企业食堂",
            "消杀记录缺失，已现场交办",
            f.sub_b,
        ),
    ] {
        ok(app
            .post(
                &t,
                "/api/v1/inspections",
                &json!({"group_unit_id": group["id"], "inspected_unit_id": unit,
                        "held_on": day, "place": place, "summary": summary,
                        "methods": ["onsite_check"]}),
            )
            .await)
        .await;
    }
    let places = |v: Value| {
        let mut n = field(&v, "place");
        n.sort();
        n
    };
    let get = |q: &str| {
        let app = &app;
        let t = &t;
        let q = q.to_owned();
        async move { ok(app.get(t, &format!("/api/v1/inspections?{q}")).await).await }
    };
    assert_eq!(places(get("q=卡点").await), ["建设路卡点"]);
    assert_eq!(places(get("q=消杀").await), ["企业食堂"], "by the summary");
    assert_eq!(
        places(get("from=2020-03-11&to=2020-03-12").await),
        ["企业食堂", "建设路卡点"]
    );
    assert_eq!(places(get("to=2020-03-10").await), ["济源路街道办事处"]);
    let (status, p) = problem(app.get(&t, "/api/v1/inspections?from=2020-13-01").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    // By the unit inspected, with the units below it.
    assert_eq!(
        places(get(&format!("unit_id={}", f.sub_a)).await),
        ["建设路卡点", "济源路街道办事处"],
        "a sub-district and its community"
    );
    assert_eq!(
        places(get(&format!("unit_id={}", f.community_a)).await),
        ["建设路卡点"]
    );
    assert_eq!(
        places(get(&format!("unit_id={}&q=食堂", f.sub_b)).await),
        ["企业食堂"]
    );

    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/inspections?q=卡点&from=2020-03-01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("建设路卡点"), "{html}");
    assert!(!html.contains("企业食堂") && !html.contains("济源路街道办事处"));
    assert!(html.contains(r#"name="from" value="2020-03-01""#), "{html}");
    assert!(html.contains("/inspections/export.xlsx?") && html.contains("from=2020-03-01"));
    let (status, _) = b.get("/inspections?to=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, html) = b
        .get(&format!("/inspections?unit_id={}", f.community_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("建设路卡点") && !html.contains("企业食堂"),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"<option value="{}" selected>"#, f.community_a)),
        "the unit chosen stays chosen: {html}"
    );
    assert!(
        html.contains(&format!("unit_id={}", f.community_a)),
        "kept in the links"
    );
    let (status, _) = b.get("/inspections?unit_id=济源路").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = sheet(&app, &t, "/api/v1/inspections/export.xlsx?from=2020-03-12").await;
    assert_eq!(column(&rows, "督查日期"), ["2020-03-12"]);
    let rows = sheet(
        &app,
        &t,
        &format!("/api/v1/inspections/export.xlsx?unit_id={}", f.sub_b),
    )
    .await;
    assert_eq!(column(&rows, "督查日期"), ["2020-03-12"]);
}
