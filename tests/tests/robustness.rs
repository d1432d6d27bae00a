//! Bad input never panics or traps: arbitrary JSON and damaged bundles,
//! mapped inside the sandbox, always give a result or a clear error.

use lever_namely::bindings::types::{MapOptions, MappingError, RecordType};
use lever_namely::mapping::map_bundle;
use lever_namely_tests::{block_on, fixture, plugin};
use proptest::prelude::*;
use serde_json::Value;

fn options() -> MapOptions {
    MapOptions {
        record_type: RecordType::Onboarding,
        timezone: None,
        employee_types: vec![],
        salary_currencies: vec![],
        offer_identifiers: vec![],
        form_title: None,
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("opportunity".to_string()), Just("offers".to_string()), Just("forms".to_string()),
                    Just("archived".to_string()), Just("fields".to_string()), Just("value".to_string()),
                    Just("emails".to_string()), Just("id".to_string()), "[a-z]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every reachable path in a JSON value, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(o) => o.iter().for_each(|(k, c)| pointers(c, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn assert_clear(text: &str) {
    match block_on(map_bundle(plugin(), text, &options())) {
        Err(e) => panic!("the component failed instead of answering: {e:#}"),
        Ok(Ok(m)) => assert!(m.request_json.starts_with("{\"profiles\":[{")),
        Ok(Err(MappingError::BadInput(problems))) => {
            assert!(!problems.is_empty());
            assert!(problems.iter().all(|p| !p.path.is_empty() && !p.message.is_empty()), "{problems:?}");
        }
        Ok(Err(MappingError::MissingFields(f))) => assert!(f.iter().all(|f| !f.looked_in.is_empty())),
        Ok(Err(MappingError::NotHired(why))) => assert!(!why.is_empty()),
        Ok(Err(MappingError::BadOption(p))) => panic!("options are fixed here, yet: {p:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_gets_a_result_or_a_clear_error(v in arb_json()) {
        assert_clear(&v.to_string());
    }

    #[test]
    fn arbitrary_text_gets_a_result_or_a_clear_error(s in ".{0,64}") {
        assert_clear(&s);
    }

    #[test]
    fn damaged_bundles_get_a_result_or_a_clear_error(pick in any::<prop::sample::Index>(), replacement in arb_json()) {
        let mut bundle: Value = serde_json::from_str(&fixture("bundles/full-hire.json")).unwrap();
        let mut all = Vec::new();
        pointers(&bundle, String::new(), &mut all);
        let target = pick.get(&all[1..]).clone();
        *bundle.pointer_mut(&target).unwrap() = replacement;
        assert_clear(&bundle.to_string());
    }
}

#[test]
fn a_wrongly_typed_value_is_named_by_its_path() {
    let mut bundle: Value = serde_json::from_str(&fixture("bundles/full-hire.json")).unwrap();
    bundle["opportunity"]["emails"][1] = Value::from(true);
    bundle["offers"][1]["fields"] = Value::from("not a list");
    match block_on(map_bundle(plugin(), &bundle.to_string(), &options())).unwrap() {
        Err(MappingError::BadInput(p)) => {
            let paths: Vec<_> = p.iter().map(|p| p.path.as_str()).collect();
            assert_eq!(paths, vec!["opportunity.emails[1]", "offers[1].fields"], "{p:?}");
            assert!(p[0].message.contains("expected text"), "{p:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_json_is_a_clear_error() {
    match block_on(map_bundle(plugin(), "{\"opportunity\": ", &options())).unwrap() {
        Err(MappingError::BadInput(p)) => assert!(p[0].message.contains("not valid JSON"), "{p:?}"),
        other => panic!("{other:?}"),
    }
}
