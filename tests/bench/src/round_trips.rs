//! 3. Round trips: a full sync with 50 ms added to every simulator request;
//! its wall time over 50 ms is the number of sequential waves.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lever_namely::config::RecordTypeSetting;
use lever_namely::sync::outcome_json;
use lever_namely_simulators::{demo_opportunity_id, RequestRecord, Simulators};
use lever_namely_tests::sync_harness::{config, syncer};

use crate::report::{load_average, ms, Row, Section};

const LATENCY: Duration = Duration::from_millis(50);

/// `GET /v1/opportunities/{id}` → 1, per endpoint, in the order first seen.
fn by_endpoint(requests: &[RequestRecord]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in requests {
        *counts.entry(r.endpoint.clone().unwrap_or_else(|| format!("{} {}", r.method, r.path))).or_insert(0) += 1;
    }
    counts.iter().map(|(e, n)| format!("`{e}` ×{n}")).collect::<Vec<_>>().join(", ")
}

pub fn run(number: usize) -> anyhow::Result<Section> {
    let load_before = load_average();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let sims = rt.block_on(Simulators::start_demo())?;
    // Unlimited Lever rate: spacing requests at 8 a second would be counted
    // as waves here; the backfill measures the rate limit.
    let s = syncer(&sims, config(&sims, RecordTypeSetting::Hris));
    // Compile-cache effects and first-use costs out of the way, then reset.
    rt.block_on(s.plan(demo_opportunity_id()))?;
    sims.lever.clear_log();
    sims.namely.clear_log();
    sims.lever.faults().set_latency(LATENCY);
    sims.namely.faults().set_latency(LATENCY);

    let mut rows = Vec::new();
    let mut details = vec![
        format!("The demo hire synced by `Syncer::run` (in-process, the embedded component, `lever_requests_per_second = 0`) against the simulators with {} added before every request is handled, on both APIs. Waves = wall time / {}.", ms(LATENCY), ms(LATENCY)),
        String::new(),
    ];
    for (label, goal) in [("first sync (creates the profile)", true), ("second sync (already synced)", false)] {
        let start = Instant::now();
        let (outcome, _) = rt.block_on(s.run(demo_opportunity_id()))?;
        let wall = start.elapsed();
        let waves = wall.as_secs_f64() / LATENCY.as_secs_f64();
        let (lever, namely) = (sims.lever.requests(), sims.namely.requests());
        let what = format!("waves in a {label}");
        rows.push(if goal { Row::new(what, "≤ 5", format!("{waves:.1} ({})", ms(wall)), Some(waves <= 5.0)) } else { Row::info(what, format!("{waves:.1} ({})", ms(wall))) });
        details.push(format!(
            "- {label}: outcome `{}`, {} ({waves:.2} waves); {} Lever requests ({}) and {} Namely requests ({}).",
            outcome_json(&outcome, &vec![])["outcome"].as_str().unwrap_or("?"),
            ms(wall),
            lever.len(),
            by_endpoint(&lever),
            namely.len(),
            by_endpoint(&namely)
        ));
        sims.lever.clear_log();
        sims.namely.clear_log();
    }
    Ok(Section { number, title: "Round trips", rows, details, load_before, load_after: load_average() })
}
