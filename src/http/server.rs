//! The HTTP server: our own accept loop around hyper, so that one client cannot stop the service
//! by holding connections open.
//!
//! poem's `Server` has no header-read timeout and no cap on connections: idle and slow-header
//! connections stayed open for ever, 20,000 of them used up the process's file descriptors and
//! `/healthz` stopped answering. Here every connection lives under three rules:
//!
//! - **Header timeout**: a request head must arrive whole within `header_timeout` of the
//!   connection opening or of the previous response (hyper's `header_read_timeout`, which also
//!   bounds how long a keep-alive connection may wait for its next request).
//! - **Idle timeout**: a connection with no request in flight and no bytes moving either way
//!   for `idle_timeout` is closed (a client that stops reading its response, an HTTP/2 connection
//!   left open).
//! - **Cap**: at most `max_connections` are open. When a new one arrives at the cap, the
//!   connection that has waited longest without a request in flight is closed to make room
//!   (as nginx reuses keep-alive connections); only when every connection is busy does the
//!   accept loop wait. A flood of idle sockets therefore displaces itself, not real requests.
//!
//! Accept errors (such as running out of descriptors) pause the loop briefly instead of spinning.

use std::{
    collections::HashMap,
    convert::Infallible,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use crate::config::ConnectionLimits;
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use poem::{Addr, Endpoint, Response, web::LocalAddr, web::RemoteAddr};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Notify, Semaphore, watch},
};

/// Connections open right now, for `/metrics`.
pub fn open_connections() -> usize {
    OPEN.load(Ordering::Relaxed)
}

/// Connections the server closed to stay within its limits, for `/metrics`.
pub fn shed_connections() -> u64 {
    SHED.load(Ordering::Relaxed)
}

static OPEN: AtomicUsize = AtomicUsize::new(0);
static SHED: AtomicU64 = AtomicU64::new(0);

/// What the accept loop and the sweeper know about one open connection.
struct Connection {
    /// Requests being answered now; a connection with none may be closed.
    in_flight: AtomicUsize,
    /// Milliseconds since `epoch` of the last byte read or written.
    last_activity_ms: AtomicU64,
    /// Told to close the connection at once.
    close: Notify,
}

struct Registry {
    epoch: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
}

impl Registry {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The connection without a request in flight that has been quiet longest.
    fn longest_idle(&self) -> Option<Arc<Connection>> {
        let open = self.open.lock().expect("connection registry");
        open.values()
            .filter(|c| c.in_flight.load(Ordering::Acquire) == 0)
            .min_by_key(|c| c.last_activity_ms.load(Ordering::Relaxed))
            .cloned()
    }

    /// Closes every connection quiet for longer than `idle`.
    fn close_idle(&self, idle: Duration) {
        let cutoff = self.now_ms().saturating_sub(u64::try_from(idle.as_millis()).unwrap_or(u64::MAX));
        let open = self.open.lock().expect("connection registry");
        for connection in open.values() {
            if connection.in_flight.load(Ordering::Acquire) == 0
                && connection.last_activity_ms.load(Ordering::Relaxed) < cutoff
            {
                SHED.fetch_add(1, Ordering::Relaxed);
                connection.close.notify_one();
            }
        }
    }
}

/// Serves `endpoint` on `listener` until `shutdown` resolves, then lets requests in flight
/// finish for up to `grace`.
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> io::Result<()>
where
    E: Endpoint<Output = Response> + 'static,
{
    let endpoint = Arc::new(endpoint);
    let local = listener.local_addr()?;
    let registry =
        Arc::new(Registry { epoch: Instant::now(), next_id: AtomicU64::new(0), open: Mutex::default() });
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let sweeper = tokio::spawn(sweep(registry.clone(), limits.idle_timeout, stopping.clone()));
    tracing::info!(addr = %local, "listening");
    tokio::pin!(shutdown);
    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // At the cap: make room by closing the longest-idle connection, or wait for one
                // to finish when all are busy.
                if let Some(idle) = registry.longest_idle() {
                    SHED.fetch_add(1, Ordering::Relaxed);
                    idle.close.notify_one();
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => slot.expect("the slot semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed; pausing briefly");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let id = registry.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection {
            in_flight: AtomicUsize::new(0),
            last_activity_ms: AtomicU64::new(registry.now_ms()),
            close: Notify::new(),
        });
        registry.open.lock().expect("connection registry").insert(id, connection.clone());
        OPEN.fetch_add(1, Ordering::Relaxed);
        let registry = registry.clone();
        let endpoint = endpoint.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            serve_connection(stream, local, remote, endpoint, limits, &registry, connection, stopping).await;
            registry.open.lock().expect("connection registry").remove(&id);
            OPEN.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
        });
    }
    let _ = stop.send(true);
    let _ = sweeper.await;
    // Every connection holds a slot until it ends: wait for them all, for up to `grace`.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    if tokio::time::timeout(grace, slots.acquire_many(all)).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
    Ok(())
}

/// Closes idle connections, checking a few times per `idle` period.
async fn sweep(registry: Arc<Registry>, idle: Duration, mut stopping: watch::Receiver<bool>) {
    let every = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => registry.close_idle(idle),
            _ = stopping.changed() => return,
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve_connection<E>(
    stream: TcpStream,
    local: SocketAddr,
    remote: SocketAddr,
    endpoint: Arc<E>,
    limits: ConnectionLimits,
    registry: &Arc<Registry>,
    connection: Arc<Connection>,
    mut stopping: watch::Receiver<bool>,
) where
    E: Endpoint<Output = Response> + 'static,
{
    let io = Tracked { inner: stream, connection: connection.clone(), registry: registry.clone() };
    let service = hyper::service::service_fn({
        let connection = connection.clone();
        move |request: hyper::Request<Incoming>| {
            let endpoint = endpoint.clone();
            let connection = connection.clone();
            async move {
                let _busy = Busy::start(&connection);
                let request = poem::Request::from((
                    request,
                    LocalAddr(Addr::SocketAddr(local)),
                    RemoteAddr(Addr::SocketAddr(remote)),
                    poem::http::uri::Scheme::HTTP,
                ));
                let response = endpoint.get_response(request).await;
                Ok::<hyper::Response<_>, Infallible>(response.into())
            }
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        () = connection.close.notified() => return,
        _ = stopping.changed() => conn.as_mut().graceful_shutdown(),
    }
    // Shutting down: requests in flight finish; the accept loop bounds how long that may take.
    let _ = conn.await;
}

/// Counts a request in flight for as long as it lives, even if its future is dropped.
struct Busy<'a>(&'a Connection);

impl<'a> Busy<'a> {
    fn start(connection: &'a Connection) -> Self {
        connection.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(connection)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A socket that notes when bytes last moved, for the idle timeout and the choice of whom to
/// close at the cap.
struct Tracked {
    inner: TcpStream,
    connection: Arc<Connection>,
    registry: Arc<Registry>,
}

impl Tracked {
    fn touch(&self) {
        self.connection.last_activity_ms.store(self.registry.now_ms(), Ordering::Relaxed);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
