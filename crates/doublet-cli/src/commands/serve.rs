//! `doublet serve`: an index over HTTP, JSON in and out.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/query` | decide a batch against the index, store nothing |
//! | `POST /v1/add` | decide a batch and store it (200 only after the fsynced commit) |
//! | `GET /v1/stats` | the index's counts and `meta.json` |
//! | `GET /healthz` | `{"status":"ok"}`, or 503 when the store cannot be used |
//!
//! A batch is `{"documents":[{"id":..,"text":.., "site":.., "time":..}, ..]}`
//! and the answer `{"documents":[..], "stats":{..}}`, each decision as the
//! report writes it. Every failure is answered with `{"error": "..."}`.
//!
//! Every resource a client can make the server hold is bounded:
//!
//! - memory: a request reserves what its body will cost (`COST_PER_BYTE`
//!   times its `Content-Length`, and more as bytes beyond it arrive, plus
//!   `COST_PER_DOCUMENT` for each document parsed) against `--max-memory`
//!   before it holds it; one that does not fit beside the others is
//!   answered 503 at once, one that could never fit 413. The body is
//!   parsed while it arrives, document by document, without a JSON tree:
//!   `--max-documents` and every malformed document stop it there;
//! - a `Content-Length` over `--max-body` is answered 413 before any of the
//!   body is read;
//! - connections: at most `--max-connections` (and fewer than `ulimit -n`
//!   allows); one more is answered 503 and closed. A connection idle for
//!   `--idle-timeout`, or that takes longer to send a request's headers,
//!   is closed (hyper's header-read timeout, which covers the wait for
//!   the next request on a kept-alive connection too); a request is
//!   answered 503 after `--timeout`;
//! - threads: `--threads` as every command bounds it.
//!
//! Deciding is CPU-bound and parallel (rayon), so it runs on tokio's
//! blocking pool, never on the threads that move bytes. The single writer
//! and the readers run on separate rayon pools: a rayon worker takes work
//! queued from outside its pool only when its own runs dry, so a query
//! sharing a pool with a large add waits out each of the add's parallel
//! stages although the index lets it read beside the writer (measured on
//! two cores: queries stalled up to 84 ms in one pool, 16 ms in two).
//!
//! After an I/O error (a full disk) the store refuses everything until it
//! is reopened; the index reopens it before its next use, and `/healthz`
//! answers 503 naming the failure until that succeeds.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use doublet::report::DocumentReport;
use doublet::{Document, Report};
use doublet_index::Index;
use http_body_util::BodyExt;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::json;
use tokio::sync::mpsc;

use crate::args::ServeArgs;

/// What a request costs per byte of its body at its peak: its documents'
/// texts, and the engine's tokens, offsets, shingles and sketches of them,
/// and for an add the pages it writes. Measured on 16 MB of prose (2,000
/// documents, bench/serve_hostile.py): 3.2 bytes a byte for a query, 4.5
/// for an add (the store's cache apart, which has its own share).
const COST_PER_BYTE: usize = 5;
/// What a request costs per document beyond its bytes (its report entry,
/// sketch and block table).
const COST_PER_DOCUMENT: usize = 4 << 10;
/// What every request costs, however small.
const COST_PER_REQUEST: usize = 256 << 10;
/// File descriptors kept for everything but connections: the standard
/// streams, the store, the listener, the runtime's own, and the brief
/// descriptor of a connection answered 503.
const RESERVED_DESCRIPTORS: usize = 32;
/// Connections served at once when `--max-connections` is not given.
const DEFAULT_CONNECTIONS: usize = 512;
/// The store's cache: a quarter of `--max-memory`, at most this.
const MAX_CACHE: usize = 256 << 20;

/// What every request shares.
struct Service {
    index: Index,
    /// Runs the one add at a time (the index serialises adds anyway).
    writer: rayon::ThreadPool,
    /// Runs queries, beside the writer.
    readers: rayon::ThreadPool,
    max_documents: usize,
    max_body: u64,
    /// None: requests may take as long as they take (`--timeout 0`).
    timeout: Option<Duration>,
    budget: Arc<Budget>,
}

type Shared = Arc<Service>;

