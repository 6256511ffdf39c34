//! The installation's secret key: it keys the hashes of identity numbers in passages (so a
//! gate and a health report of the same person match without storing the number) and seals
//! personal fields stored beside them (passers-by's phone numbers).
//!
//! The key never sits in the database it protects: a copy of the database (a backup, a
//! stolen disk) holds only hashes and sealed values. It comes, in this order, from
//! - `LIANXIN_PASSAGE_KEY`: the variable's bytes (at least 32), as before;
//! - `LIANXIN_PASSAGE_KEY_FILE`: a file holding the key in hex;
//! - by default the file `lianxin-passage.key` in the directory of the SQLite file (on
//!   PostgreSQL, in the working directory), made with mode 0600 at the first start.
//!
//! Several app nodes share the key through the variable or the file. The database keeps a
//! fingerprint of the key (an HMAC of a fixed text under it, which tells nothing about the
//! key), so a node started with another key refuses to start instead of writing hashes that
//! never match. An installation that kept its key in `settings` (before this) has it moved
//! into the key file once, unchanged, so every stored hash stays valid.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionSession, TransactionTrait,
};
use sha2::Sha256;

use crate::entities::settings;

pub const KEY_ENV: &str = "LIANXIN_PASSAGE_KEY";
pub const KEY_FILE_ENV: &str = "LIANXIN_PASSAGE_KEY_FILE";
pub const DEFAULT_FILE_NAME: &str = "lianxin-passage.key";
pub const MIN_KEY_BYTES: usize = 32;
/// Where installations before this kept the key (moved out at the first start).
pub const LEGACY_SETTING: &str = "screening.hmac_key";
pub const FINGERPRINT_SETTING: &str = "secret.fingerprint";
/// Sealed values start with this; anything else is a value stored before sealing.
const SEALED: &str = "enc1:";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "LIANXIN_PASSAGE_KEY is {0} bytes long; it must have at least {MIN_KEY_BYTES} (for example `openssl rand -hex 32`)"
    )]
    TooShort(usize),
    #[error("the key file {path} is not usable: {why}")]
    BadFile { path: PathBuf, why: String },
    #[error(
        "the passage key ({source_}) is not the key this database's hashes were made with; start every node with the same LIANXIN_PASSAGE_KEY or key file"
    )]
    Mismatch { source_: String },
    #[error(
        "this database kept its passage key in `settings`, and the key file {0} holds another key; move the right key into the file (or delete the file to move the database's key there) and start again"
    )]
    LegacyConflict(PathBuf),
    #[error(
        "this database's hashes were made with a passage key, and no key was found (no LIANXIN_PASSAGE_KEY, no key file {0}); give this node the installation's key and start again"
    )]
    Missing(PathBuf),
    #[error("the installation key is not loaded (the app did not prepare its database)")]
    NotLoaded,
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// The key and what is derived from it. `Debug` never shows it.
pub struct InstallationKey {
    bytes: Vec<u8>,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for InstallationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstallationKey(..)")
    }
}

/// Where the key came from (what `serve` logs; never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    File(PathBuf),
    /// Already loaded by this process (tests start many apps in one process).
    Loaded,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Environment => write!(f, "the environment ({KEY_ENV})"),
            KeySource::File(p) => write!(f, "the key file {}", p.display()),
            KeySource::Loaded => f.write_str("the key this process loaded first"),
        }
    }
}

fn mac(key: &[u8], text: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(text);
    m.finalize().into_bytes().into()
}

impl InstallationKey {
    pub fn new(bytes: Vec<u8>) -> Result<Self, SecretError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(SecretError::TooShort(bytes.len()));
        }
        // A separate key for sealing, derived so that the hash key never meets the cipher.
        let sub = mac(&bytes, b"lianxin field sealing v1");
        Ok(InstallationKey {
            cipher: XChaCha20Poly1305::new(&sub.into()),
            bytes,
        })
    }

    /// The key of the identity-number hashes (HMAC-SHA256).
    pub fn hmac_key(&self) -> &[u8] {
        &self.bytes
    }

    /// HMAC-SHA256 of `text` under the key, hex.
    pub fn keyed_hash(&self, text: &str) -> String {
        hex::encode(mac(&self.bytes, text.as_bytes()))
    }

    fn fingerprint(&self) -> String {
        hex::encode(&mac(&self.bytes, b"lianxin key fingerprint v1")[..16])
    }

    /// Seals a value for storage: `enc1:` and base64 of a random nonce and the ciphertext.
    pub fn seal(&self, plain: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        match self.cipher.encrypt(&nonce, plain.as_bytes()) {
            Ok(ct) => {
                let mut raw = nonce.to_vec();
                raw.extend_from_slice(&ct);
                format!(
                    "{SEALED}{}",
                    base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw)
                )
            }
            // Encryption of a short text in memory does not fail; store nothing rather than
            // the clear value if it ever did.
            Err(_) => String::new(),
        }
    }

    /// The value of a stored field: sealed values are opened, values stored before sealing
    /// are returned as they are; a sealed value that does not open (another key, damage) is
    /// `None`.
    pub fn open(&self, stored: &str) -> Option<String> {
        let Some(b64) = stored.strip_prefix(SEALED) else {
            return Some(stored.to_owned());
        };
        let raw = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(b64)
            .ok()?;
        if raw.len() < 24 {
            return None;
        }
        let (nonce, ct) = raw.split_at(24);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), ct).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

