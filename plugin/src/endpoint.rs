//! The component as a Lever webhook endpoint (the WIT world `endpoint`), for
//! stock component hosts such as `wasmtime serve`.
//!
//! A delivery is verified exactly as the reference host's service verifies it
//! (the same crate, `lever-namely-webhook`), then the hire is synced with the
//! same code as `sync.run`. There is no journal here: the answer's status
//! tells Lever whether to deliver again (2xx: done; 503: try again later;
//! 4xx: a fix is needed first), and the sync's own duplicate checks make a
//! repeated delivery harmless.
//!
//! This module decides; `component.rs` moves bytes in and out of
//! `wasi:http`. Deciding is pure, so it is tested natively.

use serde_json::{json, Value};

use lever_namely_webhook::{verify, Secret, Verified, VerifierConfig};

use crate::bindings::exports::lever_namely::plugin::sync::SyncOutcome;

/// The key of the signature token of the `candidateHired` webhook.
pub const SIGNATURE_TOKEN_KEY: &str = "lever.webhook_signature_token";
/// The archive reason id that means Hired, for `candidateArchiveChange`
/// webhooks (optional: without it, every archive change is synced, and the
/// sync itself says "not hired" for the others).
pub const HIRED_REASON_KEY: &str = "lever.hired_archive_reason";

/// The HTTP answer to one request: a status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    fn new(status: u16, body: Value) -> Self {
        Reply { status, body }
    }
}

/// What to do with one incoming request.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// A verified hire: sync this opportunity, then answer with [`reply_for`].
    Sync { opportunity_id: String, event: String },
    /// Answer at once, without syncing.
    Reply(Reply),
}

/// How deliveries are verified, read from `wasi:config/store`.
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    verifier: VerifierConfig,
    hired_reason: Option<String>,
}

impl EndpointSettings {
    /// `lever.webhook_signature_token` signs `candidateHired`;
    /// `lever.webhook_signature_token.<event>` signs any other event
    /// (Lever gives each webhook its own token).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Self {
        let token = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).map(Secret::new);
        let mut verifier = VerifierConfig::default();
        if let Some(t) = token(SIGNATURE_TOKEN_KEY) {
            verifier = verifier.with_token("candidateHired", t);
        }
        for event in ["candidateHired", "candidateArchiveChange"] {
            if let Some(t) = token(&format!("{SIGNATURE_TOKEN_KEY}.{event}")) {
                verifier = verifier.with_token(event, t);
            }
        }
        EndpointSettings { verifier, hired_reason: get(HIRED_REASON_KEY).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) }
    }
}

/// Decide what to do with a request received at `now_ms` (epoch milliseconds).
pub fn route(method: &str, body: &[u8], settings: &EndpointSettings, now_ms: i64) -> Route {
    if !method.eq_ignore_ascii_case("POST") {
        return Route::Reply(Reply::new(405, json!({"error": format!("{method} is not accepted: Lever delivers webhooks with POST")})));
    }
    if settings.verifier.tokens.is_empty() {
        // 503, not 4xx: Lever keeps the delivery and retries once the operator
        // has set the token.
        return Route::Reply(Reply::new(
            503,
            json!({"error": format!("no webhook signature token is configured: set `{SIGNATURE_TOKEN_KEY}` in wasi:config/store to the token Lever shows for the webhook")}),
        ));
    }
    let delivery = match verify(body, &settings.verifier, now_ms) {
        Ok(Verified::Event(d)) => d,
        Ok(Verified::TestDelivery { event }) => {
            return Route::Reply(Reply::new(200, json!({"outcome": "test-delivery", "event": event})))
        }
        Err(refusal) => return Route::Reply(Reply::new(refusal.status(), json!({"error": refusal.reason()}))),
    };
    let relevant = delivery.starts_sync(settings.hired_reason.as_deref(), None);
    if !relevant {
        return Route::Reply(Reply::new(200, json!({"outcome": "ignored", "event": delivery.event})));
    }
    Route::Sync { opportunity_id: delivery.opportunity_id, event: delivery.event }
}

