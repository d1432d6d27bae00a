//! Serving a router on loopback, on a thread and runtime of its own.
//!
//! Why not `axum::serve` on the caller's runtime:
//! - a fault must be able to close a connection without answering (the
//!   "response never arrives" case), so we own each connection's task;
//! - the caller (a test, or the host's demo) may block its own runtime while
//!   the component runs; a simulator on that runtime would then never answer.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Per-connection controls, put in every request's extensions.
#[derive(Clone)]
pub(crate) struct Conn {
    /// Notified to close the connection at once, with no response.
    pub(crate) kill: Arc<Notify>,
    /// Path and query as received, before any rewriting.
    pub(crate) raw_target: String,
}

/// Rewrites a request path before routing (Namely's `.json` suffix).
pub(crate) type Rewrite = fn(&str) -> Option<String>;

/// A running server. Dropping it stops the server and closes every connection.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

impl Server {
    /// Bind `127.0.0.1:port` (0 for any free port) and serve `router` until stopped.
    pub(crate) async fn start(
        name: &str,
        port: u16,
        router: Router,
        rewrite: Option<Rewrite>,
    ) -> anyhow::Result<Server> {
        let (ready_tx, ready_rx) = oneshot::channel::<std::io::Result<SocketAddr>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        std::thread::Builder::new().name(name.to_string()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(listener.local_addr());
                accept_loop(listener, router, rewrite, stop_rx).await;
            });
            // Whatever is still running (hung requests) is cancelled here.
            rt.shutdown_background();
        })?;
        let addr = ready_rx.await.map_err(|_| anyhow::anyhow!("{name}: server thread died"))??;
        Ok(Server { addr, stop: Mutex::new(Some(stop_tx)) })
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop serving now; idempotent.
    pub(crate) fn stop(&self) {
        // Dropping the sender wakes the accept loop just as sending would.
        self.stop.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept_loop(listener: TcpListener, router: Router, rewrite: Option<Rewrite>, mut stop: oneshot::Receiver<()>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                // Accept errors (e.g. too many open files) are transient: keep serving.
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                conns.spawn(serve_connection(stream, router.clone(), rewrite));
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router, rewrite: Option<Rewrite>) {
    let kill = Arc::new(Notify::new());
    let kill_for_requests = kill.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let router = router.clone();
        let kill = kill_for_requests.clone();
        async move {
            let raw_target = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
            if let Some(new_path) = rewrite.and_then(|f| f(req.uri().path())) {
                let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
                if let Ok(uri) = format!("{new_path}{query}").parse() {
                    *req.uri_mut() = uri;
                }
            }
            req.extensions_mut().insert(Conn { kill, raw_target });
            router.oneshot(req.map(Body::new)).await
        }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        // Dropping the connection future closes the socket mid-request.
        _ = kill.notified() => {}
    }
}
