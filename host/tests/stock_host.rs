//! The component on a host we did not write: the stock `wasmtime` 48 CLI
//! (`wasmtime serve`) runs the plugin, and a tenant build, as a Lever webhook
//! endpoint against the simulators. A signed webhook creates the Namely
//! profile and the Lever note; a second delivery creates nothing more.
//!
//! The CLI is found as `$WASMTIME`, else `wasmtime` on the PATH or in
//! `~/.cargo/bin`; `bash tests/setup-wasmtime.sh` installs it (the README's
//! test command runs that first).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lever_namely_service::webhook::signature;
use lever_namely_service::Secret;
use lever_namely_simulators::{demo_opportunity_id, Simulators};

const SIGNATURE_TOKEN: &str = "stock-host-signature-token";

fn wasmtime() -> PathBuf {
    let candidates = std::env::var_os("WASMTIME").map(PathBuf::from).into_iter().chain(
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join("wasmtime")).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/wasmtime"));
    candidates.chain(home).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("the stock wasmtime CLI is not installed; install it with `bash tests/setup-wasmtime.sh` (or set WASMTIME=/path/to/wasmtime)")
    })
}

/// `wasmtime serve` on a free loopback port, killed when dropped.
struct StockHost {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for StockHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl StockHost {
    fn start(component: &std::path::Path, settings: &[(String, String)]) -> StockHost {
        let wasmtime = wasmtime();
        let version = Command::new(&wasmtime).arg("--version").output().expect("wasmtime runs");
        assert!(String::from_utf8_lossy(&version.stdout).contains("48."), "expected wasmtime 48: {version:?}");
        // A port the OS just handed out; wasmtime binds it a moment later.
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let log = std::env::temp_dir().join(format!("lever-namely-wasmtime-serve-{}-{}.log", std::process::id(), addr.port()));
        let mut cmd = Command::new(&wasmtime);
        cmd.args(["serve", "--addr", &addr.to_string(), "-S", "cli", "-S", "config"]);
        for (k, v) in settings {
            cmd.args(["-S", &format!("config-var={k}={v}")]);
        }
        cmd.arg(component).stdin(Stdio::null()).stdout(std::fs::File::create(&log).unwrap()).stderr(std::fs::File::create(log.with_extension("err")).unwrap());
        let child = cmd.spawn().expect("wasmtime serve starts");
        let host = StockHost { child, addr, log };
        // wasmtime compiles the component before it listens.
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "wasmtime serve did not listen on {addr}: {}", host.output());
            std::thread::sleep(Duration::from_millis(100));
        }
        host
    }

    fn output(&self) -> String {
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        format!("stdout: {}\nstderr: {}", read(self.log.clone()), read(self.log.with_extension("err")))
    }

    /// POST `body` to the endpoint; the status and the JSON answer.
    fn post(&self, body: &[u8]) -> (u16, serde_json::Value) {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let head = format!(
            "POST /webhooks/lever HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        // The body may be chunked: the JSON is the text between the first '{' and the last '}'.
        let json = match (text.find("\r\n\r\n").and_then(|h| text[h..].find('{').map(|i| h + i)), text.rfind('}')) {
            (Some(a), Some(b)) if b > a => serde_json::from_str(&text[a..=b]).unwrap_or(serde_json::Value::Null),
            _ => serde_json::Value::Null,
        };
        assert!(status != 0, "no answer from wasmtime serve: {text:?}\n{}", self.output());
        (status, json)
    }
}

/// A `candidateHired` delivery signed as Lever signs it.
fn hired(opportunity: &str, key: &str) -> Vec<u8> {
    let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let token = "a1b2c3d4e5f6";
    serde_json::json!({
        "triggeredAt": at, "event": "candidateHired", "token": token,
        "signature": signature::sign(&Secret::new(key), token, &at.to_string()),
        "data": {"opportunityId": opportunity, "candidateId": opportunity, "contactId": "c"}
    })
    .to_string()
    .into_bytes()
}

fn simulators() -> (tokio::runtime::Runtime, Simulators) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sims = rt.block_on(Simulators::start_demo()).expect("simulators start");
    (rt, sims)
}

