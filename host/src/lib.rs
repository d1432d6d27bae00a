//! The reference host for the lever-namely component.
//!
//! It loads the component (the embedded build, or any file that speaks the
//! `lever-namely:plugin` 0.1 contract), gives it only outgoing HTTP through an
//! allowlist and its settings through `wasi:config/store`, and bounds its CPU
//! time and memory. The `lever-namely` binary is a thin CLI over this library.

pub mod backfill;
pub mod bindings;
pub mod check;
pub mod config;
pub mod console;
pub mod contract;
pub mod credentials;
pub mod egress;
pub mod imports;
pub mod inspect;
pub mod limits;
pub mod log;
pub mod mapping;
pub mod reconcile;
pub mod runtime;
pub mod serve;
pub mod sync;
pub mod tenant;

pub use limits::{LimitBreach, Limits};
pub use runtime::{EngineOptions, Plugin, EMBEDDED_PLUGIN};
