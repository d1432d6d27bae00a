//! The journal across threads, processes, crashes and restarts.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;

use common::*;
use lever_namely_service::journal::{Journal, Outcome, Recorded, Status};
use serde_json::json;

#[test]
fn a_journal_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Journal>();
}

#[test]
fn a_hundred_concurrent_deliveries_with_duplicates_make_one_job_per_opportunity() {
    let dir = Scratch::new();
    // Two connections, as two processes would have, shared by 100 threads.
    let journals = [Arc::new(dir.open()), Arc::new(dir.open())];
    let start = Arc::new(Barrier::new(100));
    let handles: Vec<_> = (0..100)
        .map(|i| {
            let journal = Arc::clone(&journals[i % 2]);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                // 10 opportunities; 30 distinct deliveries, each sent 3 or 4 times;
                // per opportunity, one candidateHired and two archive changes.
                let (opp, n) = (format!("opp-{}", i % 10), i % 30);
                let event = if n < 10 { "candidateHired" } else { "candidateArchiveChange" };
                let d = delivery(event, &opp, &format!("token-{n}"));
                start.wait();
                journal.record_delivery(&d, T0 + i as i64).unwrap()
            })
        })
        .collect();
    let results: Vec<Recorded> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let count = |f: fn(&Recorded) -> bool| results.iter().filter(|r| f(r)).count();
    assert_eq!(count(|r| matches!(r, Recorded::New { .. })), 10);
    assert_eq!(count(|r| matches!(r, Recorded::Merged { .. })), 20);
    assert_eq!(count(|r| matches!(r, Recorded::Duplicate { .. })), 70);

    let counts = journals[0].counts().unwrap();
    assert_eq!((counts.pending, counts.deliveries), (10, 30));
    let hires = journals[1].events(None).unwrap();
    let opportunities: HashSet<_> = hires.iter().map(|h| h.opportunity_id.clone()).collect();
    assert_eq!(opportunities.len(), 10);
    for hire in &hires {
        assert_eq!(hire.events, ["candidateArchiveChange", "candidateHired"]);
        let repeats: u32 = journals[0].deliveries(&hire.opportunity_id).unwrap().iter().map(|d| d.repeats).sum();
        assert_eq!(repeats, 7, "{}: 10 sends, 3 distinct", hire.opportunity_id);
    }
}

#[test]
fn concurrent_workers_never_claim_the_same_opportunity() {
    let dir = Scratch::new();
    let setup = dir.open();
    for n in 0..40 {
        setup.record_delivery(&hired(&format!("opp-{n}")), T0 + n).unwrap();
    }
    // Two "processes" (connections), two worker threads each, all claiming
    // at the same instant and finishing half of what they take.
    let journals = [Arc::new(dir.open()), Arc::new(dir.open())];
    let start = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let journal = Arc::clone(&journals[w % 2]);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut mine = Vec::new();
                while let Some(claim) = journal.claim_next(&format!("worker-{w}"), T0 + 100, LEASE).unwrap() {
                    if mine.len() % 2 == 0 {
                        journal.finish(&claim, created(&claim.opportunity_id), T0 + 101).unwrap();
                    }
                    mine.push(claim.opportunity_id);
                }
                mine
            })
        })
        .collect();
    let claimed: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let distinct: HashSet<_> = claimed.iter().collect();
    assert_eq!(claimed.len(), 40, "every job claimed");
    assert_eq!(distinct.len(), 40, "and none twice");
    let counts = setup.counts().unwrap();
    assert_eq!(counts.done + counts.running, 40);
    assert!(setup.claim_next("late", T0 + 102, LEASE).unwrap().is_none());
}

#[test]
fn work_left_by_a_crashed_worker_is_claimed_again_after_its_lease() {
    let dir = Scratch::new();
    let first = dir.open();
    first.record_delivery(&hired("opp-1"), T0).unwrap();
    let claim = first.claim_next("worker-a", T0, LEASE).unwrap().unwrap();
    drop(first); // killed mid-sync: no finish

    let restarted = dir.open();
    assert!(restarted.claim_next("worker-b", claim.lease_until - 1, LEASE).unwrap().is_none(), "lease still held");
    let again = restarted.claim_next("worker-b", claim.lease_until + 1, LEASE).unwrap().unwrap();
    assert!(again.reclaimed);
    assert_eq!((again.opportunity_id.as_str(), again.attempt), ("opp-1", 2));
    assert_eq!(restarted.finish(&again, created("11"), again.started_at + 1).unwrap(), Status::Done);

    let attempts = restarted.attempts("opp-1").unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].worker, "worker-a");
    assert_eq!(attempts[0].outcome.as_deref(), Some("abandoned"));
    assert!(attempts[0].reason.as_deref().unwrap().contains("lease ran out"));
    assert_eq!(attempts[1].outcome.as_deref(), Some("created"));
}

#[test]
fn a_lease_is_respected_by_a_second_process_on_the_same_file() {
    let dir = Scratch::new();
    let service = dir.open();
    service.record_delivery(&hired("opp-1"), T0).unwrap();
    let claim = service.claim_next("service", T0, LEASE).unwrap().unwrap();
    let other = dir.open();
    assert!(other.claim_next("other", claim.lease_until - 1, LEASE).unwrap().is_none());
    assert_eq!(other.hire("opp-1").unwrap().unwrap().status, Status::Running);
    service.finish(&claim, created("3"), T0 + 5).unwrap();
    assert!(other.is_synced("opp-1").unwrap(), "the other connection sees the commit at once");
}

