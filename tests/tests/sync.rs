//! End-to-end syncs: the real host and component against the Lever and Namely
//! simulators, over real HTTP on loopback.

use std::time::Duration;

use lever_namely::bindings::sync::SyncOutcome;
use lever_namely::config::RecordTypeSetting;
use lever_namely_simulators::{demo_opportunity_id, LostResponse, RetryHint, Simulators, Target};
use lever_namely_tests::sync_harness::{config, credentials, syncer};
use serde_json::Value;

fn start() -> (tokio::runtime::Runtime, Simulators) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sims = rt.block_on(Simulators::start_demo()).expect("simulators start");
    (rt, sims)
}

fn created(o: &SyncOutcome) -> &lever_namely::bindings::sync::Created {
    match o {
        SyncOutcome::Created(c) => c,
        other => panic!("expected a created profile, got {other:?}"),
    }
}

fn note_text(n: &Value) -> String {
    n["fields"][0]["value"].as_str().or(n["value"].as_str()).unwrap_or_default().to_string()
}

/// Neither simulator saw a request body or produced a response that breaks
/// the published contracts.
fn assert_contracts_kept(sims: &Simulators) {
    assert!(sims.lever.violations().is_empty(), "Lever contract violations: {:?}", sims.lever.violations());
    assert!(sims.namely.violations().is_empty(), "Namely contract violations: {:?}", sims.namely.violations());
}

#[test]
fn an_hris_hire_arrives_in_namely_with_its_resume_and_a_lever_note() {
    let (rt, sims) = start();
    let s = syncer(&sims, config(&sims, RecordTypeSetting::Hris));
    let id = demo_opportunity_id();
    let (outcome, refused) = rt.block_on(s.run(id)).unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    let c = created(&outcome);
    assert_eq!(c.record_type, "hris");
    assert!(c.note_posted);
    let profiles = sims.namely.profiles();
    assert_eq!(profiles.len(), 1);
    let p = &profiles[0];
    assert_eq!(p["id"], c.namely_id.as_str());
    assert_eq!(p["user_status"], "active");
    assert_eq!(p["first_name"], "Robert");
    assert_eq!(p["preferred_name"], "Bob");
    // The resume was uploaded and attached.
    let files = sims.namely.files();
    assert_eq!(files.len(), 1);
    assert!(!files[0].bytes.is_empty());
    assert_eq!(Some(files[0].id.as_str()), c.resume_file_id.as_deref());
    assert_eq!(p["resume"], files[0].id.as_str());
    // The Lever note names the Namely id and links to the profile.
    let notes = sims.lever.notes(id);
    assert_eq!(notes.len(), 1);
    let text = note_text(&notes[0]);
    assert!(text.contains(&c.namely_id) && text.contains(&c.profile_url), "{text}");
    assert_contracts_kept(&sims);
}

#[test]
fn an_onboarding_hire_becomes_a_pending_draft() {
    let (rt, sims) = start();
    let s = syncer(&sims, config(&sims, RecordTypeSetting::Onboarding));
    let (outcome, _) = rt.block_on(s.run(demo_opportunity_id())).unwrap();
    assert_eq!(created(&outcome).record_type, "onboarding");
    let p = &sims.namely.profiles()[0];
    assert_eq!(p["user_status"], "pending");
    assert!(p["personal_email"].as_str().is_some_and(|e| e.contains('@')));
    assert!(p["start_date"].as_str().is_some_and(|d| d.len() == 10));
    assert_contracts_kept(&sims);
}

