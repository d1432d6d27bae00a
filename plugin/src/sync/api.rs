//! Calls to Lever and Namely with the retry rules each API needs.
//!
//! Reads (GET) are retried on throttling (Lever 429; Namely 406 and 429),
//! 5xx, timeouts, dropped connections and malformed bodies, waiting as the
//! server asks (`Retry-After`, else `X-RateLimit-Reset`), else exponentially
//! with jitter. Writes are never retried here: the caller decides, after
//! checking whether the write happened.

use std::time::Duration;

use serde_json::Value;

use super::settings::Settings;
use super::transport::{Request, Response, Transport, TransportError};

/// Which service a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Lever,
    Namely,
}

impl Api {
    pub fn name(self) -> &'static str {
        match self {
            Api::Lever => "Lever",
            Api::Namely => "Namely",
        }
    }
}

/// Why a call failed, after any retries.
#[derive(Debug, Clone)]
pub enum CallError {
    /// The service answered with a status that is not success.
    Status { api: Api, status: u16, what: String, detail: String },
    /// No usable answer arrived.
    Transport { api: Api, what: String, error: TransportError },
    /// The answer was not the JSON we expect.
    BadBody { api: Api, what: String, detail: String },
}

impl CallError {
    /// A sentence a recruiter (or the operator) can act on.
    pub fn reason(&self) -> String {
        match self {
            CallError::Status { api, status, what, detail } => {
                let hint = match (api, status) {
                    (Api::Lever, 401) => " Lever refused the API key: check the key lever-namely is configured with.".to_string(),
                    (Api::Lever, 403) => " The Lever API key lacks Read access to this (or confidential access for a confidential posting).".to_string(),
                    (Api::Namely, 401) => " Namely refused the access token: check the token lever-namely is configured with.".to_string(),
                    (Api::Namely, 403) => " The Namely token's user may be inactive or lack permission; use an administrator's token.".to_string(),
                    (_, 429) | (Api::Namely, 406) => " The service kept throttling requests; this will be retried later.".to_string(),
                    (_, s) if *s >= 500 => format!(" {} had a server error; this will be retried later.", api.name()),
                    (_, s) if (300..400).contains(s) => " lever-namely does not follow redirects; check the configured base URL.".to_string(),
                    _ => String::new(),
                };
                let detail = if detail.is_empty() { String::new() } else { format!(" ({detail})") };
                format!("{} answered {status} to {what}{detail}.{hint}", api.name())
            }
            CallError::Transport { api, what, error } => format!("{what} at {} failed: {error}.", api.name()),
            CallError::BadBody { api, what, detail } => format!("{} sent an unreadable answer to {what}: {detail}.", api.name()),
        }
    }

    /// Whether trying again later may succeed without any fix.
    pub fn retryable(&self) -> bool {
        match self {
            CallError::Status { api, status, .. } => *status == 429 || *status >= 500 || (*api == Api::Namely && *status == 406),
            CallError::Transport { error, .. } => !matches!(error, TransportError::Denied(_)),
            CallError::BadBody { .. } => true,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A client for both APIs over one transport.
pub struct Client<'a, T: Transport> {
    pub transport: &'a T,
    pub settings: &'a Settings,
}

/// Lever's Basic authentication: the API key as user name, no password.
fn basic(api_key: &str) -> String {
    use base64::Engine as _;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{api_key}:")))
}

/// The error text a service put in its body, if any.
pub fn error_detail(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_string();
    };
    let mut parts = Vec::new();
    for key in ["code", "message", "error"] {
        if let Some(s) = v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            parts.push(s.to_string());
        }
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        parts.extend(errors.iter().filter_map(|e| e.as_str().map(str::to_string)));
    }
    parts.join(": ")
}

impl<'a, T: Transport> Client<'a, T> {
    /// Send once; no retry.
    pub async fn send(&self, api: Api, what: &str, mut request: Request) -> Result<Response, CallError> {
        if let Some(value) = self.fallback_authorization(api, &request.url) {
            request.headers.push(("authorization".into(), value));
        }
        self.transport.send(request).await.map_err(|error| CallError::Transport { api, what: what.into(), error })
    }

