//! The Lever Data API v1 simulator: routes, and the handle tests hold.

mod catalog;
mod ctx;
mod documents;
mod opportunities;
mod paging;
pub mod seed;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get};
use axum::Router;
use base64::Engine;
use serde_json::Value;

use crate::faults::Faults;
use crate::hire::{self, NewHire};
use crate::pipeline::pipeline;
use crate::record::{RequestRecord, Violation};
use crate::server::Server;
use catalog::Kind;
use ctx::LeverCtx;
pub(crate) use documents::content_type;
use documents::Doc;
use opportunities::Sub;
pub use seed::{Blob, LeverSeed, Recorded, DEFAULT_API_KEY};

fn router(ctx: Arc<LeverCtx>) -> Router {
    let sub = |s: Sub| {
        move |State(c): State<Arc<LeverCtx>>, Path(id): Path<String>, uri: Uri| opportunities::sub_list(c, id, uri, s)
    };
    let docs =
        |d: Doc| move |State(c): State<Arc<LeverCtx>>, Path(id): Path<String>, uri: Uri| documents::list(c, id, uri, d);
    let doc = |d: Doc| {
        move |State(c): State<Arc<LeverCtx>>, Path((id, sub)): Path<(String, String)>| documents::one(c, id, sub, d)
    };
    let download = |d: Doc| {
        move |State(c): State<Arc<LeverCtx>>, Path((id, sub)): Path<(String, String)>| {
            documents::download(c, id, sub, d)
        }
    };
    let list = |k: Kind| move |State(c): State<Arc<LeverCtx>>, uri: Uri| catalog::list(c, uri, k);
    let one = |k: Kind| move |State(c): State<Arc<LeverCtx>>, Path(id): Path<String>| catalog::one(c, id, k);
    Router::new()
        .route("/v1/opportunities", get(opportunities::list))
        .route("/v1/opportunities/{id}", get(opportunities::get_one))
        .route("/v1/opportunities/{id}/applications", get(opportunities::applications))
        .route("/v1/opportunities/{id}/applications/{sub}", get(opportunities::application))
        .route("/v1/opportunities/{id}/offers", get(sub(Sub::Offers)))
        .route("/v1/opportunities/{id}/forms", get(sub(Sub::Forms)))
        .route("/v1/opportunities/{id}/notes", get(sub(Sub::Notes)).post(opportunities::create_note))
        .route("/v1/opportunities/{id}/notes/{sub}", get(opportunities::note))
        .route("/v1/opportunities/{id}/resumes", get(docs(Doc::Resumes)))
        .route("/v1/opportunities/{id}/resumes/{sub}", get(doc(Doc::Resumes)))
        .route("/v1/opportunities/{id}/resumes/{sub}/download", get(download(Doc::Resumes)))
        .route("/v1/opportunities/{id}/files", get(docs(Doc::Files)))
        .route("/v1/opportunities/{id}/files/{sub}", get(doc(Doc::Files)))
        .route("/v1/opportunities/{id}/files/{sub}/download", get(download(Doc::Files)))
        .route("/v1/archive_reasons", get(list(Kind::ArchiveReasons)))
        .route("/v1/archive_reasons/{id}", get(one(Kind::ArchiveReasons)))
        .route("/v1/requisitions", get(list(Kind::Requisitions)))
        .route("/v1/requisitions/{id}", get(one(Kind::Requisitions)))
        .route("/v1/postings", get(list(Kind::Postings)))
        .route("/v1/postings/{id}", get(one(Kind::Postings)))
        .route("/v1/users", get(list(Kind::Users)))
        .route("/v1/users/{id}", get(one(Kind::Users)))
        .route("/v1/stages", get(list(Kind::Stages)))
        .route("/v1/contacts/{id}", get(one(Kind::Contacts)))
        .route("/v1/requisition_fields", get(catalog::requisition_fields))
        .route("/v1/webhooks", get(catalog::webhooks).post(catalog::create_webhook))
        .route("/v1/webhooks/{id}", delete(catalog::delete_webhook))
        .fallback(|| async { ctx::error(StatusCode::NOT_FOUND, "Not found") })
        .layer(from_fn_with_state(ctx.clone(), pipeline::<LeverCtx>))
        .with_state(ctx)
}

struct Inner {
    ctx: Arc<LeverCtx>,
    server: Server,
    base_url: String,
}

/// A running Lever simulator. Clones share the server; it stops when the
/// last clone is dropped or on [`LeverHandle::shutdown`].
#[derive(Clone)]
pub struct LeverHandle {
    inner: Arc<Inner>,
}

impl LeverHandle {
    /// Start on `127.0.0.1` with a free port.
    pub async fn start(seed: LeverSeed) -> anyhow::Result<LeverHandle> {
        Self::start_on(seed, 0).await
    }

