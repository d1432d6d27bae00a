//! The request pipeline shared by both simulators, as one axum middleware:
//! log → latency → auth → throttle (request rate, then the API's own) →
//! injected fault → request-schema check → handler → response-schema check →
//! truncate/cut/lose → log the status.
//!
//! Faults that stand for a request that never reached the application
//! (throttles, errors, resets, timeouts, a proxy's page) answer before the
//! handler; those that stand for a lost or damaged answer (truncated, cut
//! mid-body, dropped or stalled responses) come after it, so a write they
//! hit has really happened: the trap a client must not fall into twice.
//!
//! Auth comes before faults because both real APIs authenticate first and
//! throttle per key; latency comes first because it stands for the network.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::faults::{Fault, Faults, LostResponse, RetryHint};
use crate::record::{AuthOutcome, Direction, Recorder, Violation};
use crate::schemas;
use crate::server::Conn;

/// Bodies larger than this are refused (Lever's file limit is 30 MB).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What every simulator owns besides its domain state.
pub(crate) struct Core {
    pub(crate) recorder: Recorder,
    pub(crate) faults: Faults,
}

impl Core {
    pub(crate) fn new(base: &'static str) -> Core {
        Core { recorder: Recorder::default(), faults: Faults::new(base) }
    }
}

/// The parts of an API the pipeline needs to know.
pub(crate) trait Api: Send + Sync + 'static {
    /// Log, faults.
    fn core(&self) -> &Core;
    /// Check the credentials; `Some` response to refuse the request.
    fn authorize(&self, headers: &HeaderMap) -> (AuthOutcome, Option<Response>);
    /// An error in this API's own body shape.
    fn error(&self, status: StatusCode, message: &str) -> Response;
    /// Schema files for `"METHOD /route/{param}"`: (request body, 2xx response body).
    fn schemas(&self, endpoint: &str) -> (Option<&'static str>, Option<&'static str>);
    /// Schema file for every non-2xx JSON body.
    fn error_schema(&self) -> &'static str;
    /// An API-specific refusal after auth (Namely's 406), if any.
    fn throttle(&self, _method: &str, _route: Option<&str>) -> Option<Response> {
        None
    }
}

