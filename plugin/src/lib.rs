//! The lever-namely component: turns a hired Lever candidate into a Namely
//! profile, and (inside a WASI 0.2 host) syncs it over `wasi:http`.
//!
//! The mapping is a pure core ([`bundle`] and [`mapping`]) that builds and
//! tests natively; [`component`] wraps it in the exports of the WIT world in
//! `wit/`, and is only compiled for `wasm32`.

pub mod bindings;
pub mod bundle;
#[cfg(not(feature = "contract-0-1-0"))]
pub mod endpoint;
pub mod mapping;

pub mod sync;

#[cfg(test)]
mod fuzz_tests;

#[cfg(target_arch = "wasm32")]
mod component;

/// The WIT contract's data types (`lever-namely:plugin/types`), which the
/// core uses directly so that native tests see exactly what platforms see.
pub use bindings::lever_namely::plugin::types;

/// The version of the WIT package this build implements.
#[cfg(not(feature = "contract-0-1-0"))]
pub const CONTRACT_VERSION: &str = "0.1.1";
/// The version of the WIT package this build implements.
#[cfg(feature = "contract-0-1-0")]
pub const CONTRACT_VERSION: &str = "0.1.0";
