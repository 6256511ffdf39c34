//! The command line as CONTRACT.md states it: exit codes, one-line reasons, env variables.

use std::process::Command;

use crate::helpers::*;

fn lianxin() -> Command {
    lianxin_cli()
}

#[tokio::test]
async fn user_add_migrate_demo_export_and_backup() {
    let (app, _f) = TestApp::with_fixture().await;
    let url = app.db_url.clone();
    // migrate is idempotent on a migrated database.
    let out = lianxin().args(["migrate", "--db", &url]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // user add, password from the environment; LIANXIN_DB works like --db.
    let out = lianxin()
        .args([
            "user",
            "add",
            "--username",
            "wang",
            "--role",
            "enterprise_contact",
            "--enterprise",
            &uscc("MA44AAA1"),
        ])
        .env("LIANXIN_DB", &url)
        .env("LIANXIN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = app.token("wang").await;
    let me: serde_json::Value = app.get(&t, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["roles"][0], "enterprise_contact");
    // Refusals: non-zero exit and one line on stderr.
    for args in [
        vec![
            "user",
            "add",
            "--db",
            &url,
            "--username",
            "x1",
            "--role",
            "nobody",
        ],
        vec![
            "user",
            "add",
            "--db",
            &url,
            "--username",
            "x2",
            "--role",
            "enterprise_contact",
        ],
        vec!["demo", "--db", &url],
    ] {
        let out = lianxin()
            .args(&args)
            .env("LIANXIN_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    // export to CSV and import it back (nothing new: every row exists).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("units.csv");
    let out = lianxin()
        .args(["export", "units", file.to_str().unwrap(), "--db", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 10, "header and nine units: {text}");
    let out = lianxin()
        .args([
            "import",
            "units",
            file.to_str().unwrap(),
            "--db",
            &url,
            "--update-existing",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("9 updated"));
    // backup: SQLite with VACUUM INTO; PostgreSQL with pg_dump when it is installed.
    let backup = dir.path().join("backup.db");
    if url.starts_with("sqlite:") || which("pg_dump") {
        let out = lianxin()
            .args(["backup", backup.to_str().unwrap(), "--db", &url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::metadata(&backup).unwrap().len() > 0);
    }
}

fn which(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).exists()))
}

#[test]
fn demo_loads_into_an_empty_sqlite_file_and_refuses_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let out = lianxin().args(["demo", "--db", &url]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("admin") && stdout.contains("Lianxin@2020"),
        "{stdout}"
    );
    let out = lianxin().args(["demo", "--db", &url]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
}
