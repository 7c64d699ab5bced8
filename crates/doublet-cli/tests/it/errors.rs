//! Bad input and bad options: exit status 2 and one message naming the file.

use predicates::prelude::*;

use crate::{doublet, stderr_of};

#[test]
fn malformed_json_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.jsonl");
    std::fs::write(
        &f,
        "{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"oops\"\n",
    )
    .unwrap();
    let s = stderr_of(doublet().arg("scan").arg(&f).assert());
    assert!(
        s.contains(&format!("{}:2: malformed JSON", f.display())),
        "{s}"
    );
}

#[test]
fn missing_text_field_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.jsonl");
    std::fs::write(&f, "{\"id\":\"a\",\"body\":\"x\"}\n").unwrap();
    let s = stderr_of(doublet().arg("scan").arg(&f).assert());
    assert!(
        s.contains(&format!("{}:1: missing text field `text`", f.display())),
        "{s}"
    );
    // ... and --text-field fixes it.
    doublet()
        .args(["scan", "--text-field", "body"])
        .arg(&f)
        .assert()
        .success();
}

#[test]
fn missing_path_is_named() {
    let s = stderr_of(doublet().args(["scan", "no/such/corpus.jsonl"]).assert());
    assert!(s.contains("no/such/corpus.jsonl"), "{s}");
    // Said once: the cause is not repeated after the message quoting it.
    assert_eq!(s.lines().count(), 1, "{s}");
    assert_eq!(s.matches("os error").count(), 1, "{s}");
    for cmd in [
        &["compare", "no/such/a.txt", "no/such/b.txt"][..],
        &["dedup", "no/such/c.jsonl", "-o", "-"],
    ] {
        let s = stderr_of(doublet().args(cmd).assert());
        assert_eq!(s.matches("os error").count(), 1, "{s}");
    }
}

#[test]
fn an_unusable_temporary_folder_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone");
    let s = stderr_of(
        doublet()
            .env("TMPDIR", &missing)
            .args(["scan", "--report", "-"])
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/news"))
            .assert(),
    );
    assert!(s.contains("gone") && s.contains("TMPDIR"), "{s}");
}

#[test]
fn unsupported_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data.csv");
    std::fs::write(&f, "a,b\n").unwrap();
    let s = stderr_of(doublet().arg("scan").arg(&f).assert());
    assert!(s.contains("data.csv") && s.contains("not a folder"), "{s}");
}

#[test]
fn out_of_range_options_are_refused() {
    for (flag, value, name) in [
        ("--threshold", "1.5", "threshold"),
        ("--containment", "0", "containment"),
        ("--ngram", "0", "ngram"),
        ("--num-perm", "2", "num_perm"),
        ("--threads", "0", "threads"),
    ] {
        let s = stderr_of(
            doublet()
                .args(["scan", flag, value])
                .arg(crate::news())
                .assert(),
        );
        assert!(s.contains(name), "{flag}: {s}");
    }
    doublet()
        .args(["scan", "--threshold", "abc"])
        .arg(crate::news())
        .assert()
        .code(2);
    doublet()
        .args(["scan", "--no-such-flag"])
        .arg(crate::news())
        .assert()
        .code(2);
    doublet().arg("scan").assert().code(2);
}

#[test]
fn duplicate_ids_name_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.jsonl");
    std::fs::write(&f, "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n{\"id\":\"a\",\"text\":\"z\"}\n").unwrap();
    let s = stderr_of(doublet().arg("scan").arg(&f).assert());
    let name = f.display().to_string();
    assert!(
        s.contains(&format!("{name}:1")) && s.contains(&format!("{name}:3")),
        "{s}"
    );
}

#[test]
fn invalid_utf8_in_text_files_is_replaced_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.txt"), b"caf\xe9 au lait\n").unwrap();
    let out = doublet()
        .args(["scan", "--json"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "bad.txt: 1 bytes of invalid UTF-8",
        ))
        .get_output()
        .stdout
        .clone();
    assert_eq!(crate::json(&out)["stats"]["documents"], 1);
}

#[test]
fn invalid_utf8_in_json_lines_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.jsonl");
    std::fs::write(
        &f,
        b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"\xff\"}\n",
    )
    .unwrap();
    let s = stderr_of(doublet().arg("scan").arg(&f).assert());
    assert!(s.contains(":2: invalid UTF-8"), "{s}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `doublet scan --json corpus | head -c 10`: stdout closes while doublet
    // still has far more than a pipe buffer to write.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("many.jsonl");
    let lines: String = (0..3000)
        .map(|i| format!("{{\"id\":\"doc-{i}\",\"text\":\"document number {i} of many\"}}\n"))
        .collect();
    std::fs::write(&f, lines).unwrap();
    let script = format!(
        "{} scan --json {} | head -c 10 >/dev/null; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_doublet"),
        f.display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn passages_shorter_than_a_shingle_are_refused_by_every_command() {
    // Before, 3 (with ngram 5) panicked dividing by zero in winnowing, and
    // 1 or 2 silently found no passages.
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.jsonl");
    std::fs::write(&truth, "{\"id\":\"a\",\"cluster\":\"x\"}\n").unwrap();
    let out = dir.path().join("out.jsonl");
    for value in ["1", "2", "3", "4"] {
        let runs: [Vec<std::ffi::OsString>; 3] = [
            vec!["scan".into()],
            vec!["dedup".into(), "-o".into(), out.clone().into()],
            vec!["eval".into(), "--truth".into(), truth.clone().into()],
        ];
        for args in runs {
            let s = stderr_of(
                doublet()
                    .args(&args)
                    .args(["--min-passage", value])
                    .arg(crate::news())
                    .assert(),
            );
            assert!(
                s.contains("min_passage") && s.contains(&format!("got {value}")),
                "{args:?} {value}: {s}"
            );
        }
    }
    assert!(!out.exists());
    // 0 (off) and ngram itself are fine.
    for value in ["0", "5"] {
        doublet()
            .args(["scan", "-q", "--min-passage", value])
            .arg(crate::news())
            .assert()
            .success();
    }
}
