//! The journal as a queue: deliveries in, claims out, outcomes, replays, views.

mod common;

use common::*;
use lever_namely_service::journal::{LeaseLost, Outcome, Reconciled, Recorded, Status, SyncResult};
use serde_json::json;

#[test]
fn duplicate_deliveries_collapse() {
    let dir = Scratch::new();
    let journal = dir.open();
    let first = journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let Recorded::New { delivery_id } = first else { panic!("{first:?}") };
    for n in 1..=2 {
        assert_eq!(journal.record_delivery(&hired("opp-1"), T0 + n).unwrap(), Recorded::Duplicate { delivery_id });
    }
    let counts = journal.counts().unwrap();
    assert_eq!((counts.pending, counts.deliveries), (1, 1));
    let stored = journal.deliveries("opp-1").unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].repeats, 2);
    assert_eq!(stored[0].event_id, hired("opp-1").dedupe_key);
    assert_eq!(journal.delivery_body(&stored[0].event_id).unwrap().unwrap(), hired("opp-1").raw);
}

#[test]
fn hired_and_archive_change_for_one_opportunity_make_one_job() {
    let dir = Scratch::new();
    let journal = dir.open();
    assert!(matches!(journal.record_delivery(&hired("opp-1"), T0).unwrap(), Recorded::New { .. }));
    let archived = delivery("candidateArchiveChange", "opp-1", "token-2");
    let merged = journal.record_delivery(&archived, T0 + 5).unwrap();
    assert!(matches!(merged, Recorded::Merged { status: Status::Pending, .. }), "{merged:?}");

    let hires = journal.events(None).unwrap();
    assert_eq!(hires.len(), 1);
    assert_eq!(hires[0].events, ["candidateArchiveChange", "candidateHired"]);
    assert_eq!((hires[0].first_delivery_at, hires[0].last_delivery_at), (Some(T0), Some(T0 + 5)));
    assert!(journal.claim_next("w", T0 + 10, LEASE).unwrap().is_some());
    assert!(journal.claim_next("w", T0 + 10, LEASE).unwrap().is_none(), "one job, one claim");
}

#[test]
fn a_done_hire_stays_done_when_more_deliveries_arrive() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let claim = journal.claim_next("w", T0, LEASE).unwrap().unwrap();
    assert_eq!(journal.finish(&claim, created("42"), T0 + 1).unwrap(), Status::Done);
    assert!(journal.is_synced("opp-1").unwrap());
    let twice = format!("{:#}", journal.finish(&claim, transient("again?"), T0 + 1).unwrap_err());
    assert!(twice.contains("already finished"), "{twice}");

    let later = delivery("candidateArchiveChange", "opp-1", "token-9");
    assert!(matches!(journal.record_delivery(&later, T0 + 2).unwrap(), Recorded::Merged { status: Status::Done, .. }));
    assert!(journal.claim_next("w", T0 + 3, LEASE).unwrap().is_none());
    let hire = journal.hire("opp-1").unwrap().unwrap();
    assert_eq!((hire.status, hire.result), (Status::Done, Some(SyncResult::Created)));
    assert_eq!(hire.namely_id.as_deref(), Some("42"));
    assert_eq!(hire.profile_url.as_deref(), Some("https://acme.namely.com/people/42"));
}

