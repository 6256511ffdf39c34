//! Authentication: argon2id password hashes, database-backed sessions and bearer tokens, login
//! throttling from the login log (so it holds across app nodes), and user creation.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::entities::{enterprises, login_log, roles, sessions, units, user_roles, users};
use crate::error::{AppError, AppResult, FieldError};

pub const SESSION_COOKIE: &str = "lianxin_session";
pub const WEB_SESSION_HOURS: i64 = 12;
pub const API_TOKEN_DAYS: i64 = 30;
/// Failed logins allowed per username (and ten times that per address) in the window.
pub const MAX_FAILURES: u64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random secret, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn check_password_strength(password: &str) -> Result<(), FieldError> {
    if password.chars().count() < 8 {
        return Err(FieldError::new(
            "password",
            "length",
            "密码至少 8 位",
            "password must have at least 8 characters",
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

/// Opens a session and returns (token, csrf token).
pub async fn open_session(
    db: &impl ConnectionTrait,
    user_id: i64,
    kind: SessionKind,
    ip: Option<String>,
) -> AppResult<(String, String)> {
    let token = new_token();
    let csrf = new_token();
    let now = Utc::now();
    // Expired sessions are swept whenever a new one opens, so the table stays small.
    sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let expires = match kind {
        SessionKind::Web => now + Duration::hours(WEB_SESSION_HOURS),
        SessionKind::Api => now + Duration::days(API_TOKEN_DAYS),
    };
    sessions::ActiveModel {
        id: Set(token_id(&token)),
        user_id: Set(user_id),
        kind: Set(match kind {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
        .to_owned()),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(expires),
        ip: Set(ip),
    }
    .insert(db)
    .await?;
    Ok((token, csrf))
}

pub async fn close_session(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    sessions::Entity::delete_by_id(token_id(token))
        .exec(db)
        .await?;
    Ok(())
}

async fn log_login(
    db: &impl ConnectionTrait,
    username: &str,
    success: bool,
    ip: Option<&str>,
    user_agent: Option<&str>,
    message: &str,
) -> AppResult<()> {
    login_log::ActiveModel {
        at: Set(Utc::now()),
        username: Set(username.chars().take(64).collect()),
        success: Set(success),
        ip: Set(ip.map(str::to_owned)),
        user_agent: Set(user_agent.map(|u| u.chars().take(300).collect())),
        message: Set(message.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Checks the password, with throttling; logs every attempt. Answers the user on success.
pub async fn login(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> AppResult<users::Model> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "username",
            "required",
            "请输入用户名和密码",
            "enter a username and a password",
        )]));
    }
    let since = Utc::now() - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let by_name = login_log::Entity::find()
        .filter(login_log::Column::Username.eq(username))
        .filter(login_log::Column::Success.eq(false))
        .filter(login_log::Column::At.gt(since))
        .count(db)
        .await?;
    let by_ip = match ip {
        Some(ip) => {
            login_log::Entity::find()
                .filter(login_log::Column::Ip.eq(ip))
                .filter(login_log::Column::Success.eq(false))
                .filter(login_log::Column::At.gt(since))
                .count(db)
                .await?
        }
        None => 0,
    };
    if by_name >= MAX_FAILURES || by_ip >= MAX_FAILURES * 10 {
        log_login(db, username, false, ip, user_agent, "throttled").await?;
        return Err(AppError::TooManyRequests {
            retry_after_secs: (FAILURE_WINDOW_MINUTES * 60) as u64,
        });
    }
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await?;
    let ok = match &user {
        Some(u) => u.active && verify_password(password, &u.password_hash),
        None => {
            // Same work for unknown names, so timing does not reveal which names exist.
            let _ = hash_password(password);
            false
        }
    };
    match user {
        Some(u) if ok => {
            log_login(db, username, true, ip, user_agent, "ok").await?;
            let mut am: users::ActiveModel = u.clone().into();
            am.last_login_at = Set(Some(Utc::now()));
            am.update(db).await?;
            Ok(u)
        }
        _ => {
            log_login(db, username, false, ip, user_agent, "bad credentials").await?;
            Err(AppError::Unauthenticated)
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub display_name: Option<String>,
    pub role_codes: Vec<String>,
    pub unit_code: Option<String>,
    pub enterprise_uscc: Option<String>,
    pub person_id: Option<i64>,
}

/// Creates a user with roles; used by `lianxin user add`, the admin screen and the demo.
/// Creates a user with their roles, audited as `who`'s act in the same transaction.
pub async fn create_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &super::Principal,
    new: NewUser,
) -> AppResult<users::Model> {
    let mut errors = Vec::new();
    let username = new.username.trim().to_owned();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        errors.push(FieldError::new(
            "username",
            "format",
            "用户名须为 1-64 位字母、数字或 ._-@",
            "username must be 1-64 letters, digits or ._-@",
        ));
    }
    if let Err(e) = check_password_strength(&new.password) {
        errors.push(e);
    }
    let mut role_ids = Vec::new();
    for code in &new.role_codes {
        match roles::Entity::find()
            .filter(roles::Column::Code.eq(code.as_str()))
            .one(db)
            .await?
        {
            Some(r) => role_ids.push(r.id),
            None => errors.push(FieldError::new(
                "role",
                "unknown",
                format!("未知角色：{code}"),
                format!("unknown role: {code}"),
            )),
        }
    }
    if new.role_codes.is_empty() {
        errors.push(FieldError::required("role", "角色", "role"));
    }
    let unit_id = match &new.unit_code {
        Some(code) => match units::Entity::find()
            .filter(units::Column::Code.eq(code.as_str()))
            .one(db)
            .await?
        {
            Some(u) => Some(u.id),
            None => {
                errors.push(FieldError::new(
                    "unit",
                    "unknown",
                    format!("未知单位编码：{code}"),
                    format!("unknown unit code: {code}"),
                ));
                None
            }
        },
        None => None,
    };
    let enterprise_id = match &new.enterprise_uscc {
        Some(uscc) => match enterprises::Entity::find()
            .filter(enterprises::Column::Uscc.eq(uscc.trim().to_uppercase()))
            .one(db)
            .await?
        {
            Some(e) => Some(e.id),
            None => {
                errors.push(FieldError::new(
                    "enterprise",
                    "unknown",
                    format!("未找到统一社会信用代码为 {uscc} 的企业"),
                    format!("no enterprise with credit code {uscc}"),
                ));
                None
            }
        },
        None => None,
    };
    if new.role_codes.iter().any(|r| r == "enterprise_contact") && new.enterprise_uscc.is_none() {
        errors.push(FieldError::new(
            "enterprise",
            "required",
            "企业联络员必须指定所属企业（--enterprise）",
            "an enterprise contact needs its enterprise (--enterprise)",
        ));
    }
    if users::Entity::find()
        .filter(users::Column::Username.eq(username.as_str()))
        .count(db)
        .await?
        > 0
    {
        errors.push(FieldError::new(
            "username",
            "duplicate",
            format!("用户名 {username} 已存在"),
            format!("username {username} is taken"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = hash_password(&new.password)?;
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let user = users::ActiveModel {
        username: Set(username.clone()),
        password_hash: Set(hash),
        display_name: Set(new.display_name.unwrap_or_else(|| username.clone())),
        unit_id: Set(unit_id),
        enterprise_id: Set(enterprise_id),
        person_id: Set(new.person_id),
        active: Set(true),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for role_id in role_ids {
        user_roles::ActiveModel {
            user_id: Set(user.id),
            role_id: Set(role_id),
        }
        .insert(&txn)
        .await?;
    }
    crate::audit::record(
        &txn,
        who,
        crate::audit::Action::Create,
        "user",
        Some(user.id),
        user.username.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}
