//! `doublet compare`: two documents side by side.

use crate::{doublet, json, news, seeds_jsonl, stderr_of, StdoutOk};

const S000: &str = "000_f100c1059ce78ca9.txt";
const S002: &str = "002_139156a821428acc.txt";

#[test]
fn seeds_000_and_002_share_kerrys_quote_at_the_right_offsets() {
    let (a, b) = (news().join(S000), news().join(S002));
    let r = json(
        &doublet()
            .arg("compare")
            .arg(&a)
            .arg(&b)
            .arg("--json")
            .stdout_ok(),
    );
    assert_eq!(r["relation"], "shared_passages");
    let ta = std::fs::read(&a).unwrap();
    let tb = std::fs::read(&b).unwrap();
    let passages = r["passages"].as_array().unwrap();
    let hit = passages
        .iter()
        .find(|p| {
            p["text"]
                .as_str()
                .unwrap()
                .contains("a little bit of progress")
        })
        .expect("the quote is a passage");
    let slice = |t: &[u8], s: &serde_json::Value| {
        String::from_utf8(
            t[s["start"].as_u64().unwrap() as usize..s["end"].as_u64().unwrap() as usize].to_vec(),
        )
        .unwrap()
    };
    let in_a = slice(&ta, &hit["a"]);
    let in_b = slice(&tb, &hit["b"]);
    assert_eq!(in_a, hit["text"].as_str().unwrap());
    assert!(
        in_a.contains("a little bit of progress") && in_b.contains("a little bit of progress"),
        "{in_a} / {in_b}"
    );
    assert!(
        in_b.contains("\u{201D}"),
        "B keeps its curly quotes: {in_b}"
    );
    assert!(hit["tokens"].as_u64().unwrap() >= 12);
}

#[test]
fn side_by_side_view_marks_the_passage() {
    let out = doublet()
        .arg("compare")
        .arg(news().join(S000))
        .arg(news().join(S002))
        .stdout_ok();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("different documents sharing passages"),
        "{text}"
    );
    assert!(
        text.contains("»we exchanged") && text.contains("»We") && text.contains("Kerry said«"),
        "{text}"
    );
}

#[test]
fn ids_can_come_from_a_jsonl_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("seeds.jsonl");
    std::fs::write(&f, seeds_jsonl()).unwrap();
    let r = json(
        &doublet()
            .args([
                "compare",
                "002_139156a821428acc",
                "003_e9cfeb803afa4857",
                "--json",
                "--input",
            ])
            .arg(&f)
            .stdout_ok(),
    );
    assert_eq!(r["relation"], "near_duplicate");
    assert_eq!(r["b_in_a"], 1.0);
    let r = json(
        &doublet()
            .args([
                "compare",
                "002_139156a821428acc",
                "004_9b52153850c921e1",
                "--json",
                "--input",
            ])
            .arg(&f)
            .stdout_ok(),
    );
    assert_eq!(r["relation"], "unrelated");
    assert!(r["passages"].as_array().unwrap().is_empty());
    let e = doublet()
        .args(["compare", "nope", "002_139156a821428acc", "--input"])
        .arg(&f)
        .assert()
        .code(2);
    let msg = String::from_utf8(e.get_output().stderr.clone()).unwrap();
    assert!(msg.contains("no document with id \"nope\""), "{msg}");
}

/// An id twice in `--input` is refused as the corpus commands refuse it
/// (before, the first was taken without a word), and with
/// `--allow-duplicate-ids` renamed as they rename it.
#[test]
fn a_repeated_id_in_the_input_is_refused_or_renamed_as_in_scan() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dups.jsonl");
    let seeds = seeds_jsonl();
    let third = seeds.lines().nth(3).unwrap();
    // The seeds, then 003's record again under 002's id.
    let again = third.replace("003_e9cfeb803afa4857", "002_139156a821428acc");
    std::fs::write(&f, format!("{seeds}{again}\n")).unwrap();
    let msg = stderr_of(
        doublet()
            .args([
                "compare",
                "002_139156a821428acc",
                "004_9b52153850c921e1",
                "--input",
            ])
            .arg(&f)
            .assert(),
    );
    assert!(
        msg.contains("duplicate document id \"002_139156a821428acc\"")
            && msg.contains("dups.jsonl:3 and ")
            && msg.contains("dups.jsonl:6"),
        "{msg}"
    );
    assert!(msg.contains("--allow-duplicate-ids"), "{msg}");
    // The later one is `<id>#2`, as `scan --allow-duplicate-ids` names it.
    let r = json(
        &doublet()
            .args([
                "compare",
                "002_139156a821428acc#2",
                "003_e9cfeb803afa4857",
                "--json",
                "--allow-duplicate-ids",
                "--input",
            ])
            .arg(&f)
            .stdout_ok(),
    );
    assert_eq!(r["relation"], "exact");
    let scanned = json(
        &doublet()
            .args(["scan", "--json", "--allow-duplicate-ids"])
            .arg(&f)
            .stdout_ok(),
    );
    assert!(crate::document_ids(&scanned).contains(&"002_139156a821428acc#2"));
}

#[test]
fn scan_lists_the_shared_passages_of_kept_documents() {
    let r = json(&doublet().args(["scan", "--json"]).arg(news()).stdout_ok());
    let shared: Vec<_> = r["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["relation"] == "shared_passages")
        .collect();
    assert_eq!(shared.len(), 1);
    assert_eq!(
        (shared[0]["a"].as_str(), shared[0]["b"].as_str()),
        (Some(S000), Some(S002))
    );
    assert!(!shared[0]["passages"].as_array().unwrap().is_empty());
    assert_eq!(r["stats"]["shared_passage_pairs"], 1);
    // Each passage carries its text, the bytes its span covers in `a`.
    let text = std::fs::read_to_string(news().join(S000)).unwrap();
    for p in shared[0]["passages"].as_array().unwrap() {
        let (s, e) = (
            p["a"]["start"].as_u64().unwrap() as usize,
            p["a"]["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(p["text"], text[s..e]);
    }
    assert!(shared[0]["passages"][0]["text"]
        .as_str()
        .unwrap()
        .contains("a little bit of progress"));
}
