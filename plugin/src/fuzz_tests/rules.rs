//! The mapping rules of docs/mapping.md, as properties over typed candidates
//! and over the rule functions themselves.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::{arb_options, assert_profile_rules, config, is_plain_date, CHRONO_MAX_MS, TIME_ZONES, YEAR_9999_END_MS};
use crate::mapping::employment::{currency_code, is_annual, parse_amount};
use crate::mapping::tests::{self as mapping_tests, options};
use crate::mapping::{dates, labels, map_candidate, names, places};
use crate::types::{FieldValue, HiredCandidate, LabelledField, MapOptions, Mapping, MappingError, NamelyContext, Offer};

const DAY_MS: i64 = 86_400_000;

fn tz() -> impl Strategy<Value = Tz> {
    prop::sample::select(TIME_ZONES).prop_map(|name| dates::parse_timezone(name).unwrap())
}

/// The typed tests' candidate, with this name, offer and form.
fn candidate(name: &str, offer: Option<Offer>, form: Option<Vec<LabelledField>>) -> HiredCandidate {
    HiredCandidate { name: name.into(), offer, namely_form: form, ..mapping_tests::candidate() }
}

/// One word of a name: any characters but white space and double quotes.
fn word() -> impl Strategy<Value = String> {
    "\\PC{1,12}".prop_map(|w| {
        let w: String = w.chars().filter(|c| !c.is_whitespace() && !matches!(c, '"' | '“')).collect();
        if w.is_empty() { "x".to_string() } else { w }
    })
}

fn field(identifier: Option<&str>, label: &str, value: FieldValue) -> LabelledField {
    LabelledField { identifier: identifier.map(str::to_string), label: label.into(), value }
}

fn map(c: &HiredCandidate, o: &MapOptions) -> Result<Mapping, MappingError> {
    map_candidate(c, &NamelyContext { job_titles: None }, o)
}

fn codes(m: &Mapping) -> Vec<&str> {
    m.warnings.iter().map(|w| w.code.as_str()).collect()
}

