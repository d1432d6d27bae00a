//! The webhook service: Lever deliveries over HTTP, verified, journaled,
//! synced exactly once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lever_namely::config::RecordTypeSetting;
use lever_namely::serve::{self, WEBHOOK_PATH};
use lever_namely_service::journal::{Journal, Status};
use lever_namely_service::webhook::{signature, VerifierConfig};
use lever_namely_service::Secret;
use lever_namely_simulators::{demo_opportunity_id, NewHire};
use lever_namely_tests::service_harness::{self, Running};
use lever_namely_tests::{lever_delivery, post};
use lever_namely_tests::sync_harness::{config, syncer};
use serde_json::json;

const TOKEN: &str = "hired-signature-token";
const ARCHIVE_TOKEN: &str = "archive-signature-token";

fn start() -> Running {
    let verifier = VerifierConfig::new([("candidateHired", Secret::new(TOKEN)), ("candidateArchiveChange", Secret::new(ARCHIVE_TOKEN))]);
    service_harness::start("serve", verifier, None)
}

fn now_ms() -> i64 {
    serve::worker::now_ms()
}

/// A delivery as Lever sends it, signed with `key`.
fn delivery(event: &str, opportunity: &str, triggered_at: i64, token: &str, key: &str) -> Vec<u8> {
    lever_delivery(event, opportunity, triggered_at, token, key, lever_namely_simulators::HIRED_REASON_ID)
}

/// Wait (bounded) until every listed hire has left pending/running/retrying.
fn settle(r: &Running, ids: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open: Vec<_> = ids
            .iter()
            .filter(|id| r.journal.hire(id).unwrap().is_none_or(|h| matches!(h.status, Status::Pending | Status::Running | Status::Retrying)))
            .collect();
        if open.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "hires still open: {open:?}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn refusals_get_the_right_status() {
    let r = start();
    let opp = demo_opportunity_id();
    let t = now_ms();
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("forged signature", delivery("candidateHired", opp, t, "tok", "not-the-token"), 401),
        ("another event's token", delivery("candidateHired", opp, t, "tok", ARCHIVE_TOKEN), 401),
        ("stale triggeredAt", delivery("candidateHired", opp, t - 3_600_000, "tok", TOKEN), 403),
        ("malformed JSON", b"{\"event\": \"candidateHired\", ".to_vec(), 400),
        ("oversized body", vec![b' '; 2 * 1024 * 1024], 413),
        ("unknown event", delivery("interviewCreated", opp, t, "tok", TOKEN), 422),
    ];
    for (what, body, want) in cases {
        let (status, text) = r.rt.block_on(post(r.addr, WEBHOOK_PATH, &body));
        assert_eq!(status, want, "{what}: {text}");
    }
    assert!(r.journal.events(None).unwrap().is_empty(), "nothing refused became a hire");
    // Every refusal is visible in `events`, with its status and reason.
    let deadline = Instant::now() + Duration::from_secs(10);
    while r.journal.refusals(100).unwrap().len() < 6 {
        assert!(Instant::now() < deadline, "refusals recorded: {:?}", r.journal.refusals(100).unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    let statuses: Vec<u16> = r.journal.refusals(100).unwrap().iter().map(|x| x.status).collect();
    for want in [400, 401, 403, 413, 422] {
        assert!(statuses.contains(&want), "{statuses:?}");
    }
    assert_eq!(r.sims.namely.write_count(), 0);
}

#[test]
fn a_signed_test_delivery_is_acknowledged_and_ignored() {
    let r = start();
    let t = now_ms();
    let sig = signature::sign(&Secret::new(TOKEN), "tok", &t.to_string());
    let body = json!({"triggeredAt": t, "event": "candidateHired", "signature": sig, "token": "tok"}).to_string();
    let (status, _) = r.rt.block_on(post(r.addr, WEBHOOK_PATH, body.as_bytes()));
    assert_eq!(status, 200);
    assert!(r.journal.events(None).unwrap().is_empty());
}

#[test]
fn archive_changes_to_other_reasons_are_acknowledged_and_dropped() {
    let r = start();
    let other = r.sims.lever.non_hired_reason_id();
    let body = lever_delivery("candidateArchiveChange", demo_opportunity_id(), now_ms(), "tok-x", ARCHIVE_TOKEN, &other);
    let (status, text) = r.rt.block_on(post(r.addr, WEBHOOK_PATH, &body));
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ignored"), "{text}");
    assert!(r.journal.events(None).unwrap().is_empty());
}

#[test]
fn a_hire_webhook_produces_the_profile_and_the_note() {
    let r = start();
    let opp = demo_opportunity_id().to_string();
    let (status, text) = r.rt.block_on(post(r.addr, WEBHOOK_PATH, &delivery("candidateHired", &opp, now_ms(), "tok-1", TOKEN)));
    assert_eq!(status, 200, "{text}");
    settle(&r, std::slice::from_ref(&opp));
    let hire = r.journal.hire(&opp).unwrap().unwrap();
    assert_eq!(hire.status, Status::Done, "{hire:?}");
    assert_eq!(r.sims.namely.profiles().len(), 1);
    assert_eq!(hire.namely_id.as_deref(), r.sims.namely.profiles()[0]["id"].as_str());
    assert_eq!(r.sims.lever.notes(&opp).len(), 1);
    let (status, metrics) = r.rt.block_on(async {
        let mut s = tokio::net::TcpStream::connect(r.addr).await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        (out.split_whitespace().nth(1).unwrap_or("").to_string(), out)
    });
    assert_eq!(status, "200");
    assert!(metrics.contains("lever_namely_webhooks_verified_total 1") && metrics.contains("lever_namely_hires{status=\"done\"} 1"), "{metrics}");
}

#[test]
fn a_hundred_concurrent_deliveries_with_duplicates_sync_each_hire_once() {
    let r = start();
    let mut ids = vec![demo_opportunity_id().to_string()];
    for n in 1..10 {
        ids.push(r.sims.lever.add_hire(NewHire::numbered(n)));
    }
    let t = now_ms();
    let bodies: Vec<Vec<u8>> = (0..100)
        .map(|i| {
            let id = &ids[i % ids.len()];
            // Lever's retries of one delivery, and both hire events for one hire.
            match i % 3 {
                0 => delivery("candidateHired", id, t, &format!("tok-{id}"), TOKEN),
                1 => delivery("candidateHired", id, t + 1, &format!("tok2-{id}"), TOKEN),
                _ => delivery("candidateArchiveChange", id, t + 2, &format!("tok3-{id}"), ARCHIVE_TOKEN),
            }
        })
        .collect();
    let statuses = r.rt.block_on(async {
        let tasks: Vec<_> = bodies.into_iter().map(|b| tokio::spawn(post(r.addr, WEBHOOK_PATH, b.leak()))).collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().0);
        }
        out
    });
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    settle(&r, &ids);
    assert_eq!(r.sims.namely.profiles().len(), ids.len());
    for id in &ids {
        assert_eq!(r.journal.hire(id).unwrap().unwrap().status, Status::Done);
        assert_eq!(r.sims.lever.notes(id).len(), 1, "one note for {id}");
    }
    let creates = r.sims.namely.requests().iter().filter(|q| q.method == "POST" && q.path.starts_with("/api/v1/profiles")).count();
    assert_eq!(creates, ids.len());
}

