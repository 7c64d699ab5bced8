//! `doublet serve`: the HTTP service over an index, driven by a plain
//! HTTP/1.1 client over `TcpStream`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{doublet, json, stderr_of, StdoutOk};

/// A running `doublet serve`, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    /// Everything it wrote on standard error after the listening line.
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("doublet"));
        command
            .arg("serve")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("RAYON_NUM_THREADS")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        Server::spawn(command)
    }

    /// Run `command` (a `doublet serve` with stderr piped) and wait for
    /// its listening line.
    fn spawn(mut command: Command) -> Server {
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        let addr = line
            .trim_end()
            .split_once(" on http://")
            .unwrap_or_else(|| panic!("no listening line: {line:?}"))
            .1
            .to_owned();
        assert!(line.starts_with("doublet: serving "), "{line}");
        let stderr = std::thread::spawn(move || {
            let mut rest = String::new();
            lines.read_to_string(&mut rest).unwrap();
            rest
        });
        Server {
            child,
            addr,
            stderr: Some(stderr),
        }
    }

    fn get(&self, path: &str) -> (u16, Value) {
        request(&self.addr, "GET", path, b"").unwrap()
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        request(&self.addr, "POST", path, body.to_string().as_bytes()).unwrap()
    }

    /// Send `signal`, wait for the exit, and return its status and what
    /// the server wrote after the listening line.
    fn signal(mut self, signal: &str) -> (std::process::ExitStatus, String) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = wait_for(&mut self.child, Duration::from_secs(15));
        let stderr = self.stderr.take().unwrap().join().unwrap();
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < limit, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One HTTP/1.1 exchange on a new connection: the status and the JSON body.
fn request(addr: &str, method: &str, path: &str, body: &[u8]) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut message = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    message.extend_from_slice(body);
    stream.write_all(&message)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&answer[..at]).to_lowercase();
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status: {head}")))?;
    let mut body = answer[at + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = unchunk(&body);
    }
    assert!(
        head.contains("content-type: application/json"),
        "{method} {path}: {head}"
    );
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
    Ok((status, value))
}

fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[eol + 2 + size + 2..];
    }
}

/// A fresh index in a temporary folder.
fn index(extra: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    doublet()
        .args(["index", "create"])
        .arg(tmp.path().join("ix"))
        .args(extra)
        .stdout_ok();
    tmp
}

/// Prose of `words` words drawn from a fixed list by a seeded generator:
/// documents of different seeds share no run of five words to speak of.
fn prose(words: usize, seed: u64) -> String {
    const VOCAB: [&str; 64] = [
        "the",
        "a",
        "of",
        "and",
        "to",
        "in",
        "that",
        "with",
        "for",
        "on",
        "was",
        "were",
        "their",
        "from",
        "by",
        "at",
        "as",
        "is",
        "had",
        "which",
        "minister",
        "council",
        "river",
        "harbour",
        "farmers",
        "station",
        "report",
        "winter",
        "budget",
        "village",
        "teachers",
        "market",
        "bridge",
        "museum",
        "library",
        "election",
        "festival",
        "weather",
        "company",
        "workers",
        "train",
        "school",
        "hospital",
        "said",
        "agreed",
        "planned",
        "opened",
        "closed",
        "raised",
        "visited",
        "expected",
        "announced",
        "built",
        "moved",
        "tuesday",
        "morning",
        "evening",
        "local",
        "new",
        "old",
        "small",
        "large",
        "public",
        "northern",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::with_capacity(words * 8);
    for i in 0..words {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(VOCAB[(x % VOCAB.len() as u64) as usize]);
        out.push_str(if i % 12 == 11 { ". " } else { " " });
    }
    out.trim_end().to_owned() + "."
}

fn docs(items: &[(&str, &str)]) -> Value {
    json!({ "documents": items.iter().map(|(id, text)| json!({"id": id, "text": text})).collect::<Vec<_>>() })
}

fn error_of(answer: &(u16, Value)) -> &str {
    answer.1["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error: {}", answer.1))
}

