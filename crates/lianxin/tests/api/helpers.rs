//! `TestApp`: the real server on port 0 against a fresh database: a SQLite file in a temp
//! dir copied from a migrated template file, or, when `LIANXIN_TEST_PG` is set, a fresh
//! PostgreSQL database cloned from a migrated template.

use lianxin::app::{self, AppState};
use reqwest::header::{ACCEPT, COOKIE, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

pub const PASSWORD: &str = "Test@2020pass";
/// The installation key of every app the tests start, in this process and in the binary's
/// child processes (`LIANXIN_PASSAGE_KEY`), so they all read the same databases' hashes.
pub const PASSAGE_KEY: &str = "lianxin-tests-passage-key-0123456789abcdef";

/// Installs `PASSAGE_KEY` as this process's key (before any database is prepared).
pub fn install_test_key() {
    let key = lianxin_kernel::secret::InstallationKey::new(PASSAGE_KEY.as_bytes().to_vec())
        .expect("test key");
    lianxin_kernel::secret::install(key);
}

pub struct TestApp {
    pub base: String,
    pub db: DatabaseConnection,
    pub db_url: String,
    pub client: Client,
    /// The running server's screening state (its passage writer, the fever worker's waker).
    pub screening: lianxin::screening::Screening,
    _dir: tempfile::TempDir,
    _pg: DropPgDatabase,
}

static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();

fn pg_url_with_db(base: &str, db: &str) -> String {
    let mut u = url::Url::parse(base).expect("LIANXIN_TEST_PG must be a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// The migrated template of this build of the tests, shared by every test process of the run
/// (nextest runs each test in a process of its own): named after the test binary's build, made
/// once under an advisory lock by whichever process comes first; templates of builds six hours
/// older are dropped then (a newer one may be in use by another checkout on the same server).
async fn pg_template(base: &str) -> String {
    PG_TEMPLATE
        .get_or_init(|| async {
            let built = build_time();
            let name = format!("lianxin_tmpl_{:x}", built);
            let admin = sea_orm::Database::connect(base)
                .await
                .expect("connect to LIANXIN_TEST_PG");
            admin
                .execute_unprepared("SELECT pg_advisory_lock(2020)")
                .await
                .expect("lock");
            let exists = admin
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("SELECT 1 AS x FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .expect("pg_database")
                .is_some();
            if !exists {
                let old = admin
                    .query_all_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        "SELECT datname FROM pg_database WHERE datname LIKE 'lianxin\\_tmpl\\_%'",
                    ))
                    .await
                    .expect("templates");
                // Only templates of builds more than six hours old: another checkout's run
                // may be using a newer one on the same server right now.
                let stale = |name: &str| {
                    name.strip_prefix("lianxin_tmpl_")
                        .and_then(|h| u128::from_str_radix(h, 16).ok())
                        .is_some_and(|t| t + 6 * 3600 * 1_000_000_000 < built)
                };
                for row in old {
                    if let Ok(old) = row.try_get::<String>("", "datname")
                        && stale(&old)
                    {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {old} WITH (FORCE)"
                            ))
                            .await;
                    }
                }
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create template database");
                let url = pg_url_with_db(base, &name);
                install_test_key();
                let db = app::prepare_database(&url).await.expect("migrate template");
                db.close().await.expect("close template");
            }
            admin
                .execute_unprepared("SELECT pg_advisory_unlock(2020)")
                .await
                .expect("unlock");
            admin.close().await.ok();
            name
        })
        .await
        .clone()
}

