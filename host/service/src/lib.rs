//! The core of the lever-namely webhook service.
//!
//! - [`webhook`]: verify a Lever webhook delivery (signature over
//!   `token + triggeredAt` with the event's own signature token, clock
//!   window, size limit) and say which HTTP status to answer a refusal with.
//! - [`journal`]: the durable SQLite journal that stores each verified
//!   delivery before it is acknowledged, hands sync jobs to workers one hire
//!   at a time under a lease, retries with backoff, and keeps every attempt
//!   and outcome for `lever-namely events` and replays.
//!
//! The flow in the service: `verify` → `Journal::record_delivery` → answer
//! 2xx; workers loop on `Journal::claim_next` → sync → `Journal::finish`.
//!
//! Nothing here reads a clock: every call takes `now_ms` (epoch
//! milliseconds), so tests and callers control time.

#![warn(missing_docs)]

pub mod journal;

/// Webhook verification lives in its own crate so that the component's
/// endpoint (plugin/) verifies deliveries with the same code.
pub use lever_namely_webhook as webhook;
pub use lever_namely_webhook::Secret;