#[test]
fn serve_answers_queries_adds_and_errors() {
    let tmp = index(&[]);
    let dir = tmp.path().join("ix");
    let server = Server::start(&dir, &["--max-documents", "5", "--max-body", "64KiB"]);
    assert_eq!(server.get("/healthz"), (200, json!({"status": "ok"})));

    let a = prose(120, 1);
    let added = server.post(
        "/v1/add",
        &json!({"documents": [
            {"id": "a", "text": a, "site": "example.org", "time": "2026-12-03T10:00:00Z"},
            {"id": "b", "text": prose(120, 2), "time": 1_700_000_000},
        ]}),
    );
    assert_eq!(added.0, 200, "{}", added.1);
    let decided = added.1["documents"].as_array().unwrap();
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[0]["id"], "a");
    assert_eq!(decided[0]["kept"], true);
    assert_eq!(added.1["stats"]["documents"], 2);

    let stats = server.get("/v1/stats");
    assert_eq!(stats.0, 200);
    assert_eq!(stats.1["stats"]["documents"], 2);
    assert_eq!(stats.1["meta"]["format"], "doublet.index/2");

    // A copy and a lightly edited copy of `a`, and something new.
    let edited = a.replacen("the", "one", 2);
    let found = server.post(
        "/v1/query",
        &docs(&[("copy", &a), ("edited", &edited), ("new", &prose(120, 3))]),
    );
    assert_eq!(found.0, 200, "{}", found.1);
    let d = found.1["documents"].as_array().unwrap();
    assert_eq!(d[0]["duplicate_of"], "a");
    assert_eq!(d[0]["relation"], "exact");
    assert_eq!(d[1]["duplicate_of"], "a");
    assert_eq!(d[1]["relation"], "near_duplicate");
    assert_eq!(d[2]["kept"], true);
    assert_eq!(d[2]["duplicate_of"], Value::Null);
    // A query stores nothing.
    assert_eq!(server.get("/v1/stats").1["stats"]["documents"], 2);

    let bad = request(&server.addr, "POST", "/v1/query", b"{\"documents\": [").unwrap();
    assert_eq!(bad.0, 400);
    assert!(error_of(&bad).contains("not valid JSON"), "{}", bad.1);

    let missing = server.post(
        "/v1/query",
        &json!({"documents": [{"id": "x", "text": "t"}, {"id": "y"}]}),
    );
    assert_eq!(missing.0, 400);
    assert!(
        error_of(&missing).contains("documents[1]: missing \"text\""),
        "{}",
        missing.1
    );
    let number = server.post("/v1/add", &json!({"documents": [{"id": 7, "text": "t"}]}));
    assert_eq!(number.0, 400);
    assert!(error_of(&number).contains("documents[0]"), "{}", number.1);
    let no_documents = server.post("/v1/query", &json!({"docs": []}));
    assert_eq!(no_documents.0, 400);
    assert!(error_of(&no_documents).contains("\"documents\""));
    let bad_time = server.post(
        "/v1/add",
        &json!({"documents": [{"id": "t", "text": "t", "time": "yesterday"}]}),
    );
    assert_eq!(bad_time.0, 400);
    assert!(
        error_of(&bad_time).contains("documents[0]: \"time\""),
        "{}",
        bad_time.1
    );

    let twice = server.post("/v1/add", &docs(&[("c", "one"), ("c", "two")]));
    assert_eq!(twice.0, 400);
    assert!(error_of(&twice).contains("documents[1]"), "{}", twice.1);

    let held = server.post("/v1/add", &docs(&[("new", "text"), ("a", "again")]));
    assert_eq!(held.0, 409);
    assert!(
        error_of(&held).contains("documents[1]: id \"a\" is already in the index"),
        "{}",
        held.1
    );

    let many: Vec<(String, String)> = (0..6).map(|i| (format!("m{i}"), "text".into())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let too_many = server.post("/v1/query", &docs(&many));
    assert_eq!(too_many.0, 413);
    assert!(
        error_of(&too_many).contains("--max-documents"),
        "{}",
        too_many.1
    );

    let big = server.post("/v1/add", &docs(&[("big", &"word ".repeat(20_000))]));
    assert_eq!(big.0, 413);
    assert!(error_of(&big).contains("--max-body"), "{}", big.1);

    let nowhere = server.get("/v2/nothing");
    assert_eq!(nowhere.0, 404);
    assert!(error_of(&nowhere).contains("/v2/nothing"));
    let wrong = server.get("/v1/add");
    assert_eq!(wrong.0, 405);
    assert!(error_of(&wrong).contains("POST"));

    // Nothing refused was stored.
    assert_eq!(server.get("/v1/stats").1["stats"]["documents"], 2);
}

