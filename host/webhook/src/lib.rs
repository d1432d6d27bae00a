//! Verifying Lever webhook deliveries.
//!
//! Lever POSTs a JSON envelope:
//! `{"triggeredAt": <epoch ms>, "event": "...", "signature": "<hex>", "token": "<random>", "data": {...}}`.
//! The signature is HMAC-SHA256, keyed by the signature token of that
//! event's webhook, over `token + triggeredAt` (plain concatenation, the
//! timestamp as the integer text in the JSON). [`verify`] checks it in
//! constant time, refuses deliveries outside a clock-skew window, and turns
//! the envelope into a [`Delivery`] for the journal, or a
//! [`Verified::TestDelivery`] for Lever's signed "test connection" pings.
//!
//! Order of checks: size, JSON shape, token lookup, signature, clock, data.
//! Nothing in `data` is trusted or reported on before the signature passes.

#![warn(missing_docs)]

mod refusal;
mod secret;
pub mod signature;

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use self::refusal::quote;
pub use self::refusal::Refusal;
pub use crate::secret::Secret;

/// What [`verify`] needs: one signature token per event, and two limits.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// Signature token per event name (`candidateHired`, …). Lever gives each
    /// webhook its own token, so a delivery is checked only against the token
    /// of the event it names. An empty token counts as not configured: an
    /// empty HMAC key would let anyone sign.
    pub tokens: HashMap<String, Secret>,
    /// How far `triggeredAt` may be from now, either way. Lever's retry
    /// timing is unconfirmed: if its retries keep the first `triggeredAt`,
    /// retries later than this are refused (403) and only the reconciliation
    /// poll picks that hire up.
    pub max_skew: Duration,
    /// The largest body accepted. The HTTP server should stop reading at this
    /// size too, so an endless body is never buffered.
    pub max_body_bytes: usize,
}

impl VerifierConfig {
    /// The default `max_skew`: five minutes.
    pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);
    /// The default `max_body_bytes`: 256 KiB, far above any Lever envelope.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

    /// A config with these tokens and the default limits.
    pub fn new<E: Into<String>>(tokens: impl IntoIterator<Item = (E, Secret)>) -> Self {
        VerifierConfig {
            tokens: tokens.into_iter().map(|(event, token)| (event.into(), token)).collect(),
            max_skew: Self::DEFAULT_MAX_SKEW,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The same config with one more event's token.
    pub fn with_token(mut self, event: impl Into<String>, token: Secret) -> Self {
        self.tokens.insert(event.into(), token);
        self
    }
}

impl Default for VerifierConfig {
    fn default() -> Self {
        VerifierConfig::new(Vec::<(String, Secret)>::new())
    }
}

/// A delivery that passed verification.
#[derive(Debug, Clone, PartialEq)]
pub enum Verified {
    /// A real event about an opportunity: record it, then answer 2xx.
    Event(Delivery),
    /// Lever's signed "test connection" delivery (no `data`, or no
    /// `data.opportunityId`): answer 2xx and do nothing else.
    TestDelivery {
        /// The event the test was sent for.
        event: String,
    },
}

/// A verified Lever event about one opportunity.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The event name, e.g. `candidateHired`.
    pub event: String,
    /// `data.opportunityId`: what the sync is keyed on (`candidateId` is a
    /// legacy alias of the same value, so it is not used).
    pub opportunity_id: String,
    /// `triggeredAt`, epoch milliseconds.
    pub triggered_at: i64,
    /// Lever's random per-delivery token.
    pub token: String,
    /// The same for Lever's retries of this delivery and different for any
    /// other delivery: see [`dedupe_key`].
    pub dedupe_key: String,
    /// `data.toArchived.reason` (an archive reason id), when present.
    pub to_archived_reason: Option<String>,
    /// `data.toStageId`, when present.
    pub to_stage_id: Option<String>,
    /// The whole envelope as received, for the journal and for replays.
    pub raw: Value,
}

impl Delivery {
    /// Build a delivery from its parts, deriving the dedupe key and the
    /// optional fields from `raw["data"]`. [`verify`] uses this; so can a
    /// test or a tool that re-reads journalled bodies.
    pub fn new(event: &str, opportunity_id: &str, triggered_at: i64, token: &str, raw: Value) -> Delivery {
        let data = raw.get("data");
        let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        Delivery {
            event: event.to_string(),
            opportunity_id: opportunity_id.to_string(),
            triggered_at,
            token: token.to_string(),
            dedupe_key: dedupe_key(event, opportunity_id, triggered_at, token),
            to_archived_reason: text(data.and_then(|d| d.get("toArchived")).and_then(|a| a.get("reason"))),
            to_stage_id: text(data.and_then(|d| d.get("toStageId"))),
            raw,
        }
    }

    /// The key of the hire (the sync job) this delivery belongs to.
    pub fn hire_key(&self) -> String {
        hire_key(&self.opportunity_id)
    }

    /// Whether this event should start a sync: `candidateHired` always; an
    /// archive change only into `hired_reason` (into any reason when that is
    /// not known: the sync then says "not hired" for the others); a stage
    /// change only into `hire_stage`, when one is configured. Everything else
    /// is acknowledged and dropped.
    pub fn starts_sync(&self, hired_reason: Option<&str>, hire_stage: Option<&str>) -> bool {
        match self.event.as_str() {
            "candidateHired" => true,
            "candidateArchiveChange" => match (self.to_archived_reason.as_deref(), hired_reason) {
                (Some(to), Some(hired)) => to == hired,
                (to, None) => to.is_some(),
                (None, _) => false,
            },
            "candidateStageChange" => hire_stage.is_some() && self.to_stage_id.as_deref() == hire_stage,
            _ => false,
        }
    }
}

