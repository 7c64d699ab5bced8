//! Limits and faults of the environment: huge documents, memory budgets,
//! repeated ids, unreadable inputs, unwritable outputs, interruption.

use std::path::Path;

use crate::{assert_accounting, doublet, json, seeds_jsonl, stderr_of, StdoutOk};

/// Words that look like prose to every stage (the classifier sees long,
/// stop-word-rich sentences), from a fixed pseudo-random stream.
fn prose(words: usize, seed: u64) -> String {
    const VOCAB: [&str; 24] = [
        "the",
        "minister",
        "said",
        "on",
        "tuesday",
        "that",
        "talks",
        "with",
        "their",
        "neighbours",
        "would",
        "continue",
        "and",
        "officials",
        "in",
        "capital",
        "had",
        "agreed",
        "to",
        "a",
        "new",
        "round",
        "of",
        "meetings",
    ];
    let mut x = seed | 1;
    let mut out = String::with_capacity(words * 7);
    for i in 0..words {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(VOCAB[(x % VOCAB.len() as u64) as usize]);
        out.push(if i % 23 == 22 { '.' } else { ' ' });
        if i % 92 == 91 {
            out.push_str("\n\n");
        }
    }
    out
}

/// Run `cmd`, wait for it, and return its exit status, peak resident
/// memory in bytes and standard error (which it must keep short).
#[cfg(target_os = "linux")]
fn run_measured(cmd: &mut std::process::Command) -> (std::process::ExitStatus, u64, String) {
    // Sample the child's high-water mark (VmHWM) until it exits; the last
    // sample can miss at most the final 20 ms of growth.
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb * 1024);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return (status, peak, stderr);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_200_megabyte_document_is_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("huge.txt");
    let chunk = prose(2_000_000, 7);
    let mut text = String::with_capacity(201_000_000);
    while text.len() < 200_000_000 {
        text.push_str(&chunk);
    }
    std::fs::write(&f, &text).unwrap();
    drop((text, chunk));
    let report = dir.path().join("r.json");
    let (status, peak, _) = run_measured(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("doublet"))
            .args(["scan", "-q", "--min-passage", "0", "--report"])
            .arg(&report)
            .arg(&f),
    );
    assert!(status.success());
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["stats"]["documents"], 1);
    assert!(r["documents"][0]["words"].as_u64().unwrap() > 28_000_000);
    // Linear in the text: the text, a 32-bit token per word and the block
    // table, far from anything quadratic.
    assert!(peak < 2_000_000_000, "peak {peak} bytes for 200 MB");
}

#[test]
fn a_two_megabyte_line_without_breaks_is_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("line.jsonl");
    let long = prose(400_000, 3).replace(['\n', '.'], " ");
    assert!(long.len() > 2_000_000);
    let lines = [("long", long.as_str()), ("half", &long[..long.len() / 2])]
        .iter()
        .map(|(id, t)| serde_json::json!({"id": id, "text": t}).to_string() + "\n")
        .collect::<String>();
    std::fs::write(&f, lines).unwrap();
    let r = json(&doublet().args(["scan", "--json"]).arg(&f).stdout_ok());
    assert_accounting(&r);
    assert_eq!(r["documents"][1]["relation"], "contained");
}

#[test]
fn repeated_ids_are_renamed_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dups.jsonl");
    let lines = [
        ("a", "first text"),
        ("a", "second text"),
        ("a#2", "third"),
        ("a", "fourth"),
    ]
    .iter()
    .map(|(id, t)| serde_json::json!({"id": id, "text": t}).to_string() + "\n")
    .collect::<String>();
    std::fs::write(&f, lines).unwrap();
    let msg = stderr_of(doublet().arg("scan").arg(&f).assert());
    assert!(
        msg.contains("dups.jsonl:1") && msg.contains("dups.jsonl:2"),
        "{msg}"
    );

    let out = doublet()
        .args(["scan", "--json", "--allow-duplicate-ids"])
        .arg(&f)
        .assert()
        .success()
        .get_output()
        .clone();
    let r = json(&out.stdout);
    assert_accounting(&r);
    let ids = crate::document_ids(&r);
    assert_eq!(ids, ["a", "a#2", "a#2#2", "a#3"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("dups.jsonl:2: id \"a\" was already used"),
        "{stderr}"
    );

    // dedup writes the renamed ids, every document exactly once.
    let kept = dir.path().join("kept.jsonl");
    doublet()
        .args(["dedup", "-q", "--allow-duplicate-ids", "-o"])
        .arg(&kept)
        .arg(&f)
        .assert()
        .success();
    let written: Vec<serde_json::Value> = std::fs::read_to_string(&kept)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(written.len(), 4);
    assert_eq!(written[3]["id"], "a#3");
}

