//! Outbound HTTP: where the component may go, and what the host adds on the way.
//!
//! Every request the guest sends passes through [`EgressHooks::send_request`]:
//! - the destination must be an allowed origin, else it is refused before any
//!   connection, and the refusal names the host and the setting to change;
//! - the name is resolved and every address checked against the
//!   [`AddressPolicy`] (no loopback, metadata, link-local, multicast or private
//!   addresses), and the connection goes to a checked address ([`connect`]);
//! - the destination's credential is added, so the guest never holds a token;
//! - the number of requests, their concurrency, header and body sizes and the
//!   guest's timeouts are bounded by [`HttpLimits`].
//!
//! The host never follows redirects: a guest that follows one sends a new
//! request, which is checked like the first. An empty allowlist refuses
//! everything (fail closed).

pub mod connect;
pub mod policy;
pub mod rate;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::header::{HeaderValue, AUTHORIZATION};
use http_body_util::{BodyExt, Limited};
use tokio::sync::Semaphore;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks, DEFAULT_FORBIDDEN_HEADERS};

use crate::credentials::Secret;
pub use connect::{Connector, Resolve, StaticResolver, SystemResolver};
pub use policy::AddressPolicy;
pub use rate::RateLimiter;

/// One allowed destination: scheme, host and port, with no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The origin of a URL such as `https://api.lever.co/v1`.
    pub fn of(url: &str) -> Result<Self, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("\"{url}\" is not a URL ({e})"))?;
        let scheme = uri.scheme_str().ok_or_else(|| format!("\"{url}\" has no scheme; write https://…"))?.to_ascii_lowercase();
        let host = uri.host().ok_or_else(|| format!("\"{url}\" has no host"))?.trim_matches(['[', ']']).to_ascii_lowercase();
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(format!("\"{url}\" carries user information; put credentials in the environment, not in URLs"));
        }
        let port = uri.port_u16().unwrap_or(if scheme == "http" { 80 } else { 443 });
        Ok(Origin { scheme, host, port })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// An allowed origin, with the setting that allowed it and the credential
/// header the host adds to requests going there.
#[derive(Clone)]
pub struct Destination {
    pub origin: Origin,
    /// The configuration key that names this destination, for error messages.
    pub setting: String,
    pub authorization: Option<Secret>,
    /// Spaces requests to stay under the service's rate limit, across calls.
    pub rate: Option<Arc<RateLimiter>>,
}

/// Where the component may go.
#[derive(Clone, Default)]
pub struct Allowlist {
    destinations: Vec<Destination>,
}

impl Allowlist {
    /// An allowlist that refuses everything.
    pub fn deny_all() -> Self {
        Self::default()
    }

    /// Allow one destination.
    pub fn allow(&mut self, destination: Destination) -> &mut Self {
        self.destinations.push(destination);
        self
    }

    /// The destination a request to `origin` goes to, if it is allowed.
    pub fn find(&self, origin: &Origin) -> Option<&Destination> {
        self.destinations.iter().find(|d| d.origin == *origin)
    }

    /// The settings that name destinations, for advice in refusals.
    fn settings(&self) -> String {
        if self.destinations.is_empty() {
            return "nothing is allowed in this mode".into();
        }
        self.destinations.iter().map(|d| format!("{} ({})", d.origin, d.setting)).collect::<Vec<_>>().join(", ")
    }
}

/// Host-side bounds on the component's HTTP, per invocation.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// The longest any single wait (connect, first byte, between bytes) may be.
    pub max_timeout: Duration,
    /// The largest response body passed to the guest (`[sandbox] max_response_body_mib`).
    pub max_response_bytes: usize,
    /// The largest request body the guest may send (`[sandbox] max_request_body_mib`).
    pub max_request_bytes: usize,
    /// The largest header section, each way (`[sandbox] max_header_kib`).
    pub max_header_bytes: usize,
    /// Requests (each on its own connection) per invocation (`[sandbox] max_requests`).
    pub max_requests: usize,
    /// Connections open at once (`[sandbox] max_concurrent_requests`).
    pub max_concurrent: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_timeout: Duration::from_secs(60),
            max_response_bytes: 32 * 1024 * 1024,
            max_request_bytes: 32 * 1024 * 1024,
            max_header_bytes: 64 * 1024,
            max_requests: 500,
            max_concurrent: 8,
        }
    }
}