    /// The `Authorization` value from the fallback credentials, for a URL
    /// under that API's base URL only: a token never goes anywhere else.
    fn fallback_authorization(&self, api: Api, url: &str) -> Option<String> {
        let (base, value) = match api {
            Api::Lever => (&self.settings.lever_base, self.settings.credentials.lever_api_key.as_ref().map(|k| basic(k.expose()))?),
            Api::Namely => (&self.settings.namely_base, format!("Bearer {}", self.settings.credentials.namely_access_token.as_ref()?.expose())),
        };
        let under = url.strip_prefix(base.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
        under.then_some(value)
    }

    /// GET JSON, retrying what is worth retrying.
    pub async fn get_json(&self, api: Api, what: &str, url: String) -> Result<Value, CallError> {
        let mut attempt = 1;
        loop {
            let (err, response) = match self.send(api, what, Request::get(url.clone())).await {
                Ok(r) if (200..300).contains(&r.status) => match serde_json::from_slice::<Value>(&r.body) {
                    Ok(v) => return Ok(v),
                    Err(e) => (CallError::BadBody { api, what: what.into(), detail: format!("not JSON: {e}") }, None),
                },
                Ok(r) => (CallError::Status { api, status: r.status, what: what.into(), detail: error_detail(&r.body) }, Some(r)),
                Err(e) => (e, None),
            };
            if !err.retryable() || attempt >= self.settings.max_attempts {
                return Err(err);
            }
            let wait = self.wait(api, response.as_ref(), attempt, &url);
            self.transport.sleep(wait).await;
            attempt += 1;
        }
    }

    /// Run `op` again while it fails in a way worth retrying, up to the
    /// attempts allowed. Only for operations that are safe to repeat.
    pub async fn retrying<R>(&self, api: Api, key: &str, mut op: impl AsyncFnMut() -> Result<R, CallError>) -> Result<R, CallError> {
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if e.retryable() && attempt < self.settings.max_attempts => {
                    self.transport.sleep(self.wait(api, None, attempt, key)).await;
                    attempt += 1;
                }
                done => return done,
            }
        }
    }

    /// How long to wait before attempt `attempt + 1`.
    pub fn wait(&self, api: Api, response: Option<&Response>, attempt: u32, key: &str) -> Duration {
        let max = self.settings.max_delay;
        if let Some(r) = response {
            if let Some(secs) = r.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
                return Duration::from_secs(secs).min(max);
            }
            if api == Api::Lever {
                if let Some(reset) = r.header("x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok()) {
                    // Either a Unix time or a number of seconds.
                    let secs = if reset > 1_000_000_000 { reset.saturating_sub(self.transport.now_unix_secs()) } else { reset };
                    return Duration::from_secs(secs.max(1)).min(max);
                }
            }
        }
        backoff(self.settings.base_delay, max, attempt, key)
    }
}

/// Exponential backoff with jitter: base·2^(attempt−1), capped, scaled by a
/// factor in [0.5, 1.0) that is derived from the request, so that concurrent
/// syncs spread out but a run is reproducible.
pub fn backoff(base: Duration, max: Duration, attempt: u32, key: &str) -> Duration {
    let exp = base.saturating_mul(1u32 << (attempt - 1).min(16)).min(max);
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes().chain(attempt.to_le_bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    let factor = 0.5 + (h % 1000) as f64 / 2000.0;
    exp.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let a1 = backoff(base, max, 1, "u");
        let a3 = backoff(base, max, 3, "u");
        assert!(a1 >= Duration::from_millis(50) && a1 < Duration::from_millis(100));
        assert!(a3 >= Duration::from_millis(200) && a3 < Duration::from_millis(400));
        assert!(backoff(base, max, 12, "u") <= max);
        assert_eq!(backoff(base, max, 2, "u"), backoff(base, max, 2, "u"));
    }

    #[test]
    fn error_details_come_from_either_services_body() {
        assert_eq!(error_detail(br#"{"code":"ResourceNotFound","message":"no such thing"}"#), "ResourceNotFound: no such thing");
        assert_eq!(error_detail(br#"{"message":"error creating profile","errors":["a@b.co is already taken"]}"#),
            "error creating profile: a@b.co is already taken");
        assert_eq!(error_detail(b"<html>oops"), "<html>oops");
    }
}
