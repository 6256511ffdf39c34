//! Installation settings (参数设置): each a `settings` row under its key, declared with its
//! labels, meaning, kind, range and default by whoever owns it (the kernel for sign-in and
//! tokens, each area through `Area::settings`). Here they are read, checked, written and
//! audited, one way for the settings page, the API and the areas' own older endpoints. The
//! kernel names no area's setting: it only knows the declarations the areas hand it.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Datelike;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::access::Principal;
use crate::entities::{settings, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

/// What values a setting takes.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A whole number in `min..=max`, in `unit` (天, 次, 分钟).
    Integer {
        min: i64,
        max: i64,
        unit: (&'static str, &'static str),
    },
    /// A number with one digit after the point, stored in tenths (373 for 37.3), in
    /// `min..=max` tenths.
    Tenths {
        min: i64,
        max: i64,
        unit: (&'static str, &'static str),
    },
    /// Text of 1 to `max_chars` characters (the declaration's `check` says the rest).
    Text { max_chars: usize },
    /// A unit of the tree of one of these kinds, stored by id; none stored means the root.
    Unit { kinds: &'static [&'static str] },
}

impl Kind {
    /// The kind's name in the API (`integer`, `decimal`, `text`, `unit`).
    pub fn code(&self) -> &'static str {
        match self {
            Kind::Integer { .. } => "integer",
            Kind::Tenths { .. } => "decimal",
            Kind::Text { .. } => "text",
            Kind::Unit { .. } => "unit",
        }
    }
}

/// One setting as its owner declares it.
pub struct Setting {
    /// The `settings` key (`screening.fever_threshold`).
    pub key: &'static str,
    /// Its name: (中文, English).
    pub label: (&'static str, &'static str),
    /// What it changes, in words a civil servant reads: (中文, English).
    pub description: (&'static str, &'static str),
    pub kind: Kind,
    /// The stored form of the default ("" for a unit: the root of the tree).
    pub default: &'static str,
    /// Checks beyond the kind (a number pattern must hold the sequence number); the error's
    /// field is `value`.
    pub check: fn(&str) -> Result<(), FieldError>,
    /// What a stored value produces, in words (the number the next bulletin would get).
    pub example: fn(&str, Lang) -> Option<String>,
}

impl Setting {
    /// A declaration with no further check and no example.
    pub const fn new(
        key: &'static str,
        label: (&'static str, &'static str),
        description: (&'static str, &'static str),
        kind: Kind,
        default: &'static str,
    ) -> Setting {
        Setting {
            key,
            label,
            description,
            kind,
            default,
            check: |_| Ok(()),
            example: |_, _| None,
        }
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        lang.pick(self.label.0, self.label.1)
    }

    pub fn description(&self, lang: Lang) -> &'static str {
        lang.pick(self.description.0, self.description.1)
    }
}

/// The kernel's own settings: sign-in throttling and API tokens.
pub mod keys {
    pub const THROTTLE_FREE_FAILURES: &str = "auth.throttle_free_failures";
    pub const THROTTLE_MAX_LOCK_MINUTES: &str = "auth.throttle_max_lock_minutes";
    pub const API_TOKEN_DAYS: &str = "auth.api_token_days";
}

const MINUTES: (&str, &str) = ("分钟", "minutes");
const DAYS: (&str, &str) = ("天", "days");

static KERNEL: &[Setting] = &[
    Setting::new(
        keys::THROTTLE_FREE_FAILURES,
        ("登录失败锁定次数", "Failed sign-ins before a lock"),
        (
            "同一账号在同一地址连续输错密码达到此次数后锁定：第一次锁定 1 分钟，此后每再错一次锁定时间加倍，最长为“登录锁定最长时间”。锁定期间连正确的密码也要等待；管理员可在“登录限制”中解除。",
            "After this many wrong passwords for one account from one address, sign-in is locked: 1 minute the first time, doubling with every further failure up to the longest lock. During a lock even the right password waits; administrators lift locks under Sign-in throttles.",
        ),
        Kind::Integer {
            min: 1,
            max: 20,
            unit: ("次", "attempts"),
        },
        "5",
    ),
    Setting::new(
        keys::THROTTLE_MAX_LOCK_MINUTES,
        ("登录锁定最长时间", "Longest sign-in lock"),
        (
            "连续失败后锁定时间逐次加倍，到此为止不再增加。",
            "The lock after repeated failures doubles each time up to this length.",
        ),
        Kind::Integer {
            min: 1,
            max: 1440,
            unit: MINUTES,
        },
        "15",
    ),
    Setting::new(
        keys::API_TOKEN_DAYS,
        ("接口令牌有效期", "API token lifetime"),
        (
            "通过 POST /api/v1/auth/token 换取的接口令牌自签发起有效的天数；已签发的令牌不受影响。服务启动时若指定了 --api-token-days 参数（或环境变量 LIANXIN_API_TOKEN_DAYS），以启动参数为准，此处的值不生效。",
            "How many days an API token from POST /api/v1/auth/token stays valid; tokens already issued keep theirs. When the server is started with --api-token-days (or LIANXIN_API_TOKEN_DAYS), that value wins and this one is not used.",
        ),
        Kind::Integer {
            min: 1,
            max: 3650,
            unit: DAYS,
        },
        "30",
    ),
];

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Bumped by every change made in this process: a cache of a setting (the passage writer's
/// fever threshold) reads it again when the generation moved.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Every declared setting: the kernel's, then each installed area's, in menu order.
pub fn all() -> impl Iterator<Item = &'static Setting> {
    KERNEL.iter().chain(
        crate::area::installed()
            .iter()
            .flat_map(|a| a.settings.iter()),
    )
}

