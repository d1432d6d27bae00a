//! The Lever simulator's shared context: live data, credentials check,
//! error bodies and which schema each endpoint answers with.

use std::sync::{Mutex, MutexGuard, OnceLock};

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};

use super::paging::Pager;
use super::seed::LeverSeed;
use crate::pipeline::{Api, Core};
use crate::record::AuthOutcome;
use crate::rng::Rng;

/// Base path of every Lever route.
pub(crate) const BASE: &str = "/v1";

/// Mutable state behind one lock: requests touch it briefly and never across an await.
pub(crate) struct LeverState {
    pub(crate) data: LeverSeed,
    pub(crate) pager: Pager,
    pub(crate) rng: Rng,
}

/// Everything the handlers and the pipeline share.
pub(crate) struct LeverCtx {
    pub(crate) core: Core,
    state: Mutex<LeverState>,
    /// `http://127.0.0.1:PORT/v1`, known once bound; used to fill download URLs.
    pub(crate) base_url: OnceLock<String>,
}

impl LeverCtx {
    pub(crate) fn new(mut data: LeverSeed) -> LeverCtx {
        resolve_applications(&mut data);
        if data.api_key.is_empty() {
            data.api_key = data.effective_api_key().to_string();
        }
        LeverCtx {
            core: Core::new(BASE),
            state: Mutex::new(LeverState { data, pager: Pager::new(0x1e7e5), rng: Rng::new(0x1e7e4) }),
            base_url: OnceLock::new(),
        }
    }

    /// The state; a panic elsewhere must not wedge the simulator.
    pub(crate) fn lock(&self) -> MutexGuard<'_, LeverState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn base_url(&self) -> &str {
        self.base_url.get().map(String::as_str).unwrap_or("http://127.0.0.1/v1")
    }
}

/// Replace application ids in opportunities by the seeded application
/// objects, so `expand=applications` can serve them. Unknown ids stay ids.
pub(crate) fn resolve_applications(data: &mut LeverSeed) {
    let apps = std::mem::take(&mut data.applications);
    for opp in &mut data.opportunities {
        if let Some(list) = opp.get_mut("applications").and_then(Value::as_array_mut) {
            for entry in list.iter_mut() {
                if let Some(id) = entry.as_str() {
                    if let Some(app) = apps.iter().find(|a| a.get("id").and_then(Value::as_str) == Some(id)) {
                        *entry = app.clone();
                    }
                }
            }
        }
    }
    data.applications = apps;
}

/// A Lever error body `{code, message}` with its status.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "ResourceNotFound",
        413 => "PayloadTooLarge",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "Error",
    };
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

/// 400 with a message.
pub(crate) fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// 404 for a missing object.
pub(crate) fn not_found(what: &str, id: &str) -> Response {
    error(StatusCode::NOT_FOUND, &format!("{what} {id} not found"))
}

/// 200 with a JSON body.
pub(crate) fn ok(body: Value) -> Response {
    Json(body).into_response()
}

impl Api for LeverCtx {
    fn core(&self) -> &Core {
        &self.core
    }

    fn authorize(&self, headers: &HeaderMap) -> (AuthOutcome, Option<Response>) {
        let Some(value) = headers.get(AUTHORIZATION) else {
            let msg = "No API key provided: send it as the Basic auth username with an empty password";
            return (AuthOutcome::Missing, Some(error(StatusCode::UNAUTHORIZED, msg)));
        };
        let expected = format!("{}:", self.lock().data.api_key);
        let accepted = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|(_, b64)| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
            .is_some_and(|raw| raw == expected.as_bytes());
        if accepted {
            (AuthOutcome::Accepted, None)
        } else {
            (AuthOutcome::Rejected, Some(error(StatusCode::UNAUTHORIZED, "Invalid API key")))
        }
    }

    fn error(&self, status: StatusCode, message: &str) -> Response {
        error(status, message)
    }

    fn schemas(&self, endpoint: &str) -> (Option<&'static str>, Option<&'static str>) {
        let response = match endpoint {
            "GET /v1/opportunities" => "lever/opportunities.response.json",
            "GET /v1/opportunities/{id}" => "lever/opportunity.response.json",
            "GET /v1/opportunities/{id}/applications" => "lever/applications.response.json",
            "GET /v1/opportunities/{id}/applications/{sub}" => "lever/application.response.json",
            "GET /v1/opportunities/{id}/offers" => "lever/offers.response.json",
            "GET /v1/opportunities/{id}/forms" => "lever/forms.response.json",
            "GET /v1/opportunities/{id}/notes" => "lever/notes.response.json",
            "GET /v1/opportunities/{id}/notes/{sub}" => "lever/note.response.json",
            "POST /v1/opportunities/{id}/notes" => {
                return (Some("lever/create-note.request.json"), Some("lever/create-note.response.json"))
            }
            "GET /v1/opportunities/{id}/resumes" => "lever/resumes.response.json",
            "GET /v1/opportunities/{id}/resumes/{sub}" => "lever/resume.response.json",
            "GET /v1/opportunities/{id}/files" => "lever/files.response.json",
            "GET /v1/opportunities/{id}/files/{sub}" => "lever/file.response.json",
            "GET /v1/archive_reasons" => "lever/archive-reasons.response.json",
            "GET /v1/archive_reasons/{id}" => "lever/archive-reason.response.json",
            "GET /v1/requisitions" => "lever/requisitions.response.json",
            "GET /v1/requisitions/{id}" => "lever/requisition.response.json",
            "GET /v1/postings" => "lever/postings.response.json",
            "GET /v1/postings/{id}" => "lever/posting.response.json",
            "GET /v1/users" => "lever/users.response.json",
            "GET /v1/users/{id}" => "lever/user.response.json",
            "GET /v1/stages" => "lever/stages.response.json",
            "GET /v1/contacts/{id}" => "lever/contact.response.json",
            "GET /v1/requisition_fields" => "lever/requisition-fields.response.json",
            "GET /v1/webhooks" => "lever/webhooks.response.json",
            "POST /v1/webhooks" => {
                return (Some("lever/create-webhook.request.json"), Some("lever/create-webhook.response.json"))
            }
            _ => return (None, None),
        };
        (None, Some(response))
    }

    fn error_schema(&self) -> &'static str {
        "lever/error.response.json"
    }
}
