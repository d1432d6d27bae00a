//! Golden tests: every bundle in `fixtures/bundles/` (built from Lever's
//! recorded response shapes) mapped by the embedded component, compared with
//! `golden/`. Run with `UPDATE_GOLDEN=1` to rewrite the expected files, then
//! review the diff.

use lever_namely::bindings::types::{MapOptions, MappingError, RecordType};
use lever_namely::mapping::{error_text, map_bundle, mapping_json};
use lever_namely_tests::{block_on, fixture, plugin, tests_dir};
use serde_json::{json, Value};

fn options(record_type: RecordType, timezone: Option<&str>) -> MapOptions {
    MapOptions {
        record_type,
        timezone: timezone.map(str::to_string),
        employee_types: vec![],
        salary_currencies: vec![],
        offer_identifiers: vec![],
        form_title: None,
    }
}

/// What `lever-namely map` reports for a bundle, as one JSON value.
fn outcome(bundle: &str, o: &MapOptions) -> Value {
    match block_on(map_bundle(plugin(), bundle, o)).expect("the component runs") {
        Ok(m) => mapping_json(&m),
        Err(MappingError::NotHired(why)) => json!({"outcome": "not-hired", "reason": why}),
        Err(e) => json!({"error": error_text(&e)}),
    }
}

fn check(name: &str, o: &MapOptions, variant: &str) {
    let bundle = fixture(&format!("bundles/{name}.json"));
    let got = serde_json::to_string_pretty(&outcome(&bundle, o)).unwrap() + "\n";
    let path = tests_dir().join("golden").join(format!("{name}.{variant}.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    assert_eq!(got, want, "{name} ({variant}) differs from {}", path.display());
}

#[test]
fn golden_hris() {
    for name in ["recorded-hired", "recorded-not-hired", "full-hire", "missing-fields", "warnings"] {
        check(name, &options(RecordType::Hris, None), "hris");
    }
}

#[test]
fn golden_onboarding_in_los_angeles() {
    for name in ["recorded-hired", "full-hire", "missing-fields"] {
        check(name, &options(RecordType::Onboarding, Some("America/Los_Angeles")), "onboarding-la");
    }
}

#[test]
fn the_sandboxed_and_native_mappings_are_byte_identical() {
    for name in ["recorded-hired", "full-hire", "warnings"] {
        let bundle = fixture(&format!("bundles/{name}.json"));
        let o = options(RecordType::Hris, Some("Europe/Berlin"));
        let in_wasm = block_on(map_bundle(plugin(), &bundle, &o)).unwrap().unwrap();
        let again = block_on(map_bundle(plugin(), &bundle, &o)).unwrap().unwrap();
        assert_eq!(in_wasm.request_json, again.request_json, "{name}: two runs differ");
        let native_options = lever_namely_plugin::types::MapOptions {
            record_type: lever_namely_plugin::types::RecordType::Hris,
            timezone: Some("Europe/Berlin".into()),
            employee_types: vec![],
            salary_currencies: vec![],
            offer_identifiers: vec![],
            form_title: None,
        };
        let native = lever_namely_plugin::mapping::map_bundle(&bundle, &native_options).unwrap();
        assert_eq!(in_wasm.request_json, native.request_json, "{name}: wasm and native differ");
        assert_eq!(in_wasm.warnings.len(), native.warnings.len());
    }
}

#[test]
fn recorded_responses_can_be_fed_in_unchanged() {
    // The not-hired bundle holds Lever's recorded files verbatim
    // ({method, path, status, body}); the reader unwraps them.
    let bundle = fixture("bundles/recorded-not-hired.json");
    let v = outcome(&bundle, &options(RecordType::Hris, None));
    assert_eq!(v["outcome"], "not-hired");
    assert!(v["reason"].as_str().unwrap().contains("Timing"), "{v}");
}
