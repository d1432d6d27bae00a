//! The Namely API v1 simulator: routes, and the handle tests hold.

mod catalog;
mod ctx;
mod files;
mod profile;
mod profiles;
pub mod seed;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::faults::Faults;
use crate::pipeline::pipeline;
use crate::record::{RequestRecord, Violation};
use crate::server::Server;
use ctx::NamelyCtx;
pub use seed::{NamelySeed, TokenSeed, UploadedFile, DEFAULT_TOKEN};

fn router(ctx: Arc<NamelyCtx>) -> Router {
    Router::new()
        .route("/api/v1/profiles", get(profiles::list).post(profiles::create))
        .route("/api/v1/profiles/me", get(profiles::me))
        .route("/api/v1/profiles/fields", get(catalog::fields))
        .route("/api/v1/profiles/{id}", get(profiles::one).put(profiles::update))
        .route("/api/v1/job_titles", get(catalog::job_titles))
        .route("/api/v1/files", axum::routing::post(files::upload))
        .route("/api/v1/files/{id}/download", get(files::download))
        .fallback(|| async { ctx::error(StatusCode::NOT_FOUND, "Not found", vec![]) })
        // The pipeline already bounds bodies; axum's 2 MB default would refuse resumes.
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(ctx.clone(), pipeline::<NamelyCtx>))
        .with_state(ctx)
}

/// Namely accepts an optional `.json` suffix (`/profiles.json`); route without it.
fn strip_json_suffix(path: &str) -> Option<String> {
    path.strip_suffix(".json").map(str::to_string)
}

/// Fill each seeded profile's missing standard keys and check it as a POST
/// would, so a bad seed fails at start instead of confusing a test later.
fn normalise(mut seed: NamelySeed) -> anyhow::Result<NamelySeed> {
    if seed.tokens.is_empty() {
        seed.tokens.push(TokenSeed::admin(DEFAULT_TOKEN));
    }
    let given = std::mem::take(&mut seed.profiles);
    for (i, p) in given.into_iter().enumerate() {
        let Some(input) = p.as_object() else { anyhow::bail!("seeded profile {i} is not an object") };
        let id =
            p["id"].as_str().map(str::to_string).unwrap_or_else(|| format!("00000000-0000-4000-8000-{:012x}", i + 1));
        let created = p["created_at"].as_i64().unwrap_or(0);
        let mut blank = profile::blank(&id, created);
        if let Some(role) = p.get("access_role") {
            blank["access_role"] = role.clone();
        }
        let lk = profile::Lookups { data: &seed, pending: &[], admin: true, salary_guid: format!("{id}-salary") };
        let mut full = profile::apply(blank, input, &lk, p["updated_at"].as_i64().unwrap_or(created))
            .map_err(|e| anyhow::anyhow!("seeded profile {id}: {}", e.join("; ")))?;
        full["created_at"] = Value::from(created);
        seed.profiles.push(full);
    }
    Ok(seed)
}

struct Inner {
    ctx: Arc<NamelyCtx>,
    server: Server,
    base_url: String,
}

/// A running Namely simulator. Clones share the server; it stops when the
/// last clone is dropped or on [`NamelyHandle::shutdown`].
#[derive(Clone)]
pub struct NamelyHandle {
    inner: Arc<Inner>,
}

impl NamelyHandle {
    /// Start on `127.0.0.1` with a free port.
    pub async fn start(seed: NamelySeed) -> anyhow::Result<NamelyHandle> {
        Self::start_on(seed, 0).await
    }

    /// Start on `127.0.0.1:port` (0 for a free port).
    pub async fn start_on(seed: NamelySeed, port: u16) -> anyhow::Result<NamelyHandle> {
        let ctx = Arc::new(NamelyCtx::new(normalise(seed)?));
        let server = Server::start("namely-sim", port, router(ctx.clone()), Some(strip_json_suffix)).await?;
        let base_url = format!("http://{}{}", server.addr(), ctx::BASE);
        Ok(NamelyHandle { inner: Arc::new(Inner { ctx, server, base_url }) })
    }

    /// `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// The token clients should send: the first active admin token.
    pub fn token(&self) -> String {
        self.inner.ctx.lock().data.primary_token().to_string()
    }

    /// The exact `Authorization` header value a correct client sends.
    pub fn expected_authorization(&self) -> String {
        format!("Bearer {}", self.token())
    }

    /// The fault knobs (including the GET /profiles 406 threshold); settable at any time.
    pub fn faults(&self) -> &Faults {
        &self.inner.ctx.core.faults
    }

    /// Every profile, in creation order, as an administrator sees it.
    pub fn profiles(&self) -> Vec<Value> {
        self.inner.ctx.lock().data.profiles.clone()
    }

    /// One profile by id.
    pub fn profile(&self, id: &str) -> Option<Value> {
        self.inner.ctx.lock().data.profiles.iter().find(|p| p["id"] == id).cloned()
    }

    /// Files uploaded with POST /files (and seeded ones), with their bytes.
    pub fn files(&self) -> Vec<UploadedFile> {
        self.inner.ctx.lock().data.files.clone()
    }

    /// POST/PUT/PATCH/DELETE requests received, whatever their outcome.
    pub fn write_count(&self) -> usize {
        self.write_counts().values().sum()
    }

    /// Write requests received per endpoint, e.g. `POST /api/v1/profiles`.
    pub fn write_counts(&self) -> BTreeMap<String, usize> {
        self.inner.ctx.core.recorder.writes()
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.inner.ctx.core.recorder.requests()
    }

    /// Contract violations seen (request bodies, and responses from seeded data).
    pub fn violations(&self) -> Vec<Violation> {
        self.inner.ctx.core.recorder.violations()
    }

    /// Forget the request log, write counters and violations (data stays).
    pub fn clear_log(&self) {
        self.inner.ctx.core.recorder.clear();
    }

    /// Read or change the live data directly (tokens, job titles, profiles, files).
    /// Profiles added here are kept as given (not completed or validated).
    /// `f` runs under the simulator's lock: it must not call back into the handle.
    pub fn with_data<R>(&self, f: impl FnOnce(&mut NamelySeed) -> R) -> R {
        f(&mut self.inner.ctx.lock().data)
    }

    /// A copy of the live data, usable as a seed.
    pub fn snapshot(&self) -> NamelySeed {
        self.inner.ctx.lock().data.clone()
    }

    /// Stop serving now (also happens when the last clone is dropped).
    pub fn shutdown(&self) {
        self.inner.server.stop();
    }
}
