//! 字典管理: the labels, order and state of every coded field are data, used by forms,
//! imports, exports and filters. Fixed codes only change their labels; open lists take new
//! values and switch values off.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// The list `key` as the API answers it.
async fn list(app: &TestApp, token: &str, key: &str) -> Value {
    ok(app.get(token, &format!("/api/v1/dicts/{key}")).await).await
}

fn item<'a>(list: &'a Value, code: &str) -> &'a Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {list}"))
}

/// An administrator renames a fixed value: pages, exports and input use the new label at
/// once, the code stays, and a stale or missing version changes nothing.
#[tokio::test]
async fn a_renamed_value_shows_everywhere_and_is_read_from_input() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let all = ok(app.get(&admin, "/api/v1/dicts").await).await;
    let keys: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    for k in [
        "unit.kind",
        "enterprise.industry",
        "enterprise.ownership",
        "case.status",
        "case.source",
        "health.symptom",
        "checkpoint.kind",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let own = list(&app, &admin, "enterprise.ownership").await;
    assert_eq!(own["open"], false);
    let private = item(&own, "private");
    assert_eq!(private["label_zh"], "民营");

    let r = app
        .put(
            &admin,
            "/api/v1/dicts/enterprise.ownership/items/private",
            &json!({"label_zh": "民营企业", "label_en": "Privately owned", "version": private["version"]}),
        )
        .await;
    let changed = ok(r).await;
    assert_eq!(changed["code"], "private");
    assert_eq!(changed["version"], 2);

    // The enterprise page shows the new label; the form offers it; input names it.
    let b = Browser::login(&app, "admin").await;
    let (s, html) = b.get(&format!("/enterprises/{}", f.ent_b)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("民营企业"), "the detail shows the new label");
    let (_, form) = b.get("/enterprises/new").await;
    assert!(form.contains(">民营企业</option>"));
    let created = app
        .post(
            &admin,
            "/api/v1/enterprises",
            &json!({"name": "郑州新民营有限公司", "uscc": uscc("MA44CCC3"), "unit_id": f.sub_a, "ownership": "民营企业"}),
        )
        .await;
    let created = ok(created).await;
    assert_eq!(created["ownership"], "private", "stored as its code");
    // The export writes the label.
    let export = app.get(&admin, "/api/v1/export/enterprises").await;
    assert_eq!(export.status(), StatusCode::OK);
    let bytes = export.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<String> = range.rows().flatten().map(|c| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "民营企业"), "{cells:?}");
    assert!(!cells.iter().any(|c| c == "private"));

    // A stale version: 409 with the value as it stands; none: 422; nothing changes.
    let stale = app
        .put(
            &admin,
            "/api/v1/dicts/enterprise.ownership/items/private",
            &json!({"label_zh": "私营", "label_en": "Private", "version": 1}),
        )
        .await;
    let (s, p) = problem(stale).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(p["current"]["label_zh"], "民营企业", "{p}");
    let none = app
        .put(
            &admin,
            "/api/v1/dicts/enterprise.ownership/items/private",
            &json!({"label_zh": "私营", "label_en": "Private"}),
        )
        .await;
    let (s, p) = problem(none).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "version", "{p}");

    // A fixed list keeps its codes: not switched off, not reordered, not extended.
    let off = app
        .put(
            &admin,
            "/api/v1/dicts/enterprise.ownership/items/private",
            &json!({"label_zh": "民营企业", "label_en": "Privately owned", "enabled": false, "version": 2}),
        )
        .await;
    let (s, p) = problem(off).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "enabled", "{p}");
    let add = app
        .post(
            &admin,
            "/api/v1/dicts/case.status/items",
            &json!({"label_zh": "挂起", "label_en": "On hold"}),
        )
        .await;
    let (s, p) = problem(add).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "code", "{p}");
    assert_eq!(
        item(&list(&app, &admin, "enterprise.ownership").await, "private")["label_zh"],
        "民营企业"
    );

    // The change is in the audit log, in words.
    let log = ok(app.get(&admin, "/api/v1/audit?entity=dict").await).await;
    let text = log.to_string();
    assert!(text.contains("民营企业"), "{log}");
}

