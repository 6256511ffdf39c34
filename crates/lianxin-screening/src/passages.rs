//! Passages through checkpoints: ingest (one or a batch of up to 5,000 from a device, each
//! with the device's sequence number, so a retried batch never stores anything twice), fever
//! signals (each new passage at or above the threshold is recorded for the follow-up worker,
//! `fever`, in the same transaction) and the list. Personnel screening (人员排查) is `contacts`.
//!
//! Acknowledged means durable: the answer is sent after the transaction commits (SQLite
//! `synchronous=FULL`, PostgreSQL's default).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, Utc};
use lianxin_kernel::secret::InstallationKey;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{checkpoints, devices, passages};
use crate::error::{AppError, AppResult, FieldError, ProblemFieldBody};
use crate::i18n::Lang;
use crate::paging::Page;
use crate::paging::Paging;
use crate::perm;

pub const MAX_BATCH: usize = 5_000;

/// One passage as a device or the entry page sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PassageInput {
    /// The device's own sequence number: the same number twice is one passage.
    #[schema(required = true, nullable = false, minimum = 0)]
    pub device_seq: Option<i64>,
    pub id_number: Option<String>,
    /// Instead of `id_number`: a person of the registry (found by the entry page's lookup).
    pub person_id: Option<i64>,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Tenths of a degree Celsius (365 = 36.5 °C), 340..=430.
    #[schema(required = true, nullable = false, minimum = 340, maximum = 430)]
    pub temperature: Option<i64>,
    /// in or out
    pub direction: Option<String>,
    /// When (RFC 3339); default now.
    pub at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rejected {
    /// The passage's position in the batch (0 for a single one).
    pub index: usize,
    pub errors: Vec<ProblemFieldBody>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IngestResult {
    /// New passages stored.
    pub accepted: usize,
    /// Passages whose sequence number this device had sent already (not stored again).
    pub duplicates: usize,
    /// Invalid passages, none stored; the batch's good rows are kept.
    pub rejected: Vec<Rejected>,
    /// Of the accepted ones, at or above the fever threshold. Each raises the person's
    /// follow-up case of the day, or joins its timeline, within seconds of the answer.
    pub fevers: usize,
}

#[derive(Debug, Clone)]
struct Valid {
    seq: i64,
    hash: String,
    masked: String,
    name: Option<String>,
    phone: Option<String>,
    temperature: i16,
    direction: &'static str,
    at: DateTime<Utc>,
    /// `privacy::contact_key` of the hash and time.
    contact: Option<Vec<u8>>,
}

/// The identity number, name and phone of registry people named by `person_id`.
type Known = HashMap<i64, (Option<String>, String, Option<String>)>;

fn validate(index: usize, mut p: PassageInput, ctx: &Ctx<'_>) -> Result<Valid, Rejected> {
    let (key, now, lang) = (ctx.key, ctx.now, ctx.lang);
    let mut errors = Vec::new();
    if let Some(pid) = p.person_id {
        match ctx.known.get(&pid) {
            Some((Some(id), name, phone)) => {
                p.id_number = Some(id.clone());
                p.name = p.name.or_else(|| Some(name.clone()));
                p.phone = p.phone.or_else(|| phone.clone());
            }
            _ => errors.push(FieldError::new(
                "person_id",
                "unknown",
                "人员不存在或未登记身份证号",
                "no such person, or the person has no identity number on file",
            )),
        }
    }
    let seq = match p.device_seq {
        Some(s) if s >= 0 => s,
        Some(_) => {
            errors.push(FieldError::new(
                "device_seq",
                "range",
                "序号不能为负数",
                "device_seq must not be negative",
            ));
            0
        }
        None => {
            errors.push(FieldError::required("device_seq", "设备序号", "device_seq"));
            0
        }
    };
    let id = required_id_number(&mut errors, p.id_number);
    let temperature = match p.temperature {
        None => {
            errors.push(FieldError::required("temperature", "体温", "Temperature"));
            0
        }
        Some(t) => match i32::try_from(t)
            .ok()
            .and_then(|t| lianxin_types::DeciCelsius::new_body(t).ok())
        {
            Some(t) => t.0,
            None => {
                errors.push(FieldError::new(
                    "temperature",
                    "range",
                    "体温应在 34.0 到 43.0 ℃ 之间（单位：0.1 ℃，如 365）",
                    "temperature must be 340..=430 tenths of a degree (34.0-43.0 °C)",
                ));
                0
            }
        },
    };
    let direction = match p.direction.as_deref().map(str::trim) {
        None | Some("") | Some("in") => "in",
        Some("out") => "out",
        Some(_) => {
            errors.push(FieldError::new(
                "direction",
                "unknown",
                "方向只能是 in 或 out",
                "direction must be in or out",
            ));
            "in"
        }
    };
    let at = p.at.map(|d| d.with_timezone(&Utc)).unwrap_or(now);
    if at > now + Duration::minutes(10) || at < now - Duration::days(30) {
        errors.push(FieldError::new(
            "at",
            "range",
            "通行时间不能晚于现在，也不能早于 30 天前",
            "at must not be in the future nor more than 30 days ago",
        ));
    } else if let Some(w) = ctx.on_duty
        && !w.iter().any(|(s, e)| *s <= at && at <= *e)
    {
        errors.push(FieldError::new(
            "at",
            "not_on_duty",
            "通行时间不在您在该卡点的在岗时段内（请先签到）",
            "at is outside your time on duty at this checkpoint (sign in first)",
        ));
    }
    let name = crate::text::clean(p.name).map(|n| n.chars().take(50).collect());
    let phone = match crate::text::clean(p.phone) {
        None => None,
        Some(v) => match lianxin_types::Phone::parse(&v) {
            // Stored sealed: a copy of the database shows no passer-by's number.
            Ok(ph) => Some(key.seal(ph.as_ref())),
            Err(e) => {
                errors.push(FieldError::from_validation("phone", &e, "电话", "Phone"));
                None
            }
        },
    };
    match (errors.is_empty(), id) {
        (true, Some(id)) => {
            let hash = super::privacy::person_hash(key, id.as_str());
            Ok(Valid {
                seq,
                contact: super::privacy::contact_key(&hash, at).map(Vec::from),
                hash,
                masked: id.masked(),
                name,
                phone,
                temperature,
                direction,
                at,
            })
        }
        _ => Err(Rejected {
            index,
            errors: errors
                .iter()
                .map(|e| ProblemFieldBody {
                    field: e.field.clone(),
                    code: e.code.clone(),
                    message: e.message(lang).to_owned(),
                })
                .collect(),
        }),
    }
}

struct Ctx<'a> {
    key: &'a InstallationKey,
    now: DateTime<Utc>,
    lang: Lang,
    known: &'a Known,
    /// For a volunteer: the periods they are on duty at the checkpoint.
    on_duty: Option<&'a [(DateTime<Utc>, DateTime<Utc>)]>,
}

