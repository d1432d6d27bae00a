//! What a Namely simulator starts with. The same struct is its live state
//! (see `NamelyHandle::with_data`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lever::Blob;

/// The token used when a seed names none.
pub const DEFAULT_TOKEN: &str = "namely-sim-token";

fn yes() -> bool {
    true
}

/// A personal access token and what its owner may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSeed {
    /// The bearer token.
    pub token: String,
    /// Administrator: sees and writes every field. A non-admin token does not
    /// see `salary` or `home` (absent from profiles and from /profiles/fields)
    /// and its writes of them are silently dropped, as a PAT carries only its
    /// owner's field permissions.
    #[serde(default = "yes")]
    pub admin: bool,
    /// False when the owner was deactivated: every request gets 403.
    #[serde(default = "yes")]
    pub active: bool,
    /// The owner's profile, shown by GET /profiles/me; `None` shows a built-in "API User".
    #[serde(default)]
    pub profile_id: Option<String>,
}

impl TokenSeed {
    /// An active administrator token.
    pub fn admin(token: &str) -> TokenSeed {
        TokenSeed { token: token.into(), admin: true, active: true, profile_id: None }
    }
}

/// A file uploaded with POST /files (or seeded as already uploaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedFile {
    /// The file id to put in a profile's `resume`.
    pub id: String,
    /// The uploaded file name.
    pub filename: String,
    /// Its content type.
    pub mime_type: String,
    /// Its bytes.
    #[serde(with = "blob_bytes")]
    pub bytes: Vec<u8>,
}

/// Everything a Namely simulator serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamelySeed {
    /// Existing profiles; missing standard keys are filled in at start.
    pub profiles: Vec<Value>,
    /// `GET /job_titles` items: `{id, title, parent_id}`.
    pub job_titles: Vec<Value>,
    /// Accepted bearer tokens (none: one admin token, [`DEFAULT_TOKEN`]).
    pub tokens: Vec<TokenSeed>,
    /// Files already uploaded.
    pub files: Vec<UploadedFile>,
}

impl NamelySeed {
    /// The token a client should use: the first active admin one, else the first.
    pub fn primary_token(&self) -> &str {
        self.tokens
            .iter()
            .find(|t| t.admin && t.active)
            .or(self.tokens.first())
            .map(|t| t.token.as_str())
            .unwrap_or(DEFAULT_TOKEN)
    }
}

/// File bytes in seed files: text or `{"base64": …}`, like Lever's blobs.
mod blob_bytes {
    use super::Blob;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        Blob::from_bytes(bytes).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Blob::deserialize(d)?.to_bytes().map_err(serde::de::Error::custom)
    }
}
