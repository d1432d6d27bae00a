//! The contract's versions and tenant builds, in the reference host:
//! a plugin built against the published 0.1.0 contract still loads and syncs
//! in this 0.1.x host, and a tenant build (settings sealed in) runs here with
//! its sealed settings winning over the host's.

use lever_namely::bindings::sync::SyncOutcome;
use lever_namely::config::{Config, RecordTypeSetting};
use lever_namely::{inspect, mapping, tenant, Plugin};
use lever_namely_simulators::{demo_opportunity_id, Simulators};
use lever_namely_tests::sync_harness::{config, credentials};

/// The real plugin's source, built against `wit/published/0.1.0`.
const PLUGIN_0_1_0: &[u8] = include_bytes!(env!("PLUGIN_0_1_0_WASM"));

fn start() -> (tokio::runtime::Runtime, Simulators) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sims = rt.block_on(Simulators::start_demo()).expect("simulators start");
    (rt, sims)
}

#[test]
fn a_plugin_built_against_0_1_0_loads_and_syncs_in_a_0_1_1_host() {
    assert_eq!(lever_namely::contract::HOST_VERSION.to_string(), "0.1.1");
    let old = Plugin::from_bytes(PLUGIN_0_1_0).expect("a 0.1.0 plugin loads in a 0.1.x host");
    let d = inspect::describe(&old, PLUGIN_0_1_0.len());
    assert_eq!(d.contract_version.as_deref(), Some("0.1.0"), "{d:?}");
    assert_eq!(d.world, "lever-namely:plugin/plugin", "{d:?}");
    assert!(d.exports.iter().all(|e| !e.starts_with("wasi:http/incoming-handler")), "0.1.0 has no endpoint: {d:?}");
    let new = Plugin::embedded().unwrap();
    assert_eq!(inspect::describe(&new, 0).contract_version.as_deref(), Some("0.1.1"));

    // The same bundle maps byte for byte alike through both builds.
    let bundle = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bundles/full-hire.json")).unwrap();
    let (rt, sims) = start();
    let options = Config::default().map_options();
    let a = rt.block_on(mapping::map_bundle(&old, &bundle, &options)).unwrap().expect("0.1.0 maps");
    let b = rt.block_on(mapping::map_bundle(&new, &bundle, &options)).unwrap().expect("0.1.1 maps");
    assert_eq!(mapping::mapping_json(&a).to_string(), mapping::mapping_json(&b).to_string());

    // And a whole sync runs through the old build.
    let s = lever_namely::sync::Syncer::new(old, config(&sims, RecordTypeSetting::Hris), credentials(&sims)).unwrap();
    let (outcome, _) = rt.block_on(s.run(demo_opportunity_id())).unwrap();
    assert!(matches!(outcome, SyncOutcome::Created(_)), "{outcome:?}");
    assert_eq!(sims.namely.profiles().len(), 1);
}

#[test]
fn a_tenant_build_seals_its_settings_and_runs_in_the_reference_host() {
    let (rt, sims) = start();
    // The tenant's config: onboarding drafts, against these simulators.
    let tenant_config = config(&sims, RecordTypeSetting::Onboarding);
    let sealed = tenant::sealed_settings(&tenant_config).unwrap();
    assert!(sealed.iter().all(|(k, _)| !tenant::is_secret(k)), "{sealed:?}");
    let built = tenant::build(lever_namely::EMBEDDED_PLUGIN, &sealed).unwrap();
    let plugin = Plugin::from_bytes(&built).expect("the tenant build loads");

    let d = inspect::describe(&plugin, built.len());
    assert_eq!(d.contract_version.as_deref(), Some("0.1.1"));
    assert_eq!(d.world, "lever-namely:plugin/endpoint");
    let shown = d.sealed_settings.expect("inspect shows what is sealed");
    assert_eq!(shown.get("record_type").map(String::as_str), Some("onboarding"));
    assert_eq!(shown.get("namely.base_url"), Some(&sims.namely.base_url()));
    // Only what stock hosts provide. `lever-namely:plugin/types` holds
    // only types (no functions), so no host has to provide anything for it.
    for i in &d.imports {
        assert!(i.starts_with("wasi:http/") || i.starts_with("wasi:io/") || i.starts_with("wasi:cli/") || i.starts_with("wasi:clocks/")
            || i.starts_with("wasi:random/") || i.starts_with("wasi:config/store") || i.starts_with("lever-namely:plugin/types@"),
            "unexpected import {i}");
    }
    assert!(d.imports.iter().any(|i| i.starts_with("wasi:config/store")), "the secrets still come from the host: {:?}", d.imports);

    // The host's own config says hris; the sealed onboarding wins.
    let host_config = config(&sims, RecordTypeSetting::Hris);
    let s = lever_namely::sync::Syncer::new(plugin, host_config, credentials(&sims)).unwrap();
    let (outcome, refused) = rt.block_on(s.run(demo_opportunity_id())).unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    let SyncOutcome::Created(c) = outcome else { panic!("expected a profile, got {outcome:?}") };
    assert_eq!(c.record_type, "onboarding");
    let profiles = sims.namely.profiles();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0]["user_status"], "pending");
}

#[test]
fn a_tenant_config_that_is_not_valid_is_refused_with_the_setting() {
    let bad = Config::parse("[namely]\ncompany_url = \"not a url at all\"\n").unwrap();
    let e = format!("{:#}", tenant::sealed_settings(&bad).unwrap_err());
    assert!(e.contains("company_url"), "{e}");
}
