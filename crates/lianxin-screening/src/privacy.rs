//! The keyed hash of identity numbers and the screening settings. The key is the
//! installation's (`lianxin_kernel::secret`): from `LIANXIN_PASSAGE_KEY` or a key file, never
//! from the database it protects.

use std::sync::Arc;

use lianxin_kernel::secret::InstallationKey;
use sea_orm::{ConnectionTrait, EntityTrait, TransactionSession, TransactionTrait};

use crate::entities::settings;
use crate::error::{AppError, AppResult};

pub const FEVER_SETTING: &str = "screening.fever_threshold";
/// Set once no passage holds a phone number in clear.
pub const PHONES_SEALED_SETTING: &str = "screening.phones_sealed";

/// The installation's key for identity-number hashes and sealed phone numbers.
pub fn key() -> AppResult<Arc<InstallationKey>> {
    lianxin_kernel::secret::current().map_err(AppError::internal)
}

/// Seals the phone numbers that passages stored in clear before numbers were sealed, a few
/// hundred per transaction with a pause between, so the gates barely notice; reads open both
/// forms meanwhile. Runs at start until it has once found nothing left (then a setting says
/// so, and later starts do not scan the passages again). Returns how many it sealed.
pub async fn seal_clear_phones(db: &sea_orm::DatabaseConnection) -> AppResult<u64> {
    use crate::entities::passages;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    if settings::Entity::find_by_id(PHONES_SEALED_SETTING.to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(0);
    }
    let key = key()?;
    let mut sealed = 0u64;
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, Option<String>)> = passages::Entity::find()
            .select_only()
            .column(passages::Column::Id)
            .column(passages::Column::Phone)
            .filter(passages::Column::Id.gt(after))
            .filter(passages::Column::Phone.is_not_null())
            .filter(passages::Column::Phone.not_like("enc1:%"))
            .order_by_asc(passages::Column::Id)
            .limit(500)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            // Every write seals since this version: nothing in clear can appear again.
            lianxin_kernel::db::put_setting(db, PHONES_SEALED_SETTING, "1".into()).await?;
            return Ok(sealed);
        };
        after = last;
        let txn = lianxin_kernel::db::begin_write(db).await?;
        for (id, phone) in rows {
            let Some(phone) = phone.filter(|p| !lianxin_kernel::secret::is_sealed(p)) else {
                continue;
            };
            passages::Entity::update_many()
                .col_expr(
                    passages::Column::Phone,
                    sea_orm::sea_query::Expr::value(key.seal(&phone)),
                )
                .filter(passages::Column::Id.eq(id))
                .filter(passages::Column::Phone.eq(phone))
                .exec(&txn)
                .await?;
            sealed += 1;
        }
        txn.commit().await?;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The keyed hash (HMAC-SHA256, hex) of a (valid, upper-case) identity number: what passages
/// and fever signals store instead of the number.
pub fn person_hash(key: &InstallationKey, id_number: &str) -> String {
    key.keyed_hash(id_number)
}

/// How long a passage's entry in the contacts index is: `contact_key`.
pub const CONTACT_KEY_LEN: usize = 16;

