//! The sync's settings, read from `wasi:config/store`. Every key is a plain
//! string, so any host (including `wasmtime serve -S config-var=…`) can set them.
//!
//! | key | meaning |
//! |---|---|
//! | `lever.base_url` | Lever API root, e.g. `https://api.lever.co/v1` (required) |
//! | `namely.base_url` | Namely API root, e.g. `https://acme.namely.com/api/v1` (required) |
//! | `record_type` | `hris` (default) or `onboarding` |
//! | `timezone` | IANA time zone for dates (default UTC) |
//! | `mapping.form_title` | the profile form to read (default "Namely Form") |
//! | `mapping.salary_currencies` | comma-separated ISO codes (default USD) |
//! | `mapping.employee_types` | JSON object, Lever text → Namely type |
//! | `mapping.offer_identifiers` | JSON object, mapped field → offer identifier |
//! | `mapping.failure_notes` | `true` to post failures as Lever notes |
//! | `http.timeout_ms` | per-wait HTTP timeout (default 30000) |
//! | `retry.max_attempts` | attempts per request (default 5) |
//! | `retry.base_delay_ms` | first backoff delay (default 500) |
//! | `retry.max_delay_ms` | longest single wait (default 60000) |
//! | `lever.api_key`, `namely.access_token` | the fallback credentials, only for hosts that cannot add them per destination (see [`FallbackCredentials`]) |
//! | `namely.profile_index` | optional JSON `{"email": id, …}` of every Namely profile's work and personal email (lower-case), fetched in bulk by the host for a backfill; when given, it replaces the per-hire lookups |

use std::time::Duration;

use crate::types::{MapOptions, RecordType};

/// Everything the sync reads from the host.
#[derive(Debug, Clone)]
pub struct Settings {
    pub lever_base: String,
    pub namely_base: String,
    pub options: MapOptions,
    pub failure_notes: bool,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Every Namely profile by lower-cased email, when the host prefetched them.
    pub profile_index: Option<std::collections::HashMap<String, String>>,
    /// Tokens from the store, for hosts that cannot inject credentials.
    pub credentials: FallbackCredentials,
}

/// A secret read from the store: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq)]
pub struct Token(String);

impl Token {
    /// The secret itself, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Credentials given through `wasi:config/store` (`lever.api_key`,
/// `namely.access_token`).
///
/// The fallback for stock hosts (`wasmtime serve`), which cannot add a token
/// per destination: the tokens then live inside the sandbox, readable by the
/// component's code. The reference host injects credentials outside the
/// sandbox and never sets these keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FallbackCredentials {
    pub lever_api_key: Option<Token>,
    pub namely_access_token: Option<Token>,
}

impl FallbackCredentials {
    fn read(get: &impl Fn(&str) -> Option<String>) -> Self {
        let token = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).map(Token);
        FallbackCredentials { lever_api_key: token("lever.api_key"), namely_access_token: token("namely.access_token") }
    }
}

