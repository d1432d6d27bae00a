//! Workers: take a due hire from the journal, sync it, record how it ended.

use std::sync::Arc;
use std::time::Duration;

use lever_namely_service::journal::{AttemptReport, Journal, Outcome, Status, SyncResult};
use serde_json::json;

use crate::bindings::sync::SyncOutcome;
use crate::sync::Syncer;

/// How long a worker holds a hire before another may take it over. The
/// worker renews it while the sync runs, so a crashed worker's hire is picked
/// up again about this long after the crash.
pub const LEASE: Duration = Duration::from_secs(60);

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The journal's record of a sync outcome.
pub fn report(outcome: &SyncOutcome) -> AttemptReport {
    let warnings = |w: &[crate::bindings::types::Warning]| {
        json!(w.iter().map(|w| json!({"code": w.code, "field": w.field, "message": w.message})).collect::<Vec<_>>())
    };
    match outcome {
        SyncOutcome::Created(c) => AttemptReport::from(Outcome::Done {
            result: SyncResult::Created,
            namely_id: c.namely_id.clone(),
            profile_url: Some(c.profile_url.clone()),
        })
        .with_warnings(warnings(&c.warnings)),
        SyncOutcome::AlreadySynced(e) => {
            AttemptReport::from(Outcome::Done { result: SyncResult::AlreadySynced, namely_id: e.namely_id.clone(), profile_url: None })
        }
        SyncOutcome::NotHired(why) => AttemptReport::from(Outcome::NotHired { reason: why.clone() }),
        SyncOutcome::Failed(f) if f.retryable => AttemptReport::from(Outcome::Transient { reason: f.reason.clone() }),
        SyncOutcome::Failed(f) => AttemptReport::from(Outcome::Permanent { reason: f.reason.clone() }),
    }
}

/// The writes a sync sent and what the host refused, as the journal keeps them.
pub fn sent_json(writes: &[crate::sync::SentWrite], refused: &[String]) -> serde_json::Value {
    let writes: Vec<_> = writes
        .iter()
        .map(|w| {
            let body = w.json.as_deref().map(|j| serde_json::from_str::<serde_json::Value>(j).unwrap_or_else(|_| json!(j)));
            json!({"method": w.method, "url": w.url, "body": body, "body_bytes": w.body_bytes})
        })
        .collect();
    json!({"writes": writes, "refused_by_host": refused})
}

/// Take one due hire and sync it. Returns the hire's status afterwards, or
/// `None` when no hire was due.
pub async fn work_once(journal: &Arc<Journal>, syncer: &Syncer, worker: &str) -> anyhow::Result<Option<Status>> {
    work_once_with_lease(journal, syncer, worker, LEASE).await
}

/// [`work_once`] with a lease of the given length, renewed every third of it.
pub async fn work_once_with_lease(journal: &Arc<Journal>, syncer: &Syncer, worker: &str, lease: Duration) -> anyhow::Result<Option<Status>> {
    let (j, w) = (journal.clone(), worker.to_string());
    let Some(claim) = tokio::task::spawn_blocking(move || j.claim_next(&w, now_ms(), lease)).await?? else {
        return Ok(None);
    };
    let heartbeat = {
        let (j, c) = (journal.clone(), claim.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                let (j, c) = (j.clone(), c.clone());
                if tokio::task::spawn_blocking(move || j.extend_lease(&c, now_ms(), lease)).await.map_or(true, |r| r.is_err()) {
                    break;
                }
            }
        })
    };
    let result = syncer.run_recorded(&claim.opportunity_id).await;
    heartbeat.abort();
    let report = match result {
        // What the sync sent is kept with the attempt: the console shows the
        // exact Namely request and Lever note.
        Ok((outcome, refused, writes)) => report(&outcome).with_plan(sent_json(&writes, &refused)),
        // The host could not run the component at all (a trap, a deadline): worth retrying.
        Err(e) => AttemptReport::from(Outcome::Transient { reason: format!("{e:#}") }),
    };
    let (j, opp) = (journal.clone(), claim.opportunity_id.clone());
    let outcome = format!("{:?}", report.outcome);
    let status = tokio::task::spawn_blocking(move || j.finish(&claim, report, now_ms())).await??;
    crate::log::info("sync attempt finished", &[("opportunity_id", &opp), ("worker", worker), ("status", status.as_str()), ("outcome", &outcome)]);
    Ok(Some(status))
}

/// Work until no hire is due.
pub async fn drain(journal: &Arc<Journal>, syncer: &Syncer, worker: &str) -> anyhow::Result<usize> {
    let mut done = 0;
    while work_once(journal, syncer, worker).await?.is_some() {
        done += 1;
    }
    Ok(done)
}
