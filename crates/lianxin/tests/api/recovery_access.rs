//! The enterprise service area in the access matrix: every built-in role against the area's
//! lists, what each sees of them, and the firm-level reads a paired cadre or a contact has.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const ROLES: [&str; 8] = [
    "admin",
    "leader",
    "department_staff",
    "service_cadre",
    "supervisor",
    "organization",
    "volunteer",
    "enterprise_contact",
];

/// The staff roles that read the area's lists; volunteers and enterprise contacts do not.
fn staff(role: &str) -> bool {
    !matches!(role, "volunteer" | "enterprise_contact")
}

async fn status_and_total(app: &TestApp, t: &str, path: &str) -> (StatusCode, Option<u64>) {
    let r = app.get(t, path).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (status, v["total"].as_u64())
}

#[tokio::test]
async fn every_role_meets_the_area_as_its_scope_and_permissions_say() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    for (name, firm, team) in [("甲项目", f.ent_a, Some(f.team)), ("乙项目", f.ent_b, None)] {
        let r = app
            .post(
                &admin,
                "/api/v1/projects",
                &json!({"name": name, "enterprise_id": firm, "team_id": team}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    for role in ROLES {
        let t = app.token(role).await;
        for path in [
            "/api/v1/projects",
            "/api/v1/teams",
            "/api/v1/pairing/gaps",
            "/api/v1/visits",
            "/api/v1/recovery/report",
        ] {
            let (status, _) = status_and_total(&app, &t, path).await;
            let expected = if staff(role) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{role} GET {path}");
        }
        // What each sees of the projects: everything with the whole district in scope; the
        // team's cadre the project stationed with its team; a department none of these firms'.
        let (_, projects) = status_and_total(&app, &t, "/api/v1/projects").await;
        let expected = match role {
            "admin" | "leader" | "supervisor" | "organization" => Some(2),
            "service_cadre" => Some(1),
            "department_staff" => Some(0),
            _ => None,
        };
        assert_eq!(projects, expected, "{role}: projects seen");
        // The gaps list counts the firms in scope (none of the fixture's is paired).
        let (_, gaps) = status_and_total(&app, &t, "/api/v1/pairing/gaps").await;
        let expected = match role {
            "admin" | "leader" | "supervisor" | "organization" => Some(2),
            "service_cadre" => Some(1),
            "department_staff" => Some(0),
            _ => None,
        };
        assert_eq!(gaps, expected, "{role}: gaps seen");
    }
    // A contact reads its own firm's stages and not another firm's (404, as if missing).
    let contact = app.token("enterprise_contact").await;
    let r = app
        .get(&contact, &format!("/api/v1/enterprises/{}/stages", f.ent_a))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .get(&contact, &format!("/api/v1/enterprises/{}/stages", f.ent_b))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
