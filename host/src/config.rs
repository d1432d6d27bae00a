//! The configuration file (TOML). Unknown keys are refused, so a typo is an
//! error that names the key rather than a setting silently ignored.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

use std::time::Duration;

use crate::bindings::types::{MapOptions, RecordType};
use crate::egress::{AddressPolicy, HttpLimits};
use crate::limits::Limits;

/// The whole configuration file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `hris` (an active HRIS record) or `onboarding` (a pending draft).
    pub record_type: Option<RecordTypeSetting>,
    /// IANA time zone for turning Lever timestamps into dates.
    pub timezone: Option<String>,
    #[serde(default)]
    pub lever: LeverSettings,
    #[serde(default)]
    pub namely: NamelySettings,
    #[serde(default)]
    pub sandbox: SandboxSettings,
    #[serde(default)]
    pub mapping: MappingSettings,
    #[serde(default)]
    pub sync: SyncSettings,
    #[serde(default)]
    pub serve: ServeSettings,
}

/// `[serve]`: the webhook service.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSettings {
    /// The address to listen on; default `127.0.0.1:8080`.
    pub listen: Option<String>,
    /// The SQLite journal; default `lever-namely.db`.
    pub journal: Option<String>,
    /// Concurrent syncs; default 2.
    pub workers: Option<usize>,
    /// A `candidateStageChange` into this stage id also counts as a hire.
    pub hire_stage: Option<String>,
    /// How far `triggeredAt` may be from now, seconds; default 300.
    pub max_skew_secs: Option<u64>,
    /// How often `serve` reconciles (finds hires whose webhook never came), minutes; default 60, 0 = never.
    pub reconcile_every_mins: Option<u64>,
    /// How long a worker's claim on a hire lasts unrenewed, seconds; default 60.
    /// After a crash, a restart picks the hire up again once it runs out.
    pub lease_secs: Option<u64>,
    /// Serve the operator console under `/console`; default false.
    pub console: Option<bool>,
    /// The environment variable holding the console's password; default `LEVER_NAMELY_CONSOLE_PASSWORD`.
    pub console_password_env: Option<String>,
}

impl ServeSettings {
    /// The journal's path.
    pub fn journal_path(&self) -> std::path::PathBuf {
        self.journal.clone().unwrap_or_else(|| "lever-namely.db".into()).into()
    }
}

/// `record_type` as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordTypeSetting {
    Hris,
    Onboarding,
}

impl From<RecordTypeSetting> for RecordType {
    fn from(r: RecordTypeSetting) -> Self {
        match r {
            RecordTypeSetting::Hris => RecordType::Hris,
            RecordTypeSetting::Onboarding => RecordType::Onboarding,
        }
    }
}

/// `[lever]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeverSettings {
    /// The API root; default `https://api.lever.co/v1`.
    pub base_url: Option<String>,
    /// The environment variable holding the API key; default `LEVER_API_KEY`.
    pub api_key_env: Option<String>,
    /// Webhook event name → the environment variable holding its signature token.
    #[serde(default)]
    pub webhook_tokens: BTreeMap<String, String>,
}

/// `[namely]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamelySettings {
    /// `https://acme.namely.com/` or just `acme`.
    pub company_url: Option<String>,
    /// Overrides the API root derived from the company URL.
    pub base_url: Option<String>,
    /// The environment variable holding the access token; default `NAMELY_ACCESS_TOKEN`.
    pub access_token_env: Option<String>,
}

/// `[sandbox]`: what the component may reach and use. Every limit has a
/// default that a normal sync stays far below.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxSettings {
    /// Allow loopback addresses, and plain HTTP to them (simulators and tests only).
    pub allow_loopback: bool,
    /// Allow private address ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7).
    pub allow_private_networks: bool,
    /// CPU time per call, milliseconds; default 5000.
    pub cpu_ms: u64,
    /// Memory the component may grow to, MiB; default 128.
    pub memory_mib: u64,
    /// Elements a table may grow to; default 100000.
    pub table_elements: u64,
    /// Outbound requests per call; default 500.
    pub max_requests: u64,
    /// Outbound connections open at once; default 8.
    pub max_concurrent_requests: u64,
    /// The largest request body the component may send, MiB; default 32.
    pub max_request_body_mib: u64,
    /// The largest response body passed to the component, MiB; default 32.
    pub max_response_body_mib: u64,
    /// The largest header section, each way, KiB; default 64.
    pub max_header_kib: u64,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        let (l, h) = (Limits::default(), HttpLimits::default());
        Self {
            allow_loopback: false,
            allow_private_networks: false,
            cpu_ms: l.cpu.as_millis() as u64,
            memory_mib: (l.memory_bytes >> 20) as u64,
            table_elements: l.table_elements as u64,
            max_requests: h.max_requests as u64,
            max_concurrent_requests: h.max_concurrent as u64,
            max_request_body_mib: (h.max_request_bytes >> 20) as u64,
            max_response_body_mib: (h.max_response_bytes >> 20) as u64,
            max_header_kib: (h.max_header_bytes >> 10) as u64,
        }
    }
}

