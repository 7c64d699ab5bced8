use crate::{doublet, json, news, StdoutOk};

#[test]
fn summary_of_the_bundled_example() {
    let out = doublet().arg("scan").arg(news()).arg("-q").stdout_ok();
    let text = String::from_utf8(out).unwrap();
    insta::assert_snapshot!("seeds_summary", text);
}

#[test]
fn json_report_follows_the_schema() {
    let out = doublet().args(["scan", "--json"]).arg(news()).stdout_ok();
    let r = json(&out);
    assert_eq!(r["schema"], "doublet.report/1");
    assert!(r["version"].is_string());
    assert_eq!(r["config"]["threshold"], 0.8);
    let docs = r["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 5);
    let s = &r["stats"];
    assert_eq!(s["documents"], 5);
    assert_eq!(
        s["kept"].as_u64().unwrap() + s["removed"].as_u64().unwrap(),
        5
    );
    for d in docs {
        for key in [
            "id",
            "cluster",
            "kept",
            "duplicate_of",
            "relation",
            "jaccard",
            "containment",
            "repeated",
            "boilerplate",
        ] {
            assert!(d.get(key).is_some(), "missing {key}");
        }
    }
    let d3 = docs
        .iter()
        .find(|d| d["id"] == "003_e9cfeb803afa4857.txt")
        .unwrap();
    assert_eq!(d3["relation"], "near_duplicate");
    assert_eq!(d3["duplicate_of"], "002_139156a821428acc.txt");
    crate::assert_accounting(&r);
    assert!(r["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["a"].as_str() < p["b"].as_str()));
}

#[test]
fn report_file_is_written_and_matches_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    doublet()
        .arg("scan")
        .arg(news())
        .arg("--report")
        .arg(&path)
        .assert()
        .success();
    let file = std::fs::read(&path).unwrap();
    let out = doublet().args(["scan", "--json"]).arg(news()).stdout_ok();
    assert_eq!(file, out);
}

#[test]
fn thread_count_never_changes_the_report_or_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(&corpus, crate::seeds_and_copies_jsonl()).unwrap();
    let run = |t: usize| {
        let out = dir.path().join(format!("t{t}"));
        std::fs::create_dir(&out).unwrap();
        doublet()
            .args([
                "dedup",
                "-q",
                "--min-passage",
                "12",
                "--threads",
                &t.to_string(),
            ])
            .arg("-o")
            .arg(out.join("kept.jsonl"))
            .arg("--removed")
            .arg(out.join("removed.jsonl"))
            .arg("--report")
            .arg(out.join("report.json"))
            .arg(&corpus)
            .assert()
            .success();
        let scan = doublet()
            .args(["scan", "--json", "--threads", &t.to_string()])
            .arg(&corpus)
            .stdout_ok();
        ["kept.jsonl", "removed.jsonl", "report.json"]
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .into_iter()
            .chain([scan])
            .collect::<Vec<_>>()
    };
    let one = run(1);
    assert!(!one[1].is_empty(), "the copies are removed");
    for t in 2..=4 {
        assert!(run(t) == one, "--threads {t} changed an output");
    }
}

#[test]
fn options_reach_the_engine() {
    let out = doublet()
        .args([
            "scan",
            "--json",
            "--threshold",
            "0.95",
            "--ngram",
            "3",
            "--num-perm",
            "64",
            "--seed",
            "9",
            "--keep",
            "first",
            "--no-clean",
        ])
        .arg(news())
        .stdout_ok();
    let c = &json(&out)["config"];
    assert_eq!(
        (
            c["threshold"].as_f64(),
            c["ngram"].as_u64(),
            c["num_perm"].as_u64(),
            c["seed"].as_u64()
        ),
        (Some(0.95), Some(3), Some(64), Some(9))
    );
    assert_eq!(c["keep"], "first");
    assert_eq!(c["clean"]["enabled"], false);
    assert!(c["bands"].as_u64().unwrap() * c["rows"].as_u64().unwrap() <= 64);
}

#[test]
fn a_config_file_is_read_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, r#"{"ngram": 4, "containment": 0.7}"#).unwrap();
    let out = doublet()
        .args(["scan", "--json", "--containment", "0.9", "--config"])
        .arg(&path)
        .arg(news())
        .stdout_ok();
    let c = &json(&out)["config"];
    assert_eq!(c["ngram"], 4);
    assert_eq!(c["containment"], 0.9);
}
