//! A fault-injecting HTTP proxy on loopback, between the desktop's sync client
//! and the real server. It reads each request whole, then, by a seeded draw,
//! drops it unanswered, resets the connection, delays it, forwards it twice
//! (a duplicated request, both copies at once), or forwards it and drops the answer (the server
//! counted it, the device never learns). Its upstream can be changed while it
//! runs, so a killed server can come back on another port; while the server is
//! down, connections fail as they would in the world.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How often each fault happens, in requests per thousand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// The connection is closed before the request is forwarded.
    pub drop_request: u32,
    /// The connection is reset (RST) before the request is forwarded.
    pub reset: u32,
    /// The request is forwarded, the answer read and thrown away, the connection closed.
    pub drop_response: u32,
    /// The request is forwarded twice at once; the device sees the second answer.
    pub duplicate: u32,
    /// The request waits up to `max_delay` before being forwarded.
    pub delay: u32,
    /// The longest delay.
    pub max_delay: Duration,
    /// A misrouted load balancer: a 404 HTML page, the request never forwarded.
    pub misroute: u32,
    /// A gateway fault: a 502 or 503 HTML page, the request never forwarded.
    pub gateway_error: u32,
    /// The request is forwarded and the answer cut off in the middle of its body.
    pub cut_body: u32,
}

impl FaultPlan {
    /// No faults at all.
    pub fn clean() -> FaultPlan {
        FaultPlan::default()
    }

    /// A hostile network: about half the requests meet a fault.
    pub fn hostile() -> FaultPlan {
        FaultPlan {
            drop_request: 100,
            reset: 100,
            drop_response: 150,
            duplicate: 100,
            delay: 100,
            max_delay: Duration::from_millis(50),
            misroute: 50,
            gateway_error: 50,
            cut_body: 50,
        }
    }
}

/// What the proxy did, by kind.
#[derive(Debug, Default)]
pub struct FaultCounts {
    /// Requests read from clients.
    pub requests: AtomicU64,
    /// Requests dropped unanswered.
    pub dropped_requests: AtomicU64,
    /// Connections reset.
    pub resets: AtomicU64,
    /// Answers dropped after the server had them.
    pub dropped_responses: AtomicU64,
    /// Requests forwarded twice.
    pub duplicates: AtomicU64,
    /// Requests delayed.
    pub delays: AtomicU64,
    /// Requests answered with a balancer's 404 page.
    pub misroutes: AtomicU64,
    /// Requests answered with a gateway's 502 or 503 page.
    pub gateway_errors: AtomicU64,
    /// Answers cut off in their body after the server had them.
    pub cut_bodies: AtomicU64,
    /// Requests that found no server to forward to.
    pub upstream_down: AtomicU64,
}

impl FaultCounts {
    /// Every fault injected, of any kind (not counting a server that was down).
    pub fn faults(&self) -> u64 {
        self.dropped_requests.load(Ordering::Relaxed)
            + self.resets.load(Ordering::Relaxed)
            + self.dropped_responses.load(Ordering::Relaxed)
            + self.duplicates.load(Ordering::Relaxed)
            + self.delays.load(Ordering::Relaxed)
            + self.misroutes.load(Ordering::Relaxed)
            + self.gateway_errors.load(Ordering::Relaxed)
            + self.cut_bodies.load(Ordering::Relaxed)
    }