pub fn run(args: ServeArgs) -> Result<()> {
    doublet_io::settings::check_threads(args.threads).map_err(anyhow::Error::msg)?;
    let max_connections = connection_limit(args.max_connections)?;
    let max_memory = args
        .max_memory
        .map_or_else(default_memory, |m| usize::try_from(m).unwrap_or(usize::MAX));
    let cache = (max_memory / 4).min(MAX_CACHE);
    let index = Index::open_with(&args.dir, &doublet_index::Options { cache })?;
    let pool = |name: &'static str| {
        let mut builder =
            rayon::ThreadPoolBuilder::new().thread_name(move |i| format!("doublet-{name}-{i}"));
        if let Some(n) = args.threads {
            builder = builder.num_threads(n);
        }
        builder
            .build()
            .with_context(|| format!("starting the {name} threads"))
    };
    let service = Arc::new(Service {
        index,
        writer: pool("writer")?,
        readers: pool("reader")?,
        max_documents: args.max_documents,
        max_body: args.max_body,
        timeout: (args.timeout > 0).then(|| Duration::from_secs(args.timeout)),
        budget: Arc::new(Budget {
            limit: max_memory.saturating_sub(cache),
            total: max_memory,
            used: AtomicUsize::new(0),
        }),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server")?;
    let limits = Limits {
        connections: max_connections,
        idle: Duration::from_secs(args.idle_timeout),
    };
    let served = runtime.block_on(serve(service, &args, limits));
    // Dropping the runtime waits for blocking tasks still running: an add
    // whose request timed out commits (or fails) before the index closes.
    drop(runtime);
    served
}

/// A quarter of the machine's memory, at most 2 GiB: the server shares
/// the machine, and a request larger than that is better split.
fn default_memory() -> usize {
    (doublet_io::settings::physical_memory() / 4).min(2 << 30)
}

/// The connections served at once: `requested`, or the default, within
/// what the descriptor limit leaves (raised to its hard limit first, as
/// servers do, since the soft default of 1024 is a relic).
fn connection_limit(requested: Option<usize>) -> Result<usize> {
    let descriptors = descriptor_limit();
    let room = descriptors.saturating_sub(RESERVED_DESCRIPTORS);
    match requested {
        Some(0) => bail!("invalid setting `max-connections`: must be at least 1"),
        Some(n) if n > room => bail!(
            "--max-connections {n} needs {} file descriptors, and this process may open {descriptors} \
             (ulimit -n); raise the limit or lower --max-connections",
            n + RESERVED_DESCRIPTORS
        ),
        Some(n) => Ok(n),
        None if room == 0 => bail!(
            "this process may open {descriptors} file descriptors (ulimit -n), fewer than the \
             {} the server needs besides its connections",
            RESERVED_DESCRIPTORS + 1
        ),
        None => Ok(room.min(DEFAULT_CONNECTIONS)),
    }
}

/// The descriptor limit, its soft value raised to the hard one.
#[cfg(unix)]
fn descriptor_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct passed,
    // which lives on this stack frame.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
}

#[cfg(not(unix))]
fn descriptor_limit() -> usize {
    RESERVED_DESCRIPTORS + DEFAULT_CONNECTIONS
}

/// What the connection loop bounds.
struct Limits {
    connections: usize,
    idle: Duration,
}

async fn serve(service: Shared, args: &ServeArgs, limits: Limits) -> Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    // Before the address is printed: a client that reads it may signal at once.
    let signals = Signals::take()?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("--listen {}", args.listen))?;
    let addr = listener.local_addr().context("the listening address")?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/stats", get(stats))
        .route("/v1/query", post(query))
        .route("/v1/add", post(add))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            service.clone(),
            deadline,
        ))
        .with_state(service);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.idle)
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.connections));
    let refusing = Arc::new(tokio::sync::Semaphore::new(REFUSING));
    eprintln!("doublet: serving {} on http://{addr}", args.dir.display());
    let mut stop = std::pin::pin!(signals.first());
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of descriptors, or a connection reset before it was
            // taken: the connections held close in time, so try again
            // shortly rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refuse(stream, limits.connections, &refusing);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection's errors (a client gone, a header timeout) are
            // its own: the server carries on.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    eprintln!("doublet: stopped; every acknowledged add is stored");
    Ok(())
}

