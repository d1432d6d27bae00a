//! Property tests ("fuzzing") of [`verify`]: whatever arrives, the answer is a
//! verified delivery or a [`Refusal`] with a 4xx status and a reason that names
//! the problem, and nothing but an exact signature is ever accepted.
//!
//! Bounded for CI; `PROPTEST_CASES=20000` runs them longer (docs/fuzzing.md).

use proptest::prelude::*;
use serde_json::json;

use super::*;

/// The number of cases: `PROPTEST_CASES` when set, else `default`.
/// (`ProptestConfig::with_cases` would ignore the variable.)
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// No failure persistence: nothing is written into the source tree.
fn config(default: u32) -> ProptestConfig {
    ProptestConfig { cases: cases(default), failure_persistence: None, ..ProptestConfig::default() }
}

const HIRED_KEY: &str = "sig-token-candidateHired-1";
const ARCHIVE_KEY: &str = "sig-token-archive-2";
const TOKEN: &str = "f3a9c2e1d4b5a6c7";
const AT: i64 = 1_503_441_645_873;
const OPP: &str = "250d8f03-738a-4bba-a671-8a3d73477145";
/// A year 2001 to 2100 in epoch milliseconds: where real deliveries live.
const REAL_TIMES: std::ops::Range<i64> = 1_000_000_000_000..4_102_444_800_000;

fn two_events() -> VerifierConfig {
    VerifierConfig::new([("candidateHired", Secret::new(HIRED_KEY)), ("candidateArchiveChange", Secret::new(ARCHIVE_KEY))])
}

/// A delivery as Lever would send it, signed with `key`.
fn signed(event: &str, key: &str, token: &str, at: i64, opportunity: &str) -> Value {
    json!({
        "triggeredAt": at,
        "event": event,
        "signature": signature::sign(&Secret::new(key), token, &at.to_string()),
        "token": token,
        "data": {"opportunityId": opportunity, "candidateId": opportunity, "contactId": "c-1"}
    })
}

fn hired_delivery() -> Value {
    signed("candidateHired", HIRED_KEY, TOKEN, AT, OPP)
}

/// The answer is usable: an event with an opportunity, a test delivery, or a
/// refusal with a 4xx status whose reason names the problem, holds no
/// signature token and cannot break a log line.
fn assert_clear(result: &Result<Verified, Refusal>) {
    let refusal = match result {
        Ok(Verified::Event(d)) => {
            assert!(!d.opportunity_id.is_empty() && d.opportunity_id == d.opportunity_id.trim(), "{d:?}");
            assert!(!d.event.is_empty() && !d.token.is_empty(), "{d:?}");
            assert_eq!(d.dedupe_key, dedupe_key(&d.event, &d.opportunity_id, d.triggered_at, &d.token));
            return;
        }
        Ok(Verified::TestDelivery { event }) => {
            assert!(!event.is_empty());
            return;
        }
        Err(refusal) => refusal,
    };
    let reason = refusal.reason();
    let names_it = match refusal {
        Refusal::TooLarge { .. } => reason.contains("bytes"),
        Refusal::Malformed(what) => {
            ["JSON", "`event`", "`data", "triggeredAt"].iter().any(|name| what.contains(name))
        }
        Refusal::Unsigned { missing } => reason.contains(&format!("`{missing}`")),
        Refusal::UnknownEvent(_) => reason.contains("no signature token is configured for the event"),
        Refusal::BadSignature { .. } => reason.contains("signature does not match"),
        Refusal::Stale { .. } => reason.contains("window"),
    };
    assert!(names_it, "{refusal:?}: {reason}");
    assert!(matches!(refusal.status(), 400 | 401 | 403 | 413 | 422), "{refusal:?}");
    assert!(!reason.chars().any(char::is_control), "a control character in {reason:?}");
    assert!(!reason.contains(HIRED_KEY) && !reason.contains(ARCHIVE_KEY), "{reason}");
}