#[test]
fn a_delivery_during_a_run_runs_the_job_again_unless_it_ends_done() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&delivery("candidateStageChange", "opp-1", "a"), T0).unwrap();
    let claim = journal.claim_next("w", T0, LEASE).unwrap().unwrap();
    // The hire lands while the first attempt is looking at the stage change.
    let merged = journal.record_delivery(&hired("opp-1"), T0 + 1).unwrap();
    assert!(matches!(merged, Recorded::Merged { status: Status::Running, .. }));
    let not_hired = Outcome::NotHired { reason: "archived: no; stage: offer".into() };
    assert_eq!(journal.finish(&claim, not_hired, T0 + 2).unwrap(), Status::Pending);
    let again = journal.claim_next("w", T0 + 3, LEASE).unwrap().unwrap();
    assert_eq!(again.attempt, 1, "a fresh round of tries");
    assert_eq!(journal.finish(&again, created("7"), T0 + 4).unwrap(), Status::Done);

    // A delivery during a run that ends done changes nothing.
    journal.record_delivery(&hired("opp-2"), T0).unwrap();
    let claim = journal.claim_next("w", T0 + 5, LEASE).unwrap().unwrap();
    journal.record_delivery(&delivery("candidateArchiveChange", "opp-2", "b"), T0 + 6).unwrap();
    assert_eq!(journal.finish(&claim, created("8"), T0 + 7).unwrap(), Status::Done);
}

#[test]
fn not_hired_and_failed_jobs_are_queued_again_by_a_new_delivery() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&delivery("candidateStageChange", "opp-1", "a"), T0).unwrap();
    let claim = journal.claim_next("w", T0, LEASE).unwrap().unwrap();
    journal.finish(&claim, Outcome::NotHired { reason: "still at onsite".into() }, T0 + 1).unwrap();
    assert_eq!(journal.hire("opp-1").unwrap().unwrap().status, Status::NotHired);
    let requeued = journal.record_delivery(&hired("opp-1"), T0 + 2).unwrap();
    assert!(matches!(requeued, Recorded::Requeued { previous: Status::NotHired, .. }), "{requeued:?}");
    let claim = journal.claim_next("w", T0 + 3, LEASE).unwrap().unwrap();
    journal.finish(&claim, Outcome::Permanent { reason: "no email".into() }, T0 + 4).unwrap();
    let requeued = journal.record_delivery(&delivery("candidateArchiveChange", "opp-1", "c"), T0 + 5).unwrap();
    assert!(matches!(requeued, Recorded::Requeued { previous: Status::Failed, .. }));
    assert_eq!(journal.counts().unwrap().pending, 1);
}

#[test]
fn transient_failures_back_off_then_fail_with_the_reason() {
    let dir = Scratch::new();
    let journal = dir.open().with_retry_policy(policy(10, 40, 4));
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let mut now = T0;
    for (attempt, wait_s) in [(1u32, 10i64), (2, 20), (3, 40)] {
        let claim = journal.claim_next("w", now, LEASE).unwrap().unwrap();
        assert_eq!(claim.attempt, attempt);
        now += 1_000;
        assert_eq!(journal.finish(&claim, transient("Namely answered 503"), now).unwrap(), Status::Retrying);
        let hire = journal.hire("opp-1").unwrap().unwrap();
        assert_eq!(hire.next_attempt_at, Some(now + wait_s * 1000));
        assert_eq!(hire.last_reason.as_deref(), Some("Namely answered 503"));
        assert!(journal.claim_next("w", now + wait_s * 1000 - 1, LEASE).unwrap().is_none(), "not due yet");
        now += wait_s * 1000;
    }
    let claim = journal.claim_next("w", now, LEASE).unwrap().unwrap();
    assert_eq!(claim.attempt, 4);
    assert_eq!(journal.finish(&claim, transient("Namely timed out"), now + 1).unwrap(), Status::Failed);
    let hire = journal.hire("opp-1").unwrap().unwrap();
    assert_eq!(hire.status, Status::Failed);
    assert_eq!(hire.retryable, Some(true));
    assert_eq!(hire.last_reason.as_deref(), Some("gave up after 4 attempts; the last: Namely timed out"));
    assert_eq!(hire.next_attempt_at, None);
    assert_eq!(hire.attempts, 4);
    assert!(journal.claim_next("w", now + 10_000_000, LEASE).unwrap().is_none());
}