/// The key that collapses Lever's retries of one delivery: SHA-256 (hex) of
/// event, opportunity, `triggeredAt` and the per-delivery token.
///
/// A retry repeats all four; a different event, a later change to the same
/// opportunity, or a new delivery (new token) gives a different key. The
/// fields are NUL-separated so no two different tuples hash alike.
pub fn dedupe_key(event: &str, opportunity_id: &str, triggered_at: i64, token: &str) -> String {
    let mut hash = Sha256::new();
    for part in [event, opportunity_id, &triggered_at.to_string(), token] {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of one hire: every event for an opportunity (`candidateHired`,
/// `candidateArchiveChange`, stage changes) maps to the same sync job.
pub fn hire_key(opportunity_id: &str) -> String {
    format!("lever-opportunity:{opportunity_id}")
}

/// Verify a webhook body received at `now_ms` (epoch milliseconds).
///
/// Answer 2xx only for `Ok`, and for [`Verified::Event`] only after the
/// journal has stored the delivery; answer `refusal.status()` otherwise.
pub fn verify(body: &[u8], config: &VerifierConfig, now_ms: i64) -> Result<Verified, Refusal> {
    if body.len() > config.max_body_bytes {
        return Err(Refusal::TooLarge { limit: config.max_body_bytes, size: body.len() });
    }
    let raw: Value =
        serde_json::from_slice(body).map_err(|e| Refusal::Malformed(format!("the body is not valid JSON ({e})")))?;
    let Some(envelope) = raw.as_object() else {
        return Err(Refusal::Malformed(format!("the body is JSON {}, not an object", kind(&raw))));
    };
    let event = text_field(envelope, "event")?.ok_or_else(|| Refusal::Malformed("`event` is missing".into()))?;
    let token = text_field(envelope, "token")?.ok_or(Refusal::Unsigned { missing: "token" })?;
    let signature = text_field(envelope, "signature")?.ok_or(Refusal::Unsigned { missing: "signature" })?;
    let stamp = triggered_at_text(body)?;
    let triggered_at: i64 =
        stamp.parse().map_err(|_| Refusal::Malformed("`triggeredAt` is too large to be epoch milliseconds".into()))?;

    let key = config.tokens.get(event).filter(|k| !k.is_empty());
    let key = key.ok_or_else(|| Refusal::UnknownEvent(event.to_string()))?;
    if !signature::matches(key, token, stamp, signature) {
        return Err(Refusal::BadSignature { event: event.to_string() });
    }

    let limit_ms = i64::try_from(config.max_skew.as_millis()).unwrap_or(i64::MAX);
    let skew_ms = now_ms.saturating_sub(triggered_at);
    if skew_ms.saturating_abs() > limit_ms {
        return Err(Refusal::Stale { skew_ms, limit_ms });
    }

    let data = match envelope.get("data") {
        None | Some(Value::Null) => return Ok(Verified::TestDelivery { event: event.to_string() }),
        Some(Value::Object(data)) => data,
        Some(other) => {
            return Err(Refusal::Malformed(format!("`data` is JSON {}, not an object", kind(other))));
        }
    };
    match data.get("opportunityId") {
        // Lever's connection tests are signed but carry no opportunity.
        None | Some(Value::Null) => Ok(Verified::TestDelivery { event: event.to_string() }),
        Some(Value::String(id)) if id.trim().is_empty() => Ok(Verified::TestDelivery { event: event.to_string() }),
        Some(Value::String(id)) => {
            let (event, id, token) = (event.to_string(), id.trim().to_string(), token.to_string());
            Ok(Verified::Event(Delivery::new(&event, &id, triggered_at, &token, raw)))
        }
        Some(other) => Err(Refusal::Malformed(format!("`data.opportunityId` is JSON {}, not a string", kind(other)))),
    }
}

/// A top-level string field: `Ok(None)` when absent, null or empty.
fn text_field<'a>(envelope: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Refusal> {
    match envelope.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Refusal::Malformed(format!("`{name}` is JSON {}, not a string", kind(other)))),
    }
}

/// `triggeredAt` exactly as written in the body: the signed text.
///
/// Read as raw JSON rather than as a number, so nothing is re-printed
/// differently from what Lever signed. It must be a plain non-negative
/// integer: a string, a fraction or an exponent is refused, never coerced.
fn triggered_at_text(body: &[u8]) -> Result<&str, Refusal> {
    #[derive(Deserialize)]
    struct Stamp<'a> {
        #[serde(rename = "triggeredAt", borrow, default)]
        triggered_at: Option<&'a RawValue>,
    }
    let stamp: Stamp<'_> =
        serde_json::from_slice(body).map_err(|e| Refusal::Malformed(format!("cannot read `triggeredAt` ({e})")))?;
    let text = stamp
        .triggered_at
        .map(|raw| raw.get().trim())
        .ok_or_else(|| Refusal::Malformed("`triggeredAt` is missing".into()))?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        let what = if text.starts_with('"') { "a string" } else { "not a whole number" };
        return Err(Refusal::Malformed(format!(
            "`triggeredAt` is {what} ({}); Lever sends epoch milliseconds as a JSON integer",
            quote(text)
        )));
    }
    Ok(text)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz;
