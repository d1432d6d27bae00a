//! What a simulator saw: the request log, write counters and contract
//! violations, all readable through the handles while the server runs.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

/// How a request's credentials fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOutcome {
    /// No `Authorization` header at all.
    Missing,
    /// The header carried the seeded credentials.
    Accepted,
    /// The header was present but wrong (wrong scheme, key, token or password): 401.
    Rejected,
    /// A known credential that may no longer be used (Namely token of a deactivated user): 403.
    Forbidden,
}

/// One request as the simulator received it. Header values are never kept:
/// only a fingerprint of `Authorization`, so tests can ask whether it equalled
/// what the host was supposed to inject without the secret sitting in a log.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path and query exactly as received, e.g. `/v1/opportunities?limit=100`.
    pub path: String,
    /// The route it matched, e.g. `GET /v1/opportunities/{id}`; `None` for unknown paths.
    pub endpoint: Option<String>,
    /// Status sent; `None` while in flight, or when a fault withheld the response.
    pub status: Option<u16>,
    /// Whether an `Authorization` header was present.
    pub authorization_present: bool,
    /// The auth scheme named in the header (`Basic`, `Bearer`, …), if any.
    pub auth_scheme: Option<String>,
    /// What the credentials check concluded.
    pub auth: AuthOutcome,
    /// The injected fault that shaped this answer, e.g. `rate-limit`, if any.
    pub fault: Option<String>,
    authorization_fingerprint: Option<u64>,
}

impl RequestRecord {
    /// Whether this request's `Authorization` header was exactly `expected`.
    pub fn authorization_equals(&self, expected: &str) -> bool {
        self.authorization_fingerprint == Some(fingerprint(expected))
    }
}

/// Where a contract violation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// In a request body the client sent.
    Request,
    /// In a response body the simulator produced (a seed that breaks the contract).
    Response,
}

/// A body that does not match its JSON Schema under `schemas/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The route, e.g. `POST /api/v1/profiles`.
    pub endpoint: String,
    /// Request or response.
    pub direction: Direction,
    /// The schema file, e.g. `namely/post-profiles.request.json`.
    pub schema: String,
    /// JSON pointer to the offending value (`""` for the whole body).
    pub pointer: String,
    /// The validator's message.
    pub message: String,
}

/// A stable, non-reversible-in-practice stand-in for a header value. Only
/// equality matters, and SipHash with fixed keys is stable within a process.
fn fingerprint(value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[derive(Default)]
struct Inner {
    requests: Vec<RequestRecord>,
    writes: BTreeMap<String, usize>,
    violations: Vec<Violation>,
}

/// The per-server log. A `Mutex` is enough: each entry is a short push.
#[derive(Default)]
pub(crate) struct Recorder {
    inner: Mutex<Inner>,
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panicking handler must not make the log unreadable for the test
        // that wants to explain the panic.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Log a request on arrival; returns its index for [`Recorder::finish`].
    pub(crate) fn begin(
        &self,
        method: &str,
        path: String,
        endpoint: Option<String>,
        authorization: Option<&str>,
    ) -> usize {
        let record = RequestRecord {
            method: method.to_string(),
            path,
            endpoint,
            status: None,
            authorization_present: authorization.is_some(),
            auth_scheme: authorization.and_then(|a| a.split_whitespace().next()).map(str::to_string),
            auth: if authorization.is_some() { AuthOutcome::Rejected } else { AuthOutcome::Missing },
            fault: None,
            authorization_fingerprint: authorization.map(fingerprint),
        };
        let mut inner = self.lock();
        let is_write = matches!(method, "POST" | "PUT" | "PATCH" | "DELETE");
        if is_write {
            let key = record
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("{method} {}", record.path.split('?').next().unwrap_or("")));
            *inner.writes.entry(key).or_default() += 1;
        }
        inner.requests.push(record);
        inner.requests.len() - 1
    }

    /// Note how authentication went.
    pub(crate) fn set_auth(&self, index: usize, auth: AuthOutcome) {
        if let Some(r) = self.lock().requests.get_mut(index) {
            r.auth = auth;
        }
    }

    /// Note the fault applied to a request.
    pub(crate) fn set_fault(&self, index: usize, fault: &str) {
        if let Some(r) = self.lock().requests.get_mut(index) {
            r.fault = Some(fault.to_string());
        }
    }

    /// Note the status actually sent.
    pub(crate) fn finish(&self, index: usize, status: u16) {
        if let Some(r) = self.lock().requests.get_mut(index) {
            r.status = Some(status);
        }
    }

    /// Keep a contract violation.
    pub(crate) fn violation(&self, v: Violation) {
        self.lock().violations.push(v);
    }

    /// All requests so far, oldest first.
    pub(crate) fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    /// POST/PUT/PATCH/DELETE counts per endpoint.
    pub(crate) fn writes(&self) -> BTreeMap<String, usize> {
        self.lock().writes.clone()
    }

    /// All contract violations so far.
    pub(crate) fn violations(&self) -> Vec<Violation> {
        self.lock().violations.clone()
    }

    /// Forget everything logged so far (state is untouched).
    pub(crate) fn clear(&self) {
        *self.lock() = Inner::default();
    }
}