/// A field value as Lever might give it: text of any kind, or any number.
fn arb_value(text: impl Strategy<Value = String>) -> impl Strategy<Value = FieldValue> {
    prop_oneof![
        3 => text.prop_map(FieldValue::Text),
        1 => any::<f64>().prop_map(FieldValue::Number),
        1 => prop::sample::select(vec![1e300, -1.0, 0.0, 0.4, 0.5, 99_999.5, 1e12, f64::NAN, f64::INFINITY])
            .prop_map(FieldValue::Number),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// Names: every part is trimmed and non-empty, the words outside the
    /// quoted nickname are all kept in order, and a name of two or more
    /// words gives both a first and a last name.
    #[test]
    fn names_split_into_clean_parts(full in prop_oneof!["\\PC{0,40}", "[A-Za-z\"“” \t]{0,30}", "([a-z]{1,4} ){1,5}"]) {
        let s = names::split(&full);
        for part in [&s.first, &s.middle, &s.last, &s.nickname].into_iter().flatten() {
            prop_assert!(!part.is_empty() && part == part.trim(), "{:?}", s);
        }
        let kept: Vec<&str> = [&s.first, &s.middle, &s.last].into_iter().flatten().flat_map(|p| p.split_whitespace()).collect();
        if s.nickname.is_none() && !full.contains(['"', '“']) {
            prop_assert_eq!(kept, full.split_whitespace().collect::<Vec<_>>());
            let words = full.split_whitespace().count();
            prop_assert_eq!((s.first.is_some(), s.last.is_some()), (words >= 1, words >= 2));
        }
    }

    /// Names in the mapping: a candidate name of two or more words always
    /// maps, with the first and last names the split gives.
    #[test]
    fn a_name_of_two_words_always_maps(words in prop::collection::vec(word(), 2..5), o in arb_options()) {
        let name = words.join(" ");
        let m = map(&candidate(&name, None, None), &o).expect("maps");
        assert_profile_rules(&m, &o);
        let split = names::split(&name);
        prop_assert_eq!(Some(m.profile.first_name), split.first);
        prop_assert_eq!(Some(m.profile.last_name), split.last);
    }

    /// Dates: a date written as a date, alone or as the head of an ISO
    /// timestamp, is kept as it is, whatever the time zone.
    #[test]
    fn written_dates_are_never_shifted(day in 0i64..3_000_000, tz in tz(), tail in prop_oneof![Just(String::new()), "T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-][01][0-9]:00)"], us in any::<bool>()) {
        // Days from 1 Jan 1000 up to about the year 9200.
        let date = NaiveDate::from_ymd_opt(1000, 1, 1).unwrap() + chrono::Days::new(day as u64);
        let want = date.format("%Y-%m-%d").to_string();
        let written = if us { date.format("%m/%d/%Y").to_string() } else { format!("{want}{tail}") };
        prop_assert_eq!(dates::date_of_value(&FieldValue::Text(written.clone()), tz), Ok(want.clone()));
        // And through the whole mapping, from the profile form.
        let form = vec![field(None, "Start date", FieldValue::Text(written))];
        let o = MapOptions { timezone: Some(tz.name().to_string()), ..options() };
        prop_assert_eq!(map(&candidate("Ada Lovelace", None, Some(form)), &o).unwrap().profile.start_date, Some(want));
    }

    /// Instants: any epoch milliseconds and zone give that instant's local
    /// date as `YYYY-MM-DD`, or nothing, and never panic.
    #[test]
    fn instants_give_the_local_date_or_nothing(
        ms in prop_oneof![
            any::<i64>(),
            -62_135_596_800_000i64..YEAR_9999_END_MS,
            // The ends of what can be written as YYYY, and of chrono.
            (-2 * DAY_MS..2 * DAY_MS).prop_map(|d| YEAR_9999_END_MS + d),
            (-2 * DAY_MS..2 * DAY_MS).prop_map(|d| -62_167_219_200_000 + d),
            (-2 * DAY_MS..2 * DAY_MS).prop_map(|d| CHRONO_MAX_MS + d),
            (-2 * DAY_MS..2 * DAY_MS).prop_map(|d| -CHRONO_MAX_MS + d),
        ],
        tz in tz(),
    ) {
        if let Some(date) = dates::date_of_millis(ms, tz) {
            prop_assert!(is_plain_date(&date), "{}", date);
            let utc = DateTime::from_timestamp_millis(ms).unwrap().date_naive();
            let local = NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap();
            prop_assert!((local - utc).num_days().abs() <= 1, "{} vs {}", local, utc);
        }
    }

    /// Salary amounts: any text is read as a positive finite number or not
    /// at all, never a panic.
    #[test]
    fn any_salary_text_is_an_amount_or_nothing(text in prop_oneof!["\\PC{0,16}", "[$€£A-Za-zé😀 ]{0,5}[0-9,.]{1,9}[ A-Za-z€😀]{0,5}"]) {
        if let Some(amount) = parse_amount(&text) {
            prop_assert!(amount.is_finite() && amount >= 0.0, "{}", amount);
        }
    }

    /// Salaries are sent only for annual (or unstated) intervals, in an
    /// allowed currency, as a rounded positive amount, dated the start date.
    #[test]
    fn salaries_only_for_annual_amounts_in_allowed_currencies(
        amount in arb_value(prop_oneof!["\\PC{0,12}", "[$€]?[0-9]{1,3}(,[0-9]{3}){0,3}(\\.[0-9]{2})?( USD| EUR)?"]),
        interval in prop::option::of(arb_value(prop_oneof![
            "\\PC{0,12}",
            prop::sample::select(vec!["per-year-salary", "annual", "per-hour-wage", "monthly", "weekly"]).prop_map(str::to_string),
        ])),
        currency in prop::option::of(arb_value(prop_oneof!["\\PC{0,4}", "[A-Za-z$€£]{1,3}"])),
        allowed in prop_oneof![Just(vec![]), Just(vec!["USD".to_string(), "eur".to_string()])],
        start in prop::option::of("20[0-9]{2}-0[1-9]-1[0-9]"),
    ) {
        let mut fields = vec![field(Some("salary_amount"), "Salary", amount.clone())];
        fields.extend(interval.clone().map(|v| field(Some("salary_interval"), "Salary interval", v)));
        fields.extend(currency.clone().map(|v| field(Some("salary_currency"), "Salary currency", v)));
        fields.extend(start.clone().map(|d| field(Some("anticipated_start_date"), "Start date", FieldValue::Text(d))));
        let offer = Offer { id: "offer-1".into(), status: "signed".into(), created_at: None, fields };
        let mut c = candidate("Ada Lovelace", Some(offer), None);
        c.archived_at = None;
        let o = MapOptions { salary_currencies: allowed.clone(), ..options() };
        let m = map(&c, &o).expect("maps");
        // A field holding nothing counts as absent, as in the mapping.
        let text = |v: &Option<FieldValue>| v.as_ref().filter(|v| !labels::is_empty(v)).map(labels::text_of);
        let Some(salary) = m.profile.salary.clone() else {
            // Nothing sent for an amount given is always explained by a warning.
            let given = text(&Some(amount.clone())).is_some();
            prop_assert!(!given || codes(&m).iter().any(|c| c.starts_with("salary_")), "{:?}", m.warnings);
            return Ok(());
        };
        prop_assert!(text(&interval).is_none_or(|i| is_annual(&i)), "{:?}", interval);
        let currency = text(&currency).map_or("USD".to_string(), |c| currency_code(&c));
        let allowed: Vec<String> = if allowed.is_empty() { vec!["USD".into()] } else { allowed.iter().map(|a| a.to_uppercase()).collect() };
        prop_assert!(allowed.contains(&salary.currency_type) && salary.currency_type == currency, "{:?}", salary);
        prop_assert!(salary.yearly_amount > 0, "{:?}", salary);
        if let FieldValue::Number(n) = amount {
            prop_assert_eq!(salary.yearly_amount, n.round() as i64);
        }
        prop_assert_eq!(Some(salary.date), start);
    }

    /// Countries are ISO alpha-2 codes from the table or nothing; states only
    /// for the US and Canada, and only two-letter codes.
    #[test]
    fn places_are_codes_or_nothing(country in "\\PC{0,16}", state in "\\PC{0,16}") {
        if let Some(code) = places::country_code(&country) {
            prop_assert!(code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()), "{}", code);
        }
        for cc in ["US", "CA", "GB"] {
            let code = places::state_code(cc, &state);
            prop_assert!(code.is_none_or(|c| c.len() == 2 && cc != "GB"), "{:?}", code);
        }
    }
}
