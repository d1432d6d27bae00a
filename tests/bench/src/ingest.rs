//! 5. Webhook ingest: signed `candidateHired` deliveries from 200 concurrent
//! keep-alive connections to a running `lever-namely serve`, each answered
//! only once it is in the SQLite journal.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lever_namely_service::webhook::signature;
use lever_namely_service::Secret;
use lever_namely_simulators::{Simulators, Target, HIRED_REASON_ID};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::cli::{host_binary, memory, start_serve, Scratch, WEBHOOK_TOKEN};
use crate::report::{load_average, mib, ms, percentile, Row, Section};

const CONNECTIONS: usize = 200;
const DURATION: Duration = Duration::from_secs(15);

/// A delivery as Lever signs it, for a distinct opportunity.
fn delivery(opportunity: &str) -> Vec<u8> {
    let triggered_at = lever_namely::serve::worker::now_ms();
    let token = format!("tok-{opportunity}");
    let sig = signature::sign(&Secret::new(WEBHOOK_TOKEN), &token, &triggered_at.to_string());
    serde_json::json!({
        "triggeredAt": triggered_at, "event": "candidateHired", "signature": sig, "token": token,
        "data": {"opportunityId": opportunity, "candidateId": opportunity, "contactId": "c",
                 "toArchived": {"archivedAt": triggered_at, "reason": HIRED_REASON_ID}, "fromArchived": null}
    })
    .to_string()
    .into_bytes()
}

/// One keep-alive connection posting deliveries until `until`; the status
/// and latency of each.
async fn connection(addr: SocketAddr, n: usize, until: Instant) -> anyhow::Result<Vec<(u16, Duration)>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut out = Vec::new();
    let mut i = 0;
    while Instant::now() < until {
        let body = delivery(&format!("bench-{n}-{i}"));
        i += 1;
        let mut req = format!("POST /webhooks/lever HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        req.extend_from_slice(&body);
        let start = Instant::now();
        wr.write_all(&req).await?;
        let mut status = 0;
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            anyhow::ensure!(rd.read_line(&mut line).await? > 0, "the service closed the connection");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some(s) = l.strip_prefix("HTTP/1.1 ") {
                status = s.split_whitespace().next().and_then(|s| s.parse().ok()).unwrap_or(0);
            } else if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        rd.read_exact(&mut body).await?;
        out.push((status, start.elapsed()));
    }
    Ok(out)
}

pub fn run(number: usize) -> anyhow::Result<Section> {
    let bin = host_binary()?;
    let load_before = load_average();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let sims = rt.block_on(Simulators::start_demo())?;
    let dir = Scratch::new("ingest")?;
    let (child, addr) = start_serve(&bin, &sims, &dir, "workers = 1\nreconcile_every_mins = 0")?;
    // `serve` runs at least one worker; held on a Lever request that never
    // answers, it takes no part, so this measures ingest alone.
    sims.lever.faults().hang_next(usize::MAX, Target::any(), None);
    let until = Instant::now() + DURATION;
    let start = Instant::now();
    let results = rt.block_on(async {
        let tasks: Vec<_> = (0..CONNECTIONS).map(|n| tokio::spawn(connection(addr, n, until))).collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        anyhow::Ok(all)
    })?;
    let elapsed = start.elapsed();
    let rss = memory(child.0.id());
    drop(child);
    let acked: Vec<Duration> = results.iter().filter(|(s, _)| *s == 200).map(|(_, d)| *d).collect();
    let others = results.len() - acked.len();
    let mut sorted = acked.clone();
    sorted.sort();
    let (p50, p99) = (percentile(&sorted, 50.0), percentile(&sorted, 99.0));
    let rate = acked.len() as f64 / elapsed.as_secs_f64();
    let rows = vec![
        Row::info("deliveries acknowledged per second (journaled, 200 connections)", format!("{rate:.0}")),
        Row::info("acknowledgement latency p50", ms(p50)),
        Row::new("acknowledgement latency p99", "< 50 ms", ms(p99), Some(p99 < Duration::from_millis(50))),
    ];
    let details = vec![
        format!("`lever-namely serve` (release binary; `workers = 1`, the least it runs, held on a Lever request that never answers; reconcile off; journal `synchronous = full`, WAL, on the same ext4 disk as the repository) on loopback; {CONNECTIONS} keep-alive connections from this harness (tokio, same 2 cores) each post signed `candidateHired` deliveries for distinct opportunities one after another for {} s. Latency = request written to response read.", DURATION.as_secs()),
        String::new(),
        format!("- {} deliveries acknowledged 200 in {:.1} s ({rate:.0}/s); {others} answered otherwise; p50 {}, p99 {}, max {}.", acked.len(), elapsed.as_secs_f64(), ms(p50), ms(p99), ms(sorted.last().copied().unwrap_or_default())),
        format!("- The service's RSS after the run: {} (peak {}).", rss.map_or("?".into(), |r| mib(r.0)), rss.map_or("?".into(), |r| mib(r.1))),
    ];
    Ok(Section { number, title: "Webhook ingest", rows, details, load_before, load_after: load_average() })
}
