//! `lever-namely check`: are the settings and credentials good for a sync?
//!
//! It calls the two APIs from the host, with the same credentials the sync's
//! requests get, and says what works, what is doubtful and what to fix.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION};
use http_body_util::{BodyExt, Empty};
use serde_json::Value;
use wasmtime_wasi_http::RequestOptions;

use crate::config::Endpoints;
use crate::credentials::{Credentials, Secret};

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warning,
    Error,
}

/// One finding.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    pub level: Level,
    pub message: String,
}

/// The Namely profile fields the mapping writes.
pub const MAPPED_NAMELY_FIELDS: &[&str] = &[
    "first_name", "middle_name", "last_name", "preferred_name", "email", "personal_email", "user_status", "start_date",
    "mobile_phone", "home_phone", "linkedin_url", "job_title", "employee_type", "salary", "home", "resume",
];

pub(crate) async fn get(url: &str, auth: &Secret) -> Result<(u16, Value), String> {
    let mut request = http::Request::get(url)
        .header(ACCEPT, "application/json")
        .body(Empty::<Bytes>::new().map_err(|never| match never {}).boxed_unsync())
        .map_err(|e| format!("bad URL {url}: {e}"))?;
    let mut value = http::HeaderValue::from_str(auth.expose()).map_err(|_| "the credential is not a valid header value".to_string())?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    let t = Some(Duration::from_secs(20));
    let options = RequestOptions { connect_timeout: t, first_byte_timeout: t, between_bytes_timeout: t };
    let (response, io) = wasmtime_wasi_http::default_send_request(request, Some(options))
        .await
        .map_err(|e| format!("could not reach {url}: {e}"))?;
    let io = tokio::spawn(io);
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.map_err(|e| format!("the answer from {url} broke off: {e}"))?.to_bytes();
    io.abort();
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

/// Run every check.
pub async fn run(e: &Endpoints, c: &Credentials) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut say = |level, message: String| out.push(Finding { level, message });
    say(Level::Ok, format!("Lever API: {}; Namely API: {}", e.lever_base, e.namely_base));

    let lever = c.lever_authorization();
    match get(&format!("{}/archive_reasons", e.lever_base), &lever).await {
        Err(m) => say(Level::Error, format!("Lever: {m}")),
        Ok((401, _)) => say(Level::Error, format!("Lever refused the API key in {} (401); create a key under Settings → Integrations and API", e.lever_api_key_env)),
        Ok((403, _)) => say(Level::Error, "Lever: the API key may not read archive reasons (403); give it Read access to archive_reasons".into()),
        Ok((200, v)) => {
            let hired = v["data"].as_array().and_then(|a| a.iter().find(|r| r["type"] == "hired")).and_then(|r| r["id"].as_str());
            match hired {
                Some(id) => say(Level::Ok, format!("Lever: the API key works and sees the Hired archive reason ({id})")),
                None => say(Level::Error, "Lever: no archive reason of type hired is visible to this key".into()),
            }
        }
        Ok((s, _)) => say(Level::Error, format!("Lever answered {s} to GET /archive_reasons")),
    }
    match get(&format!("{}/opportunities?confidentiality=confidential&limit=1", e.lever_base), &lever).await {
        Ok((200, _)) => say(Level::Ok, "Lever: the key can read confidential opportunities".into()),
        Ok((401, _)) => {}
        Ok((s, _)) => say(Level::Warning, format!(
            "Lever answered {s} for confidential opportunities: hires for confidential postings will not sync. \
             Create a key with \"Allow access to confidential data\" switched on (a key's access cannot be changed later)")),
        Err(m) => say(Level::Warning, format!("Lever: {m}")),
    }

    let namely = c.namely_authorization();
    match get(&format!("{}/profiles/me", e.namely_base), &namely).await {
        Err(m) => say(Level::Error, format!("Namely: {m}")),
        Ok((401, _)) => say(Level::Error, format!("Namely refused the access token in {} (401)", e.namely_access_token_env)),
        Ok((403, _)) => say(Level::Error, "Namely answered 403: the token's user may be inactive or deleted; create a token as an active administrator".into()),
        Ok((200, v)) => {
            let me = &v["profiles"][0];
            let role = me["access_role"].as_str().or_else(|| me["access_role"]["name"].as_str()).unwrap_or("");
            if role.to_lowercase().contains("admin") {
                say(Level::Ok, "Namely: the token works and belongs to an administrator".into());
            } else {
                say(Level::Warning, format!(
                    "Namely: the token works but its user's role is \"{role}\", not an administrator's: some fields may not be written"));
            }
        }
        Ok((s, _)) => say(Level::Error, format!("Namely answered {s} to GET /profiles/me")),
    }
    match get(&format!("{}/profiles/fields", e.namely_base), &namely).await {
        Ok((200, v)) => {
            let names: Vec<&str> = v["fields"].as_array().map(|f| f.iter().filter_map(|x| x["name"].as_str()).collect()).unwrap_or_default();
            let missing: Vec<&str> = MAPPED_NAMELY_FIELDS.iter().copied().filter(|f| !names.contains(f)).collect();
            if missing.is_empty() {
                say(Level::Ok, "Namely: the token can see every mapped field".into());
            } else {
                say(Level::Warning, format!("Namely: the token cannot see {}; these will not be written", missing.join(", ")));
            }
        }
        Ok((s, _)) => say(Level::Warning, format!("Namely answered {s} to GET /profiles/fields; field visibility is unknown")),
        Err(m) => say(Level::Warning, format!("Namely: {m}")),
    }
    out
}
