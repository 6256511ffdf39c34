//! `lianxin`: the one binary (serve, migrate, demo, users, API keys, import/export, backup).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use lianxin::access::Principal;
use lianxin::access::auth::{self, NewUser};
use lianxin::app::{self, AppState};

#[derive(Parser)]
#[command(
    name = "lianxin",
    version,
    about = "连心 Lianxin: district epidemic control and enterprise recovery"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArg {
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "LIANXIN_DB", default_value = "sqlite://lianxin.db")]
    db: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on.
        #[arg(long, env = "LIANXIN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo district into an empty database first and print the demo logins.
        #[arg(long)]
        demo: bool,
        /// How many days an API token (`POST /api/v1/auth/token`) stays valid; when given, it
        /// overrides the setting 接口令牌有效期 (`auth.api_token_days`, 30 by default).
        #[arg(long, env = "LIANXIN_API_TOKEN_DAYS",
            value_parser = clap::value_parser!(i64).range(1..=3650))]
        api_token_days: Option<i64>,
        /// Reverse proxies (IP addresses or CIDR blocks, comma-separated) whose
        /// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host are believed; none by default.
        #[arg(long, env = "LIANXIN_TRUSTED_PROXIES", default_value = "")]
        trusted_proxies: String,
        /// The public URL is https://: HSTS and Secure cookies on every answer.
        #[arg(long, env = "LIANXIN_HTTPS")]
        https: bool,
    },
    /// Create or update the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Load the demo district (Shangjie, 上街区) into an empty database.
    Demo {
        #[command(flatten)]
        db: DbArg,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage Open311 API keys of client apps.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Import a registry from .xlsx or .csv (nothing is imported unless every row is valid).
    Import {
        /// units, people or enterprises
        kind: String,
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Update records that already exist (matched by code, identity number or credit code).
        #[arg(long)]
        update_existing: bool,
    },
    /// Export a registry to .xlsx or .csv (by the file's extension).
    Export {
        /// units, people or enterprises
        kind: String,
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Delete passages past their retention (default 28 days) and print how many went.
    Purge {
        #[command(flatten)]
        db: DbArg,
    },
    /// Write a consistent copy of the database to FILE.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Issue a key for a client app and print it (it is shown only this once).
    Add {
        #[command(flatten)]
        db: DbArg,
        /// The client app's name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password comes from LIANXIN_PASSWORD or a prompt.
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
        /// admin, leader, department_staff, service_cadre, supervisor, organization, volunteer,
        /// enterprise_contact
        #[arg(long)]
        role: String,
        /// Code of the user's unit (their data scope for unit-based roles).
        #[arg(long)]
        unit: Option<String>,
        /// Credit code of the user's enterprise (needed for enterprise_contact).
        #[arg(long)]
        enterprise: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Identity number of the person the login acts as (a cadre: the firms paired with
        /// them).
        #[arg(long)]
        person: Option<String>,
    },
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LIANXIN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// A problem from the library, as one line for the terminal.
fn describe(e: lianxin::error::AppError) -> anyhow::Error {
    match e {
        lianxin::error::AppError::Validation(errs) => anyhow::anyhow!(
            "{}",
            errs.iter()
                .map(|e| format!("{}: {}", e.field, e.message_en))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{}", other.problem().detail_en),
    }
}

#[tokio::main]
async fn main() {
    init_tracing();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("lianxin: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            demo,
            api_token_days,
            trusted_proxies,
            https,
        } => {
            let web = lianxin_kernel::web::guard::WebSettings {
                trusted_proxies: lianxin_kernel::web::guard::WebSettings::parse_proxies(
                    &trusted_proxies,
                )
                .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?,
                https,
            };
            let conn = app::prepare_database(&db.db)
                .await
                .context("cannot open the database")?;
            if demo {
                if lianxin::demo::is_empty(&conn).await.map_err(describe)? {
                    lianxin::demo::load(&conn, true).await.map_err(describe)?;
                    print_demo_logins();
                } else {
                    println!("数据库已有数据，跳过演示数据 (database not empty, demo not loaded)");
                }
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            println!("lianxin listening on http://{addr}");
            if !web.trusted_proxies.is_empty() || web.https {
                tracing::info!(trusted_proxies = ?web.trusted_proxies, https = web.https, "reached through");
            }
            // Retention (screening data of residents): now and every six hours.
            let retention_db = conn.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(6 * 3600));
                loop {
                    tick.tick().await;
                    if let Err(e) =
                        lianxin::screening::retention::purge(&retention_db, chrono::Utc::now())
                            .await
                    {
                        tracing::error!(error = %e, "retention purge failed");
                    }
                }
            });
            let mut state = AppState::new(conn).with_web(web);
            state.api_token_days = api_token_days;
            app::serve(listener, state, shutdown_signal()).await?;
            Ok(())
        }
        Command::Migrate { db } => {
            app::prepare_database(&db.db)
                .await
                .context("migration failed")?;
            println!("database is up to date");
            Ok(())
        }
        Command::Demo { db } => {
            let conn = app::prepare_database(&db.db)
                .await
                .context("cannot open the database")?;
            if !lianxin::demo::is_empty(&conn).await.map_err(describe)? {
                bail!(
                    "the database is not empty; the demo district loads only into an empty database"
                );
            }
            lianxin::demo::load(&conn, true).await.map_err(describe)?;
            print_demo_logins();
            Ok(())
        }
        Command::Purge { db } => {
            let conn = app::prepare_database(&db.db)
                .await
                .context("cannot open the database")?;
            let n = lianxin::screening::retention::purge(&conn, chrono::Utc::now())
                .await
                .map_err(describe)?;
            println!("{n} passages deleted");
            Ok(())
        }
        Command::Apikey {
            command: ApikeyCommand::Add { db, name },
        } => {
            let conn = app::prepare_database(&db.db)
                .await
                .context("cannot open the database")?;
            let (_, key) = lianxin::access::apikeys::add(&conn, &Principal::system("cli"), &name)
                .await
                .map_err(describe)?;
            println!("{key}");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    username,
                    role,
                    unit,
                    enterprise,
                    display_name,
                    person,
                },
        } => {
            let conn = app::prepare_database(&db.db)
                .await
                .context("cannot open the database")?;
            let person_id = match person {
                None => None,
                Some(number) => Some(
                    auth::person_by_id_number(&conn, &number)
                        .await
                        .map_err(describe)?
                        .with_context(|| format!("no person with identity number {number}"))?,
                ),
            };
            let password = match std::env::var("LIANXIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    use std::io::IsTerminal;
                    if !std::io::stdin().is_terminal() {
                        bail!(
                            "set LIANXIN_PASSWORD or run on a terminal to be asked for the password"
                        );
                    }
                    let p = rpassword::prompt_password("Password: ")?;
                    let again = rpassword::prompt_password("Repeat: ")?;
                    if p != again {
                        bail!("the passwords differ");
                    }
                    p
                }
            };
            let user = auth::create_user(
                &conn,
                &Principal::system("cli"),
                NewUser {
                    username,
                    password,
                    display_name,
                    role_codes: vec![role],
                    unit_code: unit,
                    enterprise_uscc: enterprise,
                    person_id,
                },
            )
            .await
            .map_err(describe)?;
            println!("user {} created (id {})", user.username, user.id);
            Ok(())
        }
        Command::Import {
            kind,
            file,
            db,
            update_existing,
        } => {
            let conn = app::prepare_database(&db.db)
                .await
                .context("cannot open the database")?;
            let kind = lianxin::exchange::Kind::parse(&kind)
                .context("KIND must be units, people or enterprises")?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let who = Principal::system("cli");
            // Coded cells are read against the installation's dictionary (字典管理).
            let report = lianxin_kernel::dict::within(
                &conn,
                lianxin::exchange::import(&conn, &who, kind, &name, &bytes, update_existing, true),
            )
            .await
            .map_err(describe)?;
            if report.errors.is_empty() {
                println!("{}", report.summary_en());
                Ok(())
            } else {
                for e in report.errors.iter().take(200) {
                    eprintln!("{}", e.line_en());
                }
                bail!("{}", report.summary_en())
            }
        }
        Command::Export { kind, file, db } => {
            let conn = app::prepare_database(&db.db)
                .await
                .context("cannot open the database")?;
            let kind = lianxin::exchange::Kind::parse(&kind)
                .context("KIND must be units, people or enterprises")?;
            let who = Principal::system("cli");
            let n = lianxin_kernel::dict::within(
                &conn,
                lianxin::exchange::export_to_file(&conn, &who, kind, &file, true),
            )
            .await
            .map_err(describe)?;
            println!("{n} rows written to {}", file.display());
            Ok(())
        }
        Command::Backup { file, db } => {
            let conn = lianxin::db::connect(&db.db)
                .await
                .context("cannot open the database")?;
            lianxin::db::backup(&conn, &db.db, &file)
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            println!("backup written to {}", file.display());
            Ok(())
        }
    }
}

fn print_demo_logins() {
    println!(
        "演示数据已载入 (demo district loaded). Logins (password {}):",
        lianxin::demo::DEMO_PASSWORD
    );
    for (user, role, what) in lianxin::demo::DEMO_LOGINS {
        println!("  {user:<12} {role:<20} {what}");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
