//! Random faults of every kind: each matching request is faulted
//! independently with a probability, the kind drawn from a weighted mix by a
//! seeded RNG. For soaks, where counted faults would be too regular.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::faults::{Fault, LostResponse, RetryHint, Target};
use crate::rng::Rng;

/// One kind of fault in a mix, with its relative weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedFault {
    /// Relative weight (0 never fires).
    pub weight: u32,
    /// The fault.
    pub fault: Fault,
}

/// Fault a share of matching requests with kinds drawn from a weighted mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomFaults {
    /// Chance per matching request, 0.0–1.0.
    pub probability: f64,
    /// RNG seed: the same seed and request order give the same faults.
    pub seed: u64,
    /// Which requests may be faulted.
    #[serde(default)]
    pub target: Target,
    /// The kinds and their weights.
    pub mix: Vec<WeightedFault>,
}

impl RandomFaults {
    /// A mix from `(weight, fault)` pairs.
    pub fn new(probability: f64, seed: u64, target: Target, mix: Vec<(u32, Fault)>) -> RandomFaults {
        let mix = mix.into_iter().map(|(weight, fault)| WeightedFault { weight, fault }).collect();
        RandomFaults { probability, seed, target, mix }
    }

    /// Every way Lever misbehaves, for a client whose per-wait timeout is
    /// `client_timeout`: 429 (with `Retry-After` or `X-RateLimit-Reset`),
    /// 500/502/503, no answer past the timeout, a reset before the work, a
    /// response lost after the work (dropped, or stalled past the timeout),
    /// a body cut mid-way, a truncated body and an HTML page with 200.
    /// Lever does not answer 406, so it is not in this mix.
    pub fn lever(probability: f64, seed: u64, client_timeout: Duration) -> RandomFaults {
        let mut mix = vec![
            (2, Fault::RateLimit { hint: RetryHint::RetryAfter(1) }),
            (1, Fault::RateLimit { hint: RetryHint::RateLimitReset(1) }),
        ];
        mix.extend(common(client_timeout));
        RandomFaults::new(probability, seed, Target::any(), mix)
    }

    /// Every way Namely misbehaves, as [`RandomFaults::lever`] but with
    /// Namely's throttle: 406 as well as 429 (with `Retry-After`).
    pub fn namely(probability: f64, seed: u64, client_timeout: Duration) -> RandomFaults {
        let mut mix =
            vec![(2, Fault::RateLimit { hint: RetryHint::RetryAfter(1) }), (2, Fault::ServerError { status: 406 })];
        mix.extend(common(client_timeout));
        RandomFaults::new(probability, seed, Target::any(), mix)
    }

    /// One draw: `None` (most requests), or the fault for this request.
    /// A single number decides both whether and which, so a mix of one kind
    /// fires exactly as [`crate::Faults::rate_limit_randomly`] would.
    pub(crate) fn draw(&self, rng: &mut Rng) -> Option<Fault> {
        let u = rng.next_f64();
        let total: u64 = self.mix.iter().map(|w| u64::from(w.weight)).sum();
        if u >= self.probability || total == 0 {
            return None;
        }
        // u/p is uniform in [0, 1) given that the request is faulted.
        let mut point = ((u / self.probability) * total as f64) as u64;
        for w in &self.mix {
            if point < u64::from(w.weight) {
                return Some(w.fault);
            }
            point -= u64::from(w.weight);
        }
        self.mix.iter().rev().find(|w| w.weight > 0).map(|w| w.fault)
    }
}

/// The faults both APIs share; timeouts outlast the client's by half a second.
fn common(client_timeout: Duration) -> Vec<(u32, Fault)> {
    let past = client_timeout + Duration::from_millis(500);
    vec![
        (1, Fault::ServerError { status: 500 }),
        (1, Fault::ServerError { status: 502 }),
        (1, Fault::ServerError { status: 503 }),
        (1, Fault::Unanswered { after: past }),
        (1, Fault::Drop),
        (1, Fault::LoseResponse { how: LostResponse::Drop }),
        (1, Fault::LoseResponse { how: LostResponse::Stall(past) }),
        (1, Fault::CutBody),
        (1, Fault::Truncate),
        (1, Fault::NotJson),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn draws(mix: &RandomFaults, n: usize) -> Vec<Option<Fault>> {
        let mut rng = Rng::new(mix.seed);
        (0..n).map(|_| mix.draw(&mut rng)).collect()
    }

    #[test]
    fn draws_are_deterministic_near_the_probability_and_cover_every_kind() {
        let mix = RandomFaults::namely(0.2, 11, Duration::from_secs(1));
        let a = draws(&mix, 20_000);
        assert_eq!(a, draws(&mix, 20_000));
        let faulted = a.iter().flatten().count();
        assert!((3_600..4_400).contains(&faulted), "{faulted} of 20000 at p=0.2");
        let mut kinds = BTreeMap::new();
        for f in a.iter().flatten() {
            *kinds.entry(format!("{f:?}")).or_insert(0) += 1;
        }
        assert_eq!(kinds.len(), mix.mix.len(), "{kinds:?}");
    }

    #[test]
    fn zero_weights_never_fire_and_lever_has_no_406() {
        let mix = RandomFaults::new(1.0, 3, Target::any(), vec![(0, Fault::Drop), (1, Fault::CutBody)]);
        assert!(draws(&mix, 500).iter().all(|f| *f == Some(Fault::CutBody)));
        let lever = RandomFaults::lever(0.2, 1, Duration::from_secs(1));
        assert!(!lever.mix.iter().any(|w| w.fault == Fault::ServerError { status: 406 }));
    }
}
