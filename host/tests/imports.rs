//! The embedded component imports exactly the interfaces the host means to
//! provide: no filesystem, no sockets, nothing unexpected.

use lever_namely::imports::{list, unversioned, ALLOWED_IMPORTS};
use lever_namely::Plugin;

#[test]
fn the_component_imports_exactly_the_allowed_set() {
    let plugin = Plugin::embedded().unwrap();
    let imports = list(plugin.engine(), plugin.component());
    let mut got: Vec<&str> = imports.iter().map(|i| unversioned(i)).collect();
    got.sort();
    let mut want = vec![
        "lever-namely:plugin/types",
        "wasi:cli/environment",
        "wasi:cli/exit",
        "wasi:cli/stderr",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/terminal-input",
        "wasi:cli/terminal-output",
        "wasi:cli/terminal-stderr",
        "wasi:cli/terminal-stdin",
        "wasi:cli/terminal-stdout",
        "wasi:clocks/monotonic-clock",
        "wasi:clocks/wall-clock",
        "wasi:config/store",
        "wasi:http/outgoing-handler",
        "wasi:http/types",
        "wasi:io/error",
        "wasi:io/poll",
        "wasi:io/streams",
        "wasi:random/insecure-seed",
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(got.iter().all(|i| ALLOWED_IMPORTS.contains(i)));
    assert!(!got.iter().any(|i| i.starts_with("wasi:filesystem") || i.starts_with("wasi:sockets")));
}

#[test]
fn the_component_speaks_the_hosts_contract_version() {
    let plugin = Plugin::embedded().unwrap();
    let version = lever_namely::contract::check(plugin.engine(), plugin.component()).unwrap();
    assert_eq!(version, lever_namely::contract::HOST_VERSION);
    assert!(lever_namely::contract::HOST_VERSION.loads(&version));
}
