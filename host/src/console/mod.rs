//! The operator console: every hire's journey on a web page, served by
//! `serve` under `/console` when `[serve] console = true`.
//!
//! Behind HTTP Basic auth (user `admin`, the password from the environment
//! variable `[serve] console_password_env` names; no password, no console).
//! The two actions (Replay and Plan) are POSTs guarded against cross-site
//! requests by a per-process token and an Origin check. Pages show only what
//! the journal holds; credentials are never in it.

mod html;
mod pages;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use lever_namely_service::journal::Journal;
use lever_namely_service::Secret;

use crate::config::Config;
use crate::serve::{worker, Service};

/// The console's user name.
pub const USER: &str = "admin";
/// The variable holding the console's password unless `[serve] console_password_env` names another.
pub const DEFAULT_PASSWORD_ENV: &str = "LEVER_NAMELY_CONSOLE_PASSWORD";

/// The console's credentials and anti-forgery token.
pub struct Console {
    /// The expected `Authorization` header value, `Basic base64(admin:password)`.
    expected: Secret,
    csrf: String,
}

impl Console {
    /// A console for `password`, with a fresh random anti-forgery token.
    pub fn new(password: &str) -> anyhow::Result<Self> {
        use base64::Engine as _;
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the console's token: {e}"))?;
        let csrf = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{password}")));
        Ok(Self { expected: Secret::new(expected), csrf })
    }

    /// The console the config asks for: `None` when off; an error when on
    /// without a password.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        if !config.serve.console.unwrap_or(false) {
            return Ok(None);
        }
        let var = config.serve.console_password_env.as_deref().unwrap_or(DEFAULT_PASSWORD_ENV);
        match std::env::var(var).ok().filter(|p| !p.trim().is_empty()) {
            Some(p) => Self::new(p.trim()).map(Some),
            None => anyhow::bail!(
                "[serve] console = true, but {var} is not set: set it to the console's password (user \"{USER}\"), \
                 or set [serve] console = false. The console is never served without a password"
            ),
        }
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        use subtle::ConstantTimeEq as _;
        let given = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or_default();
        bool::from(given.ct_eq(self.expected.expose().as_bytes()))
    }

    /// A POST came from our own page: the token matches, and the browser,
    /// if it says where the request came from, says it came from here.
    fn same_origin_post(&self, headers: &HeaderMap, token: &str) -> bool {
        use subtle::ConstantTimeEq as _;
        let token_ok = bool::from(token.as_bytes().ct_eq(self.csrf.as_bytes()));
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let origin_ok = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            None => true,
            Some(o) => o == format!("http://{host}") || o == format!("https://{host}"),
        };
        let site_ok = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_none_or(|s| s == "same-origin" || s == "none");
        token_ok && origin_ok && site_ok
    }
}

/// The console's routes, all behind Basic auth.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/console", get(list))
        .route("/console/hires/{id}", get(hire))
        .route("/console/hires/{id}/replay", post(replay))
        .route("/console/hires/{id}/plan", post(plan))
        .layer(axum::middleware::from_fn_with_state(service.clone(), guard))
        .with_state(service)
}

async fn guard(State(s): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let Some(console) = s.console.as_ref() else { return StatusCode::NOT_FOUND.into_response() };
    if !console.authorized(request.headers()) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"lever-namely console\", charset=\"UTF-8\"")], "sign in as admin with the console password")
            .into_response();
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // No scripts at all; pages are never cached or framed, and never referred
    // to other sites ("no-referrer" would make form posts carry `Origin: null`).
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn trouble(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, Html(html::page("Trouble", &format!("<h1>The journal could not be read</h1><p>{}</p>", html::esc(&e.to_string()))))).into_response()
}

/// Run a journal read off the async threads.
async fn read<T: Send + 'static>(journal: &Arc<Journal>, f: impl FnOnce(&Journal) -> anyhow::Result<T> + Send + 'static) -> anyhow::Result<T> {
    let j = journal.clone();
    tokio::task::spawn_blocking(move || f(&j)).await?
}