/// The secrets a stock host hands the component through wasi:config/store.
fn secrets(sims: &Simulators) -> Vec<(String, String)> {
    vec![
        ("lever.api_key".into(), sims.lever.api_key()),
        ("namely.access_token".into(), sims.namely.token()),
        ("lever.webhook_signature_token".into(), SIGNATURE_TOKEN.into()),
    ]
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lever-namely-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn wasmtime_serve_runs_the_plugin_and_a_signed_webhook_creates_the_profile() {
    let (_rt, sims) = simulators();
    let dir = tempdir("stock-plugin");
    let plugin = dir.join("lever-namely.wasm");
    std::fs::write(&plugin, lever_namely::EMBEDDED_PLUGIN).unwrap();
    let mut settings = vec![("lever.base_url".to_string(), sims.lever.base_url()), ("namely.base_url".to_string(), sims.namely.base_url())];
    settings.extend(secrets(&sims));
    let host = StockHost::start(&plugin, &settings);

    // A forged delivery is refused and nothing is written.
    let (status, answer) = host.post(&hired(demo_opportunity_id(), "not-the-token"));
    assert_eq!(status, 401, "{answer}\n{}", host.output());
    assert!(sims.namely.profiles().is_empty());

    let (status, answer) = host.post(&hired(demo_opportunity_id(), SIGNATURE_TOKEN));
    assert_eq!(status, 200, "{answer}\n{}", host.output());
    assert_eq!(answer["outcome"], "created", "{answer}");
    let profiles = sims.namely.profiles();
    assert_eq!(profiles.len(), 1);
    assert_eq!(answer["namely_id"], profiles[0]["id"]);
    assert_eq!(profiles[0]["user_status"], "active");
    assert_eq!(sims.namely.files().len(), 1, "the resume was uploaded");
    let notes = sims.lever.notes(demo_opportunity_id());
    assert_eq!(notes.len(), 1);
    assert!(notes[0].to_string().contains(profiles[0]["id"].as_str().unwrap()), "{notes:?}");

    // Lever delivers again: nothing is created twice.
    let (status, answer) = host.post(&hired(demo_opportunity_id(), SIGNATURE_TOKEN));
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("already-synced")), "{answer}");
    assert_eq!(sims.namely.profiles().len(), 1);
    assert_eq!(sims.lever.notes(demo_opportunity_id()).len(), 1);
}

#[test]
fn wasmtime_serve_runs_a_tenant_build_given_only_the_secrets() {
    let (_rt, sims) = simulators();
    let dir = tempdir("stock-tenant");
    let config = dir.join("acme.toml");
    std::fs::write(
        &config,
        format!(
            "record_type = \"onboarding\"\n[lever]\nbase_url = \"{}\"\n[namely]\nbase_url = \"{}\"\n[sandbox]\nallow_loopback = true\n",
            sims.lever.base_url(),
            sims.namely.base_url()
        ),
    )
    .unwrap();
    let built = dir.join("acme.wasm");
    let o = Command::new(env!("CARGO_BIN_EXE_lever-namely"))
        .args(["build-tenant", "--config", config.to_str().unwrap(), "-o", built.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("build-tenant prints JSON");
    assert_eq!(report["sealed_settings"]["record_type"], "onboarding", "{report}");
    let printed = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(!printed.contains(&sims.namely.token()) && !printed.contains(&sims.lever.api_key()));
    let bytes = std::fs::read(&built).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(&sims.namely.token()), "a secret was sealed in");

    // Only the secrets are given: every other setting is sealed in.
    let host = StockHost::start(&built, &secrets(&sims));
    let (status, answer) = host.post(&hired(demo_opportunity_id(), SIGNATURE_TOKEN));
    assert_eq!(status, 200, "{answer}\n{}", host.output());
    assert_eq!((answer["outcome"].as_str(), answer["record_type"].as_str()), (Some("created"), Some("onboarding")), "{answer}");
    let profiles = sims.namely.profiles();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0]["user_status"], "pending");
}
