//! What one invocation of the component may use: CPU time, memory, tables
//! and instances, each configurable under `[sandbox]`, each breach an error
//! that names the limit and the setting that raises it.
//!
//! CPU time is counted with epoch interruption: the engine's epoch advances
//! every [`EPOCH_TICK`], and each tick in which the guest is found running
//! wasm costs it one tick of its budget. Time spent waiting on the host (HTTP
//! above all) is not counted, so a slow Namely cannot exhaust the CPU budget;
//! the sync's overall deadline (`[sync] deadline_secs`) bounds that instead.

use std::fmt;
use std::time::Duration;

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

/// How often the engine's epoch advances; CPU budgets are counted in these.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Bounds on one invocation of the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// CPU time the guest may use per call (`[sandbox] cpu_ms`).
    pub cpu: Duration,
    /// Linear memory each of the guest's memories may grow to (`[sandbox] memory_mib`).
    pub memory_bytes: usize,
    /// Elements each table may grow to (`[sandbox] table_elements`).
    pub table_elements: usize,
    /// Instances, tables and memories the component may create.
    pub instances: usize,
    pub tables: usize,
    pub memories: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { cpu: Duration::from_secs(5), memory_bytes: 128 * 1024 * 1024, table_elements: 100_000, instances: 16, tables: 16, memories: 4 }
    }
}

impl Limits {
    /// The CPU budget in epoch ticks.
    pub fn cpu_ticks(&self) -> u64 {
        (self.cpu.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

/// A limit the guest ran into. It is the error a trapped call returns, so
/// callers can tell a breach from a bug and say which setting to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitBreach {
    /// What ran out, e.g. "CPU time".
    pub what: &'static str,
    /// The limit, in words, e.g. "5s".
    pub limit: String,
    /// The setting that raises it.
    pub setting: &'static str,
}

impl fmt::Display for LimitBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the component went past its {} limit of {} and was stopped ({} raises it)", self.what, self.limit, self.setting)
    }
}

impl std::error::Error for LimitBreach {}

/// Enforces [`Limits`] on one store: a wasmtime resource limiter, plus the
/// CPU ticks used so far.
pub struct Guard {
    limits: Limits,
    store: StoreLimits,
    cpu_used: u64,
}

impl Guard {
    /// A fresh guard for one invocation.
    pub fn new(limits: &Limits) -> Self {
        let store = StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .table_elements(limits.table_elements)
            .instances(limits.instances)
            .tables(limits.tables)
            .memories(limits.memories)
            .build();
        Self { limits: limits.clone(), store, cpu_used: 0 }
    }

    /// Charge one tick of CPU; an error once the budget is spent.
    pub fn charge_tick(&mut self) -> Result<(), LimitBreach> {
        self.cpu_used += 1;
        if self.cpu_used > self.limits.cpu_ticks() {
            return Err(LimitBreach { what: "CPU time", limit: format!("{:?}", self.limits.cpu), setting: "[sandbox] cpu_ms" });
        }
        Ok(())
    }

    /// CPU ticks charged so far.
    pub fn cpu_ticks_used(&self) -> u64 {
        self.cpu_used
    }

    fn memory_breach(&self) -> LimitBreach {
        LimitBreach { what: "memory", limit: format!("{} MiB", self.limits.memory_bytes / (1024 * 1024)), setting: "[sandbox] memory_mib" }
    }
}

impl ResourceLimiter for Guard {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Trap with the reason rather than let the guest's allocator abort,
        // which would read as a bug in the component.
        if desired > self.limits.memory_bytes {
            return Err(self.memory_breach().into());
        }
        self.store.memory_growing(current, desired, maximum)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.limits.table_elements {
            return Err(LimitBreach { what: "table size", limit: format!("{} elements", self.limits.table_elements), setting: "[sandbox] table_elements" }.into());
        }
        self.store.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.store.instances()
    }

    fn tables(&self) -> usize {
        self.store.tables()
    }

    fn memories(&self) -> usize {
        self.store.memories()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_budget_is_counted_in_ticks() {
        let limits = Limits { cpu: Duration::from_millis(30), ..Limits::default() };
        let mut g = Guard::new(&limits);
        for _ in 0..3 {
            g.charge_tick().unwrap();
        }
        let breach = g.charge_tick().unwrap_err();
        assert!(breach.to_string().contains("CPU time limit of 30ms") && breach.to_string().contains("[sandbox] cpu_ms"), "{breach}");
    }

    #[test]
    fn memory_past_the_limit_is_a_breach_naming_the_setting() {
        let limits = Limits { memory_bytes: 1 << 20, ..Limits::default() };
        let mut g = Guard::new(&limits);
        assert!(g.memory_growing(0, 1 << 20, None).unwrap());
        let e = g.memory_growing(1 << 20, 2 << 20, None).unwrap_err();
        let breach = e.downcast_ref::<LimitBreach>().expect("a LimitBreach");
        assert_eq!(breach.setting, "[sandbox] memory_mib");
        assert!(g.table_growing(0, 200_000, None).is_err());
    }
}
