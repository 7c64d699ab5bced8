use crate::{assert_accounting, doublet, json, news, StdoutOk};

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

/// Pages of two sites: every page of `north.example` ends with a long appeal,
/// and every page quotes one long paragraph that unrelated articles share.
fn sites_jsonl(dir: &std::path::Path, with_url: bool, site_field: bool) -> std::path::PathBuf {
    let appeal = "The North Courier has reported on the life of the valley for more than a century, \
                  and we want to keep our journalism open to everyone who needs it. If you value what we \
                  do, please consider supporting us with a contribution of any size today.";
    let shared = "The council said that the new bridge over the river would be built in three stages, \
                  and that the first of them would begin in the spring if the weather allowed it, while \
                  the second and third stages depend on money that the region has not yet promised.";
    let words = [
        "harbour", "station", "market", "winter", "council", "school", "library", "bridge",
        "garden", "museum", "theatre", "hospital", "river", "mayor", "ferry", "orchard", "quarry",
        "festival", "railway", "chapel", "mill", "court", "farm", "tower", "canal", "forest",
        "castle", "village",
    ];
    let mut state = 17u64;
    let mut word = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        words[(state >> 33) as usize % words.len()]
    };
    let mut out = String::new();
    for i in 0..12 {
        let site = if i % 2 == 0 { "north" } else { "south" };
        let own: Vec<String> = (0..4)
            .map(|_| {
                let mut p = String::new();
                for _ in 0..3 {
                    p.push_str(&format!(
                        "The {} of the {} and the {} was {} by the {} that the {} had {}. ",
                        word(),
                        word(),
                        word(),
                        word(),
                        word(),
                        word(),
                        word()
                    ));
                }
                p.trim_end().to_string()
            })
            .collect();
        let mut paras = vec![
            own[0].clone(),
            shared.to_string(),
            own[1].clone(),
            own[2].clone(),
            own[3].clone(),
        ];
        if site == "north" {
            paras.push(appeal.to_string());
        }
        let mut rec = serde_json::json!({"id": format!("{site}-{i:02}"), "text": paras.join("\n")});
        if with_url {
            rec["url"] = format!("https://www.{site}.example/news/{i}").into();
        }
        if site_field {
            rec["outlet"] = site.into();
        }
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    let path = dir.join("sites.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

fn appeal_marked(r: &serde_json::Value) -> Vec<bool> {
    r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["id"].as_str().unwrap().starts_with("north"))
        .map(|d| {
            d["boilerplate"].as_array().unwrap().iter().any(|m| {
                m["reason"] == "corpus" && m["within_site"] == true && m["form"] == "paragraph"
            })
        })
        .collect()
}

#[test]
fn sites_come_from_url_hosts_or_a_site_field() {
    let dir = tempfile::tempdir().unwrap();
    // A url field's host names the site: the appeal is furniture of north.
    let path = sites_jsonl(dir.path(), true, false);
    let r = json(&doublet().args(["scan", "--json"]).arg(&path).stdout_ok());
    assert_accounting(&r);
    assert_eq!(appeal_marked(&r), vec![true; 6]);
    // The shared paragraph is content everywhere, and nothing is removed.
    assert_eq!(r["stats"]["removed"], 0);
    assert_eq!(r["stats"]["reuse_clusters"], 1);
    assert_eq!(r["reuse"][0]["holders"].as_array().unwrap().len(), 12);
    assert!(r["reuse"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("The council said"));
    // --site-field names another field.
    let path = sites_jsonl(dir.path(), false, true);
    let r = json(
        &doublet()
            .args(["scan", "--json", "--site-field", "outlet"])
            .arg(&path)
            .stdout_ok(),
    );
    assert_eq!(appeal_marked(&r), vec![true; 6]);
    // Without any site, the long appeal is prose shared by unrelated pages.
    let path = sites_jsonl(dir.path(), false, false);
    let r = json(&doublet().args(["scan", "--json"]).arg(&path).stdout_ok());
    assert_eq!(appeal_marked(&r), vec![false; 6]);
    assert_eq!(r["stats"]["corpus_boilerplate_bytes"], 0);
}

#[test]
fn paragraph_dedup_and_min_words_are_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = sites_jsonl(dir.path(), true, false);
    let r = json(
        &doublet()
            .args(["scan", "--json", "--dedup-paragraphs", "--min-words", "30"])
            .arg(&path)
            .stdout_ok(),
    );
    assert_eq!(r["config"]["dedup_paragraphs"], true);
    assert_eq!(r["config"]["min_words"], 30);
    let with: Vec<&serde_json::Value> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["duplicate_paragraphs"].as_array().unwrap().is_empty())
        .collect();
    // Eleven later holders of the shared paragraph point at the one keeper.
    assert_eq!(with.len(), 11);
    let keeper = with[0]["duplicate_paragraphs"][0]["of"].as_str().unwrap();
    for d in &with {
        let m = &d["duplicate_paragraphs"][0];
        assert_eq!(m["reason"], "duplicate_paragraph");
        assert_eq!(m["of"], keeper);
        assert!(d["cleaned"]["duplicate_paragraph"].as_u64().unwrap() > 100);
    }
    assert!(r["stats"]["duplicate_paragraph_bytes"].as_u64().unwrap() > 1000);
}

