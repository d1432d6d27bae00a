//! The durable journal: every delivery, every sync attempt, every outcome.
//!
//! One SQLite file in WAL mode. A delivery is committed (and fsynced) by
//! [`Journal::record_delivery`] before the webhook is answered 2xx, so a
//! delivery Lever was told we have is never lost. Sync jobs are keyed by
//! hire (the Lever opportunity): every event for one opportunity joins one
//! job, and [`Journal::claim_next`] hands a job to one worker at a time under
//! a lease. A worker that dies leaves its lease to run out; the next claim
//! after that takes the job again, so every recorded delivery is processed
//! at least once, whatever point the process was killed at.
//!
//! Every method takes the time as `now_ms` (epoch milliseconds) rather than
//! reading a clock, so callers and tests control time.
//!
//! # Threads and processes
//!
//! A `Journal` is one connection behind a `Mutex`: share it with `Arc`. SQLite
//! runs one writer at a time anyway, and each call here is a short
//! transaction, so a pool would add nothing but contention on the file lock.
//! Calls block (on the mutex, and up to 10 s on another process's write
//! lock), so async code should call them from `spawn_blocking`. Several
//! processes may open the same file (the service and `lever-namely events`,
//! say): writes take SQLite's write lock up front (`BEGIN IMMEDIATE`), so two
//! claims never pick the same job.
//!
//! # Durability
//!
//! `journal_mode=WAL` lets readers run alongside the writer.
//! `synchronous=FULL` fsyncs the WAL at every commit: with `NORMAL`, a commit
//! survives a process crash but can be lost on power failure or an OS crash,
//! and that commit may be a delivery Lever was already told we stored, and
//! whether Lever would send it again is unconfirmed. Hires are a few a day, so
//! one fsync per delivery costs nothing that matters.

mod read;
mod record;
mod refusals;
pub mod schema;
mod types;
mod work;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Result};
use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};

pub use self::types::{
    AttemptRecord, AttemptReport, Claim, DeliveryRecord, HireSummary, JournalCounts, Outcome, Reconciled, Recorded,
    Replayed, RetryPolicy, Status, SyncResult,
};
pub use self::refusals::{RefusalRecord, KEPT_REFUSALS};
pub use self::work::LeaseLost;

/// How long a call waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The journal. See the module docs.
#[derive(Debug)]
pub struct Journal {
    conn: Mutex<Connection>,
    path: PathBuf,
    retry: RetryPolicy,
}

impl Journal {
    /// Open the journal at `path`, creating the file and its schema if
    /// needed and applying any pending migrations.
    ///
    /// Errors name the path and say what to do: a missing directory, a file
    /// that is not a journal (or is damaged), missing permissions, a journal
    /// written by a newer version.
    pub fn open(path: impl AsRef<Path>) -> Result<Journal> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display();
        if path.is_dir() {
            bail!(
                "cannot open the journal at {shown}: that is a directory; give a file path, such as {}",
                path.join("journal.sqlite3").display()
            );
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                bail!(
                    "cannot open the journal at {shown}: the directory {} does not exist; create it, \
                     or point the journal setting at a directory that exists",
                    dir.display()
                );
            }
        }
        let mut conn = Connection::open(&path).map_err(|e| open_error(&path, e.into()))?;
        configure(&conn).map_err(|e| open_error(&path, e))?;
        schema::migrate(&mut conn, wall_clock_ms()).map_err(|e| open_error(&path, e))?;
        Ok(Journal { conn: Mutex::new(conn), path, retry: RetryPolicy::default() })
    }

    /// The same journal with another retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Journal {
        self.retry = retry;
        self
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The file this journal lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i64> {
        self.read("read its schema version", schema::version)
    }

    /// The connection's `synchronous` setting (`full`): for health checks.
    pub fn synchronous(&self) -> Result<String> {
        self.read("read its settings", |conn| {
            let level: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            Ok(["off", "normal", "full", "extra"].get(level as usize).unwrap_or(&"unknown").to_string())
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-call dropped its transaction, which rolled back: the
        // connection is still consistent, so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Run `f` in a write transaction taken with `BEGIN IMMEDIATE`, so its
    /// reads and writes are atomic against every other connection.
    fn write<T>(&self, what: &str, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let result = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(anyhow::Error::from)
            .and_then(|tx| {
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            });
        result.map_err(|e| self.failed(what, e))
    }

    fn read<T>(&self, what: &str, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.lock()).map_err(|e| self.failed(what, e))
    }

    fn failed(&self, what: &str, error: anyhow::Error) -> anyhow::Error {
        let shown = self.path.display();
        if sqlite_code(&error) == Some(ErrorCode::DatabaseBusy) {
            return error.context(format!(
                "the journal at {shown} could not {what}: another process held its write lock for over {} s; \
                 is a second service running on the same journal?",
                BUSY_TIMEOUT.as_secs()
            ));
        }
        error.context(format!("the journal at {shown} could not {what}"))
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        bail!(
            "SQLite could not put it in WAL mode (it stayed in {mode} mode), as happens on some network \
             filesystems; keep the journal on a local disk"
        );
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Turn an error from opening the file into advice naming the path.
fn open_error(path: &Path, error: anyhow::Error) -> anyhow::Error {
    let shown = path.display();
    let advice = match sqlite_code(&error) {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => format!(
            "the file is not a lever-namely journal, or it is damaged. Move it aside and start again (a new, \
             empty journal is created), or restore it from a backup. Keep {shown}-wal beside it if that exists: it may hold the latest deliveries"
        ),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => format!(
            "check that this user may read and write it and its directory (SQLite also creates \
             {shown}-wal and {shown}-shm beside it)"
        ),
        Some(ErrorCode::DatabaseBusy) => "another process holds it locked; stop that process, or wait".to_string(),
        _ => return error.context(format!("cannot open the journal at {shown}")),
    };
    anyhow!("cannot open the journal at {shown}: {advice} ({error:#})")
}

fn sqlite_code(error: &anyhow::Error) -> Option<ErrorCode> {
    error.chain().find_map(|cause| cause.downcast_ref::<rusqlite::Error>()).and_then(|e| e.sqlite_error_code())
}

fn wall_clock_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
