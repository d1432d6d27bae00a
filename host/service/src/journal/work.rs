//! Taking work out of the journal: claims under a lease, and finishing them.

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Result};
use rusqlite::{OptionalExtension, Transaction};

use super::record::{parse_status, requeue};
use super::types::{millis, AttemptReport, Claim, Outcome, RetryPolicy, Status};
use super::Journal;

/// The claim's lease ran out and another worker took the job, so this
/// attempt's result was kept in its history but did not change the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseLost {
    /// The job's opportunity.
    pub opportunity_id: String,
    /// The worker whose lease ran out.
    pub worker: String,
}

impl fmt::Display for LeaseLost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "worker {:?} lost its lease on opportunity {} to another worker, so its result was only kept in the \
             attempt history; give workers a lease longer than a sync takes, or extend it while working",
            self.worker, self.opportunity_id
        )
    }
}

impl std::error::Error for LeaseLost {}

impl Journal {
    /// Take the job that has waited longest, if any is due, for `worker`,
    /// holding it for `lease`.
    ///
    /// Due jobs are those pending, retrying with `next_attempt_at <= now`, or
    /// running with an expired lease (their worker crashed or stalled: that
    /// attempt is closed as `abandoned`). A job is held by one claim at a
    /// time: the choice and the update happen in one write transaction.
    ///
    /// An abandoned attempt counts as a try, so a job that kills its worker
    /// every time ends `failed` after the policy's attempts instead of
    /// looping forever.
    pub fn claim_next(&self, worker: &str, now_ms: i64, lease: Duration) -> Result<Option<Claim>> {
        let retry = self.retry;
        self.write("claim a job", |tx| loop {
            let due = tx
                .query_row(
                    "SELECT hire_key, opportunity_id, status, attempt_id, tries, lease_owner, due_at, namely_id
                     FROM jobs
                     WHERE status IN ('pending', 'retrying', 'running') AND due_at <= ?1
                     ORDER BY due_at, rowid LIMIT 1",
                    [now_ms],
                    |r| {
                        Ok(Due {
                            key: r.get(0)?,
                            opportunity_id: r.get(1)?,
                            status: r.get(2)?,
                            attempt_id: r.get(3)?,
                            tries: r.get(4)?,
                            owner: r.get(5)?,
                            due_at: r.get(6)?,
                            namely_id: r.get(7)?,
                        })
                    },
                )
                .optional()?;
            let Some(due) = due else { return Ok(None) };
            let reclaimed = parse_status(&due.status)? == Status::Running;
            if reclaimed && abandon(tx, &due, &retry, now_ms)? {
                continue;
            }
            tx.execute(
                "INSERT INTO attempts (hire_key, worker, started_at) VALUES (?1, ?2, ?3)",
                (&due.key, worker, now_ms),
            )?;
            let attempt_id = tx.last_insert_rowid();
            let lease_until = now_ms.saturating_add(millis(lease));
            tx.execute(
                "UPDATE jobs SET status = 'running', lease_owner = ?2, attempt_id = ?3, due_at = ?4,
                        tries = tries + 1, updated_at = ?5
                 WHERE hire_key = ?1",
                (&due.key, worker, attempt_id, lease_until, now_ms),
            )?;
            return Ok(Some(Claim {
                opportunity_id: due.opportunity_id,
                attempt_id,
                attempt: u32::try_from(due.tries + 1).unwrap_or(u32::MAX),
                worker: worker.to_string(),
                started_at: now_ms,
                lease_until,
                reclaimed,
                previous_namely_id: due.namely_id,
            }));
        })
    }

    /// Push the claim's lease to `now + lease`, for a sync that takes longer
    /// than expected. Fails with [`LeaseLost`] if another worker took it.
    pub fn extend_lease(&self, claim: &Claim, now_ms: i64, lease: Duration) -> Result<i64> {
        let until = now_ms.saturating_add(millis(lease));
        let extended = self.write("extend the lease", |tx| {
            let changed = tx.execute(
                "UPDATE jobs SET due_at = ?3, updated_at = ?4
                 WHERE opportunity_id = ?1 AND attempt_id = ?2 AND status = 'running'",
                (&claim.opportunity_id, claim.attempt_id, until, now_ms),
            )?;
            Ok(changed > 0)
        })?;
        if !extended {
            return Err(lease_lost(claim).into());
        }
        Ok(until)
    }