pub fn find(key: &str) -> Option<&'static Setting> {
    all().find(|s| s.key == key)
}

/// The stored text of a key, if any.
pub async fn stored(db: &impl ConnectionTrait, key: &str) -> AppResult<Option<String>> {
    Ok(settings::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map(|s| s.value))
}

/// A whole-number setting (an `Integer` or `Tenths` kind): the stored value when it is
/// within the declared range, else the default.
pub async fn int(db: &impl ConnectionTrait, s: &Setting) -> AppResult<i64> {
    let default = s.default.parse().unwrap_or(0);
    let (min, max) = match s.kind {
        Kind::Integer { min, max, .. } | Kind::Tenths { min, max, .. } => (min, max),
        _ => (i64::MIN, i64::MAX),
    };
    Ok(stored(db, s.key)
        .await?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| (min..=max).contains(v))
        .unwrap_or(default))
}

/// One of the kernel's own integer settings by key.
pub async fn kernel_int(db: &impl ConnectionTrait, key: &str) -> AppResult<i64> {
    match KERNEL.iter().find(|s| s.key == key) {
        Some(s) => int(db, s).await,
        None => Err(AppError::internal(format!("no kernel setting {key}"))),
    }
}

fn tenths_text(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{}", v.abs() / 10, v.abs() % 10)
}

/// A number with at most one digit after the point, in tenths ("37.5" → 375).
fn parse_tenths(s: &str) -> Option<i64> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, "0"),
    };
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() != 1
        || !frac.chars().all(|c| c.is_ascii_digit())
        || whole.len() > 6
    {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 10 + frac.parse::<i64>().ok()?)
}

/// Checks a value as typed on the form (or sent as JSON, in text) and answers its stored
/// form; a refusal names the field `value` and says exactly what is allowed.
pub async fn parse(db: &impl ConnectionTrait, s: &Setting, input: &str) -> AppResult<String> {
    let v = input.trim();
    let (zh, en) = s.label;
    if v.is_empty() {
        return Err(AppError::invalid(FieldError::required("value", zh, en)));
    }
    let stored = match s.kind {
        Kind::Integer { min, max, unit } => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => n.to_string(),
            _ => {
                return Err(AppError::invalid(FieldError::new(
                    "value",
                    "range",
                    format!("{zh}应为 {min} 到 {max} 之间的整数（单位：{}）", unit.0),
                    format!(
                        "{en} must be a whole number from {min} to {max} ({})",
                        unit.1
                    ),
                )));
            }
        },
        Kind::Tenths { min, max, unit } => match parse_tenths(v) {
            Some(n) if (min..=max).contains(&n) => n.to_string(),
            _ => {
                let (lo, hi) = (tenths_text(min), tenths_text(max));
                return Err(AppError::invalid(FieldError::new(
                    "value",
                    "range",
                    format!(
                        "{zh}应为 {lo} 到 {hi} 之间的数，最多一位小数（单位：{}），如 {}",
                        unit.0,
                        tenths_text(s.default.parse().unwrap_or(min))
                    ),
                    format!(
                        "{en} must be a number from {lo} to {hi} with at most one decimal ({}), e.g. {}",
                        unit.1,
                        tenths_text(s.default.parse().unwrap_or(min))
                    ),
                )));
            }
        },
        Kind::Text { max_chars } => {
            if v.chars().count() > max_chars {
                return Err(AppError::invalid(FieldError::new(
                    "value",
                    "length",
                    format!("{zh}不能超过 {max_chars} 个字"),
                    format!("{en} must have at most {max_chars} characters"),
                )));
            }
            v.to_owned()
        }
        Kind::Unit { kinds } => {
            let unit = match v.parse::<i64>() {
                Ok(id) => units::Entity::find_by_id(id).one(db).await?,
                Err(_) => None,
            };
            match unit {
                Some(u) if kinds.is_empty() || kinds.contains(&u.kind.as_str()) => u.id.to_string(),
                _ => {
                    return Err(AppError::invalid(FieldError::new(
                        "value",
                        "unknown",
                        format!("{zh}须为单位树中的一个区级部门、街道或乡镇单位（按编号选择）"),
                        format!(
                            "{en} must be a district, department, subdistrict or town unit of the tree (by id)"
                        ),
                    )));
                }
            }
        }
    };
    (s.check)(&stored).map_err(AppError::invalid)?;
    Ok(stored)
}

