//! The Namely simulator's shared context: live data, bearer-token check,
//! the GET /profiles throttle, error bodies and per-endpoint schemas.

use std::sync::{Mutex, MutexGuard};

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::seed::{NamelySeed, TokenSeed};
use crate::pipeline::{Api, Core};
use crate::record::AuthOutcome;
use crate::rng::Rng;

/// Base path of every Namely route.
pub(crate) const BASE: &str = "/api/v1";

/// Mutable state behind one lock, never held across an await.
pub(crate) struct NamelyState {
    pub(crate) data: NamelySeed,
    pub(crate) rng: Rng,
}

/// Everything the handlers and the pipeline share.
pub(crate) struct NamelyCtx {
    pub(crate) core: Core,
    state: Mutex<NamelyState>,
}

impl NamelyCtx {
    pub(crate) fn new(data: NamelySeed) -> NamelyCtx {
        NamelyCtx { core: Core::new(BASE), state: Mutex::new(NamelyState { data, rng: Rng::new(0x0a3e1) }) }
    }

    /// The state; a panic elsewhere must not wedge the simulator.
    pub(crate) fn lock(&self) -> MutexGuard<'_, NamelyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The token record behind a request's bearer token, if known.
    pub(crate) fn caller(&self, headers: &HeaderMap) -> Option<TokenSeed> {
        let token = bearer(headers)?;
        self.lock().data.tokens.iter().find(|t| t.token == token).cloned()
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// A Namely error body `{message, errors}` with its status.
pub(crate) fn error(status: StatusCode, message: &str, errors: Vec<String>) -> Response {
    (status, Json(json!({ "message": message, "errors": errors }))).into_response()
}

impl Api for NamelyCtx {
    fn core(&self) -> &Core {
        &self.core
    }

    fn authorize(&self, headers: &HeaderMap) -> (AuthOutcome, Option<Response>) {
        if headers.get(AUTHORIZATION).is_none() {
            return (AuthOutcome::Missing, Some(error(StatusCode::UNAUTHORIZED, "Missing access token", vec![])));
        }
        match self.caller(headers) {
            None => (AuthOutcome::Rejected, Some(error(StatusCode::UNAUTHORIZED, "Invalid access token", vec![]))),
            Some(t) if !t.active => {
                let msg = "Forbidden: the owner of this access token is inactive";
                (AuthOutcome::Forbidden, Some(error(StatusCode::FORBIDDEN, msg, vec![])))
            }
            Some(_) => (AuthOutcome::Accepted, None),
        }
    }

    fn error(&self, status: StatusCode, message: &str) -> Response {
        error(status, message, vec![])
    }

    fn schemas(&self, endpoint: &str) -> (Option<&'static str>, Option<&'static str>) {
        match endpoint {
            "GET /api/v1/profiles" | "GET /api/v1/profiles/{id}" | "GET /api/v1/profiles/me" => {
                (None, Some("namely/profiles.response.json"))
            }
            "POST /api/v1/profiles" => {
                (Some("namely/post-profiles.request.json"), Some("namely/profiles.response.json"))
            }
            "PUT /api/v1/profiles/{id}" => {
                (Some("namely/put-profile.request.json"), Some("namely/profiles.response.json"))
            }
            "GET /api/v1/profiles/fields" => (None, Some("namely/profile-fields.response.json")),
            "GET /api/v1/job_titles" => (None, Some("namely/job-titles.response.json")),
            "POST /api/v1/files" => (None, Some("namely/post-files.response.json")),
            _ => (None, None),
        }
    }

    fn error_schema(&self) -> &'static str {
        "namely/error.response.json"
    }

    /// Namely throttles only GET /profiles (list or one profile): 406, no Retry-After.
    fn throttle(&self, method: &str, route: Option<&str>) -> Option<Response> {
        let throttled_route =
            matches!(route, Some("/api/v1/profiles" | "/api/v1/profiles/{id}" | "/api/v1/profiles/me"));
        if method == "GET" && throttled_route && self.core.faults.profiles_throttled() {
            return Some(error(StatusCode::NOT_ACCEPTABLE, "Too many requests", vec![]));
        }
        None
    }
}