    /// A one-line summary.
    pub fn summary(&self) -> String {
        format!(
            "{} requests; faults: {} dropped requests, {} resets, {} dropped answers, {} duplicated, {} delayed, {} misrouted (404 page), {} gateway errors (502/503 page), {} answers cut off; {} found the server down",
            self.requests.load(Ordering::Relaxed),
            self.dropped_requests.load(Ordering::Relaxed),
            self.resets.load(Ordering::Relaxed),
            self.dropped_responses.load(Ordering::Relaxed),
            self.duplicates.load(Ordering::Relaxed),
            self.delays.load(Ordering::Relaxed),
            self.misroutes.load(Ordering::Relaxed),
            self.gateway_errors.load(Ordering::Relaxed),
            self.cut_bodies.load(Ordering::Relaxed),
            self.upstream_down.load(Ordering::Relaxed),
        )
    }
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    plan: Mutex<FaultPlan>,
    counts: FaultCounts,
    seed: AtomicU64,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    /// The address devices talk to, such as `http://127.0.0.1:40123`.
    pub url: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream` under `plan`,
    /// drawing faults from `seed`.
    pub fn start(upstream: SocketAddr, plan: FaultPlan, seed: u64) -> Result<FaultProxy> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting the proxy's runtime")?;
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            plan: Mutex::new(plan),
            counts: FaultCounts::default(),
            seed: AtomicU64::new(seed),
        });
        let accepting = shared.clone();
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(client, shared).await;
                });
            }
        });
        Ok(FaultProxy { url: format!("http://{address}"), shared, runtime: Some(runtime) })
    }

    /// Points the proxy at another server address.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        if let Ok(mut current) = self.shared.upstream.lock() {
            *current = upstream;
        }
    }

    /// Changes how often faults happen.
    pub fn set_plan(&self, plan: FaultPlan) {
        if let Ok(mut current) = self.shared.plan.lock() {
            *current = plan;
        }
    }

    /// What the proxy did so far.
    pub fn counts(&self) -> &FaultCounts {
        &self.shared.counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// What to do with one request.
enum Fate {
    Forward,
    DropRequest,
    Reset,
    DropResponse,
    Duplicate,
    Delay(Duration),
    Misroute,
    GatewayError(u16),
    CutBody,
}

fn draw_fate(shared: &Shared) -> Fate {
    let plan = shared.plan.lock().map(|plan| *plan).unwrap_or_default();
    // One seeded generator per draw, advanced atomically: reproducible in sum, cheap.
    let seed = shared.seed.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    let mut random = fastrand::Rng::with_seed(seed);
    let mut roll = random.u32(0..1000);
    for (share, fate) in [
        (plan.drop_request, 0),
        (plan.reset, 1),
        (plan.drop_response, 2),
        (plan.duplicate, 3),
        (plan.delay, 4),
        (plan.misroute, 5),
        (plan.gateway_error, 6),
        (plan.cut_body, 7),
    ] {
        if roll < share {
            return match fate {
                0 => Fate::DropRequest,
                1 => Fate::Reset,
                2 => Fate::DropResponse,
                3 => Fate::Duplicate,
                5 => Fate::Misroute,
                6 => Fate::GatewayError(if random.bool() { 502 } else { 503 }),
                7 => Fate::CutBody,
                _ => {
                    let max = plan.max_delay.as_millis().max(1) as u64;
                    Fate::Delay(Duration::from_millis(random.u64(0..=max)))
                }
            };
        }
        roll -= share;
    }
    Fate::Forward
}

/// Serves one request of one connection: the answer carries `connection: close`,
/// so the client opens a new connection for its next request.
async fn serve_connection(mut client: TcpStream, shared: Arc<Shared>) -> Result<()> {
    let mut buffered = Vec::new();
    let Some(request) = read_request(&mut client, &mut buffered).await? else {
        return Ok(());
    };
    shared.counts.requests.fetch_add(1, Ordering::Relaxed);
    let upstream =
        shared.upstream.lock().map(|upstream| *upstream).map_err(|_| anyhow::anyhow!("upstream lock"))?;
    match draw_fate(&shared) {
        Fate::DropRequest => {
            shared.counts.dropped_requests.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Fate::Reset => {
            shared.counts.resets.fetch_add(1, Ordering::Relaxed);
            // A zero linger makes the close a reset.
            #[allow(deprecated)]
            let _ = client.set_linger(Some(Duration::ZERO));
            return Ok(());
        }
        Fate::DropResponse => {
            shared.counts.dropped_responses.fetch_add(1, Ordering::Relaxed);
            let _ = forward(upstream, &request).await;
            return Ok(());
        }
        Fate::Duplicate => {
            // Both copies race to the server; the device sees the second answer.
            shared.counts.duplicates.fetch_add(1, Ordering::Relaxed);
            let (_, second) = tokio::join!(forward(upstream, &request), forward(upstream, &request));
            match second {
                Ok(response) => client.write_all(&response).await?,
                Err(_) => {
                    shared.counts.upstream_down.fetch_add(1, Ordering::Relaxed);
                }
            }
            return Ok(());
        }
        Fate::Delay(delay) => {
            shared.counts.delays.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
        }
        Fate::Misroute => {
            shared.counts.misroutes.fetch_add(1, Ordering::Relaxed);
            client.write_all(&html_page(404, "Not Found")).await?;
            return Ok(());
        }
        Fate::GatewayError(status) => {
            shared.counts.gateway_errors.fetch_add(1, Ordering::Relaxed);
            let reason = if status == 502 { "Bad Gateway" } else { "Service Unavailable" };
            client.write_all(&html_page(status, reason)).await?;
            return Ok(());
        }
        Fate::CutBody => {
            match forward(upstream, &request).await {
                Ok(response) => {
                    shared.counts.cut_bodies.fetch_add(1, Ordering::Relaxed);
                    // The head whole, then half the body: its Content-Length promises more.
                    let body_start = response
                        .windows(4)
                        .position(|window| window == b"\r\n\r\n")
                        .map_or(response.len(), |position| position + 4);
                    let cut = body_start + (response.len() - body_start) / 2;
                    client.write_all(&response[..cut]).await?;
                }
                Err(_) => {
                    shared.counts.upstream_down.fetch_add(1, Ordering::Relaxed);
                }
            }
            return Ok(());
        }
        Fate::Forward => {}
    }
    match forward(upstream, &request).await {
        Ok(response) => client.write_all(&response).await?,
        Err(_) => {
            shared.counts.upstream_down.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// A proxy's own HTML error page with `status`, as a balancer or gateway
/// answers: not Polso's `{code, message}`.
fn html_page(status: u16, reason: &str) -> Vec<u8> {
    let body =
        format!("<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>");
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one whole HTTP/1.1 request (head and a `Content-Length` body) from
/// `client`; `None` when the client closed the connection between requests.
async fn read_request(client: &mut TcpStream, buffered: &mut Vec<u8>) -> Result<Option<Vec<u8>>> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(position) = buffered.windows(4).position(|window| window == b"\r\n\r\n") {
            break position + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffered.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffered[..head_end]).to_string();
    let content_length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buffered.len() < head_end + content_length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffered.extend_from_slice(&chunk[..n]);
    }
    // The request goes upstream with `connection: close`, so the answer ends at EOF.
    let mut request = Vec::with_capacity(head_end + content_length + 32);
    for line in head.split("\r\n").filter(|line| !line.is_empty()) {
        if line.split_once(':').is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("connection")) {
            continue;
        }
        request.extend_from_slice(line.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"connection: close\r\n\r\n");
    request.extend_from_slice(&buffered[head_end..head_end + content_length]);
    buffered.drain(..head_end + content_length);
    Ok(Some(request))
}

/// Sends `request` to `upstream` on a new connection and reads the answer to its end.
async fn forward(upstream: SocketAddr, request: &[u8]) -> Result<Vec<u8>> {
    let mut server = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(upstream)).await??;
    server.write_all(request).await?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), server.read_to_end(&mut response)).await??;
    anyhow::ensure!(!response.is_empty(), "the server closed the connection without answering");
    Ok(response)
}