impl SandboxSettings {
    /// Check that every limit is usable: a zero would stop every sync.
    pub fn check(&self) -> anyhow::Result<()> {
        let limits = [
            ("cpu_ms", self.cpu_ms),
            ("memory_mib", self.memory_mib),
            ("table_elements", self.table_elements),
            ("max_requests", self.max_requests),
            ("max_concurrent_requests", self.max_concurrent_requests),
            ("max_request_body_mib", self.max_request_body_mib),
            ("max_response_body_mib", self.max_response_body_mib),
            ("max_header_kib", self.max_header_kib),
        ];
        for (key, value) in limits {
            if value == 0 {
                anyhow::bail!("[sandbox] {key} = 0 would stop every sync; remove it to use the default, or set a positive number");
            }
        }
        if self.memory_mib > 4096 {
            anyhow::bail!("[sandbox] memory_mib = {} is more than a 32-bit component can use (4096)", self.memory_mib);
        }
        Ok(())
    }

    /// The component's per-call limits.
    pub fn limits(&self) -> Limits {
        let mib = |v: u64| (v as usize).saturating_mul(1 << 20);
        Limits { cpu: Duration::from_millis(self.cpu_ms), memory_bytes: mib(self.memory_mib), table_elements: self.table_elements as usize, ..Limits::default() }
    }

    /// The bounds on the component's HTTP; no single wait longer than `max_timeout`.
    pub fn http_limits(&self, max_timeout: Duration) -> HttpLimits {
        let mib = |v: u64| (v as usize).saturating_mul(1 << 20);
        HttpLimits {
            max_timeout,
            max_response_bytes: mib(self.max_response_body_mib),
            max_request_bytes: mib(self.max_request_body_mib),
            max_header_bytes: (self.max_header_kib as usize).saturating_mul(1024),
            max_requests: self.max_requests as usize,
            max_concurrent: self.max_concurrent_requests as usize,
        }
    }

    /// Which addresses the component's requests may reach.
    pub fn address_policy(&self) -> AddressPolicy {
        AddressPolicy { allow_loopback: self.allow_loopback, allow_private: self.allow_private_networks }
    }
}

/// `[mapping]`: the overrides the mapping spec allows.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingSettings {
    /// Lever employment text to Namely employee type, e.g. `Seasonal = "Freelance"`.
    #[serde(default)]
    pub employee_types: BTreeMap<String, String>,
    /// Currencies a salary may be sent in; default `["USD"]`.
    #[serde(default)]
    pub salary_currencies: Vec<String>,
    /// Offer field identifiers per mapped field, e.g. `salary_amount = "base_pay"`.
    #[serde(default)]
    pub offer_identifiers: BTreeMap<String, String>,
    /// The profile form to read; default "Namely Form".
    pub form_title: Option<String>,
    /// Post a note on the Lever candidate when a sync fails.
    #[serde(default)]
    pub failure_notes: bool,
}

/// `[sync]`: timing of the component's HTTP calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSettings {
    /// Per-wait HTTP timeout (connect, first byte, between bytes), milliseconds.
    pub http_timeout_ms: u64,
    /// Attempts per read before giving up.
    pub max_attempts: u32,
    /// First backoff delay, milliseconds; it doubles per attempt.
    pub retry_base_delay_ms: u64,
    /// The longest single wait, milliseconds.
    pub retry_max_delay_ms: u64,
    /// The whole sync's deadline, seconds.
    pub deadline_secs: u64,
    /// Requests a second to Lever, across all syncs of this process (Lever
    /// allows about 10 per key); 0 = unlimited.
    pub lever_requests_per_second: f64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            http_timeout_ms: 30_000,
            max_attempts: 5,
            retry_base_delay_ms: 500,
            retry_max_delay_ms: 60_000,
            deadline_secs: 600,
            lever_requests_per_second: 8.0,
        }
    }
}

/// Where the component talks to, checked: the API roots and the names of the
/// environment variables holding the credentials.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub lever_base: String,
    pub namely_base: String,
    pub lever_api_key_env: String,
    pub namely_access_token_env: String,
}

