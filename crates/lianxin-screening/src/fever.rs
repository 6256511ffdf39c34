//! Fever follow-up (C9, C10), one mechanism for gates and health reports.
//!
//! A write that stores a fever (a passage at or above the threshold, a health report with a
//! fever) records it as a `fever_signals` row in its own transaction (`Signal::add`), and that
//! is all it does: a gate's batch never waits on case creation, and a fever never costs a
//! passage whatever the case engine says (a disabled kind, a missing unit).
//!
//! The follow-up worker (`start`) turns each signal into the one follow-up case of that person
//! and local day: the first fever raises the case (dispatched at once to the unit that follows
//! it up), each further fever of that person that day, at any gate or in any report, becomes a
//! `record` step on that case's timeline. Persons are matched by the keyed hash of their
//! identity number, the one passages store (`privacy::person_hash`), so a gate and a report
//! find each other. A signal the engine refuses stays in the queue with its error and is tried
//! again later (backing off to every five minutes), so re-enabling the kind raises the cases.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use tokio::sync::Notify;

use crate::access::Principal;
use crate::cases::service::{self as case_service, ActionInput, CaseInput};
use crate::entities::{fever_followups, fever_signals, health_reports, passages};
use crate::error::AppResult;
use lianxin_types::DeciCelsius;

/// Signals one transaction of the worker takes at most.
const BATCH: u64 = 25;
/// While the gates are writing, the worker rests this many times as long as its last batch
/// took: it holds the database (SQLite's write lock, a share of PostgreSQL's and the
/// machine's CPU) a twentieth of the time in a storm, so the gates' ingest keeps its pace
/// (25 follow-ups every few seconds still raise a district's 2,000 febrile people's cases
/// within minutes).
const REST_BUSY: u32 = 19;
/// When they are quiet, as long again.
const REST_QUIET: u32 = 1;
/// The gates are busy when the passage writer committed within this window.
const BUSY_WINDOW: std::time::Duration = std::time::Duration::from_millis(1_000);
/// How often the worker looks at the queue when nobody woke it.
const TICK: std::time::Duration = std::time::Duration::from_secs(2);

/// Where a fever was seen, and how to find its record again.
#[derive(Debug, Clone)]
pub enum Source {
    /// A passage, by its sender's key: a device and its sequence number, or a user's page.
    Passage {
        device_id: Option<i64>,
        user_id: Option<i64>,
        client_id: Option<String>,
        seq: i64,
    },
    HealthReport {
        id: i64,
    },
}

/// A fever as the writing code knows it.
#[derive(Debug, Clone)]
pub struct Signal {
    /// `privacy::person_hash` of the identity number, or `person:ID` without one.
    pub person_key: String,
    /// The local day the fever belongs to (a passage's, or the day a report is for).
    pub day: NaiveDate,
    pub at: DateTime<Utc>,
    pub source: Source,
    pub unit_id: i64,
    pub temperature: i16,
}

/// What the case says about a fever, read by the worker from the record itself (the signal
/// stays narrow, so the gate's write pays little for it).
struct Facts {
    place: String,
    name: Option<String>,
    id_masked: Option<String>,
    phone: Option<String>,
    symptoms: Option<String>,
    raised_by: String,
}

