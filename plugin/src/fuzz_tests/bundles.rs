//! Damaged real bundles: parsing and mapping never panic, and either map or
//! return an error that names a path in the bundle or a missing field.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::{arb_json, arb_options, assert_profile_rules, config, extreme_number};
use crate::mapping::map_bundle;
use crate::types::{MapOptions, Mapping, MappingError};

/// The recorded and hand-written bundles of the end-to-end tests.
const FIXTURES: &[&str] = &[
    include_str!("../../../tests/fixtures/bundles/full-hire.json"),
    include_str!("../../../tests/fixtures/bundles/missing-fields.json"),
    include_str!("../../../tests/fixtures/bundles/recorded-hired.json"),
    include_str!("../../../tests/fixtures/bundles/recorded-not-hired.json"),
    include_str!("../../../tests/fixtures/bundles/warnings.json"),
];

/// The keys a bundle may have; every problem's path starts with one of them.
const ROOTS: &[&str] = &[
    "(bundle)", "opportunity", "archive_reasons", "offers", "forms", "requisition", "posting", "resumes", "files",
    "namely_job_titles",
];

fn assert_clear(result: &Result<Mapping, MappingError>, options: &MapOptions) {
    match result {
        Ok(m) => assert_profile_rules(m, options),
        Err(MappingError::BadInput(problems)) => {
            assert!(!problems.is_empty());
            for p in problems {
                let root = p.path.split(['.', '[']).next().unwrap_or_default();
                assert!(ROOTS.contains(&root), "a problem not named by its path: {p:?}");
                assert!(!p.message.trim().is_empty(), "{p:?}");
            }
        }
        Err(MappingError::MissingFields(fields)) => {
            assert!(!fields.is_empty());
            assert!(fields.iter().all(|f| !f.field.is_empty() && !f.looked_in.is_empty()), "{fields:?}");
        }
        Err(MappingError::NotHired(why)) => assert!(why.contains("is not hired: "), "{why}"),
        Err(MappingError::BadOption(p)) => panic!("the options are valid, yet: {p:?}"),
    }
}

/// Every node of a JSON value, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(o) => {
            o.iter().for_each(|(k, c)| pointers(c, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out))
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// One change to a bundle, at a node picked among all of its nodes.
#[derive(Debug, Clone)]
enum Damage {
    Replace(prop::sample::Index, Value),
    Remove(prop::sample::Index),
    /// The same content as another JSON type: `5` as `"5"`, text as a list…
    SwapType(prop::sample::Index),
    /// An extreme number in place of a number.
    Extreme(prop::sample::Index, Value),
}

fn arb_damage() -> impl Strategy<Value = Damage> {
    let at = any::<prop::sample::Index>;
    prop_oneof![
        (at(), arb_json()).prop_map(|(i, v)| Damage::Replace(i, v)),
        at().prop_map(Damage::Remove),
        at().prop_map(Damage::SwapType),
        (at(), extreme_number()).prop_map(|(i, v)| Damage::Extreme(i, v)),
    ]
}

fn swap_type(v: &Value) -> Value {
    match v {
        Value::Null => json!(""),
        Value::Bool(b) => json!(b.to_string()),
        Value::Number(n) => json!(n.to_string()),
        Value::String(s) => s.parse::<f64>().ok().filter(|f| f.is_finite()).map_or_else(|| json!([s]), Value::from),
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        Value::Object(o) => Value::Array(o.values().cloned().collect()),
    }
}

fn damage(bundle: &mut Value, d: &Damage) {
    let mut all = Vec::new();
    pointers(bundle, String::new(), &mut all);
    let (Damage::Replace(i, _) | Damage::Remove(i) | Damage::SwapType(i) | Damage::Extreme(i, _)) = d;
    // Not the root: a bundle that is not an object is arbitrary_json's case.
    let Some(target) = all.get(1..).filter(|rest| !rest.is_empty()).map(|rest| i.get(rest).clone()) else { return };
    let (parent, key) = target.rsplit_once('/').expect("a pointer below the root");
    let node = bundle.pointer_mut(&target).expect("a pointer that was just listed");
    match d {
        Damage::Replace(_, v) => *node = v.clone(),
        Damage::SwapType(_) => *node = swap_type(node),
        Damage::Extreme(_, v) if node.is_number() || node.is_null() => *node = v.clone(),
        Damage::Extreme(..) => {}
        Damage::Remove(_) => match bundle.pointer_mut(parent).expect("the parent of a listed pointer") {
            Value::Object(o) => {
                o.remove(&key.replace("~1", "/").replace("~0", "~"));
            }
            Value::Array(a) => {
                a.remove(key.parse::<usize>().expect("an array index"));
            }
            _ => unreachable!("only objects and arrays have children"),
        },
    }
}