/// Where a batch comes from: a device with its token, or a user on the entry page (the
/// page's own `client_id` plays the device's part in the sequence numbers). Owned: a
/// prepared batch travels to the writer task (`screening::writer`).
#[derive(Debug, Clone)]
pub enum Source {
    Device(devices::Model),
    User {
        user_id: i64,
        display_name: String,
        checkpoint: checkpoints::Model,
        client_id: String,
    },
}

/// A batch validated and ready to be written: everything the write needs, nothing borrowed.
pub struct Prepared {
    source: Source,
    valid: Vec<Valid>,
    rejected: Vec<Rejected>,
    threshold: i16,
    now: DateTime<Utc>,
}

impl Prepared {
    /// Passages to write (valid ones; duplicates are found at write time).
    pub fn len(&self) -> usize {
        self.valid.len()
    }
    pub fn is_empty(&self) -> bool {
        self.valid.is_empty()
    }
}

/// Stores the new passages of a device's batch in a transaction of its own (the demo, the
/// importers); the HTTP handlers go through `screening::writer` to share commits.
pub async fn ingest<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    device: &devices::Model,
    batch: Vec<PassageInput>,
    lang: Lang,
) -> AppResult<IngestResult> {
    let p = prepare(db, Source::Device(device.clone()), None, batch, lang).await?;
    write_alone(db, p).await
}

/// Passages recorded by a user at a checkpoint (the entry page, online or from its offline
/// queue): a volunteer only while on duty there (signed in to a shift), a user who keeps the
/// checkpoint at any time. Checks the caller, the checkpoint and the page's id, then
/// validates the batch; the writer stores it.
pub async fn prepare_user(
    db: &impl ConnectionTrait,
    who: &Principal,
    checkpoint_id: i64,
    client_id: Option<String>,
    batch: Vec<PassageInput>,
    lang: Lang,
) -> AppResult<Prepared> {
    who.require(perm::PASSAGE_ADD)?;
    let client_id = match crate::text::clean(client_id) {
        Some(c)
            if (8..=40).contains(&c.len())
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') =>
        {
            c
        }
        _ => {
            return Err(AppError::invalid(FieldError::new(
                "client_id",
                "format",
                "client_id 应为 8 到 40 位字母、数字或 - _（每个浏览器一个）",
                "client_id must be 8-40 letters, digits, - or _ (one per browser)",
            )));
        }
    };
    let (checkpoint, on_duty) = super::entry::access(db, who, checkpoint_id).await?;
    prepare(
        db,
        Source::User {
            user_id: who.user_id,
            display_name: who.display_name.clone(),
            checkpoint,
            client_id,
        },
        on_duty,
        batch,
        lang,
    )
    .await
}

