//! Helpers shared by the journal tests: a scratch directory, deliveries, a clock.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use lever_namely_service::journal::{Journal, Outcome, RetryPolicy, SyncResult};
use lever_namely_service::webhook::Delivery;
use serde_json::json;

/// Epoch ms the tests start at; every `now` is this plus an offset.
pub const T0: i64 = 1_700_000_000_000;
/// A lease long enough that it never runs out unless a test moves the clock.
pub const LEASE: Duration = Duration::from_secs(60);

/// A directory removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lever-namely-journal-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("journal.sqlite3")
    }

    pub fn open(&self) -> Journal {
        Journal::open(self.db()).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A verified delivery as `webhook::verify` would produce it.
pub fn delivery(event: &str, opportunity_id: &str, token: &str) -> Delivery {
    let raw = json!({
        "triggeredAt": T0,
        "event": event,
        "signature": "0".repeat(64),
        "token": token,
        "data": {"opportunityId": opportunity_id, "candidateId": opportunity_id, "contactId": "c"}
    });
    Delivery::new(event, opportunity_id, T0, token, raw)
}

pub fn hired(opportunity_id: &str) -> Delivery {
    delivery("candidateHired", opportunity_id, "token-1")
}

pub fn created(namely_id: &str) -> Outcome {
    Outcome::Done {
        result: SyncResult::Created,
        namely_id: namely_id.into(),
        profile_url: Some(format!("https://acme.namely.com/people/{namely_id}")),
    }
}

pub fn transient(reason: &str) -> Outcome {
    Outcome::Transient { reason: reason.into() }
}

pub fn policy(base_s: u64, cap_s: u64, max_attempts: u32) -> RetryPolicy {
    RetryPolicy { base: Duration::from_secs(base_s), cap: Duration::from_secs(cap_s), max_attempts }
}