/// A passage's entry in the contacts index (`passages.contact_key`): its time in whole
/// milliseconds since 1970 (8 bytes, big-endian) and the person as the last 8 bytes of
/// `person_hash`. Personnel screening reads a window's passages as these 16 bytes each,
/// joined, instead of a 64-digit hash and a 32-character time each (`contacts`). 8 bytes of
/// an HMAC tell people apart: two of the ~100,000 people met in one screening share them with
/// a chance of about 1 in 3·10⁹ (the birthday bound, 2⁶⁴). `None` for a hash that is not hex,
/// which this program never writes. The migration that added the column fills it by the same
/// rule in SQL (`contact_key_fill`), and a test holds the two together.
pub fn contact_key(
    person_hash: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<[u8; CONTACT_KEY_LEN]> {
    let tail = person_hash.get(person_hash.len().checked_sub(16)?..)?;
    let mut person = [0u8; 8];
    hex::decode_to_slice(tail, &mut person).ok()?;
    // Rounded to the nearest millisecond (at most .999), as SQLite's date functions read a
    // time, so that the migration's fill on SQLite writes the same key.
    let ms = at.timestamp() * 1000
        + i64::from(((at.timestamp_subsec_nanos() + 500_000) / 1_000_000).min(999));
    Some(contact_key_of(ms, u64::from_be_bytes(person)))
}

/// The key of a person (`contact_key_parts`'s) at a time in ms: the layout's one statement.
pub fn contact_key_of(ms: i64, person: u64) -> [u8; CONTACT_KEY_LEN] {
    let mut k = [0u8; CONTACT_KEY_LEN];
    k[..8].copy_from_slice(&ms.to_be_bytes());
    k[8..].copy_from_slice(&person.to_be_bytes());
    k
}

/// A key's time (ms since 1970) and person; `None` for bytes that are not a key.
pub fn contact_key_parts(k: &[u8]) -> Option<(i64, u64)> {
    let k: &[u8; CONTACT_KEY_LEN] = k.try_into().ok()?;
    let (at, person) = k.split_at(8);
    Some((
        i64::from_be_bytes(at.try_into().ok()?),
        u64::from_be_bytes(person.try_into().ok()?),
    ))
}

/// Fills `contact_key` where it is missing, by `privacy::contact_key`'s rule: the time in
/// milliseconds (SQLite's own reading of the stored text; PostgreSQL's microseconds rounded
/// alike) as 8 big-endian bytes, then the last 16 hex digits of the hash as bytes. A test
/// holds it to what the ingest writes.
pub fn contact_key_fill(backend: sea_orm::DbBackend) -> &'static str {
    match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE passages SET contact_key = \
               int8send(extract(epoch FROM date_trunc('second', at))::int8 * 1000 \
                 + least(round((extract(microseconds FROM at)::int8 % 1000000) / 1000.0), 999)::int8) \
               || decode(right(person_hash, 16), 'hex') \
             WHERE contact_key IS NULL AND person_hash ~ '[0-9a-fA-F]{16}$'"
        }
        _ => {
            "UPDATE passages SET contact_key = \
               unhex(printf('%016x', CAST(round(unixepoch(at, 'subsec') * 1000) AS INTEGER)) \
                 || substr(person_hash, -16)) \
             WHERE contact_key IS NULL AND length(person_hash) >= 16"
        }
    }
}

/// The fever threshold in tenths of a degree (default 37.3 °C).
pub async fn fever_threshold(db: &impl ConnectionTrait) -> AppResult<i16> {
    Ok(settings::Entity::find_by_id(FEVER_SETTING.to_owned())
        .one(db)
        .await?
        .and_then(|s| s.value.parse().ok())
        .unwrap_or(lianxin_types::DeciCelsius::FEVER_DEFAULT.0))
}

/// The screening settings an administrator may change.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ScreeningSettings {
    /// Tenths of a degree (373 = 37.3 °C), 360..=400.
    #[schema(minimum = 360, maximum = 400)]
    pub fever_threshold: Option<i64>,
    /// Days passages are kept, 1..=3650.
    #[schema(minimum = 1, maximum = 3650)]
    pub retention_days: Option<i64>,
}

pub async fn settings_of(db: &impl ConnectionTrait) -> AppResult<ScreeningSettings> {
    Ok(ScreeningSettings {
        fever_threshold: Some(i64::from(fever_threshold(db).await?)),
        retention_days: Some(super::retention::retention_days(db).await?),
    })
}

/// Changes the fever threshold and the retention (administrators only; audited).
pub async fn set_settings<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &crate::access::Principal,
    s: ScreeningSettings,
) -> AppResult<ScreeningSettings> {
    who.require(crate::perm::ALL)?;
    let mut errors = Vec::new();
    if let Some(t) = s.fever_threshold
        && !(360..=400).contains(&t)
    {
        errors.push(crate::error::FieldError::new(
            "fever_threshold",
            "range",
            "发热阈值应在 36.0 到 40.0 ℃ 之间（单位 0.1 ℃，如 373）",
            "fever_threshold must be 360..=400 tenths of a degree",
        ));
    }
    if let Some(d) = s.retention_days
        && !(1..=3650).contains(&d)
    {
        errors.push(crate::error::FieldError::new(
            "retention_days",
            "range",
            "保留天数应在 1 到 3650 之间",
            "retention_days must be between 1 and 3650",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    // Both settings and their audit rows, or nothing.
    let txn = lianxin_kernel::db::begin_write(db).await?;
    if let Some(t) = s.fever_threshold {
        lianxin_kernel::settings::write(&txn, who, FEVER_SETTING, &t.to_string()).await?;
    }
    if let Some(d) = s.retention_days {
        lianxin_kernel::settings::write(
            &txn,
            who,
            super::retention::RETENTION_SETTING,
            &d.to_string(),
        )
        .await?;
    }
    txn.commit().await?;
    lianxin_kernel::settings::changed();
    settings_of(db).await
}
