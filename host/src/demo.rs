//! `lever-namely demo`: a whole sync against simulators started in-process,
//! with no accounts. The same host code path as `sync`, with loopback allowed.

use std::path::PathBuf;
use std::process::ExitCode;

use lever_namely::bindings::sync::SyncOutcome;
use lever_namely::config::{Config, LeverSettings, NamelySettings, RecordTypeSetting, SandboxSettings};
use lever_namely::credentials::{Credentials, Secret};
use lever_namely::sync::{outcome_json, Syncer};
use lever_namely_simulators::{demo_opportunity_id, Simulators};

pub async fn run(plugin: &Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let sims = Simulators::start_demo().await?;
    let id = demo_opportunity_id();
    println!("Lever simulator:  {}", sims.lever.base_url());
    println!("Namely simulator: {}", sims.namely.base_url());
    println!("A candidate is archived as Hired in Lever: opportunity {id}\n");

    let config = Config {
        record_type: Some(RecordTypeSetting::Hris),
        timezone: Some("America/Los_Angeles".into()),
        lever: LeverSettings { base_url: Some(sims.lever.base_url()), ..LeverSettings::default() },
        namely: NamelySettings { company_url: None, base_url: Some(sims.namely.base_url()), access_token_env: None },
        sandbox: SandboxSettings { allow_loopback: true, ..Default::default() },
        ..Config::default()
    };
    // The simulators' credentials go straight to the host, as the environment would.
    let credentials =
        Credentials { lever_api_key: Secret::new(sims.lever.api_key()), namely_access_token: Secret::new(sims.namely.token()) };
    let (plugin, _) = crate::load_plugin(plugin)?;
    let syncer = Syncer::new(plugin, config, credentials)?;

    let (plan, _) = syncer.plan(id).await?;
    println!("== Plan (nothing written yet): {}", plan.outcome);
    for (i, step) in plan.steps.iter().enumerate() {
        println!("  {}. {step}", i + 1);
    }

    let (outcome, refused) = syncer.run(id).await?;
    println!("\n== Sync\n{}", serde_json::to_string_pretty(&outcome_json(&outcome, &refused))?);
    let SyncOutcome::Created(created) = &outcome else {
        eprintln!("error: the demo sync did not create a profile");
        return Ok(ExitCode::FAILURE);
    };
    if let Some(profile) = sims.namely.profiles().into_iter().find(|p| p["id"] == created.namely_id.as_str()) {
        println!("\n== The profile in Namely\n{}", serde_json::to_string_pretty(&profile)?);
    }
    if let Some(note) = sims.lever.notes(id).last() {
        let text = note["fields"][0]["value"].as_str().or_else(|| note["value"].as_str()).unwrap_or_default().to_string();
        println!("\n== The note on the Lever candidate\n{text}");
    }

    let (again, _) = syncer.run(id).await?;
    println!("\n== Syncing the same hire again\n{}", serde_json::to_string_pretty(&outcome_json(&again, &vec![]))?);
    println!("\nNamely profiles: {}; Lever notes on the candidate: {}", sims.namely.profiles().len(), sims.lever.notes(id).len());
    Ok(ExitCode::SUCCESS)
}
