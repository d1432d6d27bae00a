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
}

/// Describe a loaded component.
pub fn describe(plugin: &Plugin, size_bytes: usize) -> Description {
    let exports = imports::exports(plugin.engine(), plugin.component());
    let contract_version = crate::contract::check_exports(&exports, crate::contract::HOST_VERSION).ok().map(|v| v.to_string());
    Description {
        world: "lever-namely:plugin/plugin".into(),
        contract_version,
        size_bytes,
        imports: imports::list(plugin.engine(), plugin.component()),
        exports,
    }
}
