//! The sandbox, tested by attack: a hostile component (`tests/adversary`),
//! run by the real host exactly as the real plugin is, tries to escape, and
//! every attempt must be stopped with an error naming the limit or rule.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lever_namely::bindings::sync::SyncOutcome;
use lever_namely::config::{Config, RecordTypeSetting};
use lever_namely::egress::StaticResolver;
use lever_namely::sync::Syncer;
use lever_namely::Plugin;
use lever_namely_simulators::Simulators;
use lever_namely_tests::redirector;
use lever_namely_tests::sync_harness::{config, credentials};

fn adversary() -> Plugin {
    Plugin::from_file(env!("ADVERSARY_WASM").as_ref()).expect("the adversary loads: it imports only what the plugin may")
}

struct Rig {
    rt: tokio::runtime::Runtime,
    sims: Simulators,
}

fn rig() -> Rig {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sims = rt.block_on(Simulators::start_demo()).expect("simulators start");
    Rig { rt, sims }
}

impl Rig {
    fn syncer(&self, config: Config) -> Syncer {
        Syncer::new(adversary(), config, credentials(&self.sims)).expect("a valid config")
    }

    /// Run one attack; its report (the failure reason) and the host's refusals.
    fn attack(&self, syncer: &Syncer, attack: &str) -> anyhow::Result<(String, Vec<String>)> {
        let (outcome, refused) = self.rt.block_on(syncer.run(attack))?;
        match outcome {
            SyncOutcome::Failed(f) => Ok((f.reason, refused)),
            other => panic!("the adversary reports through a failure, got {other:?}"),
        }
    }
}

/// A loopback listener nothing should ever reach; counts connections.
fn trap(rt: &tokio::runtime::Runtime) -> (u16, Arc<AtomicUsize>) {
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    rt.spawn(async move {
        while listener.accept().await.is_ok() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, hits)
}

#[test]
fn a_spinning_component_is_stopped_at_its_cpu_limit() {
    let r = rig();
    let mut c = config(&r.sims, RecordTypeSetting::Hris);
    c.sandbox.cpu_ms = 200;
    let started = Instant::now();
    let e = r.attack(&r.syncer(c), "spin").expect_err("spinning must be stopped");
    let text = format!("{e:#}");
    assert!(text.contains("CPU time limit of 200ms") && text.contains("[sandbox] cpu_ms"), "{text}");
    // Stopped by its CPU limit, long before the sync's 120 s deadline.
    assert!(started.elapsed() < Duration::from_secs(100), "{:?}", started.elapsed());
}

#[test]
fn an_allocating_component_is_trapped_at_its_memory_limit() {
    let r = rig();
    let mut c = config(&r.sims, RecordTypeSetting::Hris);
    c.sandbox.memory_mib = 16;
    let e = r.attack(&r.syncer(c), "allocate").expect_err("allocating without end must trap");
    let text = format!("{e:#}");
    assert!(text.contains("memory limit of 16 MiB") && text.contains("[sandbox] memory_mib"), "{text}");
}

#[test]
fn a_component_waiting_forever_is_stopped_at_the_sync_deadline() {
    let r = rig();
    let mut c = config(&r.sims, RecordTypeSetting::Hris);
    c.sync.deadline_secs = 1;
    let e = r.attack(&r.syncer(c), "sleep").expect_err("sleeping must be stopped");
    let text = format!("{e:#}");
    assert!(text.contains("deadline of 1s") && text.contains("[sync] deadline_secs"), "{text}");
}

/// The report's line for `target`'s first hop.
fn line<'a>(report: &'a str, target: &str) -> &'a str {
    report.lines().find(|l| l.starts_with(&format!("{target} hop 0"))).unwrap_or_else(|| panic!("no line for {target} in:\n{report}"))
}

#[test]
fn allowed_names_that_resolve_inside_and_every_other_way_out_are_denied() {
    let r = rig();
    let (trap_port, trap_hits) = trap(&r.rt);
    let mut c = config(&r.sims, RecordTypeSetting::Hris);
    // Lever and Namely are "allowed" by name, but their DNS points inside.
    c.sandbox.allow_loopback = false;
    c.lever.base_url = Some("https://rebound.test/v1".into());
    c.namely.base_url = Some("https://metadata.test/api/v1".into());
    let resolver = StaticResolver(vec![
        ("rebound.test".into(), IpAddr::from([127, 0, 0, 1])),
        ("metadata.test".into(), IpAddr::from([169, 254, 169, 254])),
    ]);
    let targets = [
        ("https://rebound.test/v1/opportunities", "DestinationIpProhibited", "rebound.test resolves to 127.0.0.1 is loopback"),
        ("https://metadata.test/api/v1/profiles", "DestinationIpProhibited", "metadata.test resolves to 169.254.169.254 is a cloud metadata address"),
        ("https://evil.example/steal", "HttpRequestDenied", "https://evil.example:443: it is not an allowed destination"),
        ("http://169.254.169.254/latest/meta-data/", "HttpRequestDenied", "http://169.254.169.254:80: it is not an allowed destination"),
        (&format!("http://127.0.0.1:{trap_port}/"), "HttpRequestDenied", "not an allowed destination"),
        (&format!("http://[::ffff:127.0.0.1]:{trap_port}/"), "HttpRequestDenied", "not an allowed destination"),
        ("https://api.lever.co@evil.example/", "HttpRequestDenied", "carries user information"),
    ];
    let list: Vec<String> = targets.iter().map(|(u, _, _)| u.to_string()).collect();
    let s = r.syncer(c).with_resolver(Arc::new(resolver)).with_settings(vec![("adversary.targets".into(), list.join("\n"))]);
    let (report, refused) = r.attack(&s, "egress").unwrap();
    let refused = refused.join("\n");
    for (url, code, why) in targets {
        let seen = line(&report, url);
        assert!(seen.contains(code), "{url}: {seen}");
        assert!(refused.contains(why), "{url}: the host's refusals do not say {why:?}:\n{refused}");
    }
    assert_eq!(trap_hits.load(Ordering::SeqCst), 0, "nothing reached the trap");
}

