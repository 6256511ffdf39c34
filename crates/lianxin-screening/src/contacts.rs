//! Personnel screening (人员排查): who passed the same checkpoint within ±W minutes of one of a
//! person's passages over the last D days, one row per contact person, ranked and paged.
//!
//! One SQL statement reads a screening, per backend (`statement`): the person's latest
//! passages (at most `MAX_OWN_PASSAGES`; more is said as `truncated`), and for each of them
//! who passed the same checkpoint in its window and when, as the 16-byte `contact_key` each
//! passage carries (time and person, `privacy::contact_key`) in the (checkpoint_id, at)
//! index `idx_passages_checkpoint_at_contact`, joined per window as stored; the fevers among
//! them on SQLite from the partial fever index. The contacts are grouped by person, ranked
//! (fevers first, then most shared windows, then closest in time) and counted here, as the
//! rows arrive; only the contacts shown are read as passages
//! (`closest`). The ranking is kept for `KEEP` (`Kept`), so the later pages and the export
//! of a screening read only their own passages.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{cases, enterprises, fever_followups, passages, people};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::passages::PassageView;
use crate::perm;
use crate::privacy::{contact_key_of, contact_key_parts};

/// The most of the person's own passages a screening considers (the latest ones); beyond it
/// the answer is `truncated`.
pub const MAX_OWN_PASSAGES: u64 = 1_000;
/// The most contacts an export writes (in rank order).
pub const MAX_EXPORT: u64 = 100_000;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactsQuery {
    /// The person's identity number (or `person_id`).
    #[param(nullable = false, min_length = 18, max_length = 18)]
    pub id_number: Option<String>,
    /// A registered person in the caller's scope, as `GET /api/v1/screening/people` found
    /// them (instead of `id_number`).
    pub person_id: Option<i64>,
    /// How many days back (default 14, at most 60).
    #[param(minimum = 1, maximum = 60)]
    pub days: Option<i64>,
    /// ± minutes around each of the person's passages (default 30, at most 240).
    #[param(minimum = 1, maximum = 240)]
    pub window_minutes: Option<i64>,
    /// Only the contacts with a fever among their passages in the shared windows (只看发热).
    pub fever_only: Option<bool>,
}

/// One contact person: the passage closest in time to one of the screened person's passages
/// (its fields flattened, as before contacts were grouped), and what the rank is made of.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Contact {
    #[serde(flatten)]
    pub passage: PassageView,
    /// When the screened person passed the same checkpoint (nearest to this passage).
    pub index_at: DateTime<Utc>,
    /// Whole minutes between this passage and `index_at`: the closest the contact came.
    pub minutes_apart: i64,
    /// How many of the screened person's passages this person passed near (shared windows).
    pub windows: u64,
    /// Whether any of this person's passages in those windows was a fever (ranked first).
    pub had_fever: bool,
    /// The checkpoints where they passed near the person (each once, the closest first): on
    /// a page of contacts; empty in the export.
    pub checkpoints: Vec<String>,
}

/// A page of contacts, best ranked first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactsPage {
    pub items: Vec<Contact>,
    /// Contact persons in all.
    pub total: u64,
    /// The screened person's passages in the period (the latest 1,000 of them are screened).
    pub own_passages: u64,
    /// True when the person had more than 1,000 passages in the period: contacts around the
    /// earliest ones are missing; shorten `days`.
    pub truncated: bool,
    /// When the contacts were ranked: a screening's ranking is kept for a minute, so that its
    /// later pages and its export agree with its first page and do not rank again.
    pub as_of: DateTime<Utc>,
    /// Contact persons with a fever (all of them, whatever `fever_only`).
    pub fevers: u64,
    /// The person screened.
    pub person: ScreenedPerson,
    /// The person's own latest passages in the period (at most 50; `own_passages` counts all).
    pub own: Vec<PassageView>,
}

/// The person screened: as registered (in the caller's scope), or only the masked number.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScreenedPerson {
    /// The registered person, when the number is in the registry within the caller's scope.
    pub person_id: Option<i64>,
    pub name: Option<String>,
    pub id_masked: String,
    pub unit_name: Option<String>,
    pub enterprise_name: Option<String>,
}

/// The most of the person's own passages a page shows (the latest ones).
pub const OWN_SHOWN: u64 = 50;

/// A valid query: the person's hash, the masked number for the audit log, the period.
struct Screen {
    hash: String,
    masked: String,
    days: i64,
    window: i64,
    fever_only: bool,
    person: ScreenedPerson,
}

/// The registered person `person_id` in the caller's scope (404 otherwise), and their
/// identity number as passages hash it (a legacy number accepted with an override as stored).
async fn registered(
    db: &impl ConnectionTrait,
    who: &Principal,
    person_id: i64,
) -> AppResult<(people::Model, String)> {
    let p = crate::paging::find_visible::<people::Entity>(db, &who.scope, person_id).await?;
    let Some(id) = p
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
    else {
        return Err(AppError::Validation(vec![FieldError::new(
            "person_id",
            "no_id_number",
            "此人未登记身份证号，无法排查",
            "this person has no identity number registered and cannot be screened",
        )]));
    };
    Ok((p, id))
}

async fn describe(
    db: &impl ConnectionTrait,
    p: Option<&people::Model>,
    masked: String,
) -> AppResult<ScreenedPerson> {
    use sea_orm::EntityTrait;
    let Some(p) = p else {
        return Ok(ScreenedPerson {
            person_id: None,
            name: None,
            id_masked: masked,
            unit_name: None,
            enterprise_name: None,
        });
    };
    let unit_name = crate::registries::units::names(db, [p.unit_id])
        .await?
        .remove(&p.unit_id);
    let enterprise_name = match p.enterprise_id {
        Some(e) => enterprises::Entity::find_by_id(e)
            .one(db)
            .await?
            .map(|e| e.name),
        None => None,
    };
    Ok(ScreenedPerson {
        person_id: Some(p.id),
        name: Some(p.name.clone()),
        id_masked: masked,
        unit_name,
        enterprise_name,
    })
}