/// Arbitrary JSON that often uses the envelope's own keys, so the checks
/// past "is it an object" are reached.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Value::from),
        Just(Value::from(AT)),
        Just(Value::from("candidateHired")),
        "\\PC{0,12}".prop_map(Value::String),
        ".{0,12}".prop_map(Value::String),
    ];
    let key = prop_oneof![
        Just("triggeredAt"), Just("event"), Just("signature"), Just("token"), Just("data"),
        Just("opportunityId"), Just("toArchived"), Just("reason"), Just("toStageId"),
    ]
    .prop_map(str::to_string);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop_oneof![key.clone(), "\\PC{0,8}"], inner), 0..7)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// Every node of [`hired_delivery`], as JSON pointers.
const NODES: &[&str] = &[
    "/triggeredAt", "/event", "/signature", "/token", "/data", "/data/opportunityId", "/data/candidateId",
    "/data/contactId",
];

/// One byte-level change to a body.
#[derive(Debug, Clone)]
enum Edit {
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    // JSON's structural bytes and digits are likelier to reach deep checks.
    let byte = prop_oneof![any::<u8>(), prop::sample::select(b"{}[]\":,0123456789-.eE \\u".to_vec())];
    prop_oneof![
        (any::<prop::sample::Index>(), byte.clone()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<prop::sample::Index>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::Delete),
        any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(body: &mut Vec<u8>, edit: &Edit) {
    match edit {
        // Earlier edits may have emptied the body: only an insert applies.
        Edit::Flip(..) | Edit::Delete(_) | Edit::Truncate(_) if body.is_empty() => {}
        Edit::Flip(i, b) => {
            let i = i.index(body.len());
            body[i] = *b;
        }
        Edit::Insert(i, b) => body.insert(i.index(body.len() + 1), *b),
        Edit::Delete(i) => {
            body.remove(i.index(body.len()));
        }
        Edit::Truncate(i) => body.truncate(i.index(body.len())),
    }
}

/// A way to tamper with what the signature covers.
#[derive(Debug, Clone)]
enum Tamper {
    Token(String),
    Time(i64),
    Signature(String),
    /// One hex digit of the signature changed.
    SignatureDigit(prop::sample::Index, u8),
    /// Signed with the other event's key.
    OtherEventsKey,
    /// Trailing digits of the token moved to the front of `triggeredAt`, or
    /// leading digits of `triggeredAt` to the end of the token: the signed
    /// text `token + triggeredAt` stays the same.
    ShiftDigits(usize),
}

fn arb_tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        "\\PC{1,24}".prop_map(Tamper::Token),
        prop_oneof![REAL_TIMES, (AT - 1000..AT + 1000), 0..i64::MAX].prop_map(Tamper::Time),
        prop_oneof!["[0-9a-fA-F]{64}", "\\PC{0,70}"].prop_map(Tamper::Signature),
        (any::<prop::sample::Index>(), prop::sample::select(b"0123456789abcdefABCDEF".to_vec()))
            .prop_map(|(i, d)| Tamper::SignatureDigit(i, d)),
        Just(Tamper::OtherEventsKey),
        (1usize..4).prop_map(Tamper::ShiftDigits),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_get_a_clear_answer(body in prop::collection::vec(any::<u8>(), 0..300)) {
        assert_clear(&verify(&body, &two_events(), AT));
    }

    #[test]
    fn arbitrary_json_gets_a_clear_answer(v in arb_json()) {
        assert_clear(&verify(&serde_json::to_vec(&v).unwrap(), &two_events(), AT));
    }

    /// Byte edits of a real delivery: a clear answer, and whatever is
    /// accepted still carries exactly the signed event, token and time.
    #[test]
    fn edited_deliveries_get_a_clear_answer_and_no_forgery_passes(
        edits in prop::collection::vec(arb_edit(), 1..4),
    ) {
        let mut body = serde_json::to_vec(&hired_delivery()).unwrap();
        edits.iter().for_each(|e| apply(&mut body, e));
        let result = verify(&body, &two_events(), AT + 1);
        assert_clear(&result);
        if let Ok(Verified::Event(d)) = &result {
            prop_assert_eq!((d.event.as_str(), d.token.as_str(), d.triggered_at), ("candidateHired", TOKEN, AT));
        }
    }

    /// Any node of a real delivery replaced by arbitrary JSON (wrong types,
    /// huge numbers, unicode, nesting), or removed.
    #[test]
    fn changed_fields_get_a_clear_answer(pick in any::<prop::sample::Index>(), new in prop::option::of(arb_json())) {
        let mut v = hired_delivery();
        let target = *pick.get(NODES);
        match new {
            Some(new) => *v.pointer_mut(target).unwrap() = new,
            None => {
                let (parent, key) = target.rsplit_once('/').unwrap();
                v.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key);
            }
        }
        let result = verify(&serde_json::to_vec(&v).unwrap(), &two_events(), AT);
        assert_clear(&result);
        if let Ok(Verified::Event(d)) = &result {
            prop_assert_eq!((d.event.as_str(), d.token.as_str(), d.triggered_at), ("candidateHired", TOKEN, AT));
        }
    }