impl Settings {
    /// Read settings through `get`; the error names the bad or missing key.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let need = |k: &str| {
            get(k).map(|v| v.trim().trim_end_matches('/').to_string()).filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("the setting `{k}` is missing; the host must provide it through wasi:config/store")
            })
        };
        let number = |k: &str, default: u64| -> Result<u64, String> {
            match get(k) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| format!("the setting `{k}` must be a whole number, not \"{v}\"")),
            }
        };
        let json_pairs = |k: &str| -> Result<Vec<(String, String)>, String> {
            let Some(text) = get(k).filter(|t| !t.trim().is_empty()) else { return Ok(vec![]) };
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("the setting `{k}` is not JSON: {e}"))?;
            let o = v.as_object().ok_or_else(|| format!("the setting `{k}` must be a JSON object"))?;
            o.iter()
                .map(|(a, b)| b.as_str().map(|b| (a.clone(), b.to_string())).ok_or_else(|| format!("`{k}`.{a} must be text")))
                .collect()
        };
        let record_type = match get("record_type").as_deref().map(str::trim) {
            None | Some("") | Some("hris") => RecordType::Hris,
            Some("onboarding") => RecordType::Onboarding,
            Some(other) => return Err(format!("the setting `record_type` must be hris or onboarding, not \"{other}\"")),
        };
        Ok(Settings {
            lever_base: need("lever.base_url")?,
            namely_base: need("namely.base_url")?,
            options: MapOptions {
                record_type,
                timezone: get("timezone").filter(|t| !t.trim().is_empty()),
                employee_types: json_pairs("mapping.employee_types")?,
                salary_currencies: get("mapping.salary_currencies")
                    .map(|s| s.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect())
                    .unwrap_or_default(),
                offer_identifiers: json_pairs("mapping.offer_identifiers")?,
                form_title: get("mapping.form_title").filter(|t| !t.trim().is_empty()),
            },
            failure_notes: get("mapping.failure_notes").is_some_and(|v| v.trim() == "true"),
            timeout: Duration::from_millis(number("http.timeout_ms", 30_000)?.max(1)),
            max_attempts: number("retry.max_attempts", 5)?.clamp(1, 20) as u32,
            base_delay: Duration::from_millis(number("retry.base_delay_ms", 500)?),
            max_delay: Duration::from_millis(number("retry.max_delay_ms", 60_000)?),
            credentials: FallbackCredentials::read(&get),
            profile_index: match get("namely.profile_index").filter(|t| !t.trim().is_empty()) {
                None => None,
                Some(text) => Some(
                    serde_json::from_str::<std::collections::HashMap<String, String>>(&text)
                        .map_err(|e| format!("the setting `namely.profile_index` must be a JSON object of email to id: {e}"))?
                        .into_iter()
                        .map(|(k, v)| (k.trim().to_lowercase(), v))
                        .collect(),
                ),
            },
        })
    }

    /// The Namely web root (`https://acme.namely.com`), for profile links.
    pub fn namely_web_root(&self) -> &str {
        self.namely_base.strip_suffix("/api/v1").unwrap_or(&self.namely_base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::read(|k| m.get(k).cloned())
    }

    #[test]
    fn required_keys_are_named_when_missing() {
        let e = read(&[("namely.base_url", "https://acme.namely.com/api/v1")]).unwrap_err();
        assert!(e.contains("lever.base_url"), "{e}");
    }

    #[test]
    fn all_keys_are_read() {
        let s = read(&[
            ("lever.base_url", "https://api.lever.co/v1/"),
            ("namely.base_url", "https://acme.namely.com/api/v1"),
            ("record_type", "onboarding"),
            ("mapping.salary_currencies", "USD, CAD"),
            ("mapping.employee_types", r#"{"Seasonal":"Freelance"}"#),
            ("mapping.failure_notes", "true"),
            ("http.timeout_ms", "1500"),
        ])
        .unwrap();
        assert_eq!(s.lever_base, "https://api.lever.co/v1");
        assert_eq!(s.options.record_type, RecordType::Onboarding);
        assert_eq!(s.options.salary_currencies, vec!["USD", "CAD"]);
        assert_eq!(s.options.employee_types, vec![("Seasonal".to_string(), "Freelance".to_string())]);
        assert!(s.failure_notes);
        assert_eq!(s.timeout, Duration::from_millis(1500));
        assert_eq!(s.namely_web_root(), "https://acme.namely.com");
    }

    #[test]
    fn bad_values_are_named() {
        let base = [("lever.base_url", "x"), ("namely.base_url", "y")];
        let e = read(&[base[0], base[1], ("record_type", "payroll")]).unwrap_err();
        assert!(e.contains("record_type") && e.contains("payroll"));
        let e = read(&[base[0], base[1], ("mapping.employee_types", "[1]")]).unwrap_err();
        assert!(e.contains("mapping.employee_types"));
        let e = read(&[base[0], base[1], ("http.timeout_ms", "soon")]).unwrap_err();
        assert!(e.contains("http.timeout_ms"));
    }

    #[test]
    fn fallback_tokens_are_read_and_never_printed() {
        let base = [("lever.base_url", "x"), ("namely.base_url", "y")];
        assert_eq!(read(&base).unwrap().credentials, FallbackCredentials::default());
        let s = read(&[base[0], base[1], ("lever.api_key", " lever-secret "), ("namely.access_token", "namely-secret")]).unwrap();
        assert_eq!(s.credentials.lever_api_key.as_ref().map(Token::expose), Some("lever-secret"));
        assert_eq!(s.credentials.namely_access_token.as_ref().map(Token::expose), Some("namely-secret"));
        let printed = format!("{s:?}");
        assert!(!printed.contains("secret") && printed.contains("<redacted>"), "{printed}");
    }
}