/// Connections answered 503 at once, at most: each holds a descriptor
/// for up to [`LINGER`] (within [`RESERVED_DESCRIPTORS`]); past them, a
/// connection is closed without an answer.
const REFUSING: usize = 16;
/// How long a refused connection's request is read away, so that closing
/// it does not reset the connection before the client reads the 503 (a
/// request is usually there when the connection is taken).
const LINGER: Duration = Duration::from_millis(200);

/// Answer a connection past `--max-connections` with 503 and close it.
fn refuse(stream: tokio::net::TcpStream, limit: usize, refusing: &Arc<tokio::sync::Semaphore>) {
    let Ok(permit) = refusing.clone().try_acquire_owned() else {
        return;
    };
    let body = json!({
        "error": format!(
            "the server is serving {limit} connections (--max-connections); try again shortly"
        )
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // The answer fits the socket's buffer; a client that reads nothing
    // loses nothing it could have had.
    let _ = stream.try_write(answer.as_bytes());
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: shutting down the sending side of a socket this
        // function owns; the descriptor stays open until it is dropped.
        unsafe {
            libc::shutdown(stream.as_raw_fd(), libc::SHUT_WR);
        }
    }
    tokio::spawn(async move {
        let _ = tokio::time::timeout(LINGER, async {
            let mut sink = [0u8; 4096];
            let mut read = 0;
            while read < 64 << 10 {
                stream.readable().await?;
                match stream.try_read(&mut sink) {
                    Ok(0) => break,
                    Ok(n) => read += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
            }
            Ok::<_, std::io::Error>(())
        })
        .await;
        drop(permit);
    });
}

/// SIGTERM and SIGINT, taken over from the handler `main` installs (which
/// exits at once, right for commands that write files, wrong for a server
/// with requests in flight).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn take() -> Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        // tokio registers through signal-hook, which calls the handler it
        // finds installed before its own: with main's handler there, a
        // SIGTERM would still exit 130 mid-request. Restore the default
        // first so tokio's is the only one; a signal arriving in between
        // ends the process as it would any program.
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: setting a signal's disposition to the default is
            // async-signal-safe and touches no Rust state; main's handler
            // thread just waits for a notification that never comes.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        Ok(Signals {
            term: signal(SignalKind::terminate()).context("handling SIGTERM")?,
            int: signal(SignalKind::interrupt()).context("handling SIGINT")?,
        })
    }

    #[cfg(not(unix))]
    fn take() -> Result<Signals> {
        Ok(Signals {})
    }

    /// Resolves at the first signal, stopping new connections; a second
    /// one exits at once (every add is one atomic commit, so nothing
    /// half-written is left behind).
    #[cfg(unix)]
    async fn first(mut self) {
        let name = tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        };
        eprintln!("doublet: {name}: finishing the requests in flight, then stopping");
        tokio::spawn(async move {
            tokio::select! {
                _ = self.term.recv() => {},
                _ = self.int.recv() => {},
            }
            eprintln!("doublet: second signal: stopping now");
            std::process::exit(130);
        });
    }

    #[cfg(not(unix))]
    async fn first(self) {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("doublet: interrupted: finishing the requests in flight, then stopping");
    }
}

/// Memory requests may hold: each reserves what it will cost before it
/// holds it (DataFusion's memory pool, in small).
struct Budget {
    /// What requests may reserve in all (`--max-memory` less the store's
    /// cache).
    limit: usize,
    /// `--max-memory`, for messages.
    total: usize,
    used: AtomicUsize,
}

impl Budget {
    /// Reserve `bytes`, or say why not: 413 when no request of that cost
    /// could ever be admitted, 503 when the others hold too much now.
    fn reserve(self: &Arc<Self>, bytes: usize) -> Result<Arc<Reservation>, ApiError> {
        let reservation = Arc::new(Reservation {
            budget: self.clone(),
            held: AtomicUsize::new(0),
        });
        reservation.grow(bytes)?;
        Ok(reservation)
    }

    fn take(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|&u| u <= self.limit)
            })
            .is_ok()
    }
}

