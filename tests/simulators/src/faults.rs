//! Fault knobs: latency, throttling, server errors, hangs, dropped
//! connections, malformed bodies and lost responses, either counted or drawn
//! at random from a seeded mix. One [`Faults`] per server, shared between the
//! handle (tests set knobs at any time) and the request pipeline (which
//! consumes them), so everything sits behind one mutex.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::fault_mix::RandomFaults;
use crate::rng::Rng;

/// Which requests a fault applies to. Empty fields match everything.
///
/// `path_prefix` is compared segment by segment; `*` matches any one segment
/// (`/opportunities/*/notes`), and a final segment also matches with a
/// `.json` suffix (Namely accepts `/profiles.json`). A prefix that does not
/// start with the API's base path (`/v1` or `/api/v1`) gets it prepended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Target {
    /// HTTP method, e.g. `POST`; `None` for any.
    pub method: Option<String>,
    /// Path prefix, e.g. `/profiles` or `/v1/opportunities/*/notes`; `None` for any.
    pub path_prefix: Option<String>,
}

impl Target {
    /// Every request.
    pub fn any() -> Target {
        Target::default()
    }

    /// Requests with this method under this path prefix.
    pub fn new(method: &str, path_prefix: &str) -> Target {
        Target { method: Some(method.to_ascii_uppercase()), path_prefix: Some(path_prefix.to_string()) }
    }

    /// Any method under this path prefix.
    pub fn path(path_prefix: &str) -> Target {
        Target { method: None, path_prefix: Some(path_prefix.to_string()) }
    }

    /// This method on any path.
    pub fn method(method: &str) -> Target {
        Target { method: Some(method.to_ascii_uppercase()), path_prefix: None }
    }

    fn matches(&self, base: &str, method: &str, path: &str) -> bool {
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        let Some(prefix) = &self.path_prefix else { return true };
        let full = if prefix.starts_with(base) {
            prefix.clone()
        } else {
            format!("{base}/{}", prefix.trim_start_matches('/'))
        };
        let want: Vec<&str> = full.split('/').filter(|s| !s.is_empty()).collect();
        let have: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        have.len() >= want.len()
            && want.iter().zip(&have).all(|(w, h)| *w == "*" || w == h || h.strip_suffix(".json") == Some(w))
    }
}

/// How a throttled answer tells the client when to come back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetryHint {
    /// `Retry-After: <seconds>`.
    RetryAfter(u64),
    /// `X-RateLimit-Reset: <seconds>` and no `Retry-After` (what tap-lever reads).
    RateLimitReset(u64),
    /// No hint at all.
    #[default]
    None,
}

/// How a processed request's response goes missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LostResponse {
    /// Hold the response this long (longer than the client's timeout), then send it.
    Stall(#[serde(with = "ms")] Duration),
    /// Close the connection without a byte of response.
    Drop,
}

/// One kind of misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Fault {
    /// 429 Too Many Requests with the given hint (Lever's throttle).
    RateLimit {
        /// The header that says when to retry.
        #[serde(default)]
        hint: RetryHint,
    },
    /// An error status such as 500, 502, 503 or 504, without touching state.
    ServerError {
        /// The status to answer with.
        status: u16,
    },
    /// Do not answer: forever (`None`), or only after this long, then normally.
    Hang {
        /// `None` to never answer; otherwise the delay before a normal answer.
        #[serde(default, with = "opt_ms")]
        after: Option<Duration>,
    },
    /// Answer normally but cut the JSON body in half (still a complete HTTP message).
    Truncate,
    /// Do the work (e.g. create the profile), then lose the response.
    LoseResponse {
        /// Stall or drop.
        how: LostResponse,
    },
    /// Close the connection at once, without doing the work or answering
    /// (a reset: the request never reached the application).
    Drop,
    /// Hold the request unanswered this long (past the client's timeout),
    /// then close the connection; the work is never done. Unlike
    /// [`Fault::Hang`] it frees the connection, so a long soak leaks nothing.
    Unanswered {
        /// How long to hold it.
        #[serde(with = "ms")]
        after: Duration,
    },
    /// Do the work, send the status, the headers (with the full
    /// `Content-Length`) and half the body, then close the connection.
    CutBody,
    /// Answer 200 with an HTML page instead of JSON (a proxy's error page),
    /// without doing the work.
    NotJson,
}

