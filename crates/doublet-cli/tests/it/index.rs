//! `doublet index`: batches decided as one scan, queries that store
//! nothing, settings fixed at creation, eviction by age, compaction.

use std::path::Path;

use serde_json::{json, Value};

use super::{doublet, json, seeds_and_copies_jsonl, stderr_of, StdoutOk};

fn decisions(report: &Value) -> Vec<(String, Value, Value, Value)> {
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["duplicate_of"].clone(),
                d["relation"].clone(),
                d["jaccard"].clone(),
            )
        })
        .collect()
}

fn create(dir: &Path, flags: &[&str]) {
    doublet()
        .args(["index", "create"])
        .arg(dir)
        .args(flags)
        .assert()
        .success();
}

fn add(dir: &Path, input: &Path, flags: &[&str]) -> Value {
    json(
        &doublet()
            .args(["index", "add", "--json", "-q"])
            .arg(dir)
            .arg(input)
            .args(flags)
            .stdout_ok(),
    )
}

/// The index's counts (without its size on disk, which a store may
/// change by reading).
fn stats(dir: &Path) -> Value {
    let mut s = json(
        &doublet()
            .args(["index", "stats", "--json"])
            .arg(dir)
            .stdout_ok(),
    )["stats"]
        .clone();
    s.as_object_mut().unwrap().remove("bytes_on_disk");
    s
}

#[test]
fn batches_decide_the_seeds_and_their_copies_as_one_keep_first_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = seeds_and_copies_jsonl()
        .lines()
        .map(str::to_owned)
        .collect();
    let whole = tmp.path().join("all.jsonl");
    std::fs::write(&whole, lines.join("\n") + "\n").unwrap();
    for clean in [&["--no-clean"][..], &[]] {
        let one = json(
            &doublet()
                .args([
                    "scan",
                    "--json",
                    "-q",
                    "--keep",
                    "first",
                    "--min-passage",
                    "0",
                ])
                .args(clean)
                .arg(&whole)
                .stdout_ok(),
        );
        let ix = tmp.path().join(format!("ix{}", clean.len()));
        create(&ix, clean);
        let mut got = Vec::new();
        for (i, part) in [&lines[..3], &lines[3..7], &lines[7..]].iter().enumerate() {
            let path = tmp.path().join(format!("part{i}.jsonl"));
            std::fs::write(&path, part.join("\n") + "\n").unwrap();
            got.extend(decisions(&add(&ix, &path, &[])));
        }
        assert_eq!(got, decisions(&one), "cleaning flags {clean:?}");
        let s = stats(&ix);
        assert_eq!(s["documents"], 10);
        assert_eq!(s["kept"], one["stats"]["kept"]);
        doublet()
            .args(["index", "check"])
            .arg(&ix)
            .assert()
            .success();
    }
}

#[test]
fn a_query_stores_nothing_and_an_add_refuses_a_stored_id_or_new_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let ix = tmp.path().join("ix");
    create(&ix, &[]);
    let seeds = super::news();
    add(&ix, &seeds, &[]);
    let before = stats(&ix);
    let q = json(
        &doublet()
            .args(["index", "query", "--json", "-q"])
            .arg(&ix)
            .arg(&seeds)
            .stdout_ok(),
    );
    // Each seed is the stored document of its own id, or goes as that
    // document went.
    let added = json(
        &doublet()
            .args([
                "scan",
                "--json",
                "-q",
                "--keep",
                "first",
                "--min-passage",
                "0",
            ])
            .arg(&seeds)
            .stdout_ok(),
    );
    for (d, a) in q["documents"]
        .as_array()
        .unwrap()
        .iter()
        .zip(added["documents"].as_array().unwrap())
    {
        if a["kept"] == true {
            assert_eq!(
                (&d["relation"], &d["duplicate_of"]),
                (&json!("exact"), &d["id"]),
                "{d}"
            );
        } else {
            assert_eq!(
                (&d["relation"], &d["duplicate_of"]),
                (&a["relation"], &a["duplicate_of"])
            );
        }
    }
    assert_eq!(stats(&ix), before);
    let err = stderr_of(
        doublet()
            .args(["index", "add", "-q"])
            .arg(&ix)
            .arg(&seeds)
            .assert(),
    );
    assert!(err.contains("is already in the index"), "{err}");
    assert_eq!(stats(&ix), before, "a refused batch stores nothing");
    let err = stderr_of(
        doublet()
            .args(["index", "add", "--threshold", "0.5"])
            .arg(&ix)
            .arg(&seeds)
            .assert(),
    );
    assert!(err.contains("fixed when it is created"), "{err}");
    let err = stderr_of(doublet().args(["index", "create"]).arg(&ix).assert());
    assert!(err.contains("already exists"), "{err}");
    let err = stderr_of(
        doublet()
            .args(["index", "create", "--keep", "most-complete"])
            .arg(tmp.path().join("other"))
            .assert(),
    );
    assert!(err.contains("keeps the first copy"), "{err}");
}