/// Validates a batch outside any transaction (identity numbers to keyed hashes, ranges, the
/// volunteer's time on duty); bad passages become `rejected`, nothing is written yet.
pub async fn prepare(
    db: &impl ConnectionTrait,
    source: Source,
    on_duty: Option<Vec<(DateTime<Utc>, DateTime<Utc>)>>,
    batch: Vec<PassageInput>,
    lang: Lang,
) -> AppResult<Prepared> {
    let key = super::privacy::key()?;
    let threshold = super::privacy::fever_threshold(db).await?;
    prepare_with(db, source, on_duty, batch, lang, &key, threshold).await
}

/// `prepare` with the installation's key and fever threshold at hand (the writer caches them).
pub async fn prepare_with(
    db: &impl ConnectionTrait,
    source: Source,
    on_duty: Option<Vec<(DateTime<Utc>, DateTime<Utc>)>>,
    batch: Vec<PassageInput>,
    lang: Lang,
    key: &InstallationKey,
    threshold: i16,
) -> AppResult<Prepared> {
    if batch.len() > MAX_BATCH {
        return Err(AppError::invalid(FieldError::new(
            "body",
            "length",
            format!("一批最多 {MAX_BATCH} 条通行记录"),
            format!("a batch holds at most {MAX_BATCH} passages"),
        )));
    }
    let now = Utc::now();
    let person_ids: Vec<i64> = batch.iter().filter_map(|p| p.person_id).collect();
    let mut known = Known::new();
    for chunk in person_ids.chunks(1000) {
        for p in crate::entities::people::Entity::find()
            .filter(crate::entities::people::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            known.insert(p.id, (p.id_number, p.name, p.phone));
        }
    }
    let ctx = Ctx {
        key,
        now,
        lang,
        known: &known,
        on_duty: on_duty.as_deref(),
    };
    let mut rejected = Vec::new();
    let mut valid = Vec::with_capacity(batch.len());
    for (i, p) in batch.into_iter().enumerate() {
        match validate(i, p, &ctx) {
            Ok(v) => valid.push(v),
            Err(r) => rejected.push(r),
        }
    }
    Ok(Prepared {
        source,
        valid,
        rejected,
        threshold,
        now,
    })
}

async fn write_alone<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    p: Prepared,
) -> AppResult<IngestResult> {
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let r = write(&txn, &p).await?;
    txn.commit().await?;
    metrics::counter!("lianxin_passages_accepted_total").increment(r.accepted as u64);
    Ok(r)
}

/// Writes a prepared batch inside the caller's transaction (the caller commits, and only
/// then answers).
pub async fn write<C: ConnectionTrait + TransactionTrait>(
    txn: &C,
    p: &Prepared,
) -> AppResult<IngestResult> {
    write_many(txn, std::slice::from_ref(p))
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("write_many answered nothing"))
}

/// Who sent a passage, for duplicate detection: a device, or a user's page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SourceKey {
    Device(i64),
    User(i64, String),
}

impl Source {
    fn key(&self) -> SourceKey {
        match self {
            Source::Device(d) => SourceKey::Device(d.id),
            Source::User {
                user_id, client_id, ..
            } => SourceKey::User(*user_id, client_id.clone()),
        }
    }
}