    /// Record how the claimed attempt ended and move the job on; returns the
    /// job's new status.
    ///
    /// - done → `done`, with the result, Namely id and link;
    /// - not hired → `not-hired`;
    /// - transient → `retrying` after the policy's backoff, or `failed`
    ///   (retryable) once the attempts are used up;
    /// - permanent → `failed` (not retryable) at once.
    ///
    /// If a delivery arrived while it ran and it did not end done, or a
    /// replay was asked for while it ran, the job is `pending` again instead.
    ///
    /// If the lease ran out and another worker took the job, the outcome is
    /// still written to this attempt's row, and [`LeaseLost`] is returned.
    pub fn finish(&self, claim: &Claim, report: impl Into<AttemptReport>, now_ms: i64) -> Result<Status> {
        let report = report.into();
        let retry = self.retry;
        let plan = report.plan.as_ref().map(serde_json::to_string).transpose()?;
        let warnings = report.warnings.as_ref().map(serde_json::to_string).transpose()?;
        let settled = self.write("record the attempt's outcome", |tx| {
            let (outcome, reason) = attempt_outcome(&report.outcome);
            let current: Option<(String, Option<i64>, i64, i64, String)> = tx
                .query_row(
                    "SELECT status, attempt_id, tries, rerun, hire_key FROM jobs WHERE opportunity_id = ?1",
                    [&claim.opportunity_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let held = matches!(&current, Some((s, Some(a), ..)) if s == "running" && *a == claim.attempt_id);
            let reason = if held { reason } else { format!("(finished after losing its lease) {reason}") };
            // An abandoned attempt's real result replaces "abandoned"; a
            // finished one is never rewritten.
            let written = tx.execute(
                "UPDATE attempts SET finished_at = ?2, outcome = ?3, reason = ?4, plan = ?5, warnings = ?6
                 WHERE id = ?1 AND (finished_at IS NULL OR outcome = 'abandoned')",
                (claim.attempt_id, now_ms, outcome, &reason, &plan, &warnings),
            )?;
            if written == 0 {
                bail!(
                    "attempt {} on opportunity {} was already finished; finish each claim once",
                    claim.attempt_id,
                    claim.opportunity_id
                );
            }
            // The attempt row is committed either way: its result is history.
            let Some((_, _, tries, rerun, key)) = current.filter(|_| held) else {
                return Ok(None);
            };
            settle(tx, &key, &report.outcome, &reason, tries, rerun, &retry, now_ms).map(Some)
        })?;
        settled.ok_or_else(|| lease_lost(claim).into())
    }
}

/// A due job, as `claim_next` reads it.
struct Due {
    key: String,
    opportunity_id: String,
    status: String,
    attempt_id: Option<i64>,
    tries: i64,
    owner: Option<String>,
    due_at: i64,
    namely_id: Option<String>,
}

/// Close the attempt of a worker whose lease ran out. Returns true when that
/// was the last allowed try, so the job is now `failed` and not claimable.
fn abandon(tx: &Transaction<'_>, due: &Due, retry: &RetryPolicy, now_ms: i64) -> Result<bool> {
    let owner = due.owner.as_deref().unwrap_or("?");
    let reason = format!(
        "worker {owner:?} did not finish before its lease ran out at {} (it crashed, was stopped, or \
         took longer than its lease)",
        due.due_at
    );
    if let Some(attempt) = due.attempt_id {
        tx.execute(
            "UPDATE attempts SET finished_at = ?2, outcome = 'abandoned', reason = ?3
             WHERE id = ?1 AND finished_at IS NULL",
            (attempt, now_ms, &reason),
        )?;
    }
    if due.tries < i64::from(retry.max_attempts) {
        return Ok(false);
    }
    let reason = format!("gave up after {} attempts; the last: {reason}", due.tries);
    tx.execute(
        "UPDATE jobs SET status = 'failed', retryable = 1, last_reason = ?2, due_at = NULL,
                lease_owner = NULL, attempt_id = NULL, rerun = 0, updated_at = ?3
         WHERE hire_key = ?1",
        (&due.key, &reason, now_ms),
    )?;
    Ok(true)
}

/// Set the job's status after the attempt that holds it ended.
#[allow(clippy::too_many_arguments)]
fn settle(
    tx: &Transaction<'_>,
    key: &str,
    outcome: &Outcome,
    reason: &str,
    tries: i64,
    rerun: i64,
    retry: &RetryPolicy,
    now_ms: i64,
) -> Result<Status> {
    let done = matches!(outcome, Outcome::Done { .. });
    let (status, due_at, retryable, reason) = match outcome {
        Outcome::Done { result, namely_id, profile_url } => {
            tx.execute(
                "UPDATE jobs SET result = ?2, namely_id = ?3, profile_url = ?4 WHERE hire_key = ?1",
                (key, result.as_str(), namely_id, profile_url),
            )?;
            (Status::Done, None, None, reason.to_string())
        }
        Outcome::NotHired { .. } => (Status::NotHired, None, None, reason.to_string()),
        Outcome::Permanent { .. } => (Status::Failed, None, Some(false), reason.to_string()),
        Outcome::Transient { .. } if tries >= i64::from(retry.max_attempts) => {
            (Status::Failed, None, Some(true), format!("gave up after {tries} attempts; the last: {reason}"))
        }
        Outcome::Transient { .. } => {
            let wait = retry.delay(u32::try_from(tries).unwrap_or(u32::MAX));
            (Status::Retrying, Some(now_ms.saturating_add(millis(wait))), None, reason.to_string())
        }
    };
    tx.execute(
        "UPDATE jobs SET status = ?2, due_at = ?3, retryable = ?4, last_reason = ?5, lease_owner = NULL,
                attempt_id = NULL, updated_at = ?6
         WHERE hire_key = ?1",
        (key, status.as_str(), due_at, retryable, &reason, now_ms),
    )?;
    // A change that arrived mid-attempt may not have been seen by it.
    if rerun >= 2 || (rerun == 1 && !done) {
        let why = if rerun >= 2 { "replay asked for while it ran" } else { "delivery arrived while it ran" };
        requeue(tx, key, status, why, now_ms)?;
        return Ok(Status::Pending);
    }
    tx.execute("UPDATE jobs SET rerun = 0 WHERE hire_key = ?1", [key])?;
    Ok(status)
}

/// The attempt row's outcome name and reason text.
fn attempt_outcome(outcome: &Outcome) -> (&'static str, String) {
    match outcome {
        Outcome::Done { result, namely_id, .. } => (
            result.as_str(),
            match result {
                super::SyncResult::Created => format!("created Namely profile {namely_id}"),
                super::SyncResult::AlreadySynced => format!("already in Namely as profile {namely_id}"),
            },
        ),
        Outcome::NotHired { reason } => ("not-hired", reason.clone()),
        Outcome::Transient { reason } => ("transient", reason.clone()),
        Outcome::Permanent { reason } => ("permanent", reason.clone()),
    }
}

fn lease_lost(claim: &Claim) -> LeaseLost {
    LeaseLost { opportunity_id: claim.opportunity_id.clone(), worker: claim.worker.clone() }
}