    /// Start on `127.0.0.1:port` (0 for a free port).
    pub async fn start_on(seed: LeverSeed, port: u16) -> anyhow::Result<LeverHandle> {
        let ctx = Arc::new(LeverCtx::new(seed));
        let server = Server::start("lever-sim", port, router(ctx.clone()), None).await?;
        let base_url = format!("http://{}{}", server.addr(), ctx::BASE);
        let _ = ctx.base_url.set(base_url.clone());
        Ok(LeverHandle { inner: Arc::new(Inner { ctx, server, base_url }) })
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// The API key clients must send (as the Basic username, empty password).
    pub fn api_key(&self) -> String {
        self.inner.ctx.lock().data.api_key.clone()
    }

    /// The exact `Authorization` header value a correct client sends.
    pub fn expected_authorization(&self) -> String {
        let raw = format!("{}:", self.api_key());
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }

    /// The fault knobs; settable at any time.
    pub fn faults(&self) -> &Faults {
        &self.inner.ctx.core.faults
    }

    /// Notes of an opportunity, oldest first (seeded ones and posted ones).
    pub fn notes(&self, opportunity_id: &str) -> Vec<Value> {
        self.inner.ctx.lock().data.notes.get(opportunity_id).cloned().unwrap_or_default()
    }

    /// The stored opportunity (applications expanded), if any.
    pub fn opportunity(&self, id: &str) -> Option<Value> {
        opportunities::find(&self.inner.ctx.lock().data.opportunities, id).cloned()
    }

    /// POST/PUT/PATCH/DELETE requests received, whatever their outcome.
    pub fn write_count(&self) -> usize {
        self.write_counts().values().sum()
    }

    /// Write requests received per endpoint, e.g. `POST /v1/opportunities/{id}/notes`.
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

    /// Change a stored opportunity ("fix the data in Lever"). `updatedAt` is
    /// moved forward unless `f` set it, so pollers on `updated_at_start` see it.
    ///
    /// `f` runs under the simulator's lock: it must not call back into the handle.
    ///
    /// # Panics
    /// If there is no opportunity `id`: the calling test is wrong.
    pub fn update_opportunity(&self, id: &str, f: impl FnOnce(&mut Value)) {
        let mut st = self.inner.ctx.lock();
        let opp = st
            .data
            .opportunities
            .iter_mut()
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
            .unwrap_or_else(|| panic!("no opportunity {id} in the Lever simulator"));
        let before = opp.get("updatedAt").cloned();
        f(opp);
        if opp.get("updatedAt") == before.as_ref() {
            let old = before.as_ref().and_then(Value::as_i64).unwrap_or(0);
            opp["updatedAt"] = Value::from(opportunities::now_ms().max(old + 1));
        }
    }

    /// Change an opportunity's notes (e.g. clear them). `f` runs under the lock.
    pub fn update_notes(&self, opportunity_id: &str, f: impl FnOnce(&mut Vec<Value>)) {
        f(self.inner.ctx.lock().data.notes.entry(opportunity_id.to_string()).or_default());
    }

    /// Change an opportunity's profile forms. `f` runs under the lock.
    pub fn update_forms(&self, opportunity_id: &str, f: impl FnOnce(&mut Vec<Value>)) {
        f(self.inner.ctx.lock().data.forms.entry(opportunity_id.to_string()).or_default());
    }

    /// Change an opportunity's offers. `f` runs under the lock.
    pub fn update_offers(&self, opportunity_id: &str, f: impl FnOnce(&mut Vec<Value>)) {
        f(self.inner.ctx.lock().data.offers.entry(opportunity_id.to_string()).or_default());
    }

    /// Change an opportunity's resumes (their bytes are in `with_data`). `f` runs under the lock.
    pub fn update_resumes(&self, opportunity_id: &str, f: impl FnOnce(&mut Vec<Value>)) {
        f(self.inner.ctx.lock().data.resumes.entry(opportunity_id.to_string()).or_default());
    }

    /// Change an opportunity's files (their bytes are in `with_data`). `f` runs under the lock.
    pub fn update_files(&self, opportunity_id: &str, f: impl FnOnce(&mut Vec<Value>)) {
        f(self.inner.ctx.lock().data.files.entry(opportunity_id.to_string()).or_default());
    }

    /// The id of the archive reason whose `type` is `hired`.
    ///
    /// # Panics
    /// If the seed has none.
    pub fn hired_reason_id(&self) -> String {
        self.reason_id("hired")
    }

    /// The id of the first active archive reason whose `type` is `non-hired`.
    ///
    /// # Panics
    /// If the seed has none.
    pub fn non_hired_reason_id(&self) -> String {
        self.reason_id("non-hired")
    }

    fn reason_id(&self, kind: &str) -> String {
        let st = self.inner.ctx.lock();
        st.data
            .archive_reasons
            .iter()
            .find(|r| r["type"] == kind && r["status"] != "inactive")
            .and_then(|r| r["id"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no {kind} archive reason in the Lever simulator"))
    }

    /// Add a hired candidate (opportunity archived as Hired, application,
    /// signed offer, "Namely Form", resume) and return the opportunity id.
    /// Ids come from the simulator's seeded RNG, so runs are repeatable.
    pub fn add_hire(&self, hire: NewHire) -> String {
        let mut st = self.inner.ctx.lock();
        let st = &mut *st;
        let ids = hire::HireIds::random(&mut st.rng);
        hire::add(&mut st.data, &ids, &hire, opportunities::now_ms());
        ids.opportunity
    }

    /// Read or change the live data directly (anything the other methods miss).
    /// Application ids in opportunities are resolved again afterwards.
    /// `f` runs under the simulator's lock: it must not call back into the handle.
    pub fn with_data<R>(&self, f: impl FnOnce(&mut LeverSeed) -> R) -> R {
        let mut st = self.inner.ctx.lock();
        let r = f(&mut st.data);
        ctx::resolve_applications(&mut st.data);
        r
    }

    /// A copy of the live data, usable as a seed.
    pub fn snapshot(&self) -> LeverSeed {
        self.inner.ctx.lock().data.clone()
    }

    /// Stop serving now (also happens when the last clone is dropped).
    pub fn shutdown(&self) {
        self.inner.server.stop();
    }
}
