//! Tests that run the real `doublet` binary.

mod compare;
mod dedup;
mod errors;
mod eval;
mod eval_passages;
mod hostile;
mod html;
mod index;
mod inputs;
mod limits;
mod lossless;
mod manners;
mod outputs;
mod parquet;
mod plain;
mod scan;
mod serve;

use std::path::PathBuf;

use assert_cmd::Command;

pub fn doublet() -> Command {
    let mut cmd = Command::cargo_bin("doublet").unwrap();
    cmd.env_remove("RAYON_NUM_THREADS");
    cmd
}

/// Run a command that must succeed and return its standard output.
pub trait StdoutOk {
    fn stdout_ok(&mut self) -> Vec<u8>;
}

impl StdoutOk for Command {
    fn stdout_ok(&mut self) -> Vec<u8> {
        self.assert().success().get_output().stdout.clone()
    }
}

/// The standard error of a run that must fail with status 2 and say why in
/// one line.
pub fn stderr_of(assert: assert_cmd::assert::Assert) -> String {
    let out = assert.code(2).get_output().stderr.clone();
    let s = String::from_utf8(out).unwrap();
    assert_eq!(s.trim_end().lines().count(), 1, "one message: {s}");
    assert!(!s.contains("panicked"), "{s}");
    s
}

/// The standard error of a run refused with status 2 by the argument
/// parser (its message runs over several lines).
pub fn usage_error(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.code(2).get_output().stderr.clone()).unwrap()
}

/// The ids of a report's documents, in report order.
pub fn document_ids(r: &serde_json::Value) -> Vec<&str> {
    r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect()
}

/// The records of a JSON Lines file (gzip by its name).
pub fn read_jsonl(path: &std::path::Path) -> Vec<serde_json::Value> {
    let bytes = std::fs::read(path).unwrap();
    let name = path.to_string_lossy();
    let text = if name.ends_with(".gz") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    };
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Seed 002 and a copy with every 25th word changed, as JSON Lines in
/// `dir`: Jaccard 0.66, below the 0.80 threshold, so the pair only shares
/// passages (a near miss).
pub fn near_miss(dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string(news().join("002_139156a821428acc.txt")).unwrap();
    let edited: Vec<String> = text
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            if i % 25 == 7 {
                format!("{w}s")
            } else {
                w.to_owned()
            }
        })
        .collect();
    let input = dir.join("near-miss.jsonl");
    std::fs::write(
        &input,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "original", "text": text}),
            serde_json::json!({"id": "edited", "text": edited.join(" ")})
        ),
    )
    .unwrap();
    input
}

pub fn news() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/news")
}

pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("valid JSON")
}

/// JSON Lines records of the seeds, with an extra field to pass through.
pub fn seeds_jsonl() -> String {
    let mut files: Vec<_> = std::fs::read_dir(news())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(p).unwrap();
            serde_json::json!({"id": id, "url": format!("https://example.org/{id}"), "text": text})
                .to_string()
                + "\n"
        })
        .collect()
}

/// The seeds twice: as themselves, and as exact copies with ids `copy-...`.
pub fn seeds_and_copies_jsonl() -> String {
    seeds_jsonl() + &seeds_jsonl().replace("\"id\":\"", "\"id\":\"copy-")
}

/// Counts always add up: kept + removed = documents, the relations add up to
/// removed, every document is in exactly one cluster.
pub fn assert_accounting(r: &serde_json::Value) {
    let s = &r["stats"];
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("kept") + n("removed"), n("documents"));
    assert_eq!(
        n("exact") + n("near_duplicate") + n("contained"),
        n("removed")
    );
    assert_eq!(
        r["documents"].as_array().unwrap().len() as u64,
        n("documents")
    );
    let members: usize = r["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["members"].as_array().unwrap().len())
        .sum();
    assert_eq!(members as u64, n("documents"));
    assert_eq!(r["skipped"].as_array().unwrap().len() as u64, n("skipped"));
}

/// A folder on a file system of its own, mounted for a test (a small
/// tmpfs that fills up, or a read-only view of another folder) and
/// unmounted when dropped. `None` where this process may not mount (not
/// root, or no privilege in its container): the test then says so and
/// checks what it can without it.
pub struct Mount {
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Mount {
    /// A tmpfs of `size` (as `mount -o size=` reads it, e.g. `3m`).
    pub fn tmpfs(size: &str) -> Option<Mount> {
        let tmp = tempfile::tempdir().ok()?;
        let dir = tmp.path().join("fs");
        std::fs::create_dir(&dir).ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Mount { dir, _tmp: tmp })
    }

    /// `source` seen read-only, through a bind mount.
    pub fn read_only(source: &std::path::Path) -> Option<Mount> {
        let tmp = tempfile::tempdir().ok()?;
        let dir = tmp.path().join("ro");
        std::fs::create_dir(&dir).ok()?;
        let run = |args: &[&std::ffi::OsStr]| {
            std::process::Command::new("mount")
                .args(args)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !run(&["--bind".as_ref(), source.as_os_str(), dir.as_os_str()]) {
            return None;
        }
        let mount = Mount { dir, _tmp: tmp };
        run(&[
            "-o".as_ref(),
            "remount,ro,bind".as_ref(),
            mount.dir.as_os_str(),
        ])
        .then_some(mount)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
    }
}
