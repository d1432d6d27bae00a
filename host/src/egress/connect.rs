//! Sending one allowed request: resolve, check every address, connect to a
//! checked one, speak TLS and HTTP/1.1.
//!
//! This replaces `wasmtime_wasi_http::default_send_request`, which connects by
//! name (so whatever the name resolves to at connect time is trusted). The
//! shape of the send and of the timeouts follows it (Apache-2.0 WITH
//! LLVM-exception, the Bytecode Alliance).

use std::future::{poll_fn, Future};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{pin, Pin};
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Body as _;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

use super::policy::AddressPolicy;
use super::{Origin, Refusals};

/// Turns a host name into addresses. The system resolver is the default;
/// tests (and platforms with their own DNS) supply another.
pub trait Resolve: Send + Sync + 'static {
    /// The addresses of `host`, for connecting to `port`.
    fn resolve(&self, host: &str, port: u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>>;
}

/// The operating system's resolver.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> {
        let host = host.to_string();
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), port)).await?.collect()) })
    }
}

/// A fixed table of names, for tests: a name not in it does not resolve.
#[derive(Debug, Default, Clone)]
pub struct StaticResolver(pub Vec<(String, IpAddr)>);

impl Resolve for StaticResolver {
    fn resolve(&self, host: &str, port: u16) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> {
        let found: Vec<SocketAddr> = self.0.iter().filter(|(name, _)| name.eq_ignore_ascii_case(host)).map(|(_, ip)| SocketAddr::new(*ip, port)).collect();
        Box::pin(async move {
            if found.is_empty() {
                return Err(io::Error::new(io::ErrorKind::NotFound, "no such name"));
            }
            Ok(found)
        })
    }
}

/// What the connector needs besides the request.
#[derive(Clone)]
pub struct Connector {
    pub resolver: Arc<dyn Resolve>,
    pub policy: AddressPolicy,
    /// The largest response head (status line and headers) accepted, bytes.
    pub max_response_head_bytes: usize,
}

/// The checked addresses of `target`: every address the name resolves to must
/// pass the policy. One bad address refuses the lot: a name that mixes
/// internal and public addresses is misconfigured or hostile.
pub async fn checked_addresses(connector: &Connector, target: &Origin, refusals: &Refusals, timeout: Duration) -> Result<Vec<SocketAddr>, HttpError> {
    let addrs = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => match tokio::time::timeout(timeout, connector.resolver.resolve(&target.host, target.port)).await {
            Err(_) => return Err(HttpError::DnsTimeout),
            Ok(Err(e)) => return Err(HttpError::DnsError { rcode: Some(e.to_string()), info_code: None }),
            Ok(Ok(a)) if a.is_empty() => return Err(HttpError::DestinationNotFound),
            Ok(Ok(a)) => a,
        },
    };
    for a in &addrs {
        if let Some(why) = connector.policy.denies(a.ip()) {
            refusals.lock().unwrap().push(format!("refused a request to {target}: {} resolves to {why}", target.host));
            return Err(HttpError::DestinationIpProhibited);
        }
    }
    Ok(addrs)
}

trait Stream: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static> Stream for T {}

async fn connect_any(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, HttpError> {
    let mut last = HttpError::ConnectionRefused;
    for a in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(a)).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(e)) => last = HttpError::Connect(e),
            Err(_) => last = HttpError::ConnectionTimeout,
        }
    }
    Err(last)
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

type Sent = (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>);

/// Send `request` to `target` over a fresh connection to a checked address.
pub async fn send(connector: Connector, target: Origin, mut request: http::Request<WasiBody>, options: RequestOptions, refusals: Refusals) -> Result<Sent, HttpError> {
    let wait = |d: Option<Duration>| d.unwrap_or(Duration::from_secs(600));
    let (connect_timeout, first_byte_timeout, between_bytes_timeout) = (wait(options.connect_timeout), wait(options.first_byte_timeout), wait(options.between_bytes_timeout));
    let addrs = checked_addresses(&connector, &target, &refusals, connect_timeout).await?;
    let tcp = connect_any(&addrs, connect_timeout).await?;
    let stream: Box<dyn Stream> = if target.scheme == "https" {
        // The certificate is checked against the name, not the address.
        let name = match target.host.parse::<IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::from(ip),
            Err(_) => rustls::pki_types::ServerName::try_from(target.host.clone()).map_err(HttpError::InvalidDnsNameError)?,
        };
        let tls = tokio_rustls::TlsConnector::from(tls_config());
        Box::new(tokio::time::timeout(connect_timeout, tls.connect(name, tcp)).await.map_err(|_| HttpError::ConnectionTimeout)?.map_err(HttpError::Tls)?)
    } else {
        Box::new(tcp)
    };
    let mut builder = hyper::client::conn::http1::Builder::new();
    builder.max_buf_size(connector.max_response_head_bytes.max(8192));
    let (mut sender, conn) = tokio::time::timeout(connect_timeout, builder.handshake::<_, WasiBody>(TokioIo::new(stream)))
        .await
        .map_err(|_| HttpError::ConnectionTimeout)?
        .map_err(HttpError::from)?;
    // Only a proxy wants the absolute form; the origin gets the path.
    let path = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    *request.uri_mut() = http::Uri::builder().path_and_query(path).build().map_err(|_| HttpError::HttpRequestUriInvalid)?;
    let head_limit = connector.max_response_head_bytes;

    let send = async move {
        let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
            .await
            .map_err(|_| HttpError::ConnectionReadTimeout)?
            .map_err(|e| if e.is_parse_too_large() { HttpError::HttpResponseHeaderSectionSize(Some(head_limit as u32)) } else { HttpError::from(e) })?;
        let between = between_bytes_timeout.max(Duration::from_nanos(1));
        let mut timer = tokio::time::interval(between);
        timer.reset();
        Ok::<_, HttpError>(response.map(|incoming| IdleTimeoutBody { incoming, timer }.boxed_unsync()))
    };
    let mut send = pin!(send);
    let mut conn = Some(conn);
    // Drive the connection while waiting for the response head.
    let response = poll_fn(|cx| match send.as_mut().poll(cx) {
        Poll::Ready(r) => Poll::Ready(r),
        Poll::Pending => {
            let Some(c) = conn.as_mut() else { return Poll::Pending };
            let done = ready!(Pin::new(c).poll(cx));
            conn = None;
            match done {
                Ok(()) => send.as_mut().poll(cx),
                Err(e) => Poll::Ready(Err(HttpError::from(e))),
            }
        }
    })
    .await?;
    let io = async move {
        match conn {
            Some(c) => c.await.map_err(|e| if e.is_timeout() { HttpError::HttpResponseTimeout } else { HttpError::from(e) }),
            None => Ok(()),
        }
    };
    Ok((response, Box::new(io)))
}

