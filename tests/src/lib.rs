//! Shared helpers for lever-namely's end-to-end tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lever_namely::Plugin;

/// The repository's `tests/` directory.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A fixture file's text, from `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = tests_dir().join("fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A fresh directory under the system's temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `lever-namely-{prefix}-{pid}-{nanos}`, created now.
    pub fn new(prefix: &str) -> TempDir {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("lever-namely-{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The embedded component, compiled once per test binary.
pub fn plugin() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| Plugin::embedded().expect("the embedded component loads"))
}

/// A current-thread runtime for driving the async host from a plain test.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

pub mod webdriver;

pub mod service_harness {
    //! `serve` running on loopback against fresh simulators, with its journal
    //! in a temporary directory and quick workers.

    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use lever_namely::config::RecordTypeSetting;
    use lever_namely::console::Console;
    use lever_namely::serve::{self, Service};
    use lever_namely_service::journal::Journal;
    use lever_namely_service::webhook::VerifierConfig;
    use lever_namely_simulators::Simulators;

    use crate::sync_harness::{config, syncer};
    use crate::TempDir;

    /// A running service and what it runs against.
    pub struct Running {
        pub rt: tokio::runtime::Runtime,
        pub sims: Simulators,
        pub journal: Arc<Journal>,
        pub addr: SocketAddr,
        pub _dir: TempDir,
    }

    /// Start the demo simulators and `serve` (2 workers) on a free port.
    pub fn start(name: &str, verifier: VerifierConfig, console: Option<Console>) -> Running {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let sims = rt.block_on(Simulators::start_demo()).unwrap();
        let dir = TempDir::new(name);
        let journal = Arc::new(Journal::open(dir.0.join("journal.db")).unwrap());
        let service = Arc::new(Service {
            journal: journal.clone(),
            syncer: syncer(&sims, config(&sims, RecordTypeSetting::Hris)),
            verifier,
            metrics: Default::default(),
            hire_stage: None,
            hired_reason: Some(sims.lever.hired_reason_id()),
            workers: 2,
            poll: Duration::from_millis(20),
            lease: Duration::from_secs(60),
            console,
        });
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(serve::run(service, listener));
        Running { rt, sims, journal, addr, _dir: dir }
    }
}

pub mod sync_harness {
    //! A syncer wired to freshly started simulators, with fast retries.

    use lever_namely::config::{Config, LeverSettings, NamelySettings, RecordTypeSetting, SandboxSettings, SyncSettings};
    use lever_namely::credentials::{Credentials, Secret};
    use lever_namely::sync::Syncer;
    use lever_namely_simulators::Simulators;

    /// A config pointing at the simulators, loopback allowed, retries quick.
    pub fn config(sims: &Simulators, record_type: RecordTypeSetting) -> Config {
        Config {
            record_type: Some(record_type),
            timezone: Some("America/Los_Angeles".into()),
            lever: LeverSettings { base_url: Some(sims.lever.base_url()), ..LeverSettings::default() },
            namely: NamelySettings { company_url: None, base_url: Some(sims.namely.base_url()), access_token_env: None },
            sandbox: SandboxSettings { allow_loopback: true, ..Default::default() },
            sync: SyncSettings {
                http_timeout_ms: 5_000,
                max_attempts: 6,
                retry_base_delay_ms: 10,
                retry_max_delay_ms: 300,
                deadline_secs: 120,
                lever_requests_per_second: 0.0,
            },
            ..Config::default()
        }
    }

    /// The simulators' own credentials, as the environment would give them.
    pub fn credentials(sims: &Simulators) -> Credentials {
        Credentials { lever_api_key: Secret::new(sims.lever.api_key()), namely_access_token: Secret::new(sims.namely.token()) }
    }

    /// A syncer for `config` against `sims`.
    pub fn syncer(sims: &Simulators, config: Config) -> Syncer {
        Syncer::new(crate::plugin().clone(), config, credentials(sims)).expect("a valid config")
    }
}

/// A webhook delivery as Lever sends it, signed with `key`, for an
/// opportunity archived with the archive reason `reason`.
pub fn lever_delivery(event: &str, opportunity: &str, triggered_at: i64, token: &str, key: &str, reason: &str) -> Vec<u8> {
    use lever_namely_service::webhook::signature;
    let sig = signature::sign(&lever_namely_service::Secret::new(key), token, &triggered_at.to_string());
    serde_json::json!({
        "triggeredAt": triggered_at, "event": event, "signature": sig, "token": token,
        "data": {"opportunityId": opportunity, "candidateId": opportunity, "contactId": "c",
                 "toArchived": {"archivedAt": triggered_at, "reason": reason}, "fromArchived": null}
    })
    .to_string()
    .into_bytes()
}

/// An HTTP server on loopback that answers every request with
/// `302 Found` to `location`. Returns its base URL and a hit counter.
pub async fn redirector(location: &str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (location, counter) = (location.to_string(), hits.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let location = location.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let reply = format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = sock.write_all(reply.as_bytes()).await;
                // Close gracefully: read what the client still sends, so the
                // close is a FIN and not a reset.
                let _ = sock.shutdown().await;
                let mut rest = Vec::new();
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), sock.read_to_end(&mut rest)).await;
            });
        }
    });
    (format!("http://{addr}/v1"), hits)
}

/// POST a body to `http://addr/path` over a fresh connection; returns the
/// status and the response body.
pub async fn post(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // Write and read at once, and let the write fail: a server that refuses
    // an oversized body answers before reading it all and closes, so the
    // rest of the body meets a closed socket (EPIPE) while the answer is
    // already on its way back.
    let (mut rd, mut wr) = sock.split();
    let mut payload = head.into_bytes();
    payload.extend_from_slice(body);
    let write = async move {
        let _ = wr.write_all(&payload).await;
    };
    let mut out = Vec::new();
    let read = async {
        let mut buf = [0u8; 8192];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::join!(write, read);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}
