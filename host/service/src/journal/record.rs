//! Putting work into the journal: deliveries, reconciled hires, replays.

use anyhow::{bail, Result};
use rusqlite::{OptionalExtension, Transaction};

use super::types::{Reconciled, Recorded, Replayed, Status};
use super::Journal;
use crate::webhook::{hire_key, Delivery};

impl Journal {
    /// Store a verified delivery, durably, before the webhook is answered.
    ///
    /// - A retry of a stored delivery (same dedupe key) changes nothing:
    ///   [`Recorded::Duplicate`].
    /// - The first delivery for an opportunity creates a pending job:
    ///   [`Recorded::New`].
    /// - Another delivery for an opportunity whose job is pending, retrying,
    ///   running or done joins that job: [`Recorded::Merged`]. So
    ///   `candidateHired` and `candidateArchiveChange` for one hire make one
    ///   sync. A done job stays done (re-syncing is an explicit replay); a
    ///   running one runs again after its current attempt unless that attempt
    ///   ends done, because the attempt may have read Lever before this change.
    /// - A delivery for a job that is not-hired or failed queues it again:
    ///   [`Recorded::Requeued`]. The hire may have happened since, or the data
    ///   been fixed.
    pub fn record_delivery(&self, delivery: &Delivery, now_ms: i64) -> Result<Recorded> {
        let body = serde_json::to_string(&delivery.raw)?;
        let key = hire_key(&delivery.opportunity_id);
        self.write("record the delivery", |tx| {
            let seen: Option<i64> = tx
                .query_row("SELECT id FROM deliveries WHERE dedupe_key = ?1", [&delivery.dedupe_key], |r| r.get(0))
                .optional()?;
            if let Some(id) = seen {
                tx.execute("UPDATE deliveries SET repeats = repeats + 1 WHERE id = ?1", [id])?;
                return Ok(Recorded::Duplicate { delivery_id: id });
            }
            match job_status(tx, &key)? {
                None => {
                    insert_job(tx, &key, &delivery.opportunity_id, "webhook", now_ms)?;
                    let id = insert_delivery(tx, delivery, &key, "new", &body, now_ms)?;
                    Ok(Recorded::New { delivery_id: id })
                }
                Some(previous @ (Status::NotHired | Status::Failed)) => {
                    requeue(tx, &key, previous, &format!("new delivery: {}", delivery.event), now_ms)?;
                    let id = insert_delivery(tx, delivery, &key, "requeued", &body, now_ms)?;
                    Ok(Recorded::Requeued { delivery_id: id, previous })
                }
                Some(status) => {
                    if status == Status::Running {
                        tx.execute(
                            "UPDATE jobs SET rerun = max(rerun, 1), updated_at = ?2 WHERE hire_key = ?1",
                            (&key, now_ms),
                        )?;
                    }
                    let id = insert_delivery(tx, delivery, &key, "merged", &body, now_ms)?;
                    Ok(Recorded::Merged { delivery_id: id, status })
                }
            }
        })
    }

    /// For reconciliation and backfill: queue a sync for an opportunity that
    /// Lever lists as hired, unless the journal already knows it.
    ///
    /// A `not-hired` job is queued again: it means an earlier event was
    /// processed before the hire, and the hire's own webhook never arrived.
    pub fn enqueue_reconciled(&self, opportunity_id: &str, now_ms: i64) -> Result<Reconciled> {
        let key = hire_key(opportunity_id);
        self.write("queue the reconciled hire", |tx| match job_status(tx, &key)? {
            None => {
                insert_job(tx, &key, opportunity_id, "reconcile", now_ms)?;
                Ok(Reconciled::Added)
            }
            Some(Status::NotHired) => {
                requeue(tx, &key, Status::NotHired, "reconcile: listed as hired in Lever", now_ms)?;
                Ok(Reconciled::Requeued)
            }
            Some(status) => Ok(Reconciled::Known(status)),
        })
    }

