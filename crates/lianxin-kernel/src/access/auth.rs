//! Authentication: argon2id password hashes and the password policy, database-backed sessions
//! and bearer tokens, sign-in throttling by account and client (in the database, so it holds
//! across app nodes), and user creation.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::entities::{
    enterprises, login_log, login_throttles, people, role_permissions, roles, sessions, units,
    user_roles, users,
};
use crate::error::{AppError, AppResult, FieldError};

pub const SESSION_COOKIE: &str = "lianxin_session";
pub const WEB_SESSION_HOURS: i64 = 12;
/// The lifetime of an API token unless `serve --api-token-days` says otherwise.
pub const DEFAULT_API_TOKEN_DAYS: i64 = 30;
/// Failed sign-ins of one account from one client before the first delay, unless the
/// setting `auth.throttle_free_failures` says otherwise.
pub const FREE_FAILURES: i32 = 5;
/// The first delay; every further failure doubles it, up to `MAX_DELAY_SECS` (the setting
/// `auth.throttle_max_lock_minutes`).
pub const BASE_DELAY_SECS: i64 = 60;
pub const MAX_DELAY_SECS: i64 = 15 * 60;
/// A session's last request is written at most this often (not on every request).
pub const LAST_SEEN_EVERY_SECS: i64 = 60;
/// A throttle without a failure for this long is forgotten.
pub const FORGET_AFTER_HOURS: i64 = 24;
/// The password policy: at least this many characters (more for accounts that may do
/// everything), at most `MAX_PASSWORD_CHARS`, and a zxcvbn score of at least `MIN_SCORE`.
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MIN_ADMIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;
pub const MIN_SCORE: u8 = 3;

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

