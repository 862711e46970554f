//! Where the Router meets the network: the listener, plain HTTP or TLS, and
//! the limits that keep idle or slow peers from starving the server.
//!
//! - **Connection cap.** At most [`ConnectionLimits::max_connections`]
//!   connections are served at once; past it the server stops accepting and
//!   new connections wait in the kernel's backlog until one closes. The cap
//!   also keeps the server below its open-file limit, which would otherwise
//!   make `accept` fail for everyone (the common default is 1,024 files).
//! - **Header-read timeout.** A connection must send a whole request head
//!   within [`ConnectionLimits::header_read_timeout`] of opening (or of its
//!   previous response, on keep-alive), or it is closed: an idle or slowloris
//!   connection holds its slot for that long at most. For TLS the handshake
//!   has the same deadline.
//! - **Request timeout.** A request (body and handler) that takes longer than
//!   `ServerConfig::request_timeout_seconds` is answered with 408 in the
//!   `{ code, message }` shape ([`timeout_as_json`], layered in [`crate::app`]).
//!
//! Only HTTP/1.1 is spoken, also over TLS (ALPN offers `http/1.1` alone):
//! the clients are the desktop app and scripts, and HTTP/1's header timeout
//! is well defined where HTTP/2's connection preface would wait unbounded.
//! Each request carries its peer's address as `ConnectInfo<SocketAddr>`, for
//! the rate limits of [`crate::rate_limit`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Json;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use polso_api::{ApiError, ErrorCode};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long open connections may finish their requests after a shutdown signal.
const GRACEFUL_SHUTDOWN: Duration = Duration::from_secs(10);

/// Limits on connections, set by the administrator at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// The most connections served at once.
    pub max_connections: usize,
    /// How long a connection may take to send a request head (and, over TLS, to shake hands).
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    /// 512 connections (half the common open-file limit of 1,024, leaving room for the
    /// database and the log), 20 s to send a request head: longer than the 15 s a `ureq`
    /// client (the desktop app's) keeps an idle connection for reuse, so the server never
    /// closes a kept-alive connection just as the app sends on it.
    fn default() -> ConnectionLimits {
        ConnectionLimits { max_connections: 512, header_read_timeout: Duration::from_secs(20) }
    }
}

/// A certificate chain and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub certificate: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Binds `listen`, prints the line tests and scripts read to learn the address
/// (`polso-server listening on http://…` or `https://…`, on stdout), and
/// serves `router` until `shutdown` resolves; then lets open connections
/// finish for up to 10 s.
pub async fn serve(
    router: Router,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    anyhow::ensure!(limits.max_connections > 0, "the connection cap must be at least 1");
    let listener = TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let acceptor = match &tls {
        None => None,
        Some(files) => Some(tls_acceptor(files).await?),
    };
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    // Tests and scripts read this line to learn the port.
    println!("polso-server listening on {scheme}://{address}");
    accept_connections(listener, router, acceptor, limits, shutdown).await;
    Ok(())
}

/// Reads the certificate and key and offers HTTP/1.1 only over ALPN.
async fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor> {
    let loaded = axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.certificate, &files.key)
        .await
        .with_context(|| {
        format!("reading the TLS certificate {} and key {}", files.certificate.display(), files.key.display())
    })?;
    let mut config = (*loaded.get_inner()).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The accept loop: a permit of the connection cap before each accept, one
/// task per connection, the header timeout on every connection.
async fn accept_connections(
    listener: TcpListener,
    router: Router,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let builder = Arc::new(builder);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Waiting for a permit before accepting leaves the excess in the
        // kernel's backlog instead of holding a file for each.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of files or a connection reset before accept: wait a
                    // little rather than spin, and go on serving the others.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (router, builder, acceptor, watcher) =
            (router.clone(), Arc::clone(&builder), acceptor.clone(), graceful.watcher());
        tokio::spawn(async move {
            // The permit is returned when the connection ends, however it ends.
            let _permit = permit;
            let _ = stream.set_nodelay(true);
            match acceptor {
                None => serve_connection(stream, peer, router, &builder, watcher).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream)).await;
                    // A failed or slow handshake is the peer's business; it is simply closed.
                    if let Ok(Ok(tls_stream)) = handshake {
                        serve_connection(tls_stream, peer, router, &builder, watcher).await;
                    }
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACEFUL_SHUTDOWN) => {}
    }
}

/// Serves HTTP/1.1 requests of one connection until it closes or times out.
async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    peer: SocketAddr,
    router: Router,
    builder: &http1::Builder,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    // Errors here are the peer's (reset, header timeout, bad request line) and
    // hyper has already answered what it could; nothing to log per connection.
    let _ = watcher.watch(builder.serve_connection(TokioIo::new(stream), service)).await;
}

/// Makes the empty 408 of tower-http's `TimeoutLayer` a `{ code, message }` answer.
pub(crate) async fn timeout_as_json(response: Response, request_timeout: Duration) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if response.status() != StatusCode::REQUEST_TIMEOUT || is_json {
        return response;
    }
    let error = ApiError::new(
        ErrorCode::InvalidInput,
        format!(
            "the request took longer than {} s and was abandoned; send it again",
            request_timeout.as_secs()
        ),
    );
    (StatusCode::REQUEST_TIMEOUT, Json(error)).into_response()
}

/// Resolves on Ctrl-C; if the handler cannot be installed, never (serve until killed).
pub async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    async fn health() -> &'static str {
        "ok"
    }

    /// Serves a one-route Router on a free loopback port with `limits`; returns its address.
    async fn start(limits: ConnectionLimits) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new().route("/", axum::routing::get(health));
        tokio::spawn(accept_connections(listener, router, None, limits, std::future::pending()));
        address
    }

    async fn get(address: SocketAddr) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn past_the_cap_a_connection_waits_until_an_idle_one_is_cut_off() {
        let limits = ConnectionLimits { max_connections: 2, header_read_timeout: Duration::from_millis(300) };
        let address = start(limits).await;
        let _idle = [TcpStream::connect(address).await.unwrap(), TcpStream::connect(address).await.unwrap()];
        let started = std::time::Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(5), get(address)).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // It had to wait for the idle ones' header timeout, not for ever.
        assert!(started.elapsed() >= Duration::from_millis(250), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed_after_the_header_timeout() {
        let limits = ConnectionLimits { max_connections: 8, header_read_timeout: Duration::from_millis(200) };
        let address = start(limits).await;
        let mut idle = TcpStream::connect(address).await.unwrap();
        let mut buffer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut buffer)).await;
        assert!(read.is_ok(), "the idle connection was never closed");
    }

    #[tokio::test]
    async fn a_timed_out_request_answers_json() {
        let response = StatusCode::REQUEST_TIMEOUT.into_response();
        let response = timeout_as_json(response, Duration::from_secs(30)).await;
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        let bytes = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let error: ApiError = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("30 s"), "{}", error.message);
    }
}
