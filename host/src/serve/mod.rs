//! `lever-namely serve`: Lever webhooks in, hires synced by workers.
//!
//! A delivery is verified (Lever's signature over `token + triggeredAt`),
//! then journaled durably, and only then acknowledged with 2xx. Workers take
//! due hires from the journal, so a crash between acknowledgement and sync
//! loses nothing: a restart picks the hire up again.

pub mod metrics;
pub mod worker;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use lever_namely_service::journal::{Journal, Recorded, RefusalRecord, Status};
use lever_namely_service::webhook::{self, Refusal, Verified, VerifierConfig};
use lever_namely_service::Secret;
use serde_json::json;

use crate::config::Config;
use crate::sync::Syncer;
use metrics::Metrics;

/// The webhook endpoint's path.
pub const WEBHOOK_PATH: &str = "/webhooks/lever";

/// Everything a running service shares.
pub struct Service {
    pub journal: Arc<Journal>,
    pub syncer: Syncer,
    pub verifier: VerifierConfig,
    pub metrics: Metrics,
    /// A `candidateStageChange` into this stage counts as a hire.
    pub hire_stage: Option<String>,
    /// The Hired archive reason's id, when known: archive changes to any
    /// other reason (every rejection) are acknowledged and dropped instead of
    /// becoming a hire to check. Unknown: every archive change is checked.
    pub hired_reason: Option<String>,
    pub workers: usize,
    /// How often idle workers look for due hires (retries come due by time).
    pub poll: Duration,
    /// How long a worker's claim on a hire lasts without renewal.
    pub lease: Duration,
    /// The operator console, when `[serve] console = true`.
    pub console: Option<crate::console::Console>,
}

/// The signature tokens named in `[lever.webhook_tokens]`, read from the environment.
pub fn webhook_tokens(config: &Config) -> anyhow::Result<HashMap<String, Secret>> {
    let mut tokens = HashMap::new();
    let mut missing = Vec::new();
    for (event, var) in &config.lever.webhook_tokens {
        match std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
            Some(v) => {
                tokens.insert(event.clone(), Secret::new(v.trim()));
            }
            None => missing.push(format!("{var} (for {event})")),
        }
    }
    if !missing.is_empty() {
        anyhow::bail!("set the webhook signature token variable{}: {}", if missing.len() > 1 { "s" } else { "" }, missing.join(", "));
    }
    if tokens.is_empty() {
        anyhow::bail!(
            "no webhook signature tokens are configured: add [lever.webhook_tokens], e.g. candidateHired = \"LEVER_WEBHOOK_TOKEN_HIRED\""
        );
    }
    Ok(tokens)
}

async fn receive(State(s): State<Arc<Service>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> impl IntoResponse {
    let started = Instant::now();
    Metrics::inc(&s.metrics.received);
    let body = match body {
        Ok(b) => b,
        // Over the body limit (the only way reading the body fails here, short of a dropped connection).
        Err(e) => {
            let limit = s.verifier.max_body_bytes;
            return if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                // The body was not read past the limit; its declared length says how large it is.
                let declared = headers.get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
                refuse(&s, Refusal::TooLarge { limit, size: declared.unwrap_or(limit + 1) })
            } else {
                refuse(&s, Refusal::Malformed(format!("the body could not be read: {}", e.body_text())))
            };
        }
    };
    let verified = match webhook::verify(&body, &s.verifier, worker::now_ms()) {
        Ok(v) => v,
        Err(refusal) => return refuse(&s, refusal),
    };
    Metrics::inc(&s.metrics.verified);
    let delivery = match verified {
        Verified::TestDelivery { event } => {
            Metrics::inc(&s.metrics.test_deliveries);
            return (StatusCode::OK, axum::Json(json!({"status": "test delivery acknowledged", "event": event})));
        }
        Verified::Event(d) => d,
    };
    // Only hires start a sync; other verified events are acknowledged and dropped.
    let relevant = delivery.starts_sync(s.hired_reason.as_deref(), s.hire_stage.as_deref());
    if !relevant {
        return (StatusCode::OK, axum::Json(json!({"status": "ignored", "event": delivery.event})));
    }
    let journal = s.journal.clone();
    let (opp, event) = (delivery.opportunity_id.clone(), delivery.event.clone());
    let recorded = tokio::task::spawn_blocking(move || journal.record_delivery(&delivery, worker::now_ms())).await;
    let status = match recorded {
        Ok(Ok(r)) => {
            crate::log::info("delivery journaled", &[("opportunity_id", &opp), ("event", &event), ("recorded", &format!("{r:?}"))]);
            if matches!(r, Recorded::Duplicate { .. }) {
                Metrics::inc(&s.metrics.duplicates);
            }
            format!("{r:?}")
        }
        // Not journaled: Lever must deliver again, so never answer 2xx here.
        Ok(Err(e)) => {
            crate::log::error("could not journal a delivery", &[("opportunity_id", &opp), ("error", &format!("{e:#}"))]);
            return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"error": "the delivery could not be stored; retry"})));
        }
        Err(e) => {
            crate::log::error("could not journal a delivery", &[("opportunity_id", &opp), ("error", &e.to_string())]);
            return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"error": "the delivery could not be stored; retry"})));
        }
    };
    s.metrics.ack_micros_sum.fetch_add(started.elapsed().as_micros() as u64, std::sync::atomic::Ordering::Relaxed);
    Metrics::inc(&s.metrics.ack_count);
    (StatusCode::OK, axum::Json(json!({"status": "journaled", "opportunity_id": opp, "recorded": status})))
}

