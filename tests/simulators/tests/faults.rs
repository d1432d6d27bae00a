//! Every fault knob, set at runtime through the handles. Time bounds are
//! generous: only "at least the latency" and "no answer within the client's
//! timeout" are asserted.

mod common;

use std::time::{Duration, Instant};

use common::*;
use lever_namely_simulators::{
    demo_opportunity_id, Fault, FaultPlan, FaultRule, LostResponse, RandomFaults, RetryHint, Simulators,
    SimulatorsSeed, Target,
};
use serde_json::json;

fn notes_path() -> String {
    format!("/opportunities/{}/notes", demo_opportunity_id())
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let s = Simulators::start_demo().await.unwrap();
    s.lever.faults().set_latency(Duration::from_millis(150));
    let t = Instant::now();
    assert_eq!(lever_get(&s.lever, "/archive_reasons").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    s.lever.faults().set_latency(Duration::ZERO);
    assert_eq!(s.lever.faults().latency(), Duration::ZERO);
}

#[tokio::test]
async fn lever_429_carries_retry_after_or_rate_limit_reset() {
    let s = Simulators::start_demo().await.unwrap();
    let l = &s.lever;
    l.faults().rate_limit_next(2, RetryHint::RetryAfter(3));
    for _ in 0..2 {
        let r = lever_get(l, "/archive_reasons").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("3"));
        assert_eq!(r.json()["code"], "TooManyRequests");
    }
    assert_eq!(lever_get(l, "/archive_reasons").await.status, 200);
    l.faults().rate_limit_next(1, RetryHint::RateLimitReset(7));
    let r = lever_get(l, "/archive_reasons").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("x-ratelimit-reset"), Some("7"));
    assert!(r.header("retry-after").is_none());
    assert_eq!(l.requests().iter().filter(|r| r.fault.as_deref() == Some("rate-limit")).count(), 3);
    assert_eq!(l.faults().pending(), 0);
}

#[tokio::test]
async fn random_429s_are_deterministic_for_a_seed() {
    async fn run() -> Vec<u16> {
        let s = Simulators::start_demo().await.unwrap();
        s.lever.faults().rate_limit_randomly(0.3, 99, RetryHint::RetryAfter(1), Target::any());
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(lever_get(&s.lever, "/archive_reasons").await.status);
        }
        out
    }
    let a = run().await;
    assert_eq!(a, run().await);
    assert!(a.contains(&429) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn server_errors_for_the_next_matching_requests_only() {
    let s = Simulators::start_demo().await.unwrap();
    let l = &s.lever;
    l.faults().server_error_next(2, 503, Target::new("GET", "/opportunities/*/offers"));
    assert_eq!(lever_get(l, "/archive_reasons").await.status, 200, "other paths are untouched");
    let path = format!("/opportunities/{}/offers", demo_opportunity_id());
    let r = lever_get(l, &path).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["code"], "ServiceUnavailable");
    assert_eq!(lever_get(l, &path).await.status, 503);
    assert_eq!(lever_get(l, &path).await.status, 200);

    let n = &s.namely;
    n.faults().server_error_next(1, 500, Target::method("POST"));
    let r = namely_send(n, "POST", "/profiles", &new_profile("e@acme.example")).await;
    assert_eq!(r.status, 500);
    assert!(r.json()["errors"].is_array());
    assert!(n.profiles().is_empty(), "a 5xx fault changes no state");
    assert!(l.violations().is_empty() && n.violations().is_empty());
}

#[tokio::test]
async fn hangs_never_answer_or_answer_late() {
    let s = Simulators::start_demo().await.unwrap();
    let l = &s.lever;
    let url = format!("{}/archive_reasons", l.base_url());
    let auth = [("authorization", l.expected_authorization())];
    l.faults().hang_next(1, Target::path("/archive_reasons"), None);
    assert!(send_within(Duration::from_millis(300), "GET", &url, &auth, None).await.is_none(), "must not answer");
    assert_eq!(lever_get(l, "/archive_reasons").await.status, 200, "only the next request hangs");
    let hung = l.requests().into_iter().find(|r| r.fault.as_deref() == Some("hang")).unwrap();
    assert_eq!(hung.status, None);

    l.faults().hang_next(1, Target::any(), Some(Duration::from_millis(400)));
    assert!(send_within(Duration::from_millis(150), "GET", &url, &auth, None).await.is_none());
    l.faults().hang_next(1, Target::any(), Some(Duration::from_millis(200)));
    let late = send_within(Duration::from_secs(20), "GET", &url, &auth, None).await.unwrap().unwrap();
    assert_eq!(late.status, 200);
}

