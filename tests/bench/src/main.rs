//! lever-namely's benchmark harness: the cost of the sandbox, start-up, round
//! trips per hire, a backfill against both APIs' rate limits, webhook ingest,
//! and memory, each printed beside its goal.
//!
//! ```sh
//! cargo run --release -p lever-namely-bench -- all --write BENCHMARKS.md
//! ```
//!
//! Measurements: `all` or any of `overhead cold-start round-trips backfill
//! ingest memory`. `--hires N` sets the backfills' size (default 100);
//! `--rates default,9` the `lever_requests_per_second` values the limited
//! backfill runs at; `--write FILE` writes the report, keeping the
//! hand-written notes below its marker.

mod backfill;
mod cli;
mod cold_start;
mod ingest;
mod memory;
mod overhead;
mod report;
mod round_trips;

use std::process::ExitCode;

use anyhow::{bail, Context as _};
use report::Section;

const ALL: [&str; 6] = ["overhead", "cold-start", "round-trips", "backfill", "ingest", "memory"];

struct Args {
    which: Vec<String>,
    write: Option<String>,
    hires: usize,
    rates: Vec<Option<f64>>,
}

fn parse(args: &[String]) -> anyhow::Result<Args> {
    let mut a = Args { which: vec![], write: None, hires: 100, rates: vec![None, Some(9.0)] };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--write" => a.write = Some(it.next().context("--write needs a file")?.clone()),
            "--hires" => a.hires = it.next().context("--hires needs a number")?.parse().context("--hires needs a number")?,
            "--rates" => {
                let list = it.next().context("--rates needs a list, e.g. default,9")?;
                a.rates = list
                    .split(',')
                    .map(|r| if r == "default" { Ok(None) } else { r.parse().map(Some).with_context(|| format!("\"{r}\" is not a rate")) })
                    .collect::<anyhow::Result<_>>()?;
            }
            "all" => a.which.extend(ALL.iter().map(|s| s.to_string())),
            m if ALL.contains(&m) => a.which.push(m.to_string()),
            other => bail!("unknown argument \"{other}\"; measurements: all {}", ALL.join(" ")),
        }
    }
    if a.which.is_empty() {
        a.which.extend(ALL.iter().map(|s| s.to_string()));
    }
    Ok(a)
}

fn measure(name: &str, a: &Args) -> anyhow::Result<Section> {
    let number = ALL.iter().position(|m| *m == name).unwrap_or(0) + 1;
    match name {
        "overhead" => overhead::run(number),
        "cold-start" => cold_start::run(number),
        "round-trips" => round_trips::run(number),
        "backfill" => backfill::run(number, a.hires, &a.rates),
        "ingest" => ingest::run(number),
        "memory" => memory::run(number, a.hires),
        _ => unreachable!("checked when parsing"),
    }
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&raw) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let mut sections = Vec::new();
    for name in &args.which {
        eprintln!("== {name} (load {})", report::load_average());
        match measure(name, &args) {
            Ok(s) => sections.push(s),
            Err(e) => {
                eprintln!("error: {name}: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    let command = format!("cargo run --release -p lever-namely-bench -- {}", raw.join(" "));
    let notes = args.write.as_ref().and_then(|f| std::fs::read_to_string(f).ok());
    let text = report::render(&command, &sections, notes.as_deref().and_then(report::kept_notes));
    println!("{text}");
    if let Some(file) = &args.write {
        if let Err(e) = std::fs::write(file, &text) {
            eprintln!("error: could not write {file}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
