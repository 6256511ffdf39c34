//! Roles edited as a tree of menus and buttons (menu groups → pages → buttons), never as
//! permission codes: the tree comes from what each area declares.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// Every permission an area declares has its place in the tree, under a named group; none is
/// left to the catch-all group, and `*` (the administrators') is not offered.
#[tokio::test]
async fn every_declared_permission_is_in_the_tree() {
    let _app = TestApp::spawn().await;
    let tree = lianxin_kernel::area::permission_tree();
    let groups: Vec<&str> = tree.iter().map(|g| g.zh).collect();
    assert!(
        !groups.contains(&"其他"),
        "unplaced permissions: {groups:?}"
    );
    let placed: Vec<&str> = tree
        .iter()
        .flat_map(|g| g.pages.iter())
        .flat_map(|p| std::iter::once(p.view).chain(p.actions.iter().copied()))
        .collect();
    for (code, _, _) in lianxin_kernel::area::permissions() {
        if *code == "*" {
            assert!(!placed.contains(code));
        } else {
            assert_eq!(
                placed.iter().filter(|p| *p == code).count(),
                1,
                "{code} is placed exactly once"
            );
        }
    }
    // The groups follow the menu; the case kinds sit with the other system pages.
    assert_eq!(
        groups,
        [
            "总览",
            "基础数据",
            "闭环办理",
            "防控排查",
            "企业服务",
            "就业服务",
            "系统管理"
        ],
        "{groups:?}"
    );
    let system = tree.iter().find(|g| g.zh == "系统管理").unwrap();
    assert!(system.pages.iter().any(|p| p.zh == "事项类型"));
}

/// The editor shows menus, pages and buttons in words with their boxes; what is ticked is
/// saved, and the roles list says what a role reaches by menu group, not by code.
#[tokio::test]
async fn a_role_is_edited_as_a_tree_and_listed_in_words() {
    let (app, _f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    let (status, form) = b.get("/system/roles/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("data-check-tree"), "{form}");
    for label in [
        "基础数据",
        "企业",
        "企业新增",
        "闭环办理",
        "交办",
        "系统管理",
        "事项类型",
    ] {
        assert!(form.contains(label), "{label} in the editor");
    }
    assert!(
        !form.contains("(enterprise:list)") && !form.contains(">enterprise:list<"),
        "no code is shown"
    );
    assert!(form.contains("name=\"permissions\" value=\"enterprise:list\""));

    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/roles",
            &[
                ("_csrf", &csrf),
                ("code", "grid_clerk"),
                ("name_zh", "网格员"),
                ("name_en", "Grid clerk"),
                ("data_scope", "unit_and_below"),
                ("permissions", "enterprise:list"),
                ("permissions", "enterprise:export"),
                ("permissions", "case:list"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let admin = app.token("admin").await;
    let roles = ok(app.get(&admin, "/api/v1/roles").await).await;
    let role: &Value = roles
        .as_array()
        .or_else(|| roles["items"].as_array())
        .unwrap()
        .iter()
        .find(|r| r["code"] == "grid_clerk")
        .expect("saved");
    let mut perms: Vec<&str> = role["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    perms.sort_unstable();
    assert_eq!(perms, ["case:list", "enterprise:export", "enterprise:list"]);

    // Its editor shows those boxes ticked.
    let id = role["id"].as_i64().unwrap();
    let (_, edit) = b.get(&format!("/system/roles/{id}/edit")).await;
    assert!(
        edit.contains("value=\"enterprise:export\" checked"),
        "{edit}"
    );
    assert!(!edit.contains("value=\"enterprise:add\" checked"));

    let (_, list) = b.get("/system/roles").await;
    assert!(list.contains("基础数据（2）、闭环办理（1）"), "{list}");
    assert!(list.contains("全部权限"), "the administrators' role");
    assert!(
        !list.contains("case:list"),
        "no permission code on the list"
    );
}

/// API clients read the same tree, labelled in their language.
#[tokio::test]
async fn the_tree_is_offered_to_api_clients() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let zh = ok(app.get(&admin, "/api/v1/roles/permission-tree").await).await;
    let reg = &zh[1];
    assert_eq!(reg["label"], "基础数据");
    assert_eq!(reg["pages"][0]["permission"], "enterprise:list");
    assert_eq!(reg["pages"][0]["label"], "企业");
    assert_eq!(
        reg["pages"][0]["actions"][0]["permission"],
        "enterprise:add"
    );
    assert_eq!(reg["pages"][0]["actions"][0]["label"], "企业新增");
    let en = ok(app.get_en(&admin, "/api/v1/roles/permission-tree").await).await;
    assert_eq!(en[1]["label"], "Registries");
    assert_eq!(en[1]["pages"][0]["actions"][0]["label"], "Add enterprises");
    let volunteer = app.token("volunteer").await;
    let r = app.get(&volunteer, "/api/v1/roles/permission-tree").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// A case kind's "who may raise" is ticked from the roles, not typed as codes.
#[tokio::test]
async fn a_case_kind_picks_who_may_raise_from_the_roles() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let kinds = ok(app.get(&admin, "/api/v1/case-kinds").await).await;
    let kind = kinds
        .as_array()
        .or_else(|| kinds["items"].as_array())
        .unwrap()
        .iter()
        .find(|k| k["code"] == "meeting_issue")
        .expect("meeting issues")
        .clone();
    let id = kind["id"].as_i64().unwrap();
    let b = Browser::login(&app, "admin").await;
    // The list names who may raise each kind; the kind's own page ticks them.
    let (status, list) = b.get("/system/case-kinds").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("href=\"/system/case-kinds/{id}\"")));
    let (_, page) = b.get(&format!("/system/case-kinds/{id}")).await;
    assert!(
        page.contains("name=\"raise_roles\" value=\"leader\""),
        "{page}"
    );
    assert!(
        page.contains("区领导") || page.contains("领导"),
        "roles by name"
    );
    let csrf = b.csrf().await;
    let r = b
        .post(
            &format!("/system/case-kinds/{id}"),
            &[
                ("_csrf", &csrf),
                ("active", "on"),
                ("raise_roles", "leader"),
                ("raise_roles", "supervisor"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/system/case-kinds/{id}"));
    let kinds = ok(app.get(&admin, "/api/v1/case-kinds").await).await;
    let kind = kinds
        .as_array()
        .or_else(|| kinds["items"].as_array())
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(
        kind["raise_roles"],
        serde_json::json!(["leader", "supervisor"])
    );
    let (_, list) = b.get("/system/case-kinds").await;
    assert!(
        list.contains("区领导、监督检查组成员") || list.contains("区领导、"),
        "{list}"
    );
    let (_, page) = b.get(&format!("/system/case-kinds/{id}")).await;
    let form = &page[page
        .find(&format!("action=\"/system/case-kinds/{id}\""))
        .unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains("value=\"leader\" checked") && form.contains("value=\"supervisor\" checked")
    );
    assert!(!form.contains("value=\"admin\" checked"));
}
