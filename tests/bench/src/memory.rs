//! 6. Memory and size: `lever-namely serve` idle, `lever-namely backfill`
//! at its peak, and the embedded component's size.

use std::time::Duration;

use lever_namely_simulators::Simulators;

use crate::backfill::backfill;
use crate::cli::{host_binary, memory, start_serve, Scratch};
use crate::report::{load_average, mib, Row, Section};

const IDLE_FOR: Duration = Duration::from_secs(5);
const MIB: u64 = 1024 * 1024;

/// RSS and peak RSS of an idle `serve`.
fn serve_idle() -> anyhow::Result<(u64, u64)> {
    let bin = host_binary()?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let sims = rt.block_on(Simulators::start_demo())?;
    let dir = Scratch::new("idle")?;
    let (child, _) = start_serve(&bin, &sims, &dir, "reconcile_every_mins = 0")?;
    std::thread::sleep(IDLE_FOR);
    memory(child.0.id()).ok_or_else(|| anyhow::anyhow!("no /proc status for the service"))
}

pub fn run(number: usize, hires: usize) -> anyhow::Result<Section> {
    let load_before = load_average();
    let (idle, idle_peak) = serve_idle()?;
    // No rate limits: memory does not depend on the pace, and this is quick.
    let b = backfill(hires, Some(0.0), false)?;
    let size = lever_namely::EMBEDDED_PLUGIN.len() as u64;
    let rows = vec![
        Row::new("`serve` RSS, idle", "< 50 MiB", mib(idle), Some(idle < 50 * MIB)),
        Row::info(format!("`backfill` peak RSS ({} hires)", b.hires), mib(b.peak_rss)),
        Row::new("component size (embedded `.wasm`)", "< 1 MiB", format!("{} ({size} bytes)", mib(size)), Some(size < MIB)),
    ];
    let details = vec![
        format!("- Idle: `lever-namely serve` (release binary, warm compile cache, 2 workers polling an empty journal, reconcile off) read from `/proc/<pid>/status` {} s after `/healthz` first answered: VmRSS {}, VmHWM {} (start-up's peak, loading the component included).", IDLE_FOR.as_secs(), mib(idle), mib(idle_peak)),
        format!("- Peak: `lever-namely backfill` over {} hires against the simulators without rate limits (`lever_requests_per_second = 0`), VmHWM sampled every 50 ms until exit: {}; {:.1} s, statuses {}.", b.hires, mib(b.peak_rss), b.wall.as_secs_f64(), b.summary["by_status"]),
        format!("- Component: `lever_namely::EMBEDDED_PLUGIN.len()` = {size} bytes, the `plugin` profile (`opt-level = \"s\"`, LTO, one codegen unit, debug info stripped, `panic = \"abort\"`)."),
    ];
    Ok(Section { number, title: "Memory and size", rows, details, load_before, load_after: load_average() })
}
