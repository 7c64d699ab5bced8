//! `doublet dedup`: the clean corpus and the removed documents.

use std::collections::BTreeSet;

use crate::{doublet, news, read_jsonl, seeds_jsonl};

#[test]
fn seeds_dedup_keeps_three_cleaned_and_explains_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clean.jsonl");
    let removed = dir.path().join("removed.jsonl");
    doublet()
        .arg("dedup")
        .arg(news())
        .arg("--output")
        .arg(&out)
        .arg("--removed")
        .arg(&removed)
        .assert()
        .success();
    let kept = read_jsonl(&out);
    let ids: Vec<&str> = kept.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "000_f100c1059ce78ca9.txt",
            "002_139156a821428acc.txt",
            "004_9b52153850c921e1.txt"
        ]
    );
    let t000 = kept[0]["text"].as_str().unwrap();
    assert!(!t000.contains("Track Latest News"));
    assert_eq!(
        t000.matches("You should ask the Americans").count(),
        1,
        "repeated paragraphs removed"
    );
    let t004 = kept[2]["text"].as_str().unwrap();
    assert_eq!(
        t004.matches("Kerry will attend the annual meeting").count(),
        1
    );

    let gone = read_jsonl(&removed);
    assert_eq!(gone.len(), 2);
    assert_eq!(gone[0]["id"], "001_f41e034662a1fcab.txt");
    assert_eq!(gone[0]["duplicate_of"], "000_f100c1059ce78ca9.txt");
    assert_eq!(gone[0]["relation"], "contained");
    assert!(gone[0]["containment"].as_f64().unwrap() >= 0.85);
    assert_eq!(gone[1]["id"], "003_e9cfeb803afa4857.txt");
    assert_eq!(gone[1]["relation"], "near_duplicate");
}

#[test]
fn every_document_lands_in_exactly_one_output_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_jsonl()).unwrap();
    let out = dir.path().join("clean.jsonl.gz");
    let removed = dir.path().join("removed.jsonl");
    doublet()
        .arg("dedup")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--removed")
        .arg(&removed)
        .arg("--no-clean-output")
        .assert()
        .success();
    let kept = read_jsonl(&out);
    let gone = read_jsonl(&removed);
    let all: BTreeSet<String> = kept
        .iter()
        .chain(&gone)
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), 5);
    assert_eq!(kept.len() + gone.len(), 5);
    for d in &kept {
        assert!(
            d["url"]
                .as_str()
                .unwrap()
                .starts_with("https://example.org/"),
            "extra fields pass through"
        );
    }
    // --no-clean-output writes the original text.
    let original = std::fs::read_to_string(news().join("000_f100c1059ce78ca9.txt")).unwrap();
    assert_eq!(kept[0]["text"], original);
}

#[test]
fn no_clean_writes_the_original_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clean.jsonl");
    doublet()
        .arg("dedup")
        .arg(news())
        .arg("-o")
        .arg(&out)
        .arg("--no-clean")
        .assert()
        .success();
    let kept = read_jsonl(&out);
    for d in &kept {
        let original = std::fs::read_to_string(news().join(d["id"].as_str().unwrap())).unwrap();
        assert_eq!(d["text"], original);
    }
    // Uncleaned, 001 hides behind its paywall and stays.
    assert!(kept.iter().any(|d| d["id"] == "001_f41e034662a1fcab.txt"));
}

#[test]
fn stdin_can_be_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clean.jsonl");
    doublet()
        .args(["dedup", "-"])
        .arg("-o")
        .arg(&out)
        .write_stdin(seeds_jsonl())
        .assert()
        .success();
    assert_eq!(read_jsonl(&out).len(), 3);
}

#[test]
fn failed_runs_leave_no_output_behind() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, seeds_jsonl() + "{broken\n").unwrap();
    let out = dir.path().join("clean.jsonl");
    doublet()
        .arg("dedup")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("in.jsonl")]);
}

#[test]
fn output_in_a_missing_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("missing/clean.jsonl");
    let a = doublet()
        .arg("dedup")
        .arg(news())
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let s = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(s.contains("missing/clean.jsonl"), "{s}");
}

#[test]
fn a_write_that_fails_late_in_the_second_pass_ends_the_run() {
    // Records carry a field that `--annotate` would add: the first kept
    // record written fails the run. More batches than the reader runs ahead
    // are still to come, so a reader left waiting to send one would hang
    // the run.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let lines: String = (0..20_000)
        .map(|i| {
            let words: Vec<String> = (0..30)
                .map(|j| format!("w{}", (i * 7 + j) % 9973))
                .collect();
            format!(
                "{{\"id\":\"d{i}\",\"text\":\"document {i} {}\",\"cluster\":1}}\n",
                words.join(" ")
            )
        })
        .collect();
    std::fs::write(&input, lines).unwrap();
    let out = dir.path().join("clean.jsonl");
    let assert = doublet()
        .args(["dedup", "-q", "--annotate"])
        .arg(&input)
        .arg("--output")
        .arg(&out)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("cluster"), "{stderr}");
    assert!(!out.exists());
}
