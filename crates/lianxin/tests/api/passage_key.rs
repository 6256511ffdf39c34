//! The installation key: never in the database it protects, moved out of an old database once,
//! refused when it does not match; passers-by's phone numbers stored sealed with it.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::*;

/// A database that has never met a key (the templates carry the tests' key's fingerprint),
/// its directory, and the key file the binary will use there.
struct Installation {
    dir: tempfile::TempDir,
    url: String,
}

impl Installation {
    async fn new() -> Installation {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = fresh_db_url(dir.path()).await;
        let db = sea_orm::Database::connect(&url).await.expect("connect");
        db.execute_unprepared("DELETE FROM settings WHERE key = 'secret.fingerprint'")
            .await
            .expect("forget the fingerprint");
        db.close().await.ok();
        Installation { dir, url }
    }

    fn key_file(&self) -> std::path::PathBuf {
        self.dir.path().join("lianxin-passage.key")
    }

    /// The binary with no key in its environment: on SQLite it finds the default key file
    /// beside the database file; on PostgreSQL it is told the same file.
    fn lianxin(&self) -> std::process::Command {
        let mut c = lianxin_cli();
        c.env_remove("LIANXIN_PASSAGE_KEY");
        if self.url.starts_with("postgres") {
            c.env("LIANXIN_PASSAGE_KEY_FILE", self.key_file());
        }
        c
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all = args.to_vec();
        all.extend(["--db", &self.url]);
        self.lianxin()
            .args(&all)
            .env("LIANXIN_LOG", "info")
            .output()
            .expect("run lianxin")
    }

    async fn db(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(&self.url)
            .await
            .expect("connect")
    }
}

async fn scalar(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
}

async fn settings(db: &sea_orm::DatabaseConnection) -> Vec<(String, String)> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT key, value FROM settings",
    ))
    .await
    .expect("settings")
    .into_iter()
    .map(|r| {
        (
            r.try_get::<String>("", "key").expect("key"),
            r.try_get::<String>("", "value").expect("value"),
        )
    })
    .collect()
}

