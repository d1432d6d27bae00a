//! 2. Cold start: one `lever-namely map` process, start to exit, with the
//! compiled component in wasmtime's cache and with an empty cache.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::ensure;

use crate::cli::{host_binary, workspace_root, Scratch};
use crate::report::{load_average, ms, percentile, Row, Section};

const WARM_RUNS: usize = 20;
const COLD_RUNS: usize = 5;

/// How the compile cache is set up for a run.
#[derive(Clone, Copy)]
enum Cache<'a> {
    /// This directory, already holding the compiled component.
    In(&'a Path),
    /// A fresh, empty directory per run: compiled, then written to the cache.
    Empty,
}

fn one_run(bin: &Path, bundle: &Path, cache: Cache) -> anyhow::Result<Duration> {
    let scratch;
    let mut cmd = Command::new(bin);
    cmd.args(["map", "--bundle"]).arg(bundle).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    match cache {
        Cache::In(dir) => {
            cmd.env("XDG_CACHE_HOME", dir).env("XDG_CONFIG_HOME", dir);
        }
        Cache::Empty => {
            scratch = Scratch::new("empty-cache")?;
            cmd.env("XDG_CACHE_HOME", &scratch.0).env("XDG_CONFIG_HOME", &scratch.0);
        }
    }
    let start = Instant::now();
    let out = cmd.output()?;
    let wall = start.elapsed();
    ensure!(out.status.success(), "lever-namely map failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(wall)
}

fn runs(n: usize, bin: &Path, bundle: &Path, cache: Cache) -> anyhow::Result<Vec<Duration>> {
    let mut v = (0..n).map(|_| one_run(bin, bundle, cache)).collect::<anyhow::Result<Vec<_>>>()?;
    v.sort();
    Ok(v)
}

pub fn run(number: usize) -> anyhow::Result<Section> {
    let bin = host_binary()?;
    let load_before = load_average();
    let bundle = workspace_root().join("tests/fixtures/bundles/full-hire.json");
    let cache = Scratch::new("cache")?;
    // The first run fills the cache.
    one_run(&bin, &bundle, Cache::In(&cache.0))?;
    let warm = runs(WARM_RUNS, &bin, &bundle, Cache::In(&cache.0))?;
    let empty = runs(COLD_RUNS, &bin, &bundle, Cache::Empty)?;
    let warm_p50 = percentile(&warm, 50.0);
    let rows = vec![
        Row::new("`lever-namely map`, compiled component cached (median)", "< 30 ms", ms(warm_p50), Some(warm_p50 < Duration::from_millis(30))),
        Row::info("`lever-namely map`, without the compiled component: empty cache, compile and store (median)", ms(percentile(&empty, 50.0))),
    ];
    let list = |v: &[Duration]| v.iter().map(|d| format!("{:.1}", d.as_secs_f64() * 1e3)).collect::<Vec<_>>().join(", ");
    let details = vec![
        format!("Wall time from spawn to exit of `{} map --bundle tests/fixtures/bundles/full-hire.json` (output discarded), run one after another.", bin.display()),
        String::new(),
        format!("- Cached: wasmtime's compile cache (`wasmtime::Cache::from_file(None)`, directory `$XDG_CACHE_HOME/wasmtime`) pointed at a scratch directory filled by one run first; {WARM_RUNS} runs, ms: {}.", list(&warm)),
        format!("- Empty cache: a fresh `XDG_CACHE_HOME` per run, so each run compiles the component with Cranelift and writes it to the cache (a host's first run); {COLD_RUNS} runs, ms: {}.", list(&empty)),
        "- Without the cache there is no switch to turn it off; an empty cache directory is the same work (compilation) plus writing the result, a few milliseconds of the total. Unsetting `HOME` does not turn it off: the cache then finds the home directory through the password database.".into(),
    ];
    Ok(Section { number, title: "Cold start", rows, details, load_before, load_after: load_average() })
}
