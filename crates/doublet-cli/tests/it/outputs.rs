//! The output plan: no output is an input or another output, special files
//! are written in place, and the outputs of a run appear all or none.

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use crate::{doublet, seeds_and_copies_jsonl, seeds_jsonl, stderr_of};

/// Lines of a JSON Lines file.
fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
#[test]
fn an_output_that_is_an_input_is_refused_by_file_identity() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.jsonl");
    let data = seeds_and_copies_jsonl();
    std::fs::write(&input, &data).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink(&input, d.join("link.jsonl")).unwrap();
    for (flag, out) in [
        ("-o", "in.jsonl"),
        ("-o", "./in.jsonl"),
        ("-o", "sub/../in.jsonl"),
        ("-o", "link.jsonl"),
        ("--report", "in.jsonl"),
    ] {
        let mut cmd = doublet();
        cmd.current_dir(d).args(["dedup", "-q", "in.jsonl"]);
        if flag != "-o" {
            cmd.args(["-o", "kept.jsonl"]);
        }
        let msg = stderr_of(cmd.args([flag, out]).assert());
        assert!(
            msg.contains("is the same file as the input"),
            "{out}: {msg}"
        );
        assert_eq!(std::fs::read_to_string(&input).unwrap(), data, "{out}");
    }
    // A file inside an input folder, and a settings file.
    let folder = d.join("docs");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.txt"), "some text").unwrap();
    // A shard with a name doublet also writes (a report named `a.txt` is
    // refused by its name alone).
    std::fs::write(folder.join("b.jsonl"), "{\"id\":\"b\",\"text\":\"t\"}\n").unwrap();
    let msg = stderr_of(
        doublet()
            .args(["scan", "-q", "--report"])
            .arg(folder.join("b.jsonl"))
            .arg(&folder)
            .assert(),
    );
    assert!(
        msg.contains("--report is the same file as the input"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("b.jsonl")).unwrap(),
        "{\"id\":\"b\",\"text\":\"t\"}\n"
    );
    std::fs::write(d.join("c.json"), "{}").unwrap();
    let msg = stderr_of(
        doublet()
            .current_dir(d)
            .args([
                "scan", "-q", "in.jsonl", "--config", "c.json", "--html", "c.json",
            ])
            .assert(),
    );
    assert!(
        msg.contains("--html is the same file as the input c.json"),
        "{msg}"
    );
}

#[test]
fn two_outputs_on_one_file_are_refused_even_before_it_exists() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.jsonl"), seeds_jsonl()).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    let msg = stderr_of(
        doublet()
            .current_dir(d)
            .args(["dedup", "-q", "in.jsonl", "-o", "new.jsonl", "--removed"])
            .arg("sub/../new.jsonl")
            .assert(),
    );
    assert!(
        msg.contains("--removed is the same file as --output new.jsonl"),
        "{msg}"
    );
    let msg = stderr_of(
        doublet()
            .current_dir(d)
            .args([
                "scan", "-q", "in.jsonl", "--report", "r.json", "--html", "./r.json",
            ])
            .assert(),
    );
    assert!(
        msg.contains("--html is the same file as --report r.json"),
        "{msg}"
    );
    assert_eq!(names(d), ["in.jsonl", "sub"]);
}

#[cfg(target_os = "linux")]
#[test]
fn special_files_are_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_and_copies_jsonl()).unwrap();
    let removed = dir.path().join("removed.jsonl");
    doublet()
        .args(["dedup", "-q", "-o", "/dev/null", "--removed"])
        .arg(&removed)
        .arg(&input)
        .assert()
        .success();
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(lines(&removed), 7);

    // A FIFO with a reader on the other end.
    let fifo = dir.path().join("kept.jsonl");
    assert!(Process::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&fifo)
        .arg(&input)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    let kept = reader.join().unwrap();
    assert_eq!(kept.lines().count(), 3);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(
        names(dir.path()),
        ["in.jsonl", "kept.jsonl", "removed.jsonl"]
    );
}