/// A folder of JSON Lines shards (plain and compressed, in subfolders) is
/// read record by record beside its `.txt` files, in path order; a folder
/// holding only files doublet cannot read is refused, not read as no
/// documents.
#[test]
fn a_folder_of_json_lines_shards_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("shards");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join("a.jsonl"),
        "{\"id\":\"r1\",\"text\":\"one\"}\n{\"id\":\"r2\",\"text\":\"two\"}\n",
    )
    .unwrap();
    {
        use std::io::Write;
        let f = std::fs::File::create(root.join("sub/b.jsonl.gz")).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        gz.write_all(b"{\"id\":\"r3\",\"text\":\"three\"}\n")
            .unwrap();
        gz.finish().unwrap();
    }
    std::fs::write(root.join("c.txt"), "a plain text document").unwrap();
    std::fs::write(root.join("notes.md"), "not a document").unwrap();
    let r = json(
        &doublet()
            .args(["scan", "-q", "--json"])
            .arg(&root)
            .stdout_ok(),
    );
    assert_accounting(&r);
    let ids = crate::document_ids(&r);
    assert_eq!(ids, ["r1", "r2", "c.txt", "r3"]);

    let other = dir.path().join("csv");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("part-0.csv"), b"id,text").unwrap();
    let msg = crate::stderr_of(doublet().arg("scan").arg(&other).assert());
    assert!(
        msg.contains("folder holds no .txt, JSON Lines (.jsonl, .json, .ndjson, optionally .gz or .zst) or Parquet file"),
        "{msg}"
    );
    assert!(msg.contains("part-0.csv"), "{msg}");

    // An empty folder is no documents, and says so.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = doublet()
        .args(["scan", "-q", "--json"])
        .arg(&empty)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(json(&out.stdout)["stats"]["documents"], 0);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: the input held no documents"),
        "{err}"
    );
}

/// Records without an id field (a C4-style dump) are named by file and
/// line, said once on standard error, and the names reach the outputs.
#[test]
fn records_without_ids_are_named_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c4.jsonl");
    std::fs::write(
        &f,
        "{\"text\":\"one two three\"}\n\n{\"text\":\"four five six\"}\n{\"id\":\"x\",\"text\":\"seven\"}\n",
    )
    .unwrap();
    let out = doublet()
        .current_dir(dir.path())
        .args(["scan", "-q", "--json", "c4.jsonl"])
        .assert()
        .success()
        .get_output()
        .clone();
    let r = json(&out.stdout);
    assert_accounting(&r);
    let ids = crate::document_ids(&r);
    assert_eq!(ids, ["c4.jsonl:1", "c4.jsonl:3", "x"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "2 records had no `id` field; they are named by file and line, e.g. \"c4.jsonl:1\""
        ),
        "{err}"
    );
    let kept = dir.path().join("kept.jsonl");
    doublet()
        .current_dir(dir.path())
        .args(["dedup", "-q", "c4.jsonl", "-o", "kept.jsonl"])
        .assert()
        .success();
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(kept)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["id"], "c4.jsonl:1");
}

/// Compression is recognised by its magic bytes: gzip JSON Lines named
/// `data.gz`, or named `.jsonl`, and zstd named `.jsonl`, are all read.
#[test]
fn compression_is_recognised_by_its_first_bytes() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let line = b"{\"id\":\"a\",\"text\":\"compressed text\"}\n";
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(line).unwrap();
        e.finish().unwrap()
    };
    let zst = zstd::encode_all(&line[..], 3).unwrap();
    for (name, bytes) in [("data.gz", &gz), ("gzip.jsonl", &gz), ("zstd.jsonl", &zst)] {
        let f = dir.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        let r = json(&doublet().args(["scan", "-q", "--json"]).arg(&f).stdout_ok());
        assert_eq!(r["documents"][0]["id"], "a", "{name}");
    }
}

#[test]
fn the_summary_lists_up_to_the_limit_and_says_how_many_more() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(&corpus, crate::seeds_and_copies_jsonl()).unwrap();
    let summary = |extra: &[&str]| {
        String::from_utf8(
            doublet()
                .arg("scan")
                .arg(&corpus)
                .arg("-q")
                .args(extra)
                .stdout_ok(),
        )
        .unwrap()
    };
    let clusters = |s: &str| s.lines().filter(|l| l.starts_with("cluster ")).count();
    // Three stories (two with a reprint), each with its copy.
    assert_eq!(clusters(&summary(&["--limit", "0"])), 3);
    assert_eq!(clusters(&summary(&[])), 3);
    let two = summary(&["--limit", "2"]);
    assert_eq!(clusters(&two), 2, "{two}");
    assert!(
        two.contains("… and 1 more cluster (all in the JSON report: --json or --report FILE"),
        "{two}"
    );
    let report = dir.path().join("r.json");
    let named = summary(&["--limit", "1", "--report", report.to_str().unwrap()]);
    assert!(
        named.contains(&format!(
            "… and 2 more clusters (all in {}",
            report.display()
        )),
        "{named}"
    );
    // Removed copies say which way the containment runs.
    assert!(
        two.contains("exact duplicate of ") && two.contains("% of its shingles are there"),
        "{two}"
    );
}

#[test]
fn an_edited_copy_just_below_the_threshold_is_called_a_near_miss() {
    let dir = tempfile::tempdir().unwrap();
    let out = doublet()
        .arg("scan")
        .arg(crate::near_miss(dir.path()))
        .stdout_ok();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("edited and original: 1 passage")
            && out.contains("(jaccard 0.661, containment 0.798: a near miss, below the duplicate thresholds 0.80 and 0.80)"),
        "{out}"
    );
}
