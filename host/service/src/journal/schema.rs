//! The journal's schema, as plain SQL migrations applied in order.
//!
//! `schema_version` holds one row per applied migration. Append new
//! migrations to [`MIGRATIONS`]; never edit one that has shipped, since
//! journals in the field have already run it.

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, TransactionBehavior};

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`.
pub const MIGRATIONS: &[&str] = &[
    // 1: jobs, deliveries, attempts, requeues.
    r#"
    -- One sync job per hire (Lever opportunity).
    CREATE TABLE jobs (
        hire_key        TEXT PRIMARY KEY,
        opportunity_id  TEXT NOT NULL UNIQUE,
        status          TEXT NOT NULL
                        CHECK (status IN ('pending', 'running', 'retrying', 'done', 'not-hired', 'failed')),
        -- When a worker may claim it: the time queued (pending), the next
        -- attempt (retrying), the lease's end (running); NULL once settled.
        due_at          INTEGER,
        lease_owner     TEXT,
        attempt_id      INTEGER,            -- the running attempt
        tries           INTEGER NOT NULL DEFAULT 0,   -- since last queued; drives backoff
        -- Run again after the current attempt: 1 unless it ends done (a new
        -- delivery arrived), 2 whatever it ends (an operator's replay).
        rerun           INTEGER NOT NULL DEFAULT 0,
        result          TEXT CHECK (result IN ('created', 'already-synced')),
        namely_id       TEXT,
        profile_url     TEXT,
        last_reason     TEXT,
        retryable       INTEGER,
        origin          TEXT NOT NULL CHECK (origin IN ('webhook', 'reconcile')),
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
    );
    CREATE INDEX jobs_due ON jobs (status, due_at);

    -- Every verified delivery, stored before Lever gets its 2xx.
    CREATE TABLE deliveries (
        id              INTEGER PRIMARY KEY,
        dedupe_key      TEXT NOT NULL UNIQUE,
        hire_key        TEXT NOT NULL REFERENCES jobs (hire_key),
        event           TEXT NOT NULL,
        triggered_at    INTEGER NOT NULL,
        received_at     INTEGER NOT NULL,
        repeats         INTEGER NOT NULL DEFAULT 0,   -- retries received after the first
        disposition     TEXT NOT NULL CHECK (disposition IN ('new', 'merged', 'requeued')),
        body            TEXT NOT NULL
    );
    CREATE INDEX deliveries_hire ON deliveries (hire_key, received_at);

    -- Every sync attempt: opened when claimed, closed by finish or by the
    -- next claim after its lease ran out (outcome 'abandoned').
    CREATE TABLE attempts (
        id              INTEGER PRIMARY KEY,
        hire_key        TEXT NOT NULL REFERENCES jobs (hire_key),
        worker          TEXT NOT NULL,
        started_at      INTEGER NOT NULL,
        finished_at     INTEGER,
        outcome         TEXT CHECK (outcome IN
                        ('created', 'already-synced', 'not-hired', 'transient', 'permanent', 'abandoned')),
        reason          TEXT,
        plan            TEXT,
        warnings        TEXT
    );
    CREATE INDEX attempts_hire ON attempts (hire_key, id);

    -- Every time a settled job was queued again, and why.
    CREATE TABLE requeues (
        id              INTEGER PRIMARY KEY,
        hire_key        TEXT NOT NULL REFERENCES jobs (hire_key),
        at              INTEGER NOT NULL,
        previous        TEXT NOT NULL,
        why             TEXT NOT NULL
    );
    "#,
    // 2: refused deliveries, so `events` can show them (only the newest are kept).
    r#"
    CREATE TABLE refusals (
        id              INTEGER PRIMARY KEY,
        received_at     INTEGER NOT NULL,
        kind            TEXT NOT NULL,
        status          INTEGER NOT NULL,
        reason          TEXT NOT NULL
    );
    "#,
];

/// Bring the schema up to date. Safe when several processes open the same
/// file at once: the version is re-read under the write lock.
pub fn migrate(conn: &mut Connection, now_ms: i64) -> Result<()> {
    // Another program's database must not get our tables added to it.
    let (ours, others): (i64, i64) = conn.query_row(
        "SELECT count(*) FILTER (WHERE name = 'schema_version'), count(*) FILTER (WHERE name NOT LIKE 'sqlite_%')
         FROM sqlite_master",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if ours == 0 && others > 0 {
        bail!(
            "it is a SQLite database, but not a lever-namely journal (it has no schema_version table); \
             point the journal setting at a new file"
        );
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version     INTEGER PRIMARY KEY,
             applied_at  INTEGER NOT NULL
         )",
    )?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("SELECT coalesce(max(version), 0) FROM schema_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        bail!(
            "its schema is version {current} but this build knows only up to {known}: \
             it was written by a newer lever-namely; run that version, or upgrade this one"
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i64 + 1;
        tx.execute_batch(sql).with_context(|| format!("migration {version} failed"))?;
        tx.execute("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)", (version, now_ms))?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema version of an open journal.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(version), 0) FROM schema_version", [], |r| r.get(0))?)
}