/// The middleware; install with `from_fn_with_state(ctx, pipeline::<Ctx>)`.
pub(crate) async fn pipeline<A: Api>(State(api): State<Arc<A>>, req: Request, next: Next) -> Response {
    let core = api.core();
    let method = req.method().as_str().to_string();
    let conn = req.extensions().get::<Conn>().cloned();
    let raw = conn.as_ref().map(|c| c.raw_target.clone()).unwrap_or_else(|| req.uri().to_string());
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let endpoint = route.as_ref().map(|r| format!("{method} {r}"));
    let authorization = req.headers().get(AUTHORIZATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let index = core.recorder.begin(&method, raw, endpoint.clone(), authorization.as_deref());
    let mut out = Outgoing { api: &*api, index, endpoint: endpoint.clone(), fault: None, conn };

    let latency = core.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (outcome, refusal) = api.authorize(req.headers());
    core.recorder.set_auth(index, outcome);
    if let Some(resp) = refusal {
        return out.send(resp).await;
    }
    if core.faults.requests_throttled() {
        core.recorder.set_fault(index, "rate-limit");
        return out.send(rate_limited(&*api, RetryHint::RetryAfter(1))).await;
    }
    if let Some(resp) = api.throttle(&method, route.as_deref()) {
        return out.send(resp).await;
    }
    let fault = core.faults.take(&method, req.uri().path());
    if let Some(f) = &fault {
        core.recorder.set_fault(index, f.name());
    }
    match fault {
        Some(Fault::RateLimit { hint }) => return out.send(rate_limited(&*api, hint)).await,
        Some(Fault::ServerError { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let message = match status.as_u16() {
                406 | 429 => "Too many requests",
                503 => "The service is temporarily unavailable",
                _ => "Internal server error",
            };
            return out.send(api.error(status, message)).await;
        }
        Some(Fault::Hang { after: None }) => std::future::pending::<()>().await,
        Some(Fault::Hang { after: Some(d) }) => tokio::time::sleep(d).await,
        Some(Fault::Drop) => return out.close_after(Duration::ZERO).await,
        Some(Fault::Unanswered { after }) => return out.close_after(after).await,
        Some(Fault::NotJson) => return out.send(proxy_page()).await,
        _ => {}
    }
    out.fault = fault;

    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return out.send(api.error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large or unreadable")).await;
    };
    if let (Some(ep), (Some(schema), _)) = (&endpoint, endpoint.as_deref().map(|e| api.schemas(e)).unwrap_or_default())
    {
        check_request(core, ep, schema, &parts.headers, &bytes);
    }
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    out.send(resp).await
}

/// 429 with the requested retry hint.
fn rate_limited(api: &dyn Api, hint: RetryHint) -> Response {
    let mut resp = api.error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
    let (name, secs) = match hint {
        RetryHint::RetryAfter(s) => ("retry-after", s),
        RetryHint::RateLimitReset(s) => ("x-ratelimit-reset", s),
        RetryHint::None => return resp,
    };
    resp.headers_mut().insert(name, HeaderValue::from(secs));
    resp
}

/// A 200 that is not the API's JSON: what a misconfigured proxy sends.
fn proxy_page() -> Response {
    let mut resp =
        Response::new(Body::from("<html><head><title>Please wait</title></head><body>Service is busy.</body></html>"));
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

fn check_request(core: &Core, endpoint: &str, schema: &'static str, headers: &HeaderMap, body: &Bytes) {
    let violation = |pointer: &str, message: String| {
        core.recorder.violation(Violation {
            endpoint: endpoint.to_string(),
            direction: Direction::Request,
            schema: schema.to_string(),
            pointer: pointer.to_string(),
            message,
        })
    };
    if !is_json(headers) {
        violation("", "Content-Type is not application/json".to_string());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            for e in schemas::validate(schema, &value).err().unwrap_or_default() {
                violation(&e.pointer, e.message);
            }
        }
        Err(e) => violation("", format!("body is not JSON: {e}")),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// Everything needed to finish a request, whichever way it ends.
struct Outgoing<'a> {
    api: &'a dyn Api,
    index: usize,
    endpoint: Option<String>,
    fault: Option<Fault>,
    conn: Option<Conn>,
}

impl Outgoing<'_> {
    /// Check the response against its schema, apply output faults, log the status.
    async fn send(self, resp: Response) -> Response {
        let core = self.api.core();
        let (mut parts, body) = resp.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        if is_json(&parts.headers) && !bytes.is_empty() {
            let schema = if parts.status.is_success() {
                self.endpoint.as_deref().and_then(|e| self.api.schemas(e).1)
            } else {
                Some(self.api.error_schema())
            };
            if let Some(schema) = schema {
                let problems = match serde_json::from_slice::<Value>(&bytes) {
                    Ok(v) => schemas::validate(schema, &v)
                        .err()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|e| (e.pointer, e.message))
                        .collect(),
                    Err(e) => vec![(String::new(), format!("body is not JSON: {e}"))],
                };
                for (pointer, message) in problems {
                    core.recorder.violation(Violation {
                        endpoint: self.endpoint.clone().unwrap_or_default(),
                        direction: Direction::Response,
                        schema: schema.to_string(),
                        pointer,
                        message,
                    });
                }
            }
        }
        let bytes = match self.fault {
            // Half the body: a complete HTTP message whose JSON does not parse.
            Some(Fault::Truncate) => bytes.slice(..bytes.len() / 2),
            _ => bytes,
        };
        match self.fault {
            // An empty body cannot be cut: lose the whole response instead.
            Some(Fault::CutBody) if !bytes.is_empty() => {
                // The full length is promised, half arrives, then the connection closes.
                parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
                core.recorder.finish(self.index, parts.status.as_u16());
                let half = bytes.slice(..bytes.len() / 2);
                return Response::from_parts(parts, Body::new(CutShort::new(half)));
            }
            Some(Fault::LoseResponse { how: LostResponse::Drop } | Fault::CutBody) => {
                return self.close_after(Duration::ZERO).await;
            }
            Some(Fault::LoseResponse { how: LostResponse::Stall(d) }) => stall(d).await,
            _ => {}
        }
        // The body may have shrunk; hyper recomputes the length from the body.
        parts.headers.remove(CONTENT_LENGTH);
        core.recorder.finish(self.index, parts.status.as_u16());
        Response::from_parts(parts, Body::from(bytes))
    }

    /// Wait, then close the connection without a byte of response.
    async fn close_after(self, wait: Duration) -> Response {
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        if let Some(conn) = &self.conn {
            conn.kill.notify_one();
        }
        std::future::pending::<Response>().await
    }
}

/// A body that yields its first half, pauses so the server flushes it, then
/// fails, which makes hyper close the connection short of `Content-Length`.
struct CutShort {
    head: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl CutShort {
    fn new(head: Bytes) -> CutShort {
        CutShort { head: Some(head), pause: Box::pin(tokio::time::sleep(Duration::from_millis(20))) }
    }
}

impl hyper::body::Body for CutShort {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(head))));
        }
        ready!(self.pause.as_mut().poll(cx));
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "the simulator cut the body short",
        ))))
    }
}

async fn stall(d: Duration) {
    tokio::time::sleep(d).await;
}