#[test]
fn a_second_sync_creates_nothing_and_posts_no_second_note() {
    let (rt, sims) = start();
    let s = syncer(&sims, config(&sims, RecordTypeSetting::Hris));
    let id = demo_opportunity_id();
    let first = created(&rt.block_on(s.run(id)).unwrap().0).namely_id.clone();
    let (writes_lever, writes_namely) = (sims.lever.write_count(), sims.namely.write_count());
    match rt.block_on(s.run(id)).unwrap().0 {
        SyncOutcome::AlreadySynced(e) => {
            assert_eq!(e.namely_id, first);
            assert_eq!(e.matched_by, "lever-note");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sims.namely.profiles().len(), 1);
    assert_eq!(sims.lever.notes(id).len(), 1);
    assert_eq!((sims.lever.write_count(), sims.namely.write_count()), (writes_lever, writes_namely));
}

#[test]
fn a_profile_found_by_email_is_not_created_again() {
    let (rt, sims) = start();
    let s = syncer(&sims, config(&sims, RecordTypeSetting::Hris));
    let id = demo_opportunity_id();
    created(&rt.block_on(s.run(id)).unwrap().0);
    // Someone deleted our Lever note: Namely still has the profile.
    sims.lever.update_notes(id, |notes| notes.clear());
    match rt.block_on(s.run(id)).unwrap().0 {
        SyncOutcome::AlreadySynced(e) => assert!(e.matched_by == "email" || e.matched_by == "personal_email", "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sims.namely.profiles().len(), 1);
    assert_eq!(sims.lever.notes(id).len(), 1, "the missing note is recorded once");
}

#[test]
fn a_plan_shows_the_request_and_writes_nothing() {
    let (rt, sims) = start();
    let s = syncer(&sims, config(&sims, RecordTypeSetting::Hris));
    let (plan, refused) = rt.block_on(s.plan(demo_opportunity_id())).unwrap();
    assert_eq!(plan.outcome, "would-create", "{plan:?}");
    assert!(refused.is_empty());
    let m = plan.mapping.expect("the plan carries the mapping");
    assert!(m.request_json.starts_with("{\"profiles\":[{\"first_name\":\"Robert\""), "{}", m.request_json);
    assert!(plan.steps.iter().any(|s| s.contains("POST") && s.contains("/profiles")));
    assert_eq!(sims.lever.write_count(), 0);
    assert_eq!(sims.namely.write_count(), 0);
    assert!(sims.namely.profiles().is_empty());
}

#[test]
fn throttling_and_server_errors_are_survived() {
    let (rt, sims) = start();
    sims.lever.faults().rate_limit_next(3, RetryHint::RetryAfter(0));
    sims.lever.faults().rate_limit_next(2, RetryHint::RateLimitReset(1));
    sims.lever.faults().server_error_next(2, 503, Target::method("GET"));
    sims.namely.faults().server_error_next(3, 406, Target::new("GET", "/api/v1/profiles"));
    sims.namely.faults().server_error_next(1, 502, Target::new("GET", "/api/v1/job_titles"));
    sims.lever.faults().truncate_next(1, Target::new("GET", "/v1/opportunities"));
    // Concurrent requests share the faults, so one request may meet all
    // eight of Lever's: give it room for every one.
    let mut c = config(&sims, RecordTypeSetting::Hris);
    c.sync.max_attempts = 12;
    let s = syncer(&sims, c);
    let (outcome, _) = rt.block_on(s.run(demo_opportunity_id())).unwrap();
    created(&outcome);
    assert_eq!(sims.namely.profiles().len(), 1);
    let throttled = sims.lever.requests().iter().filter(|r| r.status == Some(429)).count();
    assert_eq!(throttled, 5, "every 429 was met with a retry");
    assert_contracts_kept(&sims);
}

#[test]
fn a_lost_create_response_still_yields_exactly_one_profile() {
    for how in [LostResponse::Drop, LostResponse::Stall(Duration::from_secs(4))] {
        let (rt, sims) = start();
        sims.namely.faults().lose_profile_create_response(1, how);
        let mut c = config(&sims, RecordTypeSetting::Hris);
        c.sync.http_timeout_ms = 1_500;
        let s = syncer(&sims, c);
        let (outcome, _) = rt.block_on(s.run(demo_opportunity_id())).unwrap();
        created(&outcome);
        assert_eq!(sims.namely.profiles().len(), 1, "{how:?}");
        let posts = sims.namely.requests().iter().filter(|r| r.method == "POST" && r.path.starts_with("/api/v1/profiles")).count();
        assert_eq!(posts, 1, "the POST was not repeated blindly ({how:?})");
    }
}

#[test]
fn a_candidate_not_hired_is_not_synced() {
    let (rt, sims) = start();
    let id = demo_opportunity_id();
    let other_reason = sims.lever.non_hired_reason_id();
    sims.lever.update_opportunity(id, |o| o["archived"]["reason"] = Value::from(other_reason.clone()));
    let s = syncer(&sims, config(&sims, RecordTypeSetting::Hris));
    match rt.block_on(s.run(id)).unwrap().0 {
        SyncOutcome::NotHired(why) => assert!(why.contains("not Hired"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sims.lever.write_count() + sims.namely.write_count(), 0);
}

#[test]
fn missing_required_fields_fail_with_the_reason_noted_once_in_lever() {
    let (rt, sims) = start();
    let id = demo_opportunity_id();
    sims.lever.update_opportunity(id, |o| {
        o["name"] = Value::from("Cher");
    });
    sims.lever.update_forms(id, |forms| forms.clear());
    let mut c = config(&sims, RecordTypeSetting::Hris);
    c.mapping.failure_notes = true;
    let s = syncer(&sims, c);
    for _ in 0..2 {
        match rt.block_on(s.run(id)).unwrap().0 {
            SyncOutcome::Failed(f) => {
                assert!(f.reason.contains("last_name") && f.reason.contains("Cher"), "{}", f.reason);
                assert!(!f.retryable);
                assert!(f.note_posted);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(sims.namely.profiles().is_empty());
    assert_eq!(sims.lever.notes(id).len(), 1, "the same failure is noted once");
}

#[test]
fn the_host_injects_each_credential_and_the_component_never_holds_one() {
    let (rt, sims) = start();
    let cfg = config(&sims, RecordTypeSetting::Hris);
    let creds = credentials(&sims);
    let s = syncer(&sims, cfg.clone());
    rt.block_on(s.run(demo_opportunity_id())).unwrap();
    let (lever_auth, namely_auth) = (creds.lever_authorization(), creds.namely_authorization());
    assert!(sims.lever.requests().iter().all(|r| r.authorization_equals(lever_auth.expose())));
    assert!(sims.namely.requests().iter().all(|r| r.authorization_equals(namely_auth.expose())));
    // What the component is given holds neither secret.
    for (key, value) in cfg.component_settings(s.endpoints()) {
        for secret in [sims.lever.api_key(), sims.namely.token()] {
            assert!(!value.contains(&secret), "setting {key} carries a secret");
        }
    }
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let (rt, sims) = start();
    let (redirector, hits) = rt.block_on(lever_namely_tests::redirector("http://127.0.0.2:9/v1"));
    let mut c = config(&sims, RecordTypeSetting::Hris);
    c.lever.base_url = Some(redirector);
    let s = syncer(&sims, c);
    match rt.block_on(s.run(demo_opportunity_id())).unwrap().0 {
        SyncOutcome::Failed(f) => assert!(f.reason.contains("302") && f.reason.contains("redirect"), "{}", f.reason),
        other => panic!("{other:?}"),
    }
    assert!(hits.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert_eq!(sims.namely.write_count(), 0);
}

#[test]
fn a_config_pointing_elsewhere_is_refused_before_anything_runs() {
    let (_rt, sims) = start();
    let mut c = config(&sims, RecordTypeSetting::Hris);
    c.sandbox.allow_loopback = false;
    let e = lever_namely::sync::Syncer::new(lever_namely_tests::plugin().clone(), c.clone(), credentials(&sims)).err().unwrap();
    assert!(e.to_string().contains("allow_loopback"), "{e}");
    c.sandbox.allow_loopback = true;
    c.lever.base_url = Some("http://lever.example/v1".into());
    let e = lever_namely::sync::Syncer::new(lever_namely_tests::plugin().clone(), c, credentials(&sims)).err().unwrap();
    assert!(e.to_string().contains("https"), "{e}");
}
