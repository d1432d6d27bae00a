//! Bindings generated from `wit/` by wit-bindgen. On native targets the
//! imports are never called (they would be unreachable); only the types are
//! used there.
#![allow(missing_docs, clippy::all)]

#[cfg(not(feature = "contract-0-1-0"))]
wit_bindgen::generate!({
    path: "../wit",
    // `endpoint` includes `plugin`: one build serves the reference host
    // (mapping, sync) and stock hosts (wasi:http/incoming-handler).
    world: "lever-namely:plugin/endpoint",
    additional_derives: [PartialEq],
    additional_derives_ignore: ["stream-error"],
    pub_export_macro: true,
    generate_all,
});

/// The same code against the published 0.1.0 contract (`wit/published/`),
/// which has no `endpoint` world: the host's compatibility test loads this
/// build to show that a 0.1.0 plugin still runs in a 0.1.x host.
#[cfg(feature = "contract-0-1-0")]
wit_bindgen::generate!({
    path: "../wit/published/0.1.0",
    world: "lever-namely:plugin/plugin@0.1.0",
    additional_derives: [PartialEq],
    additional_derives_ignore: ["stream-error"],
    pub_export_macro: true,
    generate_all,
});
