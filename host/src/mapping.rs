//! Running the component's mapping and presenting its result.

use serde_json::{json, Value};

use crate::bindings::types::{MapOptions, Mapping, MappingError, RecordType};
use crate::egress::{Allowlist, EgressHooks, HttpLimits};
use crate::runtime::{explain_trap, Plugin};

/// Map a Lever bundle (JSON text) inside the sandbox.
///
/// The outer error is the host's (the component could not run); the inner one
/// is the mapping's answer about the input.
pub async fn map_bundle(plugin: &Plugin, bundle_json: &str, options: &MapOptions) -> anyhow::Result<Result<Mapping, MappingError>> {
    let hooks = EgressHooks::new(Allowlist::deny_all(), HttpLimits::default(), true);
    let (mut store, instance) = plugin.instantiate([], hooks).await?;
    instance
        .lever_namely_plugin_mapping()
        .call_map_bundle(&mut store, bundle_json, options)
        .await
        .map_err(|e| explain_trap(e))
}

/// `hris` or `onboarding`.
pub fn record_type_name(r: RecordType) -> &'static str {
    match r {
        RecordType::Hris => "hris",
        RecordType::Onboarding => "onboarding",
    }
}

/// The `map` command's output: the record type, the exact request body and
/// the warnings.
pub fn mapping_json(m: &Mapping) -> Value {
    let request: Value = serde_json::from_str(&m.request_json).unwrap_or(Value::String(m.request_json.clone()));
    json!({
        "record_type": record_type_name(m.record_type),
        "namely_request": request,
        "warnings": m.warnings.iter().map(|w| json!({"code": w.code, "field": w.field, "message": w.message})).collect::<Vec<_>>(),
    })
}

/// A mapping error as advice: every problem on its own line.
pub fn error_text(e: &MappingError) -> String {
    match e {
        MappingError::BadInput(problems) => {
            let mut s = String::from("the Lever bundle could not be read:");
            for p in problems {
                s.push_str(&format!("\n  - {}: {}", p.path, p.message));
            }
            s
        }
        MappingError::MissingFields(fields) => {
            let mut s = String::from("no Namely request was made: required fields are missing:");
            for f in fields {
                s.push_str(&format!("\n  - {}: looked in {}", f.field, f.looked_in.join("; ")));
            }
            s.push_str("\nFill them in Lever (for example on the candidate's \"Namely Form\") and try again.");
            s
        }
        MappingError::BadOption(p) => format!("the setting {} is not valid: {}", p.path, p.message),
        MappingError::NotHired(why) => why.clone(),
    }
}