async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    q: &ContactsQuery,
) -> AppResult<Screen> {
    let mut errors = Vec::new();
    let mut person = None;
    let id = match q.person_id {
        Some(pid) if crate::text::clean(q.id_number.clone()).is_none() => {
            let (p, id) = registered(db, who, pid).await?;
            person = Some(p);
            Some(id)
        }
        _ => crate::passages::required_id_number(&mut errors, q.id_number.clone())
            .map(|id| id.as_str().to_owned()),
    };
    let days = q.days.unwrap_or(14);
    let window = q.window_minutes.unwrap_or(30);
    if !(1..=60).contains(&days) {
        errors.push(FieldError::new(
            "days",
            "range",
            "天数应在 1 到 60 之间",
            "days must be between 1 and 60",
        ));
    }
    if !(1..=240).contains(&window) {
        errors.push(FieldError::new(
            "window_minutes",
            "range",
            "时间窗口应在 1 到 240 分钟之间",
            "window_minutes must be between 1 and 240",
        ));
    }
    let Some(id) = id.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let key = super::privacy::key()?;
    let masked = lianxin_types::IdNumber::mask(&id);
    if person.is_none() {
        // Screened by number: the registry's entry, if the caller may see it.
        use sea_orm::{ColumnTrait, QueryFilter};
        person = crate::access::scope::scoped::<people::Entity>(&who.scope)
            .filter(people::Column::IdNumber.eq(id.as_str()))
            .one(db)
            .await?;
    }
    Ok(Screen {
        hash: super::privacy::person_hash(&key, &id),
        person: describe(db, person.as_ref(), masked.clone()).await?,
        masked,
        days,
        window,
        fever_only: q.fever_only.unwrap_or(false),
    })
}

/// A person as the contacts index keys them: the last 8 bytes of their `person_hash`
/// (`privacy::contact_key`).
type Person = u64;

/// The bytes of a `contact_key`.
type Key = [u8; super::privacy::CONTACT_KEY_LEN];

/// A window's keys as the statement joins them: (time, person) each, as stored.
fn keys(joined: &[u8]) -> AppResult<impl Iterator<Item = (i64, Person)> + '_> {
    if !joined.len().is_multiple_of(super::privacy::CONTACT_KEY_LEN) {
        return Err(AppError::internal("a screening entry that does not read"));
    }
    Ok(joined
        .chunks_exact(super::privacy::CONTACT_KEY_LEN)
        .filter_map(contact_key_parts))
}

/// The people met, by their key. The keys are bytes of HMACs (no one can choose them
/// without the installation's key), so they need mixing, not keyed hashing: finished as
/// splitmix64 does, instead of SipHash for every passage read.
type People = HashMap<Person, Met, std::hash::BuildHasherDefault<Mixed>>;

#[derive(Default)]
struct Mixed(u64);

impl std::hash::Hasher for Mixed {
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(17) ^ u64::from_le_bytes(word);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 ^= x;
    }
}

/// The one statement: a row per screened passage (the latest `MAX_OWN_PASSAGES`): its id,
/// checkpoint and key, the count of the person's passages in the period, and the keys of
/// every passage at the same checkpoint in its window, joined as stored (16 bytes each,
/// `privacy::contact_key`), through the (checkpoint_id, at) index that carries them; the
/// fevers' keys again (SQLite: through the partial fever index, a few in a thousand;
/// PostgreSQL: the index carries `fever`). SQLite's range is widened to whole seconds of its
/// text. The server checks each distance, leaves the person's own passages out, groups by
/// person (`meet`) and ranks (`rank`); the closest passages are read for the contacts shown
/// only (`closest`). One row at a time is read, so the memory held is one window's keys and
/// the people met, whatever the windows add up to.
fn statement(backend: DbBackend, s: &Screen, since: DateTime<Utc>) -> Statement {
    let w = s.window;
    let cap = MAX_OWN_PASSAGES;
    let more = cap + 1;
    let own = |own_cols: &str| {
        format!(
            "WITH own_all AS ( \
               SELECT id, checkpoint_id, at, contact_key FROM passages \
               WHERE person_hash = $1 AND at >= $2 ORDER BY at DESC LIMIT {more} \
             ), own AS ( \
               SELECT id, checkpoint_id, at, contact_key{own_cols} FROM own_all \
               ORDER BY at DESC LIMIT {cap} \
             ) "
        )
    };
    let sql = match backend {
        DbBackend::Postgres => format!(
            "{} SELECT (SELECT COUNT(*) FROM own_all) AS c_own, o.id AS c_window, \
               o.checkpoint_id AS c_checkpoint, o.contact_key AS c_key, \
               n.near AS c_near, n.fevers AS c_fever \
             FROM own o CROSS JOIN LATERAL ( \
               SELECT string_agg(p.contact_key, ''::bytea) AS near, \
                 string_agg(p.contact_key, ''::bytea) FILTER (WHERE p.fever) AS fevers \
               FROM passages p \
               WHERE p.checkpoint_id = o.checkpoint_id \
                 AND p.at >= o.at - interval '{w} minutes' AND p.at <= o.at + interval '{w} minutes' \
             ) n",
            own("")
        ),
        // SQLite keeps times as RFC 3339 text (sqlx's form, which sorts as time does): the
        // range is widened to whole seconds as text, each distance then checked exactly.
        // `group_concat` joins the keys as they are (as text: cast back to the bytes).
        // The fevers are read through their partial index by name: the planner would take
        // the window's (checkpoint, at) index again, and read every passage in it twice.
        _ => format!(
            "{} SELECT (SELECT COUNT(*) FROM own_all) AS c_own, o.id AS c_window, \
               o.checkpoint_id AS c_checkpoint, o.contact_key AS c_key, \
               (SELECT CAST(group_concat(p.contact_key, '') AS BLOB) FROM passages p \
                WHERE p.checkpoint_id = o.checkpoint_id AND p.at >= o.lo AND p.at < o.hi) AS c_near, \
               (SELECT CAST(group_concat(p.contact_key, '') AS BLOB) \
                FROM passages p INDEXED BY idx_passages_fevers \
                WHERE p.fever AND p.checkpoint_id = o.checkpoint_id AND p.at >= o.lo \
                  AND p.at < o.hi) AS c_fever \
             FROM own o",
            own(&format!(
                ", strftime('%Y-%m-%dT%H:%M:%S', at, '-{w} minutes') AS lo, \
                 strftime('%Y-%m-%dT%H:%M:%S', at, '+{w} minutes', '+1 seconds') AS hi"
            ))
        )
        .replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, [s.hash.clone().into(), since.into()])
}