/// Requests the host refused, in words, for the operator.
pub type Refusals = Arc<Mutex<Vec<String>>>;

/// A write the component sent (anything but GET), as it left the host: the
/// record of what a sync did, for the journal and the console. JSON bodies
/// are kept (up to [`SentWrite::MAX_BODY`]); other bodies (a resume) only by size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentWrite {
    pub method: String,
    pub url: String,
    /// The JSON body, if the request declared one.
    pub json: Option<String>,
    /// Bytes of body sent.
    pub body_bytes: usize,
}

impl SentWrite {
    /// JSON bodies longer than this are cut (a profile is a few KiB).
    pub const MAX_BODY: usize = 64 * 1024;
}

/// The writes of one call, in the order they were sent.
pub type Writes = Arc<Mutex<Vec<Arc<Mutex<SentWrite>>>>>;

/// A request body that records what passes through it into a [`SentWrite`].
struct Recorded {
    inner: WasiBody,
    record: Arc<Mutex<SentWrite>>,
    keep: bool,
}

impl http_body::Body for Recorded {
    type Data = bytes::Bytes;
    type Error = HttpError;

    fn poll_frame(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, HttpError>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                let mut r = self.record.lock().unwrap();
                r.body_bytes += data.len();
                if self.keep {
                    let json = r.json.get_or_insert_with(String::new);
                    let room = SentWrite::MAX_BODY.saturating_sub(json.len()).min(data.len());
                    json.push_str(&String::from_utf8_lossy(&data[..room]));
                }
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The `wasi:http` hooks enforcing the [`Allowlist`], the [`AddressPolicy`]
/// and the [`HttpLimits`], and adding credentials.
pub struct EgressHooks {
    allowlist: Allowlist,
    limits: HttpLimits,
    connector: Connector,
    read_only: bool,
    refusals: Refusals,
    writes: Writes,
    sent: AtomicUsize,
    open: Arc<Semaphore>,
}

impl EgressHooks {
    /// Hooks for `allowlist`, reaching only public addresses through the
    /// system resolver. With `read_only`, anything but GET is refused (a plan
    /// writes nothing, whatever the component tries).
    pub fn new(allowlist: Allowlist, limits: HttpLimits, read_only: bool) -> Self {
        let connector = Connector { resolver: Arc::new(SystemResolver), policy: AddressPolicy::default(), max_response_head_bytes: limits.max_header_bytes };
        let open = Arc::new(Semaphore::new(limits.max_concurrent.max(1)));
        Self { allowlist, limits, connector, read_only, refusals: Refusals::default(), writes: Writes::default(), sent: AtomicUsize::new(0), open }
    }

    /// These hooks with another address policy.
    pub fn with_policy(mut self, policy: AddressPolicy) -> Self {
        self.connector.policy = policy;
        self
    }

    /// These hooks with another resolver.
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.connector.resolver = resolver;
        self
    }

    /// The refusals, shared, so the caller can report them after the call.
    pub fn refusals(&self) -> Refusals {
        self.refusals.clone()
    }

    /// The writes sent, shared, so the caller can record them after the call.
    pub fn writes(&self) -> Writes {
        self.writes.clone()
    }

    fn refuse(&self, why: String, code: HttpError) -> Box<dyn Future<Output = Result<SendResult, HttpError>> + Send> {
        self.refusals.lock().unwrap().push(why);
        Box::new(async move { Err(code) })
    }
}

type SendResult = (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>);

fn clamp(options: Option<RequestOptions>, max: Duration) -> RequestOptions {
    let o = options.unwrap_or_default();
    let c = |d: Option<Duration>| Some(d.map_or(max, |d| d.min(max)));
    RequestOptions { connect_timeout: c(o.connect_timeout), first_byte_timeout: c(o.first_byte_timeout), between_bytes_timeout: c(o.between_bytes_timeout) }
}

/// `body`, failing with `code` past `max` bytes; the breach is also told to
/// the operator, naming the setting.
fn capped<B>(body: B, max: usize, refusals: Refusals, said: String, code: fn(Option<u64>) -> HttpError) -> WasiBody
where
    B: http_body::Body<Data = bytes::Bytes, Error = HttpError> + Send + 'static,
{
    Limited::new(body, max)
        .map_err(move |e| match e.downcast::<HttpError>() {
            Ok(inner) => *inner,
            Err(_) => {
                refusals.lock().unwrap().push(said.clone());
                code(Some(max as u64))
            }
        })
        .boxed_unsync()
}

fn header_bytes(headers: &http::HeaderMap) -> usize {
    headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum()
}

impl WasiHttpHooks for EgressHooks {
    fn is_forbidden_header(&mut self, name: &http::HeaderName) -> bool {
        // The host adds credentials; the guest may never set them itself.
        *name == AUTHORIZATION || *name == http::header::PROXY_AUTHORIZATION || DEFAULT_FORBIDDEN_HEADERS.contains(name)
    }

    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = Result<SendResult, HttpError>> + Send> {
        let uri = request.uri().clone();
        let target = match Origin::of(&uri.to_string()) {
            Ok(o) => o,
            Err(e) => return self.refuse(format!("refused a request: {e}"), HttpError::HttpRequestDenied),
        };
        let Some(dest) = self.allowlist.find(&target).cloned() else {
            return self.refuse(
                format!(
                    "refused a request to {target}: it is not an allowed destination (allowed: {}). \
                     To reach it, set it as lever.base_url or namely.base_url/company_url in the config.",
                    self.allowlist.settings()
                ),
                HttpError::HttpRequestDenied,
            );
        };
        if self.read_only && request.method() != http::Method::GET {
            return self.refuse(format!("refused {} {target}{}: a plan writes nothing", request.method(), uri.path()), HttpError::HttpRequestDenied);
        }
        let n = self.sent.fetch_add(1, Ordering::Relaxed) + 1;
        if n > self.limits.max_requests {
            return self.refuse(
                format!("refused {} {target}{}: the component sent more than {} requests in one call ([sandbox] max_requests)", request.method(), uri.path(), self.limits.max_requests),
                HttpError::ConnectionLimitReached,
            );
        }
        let head = header_bytes(request.headers());
        if head > self.limits.max_header_bytes {
            return self.refuse(
                format!("refused {} {target}{}: its headers are {head} bytes, over the {}-byte limit ([sandbox] max_header_kib)", request.method(), uri.path(), self.limits.max_header_bytes),
                HttpError::HttpRequestHeaderSectionSize(Some(self.limits.max_header_bytes as u32)),
            );
        }
        if let Some(secret) = &dest.authorization {
            match HeaderValue::from_str(secret.expose()) {
                Ok(mut v) => {
                    v.set_sensitive(true);
                    request.headers_mut().insert(AUTHORIZATION, v);
                }
                Err(_) => return self.refuse(format!("the credential for {} is not a valid header value", dest.setting), HttpError::HttpRequestDenied),
            }
        }
        if request.method() != http::Method::GET {
            let json = request.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json"));
            let record = Arc::new(Mutex::new(SentWrite { method: request.method().to_string(), url: uri.to_string(), json: None, body_bytes: 0 }));
            self.writes.lock().unwrap().push(record.clone());
            request = request.map(|inner| Recorded { inner, record, keep: json }.boxed_unsync());
        }
        // Cap what the guest uploads: past the limit the body fails, and so the request.
        let max_up = self.limits.max_request_bytes;
        let said = format!("stopped {} {target}{}: the component sent a body over {max_up} bytes ([sandbox] max_request_body_mib)", request.method(), uri.path());
        let refusals_up = self.refusals.clone();
        let request = request.map(|body| capped(connect::DrainOnDrop::new(body), max_up, refusals_up, said, HttpError::HttpRequestBodySize));
        let _ = fut;
        let options = clamp(options, self.limits.max_timeout);
        let max = self.limits.max_response_bytes;
        let rate = dest.rate.clone();
        let (connector, refusals, open) = (self.connector.clone(), self.refusals.clone(), self.open.clone());
        let said = format!("stopped the answer from {target}{}: its body is over {max} bytes ([sandbox] max_response_body_mib)", uri.path());
        Box::new(async move {
            // Held until the response head arrives: bounds connections opened at once.
            let _slot = open.acquire_owned().await.map_err(|_| HttpError::ConnectionLimitReached)?;
            if let Some(rate) = rate {
                rate.acquire().await;
            }
            let (response, io) = connect::send(connector, target, request, options, refusals.clone()).await?;
            // Cap the body: a response past the limit fails rather than exhausting memory.
            let response = response.map(|body| capped(body, max, refusals, said, HttpError::HttpResponseBodySize));
            Ok((response, io))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_come_from_urls() {
        assert_eq!(Origin::of("https://api.lever.co/v1").unwrap().to_string(), "https://api.lever.co:443");
        assert_eq!(Origin::of("http://127.0.0.1:8080/v1").unwrap().to_string(), "http://127.0.0.1:8080");
        assert!(Origin::of("https://api.lever.co@evil.example/").unwrap_err().contains("user information"));
        assert!(Origin::of("api.lever.co").is_err());
    }

    #[test]
    fn only_listed_origins_are_found() {
        let mut a = Allowlist::deny_all();
        let lever = Origin::of("https://api.lever.co/v1").unwrap();
        assert!(a.find(&lever).is_none());
        a.allow(Destination { origin: lever.clone(), setting: "lever.base_url".into(), authorization: None, rate: None });
        assert!(a.find(&lever).is_some());
        assert!(a.find(&Origin::of("https://api.lever.co:8443/").unwrap()).is_none());
        assert!(a.find(&Origin::of("http://api.lever.co/").unwrap()).is_none());
        assert!(a.find(&Origin::of("https://evil.example/").unwrap()).is_none());
    }

    fn request(method: &str, url: &str) -> http::Request<WasiBody> {
        use http_body_util::Empty;
        http::Request::builder()
            .method(method)
            .uri(url)
            .body(Empty::<bytes::Bytes>::new().map_err(|never| match never {}).boxed_unsync())
            .unwrap()
    }

    fn lever_only() -> Allowlist {
        let mut a = Allowlist::deny_all();
        a.allow(Destination { origin: Origin::of("http://127.0.0.1:9/v1").unwrap(), setting: "[lever] base_url".into(), authorization: None, rate: None });
        a
    }

    #[tokio::test]
    async fn requests_elsewhere_are_refused_naming_the_host_and_the_setting() {
        let mut hooks = EgressHooks::new(lever_only(), HttpLimits::default(), false);
        for url in ["https://evil.example/steal", "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:10/v1"] {
            let r = Box::into_pin(hooks.send_request(request("GET", url), None, Box::new(async { Ok(()) }))).await;
            assert!(matches!(r, Err(HttpError::HttpRequestDenied)), "{url}");
        }
        let refusals = hooks.refusals().lock().unwrap().clone();
        assert!(refusals[0].contains("https://evil.example:443") && refusals[0].contains("[lever] base_url"), "{refusals:?}");
        assert!(refusals[1].contains("169.254.169.254"));
    }

    #[tokio::test]
    async fn a_plan_may_not_write() {
        let mut hooks = EgressHooks::new(lever_only(), HttpLimits::default(), true);
        let r = Box::into_pin(hooks.send_request(request("POST", "http://127.0.0.1:9/v1/opportunities/x/notes"), None, Box::new(async { Ok(()) }))).await;
        assert!(matches!(r, Err(HttpError::HttpRequestDenied)));
        assert!(hooks.refusals().lock().unwrap()[0].contains("a plan writes nothing"));
    }

    #[test]
    fn the_guest_may_not_set_authorization() {
        let mut hooks = EgressHooks::new(Allowlist::deny_all(), HttpLimits::default(), false);
        assert!(hooks.is_forbidden_header(&AUTHORIZATION));
        assert!(!hooks.is_forbidden_header(&http::header::CONTENT_TYPE));
    }

    #[test]
    fn guest_timeouts_are_clamped() {
        let max = Duration::from_secs(5);
        let o = clamp(Some(RequestOptions { connect_timeout: Some(Duration::from_secs(600)), first_byte_timeout: None, between_bytes_timeout: Some(Duration::from_secs(1)) }), max);
        assert_eq!((o.connect_timeout, o.first_byte_timeout, o.between_bytes_timeout), (Some(max), Some(max), Some(Duration::from_secs(1))));
    }
}

