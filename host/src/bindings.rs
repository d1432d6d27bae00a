//! Host bindings for the `lever-namely:plugin/plugin` world (contract 0.1.x).
//!
//! `wasi:http` and `wasi:io` reuse wasmtime-wasi-http's bindings, so the
//! generated types are the ones its linker functions provide. The world's
//! other imports are linked by [`crate::runtime`], not by the generated
//! `add_to_linker`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "lever-namely:plugin/plugin",
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
    },
});

pub use exports::lever_namely::plugin::{mapping, sync};
pub use lever_namely::plugin::types;
