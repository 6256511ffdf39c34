//! Group commit for passages. Every request that posts passages (a gate's batch, a single
//! passage, the entry page's queue) validates its batch in its own task
//! (`passages::prepare`), then hands it to the writer tasks of the process (one on SQLite,
//! `POSTGRES_WRITERS` on PostgreSQL). A writer
//! takes whatever batches are waiting (up to `MAX_GROUP` passages), writes them together in
//! one transaction with a handful of statements (`passages::write_many`), commits once, and
//! only then answers every request.
//!
//! Why: on SQLite every commit is an fsync and writers take turns, so a thousand single
//! passages a second would be a thousand fsyncs; grouped, they are a few dozen. If a group
//! fails, its batches are written again one by one, so a bad batch fails alone. An answer is
//! never sent before its passages are durable.
//!
//! The writers are supervised (`supervise`): a panic in one is logged and it starts again on
//! the same queue, so a bug met by one group never leaves the gates answering 500 for ever.
//! Fevers leave the writer as `fever_signals` rows in the same transaction; the follow-up
//! worker (`fever`) is woken after the commit and raises the cases outside it.

use std::sync::{Arc, Mutex};

use lianxin_kernel::secret::InstallationKey;
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

use super::passages::{self, IngestResult, Prepared};
use crate::error::{AppError, AppResult};

/// Passages written in one transaction at most (batches are never split).
const MAX_GROUP: usize = 5_000;

/// Writer tasks on PostgreSQL (each takes its own group; they lock senders and totals in one
/// global order, so they never deadlock each other).
const POSTGRES_WRITERS: usize = 3;

struct Job {
    batch: Prepared,
    reply: oneshot::Sender<AppResult<IngestResult>>,
}

/// How long a read fever threshold is used before it is read again (an administrator's
/// change reaches the gates within this time).
const SETTINGS_TTL: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Default)]
struct Cached {
    key: Option<Arc<InstallationKey>>,
    /// The threshold, when it was read, and the settings generation it was read in.
    threshold: Option<(i16, std::time::Instant, u64)>,
}

/// The handle the request handlers hold (cheap to clone).
#[derive(Clone)]
pub struct IngestWriter {
    tx: mpsc::Sender<Job>,
    cache: Arc<Mutex<Cached>>,
    faults: Arc<std::sync::atomic::AtomicUsize>,
}

impl IngestWriter {
    /// Starts the writer tasks on the current tokio runtime; `fevers` is woken after every
    /// commit that stored a fever.
    pub fn start(db: DatabaseConnection, fevers: super::fever::Waker) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        // SQLite has one writer at a time whatever we do; PostgreSQL commits several
        // transactions side by side, so a few writers keep it busy while others prepare.
        let writers = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => POSTGRES_WRITERS,
            _ => 1,
        };
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let faults: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        for _ in 0..writers {
            let (db, rx, fevers, faults) = (db.clone(), rx.clone(), fevers.clone(), faults.clone());
            tokio::spawn(supervise("passage writer", move || {
                run(db.clone(), rx.clone(), fevers.clone(), faults.clone())
            }));
        }
        IngestWriter {
            tx,
            cache: Arc::default(),
            faults,
        }
    }

    /// Makes the next `n` groups panic inside the writer (for the tests that prove the writer
    /// is supervised; nothing else calls it).
    #[doc(hidden)]
    pub fn inject_panics(&self, n: usize) {
        self.faults.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// Forgets the cached threshold (after an administrator changed it on this node; other
    /// nodes read it again within `SETTINGS_TTL`).
    pub fn forget_settings(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.threshold = None;
        }
    }

    /// The installation's HMAC key (read once) and the fever threshold (read again after
    /// `SETTINGS_TTL`, or at once after a change in this process: `settings::generation`), so a passage costs no settings queries.
    pub async fn settings(
        &self,
        db: &DatabaseConnection,
    ) -> AppResult<(Arc<InstallationKey>, i16)> {
        let (key, threshold) = {
            let c = self
                .cache
                .lock()
                .map_err(|_| AppError::internal("settings cache"))?;
            (
                c.key.clone(),
                c.threshold
                    .filter(|(_, at, generation)| {
                        at.elapsed() < SETTINGS_TTL
                            && *generation == lianxin_kernel::settings::generation()
                    })
                    .map(|(t, _, _)| t),
            )
        };
        let key = match key {
            Some(k) => k,
            None => super::privacy::key()?,
        };
        let threshold = match threshold {
            Some(t) => t,
            None => {
                let generation = lianxin_kernel::settings::generation();
                let t = super::privacy::fever_threshold(db).await?;
                if let Ok(mut c) = self.cache.lock() {
                    c.threshold = Some((t, std::time::Instant::now(), generation));
                }
                t
            }
        };
        if let Ok(mut c) = self.cache.lock() {
            c.key = Some(key.clone());
        }
        Ok((key, threshold))
    }

    /// Writes a prepared batch; answers after its transaction has committed.
    pub async fn write(&self, batch: Prepared) -> AppResult<IngestResult> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { batch, reply })
            .await
            .map_err(|_| AppError::internal("the passage writer has stopped"))?;
        answer
            .await
            .map_err(|_| AppError::internal("the passage writer dropped a batch"))?
    }
}