static LOADED: OnceLock<Arc<InstallationKey>> = OnceLock::new();

/// Makes `key` this process's key before any database is prepared (an embedding program or
/// a test harness that starts many apps in one process); `false` if a key was already loaded.
pub fn install(key: InstallationKey) -> bool {
    LOADED.set(Arc::new(key)).is_ok()
}

/// The key this process loaded (`load`).
pub fn current() -> Result<Arc<InstallationKey>, SecretError> {
    LOADED.get().cloned().ok_or(SecretError::NotLoaded)
}

/// The default key file of a database URL: beside the SQLite file, else in the working
/// directory.
pub fn default_key_file(db_url: &str) -> PathBuf {
    let file = db_url
        .strip_prefix("sqlite://")
        .or_else(|| db_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|p| !p.is_empty() && !p.starts_with(":memory:"));
    match file.and_then(|f| Path::new(f).parent()) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(DEFAULT_FILE_NAME),
        _ => PathBuf::from(DEFAULT_FILE_NAME),
    }
}

fn read_key_file(path: &Path) -> Result<Vec<u8>, SecretError> {
    let bad = |why: String| SecretError::BadFile {
        path: path.to_owned(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let bytes = hex::decode(text.trim())
        .map_err(|_| bad("it must hold the key in hexadecimal on one line".into()))?;
    if bytes.len() < MIN_KEY_BYTES {
        return Err(bad(format!(
            "it holds {} bytes; a key has at least {MIN_KEY_BYTES}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// Writes a new key file readable by its owner only; `None` when the file appeared meanwhile.
fn create_key_file(path: &Path, bytes: &[u8]) -> Result<Option<()>, SecretError> {
    use std::io::Write;
    let bad = |why: String| SecretError::BadFile {
        path: path.to_owned(),
        why,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    f.write_all(format!("{}\n", hex::encode(bytes)).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| bad(e.to_string()))?;
    Ok(Some(()))
}

async fn setting(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, SecretError> {
    Ok(settings::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map(|s| s.value))
}

/// Where this node's key is to come from, in the one order: the environment's bytes (at
/// least `MIN_KEY_BYTES`), else the key file (`LIANXIN_PASSAGE_KEY_FILE`, or beside the
/// database), which may not exist yet.
enum Given {
    Environment(Vec<u8>),
    File(PathBuf),
}

fn given_key(db_url: &str) -> Result<Given, SecretError> {
    if let Ok(k) = std::env::var(KEY_ENV)
        && !k.is_empty()
    {
        if k.len() < MIN_KEY_BYTES {
            return Err(SecretError::TooShort(k.len()));
        }
        return Ok(Given::Environment(k.into_bytes()));
    }
    Ok(Given::File(match std::env::var_os(KEY_FILE_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => default_key_file(db_url),
    }))
}

/// Before the migrations: a database that already records a key's fingerprint opens only
/// with that key at hand (the process's, the environment's or an existing key file's), so a
/// node started with the wrong key refuses before it upgrades the schema, and one started
/// with no key refuses without making a key file. A database with no fingerprint yet (new,
/// or from before fingerprints) passes; `load` then checks, moves and records as it does.
/// Reads only.
pub async fn check_before_migrating<C: ConnectionTrait>(
    db: &C,
    db_url: &str,
) -> Result<(), SecretError> {
    // No `settings` table (a new database) reads as no fingerprint.
    let Ok(Some(recorded)) = setting(db, FINGERPRINT_SETTING).await else {
        return Ok(());
    };
    let fingerprint = match LOADED.get() {
        Some(k) => k.fingerprint(),
        None => {
            let bytes = match given_key(db_url)? {
                Given::Environment(k) => k,
                Given::File(path) if path.exists() => read_key_file(&path)?,
                Given::File(path) => {
                    // A key still kept in `settings` is moved out by `load`.
                    if setting(db, LEGACY_SETTING).await.ok().flatten().is_some() {
                        return Ok(());
                    }
                    return Err(SecretError::Missing(path));
                }
            };
            InstallationKey::new(bytes)?.fingerprint()
        }
    };
    if fingerprint != recorded {
        return Err(SecretError::Mismatch {
            source_: match LOADED.get() {
                Some(_) => KeySource::Loaded.to_string(),
                None => "the key given to this node".into(),
            },
        });
    }
    Ok(())
}

/// Loads the installation key for the database `db` (at `db_url`), once per process: moves
/// a key kept in `settings` out to the key file, checks the key against the database's
/// fingerprint (recording it the first time) and logs where the key came from.
pub async fn load<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    db_url: &str,
) -> Result<(Arc<InstallationKey>, KeySource), SecretError> {
    let legacy = setting(db, LEGACY_SETTING)
        .await?
        .and_then(|v| hex::decode(v.trim()).ok());
    let (key, source) = match LOADED.get() {
        Some(k) => (k.clone(), KeySource::Loaded),
        None => {
            let (bytes, source) = resolve(db_url, legacy.as_deref())?;
            let k = Arc::new(InstallationKey::new(bytes)?);
            // Two preparations at once in one process: the first one's key is the process's.
            let _ = LOADED.set(k);
            (current()?, source)
        }
    };
    let txn = crate::db::begin_write(db).await?;
    if let Some(old) = legacy {
        if old != key.hmac_key() && source == KeySource::Loaded {
            return Err(SecretError::Mismatch {
                source_: source.to_string(),
            });
        }
        settings::Entity::delete_by_id(LEGACY_SETTING.to_owned())
            .exec(&txn)
            .await?;
        tracing::warn!(
            "the passage key was kept in the database; it is now in {source} and no longer in the database"
        );
    }
    match setting(&txn, FINGERPRINT_SETTING).await? {
        Some(f) if f != key.fingerprint() => {
            return Err(SecretError::Mismatch {
                source_: source.to_string(),
            });
        }
        Some(_) => {}
        None => {
            settings::ActiveModel {
                key: Set(FINGERPRINT_SETTING.to_owned()),
                value: Set(key.fingerprint()),
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    tracing::info!("passage key from {source}");
    Ok((key, source))
}

/// The key's bytes and where they came from; `legacy` is a key the database kept.
fn resolve(db_url: &str, legacy: Option<&[u8]>) -> Result<(Vec<u8>, KeySource), SecretError> {
    let path = match given_key(db_url)? {
        // A key the database kept beside an environment key was never used: the
        // environment always came first.
        Given::Environment(k) => return Ok((k, KeySource::Environment)),
        Given::File(path) => path,
    };
    for _ in 0..2 {
        if path.exists() {
            let bytes = read_key_file(&path)?;
            if legacy.is_some_and(|l| l != bytes.as_slice()) {
                return Err(SecretError::LegacyConflict(path));
            }
            return Ok((bytes, KeySource::File(path)));
        }
        let bytes = match legacy {
            // Moved out unchanged, so every stored hash stays valid.
            Some(l) if l.len() >= MIN_KEY_BYTES => l.to_vec(),
            _ => {
                let mut b = vec![0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
                b
            }
        };
        if create_key_file(&path, &bytes)?.is_some() {
            tracing::warn!(
                "made the passage key file {} (mode 0600); keep it out of database backups, back it up on its own, and give it to every app node",
                path.display()
            );
            return Ok((bytes, KeySource::File(path)));
        }
        // Another process made it first: read that one.
    }
    Err(SecretError::BadFile {
        path,
        why: "it could not be made or read".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> InstallationKey {
        InstallationKey::new(vec![7u8; 32]).expect("key")
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(matches!(
            InstallationKey::new(vec![1u8; 31]),
            Err(SecretError::TooShort(31))
        ));
    }

    #[test]
    fn sealed_values_open_and_never_show_the_value() {
        let k = key();
        let s = k.seal("13800138000");
        assert!(is_sealed(&s));
        assert!(!s.contains("13800138000"));
        assert_ne!(s, k.seal("13800138000"), "a fresh nonce each time");
        assert_eq!(k.open(&s).as_deref(), Some("13800138000"));
        assert_eq!(k.open("13800138000").as_deref(), Some("13800138000"));
        let other = InstallationKey::new(vec![8u8; 32]).expect("key");
        assert_eq!(other.open(&s), None);
        assert_eq!(k.open("enc1:!!"), None);
        assert_eq!(k.open("enc1:AAAA"), None);
    }

    #[test]
    fn the_debug_form_hides_the_key() {
        assert_eq!(format!("{:?}", key()), "InstallationKey(..)");
    }

    #[test]
    fn the_default_key_file_sits_beside_the_sqlite_file() {
        assert_eq!(
            default_key_file("sqlite:///var/lib/lianxin/lianxin.db?mode=rwc"),
            PathBuf::from("/var/lib/lianxin/lianxin-passage.key")
        );
        assert_eq!(
            default_key_file("sqlite://lianxin.db"),
            PathBuf::from("lianxin-passage.key")
        );
        assert_eq!(
            default_key_file("postgres://u@h/db"),
            PathBuf::from("lianxin-passage.key")
        );
    }

    #[test]
    fn the_keyed_hash_depends_on_the_key() {
        let a = key().keyed_hash("41010619850312101X");
        assert_eq!(a.len(), 64);
        assert_eq!(a, key().keyed_hash("41010619850312101X"));
        let b = InstallationKey::new(vec![8u8; 32])
            .expect("key")
            .keyed_hash("41010619850312101X");
        assert_ne!(a, b);
    }
}
