//! What a Lever simulator starts with, and how recorded Lever exchanges
//! (`[{method, path, status, body}]`, as in `tests/fixtures/lever-recorded/`)
//! become one.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The API key used when a seed names none.
pub const DEFAULT_API_KEY: &str = "lever-sim-api-key";

/// Bytes in a seed file: a plain string is taken as UTF-8 text,
/// `{"base64": "…"}` as base64 (standard alphabet, padded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Blob {
    /// UTF-8 text.
    Text(String),
    /// Base64-encoded bytes.
    Base64 {
        /// The encoded bytes.
        base64: String,
    },
}

impl Blob {
    /// Wrap arbitrary bytes (stored as base64).
    pub fn from_bytes(bytes: &[u8]) -> Blob {
        Blob::Base64 { base64: base64::engine::general_purpose::STANDARD.encode(bytes) }
    }

    /// The bytes.
    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        match self {
            Blob::Text(t) => Ok(t.as_bytes().to_vec()),
            Blob::Base64 { base64 } => Ok(base64::engine::general_purpose::STANDARD.decode(base64.trim())?),
        }
    }
}

/// Everything a Lever simulator serves. Objects are kept exactly as given
/// (Lever's own JSON shapes), so recorded responses seed it unchanged.
/// The same struct is the simulator's live state (see `LeverHandle::with_data`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeverSeed {
    /// The API key clients must send as the Basic username (empty: [`DEFAULT_API_KEY`]).
    pub api_key: String,
    /// User id that notes are attributed to when `perform_as` is absent.
    pub default_user: Option<String>,
    /// `GET /archive_reasons`; exactly one should have `type: "hired"`.
    pub archive_reasons: Vec<Value>,
    /// Opportunities; `applications` holds full application objects (ids are
    /// resolved against [`LeverSeed::applications`] when the simulator starts).
    pub opportunities: Vec<Value>,
    /// Application objects referenced by id from opportunities.
    pub applications: Vec<Value>,
    /// Offers by opportunity id.
    pub offers: BTreeMap<String, Vec<Value>>,
    /// Profile forms by opportunity id.
    pub forms: BTreeMap<String, Vec<Value>>,
    /// Notes by opportunity id (posted notes are appended here).
    pub notes: BTreeMap<String, Vec<Value>>,
    /// Resumes by opportunity id.
    pub resumes: BTreeMap<String, Vec<Value>>,
    /// Files by opportunity id.
    pub files: BTreeMap<String, Vec<Value>>,
    /// Download bytes by resume id.
    pub resume_bytes: BTreeMap<String, Blob>,
    /// Download bytes by file id.
    pub file_bytes: BTreeMap<String, Blob>,
    /// Requisitions.
    pub requisitions: Vec<Value>,
    /// Postings.
    pub postings: Vec<Value>,
    /// Users.
    pub users: Vec<Value>,
    /// Pipeline stages.
    pub stages: Vec<Value>,
    /// Contacts.
    pub contacts: Vec<Value>,
    /// Requisition field definitions.
    pub requisition_fields: Vec<Value>,
    /// Webhooks.
    pub webhooks: Vec<Value>,
}

/// One recorded exchange, as stored in `tests/fixtures/lever-recorded/*.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path including `/v1`, possibly with a query.
    pub path: String,
    /// Status Lever answered.
    pub status: u16,
    /// Body Lever answered.
    pub body: Value,
}

impl LeverSeed {
    /// The API key in force (the seeded one, or [`DEFAULT_API_KEY`]).
    pub fn effective_api_key(&self) -> &str {
        if self.api_key.is_empty() {
            DEFAULT_API_KEY
        } else {
            &self.api_key
        }
    }

    /// A seed from every `*.json` file in `dir`, each holding recorded exchanges.
    pub fn from_recorded_dir(dir: impl AsRef<Path>) -> anyhow::Result<LeverSeed> {
        let dir = dir.as_ref();
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut all = Vec::new();
        for p in paths {
            all.extend(Self::read_recorded_file(&p)?);
        }
        Self::from_recorded(&all)
    }