/// The facts of a signal's passage or report, or `None` when the record is gone (purged).
async fn facts(db: &impl ConnectionTrait, s: &fever_signals::Model) -> AppResult<Option<Facts>> {
    use crate::entities::{checkpoints, devices, enterprises, people, users};
    if let Some(report) = s.health_report_id {
        let Some(r) = health_reports::Entity::find_by_id(report).one(db).await? else {
            return Ok(None);
        };
        let person = people::Entity::find_by_id(r.person_id).one(db).await?;
        let enterprise = enterprises::Entity::find_by_id(r.enterprise_id)
            .one(db)
            .await?;
        let by = match r.reported_by_user_id {
            Some(u) => users::Entity::find_by_id(u)
                .one(db)
                .await?
                .map(|u| u.display_name),
            None => None,
        };
        return Ok(Some(Facts {
            place: enterprise.map(|e| e.name).unwrap_or_default(),
            name: Some(
                person
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| "职工".into()),
            ),
            id_masked: person
                .as_ref()
                .and_then(|p| p.id_number.as_deref())
                .map(lianxin_types::IdNumber::mask),
            phone: person.and_then(|p| p.phone),
            symptoms: (!r.symptoms.is_empty())
                .then(|| super::health::symptoms_label(&r.symptoms, crate::i18n::Lang::Zh)),
            raised_by: format!("健康日报：{}", by.unwrap_or_default()),
        }));
    }
    let Some(seq) = s.seq else {
        return Ok(None);
    };
    let q = passages::Entity::find().filter(passages::Column::DeviceSeq.eq(seq));
    let q = match (s.device_id, s.user_id) {
        (Some(d), _) => q.filter(passages::Column::DeviceId.eq(d)),
        (None, Some(u)) => q
            .filter(passages::Column::UserId.eq(u))
            .filter(passages::Column::ClientId.eq(s.client_id.clone())),
        (None, None) => return Ok(None),
    };
    let Some(p) = q.one(db).await? else {
        return Ok(None);
    };
    let key = super::privacy::key()?;
    let place = checkpoints::Entity::find_by_id(p.checkpoint_id)
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let raised_by = match (p.device_id, p.user_id) {
        (Some(d), _) => format!(
            "设备：{}",
            devices::Entity::find_by_id(d)
                .one(db)
                .await?
                .map(|d| d.name)
                .unwrap_or_default()
        ),
        (None, Some(u)) => format!(
            "卡点登记：{}",
            users::Entity::find_by_id(u)
                .one(db)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default()
        ),
        (None, None) => "卡点".to_owned(),
    };
    Ok(Some(Facts {
        place,
        name: p.name,
        id_masked: Some(p.id_masked),
        // Sealed in the passage; the follow-up case needs the number to call.
        phone: p.phone.as_deref().and_then(|ph| key.open(ph)),
        symptoms: None,
        raised_by,
    }))
}

/// The key of a registered person: the keyed hash of the identity number when there is one
/// (as passages store it), otherwise the person's id.
pub fn person_key(
    key: &lianxin_kernel::secret::InstallationKey,
    person_id: i64,
    id_number: Option<&str>,
) -> String {
    match id_number
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.to_ascii_uppercase())
    {
        Some(id) => super::privacy::person_hash(key, &id),
        None => format!("person:{person_id}"),
    }
}

impl Signal {
    /// The same fever, of the health report `id` (known once the report is written).
    pub fn of_report(self, id: i64) -> Signal {
        Signal {
            source: Source::HealthReport { id },
            ..self
        }
    }