pub async fn fresh_db_url(dir: &std::path::Path) -> String {
    match std::env::var("LIANXIN_TEST_PG") {
        Ok(base) if !base.is_empty() => {
            let template = pg_template(&base).await;
            let name = format!("lianxin_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(&base)
                .await
                .expect("connect to LIANXIN_TEST_PG");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .await
                .expect("clone template database");
            admin.close().await.ok();
            pg_url_with_db(&base, &name)
        }
        _ => {
            let file = dir.join("test.db");
            std::fs::copy(sqlite_template().await, &file).expect("copy the template database");
            format!("sqlite://{}", file.display())
        }
    }
}

static SQLITE_TEMPLATE: OnceCell<std::path::PathBuf> = OnceCell::const_new();

/// SQLite: a migrated database file per build of the tests, which each test copies (migrating
/// a new file commits each migration, a second or so of waiting on the disk, for every test).
/// Named after the test binary's build in cargo's temporary folder for tests, made under
/// another name and renamed when complete, so test processes running side by side (nextest)
/// never read half a template; templates of builds six hours older are removed then.
async fn sqlite_template() -> &'static std::path::Path {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
            let built = build_time();
            let path = folder.join(format!("lianxin-template-{built:x}.db"));
            if path.exists() {
                return path;
            }
            if let Ok(entries) = std::fs::read_dir(folder) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let stale = name
                        .strip_prefix("lianxin-template-")
                        .and_then(|n| n.strip_suffix(".db"))
                        .and_then(|h| u128::from_str_radix(h, 16).ok())
                        .is_some_and(|t| t + 6 * 3600 * 1_000_000_000 < built);
                    if stale {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
            let making = tempfile::Builder::new()
                .prefix("lianxin-template-making-")
                .tempdir_in(folder)
                .expect("a folder for the template");
            let file = making.path().join("template.db");
            install_test_key();
            let db = app::prepare_database(&format!("sqlite://{}", file.display()))
                .await
                .expect("migrate template");
            // Closing the last connection checkpoints the log into the file, which then holds
            // everything.
            db.close().await.expect("close template");
            std::fs::rename(&file, &path).expect("the template in place");
            path
        })
        .await
}