#[test]
fn an_index_of_another_format_or_none_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let ix = tmp.path().join("ix");
    let err = stderr_of(doublet().args(["index", "stats"]).arg(&ix).assert());
    assert!(err.contains("no doublet index here"), "{err}");
    create(&ix, &[]);
    let meta = ix.join("meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(&meta, text.replace("doublet.index/1", "doublet.index/9")).unwrap();
    let err = stderr_of(doublet().args(["index", "stats"]).arg(&ix).assert());
    assert!(
        err.contains("index format \"doublet.index/9\"")
            && err.contains("reads \"doublet.index/1\""),
        "{err}"
    );
}

#[test]
fn eviction_by_the_documents_own_time_forgets_old_ones_only() {
    let tmp = tempfile::tempdir().unwrap();
    let ix = tmp.path().join("ix");
    create(&ix, &["--no-clean"]);
    let story = |topic: &str| match topic {
        "Alder" => "The council of Alder met on Tuesday and agreed after a long debate to \
                    rebuild the old bridge over the river before the winter floods, officials \
                    said, adding that the work would start in the spring and take two years."
            .to_owned(),
        _ => "Fishermen in Birch harbour say the catch of herring has halved since the new \
              quotas came in, and several boats have been laid up for the season while their \
              crews look for work in the canneries further up the coast."
            .to_owned(),
    };
    let input = tmp.path().join("in.jsonl");
    let records = [
        json!({"id": "old", "time": "2020-01-05T10:00:00Z", "text": story("Alder")}),
        json!({"id": "new", "time": 4_000_000_000u64, "text": story("Birch")}),
        // A near-duplicate of "old", added later: it goes as old's twin,
        // and evicting old forgets that its content was seen.
        json!({"id": "old-twin", "time": 4_000_000_000u64, "text": story("Alder").replace("Tuesday", "Wednesday")}),
    ];
    let text: String = records.iter().map(|r| r.to_string() + "\n").collect();
    std::fs::write(&input, text).unwrap();
    add(&ix, &input, &["--time-field", "time"]);
    let out = doublet()
        .args(["index", "evict", "--older-than", "30d", "--json"])
        .arg(&ix)
        .stdout_ok();
    assert_eq!(json(&out)["documents"], 1);
    let copies = tmp.path().join("copies.jsonl");
    let text: String = [("old-copy", "Alder"), ("new-copy", "Birch")]
        .iter()
        .map(|(id, t)| json!({"id": id, "text": story(t)}).to_string() + "\n")
        .collect();
    std::fs::write(&copies, text).unwrap();
    let q = json(
        &doublet()
            .args(["index", "query", "--json", "-q"])
            .arg(&ix)
            .arg(&copies)
            .stdout_ok(),
    );
    let docs = q["documents"].as_array().unwrap();
    assert_eq!(docs[0]["kept"], true, "the evicted original is forgotten");
    assert_eq!(docs[1]["duplicate_of"], "new");
    doublet()
        .args(["index", "check"])
        .arg(&ix)
        .assert()
        .success();
    doublet()
        .args(["index", "compact"])
        .arg(&ix)
        .assert()
        .success();
    assert_eq!(stats(&ix)["documents"], 2);
    // A record without a usable time stops the batch, naming it.
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        json!({"id": "x", "time": "yesterday", "text": "a b c"}).to_string() + "\n",
    )
    .unwrap();
    let err = stderr_of(
        doublet()
            .args(["index", "add", "--time-field", "time"])
            .arg(&ix)
            .arg(&bad)
            .assert(),
    );
    assert!(
        err.contains("bad.jsonl:1") && err.contains("\"yesterday\""),
        "{err}"
    );
    let err = super::usage_error(
        doublet()
            .args(["index", "evict", "--older-than", "30 days"])
            .arg(&ix)
            .assert(),
    );
    assert!(err.contains("unit"), "{err}");
}
