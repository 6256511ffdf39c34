//! Sign-in: throttling by account and client with growing delays, disabled accounts that
//! answer like wrong passwords, the password policy, and a user's own API tokens.

use crate::helpers::*;
use lianxin::access::auth::{LOG_BAD_CREDENTIALS, LOG_DISABLED, LOG_THROTTLED, LOG_UNKNOWN_USER};
use lianxin::entities::login_throttles;
use reqwest::header::COOKIE;
use reqwest::{Client, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

async fn attempt(
    client: &Client,
    app: &TestApp,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("token request")
}

/// Login log rows of `username` with this reason: a "bad credentials" row is one password
/// check (a throttled row says until when: `throttled until …`).
async fn logged(app: &TestApp, username: &str, message: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            app.db.get_database_backend(),
            if lianxin::db::is_sqlite(&app.db) {
                "SELECT COUNT(*) AS n FROM login_log WHERE username = ? AND (message = ? OR message LIKE ?)"
            } else {
                "SELECT COUNT(*) AS n FROM login_log WHERE username = $1 AND (message = $2 OR message LIKE $3)"
            },
            [
                username.into(),
                message.into(),
                format!("{message} until %").into(),
            ],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn throttle_of(app: &TestApp, username: &str) -> Option<login_throttles::Model> {
    login_throttles::Entity::find()
        .filter(login_throttles::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
}

/// What a test does instead of waiting: the current delays end now.
async fn let_delays_pass(app: &TestApp) {
    login_throttles::Entity::update_many()
        .col_expr(
            login_throttles::Column::BlockedUntil,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A client whose connections come from another loopback address, so the server sees another
/// client (Linux routes all of 127/8 to the loopback device).
fn client_from(ip: [u8; 4]) -> Client {
    Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .unwrap()
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_get_at_most_five_password_checks() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (client, url) = (app.client.clone(), app.url("/api/v1/auth/token"));
        tasks.spawn(async move {
            let r = client
                .post(url)
                .json(&json!({"username": "admin", "password": format!("Wrong@guess{i}")}))
                .send()
                .await
                .unwrap();
            (r.status(), r.headers().contains_key("retry-after"))
        });
    }
    let (mut refused, mut throttled) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        match done.unwrap() {
            (StatusCode::UNAUTHORIZED, _) => refused += 1,
            (StatusCode::TOO_MANY_REQUESTS, true) => throttled += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    // The check and the count are one step: exactly the five free attempts had their password
    // checked, every other one waited without a check and without being counted.
    assert_eq!((refused, throttled), (5, 35));
    assert_eq!(logged(&app, "admin", LOG_BAD_CREDENTIALS).await, 5);
    assert_eq!(logged(&app, "admin", LOG_THROTTLED).await, 35);
    assert_eq!(throttle_of(&app, "admin").await.unwrap().failures, 5);
}

#[tokio::test]
async fn the_owner_signs_in_once_the_delay_has_passed() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    for _ in 0..5 {
        let r = attempt(&app.client, &app, "admin", "Wrong@guess2020").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // During the delay even the right password waits: 429 with Retry-After, no password
    // check, not counted as a failure.
    for _ in 0..3 {
        let r = attempt(&app.client, &app, "admin", PASSWORD).await;
        let wait = retry_after(&r);
        assert!((1..=60).contains(&wait), "{wait}");
        let (status, body) = problem(r).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body["status"], 429);
    }
    assert_eq!(logged(&app, "admin", LOG_BAD_CREDENTIALS).await, 5);
    assert_eq!(throttle_of(&app, "admin").await.unwrap().failures, 5);

    // After the delay a wrong password is checked and the next delay is twice as long.
    let_delays_pass(&app).await;
    let r = attempt(&app.client, &app, "admin", "Wrong@guess2021").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = attempt(&app.client, &app, "admin", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((61..=120).contains(&retry_after(&r)));

    // Once it has passed the right password is honoured, and the count starts again.
    let_delays_pass(&app).await;
    let r = attempt(&app.client, &app, "admin", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(throttle_of(&app, "admin").await.is_none());
    let r = attempt(&app.client, &app, "admin", "Wrong@guess2022").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.token("admin").await.len(), 43);

    // The browser's login form is throttled the same way, and says how long to wait.
    for _ in 0..5 {
        app.client
            .post(app.url("/login"))
            .form(&[("username", "admin"), ("password", "Wrong@guess2023")])
            .send()
            .await
            .unwrap();
    }
    let r = app
        .client
        .post(app.url("/login"))
        .header("Accept-Language", "en")
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("请 1 分钟后再试"));
}

#[tokio::test]
async fn another_client_is_not_delayed_by_failures_from_one_client() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    let attacker = client_from([127, 0, 0, 1]);
    let owner = client_from([127, 0, 0, 2]);
    for _ in 0..5 {
        let r = attempt(&attacker, &app, "admin", "Wrong@guess2020").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        attempt(&attacker, &app, "admin", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner, elsewhere, signs in; and the attacker's other accounts are not delayed.
    assert_eq!(
        attempt(&owner, &app, "admin", PASSWORD).await.status(),
        StatusCode::OK
    );
    add_user(&app, "leader", "leader", None, None, None).await;
    assert_eq!(
        attempt(&attacker, &app, "leader", PASSWORD).await.status(),
        StatusCode::OK
    );
    // The owner's success did not clear the attacker's delay.
    assert_eq!(
        attempt(&attacker, &app, "admin", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let t = throttle_of(&app, "admin").await.unwrap();
    assert_eq!((t.client.as_str(), t.failures), ("127.0.0.1", 5));
}

#[tokio::test]
async fn an_administrator_lifts_a_throttle_and_nobody_else_may() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    add_user(&app, "leader", "leader", None, None, None).await;
    add_user(&app, "volunteer", "volunteer", None, None, None).await;
    let admin = app.token("admin").await;
    let leader = app.token("leader").await;
    for _ in 0..5 {
        attempt(&app.client, &app, "volunteer", "Wrong@guess2020").await;
    }
    let list = ok(app.get(&admin, "/api/v1/login-throttles").await).await;
    assert_eq!(list["total"], 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(item["username"], "volunteer");
    assert_eq!(item["client"], "127.0.0.1");
    assert_eq!(item["failures"], 5);
    assert_eq!(item["blocked"], true);
    let id = item["id"].as_i64().unwrap();

    for r in [
        app.get(&leader, "/api/v1/login-throttles").await,
        app.delete(&leader, &format!("/api/v1/login-throttles/{id}"))
            .await,
    ] {
        assert_eq!(problem(r).await.0, StatusCode::FORBIDDEN);
    }
    let r = app
        .delete(&admin, &format!("/api/v1/login-throttles/{id}"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .delete(&admin, &format!("/api/v1/login-throttles/{id}"))
        .await;
    assert_eq!(problem(r).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.token("volunteer").await.len(), 43);
    let audit = ok(app.get(&admin, "/api/v1/audit?entity=login_throttle").await).await;
    assert_eq!(audit["total"], 1, "{audit}");
    assert!(
        audit["items"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("volunteer")
    );

    // The same from the system pages: the list, and the lift (a CSRF-checked form).
    for _ in 0..5 {
        attempt(&app.client, &app, "volunteer", "Wrong@guess2020").await;
    }
    let id = throttle_of(&app, "volunteer").await.unwrap().id;
    let b = Browser::login(&app, "admin").await;
    let (status, html) = b.get("/system/login-throttles").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("volunteer") && html.contains(&format!("/system/login-throttles/{id}/lift"))
    );
    let (status, _) = b.get(&format!("/system/login-throttles/{id}/lift")).await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/system/login-throttles/{id}/lift");
    assert_eq!(
        b.post(&path, &[("confirm", "on")]).await.status(),
        StatusCode::BAD_REQUEST,
        "no CSRF token"
    );
    let csrf = b.csrf().await;
    let r = b
        .post(&path, &[("_csrf", csrf.as_str()), ("confirm", "on")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(throttle_of(&app, "volunteer").await.is_none());
    let lb = Browser::login(&app, "leader").await;
    assert_eq!(
        lb.get("/system/login-throttles").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_disabled_account_answers_like_a_wrong_password() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    add_user(&app, "volunteer", "volunteer", None, None, None).await;
    let admin = app.token("admin").await;
    let users = ok(app.get(&admin, "/api/v1/users").await).await;
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "volunteer")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    ok(app
        .put(
            &admin,
            &format!("/api/v1/users/{id}"),
            &json!({"active": false}),
        )
        .await)
    .await;
    let mut bodies = Vec::new();
    for (user, password) in [
        ("volunteer", PASSWORD),
        ("volunteer", "Wrong@guess2020"),
        ("nobody", PASSWORD),
        ("admin", "Wrong@guess2020"),
    ] {
        let (status, body) = problem(attempt(&app.client, &app, user, password).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{user}");
        bodies.push(body);
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    // Both attempts on the disabled account were checked (against the dummy hash) and logged
    // as such for the administrators; the caller could not tell.
    assert_eq!(logged(&app, "volunteer", LOG_DISABLED).await, 2);
    assert_eq!(logged(&app, "nobody", LOG_UNKNOWN_USER).await, 1);
}

#[tokio::test]
async fn weak_passwords_are_refused_wherever_a_password_is_set() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    let admin = app.token("admin").await;
    for (username, role, password, code) in [
        ("zhangsan", "volunteer", "12345678", "length"),
        ("zhangsan", "volunteer", "1234567890", "weak"),
        ("zhangsan", "volunteer", "password2020", "weak"),
        ("zhangsan", "volunteer", "zhangsan", "length"),
        (
            "zhangsan",
            "volunteer",
            "Zhangsan@2020",
            "contains_username",
        ),
        ("root2", "admin", "Kx7#mQ2vLp", "length"),
    ] {
        let r = app
            .post_en(
                &admin,
                "/api/v1/users",
                &json!({"username": username, "password": password, "roles": [role]}),
            )
            .await;
        let (status, body) = problem(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let e = &body["errors"][0];
        assert_eq!(
            (e["field"].as_str(), e["code"].as_str()),
            (Some("password"), Some(code)),
            "{password}: {body}"
        );
        assert!(
            e["message"].as_str().unwrap().contains("password"),
            "{body}"
        );
    }
    // In Chinese by default.
    let (_, body) = problem(
        app.post(
            &admin,
            "/api/v1/users",
            &json!({"username": "zhangsan", "password": "qwertyuiop", "roles": ["volunteer"]}),
        )
        .await,
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("密码")
    );
    // A strong one of ten characters is fine for a volunteer, not for an administrator.
    let created = ok(app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "zhangsan", "password": "Kx7#mQ2vLp", "roles": ["volunteer"]}),
        )
        .await)
    .await;
    let id = created["id"].as_i64().unwrap();
    // A reset goes through the same policy, against the roles the user will have.
    for (body, code) in [
        (json!({"password": "1234567890"}), "weak"),
        (
            json!({"password": "Kx7#mQ2vLp", "roles": ["admin"]}),
            "length",
        ),
    ] {
        let (status, p) =
            problem(app.put(&admin, &format!("/api/v1/users/{id}"), &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["errors"][0]["code"], code, "{p}");
    }
    ok(app
        .put(
            &admin,
            &format!("/api/v1/users/{id}"),
            &json!({"password": "Kx7#mQ2vLp-Zr"}),
        )
        .await)
    .await;

    // The user form of the system pages.
    let b = Browser::login(&app, "admin").await;
    let csrf = b.csrf().await;
    let r = b
        .post(
            "/system/users",
            &[
                ("_csrf", csrf.as_str()),
                ("username", "lisi"),
                ("password", "12345678"),
                ("role", "volunteer"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("data-field=\"password\""));

    // The command line.
    let out = lianxin_cli()
        .args([
            "user",
            "add",
            "--db",
            &app.db_url,
            "--username",
            "root",
            "--role",
            "admin",
        ])
        .env("LIANXIN_PASSWORD", "12345678")
        .env("LIANXIN_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
}

async fn token_ids(app: &TestApp, token: &str) -> Value {
    ok(app.get(token, "/api/v1/auth/tokens").await).await
}

#[tokio::test]
async fn a_user_lists_and_revokes_their_own_tokens() {
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    add_user(&app, "volunteer", "volunteer", None, None, None).await;
    let admin = app.token("admin").await;
    let t1 = app.token("volunteer").await;
    let t2 = app.token("volunteer").await;
    let t3 = app.token("volunteer").await;
    let list = token_ids(&app, &t1).await;
    assert_eq!(list["total"], 3, "{list}");
    let text = list.to_string();
    for t in [&t1, &t2, &t3] {
        assert!(!text.contains(t.as_str()), "a secret in the list");
    }
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.iter().filter(|i| i["current"] == true).count(), 1);
    assert!(
        items
            .iter()
            .all(|i| i["ip"] == "127.0.0.1" && i["expires_at"].is_string())
    );
    let id_of = |token: &str| lianxin::access::auth::token_id(token);
    assert!(items.iter().any(|i| i["id"] == id_of(&t2)));
    // Another user's token is not there, and cannot be revoked by its id.
    assert!(!text.contains(&id_of(&admin)));
    let r = app
        .delete(&admin, &format!("/api/v1/auth/tokens/{}", id_of(&t3)))
        .await;
    assert_eq!(problem(r).await.0, StatusCode::NOT_FOUND);
    let r = app.delete(&t1, "/api/v1/auth/tokens/no-such-token").await;
    assert_eq!(problem(r).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&t3, "/api/v1/me").await.status(), StatusCode::OK);

    // Revoke one.
    let r = app
        .delete(&t1, &format!("/api/v1/auth/tokens/{}", id_of(&t2)))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&t2, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_ids(&app, &t1).await["total"], 2);

    // Revoke all: the one in use too; the administrator's stay.
    let r = ok(app.delete(&t1, "/api/v1/auth/tokens").await).await;
    assert_eq!(r["revoked"], 2);
    for t in [&t1, &t3] {
        assert_eq!(
            app.get(t, "/api/v1/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.get(&admin, "/api/v1/me").await.status(), StatusCode::OK);
    let audit = ok(app.get(&admin, "/api/v1/audit?entity=api_token").await).await;
    assert_eq!(audit["total"], 2, "{audit}");
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["username"] == "volunteer")
    );

    // The same from the browser: "my API tokens", revoke one, revoke all.
    let t4 = app.token("volunteer").await;
    let t5 = app.token("volunteer").await;
    let b = Browser::login(&app, "volunteer").await;
    let (status, html) = b.get("/account/tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&t4) && !html.contains(&id_of(&admin)));
    let revoke = format!("/account/tokens/{}/revoke", id_of(&t4));
    assert!(html.contains(&revoke));
    // (A volunteer's home page is their phone page; the frame of this one carries the token.)
    let i = html
        .find("name=\"csrf-token\" content=\"")
        .expect("csrf meta")
        + 27;
    let csrf = html[i..].split('"').next().unwrap().to_owned();
    assert_eq!(b.get(&revoke).await.0, StatusCode::OK);
    // Unticked, the form changes nothing.
    let r = b.post(&revoke, &[("_csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&t4, "/api/v1/me").await.status(), StatusCode::OK);
    let r = b
        .post(&revoke, &[("_csrf", csrf.as_str()), ("confirm", "on")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&t4, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get(&t5, "/api/v1/me").await.status(), StatusCode::OK);
    let r = b
        .post(
            "/account/tokens/revoke-all",
            &[("_csrf", csrf.as_str()), ("confirm", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&t5, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The browser session is not an API token: it stays.
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .header(COOKIE, &b.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Another user's token id from the browser: 404 like a missing one.
    let r = b
        .post(
            &format!("/account/tokens/{}/revoke", id_of(&admin)),
            &[("_csrf", csrf.as_str()), ("confirm", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_token_lifetime_is_a_setting() {
    // The default: 30 days.
    let app = TestApp::spawn().await;
    add_user(&app, "admin", "admin", None, None, None).await;
    let v = ok(attempt(&app.client, &app, "admin", PASSWORD).await).await;
    let days = |v: &Value| {
        let at = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
        (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours()
    };
    assert!((29 * 24..=30 * 24).contains(&days(&v)), "{v}");

    // `serve` with LIANXIN_API_TOKEN_DAYS (or --api-token-days).
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("tokens.db").display());
    add_root_with_cli(&db_url);
    use std::io::{BufRead, BufReader};
    let mut child = lianxin_cli()
        .args(["serve", "--db", &db_url, "--listen", "127.0.0.1:0"])
        .env("LIANXIN_API_TOKEN_DAYS", "2")
        .env("LIANXIN_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(u) = line.strip_prefix("lianxin listening on ") {
            break u.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let v: Value = Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "root", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().ok();
    child.wait().ok();
    assert!((24..=48).contains(&days(&v)), "{v}");

    // A lifetime out of range is refused at start.
    let out = lianxin_cli()
        .args(["serve", "--db", &db_url, "--api-token-days", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
