//! Outbound HTTP policy: which origins the component may reach.
//!
//! Every request the guest sends passes through [`EgressHooks::send_request`];
//! anything not on the allowlist is refused there, before a connection is made.
//! An empty allowlist refuses everything (fail closed).

use std::fmt;
use std::future::Future;

use wasmtime_wasi_http::{WasiHttpHooks, DEFAULT_FORBIDDEN_HEADERS};

/// One allowed destination: scheme, host and port, with no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// The origins the component may reach.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    origins: Vec<Origin>,
}

impl Allowlist {
    /// An allowlist that refuses everything.
    pub fn deny_all() -> Self {
        Self::default()
    }

    /// Allow one origin.
    pub fn allow(&mut self, origin: Origin) -> &mut Self {
        self.origins.push(origin);
        self
    }

    /// Whether a request to `scheme://host:port` is allowed.
    pub fn permits(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.origins.iter().any(|o| o.scheme.eq_ignore_ascii_case(scheme) && o.host.eq_ignore_ascii_case(host) && o.port == port)
    }
}

/// The `wasi:http` hooks that enforce the [`Allowlist`].
pub struct EgressHooks {
    allowlist: Allowlist,
}

impl EgressHooks {
    /// Hooks enforcing `allowlist`.
    pub fn new(allowlist: Allowlist) -> Self {
        Self { allowlist }
    }
}

impl WasiHttpHooks for EgressHooks {
    fn is_forbidden_header(&mut self, name: &http::HeaderName) -> bool {
        // The host adds credentials; the guest may never set them itself.
        *name == http::header::AUTHORIZATION || DEFAULT_FORBIDDEN_HEADERS.contains(name)
    }

    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<wasmtime_wasi_http::WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("https").to_string();
        let host = uri.host().unwrap_or("").to_string();
        let port = uri.port_u16().unwrap_or(if scheme == "http" { 80 } else { 443 });
        if !self.allowlist.permits(&scheme, &host, port) {
            eprintln!("lever-namely: refused a request to {scheme}://{host}:{port}: it is not an allowed destination");
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        wasmtime_wasi_http::default_hooks().send_request(request, options, fut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_are_permitted() {
        let mut a = Allowlist::deny_all();
        assert!(!a.permits("https", "api.lever.co", 443));
        a.allow(Origin { scheme: "https".into(), host: "api.lever.co".into(), port: 443 });
        assert!(a.permits("https", "API.lever.co", 443));
        assert!(!a.permits("http", "api.lever.co", 443));
        assert!(!a.permits("https", "api.lever.co", 8443));
        assert!(!a.permits("https", "evil.example", 443));
    }
}