#[test]
fn a_delivery_recorded_before_a_crash_is_processed_after_the_restart() {
    let dir = Scratch::new();
    let service = dir.open();
    assert!(matches!(service.record_delivery(&hired("opp-1"), T0).unwrap(), Recorded::New { .. }));
    drop(service); // killed right after answering 2xx
    let restarted = dir.open();
    let claim = restarted.claim_next("w", T0 + 1, LEASE).unwrap().unwrap();
    assert_eq!(claim.opportunity_id, "opp-1");
}

#[test]
fn a_job_that_always_kills_its_worker_ends_failed() {
    let dir = Scratch::new();
    let journal = dir.open().with_retry_policy(policy(1, 1, 3));
    journal.record_delivery(&hired("poison"), T0).unwrap();
    let mut now = T0;
    for attempt in 1..=3 {
        let claim = journal.claim_next("w", now, LEASE).unwrap().unwrap();
        assert_eq!(claim.attempt, attempt);
        now = claim.lease_until + 1; // the worker dies; its lease runs out
    }
    assert!(journal.claim_next("w", now, LEASE).unwrap().is_none());
    let hire = journal.hire("poison").unwrap().unwrap();
    assert_eq!((hire.status, hire.retryable), (Status::Failed, Some(true)));
    assert!(hire.last_reason.unwrap().starts_with("gave up after 3 attempts"));
    let outcomes: Vec<_> = journal.attempts("poison").unwrap().into_iter().map(|a| a.outcome.unwrap()).collect();
    assert_eq!(outcomes, ["abandoned", "abandoned", "abandoned"]);
}

#[test]
fn reopening_the_file_keeps_everything() {
    let dir = Scratch::new();
    {
        let journal = dir.open();
        journal.record_delivery(&hired("opp-1"), T0).unwrap();
        journal.record_delivery(&hired("opp-2"), T0 + 1).unwrap();
        let claim = journal.claim_next("w", T0 + 2, LEASE).unwrap().unwrap();
        let report = lever_namely_service::journal::AttemptReport::from(created("77"))
            .with_plan(json!({"profiles": [{"first_name": "Ada"}]}));
        journal.finish(&claim, report, T0 + 3).unwrap();
        let claim = journal.claim_next("w", T0 + 4, LEASE).unwrap().unwrap();
        journal.finish(&claim, Outcome::Permanent { reason: "no email".into() }, T0 + 5).unwrap();
    }
    let journal = dir.open();
    assert_eq!(journal.schema_version().unwrap(), lever_namely_service::journal::schema::MIGRATIONS.len() as i64);
    let hires = journal.events(None).unwrap();
    assert_eq!(hires.len(), 2);
    assert_eq!((hires[0].status, hires[0].namely_id.as_deref()), (Status::Done, Some("77")));
    assert_eq!((hires[1].status, hires[1].last_reason.as_deref()), (Status::Failed, Some("no email")));
    let attempts = journal.attempts("opp-1").unwrap();
    assert_eq!(attempts[0].plan, Some(json!({"profiles": [{"first_name": "Ada"}]})));
    assert_eq!(journal.record_delivery(&hired("opp-1"), T0 + 9).unwrap(), Recorded::Duplicate { delivery_id: 1 });
}

#[test]
fn a_file_that_is_not_a_journal_gives_advice_naming_it() {
    let dir = Scratch::new();
    let path = dir.db();
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let err = format!("{:#}", Journal::open(&path).unwrap_err());
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("not a lever-namely journal, or it is damaged"), "{err}");
    assert!(err.contains("Move it aside"), "{err}");
}

#[test]
fn another_programs_database_is_left_alone() {
    let dir = Scratch::new();
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY)").unwrap();
    drop(conn);
    let err = format!("{:#}", Journal::open(dir.db()).unwrap_err());
    assert!(err.contains("not a lever-namely journal") && err.contains(&dir.db().display().to_string()), "{err}");
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let tables: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0)).unwrap();
    assert_eq!(tables, 1, "nothing was added to it");
}

#[test]
fn unopenable_paths_give_advice_naming_them() {
    let dir = Scratch::new();
    let missing = dir.path().join("no-such-dir").join("journal.sqlite3");
    let err = format!("{:#}", Journal::open(&missing).unwrap_err());
    assert!(err.contains(&missing.display().to_string()) && err.contains("does not exist; create it"), "{err}");
    let err = format!("{:#}", Journal::open(dir.path()).unwrap_err());
    assert!(err.contains("that is a directory"), "{err}");
}

#[test]
fn a_journal_from_a_newer_version_is_refused() {
    let dir = Scratch::new();
    drop(dir.open());
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)", []).unwrap();
    drop(conn);
    let err = format!("{:#}", Journal::open(dir.db()).unwrap_err());
    assert!(err.contains("newer lever-namely") && err.contains(&dir.db().display().to_string()), "{err}");
}

#[test]
fn the_file_is_in_wal_mode_and_commits_sync_fully() {
    let dir = Scratch::new();
    let journal = dir.open();
    journal.record_delivery(&hired("opp-1"), T0).unwrap();
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    assert!(dir.db().with_extension("sqlite3-wal").exists());
    assert_eq!(journal.synchronous().unwrap(), "full");
}