#[test]
fn redirects_are_checked_hop_by_hop() {
    let r = rig();
    let (trap_port, trap_hits) = trap(&r.rt);
    // Both allowed origins redirect out: one to a loopback port that is not
    // allowed, one to the metadata service.
    let (to_trap, to_trap_hits) = r.rt.block_on(redirector(&format!("http://127.0.0.1:{trap_port}/steal")));
    let (to_metadata, _) = r.rt.block_on(redirector("http://169.254.169.254/latest/meta-data/"));
    let mut c = config(&r.sims, RecordTypeSetting::Hris);
    c.lever.base_url = Some(to_trap.clone());
    c.namely.base_url = Some(to_metadata.clone());
    let targets = format!("{to_trap}/opportunities\n{to_metadata}/profiles");
    let s = r.syncer(c).with_settings(vec![("adversary.targets".into(), targets)]);
    let (report, refused) = r.attack(&s, "egress").unwrap();
    let hops: Vec<&str> = report.lines().collect();
    assert_eq!(hops.len(), 4, "two allowed hops answered 302, two next hops denied:\n{report}");
    assert!(hops[0].contains("302 to http://127.0.0.1") && hops[1].contains("HttpRequestDenied"), "{report}");
    assert!(hops[2].contains("302 to http://169.254.169.254") && hops[3].contains("HttpRequestDenied"), "{report}");
    assert_eq!(to_trap_hits.load(Ordering::SeqCst), 1, "the allowed first hop was made");
    assert_eq!(trap_hits.load(Ordering::SeqCst), 0, "the redirect target was never reached");
    assert_eq!(refused.len(), 2, "{refused:?}");
}

#[test]
fn requests_past_the_per_call_cap_are_refused_naming_the_limit() {
    let r = rig();
    let mut c = config(&r.sims, RecordTypeSetting::Hris);
    c.sandbox.max_requests = 2;
    let lever = r.sims.lever.base_url();
    let targets = (0..4).map(|i| format!("{lever}/opportunities?n={i}")).collect::<Vec<_>>().join("\n");
    let s = r.syncer(c).with_settings(vec![("adversary.targets".into(), targets)]);
    let (report, refused) = r.attack(&s, "egress").unwrap();
    let codes: Vec<bool> = report.lines().map(|l| l.contains("ConnectionLimitReached")).collect();
    assert_eq!(codes, [false, false, true, true], "{report}");
    assert!(refused.iter().all(|x| x.contains("more than 2 requests in one call ([sandbox] max_requests)")), "{refused:?}");
}

/// A loopback server answering every request with `size` bytes.
fn big_answer(rt: &tokio::runtime::Runtime, size: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n");
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&vec![b' '; size]).await;
            });
        }
    });
    format!("http://{addr}/v1")
}

#[test]
fn an_answer_past_the_body_cap_is_cut_off_naming_the_setting() {
    let r = rig();
    let big = big_answer(&r.rt, 3 << 20);
    let mut c = config(&r.sims, RecordTypeSetting::Hris);
    c.sandbox.max_response_body_mib = 1;
    c.lever.base_url = Some(big.clone());
    let s = r.syncer(c).with_settings(vec![("adversary.targets".into(), format!("{big}/opportunities"))]);
    let (report, refused) = r.attack(&s, "egress").unwrap();
    assert!(report.contains("body error"), "the component saw its read fail: {report}");
    assert!(refused.iter().any(|x| x.contains("over 1048576 bytes ([sandbox] max_response_body_mib)")), "{refused:?}");
}

#[test]
fn the_component_cannot_set_credentials() {
    let r = rig();
    let (report, _) = r.attack(&r.syncer(config(&r.sims, RecordTypeSetting::Hris)), "authorization").unwrap();
    assert_eq!(report.lines().count(), 9, "{report}");
    for l in report.lines() {
        assert!(l.ends_with("Err(HeaderError::Forbidden)"), "{l}");
    }
}

#[test]
fn the_component_finds_no_environment_and_no_secrets() {
    let r = rig();
    let (report, _) = r.attack(&r.syncer(config(&r.sims, RecordTypeSetting::Hris)), "environment").unwrap();
    // wasi-libc reports "/" as the working directory even with no filesystem.
    assert!(report.starts_with("env vars: 0\nargs: 0\ncwd: "), "{report}");
    // It sees its settings (where Lever and Namely are), never a credential.
    assert!(report.contains("setting lever.base_url = http://127.0.0.1"), "{report}");
    for secret in [r.sims.lever.api_key(), r.sims.namely.token()] {
        assert!(!report.contains(&secret), "a credential reached the component:\n{report}");
    }
}

#[test]
fn a_component_that_reads_files_is_refused_when_loaded() {
    let e = Plugin::from_file(env!("ADVERSARY_FILES_WASM").as_ref()).err().expect("a component importing the filesystem is refused");
    let text = format!("{e:#}");
    assert!(text.contains("wasi:filesystem/") && text.contains("which this host does not provide"), "{text}");
}