async fn list(State(s): State<Arc<Service>>, Query(params): Query<HashMap<String, String>>) -> Response {
    let q = params.get("q").map(|q| q.trim().to_lowercase()).unwrap_or_default();
    let status = params.get("status").cloned().unwrap_or_default();
    let rows = read(&s.journal, move |j| {
        let mut rows = Vec::new();
        for h in j.events(None)? {
            if !status.is_empty() && pages::filter_of(h.status) != status {
                continue;
            }
            let who = pages::person(&j.attempts(&h.opportunity_id)?);
            if pages::matches(&h, &who, &q) {
                rows.push((h, who));
            }
        }
        Ok(rows)
    })
    .await;
    match rows {
        Ok(rows) => Html(pages::list(&rows, params.get("q").map(String::as_str).unwrap_or(""), params.get("status").map(String::as_str).unwrap_or(""))).into_response(),
        Err(e) => trouble(e),
    }
}

async fn hire(State(s): State<Arc<Service>>, Path(id): Path<String>, Query(params): Query<HashMap<String, String>>) -> Response {
    let key = id.clone();
    let found = read(&s.journal, move |j| Ok(j.hire(&key)?.map(|h| (h, j.attempts(&key)))))
        .await
        .and_then(|found| found.map(|(h, a)| a.map(|a| (h, a))).transpose());
    let csrf = s.console.as_ref().map(|c| c.csrf.clone()).unwrap_or_default();
    match found {
        Ok(Some((h, attempts))) => {
            let notice = params.contains_key("replayed").then_some("Replay requested: a worker will sync this hire again now.");
            Html(pages::hire(&h, &pages::person(&attempts), &attempts, &csrf, notice)).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, Html(html::page("Not found", &format!("<h1>No hire {} in the journal</h1>", html::esc(&id))))).into_response(),
        Err(e) => trouble(e),
    }
}

/// The anti-forgery field of the console's forms.
#[derive(serde::Deserialize)]
struct Action {
    csrf: String,
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, Html(html::page("Refused", "<h1>Refused</h1><p>This action must come from the console's own page. Reload the page and try again.</p>"))).into_response()
}

async fn replay(State(s): State<Arc<Service>>, Path(id): Path<String>, headers: HeaderMap, Form(action): Form<Action>) -> Response {
    if !s.console.as_ref().is_some_and(|c| c.same_origin_post(&headers, &action.csrf)) {
        return forbidden();
    }
    let key = id.clone();
    match read(&s.journal, move |j| j.replay(&key, worker::now_ms())).await {
        Ok(r) => {
            crate::log::info("replay requested from the console", &[("opportunity_id", &r.opportunity_id), ("previous", r.previous.as_str())]);
            Redirect::to(&format!("/console/hires/{}?replayed=1", html::url_part(&id))).into_response()
        }
        Err(e) => (StatusCode::CONFLICT, Html(html::page("Replay refused", &format!("<h1>Replay refused</h1><p>{}</p>", html::esc(&format!("{e:#}")))))).into_response(),
    }
}

async fn plan(State(s): State<Arc<Service>>, Path(id): Path<String>, headers: HeaderMap, Form(action): Form<Action>) -> Response {
    if !s.console.as_ref().is_some_and(|c| c.same_origin_post(&headers, &action.csrf)) {
        return forbidden();
    }
    match s.syncer.plan(&id).await {
        Ok((p, refused)) => Html(pages::plan(&id, &crate::sync::plan_json(&p, &refused))).into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, Html(html::page("Plan failed", &format!("<h1>The plan could not run</h1><p>{}</p>", html::esc(&format!("{e:#}")))))).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_the_right_password_gets_in() {
        let c = Console::new("s3cret").unwrap();
        // base64("admin:s3cret")
        assert!(c.authorized(&headers(&[("authorization", "Basic YWRtaW46czNjcmV0")])));
        assert!(!c.authorized(&headers(&[("authorization", "Basic YWRtaW46d3Jvbmc=")])));
        assert!(!c.authorized(&headers(&[])));
    }

    #[test]
    fn actions_need_the_token_and_our_own_origin() {
        let c = Console::new("pw").unwrap();
        let token = c.csrf.clone();
        let host = ("host", "127.0.0.1:8080");
        assert!(c.same_origin_post(&headers(&[host]), &token));
        assert!(c.same_origin_post(&headers(&[host, ("origin", "http://127.0.0.1:8080"), ("sec-fetch-site", "same-origin")]), &token));
        assert!(!c.same_origin_post(&headers(&[host]), "guess"));
        assert!(!c.same_origin_post(&headers(&[host, ("origin", "https://evil.example")]), &token));
        assert!(!c.same_origin_post(&headers(&[host, ("sec-fetch-site", "cross-site")]), &token));
    }
}
