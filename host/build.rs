//! Builds the plugin component (`plugin/`, target `wasm32-wasip2`) so that the
//! host can embed it. The guest is built once per host build, in its own
//! target directory beside ours, never once per test.
//!
//! Set `LEVER_NAMELY_PLUGIN_WASM=/path/to/plugin.wasm` to embed a prebuilt
//! component instead.

use std::env;
use std::path::PathBuf;

#[path = "guest_build.rs"]
mod guest_build;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    // The plugin also builds host/webhook (the verifier it shares with serve).
    for watched in ["plugin/src", "plugin/Cargo.toml", "plugin/sealed-settings", "host/webhook", "wit", "Cargo.lock", "host/guest_build.rs"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=LEVER_NAMELY_PLUGIN_WASM");

    let wasm = match env::var_os("LEVER_NAMELY_PLUGIN_WASM") {
        Some(p) => PathBuf::from(p),
        None => guest_build::build_guest(&root, "lever-namely-plugin", &[], "plugin"),
    };
    println!("cargo:rustc-env=LEVER_NAMELY_PLUGIN_WASM_PATH={}", wasm.display());

    // The settings layer of tenant builds (`build-tenant`), sealed per tenant.
    let sealed = guest_build::build_guest(&root, "lever-namely-sealed-settings", &[], "plugin");
    println!("cargo:rustc-env=LEVER_NAMELY_SEALED_SETTINGS_WASM_PATH={}", sealed.display());
}