#[test]
fn a_memory_budget_is_respected_or_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("seeds.jsonl");
    std::fs::write(&f, seeds_jsonl()).unwrap();
    let msg = stderr_of(
        doublet()
            .args(["scan", "--max-memory", "20KB"])
            .arg(&f)
            .assert(),
    );
    // The allocator's bound or the engine's projection, whichever comes
    // first; both name the bound.
    assert!(msg.contains("--max-memory 20.0 KB"), "{msg}");
    let r = json(
        &doublet()
            .args(["scan", "--json", "--max-memory", "1GiB"])
            .arg(&f)
            .stdout_ok(),
    );
    assert_eq!(r["stats"]["documents"], 5);
    // A bad size is a usage error (clap's message, with its usage lines).
    let out = doublet()
        .args(["scan", "--max-memory", "lots"])
        .arg(&f)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let msg = String::from_utf8_lossy(&out);
    assert!(
        msg.contains("--max-memory") && msg.contains("1.5GB"),
        "{msg}"
    );
}

/// A file the reader cannot read: `chmod 000` (for users the permission
/// applies to) and a link to /proc/self/mem, whose first page is unmapped,
/// so reading it fails with EIO even for root.
#[cfg(target_os = "linux")]
#[test]
fn unreadable_inputs_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("docs");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.txt"), "readable text").unwrap();
    let locked = folder.join("locked.txt");
    std::fs::write(&locked, "secret").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        let msg = stderr_of(doublet().arg("scan").arg(&folder).assert());
        assert!(msg.contains("locked.txt"), "{msg}");
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();

    let mem = dir.path().join("mem.txt");
    std::os::unix::fs::symlink("/proc/self/mem", &mem).unwrap();
    let msg = stderr_of(doublet().arg("scan").arg(&mem).assert());
    assert!(msg.contains("mem.txt"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
}

fn assert_unwritable(dest: &Path, dir: &Path) {
    let msg = stderr_of(
        doublet()
            .args(["dedup", "-q", "-o"])
            .arg(dest)
            .arg(crate::news())
            .assert(),
    );
    assert!(msg.contains(&dest.display().to_string()), "{msg}");
    let msg = stderr_of(
        doublet()
            .args(["scan", "-q", "--report"])
            .arg(dest)
            .arg(crate::news())
            .assert(),
    );
    assert!(msg.contains(&dest.display().to_string()), "{msg}");
    if dir.exists() {
        let left: Vec<_> = std::fs::read_dir(dir).map_or(vec![], |d| d.collect());
        assert!(left.is_empty(), "{left:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn unwritable_output_locations_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder");
    assert_unwritable(&missing.join("out.jsonl"), &missing);
    // A folder cannot be replaced by a file. It is named as an output, since
    // a name doublet does not write (the temporary folder's `.tmpXXXX`) is
    // refused before this, as a usage error.
    let folder = dir.path().join("folder.jsonl");
    std::fs::create_dir(&folder).unwrap();
    assert_unwritable(&folder, Path::new("/nonexistent"));
    // procfs refuses new files to everyone, root included.
    assert_unwritable(
        Path::new("/proc/doublet-out.jsonl"),
        Path::new("/nonexistent"),
    );
    // A read-only folder, where permissions apply to this user.
    use std::os::unix::fs::PermissionsExt;
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), "").is_err() {
        assert_unwritable(&ro.join("out.jsonl"), &ro);
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// SIGINT while outputs are finished but not yet renamed into place: the
/// process exits 130 and leaves no file behind, neither output nor temporary.
#[cfg(unix)]
#[test]
fn an_interrupted_dedup_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("doublet"))
        .env("DOUBLET_TEST_HOLD_MS", "30000")
        .args(["dedup", "-q", "-o"])
        .arg(out_dir.join("kept.jsonl"))
        .arg("--removed")
        .arg(out_dir.join("removed.jsonl"))
        .arg(crate::news())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while std::fs::read_dir(&out_dir).unwrap().count() < 2 {
        assert!(
            start.elapsed().as_secs() < 60,
            "no temporary outputs appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let temps: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        temps.iter().all(|n| n.starts_with(".doublet-")),
        "{temps:?}"
    );
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Allocation failure is exit status 2 with one line, not an abort (134)
/// with "memory allocation of N bytes failed".
#[cfg(target_os = "linux")]
#[test]
fn out_of_memory_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.jsonl");
    {
        // 120 MB of prose in 2,000-word records: the engine's tokens and
        // word offsets for it alone pass the 200 MB address-space limit.
        let mut w = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let text = serde_json::to_string(&prose(2_000, 7)).unwrap();
        for i in 0..10_000 {
            use std::io::Write;
            writeln!(w, "{{\"id\":\"d{i}\",\"text\":{text}}}").unwrap();
        }
    }
    let report = dir.path().join("report.json");
    // Two threads: the limit is on address space, and every thread's stack
    // counts, so the run must not depend on the machine's core count.
    let bin = assert_cmd::cargo::cargo_bin("doublet");
    let script = format!(
        "ulimit -v 200000; exec '{}' scan -q --threads 2 --report '{}' '{}'",
        bin.display(),
        report.display(),
        big.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .env_remove("RAYON_NUM_THREADS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("memory allocation of"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("doublet: out of memory (could not allocate ")
            && stderr.contains(" bytes); set --max-memory lower or split the input"),
        "{stderr}"
    );
    // No output, finished or not, is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("big.jsonl")], "{left:?}");
}

/// `compare` takes `--max-memory` too: a document over a quarter of it is
/// refused while read, and the heap is bounded.
#[test]
fn compare_is_bounded_by_max_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    std::fs::write(&a, prose(400_000, 3)).unwrap();
    std::fs::write(&b, prose(400_000, 5)).unwrap();
    let msg = stderr_of(
        doublet()
            .args(["compare", "--max-memory", "4MB"])
            .arg(&a)
            .arg(&b)
            .assert(),
    );
    assert!(
        msg.contains("a.txt: record larger than 1000000 bytes"),
        "{msg}"
    );
    let msg = stderr_of(
        doublet()
            .args(["compare", "--json", "--max-memory", "30MB"])
            .arg(&a)
            .arg(&b)
            .assert(),
    );
    assert!(
        msg.contains("--max-memory 30.0 MB reached while comparing the documents"),
        "{msg}"
    );
    // Two documents: nothing to split.
    assert!(
        msg.trim_end().ends_with("more needed); raise --max-memory"),
        "{msg}"
    );
    doublet()
        .args(["compare", "--json", "--max-memory", "2GB"])
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
}

/// `count` documents of 2,000 words, as `long.jsonl` in `dir`: a corpus
/// whose projected peak passes 6 MB before the heap does (after about
/// 2,700 documents with shared passages, 3,700 without, read 16 at a
/// time).
fn long_documents(dir: &Path, count: usize) -> std::path::PathBuf {
    let f = dir.join("long.jsonl");
    let text = serde_json::to_string(&prose(2_000, 11)).unwrap();
    let lines: String = (0..count)
        .map(|i| format!("{{\"id\":\"d{i}\",\"text\":{text}}}\n"))
        .collect();
    std::fs::write(&f, lines).unwrap();
    f
}

/// On documents of a real size the engine's projection of the run's peak
/// passes the budget before the heap does, and says what a document costs.
#[test]
fn the_projected_peak_is_refused_before_it_is_spent() {
    let dir = tempfile::tempdir().unwrap();
    let f = long_documents(dir.path(), 4_000);
    let msg = stderr_of(
        doublet()
            .args(["scan", "--batch-size", "16", "--max-memory", "6MB"])
            .arg(&f)
            .assert(),
    );
    assert!(msg.contains("--max-memory 6.0 MB is not enough"), "{msg}");
    assert!(msg.contains("per document"), "{msg}");
}

/// The refusal of the projected peak advises only what would help and what
/// the command accepts: `--min-passage 0` where passages are on (before, it
/// was advised where it was given already, to `dedup`, whose passages are
/// off, and to `index add`, which refuses the flag).
#[test]
fn the_memory_advice_fits_what_was_given_and_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let f = long_documents(dir.path(), 4_000);
    let refused = |args: &[&str]| {
        let msg = stderr_of(
            doublet()
                .args(args)
                .args(["--batch-size", "16", "--max-memory", "6MB"])
                .arg(&f)
                .assert(),
        );
        assert!(msg.contains("--max-memory 6.0 MB is not enough"), "{msg}");
        msg
    };
    let msg = refused(&["scan"]);
    assert!(msg.contains("--min-passage 0"), "{msg}");
    let truth = dir.path().join("truth.csv");
    std::fs::write(&truth, "id,cluster\nd0,1\n").unwrap();
    let out = dir.path().join("out.jsonl");
    for given in [
        &["scan", "--min-passage", "0"][..],
        &[
            "eval",
            "--min-passage",
            "0",
            "--truth",
            truth.to_str().unwrap(),
        ],
        &["dedup", "-o", out.to_str().unwrap()],
    ] {
        let msg = refused(given);
        assert!(!msg.contains("--min-passage"), "{given:?}: {msg}");
        assert!(
            msg.contains("Raise --max-memory or split the corpus"),
            "{msg}"
        );
    }
    let index = dir.path().join("index");
    doublet()
        .args(["index", "create"])
        .arg(&index)
        .assert()
        .success();
    let msg = refused(&["index", "add", index.to_str().unwrap()]);
    assert!(!msg.contains("--min-passage"), "{msg}");
    assert!(msg.contains("smaller batches"), "{msg}");
}

/// `--max-memory` bounds every structure, not only what the engine projects
/// per document: here the documents are small, but every pair of them
/// shares a sentence, so the pair lists, the report and the HTML page are
/// far larger than the documents. The run either finishes within the bound
/// (with room for the program, thread stacks and the allocator's slack) or
/// stops with one line naming the bound and the stage, leaving no output.
#[cfg(target_os = "linux")]
#[test]
fn a_memory_budget_bounds_pair_lists_and_the_html_page() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("quoting.jsonl");
    {
        use std::io::Write;
        let pool: Vec<String> = (0..400).map(|k| prose(24, 1_000 + k)).collect();
        let mut w = std::io::BufWriter::new(std::fs::File::create(&corpus).unwrap());
        let mut x = 88_172_645_463_325_252u64;
        for d in 0..1_000 {
            let mut text = String::new();
            for p in 0..4 {
                for _ in 0..4 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    text.push_str(pool[(x % pool.len() as u64) as usize].trim());
                    text.push_str(". ");
                }
                text.push_str(&prose(20, d * 10 + p));
                text.push_str("\n\n");
            }
            writeln!(
                w,
                "{}",
                serde_json::json!({"id": format!("d{d:04}"), "text": text})
            )
            .unwrap();
        }
    }
    const BUDGET: u64 = 40_000_000;
    // What the heap bound leaves out: the binary, two threads' stacks and
    // the system allocator's slack.
    const SLACK: u64 = 60_000_000;
    let (report, html) = (dir.path().join("r.json"), dir.path().join("r.html"));
    let (status, peak, stderr) = run_measured(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("doublet"))
            .args(["scan", "-q", "--threads", "2", "--max-memory", "40MB"])
            .arg("--report")
            .arg(&report)
            .arg("--html")
            .arg(&html)
            .arg(&corpus),
    );
    assert!(
        peak <= BUDGET + SLACK,
        "peak {peak} bytes under a 40 MB budget"
    );
    if status.success() {
        assert!(report.exists() && html.exists());
    } else {
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("--max-memory 40.0 MB"), "{stderr}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            [std::ffi::OsString::from("quoting.jsonl")],
            "{left:?}"
        );
    }
    eprintln!("{status} peak {peak} {stderr}");
}
