//! Running the component's sync: the host's side of `plan` and `run`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::bindings::sync::{ExistingProfile, SyncOutcome, SyncPlan};
use crate::config::{Config, Endpoints};
use crate::credentials::Credentials;
use std::sync::Arc;

use crate::egress::{Allowlist, Destination, EgressHooks, HttpLimits, Origin, RateLimiter, Resolve};
use crate::mapping::mapping_json;
use crate::runtime::{explain_trap, Plugin};

/// Everything needed to sync: the component, where it may go, and the keys.
#[derive(Clone)]
pub struct Syncer {
    plugin: Plugin,
    config: Config,
    endpoints: Endpoints,
    credentials: Credentials,
    limits: HttpLimits,
    lever_rate: Option<Arc<RateLimiter>>,
    extra_settings: Vec<(String, String)>,
    resolver: Option<Arc<dyn Resolve>>,
}

/// What the host refused during a call, for the operator.
pub type Refused = Vec<String>;

pub use crate::egress::SentWrite;

impl Syncer {
    /// A syncer for a checked configuration.
    pub fn new(plugin: Plugin, config: Config, credentials: Credentials) -> anyhow::Result<Self> {
        let endpoints = config.endpoints()?;
        let rps = config.sync.lever_requests_per_second;
        let lever_rate = (rps > 0.0).then(|| Arc::new(RateLimiter::new(rps)));
        // The sandbox's limits come from the config. The host caps any single
        // HTTP wait at 60 s, or at the guest's configured timeout if longer.
        let plugin = plugin.with_limits(config.sandbox.limits());
        let max_wait = Duration::from_millis(config.sync.http_timeout_ms.max(1)).max(HttpLimits::default().max_timeout);
        let limits = config.sandbox.http_limits(max_wait);
        Ok(Self { plugin, config, endpoints, credentials, limits, lever_rate, extra_settings: vec![], resolver: None })
    }

    /// This syncer resolving names with `resolver` instead of the system's
    /// (for tests, and platforms with their own DNS). Addresses are checked
    /// against the sandbox's address policy either way.
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// This syncer with more component settings (e.g. a prefetched `namely.profile_index`).
    pub fn with_settings(mut self, extra: Vec<(String, String)>) -> Self {
        self.extra_settings = extra;
        self
    }

    /// The credentials, for host-side calls such as reconcile and backfill.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The checked endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Lever and the tenant's Namely, each with its credential.
    pub fn allowlist(&self) -> anyhow::Result<Allowlist> {
        let mut a = Allowlist::deny_all();
        let origin = |u: &str| Origin::of(u).map_err(|e| anyhow::anyhow!(e));
        a.allow(Destination {
            origin: origin(&self.endpoints.lever_base)?,
            setting: "[lever] base_url".into(),
            authorization: Some(self.credentials.lever_authorization()),
            rate: self.lever_rate.clone(),
        });
        a.allow(Destination {
            origin: origin(&self.endpoints.namely_base)?,
            setting: "[namely] company_url / base_url".into(),
            authorization: Some(self.credentials.namely_authorization()),
            rate: None,
        });
        Ok(a)
    }

    async fn call<R>(
        &self,
        read_only: bool,
        f: impl AsyncFnOnce(&mut wasmtime::Store<crate::runtime::Invocation>, &crate::bindings::Plugin) -> wasmtime::Result<R>,
    ) -> anyhow::Result<(R, Refused, Vec<SentWrite>)> {
        let mut hooks = EgressHooks::new(self.allowlist()?, self.limits.clone(), read_only).with_policy(self.config.sandbox.address_policy());
        if let Some(r) = &self.resolver {
            hooks = hooks.with_resolver(r.clone());
        }
        let (refusals, writes) = (hooks.refusals(), hooks.writes());
        let mut settings = self.config.component_settings(&self.endpoints);
        settings.extend(self.extra_settings.iter().cloned());
        let deadline = Duration::from_secs(self.config.sync.deadline_secs.max(1));
        // The guest's CPU is bounded by the plugin's limits; the deadline bounds
        // the whole call, waiting included.
        let (mut store, instance) = self.plugin.instantiate(settings, hooks).await?;
        let result = tokio::time::timeout(deadline, f(&mut store, &instance))
            .await
            .map_err(|_| anyhow::anyhow!("the sync ran past its deadline of {deadline:?} ([sync] deadline_secs) and was stopped"))?
            .map_err(|e| explain_trap(e))?;
        let refused = refusals.lock().unwrap().clone();
        let writes = writes.lock().unwrap().iter().map(|w| w.lock().unwrap().clone()).collect();
        Ok((result, refused, writes))
    }

    /// What a sync would do; nothing is written (the host refuses any write).
    pub async fn plan(&self, opportunity_id: &str) -> anyhow::Result<(SyncPlan, Refused)> {
        let (plan, refused, _) = self.call(true, async |store, instance| instance.lever_namely_plugin_sync().call_plan(store, opportunity_id).await).await?;
        Ok((plan, refused))
    }

    /// Sync one opportunity.
    pub async fn run(&self, opportunity_id: &str) -> anyhow::Result<(SyncOutcome, Refused)> {
        let (outcome, refused, _) = self.run_recorded(opportunity_id).await?;
        Ok((outcome, refused))
    }

    /// [`Syncer::run`], with every write the sync sent, as sent.
    pub async fn run_recorded(&self, opportunity_id: &str) -> anyhow::Result<(SyncOutcome, Refused, Vec<SentWrite>)> {
        self.call(false, async |store, instance| instance.lever_namely_plugin_sync().call_run(store, opportunity_id).await).await
    }
}

fn existing_json(e: &ExistingProfile) -> Value {
    json!({"namely_id": e.namely_id, "matched_by": e.matched_by})
}

/// A plan as JSON.
pub fn plan_json(p: &SyncPlan, refused: &Refused) -> Value {
    json!({
        "opportunity_id": p.opportunity_id,
        "outcome": p.outcome,
        "reason": p.reason,
        "existing": p.existing.as_ref().map(existing_json),
        "steps": p.steps,
        "mapping": p.mapping.as_ref().map(mapping_json),
        "refused_by_host": refused,
    })
}

/// An outcome as JSON: `{"outcome": "created" | "already-synced" | "not-hired" | "failed", …}`.
pub fn outcome_json(o: &SyncOutcome, refused: &Refused) -> Value {
    let mut v = match o {
        SyncOutcome::Created(c) => json!({
            "outcome": "created",
            "namely_id": c.namely_id,
            "profile_url": c.profile_url,
            "record_type": c.record_type,
            "resume_file_id": c.resume_file_id,
            "note_posted": c.note_posted,
            "warnings": c.warnings.iter().map(|w| json!({"code": w.code, "field": w.field, "message": w.message})).collect::<Vec<_>>(),
        }),
        SyncOutcome::AlreadySynced(e) => json!({"outcome": "already-synced", "existing": existing_json(e)}),
        SyncOutcome::NotHired(why) => json!({"outcome": "not-hired", "reason": why}),
        SyncOutcome::Failed(f) => json!({"outcome": "failed", "reason": f.reason, "retryable": f.retryable, "note_posted": f.note_posted}),
    };
    if !refused.is_empty() {
        v["refused_by_host"] = json!(refused);
    }
    v
}
