//! Reading the journal: hire summaries, attempt and delivery detail, counts.

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::Value;

use super::record::parse_status;
use super::types::{AttemptRecord, DeliveryRecord, HireSummary, JournalCounts, Status, SyncResult};
use super::Journal;
use crate::webhook::hire_key;

/// Everything a [`HireSummary`] shows, one row per job.
const SUMMARY: &str = "
    SELECT j.opportunity_id, j.status, j.last_reason, j.retryable, j.result, j.namely_id, j.profile_url,
           j.due_at, j.origin,
           (SELECT count(*) FROM attempts a WHERE a.hire_key = j.hire_key),
           (SELECT min(received_at) FROM deliveries d WHERE d.hire_key = j.hire_key),
           (SELECT max(received_at) FROM deliveries d WHERE d.hire_key = j.hire_key),
           (SELECT group_concat(event, char(10)) FROM
               (SELECT DISTINCT event FROM deliveries d WHERE d.hire_key = j.hire_key ORDER BY event))
    FROM jobs j";

impl Journal {
    /// Every hire, or those in one status, oldest first: for `lever-namely events`.
    pub fn events(&self, filter: Option<Status>) -> Result<Vec<HireSummary>> {
        self.read("list its hires", |conn| {
            let sql = format!("{SUMMARY} WHERE ?1 IS NULL OR j.status = ?1 ORDER BY j.created_at, j.rowid");
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([filter.map(Status::as_str)], summary)?;
            rows.map(|row| row?).collect()
        })
    }

    /// One hire's summary, if the journal has it.
    pub fn hire(&self, opportunity_id: &str) -> Result<Option<HireSummary>> {
        self.read("read the hire", |conn| {
            let sql = format!("{SUMMARY} WHERE j.hire_key = ?1");
            conn.query_row(&sql, [hire_key(opportunity_id)], summary).optional()?.transpose()
        })
    }

    /// Every attempt for one hire, oldest first (empty if there is none).
    pub fn attempts(&self, opportunity_id: &str) -> Result<Vec<AttemptRecord>> {
        self.read("list the attempts", |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, worker, started_at, finished_at, outcome, reason, plan, warnings
                 FROM attempts WHERE hire_key = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([hire_key(opportunity_id)], |r| {
                Ok(AttemptRecord {
                    id: r.get(0)?,
                    worker: r.get(1)?,
                    started_at: r.get(2)?,
                    finished_at: r.get(3)?,
                    outcome: r.get(4)?,
                    reason: r.get(5)?,
                    plan: json(r, 6)?,
                    warnings: json(r, 7)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Every delivery stored for one hire, oldest first.
    pub fn deliveries(&self, opportunity_id: &str) -> Result<Vec<DeliveryRecord>> {
        self.read("list the deliveries", |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, dedupe_key, event, triggered_at, received_at, repeats, disposition
                 FROM deliveries WHERE hire_key = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([hire_key(opportunity_id)], |r| {
                Ok(DeliveryRecord {
                    id: r.get(0)?,
                    event_id: r.get(1)?,
                    event: r.get(2)?,
                    triggered_at: r.get(3)?,
                    received_at: r.get(4)?,
                    repeats: r.get(5)?,
                    disposition: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The body of one stored delivery, by its event id, as it was verified.
    pub fn delivery_body(&self, event_id: &str) -> Result<Option<Value>> {
        self.read("read the delivery", |conn| {
            let body: Option<String> = conn
                .query_row("SELECT body FROM deliveries WHERE dedupe_key = ?1", [event_id], |r| r.get(0))
                .optional()?;
            Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
        })
    }

    /// Whether the hire is `done` (synced to Namely).
    pub fn is_synced(&self, opportunity_id: &str) -> Result<bool> {
        self.read("read the hire's status", |conn| {
            let done: Option<bool> = conn
                .query_row("SELECT status = 'done' FROM jobs WHERE hire_key = ?1", [hire_key(opportunity_id)], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(done.unwrap_or(false))
        })
    }

    /// Jobs by status, and deliveries stored: for metrics. Two indexed counts.
    pub fn counts(&self) -> Result<JournalCounts> {
        self.read("count its jobs", count)
    }
}

fn count(conn: &Connection) -> Result<JournalCounts> {
    let mut counts = JournalCounts::default();
    let mut stmt = conn.prepare_cached("SELECT status, count(*) FROM jobs GROUP BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (status, n) = row?;
        let n = n as u64;
        match parse_status(&status)? {
            Status::Pending => counts.pending = n,
            Status::Running => counts.running = n,
            Status::Retrying => counts.retrying = n,
            Status::Done => counts.done = n,
            Status::NotHired => counts.not_hired = n,
            Status::Failed => counts.failed = n,
        }
    }
    counts.deliveries = conn.query_row("SELECT count(*) FROM deliveries", [], |r| r.get::<_, i64>(0))? as u64;
    Ok(counts)
}

/// A [`SUMMARY`] row. The outer `Result` is SQLite's; the inner one is for a
/// status the journal does not know (a hand-edited file).
fn summary(r: &Row<'_>) -> rusqlite::Result<Result<HireSummary>> {
    let status: String = r.get(1)?;
    let status = match parse_status(&status) {
        Ok(status) => status,
        Err(e) => return Ok(Err(e)),
    };
    let events: Option<String> = r.get(12)?;
    Ok(Ok(HireSummary {
        opportunity_id: r.get(0)?,
        status,
        last_reason: r.get(2)?,
        retryable: r.get(3)?,
        result: r.get::<_, Option<String>>(4)?.as_deref().and_then(SyncResult::parse),
        namely_id: r.get(5)?,
        profile_url: r.get(6)?,
        next_attempt_at: if status == Status::Retrying { r.get(7)? } else { None },
        origin: r.get(8)?,
        attempts: r.get(9)?,
        first_delivery_at: r.get(10)?,
        last_delivery_at: r.get(11)?,
        events: events.map(|e| e.split('\n').map(str::to_string).collect()).unwrap_or_default(),
    }))
}

fn json(r: &Row<'_>, index: usize) -> rusqlite::Result<Option<Value>> {
    let text: Option<String> = r.get(index)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e)))
    })
    .transpose()
}