/// Writes several prepared batches inside the caller's transaction with a handful of
/// statements whatever their number (the group commit's write): the senders' row locks
/// (devices and users, each in id order, so concurrent writers never deadlock), the new rows
/// (a statement per hundred, which skips and tells apart the duplicates), the running totals,
/// the fever signals, the devices' last contact. One answer per batch, in order.
pub async fn write_many<C: ConnectionTrait + TransactionTrait>(
    txn: &C,
    batches: &[Prepared],
) -> AppResult<Vec<IngestResult>> {
    let now = Utc::now();
    // One writer per device (or user) at a time, across processes too: a retried batch racing
    // its original adds nothing.
    let mut device_ids: Vec<i64> = Vec::new();
    let mut user_ids: Vec<i64> = Vec::new();
    for b in batches {
        match &b.source {
            Source::Device(d) => device_ids.push(d.id),
            Source::User { user_id, .. } => user_ids.push(*user_id),
        }
    }
    device_ids.sort_unstable();
    device_ids.dedup();
    user_ids.sort_unstable();
    user_ids.dedup();
    crate::db::lock_rows(txn, "devices", &device_ids).await?;
    crate::db::lock_rows(txn, "users", &user_ids).await?;
    // The devices' checkpoints, in one query.
    let cp_ids: Vec<i64> = batches
        .iter()
        .filter_map(|b| match &b.source {
            Source::Device(d) => Some(d.checkpoint_id),
            Source::User { .. } => None,
        })
        .collect();
    let mut cps: HashMap<i64, checkpoints::Model> = HashMap::new();
    for chunk in cp_ids.chunks(1000) {
        for c in checkpoints::Entity::find()
            .filter(checkpoints::Column::Id.is_in(chunk.to_vec()))
            .all(txn)
            .await?
        {
            cps.insert(c.id, c);
        }
    }
    // The new rows: each (sender, sequence number) once within the group (a batch and its
    // retry may meet in one group); the database skips those stored before and answers the
    // ones it stored, so a duplicate costs no query of its own.
    let mut seen: HashSet<(SourceKey, i64)> = HashSet::new();
    let mut rows: Vec<Row<'_>> = Vec::new();
    for (bi, b) in batches.iter().enumerate() {
        let key = b.source.key();
        let checkpoint = match &b.source {
            Source::Device(d) => cps.get(&d.checkpoint_id).ok_or(AppError::NotFound)?,
            Source::User { checkpoint, .. } => checkpoint,
        };
        for v in &b.valid {
            if seen.insert((key.clone(), v.seq)) {
                rows.push(Row {
                    batch: bi,
                    valid: v,
                    checkpoint,
                    fever: v.temperature >= b.threshold,
                });
            }
        }
    }
    let stored = insert_rows(txn, batches, &rows).await?;
    let mut fevers: Vec<(usize, &Valid, &checkpoints::Model)> = Vec::new();
    let mut per_day: std::collections::BTreeMap<(chrono::NaiveDate, i64), (i64, i64)> =
        Default::default();
    let mut results: Vec<IngestResult> = batches
        .iter()
        .map(|b| {
            let mut rejected = b.rejected.clone();
            rejected.sort_by_key(|r| r.index);
            IngestResult {
                accepted: 0,
                duplicates: b.valid.len(),
                rejected,
                fevers: 0,
            }
        })
        .collect();
    for r in &rows {
        let Some(b) = batches.get(r.batch) else {
            continue;
        };
        if !stored.contains(&(b.source.key(), r.valid.seq)) {
            continue;
        }
        let Some(result) = results.get_mut(r.batch) else {
            continue;
        };
        result.accepted += 1;
        result.duplicates -= 1;
        let e = per_day
            .entry((super::duty::local_day(r.valid.at), r.checkpoint.id))
            .or_default();
        e.0 += 1;
        e.1 += i64::from(r.fever);
        if r.fever {
            result.fevers += 1;
            fevers.push((r.batch, r.valid, r.checkpoint));
        }
    }
    // The dashboard's running totals, per local day and checkpoint.
    let totals: Vec<_> = per_day
        .into_iter()
        .map(|((day, cp), (n, f))| (day, cp, n, f))
        .collect();
    super::dashboard::add_to_tallies(txn, &totals).await?;
    // Fever: a signal in this transaction; the follow-up worker raises the case after it.
    let mut signals = Vec::with_capacity(fevers.len());
    for (bi, v, checkpoint) in fevers {
        let Some(b) = batches.get(bi) else { continue };
        let source = match &b.source {
            Source::Device(d) => super::fever::Source::Passage {
                device_id: Some(d.id),
                user_id: None,
                client_id: None,
                seq: v.seq,
            },
            Source::User {
                user_id, client_id, ..
            } => super::fever::Source::Passage {
                device_id: None,
                user_id: Some(*user_id),
                client_id: Some(client_id.clone()),
                seq: v.seq,
            },
        };
        signals.push(super::fever::Signal {
            person_key: v.hash.clone(),
            day: super::duty::local_day(v.at),
            at: v.at,
            source,
            unit_id: checkpoint.unit_id,
            temperature: v.temperature,
        });
    }
    super::fever::Signal::add_all(txn, signals).await?;
    if !device_ids.is_empty() {
        devices::Entity::update_many()
            .col_expr(
                devices::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(devices::Column::Id.is_in(device_ids))
            .exec(txn)
            .await?;
    }
    Ok(results)
}

/// Only fevers, written so that the partial index of fevers serves the query: the index's own
/// condition (`WHERE fever`), not a comparison with a bound value that the planner cannot
/// see through when it prepares the statement.
pub fn fevers_only() -> sea_orm::sea_query::Expr {
    sea_orm::sea_query::Expr::col((passages::Entity, passages::Column::Fever))
}

/// Passages at the checkpoints `scope` selects, for a query that reads the fevers' partial
/// index: the column under SQLite's unary `+`, which keeps SQLite from searching the
/// (checkpoint_id, at) index once per checkpoint of the scope and sorting (without statistics
/// it prefers that to any partial index); PostgreSQL plans it the same either way.
pub fn at_checkpoints_by_fevers(
    scope: sea_orm::sea_query::SelectStatement,
) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::ExprTrait;
    sea_orm::sea_query::Expr::cust("+\"passages\".\"checkpoint_id\"").in_subquery(scope)
}

/// A passage on its way into the table, with what the write needs of its batch.
#[derive(Clone, Copy)]
struct Row<'a> {
    batch: usize,
    valid: &'a Valid,
    checkpoint: &'a checkpoints::Model,
    fever: bool,
}

/// The columns an insert names, and the values of each row in their order.
const INSERT_COLUMNS: &str = "checkpoint_id, device_id, device_seq, user_id, person_hash, \
    id_masked, name, phone, temperature, direction, fever, at, received_at, client_id, \
    contact_key";
