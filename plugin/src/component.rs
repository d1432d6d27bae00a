//! The component's exports: thin wrappers over the pure core.

use crate::bindings::exports::lever_namely::plugin::{mapping, sync};
use crate::types::{HiredCandidate, MapOptions, Mapping, MappingError, NamelyContext};

struct Component;

impl mapping::Guest for Component {
    fn candidate_from_bundle(bundle_json: String, options: MapOptions) -> Result<HiredCandidate, MappingError> {
        crate::bundle::parse(&bundle_json, &options).map(|b| b.candidate)
    }

    fn map_candidate(candidate: HiredCandidate, context: NamelyContext, options: MapOptions) -> Result<Mapping, MappingError> {
        crate::mapping::map_candidate(&candidate, &context, &options)
    }

    fn map_bundle(bundle_json: String, options: MapOptions) -> Result<Mapping, MappingError> {
        crate::mapping::map_bundle(&bundle_json, &options)
    }
}

impl sync::Guest for Component {
    fn plan(opportunity_id: String) -> sync::SyncPlan {
        crate::sync::entry::plan(&opportunity_id)
    }

    fn run(opportunity_id: String) -> sync::SyncOutcome {
        crate::sync::entry::run(&opportunity_id)
    }
}

crate::bindings::export!(Component with_types_in crate::bindings);

/// `wasi:http/incoming-handler`: the webhook endpoint for stock hosts. The
/// decisions are in [`crate::endpoint`]; this only moves bytes.
#[cfg(not(feature = "contract-0-1-0"))]
mod incoming {
    use crate::bindings::exports::wasi::http::incoming_handler;
    use crate::bindings::wasi::http::types::{Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};
    use crate::bindings::wasi::io::streams::StreamError;
    use crate::endpoint::{self, EndpointSettings, Reply, Route};

    /// Read at most this much of a body: one byte over the verifier's limit,
    /// so that it refuses an oversized delivery without buffering all of it.
    const READ_LIMIT: usize = lever_namely_webhook::VerifierConfig::DEFAULT_MAX_BODY_BYTES + 1;

    impl incoming_handler::Guest for super::Component {
        fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
            let reply = answer(&request);
            respond(response_out, &reply);
        }
    }

    fn answer(request: &IncomingRequest) -> Reply {
        let method = match request.method() {
            Method::Post => "POST".to_string(),
            Method::Get => "GET".to_string(),
            Method::Other(m) => m,
            other => format!("{other:?}").to_uppercase(),
        };
        let body = match read_body(request) {
            Ok(b) => b,
            Err(e) => return Reply { status: 400, body: serde_json::json!({"error": format!("the request body could not be read: {e}")}) },
        };
        let get = |k: &str| crate::bindings::wasi::config::store::get(k).ok().flatten();
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        match endpoint::route(&method, &body, &EndpointSettings::read(get), now_ms) {
            Route::Reply(r) => r,
            Route::Sync { opportunity_id, .. } => {
                let outcome = crate::sync::entry::run(&opportunity_id);
                endpoint::reply_for(&opportunity_id, &outcome)
            }
        }
    }

    fn read_body(request: &IncomingRequest) -> Result<Vec<u8>, String> {
        let body = request.consume().map_err(|()| "the body was already taken".to_string())?;
        let stream = body.stream().map_err(|()| "the body stream was already taken".to_string())?;
        let mut bytes = Vec::new();
        while bytes.len() < READ_LIMIT {
            match stream.blocking_read((READ_LIMIT - bytes.len()).min(64 * 1024) as u64) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => return Err(e.to_debug_string()),
            }
        }
        Ok(bytes)
    }

    fn respond(out: ResponseOutparam, reply: &Reply) {
        let headers = Fields::new();
        // A fresh `fields` is mutable; these names and values are valid.
        let _ = headers.set("content-type", &[b"application/json".to_vec()]);
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(reply.status);
        let Ok(body) = response.body() else { return };
        ResponseOutparam::set(out, Ok(response));
        if let Ok(stream) = body.write() {
            let mut text = reply.body.to_string().into_bytes();
            text.push(b'\n');
            // `blocking-write-and-flush` takes at most 4096 bytes a call.
            for chunk in text.chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
        }
        let _ = OutgoingBody::finish(body, None);
    }
}