/// The guest's request body, drained to its end if hyper lets go of it early.
///
/// hyper drops a request body it no longer needs (a declared length of 0, or
/// a response that came first). The guest may still be writing or finishing
/// that body, and would then see its stream closed and report a "connection
/// reset" for a request that succeeded. Draining in the background keeps the
/// guest's side of the stream open until the guest is done with it.
pub struct DrainOnDrop {
    inner: Option<WasiBody>,
}

impl DrainOnDrop {
    /// Wrap a request body.
    pub fn new(body: WasiBody) -> Self {
        Self { inner: Some(body) }
    }
}

impl http_body::Body for DrainOnDrop {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        match self.inner.as_mut() {
            Some(b) => Pin::new(b).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.as_ref().map(|b| b.size_hint()).unwrap_or_else(|| http_body::SizeHint::with_exact(0))
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(mut body) = self.inner.take() else { return };
        if body.is_end_stream() {
            return;
        }
        // Ends when the guest finishes or drops the body, or its store goes.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { while let Some(Ok(_)) = body.frame().await {} });
        }
    }
}

/// A response body that fails when the server goes quiet for too long.
struct IdleTimeoutBody {
    incoming: hyper::body::Incoming,
    timer: tokio::time::Interval,
}

impl http_body::Body for IdleTimeoutBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                self.timer.reset();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(if e.is_timeout() { HttpError::HttpResponseTimeout } else { HttpError::from(e) }))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                ready!(self.timer.poll_tick(cx));
                Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.incoming.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(policy: AddressPolicy, names: &[(&str, &str)]) -> Connector {
        let table = names.iter().map(|(n, ip)| (n.to_string(), ip.parse().unwrap())).collect();
        Connector { resolver: Arc::new(StaticResolver(table)), policy, max_response_head_bytes: 65536 }
    }

    #[tokio::test]
    async fn an_allowed_name_pointing_inside_is_refused_after_resolution() {
        let c = connector(AddressPolicy::default(), &[("rebound.example", "127.0.0.1"), ("meta.example", "169.254.169.254"), ("mixed.example", "52.1.2.3"), ("mixed.example", "10.0.0.7")]);
        for host in ["rebound.example", "meta.example", "mixed.example"] {
            let refusals = Refusals::default();
            let target = Origin { scheme: "https".into(), host: host.into(), port: 443 };
            let r = checked_addresses(&c, &target, &refusals, Duration::from_secs(5)).await;
            assert!(matches!(r, Err(HttpError::DestinationIpProhibited)), "{host}: {r:?}");
            let said = refusals.lock().unwrap().join("");
            assert!(said.contains(host) && said.contains("resolves to"), "{said}");
        }
    }

    #[tokio::test]
    async fn a_public_name_passes_and_an_unknown_one_is_a_dns_error() {
        let c = connector(AddressPolicy::default(), &[("api.lever.co", "52.1.2.3")]);
        let refusals = Refusals::default();
        let ok = checked_addresses(&c, &Origin { scheme: "https".into(), host: "api.lever.co".into(), port: 443 }, &refusals, Duration::from_secs(5)).await.unwrap();
        assert_eq!(ok, vec!["52.1.2.3:443".parse().unwrap()]);
        let missing = checked_addresses(&c, &Origin { scheme: "https".into(), host: "nowhere.example".into(), port: 443 }, &refusals, Duration::from_secs(5)).await;
        assert!(matches!(missing, Err(HttpError::DnsError { .. })), "{missing:?}");
        assert!(refusals.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn ip_literals_are_checked_without_dns() {
        let c = connector(AddressPolicy::default(), &[]);
        for host in ["127.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.169.254"] {
            let r = checked_addresses(&c, &Origin { scheme: "http".into(), host: host.into(), port: 80 }, &Refusals::default(), Duration::from_secs(5)).await;
            assert!(matches!(r, Err(HttpError::DestinationIpProhibited)), "{host}: {r:?}");
        }
    }

    #[tokio::test]
    async fn localhost_through_the_system_resolver_is_loopback() {
        // A real lookup: /etc/hosts maps localhost to loopback on any machine.
        let c = Connector { resolver: Arc::new(SystemResolver), policy: AddressPolicy::default(), max_response_head_bytes: 65536 };
        let r = checked_addresses(&c, &Origin { scheme: "http".into(), host: "localhost".into(), port: 80 }, &Refusals::default(), Duration::from_secs(5)).await;
        assert!(matches!(r, Err(HttpError::DestinationIpProhibited)), "{r:?}");
    }
}