const INSERT_VALUES: usize = 15;
/// Rows a statement carries at most: well under SQLite's and PostgreSQL's limits on bound
/// values, and few enough that the statement stays cheap to prepare once per connection.
const ROWS_PER_STATEMENT: usize = 100;

/// Inserts the rows, skipping any the database holds already, and answers the keys of the
/// rows it stored. PostgreSQL asks which of the group's keys it holds (`held_on_postgres`)
/// and takes the others in one plain statement (`UNNEST_SQL`). SQLite
/// takes hand-written multi-row statements (the hot path: SeaORM's builder would render and
/// bind a new statement for every chunk) in a few fixed sizes (`ROWS_PER_STATEMENT`, then
/// powers of two for the rest), so each connection prepares each size once and keeps it in
/// its statement cache.
async fn insert_rows<C: ConnectionTrait>(
    txn: &C,
    batches: &[Prepared],
    rows: &[Row<'_>],
) -> AppResult<HashSet<(SourceKey, i64)>> {
    let backend = txn.get_database_backend();
    let mut stored = HashSet::with_capacity(rows.len());
    if backend == sea_orm::DbBackend::Postgres {
        let held = held_on_postgres(txn, batches, rows).await?;
        let mut new = Vec::with_capacity(rows.len());
        for r in rows {
            let b = batches
                .get(r.batch)
                .ok_or_else(|| AppError::internal("a passage without its batch"))?;
            let key = (b.source.key(), r.valid.seq);
            if !held.contains(&key) {
                stored.insert(key);
                new.push(*r);
            }
        }
        if !new.is_empty() {
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                UNNEST_SQL,
                unnest_columns(batches, &new)?,
            ))
            .await?;
        }
        return Ok(stored);
    }
    let mut rest = rows;
    while !rest.is_empty() {
        let n = if rest.len() >= ROWS_PER_STATEMENT {
            ROWS_PER_STATEMENT
        } else {
            1 << rest.len().ilog2()
        };
        let (chunk, after) = rest.split_at(n);
        rest = after;
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(n * INSERT_VALUES);
        for r in chunk {
            let b = batches
                .get(r.batch)
                .ok_or_else(|| AppError::internal("a passage without its batch"))?;
            let (device_id, user_id, client_id) = match &b.source {
                Source::Device(d) => (Some(d.id), None, None),
                Source::User {
                    user_id, client_id, ..
                } => (None, Some(*user_id), Some(client_id.clone())),
            };
            let v = r.valid;
            values.extend([
                r.checkpoint.id.into(),
                device_id.into(),
                v.seq.into(),
                user_id.into(),
                v.hash.clone().into(),
                v.masked.clone().into(),
                v.name.clone().into(),
                v.phone.clone().into(),
                v.temperature.into(),
                v.direction.into(),
                r.fever.into(),
                v.at.into(),
                b.now.into(),
                client_id.into(),
                v.contact.clone().into(),
            ]);
        }
        let returned = txn
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                insert_sql(backend, n),
                values,
            ))
            .await?;
        read_stored(&mut stored, returned)?;
    }
    Ok(stored)
}

/// The sender keys of the rows a statement answered (those an insert stored, or those
/// `held_on_postgres` found).
fn read_stored(
    stored: &mut HashSet<(SourceKey, i64)>,
    returned: Vec<sea_orm::QueryResult>,
) -> AppResult<()> {
    for row in returned {
        let seq: i64 = row.try_get("", "device_seq")?;
        let device: Option<i64> = row.try_get("", "device_id")?;
        let key = match device {
            Some(d) => SourceKey::Device(d),
            None => SourceKey::User(row.try_get("", "user_id")?, row.try_get("", "client_id")?),
        };
        stored.insert((key, seq));
    }
    Ok(())
}

/// `held_on_postgres`'s statement: devices' keys as `$1`/`$2`, entry pages' as `$3`-`$5`.
/// Each key is looked up on its own (`LATERAL … LIMIT 1`), never joined as a set: as a
/// semi-join (`EXISTS`), a plan made while the table was small (a new installation, or no
/// ANALYZE yet) hashes the keys and scans the whole table, and a connection keeps that
/// generic plan as the table grows (seen in the screening benchmark on PostgreSQL: 6.3 ms a
/// group on average and up to 153 ms, against 1.3 ms this way). A lookup per key can only
/// read the unique index.
#[doc(hidden)]
pub const HELD_ON_POSTGRES_SQL: &str = "SELECT r.device_id, NULL::bigint AS user_id, \
    NULL::text AS client_id, r.device_seq \
    FROM unnest($1::bigint[], $2::bigint[]) AS r (device_id, device_seq) \
    CROSS JOIN LATERAL (SELECT 1 FROM passages p \
      WHERE p.device_id = r.device_id AND p.device_seq = r.device_seq LIMIT 1) AS held \
    UNION ALL \
    SELECT NULL, r.user_id, r.client_id, r.device_seq \
    FROM unnest($3::bigint[], $4::text[], $5::bigint[]) AS r (user_id, client_id, device_seq) \
    CROSS JOIN LATERAL (SELECT 1 FROM passages p WHERE p.user_id IS NOT NULL \
      AND p.user_id = r.user_id AND p.client_id = r.client_id \
      AND p.device_seq = r.device_seq LIMIT 1) AS held";

