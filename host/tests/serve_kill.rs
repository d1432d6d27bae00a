//! `lever-namely serve` killed with SIGKILL in the middle of syncs, then
//! restarted: no hire is lost and none is created twice.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lever_namely_service::journal::{Journal, Status};
use lever_namely_service::webhook::signature;
use lever_namely_service::Secret;
use lever_namely_simulators::{demo_opportunity_id, NewHire, Simulators};

const HOOK_TOKEN: &str = "kill-test-signature-token";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spawn(config: &PathBuf, sims: &Simulators) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lever-namely"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("KILL_LEVER_KEY", sims.lever.api_key())
        .env("KILL_NAMELY_TOKEN", sims.namely.token())
        .env("KILL_HOOK_TOKEN", HOOK_TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts")
}

fn post(port: u16, body: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let req = format!("POST /webhooks/lever HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_whitespace().nth(1)?.parse().ok()
}

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_killed_service_finishes_every_hire_after_a_restart_without_duplicates() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sims = rt.block_on(Simulators::start_demo()).unwrap();
    let mut ids = vec![demo_opportunity_id().to_string()];
    for n in 1..10 {
        ids.push(sims.lever.add_hire(NewHire::numbered(n)));
    }
    // Slow enough that syncs are in flight when the process dies.
    sims.lever.faults().set_latency(Duration::from_millis(40));
    sims.namely.faults().set_latency(Duration::from_millis(40));

    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("lever-namely-kill-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal_path = dir.join("journal.db");
    let port = free_port();
    let config = dir.join("lever-namely.toml");
    std::fs::write(&config, format!(
        "[lever]\nbase_url = \"{}\"\napi_key_env = \"KILL_LEVER_KEY\"\nwebhook_tokens = {{ candidateHired = \"KILL_HOOK_TOKEN\" }}\n\
         [namely]\nbase_url = \"{}\"\naccess_token_env = \"KILL_NAMELY_TOKEN\"\n[sandbox]\nallow_loopback = true\n\
         [sync]\nretry_base_delay_ms = 10\nlever_requests_per_second = 50\n[serve]\nlisten = \"127.0.0.1:{port}\"\njournal = \"{}\"\nworkers = 2\nlease_secs = 2\nreconcile_every_mins = 0\n",
        sims.lever.base_url(), sims.namely.base_url(), journal_path.display())).unwrap();

    let mut child = spawn(&config, &sims);
    wait_until("serve listens", Duration::from_secs(60), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    for (i, id) in ids.iter().enumerate() {
        let token = format!("tok-{i}");
        let sig = signature::sign(&Secret::new(HOOK_TOKEN), &token, &t.to_string());
        let body = serde_json::json!({"triggeredAt": t, "event": "candidateHired", "signature": sig, "token": token,
            "data": {"opportunityId": id, "candidateId": id, "contactId": "c"}}).to_string();
        assert_eq!(post(port, &body), Some(200), "delivery {i} acknowledged");
    }
    // Kill it as soon as the first profiles exist: the rest are mid-flight or queued.
    wait_until("a first profile exists", Duration::from_secs(60), || !sims.namely.profiles().is_empty());
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = sims.namely.profiles().len();
    assert!(before < ids.len(), "the kill came before every hire was synced ({before})");

    let mut child = spawn(&config, &sims);
    let journal = Journal::open(&journal_path).unwrap();
    wait_until("every hire is done", Duration::from_secs(90), || {
        ids.iter().all(|id| journal.hire(id).unwrap().is_some_and(|h| h.status == Status::Done))
    });
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(sims.namely.profiles().len(), ids.len(), "one profile per hire");
    for id in &ids {
        assert_eq!(sims.lever.notes(id).len(), 1, "one note for {id}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
