//! `lever-namely`: the command line over the reference host.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use lever_namely::bindings::types::{MappingError, RecordType};
use lever_namely::config::Config;
use lever_namely::{inspect, mapping, Plugin};

/// Exit status when the candidate is not archived as Hired (not an error).
const EXIT_NOT_HIRED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "lever-namely",
    version,
    about = "Move hired candidates from Lever into Namely, through a sandboxed WebAssembly component.",
    after_help = "Exit status: 0 done; 1 an error (the message says what to fix); 2 bad usage; 3 the candidate is not hired."
)]
struct Cli {
    /// Load this component instead of the embedded one (it must speak lever-namely:plugin 0.1).
    #[arg(long, global = true, value_name = "FILE")]
    plugin: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Map a Lever bundle to the exact Namely request, inside the sandbox.
    ///
    /// The bundle is a JSON object of Lever responses (each response's `data`):
    /// `opportunity` (applications expanded), `offers`, `forms`, `requisition`,
    /// `posting`, `resumes`, `archive_reasons`, and optionally
    /// `namely_job_titles`. Prints one JSON object:
    /// {"record_type", "namely_request", "warnings": [{"code", "field", "message"}]}.
    #[command(after_help = "Example:\n  lever-namely map --bundle hire.json --record-type onboarding --timezone America/New_York")]
    Map {
        /// The Lever bundle, a JSON file; `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        bundle: PathBuf,
        /// The Namely record to create: `hris` (active) or `onboarding` (pending draft). Overrides the config.
        #[arg(long, value_enum, value_name = "TYPE")]
        record_type: Option<RecordTypeArg>,
        /// IANA time zone for Lever's timestamps, e.g. America/New_York. Overrides the config; default UTC.
        #[arg(long, value_name = "TZ")]
        timezone: Option<String>,
        /// A lever-namely config file (TOML); its [mapping] section and record_type/timezone apply.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print the component's world, contract version, imports and exports.
    #[command(after_help = "Example:\n  lever-namely inspect\n  lever-namely --plugin build/acme.wasm inspect")]
    Inspect,
}

#[derive(Clone, Copy, ValueEnum)]
enum RecordTypeArg {
    Hris,
    Onboarding,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_plugin(path: &Option<PathBuf>) -> anyhow::Result<(Plugin, usize)> {
    match path {
        Some(p) => Ok((Plugin::from_file(p)?, std::fs::metadata(p).map(|m| m.len() as usize).unwrap_or(0))),
        None => Ok((Plugin::embedded()?, lever_namely::EMBEDDED_PLUGIN.len())),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Map { bundle, record_type, timezone, config } => {
            let config = match &config {
                Some(p) => Config::load(p)?,
                None => Config::default(),
            };
            let mut options = config.map_options();
            if let Some(r) = record_type {
                options.record_type = match r {
                    RecordTypeArg::Hris => RecordType::Hris,
                    RecordTypeArg::Onboarding => RecordType::Onboarding,
                };
            }
            if timezone.is_some() {
                options.timezone = timezone;
            }
            let text = read_bundle(&bundle)?;
            let (plugin, _) = load_plugin(&cli.plugin)?;
            match mapping::map_bundle(&plugin, &text, &options).await? {
                Ok(m) => {
                    println!("{}", serde_json::to_string_pretty(&mapping::mapping_json(&m))?);
                    Ok(ExitCode::SUCCESS)
                }
                Err(MappingError::NotHired(why)) => {
                    println!("{}", serde_json::json!({"outcome": "not-hired", "reason": why}));
                    eprintln!("not hired: {why}; there is nothing to map");
                    Ok(ExitCode::from(EXIT_NOT_HIRED))
                }
                Err(e) => {
                    eprintln!("error: {}", mapping::error_text(&e));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Inspect => {
            let (plugin, size) = load_plugin(&cli.plugin)?;
            println!("{}", serde_json::to_string_pretty(&inspect::describe(&plugin, size))?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_bundle(path: &PathBuf) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("could not read the bundle from standard input")?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("could not read the bundle {}", path.display()))
}
