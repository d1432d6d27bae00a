//! Builds the plugin component (`plugin/`, target `wasm32-wasip2`) so that the
//! host can embed it. The guest is built once per host build, in its own
//! target directory beside ours, never once per test.
//!
//! Set `LEVER_NAMELY_PLUGIN_WASM=/path/to/plugin.wasm` to embed a prebuilt
//! component instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    for watched in ["plugin/src", "plugin/Cargo.toml", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=LEVER_NAMELY_PLUGIN_WASM");

    let wasm = match env::var_os("LEVER_NAMELY_PLUGIN_WASM") {
        Some(p) => PathBuf::from(p),
        None => build_plugin(&root),
    };
    println!("cargo:rustc-env=LEVER_NAMELY_PLUGIN_WASM_PATH={}", wasm.display());
}

fn build_plugin(root: &Path) -> PathBuf {
    // <target>/<profile>/build/<pkg>-<hash>/out → <target>
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_dir = out_dir.ancestors().nth(4).expect("OUT_DIR is inside the target directory").join("plugin");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--package", "lever-namely-plugin", "--target", "wasm32-wasip2", "--profile", "plugin"])
        .env("CARGO_TARGET_DIR", &target_dir)
        // Flags meant for the host build must not leak into the guest build.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    let status = cmd.status().expect("could not run cargo to build the plugin");
    if !status.success() {
        panic!(
            "building the plugin component failed (see the output above).\n\
             If the wasm32-wasip2 target is missing, install it with:\n    rustup target add wasm32-wasip2"
        );
    }
    target_dir.join("wasm32-wasip2/plugin/lever_namely_plugin.wasm")
}