/// Memory a request holds; released when the last holder (the handler or
/// its blocking work) drops it.
struct Reservation {
    budget: Arc<Budget>,
    held: AtomicUsize,
}

impl Reservation {
    fn grow(&self, bytes: usize) -> Result<(), ApiError> {
        let held = self.held.load(Ordering::Acquire);
        if held.saturating_add(bytes) > self.budget.limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request needs about {} of memory, more than --max-memory {} leaves \
                     for requests; send fewer or shorter documents at a time",
                    crate::printers::size(held.saturating_add(bytes)),
                    crate::printers::size(self.budget.total)
                ),
            ));
        }
        if !self.budget.take(bytes) {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server is busy: the requests in hand hold its memory \
                     (--max-memory {}); try again shortly",
                    crate::printers::size(self.budget.total)
                ),
            )
            .retry());
        }
        self.held.fetch_add(bytes, Ordering::AcqRel);
        Ok(())
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let held = *self.held.get_mut();
        self.budget.used.fetch_sub(held, Ordering::AcqRel);
    }
}

/// A failed request: its status and a message naming the problem.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    /// Worth retrying after a second (`Retry-After`).
    retry: bool,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            retry: false,
        }
    }

    fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    fn retry(self) -> ApiError {
        ApiError {
            retry: true,
            ..self
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status, &json!({ "error": self.message }));
        if self.retry {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<doublet_index::Error> for ApiError {
    fn from(e: doublet_index::Error) -> ApiError {
        use doublet_index::Error as E;
        let status = match &e {
            E::DuplicateId { .. } => StatusCode::CONFLICT,
            E::Engine(doublet::Error::Limit(_)) => StatusCode::PAYLOAD_TOO_LARGE,
            e if e.is_input_error() => StatusCode::BAD_REQUEST,
            E::ReadOnly(_) => StatusCode::FORBIDDEN,
            // The store failed (a full disk, an I/O error): it is reopened
            // before the next request, which may succeed.
            E::Store { .. } | E::NoSpace { .. } | E::Engine(doublet::Error::Prior(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<doublet::Error> for ApiError {
    fn from(e: doublet::Error) -> ApiError {
        doublet_index::Error::Engine(e).into()
    }
}

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            Bytes::from(body),
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "error": format!("writing the answer: {e}") }).to_string(),
        )
            .into_response(),
    }
}

/// Answer 503 to a request that outlives `--timeout` (reading its body
/// included).
async fn deadline(State(service): State<Shared>, request: Request, next: Next) -> Response {
    let Some(limit) = service.timeout else {
        return next.run(request).await;
    };
    let adding = request.uri().path() == "/v1/add";
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            // The engine cannot be stopped mid-batch: an add carries on and
            // may still be stored.
            let after = if adding {
                "; the batch may still be added: query its ids before sending it again"
            } else {
                ""
            };
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the request took longer than --timeout {}s{after}",
                    limit.as_secs()
                ),
            )
            .into_response()
        }
    }
}

/// `{"status":"ok"}` when the store answers a read (reopened first if an
/// I/O error left it unusable), else 503 naming why.
async fn healthz(State(service): State<Shared>) -> Response {
    let checked = tokio::task::spawn_blocking(move || service.index.health()).await;
    match checked {
        Ok(Ok(())) => json_response(StatusCode::OK, &json!({ "status": "ok" })),
        Ok(Err(e)) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "status": "unusable", "error": e.to_string() }),
        ),
        Err(e) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "status": "unusable", "error": format!("the check failed: {e}") }),
        ),
    }
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no such path: {}; the service answers POST /v1/query, POST /v1/add, \
             GET /v1/stats and GET /healthz",
            uri.path()
        ),
    )
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    let allowed = match uri.path() {
        "/v1/query" | "/v1/add" => "POST",
        _ => "GET",
    };
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} {}: use {allowed}", uri.path()),
    )
}

async fn stats(State(service): State<Shared>) -> Response {
    let done = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let stats = service.index.stats()?;
        Ok(json!({ "stats": stats, "meta": service.index.meta() }))
    })
    .await;
    match done {
        Ok(Ok(value)) => json_response(StatusCode::OK, &value),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed: {e}"),
        )
        .into_response(),
    }
}