#[test]
fn serve_answers_503_to_a_request_past_its_timeout() {
    let tmp = index(&["--no-clean"]);
    let server = Server::start(&tmp.path().join("ix"), &["--timeout", "1"]);
    // A client that sends half its body and stalls.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let start = Instant::now();
    stream
        .write_all(
            b"POST /v1/add HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\
              Connection: close\r\n\r\n{\"documents\": [",
        )
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"error\":"), "{answer}");
    assert!(answer.contains("--timeout 1s"), "{answer}");
    // The server carries on.
    assert_eq!(server.get("/healthz").0, 200);
}

#[test]
fn serve_stops_gracefully_on_sigterm_and_sigint() {
    let tmp = index(&["--no-clean"]);
    let dir = tmp.path().join("ix");
    for signal in ["TERM", "INT"] {
        let server = Server::start(&dir, &[]);
        let id = format!("doc-{signal}");
        let added = server.post("/v1/add", &docs(&[(&id, &prose(80, 9))]));
        assert_eq!(added.0, 200, "{}", added.1);
        let (status, stderr) = server.signal(signal);
        assert_eq!(status.code(), Some(0), "SIG{signal}: {stderr}");
        assert!(stderr.contains(&format!("SIG{signal}")), "{stderr}");
        // The index is released, and holds what was acknowledged.
        let stats = json(
            &doublet()
                .args(["index", "stats", "--json"])
                .arg(&dir)
                .stdout_ok(),
        );
        assert!(stats["stats"]["documents"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn serve_finishes_an_add_in_flight_when_stopped() {
    let tmp = index(&["--no-clean"]);
    let dir = tmp.path().join("ix");
    let server = Server::start(&dir, &[]);
    let batch: Vec<(String, String)> = (0..2000)
        .map(|i| (format!("d{i}"), prose(80, 10_000 + i)))
        .collect();
    let batch: Vec<(&str, &str)> = batch
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let body = docs(&batch).to_string();
    let addr = server.addr.clone();
    let client = std::thread::spawn(move || {
        let answer = request(&addr, "POST", "/v1/add", body.as_bytes());
        (answer, Instant::now())
    });
    // Signal while the batch is being decided (a debug build takes over a
    // second for it).
    std::thread::sleep(Duration::from_millis(150));
    let signalled = Instant::now();
    let (status, stderr) = server.signal("TERM");
    let (answer, answered) = client.join().unwrap();
    let answer = answer.unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert!(
        answered > signalled,
        "the add was answered before the signal"
    );
    let stats = json(
        &doublet()
            .args(["index", "stats", "--json"])
            .arg(&dir)
            .stdout_ok(),
    );
    assert_eq!(stats["stats"]["documents"], 2000);
}

/// The key test: a server killed mid-stream (SIGKILL, no chance to
/// clean up) loses no acknowledged add and leaves no half-written batch.
#[test]
fn serve_killed_mid_stream_keeps_every_acknowledged_add() {
    let tmp = index(&[]);
    let dir = tmp.path().join("ix");
    let mut server = Server::start(&dir, &[]);

    #[derive(Default)]
    struct Log {
        acknowledged: Vec<(String, String)>,
        /// Documents of the request that had no answer when the server died.
        in_flight: usize,
    }
    let log = Arc::new(Mutex::new(Log::default()));
    let client = {
        let (log, addr) = (log.clone(), server.addr.clone());
        std::thread::spawn(move || {
            for n in 0u64.. {
                let batch: Vec<(String, String)> = (0..1 + n % 3)
                    .map(|k| (format!("d{n}-{k}"), prose(70, n * 4 + k)))
                    .collect();
                let pairs: Vec<(&str, &str)> = batch
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                log.lock().unwrap().in_flight = batch.len();
                match request(
                    &addr,
                    "POST",
                    "/v1/add",
                    docs(&pairs).to_string().as_bytes(),
                ) {
                    Ok((200, _)) => {
                        let mut log = log.lock().unwrap();
                        log.acknowledged.extend(batch);
                        log.in_flight = 0;
                    }
                    Ok((status, body)) => panic!("add answered {status}: {body}"),
                    // The server is gone.
                    Err(_) => return,
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    client.join().unwrap();
    let log = Arc::try_unwrap(log).ok().unwrap().into_inner().unwrap();
    let acknowledged = log.acknowledged.len();
    assert!(
        acknowledged > 10,
        "only {acknowledged} documents acknowledged"
    );

    let checked = doublet()
        .args(["index", "check", "--json"])
        .arg(&dir)
        .stdout_ok();
    assert_eq!(json(&checked)["problems"], json!([]));
    let stats = json(
        &doublet()
            .args(["index", "stats", "--json"])
            .arg(&dir)
            .stdout_ok(),
    );
    let stored = stats["stats"]["documents"].as_u64().unwrap() as usize;
    // The batch in flight was stored whole or not at all.
    assert!(
        stored == acknowledged || stored == acknowledged + log.in_flight,
        "stored {stored}, acknowledged {acknowledged}, in flight {}",
        log.in_flight
    );

    // Every acknowledged document is held: its text under a new id is its
    // exact copy.
    let server = Server::start(&dir, &["--max-documents", "100000"]);
    let copies: Vec<(String, &str)> = log
        .acknowledged
        .iter()
        .map(|(id, text)| (format!("again-{id}"), text.as_str()))
        .collect();
    let pairs: Vec<(&str, &str)> = copies.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let found = server.post("/v1/query", &docs(&pairs));
    assert_eq!(found.0, 200, "{}", found.1);
    let decided = found.1["documents"].as_array().unwrap();
    assert_eq!(decided.len(), acknowledged);
    for (d, (id, _)) in decided.iter().zip(&log.acknowledged) {
        assert_eq!(d["duplicate_of"], json!(id), "{d}");
        assert_eq!(d["relation"], "exact", "{d}");
    }
}

/// Queries read a snapshot beside the writer: they are answered while a
/// large add is still being decided.
#[test]
fn serve_answers_queries_while_an_add_runs() {
    let tmp = index(&["--no-clean"]);
    let dir = tmp.path().join("ix");
    let server = Server::start(&dir, &[]);
    let seeded = server.post("/v1/add", &docs(&[("seed", &prose(80, 7))]));
    assert_eq!(seeded.0, 200, "{}", seeded.1);

    let batch: Vec<(String, String)> = (0..2000)
        .map(|i| (format!("d{i}"), prose(80, 20_000 + i)))
        .collect();
    let batch: Vec<(&str, &str)> = batch
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let body = docs(&batch).to_string();
    let addr = server.addr.clone();
    let start = Instant::now();
    let adder = std::thread::spawn(move || {
        let answer = request(&addr, "POST", "/v1/add", body.as_bytes()).unwrap();
        (answer, start.elapsed())
    });
    let mut answered = Vec::new();
    while !adder.is_finished() && answered.len() < 10_000 {
        let (status, body) = server.post("/v1/query", &docs(&[("q", &prose(80, 7))]));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["documents"][0]["duplicate_of"], "seed");
        answered.push(start.elapsed());
    }
    let ((status, body), add_took) = adder.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["documents"].as_array().unwrap().len(), 2000);
    // In the second half of the add the batch has long been received: the
    // writer is deciding and storing it.
    let late = answered
        .iter()
        .filter(|t| **t > add_took / 2 && **t < add_took)
        .count();
    assert!(
        late >= 1,
        "no query answered in the second half of the add ({add_took:?}); queries at {answered:?}"
    );
}

#[test]
fn serve_bounds_its_threads_as_other_commands_do() {
    let tmp = index(&["--no-clean"]);
    for (n, says) in [("0", "at least 1"), ("100000", "more than 1024")] {
        let start = Instant::now();
        let err = stderr_of(
            doublet()
                .arg("serve")
                .arg(tmp.path().join("ix"))
                .args(["--listen", "127.0.0.1:0", "--threads", n])
                .assert(),
        );
        assert!(err.contains("threads") && err.contains(says), "{err}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}

/// Send the head of a request and stop; read the answer, once it is
/// whole (its `content-length`), or what came within `wait`.
fn head_only(addr: &str, head: &str, wait: Duration) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(wait))?;
    stream.write_all(head.as_bytes())?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&answer).to_lowercase();
        if let Some(at) = text.find("\r\n\r\n") {
            let length = text[..at]
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok());
            if length.is_some_and(|n| answer.len() >= at + 4 + n) {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if answer.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[test]
fn serve_answers_an_oversized_content_length_before_reading_the_body() {
    let tmp = index(&["--no-clean"]);
    let server = Server::start(
        &tmp.path().join("ix"),
        &["--max-body", "64KiB", "--timeout", "30"],
    );
    let start = Instant::now();
    let answer = head_only(
        &server.addr,
        "POST /v1/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 10000000\r\n\r\n{\"documents\": [",
        Duration::from_secs(20),
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("--max-body"), "{answer}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// Idle connections and slowly sent headers are closed after
/// `--idle-timeout`; connections past `--max-connections` (bounded by
/// `ulimit -n`) are answered 503 at once. Before, 70 idle connections
/// under a 64-descriptor limit kept `/healthz` from ever being answered.
#[test]
#[cfg(unix)]
fn serve_closes_idle_and_slow_connections_and_bounds_how_many_it_holds() {
    use std::os::unix::process::CommandExt;
    let tmp = index(&["--no-clean"]);
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("doublet"));
    command
        .arg("serve")
        .arg(tmp.path().join("ix"))
        .args(["--listen", "127.0.0.1:0", "--idle-timeout", "2"])
        .env_remove("RAYON_NUM_THREADS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let server = Server::spawn(command);
    let idle: Vec<TcpStream> = (0..70)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    let slow = {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        s
    };
    std::thread::sleep(Duration::from_millis(300));
    // Answered at once, if only to say the server is full (or, when more
    // are being refused than it answers, closed).
    let start = Instant::now();
    match request(&server.addr, "GET", "/healthz", b"") {
        Ok(first) => {
            assert!(first.0 == 200 || first.0 == 503, "{first:?}");
            if first.0 == 503 {
                assert!(error_of(&first).contains("--max-connections"), "{first:?}");
            }
        }
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert!(start.elapsed() < Duration::from_secs(2));
    // Within the idle timeout and a little, every idle and slow
    // connection is closed and the server answers ok.
    let mut ok = false;
    while start.elapsed() < Duration::from_secs(8) {
        if request(&server.addr, "GET", "/healthz", b"").is_ok_and(|a| a.0 == 200) {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        ok,
        "/healthz not answered 200 with 70 idle connections open"
    );
    for mut s in idle.into_iter().chain([slow]) {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut rest = Vec::new();
        // Closed by the server (a timeout here would be WouldBlock):
        // after a 503, or with nothing.
        match s.read_to_end(&mut rest) {
            Ok(_) => assert!(rest.is_empty() || rest.starts_with(b"HTTP/1.1 503")),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        }
    }
}

/// The peak resident size of process `pid`, in bytes (Linux).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The hostile bodies: 16 MB of numbers, two at once. They are
/// refused at their first element, as they arrive; before, each was
/// parsed whole into a JSON tree (14 MB to 900 MB, 1.7 GB for two).
#[test]
fn serve_parses_bodies_as_they_arrive_and_refuses_them_early() {
    let tmp = index(&["--no-clean"]);
    let server = Server::start(&tmp.path().join("ix"), &["--max-memory", "512MiB"]);
    let mut numbers = b"{\"documents\": [".to_vec();
    numbers.extend(b"1,".repeat(8_000_000));
    numbers.extend(b"1]}");
    let numbers = Arc::new(numbers);
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let (addr, body) = (server.addr.clone(), numbers.clone());
            std::thread::spawn(move || request(&addr, "POST", "/v1/query", &body).unwrap())
        })
        .collect();
    for c in clients {
        let answer = c.join().unwrap();
        assert_eq!(answer.0, 400, "{answer:?}");
        assert!(error_of(&answer).contains("documents[0]"), "{answer:?}");
    }
    if let Some(peak) = peak_rss(server.child.id()) {
        assert!(peak < 200 << 20, "peak resident size {} MB", peak >> 20);
    }
    drop(server);
    // One document past --max-documents stops the parse there (413).
    let server = Server::start(&tmp.path().join("ix"), &["--max-documents", "3"]);
    let many: Vec<(String, String)> = (0..2000).map(|i| (format!("m{i}"), "t".into())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let answer = server.post("/v1/query", &docs(&many));
    assert_eq!(answer.0, 413, "{answer:?}");
    assert!(
        error_of(&answer).contains("more than 3 documents"),
        "{answer:?}"
    );
    // A time or unknown field that is a huge array is not parsed into
    // a tree either.
    let mut odd = b"{\"documents\": [{\"id\": \"a\", \"text\": \"t\", \"extra\": [".to_vec();
    odd.extend(b"1,".repeat(1_000_000));
    odd.extend(b"1], \"time\": [1]}]}");
    let answer = request(&server.addr, "POST", "/v1/query", &odd).unwrap();
    assert_eq!(answer.0, 400, "{answer:?}");
    assert!(error_of(&answer).contains("\"time\""), "{answer:?}");
}

/// Requests are admitted against `--max-memory`: one that does not fit
/// beside those in hand is answered 503 with `Retry-After`, one that
/// could never fit 413, and the memory returns when a request ends.
#[test]
fn serve_admits_requests_against_its_memory_budget() {
    let tmp = index(&["--no-clean"]);
    // 32 MiB: 8 for the store's cache, 24 for requests, each costing
    // five times its body and a little.
    let server = Server::start(
        &tmp.path().join("ix"),
        &["--max-memory", "32MiB", "--timeout", "30"],
    );
    let mut holder = TcpStream::connect(&server.addr).unwrap();
    holder
        .write_all(
            b"POST /v1/query HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n{\"documents\": [",
        )
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let body = vec![b' '; 4_000_000];
    let (status, raw) = raw_request(&server.addr, "/v1/query", &body);
    assert_eq!(status, 503, "{raw}");
    assert!(raw.to_lowercase().contains("retry-after: 1"), "{raw}");
    assert!(raw.contains("--max-memory"), "{raw}");
    let body = vec![b' '; 8_000_000];
    let (status, raw) = raw_request(&server.addr, "/v1/query", &body);
    assert_eq!(status, 413, "{raw}");
    assert!(raw.contains("--max-memory"), "{raw}");
    // Its memory returns once the server sees it gone.
    drop(holder);
    // A body without a length reserves as it arrives: 8 MB sent in
    // chunks passes the budget part way and is refused there.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(b"POST /v1/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        .unwrap();
    let chunk = vec![b' '; 64 << 10];
    for _ in 0..128 {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        if stream.write_all(&framed).is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("--max-memory"), "{answer}");
    let start = Instant::now();
    let answer = loop {
        let answer = server.post("/v1/query", &docs(&[("q", &prose(80, 1))]));
        if answer.0 != 503 || start.elapsed() > Duration::from_secs(10) {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(answer.0, 200, "{answer:?}");
}

/// A request with `body`, answered as raw text: its status and all of it.
fn raw_request(addr: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The full disk, on a small tmpfs: the add that fills it is
/// answered 503 naming the store, and once there is room again the
/// server adds without a restart (before, every later add failed with
/// redb's "Previous I/O error ... close and re-open the database" while
/// `/healthz` said ok). While the disk is full, `/healthz` answers ok
/// only if the store can be read.
#[test]
fn serve_reopens_its_store_after_a_full_disk() {
    let Some(fs) = crate::Mount::tmpfs("3m") else {
        eprintln!("skipped: this process may not mount a tmpfs");
        return;
    };
    let dir = fs.dir.join("ix");
    doublet()
        .args(["index", "create", "--no-clean"])
        .arg(&dir)
        .stdout_ok();
    let server = Server::start(&dir, &["--max-documents", "1000"]);
    let mut failure = None;
    for b in 0..40u64 {
        let batch: Vec<(String, String)> = (0..60)
            .map(|i| (format!("b{b}-{i}"), prose(400, b * 1000 + i)))
            .collect();
        let pairs: Vec<(&str, &str)> = batch
            .iter()
            .map(|(a, t)| (a.as_str(), t.as_str()))
            .collect();
        let answer = server.post("/v1/add", &docs(&pairs));
        if answer.0 != 200 {
            failure = Some(answer);
            break;
        }
    }
    let failure = failure.expect("the tmpfs never filled up");
    assert_eq!(failure.0, 503, "{failure:?}");
    assert!(error_of(&failure).contains("no space left"), "{failure:?}");
    assert!(error_of(&failure).contains("index.redb"), "{failure:?}");
    // Fill what is left, so that nothing more can be written.
    let filler = fs.dir.join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![7u8; 4096];
        while f.write_all(&block).is_ok() {}
    }
    let health = server.get("/healthz");
    eprintln!("with the disk full: /healthz {health:?}");
    match health.0 {
        200 => assert_eq!(server.get("/v1/stats").0, 200),
        503 => assert!(
            health.1["error"]
                .as_str()
                .is_some_and(|e| e.contains("index.redb")),
            "{health:?}"
        ),
        _ => panic!("{health:?}"),
    }
    let small = server.post("/v1/add", &docs(&[("small-1", &prose(300, 5))]));
    eprintln!("with the disk full: /v1/add {small:?}");
    assert!(small.0 == 503 || small.0 == 200, "{small:?}");
    std::fs::remove_file(&filler).unwrap();
    let again = server.post("/v1/add", &docs(&[("small-2", &prose(300, 6))]));
    assert_eq!(again.0, 200, "{again:?}");
    assert_eq!(server.get("/healthz"), (200, json!({"status": "ok"})));
}

/// A damaged record (a byte flipped on disk) makes a query that reads it
/// fail naming the store, and `/healthz` answer 503 from then on, where
/// it said ok whatever the store's state.
#[test]
fn serve_reports_a_damaged_store_on_healthz() {
    let tmp = index(&["--no-clean"]);
    let dir = tmp.path().join("ix");
    let text = prose(120, 42);
    let input = tmp.path().join("in.jsonl");
    std::fs::write(
        &input,
        json!({"id": "victim-id", "text": text}).to_string() + "\n",
    )
    .unwrap();
    doublet()
        .args(["index", "add", "-q"])
        .arg(&dir)
        .arg(&input)
        .stdout_ok();
    let store = dir.join("index.redb");
    let mut bytes = std::fs::read(&store).unwrap();
    let id = b"victim-id";
    let mut at = 0;
    while let Some(p) = bytes[at..].windows(id.len()).position(|w| w == id) {
        bytes[at + p] ^= 0x01;
        at += p + id.len();
    }
    assert!(at > 0);
    std::fs::write(&store, bytes).unwrap();
    let server = Server::start(&dir, &[]);
    assert_eq!(server.get("/healthz").0, 200, "nothing damaged read yet");
    let found = server.post("/v1/query", &docs(&[("copy", &text)]));
    assert!(found.0 >= 500, "{found:?}");
    assert!(
        error_of(&found).contains("damaged") && error_of(&found).contains("index.redb"),
        "{found:?}"
    );
    let health = server.get("/healthz");
    assert_eq!(health.0, 503, "{health:?}");
    assert_eq!(health.1["status"], "unusable");
    assert!(
        health.1["error"].as_str().unwrap().contains("index.redb"),
        "{health:?}"
    );
}