/// PostgreSQL: which of the rows' sender keys ((device, seq), or (user, page, seq)) the table
/// holds already, in one statement through the two unique indexes. Asked under the senders'
/// row locks (`write_many` takes them first, and every writer of passages does), so no other
/// transaction can store one of these keys until this one ends: the rows not held are then
/// inserted without `ON CONFLICT`, whose speculative insertion (each unique index searched
/// before the row goes in, a token per row) and `RETURNING` made PostgreSQL's share of a row
/// 40-65% dearer than a plain insert (measured in psql on 200,000 rows). Should a key be held
/// all the same, the insert fails on the unique index and the group is not acknowledged:
/// nothing is stored twice.
async fn held_on_postgres<C: ConnectionTrait>(
    txn: &C,
    batches: &[Prepared],
    rows: &[Row<'_>],
) -> AppResult<HashSet<(SourceKey, i64)>> {
    let (mut devices, mut device_seqs) = (Vec::new(), Vec::new());
    let (mut users, mut clients, mut user_seqs) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        let b = batches
            .get(r.batch)
            .ok_or_else(|| AppError::internal("a passage without its batch"))?;
        match &b.source {
            Source::Device(d) => {
                devices.push(d.id);
                device_seqs.push(r.valid.seq);
            }
            Source::User {
                user_id, client_id, ..
            } => {
                users.push(*user_id);
                clients.push(client_id.clone());
                user_seqs.push(r.valid.seq);
            }
        }
    }
    let found = txn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            HELD_ON_POSTGRES_SQL,
            [
                devices.into(),
                device_seqs.into(),
                users.into(),
                clients.into(),
                user_seqs.into(),
            ],
        ))
        .await?;
    let mut held = HashSet::with_capacity(found.len());
    read_stored(&mut held, found)?;
    Ok(held)
}

/// PostgreSQL: every new row of the group in one statement, each column bound as one array
/// and unrolled by `unnest`: one bind per column whatever the group's size, one plan for
/// every group, and PostgreSQL reads the rows as it would from COPY. The `unnest` calls stand
/// in the select list, where they advance in step a row at a time; in `FROM` each would first
/// copy its whole array into a tuple store of its own (fifteen per group; measured with the
/// arrays bound in binary, 200 groups of 1,000 rows: the backend's CPU 4.16-4.44 s against
/// 3.91-4.00 s this way). sea-query's arrays hold no NULL element, so the nullable columns
/// travel as 0 or "" and `NULLIF` turns them back (ids start at 1, and `text::clean` never
/// keeps an empty name, phone or client id).
const UNNEST_SQL: &str = "INSERT INTO passages (checkpoint_id, device_id, device_seq, user_id, \
    person_hash, id_masked, name, phone, temperature, direction, fever, at, received_at, client_id, \
    contact_key) \
    SELECT checkpoint_id, NULLIF(device_id, 0), device_seq, NULLIF(user_id, 0), person_hash, \
    id_masked, NULLIF(name, ''), NULLIF(phone, ''), temperature, direction, fever, at, \
    received_at, NULLIF(client_id, ''), NULLIF(contact_key, ''::bytea) \
    FROM (SELECT unnest($1::bigint[]) AS checkpoint_id, unnest($2::bigint[]) AS device_id, \
    unnest($3::bigint[]) AS device_seq, unnest($4::bigint[]) AS user_id, \
    unnest($5::text[]) AS person_hash, unnest($6::text[]) AS id_masked, \
    unnest($7::text[]) AS name, unnest($8::text[]) AS phone, \
    unnest($9::smallint[]) AS temperature, unnest($10::text[]) AS direction, \
    unnest($11::bool[]) AS fever, unnest($12::timestamptz[]) AS at, \
    unnest($13::timestamptz[]) AS received_at, unnest($14::text[]) AS client_id, \
    unnest($15::bytea[]) AS contact_key) AS r";