    /// Queue a job again for a fresh attempt, whatever its status, keeping
    /// its deliveries and attempts. `id` is an opportunity id, or a
    /// delivery's event id (its dedupe key, or a unique prefix of at least 8
    /// characters of it), as `events` and `deliveries` show them.
    ///
    /// A running job is not interrupted: it runs again right after the
    /// current attempt, so two attempts never overlap.
    pub fn replay(&self, id: &str, now_ms: i64) -> Result<Replayed> {
        let id = id.trim();
        self.write("replay", |tx| {
            let key = find_job(tx, id)?;
            let (opportunity_id, previous): (String, String) =
                tx.query_row("SELECT opportunity_id, status FROM jobs WHERE hire_key = ?1", [&key], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let previous = parse_status(&previous)?;
            let after_current_attempt = previous == Status::Running;
            if after_current_attempt {
                tx.execute("UPDATE jobs SET rerun = 2, updated_at = ?2 WHERE hire_key = ?1", (&key, now_ms))?;
            } else {
                requeue(tx, &key, previous, "replay", now_ms)?;
            }
            Ok(Replayed { opportunity_id, previous, after_current_attempt })
        })
    }
}

fn insert_delivery(
    tx: &Transaction<'_>,
    delivery: &Delivery,
    key: &str,
    disposition: &str,
    body: &str,
    now_ms: i64,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO deliveries (dedupe_key, hire_key, event, triggered_at, received_at, disposition, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (&delivery.dedupe_key, key, &delivery.event, delivery.triggered_at, now_ms, disposition, body),
    )?;
    Ok(tx.last_insert_rowid())
}

/// The job's status, if there is a job.
pub(super) fn job_status(tx: &Transaction<'_>, key: &str) -> Result<Option<Status>> {
    let status: Option<String> =
        tx.query_row("SELECT status FROM jobs WHERE hire_key = ?1", [key], |r| r.get(0)).optional()?;
    status.map(|s| parse_status(&s)).transpose()
}

pub(super) fn parse_status(s: &str) -> Result<Status> {
    s.parse().map_err(|e: String| anyhow::anyhow!("the journal holds a job with {e}; was it edited by hand?"))
}

fn insert_job(tx: &Transaction<'_>, key: &str, opportunity_id: &str, origin: &str, now_ms: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO jobs (hire_key, opportunity_id, status, due_at, origin, created_at, updated_at)
         VALUES (?1, ?2, 'pending', ?3, ?4, ?3, ?3)",
        (key, opportunity_id, now_ms, origin),
    )?;
    Ok(())
}

/// Make a settled job pending and due now, with a fresh round of tries.
/// The Namely id of an earlier success is kept: the next attempt may use it.
pub(super) fn requeue(tx: &Transaction<'_>, key: &str, previous: Status, why: &str, now_ms: i64) -> Result<()> {
    tx.execute(
        "UPDATE jobs SET status = 'pending', due_at = ?2, tries = 0, rerun = 0, lease_owner = NULL,
                attempt_id = NULL, retryable = NULL, updated_at = ?2
         WHERE hire_key = ?1",
        (key, now_ms),
    )?;
    tx.execute(
        "INSERT INTO requeues (hire_key, at, previous, why) VALUES (?1, ?2, ?3, ?4)",
        (key, now_ms, previous.as_str(), why),
    )?;
    Ok(())
}

/// The job an operator means by `id`.
fn find_job(tx: &Transaction<'_>, id: &str) -> Result<String> {
    if id.is_empty() {
        bail!("give an opportunity id or an event id to replay; `lever-namely events` lists them");
    }
    let by_opportunity: Option<String> =
        tx.query_row("SELECT hire_key FROM jobs WHERE opportunity_id = ?1", [id], |r| r.get(0)).optional()?;
    if let Some(key) = by_opportunity {
        return Ok(key);
    }
    let by_event: Option<String> =
        tx.query_row("SELECT hire_key FROM deliveries WHERE dedupe_key = ?1", [id], |r| r.get(0)).optional()?;
    if let Some(key) = by_event {
        return Ok(key);
    }
    if id.len() >= 8 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut stmt = tx.prepare("SELECT DISTINCT hire_key FROM deliveries WHERE substr(dedupe_key, 1, ?2) = ?1")?;
        let keys: Vec<String> =
            stmt.query_map((id.to_ascii_lowercase(), id.len() as i64), |r| r.get(0))?.collect::<Result<_, _>>()?;
        match keys.len() {
            1 => return Ok(keys.into_iter().next().unwrap()),
            0 => {}
            n => bail!("the event id prefix {id:?} matches deliveries of {n} different hires; give more of it"),
        }
    }
    bail!(
        "nothing in the journal matches {id:?}: give an opportunity id or an event id exactly as \
         `lever-namely events` shows it (a hire Lever never told us about can be queued with reconcile)"
    )
}
