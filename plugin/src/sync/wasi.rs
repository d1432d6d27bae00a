//! [`Transport`] over `wasi:http`, with wstd.

use std::time::Duration;

use wstd::http::{Body, Client, Method};

use super::transport::{Request, Response, Transport, TransportError};

/// `wasi:http/outgoing-handler` with the given timeout for each wait.
pub struct WasiTransport {
    client: Client,
}

impl WasiTransport {
    pub fn new(timeout: Duration) -> Self {
        let mut client = Client::new();
        client.set_connect_timeout(timeout);
        client.set_first_byte_timeout(timeout);
        client.set_between_bytes_timeout(timeout);
        Self { client }
    }
}

fn classify(e: &wstd::http::Error) -> TransportError {
    use wstd::http::ErrorCode as C;
    let text = format!("{e:#}");
    match e.downcast_ref::<C>() {
        Some(C::ConnectionTimeout | C::ConnectionReadTimeout | C::ConnectionWriteTimeout | C::DnsTimeout) => {
            TransportError::Timeout(text)
        }
        Some(C::HttpRequestDenied) => TransportError::Denied(text),
        _ if text.contains("timeout") || text.contains("Timeout") => TransportError::Timeout(text),
        _ => TransportError::Failed(text),
    }
}

impl Transport for WasiTransport {
    async fn send(&self, r: Request) -> Result<Response, TransportError> {
        let method = match r.method {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            other => return Err(TransportError::Failed(format!("unsupported method {other}"))),
        };
        let mut builder = wstd::http::Request::builder().method(method).uri(&r.url);
        for (k, v) in &r.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        // Declare the length: otherwise the body goes out chunked, and a GET
        // then carries a terminating chunk that a server which answers
        // without reading it resets the connection over.
        builder = builder.header("content-length", r.body.len().to_string());
        let request = builder.body(Body::from(r.body)).map_err(|e| TransportError::Failed(format!("bad request to {}: {e}", r.url)))?;
        let response = self.client.send(request).await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = response.into_body();
        let bytes = body.contents().await.map_err(|e| classify(&e))?.to_vec();
        Ok(Response { status, headers, body: bytes })
    }

    async fn sleep(&self, duration: Duration) {
        wstd::task::sleep(duration.into()).await;
    }

    fn now_unix_secs(&self) -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
    }
}