#[tokio::test]
async fn the_key_is_never_in_the_database_after_demo_and_serve() {
    let inst = Installation::new().await;
    let out = inst.run(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The key file was made at the first start, readable by its owner only.
    let text = std::fs::read_to_string(inst.key_file()).expect("key file");
    let key = text.trim().to_owned();
    assert_eq!(key.len(), 64, "32 bytes in hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(inst.key_file())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let (mut child, base) = {
        // `serve` with the same (absent) environment: it finds the same file.
        use std::io::{BufRead, BufReader};
        let mut child = inst
            .lianxin()
            .args(["serve", "--db", &inst.url, "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let base = loop {
            let line = lines.next().expect("listening line").expect("line");
            if let Some(u) = line.strip_prefix("lianxin listening on ") {
                break u.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        (child, base)
    };
    // Personnel screening still finds a demo passer-by: serve hashes with the demo's key.
    let client = reqwest::Client::new();
    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "admin", "password": "Lianxin@2020"}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["token"].as_str().expect("token").to_owned();
    let passages: Value = client
        .get(format!("{base}/api/v1/passages?page_size=5"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("passages")
        .json()
        .await
        .expect("json");
    assert!(passages["total"].as_i64().expect("total") > 0, "{passages}");
    child.kill().ok();
    child.wait().ok();

    let db = inst.db().await;
    for (k, v) in settings(&db).await {
        assert_ne!(k, "screening.hmac_key", "no key setting");
        assert!(!v.contains(&key), "the key is in setting {k}");
    }
    // Phone numbers of passers-by are sealed.
    let with_phone = scalar(
        &db,
        "SELECT COUNT(*) AS n FROM passages WHERE phone IS NOT NULL",
    )
    .await;
    let clear = scalar(
        &db,
        "SELECT COUNT(*) AS n FROM passages WHERE phone IS NOT NULL AND phone NOT LIKE 'enc1:%'",
    )
    .await;
    assert!(with_phone > 0, "the demo's passages carry phones");
    assert_eq!(clear, 0, "no phone number in clear");
    // A backup is a copy of the database: it holds no key either.
    let backup = inst.dir.path().join("backup.db");
    if inst.url.starts_with("sqlite") {
        let out = inst.run(&["backup", backup.to_str().expect("path")]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&backup).expect("backup");
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains(&key), "the key is in the backup");
    }
}

#[tokio::test]
async fn a_key_kept_in_the_database_moves_to_the_key_file_once() {
    let inst = Installation::new().await;
    let out = inst.run(&["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("passage key from the key file"),
        "the start says where the key comes from: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An installation from before: the key in `settings`, no key file, no fingerprint.
    let legacy = "7a".repeat(32);
    std::fs::remove_file(inst.key_file()).expect("remove key file");
    let db = inst.db().await;
    db.execute_unprepared("DELETE FROM settings WHERE key = 'secret.fingerprint'")
        .await
        .expect("forget");
    db.execute_unprepared(&format!(
        "INSERT INTO settings (key, value) VALUES ('screening.hmac_key', '{legacy}')"
    ))
    .await
    .expect("old key");
    let out = inst.run(&["migrate"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("no longer in the database"),
        "a message: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(inst.key_file())
            .expect("key file")
            .trim(),
        legacy,
        "the same key, so every stored hash stays valid"
    );
    assert!(
        settings(&db)
            .await
            .iter()
            .all(|(k, v)| k != "screening.hmac_key" && !v.contains(&legacy))
    );
    // Started again: nothing more to move, the same key.
    let out = inst.run(&["migrate"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no longer in the database"));

    // Another key against this database is refused at start, and so is a short one.
    std::fs::write(inst.key_file(), format!("{}\n", "5b".repeat(32))).expect("write");
    let out = inst.run(&["migrate"]);
    assert!(!out.status.success(), "a wrong key is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not the key this database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = inst
        .lianxin()
        .args(["migrate", "--db", &inst.url])
        .env("LIANXIN_PASSAGE_KEY", "too-short")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("at least 32"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A node given the wrong key refuses before it upgrades the schema: with an upgrade
    // pending (the last migration forgotten), the wrong key leaves it pending.
    let applied = "SELECT COUNT(*) AS n FROM seaql_migrations";
    let before = scalar(&db, applied).await;
    db.execute_unprepared(
        "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)",
    )
    .await
    .expect("an upgrade pending");
    let out = inst.run(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success(), "a wrong key is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not the key this database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        scalar(&db, applied).await,
        before - 1,
        "nothing migrated under the wrong key"
    );
    // No key at all: refused too, and no new key is made beside a database that had one.
    std::fs::remove_file(inst.key_file()).expect("remove key file");
    let out = inst.run(&["migrate"]);
    assert!(!out.status.success(), "a missing key is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no key was found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!inst.key_file().exists(), "no key file made");
    assert_eq!(scalar(&db, applied).await, before - 1);
    db.close().await.ok();
}

#[tokio::test]
async fn phones_of_passers_by_are_sealed_and_opened_for_who_may_see_them() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let device = app
        .gate_with_device(&admin, "甲社区东门卡口", f.community_a)
        .await;
    let at = (Utc::now() - Duration::minutes(5)).to_rfc3339();
    let r = app
        .client
        .post(app.url("/api/v1/passages"))
        .bearer_auth(&device)
        .json(&json!([
            {"device_seq": 1, "id_number": id_number("41010619850312101"), "name": "张伟",
             "phone": "13803710001", "temperature": 385, "direction": "in", "at": at}
        ]))
        .send()
        .await
        .expect("send");
    assert_eq!(ok(r).await["accepted"], 1);
    assert_eq!(
        app.count("passages WHERE phone LIKE '%13803710001%'").await,
        0,
        "the number is not in the database"
    );
    assert_eq!(app.count("passages WHERE phone LIKE 'enc1:%'").await, 1);
    // The administrator (may see personal data) reads it; the leader sees it masked.
    let list = ok(app.get(&admin, "/api/v1/passages").await).await;
    assert_eq!(list["items"][0]["phone"], "13803710001");
    let leader = app.token("leader").await;
    let list = ok(app.get(&leader, "/api/v1/passages").await).await;
    let masked = list["items"][0]["phone"].as_str().expect("phone");
    assert!(
        masked.contains('*') && !masked.contains("3710001"),
        "{masked}"
    );
    // The fever's follow-up case has the number to call.
    app.settle_fevers().await;
    let cases = ok(app.get(&admin, "/api/v1/cases?kind=fever_followup").await).await;
    let id = cases["items"][0]["id"].as_i64().expect("case");
    let case = ok(app.get(&admin, &format!("/api/v1/cases/{id}")).await).await;
    assert_eq!(case["contact_phone"], "13803710001", "{case}");

    // A number stored in clear before sealing (an older installation) reads the same, and the
    // sealer that runs at every start seals it.
    app.db
        .execute_unprepared(
            "UPDATE passages SET phone = '13803710002'; \
             DELETE FROM settings WHERE key = 'screening.phones_sealed'",
        )
        .await
        .expect("an old row, as before sealing");
    let list = ok(app.get(&admin, "/api/v1/passages").await).await;
    assert_eq!(list["items"][0]["phone"], "13803710002");
    let sealed = lianxin::screening::privacy::seal_clear_phones(&app.db)
        .await
        .expect("seal");
    assert_eq!(sealed, 1);
    assert_eq!(
        lianxin::screening::privacy::seal_clear_phones(&app.db)
            .await
            .expect("seal"),
        0,
        "once done, later starts do not scan again"
    );
    assert_eq!(
        app.count("settings WHERE key = 'screening.phones_sealed'")
            .await,
        1
    );
    assert_eq!(app.count("passages WHERE phone LIKE 'enc1:%'").await, 1);
    let list = ok(app.get(&admin, "/api/v1/passages").await).await;
    assert_eq!(list["items"][0]["phone"], "13803710002");
    let r = app.get(&leader, "/api/v1/passages").await;
    assert_eq!(r.status(), StatusCode::OK);
}
