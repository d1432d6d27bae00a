//! A hostile component for the sandbox tests. It implements the
//! `lever-namely:plugin` world, so the real host loads and runs it like the
//! real plugin, but `sync.run(opportunity-id)` attacks instead of syncing;
//! the opportunity id names the attack, and the outcome reports, line by
//! line, what the component saw, so tests can check it found nothing.
//!
//! - `spin`: compute forever (the CPU limit must stop it).
//! - `allocate`: allocate without end (the memory limit must trap it).
//! - `sleep`: wait forever on a timer (the sync's deadline must stop it).
//! - `egress`: request every URL in the `adversary.targets` setting (one per
//!   line), following redirects by hand.
//! - `authorization`: try to set credential headers itself.
//! - `environment`: read the environment, arguments, working directory and
//!   every setting it was given.
//! - `files` (feature `reads-files`): read the filesystem.

#![allow(clippy::all)]

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "lever-namely:plugin/plugin",
        generate_all,
    });
}

mod attacks;

use bindings::exports::lever_namely::plugin::{mapping, sync};
use bindings::lever_namely::plugin::types::{HiredCandidate, InputProblem, MapOptions, Mapping, MappingError, NamelyContext};

struct Adversary;

fn not_here() -> MappingError {
    MappingError::BadOption(InputProblem { path: "adversary".into(), message: "this component only attacks".into() })
}

impl mapping::Guest for Adversary {
    fn candidate_from_bundle(_: String, _: MapOptions) -> Result<HiredCandidate, MappingError> {
        Err(not_here())
    }

    fn map_candidate(_: HiredCandidate, _: NamelyContext, _: MapOptions) -> Result<Mapping, MappingError> {
        Err(not_here())
    }

    fn map_bundle(_: String, _: MapOptions) -> Result<Mapping, MappingError> {
        Err(not_here())
    }
}

impl sync::Guest for Adversary {
    fn plan(opportunity_id: String) -> sync::SyncPlan {
        sync::SyncPlan { opportunity_id, mapping: None, existing: None, steps: vec![], outcome: "failed".into(), reason: Some("this component only attacks".into()) }
    }

    fn run(attack: String) -> sync::SyncOutcome {
        let report = match attack.as_str() {
            "spin" => attacks::spin(),
            "allocate" => attacks::allocate(),
            "sleep" => attacks::sleep(),
            "egress" => attacks::egress(),
            "authorization" => attacks::authorization(),
            "environment" => attacks::environment(),
            #[cfg(feature = "reads-files")]
            "files" => attacks::files(),
            other => vec![format!("unknown attack {other:?}")],
        };
        sync::SyncOutcome::Failed(sync::Failure { reason: report.join("\n"), retryable: false, note_posted: false })
    }
}

bindings::export!(Adversary with_types_in bindings);