impl Fault {
    /// A short name for the request log.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::RateLimit { .. } => "rate-limit",
            Fault::ServerError { .. } => "server-error",
            Fault::Hang { .. } => "hang",
            Fault::Truncate => "truncate",
            Fault::LoseResponse { how: LostResponse::Drop } => "lose-response-drop",
            Fault::LoseResponse { how: LostResponse::Stall(_) } => "lose-response-stall",
            Fault::Drop => "drop",
            Fault::Unanswered { .. } => "unanswered",
            Fault::CutBody => "cut-body",
            Fault::NotJson => "not-json",
        }
    }
}

/// A fault for the next `times` requests matching `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Which requests.
    #[serde(default)]
    pub target: Target,
    /// How many matching requests get the fault.
    pub times: usize,
    /// What happens to them.
    pub fault: Fault,
}

/// Throttle a share of matching requests with 429, drawn from a seeded RNG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomRateLimit {
    /// Chance per matching request, 0.0–1.0.
    pub probability: f64,
    /// RNG seed: the same seed and request order give the same 429s.
    pub seed: u64,
    /// The retry hint sent.
    #[serde(default)]
    pub hint: RetryHint,
    /// Which requests may be throttled.
    #[serde(default)]
    pub target: Target,
}

/// Knobs to apply at start, e.g. from a seed file's `faults` key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultPlan {
    /// Added to every request, in milliseconds.
    pub latency_ms: u64,
    /// Count-based faults, consumed in order.
    pub rules: Vec<FaultRule>,
    /// Probability-based 429s.
    pub random_rate_limit: Option<RandomRateLimit>,
    /// Probability-based faults of every kind, from a weighted mix.
    pub random_faults: Option<RandomFaults>,
    /// Namely only: GET /profiles requests allowed per rolling minute (default 100).
    pub profiles_per_minute: Option<usize>,
}

/// Namely's documented throttle: 100 GET /profiles per minute.
pub const DEFAULT_PROFILES_PER_MINUTE: usize = 100;

struct State {
    latency: Duration,
    rules: Vec<FaultRule>,
    random: Option<(RandomRateLimit, Rng)>,
    mix: Option<(RandomFaults, Rng)>,
    profiles_limit: usize,
    profiles_window: Duration,
    profile_gets: VecDeque<Instant>,
    request_limit: usize,
    request_window: Duration,
    requests: VecDeque<Instant>,
}

/// The runtime-settable fault knobs of one simulator. Every method is safe
/// to call from any thread while the server runs.
pub struct Faults {
    base: &'static str,
    state: Mutex<State>,
}

