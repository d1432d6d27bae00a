//! Shared helpers for lever-namely's end-to-end tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lever_namely::Plugin;

/// The repository's `tests/` directory.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A fixture file's text, from `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = tests_dir().join("fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The embedded component, compiled once per test binary.
pub fn plugin() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| Plugin::embedded().expect("the embedded component loads"))
}

/// A current-thread runtime for driving the async host from a plain test.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}
