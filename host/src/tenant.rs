//! Tenant builds: one tenant's settings sealed into one component.
//!
//! `lever-namely build-tenant` seals the settings a config file gives (the
//! API roots, the record type, the mapping overrides, HTTP timing) into the
//! settings layer (`plugin/sealed-settings`) and composes that layer in front
//! of the plugin with wac-graph. The result exports what the plugin exports
//! and imports only what stock hosts provide: `wasi:http`, `wasi:config/store`
//! (for the secrets, which are never sealed), and what Rust's standard
//! library links. A sealed key is answered by the build whatever the host
//! says, so a platform cannot run one tenant's build against another's
//! Namely by mistake.

use anyhow::Context as _;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use crate::config::Config;

/// The settings layer as built, with its block unfilled.
pub const SEALED_SETTINGS_TEMPLATE: &[u8] = include_bytes!(env!("LEVER_NAMELY_SEALED_SETTINGS_WASM_PATH"));

/// Keys that hold secrets: the host supplies them at run time; they are
/// never sealed into a build.
pub const SECRET_KEYS: &[&str] = &["lever.api_key", "namely.access_token", "lever.webhook_signature_token"];

/// Whether `key` names a secret (a [`SECRET_KEYS`] entry, or one of them
/// with a `.<event>` suffix).
pub fn is_secret(key: &str) -> bool {
    SECRET_KEYS.iter().any(|s| key == *s || key.strip_prefix(s).is_some_and(|rest| rest.starts_with('.')))
}

/// The settings a tenant build seals for this config: exactly what the
/// reference host would hand the component, checked as it checks them.
pub fn sealed_settings(config: &Config) -> anyhow::Result<Vec<(String, String)>> {
    let endpoints = config.endpoints()?;
    Ok(config.component_settings(&endpoints))
}

/// Seal `settings` into the settings layer and compose it in front of
/// `plugin`. Secrets are refused by name.
pub fn build(plugin: &[u8], settings: &[(String, String)]) -> anyhow::Result<Vec<u8>> {
    if let Some((key, _)) = settings.iter().find(|(k, _)| is_secret(k)) {
        anyhow::bail!("`{key}` is a secret and is never sealed into a tenant build; give it to the host that runs the build (e.g. wasmtime serve -S config-var={key}=…)");
    }
    let layer = lever_namely_sealed_settings::seal(SEALED_SETTINGS_TEMPLATE, settings).context("could not seal the settings")?;
    compose(&layer, plugin)
}

/// Plug the layer's `wasi:config/store` export into the plugin's import.
fn compose(layer: &[u8], plugin: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let plugin = Package::from_bytes("lever-namely:plugin", None, plugin.to_vec(), graph.types_mut())
        .context("the plugin is not a valid component")?;
    let plugin = graph.register_package(plugin)?;
    let layer = Package::from_bytes("lever-namely:sealed-settings", None, layer.to_vec(), graph.types_mut())
        .context("the settings layer is not a valid component")?;
    let layer = graph.register_package(layer)?;
    wac_graph::plug(&mut graph, vec![layer], plugin).context(
        "the plugin does not import wasi:config/store in a form the settings layer provides, so its settings cannot be sealed",
    )?;
    Ok(graph.encode(EncodeOptions::default()).context("could not encode the tenant build")?)
}

/// The settings sealed into a component, if it is a tenant build.
pub fn sealed_in(component: &[u8]) -> Option<Vec<(String, String)>> {
    lever_namely_sealed_settings::unseal(component)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_with_or_without_an_event() {
        for k in ["lever.api_key", "namely.access_token", "lever.webhook_signature_token", "lever.webhook_signature_token.candidateHired"] {
            assert!(is_secret(k), "{k}");
        }
        for k in ["lever.base_url", "lever.api_keys", "namely.access_token_env", "record_type"] {
            assert!(!is_secret(k), "{k}");
        }
    }

    #[test]
    fn a_secret_is_refused_by_name_before_anything_is_built() {
        let e = build(b"", &[("namely.access_token".into(), "t".into())]).unwrap_err().to_string();
        assert!(e.contains("`namely.access_token` is a secret"), "{e}");
    }

    #[test]
    fn the_template_holds_one_unfilled_block() {
        assert_eq!(sealed_in(SEALED_SETTINGS_TEMPLATE), Some(vec![]));
    }
}
