//! The component's exports: thin wrappers over the pure core.

use crate::bindings::exports::lever_namely::plugin::{mapping, sync};
use crate::types::{HiredCandidate, MapOptions, Mapping, MappingError, NamelyContext};

struct Component;

impl mapping::Guest for Component {
    fn candidate_from_bundle(bundle_json: String, options: MapOptions) -> Result<HiredCandidate, MappingError> {
        crate::bundle::parse(&bundle_json, &options).map(|b| b.candidate)
    }

    fn map_candidate(candidate: HiredCandidate, context: NamelyContext, options: MapOptions) -> Result<Mapping, MappingError> {
        crate::mapping::map_candidate(&candidate, &context, &options)
    }

    fn map_bundle(bundle_json: String, options: MapOptions) -> Result<Mapping, MappingError> {
        crate::mapping::map_bundle(&bundle_json, &options)
    }
}

impl sync::Guest for Component {
    fn plan(opportunity_id: String) -> sync::SyncPlan {
        crate::sync::entry::plan(&opportunity_id)
    }

    fn run(opportunity_id: String) -> sync::SyncOutcome {
        crate::sync::entry::run(&opportunity_id)
    }
}

crate::bindings::export!(Component with_types_in crate::bindings);
