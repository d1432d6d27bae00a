//! `lever-namely check` against the simulators: what works, what is doubtful,
//! what to fix.

use lever_namely::check::{run, Finding, Level};
use lever_namely::config::RecordTypeSetting;
use lever_namely::credentials::{Credentials, Secret};
use lever_namely_simulators::{demo_lever_seed, demo_namely_seed, Simulators, TokenSeed};
use lever_namely_tests::sync_harness::{config, credentials};

fn findings(sims: &Simulators, creds: &Credentials, rt: &tokio::runtime::Runtime) -> Vec<Finding> {
    let endpoints = config(sims, RecordTypeSetting::Hris).endpoints().unwrap();
    rt.block_on(run(&endpoints, creds))
}

fn has(f: &[Finding], level: Level, needle: &str) -> bool {
    f.iter().any(|x| x.level == level && x.message.contains(needle))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn good_credentials_pass_every_check() {
    let rt = runtime();
    let sims = rt.block_on(Simulators::start_demo()).unwrap();
    let f = findings(&sims, &credentials(&sims), &rt);
    assert!(!f.iter().any(|x| x.level != Level::Ok), "{f:#?}");
    assert!(has(&f, Level::Ok, "Hired archive reason"));
    assert!(has(&f, Level::Ok, "administrator"));
    assert!(has(&f, Level::Ok, "every mapped field"));
}

#[test]
fn wrong_credentials_are_errors_that_name_the_variable() {
    let rt = runtime();
    let sims = rt.block_on(Simulators::start_demo()).unwrap();
    let creds = Credentials { lever_api_key: Secret::new("wrong"), namely_access_token: Secret::new("wrong") };
    let f = findings(&sims, &creds, &rt);
    assert!(has(&f, Level::Error, "LEVER_API_KEY"), "{f:#?}");
    assert!(has(&f, Level::Error, "NAMELY_ACCESS_TOKEN"), "{f:#?}");
}

#[test]
fn a_non_admin_token_is_a_warning_that_names_the_hidden_fields() {
    let rt = runtime();
    let mut namely = demo_namely_seed();
    namely.tokens = vec![TokenSeed { token: "employee-token".into(), admin: false, active: true, profile_id: None }];
    let sims = rt.block_on(Simulators::start(demo_lever_seed(), namely)).unwrap();
    let creds = Credentials { lever_api_key: Secret::new(sims.lever.api_key()), namely_access_token: Secret::new("employee-token") };
    let f = findings(&sims, &creds, &rt);
    assert!(has(&f, Level::Warning, "not an administrator"), "{f:#?}");
    assert!(has(&f, Level::Warning, "salary") && has(&f, Level::Warning, "home"), "{f:#?}");
    assert!(!f.iter().any(|x| x.level == Level::Error), "{f:#?}");
}

#[test]
fn a_deactivated_token_owner_is_explained() {
    let rt = runtime();
    let mut namely = demo_namely_seed();
    namely.tokens = vec![TokenSeed { token: "old-token".into(), admin: true, active: false, profile_id: None }];
    let sims = rt.block_on(Simulators::start(demo_lever_seed(), namely)).unwrap();
    let creds = Credentials { lever_api_key: Secret::new(sims.lever.api_key()), namely_access_token: Secret::new("old-token") };
    let f = findings(&sims, &creds, &rt);
    assert!(has(&f, Level::Error, "inactive"), "{f:#?}");
}
