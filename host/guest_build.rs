//! Building a guest component from a build script: shared by `host/build.rs`
//! (the plugin) and `tests/build.rs` (the adversarial components).

use std::path::{Path, PathBuf};
use std::process::Command;

/// `cargo build` `package` for `wasm32-wasip2` with the `plugin` profile, in
/// `<target>/<subdir>` beside the calling build's target directory, and
/// return the built `.wasm`. Guests are built once per build, never per test.
pub fn build_guest(root: &Path, package: &str, features: &[&str], subdir: &str) -> PathBuf {
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target_dir = out_dir.ancestors().nth(4).expect("OUT_DIR is inside the target directory").join(subdir);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--package", package, "--target", "wasm32-wasip2", "--profile", "plugin"])
        .env("CARGO_TARGET_DIR", &target_dir)
        // Flags meant for the host build must not leak into the guest build.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let status = cmd.status().expect("could not run cargo to build a guest component");
    if !status.success() {
        panic!(
            "building the {package} component failed (see the output above).\n\
             If the wasm32-wasip2 target is missing, install it with:\n    rustup target add wasm32-wasip2"
        );
    }
    target_dir.join("wasm32-wasip2/plugin").join(format!("{}.wasm", package.replace('-', "_")))
}
