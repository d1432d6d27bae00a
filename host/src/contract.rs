//! Which versions of the `lever-namely:plugin` contract this host speaks,
//! checked before a component is instantiated.
//!
//! The WIT package follows semver, and a published version never changes.
//! Before 1.0 a minor version is a breaking change and a patch version is
//! additive, so a host built for 0.1.y loads any plugin built for 0.1.x.
//! A plugin for another line is refused with the versions this host supports,
//! instead of failing later with a missing export.

use std::fmt;

use wasmtime::component::Component;
use wasmtime::Engine;

/// The contract's package.
pub const PACKAGE: &str = "lever-namely:plugin";

/// The contract version this host was built against (its WIT in `wit/`).
pub const HOST_VERSION: Version = Version { major: 0, minor: 1, patch: 1 };

/// The interfaces a plugin must export.
pub const REQUIRED_EXPORTS: &[&str] = &["mapping", "sync"];

/// A semver version `major.minor.patch` (pre-releases are not used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// `"0.1.0"` → 0.1.0.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
        let v = Version { major: parts.next()??, minor: parts.next()??, patch: parts.next()?? };
        parts.next().is_none().then_some(v)
    }

    /// Whether a host speaking `self` can load a plugin built for `plugin`:
    /// same major, and before 1.0 the same minor too.
    pub fn loads(&self, plugin: &Version) -> bool {
        self.major == plugin.major && (self.major > 0 || self.minor == plugin.minor)
    }

    /// The versions this host loads, in words, e.g. `0.1.x (0.1.0 and every later 0.1 patch)`.
    pub fn supported(&self) -> String {
        if self.major == 0 {
            format!("{}.{}.x (0.{}.0 and every later 0.{} release)", self.major, self.minor, self.minor, self.minor)
        } else {
            format!("{}.x.x", self.major)
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The contract version a component exports, checked against this host's.
pub fn check(engine: &Engine, component: &Component) -> anyhow::Result<Version> {
    let exports: Vec<String> = component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect();
    check_exports(&exports, HOST_VERSION)
}

/// [`check`] over export names, for a host speaking `host`.
pub fn check_exports(exports: &[String], host: Version) -> anyhow::Result<Version> {
    let mut found = None;
    for interface in REQUIRED_EXPORTS {
        let prefix = format!("{PACKAGE}/{interface}");
        let Some(name) = exports.iter().find(|e| e.split('@').next() == Some(prefix.as_str())) else {
            anyhow::bail!(
                "this component does not export {prefix}, so it is not a lever-namely plugin (it exports: {}). \
                 Build it from plugin/ or against wit/ ({PACKAGE}@{host})",
                if exports.is_empty() { "nothing".to_string() } else { exports.join(", ") }
            );
        };
        let text = name.split_once('@').map(|(_, v)| v).unwrap_or("");
        let version = Version::parse(text).ok_or_else(|| anyhow::anyhow!("{name}: \"{text}\" is not a contract version (expected e.g. {host})"))?;
        if !host.loads(&version) {
            anyhow::bail!(
                "the plugin speaks {PACKAGE}@{version}, but this host speaks {}; use a lever-namely host built for {version}, \
                 or rebuild the plugin against {PACKAGE}@{host}",
                host.supported()
            );
        }
        if found.is_some_and(|f| f != version) {
            anyhow::bail!("the plugin mixes contract versions ({} and {version}); rebuild it against one version of wit/", found.unwrap());
        }
        found = Some(version);
    }
    Ok(found.expect("REQUIRED_EXPORTS is not empty"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exports(version: &str) -> Vec<String> {
        ["mapping", "sync"].iter().map(|i| format!("lever-namely:plugin/{i}@{version}")).collect()
    }

    #[test]
    fn a_host_loads_its_own_line_and_refuses_others() {
        let host = Version { major: 0, minor: 1, patch: 3 };
        for v in ["0.1.0", "0.1.3", "0.1.9"] {
            assert_eq!(check_exports(&exports(v), host).unwrap().to_string(), v, "{v}");
        }
        for v in ["0.2.0", "1.0.0", "0.0.9"] {
            let e = check_exports(&exports(v), host).unwrap_err().to_string();
            assert!(e.contains(&format!("speaks lever-namely:plugin@{v}")) && e.contains("0.1.x (0.1.0 and every later 0.1 release)"), "{e}");
        }
    }

    #[test]
    fn after_one_zero_minor_versions_are_compatible() {
        let host = Version { major: 1, minor: 4, patch: 0 };
        assert!(host.loads(&Version { major: 1, minor: 0, patch: 7 }));
        assert!(!host.loads(&Version { major: 2, minor: 0, patch: 0 }));
    }

    #[test]
    fn a_component_that_is_not_a_plugin_is_told_so() {
        let e = check_exports(&["wasi:http/incoming-handler@0.2.12".into()], HOST_VERSION).unwrap_err().to_string();
        assert!(e.contains("does not export lever-namely:plugin/mapping") && e.contains("incoming-handler"), "{e}");
        let e = check_exports(&["lever-namely:plugin/mapping@0.1.0".into(), "lever-namely:plugin/sync@0.1".into()], HOST_VERSION).unwrap_err().to_string();
        assert!(e.contains("\"0.1\" is not a contract version"), "{e}");
    }
}