    fn model(self, now: DateTime<Utc>) -> fever_signals::ActiveModel {
        let (source, device_id, user_id, client_id, seq, report) = match self.source {
            Source::Passage {
                device_id,
                user_id,
                client_id,
                seq,
            } => ("passage", device_id, user_id, client_id, Some(seq), None),
            Source::HealthReport { id } => ("health_report", None, None, None, None, Some(id)),
        };
        fever_signals::ActiveModel {
            person_key: Set(self.person_key),
            day: Set(self.day),
            at: Set(self.at),
            source: Set(source.to_owned()),
            device_id: Set(device_id),
            user_id: Set(user_id),
            client_id: Set(client_id),
            seq: Set(seq),
            health_report_id: Set(report),
            unit_id: Set(self.unit_id),
            temperature: Set(self.temperature),
            case_id: Set(None),
            done_at: Set(None),
            attempts: Set(0),
            next_try_at: Set(now),
            error: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
    }

    /// Records fevers in the caller's (the write's) transaction.
    pub async fn add_all(db: &impl ConnectionTrait, signals: Vec<Signal>) -> AppResult<()> {
        let now = Utc::now();
        if signals.is_empty() {
            return Ok(());
        }
        let backend = db.get_database_backend();
        if backend == sea_orm::DbBackend::Postgres {
            // A storm's fevers are a third of a group's rows: one statement for all of them,
            // as the passages are written (a multi-row `VALUES` of 17 bound values a row
            // costs PostgreSQL more than the passages' own insert).
            db.execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                SIGNALS_UNNEST_SQL,
                unnest_columns(signals, now),
            ))
            .await?;
            return Ok(());
        }
        let mut rows = signals.into_iter().map(|s| s.model(now)).peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(1_000).collect();
            fever_signals::Entity::insert_many(chunk)
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

/// PostgreSQL: the signals as one `INSERT … SELECT … FROM unnest(…)`, each column bound as
/// one array. sea-query's arrays hold no NULL element, so the nullable columns travel as 0 or
/// "" and `NULLIF` turns them back (ids start at 1; a client id is never empty; a sequence
/// number belongs to a passage's signal only).
const SIGNALS_UNNEST_SQL: &str = "INSERT INTO fever_signals (person_key, day, at, source, \
    device_id, user_id, client_id, seq, health_report_id, unit_id, temperature, attempts, \
    next_try_at, created_at) \
    SELECT person_key, day, at, source, NULLIF(device_id, 0), NULLIF(user_id, 0), \
    NULLIF(client_id, ''), CASE WHEN source = 'passage' THEN seq END, \
    NULLIF(health_report_id, 0), unit_id, temperature, 0, $12, $12 \
    FROM unnest($1::text[], $2::date[], $3::timestamptz[], $4::text[], $5::bigint[], \
    $6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::smallint[]) \
    AS r (person_key, day, at, source, device_id, user_id, client_id, seq, health_report_id, \
    unit_id, temperature)";

/// The signals as `SIGNALS_UNNEST_SQL`'s eleven arrays and the time they are written.
fn unnest_columns(signals: Vec<Signal>, now: DateTime<Utc>) -> Vec<sea_orm::Value> {
    let n = signals.len();
    let mut person_key = Vec::with_capacity(n);
    let mut day = Vec::with_capacity(n);
    let mut at = Vec::with_capacity(n);
    let mut source = Vec::with_capacity(n);
    let mut device = Vec::with_capacity(n);
    let mut user = Vec::with_capacity(n);
    let mut client = Vec::with_capacity(n);
    let mut seq = Vec::with_capacity(n);
    let mut report = Vec::with_capacity(n);
    let mut unit = Vec::with_capacity(n);
    let mut temperature = Vec::with_capacity(n);
    for s in signals {
        match s.source {
            Source::Passage {
                device_id,
                user_id,
                client_id,
                seq: q,
            } => {
                source.push("passage".to_owned());
                device.push(device_id.unwrap_or(0));
                user.push(user_id.unwrap_or(0));
                client.push(client_id.unwrap_or_default());
                seq.push(q);
                report.push(0_i64);
            }
            Source::HealthReport { id } => {
                source.push("health_report".to_owned());
                device.push(0);
                user.push(0);
                client.push(String::new());
                seq.push(0);
                report.push(id);
            }
        }
        person_key.push(s.person_key);
        day.push(s.day);
        at.push(s.at);
        unit.push(s.unit_id);
        temperature.push(s.temperature);
    }
    vec![
        person_key.into(),
        day.into(),
        at.into(),
        source.into(),
        device.into(),
        user.into(),
        client.into(),
        seq.into(),
        report.into(),
        unit.into(),
        temperature.into(),
        now.into(),
    ]
}

fn temperature(t: i16) -> String {
    DeciCelsius(t).to_string()
}

impl Facts {
    /// `，症状：咳嗽、乏力`, or nothing.
    fn symptoms_text(&self) -> String {
        self.symptoms
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| format!("，症状：{v}"))
            .unwrap_or_default()
    }
}

