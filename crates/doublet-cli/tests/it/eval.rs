//! `doublet eval` against labelled truth.

use crate::{doublet, json, news, StdoutOk};

const S: [&str; 5] = [
    "000_f100c1059ce78ca9.txt",
    "001_f41e034662a1fcab.txt",
    "002_139156a821428acc.txt",
    "003_e9cfeb803afa4857.txt",
    "004_9b52153850c921e1.txt",
];

#[test]
fn the_designed_truth_scores_perfectly() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.jsonl");
    let lines = [
        (S[0], "wire", "original"),
        (S[1], "wire", "reprint"),
        (S[2], "cnn", "original"),
        (S[3], "cnn", "reflowed"),
        (S[4], "laos", "original"),
    ]
    .iter()
    .map(|(id, c, k)| format!("{{\"id\":\"{id}\",\"cluster\":\"{c}\",\"kind\":\"{k}\"}}\n"))
    .collect::<String>();
    std::fs::write(&truth, lines).unwrap();
    let r = json(
        &doublet()
            .args(["eval", "--json", "--truth"])
            .arg(&truth)
            .arg(news())
            .stdout_ok(),
    );
    let m = &r["metrics"];
    assert_eq!(m["pairs"]["precision"], 1.0);
    assert_eq!(m["pairs"]["recall"], 1.0);
    assert_eq!(m["adjusted_rand_index"], 1.0);
    assert_eq!(m["by_label"]["reprint"]["true_positives"], 1);
    assert!(r["false_negatives"].as_array().unwrap().is_empty());
    let text = String::from_utf8(
        doublet()
            .args(["eval", "--truth"])
            .arg(&truth)
            .arg(news())
            .stdout_ok(),
    )
    .unwrap();
    assert!(
        text.contains("precision 1.0000  recall 1.0000") && text.contains("reprint"),
        "{text}"
    );
}

#[test]
fn a_wrong_pair_in_the_truth_is_a_measured_false_negative() {
    // Truth: 000~001, 002~003 and (wrongly) 002~004, so {000,001} {002,003,004}:
    // 4 true pairs; doublet finds 2 of them and nothing else.
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("pairs.csv");
    std::fs::write(
        &truth,
        format!(
            "id_a,id_b\n{},{}\n{},{}\n{},{}\n",
            S[0], S[1], S[2], S[3], S[2], S[4]
        ),
    )
    .unwrap();
    let r = json(
        &doublet()
            .args(["eval", "--json", "--truth"])
            .arg(&truth)
            .arg(news())
            .stdout_ok(),
    );
    let p = &r["metrics"]["pairs"];
    assert_eq!(
        (
            p["true_positives"].as_u64(),
            p["false_positives"].as_u64(),
            p["false_negatives"].as_u64()
        ),
        (Some(2), Some(0), Some(2))
    );
    assert_eq!(p["recall"], 0.5);
    let fns = r["false_negatives"].as_array().unwrap();
    assert_eq!(fns.len(), 2);
    for f in fns {
        assert!(f["b"] == S[4] || f["a"] == S[4], "{f}");
        assert_eq!(f["relation"], "unrelated");
        assert!(f["jaccard"].as_f64().unwrap() < 0.1);
    }
}

#[test]
fn truth_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("t.jsonl");
    std::fs::write(&truth, "{\"id\":\"x\"}\n").unwrap();
    let a = doublet()
        .args(["eval", "--truth"])
        .arg(&truth)
        .arg(news())
        .assert()
        .code(2);
    let msg = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(msg.contains("t.jsonl:1: missing field `cluster`"), "{msg}");
}
