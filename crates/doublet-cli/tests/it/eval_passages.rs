//! `doublet eval --passages`: known passages per pair, scored with PAN's measures.

use std::path::{Path, PathBuf};

use crate::{doublet, json, stderr_of, usage_error, StdoutOk};

const SOURCE: &str = "The committee met on Tuesday to discuss the annual budget. \
    Members argued for several hours about the allocation of funds to the regional libraries, \
    which had suffered from repeated cuts over the previous decade and now faced closure in many small towns. \
    In the end a compromise was reached that restored part of the funding.";

const PASSAGE: &str = "Members argued for several hours about the allocation of funds to the regional libraries, \
    which had suffered from repeated cuts over the previous decade and now faced closure in many small towns.";

const UNRELATED: &str = "Quantum computers use qubits which can be in superposition, and researchers \
    hope to build machines with thousands of them soon enough to solve chemistry problems that nobody \
    can solve today with classical hardware.";

/// The derived document: the passage copied word for word between text of its own.
fn derived() -> String {
    format!(
        "A different story begins here, about the weather in the mountains and the snow that fell all week. \
         {PASSAGE} Afterwards the hikers returned to the valley and cooked a large dinner for everybody."
    )
}

/// `[start, end]` of `part` in `text`, in bytes.
fn bytes_of(text: &str, part: &str) -> [usize; 2] {
    let start = text.find(part).unwrap();
    [start, start + part.len()]
}

/// Documents `derived`, `source` and `unrelated`, and the pairs file given
/// (`None`: one derived pair with its passage, one unrelated pair).
fn fixture(dir: &Path, pairs: Option<&str>) -> (PathBuf, PathBuf) {
    let docs = dir.join("docs.jsonl");
    let lines: String = [
        ("derived", derived()),
        ("source", SOURCE.to_owned()),
        ("unrelated", UNRELATED.to_owned()),
    ]
    .iter()
    .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string() + "\n")
    .collect();
    std::fs::write(&docs, lines).unwrap();
    let default = [
        serde_json::json!({
            "a": "derived", "b": "source", "derived": true,
            "passages": [{"a": bytes_of(&derived(), PASSAGE), "b": bytes_of(SOURCE, PASSAGE)}],
            "lang": "en", "family": "news", "obfuscation": "none", "strength": "high",
        }),
        serde_json::json!({
            "a": "unrelated", "b": "source", "derived": false, "passages": [],
            "lang": "en", "family": "science", "obfuscation": "none", "strength": "none",
        }),
    ]
    .iter()
    .map(|p| p.to_string() + "\n")
    .collect::<String>();
    let file = dir.join("pairs.jsonl");
    std::fs::write(&file, pairs.unwrap_or(&default)).unwrap();
    (docs, file)
}

