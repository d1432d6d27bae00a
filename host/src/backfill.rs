//! `lever-namely backfill`: sync every hire archived since a date, within
//! both APIs' rate limits.
//!
//! Lever's limit (about 10 requests a second per key) is kept by the host's
//! rate limiter on every request to Lever. Namely's (100 `GET /profiles` a
//! minute) is kept by fetching every profile once, in pages of 50, and giving
//! the component that index instead of two lookups per hire.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use lever_namely_service::journal::{Journal, Status};

use crate::check::get;
use crate::config::Endpoints;
use crate::credentials::Credentials;
use crate::reconcile;
use crate::serve::worker;
use crate::sync::Syncer;

/// How a backfill ended.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    /// Hires Lever lists since the date.
    pub found: usize,
    /// Of those, already synced before the backfill.
    pub already_synced: usize,
    /// Hires by final status (`done`, `not-hired`, `failed`, `retrying`).
    pub by_status: BTreeMap<String, usize>,
    /// Each failed hire and why.
    pub failures: Vec<(String, String)>,
}

/// Every Namely profile's work and personal email (lower-cased) → its id.
/// A 406 or 429 (Namely's throttle) waits `throttle_wait` and tries again.
pub async fn prefetch_profiles(e: &Endpoints, c: &Credentials, throttle_wait: Duration) -> anyhow::Result<HashMap<String, String>> {
    let auth = c.namely_authorization();
    let mut index = HashMap::new();
    let mut page = 1;
    let mut throttled = 0;
    loop {
        let url = format!("{}/profiles?page={page}&per_page=50", e.namely_base);
        let v = match get(&url, &auth).await {
            Ok((200, v)) => v,
            Ok((406 | 429, _)) if throttled < 10 => {
                throttled += 1;
                tokio::time::sleep(throttle_wait).await;
                continue;
            }
            Ok((s, v)) => anyhow::bail!("Namely answered {s} to {url}: {v}"),
            Err(m) => anyhow::bail!("Namely: {m}"),
        };
        let profiles = v["profiles"].as_array().cloned().unwrap_or_default();
        if profiles.is_empty() {
            return Ok(index);
        }
        for p in &profiles {
            let Some(id) = p["id"].as_str() else { continue };
            for key in ["email", "personal_email"] {
                if let Some(email) = p[key].as_str().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()) {
                    index.entry(email).or_insert_with(|| id.to_string());
                }
            }
        }
        page += 1;
    }
}

fn progress(done: usize, total: usize, counts: &BTreeMap<String, usize>) {
    let width = 30;
    let filled = if total == 0 { width } else { done * width / total };
    let tally: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    eprint!("\r[{}{}] {done}/{total} hires  {}   ", "#".repeat(filled), ".".repeat(width - filled), tally.join(", "));
    let _ = std::io::stderr().flush();
}

/// Sync every hire since `since_ms`; `show_progress` draws a bar on stderr.
pub async fn run(journal: &Arc<Journal>, syncer: &Syncer, since_ms: i64, show_progress: bool, throttle_wait: Duration) -> anyhow::Result<Summary> {
    let (e, c) = (syncer.endpoints().clone(), syncer.credentials().clone());
    let ids = reconcile::hires_since(&e, &c, since_ms).await?;
    let index = prefetch_profiles(&e, &c, throttle_wait).await?;
    let mut summary = Summary { found: ids.len(), ..Summary::default() };
    let mut queued = Vec::new();
    for id in &ids {
        if journal.is_synced(id)? {
            summary.already_synced += 1;
        } else {
            journal.enqueue_reconciled(id, worker::now_ms())?;
            queued.push(id.clone());
        }
    }
    let syncer = syncer.clone().with_settings(vec![("namely.profile_index".into(), serde_json::to_string(&index)?)]);
    let name = format!("backfill-{}", std::process::id());
    let mut counts = BTreeMap::new();
    let mut finished = 0;
    if show_progress {
        progress(0, queued.len(), &counts);
    }
    loop {
        match worker::work_once(journal, &syncer, &name).await? {
            Some(status) if status != Status::Retrying => {
                finished += 1;
                *counts.entry(status.as_str().to_string()).or_insert(0) += 1;
            }
            Some(_) => {}
            None => {
                // Nothing due now: done, unless some of these hires wait for
                // a retry or another worker (a running serve) holds them.
                let unfinished = |s: Status| matches!(s, Status::Running | Status::Retrying | Status::Pending);
                let held = queued.iter().filter(|id| journal.hire(id).ok().flatten().is_some_and(|h| unfinished(h.status))).count();
                if held == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        if show_progress {
            progress(finished.min(queued.len()), queued.len(), &counts);
        }
    }
    if show_progress {
        eprintln!();
    }
    for id in &queued {
        if let Some(h) = journal.hire(id)? {
            *summary.by_status.entry(h.status.as_str().to_string()).or_insert(0) += 1;
            if h.status == Status::Failed {
                summary.failures.push((id.clone(), h.last_reason.unwrap_or_default()));
            }
        }
    }
    Ok(summary)
}

/// The summary as a table.
pub fn table(s: &Summary) -> String {
    let mut t = format!("{:<28} {:>6}\n{:<28} {:>6}\n", "hires in Lever since then", s.found, "already synced before", s.already_synced);
    for (status, n) in &s.by_status {
        t.push_str(&format!("{:<28} {:>6}\n", status, n));
    }
    for (id, why) in &s.failures {
        t.push_str(&format!("\nfailed {id}: {why}"));
    }
    t
}