/// The root of the unit tree (the district).
async fn root_unit(db: &impl ConnectionTrait) -> AppResult<Option<units::Model>> {
    Ok(units::Entity::find()
        .filter(units::Column::ParentId.is_null())
        .order_by_asc(units::Column::Id)
        .one(db)
        .await?)
}

/// A stored value in words ("37.3 ℃", "28 天", a unit's name); a bad or missing stored
/// value reads as the default.
pub async fn show(
    db: &impl ConnectionTrait,
    s: &Setting,
    stored: &str,
    lang: Lang,
) -> AppResult<String> {
    Ok(match s.kind {
        Kind::Integer { unit, .. } => format!("{} {}", stored, lang.pick(unit.0, unit.1)),
        Kind::Tenths { unit, .. } => format!(
            "{} {}",
            tenths_text(stored.parse().unwrap_or(0)),
            lang.pick(unit.0, unit.1)
        ),
        Kind::Text { .. } => stored.to_owned(),
        Kind::Unit { .. } => {
            let named = match stored.trim().parse::<i64>() {
                Ok(id) => units::Entity::find_by_id(id).one(db).await?,
                Err(_) => None,
            };
            match named {
                Some(u) => u.name,
                None => match root_unit(db).await? {
                    Some(u) => format!("{}{}", u.name, lang.pick("（单位树的根）", " (the root)")),
                    None => lang
                        .pick("单位树的根", "the root of the unit tree")
                        .to_owned(),
                },
            }
        }
    })
}

/// The value in force: the stored one when it passes the declaration, else the default.
pub async fn current(db: &impl ConnectionTrait, s: &Setting) -> AppResult<String> {
    let Some(v) = stored(db, s.key).await? else {
        return Ok(s.default.to_owned());
    };
    Ok(match parse_stored(db, s, &v).await? {
        true => v,
        false => s.default.to_owned(),
    })
}

async fn parse_stored(db: &impl ConnectionTrait, s: &Setting, v: &str) -> AppResult<bool> {
    Ok(match s.kind {
        Kind::Tenths { .. } => {
            // Stored in tenths: check the number it stands for.
            match v.trim().parse::<i64>() {
                Ok(n) => parse(db, s, &tenths_text(n)).await.is_ok(),
                Err(_) => false,
            }
        }
        _ => parse(db, s, v).await.is_ok(),
    })
}

/// A setting as the page and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SettingView {
    pub key: String,
    /// Its name in the request's language.
    pub label: String,
    /// What it changes.
    pub description: String,
    /// integer, decimal (one digit after the point), text, or unit (a unit id).
    pub kind: String,
    /// The least and greatest value (integer and decimal kinds).
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The unit of the number (天, ℃…).
    pub unit: Option<String>,
    /// The value in force, as `PUT` takes it (a number for numbers and units, else text).
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
    /// The value in force in words.
    pub display: String,
    #[schema(value_type = Value)]
    pub default: serde_json::Value,
    pub default_display: String,
    /// What the value produces (the next bulletin number), when the setting says.
    pub example: Option<String>,
    /// Set when a start-up option overrides the stored value (which then has no effect).
    pub overridden_by: Option<String>,
}

fn json_value(s: &Setting, stored: &str) -> serde_json::Value {
    match s.kind {
        Kind::Integer { .. } => stored
            .parse::<i64>()
            .map(serde_json::Value::from)
            .unwrap_or(serde_json::Value::Null),
        Kind::Tenths { .. } => stored
            .parse::<i64>()
            .ok()
            .and_then(|n| tenths_text(n).parse::<f64>().ok())
            .map(serde_json::Value::from)
            .unwrap_or(serde_json::Value::Null),
        Kind::Text { .. } => serde_json::Value::from(stored),
        Kind::Unit { .. } => stored
            .parse::<i64>()
            .map(serde_json::Value::from)
            .unwrap_or(serde_json::Value::Null),
    }
}