#[tokio::test]
async fn truncated_bodies_are_complete_messages_with_broken_json() {
    let s = Simulators::start_demo().await.unwrap();
    s.namely.faults().truncate_next(1, Target::path("/job_titles"));
    let r = namely_get(&s.namely, "/job_titles").await;
    assert_eq!(r.status, 200);
    assert!(!r.body.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    assert_eq!(namely_get(&s.namely, "/job_titles").await.json()["job_titles"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_created_profile_whose_response_is_dropped() {
    let s = Simulators::start_demo().await.unwrap();
    let n = &s.namely;
    n.faults().lose_profile_create_response(1, LostResponse::Drop);
    let url = format!("{}/profiles", n.base_url());
    let headers = [("authorization", n.expected_authorization()), ("content-type", "application/json".to_string())];
    let body = new_profile("lost@acme.example").to_string().into_bytes();
    let outcome = send_within(Duration::from_secs(20), "POST", &url, &headers, Some(body.clone()))
        .await
        .expect("the drop is immediate");
    assert!(outcome.is_err(), "no response may arrive: {outcome:?}");
    assert!(n.profiles().iter().any(|p| p["email"] == "lost@acme.example"), "the profile was created");
    // The retry the client should not blindly make:
    let again = namely_send(n, "POST", "/profiles", &new_profile("lost@acme.example")).await;
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["errors"][0], "lost@acme.example is already taken");
    let found = namely_get(n, "/profiles?filter[email]=lost@acme.example").await.json();
    assert_eq!(found["meta"]["total_count"], 1);
    assert_eq!(n.write_counts().get("POST /api/v1/profiles"), Some(&2));
}

#[tokio::test]
async fn a_created_profile_whose_response_stalls_past_the_timeout() {
    let s = Simulators::start_demo().await.unwrap();
    let n = &s.namely;
    n.faults().lose_profile_create_response(1, LostResponse::Stall(Duration::from_secs(30)));
    let url = format!("{}/profiles.json", n.base_url());
    let headers = [("authorization", n.expected_authorization()), ("content-type", "application/json".to_string())];
    let body = new_profile("slow@acme.example").to_string().into_bytes();
    assert!(send_within(Duration::from_millis(300), "POST", &url, &headers, Some(body)).await.is_none());
    assert!(n.profiles().iter().any(|p| p["email"] == "slow@acme.example"));
    assert_eq!(namely_get(n, "/profiles?filter[email]=slow@acme.example").await.json()["meta"]["total_count"], 1);
}

#[tokio::test]
async fn lever_note_response_lost_after_the_note_is_stored() {
    let s = Simulators::start_demo().await.unwrap();
    let l = &s.lever;
    l.faults().lose_response_next(1, Target::new("POST", "/opportunities/*/notes"), LostResponse::Drop);
    let url = format!("{}{}", l.base_url(), notes_path());
    let headers = [("authorization", l.expected_authorization()), ("content-type", "application/json".to_string())];
    let r = send_within(
        Duration::from_secs(20),
        "POST",
        &url,
        &headers,
        Some(json!({"value": "hi"}).to_string().into_bytes()),
    )
    .await;
    assert!(r.unwrap().is_err());
    assert_eq!(l.notes(demo_opportunity_id()).len(), 1);
    assert_eq!(l.write_count(), 1);
}

#[tokio::test]
async fn fault_plans_apply_at_start_and_clear_resets() {
    let mut seed = SimulatorsSeed::demo();
    seed.faults = FaultPlan {
        latency_ms: 0,
        rules: vec![FaultRule { target: Target::method("GET"), times: 1, fault: Fault::ServerError { status: 502 } }],
        profiles_per_minute: Some(2),
        ..FaultPlan::default()
    };
    let s = Simulators::start_seeded(seed, 0, 0).await.unwrap();
    assert_eq!(lever_get(&s.lever, "/archive_reasons").await.status, 502);
    // The throttle counts before faults apply, so the 502 used one of the two.
    assert_eq!(namely_get(&s.namely, "/profiles").await.status, 502);
    assert_eq!(namely_get(&s.namely, "/profiles").await.status, 200);
    assert_eq!(namely_get(&s.namely, "/profiles").await.status, 406);
    s.namely.faults().clear();
    assert_eq!(namely_get(&s.namely, "/profiles").await.status, 200);
    s.lever.faults().rate_limit_next(5, RetryHint::None);
    s.lever.faults().clear();
    assert_eq!(lever_get(&s.lever, "/archive_reasons").await.status, 200);
}

#[tokio::test]
async fn resets_and_unanswered_requests_close_the_connection_without_doing_the_work() {
    let s = Simulators::start_demo().await.unwrap();
    let n = &s.namely;
    let url = format!("{}/profiles", n.base_url());
    let headers = [("authorization", n.expected_authorization()), ("content-type", "application/json".to_string())];
    let post = |email: &str| Some(new_profile(email).to_string().into_bytes());
    n.faults().inject(Target::new("POST", "/profiles"), 1, Fault::Drop);
    let reset = send_within(Duration::from_secs(20), "POST", &url, &headers, post("reset@acme.example")).await;
    assert!(reset.expect("the reset is immediate").is_err());
    n.faults().inject(Target::new("POST", "/profiles"), 1, Fault::Unanswered { after: Duration::from_millis(300) });
    let t = Instant::now();
    let unanswered = send_within(Duration::from_secs(20), "POST", &url, &headers, post("late@acme.example")).await;
    assert!(unanswered.expect("closed after the wait").is_err());
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert!(n.profiles().is_empty(), "neither request reached the application");
    let kinds: Vec<_> = n.requests().iter().map(|r| (r.fault.clone(), r.status)).collect();
    assert_eq!(kinds, [(Some("drop".into()), None), (Some("unanswered".into()), None)]);
}

#[tokio::test]
async fn a_body_cut_mid_way_fails_to_read_after_the_work_is_done() {
    let s = Simulators::start_demo().await.unwrap();
    let n = &s.namely;
    n.faults().inject(Target::new("POST", "/profiles"), 1, Fault::CutBody);
    let url = format!("{}/profiles", n.base_url());
    let headers = [("authorization", n.expected_authorization()), ("content-type", "application/json".to_string())];
    let body = Some(new_profile("cut@acme.example").to_string().into_bytes());
    let r = send_within(Duration::from_secs(20), "POST", &url, &headers, body).await.expect("answers at once");
    assert!(r.is_err(), "the body must not read whole: {r:?}");
    assert!(n.profiles().iter().any(|p| p["email"] == "cut@acme.example"), "the profile was created");
    assert_eq!(n.requests()[0].status, Some(201), "the status line went out");
}

#[tokio::test]
async fn a_proxy_page_is_a_200_that_is_not_json() {
    let s = Simulators::start_demo().await.unwrap();
    s.lever.faults().inject(Target::path("/archive_reasons"), 1, Fault::NotJson);
    let r = lever_get(&s.lever, "/archive_reasons").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    assert_eq!(lever_get(&s.lever, "/archive_reasons").await.json()["data"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn a_random_mix_faults_both_apis_repeatably() {
    type Faulted = Vec<Option<String>>;
    async fn run() -> (Vec<u16>, Faulted, Faulted) {
        let s = Simulators::start_demo().await.unwrap();
        let timeout = Duration::from_millis(200);
        s.lever.faults().fault_randomly(RandomFaults::lever(0.5, 5, timeout));
        s.namely.faults().fault_randomly(RandomFaults::namely(0.5, 6, timeout));
        let (lever, namely) =
            (format!("{}/archive_reasons", s.lever.base_url()), format!("{}/job_titles", s.namely.base_url()));
        let mut statuses = Vec::new();
        for _ in 0..30 {
            for (url, auth) in
                [(&lever, s.lever.expected_authorization()), (&namely, s.namely.expected_authorization())]
            {
                let r = send_within(Duration::from_secs(5), "GET", url, &[("authorization", auth)], None).await;
                statuses.push(match r {
                    Some(Ok(r)) => r.status,
                    _ => 0,
                });
            }
        }
        let faults = |r: Vec<lever_namely_simulators::RequestRecord>| r.into_iter().map(|r| r.fault).collect();
        (statuses, faults(s.lever.requests()), faults(s.namely.requests()))
    }
    let a = run().await;
    assert_eq!(a, run().await);
    let (_, lever, namely) = &a;
    for log in [lever, namely] {
        assert!(log.iter().any(Option::is_none) && log.iter().filter(|f| f.is_some()).count() >= 5, "{a:?}");
    }
}