/// The group's rows as `UNNEST_SQL`'s fifteen arrays, in its column order.
fn unnest_columns(batches: &[Prepared], rows: &[Row<'_>]) -> AppResult<Vec<sea_orm::Value>> {
    let n = rows.len();
    let (mut checkpoint, mut device, mut seq, mut user) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut hash, mut masked, mut name, mut phone) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut temperature, mut direction, mut fever) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut at, mut received, mut client, mut contact) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::<Vec<u8>>::with_capacity(n),
    );
    for r in rows {
        let b = batches
            .get(r.batch)
            .ok_or_else(|| AppError::internal("a passage without its batch"))?;
        let (device_id, user_id, client_id) = match &b.source {
            Source::Device(d) => (d.id, 0, String::new()),
            Source::User {
                user_id, client_id, ..
            } => (0, *user_id, client_id.clone()),
        };
        let v = r.valid;
        checkpoint.push(r.checkpoint.id);
        device.push(device_id);
        seq.push(v.seq);
        user.push(user_id);
        hash.push(v.hash.clone());
        masked.push(v.masked.clone());
        name.push(v.name.clone().unwrap_or_default());
        phone.push(v.phone.clone().unwrap_or_default());
        temperature.push(v.temperature);
        direction.push(v.direction.to_owned());
        fever.push(r.fever);
        at.push(v.at);
        received.push(b.now);
        client.push(client_id);
        contact.push(v.contact.clone().unwrap_or_default());
    }
    Ok(vec![
        checkpoint.into(),
        device.into(),
        seq.into(),
        user.into(),
        hash.into(),
        masked.into(),
        name.into(),
        phone.into(),
        temperature.into(),
        direction.into(),
        fever.into(),
        at.into(),
        received.into(),
        client.into(),
        contact.into(),
    ])
}