#[test]
fn a_copied_passage_is_found_once_and_an_unrelated_pair_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let (docs, pairs) = fixture(dir.path(), None);
    let r = json(
        &doublet()
            .args(["eval", "--json", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .stdout_ok(),
    );
    assert_eq!(r["pairs"], 2);
    let p = &r["passages"];
    assert_eq!(
        (p["cases"].as_u64(), p["detected_cases"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(p["detections"], 1);
    assert_eq!(p["granularity"], 1.0);
    for field in [
        "recall",
        "precision",
        "plagdet",
        "micro_recall",
        "micro_precision",
    ] {
        let x = p[field].as_f64().unwrap();
        assert!(x > 0.95 && x <= 1.0, "{field}: {p}");
    }
    let d = &r["documents"];
    assert_eq!(
        (
            d["true_positives"].as_u64(),
            d["false_positives"].as_u64(),
            d["false_negatives"].as_u64(),
            d["true_negatives"].as_u64()
        ),
        (Some(1), Some(0), Some(0), Some(1))
    );
    assert_eq!(
        (d["f1"].as_f64(), d["auc"].as_f64()),
        (Some(1.0), Some(1.0))
    );
    let thresholds: Vec<f64> = r["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["threshold"].as_f64().unwrap())
        .collect();
    assert_eq!(thresholds, [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5]);
    // Broken down by obfuscation × strength: the derived pair alone in
    // (none, high), its passage found.
    let by = |fields: &[&str]| -> serde_json::Value {
        r["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["by"] == serde_json::json!(fields))
            .unwrap_or_else(|| panic!("no breakdown by {fields:?}"))
            .clone()
    };
    let ob = by(&["obfuscation", "strength"]);
    let high = ob["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["values"] == serde_json::json!(["none", "high"]))
        .unwrap();
    assert_eq!(high["pairs"], 1);
    assert_eq!(high["passages"]["detected_cases"], 1);
    assert_eq!(by(&["lang"])["groups"][0]["pairs"], 2);
    assert_eq!(by(&["family"])["groups"].as_array().unwrap().len(), 2);
    assert_eq!(r["false_positives"]["count"], 0);
    assert_eq!(r["false_negatives"]["count"], 0);
    assert!(r["config"]["ngram"].is_number(), "{}", r["config"]);

    let text = String::from_utf8(
        doublet()
            .args(["eval", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .stdout_ok(),
    )
    .unwrap();
    assert!(
        text.contains("passages (PAN): plagdet") && text.contains("obfuscation × strength"),
        "{text}"
    );
}

#[test]
fn a_missed_pair_is_listed_as_a_false_negative() {
    // "unrelated" said to be derived from "source": doublet finds nothing,
    // so recall is 0 and the pair is the one false negative.
    let dir = tempfile::tempdir().unwrap();
    let pairs = serde_json::json!({
        "a": "unrelated", "b": "source", "derived": true,
        "passages": [{"a": [0, 20], "b": [0, 20]}], "obfuscation": "summary",
    })
    .to_string();
    let (docs, pairs) = fixture(dir.path(), Some(&pairs));
    let r = json(
        &doublet()
            .args(["eval", "--json", "--worst", "5", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .stdout_ok(),
    );
    assert_eq!(r["passages"]["recall"], 0.0);
    assert_eq!(r["passages"]["plagdet"], 0.0);
    let fns = &r["false_negatives"];
    assert_eq!(fns["count"], 1);
    let w = &fns["worst"][0];
    assert_eq!(
        (w["line"].as_u64(), w["a"].as_str()),
        (Some(1), Some("unrelated"))
    );
    assert_eq!(w["relation"], "unrelated");
    assert_eq!(w["labels"]["obfuscation"], "summary");
    assert_eq!(r["documents"]["auc"], serde_json::Value::Null);
}

#[test]
fn a_malformed_pairs_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (docs, pairs) = fixture(
        dir.path(),
        Some("{\"a\":\"derived\",\"b\":\"source\",\"derived\":false}\n{\"a\":\"derived\",\n"),
    );
    let s = stderr_of(
        doublet()
            .args(["eval", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .assert(),
    );
    assert!(
        s.contains(&format!("{}:2: malformed JSON", pairs.display())),
        "{s}"
    );
    let (_, pairs) = fixture(
        dir.path(),
        Some("{\"a\":\"derived\",\"b\":\"source\",\"passages\":[{\"a\":[5,1],\"b\":[0,3]}]}\n"),
    );
    let s = stderr_of(
        doublet()
            .args(["eval", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .assert(),
    );
    assert!(s.contains(":1: passage 1: `a` is empty or reversed"), "{s}");
}

#[test]
fn an_unknown_id_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (docs, pairs) = fixture(dir.path(), Some("{\"a\":\"derived\",\"b\":\"nowhere\"}\n"));
    let s = stderr_of(
        doublet()
            .args(["eval", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .assert(),
    );
    assert!(
        s.contains(&format!(
            "{}:1: no document with id \"nowhere\" in the inputs",
            pairs.display()
        )),
        "{s}"
    );
}

#[test]
fn offsets_outside_the_document_or_inside_a_character_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (docs, pairs) = fixture(
        dir.path(),
        Some(
            "{\"a\":\"derived\",\"b\":\"source\",\"passages\":[{\"a\":[0,10],\"b\":[0,100000]}]}\n",
        ),
    );
    let s = stderr_of(
        doublet()
            .args(["eval", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .assert(),
    );
    assert!(
        s.contains(":1: passage 1: `b` [0, 100000] is outside document \"source\""),
        "{s}"
    );
    // "é" is two bytes: an offset between them counts characters, not bytes.
    std::fs::write(&docs, "{\"id\":\"x\",\"text\":\"café au lait\"}\n").unwrap();
    std::fs::write(
        &pairs,
        "{\"a\":\"x\",\"b\":\"x\",\"passages\":[{\"a\":[0,4],\"b\":[0,5]}]}\n",
    )
    .unwrap();
    let s = stderr_of(
        doublet()
            .args(["eval", "--passages"])
            .arg(&pairs)
            .arg(&docs)
            .assert(),
    );
    assert!(s.contains("cuts a character of document \"x\""), "{s}");
}

#[test]
fn exactly_one_of_truth_and_passages() {
    let dir = tempfile::tempdir().unwrap();
    let (docs, pairs) = fixture(dir.path(), None);
    let s = usage_error(doublet().arg("eval").arg(&docs).assert());
    assert!(s.contains("--truth <FILE>|--passages <PAIRS>"), "{s}");
    let s = usage_error(
        doublet()
            .args(["eval", "--truth"])
            .arg(&pairs)
            .arg("--passages")
            .arg(&pairs)
            .arg(&docs)
            .assert(),
    );
    assert!(s.contains("cannot be used with"), "{s}");
}
