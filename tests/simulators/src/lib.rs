//! Stateful Lever and Namely API simulators: real HTTP servers on loopback
//! for lever-namely's end-to-end tests and its `demo` command.
//!
//! - [`LeverHandle`]: Lever Data API v1 under `/v1` (HTTP Basic, API key as username).
//! - [`NamelyHandle`]: Namely API v1 under `/api/v1` (Bearer token).
//!
//! Both serve the JSON shapes of the real APIs (Lever's recorded responses
//! seed it unchanged), keep state (posted notes, created profiles, uploaded
//! files), check every request body against the JSON Schemas in `schemas/`
//! (violations are recorded, never fatal), log every request without header
//! values, count writes, and misbehave on demand through [`Faults`].
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sims = lever_namely_simulators::Simulators::start_demo().await?;
//! println!("{} {}", sims.lever.base_url(), sims.namely.base_url());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod demo;
mod fault_mix;
mod faults;
mod hire;
mod lever;
mod namely;
mod pipeline;
mod query;
mod record;
mod rng;
pub mod schemas;
mod server;

pub use demo::{
    demo_lever_seed, demo_namely_seed, SimulatorsSeed, DEMO_LEVER_API_KEY, DEMO_NAMELY_TOKEN, DEMO_OPPORTUNITY_ID,
};
pub use fault_mix::{RandomFaults, WeightedFault};
pub use faults::{
    Fault, FaultPlan, FaultRule, Faults, LostResponse, RandomRateLimit, RetryHint, Target, DEFAULT_PROFILES_PER_MINUTE,
};
pub use hire::{resume_pdf, Address, NewHire, HIRED_REASON_ID};
pub use lever::{Blob, LeverHandle, LeverSeed, Recorded, DEFAULT_API_KEY};
pub use namely::{NamelyHandle, NamelySeed, TokenSeed, UploadedFile, DEFAULT_TOKEN};
pub use record::{AuthOutcome, Direction, RequestRecord, Violation};

/// Both simulators, started together.
pub struct Simulators {
    /// The Lever simulator.
    pub lever: LeverHandle,
    /// The Namely simulator.
    pub namely: NamelyHandle,
}

impl Simulators {
    /// Start both on 127.0.0.1 with random ports, seeded with the demo seed.
    pub async fn start_demo() -> anyhow::Result<Simulators> {
        Self::start(demo_lever_seed(), demo_namely_seed()).await
    }

    /// Start both on 127.0.0.1 with random ports.
    pub async fn start(lever: LeverSeed, namely: NamelySeed) -> anyhow::Result<Simulators> {
        Ok(Simulators { lever: LeverHandle::start(lever).await?, namely: NamelyHandle::start(namely).await? })
    }

    /// Start both from a combined seed on the given ports (0 for any), with its fault plan applied.
    pub async fn start_seeded(seed: SimulatorsSeed, lever_port: u16, namely_port: u16) -> anyhow::Result<Simulators> {
        let lever = LeverHandle::start_on(seed.lever, lever_port).await?;
        let namely = NamelyHandle::start_on(seed.namely, namely_port).await?;
        lever.faults().apply(&seed.faults);
        namely.faults().apply(&seed.faults);
        Ok(Simulators { lever, namely })
    }

    /// Stop both now (dropping the handles does the same).
    pub fn shutdown(&self) {
        self.lever.shutdown();
        self.namely.shutdown();
    }
}

/// The demo hire's opportunity id (Robert "Bob" de la Cruz).
pub fn demo_opportunity_id() -> &'static str {
    DEMO_OPPORTUNITY_ID
}
