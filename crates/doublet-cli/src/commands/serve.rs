//! `doublet serve`: an index over HTTP, JSON in and out.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/query` | decide a batch against the index, store nothing |
//! | `POST /v1/add` | decide a batch and store it (200 only after the fsynced commit) |
//! | `GET /v1/stats` | the index's counts and `meta.json` |
//! | `GET /healthz` | `{"status":"ok"}` |
//!
//! A batch is `{"documents":[{"id":..,"text":.., "site":.., "time":..}, ..]}`
//! and the answer `{"documents":[..], "stats":{..}}`, each decision as the
//! report writes it. Every failure is answered with `{"error": "..."}`.
//!
//! Deciding is CPU-bound and parallel (rayon), so it runs on tokio's
//! blocking pool, never on the threads that move bytes. The single writer
//! and the readers run on separate rayon pools: a rayon worker takes work
//! queued from outside its pool only when its own runs dry, so a query
//! sharing a pool with a large add waits out each of the add's parallel
//! stages although the index lets it read beside the writer (measured on
//! two cores: queries stalled up to 84 ms in one pool, 16 ms in two).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use doublet::report::DocumentReport;
use doublet::{Document, Report};
use doublet_index::Index;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::args::ServeArgs;

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
}

type Shared = Arc<Service>;

pub fn run(args: ServeArgs) -> Result<()> {
    let index = Index::open(&args.dir)?;
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
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server")?;
    let served = runtime.block_on(serve(service, &args));
    // Dropping the runtime waits for blocking tasks still running: an add
    // whose request timed out commits (or fails) before the index closes.
    drop(runtime);
    served
}

async fn serve(service: Shared, args: &ServeArgs) -> Result<()> {
    // Before the address is printed: a client that reads it may signal at once.
    let signals = Signals::take()?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("--listen {}", args.listen))?;
    let addr = listener.local_addr().context("the listening address")?;
    let body_limit = usize::try_from(service.max_body).unwrap_or(usize::MAX);
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
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(service);
    eprintln!("doublet: serving {} on http://{addr}", args.dir.display());
    axum::serve(listener, app)
        .with_graceful_shutdown(signals.first())
        .await
        .context("serving")?;
    eprintln!("doublet: stopped; every acknowledged add is stored");
    Ok(())
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

/// A failed request: its status and a message naming the problem.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &json!({ "error": self.message }))
    }
}

impl From<doublet_index::Error> for ApiError {
    fn from(e: doublet_index::Error) -> ApiError {
        use doublet_index::Error as E;
        let status = match &e {
            E::DuplicateId { .. } => StatusCode::CONFLICT,
            E::Engine(doublet::Error::Limit(_)) => StatusCode::PAYLOAD_TOO_LARGE,
            e if e.is_input_error() => StatusCode::BAD_REQUEST,
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

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
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

/// Run `work` on the blocking pool and answer with what it returns.
async fn blocking<T: Serialize + Send + 'static>(
    service: Shared,
    work: impl FnOnce(&Service) -> Result<T, ApiError> + Send + 'static,
) -> Response {
    let done = tokio::task::spawn_blocking(move || work(&service)).await;
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

async fn stats(State(service): State<Shared>) -> Response {
    blocking(service, |s| {
        let stats = s.index.stats()?;
        Ok(json!({ "stats": stats, "meta": s.index.meta() }))
    })
    .await
}

/// The body of a batch request, or why there is none.
fn body_of(body: Result<Bytes, BytesRejection>, max_body: u64) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than --max-body ({max_body} bytes)"),
            )
        } else {
            ApiError::new(
                e.status(),
                format!("reading the request body: {}", e.body_text()),
            )
        }
    })
}

async fn query(State(service): State<Shared>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body_of(body, service.max_body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    blocking(service, move |s| {
        let batch = Batch::parse(&body, s.max_documents)?;
        drop(body);
        s.readers.install(|| {
            let mut scanner = s.index.scanner()?;
            scanner.push(batch.documents)?;
            Ok(Answer::of(s.index.query(scanner)?))
        })
    })
    .await
}

async fn add(State(service): State<Shared>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body_of(body, service.max_body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    blocking(service, move |s| {
        let batch = Batch::parse(&body, s.max_documents)?;
        drop(body);
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

/// A request's documents, checked.
struct Batch {
    documents: Vec<Document>,
    /// Each document's time (Unix seconds), in order.
    times: Vec<Option<i64>>,
}

impl Batch {
    fn parse(body: &[u8], max_documents: usize) -> Result<Batch, ApiError> {
        const SHAPE: &str = "{\"documents\": [{\"id\": \"...\", \"text\": \"...\"}, ...]}";
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad(format!("the request body is not valid JSON: {e}")))?;
        let Value::Object(mut top) = value else {
            return Err(ApiError::bad(format!(
                "the request body must be a JSON object: {SHAPE}"
            )));
        };
        let records = match top.remove("documents") {
            Some(Value::Array(records)) => records,
            Some(_) => {
                return Err(ApiError::bad(format!(
                    "\"documents\" must be an array: {SHAPE}"
                )))
            }
            None => return Err(ApiError::bad(format!("missing \"documents\": {SHAPE}"))),
        };
        if records.len() > max_documents {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "{} documents in one request; at most {max_documents} (--max-documents)",
                    records.len()
                ),
            ));
        }
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(records.len());
        let mut documents = Vec::with_capacity(records.len());
        let mut times = Vec::with_capacity(records.len());
        for (i, record) in records.into_iter().enumerate() {
            let at = |what: String| ApiError::bad(format!("documents[{i}]: {what}"));
            let Value::Object(mut record) = record else {
                return Err(at(
                    "must be an object with \"id\" and \"text\" strings".into()
                ));
            };
            let id = string(&mut record, "id").map_err(at)?;
            if id.is_empty() {
                return Err(at("\"id\" is empty".into()));
            }
            if let Some(first) = seen.insert(id.clone(), i) {
                return Err(at(format!(
                    "id {id:?} appears twice in the request (also documents[{first}])"
                )));
            }
            let text = string(&mut record, "text").map_err(at)?;
            let mut document = Document::new(id, text);
            match record.remove("site") {
                None | Some(Value::Null) => {}
                Some(Value::String(site)) => document = document.with_site(site),
                Some(_) => return Err(at("\"site\" must be a string".into())),
            }
            times.push(match record.remove("time") {
                None | Some(Value::Null) => None,
                Some(t) => Some(time(t).map_err(|e| at(format!("\"time\": {e}")))?),
            });
            documents.push(document);
        }
        Ok(Batch { documents, times })
    }
}

/// A required string field, taken out of its record.
fn string(record: &mut Map<String, Value>, field: &str) -> Result<String, String> {
    match record.remove(field) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(format!("missing {field:?}")),
        Some(other) => Err(format!("{field:?} must be a string, not {other}")),
    }
}

/// A time as Unix seconds, read as `--time-field` reads one from a record
/// (RFC 3339, a date, or seconds since 1970), so both front ends agree.
fn time(value: Value) -> Result<i64, String> {
    if !matches!(value, Value::String(_) | Value::Number(_)) {
        return Err(format!(
            "{value} is not a time (an RFC 3339 string, a date or seconds since 1970)"
        ));
    }
    let record = json!({ "time": value }).to_string();
    let record: doublet_io::RawObject = serde_json::from_str(&record).map_err(|e| e.to_string())?;
    doublet_io::settings::time_of(Some(&record), "time")
}
