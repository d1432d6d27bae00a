//! Tests for [`verify`]. Signatures come from Python's `hmac` module (an
//! independent implementation), not from this crate:
//!
//! ```python
//! hmac.new(b'sig-token-candidateHired-1', b'f3a9c2e1d4b5a6c7' + b'1503441645873', hashlib.sha256).hexdigest()
//! ```

use super::*;
use serde_json::json;

const HIRED_TOKEN: &str = "sig-token-candidateHired-1";
const ARCHIVE_TOKEN: &str = "sig-token-archive-2";
const DELIVERY_TOKEN: &str = "f3a9c2e1d4b5a6c7";
const AT: i64 = 1_503_441_645_873;
/// HMAC-SHA256(HIRED_TOKEN, DELIVERY_TOKEN + "1503441645873"), by Python.
const SIG_HIRED: &str = "b1cdb24c3fe4bbf0976c7485ece14eae43da872a5166577b1c8f3404265f2643";
/// The same message keyed with ARCHIVE_TOKEN, by Python.
const SIG_ARCHIVE: &str = "50857ed00b020aa67ed5dabf585f2bf99e40b8753a7e02ea40a3024428f4ffbb";
const OPP: &str = "250d8f03-738a-4bba-a671-8a3d73477145";

fn config() -> VerifierConfig {
    VerifierConfig::new([
        ("candidateHired", Secret::new(HIRED_TOKEN)),
        ("candidateArchiveChange", Secret::new(ARCHIVE_TOKEN)),
    ])
}

fn envelope(event: &str, signature: &str) -> Value {
    json!({
        "triggeredAt": AT,
        "event": event,
        "signature": signature,
        "token": DELIVERY_TOKEN,
        "data": {"opportunityId": OPP, "candidateId": OPP, "contactId": "c-1"}
    })
}

