//! The journal's vocabulary: job statuses, attempt outcomes, and what the
//! journal returns.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// Where a hire's sync job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Waiting for a worker.
    Pending,
    /// A worker holds a lease on it.
    Running,
    /// Failed transiently; waits until `next_attempt_at`.
    Retrying,
    /// Synced: a Namely profile was created, or one already matched.
    Done,
    /// Lever says the opportunity is not hired; a later delivery re-queues it.
    NotHired,
    /// Gave up: a permanent failure, or the last of the retries.
    Failed,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 6] =
        [Status::Pending, Status::Running, Status::Retrying, Status::Done, Status::NotHired, Status::Failed];

    /// The name stored in the journal and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Retrying => "retrying",
            Status::Done => "done",
            Status::NotHired => "not-hired",
            Status::Failed => "failed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown status {s:?}; use one of {}", names.join(", "))
        })
    }
}

/// How a successful sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncResult {
    /// A Namely profile was created.
    Created,
    /// A matching Namely profile already existed; nothing was written.
    AlreadySynced,
}

impl SyncResult {
    /// The name stored in the journal and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncResult::Created => "created",
            SyncResult::AlreadySynced => "already-synced",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<SyncResult> {
        [SyncResult::Created, SyncResult::AlreadySynced].into_iter().find(|r| r.as_str() == s)
    }
}

/// How one sync attempt ended, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Synced.
    Done {
        /// Created, or found already there.
        result: SyncResult,
        /// The Namely profile id.
        namely_id: String,
        /// A link to the profile, when known.
        profile_url: Option<String>,
    },
    /// The opportunity is not (or no longer) hired in Lever.
    NotHired {
        /// What Lever showed instead, for the operator.
        reason: String,
    },
    /// Worth trying again later (network, 429, 5xx): retried with backoff.
    Transient {
        /// What went wrong.
        reason: String,
    },
    /// Trying again will not help until someone fixes data or config.
    Permanent {
        /// What went wrong and what to fix.
        reason: String,
    },
}

/// An [`Outcome`] plus what the attempt would have sent and its warnings,
/// kept in the attempt's history.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptReport {
    /// How it ended.
    pub outcome: Outcome,
    /// The plan or the Namely request, as JSON, if the attempt got that far.
    pub plan: Option<Value>,
    /// Mapping warnings, as JSON.
    pub warnings: Option<Value>,
}

impl AttemptReport {
    /// The same report with the plan or request JSON.
    pub fn with_plan(mut self, plan: Value) -> Self {
        self.plan = Some(plan);
        self
    }

    /// The same report with warnings JSON.
    pub fn with_warnings(mut self, warnings: Value) -> Self {
        self.warnings = Some(warnings);
        self
    }
}

impl From<Outcome> for AttemptReport {
    fn from(outcome: Outcome) -> Self {
        AttemptReport { outcome, plan: None, warnings: None }
    }
}

/// A worker's hold on one job, from [`Journal::claim_next`](super::Journal::claim_next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The Lever opportunity to sync.
    pub opportunity_id: String,
    /// The attempt this claim started (its id in [`attempts`](super::Journal::attempts)).
    pub attempt_id: i64,
    /// Which try this is since the job was last queued (1 for the first).
    pub attempt: u32,
    /// The worker holding the lease.
    pub worker: String,
    /// When the claim was taken, epoch ms.
    pub started_at: i64,
    /// When the lease runs out, epoch ms; from then on another worker may take the job.
    pub lease_until: i64,
    /// Whether an earlier worker's lease had run out (it crashed or stalled).
    pub reclaimed: bool,
    /// The Namely id from an earlier successful sync, for a replayed job.
    pub previous_namely_id: Option<String>,
}

/// What [`Journal::record_delivery`](super::Journal::record_delivery) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new delivery created a new pending job.
    New {
        /// The delivery's row id.
        delivery_id: i64,
    },
    /// A retry of a delivery already stored: nothing changed.
    Duplicate {
        /// The row id of the delivery first stored.
        delivery_id: i64,
    },
    /// A new delivery for a hire that already has a job in `status`; it
    /// joined that job. A job that is `done` stays done (use replay); a
    /// `running` one runs again after the current attempt unless it ends done.
    Merged {
        /// The delivery's row id.
        delivery_id: i64,
        /// The job's status, unchanged.
        status: Status,
    },
    /// A new delivery re-queued a job that was `not-hired` or `failed`.
    Requeued {
        /// The delivery's row id.
        delivery_id: i64,
        /// The job's status before.
        previous: Status,
    },
}

/// What [`Journal::replay`](super::Journal::replay) re-queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// The job's opportunity.
    pub opportunity_id: String,
    /// Its status before the replay.
    pub previous: Status,
    /// True when the job was running: it runs again once the current
    /// attempt finishes, so two attempts never overlap.
    pub after_current_attempt: bool,
}

