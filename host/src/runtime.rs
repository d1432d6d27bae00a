//! Loading and running the component: one engine, one compiled component,
//! and a fresh, bounded store for every call.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::bindings::PluginPre;
use crate::egress::EgressHooks;
use crate::imports;
use crate::limits::{Guard, LimitBreach, Limits, EPOCH_TICK};

/// The component built from `plugin/` with this host.
pub const EMBEDDED_PLUGIN: &[u8] = include_bytes!(env!("LEVER_NAMELY_PLUGIN_WASM_PATH"));

/// Everything one invocation's store holds.
pub struct Invocation {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: EgressHooks,
    table: ResourceTable,
    config: WasiConfigVariables,
    guard: Guard,
}

impl WasiView for Invocation {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Invocation {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// A compiled, linked component, ready to instantiate many times.
#[derive(Clone)]
pub struct Plugin {
    engine: Engine,
    pre: PluginPre<Invocation>,
    component: Component,
    limits: Limits,
    sealed_settings: Option<Vec<(String, String)>>,
    _ticker: Arc<EpochTicker>,
}

impl Plugin {
    /// The embedded component.
    pub fn embedded() -> anyhow::Result<Self> {
        Self::from_bytes(EMBEDDED_PLUGIN)
    }

    /// A component from a file (`--plugin FILE`).
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("could not read the plugin {}", path.display()))?;
        Self::from_bytes(&bytes).with_context(|| format!("could not load the plugin {}", path.display()))
    }

    /// A component from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<Self> {
        Self::from_bytes_with(bytes, EngineOptions::default())
    }

    /// A component from its bytes, on an engine built with `options`.
    pub fn from_bytes_with(bytes: &[u8], options: EngineOptions) -> anyhow::Result<Self> {
        let engine = engine(&options)?;
        let component = Component::from_binary(&engine, bytes).map_err(anyhow::Error::from).context("this is not a WebAssembly component")?;
        imports::check(&engine, &component)?;
        // The contract version, before anything is linked: a plugin for
        // another line is refused with the versions this host supports.
        crate::contract::check(&engine, &component)?;
        let mut linker = Linker::<Invocation>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        wasmtime_wasi_config::add_to_linker(&mut linker, |s: &mut Invocation| WasiConfig::from(&s.config))?;
        let pre = PluginPre::new(linker.instantiate_pre(&component)?)
            .map_err(anyhow::Error::from)
            .context("the component does not export the lever-namely:plugin 0.1 interfaces")?;
        let ticker = Arc::new(EpochTicker::start(&engine));
        let sealed_settings = crate::tenant::sealed_in(bytes).filter(|s| !s.is_empty());
        Ok(Self { engine, pre, component, limits: Limits::default(), sealed_settings, _ticker: ticker })
    }

    /// The engine the component was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// For a tenant build (`build-tenant`), the settings sealed into it.
    pub fn sealed_settings(&self) -> Option<&[(String, String)]> {
        self.sealed_settings.as_deref()
    }

    /// The per-call limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Change the per-call limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A fresh store and instance, with the given settings visible through
    /// `wasi:config/store`, outbound HTTP going through `hooks`, and this
    /// plugin's [`Limits`] enforced on every call made through it.
    pub async fn instantiate(
        &self,
        settings: impl IntoIterator<Item = (String, String)>,
        hooks: EgressHooks,
    ) -> anyhow::Result<(Store<Invocation>, crate::bindings::Plugin)> {
        // No environment, arguments, files or sockets: the builder denies by default.
        let wasi = WasiCtx::builder().build();
        let state = Invocation {
            wasi,
            http: WasiHttpCtx::new(),
            hooks,
            table: ResourceTable::new(),
            config: settings.into_iter().collect(),
            guard: Guard::new(&self.limits),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.guard);
        // Each tick the guest is found running costs a tick of its CPU budget;
        // yielding then lets the executor run other work (and deadlines fire)
        // while a guest computes.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut ctx| {
            ctx.data_mut().guard.charge_tick()?;
            Ok(UpdateDeadline::Yield(1))
        });
        let instance = self.pre.instantiate_async(&mut store).await?;
        Ok((store, instance))
    }
}

/// How the engine is built. The default (what every `Plugin` constructor
/// but [`Plugin::from_bytes_with`] uses) allocates each instance on demand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// Use wasmtime's pooling allocator with slots for this many instances
    /// alive at once. Instantiation then reuses pre-reserved memory instead of
    /// mapping it per call: for a host instantiating per request at scale. A
    /// slot's memory is capped at the default `[sandbox] memory_mib`; more
    /// instances than slots at once fail to instantiate.
    pub pooling: Option<u32>,
}

fn engine(options: &EngineOptions) -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    if let Some(slots) = options.pooling {
        let mut pool = wasmtime::PoolingAllocationConfig::new();
        // A component instance is several core instances, memories and
        // tables; the totals leave room for that in every slot.
        pool.total_component_instances(slots)
            .total_core_instances(slots * 8)
            .total_memories(slots * 2)
            .total_tables(slots * 4)
            .total_stacks(slots)
            .max_memory_size(Limits::default().memory_bytes);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    }
    // Compiled components are cached on disk (keyed by content, engine and
    // settings), so a one-shot CLI does not pay for compilation every run.
    if let Ok(cache) = wasmtime::Cache::from_file(None) {
        config.cache(Some(cache));
    }
    Engine::new(&config).map_err(|e| anyhow::anyhow!("could not start the wasm engine: {e}"))
}

/// Advances the engine's epoch so that CPU budgets are counted.
struct EpochTicker {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl EpochTicker {
    fn start(engine: &Engine) -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (engine, flag) = (engine.weak(), stop.clone());
        std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match engine.upgrade() {
                        Some(e) => e.increment_epoch(),
                        None => break,
                    }
                }
            })
            .expect("could not start the epoch ticker thread");
        Self { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Turn a guest trap into advice: which limit was hit, if any.
pub fn explain_trap(e: wasmtime::Error) -> anyhow::Error {
    if let Some(breach) = e.downcast_ref::<LimitBreach>() {
        return anyhow::anyhow!("{breach}");
    }
    anyhow::anyhow!("the component failed: {e:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::types::{MapOptions, RecordType};

    #[tokio::test]
    async fn a_pooled_plugin_reuses_its_slots_call_after_call() {
        let plugin = Plugin::from_bytes_with(EMBEDDED_PLUGIN, EngineOptions { pooling: Some(2) }).unwrap();
        let options = MapOptions { record_type: RecordType::Hris, timezone: None, employee_types: vec![], salary_currencies: vec![], offer_identifiers: vec![], form_title: None };
        // More calls than slots: each store frees its slot when dropped.
        for _ in 0..5 {
            let answer = crate::mapping::map_bundle(&plugin, "{}", &options).await.unwrap();
            assert!(answer.is_err(), "an empty bundle is not a hire");
        }
    }
}