/// `--report /dev/stdout` with standard output redirected to a file: the
/// report goes through the process's own descriptor, so the summary that
/// follows it lands after it instead of overwriting it from offset 0.
#[cfg(target_os = "linux")]
#[test]
fn a_report_to_standard_output_is_followed_by_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_jsonl()).unwrap();
    let out = dir.path().join("out.txt");
    let bin = assert_cmd::cargo::cargo_bin("doublet");
    for report in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
        let script = format!(
            "exec '{}' scan -q --report {report} '{}' > '{}'",
            bin.display(),
            input.display(),
            out.display()
        );
        let status = Process::new("sh").args(["-c", &script]).status().unwrap();
        assert!(status.success());
        let text = std::fs::read_to_string(&out).unwrap();
        let mut values = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
        let r = values.next().unwrap().unwrap();
        assert_eq!(r["stats"]["documents"], 5, "{report}");
        let rest = &text[values.byte_offset()..];
        assert!(
            rest.trim_start().starts_with("doublet "),
            "{report}: {rest}"
        );
        assert!(std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink());
    }
}

/// A failing output (a full disk: /dev/full) fails the run before any
/// output is renamed into place: no `--output` appears, and one that
/// existed is unchanged.
#[cfg(target_os = "linux")]
#[test]
fn one_failed_output_leaves_no_other_behind() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_and_copies_jsonl()).unwrap();
    let kept = dir.path().join("kept.jsonl");
    let msg = stderr_of(
        doublet()
            .args(["dedup", "-q", "--removed", "/dev/full", "-o"])
            .arg(&kept)
            .arg(&input)
            .assert(),
    );
    assert!(msg.contains("/dev/full"), "{msg}");
    assert_eq!(names(dir.path()), ["in.jsonl"]);
    std::fs::write(&kept, "old\n").unwrap();
    stderr_of(
        doublet()
            .args(["dedup", "-q", "--report", "/dev/full", "-o"])
            .arg(&kept)
            .arg(&input)
            .assert(),
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "old\n");
    assert_eq!(names(dir.path()), ["in.jsonl", "kept.jsonl"]);
}

/// Start `doublet` with `DOUBLET_TEST_PAUSE_FILE` and wait until it pauses
/// before its second pass over the inputs.
pub fn paused(cmd: &mut Process, pause: &Path) -> Child {
    let child = cmd
        .env("DOUBLET_TEST_PAUSE_FILE", pause)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !pause.exists() {
        assert!(start.elapsed().as_secs() < 60, "doublet did not pause");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

pub fn bin() -> Process {
    Process::new(assert_cmd::cargo::cargo_bin("doublet"))
}

/// The second rename fails (a folder appeared where `--removed` goes): the
/// first is undone, and the `--output` it had replaced is back.
#[cfg(unix)]
#[test]
fn a_failed_rename_rolls_back_the_outputs_already_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_and_copies_jsonl()).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (kept, removed) = (out.join("kept.jsonl"), out.join("removed.jsonl"));
    std::fs::write(&kept, "old\n").unwrap();
    let pause = dir.path().join("pause");
    let child = paused(
        bin()
            .args(["dedup", "-q", "-o"])
            .arg(&kept)
            .arg("--removed")
            .arg(&removed)
            .arg(&input),
        &pause,
    );
    std::fs::create_dir(&removed).unwrap();
    std::fs::write(removed.join("x"), "").unwrap();
    std::fs::remove_file(&pause).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&output.stderr);
    assert!(msg.contains("removed.jsonl"), "{msg}");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "old\n");
    assert_eq!(names(&out), ["kept.jsonl", "removed.jsonl"]);
}

#[test]
fn compressed_reports_are_written_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_jsonl()).unwrap();
    let (gz, zst): (PathBuf, PathBuf) =
        (dir.path().join("r.json.gz"), dir.path().join("r.json.zst"));
    doublet()
        .args(["scan", "-q", "--report"])
        .arg(&gz)
        .arg(&input)
        .assert()
        .success();
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(dir.path().join("k.jsonl"))
        .arg("--report")
        .arg(&zst)
        .arg(&input)
        .assert()
        .success();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()),
        &mut text,
    )
    .unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["stats"]["documents"], 5);
    let bytes = zstd::decode_all(std::fs::File::open(&zst).unwrap()).unwrap();
    let r: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(r["stats"]["documents"], 5);
}