/// `INSERT … VALUES (…), … ON CONFLICT DO NOTHING RETURNING …` for `n` rows. Without a
/// conflict target the statement skips a row that meets either sender key (a device's or
/// an entry page's sequence number), so it names neither partial index.
fn insert_sql(backend: sea_orm::DbBackend, n: usize) -> String {
    use std::fmt::Write;
    let pg = backend == sea_orm::DbBackend::Postgres;
    let mut sql = String::with_capacity(120 + n * INSERT_VALUES * 5);
    let _ = write!(sql, "INSERT INTO passages ({INSERT_COLUMNS}) VALUES ");
    for r in 0..n {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..INSERT_VALUES {
            if c > 0 {
                sql.push_str(", ");
            }
            if pg {
                let _ = write!(sql, "${}", r * INSERT_VALUES + c + 1);
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT DO NOTHING RETURNING device_id, user_id, client_id, device_seq");
    sql
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PassageView {
    pub id: i64,
    pub checkpoint_id: i64,
    pub checkpoint_name: String,
    pub id_masked: String,
    /// Unmasked only for roles that may see personal data (audited).
    pub name: Option<String>,
    pub phone: Option<String>,
    pub temperature: i16,
    pub direction: String,
    pub fever: bool,
    pub case_id: Option<i64>,
    pub at: DateTime<Utc>,
}

impl PassageView {
    /// The temperature as screens show it (`37.3 ℃`).
    pub fn temperature_text(&self) -> String {
        lianxin_types::DeciCelsius(self.temperature).to_string()
    }
}

fn mask_name(n: &str) -> String {
    let mut c = n.chars();
    match c.next() {
        Some(first) => format!("{first}{}", "*".repeat(c.count().max(1))),
        None => String::new(),
    }
}

/// Views with names and phones masked whatever the caller's role (a wall screen).
pub async fn masked_views(
    db: &impl ConnectionTrait,
    rows: Vec<passages::Model>,
) -> AppResult<Vec<PassageView>> {
    passage_views(db, &Principal::system("dashboard"), rows, false).await
}

pub(crate) async fn passage_views(
    db: &impl ConnectionTrait,
    who: &Principal,
    rows: Vec<passages::Model>,
    unmask: bool,
) -> AppResult<Vec<PassageView>> {
    let ids: HashSet<i64> = rows.iter().map(|p| p.checkpoint_id).collect();
    let names: HashMap<i64, String> = checkpoints::Entity::find()
        .filter(checkpoints::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let sensitive = unmask && who.can(perm::PERSON_SENSITIVE);
    let key = super::privacy::key()?;
    if sensitive && !rows.is_empty() {
        audit::record_event(
            db,
            who,
            Action::ReadSensitive,
            "passage",
            None,
            format!("{} passages", rows.len()),
            audit::Event::new("passage.unmask", serde_json::json!({"n": rows.len()})),
        )
        .await?;
    }
    Ok(rows
        .into_iter()
        .map(|p| PassageView {
            checkpoint_name: names.get(&p.checkpoint_id).cloned().unwrap_or_default(),
            name: p.name.as_deref().map(|n| {
                if sensitive {
                    n.to_owned()
                } else {
                    mask_name(n)
                }
            }),
            phone: p.phone.as_deref().and_then(|ph| key.open(ph)).map(|ph| {
                if sensitive {
                    ph
                } else {
                    lianxin_types::Phone::parse(&ph)
                        .map(|x| x.masked())
                        .unwrap_or_default()
                }
            }),
            id: p.id,
            checkpoint_id: p.checkpoint_id,
            id_masked: p.id_masked,
            temperature: p.temperature,
            direction: p.direction,
            fever: p.fever,
            case_id: p.case_id,
            at: p.at,
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PassageFilter {
    pub checkpoint_id: Option<i64>,
    /// RFC 3339
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339
    pub to: Option<DateTime<Utc>>,
    /// Only passages at or above the fever threshold.
    pub fever: Option<bool>,
    /// Sort by `at` or `temperature` (`order` gives the direction); without it newest first.
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these passages: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the passage list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &["at", "temperature"];

fn sort_column(key: &str) -> Option<passages::Column> {
    match key {
        "at" => Some(passages::Column::At),
        "temperature" => Some(passages::Column::Temperature),
        _ => None,
    }
}

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &PassageFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &PassageFilter,
    paging: Paging,
) -> AppResult<Page<PassageView>> {
    who.require(perm::PASSAGE_LIST)?;
    let q = ordered(who, f)?;
    let page = crate::paging::paged_in_order(db, q, paging).await?;
    Ok(Page {
        items: passage_views(db, who, page.items, true).await?,
        total: page.total,
    })
}

/// The passages the filter matches at the caller's checkpoints, in the list's order.
pub fn ordered(who: &Principal, f: &PassageFilter) -> AppResult<sea_orm::Select<passages::Entity>> {
    let sort = sort_of(f)?;
    let scope = sea_orm::sea_query::Query::select()
        .column(checkpoints::Column::Id)
        .from(checkpoints::Entity)
        .cond_where(super::checkpoints::scope_condition(who))
        .take();
    let mut q = passages::Entity::find().filter(if f.fever == Some(true) {
        at_checkpoints_by_fevers(scope)
    } else {
        passages::Column::CheckpointId.in_subquery(scope)
    });
    if let Some(c) = f.checkpoint_id {
        q = q.filter(passages::Column::CheckpointId.eq(c));
    }
    if let Some(v) = f.from {
        q = q.filter(passages::Column::At.gte(v));
    }
    if let Some(v) = f.to {
        q = q.filter(passages::Column::At.lt(v));
    }
    if f.fever == Some(true) {
        q = q.filter(fevers_only());
    }
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(passages::Column::Id.is_in(ids));
    }
    let q = crate::paging::sorted(
        q,
        sort.as_ref(),
        sort_column,
        (passages::Column::At, true),
        passages::Column::Id,
    );
    Ok(if sort.is_none() {
        q.order_by_desc(passages::Column::Id)
    } else {
        q
    })
}

/// The passages the filter shows the caller as an .xlsx, in the list's order: names and
/// phones as the list shows them (in full only to who may see personal data, audited).
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &PassageFilter,
    lang: Lang,
) -> AppResult<axum::response::Response> {
    use lianxin_kernel::sheet::{ExportRows, TableSheet};
    who.require(perm::PASSAGE_LIST)?;
    let q = ordered(who, f)?;
    let headers = [
        ("时间", "Time"),
        ("卡点", "Checkpoint"),
        ("姓名", "Name"),
        ("身份证号", "Identity number"),
        ("电话", "Phone"),
        ("体温", "Temperature"),
        ("方向", "Direction"),
        ("发热", "Fever"),
    ];
    let title = lang.pick("通行记录", "Passages");
    let mut sheet = TableSheet::labeled(title, &headers, lang)?;
    let mut rows = ExportRows::new(q, 1_000);
    while let Some(chunk) = rows.next(db).await? {
        for p in passage_views(db, who, chunk, true).await? {
            sheet.row(&[
                crate::web::time::local_time(&p.at),
                p.checkpoint_name.clone(),
                p.name.clone().unwrap_or_default(),
                p.id_masked.clone(),
                p.phone.clone().unwrap_or_default(),
                p.temperature_text(),
                if p.direction == "in" {
                    lang.pick("进", "in")
                } else {
                    lang.pick("出", "out")
                }
                .to_owned(),
                lang.pick(
                    if p.fever { "是" } else { "否" },
                    if p.fever { "yes" } else { "no" },
                )
                .to_owned(),
            ])?;
        }
    }
    audit::record_export(db, who, "passage", sheet.len()).await?;
    sheet.download(title).await
}

/// The identity number a passage or a screening names: required, and valid (GB 11643); the
/// reason goes into `errors` as `id_number`.
pub(crate) fn required_id_number(
    errors: &mut Vec<FieldError>,
    value: Option<String>,
) -> Option<lianxin_types::IdNumber> {
    match crate::text::clean(value) {
        None => {
            errors.push(FieldError::required(
                "id_number",
                "身份证号",
                "Identity number",
            ));
            None
        }
        Some(v) => match lianxin_types::IdNumber::parse(&v) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(FieldError::from_validation(
                    "id_number",
                    &e,
                    "身份证号",
                    "Identity number",
                ));
                None
            }
        },
    }
}

// Personnel screening lives in `contacts`; its names stay reachable here.
pub use super::contacts::{Contact, ContactsPage, ContactsQuery, contacts, contacts_xlsx};
