//! 4. Backfill: `lever-namely backfill` over many hires, with the Lever
//! simulator refusing past 10 requests a second and Namely past 100
//! `GET /profiles` a minute.

use std::time::Duration;

use lever_namely_simulators::{NewHire, Simulators};
use serde_json::Value;

use crate::cli::{command, host_binary, run_sampling_peak, warm_cache, write_config, Scratch};
use crate::report::{load_average, mib, Row, Section};

/// Lever's documented limit, per API key.
const LEVER_LIMIT: usize = 10;

/// One backfill's figures.
pub struct Outcome {
    pub hires: usize,
    pub wall: Duration,
    pub lever_admitted: usize,
    pub lever_refused: usize,
    pub namely_profile_gets: usize,
    pub namely_refused: usize,
    pub summary: Value,
    pub failed: usize,
    pub peak_rss: u64,
}

/// Backfill `hires` new hires (plus the demo seed's) through the CLI at
/// `rate` Lever requests a second (`None`: the product default), with the
/// simulators enforcing both APIs' limits when `limited`.
pub fn backfill(hires: usize, rate: Option<f64>, limited: bool) -> anyhow::Result<Outcome> {
    let bin = host_binary()?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let sims = rt.block_on(Simulators::start_demo())?;
    for n in 1..=hires {
        sims.lever.add_hire(NewHire::numbered(n));
    }
    if limited {
        sims.lever.faults().set_request_rate_limit(LEVER_LIMIT, Duration::from_secs(1));
        sims.namely.faults().set_profiles_rate_limit(100, Duration::from_secs(60));
    }
    let dir = Scratch::new("backfill")?;
    let sync = rate.map(|r| format!("lever_requests_per_second = {r:?}")).unwrap_or_default();
    let cfg = write_config(&dir, &sims, &sync, "")?;
    warm_cache(&bin, &sims, &dir)?;
    let mut cmd = command(&bin, &sims, &dir.0);
    cmd.args(["backfill", "--since", "2000-01-01", "--json", "--config"]).arg(&cfg);
    let (out, wall, peak_rss) = run_sampling_peak(cmd)?;
    let summary: Value = serde_json::from_slice(&out.stdout).map_err(|e| anyhow::anyhow!("no summary ({e}): {}", String::from_utf8_lossy(&out.stderr)))?;
    let lever = sims.lever.requests();
    let namely = sims.namely.requests();
    let refused = |rs: &[lever_namely_simulators::RequestRecord], s: &[u16]| rs.iter().filter(|r| r.status.is_some_and(|x| s.contains(&x))).count();
    let failed = summary["failures"].as_array().map_or(0, Vec::len);
    let lever_refused = refused(&lever, &[429]);
    Ok(Outcome {
        hires: summary["found"].as_u64().unwrap_or(0) as usize,
        wall,
        lever_admitted: lever.len() - lever_refused,
        lever_refused,
        namely_profile_gets: namely.iter().filter(|r| r.method == "GET" && r.path.starts_with("/api/v1/profiles")).count(),
        namely_refused: refused(&namely, &[406, 429]),
        summary,
        failed,
        peak_rss,
    })
}

pub fn run(number: usize, hires: usize, rates: &[Option<f64>]) -> anyhow::Result<Section> {
    let load_before = load_average();
    let mut rows = Vec::new();
    let mut details = vec![
        format!("`lever-namely backfill --since 2000-01-01 --json` (the release binary, a warm compile cache) against in-process simulators seeded with the demo data and {hires} more hires (`NewHire::numbered`, each with a resume). The Lever simulator answers 429 (`Retry-After: 1`) to any request past {LEVER_LIMIT} in a rolling second; Namely answers 406 past 100 `GET /profiles` in a rolling minute. The backfill syncs one hire at a time; the host spaces every Lever request at `[sync] lever_requests_per_second`. Lever's rate = requests Lever admitted / the process's wall time (start-up, listing and Namely's prefetch included)."),
        String::new(),
    ];
    for rate in rates {
        let o = backfill(hires, *rate, true)?;
        let label = match rate {
            None => "default (8)".to_string(),
            Some(r) => format!("{r}"),
        };
        let lever_rps = o.lever_admitted as f64 / o.wall.as_secs_f64();
        let share = lever_rps / LEVER_LIMIT as f64;
        rows.push(Row::new(format!("Lever requests/s at `lever_requests_per_second` = {label}"), "≥ 9 (90% of 10)", format!("{lever_rps:.2} ({:.0}%)", share * 100.0), Some(share >= 0.9)));
        rows.push(Row::new(format!("failed hires at {label}"), "0", format!("{} of {}", o.failed, o.hires), Some(o.failed == 0)));
        let per_hire = o.lever_admitted as f64 / o.hires.max(1) as f64;
        details.push(format!(
            "- `lever_requests_per_second` = {label}: {} hires in {:.1} s ({:.2} hires/s); Lever admitted {} requests ({per_hire:.1} a hire) and refused {} with 429; Namely served {} `GET /profiles` and refused {}; statuses {}; peak RSS of the process {}.",
            o.hires,
            o.wall.as_secs_f64(),
            o.hires as f64 / o.wall.as_secs_f64(),
            o.lever_admitted,
            o.lever_refused,
            o.namely_profile_gets,
            o.namely_refused,
            o.summary["by_status"],
            mib(o.peak_rss),
        ));
        details.push(format!(
            "  At this pace 1,000 hires would take about {:.0} minutes ({per_hire:.1} Lever requests a hire at {lever_rps:.2} a second).",
            1000.0 * per_hire / lever_rps / 60.0
        ));
    }
    Ok(Section { number, title: "Backfill", rows, details, load_before, load_after: load_average() })
}