async fn query(State(service): State<Shared>, request: Request) -> Response {
    batch_request(service, request, |s, batch| {
        s.readers.install(|| {
            let mut scanner = s.index.scanner()?;
            scanner.push(batch.documents)?;
            Ok(Answer::of(s.index.query(scanner)?))
        })
    })
    .await
}

async fn add(State(service): State<Shared>, request: Request) -> Response {
    batch_request(service, request, |s, batch| {
        // Refused before any work, naming the position; `add` checks again
        // under its lock, for ids added meanwhile.
        for (i, d) in batch.documents.iter().enumerate() {
            if s.index.contains(&d.id)? {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    format!("documents[{i}]: id {:?} is already in the index", d.id),
                ));
            }
        }
        let now = super::index::now();
        s.writer.install(|| {
            let mut scanner = s.index.scanner()?;
            scanner.push(batch.documents)?;
            Ok(Answer::of(s.index.add(scanner, &batch.times, now)?))
        })
    })
    .await
}

/// The `Content-Length` of a request, if it gives one.
fn content_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| ApiError::bad("the Content-Length header is not a number"))
}

fn too_large(max_body: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than --max-body ({max_body} bytes)"),
    )
}

/// A batch request: admitted against the memory budget, its body parsed
/// on the blocking pool while it arrives, then decided by `decide`.
async fn batch_request(
    service: Shared,
    request: Request,
    decide: impl FnOnce(&Service, Batch) -> Result<Answer, ApiError> + Send + 'static,
) -> Response {
    let length = match content_length(request.headers()) {
        Ok(length) => length,
        Err(e) => return e.into_response(),
    };
    let body = request.into_body();
    // Said up front: answered before a byte of the body is read (what the
    // client sends meanwhile is read away, up to --max-body, so that it
    // reads the answer rather than a reset connection).
    if length.is_some_and(|n| n > service.max_body) {
        drain(body, service.max_body);
        return too_large(service.max_body).into_response();
    }
    let expected = length.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let cost = expected
        .saturating_mul(COST_PER_BYTE)
        .saturating_add(COST_PER_REQUEST);
    let reservation = match service.budget.reserve(cost) {
        Ok(r) => r,
        Err(e) => {
            drain(body, service.max_body);
            return e.into_response();
        }
    };
    let (chunks, received) = mpsc::channel::<Bytes>(4);
    let work = {
        let (service, reservation) = (service.clone(), reservation.clone());
        tokio::task::spawn_blocking(move || {
            let reader = std::io::BufReader::with_capacity(64 << 10, Chunks::new(received));
            let batch = Batch::read(reader, service.max_documents, &reservation)?;
            decide(&service, batch)
        })
    };
    let pumped = pump(body, chunks, &reservation, service.max_body, expected).await;
    drop(reservation);
    let rest = match pumped {
        Ok(rest) => rest,
        // The parser sees the body end and stops; its error would only
        // say that.
        Err((e, rest)) => {
            if let Some(rest) = rest {
                drain(rest, service.max_body);
            }
            return e.into_response();
        }
    };
    // The parser stopped before the body's end (a malformed document, too
    // many): read the rest away in the background, so the client reads
    // the answer rather than a reset connection.
    if let Some(rest) = rest {
        drain(rest, service.max_body);
    }
    match work.await {
        Ok(Ok(answer)) => json_response(StatusCode::OK, &answer),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed: {e}"),
        )
        .into_response(),
    }
}

/// Move the body's bytes to the parser as they arrive, growing the
/// request's reservation past what its `Content-Length` announced. Returns
/// the rest of the body when the parser stopped first.
async fn pump(
    mut body: Body,
    chunks: mpsc::Sender<Bytes>,
    reservation: &Reservation,
    max_body: u64,
    expected: usize,
) -> Result<Option<Body>, (ApiError, Option<Body>)> {
    let mut received = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            (
                ApiError::bad(format!("reading the request body: {e}")),
                None,
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let before = received;
        received = received.saturating_add(data.len());
        if received as u64 > max_body {
            return Err((too_large(max_body), Some(body)));
        }
        let beyond = received.saturating_sub(expected.max(before));
        if beyond > 0 {
            if let Err(e) = reservation.grow(beyond.saturating_mul(COST_PER_BYTE)) {
                return Err((e, Some(body)));
            }
        }
        if chunks.send(data).await.is_err() {
            return Ok(Some(body));
        }
    }
    Ok(None)
}