/// One contact person as the windows are read: their fever, how many windows they were in
/// (the last one counted), and their closest passage: its checkpoint, its time (ms) and its
/// distance key (twice the distance in ms, plus one when the contact came first).
struct Met {
    fever: bool,
    windows: u32,
    last_window: i64,
    key: i64,
    at: i64,
    checkpoint: i64,
}

/// A screened passage, as `meet` reads the passages near it: its row's id, its checkpoint
/// and key, and how far (ms) a contact may be.
struct Window {
    id: i64,
    checkpoint: i64,
    at: i64,
    person: Person,
    reach: i64,
}

/// Adds the passages near one window (`(time, person)`, the window's checkpoint) within
/// its reach to the people met so far; the screened person's own are left out. Each window
/// comes once.
fn meet(met: &mut People, w: &Window, near: impl Iterator<Item = (i64, Person)>) {
    for (at, person) in near {
        let d = at - w.at;
        if d.abs() > w.reach || person == w.person {
            continue;
        }
        let key = d.abs() * 2 + i64::from(d < 0);
        match met.entry(person) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let m = o.get_mut();
                if m.last_window != w.id {
                    m.windows += 1;
                    m.last_window = w.id;
                }
                if (key, at) < (m.key, m.at) {
                    (m.key, m.at, m.checkpoint) = (key, at, w.checkpoint);
                }
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Met {
                    fever: false,
                    windows: 1,
                    last_window: w.id,
                    key,
                    at,
                    checkpoint: w.checkpoint,
                });
            }
        }
    }
}

/// Marks the people met who had a fever in a window (its fevers' keys) within its reach.
fn fevers(met: &mut People, w: &Window, near: impl Iterator<Item = (i64, Person)>) {
    for (at, person) in near {
        if (at - w.at).abs() <= w.reach
            && let Some(m) = met.get_mut(&person)
        {
            m.fever = true;
        }
    }
}

/// The people met, ranked: fevers first, then most shared windows, then the closest passage
/// (ties: a passage after the person's before one before it, then the earlier, then by
/// key); the first `MAX_EXPORT` of them.
fn rank(met: People) -> Vec<RankEntry> {
    let mut entries: Vec<RankEntry> = met
        .into_iter()
        .map(|(person, m)| RankEntry {
            person,
            checkpoint: m.checkpoint,
            at: m.at,
            key: m.key,
            windows: m.windows,
            had_fever: m.fever,
        })
        .collect();
    // Compared field by field, as far as needed (the closest passage nearly always decides).
    let order = |a: &RankEntry, b: &RankEntry| {
        b.had_fever
            .cmp(&a.had_fever)
            .then(b.windows.cmp(&a.windows))
            .then(a.key.cmp(&b.key))
            .then(a.at.cmp(&b.at))
            .then(a.person.cmp(&b.person))
    };
    let cut = usize::try_from(MAX_EXPORT).unwrap_or(usize::MAX);
    if entries.len() > cut {
        entries.select_nth_unstable_by(cut, order);
        entries.truncate(cut);
    }
    entries.sort_unstable_by(order);
    entries
}

/// A ranked contact as the statement answers it, before its passage becomes a view.
struct Ranked {
    passage: passages::Model,
    index_at: DateTime<Utc>,
    apart_ms: i64,
    windows: u64,
    had_fever: bool,
}

struct Answer {
    rows: Vec<Ranked>,
    total: u64,
    fevers: u64,
    own: u64,
    /// When the ranking was computed (a kept one may be up to `KEEP` old).
    as_of: DateTime<Utc>,
}

/// One ranked contact person: the rank's parts, who they are and when their closest passage
/// was (`Met`; the passage itself is found for the contacts shown).
#[derive(Debug, Clone, Copy)]
struct RankEntry {
    person: Person,
    checkpoint: i64,
    at: i64,
    key: i64,
    windows: u32,
    had_fever: bool,
}

/// A screening's whole ranking, as computed at `as_of`.
#[derive(Debug)]
struct Ranking {
    entries: Vec<RankEntry>,
    total: u64,
    own: u64,
    as_of: DateTime<Utc>,
    made: std::time::Instant,
}

/// How long a screening's ranking is kept for its later pages and its export: long enough
/// to page through and export one screening, short enough that a new passage shows soon.
pub const KEEP: std::time::Duration = std::time::Duration::from_secs(60);
/// How many screenings are kept at once (each at most `MAX_EXPORT` entries of 40 bytes).
const KEPT_MAX: usize = 16;

/// The rankings of the latest screenings, per (person, days, window), so that paging through
/// one screening or exporting it ranks the contacts once, not once a page. Within one
/// server; a ranking older than `KEEP` is computed again.
#[derive(Clone, Default)]
pub struct Kept {
    inner: std::sync::Arc<std::sync::Mutex<HashMap<ScreenKey, std::sync::Arc<Ranking>>>>,
}

/// A screening as kept: the person's hash, the days, the window.
type ScreenKey = (String, i64, i64);

impl Kept {
    fn get(&self, key: &ScreenKey) -> Option<std::sync::Arc<Ranking>> {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, r| r.made.elapsed() < KEEP);
        map.get(key).cloned()
    }

    fn put(&self, key: ScreenKey, ranking: std::sync::Arc<Ranking>) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= KEPT_MAX && !map.contains_key(&key) {
            let oldest = map
                .iter()
                .min_by_key(|(_, r)| r.made)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(key, ranking);
    }
}

fn n(r: &QueryResult, col: &str) -> AppResult<i64> {
    r.try_get::<i64>("", col).map_err(AppError::internal)
}