    /// The exchanges stored in one recorded file.
    pub fn read_recorded_file(path: &Path) -> anyhow::Result<Vec<Recorded>> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a list of recorded exchanges", path.display()))
    }

    /// A seed from recorded exchanges. Error answers are skipped; a successful
    /// exchange on a path the simulator does not serve is an error, so a new
    /// fixture cannot be silently ignored.
    pub fn from_recorded(exchanges: &[Recorded]) -> anyhow::Result<LeverSeed> {
        let mut seed = LeverSeed::default();
        for x in exchanges {
            if !(200..300).contains(&x.status) {
                continue;
            }
            seed.absorb(x).with_context(|| format!("recorded {} {}", x.method, x.path))?;
        }
        Ok(seed)
    }

    fn absorb(&mut self, x: &Recorded) -> anyhow::Result<()> {
        let path = x.path.split('?').next().unwrap_or("");
        let segs: Vec<&str> = path.trim_start_matches("/v1").split('/').filter(|s| !s.is_empty()).collect();
        let data = x.body.get("data").cloned().unwrap_or(Value::Null);
        let items = || -> anyhow::Result<Vec<Value>> {
            match &data {
                Value::Array(a) => Ok(a.clone()),
                Value::Object(_) => Ok(vec![data.clone()]),
                _ => bail!("no data in the body"),
            }
        };
        match (x.method.as_str(), segs.as_slice()) {
            ("GET", ["archive_reasons", ..]) => upsert_all(&mut self.archive_reasons, items()?),
            ("GET", ["opportunities"] | ["opportunities", _]) => upsert_all(&mut self.opportunities, items()?),
            ("GET", ["opportunities", _, "applications", ..]) => upsert_all(&mut self.applications, items()?),
            ("GET", ["opportunities", opp, kind @ ("offers" | "forms" | "notes" | "resumes" | "files"), ..])
            | ("POST", ["opportunities", opp, kind @ "notes"]) => {
                let map = match *kind {
                    "offers" => &mut self.offers,
                    "forms" => &mut self.forms,
                    "notes" => &mut self.notes,
                    "resumes" => &mut self.resumes,
                    _ => &mut self.files,
                };
                let list = map.entry(opp.to_string()).or_default();
                for mut item in items()? {
                    // A created note answers with `noteId`; a stored one has none.
                    if let Some(o) = item.as_object_mut() {
                        o.remove("noteId");
                    }
                    upsert(list, item);
                }
            }
            ("GET", ["requisitions", ..]) => upsert_all(&mut self.requisitions, items()?),
            ("GET", ["postings", ..]) => upsert_all(&mut self.postings, items()?),
            ("GET", ["users", ..]) => upsert_all(&mut self.users, items()?),
            ("GET", ["stages"]) => upsert_all(&mut self.stages, items()?),
            ("GET", ["contacts", _]) => upsert_all(&mut self.contacts, items()?),
            ("GET", ["requisition_fields"]) => upsert_all(&mut self.requisition_fields, items()?),
            ("GET", ["webhooks"]) | ("POST", ["webhooks"]) => upsert_all(&mut self.webhooks, items()?),
            _ => bail!("the Lever simulator does not serve this path"),
        }
        Ok(())
    }
}

/// Add or replace (by `id`) each item, keeping first-seen order.
fn upsert_all(list: &mut Vec<Value>, items: Vec<Value>) {
    for item in items {
        upsert(list, item);
    }
}

/// Add `item`, or replace the item with the same `id`.
pub(crate) fn upsert(list: &mut Vec<Value>, item: Value) {
    let id = item.get("id").cloned();
    match list.iter_mut().find(|v| id.is_some() && v.get("id") == id.as_ref()) {
        Some(existing) => *existing = item,
        None => list.push(item),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blobs_decode_text_and_base64() {
        assert_eq!(Blob::Text("hi".into()).to_bytes().unwrap(), b"hi");
        let b = Blob::from_bytes(&[0, 255, 7]);
        assert_eq!(b.to_bytes().unwrap(), vec![0, 255, 7]);
        let parsed: Blob = serde_json::from_value(json!({"base64": "aGk="})).unwrap();
        assert_eq!(parsed.to_bytes().unwrap(), b"hi");
    }

    #[test]
    fn unknown_recorded_paths_are_refused_and_errors_skipped() {
        let x = |m: &str, p: &str, s: u16| Recorded {
            method: m.into(),
            path: p.into(),
            status: s,
            body: json!({"data": []}),
        };
        assert!(LeverSeed::from_recorded(&[x("GET", "/v1/tags", 200)]).is_err());
        assert!(LeverSeed::from_recorded(&[x("GET", "/v1/tags", 404)]).is_ok());
    }
}