fn refuse(s: &Service, refusal: Refusal) -> (StatusCode, axum::Json<serde_json::Value>) {
    Metrics::inc(&s.metrics.rejected);
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
    // Kept for `events`, off the answer's path.
    let record = RefusalRecord { received_at: worker::now_ms(), kind: refusal.kind().into(), status: refusal.status(), reason: refusal.reason() };
    let journal = s.journal.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = journal.record_refusal(&record) {
            crate::log::error("could not record a refusal", &[("error", &format!("{e:#}"))]);
        }
    });
    crate::log::warn("refused a webhook delivery", &[("kind", refusal.kind()), ("status", &refusal.status().to_string()), ("reason", &refusal.reason())]);
    (status, axum::Json(json!({"error": refusal.reason()})))
}

async fn metrics(State(s): State<Arc<Service>>) -> impl IntoResponse {
    let journal = s.journal.clone();
    let counts = tokio::task::spawn_blocking(move || journal.counts()).await.ok().and_then(Result::ok);
    let by_status: Vec<(&str, u64)> = counts
        .map(|c| vec![("pending", c.pending), ("running", c.running), ("retrying", c.retrying), ("done", c.done), ("not-hired", c.not_hired), ("failed", c.failed)])
        .unwrap_or_default();
    ([("content-type", "text/plain; version=0.0.4")], s.metrics.render(&by_status))
}

/// The service's HTTP routes.
pub fn router(service: Arc<Service>) -> Router {
    // Refuse oversized bodies before reading them whole.
    let limit = service.verifier.max_body_bytes;
    let console = if service.console.is_some() { crate::console::router(service.clone()) } else { Router::new() };
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .with_state(service)
        .merge(console)
}

/// Run the listener and the workers until the process ends.
pub async fn run(service: Arc<Service>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    for n in 0..service.workers.max(1) {
        let s = service.clone();
        tokio::spawn(async move {
            let name = format!("worker-{n}-{}", std::process::id());
            loop {
                match worker::work_once_with_lease(&s.journal, &s.syncer, &name, s.lease).await {
                    Ok(Some(Status::Done)) => Metrics::inc(&s.metrics.synced),
                    Ok(Some(Status::Failed | Status::Retrying)) => Metrics::inc(&s.metrics.failed),
                    Ok(Some(_)) => {}
                    Ok(None) => tokio::time::sleep(s.poll).await,
                    Err(e) => {
                        Metrics::inc(&s.metrics.failed);
                        crate::log::error("worker failed", &[("worker", &name), ("error", &format!("{e:#}"))]);
                        tokio::time::sleep(s.poll).await;
                    }
                }
            }
        });
    }
    axum::serve(listener, router(service)).await?;
    Ok(())
}

/// The address to listen on: `--listen`, else `[serve] listen`, else 127.0.0.1:8080.
pub fn listen_address(config: &Config, flag: Option<&str>) -> anyhow::Result<SocketAddr> {
    let text = flag.or(config.serve.listen.as_deref()).unwrap_or("127.0.0.1:8080");
    text.parse().map_err(|_| anyhow::anyhow!("the listen address \"{text}\" is not HOST:PORT, e.g. 127.0.0.1:8080"))
}
