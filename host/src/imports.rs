//! The component's imports, checked before it is instantiated.
//!
//! The component may import only what the host provides on purpose: outgoing
//! HTTP, settings, and the handful of interfaces Rust's standard library
//! always links (clocks, random seed, stdio, exit, an empty environment).
//! Filesystem and socket imports are refused outright.

use anyhow::bail;
use wasmtime::component::Component;
use wasmtime::Engine;

/// Interfaces a component may import, without their versions.
pub const ALLOWED_IMPORTS: &[&str] = &[
    "wasi:http/types",
    "wasi:http/outgoing-handler",
    "wasi:config/store",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:random/insecure-seed",
    "wasi:random/random",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "lever-namely:plugin/types",
];

/// The component's imports, as `namespace:package/interface@version`, sorted.
pub fn list(engine: &Engine, component: &Component) -> Vec<String> {
    let mut names: Vec<String> = component.component_type().imports(engine).map(|(name, _)| name.to_string()).collect();
    names.sort();
    names
}

/// The component's exports, sorted.
pub fn exports(engine: &Engine, component: &Component) -> Vec<String> {
    let mut names: Vec<String> = component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect();
    names.sort();
    names
}

/// An import name without its `@version`.
pub fn unversioned(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// Refuse a component that imports anything not in [`ALLOWED_IMPORTS`].
pub fn check(engine: &Engine, component: &Component) -> anyhow::Result<()> {
    let refused: Vec<String> =
        list(engine, component).into_iter().filter(|n| !ALLOWED_IMPORTS.contains(&unversioned(n))).collect();
    if !refused.is_empty() {
        bail!(
            "the component imports {}, which this host does not provide; a lever-namely plugin may import only \
             outgoing HTTP, wasi:config/store and what Rust's standard library links",
            refused.join(", ")
        );
    }
    Ok(())
}
