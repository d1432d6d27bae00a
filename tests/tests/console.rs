//! The operator console: served by `serve` under `/console`, checked over
//! plain HTTP and in a real headless Chromium.

use std::time::{Duration, Instant};

use lever_namely::config::Config;
use lever_namely::console::Console;
use lever_namely::serve::{self, WEBHOOK_PATH};
use lever_namely_service::journal::Status;
use lever_namely_service::webhook::VerifierConfig;
use lever_namely_service::Secret;
use lever_namely_simulators::{demo_opportunity_id, NewHire};
use lever_namely_tests::webdriver::Browser;
use lever_namely_tests::service_harness::{self, Running};
use lever_namely_tests::{lever_delivery, post};
use serde_json::json;

const TOKEN: &str = "hired-signature-token";
const PASSWORD: &str = "console-test-password";
/// `Basic base64("admin:console-test-password")`.
const AUTH: &str = "Basic YWRtaW46Y29uc29sZS10ZXN0LXBhc3N3b3Jk";

fn start() -> Running {
    service_harness::start("console", VerifierConfig::new([("candidateHired", Secret::new(TOKEN))]), Some(Console::new(PASSWORD).unwrap()))
}

/// What the tests do with a running service.
trait Drive {
    fn hire(&self, opportunity: &str);
    fn settled(&self, opportunity: &str) -> Status;
    fn get(&self, path: &str, auth: Option<&str>) -> (u16, String);
    fn raw(&self, request: &str) -> (u16, String);
}

impl Drive for Running {
    fn hire(&self, opportunity: &str) {
        let body = lever_delivery("candidateHired", opportunity, serve::worker::now_ms(), "tok", TOKEN, lever_namely_simulators::HIRED_REASON_ID);
        let (status, text) = self.rt.block_on(post(self.addr, WEBHOOK_PATH, &body));
        assert_eq!(status, 200, "{text}");
    }

    /// Wait (bounded) until the hire has a final status, and return it.
    fn settled(&self, opportunity: &str) -> Status {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(h) = self.journal.hire(opportunity).unwrap().filter(|h| matches!(h.status, Status::Done | Status::Failed | Status::NotHired)) {
                return h.status;
            }
            assert!(Instant::now() < deadline, "{opportunity} did not settle: {:?}", self.journal.hire(opportunity).unwrap());
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// A GET with optional `Authorization`: (status, headers and body).
    fn get(&self, path: &str, auth: Option<&str>) -> (u16, String) {
        self.raw(&format!("GET {path} HTTP/1.1\r\nHost: {}\r\n{}Connection: close\r\n\r\n", self.addr, auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default()))
    }

    fn raw(&self, request: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(self.addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        (out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), out)
    }
}

#[test]
fn the_console_needs_the_password_and_is_not_served_without_one() {
    let r = start();
    let (status, text) = r.get("/console", None);
    assert_eq!(status, 401, "{text}");
    assert!(text.to_lowercase().contains("www-authenticate: basic realm=\"lever-namely console\""), "{text}");
    assert_eq!(r.get("/console", Some("Basic YWRtaW46d3Jvbmc=")).0, 401);
    let (status, text) = r.get("/console", Some(AUTH));
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("<h1>Hires</h1>") && text.to_lowercase().contains("content-security-policy: default-src 'none'"), "{text}");
    // Never a secret on a page: not the password, not the API credentials.
    for secret in [PASSWORD.to_string(), r.sims.lever.api_key(), r.sims.namely.token()] {
        assert!(!text.contains(&secret));
    }
    // On without a password: refused, naming the variable to set.
    let cfg = Config::parse("[serve]\nconsole = true\nconsole_password_env = \"LEVER_NAMELY_TEST_UNSET_PASSWORD\"\n").unwrap();
    let e = Console::from_config(&cfg).err().expect("a console without a password is refused").to_string();
    assert!(e.contains("LEVER_NAMELY_TEST_UNSET_PASSWORD"), "{e}");
    assert!(Console::from_config(&Config::default()).unwrap().is_none(), "off by default");
}

