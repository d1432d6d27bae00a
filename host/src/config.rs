//! The configuration file (TOML). Unknown keys are refused, so a typo is an
//! error that names the key rather than a setting silently ignored.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

use crate::bindings::types::{MapOptions, RecordType};

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

/// `[sandbox]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSettings {
    /// Allow plain HTTP to loopback addresses (simulators and tests only).
    #[serde(default)]
    pub allow_loopback: bool,
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

impl Config {
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
    fn an_empty_file_is_an_hris_mapping_in_utc() {
        let o = Config::parse("").unwrap().map_options();
        assert_eq!(o.record_type, RecordType::Hris);
        assert_eq!(o.timezone, None);
    }
}