/// An open list: a value is added (its code given when left out), offered by forms and
/// accepted from input by its label; a switched-off value is no longer offered or accepted,
/// and the records that carry it still show its label.
#[tokio::test]
async fn an_open_list_grows_and_switches_values_off() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let added = app
        .post(
            &admin,
            "/api/v1/dicts/enterprise.industry/items",
            &json!({"label_zh": "铝精深加工", "label_en": "Aluminium processing"}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added = added.json::<Value>().await.unwrap();
    assert_eq!(added["code"], "u001");
    assert_eq!(added["builtin"], false);
    // The same Chinese label twice is refused: input names values by their labels.
    let again = app
        .post(
            &admin,
            "/api/v1/dicts/enterprise.industry/items",
            &json!({"label_zh": "铝精深加工", "label_en": "Aluminium"}),
        )
        .await;
    let (s, p) = problem(again).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "label_zh", "{p}");

    let ent = ok(app
        .post(
            &admin,
            "/api/v1/enterprises",
            &json!({"name": "郑州铝材有限公司", "uscc": uscc("MA44DDD4"), "unit_id": f.sub_a, "industry": "铝精深加工"}),
        )
        .await)
    .await;
    assert_eq!(ent["industry"], "u001");
    let manuf = ok(app
        .put(
            &admin,
            &format!("/api/v1/enterprises/{}", f.ent_b),
            &json!({"name": "郑州矿山机械有限公司", "uscc": uscc("MA44BBB2"), "unit_id": f.sub_b, "industry": "C", "version": 1}),
        )
        .await)
    .await;
    assert_eq!(manuf["industry"], "C");
    // The list filters by the code.
    let found = ok(app.get(&admin, "/api/v1/enterprises?industry=u001").await).await;
    assert_eq!(found["total"], 1, "{found}");

    // 制造业 switched off: no longer offered nor accepted; the enterprise that has it still
    // reads 制造业.
    let industries = list(&app, &admin, "enterprise.industry").await;
    let c = item(&industries, "C");
    ok(app
        .put(
            &admin,
            "/api/v1/dicts/enterprise.industry/items/C",
            &json!({"label_zh": "制造业", "label_en": "Manufacturing", "enabled": false, "sort": 5, "version": c["version"]}),
        )
        .await)
    .await;
    let refused = app
        .post(
            &admin,
            "/api/v1/enterprises",
            &json!({"name": "郑州新制造有限公司", "uscc": uscc("MA44EEE5"), "unit_id": f.sub_a, "industry": "制造业"}),
        )
        .await;
    let (s, p) = problem(refused).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "industry", "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("铝精深加工"),
        "the message names what is offered: {p}"
    );
    let b = Browser::login(&app, "admin").await;
    let (_, form) = b.get("/enterprises/new").await;
    assert!(form.contains(">铝精深加工</option>"));
    assert!(
        !form.contains(">制造业</option>"),
        "a switched-off value is not offered"
    );
    let (_, detail) = b.get(&format!("/enterprises/{}", f.ent_b)).await;
    assert!(
        detail.contains("制造业"),
        "but records carrying it still read it"
    );
    // Its edit form keeps it, so saving the form unchanged does not drop it unseen.
    let (_, edit) = b.get(&format!("/enterprises/{}/edit", f.ent_b)).await;
    assert!(edit.contains("value=\"C\" selected"), "{edit}");

    // A new order puts 制造业 (sort 5) first among the list's values.
    let industries = list(&app, &admin, "enterprise.industry").await;
    assert_eq!(industries["items"][0]["code"], "C", "{industries}");
    assert_eq!(industries["items"][0]["enabled"], false);
}

/// Who may change the dictionary: `system:dict:edit` (the administrator); everyone signed in
/// reads the lists (forms offer them), nobody signed out does.
#[tokio::test]
async fn only_the_administrator_edits_the_dictionary() {
    let (app, _f) = TestApp::with_fixture().await;
    let staff = app.token("department_staff").await;
    let sources = list(&app, &staff, "case.source").await;
    assert_eq!(sources["open"], true);
    let visit = item(&sources, "visit");
    let r = app
        .put(
            &staff,
            "/api/v1/dicts/case.source/items/visit",
            &json!({"label_zh": "走访", "label_en": "Visit", "version": visit["version"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            &staff,
            "/api/v1/dicts/case.source/items",
            &json!({"label_zh": "12345热线", "label_en": "12345 hotline"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client
        .get(app.url("/api/v1/dicts"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.get(&staff, "/api/v1/dicts/no.such").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let b = Browser::login(&app, "department_staff").await;
    let (s, _) = b.get("/system/dicts").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// The pages: the lists, a list's values with both labels, and the forms that add and
/// change a value (a refused form keeps what was typed and says why).
#[tokio::test]
async fn the_dictionary_pages_add_and_change_values() {
    let (app, _f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let (s, html) = b.get("/system/dicts").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("字典管理") && html.contains("事项来源") && html.contains("行业"));
    let (s, html) = b.get("/system/dicts/case.source").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("三送一强走访"));
    assert!(
        html.contains("lang=\"en\">Service visit"),
        "English labels are marked"
    );

    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/dicts/case.source",
            &[
                ("_csrf", &csrf),
                ("label_zh", "12345热线"),
                ("label_en", "12345 hotline"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let admin = app.token("admin").await;
    let sources = list(&app, &admin, "case.source").await;
    let hotline = item(&sources, "u001");
    assert_eq!(hotline["label_zh"], "12345热线");
    assert_eq!(hotline["enabled"], true);
    // The case form offers it.
    let (_, new_case) = b.get("/cases/new").await;
    assert!(
        new_case.contains("12345热线"),
        "the raise form offers the new source"
    );

    // A refused change keeps what was typed.
    let r = b
        .post(
            "/system/dicts/case.source/items/u001",
            &[
                ("_csrf", &csrf),
                ("label_zh", ""),
                ("label_en", "12345"),
                ("sort", "x"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("排序必须是整数"), "{body}");
    // Switched off through the form (the box not ticked).
    let r = b
        .post(
            "/system/dicts/case.source/items/u001",
            &[
                ("_csrf", &csrf),
                ("label_zh", "12345热线"),
                ("label_en", "12345 hotline"),
                ("sort", "70"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sources = list(&app, &admin, "case.source").await;
    assert_eq!(item(&sources, "u001")["enabled"], false);
    let (_, new_case) = b.get("/cases/new").await;
    assert!(!new_case.contains("12345热线"));
}