/// `-` is standard output, for one output at a time; an output named for a
/// format doublet does not write is refused before anything is read.
#[test]
fn dash_is_standard_output_and_foreign_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_jsonl()).unwrap();
    let out = doublet()
        .current_dir(dir.path())
        .args(["dedup", "-q", "-o", "-"])
        .arg(&input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let kept: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(kept.len(), 3);
    assert!(!dir.path().join("-").exists());
    let msg = stderr_of(
        doublet()
            .current_dir(dir.path())
            .args(["dedup", "-q", "-o", "-", "--removed", "-"])
            .arg(&input)
            .assert(),
    );
    assert!(msg.contains("is the same file as --output"), "{msg}");
    for (name, says) in [
        ("kept.csv.gz", "doublet writes JSON here, not .csv"),
        ("kept.parquet.zst", "Parquet compresses itself"),
    ] {
        let out = doublet()
            .current_dir(dir.path())
            .args(["dedup", "-q", "-o", name])
            .arg(&input)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let msg = String::from_utf8_lossy(&out);
        assert!(msg.contains(says), "{msg}");
        assert!(!dir.path().join(name).exists());
    }
    // The report is JSON whatever the name says.
    let msg = crate::usage_error(
        doublet()
            .current_dir(dir.path())
            .args(["dedup", "-q", "-o", "k.jsonl", "--report", "r.parquet"])
            .arg(&input)
            .assert(),
    );
    assert!(
        msg.contains("doublet writes JSON here, not .parquet"),
        "{msg}"
    );
}

/// One rule names what doublet writes: `.jsonl`, `.json`, `.ndjson`, each
/// optionally `.gz` or `.zst`, `.parquet` for records, `-`, and files that
/// exist and are not regular files. Every other name is refused before
/// anything is read; before, `.jsonl.xz`, `.bz2`, `.lz4`, `.zip`, `.txt`
/// and names without an extension were written as plain JSON Lines with
/// exit 0 (and `scan clean.txt` then read the file as one document).
#[test]
fn output_names_doublet_does_not_write_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_jsonl()).unwrap();
    for name in [
        "kept.jsonl.xz",
        "kept.jsonl.bz2",
        "kept.json.lz4",
        "kept.zip",
        "clean.txt",
        "clean",
        "kept.gz",
        "kept.jsonl.parquet.gz",
    ] {
        for flag in ["-o", "--removed", "--report"] {
            let mut cmd = doublet();
            cmd.current_dir(dir.path()).args(["dedup", "-q"]);
            if flag != "-o" {
                cmd.args(["-o", "k.jsonl"]);
            }
            let msg = crate::usage_error(cmd.args([flag, name]).arg(&input).assert());
            assert!(
                msg.contains("doublet writes JSON here")
                    || msg.contains("Parquet compresses itself"),
                "{name}: {msg}"
            );
            assert!(!dir.path().join(name).exists(), "{name}");
            assert!(!dir.path().join("k.jsonl").exists(), "{name}");
        }
        let msg = crate::usage_error(
            doublet()
                .current_dir(dir.path())
                .args(["scan", "-q", "--report", name])
                .arg(&input)
                .assert(),
        );
        assert!(msg.contains("doublet writes JSON here"), "{name}: {msg}");
    }
    for name in ["k.ndjson.gz", "k.json.zst", "K.JSONL", "k.parquet"] {
        doublet()
            .current_dir(dir.path())
            .args(["dedup", "-q", "-o", name, "--removed", "/dev/null"])
            .arg(&input)
            .assert()
            .success();
        assert!(dir.path().join(name).exists(), "{name}");
    }
    let gz = std::fs::read(dir.path().join("k.ndjson.gz")).unwrap();
    assert_eq!(&gz[..2], b"\x1f\x8b");
}
