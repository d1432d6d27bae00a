//! The sync entry points. The contract (`wit/plugin.wit`) is fixed in 0.1.0;
//! this build answers every call with a failure that says so, so a platform
//! coding against the contract gets a clear result rather than a trap.

use crate::bindings::exports::lever_namely::plugin::sync::{Failure, SyncOutcome, SyncPlan};

const NOT_YET: &str = "this build of the lever-namely component maps candidates only; sync arrives in a later build";

/// See `sync.plan` in the WIT contract.
pub fn plan(opportunity_id: &str) -> SyncPlan {
    SyncPlan {
        opportunity_id: opportunity_id.to_string(),
        mapping: None,
        existing: None,
        steps: vec![],
        outcome: "would-fail".to_string(),
        reason: Some(NOT_YET.to_string()),
    }
}

/// See `sync.run` in the WIT contract.
pub fn run(_opportunity_id: &str) -> SyncOutcome {
    SyncOutcome::Failed(Failure { reason: NOT_YET.to_string(), retryable: false, note_posted: false })
}