    /// Any key, event name, token and time, signed as Lever signs, verifies
    /// and comes out as it went in; upper-case hex is the same signature.
    #[test]
    fn a_correctly_signed_delivery_always_verifies(
        key in "\\PC{1,40}", event in "\\PC{1,20}", token in "\\PC{1,40}", at in REAL_TIMES,
        opportunity in "[ \t]{0,2}\\PC{1,40}", late in -300_000i64..=300_000, upper in any::<bool>(),
    ) {
        prop_assume!(!opportunity.trim().is_empty());
        let mut v = signed(&event, &key, &token, at, &opportunity);
        if upper {
            v["signature"] = json!(v["signature"].as_str().unwrap().to_uppercase());
        }
        let config = VerifierConfig::new([(event.clone(), Secret::new(key.as_str()))]);
        let d = match verify(&serde_json::to_vec(&v).unwrap(), &config, at + late) {
            Ok(Verified::Event(d)) => d,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!((d.event, d.token, d.triggered_at), (event, token, at));
        prop_assert_eq!(d.opportunity_id, opportunity.trim());
    }

    /// Tampering with the token, the time or the signature, or signing with
    /// another event's key, is refused as a bad signature. The one change
    /// the signature cannot see, moving digits between the token and the
    /// time, gives a time decades away, refused as stale.
    #[test]
    fn a_tampered_delivery_is_refused(token in "[0-9a-f]{16}", at in REAL_TIMES, tamper in arb_tamper()) {
        let mut v = signed("candidateHired", HIRED_KEY, &token, at, OPP);
        let message = |v: &Value| format!("{}{}", v["token"].as_str().unwrap_or(""), v["triggeredAt"]);
        let before = message(&v);
        match &tamper {
            Tamper::Token(t) => v["token"] = json!(t),
            Tamper::Time(t) => v["triggeredAt"] = json!(t),
            Tamper::Signature(s) => v["signature"] = json!(s),
            Tamper::SignatureDigit(i, d) => {
                let mut s = v["signature"].as_str().unwrap().as_bytes().to_vec();
                let i = i.index(s.len());
                s[i] = *d;
                v["signature"] = json!(String::from_utf8(s).unwrap());
            }
            Tamper::OtherEventsKey => v = signed("candidateHired", ARCHIVE_KEY, &token, at, OPP),
            Tamper::ShiftDigits(n) => {
                let stamp = at.to_string();
                let (head, tail) = stamp.split_at(*n);
                // Leading digits of the time onto the token, if the rest of
                // the time is still a JSON integer (no leading zero).
                if !tail.starts_with('0') {
                    v["token"] = json!(format!("{token}{head}"));
                    v["triggeredAt"] = json!(tail.parse::<i64>().unwrap());
                }
            }
        }
        let unchanged = serde_json::to_vec(&v).unwrap() == serde_json::to_vec(&signed("candidateHired", HIRED_KEY, &token, at, OPP)).unwrap();
        // Upper- or lower-case hex for the same byte is the same signature.
        let same_signature = matches!(tamper, Tamper::SignatureDigit(..))
            && v["signature"].as_str().unwrap().eq_ignore_ascii_case(&signature::sign(&Secret::new(HIRED_KEY), &token, &at.to_string()));
        let result = verify(&serde_json::to_vec(&v).unwrap(), &two_events(), at);
        assert_clear(&result);
        if unchanged || same_signature {
            // No tampering after all (a shift onto a leading zero is skipped).
            prop_assert!(matches!(result, Ok(Verified::Event(_))), "{:?}", result);
            return Ok(());
        }
        let refusal = result.expect_err("a tampered delivery was accepted");
        if matches!(tamper, Tamper::ShiftDigits(_)) {
            prop_assert_eq!(message(&v), before, "the shift keeps the signed text");
            prop_assert!(matches!(refusal, Refusal::Stale { .. }), "{:?}", refusal);
        } else if matches!(refusal, Refusal::Malformed(_) | Refusal::Unsigned { .. }) {
            // Not a usable token, time or signature at all (empty, negative).
        } else {
            prop_assert_eq!(refusal, Refusal::BadSignature { event: "candidateHired".into() });
        }
    }

    /// The clock window is exact: at most `max_skew` either way is accepted,
    /// one millisecond more is refused as stale (403), whatever the window.
    #[test]
    fn the_skew_window_is_exact(
        limit_ms in prop_oneof![Just(0i64), 0..86_400_000i64], at in REAL_TIMES, edge in -3i64..=3,
        side in prop_oneof![Just(1i64), Just(-1i64)], far in prop::option::of(any::<i64>()),
    ) {
        let mut config = two_events();
        config.max_skew = Duration::from_millis(limit_ms as u64);
        let body = serde_json::to_vec(&signed("candidateHired", HIRED_KEY, TOKEN, at, OPP)).unwrap();
        // Near either edge of the window, or anywhere at all (even i64::MIN).
        let now = far.unwrap_or(at + side * (limit_ms + edge));
        let skew = i128::from(now) - i128::from(at);
        let result = verify(&body, &config, now);
        assert_clear(&result);
        if skew.abs() <= i128::from(limit_ms) {
            prop_assert!(matches!(result, Ok(Verified::Event(_))), "{:?}", result);
        } else {
            let refusal = result.unwrap_err();
            prop_assert_eq!(refusal.status(), 403);
            prop_assert_eq!(refusal, Refusal::Stale { skew_ms: now.saturating_sub(at), limit_ms });
        }
    }

    /// The size limit is exact: a body of exactly `max_body_bytes` is read,
    /// one byte more is refused with 413 before it is parsed.
    #[test]
    fn the_body_size_limit_is_exact(padding in 0usize..600, delta in -2i64..=2, junk in any::<bool>()) {
        let mut body = serde_json::to_vec(&hired_delivery()).unwrap();
        // Trailing white space keeps the JSON valid; junk makes it invalid.
        body.extend(std::iter::repeat_n(if junk { b'x' } else { b' ' }, padding));
        let mut config = two_events();
        config.max_body_bytes = (body.len() as i64 + delta).max(0) as usize;
        let result = verify(&body, &config, AT);
        assert_clear(&result);
        if body.len() > config.max_body_bytes {
            prop_assert_eq!(result.unwrap_err(), Refusal::TooLarge { limit: config.max_body_bytes, size: body.len() });
        } else if junk && padding > 0 {
            prop_assert!(matches!(result, Err(Refusal::Malformed(_))), "{:?}", result);
        } else {
            prop_assert!(matches!(result, Ok(Verified::Event(_))), "{:?}", result);
        }
    }
}

/// The digit shift found while writing these properties, pinned with
/// Lever-like values: the signed text is the same, so only the clock check
/// stands between a captured delivery and a re-dated copy of it.
#[test]
fn moving_a_digit_between_token_and_time_is_refused_as_stale() {
    let original = hired_delivery();
    let mut shifted = original.clone();
    shifted["token"] = json!(format!("{TOKEN}1"));
    shifted["triggeredAt"] = json!(503_441_645_873i64);
    let refusal = verify(&serde_json::to_vec(&shifted).unwrap(), &two_events(), AT).unwrap_err();
    assert!(matches!(refusal, Refusal::Stale { .. }), "{refusal:?}");
    assert_eq!(refusal.status(), 403);
}