/// The default Lever API root.
pub const LEVER_DEFAULT_BASE: &str = "https://api.lever.co/v1";

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `https://acme.namely.com/` or `acme` → `https://acme.namely.com/api/v1`.
pub fn namely_base_from_company(company: &str) -> anyhow::Result<String> {
    let c = company.trim();
    let sub = if let Some(rest) = c.strip_prefix("https://") {
        let host = rest.trim_end_matches('/');
        host.strip_suffix(".namely.com").filter(|s| !s.contains('/')).ok_or_else(|| {
            anyhow::anyhow!("[namely] company_url \"{company}\" must look like https://COMPANY.namely.com/ (or just COMPANY)")
        })?
    } else if c.contains("://") || c.contains('/') || c.contains('.') {
        anyhow::bail!("[namely] company_url \"{company}\" must look like https://COMPANY.namely.com/ (or just COMPANY); plain http is not accepted");
    } else {
        c
    };
    let valid = !sub.is_empty() && sub.len() <= 63 && sub.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') && !sub.starts_with('-') && !sub.ends_with('-');
    if !valid {
        anyhow::bail!("[namely] company_url \"{company}\": \"{sub}\" is not a Namely company name (letters, digits and dashes)");
    }
    Ok(format!("https://{}.namely.com/api/v1", sub.to_ascii_lowercase()))
}

fn check_base(setting: &str, url: &str, allow_loopback: bool) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/').to_string();
    let origin = crate::egress::Origin::of(&url).map_err(|e| anyhow::anyhow!("{setting}: {e}"))?;
    match origin.scheme.as_str() {
        "https" => Ok(url),
        "http" if allow_loopback && is_loopback(&origin.host) => Ok(url),
        "http" if is_loopback(&origin.host) => anyhow::bail!(
            "{setting} = \"{url}\" is plain http to loopback, which is only for simulators and tests; set [sandbox] allow_loopback = true to allow it"
        ),
        _ => anyhow::bail!("{setting} = \"{url}\" must use https"),
    }
}

impl Config {
    /// Check and resolve where the component may talk to.
    pub fn endpoints(&self) -> anyhow::Result<Endpoints> {
        self.sandbox.check()?;
        let loopback = self.sandbox.allow_loopback;
        let lever_base = check_base("[lever] base_url", self.lever.base_url.as_deref().unwrap_or(LEVER_DEFAULT_BASE), loopback)?;
        let namely_base = match (&self.namely.base_url, &self.namely.company_url) {
            (Some(b), _) => check_base("[namely] base_url", b, loopback)?,
            (None, Some(c)) => namely_base_from_company(c)?,
            (None, None) => anyhow::bail!("[namely] company_url is missing: set it to your Namely address, e.g. company_url = \"https://acme.namely.com/\""),
        };
        Ok(Endpoints {
            lever_base,
            namely_base,
            lever_api_key_env: self.lever.api_key_env.clone().unwrap_or_else(|| "LEVER_API_KEY".into()),
            namely_access_token_env: self.namely.access_token_env.clone().unwrap_or_else(|| "NAMELY_ACCESS_TOKEN".into()),
        })
    }

    /// The component's settings (`wasi:config/store` keys) for these endpoints.
    pub fn component_settings(&self, e: &Endpoints) -> Vec<(String, String)> {
        let o = self.map_options();
        let json = |m: &BTreeMap<String, String>| serde_json::to_string(m).unwrap_or_default();
        let mut s = vec![
            ("lever.base_url".to_string(), e.lever_base.clone()),
            ("namely.base_url".to_string(), e.namely_base.clone()),
            ("record_type".to_string(), if o.record_type == RecordType::Onboarding { "onboarding" } else { "hris" }.to_string()),
            ("mapping.employee_types".to_string(), json(&self.mapping.employee_types)),
            ("mapping.offer_identifiers".to_string(), json(&self.mapping.offer_identifiers)),
            ("mapping.salary_currencies".to_string(), self.mapping.salary_currencies.join(",")),
            ("mapping.failure_notes".to_string(), self.mapping.failure_notes.to_string()),
            ("http.timeout_ms".to_string(), self.sync.http_timeout_ms.to_string()),
            ("retry.max_attempts".to_string(), self.sync.max_attempts.to_string()),
            ("retry.base_delay_ms".to_string(), self.sync.retry_base_delay_ms.to_string()),
            ("retry.max_delay_ms".to_string(), self.sync.retry_max_delay_ms.to_string()),
        ];
        if let Some(tz) = &self.timezone {
            s.push(("timezone".into(), tz.clone()));
        }
        if let Some(t) = &self.mapping.form_title {
            s.push(("mapping.form_title".into(), t.clone()));
        }
        s
    }