#[test]
fn permanent_failures_fail_at_once() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let claim = journal.claim_next("w", T0, LEASE).unwrap().unwrap();
    let outcome = Outcome::Permanent { reason: "first_name is a required field".into() };
    let report = lever_namely_service::journal::AttemptReport::from(outcome)
        .with_plan(json!({"profiles": [{"email": "a@b.c"}]}))
        .with_warnings(json!([{"code": "salary-hourly"}]));
    assert_eq!(journal.finish(&claim, report, T0 + 1).unwrap(), Status::Failed);
    let hire = journal.hire("opp-1").unwrap().unwrap();
    assert_eq!(hire.retryable, Some(false));
    assert_eq!(hire.last_reason.as_deref(), Some("first_name is a required field"));
    let attempts = journal.attempts("opp-1").unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome.as_deref(), Some("permanent"));
    assert_eq!(attempts[0].plan, Some(json!({"profiles": [{"email": "a@b.c"}]})));
    assert_eq!(attempts[0].warnings, Some(json!([{"code": "salary-hourly"}])));
    assert_eq!((attempts[0].started_at, attempts[0].finished_at), (T0, Some(T0 + 1)));
}

#[test]
fn a_failed_job_can_be_replayed_and_keeps_its_history() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let claim = journal.claim_next("w", T0, LEASE).unwrap().unwrap();
    journal.finish(&claim, Outcome::Permanent { reason: "no email in Lever".into() }, T0 + 1).unwrap();

    let replayed = journal.replay("opp-1", T0 + 100).unwrap();
    assert_eq!((replayed.opportunity_id.as_str(), replayed.previous), ("opp-1", Status::Failed));
    assert!(!replayed.after_current_attempt);
    let claim = journal.claim_next("w", T0 + 100, LEASE).unwrap().unwrap();
    assert_eq!(claim.attempt, 1);
    journal.finish(&claim, created("99"), T0 + 101).unwrap();
    let outcomes: Vec<_> = journal.attempts("opp-1").unwrap().into_iter().map(|a| a.outcome.unwrap()).collect();
    assert_eq!(outcomes, ["permanent", "created"]);

    // A done job replays too, by event id or a prefix of it; the earlier
    // Namely id is handed to the next attempt.
    let event_id = hired("opp-1").dedupe_key;
    assert_eq!(journal.replay(&event_id, T0 + 200).unwrap().previous, Status::Done);
    let claim = journal.claim_next("w", T0 + 200, LEASE).unwrap().unwrap();
    assert_eq!(claim.previous_namely_id.as_deref(), Some("99"));
    // Replaying a running job waits for the current attempt.
    let replayed = journal.replay(&event_id[..10], T0 + 201).unwrap();
    assert!(replayed.after_current_attempt);
    assert!(journal.claim_next("w2", T0 + 202, LEASE).unwrap().is_none());
    assert_eq!(journal.finish(&claim, created("99"), T0 + 203).unwrap(), Status::Pending);
}

#[test]
fn replaying_something_unknown_says_nothing_matched() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let err = format!("{:#}", journal.replay("opp-404", T0).unwrap_err());
    assert!(err.contains("nothing in the journal matches \"opp-404\""), "{err}");
    assert!(format!("{:#}", journal.replay("  ", T0).unwrap_err()).contains("give an opportunity id"));
}

#[test]
fn events_filter_by_status_and_counts_agree() {
    let dir = Scratch::new();
    let journal = dir.open();
    for opp in ["a", "b", "c", "d"] {
        journal.record_delivery(&hired(opp), T0).unwrap();
    }
    let finish = |outcome: Outcome| {
        let claim = journal.claim_next("w", T0 + 1, LEASE).unwrap().unwrap();
        journal.finish(&claim, outcome, T0 + 2).unwrap();
    };
    finish(created("1"));
    finish(Outcome::NotHired { reason: "unarchived".into() });
    finish(transient("429"));
    let names = |status| -> Vec<String> {
        journal.events(Some(status)).unwrap().into_iter().map(|h| h.opportunity_id).collect()
    };
    assert_eq!(names(Status::Done), ["a"]);
    assert_eq!(names(Status::NotHired), ["b"]);
    assert_eq!(names(Status::Retrying), ["c"]);
    assert_eq!(names(Status::Pending), ["d"]);
    assert!(names(Status::Failed).is_empty());
    assert_eq!(journal.events(None).unwrap().len(), 4);
    let counts = journal.counts().unwrap();
    for status in Status::ALL {
        assert_eq!(counts.get(status), names(status).len() as u64, "{status}");
    }
    assert_eq!(counts.deliveries, 4);
}