/// When the test binary was built (ns since 1970): what the templates are named after.
fn build_time() -> u128 {
    let exe = std::env::current_exe().expect("test binary");
    std::fs::metadata(&exe)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// Drops a test's PostgreSQL database when its `TestApp` goes (SQLite files go with the temp
/// dir), so a run leaves nothing behind.
struct DropPgDatabase(Option<String>);

impl Drop for DropPgDatabase {
    fn drop(&mut self) {
        let (Some(name), Ok(base)) = (self.0.take(), std::env::var("LIANXIN_TEST_PG")) else {
            return;
        };
        // Its own thread and runtime: the test's runtime may be ending.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = sea_orm::Database::connect(&base).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with_web(Default::default()).await
    }

    /// The app reached as `web` says (trusted proxies, HTTPS).
    pub async fn spawn_with_web(web: lianxin_kernel::web::guard::WebSettings) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let db_url = fresh_db_url(dir.path()).await;
        let pg = DropPgDatabase(
            db_url
                .starts_with("postgres")
                .then(|| db_url.rsplit('/').next().unwrap_or_default().to_owned()),
        );
        install_test_key();
        let db = app::prepare_database(&db_url)
            .await
            .expect("prepare database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = AppState::new(db.clone()).with_web(web);
        let screening = state.screening.clone();
        tokio::spawn(async move {
            app::serve(listener, state, std::future::pending())
                .await
                .expect("serve");
        });
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            base: format!("http://{addr}"),
            db,
            db_url,
            client,
            screening,
            _pg: pg,
            _dir: dir,
        }
    }

    /// Lets the fever follow-up worker finish what the writes so far have signalled (it runs
    /// in the background; a test that counts cases waits for it this way, not by sleeping).
    pub async fn settle_fevers(&self) {
        lianxin::screening::fever::follow_up_due(&self.db, chrono::Utc::now())
            .await
            .expect("fever follow-up");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn token(&self, username: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("token request");
        assert_eq!(r.status(), StatusCode::OK, "login of {username} failed");
        let v: Value = r.json().await.expect("token json");
        v["token"].as_str().expect("token").to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn get_en(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .header("Accept-Language", "en")
            .send()
            .await
            .expect("GET")
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn post_en(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .header("Accept-Language", "en")
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// A `PUT` as a client makes it after reading the record: an edit of a unit, person or
    /// enterprise that names no `version` names the one stored now. `put_as_sent` sends the
    /// body as it is.
    pub async fn put(&self, token: &str, path: &str, body: &Value) -> Response {
        let mut body = body.clone();
        if let (Some(obj), Some((table, id))) = (body.as_object_mut(), registry_record(path))
            && !obj.contains_key("version")
            && let Some(v) = self.stored_version(table, id).await
        {
            obj.insert("version".into(), json!(v));
        }
        self.put_as_sent(token, path, &body).await
    }

    pub async fn put_as_sent(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    /// The stored version of a registry record, if it exists.
    pub async fn stored_version(&self, table: &str, id: i64) -> Option<i64> {
        self.db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT version FROM {table} WHERE id = {id}"),
            ))
            .await
            .expect("version")
            .and_then(|r| r.try_get::<i32>("", "version").ok())
            .map(i64::from)
    }

    pub async fn delete(&self, token: &str, path: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("DELETE")
    }

    /// A community gate in `unit` with its temperature gate device: the device's token.
    pub async fn gate_with_device(&self, admin: &str, name: &str, unit: i64) -> String {
        let cp = ok(self
            .post(
                admin,
                "/api/v1/checkpoints",
                &json!({"name": name, "kind": "community_gate", "unit_id": unit}),
            )
            .await)
        .await;
        let dev = ok(self
            .post(
                admin,
                "/api/v1/devices",
                &json!({"checkpoint_id": cp["id"], "name": format!("{name}测温门")}),
            )
            .await)
        .await;
        dev["token"].as_str().expect("token").to_owned()
    }

    /// The OpenAPI document the server serves.
    pub async fn openapi(&self) -> Value {
        self.client
            .get(self.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("openapi")
            .json()
            .await
            .expect("json")
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

/// Ids of the small fixture district every access test uses.
pub struct Fixture {
    pub district: i64,
    pub sub_a: i64,
    pub sub_b: i64,
    pub community_a: i64,
    pub community_b: i64,
    pub dept: i64,
    pub other_dept: i64,
    pub task_force: i64,
    pub team: i64,
    pub ent_a: i64,
    pub ent_b: i64,
    pub person_a: i64,
    pub person_b: i64,
    pub dept_person: i64,
    pub volunteer_person: i64,
    pub contact_person: i64,
    pub employee_a: i64,
}

/// A valid identity number with the given 17-digit body.
pub fn id_number(body17: &str) -> String {
    let c = lianxin_types::IdNumber::check_char(body17).expect("17 digits");
    format!("{body17}{c}")
}

/// A valid credit code with region 410106 and the given 8-char organisation body.
pub fn uscc(org8: &str) -> String {
    let org_check = lianxin_types::Uscc::org_code_check_char(org8).expect("org body");
    let first17 = format!("91410106{org8}{org_check}");
    let c = lianxin_types::Uscc::check_char(&first17).expect("17 chars");
    format!("{first17}{c}")
}

async fn post_ok(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let r = app.post(token, path, &body).await;
    let status = r.status();
    let v: Value = r.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {v}");
    v["id"].as_i64().expect("id")
}

pub async fn add_user(
    app: &TestApp,
    username: &str,
    role: &str,
    unit: Option<&str>,
    uscc: Option<&str>,
    person: Option<i64>,
) {
    lianxin::access::auth::create_user(
        &app.db,
        &lianxin::access::Principal::system("test"),
        lianxin::access::auth::NewUser {
            username: username.into(),
            password: PASSWORD.into(),
            display_name: None,
            role_codes: vec![role.into()],
            unit_code: unit.map(Into::into),
            enterprise_uscc: uscc.map(Into::into),
            person_id: person,
        },
    )
    .await
    .expect("create user");
}

impl TestApp {
    /// A small district with one user per built-in role (usernames are the role codes).
    pub async fn with_fixture() -> (TestApp, Fixture) {
        let app = TestApp::spawn().await;
        add_user(&app, "admin", "admin", None, None, None).await;
        let t = app.token("admin").await;
        let district = post_ok(
            &app,
            &t,
            "/api/v1/units",
            json!({"name": "上街区", "kind": "district", "code": "410106"}),
        )
        .await;
        let sub_a = post_ok(&app, &t, "/api/v1/units", json!({"name": "济源路街道", "kind": "subdistrict", "parent_id": district, "code": "410106001"})).await;
        let sub_b = post_ok(&app, &t, "/api/v1/units", json!({"name": "矿山街道", "kind": "subdistrict", "parent_id": district, "code": "410106005"})).await;
        let community_a = post_ok(
            &app,
            &t,
            "/api/v1/units",
            json!({"name": "甲社区", "kind": "community", "parent_id": sub_a}),
        )
        .await;
        let community_b = post_ok(
            &app,
            &t,
            "/api/v1/units",
            json!({"name": "乙社区", "kind": "community", "parent_id": sub_b}),
        )
        .await;
        let dept = post_ok(&app, &t, "/api/v1/units", json!({"name": "工业和信息化局", "kind": "department", "parent_id": district, "code": "D02"})).await;
        let other_dept = post_ok(
            &app,
            &t,
            "/api/v1/units",
            json!({"name": "财政局", "kind": "department", "parent_id": district, "code": "D03"}),
        )
        .await;
        let task_force = post_ok(&app, &t, "/api/v1/units", json!({"name": "铝精深加工行业服务专班", "kind": "task_force", "parent_id": district, "code": "T01"})).await;
        let team = post_ok(&app, &t, "/api/v1/units", json!({"name": "第一党员服务队", "kind": "service_team", "parent_id": task_force, "code": "S001"})).await;
        let uscc_a = uscc("MA44AAA1");
        let ent_a = post_ok(&app, &t, "/api/v1/enterprises", json!({"name": "郑州长城科工贸有限公司", "uscc": uscc_a, "unit_id": sub_a, "service_team_id": team})).await;
        let ent_b = post_ok(
            &app,
            &t,
            "/api/v1/enterprises",
            json!({"name": "郑州矿山机械有限公司", "uscc": uscc("MA44BBB2"), "unit_id": sub_b}),
        )
        .await;
        let person_a = post_ok(&app, &t, "/api/v1/people", json!({"name": "张伟", "unit_id": community_a, "id_number": id_number("41010619850312101"), "phone": "13803710001"})).await;
        let person_b = post_ok(&app, &t, "/api/v1/people", json!({"name": "李娜", "unit_id": community_b, "id_number": id_number("41010619900720202"), "phone": "13803710002"})).await;
        let dept_person = post_ok(&app, &t, "/api/v1/people", json!({"name": "王强", "unit_id": dept, "kinds": ["cadre"], "id_number": id_number("41010619800101303")})).await;
        let volunteer_person = post_ok(&app, &t, "/api/v1/people", json!({"name": "赵敏", "unit_id": community_a, "kinds": ["volunteer"], "id_number": id_number("41010619950505404")})).await;
        let contact_person = post_ok(&app, &t, "/api/v1/people", json!({"name": "刘洋", "unit_id": sub_a, "enterprise_id": ent_a, "kinds": ["contact", "employee"], "id_number": id_number("41010619880808505")})).await;
        let employee_a = post_ok(&app, &t, "/api/v1/people", json!({"name": "陈静", "unit_id": sub_a, "enterprise_id": ent_a, "kinds": ["employee"], "id_number": id_number("41010619920909606")})).await;
        add_user(&app, "leader", "leader", Some("410106"), None, None).await;
        add_user(
            &app,
            "department_staff",
            "department_staff",
            Some("D02"),
            None,
            Some(dept_person),
        )
        .await;
        add_user(
            &app,
            "service_cadre",
            "service_cadre",
            Some("S001"),
            None,
            None,
        )
        .await;
        add_user(&app, "supervisor", "supervisor", None, None, None).await;
        add_user(&app, "organization", "organization", None, None, None).await;
        add_user(
            &app,
            "volunteer",
            "volunteer",
            None,
            None,
            Some(volunteer_person),
        )
        .await;
        add_user(
            &app,
            "enterprise_contact",
            "enterprise_contact",
            Some("410106001"),
            Some(&uscc_a),
            Some(contact_person),
        )
        .await;
        let f = Fixture {
            district,
            sub_a,
            sub_b,
            community_a,
            community_b,
            dept,
            other_dept,
            task_force,
            team,
            ent_a,
            ent_b,
            person_a,
            person_b,
            dept_person,
            volunteer_person,
            contact_person,
            employee_a,
        };
        (app, f)
    }
}

/// The JSON of a successful answer; any other status fails the test with the body.
pub async fn ok(r: Response) -> Value {
    let status = r.status();
    let v: Value = r.json().await.expect("json");
    assert!(status.is_success(), "{status}: {v}");
    v
}

pub async fn problem(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        ct.starts_with("application/problem+json"),
        "expected problem+json, got {ct} ({status})"
    );
    (status, r.json().await.expect("problem json"))
}

/// The binary's command line, with the tests' key and quiet logs, and no database or
/// password from the caller's environment.
pub fn lianxin_cli() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lianxin"));
    c.env_remove("LIANXIN_DB")
        .env_remove("LIANXIN_PASSWORD")
        .env_remove("LIANXIN_PASSAGE_KEY_FILE")
        .env("LIANXIN_LOG", "error")
        .env("LIANXIN_PASSAGE_KEY", PASSAGE_KEY);
    c
}

/// Starts the real binary; answers the child and its base URL once it listens.
pub fn start_server(db_url: &str) -> (std::process::Child, String) {
    start_server_with_env(db_url, &[])
}

/// `start_server` with more environment variables (`LIANXIN_TRUSTED_PROXIES`, ...).
pub fn start_server_with_env(db_url: &str, env: &[(&str, &str)]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = lianxin_cli()
        .args(["serve", "--db", db_url, "--listen", "127.0.0.1:0"])
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start lianxin");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .expect("line");
        if let Some(u) = line.strip_prefix("lianxin listening on ") {
            break u.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

/// Adds an administrator `root` to the database at `db_url` with the binary's own CLI.
pub fn add_root_with_cli(db_url: &str) {
    let out = lianxin_cli()
        .args([
            "user",
            "add",
            "--db",
            db_url,
            "--username",
            "root",
            "--role",
            "admin",
        ])
        .env("LIANXIN_PASSWORD", PASSWORD)
        .output()
        .expect("user add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A bearer token from the server at `base` (a child process started by `start_server`).
pub async fn token_at(base: &str, username: &str) -> String {
    let v: Value = Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    v["token"].as_str().expect("token").to_owned()
}

/// The most memory a process has held so far (VmHWM), in KiB.
pub fn peak_memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// A signed-in browser: the session cookie of `/login`, pages asked for as HTML.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
}

impl<'a> Browser<'a> {
    pub async fn login(app: &'a TestApp, user: &str) -> Browser<'a> {
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[
                ("username", user),
                ("password", PASSWORD),
                ("next", "/enterprises"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/enterprises");
        let set = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        let cookie = set.split(';').next().unwrap().to_owned();
        Browser { app, cookie }
    }
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .app
            .client
            .get(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }
    pub async fn csrf(&self) -> String {
        // The landing page, wherever `/` takes this user.
        let r = self
            .app
            .client
            .get(self.app.url("/"))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let landing = match r.headers().get("location") {
            Some(to) => to.to_str().unwrap().to_owned(),
            None => "/".to_owned(),
        };
        let (_, html) = self.get(&landing).await;
        let i = html
            .find("name=\"csrf-token\" content=\"")
            .expect("csrf meta")
            + 27;
        html[i..].split('"').next().unwrap().to_owned()
    }
    /// Posts a form as the browser would from the page: an edit form of a unit, person or
    /// enterprise carries the version it was read at (the one stored now, unless given).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, String)> =
            form.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        if let Some((table, id)) = registry_record(&format!("/api/v1{path}"))
            && !form.iter().any(|(k, _)| *k == "version")
            && let Some(v) = self.app.stored_version(table, id).await
        {
            form.push(("version", v.to_string()));
        }
        self.app
            .client
            .post(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .header(ACCEPT, "text/html")
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// `units`, `people` or `enterprises` and the id of an API path naming one of their records.
fn registry_record(path: &str) -> Option<(&'static str, i64)> {
    let rest = path.strip_prefix("/api/v1/")?;
    let (kind, id) = rest.split_once('/')?;
    let table = match kind {
        "units" => "units",
        "people" => "people",
        "enterprises" => "enterprises",
        _ => return None,
    };
    Some((table, id.parse().ok()?))
}
