//! The `lever-namely` command line, run as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lever-namely"))
}

fn bundle(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bundles").join(format!("{name}.json"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("lever-namely runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn map_prints_one_json_object_with_the_request_and_warnings() {
    let o = run(&["map", "--bundle", bundle("warnings").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("stdout is one JSON object");
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["record_type", "namely_request", "warnings"]);
    assert_eq!(v["record_type"], "hris");
    assert_eq!(v["namely_request"]["profiles"][0]["last_name"], "van Beethoven");
    let w = &v["warnings"][0];
    assert!(w["code"].is_string() && w["field"].is_string() && w["message"].is_string());
}

#[test]
fn flags_override_the_config_file() {
    let dir = std::env::temp_dir().join(format!("lever-namely-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, "record_type = \"hris\"\ntimezone = \"Asia/Tokyo\"\n").unwrap();
    let b = bundle("recorded-hired");
    let o = run(&["map", "--bundle", b.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["namely_request"]["profiles"][0]["start_date"], "2026-08-01");
    let o = run(&["map", "--bundle", b.to_str().unwrap(), "--config", config.to_str().unwrap(),
        "--record-type", "onboarding", "--timezone", "America/Los_Angeles"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["record_type"], "onboarding");
    assert_eq!(v["namely_request"]["profiles"][0]["user_status"], "pending");
    assert_eq!(v["namely_request"]["profiles"][0]["start_date"], "2026-07-31");
}

#[test]
fn missing_fields_exit_non_zero_naming_each_field_and_where_it_was_looked_for() {
    let o = run(&["map", "--bundle", bundle("missing-fields").to_str().unwrap(), "--record-type", "onboarding"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "no partial profile is printed");
    let e = stderr(&o);
    for needle in ["last_name", "email", "personal_email", "Cher", "cher-at-example.com", "Namely Form"] {
        assert!(e.contains(needle), "{needle} missing from: {e}");
    }
}

#[test]
fn a_candidate_not_hired_is_not_an_error_but_has_its_own_status() {
    let o = run(&["map", "--bundle", bundle("recorded-not-hired").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["outcome"], "not-hired");
}

#[test]
fn bad_settings_and_files_are_explained() {
    let b = bundle("full-hire");
    let o = run(&["map", "--bundle", b.to_str().unwrap(), "--timezone", "Mars/Olympus"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Mars/Olympus") && stderr(&o).contains("timezone"), "{}", stderr(&o));

    let o = run(&["map", "--bundle", "/nonexistent/bundle.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/bundle.json"), "{}", stderr(&o));

    let o = run(&["map", "--bundle", b.to_str().unwrap(), "--record-type", "payroll"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("payroll"));
}

#[test]
fn bundles_can_come_on_standard_input() {
    use std::io::Write as _;
    let mut child = bin().args(["map", "--bundle", "-"]).stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"[1, 2").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not valid JSON"), "{}", stderr(&o));
}

#[test]
fn help_explains_every_flag_with_an_example() {
    let o = run(&["map", "--help"]);
    let h = stdout(&o);
    for needle in ["--bundle", "--record-type", "--timezone", "--config", "--plugin", "Example", "lever-namely map --bundle"] {
        assert!(h.contains(needle), "{needle} missing from map --help");
    }
    assert!(stdout(&run(&["inspect", "--help"])).contains("Example"));
}

#[test]
fn inspect_prints_the_world_version_and_imports() {
    let o = run(&["inspect"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // The built component is the `endpoint` world: `plugin` plus the
    // incoming handler for stock hosts.
    assert_eq!(v["world"], "lever-namely:plugin/endpoint");
    assert_eq!(v["contract_version"], "0.1.1");
    assert!(v["exports"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().starts_with("wasi:http/incoming-handler@")), "{v}");
    assert!(v.get("sealed_settings").is_none(), "the plain plugin seals nothing: {v}");
    assert!(v["imports"].as_array().unwrap().iter().all(|i| i.as_str().unwrap().contains('@')));
}

#[test]
fn a_plugin_file_that_is_not_a_component_is_refused_clearly() {
    let path = std::env::temp_dir().join(format!("not-a-component-{}.wasm", std::process::id()));
    std::fs::write(&path, b"\0asm\x01\0\0\0").unwrap();
    let o = run(&["--plugin", path.to_str().unwrap(), "inspect"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a WebAssembly component"), "{}", stderr(&o));
}

#[test]
fn demo_syncs_a_hire_and_shows_that_a_second_sync_creates_nothing() {
    let o = run(&["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in ["\"outcome\": \"created\"", "== The profile in Namely", "[lever-namely] namely-id=", "\"outcome\": \"already-synced\"",
        "Namely profiles: 1; Lever notes on the candidate: 1"] {
        assert!(out.contains(needle), "{needle} missing from the demo output:\n{out}");
    }
}

mod against_simulators {
    use super::*;
    use lever_namely_simulators::{demo_opportunity_id, Simulators};

    fn setup() -> (tokio::runtime::Runtime, Simulators, PathBuf) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let sims = rt.block_on(Simulators::start_demo()).unwrap();
        let dir = std::env::temp_dir().join(format!("lever-namely-cli-sims-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("lever-namely.toml");
        std::fs::write(&config, format!(
            "record_type = \"onboarding\"\n[lever]\nbase_url = \"{}\"\napi_key_env = \"TEST_LEVER_KEY\"\n[namely]\nbase_url = \"{}\"\naccess_token_env = \"TEST_NAMELY_TOKEN\"\n[sandbox]\nallow_loopback = true\n[sync]\nretry_base_delay_ms = 10\n",
            sims.lever.base_url(), sims.namely.base_url())).unwrap();
        (rt, sims, config)
    }

    fn rand_suffix() -> usize {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as usize
    }

    fn with_keys(sims: &Simulators, args: &[&str]) -> Output {
        bin().args(args).env("TEST_LEVER_KEY", sims.lever.api_key()).env("TEST_NAMELY_TOKEN", sims.namely.token()).output().unwrap()
    }

    #[test]
    fn plan_then_sync_then_sync_again() {
        let (_rt, sims, config) = setup();
        let c = config.to_str().unwrap();
        let o = with_keys(&sims, &["plan", demo_opportunity_id(), "--config", c]);
        assert!(o.status.success(), "{}", stderr(&o));
        let plan: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(plan["outcome"], "would-create");
        assert_eq!(plan["mapping"]["namely_request"]["profiles"][0]["user_status"], "pending");
        assert_eq!(sims.lever.write_count() + sims.namely.write_count(), 0);

        let o = with_keys(&sims, &["sync", demo_opportunity_id(), "--config", c]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["outcome"], "created");
        assert_eq!(v["record_type"], "onboarding");

        let o = with_keys(&sims, &["sync", demo_opportunity_id(), "--config", c]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["outcome"], "already-synced");
        assert_eq!(sims.namely.profiles().len(), 1);
        // Nothing printed anywhere carries a secret.
        for text in [stdout(&o), stderr(&o)] {
            assert!(!text.contains(&sims.lever.api_key()) && !text.contains(&sims.namely.token()));
        }
    }

    #[test]
    fn missing_credentials_and_unknown_opportunities_are_explained() {
        let (_rt, sims, config) = setup();
        let c = config.to_str().unwrap();
        let o = run(&["sync", demo_opportunity_id(), "--config", c]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("TEST_LEVER_KEY") && stderr(&o).contains("TEST_NAMELY_TOKEN"), "{}", stderr(&o));

        let o = with_keys(&sims, &["sync", "no-such-opportunity", "--config", c]);
        assert_eq!(o.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["outcome"], "failed");
        assert!(v["reason"].as_str().unwrap().contains("no opportunity"), "{v}");
        assert_eq!(v["retryable"], false);
    }

    #[test]
    fn reconcile_then_events_then_replay() {
        let (_rt, sims, config) = setup();
        let journal = config.parent().unwrap().join("journal.db");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!("[serve]\njournal = \"{}\"\n", journal.display()));
        std::fs::write(&config, text).unwrap();
        let c = config.to_str().unwrap();

        let o = with_keys(&sims, &["--log-format", "json", "reconcile", "--since", "2020-01-01", "--config", c]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["report"]["queued"], 1, "{v}");
        assert_eq!(v["hires"][0]["status"], "done");

        let o = run(&["events", "--config", c, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["hires"][0]["opportunity_id"], demo_opportunity_id());
        assert_eq!(v["refused_deliveries"], serde_json::json!([]));
        let o = run(&["events", "--config", c, "--status", "failed"]);
        assert!(stdout(&o).contains("no hires"), "{}", stdout(&o));
        let o = run(&["events", "--config", c, "--status", "broken"]);
        assert_eq!(o.status.code(), Some(2));

        // A replay syncs again; the hire is already in Namely, so nothing is created.
        let o = with_keys(&sims, &["--log-format", "json", "replay", demo_opportunity_id(), "--config", c]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!((v["status"].as_str(), v["attempts"].as_u64()), (Some("done"), Some(2)), "{v}");
        assert_eq!(sims.namely.profiles().len(), 1);
        // Every log line is one JSON object.
        for line in stderr(&o).lines() {
            assert!(serde_json::from_str::<serde_json::Value>(line).is_ok(), "not JSON: {line}");
        }
        let o = with_keys(&sims, &["replay", "no-such-hire", "--config", c]);
        assert_eq!(o.status.code(), Some(1));
    }

    #[test]
    fn check_reports_each_finding() {
        let (_rt, sims, config) = setup();
        let o = with_keys(&sims, &["check", "--config", config.to_str().unwrap()]);
        assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).lines().all(|l| l.starts_with("ok")), "{}", stdout(&o));
    }
}
