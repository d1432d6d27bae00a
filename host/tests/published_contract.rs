//! The contract's published versions never change, and `wit/` is always a
//! published version: editing the WIT without releasing a new version fails
//! here, before any platform sees a contract that differs under the same name.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

fn wit() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wit")
}

fn sha256(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `(version/file, digest)` from SHA256SUMS.
fn recorded() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(wit().join("published/SHA256SUMS")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (digest, file) = l.split_once("  ").expect("sha256sum lines: DIGEST  FILE");
            (file.to_string(), digest.to_string())
        })
        .collect()
}

#[test]
fn every_published_file_is_as_it_was_released() {
    let recorded = recorded();
    assert!(recorded.iter().any(|(f, _)| f == "0.1.0/plugin.wit"), "{recorded:?}");
    for (file, digest) in &recorded {
        assert_eq!(&sha256(&wit().join("published").join(file)), digest, "wit/published/{file} changed after it was published; add a new version instead");
    }
    // Nothing unrecorded hides in a published folder.
    for dir in std::fs::read_dir(wit().join("published")).unwrap().flatten().filter(|d| d.path().is_dir()) {
        for f in std::fs::read_dir(dir.path()).unwrap().flatten().filter(|f| f.path().extension().is_some_and(|e| e == "wit")) {
            let name = format!("{}/{}", dir.file_name().to_string_lossy(), f.file_name().to_string_lossy());
            assert!(recorded.iter().any(|(r, _)| *r == name), "wit/published/{name} is not in SHA256SUMS");
        }
    }
}

#[test]
fn wit_is_the_newest_published_version_and_the_host_speaks_it() {
    let text = std::fs::read_to_string(wit().join("plugin.wit")).unwrap();
    let version = text.lines().find_map(|l| l.strip_prefix("package lever-namely:plugin@")).and_then(|v| v.strip_suffix(';')).unwrap();
    for file in ["plugin.wit", "types.wit"] {
        let published = wit().join("published").join(version).join(file);
        assert!(published.exists(), "wit/ is lever-namely:plugin@{version}, which is not published: release it (wit/published/README.md)");
        assert_eq!(sha256(&wit().join(file)), sha256(&published), "wit/{file} differs from published {version}: bump the version and publish it");
    }
    let newest = recorded().iter().filter_map(|(f, _)| f.split('/').next().and_then(lever_namely::contract::Version::parse)).max().unwrap();
    assert_eq!(newest.to_string(), version, "wit/ is not the newest published version");
    assert_eq!(lever_namely::contract::HOST_VERSION.to_string(), version, "the host must speak the contract in wit/");
}