/// The password policy, applied wherever a password is set (user creation, reset; API, pages,
/// command line): long enough, not the username nor containing it, and hard to guess by the
/// zxcvbn estimate (which knows common passwords, words, sequences, keyboard walks and dates).
/// `privileged` (an account holding every permission) asks for more length.
pub fn check_password_strength(
    password: &str,
    username: &str,
    privileged: bool,
) -> Result<(), FieldError> {
    let chars = password.chars().count();
    let min = if privileged {
        MIN_ADMIN_PASSWORD_CHARS
    } else {
        MIN_PASSWORD_CHARS
    };
    if chars < min {
        return Err(FieldError::new(
            "password",
            "length",
            if privileged {
                format!("管理员密码至少 {min} 位")
            } else {
                format!("密码至少 {min} 位")
            },
            if privileged {
                format!("an administrator's password must have at least {min} characters")
            } else {
                format!("password must have at least {min} characters")
            },
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            "length",
            format!("密码最多 {MAX_PASSWORD_CHARS} 位"),
            format!("password must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
        return Err(FieldError::new(
            "password",
            "contains_username",
            "密码不能包含用户名",
            "password must not contain the username",
        ));
    }
    if (zxcvbn::zxcvbn(password, &[name.as_str()]).score() as u8) < MIN_SCORE {
        return Err(FieldError::new(
            "password",
            "weak",
            "密码太容易被猜中（常见密码、单词、连续或重复字符、键盘序列、日期），请换一个更长、更不规则的密码",
            "password is too easy to guess (a common password, words, sequences or repeats, keyboard patterns, dates); choose a longer, less predictable one",
        ));
    }
    Ok(())
}

/// Whether these roles together hold every permission (the password policy asks more of them).
pub async fn grants_everything(db: &impl ConnectionTrait, role_ids: &[i64]) -> AppResult<bool> {
    if role_ids.is_empty() {
        return Ok(false);
    }
    Ok(role_permissions::Entity::find()
        .filter(role_permissions::Column::RoleId.is_in(role_ids.iter().copied()))
        .filter(role_permissions::Column::Permission.eq(super::roles::perm::ALL))
        .count(db)
        .await?
        > 0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

/// Opens a browser session (or an API token of the default lifetime) and returns
/// (token, csrf token).
pub async fn open_session(
    db: &impl ConnectionTrait,
    user_id: i64,
    kind: SessionKind,
    ip: Option<String>,
) -> AppResult<(String, String)> {
    let lifetime = match kind {
        SessionKind::Web => Duration::hours(WEB_SESSION_HOURS),
        SessionKind::Api => Duration::days(DEFAULT_API_TOKEN_DAYS),
    };
    let (token, csrf, _) = open(db, user_id, kind, ip, lifetime).await?;
    Ok((token, csrf))
}

/// Issues an API token valid for `days`; answers the token and when it expires.
pub async fn open_api_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    ip: Option<String>,
    days: i64,
) -> AppResult<(String, DateTime<Utc>)> {
    let (token, _, expires) = open(db, user_id, SessionKind::Api, ip, Duration::days(days)).await?;
    Ok((token, expires))
}

async fn open(
    db: &impl ConnectionTrait,
    user_id: i64,
    kind: SessionKind,
    ip: Option<String>,
    lifetime: Duration,
) -> AppResult<(String, String, DateTime<Utc>)> {
    let token = new_token();
    let csrf = new_token();
    let now = Utc::now();
    // Expired sessions are swept whenever a new one opens, so the table stays small.
    sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let expires = now + lifetime;
    let id = token_id(&token);
    sessions::ActiveModel {
        handle: Set(Some(session_handle(&id))),
        id: Set(id),
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
        last_seen_at: Set(Some(now)),
    }
    .insert(db)
    .await?;
    Ok((token, csrf, expires))
}

pub async fn close_session(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    sessions::Entity::delete_by_id(token_id(token))
        .exec(db)
        .await?;
    Ok(())
}

/// The caller's own API tokens that have not expired, newest first (never the secrets: a
/// token's id is the SHA-256 of its secret).
pub async fn list_api_tokens(
    db: &impl ConnectionTrait,
    who: &super::Principal,
) -> AppResult<Vec<sessions::Model>> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(who.user_id))
        .filter(sessions::Column::Kind.eq("api"))
        .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(sessions::Column::CreatedAt)
        .order_by_asc(sessions::Column::Id)
        .all(db)
        .await?)
}

/// Revokes one of the caller's API tokens; another user's (or no such) token is a 404.
pub async fn revoke_api_token<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &super::Principal,
    id: &str,
) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let gone = sessions::Entity::delete_many()
        .filter(sessions::Column::Id.eq(id))
        .filter(sessions::Column::UserId.eq(who.user_id))
        .filter(sessions::Column::Kind.eq("api"))
        .exec(&txn)
        .await?
        .rows_affected;
    if gone == 0 {
        return Err(AppError::NotFound);
    }
    crate::audit::record_event(
        &txn,
        who,
        crate::audit::Action::Delete,
        "api_token",
        None,
        format!("revoked API token {}…", short_id(id)),
        crate::audit::Event::new(
            "token.revoke",
            serde_json::json!({"token": format!("{}…", short_id(id))}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes every API token of the caller (the one in use too); answers how many.
pub async fn revoke_all_api_tokens<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &super::Principal,
) -> AppResult<u64> {
    let txn = crate::db::begin_write(db).await?;
    let gone = sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(who.user_id))
        .filter(sessions::Column::Kind.eq("api"))
        .exec(&txn)
        .await?
        .rows_affected;
    crate::audit::record_event(
        &txn,
        who,
        crate::audit::Action::Delete,
        "api_token",
        None,
        format!("revoked all {gone} API tokens"),
        crate::audit::Event::new("token.revoke_all", serde_json::json!({"n": gone})),
    )
    .await?;
    txn.commit().await?;
    Ok(gone)
}

/// The first characters of a token id, enough to tell tokens apart in a list or the log.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
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

/// The login log's reason for a success.
pub const LOG_OK: &str = "ok";
/// The login log's reason for an attempt refused by the throttle (no password was checked);
/// stored as `throttled until <RFC 3339>` when the end of the lock is known.
pub const LOG_THROTTLED: &str = "throttled";
/// The login log's reason for a wrong password, an unknown name or a disabled account: a
/// password was checked (the caller sees one generic 401 for all three). Rows written before
/// unknown names were told apart say `bad credentials` for both.
pub const LOG_BAD_CREDENTIALS: &str = "bad credentials";
pub const LOG_UNKNOWN_USER: &str = "bad credentials (unknown user)";
pub const LOG_DISABLED: &str = "bad credentials (account disabled)";

/// A login log reason in words for people ("密码错误", "尝试过多，已锁定至 10:05"); the
/// stored codes stay as they are.
pub fn login_reason(message: &str, lang: crate::i18n::Lang) -> String {
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    if let Some(until) = message.strip_prefix("throttled until ") {
        return match DateTime::parse_from_rfc3339(until) {
            Ok(t) => {
                let at = t
                    .with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%H:%M")
                    .to_string();
                if lang.is_en() {
                    format!("Too many attempts, locked until {at}")
                } else {
                    format!("尝试过多，已锁定至 {at}")
                }
            }
            Err(_) => pick(
                "尝试过多，已暂时锁定",
                "Too many attempts, locked for a while",
            ),
        };
    }
    match message {
        LOG_OK => pick("登录成功", "Signed in"),
        LOG_THROTTLED => pick(
            "尝试过多，已暂时锁定",
            "Too many attempts, locked for a while",
        ),
        LOG_BAD_CREDENTIALS => pick("密码错误", "Wrong password"),
        LOG_UNKNOWN_USER => pick("用户不存在", "No such user"),
        LOG_DISABLED => pick("账号已停用", "Account disabled"),
        other => other.to_owned(),
    }
}

/// The delay after the `failures`-th failure of an account from a client with the default
/// settings: none for the first few, then `BASE_DELAY_SECS` doubling up to `MAX_DELAY_SECS`.
pub fn delay_after(failures: i32) -> Option<Duration> {
    delay_with(failures, FREE_FAILURES, MAX_DELAY_SECS)
}

/// The delay after the `failures`-th failure when `free` failures are free and no delay is
/// longer than `max_secs`. A delay, never a lock for good.
pub fn delay_with(failures: i32, free: i32, max_secs: i64) -> Option<Duration> {
    if failures < free {
        return None;
    }
    let doublings = (failures - free).clamp(0, 16) as u32;
    Some(Duration::seconds(
        BASE_DELAY_SECS
            .saturating_mul(1 << doublings)
            .min(max_secs.max(BASE_DELAY_SECS)),
    ))
}

/// The throttle's two settings: free failures and the longest delay in seconds.
async fn throttle_settings(db: &impl ConnectionTrait) -> AppResult<(i32, i64)> {
    use crate::settings::{kernel_int, keys};
    let free = kernel_int(db, keys::THROTTLE_FREE_FAILURES).await?;
    let max_minutes = kernel_int(db, keys::THROTTLE_MAX_LOCK_MINUTES).await?;
    Ok((
        i32::try_from(free).unwrap_or(FREE_FAILURES),
        max_minutes.saturating_mul(60),
    ))
}

/// The throttle's check and count in one locked step: an attempt during a delay is refused
/// (answers the seconds to wait and the end of the delay) without counting; any other attempt is counted as a failure
/// *before* its password is checked, and a success clears the count afterwards. So concurrent
/// attempts cannot all pass the check before any of them is counted.
async fn reserve_attempt<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    username: &str,
    client: &str,
) -> AppResult<Option<(u64, DateTime<Utc>)>> {
    let now = Utc::now();
    let (free, max_secs) = throttle_settings(db).await?;
    let txn = crate::db::begin_write(db).await?;
    login_throttles::Entity::insert(login_throttles::ActiveModel {
        username: Set(username.to_owned()),
        client: Set(client.to_owned()),
        failures: Set(0),
        blocked_until: Set(None),
        last_failure_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            login_throttles::Column::Username,
            login_throttles::Column::Client,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    // FOR UPDATE on PostgreSQL; SQLite's write transaction already holds the database.
    let row = login_throttles::Entity::find()
        .filter(login_throttles::Column::Username.eq(username))
        .filter(login_throttles::Column::Client.eq(client))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("login throttle row missing"))?;
    if let Some(until) = row.blocked_until
        && until > now
    {
        txn.rollback().await?;
        let wait = (until - now).num_milliseconds().max(0) as u64;
        return Ok(Some((wait.div_ceil(1000).max(1), until)));
    }
    let before = if now - row.last_failure_at > Duration::hours(FORGET_AFTER_HOURS) {
        0
    } else {
        row.failures
    };
    let failures = before.saturating_add(1);
    let mut am: login_throttles::ActiveModel = row.into();
    am.failures = Set(failures);
    am.blocked_until = Set(delay_with(failures, free, max_secs).map(|d| now + d));
    am.last_failure_at = Set(now);
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(None)
}

/// After a successful sign-in: the account's throttle from this client is cleared, and
/// throttles forgotten long ago are swept.
async fn clear_throttle(db: &impl ConnectionTrait, username: &str, client: &str) -> AppResult<()> {
    login_throttles::Entity::delete_many()
        .filter(login_throttles::Column::Username.eq(username))
        .filter(login_throttles::Column::Client.eq(client))
        .exec(db)
        .await?;
    let now = Utc::now();
    login_throttles::Entity::delete_many()
        .filter(
            login_throttles::Column::LastFailureAt.lt(now - Duration::hours(FORGET_AFTER_HOURS)),
        )
        .filter(
            sea_orm::Condition::any()
                .add(login_throttles::Column::BlockedUntil.is_null())
                .add(login_throttles::Column::BlockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// A hash of a random secret, made once: what unknown names and disabled accounts are checked
/// against, so that every attempt costs one verification and timing tells nothing.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// The hash an attempt is verified against, and whether a match may sign in: the user's own
/// for an active account, the dummy otherwise.
fn hash_to_verify(user: Option<&users::Model>) -> (&str, bool) {
    match user {
        Some(u) if u.active => (u.password_hash.as_str(), true),
        _ => (dummy_hash(), false),
    }
}

/// Exactly one password verification per attempt, whoever the name belongs to, off the async
/// threads (argon2 is deliberately slow).
async fn credentials_match(user: Option<&users::Model>, password: &str) -> bool {
    let (user, password) = (user.cloned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        // The dummy hash is made here too, the first time: never on an async thread.
        let (hash, may_sign_in) = hash_to_verify(user.as_ref());
        verify_password(&password, hash) && may_sign_in
    })
    .await
    .unwrap_or(false)
}

/// Checks the password, throttled per account and client; logs every attempt. Answers the
/// user on success, 401 for any wrong name, password or disabled account alike, and 429 with
/// the seconds to wait while the account is delayed for this client.
pub async fn login<C: ConnectionTrait + TransactionTrait>(
    db: &C,
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
    let name: String = username.chars().take(64).collect();
    let client: String = ip.unwrap_or("").chars().take(64).collect();
    if let Some((wait, until)) = reserve_attempt(db, &name, &client).await? {
        let why = format!(
            "{LOG_THROTTLED} until {}",
            until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        log_login(db, &name, false, ip, user_agent, &why).await?;
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await?;
    let ok = credentials_match(user.as_ref(), password).await;
    match user {
        Some(u) if ok => {
            clear_throttle(db, &name, &client).await?;
            log_login(db, &name, true, ip, user_agent, LOG_OK).await?;
            let mut am: users::ActiveModel = u.clone().into();
            am.last_login_at = Set(Some(Utc::now()));
            am.update(db).await?;
            Ok(u)
        }
        Some(u) if !u.active => {
            log_login(db, &name, false, ip, user_agent, LOG_DISABLED).await?;
            Err(AppError::Unauthenticated)
        }
        Some(_) => {
            log_login(db, &name, false, ip, user_agent, LOG_BAD_CREDENTIALS).await?;
            Err(AppError::Unauthenticated)
        }
        None => {
            log_login(db, &name, false, ip, user_agent, LOG_UNKNOWN_USER).await?;
            Err(AppError::Unauthenticated)
        }
    }
}

/// The throttles an administrator may lift: those not yet forgotten, the most recent first.
pub async fn list_throttles(
    db: &impl ConnectionTrait,
    who: &super::Principal,
    paging: crate::paging::Paging,
) -> AppResult<crate::paging::Page<login_throttles::Model>> {
    who.require(super::roles::perm::USER_EDIT)?;
    let q = login_throttles::Entity::find()
        .filter(login_throttles::Column::Failures.gt(0))
        .filter(
            login_throttles::Column::LastFailureAt
                .gt(Utc::now() - Duration::hours(FORGET_AFTER_HOURS)),
        );
    crate::paging::paged(db, q, login_throttles::Column::LastFailureAt, true, paging).await
}

/// Lifts a throttle (the account may sign in from that client at once), audited.
pub async fn lift_throttle<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &super::Principal,
    id: i64,
) -> AppResult<()> {
    who.require(super::roles::perm::USER_EDIT)?;
    let txn = crate::db::begin_write(db).await?;
    let row = login_throttles::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    login_throttles::Entity::delete_by_id(id).exec(&txn).await?;
    crate::audit::record_event(
        &txn,
        who,
        crate::audit::Action::Delete,
        "login_throttle",
        Some(id),
        format!(
            "lifted the sign-in throttle of {} from {} ({} failures)",
            row.username, row.client, row.failures
        ),
        crate::audit::Event::new("throttle.lift", serde_json::json!({"username": row.username, "client": row.client, "failures": row.failures})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The public handle of a session: derived from its id, so it names the session in a list
/// or a URL without being the secret or its hash (neither can be had back from it).
pub fn session_handle(id: &str) -> String {
    hex::encode(Sha256::digest(
        format!("lianxin session handle:{id}").as_bytes(),
    ))[..24]
        .to_owned()
}

/// An open session as the online-users page shows it (never its secret, hash or CSRF token).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OpenSession {
    /// The handle that ends it (`DELETE /api/v1/sessions/{id}`).
    pub id: String,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The user's unit, by name.
    pub unit: Option<String>,
    /// web (a browser) or api (an API token).
    pub kind: String,
    pub created_at: DateTime<Utc>,
    /// Its last request, to the minute (written at most once a minute).
    pub last_seen_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    /// The address it was opened from.
    pub ip: Option<String>,
    /// Whether this is the session of the request.
    pub current: bool,
}

/// The sessions that have not expired, the most recently seen first (administrators of users).
pub async fn list_sessions(
    db: &impl ConnectionTrait,
    who: &super::Principal,
    current: Option<&str>,
    paging: crate::paging::Paging,
) -> AppResult<crate::paging::Page<OpenSession>> {
    who.require(super::roles::perm::USER_EDIT)?;
    let checked = paging.checked()?;
    let open = sessions::Entity::find().filter(sessions::Column::ExpiresAt.gt(Utc::now()));
    let total = open.clone().count(db).await?;
    let rows = open
        .order_by_desc(sessions::Column::LastSeenAt)
        .order_by_desc(sessions::Column::CreatedAt)
        .order_by_asc(sessions::Column::Id)
        .offset(checked.offset())
        .limit(paging.limit())
        .all(db)
        .await?;
    let user_rows = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .all(db)
        .await?;
    let unit_names: std::collections::HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(user_rows.iter().filter_map(|u| u.unit_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| {
            let user = user_rows.iter().find(|u| u.id == r.user_id);
            OpenSession {
                current: current == Some(r.id.as_str()),
                id: r.handle.clone().unwrap_or_else(|| session_handle(&r.id)),
                user_id: r.user_id,
                username: user.map(|u| u.username.clone()).unwrap_or_default(),
                display_name: user.map(|u| u.display_name.clone()).unwrap_or_default(),
                unit: user
                    .and_then(|u| u.unit_id)
                    .and_then(|id| unit_names.get(&id).cloned()),
                kind: r.kind,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
                ip: r.ip,
            }
        })
        .collect();
    Ok(crate::paging::Page { items, total })
}

/// Ends another user's (or one's own) session by its handle (强制下线): its next request is
/// unauthenticated. Audited; an unknown or expired handle is a 404.
pub async fn end_session<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &super::Principal,
    handle: &str,
) -> AppResult<()> {
    who.require(super::roles::perm::USER_EDIT)?;
    if handle.len() != 24 || !handle.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let txn = crate::db::begin_write(db).await?;
    let found = sessions::Entity::find()
        .filter(sessions::Column::Handle.eq(handle.to_ascii_lowercase()))
        .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    sessions::Entity::delete_by_id(found.id.clone())
        .exec(&txn)
        .await?;
    let user = users::Entity::find_by_id(found.user_id).one(&txn).await?;
    let name = user
        .map(|u| format!("{}（{}）", u.display_name, u.username))
        .unwrap_or_else(|| format!("用户 {}", found.user_id));
    crate::audit::record_event(
        &txn,
        who,
        crate::audit::Action::Delete,
        "session",
        Some(found.user_id),
        format!(
            "强制下线 {name}的{}（登录于 {}）",
            if found.kind == "web" {
                "浏览器会话"
            } else {
                "接口令牌"
            },
            crate::web::time::local_time(&found.created_at)
        ),
        crate::audit::Event::new("session.end", serde_json::json!({"name": name, "kind": if found.kind == "web" { crate::audit::both("浏览器会话", "browser session") } else { crate::audit::both("接口令牌", "API token") }, "at": crate::web::time::local_time(&found.created_at)})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Notes a session's request (at most once a minute, so a busy client costs no write per
/// request).
pub async fn touch_session(db: &impl ConnectionTrait, session: &sessions::Model) -> AppResult<()> {
    let now = Utc::now();
    if session
        .last_seen_at
        .is_some_and(|t| now - t < Duration::seconds(LAST_SEEN_EVERY_SECS))
    {
        return Ok(());
    }
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::LastSeenAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(sessions::Column::Id.eq(session.id.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// The person with this identity number (as stored: upper case), for linking a login.
pub async fn person_by_id_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> AppResult<Option<i64>> {
    Ok(people::Entity::find()
        .filter(people::Column::IdNumber.eq(number.trim().to_uppercase()))
        .one(db)
        .await?
        .map(|p| p.id))
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
    let privileged = grants_everything(db, &role_ids).await?;
    if let Err(e) = check_password_strength(&new.password, &username, privileged) {
        errors.push(e);
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
    if let Some(pid) = new.person_id
        && people::Entity::find_by_id(pid).one(db).await?.is_none()
    {
        errors.push(FieldError::new(
            "person",
            "unknown",
            "关联人员不存在",
            "no such person to link",
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(active: bool, password: &str) -> users::Model {
        let now = Utc::now();
        users::Model {
            id: 1,
            username: "zhangwei".into(),
            password_hash: hash_password(password).unwrap(),
            display_name: "张伟".into(),
            unit_id: None,
            enterprise_id: None,
            person_id: None,
            active,
            last_login_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_policy_refuses_weak_passwords_and_accepts_the_fixtures() {
        for (password, username, privileged, code) in [
            ("12345678", "zhangwei", false, "length"),
            ("1234567890", "zhangwei", false, "weak"),
            ("password123", "zhangwei", false, "weak"),
            ("qwertyuiop", "zhangwei", false, "weak"),
            ("zhangwei2020", "zhangwei", false, "contains_username"),
            ("ZhangWei", "zhangwei", false, "length"),
            ("Admin@2020admin", "admin", true, "contains_username"),
            ("Abcdefgh12", "root", true, "length"),
            ("aaaaaaaaaaaa", "root", true, "weak"),
        ] {
            let e = check_password_strength(password, username, privileged).expect_err(password);
            assert_eq!(e.field, "password");
            assert_eq!(e.code, code, "{password}");
        }
        for (password, privileged) in [
            ("Lianxin@2020", true),
            ("Test@2020pass", true),
            ("correct horse battery staple", true),
            ("Qiye-Lian7xi", false),
            ("Bench@2020pass", true),
            ("Kx7#mQ2vLp", false),
        ] {
            assert!(
                check_password_strength(password, "admin", privileged).is_ok(),
                "{password}: score {:?}",
                zxcvbn::zxcvbn(password, &["admin"]).score()
            );
        }
        // Odd input is judged, never a panic.
        for odd in [
            "\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}",
            "é́́́́́́́́́́́",
            "🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑",
            "مرحبا بالعالم ١٢٣",
            "密码密码密码密码密码密码",
        ] {
            let _ = check_password_strength(odd, "admin", true);
        }
        let long = "Xy9!".repeat(40);
        assert_eq!(
            check_password_strength(&long, "admin", false)
                .unwrap_err()
                .code,
            "length"
        );
    }

    #[test]
    fn disabled_and_unknown_accounts_are_verified_against_the_dummy_hash() {
        let active = user(true, "Right@Pass2020");
        let disabled = user(false, "Right@Pass2020");
        assert_eq!(
            hash_to_verify(Some(&active)),
            (active.password_hash.as_str(), true)
        );
        // A disabled account and an unknown name cost the same one verification, against the
        // dummy hash, and never sign in.
        assert_eq!(hash_to_verify(Some(&disabled)), (dummy_hash(), false));
        assert_eq!(hash_to_verify(None), (dummy_hash(), false));
        assert!(
            PasswordHash::new(dummy_hash()).is_ok(),
            "a real argon2 hash"
        );
    }

    #[tokio::test]
    async fn only_an_active_account_with_its_password_matches() {
        let active = user(true, "Right@Pass2020");
        let disabled = user(false, "Right@Pass2020");
        assert!(credentials_match(Some(&active), "Right@Pass2020").await);
        assert!(!credentials_match(Some(&active), "Wrong@Pass2020").await);
        assert!(!credentials_match(Some(&disabled), "Right@Pass2020").await);
        assert!(!credentials_match(None, "Right@Pass2020").await);
    }

    #[test]
    fn delays_grow_from_the_fifth_failure_and_stop_at_the_cap() {
        let secs = |n| delay_after(n).map(|d| d.num_seconds());
        assert_eq!(secs(4), None);
        assert_eq!(secs(5), Some(60));
        assert_eq!(secs(6), Some(120));
        assert_eq!(secs(7), Some(240));
        assert_eq!(secs(9), Some(900));
        assert_eq!(secs(1000), Some(900));
    }
}