impl Faults {
    pub(crate) fn new(base: &'static str) -> Faults {
        Faults {
            base,
            state: Mutex::new(State {
                latency: Duration::ZERO,
                rules: Vec::new(),
                random: None,
                mix: None,
                profiles_limit: DEFAULT_PROFILES_PER_MINUTE,
                profiles_window: Duration::from_secs(60),
                profile_gets: VecDeque::new(),
                request_limit: 0,
                request_window: Duration::from_secs(1),
                requests: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Apply a plan on top of the current knobs (rules are appended).
    pub fn apply(&self, plan: &FaultPlan) {
        self.set_latency(Duration::from_millis(plan.latency_ms));
        for r in &plan.rules {
            self.inject(r.target.clone(), r.times, r.fault);
        }
        if let Some(r) = &plan.random_rate_limit {
            self.rate_limit_randomly(r.probability, r.seed, r.hint, r.target.clone());
        }
        if let Some(r) = &plan.random_faults {
            self.fault_randomly(r.clone());
        }
        if let Some(n) = plan.profiles_per_minute {
            self.set_profiles_rate_limit(n, Duration::from_secs(60));
        }
    }

    /// Add this delay before every request is handled (zero to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The current added latency.
    pub fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// Give the next `times` requests matching `target` this fault.
    pub fn inject(&self, target: Target, times: usize, fault: Fault) {
        if times > 0 {
            self.lock().rules.push(FaultRule { target, times, fault });
        }
    }

    /// 429 for the next `times` requests, with the given retry hint.
    pub fn rate_limit_next(&self, times: usize, hint: RetryHint) {
        self.inject(Target::any(), times, Fault::RateLimit { hint });
    }

    /// 429 for each matching request with this probability, from a seeded RNG.
    /// A probability of 0 turns it off.
    pub fn rate_limit_randomly(&self, probability: f64, seed: u64, hint: RetryHint, target: Target) {
        let mut s = self.lock();
        s.random = (probability > 0.0).then(|| (RandomRateLimit { probability, seed, hint, target }, Rng::new(seed)));
    }

    /// Fault each matching request independently with `mix.probability`,
    /// the kind drawn from its weighted mix by a seeded RNG; replaces any
    /// earlier mix (a probability of 0 turns it off). Counted faults and
    /// [`Faults::rate_limit_randomly`] are consulted first. The same seed and
    /// the same order of requests give the same faults.
    pub fn fault_randomly(&self, mix: RandomFaults) {
        let mut s = self.lock();
        s.mix = (mix.probability > 0.0 && !mix.mix.is_empty()).then(|| {
            let rng = Rng::new(mix.seed);
            (mix, rng)
        });
    }

    /// Answer `status` (e.g. 503) to the next `times` requests matching `target`.
    pub fn server_error_next(&self, times: usize, status: u16, target: Target) {
        self.inject(target, times, Fault::ServerError { status });
    }

    /// Never answer (`after: None`) the next `times` matching requests, or answer only after `after`.
    pub fn hang_next(&self, times: usize, target: Target, after: Option<Duration>) {
        self.inject(target, times, Fault::Hang { after });
    }

    /// Send a truncated JSON body for the next `times` matching requests.
    pub fn truncate_next(&self, times: usize, target: Target) {
        self.inject(target, times, Fault::Truncate);
    }

    /// Process the next `times` matching requests, then lose their responses.
    pub fn lose_response_next(&self, times: usize, target: Target, how: LostResponse) {
        self.inject(target, times, Fault::LoseResponse { how });
    }

    /// Namely: the next `times` POST /profiles create the profile, and the
    /// response never arrives (stalled past the client's timeout, or dropped).
    pub fn lose_profile_create_response(&self, times: usize, how: LostResponse) {
        self.lose_response_next(times, Target::new("POST", "/profiles"), how);
    }

    /// Namely: allow `limit` GET /profiles requests (list or one profile) per
    /// rolling `window`; further ones get 406. The default is 100 per minute.
    pub fn set_profiles_rate_limit(&self, limit: usize, window: Duration) {
        let mut s = self.lock();
        s.profiles_limit = limit;
        s.profiles_window = window;
        s.profile_gets.clear();
    }

    /// Allow `limit` requests of any kind per rolling `window`; further ones
    /// get 429 with `Retry-After: 1`, as Lever answers past about 10 a second
    /// per key. Off (0) by default, and [`Faults::clear`] turns it off.
    pub fn set_request_rate_limit(&self, limit: usize, window: Duration) {
        let mut s = self.lock();
        s.request_limit = limit;
        s.request_window = window;
        s.requests.clear();
    }

    /// How many count-based faults are still waiting to fire.
    pub fn pending(&self) -> usize {
        self.lock().rules.iter().map(|r| r.times).sum()
    }

    /// Turn every knob back to normal (no latency, no faults, 100 profiles/minute, no request rate limit).
    pub fn clear(&self) {
        let mut s = self.lock();
        s.latency = Duration::ZERO;
        s.rules.clear();
        s.random = None;
        s.mix = None;
        s.profiles_limit = DEFAULT_PROFILES_PER_MINUTE;
        s.profiles_window = Duration::from_secs(60);
        s.profile_gets.clear();
        s.request_limit = 0;
        s.requests.clear();
    }

    /// The fault for this request, if any; consumes one use of it.
    pub(crate) fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let base = self.base;
        let mut s = self.lock();
        if let Some(i) = s.rules.iter().position(|r| r.target.matches(base, method, path)) {
            let fault = s.rules[i].fault;
            s.rules[i].times -= 1;
            if s.rules[i].times == 0 {
                s.rules.remove(i);
            }
            return Some(fault);
        }
        if let Some((cfg, rng)) = s.random.as_mut() {
            if cfg.target.matches(base, method, path) && rng.next_f64() < cfg.probability {
                return Some(Fault::RateLimit { hint: cfg.hint });
            }
        }
        if let Some((mix, rng)) = s.mix.as_mut() {
            if mix.target.matches(base, method, path) {
                return mix.draw(rng);
            }
        }
        None
    }

    /// Record one request against [`Faults::set_request_rate_limit`]; `true`
    /// if it is over the limit (answer 429). Refused requests are not counted.
    pub(crate) fn requests_throttled(&self) -> bool {
        let mut s = self.lock();
        let (limit, window) = (s.request_limit, s.request_window);
        limit > 0 && !admit(&mut s.requests, limit, window)
    }

    /// Record one GET /profiles; `true` if it is over the limit (answer 406).
    /// Refused requests are not counted, so the window drains on its own.
    pub(crate) fn profiles_throttled(&self) -> bool {
        let mut s = self.lock();
        let (limit, window) = (s.profiles_limit, s.profiles_window);
        !admit(&mut s.profile_gets, limit, window)
    }
}

/// Count a request into a rolling `window` that admits `limit`; `false` when
/// it is full. Refused requests are not counted, so the window drains.
fn admit(times: &mut VecDeque<Instant>, limit: usize, window: Duration) -> bool {
    let now = Instant::now();
    while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
        times.pop_front();
    }
    if times.len() >= limit {
        return false;
    }
    times.push_back(now);
    true
}

/// Durations as whole milliseconds in seed files.
mod ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Optional durations as whole milliseconds (`null` for none).
mod opt_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_by_segment_with_wildcards_and_json_suffix() {
        let t = Target::new("POST", "/profiles");
        assert!(t.matches("/api/v1", "POST", "/api/v1/profiles"));
        assert!(t.matches("/api/v1", "post", "/api/v1/profiles.json"));
        assert!(!t.matches("/api/v1", "PUT", "/api/v1/profiles/x"));
        assert!(!t.matches("/api/v1", "POST", "/api/v1/profilesx"));
        let notes = Target::path("/opportunities/*/notes");
        assert!(notes.matches("/v1", "GET", "/v1/opportunities/abc/notes"));
        assert!(!notes.matches("/v1", "GET", "/v1/opportunities/abc/offers"));
        assert!(Target::path("/v1/users").matches("/v1", "GET", "/v1/users/u1"));
    }

    #[test]
    fn counted_faults_are_consumed_in_order() {
        let f = Faults::new("/v1");
        f.rate_limit_next(1, RetryHint::RetryAfter(2));
        f.server_error_next(1, 503, Target::any());
        assert_eq!(f.pending(), 2);
        assert_eq!(f.take("GET", "/v1/x"), Some(Fault::RateLimit { hint: RetryHint::RetryAfter(2) }));
        assert_eq!(f.take("GET", "/v1/x"), Some(Fault::ServerError { status: 503 }));
        assert_eq!(f.take("GET", "/v1/x"), None);
    }

    #[test]
    fn random_rate_limit_is_deterministic() {
        let draw = || {
            let f = Faults::new("/v1");
            f.rate_limit_randomly(0.5, 42, RetryHint::None, Target::any());
            (0..64).map(|_| f.take("GET", "/v1/x").is_some()).collect::<Vec<_>>()
        };
        let a = draw();
        assert_eq!(a, draw());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }

    #[test]
    fn the_request_rate_limit_is_opt_in_and_counts_only_admitted_requests() {
        let f = Faults::new("/v1");
        assert!((0..50).all(|_| !f.requests_throttled()), "off by default");
        f.set_request_rate_limit(3, Duration::from_secs(60));
        let answers: Vec<bool> = (0..5).map(|_| f.requests_throttled()).collect();
        assert_eq!(answers, [false, false, false, true, true]);
        f.clear();
        assert!(!f.requests_throttled());
    }

    #[test]
    fn plans_round_trip_through_json() {
        let plan = FaultPlan {
            latency_ms: 5,
            rules: vec![FaultRule {
                target: Target::new("POST", "/profiles"),
                times: 1,
                fault: Fault::LoseResponse { how: LostResponse::Stall(Duration::from_millis(1500)) },
            }],
            random_rate_limit: None,
            random_faults: Some(RandomFaults::new(0.2, 7, Target::any(), vec![(1, Fault::Drop), (2, Fault::CutBody)])),
            profiles_per_minute: Some(10),
        };
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<FaultPlan>(&text).unwrap(), plan);
    }
}