/// What [`Journal::enqueue_reconciled`](super::Journal::enqueue_reconciled) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconciled {
    /// No job existed: one was added.
    Added,
    /// The job was `not-hired` (an earlier event came before the hire, and
    /// the hire's own webhook was missed): re-queued.
    Requeued,
    /// A job exists in this status; nothing changed.
    Known(Status),
}

/// One hire, for `lever-namely events`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HireSummary {
    /// The Lever opportunity.
    pub opportunity_id: String,
    /// Where its job stands.
    pub status: Status,
    /// Attempts made, all time.
    pub attempts: u32,
    /// The last outcome's reason.
    pub last_reason: Option<String>,
    /// For `failed`: whether a replay may succeed without a fix.
    pub retryable: Option<bool>,
    /// For `done`: created or already synced.
    pub result: Option<SyncResult>,
    /// The Namely profile id, once synced.
    pub namely_id: Option<String>,
    /// The Namely profile link, once synced.
    pub profile_url: Option<String>,
    /// For `retrying`: when the next attempt is due, epoch ms.
    pub next_attempt_at: Option<i64>,
    /// When the first and last delivery for it arrived, epoch ms (none for a
    /// job added by reconciliation).
    pub first_delivery_at: Option<i64>,
    /// See `first_delivery_at`.
    pub last_delivery_at: Option<i64>,
    /// Distinct event names delivered for it, sorted.
    pub events: Vec<String>,
    /// `webhook` or `reconcile`: what created the job.
    pub origin: String,
}

/// One stored delivery, for detail views.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRecord {
    /// Row id.
    pub id: i64,
    /// The delivery's dedupe key; also its event id for `replay`.
    pub event_id: String,
    /// The event name.
    pub event: String,
    /// Lever's `triggeredAt`, epoch ms.
    pub triggered_at: i64,
    /// When it was first received, epoch ms.
    pub received_at: i64,
    /// How many retries of it arrived after the first.
    pub repeats: u32,
    /// `new`, `merged` or `requeued`: what it did to the job.
    pub disposition: String,
}

/// One sync attempt, for `attempts`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptRecord {
    /// Row id.
    pub id: i64,
    /// The worker that made it.
    pub worker: String,
    /// Start, epoch ms.
    pub started_at: i64,
    /// End, epoch ms; none while running.
    pub finished_at: Option<i64>,
    /// `created`, `already-synced`, `not-hired`, `transient`, `permanent`, or
    /// `abandoned` (the worker's lease ran out); none while running.
    pub outcome: Option<String>,
    /// Why it ended so.
    pub reason: Option<String>,
    /// The plan or request JSON, if reported.
    pub plan: Option<Value>,
    /// Warnings JSON, if reported.
    pub warnings: Option<Value>,
}

/// Jobs by status and deliveries stored, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JournalCounts {
    /// Jobs waiting for a worker.
    pub pending: u64,
    /// Jobs held by a worker.
    pub running: u64,
    /// Jobs waiting to retry.
    pub retrying: u64,
    /// Jobs synced.
    pub done: u64,
    /// Jobs whose opportunity is not hired.
    pub not_hired: u64,
    /// Jobs given up on.
    pub failed: u64,
    /// Distinct deliveries stored.
    pub deliveries: u64,
}

impl JournalCounts {
    /// The count for one status.
    pub fn get(&self, status: Status) -> u64 {
        match status {
            Status::Pending => self.pending,
            Status::Running => self.running,
            Status::Retrying => self.retrying,
            Status::Done => self.done,
            Status::NotHired => self.not_hired,
            Status::Failed => self.failed,
        }
    }
}

/// When to retry a transient failure and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; doubled after each next one.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Attempts before the job is `failed` (counting the first).
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 1 min, doubling to at most 1 h, 10 attempts: about four hours in all,
    /// enough to ride out a Namely or Lever outage without hammering either.
    fn default() -> Self {
        RetryPolicy { base: Duration::from_secs(60), cap: Duration::from_secs(3600), max_attempts: 10 }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base.checked_mul(factor).unwrap_or(self.cap).min(self.cap)
    }
}

/// Milliseconds in a duration, saturating (durations here are minutes, not eons).
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy { base: Duration::from_secs(10), cap: Duration::from_secs(60), max_attempts: 9 };
        let waits: Vec<u64> = (1..=6).map(|n| p.delay(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 60, 60, 60]);
        assert_eq!(p.delay(200).as_secs(), 60);
        assert_eq!(p.delay(0).as_secs(), 10);
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
        assert!("bogus".parse::<Status>().unwrap_err().contains("not-hired"));
    }
}
