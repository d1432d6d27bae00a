//! The sync's retry and no-duplicate rules, natively, over a scripted transport.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use serde_json::json;

use super::api::{Api, Client};
use super::settings::Settings;
use super::transport::{Request, Response, Transport, TransportError};
use crate::types::{MapOptions, RecordType};

/// Answers requests from a script, in order, per method and URL prefix.
#[derive(Default)]
struct Scripted {
    script: RefCell<Vec<(&'static str, &'static str, VecDeque<Result<Response, TransportError>>)>>,
    sent: RefCell<Vec<(String, String)>>,
    /// Each request's `Authorization` header, in order.
    authorization: RefCell<Vec<Option<String>>>,
    slept: RefCell<Vec<Duration>>,
}

impl Scripted {
    fn on(self, method: &'static str, prefix: &'static str, answers: Vec<Result<Response, TransportError>>) -> Self {
        self.script.borrow_mut().push((method, prefix, answers.into()));
        self
    }
    fn count(&self, method: &str, prefix: &str) -> usize {
        self.sent.borrow().iter().filter(|(m, u)| m == method && u.starts_with(prefix)).count()
    }
}

impl Transport for Scripted {
    async fn send(&self, r: Request) -> Result<Response, TransportError> {
        self.sent.borrow_mut().push((r.method.to_string(), r.url.clone()));
        let auth = r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).map(|(_, v)| v.clone());
        self.authorization.borrow_mut().push(auth);
        let mut script = self.script.borrow_mut();
        let entry = script.iter_mut().find(|(m, p, q)| *m == r.method && r.url.starts_with(p) && !q.is_empty());
        entry.and_then(|(_, _, q)| q.pop_front()).unwrap_or_else(|| Err(TransportError::Failed(format!("unscripted {} {}", r.method, r.url))))
    }
    async fn sleep(&self, d: Duration) {
        self.slept.borrow_mut().push(d);
    }
    fn now_unix_secs(&self) -> u64 {
        1_800_000_000
    }
}

fn ok(status: u16, body: serde_json::Value) -> Result<Response, TransportError> {
    Ok(Response { status, headers: vec![], body: body.to_string().into_bytes() })
}

fn with_header(status: u16, name: &str, value: &str) -> Result<Response, TransportError> {
    Ok(Response { status, headers: vec![(name.into(), value.into())], body: b"{}".to_vec() })
}

fn settings() -> Settings {
    Settings {
        lever_base: "https://lever.test/v1".into(),
        namely_base: "https://acme.namely.com/api/v1".into(),
        options: MapOptions { record_type: RecordType::Hris, timezone: None, employee_types: vec![], salary_currencies: vec![], offer_identifiers: vec![], form_title: None },
        failure_notes: false,
        timeout: Duration::from_secs(5),
        max_attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(10),
        profile_index: None,
        credentials: Default::default(),
    }
}

fn mapping() -> crate::types::Mapping {
    let c = crate::types::HiredCandidate {
        opportunity_id: "o".into(), name: "Ada Lovelace".into(), emails: vec!["ada@example.com".into()], phones: vec![], links: vec![],
        hired: true, archived_at: Some(0), offer: None, namely_form: None, requisition: None, posting: None, resume: None,
    };
    crate::mapping::map_candidate(&c, &crate::types::NamelyContext { job_titles: None }, &settings().options).unwrap()
}

const PROFILES: &str = "https://acme.namely.com/api/v1/profiles";