/// The screening's ranking: the kept one, or computed now (and kept).
async fn ranking(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    kept: &Kept,
    s: &Screen,
) -> AppResult<std::sync::Arc<Ranking>> {
    let key = (s.hash.clone(), s.days, s.window);
    if let Some(r) = kept.get(&key) {
        return Ok(r);
    }
    use futures::TryStreamExt;
    let now = Utc::now();
    let backend = ConnectionTrait::get_database_backend(db);
    let reach = s.window * 60_000;
    let mut own = 0;
    let mut met = People::default();
    {
        // The connection goes back to the pool at the end of this block, before the ranking.
        let rows = db
            .stream_raw(statement(backend, s, now - Duration::days(s.days)))
            .await?;
        let mut rows = std::pin::pin!(rows);
        let bytes = |r: &QueryResult, col: &str| -> AppResult<Option<Vec<u8>>> {
            r.try_get::<Option<Vec<u8>>>("", col)
                .map_err(AppError::internal)
        };
        while let Some(r) = rows.try_next().await? {
            own = n(&r, "c_own")?.max(0) as u64;
            let Some((at, person)) = bytes(&r, "c_key")?.as_deref().and_then(contact_key_parts)
            else {
                return Err(AppError::internal("a screened passage without its key"));
            };
            let w = Window {
                id: n(&r, "c_window")?,
                checkpoint: n(&r, "c_checkpoint")?,
                at,
                person,
                reach,
            };
            meet(
                &mut met,
                &w,
                keys(&bytes(&r, "c_near")?.unwrap_or_default())?,
            );
            fevers(
                &mut met,
                &w,
                keys(&bytes(&r, "c_fever")?.unwrap_or_default())?,
            );
        }
    }
    let total = met.len() as u64;
    let out = Ranking {
        entries: rank(met),
        total,
        own,
        as_of: now,
        made: std::time::Instant::now(),
    };
    let out = std::sync::Arc::new(out);
    kept.put(key, out.clone());
    Ok(out)
}

/// `limit` ranked contacts from `offset`, each with its closest passage.
async fn run(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    kept: &Kept,
    s: &Screen,
    limit: u64,
    offset: u64,
) -> AppResult<Answer> {
    let r = ranking(db, kept, s).await?;
    // Fevers rank first: those with one are a prefix of the ranking.
    let fevers = r.entries.iter().take_while(|e| e.had_fever).count();
    let entries = if s.fever_only {
        &r.entries[..fevers]
    } else {
        &r.entries[..]
    };
    let from = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(entries.len());
    let to = from
        .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
        .min(entries.len());
    let shown = &entries[from..to];
    let mut found = closest(db, shown).await?;
    let mut rows = Vec::with_capacity(shown.len());
    for e in shown {
        // A passage purged since the ranking was made is left out.
        let Some(passage) = found.remove(&(e.checkpoint, contact_key_of(e.at, e.person))) else {
            continue;
        };
        // In whole milliseconds (minutes are then whole minutes of that).
        let apart_ms = e.key / 2;
        let apart = Duration::milliseconds(apart_ms);
        // Odd: the contact passed before the screened person.
        let index_at = if e.key % 2 == 1 {
            passage.at + apart
        } else {
            passage.at - apart
        };
        rows.push(Ranked {
            index_at,
            apart_ms,
            windows: u64::from(e.windows),
            had_fever: e.had_fever,
            passage,
        });
    }
    Ok(Answer {
        rows,
        total: if s.fever_only { fevers as u64 } else { r.total },
        fevers: fevers as u64,
        own: r.own,
        as_of: r.as_of,
    })
}

/// The ranked contacts' closest passages, found by their checkpoint, time and key (the
/// contacts index, a second either side, as SQLite's text may carry another number of
/// digits; then the key exactly): the lower id when two passages share a key.
async fn closest(
    db: &impl ConnectionTrait,
    shown: &[RankEntry],
) -> AppResult<HashMap<(i64, Key), passages::Model>> {
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
    let mut found: HashMap<(i64, Key), passages::Model> = HashMap::with_capacity(shown.len());
    for chunk in shown.chunks(300) {
        let mut any = Condition::any();
        for e in chunk {
            let Some(at) = DateTime::from_timestamp_millis(e.at) else {
                continue;
            };
            any = any.add(
                Condition::all()
                    .add(passages::Column::CheckpointId.eq(e.checkpoint))
                    .add(passages::Column::At.gte(at - Duration::seconds(1)))
                    .add(passages::Column::At.lt(at + Duration::seconds(1)))
                    .add(passages::Column::ContactKey.eq(contact_key_of(e.at, e.person).to_vec())),
            );
        }
        for p in passages::Entity::find().filter(any).all(db).await? {
            let Some(key) = p.contact_key.as_deref().and_then(|k| Key::try_from(k).ok()) else {
                continue;
            };
            match found.entry((p.checkpoint_id, key)) {
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    if p.id < o.get().id {
                        o.insert(p);
                    }
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(p);
                }
            }
        }
    }
    Ok(found)
}

async fn views(
    db: &impl ConnectionTrait,
    who: &Principal,
    rows: Vec<Ranked>,
) -> AppResult<Vec<Contact>> {
    let (models, rest): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .map(|r| (r.passage, (r.index_at, r.apart_ms, r.windows, r.had_fever)))
        .unzip();
    let views = super::passages::passage_views(db, who, models, true).await?;
    Ok(views
        .into_iter()
        .zip(rest)
        .map(
            |(passage, (index_at, apart_ms, windows, had_fever))| Contact {
                passage,
                index_at,
                minutes_apart: apart_ms / 60_000,
                windows,
                had_fever,
                checkpoints: Vec::new(),
            },
        )
        .collect())
}

async fn audit_query(
    db: &impl ConnectionTrait,
    who: &Principal,
    s: &Screen,
    a: &Answer,
) -> AppResult<()> {
    audit::record_event(
        db,
        who,
        Action::Query,
        "screening",
        None,
        format!(
            "contacts of {} over {} days ±{} min: {} contacts{}",
            s.masked,
            s.days,
            s.window,
            a.total,
            if a.own > MAX_OWN_PASSAGES {
                " (truncated)"
            } else {
                ""
            }
        ),
        audit::Event::new("screening.contacts", serde_json::json!({"person": s.masked, "days": s.days, "window": s.window, "n": a.total})),
    )
    .await
}