/// How long the rest of a refused body is read away before the
/// connection is closed.
const DRAIN: Duration = Duration::from_secs(5);

/// Read and discard the rest of a body in the background, up to
/// `max_body` bytes and for at most [`DRAIN`], holding nothing.
fn drain(mut body: Body, max_body: u64) {
    tokio::spawn(tokio::time::timeout(DRAIN, async move {
        let mut read = 0u64;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                read += data.len() as u64;
                if read > max_body {
                    break;
                }
            }
        }
    }));
}

/// The body's chunks as a reader, for the parser on the blocking pool.
struct Chunks {
    received: mpsc::Receiver<Bytes>,
    chunk: Bytes,
}

impl Chunks {
    fn new(received: mpsc::Receiver<Bytes>) -> Chunks {
        Chunks {
            received,
            chunk: Bytes::new(),
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.received.blocking_recv() {
                Some(chunk) => self.chunk = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

/// The answer to a batch: each document's decision, in request order,
/// and the batch's totals, as the report writes them.
#[derive(Serialize)]
struct Answer {
    documents: Vec<DocumentReport>,
    stats: doublet::report::Stats,
}

impl Answer {
    fn of(report: Report) -> Answer {
        Answer {
            documents: report.documents,
            stats: report.stats,
        }
    }
}

const SHAPE: &str = "{\"documents\": [{\"id\": \"...\", \"text\": \"...\"}, ...]}";

/// A request's documents, checked.
struct Batch {
    documents: Vec<Document>,
    /// Each document's time (Unix seconds), in order.
    times: Vec<Option<i64>>,
}

impl Batch {
    /// Parse a batch from `body` as it arrives: one document at a time,
    /// each checked, reserved for and kept as a `Document` (no JSON tree
    /// is built, so a body of a million numbers costs nothing), stopping at
    /// the first document past `max_documents` or at fault.
    fn read(
        body: impl Read,
        max_documents: usize,
        reservation: &Reservation,
    ) -> Result<Batch, ApiError> {
        let mut stop = None;
        let at = std::cell::Cell::new(None);
        let mut de = serde_json::Deserializer::from_reader(body);
        let parsed = TopSeed {
            max_documents,
            reservation,
            stop: &mut stop,
            at: &at,
        }
        .deserialize(&mut de)
        .and_then(|batch| de.end().map(|()| batch));
        match parsed {
            Ok(batch) => Ok(batch),
            Err(e) => Err(stop.unwrap_or_else(|| {
                let place = at
                    .get()
                    .map_or_else(String::new, |i| format!("documents[{i}]: "));
                if e.classify() == serde_json::error::Category::Data {
                    ApiError::bad(format!("{place}{e}"))
                } else {
                    ApiError::bad(format!("the request body is not valid JSON: {place}{e}"))
                }
            })),
        }
    }
}

/// The top-level object: `documents`, and any other field skipped.
struct TopSeed<'a> {
    max_documents: usize,
    reservation: &'a Reservation,
    /// Why parsing stopped, when it is not the JSON's fault.
    stop: &'a mut Option<ApiError>,
    /// The document being parsed, which an error is about.
    at: &'a std::cell::Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = Batch;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Batch, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = Batch;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "the request body to be a JSON object: {SHAPE}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Batch, A::Error> {
        let mut batch = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            if key != "documents" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if batch.is_some() {
                return Err(de::Error::custom("\"documents\" appears twice"));
            }
            batch = Some(map.next_value_seed(DocumentsSeed {
                max_documents: self.max_documents,
                reservation: self.reservation,
                stop: &mut *self.stop,
                at: self.at,
            })?);
        }
        batch.ok_or_else(|| de::Error::custom(format!("missing \"documents\": {SHAPE}")))
    }
}

/// The `documents` array.
struct DocumentsSeed<'a> {
    max_documents: usize,
    reservation: &'a Reservation,
    stop: &'a mut Option<ApiError>,
    at: &'a std::cell::Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for DocumentsSeed<'_> {
    type Value = Batch;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Batch, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for DocumentsSeed<'_> {
    type Value = Batch;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "\"documents\" to be an array: {SHAPE}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Batch, A::Error> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut documents = Vec::new();
        let mut times = Vec::new();
        loop {
            let i = documents.len();
            self.at.set(Some(i));
            let Some(parsed) = seq.next_element_seed(DocumentSeed)? else {
                break;
            };
            if i >= self.max_documents {
                *self.stop = Some(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "more than {} documents in one request (--max-documents)",
                        self.max_documents
                    ),
                ));
                return Err(de::Error::custom("too many documents"));
            }
            // The body's bytes were reserved as they arrived; each
            // document costs a little more besides.
            if let Err(e) = self.reservation.grow(COST_PER_DOCUMENT) {
                *self.stop = Some(e);
                return Err(de::Error::custom("over the memory budget"));
            }
            if let Some(first) = seen.insert(parsed.id.clone(), i) {
                return Err(de::Error::custom(format!(
                    "id {:?} appears twice in the request (also documents[{first}])",
                    parsed.id
                )));
            }
            let mut document = Document::new(parsed.id, parsed.text);
            if let Some(site) = parsed.site {
                document = document.with_site(site);
            }
            documents.push(document);
            times.push(parsed.time);
        }
        self.at.set(None);
        Ok(Batch { documents, times })
    }
}