/// A field of a profile form or an offer: one the mapping reads, by label
/// or identifier, holding arbitrary text, numbers or Lever-shaped answers.
fn arb_field(identifiers: bool) -> impl Strategy<Value = Value> {
    let labels = prop::sample::select(vec![
        "First name", "Middle name", "Last name", "Preferred name", "Work email", "Email", "Personal email",
        "Mobile phone", "Home phone", "LinkedIn URL", "Start date", "Anticipated start date", "Job title",
        "Employment type", "Salary", "Base salary", "Salary interval", "Pay frequency", "Salary currency",
        "Currency", "Address 1", "Address 2", "City", "State", "Country", "Zip",
    ]);
    let ids = prop::sample::select(vec![
        "job_title", "employment_status", "anticipated_start_date", "salary_amount", "salary_interval",
        "salary_currency", "other",
    ]);
    let text = prop_oneof![
        "\\PC{0,24}",
        ".{0,24}",
        // Near-misses of what the rules accept: dates, amounts, codes, emails.
        "[+-]?[0-9]{1,6}[-/][0-9]{1,2}[-/][0-9]{1,4}([T ][0-9:Z+]{0,9})?",
        "[$€£¥]?[ ]?[0-9][0-9,._]{0,12}[ ]?[A-Za-z€😀]{0,4}",
        "[A-Za-z😀é]{0,4}[0-9]{0,7}[A-Za-z€😀]{0,4}",
        "[a-z.]{0,6}@[a-z.]{0,8}",
        prop::sample::select(vec![
            "per-year-salary", "per-hour-wage", "annual", "monthly", "USD", "usd", "$", "€", "EUR", "US", "USA",
            "United States", "Canada", "CA", "California", "Ontario", "Full-time", "intern", "Temporary",
        ])
        .prop_map(str::to_string),
    ];
    let value = prop_oneof![
        4 => text.prop_map(Value::from),
        2 => extreme_number(),
        1 => arb_json(),
        1 => (prop::sample::select(vec!["USD", "EUR", "", "$"]), extreme_number())
            .prop_map(|(c, v)| json!({"currency": c, "value": v})),
    ];
    (labels, ids, value).prop_map(move |(label, id, value)| {
        let mut field = json!({"type": "text", "text": label, "value": value});
        if identifiers {
            field["identifier"] = json!(id);
        }
        field
    })
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn arbitrary_json_gets_a_result_or_a_clear_error(v in arb_json(), options in arb_options()) {
        assert_clear(&map_bundle(&v.to_string(), &options), &options);
    }

    #[test]
    fn arbitrary_text_gets_a_result_or_a_clear_error(text in "\\PC{0,64}", options in arb_options()) {
        assert_clear(&map_bundle(&text, &options), &options);
    }

    /// Real bundles with nodes replaced, removed, retyped or made extreme.
    #[test]
    fn damaged_bundles_get_a_result_or_a_clear_error(
        fixture in prop::sample::select(FIXTURES),
        damages in prop::collection::vec(arb_damage(), 1..5),
        options in arb_options(),
    ) {
        let mut bundle: Value = serde_json::from_str(fixture).unwrap();
        damages.iter().for_each(|d| damage(&mut bundle, d));
        assert_clear(&map_bundle(&bundle.to_string(), &options), &options);
    }

    /// Arbitrary names, emails, dates, salaries, places and employment types
    /// in the fields the mapping reads, on the full hire.
    #[test]
    fn arbitrary_field_values_map_by_the_rules(
        name in prop_oneof!["\\PC{0,40}", "[A-Za-z\"“” ]{0,30}"],
        emails in prop::collection::vec(prop_oneof!["\\PC{0,20}", "[a-z]{1,5}@[a-z]{1,5}\\.[a-z]{2}"], 0..3),
        form in prop::collection::vec(arb_field(false), 0..12),
        offer in prop::collection::vec(arb_field(true), 0..8),
        archived_at in extreme_number(),
        options in arb_options(),
    ) {
        let mut bundle: Value = serde_json::from_str(FIXTURES[0]).unwrap();
        bundle["opportunity"]["name"] = json!(name);
        bundle["opportunity"]["emails"] = json!(emails);
        bundle["opportunity"]["archived"]["archivedAt"] = archived_at;
        bundle["forms"][1]["fields"] = json!(form);
        bundle["offers"][1]["fields"] = json!(offer);
        assert_clear(&map_bundle(&bundle.to_string(), &options), &options);
    }
}
