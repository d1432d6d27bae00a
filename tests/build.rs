//! Builds the adversarial components (`tests/adversary`) that the sandbox
//! tests run in the real host: once per build, beside the plugin's build.

use std::fs;
use std::path::PathBuf;

#[path = "../host/guest_build.rs"]
mod guest_build;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).parent().unwrap().to_path_buf();
    for watched in ["tests/adversary/src", "tests/adversary/Cargo.toml", "plugin/src", "plugin/Cargo.toml", "host/webhook", "wit", "host/guest_build.rs"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    // Both variants build to the same file name: copy each out before the next.
    for (features, env, name) in [(&[][..], "ADVERSARY_WASM", "adversary.wasm"), (&["reads-files"][..], "ADVERSARY_FILES_WASM", "adversary-files.wasm")] {
        let built = guest_build::build_guest(&root, "lever-namely-adversary", features, "plugin");
        let copy = out.join(name);
        fs::copy(&built, &copy).unwrap_or_else(|e| panic!("could not copy {}: {e}", built.display()));
        println!("cargo:rustc-env={env}={}", copy.display());
    }

    // The plugin built against the published 0.1.0 contract, for the
    // compatibility test. Its own target directory: the host's build script
    // builds the same package (without the feature) into "plugin" at the
    // same time, and the two must not overwrite each other's file.
    let built = guest_build::build_guest(&root, "lever-namely-plugin", &["contract-0-1-0"], "plugin-0.1.0");
    println!("cargo:rustc-env=PLUGIN_0_1_0_WASM={}", built.display());
}
