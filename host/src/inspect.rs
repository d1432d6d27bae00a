//! What a component is: its contract, imports and exports.

use crate::imports;
use crate::runtime::Plugin;

/// A description of the component, for `lever-namely inspect`.
#[derive(Debug, serde::Serialize)]
pub struct Description {
    /// The WIT world the host loads it as.
    pub world: String,
    /// The contract version, read from the component's exports.
    pub contract_version: Option<String>,
    pub size_bytes: usize,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// For a tenant build, the settings sealed into it (never secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sealed_settings: Option<std::collections::BTreeMap<String, String>>,
}

/// Describe a loaded component.
pub fn describe(plugin: &Plugin, size_bytes: usize) -> Description {
    let exports = imports::exports(plugin.engine(), plugin.component());
    let contract_version = crate::contract::check_exports(&exports, crate::contract::HOST_VERSION).ok().map(|v| v.to_string());
    Description {
        // The `endpoint` world is `plugin` plus the incoming handler (0.1.1).
        world: if exports.iter().any(|e| imports::unversioned(e) == "wasi:http/incoming-handler") {
            "lever-namely:plugin/endpoint"
        } else {
            "lever-namely:plugin/plugin"
        }
        .into(),
        contract_version,
        size_bytes,
        imports: imports::list(plugin.engine(), plugin.component()),
        exports,
        sealed_settings: plugin.sealed_settings().map(|s| s.iter().cloned().collect()),
    }
}