#[test]
fn a_forged_replay_is_refused() {
    let r = start();
    let opp = demo_opportunity_id();
    r.hire(opp);
    r.settled(opp);
    let attempts = r.journal.attempts(opp).unwrap().len();
    for (origin, token) in [("", "not-the-token"), ("Origin: https://evil.example\r\n", "")] {
        let body = format!("csrf={token}");
        let request = format!(
            "POST /console/hires/{opp}/replay HTTP/1.1\r\nHost: {}\r\nAuthorization: {AUTH}\r\n{origin}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            r.addr,
            body.len()
        );
        assert_eq!(r.raw(&request).0, 403);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(r.journal.attempts(opp).unwrap().len(), attempts, "no replay happened");
}

#[test]
fn a_hires_journey_in_a_real_browser() {
    let browser = match Browser::start() {
        Ok(b) => b,
        Err(e) if std::env::var_os("LEVER_NAMELY_SKIP_BROWSER_TESTS").is_some() => return eprintln!("skipped: {e}"),
        Err(e) => panic!("{e}\n(set LEVER_NAMELY_SKIP_BROWSER_TESTS=1 to skip the browser tests on a machine without Chromium)"),
    };
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let r = start();
    let base = format!("http://{}", r.addr);
    // One hire syncs; one fails for a missing last name.
    let good = demo_opportunity_id().to_string();
    let bad = r.sims.lever.add_hire(NewHire::numbered(7));
    r.sims.lever.update_opportunity(&bad, |o| o["name"] = json!("Cher"));
    r.sims.lever.update_forms(&bad, |f| f.clear());
    r.hire(&good);
    r.hire(&bad);
    assert_eq!(r.settled(&good), Status::Done);
    assert_eq!(r.settled(&bad), Status::Failed);

    // Without credentials, nothing of the console reaches the browser (it
    // gets the 401 challenge, which headless Chromium shows as a blank page).
    browser.authorization(None);
    browser.goto(&format!("{base}/console"));
    let page = browser.source();
    assert!(!page.contains("Hires") && !page.contains(&good), "{page}");

    browser.authorization(Some(AUTH));
    browser.goto(&format!("{base}/console"));
    browser.screenshot(&shots.join("console-list.png"));
    let row = |id: &str| format!("tr[data-opportunity=\"{id}\"]");
    assert!(browser.text(&row(&good)).contains("synced"), "{}", browser.text(&row(&good)));
    assert!(browser.text(&row(&bad)).contains("failed"));

    // Search by email finds the synced hire alone.
    let profile = r.sims.namely.profiles()[0].clone();
    let email = profile["email"].as_str().unwrap().to_string();
    browser.type_into("#q", &email);
    browser.click("button[type=submit]");
    browser.wait_for_url("q=");
    let list = browser.source();
    assert!(list.contains(&good) && !list.contains(&bad), "searching {email}");

    // The synced hire's page links its Namely profile and shows what was sent.
    browser.click(&format!("{} a", row(&good)));
    browser.wait_for_url("/console/hires/");
    assert_eq!(browser.text("#namely-id"), profile["id"].as_str().unwrap());
    let link = browser.attribute("#namely-link", "href").unwrap_or_default();
    assert!(link.contains(profile["id"].as_str().unwrap()), "{link}");
    let page = browser.source();
    assert!(page.contains("The Namely request (profile created)") && page.contains("The note posted on the Lever candidate"), "{page}");

    // The failed hire says what to fix; Replay after the fix turns it green.
    browser.goto(&format!("{base}/console/hires/{bad}"));
    assert!(browser.text(".fix").contains("last_name"), "{}", browser.text(".fix"));
    browser.screenshot(&shots.join("console-failed.png"));
    browser.click("form[action$=\"/plan\"] button");
    browser.wait_for_url("/plan");
    assert!(browser.source().contains("Nothing was written"), "{}", browser.source());
    r.sims.lever.update_opportunity(&bad, |o| o["name"] = json!("Cher Sarkisian"));
    browser.goto(&format!("{base}/console/hires/{bad}"));
    browser.click("form[action$=\"/replay\"] button");
    browser.wait_for_url("?replayed=1");
    assert_eq!(r.settled(&bad), Status::Done);
    // The journal says done; the page says so too (reloaded until it has
    // loaded fresh, as an operator would).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        browser.goto(&format!("{base}/console/hires/{bad}"));
        let page = browser.source();
        if page.contains("<span class=\"status synced\">synced</span>") {
            break;
        }
        assert!(Instant::now() < deadline, "the page never showed the hire synced:\n{page}");
        std::thread::sleep(Duration::from_millis(200));
    }
    browser.screenshot(&shots.join("console-hire.png"));
}
