//! Property tests ("fuzzing") of the bundle parser and the mapping, natively:
//! damaged real bundles always give a mapping or an error that names a path
//! or a field ([`bundles`]), and the mapping rules hold for any input
//! ([`rules`]).
//!
//! Bounded for CI; `PROPTEST_CASES=20000` runs them longer (docs/fuzzing.md).

mod bundles;
mod rules;

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::Value;

use crate::mapping::employment::NAMELY_EMPLOYEE_TYPES;
use crate::mapping::{is_valid_email, places, DEFAULT_SALARY_CURRENCIES};
use crate::types::{MapOptions, Mapping, RecordType};

/// The number of cases: `PROPTEST_CASES` when set, else `default`.
/// (`ProptestConfig::with_cases` would ignore the variable.)
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// No failure persistence: nothing is written into the source tree.
fn config(default: u32) -> ProptestConfig {
    ProptestConfig { cases: cases(default), failure_persistence: None, ..ProptestConfig::default() }
}

/// Time zones at the edges: the furthest ahead (+14), behind (-12), odd
/// quarter-hour offsets, and zones with daylight saving.
const TIME_ZONES: &[&str] = &[
    "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Pago_Pago", "Asia/Kathmandu", "Australia/Lord_Howe",
    "America/Los_Angeles", "America/St_Johns", "Asia/Tokyo", "Europe/London",
];

fn arb_options() -> impl Strategy<Value = MapOptions> {
    (any::<bool>(), prop::option::of(prop::sample::select(TIME_ZONES))).prop_map(|(onboarding, tz)| MapOptions {
        record_type: if onboarding { RecordType::Onboarding } else { RecordType::Hris },
        timezone: tz.map(str::to_string),
        employee_types: vec![],
        salary_currencies: vec![],
        offer_identifiers: vec![],
        form_title: None,
    })
}

/// chrono's last representable instant, in milliseconds (year 262142).
const CHRONO_MAX_MS: i64 = 8_210_266_876_799_999;
/// The last millisecond of the year 9999, the last `YYYY` year.
const YEAR_9999_END_MS: i64 = 253_402_300_799_999;

/// Numbers where parsers break: the ends of i64, f64 and of chrono's dates.
fn extreme_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![i64::MIN, i64::MAX, -1, 0, CHRONO_MAX_MS, -CHRONO_MAX_MS, YEAR_9999_END_MS])
            .prop_map(Value::from),
        (-1000i64..1000).prop_map(|d| Value::from(CHRONO_MAX_MS + d)),
        (-1000i64..1000).prop_map(|d| Value::from(-CHRONO_MAX_MS - 86_400_000 + d)),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![1e300, -1e300, 9.0e15, -8.9e15, 1.5, -0.0, f64::MAX, f64::MIN_POSITIVE, 1e12 + 0.5])
            .prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Value::from),
    ]
}

/// Arbitrary JSON, often with the keys and values the bundle reader looks at.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        extreme_number(),
        "\\PC{0,16}".prop_map(Value::String),
        ".{0,16}".prop_map(Value::String),
        prop::sample::select(vec!["signed", "hired", "Namely Form", "Start date", "Salary", "2024-02-29", "USD"])
            .prop_map(Value::from),
    ];
    let key = prop::sample::select(vec![
        "opportunity", "id", "name", "emails", "archived", "reason", "archivedAt", "offers", "status", "fields",
        "text", "identifier", "value", "forms", "type", "createdAt", "file", "data", "path", "body",
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop_oneof![key.clone(), "\\PC{0,8}"], inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A `YYYY-MM-DD` date, as Namely takes it.
fn is_plain_date(text: &str) -> bool {
    text.len() == 10 && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok_and(|d| d.format("%Y-%m-%d").to_string() == text)
}

/// What every successful mapping promises, whatever went in.
fn assert_profile_rules(m: &Mapping, o: &MapOptions) {
    let p = &m.profile;
    for name in [&p.first_name, &p.last_name] {
        assert!(!name.is_empty() && name == name.trim(), "{name:?}");
    }
    assert!(is_valid_email(&p.email), "{:?}", p.email);
    assert!(p.personal_email.as_deref().is_none_or(is_valid_email), "{:?}", p.personal_email);
    let pending = o.record_type == RecordType::Onboarding;
    assert_eq!(p.user_status, if pending { "pending" } else { "active" });
    if pending {
        assert!(p.personal_email.is_some() && p.start_date.is_some(), "{p:?}");
    }
    if let Some(date) = &p.start_date {
        assert!(is_plain_date(date), "start date {date:?}");
    }
    if let Some(s) = &p.salary {
        assert!(s.yearly_amount > 0 && s.yearly_amount < 1_000_000_000_000, "{s:?}");
        assert!(DEFAULT_SALARY_CURRENCIES.contains(&s.currency_type.as_str()), "{s:?}");
        assert_eq!(Some(&s.date), p.start_date.as_ref());
    }
    if let Some(t) = &p.employee_type {
        assert!(NAMELY_EMPLOYEE_TYPES.contains(&t.as_str()), "{t:?}");
    }
    if let Some(home) = &p.home {
        let country = home.country_id.as_deref();
        assert!(country.is_none_or(|c| places::country_code(c) == Some(c)), "{home:?}");
        assert!(home.state_id.is_none() || matches!(country, Some("US" | "CA")), "{home:?}");
    }
    let body: Value = serde_json::from_str(&m.request_json).expect("the request body is JSON");
    assert_eq!(body["profiles"][0]["email"], p.email.as_str());
}