fn body(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn check(value: &Value) -> Result<Verified, Refusal> {
    verify(&body(value), &config(), AT + 1_000)
}

fn delivery(result: Result<Verified, Refusal>) -> Delivery {
    match result {
        Ok(Verified::Event(d)) => d,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[test]
fn a_valid_signature_is_accepted() {
    let d = delivery(check(&envelope("candidateHired", SIG_HIRED)));
    assert_eq!(d.event, "candidateHired");
    assert_eq!(d.opportunity_id, OPP);
    assert_eq!(d.triggered_at, AT);
    assert_eq!(d.token, DELIVERY_TOKEN);
    assert_eq!(d.raw["data"]["contactId"], "c-1");
    assert_eq!(d.dedupe_key.len(), 64);
}

#[test]
fn the_signed_text_is_the_json_integer_as_written() {
    // Whitespace around the number is not part of it; the text signed is
    // exactly "1503441645873".
    let text = format!(
        r#"{{"event":"candidateHired","token":"{DELIVERY_TOKEN}","signature":"{SIG_HIRED}","triggeredAt" :  {AT} ,"data":{{"opportunityId":"{OPP}"}}}}"#
    );
    assert!(matches!(verify(text.as_bytes(), &config(), AT), Ok(Verified::Event(_))));
}

#[test]
fn uppercase_hex_is_the_same_signature() {
    delivery(check(&envelope("candidateHired", &SIG_HIRED.to_uppercase())));
}

#[test]
fn a_forged_signature_is_refused() {
    let mut forged = SIG_HIRED.to_string();
    forged.replace_range(63.., "0");
    for sig in [forged.as_str(), "00", "not hex at all", &SIG_HIRED[..32]] {
        let refusal = check(&envelope("candidateHired", sig)).unwrap_err();
        assert_eq!(refusal, Refusal::BadSignature { event: "candidateHired".into() });
        assert_eq!(refusal.status(), 401);
    }
}

#[test]
fn a_signature_made_with_another_events_token_is_refused() {
    // SIG_ARCHIVE is right for candidateArchiveChange and wrong for candidateHired.
    delivery(check(&envelope("candidateArchiveChange", SIG_ARCHIVE)));
    let refusal = check(&envelope("candidateHired", SIG_ARCHIVE)).unwrap_err();
    assert_eq!(refusal, Refusal::BadSignature { event: "candidateHired".into() });
}

#[test]
fn changing_the_token_or_timestamp_breaks_the_signature() {
    let mut v = envelope("candidateHired", SIG_HIRED);
    v["token"] = json!("f3a9c2e1d4b5a6c8");
    assert!(matches!(check(&v), Err(Refusal::BadSignature { .. })));
    let mut v = envelope("candidateHired", SIG_HIRED);
    v["triggeredAt"] = json!(AT + 1);
    assert!(matches!(check(&v), Err(Refusal::BadSignature { .. })));
}

#[test]
fn the_body_outside_token_and_timestamp_is_not_signed() {
    // Lever signs token + triggeredAt only, so data may differ: this is the
    // scheme, and why the dedupe key and journal, not the signature, guard
    // against replays with altered data.
    let mut v = envelope("candidateHired", SIG_HIRED);
    v["data"]["contactId"] = json!("other");
    delivery(check(&v));
}

#[test]
fn stale_and_future_deliveries_outside_the_window_are_refused() {
    let b = body(&envelope("candidateHired", SIG_HIRED));
    let window = 5 * 60 * 1000;
    // At the edge of the window, either way: accepted.
    assert!(verify(&b, &config(), AT + window).is_ok());
    assert!(verify(&b, &config(), AT - window).is_ok());
    let old = verify(&b, &config(), AT + window + 1).unwrap_err();
    assert_eq!(old, Refusal::Stale { skew_ms: window + 1, limit_ms: window });
    assert_eq!(old.status(), 403);
    let future = verify(&b, &config(), AT - window - 1).unwrap_err();
    assert_eq!(future, Refusal::Stale { skew_ms: -window - 1, limit_ms: window });
    assert!(future.reason().contains("in the future"));
}

#[test]
fn the_window_is_configurable() {
    let b = body(&envelope("candidateHired", SIG_HIRED));
    let mut cfg = config();
    cfg.max_skew = Duration::from_secs(3600);
    assert!(verify(&b, &cfg, AT + 3_000_000).is_ok());
}

#[test]
fn a_forged_delivery_is_refused_as_forged_even_when_stale() {
    // The signature is checked before the clock, so a forger learns nothing
    // about the window and an operator sees the real problem.
    let b = body(&envelope("candidateHired", &"ab".repeat(32)));
    assert!(matches!(verify(&b, &config(), AT + 86_400_000), Err(Refusal::BadSignature { .. })));
}

#[test]
fn malformed_json_is_refused() {
    for text in [&b"{"[..], b"", b"not json", b"{\"event\": }"] {
        let refusal = verify(text, &config(), AT).unwrap_err();
        assert!(matches!(refusal, Refusal::Malformed(_)), "{refusal:?}");
        assert_eq!(refusal.status(), 400);
    }
    let refusal = verify(b"[1,2]", &config(), AT).unwrap_err();
    assert_eq!(refusal, Refusal::Malformed("the body is JSON an array, not an object".into()));
}

#[test]
fn a_non_integer_triggered_at_is_refused() {
    for stamp in [json!(1.503441645873e12), json!(1503441645873.0), json!("1503441645873"), json!(-1), json!(true)] {
        let mut v = envelope("candidateHired", SIG_HIRED);
        v["triggeredAt"] = stamp.clone();
        let refusal = check(&v).unwrap_err();
        assert!(matches!(&refusal, Refusal::Malformed(m) if m.contains("triggeredAt")), "{stamp}: {refusal:?}");
    }
    let mut v = envelope("candidateHired", SIG_HIRED);
    v["triggeredAt"] = json!(u64::MAX);
    assert!(matches!(check(&v), Err(Refusal::Malformed(m)) if m.contains("too large")));
    // serde_json cannot represent this one; the text check catches it.
    let text = format!(
        r#"{{"event":"candidateHired","token":"t","signature":"s","triggeredAt":1e3,"data":{{"opportunityId":"{OPP}"}}}}"#
    );
    assert!(matches!(verify(text.as_bytes(), &config(), AT), Err(Refusal::Malformed(_))));
}

#[test]
fn a_duplicated_triggered_at_is_refused() {
    let text = format!(
        r#"{{"event":"candidateHired","token":"{DELIVERY_TOKEN}","signature":"{SIG_HIRED}","triggeredAt":{AT},"triggeredAt":1}}"#
    );
    assert!(matches!(verify(text.as_bytes(), &config(), AT), Err(Refusal::Malformed(_))));
}

#[test]
fn missing_fields_are_refused() {
    for (field, expected) in [
        ("event", Refusal::Malformed("`event` is missing".into())),
        ("triggeredAt", Refusal::Malformed("`triggeredAt` is missing".into())),
        ("token", Refusal::Unsigned { missing: "token" }),
        ("signature", Refusal::Unsigned { missing: "signature" }),
    ] {
        let mut v = envelope("candidateHired", SIG_HIRED);
        v.as_object_mut().unwrap().remove(field);
        assert_eq!(check(&v).unwrap_err(), expected, "without {field}");
        v[field] = json!(null);
        assert_eq!(check(&v).unwrap_err(), expected, "with {field}: null");
    }
    let mut v = envelope("candidateHired", SIG_HIRED);
    v["event"] = json!(7);
    assert_eq!(check(&v).unwrap_err(), Refusal::Malformed("`event` is JSON a number, not a string".into()));
    let mut v = envelope("candidateHired", SIG_HIRED);
    v["data"]["opportunityId"] = json!(42);
    assert!(matches!(check(&v), Err(Refusal::Malformed(m)) if m.contains("opportunityId")));
    let mut v = envelope("candidateHired", SIG_HIRED);
    v["data"] = json!("oops");
    assert!(matches!(check(&v), Err(Refusal::Malformed(m)) if m.contains("`data`")));
}

#[test]
fn an_oversized_body_is_refused_before_parsing() {
    let mut cfg = config();
    cfg.max_body_bytes = 64;
    let b = body(&envelope("candidateHired", SIG_HIRED));
    let refusal = verify(&b, &cfg, AT).unwrap_err();
    assert_eq!(refusal, Refusal::TooLarge { limit: 64, size: b.len() });
    assert_eq!(refusal.status(), 413);
    // Not even JSON: the size alone decides.
    let junk = vec![b'x'; VerifierConfig::DEFAULT_MAX_BODY_BYTES + 1];
    assert!(matches!(verify(&junk, &config(), AT), Err(Refusal::TooLarge { .. })));
}

#[test]
fn an_event_without_a_configured_token_is_refused() {
    let refusal = check(&envelope("interviewCreated", SIG_HIRED)).unwrap_err();
    assert_eq!(refusal, Refusal::UnknownEvent("interviewCreated".into()));
    assert_eq!(refusal.status(), 422);
    assert!(refusal.reason().contains("signature token"));
    // An empty token would be an HMAC key anyone can use.
    let cfg = config().with_token("interviewCreated", Secret::new(""));
    let b = body(&envelope("interviewCreated", SIG_HIRED));
    assert_eq!(verify(&b, &cfg, AT).unwrap_err(), Refusal::UnknownEvent("interviewCreated".into()));
}

#[test]
fn a_signed_test_delivery_without_data_is_acknowledged() {
    let test = Verified::TestDelivery { event: "candidateHired".into() };
    let mut v = envelope("candidateHired", SIG_HIRED);
    v.as_object_mut().unwrap().remove("data");
    assert_eq!(check(&v), Ok(test.clone()));
    for data in [json!(null), json!({}), json!({"opportunityId": ""}), json!({"opportunityId": null})] {
        v["data"] = data;
        assert_eq!(check(&v), Ok(test.clone()));
    }
}

#[test]
fn an_unsigned_test_delivery_is_refused() {
    let mut v = envelope("candidateHired", &"00".repeat(32));
    v.as_object_mut().unwrap().remove("data");
    assert!(matches!(check(&v), Err(Refusal::BadSignature { .. })));
}

#[test]
fn archive_and_stage_details_are_extracted() {
    let mut v = envelope("candidateArchiveChange", SIG_ARCHIVE);
    v["data"]["fromArchived"] = json!(null);
    v["data"]["toArchived"] = json!({"archivedAt": AT, "reason": "63dd55b2-a99f-4e7b-985f-22c7bf80ab42"});
    let d = delivery(check(&v));
    assert_eq!(d.to_archived_reason.as_deref(), Some("63dd55b2-a99f-4e7b-985f-22c7bf80ab42"));
    assert_eq!(d.to_stage_id, None);

    let cfg = config().with_token("candidateStageChange", Secret::new(HIRED_TOKEN));
    let mut v = envelope("candidateStageChange", SIG_HIRED);
    v["data"]["fromStageId"] = json!("lead-new");
    v["data"]["toStageId"] = json!("offer");
    let d = delivery(verify(&body(&v), &cfg, AT));
    assert_eq!(d.to_stage_id.as_deref(), Some("offer"));
    assert_eq!(d.to_archived_reason, None);
}

#[test]
fn retries_share_a_dedupe_key_and_other_deliveries_do_not() {
    let first = delivery(check(&envelope("candidateHired", SIG_HIRED)));
    let retry = delivery(check(&envelope("candidateHired", SIG_HIRED)));
    assert_eq!(first.dedupe_key, retry.dedupe_key);
    let base = dedupe_key("candidateHired", OPP, AT, DELIVERY_TOKEN);
    assert_eq!(first.dedupe_key, base);
    assert_ne!(base, dedupe_key("candidateArchiveChange", OPP, AT, DELIVERY_TOKEN));
    assert_ne!(base, dedupe_key("candidateHired", "other", AT, DELIVERY_TOKEN));
    assert_ne!(base, dedupe_key("candidateHired", OPP, AT + 1, DELIVERY_TOKEN));
    assert_ne!(base, dedupe_key("candidateHired", OPP, AT, "another-token"));
    // No ambiguity from where one field ends and the next begins.
    assert_ne!(dedupe_key("a", "bc", 1, "t"), dedupe_key("ab", "c", 1, "t"));
}

#[test]
fn hired_and_archive_change_share_a_hire_key() {
    let hired = delivery(check(&envelope("candidateHired", SIG_HIRED)));
    let archived = delivery(check(&envelope("candidateArchiveChange", SIG_ARCHIVE)));
    assert_ne!(hired.dedupe_key, archived.dedupe_key);
    assert_eq!(hired.hire_key(), archived.hire_key());
    assert_eq!(hire_key(OPP), hired.hire_key());
}

#[test]
fn no_refusal_or_debug_output_reveals_a_token() {
    let cfg = config();
    assert!(!format!("{cfg:?}").contains(HIRED_TOKEN));
    let b = body(&envelope("candidateHired", &"00".repeat(32)));
    let cases = [
        verify(&b, &cfg, AT).unwrap_err(),
        check(&envelope("interviewCreated", SIG_HIRED)).unwrap_err(),
        verify(&body(&envelope("candidateHired", SIG_HIRED)), &cfg, AT + 10_000_000).unwrap_err(),
    ];
    for refusal in cases {
        for text in [refusal.reason(), format!("{refusal:?}"), refusal.to_string()] {
            assert!(!text.contains(HIRED_TOKEN) && !text.contains(ARCHIVE_TOKEN), "{text}");
        }
    }
}

#[test]
fn only_hires_start_a_sync() {
    let d = |event: &str, data: Value| Delivery::new(event, OPP, AT, "t", json!({ "data": data }));
    let hired = d("candidateHired", json!({}));
    assert!(hired.starts_sync(None, None));
    let archived = |reason: &str| d("candidateArchiveChange", json!({"toArchived": {"reason": reason}}));
    assert!(archived("r-hired").starts_sync(Some("r-hired"), None));
    assert!(!archived("r-withdrew").starts_sync(Some("r-hired"), None));
    // Without the Hired reason's id, the sync decides (and says "not hired").
    assert!(archived("r-withdrew").starts_sync(None, None));
    assert!(!d("candidateArchiveChange", json!({"toArchived": null})).starts_sync(None, None));
    let staged = d("candidateStageChange", json!({"toStageId": "s-offer"}));
    assert!(!staged.starts_sync(None, None), "stage changes start nothing unless a stage is configured");
    assert!(staged.starts_sync(None, Some("s-offer")));
    assert!(!staged.starts_sync(None, Some("s-other")));
    assert!(!d("interviewCreated", json!({})).starts_sync(None, None));
}
