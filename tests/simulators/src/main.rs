//! `lever-namely-simulators`: run the Lever and Namely simulators until Ctrl-C.
//!
//! ```text
//! lever-namely-simulators [--seed FILE] [--lever-port N] [--namely-port N]
//! lever-namely-simulators --print-demo-seed > seed.json
//! ```
//! FILE is JSON `{"lever": …, "namely": …, "faults": …}` (see `SimulatorsSeed`);
//! without it the demo seed is used. Port 0 (the default) picks a free port.

use anyhow::{bail, Context};
use lever_namely_simulators::{Simulators, SimulatorsSeed};

const USAGE: &str = "usage: lever-namely-simulators [--seed FILE] [--lever-port N] [--namely-port N]\n       \
                     lever-namely-simulators --print-demo-seed   (a starting point for a seed file)";

struct Args {
    seed: Option<String>,
    lever_port: u16,
    namely_port: u16,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args { seed: None, lever_port: 0, namely_port: 0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--seed" => args.seed = Some(value()?),
            "--lever-port" => args.lever_port = value()?.parse().context("--lever-port must be a port number")?,
            "--namely-port" => args.namely_port = value()?.parse().context("--namely-port must be a port number")?,
            "--print-demo-seed" => {
                println!("{}", serde_json::to_string_pretty(&SimulatorsSeed::demo())?);
                std::process::exit(0);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let seed = match &args.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
            serde_json::from_str::<SimulatorsSeed>(&text).with_context(|| format!("{path} is not a simulators seed"))?
        }
        None => SimulatorsSeed::demo(),
    };
    let sims = Simulators::start_seeded(seed, args.lever_port, args.namely_port).await?;
    println!("Lever:  {}", sims.lever.base_url());
    println!("        API key {} (HTTP Basic username, empty password)", sims.lever.api_key());
    println!("Namely: {}", sims.namely.base_url());
    println!("        Bearer token {}", sims.namely.token());
    if args.seed.is_none() {
        println!("Demo hire: opportunity {}", lever_namely_simulators::demo_opportunity_id());
    }
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sims.shutdown();
    Ok(())
}