/// Runs `task` on its own tokio task for ever: when it panics, the panic is logged and counted
/// and a new one starts; when it returns (its queue closed), so does this.
pub async fn supervise<F, Fut>(name: &'static str, task: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match tokio::spawn(task()).await {
            Ok(()) => return,
            Err(e) if e.is_panic() => {
                let what = e.into_panic();
                let what = what
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| what.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(task = name, panic = %what, "task panicked; starting it again");
                metrics::counter!("lianxin_task_restarts_total", "task" => name).increment(1);
            }
            Err(_) => return, // cancelled: the runtime is shutting down
        }
    }
}

async fn run(
    db: DatabaseConnection,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    fevers: super::fever::Waker,
    faults: Arc<std::sync::atomic::AtomicUsize>,
) {
    loop {
        // Take the next group, then let the next writer take its own while this one writes.
        let group = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut size = first.batch.len();
            let mut group = vec![first];
            while size < MAX_GROUP {
                match rx.try_recv() {
                    Ok(job) => {
                        size += job.batch.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            group
        };
        let n = group.len();
        let (batches, replies): (Vec<Prepared>, Vec<_>) =
            group.into_iter().map(|j| (j.batch, j.reply)).unzip();
        if faults
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| n.checked_sub(1),
            )
            .is_ok()
        {
            panic!("injected fault in the passage writer");
        }
        match write_group(&db, batches).await {
            Ok(results) => {
                fevers.note_write();
                if results
                    .iter()
                    .any(|r| r.as_ref().is_ok_and(|r| r.fevers > 0))
                {
                    fevers.wake();
                }
                let accepted: usize = results
                    .iter()
                    .filter_map(|r| r.as_ref().ok())
                    .map(|r| r.accepted)
                    .sum();
                metrics::counter!("lianxin_passages_accepted_total").increment(accepted as u64);
                metrics::histogram!("lianxin_passage_group_batches").record(n as f64);
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batches = n, "passage group failed to commit");
                for reply in replies {
                    let _ = reply.send(Err(AppError::internal(&e)));
                }
            }
        }
    }
}

/// One transaction for the whole group; if it fails, each batch again in a transaction of its
/// own, so that one bad batch cannot sink the others.
async fn write_group(
    db: &DatabaseConnection,
    batches: Vec<Prepared>,
) -> Result<Vec<AppResult<IngestResult>>, AppError> {
    let together = async {
        let txn = lianxin_kernel::db::begin_write(db).await?;
        let results = passages::write_many(&txn, &batches).await?;
        txn.commit().await?;
        Ok::<_, AppError>(results)
    }
    .await;
    match together {
        Ok(results) => Ok(results.into_iter().map(Ok).collect()),
        Err(e) if batches.len() == 1 => Ok(vec![Err(e)]),
        Err(e) => {
            tracing::warn!(error = %e, batches = batches.len(), "passage group failed; writing its batches one by one");
            let mut results = Vec::with_capacity(batches.len());
            for b in &batches {
                let one = async {
                    let txn = lianxin_kernel::db::begin_write(db).await?;
                    let r = passages::write(&txn, b).await?;
                    txn.commit().await?;
                    Ok::<_, AppError>(r)
                }
                .await;
                results.push(one);
            }
            Ok(results)
        }
    }
}
