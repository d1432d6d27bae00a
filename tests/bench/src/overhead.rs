//! 1. Sandbox overhead: a fresh instance and one `map-bundle` call per
//! mapping, as the host makes them, against the same mapping run natively.

use std::time::{Duration, Instant};

use lever_namely::bindings::types::{MapOptions, RecordType};
use lever_namely::egress::{Allowlist, EgressHooks, HttpLimits};
use lever_namely::mapping::map_bundle;
use lever_namely::{EngineOptions, Plugin, EMBEDDED_PLUGIN};
use lever_namely_tests::fixture;

use crate::report::{load_average, percentile, us, Row, Section};

const BUNDLE: &str = "bundles/full-hire.json";
const WARMUP: usize = 200;
const ITERATIONS: usize = 3_000;
/// Instances alive at once in the pool: one here, room for a busy host.
const POOL_SLOTS: u32 = 64;

fn options() -> MapOptions {
    MapOptions { record_type: RecordType::Hris, timezone: None, employee_types: vec![], salary_currencies: vec![], offer_identifiers: vec![], form_title: None }
}

fn native_options() -> lever_namely_plugin::types::MapOptions {
    lever_namely_plugin::types::MapOptions {
        record_type: lever_namely_plugin::types::RecordType::Hris,
        timezone: None,
        employee_types: vec![],
        salary_currencies: vec![],
        offer_identifiers: vec![],
        form_title: None,
    }
}

/// Median and p99 of `n` timed runs of `f`, after a warm-up.
async fn time<F: AsyncFnMut()>(n: usize, mut f: F) -> (Duration, Duration) {
    for _ in 0..WARMUP {
        f().await;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f().await;
        samples.push(start.elapsed());
    }
    samples.sort();
    (percentile(&samples, 50.0), percentile(&samples, 99.0))
}

pub fn run(number: usize) -> anyhow::Result<Section> {
    let load_before = load_average();
    let bundle = fixture(BUNDLE);
    let pooled = Plugin::from_bytes_with(EMBEDDED_PLUGIN, EngineOptions { pooling: Some(POOL_SLOTS) })?;
    let on_demand = Plugin::from_bytes(EMBEDDED_PLUGIN)?;
    // Current-thread, as a host's worker thread would drive one call.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (o, no) = (options(), native_options());
    // Both must map the bundle, and the same way, or the comparison is void.
    let wasm = rt.block_on(map_bundle(&pooled, &bundle, &o))?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let native = lever_namely_plugin::mapping::map_bundle(&bundle, &no).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    anyhow::ensure!(wasm.request_json == native.request_json, "the sandboxed and native mappings differ");

    let (pooled_p50, pooled_p99) = rt.block_on(time(ITERATIONS, async || {
        map_bundle(&pooled, &bundle, &o).await.unwrap().unwrap();
    }));
    let (demand_p50, demand_p99) = rt.block_on(time(ITERATIONS, async || {
        map_bundle(&on_demand, &bundle, &o).await.unwrap().unwrap();
    }));
    let (inst_p50, _) = rt.block_on(time(ITERATIONS, async || {
        let hooks = EgressHooks::new(Allowlist::deny_all(), HttpLimits::default(), true);
        pooled.instantiate([], hooks).await.unwrap();
    }));
    let (native_p50, native_p99) = rt.block_on(time(ITERATIONS, async || {
        std::hint::black_box(lever_namely_plugin::mapping::map_bundle(std::hint::black_box(&bundle), &no).unwrap());
    }));
    let ratio = pooled_p50.as_secs_f64() / native_p50.as_secs_f64();
    let rows = vec![
        Row::new("sandbox: instantiate + `map-bundle`, pooling allocator + `InstancePre` (median)", "< 50 µs", us(pooled_p50), Some(pooled_p50 < Duration::from_micros(50))),
        Row::new("sandbox / native ratio (medians)", "< 3", format!("{ratio:.1}"), Some(ratio < 3.0)),
        Row::info("of which instantiation alone (pooling, median)", us(inst_p50)),
        Row::info("same call, on-demand allocator (the CLI's default; median)", us(demand_p50)),
        Row::info("native `map_bundle` (median)", us(native_p50)),
    ];
    let details = vec![
        format!("Bundle `tests/fixtures/{BUNDLE}` ({} bytes), record type `hris`, mapped {ITERATIONS} times after {WARMUP} warm-up calls, one at a time on a current-thread tokio runtime; medians and p99s of per-call wall time.", bundle.len()),
        String::new(),
        format!("- Sandboxed call = `lever_namely::mapping::map_bundle`: a deny-all egress policy, a fresh `Store` with its `WasiCtx`, resource limiter and epoch deadline, `InstancePre::instantiate_async`, then `call_map_bundle` (the bundle copied in, the mapping lifted out). Pooling engine (`EngineOptions {{ pooling: Some({POOL_SLOTS}) }}`): median {}, p99 {}. On-demand engine: median {}, p99 {}.", us(pooled_p50), us(pooled_p99), us(demand_p50), us(demand_p99)),
        format!("- Instantiation alone (store, context, `instantiate_async`, no call), pooling: median {}. The rest of a call, {}, is the mapping itself plus copying the bundle in and the result out.", us(inst_p50), us(pooled_p50.saturating_sub(inst_p50))),
        format!("- Native = `lever_namely_plugin::mapping::map_bundle` on the same bundle and options (the same Rust code compiled for the host, optimised): median {}, p99 {}.", us(native_p50), us(native_p99)),
        "- The epoch ticker is one thread per engine, started when the plugin is loaded, so no call pays for it; each call only sets its store's deadline and callback.".into(),
    ];
    Ok(Section { number, title: "Sandbox overhead", rows, details, load_before, load_after: load_average() })
}