    /// Read and parse a configuration file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("could not read the config file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("the config file {} is not valid", path.display()))
    }

    /// Parse configuration text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }

    /// The mapping options this configuration gives.
    pub fn map_options(&self) -> MapOptions {
        MapOptions {
            record_type: self.record_type.unwrap_or(RecordTypeSetting::Hris).into(),
            timezone: self.timezone.clone(),
            employee_types: self.mapping.employee_types.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            salary_currencies: self.mapping.salary_currencies.clone(),
            offer_identifiers: self.mapping.offer_identifiers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            form_title: self.mapping.form_title.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_limits_come_from_the_file_and_a_zero_is_refused_by_name() {
        let c = Config::parse("[sandbox]\ncpu_ms = 250\nmemory_mib = 64\nmax_requests = 7\nallow_private_networks = true\n").unwrap();
        let limits = c.sandbox.limits();
        assert_eq!((limits.cpu, limits.memory_bytes), (Duration::from_millis(250), 64 << 20));
        let http = c.sandbox.http_limits(Duration::from_secs(60));
        assert_eq!((http.max_requests, http.max_concurrent, http.max_header_bytes), (7, 8, 64 * 1024));
        assert_eq!(c.sandbox.address_policy(), AddressPolicy { allow_loopback: false, allow_private: true });
        let zero = Config::parse("[sandbox]\nmax_requests = 0\n").unwrap().sandbox.check().unwrap_err().to_string();
        assert!(zero.contains("[sandbox] max_requests = 0"), "{zero}");
        let typo = Config::parse("[sandbox]\ncpu_msec = 1\n").unwrap_err().to_string();
        assert!(typo.contains("cpu_msec"), "{typo}");
    }

    #[test]
    fn a_full_mapping_section_parses() {
        let c = Config::parse(
            r#"
record_type = "onboarding"
timezone = "America/New_York"
[mapping]
employee_types = { Seasonal = "Freelance" }
salary_currencies = ["USD", "CAD"]
offer_identifiers = { salary_amount = "base_pay" }
form_title = "HR Form"
"#,
        )
        .unwrap();
        let o = c.map_options();
        assert_eq!(o.record_type, RecordType::Onboarding);
        assert_eq!(o.timezone.as_deref(), Some("America/New_York"));
        assert_eq!(o.employee_types, vec![("Seasonal".to_string(), "Freelance".to_string())]);
        assert_eq!(o.offer_identifiers, vec![("salary_amount".to_string(), "base_pay".to_string())]);
        assert_eq!(o.form_title.as_deref(), Some("HR Form"));
    }

    #[test]
    fn typos_and_bad_values_are_named() {
        let e = format!("{:#}", Config::parse("record_typ = \"hris\"").unwrap_err());
        assert!(e.contains("record_typ"), "{e}");
        let e = format!("{:#}", Config::parse("record_type = \"payroll\"").unwrap_err());
        assert!(e.contains("payroll") && e.contains("hris"), "{e}");
    }

    #[test]
    fn company_urls_are_normalised_or_refused_with_the_reason() {
        assert_eq!(namely_base_from_company("https://Acme.namely.com/").unwrap(), "https://acme.namely.com/api/v1");
        assert_eq!(namely_base_from_company("acme-sandbox").unwrap(), "https://acme-sandbox.namely.com/api/v1");
        for bad in ["http://acme.namely.com/", "https://acme.example.com/", "acme.namely.com", "https://namely.com/", "ac me", "https://acme.namely.com/people"] {
            let e = namely_base_from_company(bad).unwrap_err().to_string();
            assert!(e.contains("company_url"), "{bad}: {e}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback_and_only_when_allowed() {
        let mut c = Config::parse("[namely]\ncompany_url = \"acme\"\n[lever]\nbase_url = \"http://127.0.0.1:9000/v1\"").unwrap();
        assert!(c.endpoints().unwrap_err().to_string().contains("allow_loopback"));
        c.sandbox.allow_loopback = true;
        assert_eq!(c.endpoints().unwrap().lever_base, "http://127.0.0.1:9000/v1");
        c.lever.base_url = Some("http://lever.example/v1".into());
        assert!(c.endpoints().unwrap_err().to_string().contains("https"));
        let d = Config::parse("[namely]\ncompany_url = \"acme\"").unwrap().endpoints().unwrap();
        assert_eq!((d.lever_base.as_str(), d.lever_api_key_env.as_str()), ("https://api.lever.co/v1", "LEVER_API_KEY"));
        assert!(Config::default().endpoints().unwrap_err().to_string().contains("company_url"));
    }

    #[test]
    fn an_empty_file_is_an_hris_mapping_in_utc() {
        let o = Config::parse("").unwrap().map_options();
        assert_eq!(o.record_type, RecordType::Hris);
        assert_eq!(o.timezone, None);
    }
}