/// Personnel screening (人员排查): a page of the people who passed the same checkpoint within
/// the window of any of the person's passages in the last days, ranked. Audited.
pub async fn contacts(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    kept: &Kept,
    who: &Principal,
    q: &ContactsQuery,
    paging: Paging,
) -> AppResult<ContactsPage> {
    who.require(perm::SCREENING_QUERY)?;
    let paging = paging.checked()?;
    let s = validate(db, who, q).await?;
    let a = run(db, kept, &s, paging.limit(), paging.offset()).await?;
    audit_query(db, who, &s, &a).await?;
    page_of(db, who, s, a, OWN_SHOWN).await
}

/// Fills in where each contact of a page passed near the person: their passages in the
/// period against the person's (the latest `MAX_OWN_PASSAGES`, as ranked), by checkpoint and
/// window. A page is at most a few hundred contacts, so this reads their passages only.
async fn shared_checkpoints(
    db: &impl ConnectionTrait,
    s: &Screen,
    as_of: DateTime<Utc>,
    items: &mut [Contact],
) -> AppResult<()> {
    use crate::entities::checkpoints;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    if items.is_empty() {
        return Ok(());
    }
    let since = as_of - Duration::days(s.days);
    let window = Duration::minutes(s.window);
    let own: Vec<(i64, DateTime<Utc>)> = passages::Entity::find()
        .select_only()
        .column(passages::Column::CheckpointId)
        .column(passages::Column::At)
        .filter(passages::Column::PersonHash.eq(s.hash.as_str()))
        .filter(passages::Column::At.gte(since))
        .order_by_desc(passages::Column::At)
        .limit(MAX_OWN_PASSAGES)
        .into_tuple()
        .all(db)
        .await?;
    // The contacts' hashes, by the passage each row shows.
    let reps: Vec<i64> = items.iter().map(|c| c.passage.id).collect();
    let hashes: HashMap<i64, String> = passages::Entity::find()
        .select_only()
        .column(passages::Column::Id)
        .column(passages::Column::PersonHash)
        .filter(passages::Column::Id.is_in(reps))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let theirs: Vec<(String, i64, DateTime<Utc>)> = passages::Entity::find()
        .select_only()
        .column(passages::Column::PersonHash)
        .column(passages::Column::CheckpointId)
        .column(passages::Column::At)
        .filter(passages::Column::PersonHash.is_in(hashes.values().cloned()))
        .filter(passages::Column::At.gte(since - window))
        .into_tuple()
        .all(db)
        .await?;
    let mut near: HashMap<&str, Vec<i64>> = HashMap::new();
    for (h, cp, at) in &theirs {
        let shared = own
            .iter()
            .any(|(ocp, oat)| ocp == cp && (*at - *oat).abs() <= window);
        let list = near.entry(h.as_str()).or_default();
        if shared && !list.contains(cp) {
            list.push(*cp);
        }
    }
    let names: HashMap<i64, String> = checkpoints::Entity::find()
        .filter(checkpoints::Column::Id.is_in(near.values().flatten().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    for c in items.iter_mut() {
        let mut list = vec![c.passage.checkpoint_name.clone()];
        if let Some(cps) = hashes.get(&c.passage.id).and_then(|h| near.get(h.as_str())) {
            for cp in cps {
                if let Some(n) = names.get(cp).filter(|n| !list.contains(n)) {
                    list.push(n.clone());
                }
            }
        }
        c.checkpoints = list;
    }
    Ok(())
}

/// The answer as the API gives it: the contacts' views, the person and their own passages.
async fn page_of(
    db: &impl ConnectionTrait,
    who: &Principal,
    s: Screen,
    a: Answer,
    own_shown: u64,
) -> AppResult<ContactsPage> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let (total, own, as_of, fevers) = (a.total, a.own, a.as_of, a.fevers);
    let own_rows = if own_shown == 0 {
        Vec::new()
    } else {
        passages::Entity::find()
            .filter(passages::Column::PersonHash.eq(s.hash.as_str()))
            .filter(passages::Column::At.gte(as_of - Duration::days(s.days)))
            .order_by_desc(passages::Column::At)
            .limit(own_shown)
            .all(db)
            .await?
    };
    let mut items = views(db, who, a.rows).await?;
    if own_shown > 0 {
        shared_checkpoints(db, &s, as_of, &mut items).await?;
    }
    Ok(ContactsPage {
        items,
        total,
        own_passages: own,
        truncated: own > MAX_OWN_PASSAGES,
        as_of,
        fevers,
        own: super::passages::passage_views(db, who, own_rows, true).await?,
        person: s.person,
    })
}

/// Every contact (up to `MAX_EXPORT`, in rank order), for the export. Audited as a query.
pub async fn all_contacts(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    kept: &Kept,
    who: &Principal,
    q: &ContactsQuery,
) -> AppResult<ContactsPage> {
    who.require(perm::SCREENING_QUERY)?;
    let s = validate(db, who, q).await?;
    let a = run(db, kept, &s, MAX_EXPORT, 0).await?;
    audit_query(db, who, &s, &a).await?;
    page_of(db, who, s, a, 0).await
}

/// The screening result as a spreadsheet for the follow-up calls, in rank order; a last line
/// says when the person's passages or the contacts were cut.
pub fn contacts_xlsx(
    page: &ContactsPage,
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(lang.pick("排查结果", "Contacts"))?;
    let bold = Format::new().set_bold();
    let headers = [
        lang.pick("卡点", "Checkpoint"),
        lang.pick("通行时间", "Time"),
        lang.pick("相差分钟", "Minutes apart"),
        lang.pick("共同时段数", "Shared windows"),
        lang.pick("发热", "Fever"),
        lang.pick("姓名", "Name"),
        lang.pick("身份证号", "Identity number"),
        lang.pick("电话", "Phone"),
        lang.pick("体温", "Temperature"),
        lang.pick("回访结果", "Call outcome"),
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    let mut r = 0u32;
    for c in &page.items {
        r += 1;
        let p = &c.passage;
        ws.write(r, 0, p.checkpoint_name.as_str())?;
        ws.write(r, 1, lianxin_kernel::web::widgets::local_time(&p.at))?;
        ws.write(r, 2, c.minutes_apart as f64)?;
        ws.write(r, 3, c.windows as f64)?;
        ws.write(
            r,
            4,
            if c.had_fever {
                lang.pick("是", "yes")
            } else {
                ""
            },
        )?;
        ws.write(r, 5, p.name.as_deref().unwrap_or(""))?;
        ws.write(r, 6, p.id_masked.as_str())?;
        ws.write(r, 7, p.phone.as_deref().unwrap_or(""))?;
        ws.write(
            r,
            8,
            lianxin_types::DeciCelsius(p.temperature).as_celsius_f64(),
        )?;
    }
    if page.truncated {
        r += 2;
        ws.write(
            r,
            0,
            lang.pick(
                &format!(
                    "注意：此人在该时段有 {} 次通行，只排查了最近的 {MAX_OWN_PASSAGES} 次；请缩短天数。",
                    page.own_passages
                ),
                &format!(
                    "Note: the person passed {} times in the period; only the latest {MAX_OWN_PASSAGES} were screened. Shorten the days.",
                    page.own_passages
                ),
            ),
        )?;
    }
    if page.total > page.items.len() as u64 {
        r += if page.truncated { 1 } else { 2 };
        ws.write(
            r,
            0,
            lang.pick(
                &format!(
                    "注意：共 {} 名接触人员，只导出了排序靠前的 {} 名。",
                    page.total,
                    page.items.len()
                ),
                &format!(
                    "Note: {} contacts in all; only the first {} in rank order are exported.",
                    page.total,
                    page.items.len()
                ),
            ),
        )?;
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 18)?;
    ws.set_column_width(6, 22)?;
    ws.set_column_width(9, 30)?;
    wb.save_to_buffer()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// An identity number or a phone (exact), or part of a name.
    #[param(required = true, nullable = false, min_length = 1, max_length = 50)]
    pub q: Option<String>,
}

/// A registered person who may be screened (numbers masked); the page lists several to
/// choose one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonMatch {
    pub person_id: i64,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: Option<String>,
    pub unit_name: String,
    pub enterprise_name: Option<String>,
}

/// The most matches a search answers.
pub const MAX_MATCHES: u64 = 50;

/// Finds the people to screen in the registry, within the caller's data scope: by identity
/// number or phone (exact), or by part of a name. Only people with an identity number (the
/// screening works on it). Audited like a screening; numbers masked.
pub async fn search_people(
    db: &impl ConnectionTrait,
    who: &Principal,
    q: &PeopleQuery,
) -> AppResult<Vec<PersonMatch>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    who.require(perm::SCREENING_QUERY)?;
    let Some(text) = crate::text::clean(q.q.clone()).filter(|t| t.chars().count() <= 50) else {
        return Err(AppError::Validation(vec![FieldError::required(
            "q",
            "姓名、电话或身份证号",
            "Name, phone or identity number",
        )]));
    };
    let mut find = crate::access::scope::scoped::<people::Entity>(&who.scope)
        .filter(people::Column::IdNumber.is_not_null());
    let by = if let Ok(id) = lianxin_types::IdNumber::parse(&text) {
        find = find.filter(people::Column::IdNumber.eq(id.as_str()));
        "id_number"
    } else if let Ok(ph) = lianxin_types::Phone::parse(&text) {
        find = find.filter(people::Column::Phone.eq(ph.to_string()));
        "phone"
    } else {
        find = find.filter(people::Column::Name.like(
            sea_orm::sea_query::LikeExpr::new(crate::text::like_pattern(&text)).escape('\\'),
        ));
        "name"
    };
    let rows = find
        .order_by_asc(people::Column::Name)
        .order_by_asc(people::Column::Id)
        .limit(MAX_MATCHES)
        .all(db)
        .await?;
    let units = crate::registries::units::names(db, rows.iter().map(|p| p.unit_id)).await?;
    let ents: HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().filter_map(|p| p.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let out: Vec<PersonMatch> = rows
        .into_iter()
        .map(|p| PersonMatch {
            person_id: p.id,
            id_masked: p
                .id_number
                .as_deref()
                .map(lianxin_types::IdNumber::mask)
                .unwrap_or_default(),
            phone_masked: p
                .phone
                .as_deref()
                .and_then(|x| lianxin_types::Phone::parse(x).ok())
                .map(|x| x.masked()),
            unit_name: units.get(&p.unit_id).cloned().unwrap_or_default(),
            enterprise_name: p.enterprise_id.and_then(|e| ents.get(&e).cloned()),
            name: p.name,
        })
        .collect();
    audit::record_event(
        db,
        who,
        Action::Query,
        "screening",
        None,
        format!("people to screen by {by}: {} found", out.len()),
        audit::Event::new(
            "screening.people",
            serde_json::json!({"by": by, "n": out.len(),
                "found": out.iter().map(|m| m.id_masked.as_str()).collect::<Vec<_>>().join("、")}),
        ),
    )
    .await?;
    Ok(out)
}

/// Follow-ups for chosen contacts of a screening: the screening (as `ContactsQuery`), the
/// contacts by the `id` of their row (`items[].id`, their closest passage), and a note.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FollowupsInput {
    #[schema(nullable = false, min_length = 18, max_length = 18)]
    pub id_number: Option<String>,
    pub person_id: Option<i64>,
    #[schema(minimum = 1, maximum = 60)]
    pub days: Option<i64>,
    #[schema(minimum = 1, maximum = 240)]
    pub window_minutes: Option<i64>,
    /// The contacts chosen: each row's `id` in the screening's answer (1 to 500).
    #[schema(required = true, nullable = false, min_items = 1, max_items = 500)]
    pub contact_ids: Option<Vec<i64>>,
    /// Added to each case's description and timeline step (at most 500 characters).
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A follow-up case raised for a contact, or the one they already had for the day of the
/// passage the screening found (`linked`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowupCase {
    pub contact_id: i64,
    /// The case; none when the contact's case of the day is one the caller may not see
    /// (another unit's): the screening was written on its timeline all the same.
    #[schema(required = true)]
    pub case_id: Option<i64>,
    /// True when the contact already had their follow-up case of the day they passed (from a
    /// fever or an earlier screening): this screening is a step on its timeline, not a second
    /// case.
    pub linked: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowupsResult {
    pub cases: Vec<FollowupCase>,
    pub created: u64,
    pub linked: u64,
}

/// Raises a fever follow-up case (`fever_followup`, the kind fever signals raise) for each
/// chosen contact, dispatched to the unit of the checkpoint where they passed near; a
/// contact who already has their case of the day of that passage (a fever, an earlier
/// screening) gets a step on it instead, so one person has one case a day. All or nothing,
/// in one transaction; audited. The contacts must be rows of the screening (its kept ranking).
pub async fn raise_followups<
    C: ConnectionTrait + sea_orm::TransactionTrait + sea_orm::StreamTrait,
>(
    db: &C,
    kept: &Kept,
    who: &Principal,
    input: FollowupsInput,
) -> AppResult<FollowupsResult> {
    use crate::cases::service::{self as case_service, ActionInput, CaseInput};
    use crate::entities::checkpoints;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession,
    };
    who.require(perm::SCREENING_QUERY)?;
    who.require(perm::CASE_RAISE)?;
    let q = ContactsQuery {
        id_number: input.id_number.clone(),
        person_id: input.person_id,
        days: input.days,
        window_minutes: input.window_minutes,
        fever_only: None,
    };
    let mut errors = Vec::new();
    let mut ids = input.contact_ids.clone().unwrap_or_default();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > 500 {
        errors.push(FieldError::new(
            "contact_ids",
            "range",
            "请勾选 1 到 500 名接触人员",
            "choose 1 to 500 contacts",
        ));
    }
    let note = crate::text::clean(input.note.clone());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        errors.push(FieldError::new(
            "note",
            "too_long",
            "备注不能超过 500 字",
            "note must be at most 500 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let s = validate(db, who, &q).await?;
    let r = ranking(db, kept, &s).await?;
    let who_name = s
        .person
        .name
        .clone()
        .map(|n| format!("{n}（{}）", s.masked))
        .unwrap_or_else(|| s.masked.clone());
    let now = Utc::now();
    let key_suffix = note
        .as_deref()
        .map(|n| format!("备注：{n}"))
        .unwrap_or_default();
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let rows = passages::Entity::find()
        .filter(passages::Column::Id.is_in(ids.clone()))
        .all(&txn)
        .await?;
    // Each must be a contact's closest passage: the checkpoint, time and person of a ranked
    // contact.
    let reps: std::collections::HashSet<(i64, i64, Person)> = r
        .entries
        .iter()
        .map(|e| (e.checkpoint, e.at, e.person))
        .collect();
    let known: std::collections::HashSet<i64> = rows
        .iter()
        .filter(|p| {
            p.contact_key
                .as_deref()
                .and_then(contact_key_parts)
                .is_some_and(|(at, person)| reps.contains(&(p.checkpoint_id, at, person)))
        })
        .map(|p| p.id)
        .collect();
    let strangers: Vec<i64> = ids.iter().copied().filter(|i| !known.contains(i)).collect();
    if !strangers.is_empty() {
        // Nothing was written: the transaction ends unused.
        return Err(AppError::Validation(vec![FieldError::new(
            "contact_ids",
            "not_a_contact",
            format!("以下编号不是本次排查的接触人员：{strangers:?}"),
            format!("not contacts of this screening: {strangers:?}"),
        )]));
    }
    let units: HashMap<i64, (String, i64)> = checkpoints::Entity::find()
        .filter(checkpoints::Column::Id.is_in(rows.iter().map(|p| p.checkpoint_id)))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, (c.name, c.unit_id)))
        .collect();
    let key = super::privacy::key()?;
    let mut out = Vec::with_capacity(rows.len());
    let (mut created, mut linked) = (0u64, 0u64);
    for p in rows {
        let (place, unit_id) = units.get(&p.checkpoint_id).cloned().unwrap_or_default();
        let seen = format!(
            "在人员排查（被排查人：{who_name}）中被列为密切接触人员：{} 于{}通行",
            lianxin_kernel::web::widgets::local_time(&p.at),
            place
        );
        // A follow-up belongs to the day of the passage the screening found, as a fever's
        // does: a contact whose fever at 23:50 raised a case is linked to it when screened
        // after midnight, not given a second case.
        let day = super::duty::local_day(p.at);
        let existing = fever_followups::Entity::find()
            .filter(fever_followups::Column::PersonKey.eq(&p.person_hash))
            .filter(fever_followups::Column::Day.eq(day))
            .one(&txn)
            .await?;
        let (case_id, was_linked) = match existing {
            Some(f) => {
                // The day's case may be another unit's (a fever at one of its gates): the
                // screening is still a step on its timeline, written in the screening's name
                // (as the fever worker writes), and the caller is told only that the contact
                // is followed up already, not which case that is.
                let visible =
                    match crate::paging::find_visible::<cases::Entity>(&txn, &who.scope, f.case_id)
                        .await
                    {
                        Ok(_) => true,
                        Err(AppError::NotFound) => false,
                        Err(e) => return Err(e),
                    };
                if visible {
                    case_service::record(
                        &txn,
                        who,
                        f.case_id,
                        format!("{seen}。{key_suffix}"),
                        now,
                    )
                    .await?;
                } else {
                    let by = Principal::system(&format!("人员排查：{}", who.display_name));
                    case_service::record(
                        &txn,
                        &by,
                        f.case_id,
                        format!("{seen}。{key_suffix}"),
                        now,
                    )
                    .await?;
                }
                linked += 1;
                (visible.then_some(f.case_id), true)
            }
            None => {
                let name = p.name.clone().unwrap_or_else(|| "通行人员".into());
                let input = CaseInput {
                    kind: Some("fever_followup".into()),
                    category: Some("retest".into()),
                    title: Some(format!("{place} 人员排查密接随访（{}）", p.id_masked)),
                    description: Some(format!(
                        "{name}{seen}。请联系测温并视情况居家观察或转诊发热门诊。{key_suffix}"
                    )),
                    unit_id: Some(unit_id),
                    source: Some("inspection".into()),
                    priority: Some("urgent".into()),
                    contact_phone: p.phone.as_deref().and_then(|ph| key.open(ph)),
                    dispatch: who.can(perm::CASE_DISPATCH).then(|| ActionInput {
                        lead_unit_id: Some(unit_id),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                let case = case_service::create(&txn, who, input, now).await?;
                fever_followups::ActiveModel {
                    person_key: Set(p.person_hash.clone()),
                    day: Set(day),
                    case_id: Set(case.id),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                created += 1;
                (Some(case.id), false)
            }
        };
        out.push(FollowupCase {
            contact_id: p.id,
            case_id,
            linked: was_linked,
        });
    }
    audit::record_event(
        &txn,
        who,
        Action::Create,
        "screening",
        None,
        format!(
            "follow-ups for {} contacts of {}: {created} raised, {linked} linked",
            out.len(),
            s.masked
        ),
        audit::Event::new(
            "screening.followups",
            serde_json::json!({"person": s.masked, "n": out.len(), "created": created, "linked": linked}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(FollowupsResult {
        cases: out,
        created,
        linked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    /// The windows met within ±30 minutes by the screened person 0: the windows as (id,
    /// minute of the screened passage, who passed: person, minute, fever); the ranking as
    /// (person, minute of the closest passage, windows, fever).
    #[allow(clippy::type_complexity)]
    fn ranked(windows: &[(i64, i64, &[(u8, i64, bool)])]) -> (u64, Vec<(u8, i64, u32, bool)>) {
        let mut met = People::default();
        for (id, at, near) in windows {
            let w = Window {
                id: *id,
                checkpoint: 7,
                at: at * MIN,
                person: 0,
                reach: 30 * MIN,
            };
            meet(
                &mut met,
                &w,
                near.iter().map(|(p, m, _)| (m * MIN, u64::from(*p))),
            );
            let hot = near.iter().filter(|(_, _, f)| *f);
            fevers(&mut met, &w, hot.map(|(p, m, _)| (m * MIN, u64::from(*p))));
        }
        let total = met.len() as u64;
        let entries = rank(met)
            .into_iter()
            .map(|e| (e.person as u8, e.at / MIN, e.windows, e.had_fever))
            .collect();
        (total, entries)
    }

    #[test]
    fn people_are_grouped_and_ranked_fevers_then_windows_then_closest() {
        // Window 1 at 100: A 5 min after, B 10 and 20 min after, F 20 min before with a
        // fever, G 40 min after (outside), the screened person themself. Window 2 at 300:
        // A 5 min before, C 2 min after.
        let (total, entries) = ranked(&[
            (
                1,
                100,
                &[
                    (b'a', 105, false),
                    (b'b', 110, false),
                    (b'b', 120, false),
                    (b'f', 80, true),
                    (b'g', 140, false),
                    (0, 100, false),
                ],
            ),
            (2, 300, &[(b'a', 295, false), (b'c', 302, false)]),
            // A window with nobody in it.
            (3, 500, &[]),
        ]);
        assert_eq!(total, 4);
        assert_eq!(
            entries,
            [
                (b'f', 80, 1, true),
                (b'a', 105, 2, false),
                (b'c', 302, 1, false),
                (b'b', 110, 1, false)
            ]
        );
    }

    #[test]
    fn a_fever_outside_the_window_does_not_count() {
        let (_, entries) = ranked(&[(1, 100, &[(b'a', 105, false), (b'a', 140, true)])]);
        assert_eq!(entries, [(b'a', 105, 1, false)]);
    }

    #[test]
    fn two_passages_in_one_window_count_once_and_ties_go_to_the_one_after_the_person() {
        // The same distance either side: the contact who came first (odd key) ranks after
        // the one who came later.
        let (total, entries) = ranked(&[(
            1,
            100,
            &[(b'x', 101, false), (b'x', 101, false), (b'y', 99, false)],
        )]);
        assert_eq!(total, 2);
        assert_eq!(entries, [(b'x', 101, 1, false), (b'y', 99, 1, false)]);
    }

    #[test]
    fn keys_read_as_the_ingest_writes_them_and_a_torn_one_is_an_error_not_a_panic() {
        let hash = format!("{}{}", "ab".repeat(24), "0123456789abcdef");
        let at = DateTime::parse_from_rfc3339("2026-12-05T07:00:00.5+00:00")
            .expect("time")
            .with_timezone(&Utc);
        let mut joined = Vec::new();
        for t in [at, at + Duration::milliseconds(1_234)] {
            joined.extend(super::super::privacy::contact_key(&hash, t).expect("a key"));
        }
        let read: Vec<(i64, Person)> = keys(&joined).expect("reads").collect();
        assert_eq!(
            read,
            [
                (at.timestamp_millis(), 0x0123_4567_89ab_cdef),
                (at.timestamp_millis() + 1_234, 0x0123_4567_89ab_cdef)
            ]
        );
        assert_eq!(contact_key_of(read[0].0, read[0].1).to_vec(), joined[..16]);
        assert!(keys(&joined[..20]).is_err());
        assert_eq!(keys(&[]).expect("reads").count(), 0);
        // Not a hash: no key (the column stays empty; such a passage is never written).
        assert!(super::super::privacy::contact_key("xyz", at).is_none());
        assert!(super::super::privacy::contact_key(&"g".repeat(64), at).is_none());
    }

    #[test]
    fn keys_round_to_the_millisecond_as_sqlite_reads_a_time() {
        let hash = "0".repeat(64);
        for (text, ms) in [
            ("2026-12-05T07:00:00.000400+00:00", 0),
            ("2026-12-05T07:00:00.000500+00:00", 1),
            ("2026-12-05T07:00:00.123456789+00:00", 123),
            ("2026-12-05T07:00:00.999900+00:00", 999),
        ] {
            let t = DateTime::parse_from_rfc3339(text)
                .expect("time")
                .with_timezone(&Utc);
            let k = super::super::privacy::contact_key(&hash, t).expect("a key");
            let (at, _) = contact_key_parts(&k).expect("reads");
            assert_eq!(at - t.timestamp() * 1000, ms, "{text}");
        }
    }

    #[test]
    fn people_whose_keys_differ_only_at_the_end_spread() {
        use std::hash::BuildHasher;
        let build = std::hash::BuildHasherDefault::<Mixed>::default();
        let spread: std::collections::HashSet<u64> = (0..10_000u64)
            // A hash table indexes by the low bits and tags by the top ones.
            .map(|n| build.hash_one(n) & 0xffff)
            .collect();
        assert!(spread.len() > 8_000, "{}", spread.len());
    }
}