/// The follow-up case of a first fever: one wording for gates and reports.
fn case_input(s: &fever_signals::Model, f: &Facts) -> CaseInput {
    let masked = f.id_masked.as_deref().unwrap_or("");
    let name = f.name.as_deref().unwrap_or("通行人员");
    let t = temperature(s.temperature);
    let (title, seen) = match s.source.as_str() {
        "health_report" => (
            format!("{} 职工健康日报发热 {t}（{masked}）", f.place),
            format!("于 {} 在{}的健康日报中填报体温 {t}", s.day, f.place),
        ),
        _ => (
            format!("{} 发热 {t}（{masked}）", f.place),
            format!(
                "于 {} 在{}测得体温 {t}",
                lianxin_kernel::web::widgets::local_time(&s.at),
                f.place
            ),
        ),
    };
    let symptoms = f.symptoms_text();
    CaseInput {
        kind: Some("fever_followup".into()),
        category: Some("retest".into()),
        title: Some(title),
        description: Some(format!(
            "{name}{seen}{symptoms}。请联系复测并视情况转诊发热门诊。"
        )),
        unit_id: Some(s.unit_id),
        source: Some("inspection".into()),
        priority: Some("urgent".into()),
        contact_phone: f.phone.clone(),
        dispatch: Some(ActionInput {
            lead_unit_id: Some(s.unit_id),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A further fever of the same person and day, as its timeline step says it.
fn further_text(s: &fever_signals::Model, f: &Facts) -> String {
    let t = temperature(s.temperature);
    let symptoms = f.symptoms_text();
    match s.source.as_str() {
        "health_report" => format!("{} 健康日报再次填报发热：体温 {t}{symptoms}", f.place),
        _ => format!(
            "{} 在{}再次测得发热：体温 {t}",
            lianxin_kernel::web::widgets::local_time(&s.at),
            f.place
        ),
    }
}

/// Turns one signal into its case or timeline step, inside the caller's savepoint.
async fn follow_up<C: ConnectionTrait + TransactionTrait>(
    txn: &C,
    s: &fever_signals::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let id = s.id;
    let Some(f) = facts(txn, s).await? else {
        // The passage or report is gone (purged): nothing is left to follow up.
        fever_signals::Entity::update_many()
            .col_expr(fever_signals::Column::DoneAt, Expr::value(now))
            .filter(fever_signals::Column::Id.eq(id))
            .exec(txn)
            .await?;
        return Ok(());
    };
    let who = Principal::system(&f.raised_by);
    let at = s.at.max(now - Duration::days(1)).min(now);
    let existing = fever_followups::Entity::find()
        .filter(fever_followups::Column::PersonKey.eq(&s.person_key))
        .filter(fever_followups::Column::Day.eq(s.day))
        .one(txn)
        .await?;
    let case_id = match existing {
        Some(followup) => {
            case_service::record(txn, &who, followup.case_id, further_text(s, &f), at).await?;
            followup.case_id
        }
        None => {
            let case = case_service::create(txn, &who, case_input(s, &f), at).await?;
            fever_followups::ActiveModel {
                person_key: Set(s.person_key.clone()),
                day: Set(s.day),
                case_id: Set(case.id),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            case.id
        }
    };
    match (&s.health_report_id, s.seq) {
        (Some(report), _) => {
            health_reports::Entity::update_many()
                .col_expr(health_reports::Column::CaseId, Expr::value(case_id))
                .filter(health_reports::Column::Id.eq(*report))
                .exec(txn)
                .await?;
        }
        (None, Some(seq)) => {
            let upd = passages::Entity::update_many()
                .col_expr(passages::Column::CaseId, Expr::value(case_id))
                .filter(passages::Column::DeviceSeq.eq(seq));
            match (s.device_id, s.user_id) {
                (Some(d), _) => upd.filter(passages::Column::DeviceId.eq(d)),
                (None, Some(u)) => upd
                    .filter(passages::Column::UserId.eq(u))
                    .filter(passages::Column::ClientId.eq(s.client_id.clone())),
                (None, None) => upd.filter(passages::Column::Id.eq(-1)),
            }
            .exec(txn)
            .await?;
        }
        (None, None) => {}
    }
    fever_signals::Entity::update_many()
        .col_expr(fever_signals::Column::CaseId, Expr::value(case_id))
        .col_expr(fever_signals::Column::DoneAt, Expr::value(now))
        .col_expr(
            fever_signals::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .filter(fever_signals::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Keeps a refused signal in the queue with its reason, to be tried again later.
async fn postpone(
    db: &impl ConnectionTrait,
    s: &fever_signals::Model,
    why: String,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let attempts = s.attempts.saturating_add(1);
    let wait = 2_i64.saturating_pow(attempts.clamp(0, 30) as u32).min(300);
    fever_signals::Entity::update_many()
        .col_expr(fever_signals::Column::Attempts, Expr::value(attempts))
        .col_expr(
            fever_signals::Column::NextTryAt,
            Expr::value(now + Duration::seconds(wait)),
        )
        .col_expr(fever_signals::Column::Error, Expr::value(why))
        .filter(fever_signals::Column::Id.eq(s.id))
        .exec(db)
        .await?;
    Ok(())
}

/// One transaction over the next signals due by `now` (at most `BATCH`): each in a savepoint
/// of its own, so a refused one is postponed alone and the others commit together (one commit
/// for a storm's worth of cases, not one each).
async fn follow_up_batch(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Round> {
    let ids: Vec<i64> = fever_signals::Entity::find()
        .select_only()
        .column(fever_signals::Column::Id)
        .filter(fever_signals::Column::DoneAt.is_null())
        .filter(fever_signals::Column::NextTryAt.lte(now))
        .order_by_asc(fever_signals::Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(Round::default());
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    // The rows are this worker's until it commits; one another worker finished meanwhile is
    // read as done and skipped.
    crate::db::lock_rows(&txn, "fever_signals", &ids).await?;
    let due = fever_signals::Entity::find()
        .filter(fever_signals::Column::Id.is_in(ids.clone()))
        .filter(fever_signals::Column::DoneAt.is_null())
        .order_by_asc(fever_signals::Column::Id)
        .all(&txn)
        .await?;
    let mut done = 0;
    let mut postponed = 0;
    for s in &due {
        let sp = txn.begin().await?;
        match follow_up(&sp, s, Utc::now()).await {
            Ok(()) => {
                sp.commit().await?;
                done += 1;
            }
            Err(e) => {
                sp.rollback().await?;
                tracing::warn!(signal = s.id, error = %e, "fever follow-up postponed");
                metrics::counter!("lianxin_fever_followups_postponed_total").increment(1);
                postpone(&txn, s, e.to_string(), Utc::now()).await?;
                postponed += 1;
            }
        }
    }
    txn.commit().await?;
    metrics::counter!("lianxin_fever_followups_total").increment(done as u64);
    Ok(Round {
        taken: ids.len(),
        done,
        postponed,
    })
}

/// What one batch of the worker did.
#[derive(Debug, Default, Clone, Copy)]
struct Round {
    /// Signals due when the batch began (some may have been done by another worker since).
    taken: usize,
    done: usize,
    postponed: usize,
}

impl Round {
    /// Another batch may find work: something was due, and not all of it was refused.
    fn more(self) -> bool {
        self.taken > 0 && self.postponed < self.taken
    }
}

/// Follows up every signal due by `now`, oldest first; answers how many became cases or steps.
/// The worker calls it a batch at a time; tests and the CLI may call it (a signal is done
/// once, whoever takes it).
pub async fn follow_up_due(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let mut done = 0;
    loop {
        let round = follow_up_batch(db, now).await?;
        done += round.done;
        if !round.more() {
            // Nothing due, or all refused this round (their next try is later).
            return Ok(done);
        }
    }
}

/// Signals not yet followed up (the screening benchmark waits on it).
pub async fn pending(db: &impl ConnectionTrait) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(fever_signals::Entity::find()
        .filter(fever_signals::Column::DoneAt.is_null())
        .count(db)
        .await?)
}

/// Between the passage writer and the worker: the writer wakes the worker after a commit
/// with a fever and notes every commit, so the worker knows when the gates are busy.
#[derive(Clone)]
pub struct Waker {
    notify: Arc<Notify>,
    started: std::time::Instant,
    /// Milliseconds after `started` of the writer's last commit.
    last_write: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for Waker {
    fn default() -> Self {
        Waker {
            notify: Arc::default(),
            started: std::time::Instant::now(),
            last_write: Arc::default(),
        }
    }
}

impl Waker {
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// The writer committed a group just now.
    pub fn note_write(&self) {
        let ms = self.started.elapsed().as_millis() as u64;
        self.last_write
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the writer committed within `BUSY_WINDOW`.
    fn gates_busy(&self) -> bool {
        let last = self.last_write.load(std::sync::atomic::Ordering::Relaxed);
        last > 0
            && (self.started.elapsed().as_millis() as u64).saturating_sub(last)
                < BUSY_WINDOW.as_millis() as u64
    }
}

/// Starts the follow-up worker on the current runtime, supervised: an error is logged and the
/// next round comes; a panic is logged and the worker starts again.
pub fn start(db: DatabaseConnection) -> Waker {
    let waker = Waker::default();
    let shared = waker.clone();
    tokio::spawn(crate::writer::supervise("fever follow-up", move || {
        let db = db.clone();
        let waker = shared.clone();
        async move {
            loop {
                tokio::select! {
                    _ = waker.notify.notified() => {}
                    _ = tokio::time::sleep(TICK) => {}
                }
                // A batch at a time, then a rest: while the gates are writing, `REST_BUSY` times
                // as long as the batch took (they keep the database), otherwise as long again
                // (a storm's backlog drains quickly once it passes).
                loop {
                    let t = std::time::Instant::now();
                    match follow_up_batch(&db, Utc::now()).await {
                        Ok(round) if round.more() => {
                            let rest = if waker.gates_busy() {
                                REST_BUSY
                            } else {
                                REST_QUIET
                            };
                            tokio::time::sleep(t.elapsed() * rest).await;
                        }
                        Ok(_) => break,
                        Err(e) => {
                            tracing::error!(error = %e, "fever follow-up round failed");
                            break;
                        }
                    }
                }
            }
        }
    }));
    waker
}
