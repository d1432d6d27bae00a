//! A real crash: the journal's process is killed (SIGKILL on Unix) while it
//! writes. Every delivery it acknowledged must survive, and a restart must
//! finish all the work, including jobs whose worker died holding a lease.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use lever_namely_service::journal::{Journal, Status};

const CHILD: &str = "LEVER_NAMELY_SERVICE_KILL_TEST_JOURNAL";
const NAME: &str = "killing_the_process_loses_no_acknowledged_delivery";

#[test]
fn killing_the_process_loses_no_acknowledged_delivery() {
    if let Ok(path) = std::env::var(CHILD) {
        return child(&path);
    }
    let dir = Scratch::new();
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, dir.db())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acknowledged = Vec::new();
    for line in BufReader::new(process.stdout.take().unwrap()).lines() {
        if let Some(opportunity) = line.unwrap().strip_prefix("ACK ") {
            acknowledged.push(opportunity.to_string());
            if acknowledged.len() == 40 {
                break;
            }
        }
    }
    process.kill().unwrap(); // mid-write, most likely: it never pauses
    process.wait().unwrap();
    assert_eq!(acknowledged.len(), 40, "the child stopped early");

    let journal = Journal::open(dir.db()).unwrap();
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    for opportunity in &acknowledged {
        assert!(journal.hire(opportunity).unwrap().is_some(), "{opportunity} was acknowledged, then lost");
    }
    // Long after every lease: the restarted worker takes everything, once.
    let later = T0 + 3_600_000;
    let mut claimed = 0;
    while let Some(claim) = journal.claim_next("restarted", later, LEASE).unwrap() {
        journal.finish(&claim, created("n"), later).unwrap();
        claimed += 1;
    }
    let counts = journal.counts().unwrap();
    assert_eq!(counts.done, claimed);
    assert_eq!(counts.done, journal.events(None).unwrap().len() as u64);
    assert!(counts.done >= 40);
    for status in [Status::Pending, Status::Running, Status::Retrying] {
        assert_eq!(counts.get(status), 0, "{status}");
    }
}

/// The process to kill: records deliveries as fast as it can, printing an
/// acknowledgement after each commit (as the service answers 2xx), and
/// claims every third job without finishing it.
fn child(path: &str) {
    let journal = Journal::open(path).unwrap();
    for n in 0..5_000i64 {
        let opportunity = format!("opp-{n}");
        journal.record_delivery(&hired(&opportunity), T0 + n).unwrap();
        println!("ACK {opportunity}");
        if n % 3 == 0 {
            journal.claim_next("doomed", T0 + n, LEASE).unwrap();
        }
    }
}
