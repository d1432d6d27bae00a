//! The standalone `lever-namely-simulators` binary starts both servers and
//! prints their base URLs and credentials.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use lever_namely_simulators::{SimulatorsSeed, DEMO_LEVER_API_KEY};

/// Kills the child even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start the binary and read its banner up to "Ctrl-C".
fn start(args: &[&str]) -> (Running, Vec<String>) {
    let child = Command::new(env!("CARGO_BIN_EXE_lever-namely-simulators"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let out = running.0.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    assert!(lines.last().is_some_and(|l| l.starts_with("Ctrl-C")), "no banner: {lines:?}");
    (running, lines)
}

fn url_after(lines: &[String], label: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(label))
        .map(|u| u.trim().to_string())
        .unwrap_or_else(|| panic!("{label} missing: {lines:?}"))
}

#[tokio::test]
async fn serves_the_demo_seed_by_default() {
    let (_child, lines) = start(&[]);
    let lever = url_after(&lines, "Lever:");
    let namely = url_after(&lines, "Namely:");
    assert!(lever.starts_with("http://127.0.0.1:") && lever.ends_with("/v1"), "{lever}");
    assert!(namely.ends_with("/api/v1"), "{namely}");
    assert!(lines.iter().any(|l| l.contains(DEMO_LEVER_API_KEY)));
    let opp = lever_namely_simulators::demo_opportunity_id();
    let r =
        send("GET", &format!("{lever}/opportunities/{opp}"), &[("authorization", basic(DEMO_LEVER_API_KEY, ""))], None)
            .await;
    assert_eq!(r.status, 200);
    let token = lever_namely_simulators::DEMO_NAMELY_TOKEN;
    let r = send("GET", &format!("{namely}/job_titles"), &[("authorization", format!("Bearer {token}"))], None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn reads_a_seed_file() {
    let mut seed = SimulatorsSeed::demo();
    seed.lever.api_key = "from-the-file".into();
    seed.faults.profiles_per_minute = Some(0);
    let path = std::env::temp_dir().join(format!("sim-seed-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&seed).unwrap()).unwrap();
    let (_child, lines) = start(&["--seed", path.to_str().unwrap(), "--lever-port", "0"]);
    let _ = std::fs::remove_file(&path);
    let lever = url_after(&lines, "Lever:");
    let namely = url_after(&lines, "Namely:");
    let r =
        send("GET", &format!("{lever}/archive_reasons"), &[("authorization", basic("from-the-file", ""))], None).await;
    assert_eq!(r.status, 200);
    let token = lever_namely_simulators::DEMO_NAMELY_TOKEN;
    let r = send("GET", &format!("{namely}/profiles"), &[("authorization", format!("Bearer {token}"))], None).await;
    assert_eq!(r.status, 406, "the seed's fault plan applies");
}

#[test]
fn prints_the_demo_seed_as_a_seed_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_lever-namely-simulators")).arg("--print-demo-seed").output().unwrap();
    assert!(out.status.success());
    let seed: SimulatorsSeed = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seed, SimulatorsSeed::demo());
}

#[test]
fn refuses_unknown_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_lever-namely-simulators")).arg("--bogus").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument --bogus"));
}