#[test]
fn a_create_that_timed_out_but_happened_is_found_not_repeated() {
    let t = Scripted::default()
        .on("POST", PROFILES, vec![Err(TransportError::Timeout("first byte".into()))])
        .on("GET", PROFILES, vec![ok(200, json!({"profiles": [{"id": "p-1", "email": "ADA@example.com"}]})), ok(200, json!({"profiles": []}))]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    assert_eq!(pollster::block_on(super::create_once(&c, &mapping())).unwrap(), "p-1");
    assert_eq!(t.count("POST", PROFILES), 1);
}

#[test]
fn a_create_that_failed_is_retried_only_after_looking() {
    let t = Scripted::default()
        .on("POST", PROFILES, vec![ok(503, json!({})), ok(201, json!({"profiles": [{"id": "p-2"}]}))])
        .on("GET", PROFILES, vec![ok(200, json!({"profiles": []})), ok(200, json!({"profiles": []}))]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    assert_eq!(pollster::block_on(super::create_once(&c, &mapping())).unwrap(), "p-2");
    assert_eq!(t.count("POST", PROFILES), 2);
    assert_eq!(t.count("GET", PROFILES), 2, "looked by work and personal email before the second POST");
}

#[test]
fn a_rejected_create_is_not_retried() {
    let t = Scripted::default().on("POST", PROFILES, vec![ok(422, json!({"message": "error creating profile", "errors": ["ada@example.com is already taken"]}))]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    let e = pollster::block_on(super::create_once(&c, &mapping())).unwrap_err();
    assert!(e.reason().contains("already taken") && !e.retryable(), "{}", e.reason());
    assert_eq!(t.count("POST", PROFILES), 1);
}

#[test]
fn reads_wait_as_the_server_asks() {
    let url = "https://lever.test/v1/archive_reasons";
    let t = Scripted::default().on("GET", url, vec![
        with_header(429, "Retry-After", "7"),
        with_header(429, "X-RateLimit-Reset", "3"),
        with_header(429, "X-RateLimit-Reset", "1800000002"),
        ok(200, json!({"data": []})),
    ]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    pollster::block_on(c.get_json(Api::Lever, "the archive reasons", url.into())).unwrap();
    assert_eq!(*t.slept.borrow(), vec![Duration::from_secs(7), Duration::from_secs(3), Duration::from_secs(2)]);
}

#[test]
fn namely_throttling_and_malformed_bodies_are_retried_then_reported() {
    let url = "https://acme.namely.com/api/v1/job_titles";
    let bad = Ok(Response { status: 200, headers: vec![], body: b"{\"job_ti".to_vec() });
    let t = Scripted::default().on("GET", url, vec![ok(406, json!({})), bad.clone(), bad.clone(), bad]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    let e = pollster::block_on(c.get_json(Api::Namely, "listing job titles", url.into())).unwrap_err();
    assert!(e.reason().contains("unreadable") && e.retryable(), "{}", e.reason());
    assert_eq!(t.count("GET", url), 4);
    assert_eq!(t.slept.borrow().len(), 3);
}

#[test]
fn permission_errors_are_not_retried_and_say_what_to_fix() {
    let url = "https://lever.test/v1/opportunities/o";
    let t = Scripted::default().on("GET", url, vec![ok(401, json!({"code": "Unauthorized", "message": "bad key"}))]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    let e = pollster::block_on(c.get_json(Api::Lever, "the opportunity", url.into())).unwrap_err();
    assert!(!e.retryable() && e.reason().contains("API key"), "{}", e.reason());
    assert_eq!(t.count("GET", url), 1);
}

#[test]
fn a_prefetched_index_replaces_the_lookups() {
    let t = Scripted::default();
    let mut s = settings();
    s.profile_index = Some([("ada@example.com".to_string(), "p-9".to_string())].into_iter().collect());
    let c = Client { transport: &t, settings: &s };
    let found = pollster::block_on(c.namely_find("ADA@example.com", None)).unwrap().unwrap();
    assert_eq!((found.id.as_str(), found.matched_by), ("p-9", "email"));
    assert_eq!(pollster::block_on(c.namely_find("bob@example.com", Some("b@home.org"))).unwrap(), None);
    assert!(t.sent.borrow().is_empty(), "no request was sent");
}

#[test]
fn after_a_lost_create_namely_itself_is_asked_not_the_index() {
    let t = Scripted::default()
        .on("POST", PROFILES, vec![Err(TransportError::Timeout("first byte".into()))])
        .on("GET", PROFILES, vec![ok(200, json!({"profiles": [{"id": "p-1", "email": "ada@example.com"}]})), ok(200, json!({"profiles": []}))]);
    let mut s = settings();
    s.profile_index = Some(Default::default());
    let c = Client { transport: &t, settings: &s };
    assert_eq!(pollster::block_on(super::create_once(&c, &mapping())).unwrap(), "p-1");
    assert_eq!(t.count("POST", PROFILES), 1);
}

const NOTES: &str = "https://lever.test/v1/opportunities/o/notes";

fn proxy_page() -> Result<Response, TransportError> {
    Ok(Response { status: 200, headers: vec![("content-type".into(), "text/html".into())], body: b"<html>busy</html>".to_vec() })
}

#[test]
fn a_note_answered_by_a_page_that_is_not_lever_json_is_looked_for_then_posted() {
    // The soak found this: a 200 proxy page was taken as "posted", so the note was missing in Lever.
    let t = Scripted::default()
        .on("POST", NOTES, vec![proxy_page(), ok(201, json!({"data": {"id": "n-1", "noteId": "n-1"}}))])
        .on("GET", NOTES, vec![ok(200, json!({"data": [], "hasNext": false}))]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    assert!(pollster::block_on(super::post_note_once(&c, "o", "synced")));
    assert_eq!((t.count("POST", NOTES), t.count("GET", NOTES)), (2, 1));
}

#[test]
fn a_note_whose_answer_was_mangled_after_it_was_stored_is_not_posted_twice() {
    let stored = json!({"data": [{"id": "n-1", "fields": [{"value": "synced"}]}], "hasNext": false});
    let t = Scripted::default().on("POST", NOTES, vec![proxy_page()]).on("GET", NOTES, vec![ok(200, stored)]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    assert!(pollster::block_on(super::post_note_once(&c, "o", "synced")));
    assert_eq!(t.count("POST", NOTES), 1);
}

#[test]
fn a_resume_attach_answered_by_a_page_that_is_not_namely_json_is_an_error() {
    let t = Scripted::default().on("PUT", PROFILES, vec![proxy_page()]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    let e = pollster::block_on(c.namely_set_resume("p-1", "f-1")).unwrap_err();
    assert!(e.reason().contains("attaching the resume") && e.retryable(), "{}", e.reason());
}

#[test]
fn resume_uploads_and_attaches_are_retried_until_they_take() {
    const FILES: &str = "https://acme.namely.com/api/v1/files";
    let t = Scripted::default()
        .on("POST", FILES, vec![ok(503, json!({})), Err(TransportError::Failed("connection reset".into())), ok(200, json!({"files": [{"id": "f-1"}]}))])
        .on("PUT", PROFILES, vec![proxy_page(), ok(200, json!({"profiles": [{"id": "p-1"}]}))]);
    let s = settings();
    let c = Client { transport: &t, settings: &s };
    let upload = pollster::block_on(c.retrying(Api::Namely, "upload", async || c.namely_upload("cv.pdf", "application/pdf", b"%PDF".to_vec()).await));
    assert_eq!(upload.unwrap(), "f-1");
    assert!(pollster::block_on(c.retrying(Api::Namely, "attach", async || c.namely_set_resume("p-1", "f-1").await)).is_ok());
    assert_eq!((t.count("POST", FILES), t.count("PUT", PROFILES)), (3, 2));
    // A refusal is final: asked once, never again.
    let t = Scripted::default().on("POST", FILES, vec![ok(422, json!({"message": "unsupported file type"}))]);
    let c = Client { transport: &t, settings: &s };
    assert!(pollster::block_on(c.retrying(Api::Namely, "upload", async || c.namely_upload("cv.exe", "x", vec![]).await)).is_err());
    assert_eq!(t.count("POST", FILES), 1);
}

#[test]
fn fallback_tokens_go_only_to_their_own_api() {
    use super::settings::{FallbackCredentials, Settings as S};
    let get = |k: &str| match k {
        "lever.base_url" => Some("https://lever.test/v1".to_string()),
        "namely.base_url" => Some("https://acme.namely.com/api/v1".to_string()),
        "lever.api_key" => Some("lk".to_string()),
        "namely.access_token" => Some("nt".to_string()),
        _ => None,
    };
    let s = S::read(get).unwrap();
    let t = Scripted::default()
        .on("GET", "https://lever.test/v1/", vec![ok(200, json!({}))])
        .on("GET", "https://acme.namely.com/api/v1/", vec![ok(200, json!({}))])
        .on("GET", "https://lever.test/v1.evil", vec![ok(200, json!({}))])
        .on("GET", "https://files.example/", vec![ok(200, json!({}))]);
    let c = Client { transport: &t, settings: &s };
    pollster::block_on(async {
        c.get_json(Api::Lever, "x", "https://lever.test/v1/opportunities/o".into()).await.unwrap();
        c.get_json(Api::Namely, "x", "https://acme.namely.com/api/v1/profiles".into()).await.unwrap();
        // A look-alike host and a URL outside the base never see a token.
        c.get_json(Api::Lever, "x", "https://lever.test/v1.evil/o".into()).await.unwrap();
        c.get_json(Api::Lever, "x", "https://files.example/resume.pdf".into()).await.unwrap();
    });
    // "lk:" in base64 is "bGs6".
    assert_eq!(*t.authorization.borrow(), vec![Some("Basic bGs6".into()), Some("Bearer nt".into()), None, None]);

    // Without fallback tokens (the reference host), nothing is added.
    let plain = Settings { credentials: FallbackCredentials::default(), ..settings() };
    let t = Scripted::default().on("GET", "https://lever.test/v1/", vec![ok(200, json!({}))]);
    pollster::block_on(Client { transport: &t, settings: &plain }.get_json(Api::Lever, "x", "https://lever.test/v1/o".into())).unwrap();
    assert_eq!(*t.authorization.borrow(), vec![None]);
}