/// The answer after a sync. Lever treats any non-2xx answer as a failed
/// delivery: 503 asks it to try again (the failure may pass by itself), 422
/// says a fix is needed first (the reason says which).
pub fn reply_for(opportunity_id: &str, outcome: &SyncOutcome) -> Reply {
    match outcome {
        SyncOutcome::Created(c) => Reply::new(
            200,
            json!({
                "outcome": "created",
                "opportunity_id": opportunity_id,
                "namely_id": c.namely_id,
                "profile_url": c.profile_url,
                "record_type": c.record_type,
                "resume_file_id": c.resume_file_id,
                "note_posted": c.note_posted,
                "warnings": c.warnings.iter().map(|w| json!({"code": w.code, "field": w.field, "message": w.message})).collect::<Vec<_>>(),
            }),
        ),
        SyncOutcome::AlreadySynced(e) => Reply::new(
            200,
            json!({"outcome": "already-synced", "opportunity_id": opportunity_id, "namely_id": e.namely_id, "matched_by": e.matched_by}),
        ),
        SyncOutcome::NotHired(reason) => Reply::new(200, json!({"outcome": "not-hired", "opportunity_id": opportunity_id, "reason": reason})),
        SyncOutcome::Failed(f) => Reply::new(
            if f.retryable { 503 } else { 422 },
            json!({"outcome": "failed", "opportunity_id": opportunity_id, "reason": f.reason, "retryable": f.retryable, "note_posted": f.note_posted}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::exports::lever_namely::plugin::sync::{Created, ExistingProfile, Failure};
    use std::collections::HashMap;

    const TOKEN: &str = "sig-token-candidateHired-1";
    const AT: i64 = 1_503_441_645_873;

    fn settings(pairs: &[(&str, &str)]) -> EndpointSettings {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        EndpointSettings::read(|k| m.get(k).cloned())
    }

    /// A delivery signed as Lever signs it (the webhook crate checks `sign`
    /// against Python's `hmac`, an independent implementation).
    fn hired(opportunity: &str) -> Vec<u8> {
        json!({
            "triggeredAt": AT, "event": "candidateHired", "token": "f3a9c2e1d4b5a6c7",
            "signature": lever_namely_webhook::signature::sign(&Secret::new(TOKEN), "f3a9c2e1d4b5a6c7", &AT.to_string()),
            "data": {"opportunityId": opportunity, "candidateId": opportunity, "contactId": "c"}
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_signed_hire_is_synced() {
        let s = settings(&[(SIGNATURE_TOKEN_KEY, TOKEN)]);
        assert_eq!(route("POST", &hired("opp-1"), &s, AT + 1000), Route::Sync { opportunity_id: "opp-1".into(), event: "candidateHired".into() });
    }

    #[test]
    fn forged_stale_and_unsigned_deliveries_are_refused_with_the_reason() {
        let s = settings(&[(SIGNATURE_TOKEN_KEY, "another-token")]);
        let Route::Reply(r) = route("POST", &hired("opp-1"), &s, AT) else { panic!("a forged delivery was accepted") };
        assert_eq!(r.status, 401, "{r:?}");
        assert!(r.body["error"].as_str().unwrap().contains("signature"), "{r:?}");

        let s = settings(&[(SIGNATURE_TOKEN_KEY, TOKEN)]);
        let Route::Reply(r) = route("POST", &hired("opp-1"), &s, AT + 3_600_000) else { panic!("a stale delivery was accepted") };
        assert_eq!(r.status, 403, "{r:?}");

        let Route::Reply(r) = route("POST", b"{\"event\":\"candidateHired\"}", &s, AT) else { panic!() };
        assert_eq!(r.status, 401, "{r:?}");
        assert!(r.body["error"].as_str().unwrap().contains("token"), "{r:?}");

        let Route::Reply(r) = route("POST", b"not json", &s, AT) else { panic!() };
        assert_eq!(r.status, 400, "{r:?}");
    }

    #[test]
    fn without_a_token_the_answer_names_the_setting_and_asks_lever_to_retry() {
        let Route::Reply(r) = route("POST", &hired("opp-1"), &settings(&[]), AT) else { panic!() };
        assert_eq!(r.status, 503);
        assert!(r.body["error"].as_str().unwrap().contains(SIGNATURE_TOKEN_KEY), "{r:?}");
    }

    #[test]
    fn only_post_is_accepted() {
        let Route::Reply(r) = route("GET", b"", &settings(&[(SIGNATURE_TOKEN_KEY, TOKEN)]), AT) else { panic!() };
        assert_eq!(r.status, 405);
    }

    #[test]
    fn archive_changes_are_synced_only_for_the_hired_reason() {
        let key = format!("{SIGNATURE_TOKEN_KEY}.candidateArchiveChange");
        let body = |reason: &str| {
            json!({
                "triggeredAt": AT, "event": "candidateArchiveChange", "token": "t0",
                "signature": lever_namely_webhook::signature::sign(&Secret::new("arch"), "t0", &AT.to_string()),
                "data": {"opportunityId": "opp-2", "toArchived": {"reason": reason}}
            })
            .to_string()
            .into_bytes()
        };
        let s = settings(&[(key.as_str(), "arch"), (HIRED_REASON_KEY, "hired-id")]);
        assert!(matches!(route("POST", &body("hired-id"), &s, AT), Route::Sync { .. }));
        let Route::Reply(r) = route("POST", &body("withdrew"), &s, AT) else { panic!("a non-hire was synced") };
        assert_eq!((r.status, r.body["outcome"].as_str()), (200, Some("ignored")));
        // Without the reason configured, every archive change is checked by a sync.
        let s = settings(&[(key.as_str(), "arch")]);
        assert!(matches!(route("POST", &body("withdrew"), &s, AT), Route::Sync { .. }));
    }

    #[test]
    fn outcomes_become_statuses_lever_acts_on() {
        let created = SyncOutcome::Created(Created {
            namely_id: "n-1".into(),
            profile_url: "https://acme.namely.com/people/n-1".into(),
            record_type: "hris".into(),
            resume_file_id: Some("f-1".into()),
            note_posted: true,
            warnings: vec![],
        });
        let r = reply_for("o", &created);
        assert_eq!((r.status, r.body["namely_id"].as_str(), r.body["outcome"].as_str()), (200, Some("n-1"), Some("created")));
        let r = reply_for("o", &SyncOutcome::AlreadySynced(ExistingProfile { namely_id: "n-1".into(), matched_by: "email".into() }));
        assert_eq!((r.status, r.body["outcome"].as_str()), (200, Some("already-synced")));
        let failed = |retryable| SyncOutcome::Failed(Failure { reason: "Namely answered 500".into(), retryable, note_posted: false });
        assert_eq!(reply_for("o", &failed(true)).status, 503);
        let r = reply_for("o", &failed(false));
        assert_eq!((r.status, r.body["reason"].as_str()), (422, Some("Namely answered 500")));
        assert_eq!(reply_for("o", &SyncOutcome::NotHired("archived as Withdrew".into())).status, 200);
    }
}
