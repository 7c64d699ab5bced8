//! `doublet eval` against labelled truth.

use crate::{doublet, json, news, stderr_of, StdoutOk};

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

/// A pair file with a header, one line per `(a, b, label)` of the seeds.
fn pair_file(rows: &[(usize, usize, &str)]) -> String {
    let mut text = String::from("id_a,id_b,label\n");
    for (a, b, label) in rows {
        text += &format!("{},{},{label}\n", S[*a], S[*b]);
    }
    text
}

/// The refusal of `eval --truth FILE` on the news seeds, FILE holding `text`.
fn truth_refused(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join(name);
    std::fs::write(&truth, text).unwrap();
    let msg = stderr_of(
        doublet()
            .args(["eval", "--truth"])
            .arg(&truth)
            .arg(news())
            .assert(),
    );
    let shown = format!("{}:", truth.display());
    assert!(msg.contains(&shown), "names the file: {msg}");
    msg
}

#[test]
fn a_negative_inside_a_chain_of_positives_is_refused_naming_the_lines() {
    // 000~001 and 001~002 put 000 and 002 in one cluster; line 4 says they
    // are not duplicates. Before, the negative was ignored and 000 and 002
    // scored as one cluster.
    let msg = truth_refused(
        "pairs.csv",
        &pair_file(&[(0, 1, "1"), (1, 2, "1"), (2, 0, "0")]),
    );
    assert!(msg.contains("pairs.csv:4:"), "{msg}");
    assert!(msg.contains("not duplicates"), "{msg}");
    assert!(msg.contains("lines 2 and 3"), "{msg}");
    assert!(msg.contains("grouped transitively"), "{msg}");
}

#[test]
fn a_pair_labelled_both_ways_is_refused_naming_both_lines() {
    let msg = truth_refused(
        "pairs.csv",
        &pair_file(&[(0, 1, "yes"), (2, 3, "1"), (1, 0, "false")]),
    );
    assert!(msg.contains("pairs.csv:4:"), "{msg}");
    assert!(
        msg.contains("not duplicates here but duplicates on line 2"),
        "{msg}"
    );
}

#[test]
fn an_empty_truth_is_refused() {
    for (name, text) in [
        ("truth.jsonl", ""),
        ("pairs.csv", "id_a,id_b,label\n"),
        ("clusters.csv", "id,cluster\n\n"),
    ] {
        let msg = truth_refused(name, text);
        assert!(
            msg.contains("no labelled pairs or clusters"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn numeric_cluster_labels_are_compared_by_value() {
    // 1.0 and "1" are one cluster, 2 and 2.00 another (before, 1.0 and 2.00
    // were clusters of their own, while 1 and "1" were one).
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.jsonl");
    let lines = [
        (S[0], "1.0"),
        (S[1], "\"1\""),
        (S[2], "2"),
        (S[3], "2.00"),
        (S[4], "0.5"),
    ]
    .iter()
    .map(|(id, c)| format!("{{\"id\":\"{id}\",\"cluster\":{c}}}\n"))
    .collect::<String>();
    std::fs::write(&truth, lines).unwrap();
    let r = json(
        &doublet()
            .args(["eval", "--json", "--truth"])
            .arg(&truth)
            .arg(news())
            .stdout_ok(),
    );
    let p = &r["metrics"]["pairs"];
    assert_eq!(p["precision"], 1.0, "{p}");
    assert_eq!(p["recall"], 1.0, "{p}");
    assert_eq!(r["metrics"]["adjusted_rand_index"], 1.0);
}
