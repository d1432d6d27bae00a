//! `lever-namely`: the command line over the reference host.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};


mod demo;

use lever_namely::bindings::sync::SyncOutcome;
use lever_namely::bindings::types::{MappingError, RecordType};
use lever_namely::config::Config;
use lever_namely::credentials::Credentials;
use lever_namely::sync::{self, Syncer};
use lever_namely::{backfill, check, inspect, log, mapping, reconcile, serve, tenant, Plugin};
use lever_namely_service::journal::{Journal, Status};
use lever_namely_service::webhook::VerifierConfig;
use std::sync::Arc;

/// Exit status when the candidate is not archived as Hired (not an error).
pub(crate) const EXIT_NOT_HIRED: u8 = 3;

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

    /// How `serve` and the other commands log to standard error: `text`, or `json` (one object a line).
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: log::Format,

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
    /// Sync one hired candidate to Namely: create the record, upload the resume, post the Lever note.
    ///
    /// Prints one JSON object: {"outcome": "created" | "already-synced" | "not-hired" | "failed", …}.
    /// Credentials come from the environment variables the config names
    /// (LEVER_API_KEY and NAMELY_ACCESS_TOKEN by default); the component never sees them.
    #[command(after_help = "Example:\n  LEVER_API_KEY=… NAMELY_ACCESS_TOKEN=… lever-namely sync 250d8f03-738a-4bba-a671-8a3d73477145 --config lever-namely.toml")]
    Sync {
        /// The Lever opportunity id (the candidate's page is hire.lever.co/candidates/ID).
        opportunity_id: String,
        /// The lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Show what `sync` would do (the exact Namely request, any existing profile, the steps) and write nothing.
    #[command(after_help = "Example:\n  lever-namely plan 250d8f03-738a-4bba-a671-8a3d73477145 --config lever-namely.toml")]
    Plan {
        /// The Lever opportunity id.
        opportunity_id: String,
        /// The lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Check the config and both credentials: Lever's key and its access, Namely's token and its field visibility.
    #[command(after_help = "Example:\n  lever-namely check --config lever-namely.toml")]
    Check {
        /// The lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Run the webhook service: Lever webhooks at POST /webhooks/lever, /healthz and /metrics.
    ///
    /// Deliveries are verified with each event's signature token (from the
    /// environment variables named in [lever.webhook_tokens]), journaled in
    /// SQLite before they are acknowledged, and synced by workers; hires
    /// whose webhook never came are found by a reconciliation every
    /// [serve] reconcile_every_mins.
    #[command(after_help = "Example:\n  LEVER_WEBHOOK_TOKEN_HIRED=… lever-namely serve --config lever-namely.toml --listen 0.0.0.0:8080")]
    Serve {
        /// The lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The address to listen on (overrides [serve] listen; default 127.0.0.1:8080).
        #[arg(long, value_name = "HOST:PORT")]
        listen: Option<String>,
    },
    /// List every hire the service has seen, what happened and why.
    #[command(after_help = "Example:\n  lever-namely events --config lever-namely.toml --status failed")]
    Events {
        /// The lever-namely config file (TOML); its [serve] journal is read.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Only hires with this status: pending, running, retrying, done, not-hired or failed.
        #[arg(long, value_parser = parse_status)]
        status: Option<Status>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Sync a hire again now, e.g. after its data was fixed in Lever.
    #[command(after_help = "Example:\n  lever-namely replay 250d8f03-738a-4bba-a671-8a3d73477145 --config lever-namely.toml")]
    Replay {
        /// An opportunity id, or a delivery (event) id from `events`.
        id: String,
        /// The lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Find hires archived in Lever since a date whose webhook never came, and sync them.
    #[command(after_help = "Example:\n  lever-namely reconcile --since 2026-11-01 --config lever-namely.toml")]
    Reconcile {
        /// YYYY-MM-DD (UTC) or epoch milliseconds.
        #[arg(long, value_name = "DATE")]
        since: String,
        /// The lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Sync every hire archived in Lever since a date, within both APIs' rate limits.
    #[command(after_help = "Example:\n  lever-namely backfill --since 2026-01-01 --config lever-namely.toml")]
    Backfill {
        /// YYYY-MM-DD (UTC) or epoch milliseconds.
        #[arg(long, value_name = "DATE")]
        since: String,
        /// The lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Print the summary as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Start Lever and Namely simulators in-process, seed a hired candidate, sync it, and show the result.
    #[command(after_help = "Example:\n  lever-namely demo")]
    Demo,
    /// Build one tenant's component: its settings sealed in, its secrets left to the host.
    ///
    /// Seals what the config's top level, [lever], [namely], [mapping] and
    /// [sync] give (never a secret: the config names only the variables that
    /// hold them) into a settings layer composed in front of the plugin (the
    /// embedded one, or --plugin). The result runs in this host (`--plugin
    /// acme.wasm sync …`) and in stock hosts such as `wasmtime serve`, which
    /// supply the secrets through wasi:config/store.
    #[command(after_help = "Example:\n  lever-namely build-tenant --config acme.toml -o acme.wasm\n  wasmtime serve -S cli -S config -S config-var=lever.api_key=… -S config-var=namely.access_token=… \\\n    -S config-var=lever.webhook_signature_token=… acme.wasm")]
    BuildTenant {
        /// The tenant's lever-namely config file (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Where to write the tenant's component.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Print the component's world, contract version, imports and exports.
    #[command(after_help = "Example:\n  lever-namely inspect\n  lever-namely --plugin build/acme.wasm inspect")]
    Inspect,
}

/// A journal status as typed on the command line.
fn parse_status(text: &str) -> Result<Status, String> {
    text.parse::<Status>()
}

#[derive(Clone, Copy, ValueEnum)]
enum RecordTypeArg {
    Hris,
    Onboarding,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    log::init(cli.log_format);
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
            log::error(&format!("{e:#}"), &[]);
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn load_plugin(path: &Option<PathBuf>) -> anyhow::Result<(Plugin, usize)> {
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
                    log::info("not hired: there is nothing to map", &[("reason", &why)]);
                    Ok(ExitCode::from(EXIT_NOT_HIRED))
                }
                Err(e) => {
                    log::error(&mapping::error_text(&e), &[]);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Sync { opportunity_id, config } => {
            let syncer = syncer(&cli.plugin, &config)?;
            let (outcome, refused) = syncer.run(&opportunity_id).await?;
            println!("{}", serde_json::to_string_pretty(&sync::outcome_json(&outcome, &refused))?);
            Ok(outcome_code(&outcome))
        }
        Command::Plan { opportunity_id, config } => {
            let syncer = syncer(&cli.plugin, &config)?;
            let (plan, refused) = syncer.plan(&opportunity_id).await?;
            println!("{}", serde_json::to_string_pretty(&sync::plan_json(&plan, &refused))?);
            Ok(match plan.outcome.as_str() {
                "not-hired" => ExitCode::from(EXIT_NOT_HIRED),
                "would-fail" => ExitCode::FAILURE,
                _ => ExitCode::SUCCESS,
            })
        }
        Command::Check { config } => {
            let config = Config::load(&config)?;
            let endpoints = config.endpoints()?;
            let credentials = Credentials::from_env(&endpoints.lever_api_key_env, &endpoints.namely_access_token_env)?;
            let findings = check::run(&endpoints, &credentials).await;
            for f in &findings {
                let tag = match f.level {
                    check::Level::Ok => "ok     ",
                    check::Level::Warning => "warning",
                    check::Level::Error => "error  ",
                };
                println!("{tag} {}", f.message);
            }
            Ok(if findings.iter().any(|f| f.level == check::Level::Error) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Serve { config, listen } => {
            let cfg = Config::load(&config)?;
            let syncer = syncer(&cli.plugin, &config)?;
            let journal = Arc::new(open_journal(&cfg)?);
            let tokens = serve::webhook_tokens(&cfg)?;
            let mut verifier = VerifierConfig::new(tokens);
            if let Some(secs) = cfg.serve.max_skew_secs {
                verifier.max_skew = std::time::Duration::from_secs(secs);
            }
            // A console without a password is refused before anything listens.
            let console = lever_namely::console::Console::from_config(&cfg)?;
            let addr = serve::listen_address(&cfg, listen.as_deref())?;
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("could not listen on {addr}"))?;
            log::info("listening", &[("address", &listener.local_addr()?.to_string()), ("path", serve::WEBHOOK_PATH), ("journal", &journal.path().display().to_string())]);
            // Known, it lets rejections' archive changes be dropped at the door.
            let hired_reason = match reconcile::hired_reason_id(syncer.endpoints(), &credentials(&cfg)?).await {
                Ok(id) => Some(id),
                Err(e) => {
                    log::warn("the Hired archive reason is unknown; every archive change will be checked", &[("error", &format!("{e:#}"))]);
                    None
                }
            };
            let service = Arc::new(serve::Service {
                journal: journal.clone(),
                syncer: syncer.clone(),
                verifier,
                metrics: Default::default(),
                hire_stage: cfg.serve.hire_stage.clone(),
                hired_reason,
                workers: cfg.serve.workers.unwrap_or(2),
                poll: std::time::Duration::from_millis(500),
                lease: cfg.serve.lease_secs.map_or(serve::worker::LEASE, std::time::Duration::from_secs),
                console,
            });
            if service.console.is_some() {
                log::info("console", &[("url", &format!("http://{}/console", listener.local_addr()?)), ("user", lever_namely::console::USER)]);
            }
            let every = cfg.serve.reconcile_every_mins.unwrap_or(60);
            if every > 0 {
                let (e, c, j) = (syncer.endpoints().clone(), credentials(&cfg)?, journal.clone());
                tokio::spawn(async move {
                    loop {
                        // Look back over the last day each time; known hires are skipped.
                        let since = serve::worker::now_ms() - 24 * 3600 * 1000;
                        if let Err(err) = reconcile::queue_missed(&j, &e, &c, since).await {
                            log::warn("reconcile failed", &[("error", &format!("{err:#}"))]);
                        }
                        tokio::time::sleep(std::time::Duration::from_secs(every * 60)).await;
                    }
                });
            }
            serve::run(service, listener).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Events { config, status, json } => {
            let cfg = Config::load(&config)?;
            let journal = open_journal(&cfg)?;
            let hires = journal.events(status)?;
            let refused = journal.refusals(50)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({"hires": hires, "refused_deliveries": refused}))?);
            } else {
                println!("{:<38} {:<10} {:>8}  {}", "OPPORTUNITY", "STATUS", "ATTEMPTS", "NAMELY ID / REASON");
                for h in &hires {
                    let detail = h.namely_id.clone().or(h.last_reason.clone()).unwrap_or_default();
                    println!("{:<38} {:<10} {:>8}  {}", h.opportunity_id, h.status.as_str(), h.attempts, detail);
                }
                if hires.is_empty() {
                    println!("(no hires in {})", journal.path().display());
                }
                if status.is_none() && !refused.is_empty() {
                    println!("\nREFUSED DELIVERIES (newest first)");
                    for r in &refused {
                        println!("{:>13}  {} {:<14} {}", r.received_at, r.status, r.kind, r.reason);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay { id, config } => {
            let cfg = Config::load(&config)?;
            let syncer = syncer(&cli.plugin, &config)?;
            let journal = Arc::new(open_journal(&cfg)?);
            let replayed = journal.replay(&id, serve::worker::now_ms())?;
            log::info("re-queued", &[("opportunity_id", &replayed.opportunity_id), ("was", replayed.previous.as_str())]);
            serve::worker::drain(&journal, &syncer, &format!("replay-{}", std::process::id())).await?;
            print_hire(&journal, &replayed.opportunity_id)
        }
        Command::Reconcile { since, config } => {
            let cfg = Config::load(&config)?;
            let since = reconcile::parse_since(&since)?;
            let syncer = syncer(&cli.plugin, &config)?;
            let journal = Arc::new(open_journal(&cfg)?);
            let report = reconcile::queue_missed(&journal, syncer.endpoints(), &credentials(&cfg)?, since).await?;
            log::info("reconciled", &[("found", &report.found.to_string()), ("queued", &report.queued.to_string()), ("known", &report.known.to_string())]);
            serve::worker::drain(&journal, &syncer, &format!("reconcile-{}", std::process::id())).await?;
            let hires = journal.events(None)?;
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({"report": report, "hires": hires}))?);
            Ok(if hires.iter().any(|h| h.status == Status::Failed) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Backfill { since, config, json } => {
            let cfg = Config::load(&config)?;
            let since = reconcile::parse_since(&since)?;
            let syncer = syncer(&cli.plugin, &config)?;
            let journal = Arc::new(open_journal(&cfg)?);
            let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let summary = backfill::run(&journal, &syncer, since, show, std::time::Duration::from_secs(60)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                println!("{}", backfill::table(&summary));
            }
            Ok(if summary.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Demo => demo::run(&cli.plugin).await,
        Command::BuildTenant { config, output } => {
            let cfg = Config::load(&config)?;
            let settings = tenant::sealed_settings(&cfg).with_context(|| format!("{} cannot be sealed", config.display()))?;
            let base = match &cli.plugin {
                Some(p) => std::fs::read(p).with_context(|| format!("could not read the plugin {}", p.display()))?,
                None => lever_namely::EMBEDDED_PLUGIN.to_vec(),
            };
            let built = tenant::build(&base, &settings)?;
            // Loaded as this host loads any plugin: imports, contract version, compilation.
            let plugin = Plugin::from_bytes(&built).context("the tenant build does not load; this is a bug in build-tenant")?;
            write_atomically(&output, &built)?;
            let mut description = serde_json::to_value(inspect::describe(&plugin, built.len()))?;
            description["output"] = output.display().to_string().into();
            println!("{}", serde_json::to_string_pretty(&description)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect => {
            let (plugin, size) = load_plugin(&cli.plugin)?;
            println!("{}", serde_json::to_string_pretty(&inspect::describe(&plugin, size))?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn syncer(plugin: &Option<PathBuf>, config: &PathBuf) -> anyhow::Result<Syncer> {
    let config = Config::load(config)?;
    let endpoints = config.endpoints()?;
    let credentials = Credentials::from_env(&endpoints.lever_api_key_env, &endpoints.namely_access_token_env)?;
    let (plugin, _) = load_plugin(plugin)?;
    Syncer::new(plugin, config, credentials)
}

fn credentials(cfg: &Config) -> anyhow::Result<Credentials> {
    let e = cfg.endpoints()?;
    Credentials::from_env(&e.lever_api_key_env, &e.namely_access_token_env)
}

fn open_journal(cfg: &Config) -> anyhow::Result<Journal> {
    let path = cfg.serve.journal_path();
    Journal::open(&path).with_context(|| format!("could not open the journal {}", path.display()))
}

fn print_hire(journal: &Journal, opportunity_id: &str) -> anyhow::Result<ExitCode> {
    let hire = journal.hire(opportunity_id)?;
    println!("{}", serde_json::to_string_pretty(&hire)?);
    Ok(match hire.map(|h| h.status) {
        Some(Status::Done) => ExitCode::SUCCESS,
        Some(Status::NotHired) => ExitCode::from(EXIT_NOT_HIRED),
        _ => ExitCode::FAILURE,
    })
}

/// The exit status for a sync outcome.
fn outcome_code(o: &SyncOutcome) -> ExitCode {
    match o {
        SyncOutcome::Created(_) | SyncOutcome::AlreadySynced(_) => ExitCode::SUCCESS,
        SyncOutcome::NotHired(_) => ExitCode::from(EXIT_NOT_HIRED),
        SyncOutcome::Failed(_) => ExitCode::FAILURE,
    }
}

/// Write `bytes` to `path` whole or not at all: a reader never sees half a component.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("could not write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("could not move {} to {}", tmp.display(), path.display()))
}

fn read_bundle(path: &PathBuf) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("could not read the bundle from standard input")?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("could not read the bundle {}", path.display()))
}