/// One document, as the request gives it.
struct Parsed {
    id: String,
    text: String,
    site: Option<String>,
    time: Option<i64>,
}

struct DocumentSeed;

impl<'de> DeserializeSeed<'de> for DocumentSeed {
    type Value = Parsed;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed {
    type Value = Parsed;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with \"id\" and \"text\" strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let (mut id, mut text, mut site, mut time) = (None, None, None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            let field = |e: A::Error| -> A::Error {
                de::Error::custom(format!("{key:?}: {}", bare_of(&e)))
            };
            let slot = match key.as_ref() {
                "id" => &mut id,
                "text" => &mut text,
                "site" => &mut site,
                "time" => {
                    if time.is_some() {
                        return Err(de::Error::custom("\"time\" appears twice"));
                    }
                    let raw: Box<serde_json::value::RawValue> = map.next_value().map_err(field)?;
                    time = Some(time_of(raw.get()).map_err(|e| -> A::Error {
                        de::Error::custom(format!("\"time\": {e}"))
                    })?);
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(format!("{key:?} appears twice")));
            }
            *slot = Some(map.next_value::<Option<String>>().map_err(field)?);
        }
        let id = id
            .flatten()
            .ok_or_else(|| de::Error::custom("missing \"id\""))?;
        if id.is_empty() {
            return Err(de::Error::custom("\"id\" is empty"));
        }
        let text = text
            .flatten()
            .ok_or_else(|| de::Error::custom("missing \"text\""))?;
        Ok(Parsed {
            id,
            text,
            site: site.flatten(),
            time: time.flatten(),
        })
    }
}

/// An error's message without its position, which the parser adds again
/// where the error surfaces.
fn bare_of(e: &impl std::fmt::Display) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// A time as Unix seconds, read as `--time-field` reads one from a record
/// (RFC 3339, a date, or seconds since 1970), so both front ends agree;
/// `null` is none. Only scalars are looked at: an array or object is
/// refused without being parsed.
fn time_of(raw: &str) -> Result<Option<i64>, String> {
    let raw = raw.trim();
    if raw == "null" {
        return Ok(None);
    }
    if raw.starts_with(['[', '{']) || raw == "true" || raw == "false" {
        return Err(format!(
            "{} is not a time (an RFC 3339 string, a date or seconds since 1970)",
            doublet_io::quoted(raw)
        ));
    }
    let record = format!("{{\"time\": {raw}}}");
    let record: doublet_io::RawObject = serde_json::from_str(&record).map_err(|e| e.to_string())?;
    doublet_io::settings::time_of(Some(&record), "time").map(Some)
}
