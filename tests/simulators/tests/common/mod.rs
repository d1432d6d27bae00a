//! A plain HTTP client for the simulator tests (hyper-util's, so no second
//! HTTP stack is pulled in) and request helpers for both APIs.

#![allow(dead_code)]

use std::time::Duration;

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use lever_namely_simulators::{LeverHandle, NamelyHandle};

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Send one request on a fresh connection; `Err` when no response arrives.
pub async fn try_send(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<Vec<u8>>,
) -> Result<Resp, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(url);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let req = req.body(Full::new(Bytes::from(body.unwrap_or_default()))).unwrap();
    let resp = client.request(req).await.map_err(|e| format!("{e:?}"))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.map_err(|e| format!("{e:?}"))?.to_bytes();
    Ok(Resp { status, headers, body })
}

/// Send and expect a response.
pub async fn send(method: &str, url: &str, headers: &[(&str, String)], body: Option<Vec<u8>>) -> Resp {
    try_send(method, url, headers, body).await.unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// Send with a client-side timeout, as the host would.
pub async fn send_within(
    limit: Duration,
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<Vec<u8>>,
) -> Option<Result<Resp, String>> {
    tokio::time::timeout(limit, try_send(method, url, headers, body)).await.ok()
}

pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

fn json_headers(auth: String) -> Vec<(&'static str, String)> {
    vec![
        ("authorization", auth),
        ("content-type", "application/json".to_string()),
        ("accept", "application/json".to_string()),
    ]
}

/// GET a Lever path (relative to `/v1`) with the right key.
pub async fn lever_get(l: &LeverHandle, path: &str) -> Resp {
    send("GET", &format!("{}{path}", l.base_url()), &json_headers(l.expected_authorization()), None).await
}

/// POST JSON to a Lever path with the right key.
pub async fn lever_post(l: &LeverHandle, path: &str, body: &Value) -> Resp {
    send(
        "POST",
        &format!("{}{path}", l.base_url()),
        &json_headers(l.expected_authorization()),
        Some(body.to_string().into_bytes()),
    )
    .await
}

/// GET a Namely path (relative to `/api/v1`) with the right token.
pub async fn namely_get(n: &NamelyHandle, path: &str) -> Resp {
    namely_get_as(n, path, &n.token()).await
}

/// GET a Namely path with a given token.
pub async fn namely_get_as(n: &NamelyHandle, path: &str, token: &str) -> Resp {
    send("GET", &format!("{}{path}", n.base_url()), &json_headers(format!("Bearer {token}")), None).await
}

/// Send JSON to a Namely path with the right token.
pub async fn namely_send(n: &NamelyHandle, method: &str, path: &str, body: &Value) -> Resp {
    namely_send_as(n, method, path, body, &n.token()).await
}

/// Send JSON to a Namely path with a given token.
pub async fn namely_send_as(n: &NamelyHandle, method: &str, path: &str, body: &Value, token: &str) -> Resp {
    let url = format!("{}{path}", n.base_url());
    send(method, &url, &json_headers(format!("Bearer {token}")), Some(body.to_string().into_bytes())).await
}

/// A multipart/form-data body with one part.
pub fn multipart(part: &str, filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sim-test-boundary-4b1d";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A valid POST /profiles body.
pub fn new_profile(email: &str) -> Value {
    serde_json::json!({ "profiles": [{
        "first_name": "Ada", "last_name": "Lovelace", "email": email, "user_status": "active",
        "start_date": "2026-08-03", "personal_email": "ada@example.org",
    }]})
}