#[test]
fn reconciliation_adds_only_unknown_hires_and_revives_not_hired_ones() {
    let dir = Scratch::new();
    let journal = dir.open();
    assert_eq!(journal.enqueue_reconciled("opp-r", T0).unwrap(), Reconciled::Added);
    assert_eq!(journal.enqueue_reconciled("opp-r", T0).unwrap(), Reconciled::Known(Status::Pending));
    let hire = journal.hire("opp-r").unwrap().unwrap();
    assert_eq!((hire.origin.as_str(), hire.first_delivery_at), ("reconcile", None));
    let claim = journal.claim_next("w", T0, LEASE).unwrap().unwrap();
    journal.finish(&claim, Outcome::NotHired { reason: "stage change only".into() }, T0 + 1).unwrap();
    assert_eq!(journal.enqueue_reconciled("opp-r", T0 + 2).unwrap(), Reconciled::Requeued);
    let claim = journal.claim_next("w", T0 + 2, LEASE).unwrap().unwrap();
    journal.finish(&claim, created("5"), T0 + 3).unwrap();
    assert!(journal.is_synced("opp-r").unwrap());
    assert!(!journal.is_synced("opp-unknown").unwrap());
    assert_eq!(journal.enqueue_reconciled("opp-r", T0 + 4).unwrap(), Reconciled::Known(Status::Done));
}

#[test]
fn the_oldest_due_job_is_claimed_first() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("late"), T0 + 10).unwrap();
    journal.record_delivery(&hired("early"), T0).unwrap();
    let first = journal.claim_next("w", T0 + 20, LEASE).unwrap().unwrap();
    assert_eq!(first.opportunity_id, "early");
}

#[test]
fn a_worker_that_lost_its_lease_cannot_settle_the_job() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let slow = journal.claim_next("slow", T0, LEASE).unwrap().unwrap();
    let fast = journal.claim_next("fast", slow.lease_until + 1, LEASE).unwrap().unwrap();
    assert!(fast.reclaimed);
    let err = journal.finish(&slow, created("1"), slow.lease_until + 2).unwrap_err();
    assert!(err.downcast_ref::<LeaseLost>().is_some(), "{err:#}");
    assert!(journal
        .extend_lease(&slow, slow.lease_until + 2, LEASE)
        .unwrap_err()
        .downcast_ref::<LeaseLost>()
        .is_some());
    assert_eq!(journal.hire("opp-1").unwrap().unwrap().status, Status::Running);
    assert_eq!(journal.finish(&fast, created("1"), fast.started_at + 5).unwrap(), Status::Done);
    let attempts = journal.attempts("opp-1").unwrap();
    assert_eq!(attempts[0].outcome.as_deref(), Some("created"), "the late result is kept");
    assert!(attempts[0].reason.as_deref().unwrap().starts_with("(finished after losing its lease)"));
}

#[test]
fn an_extended_lease_is_not_taken() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let claim = journal.claim_next("w", T0, LEASE).unwrap().unwrap();
    let until = journal.extend_lease(&claim, claim.lease_until - 1, LEASE).unwrap();
    assert!(journal.claim_next("other", claim.lease_until + 1, LEASE).unwrap().is_none());
    assert!(journal.claim_next("other", until + 1, LEASE).unwrap().is_some());
}
