//! The one door to the network. The sync logic is generic over
//! [`Transport`], so it compiles and reads the same natively; inside the
//! component the door is `wasi:http` (see `wasi.rs`).

use std::future::Future;
use std::time::Duration;

/// An HTTP request as the sync builds it. It carries an `Authorization`
/// header only when the settings hold fallback credentials (stock hosts);
/// otherwise the host adds credentials per destination.
#[derive(Clone)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Prints the request without the `Authorization` value, which holds a
/// fallback token on stock hosts.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), if k.eq_ignore_ascii_case("authorization") { "<redacted>" } else { v.as_str() }))
            .collect();
        f.debug_struct("Request").field("method", &self.method).field("url", &self.url).field("headers", &headers).field("body_bytes", &self.body.len()).finish()
    }
}

impl Request {
    /// A GET with `Accept: application/json`.
    pub fn get(url: String) -> Self {
        Self { method: "GET", url, headers: vec![("accept".into(), "application/json".into())], body: vec![] }
    }

    /// A request with a JSON body.
    pub fn json(method: &'static str, url: String, body: &serde_json::Value) -> Self {
        Self {
            method,
            url,
            headers: vec![("accept".into(), "application/json".into()), ("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

/// An HTTP response, body read in full.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// No answer in time (connect, first byte or between bytes).
    Timeout(String),
    /// The host refused the destination (not an allowed origin, or a write during a plan).
    Denied(String),
    /// Anything else: connection refused or dropped, a bad URL, a body too large.
    Failed(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout(m) => write!(f, "no answer in time ({m})"),
            TransportError::Denied(m) => write!(f, "the host refused the request ({m})"),
            TransportError::Failed(m) => write!(f, "{m}"),
        }
    }
}

/// Sends requests and waits.
pub trait Transport {
    fn send(&self, request: Request) -> impl Future<Output = Result<Response, TransportError>>;
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
    /// Seconds since the Unix epoch, for `X-RateLimit-Reset` timestamps.
    fn now_unix_secs(&self) -> u64;
}

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn debug_output_never_shows_the_authorization_value() {
        let mut r = Request::get("https://api.lever.co/v1/opportunities/o".into());
        r.headers.push(("Authorization".into(), "Bearer secret-token".into()));
        let printed = format!("{r:?}");
        assert!(!printed.contains("secret-token") && printed.contains("<redacted>") && printed.contains("accept"), "{printed}");
    }
}