/// Text of a JSON value a client sent (`{"value": 37.5}` or `{"value": "37.5"}`).
pub fn text_of(v: &serde_json::Value) -> AppResult<String> {
    match v {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(AppError::invalid(FieldError::new(
            "value",
            "type",
            "value 须为数字或文字",
            "value must be a number or text",
        ))),
    }
}

pub async fn view(db: &impl ConnectionTrait, s: &Setting, lang: Lang) -> AppResult<SettingView> {
    let value = current(db, s).await?;
    let (min, max, unit) = match s.kind {
        Kind::Integer { min, max, unit } => (
            Some(min as f64),
            Some(max as f64),
            Some(lang.pick(unit.0, unit.1).to_owned()),
        ),
        Kind::Tenths { min, max, unit } => (
            Some(min as f64 / 10.0),
            Some(max as f64 / 10.0),
            Some(lang.pick(unit.0, unit.1).to_owned()),
        ),
        _ => (None, None, None),
    };
    Ok(SettingView {
        key: s.key.to_owned(),
        label: s.label(lang).to_owned(),
        description: s.description(lang).to_owned(),
        kind: s.kind.code().to_owned(),
        min,
        max,
        unit,
        display: show(db, s, &value, lang).await?,
        default_display: show(db, s, s.default, lang).await?,
        example: (s.example)(&value, lang),
        value: json_value(s, &value),
        default: json_value(s, s.default),
        overridden_by: None,
    })
}

/// Every setting as it stands.
pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    lang: Lang,
) -> AppResult<Vec<SettingView>> {
    who.require(crate::access::roles::perm::ALL)?;
    let mut out = Vec::new();
    for s in all() {
        out.push(view(db, s, lang).await?);
    }
    Ok(out)
}

/// Writes a checked stored value with its audit row ("把发热阈值由 37.3 ℃ 改为 37.5 ℃") in the
/// caller's transaction; a value equal to the current one writes nothing. The caller commits
/// and then calls `changed`.
pub async fn write(
    txn: &impl ConnectionTrait,
    who: &Principal,
    key: &str,
    new: &str,
) -> AppResult<()> {
    let Some(s) = find(key) else {
        // Not declared (no areas installed): written as it is.
        crate::db::put_setting(txn, key, new.to_owned()).await?;
        return crate::audit::record(
            txn,
            who,
            crate::audit::Action::Update,
            "setting",
            None,
            format!("把参数 {key} 改为 {new}"),
        )
        .await;
    };
    let old = current(txn, s).await?;
    if stored(txn, key).await?.as_deref() == Some(new) {
        return Ok(());
    }
    let (before, after) = (
        show(txn, s, &old, Lang::Zh).await?,
        show(txn, s, new, Lang::Zh).await?,
    );
    let (before_en, after_en) = (
        show(txn, s, &old, Lang::En).await?,
        show(txn, s, new, Lang::En).await?,
    );
    crate::db::put_setting(txn, key, new.to_owned()).await?;
    crate::audit::record_event(
        txn,
        who,
        crate::audit::Action::Update,
        "setting",
        None,
        format!("把{}由 {before} 改为 {after}", s.label.0),
        crate::audit::Event::new("setting.change", serde_json::json!({"label": crate::audit::both(s.label.0, s.label.1), "before": crate::audit::both(before.clone(), before_en), "after": crate::audit::both(after.clone(), after_en)})),
    )
    .await
}

/// After a committed change: caches in this process read the settings again.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Changes one setting (administrators only): checks the value, writes it with its audit row
/// in one transaction, and answers it as it now stands. An unknown key is a 404.
pub async fn set<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    who: &Principal,
    key: &str,
    input: &str,
    lang: Lang,
) -> AppResult<SettingView> {
    who.require(crate::access::roles::perm::ALL)?;
    let s = find(key).ok_or(AppError::NotFound)?;
    let value = parse(db, s, input).await?;
    let txn = crate::db::begin_write(db).await?;
    write(&txn, who, key, &value).await?;
    sea_orm::TransactionSession::commit(txn).await?;
    changed();
    view(db, s, lang).await
}

/// The current year in Asia/Shanghai, for examples.
pub fn this_year() -> i32 {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_read_and_written_exactly() {
        assert_eq!(parse_tenths("37.5"), Some(375));
        assert_eq!(parse_tenths("37"), Some(370));
        assert_eq!(parse_tenths("37.55"), None);
        assert_eq!(parse_tenths("hot"), None);
        assert_eq!(parse_tenths("-1"), None);
        assert_eq!(parse_tenths(".5"), None);
        assert_eq!(tenths_text(373), "37.3");
        assert_eq!(tenths_text(400), "40.0");
    }
}