#[test]
fn reconcile_finds_a_hire_whose_webhook_never_came() {
    let r = start();
    let e = syncer(&r.sims, config(&r.sims, RecordTypeSetting::Hris));
    let creds = lever_namely_tests::sync_harness::credentials(&r.sims);
    let missed = r.sims.lever.add_hire(NewHire::numbered(42));
    let report = r.rt.block_on(lever_namely::reconcile::queue_missed(&r.journal, e.endpoints(), &creds, 0)).unwrap();
    assert!(report.found >= 2 && report.queued >= 2, "{report:?}");
    settle(&r, &[missed.clone(), demo_opportunity_id().to_string()]);
    assert_eq!(r.journal.hire(&missed).unwrap().unwrap().status, Status::Done);
    // A second pass finds nothing new.
    let again = r.rt.block_on(lever_namely::reconcile::queue_missed(&r.journal, e.endpoints(), &creds, 0)).unwrap();
    assert_eq!(again.queued, 0, "{again:?}");
}

#[test]
fn replay_after_the_data_is_fixed_in_lever_succeeds() {
    let r = start();
    let opp = demo_opportunity_id().to_string();
    r.sims.lever.update_opportunity(&opp, |o| o["name"] = json!("Cher"));
    r.sims.lever.update_forms(&opp, |f| f.clear());
    r.rt.block_on(post(r.addr, WEBHOOK_PATH, &delivery("candidateHired", &opp, now_ms(), "tok-r", TOKEN)));
    settle(&r, std::slice::from_ref(&opp));
    let hire = r.journal.hire(&opp).unwrap().unwrap();
    assert_eq!(hire.status, Status::Failed);
    assert!(hire.last_reason.as_deref().unwrap_or("").contains("last_name"), "{hire:?}");
    // The recruiter fixes the name in Lever; the operator replays.
    r.sims.lever.update_opportunity(&opp, |o| o["name"] = json!("Cher Sarkisian"));
    r.journal.replay(&opp, now_ms()).unwrap();
    settle(&r, std::slice::from_ref(&opp));
    assert_eq!(r.journal.hire(&opp).unwrap().unwrap().status, Status::Done);
    assert_eq!(r.sims.namely.profiles().len(), 1);
    assert_eq!(r.journal.attempts(&opp).unwrap().len(), 2);
}

#[test]
fn a_backfill_syncs_every_hire_with_one_namely_listing_instead_of_a_lookup_each() {
    let r = start();
    let mut ids = vec![demo_opportunity_id().to_string()];
    for n in 1..30 {
        ids.push(r.sims.lever.add_hire(NewHire::numbered(n)));
    }
    // Namely's throttle, tight: per-hire lookups would run straight into it.
    r.sims.namely.faults().set_profiles_rate_limit(5, Duration::from_secs(60));
    let s = syncer(&r.sims, config(&r.sims, RecordTypeSetting::Hris));
    // A journal of its own: the running service's workers must not take these hires.
    let journal = Arc::new(Journal::open(r._dir.0.join("backfill.db")).unwrap());
    let summary = r.rt.block_on(lever_namely::backfill::run(&journal, &s, 0, false, Duration::from_millis(50))).unwrap();
    assert_eq!(summary.found, ids.len());
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    assert_eq!(summary.by_status.get("done"), Some(&ids.len()), "{summary:?}");
    assert_eq!(r.sims.namely.profiles().len(), ids.len());
    let lookups = r.sims.namely.requests().iter().filter(|q| q.method == "GET" && q.path.starts_with("/api/v1/profiles")).count();
    assert!(lookups <= 2, "{lookups} GET /profiles for {} hires", ids.len());
    assert!(!r.sims.namely.requests().iter().any(|q| q.status == Some(406)));
    // A second backfill finds them all synced.
    let again = r.rt.block_on(lever_namely::backfill::run(&journal, &s, 0, false, Duration::from_millis(50))).unwrap();
    assert_eq!(again.already_synced, ids.len());
    assert!(lever_namely::backfill::table(&again).contains("already synced before"));
}
