//! Every kind of input gives the same answer for the same documents.

use std::io::Write;

use crate::{doublet, json, seeds_jsonl, StdoutOk};

fn decisions(out: &[u8]) -> Vec<(String, bool, serde_json::Value)> {
    json(out)["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let id = d["id"]
                .as_str()
                .unwrap()
                .trim_end_matches(".txt")
                .to_string();
            let dup = d["duplicate_of"]
                .as_str()
                .map(|s| s.trim_end_matches(".txt").to_string());
            (
                id,
                d["kept"].as_bool().unwrap(),
                serde_json::json!([dup, d["relation"], d["jaccard"], d["containment"]]),
            )
        })
        .collect()
}

#[test]
fn folder_jsonl_gzip_zstd_and_stdin_agree() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeds_jsonl();
    let plain = dir.path().join("seeds.jsonl");
    std::fs::write(&plain, &data).unwrap();
    let gz = dir.path().join("seeds.jsonl.gz");
    let mut w =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), Default::default());
    w.write_all(data.as_bytes()).unwrap();
    w.finish().unwrap();
    let zst = dir.path().join("seeds.json.zst");
    std::fs::write(&zst, zstd::encode_all(data.as_bytes(), 3).unwrap()).unwrap();

    let folder = doublet()
        .args(["scan", "--json"])
        .arg(crate::news())
        .stdout_ok();
    let expected = decisions(&folder);
    for input in [&plain, &gz, &zst] {
        let out = doublet().args(["scan", "--json"]).arg(input).stdout_ok();
        assert_eq!(decisions(&out), expected, "{}", input.display());
    }
    let out = doublet()
        .args(["scan", "--json", "-"])
        .write_stdin(data)
        .stdout_ok();
    assert_eq!(decisions(&out), expected, "stdin");
}

#[test]
fn single_text_files_and_several_inputs_combine() {
    let news = crate::news();
    let out = doublet()
        .args(["scan", "--json"])
        .arg(news.join("002_139156a821428acc.txt"))
        .arg(news.join("003_e9cfeb803afa4857.txt"))
        .stdout_ok();
    let r = json(&out);
    assert_eq!(
        r["documents"][1]["duplicate_of"],
        "002_139156a821428acc.txt"
    );
}

#[test]
fn reversed_input_gives_the_same_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeds_jsonl();
    let fwd = dir.path().join("fwd.jsonl");
    let rev = dir.path().join("rev.jsonl");
    std::fs::write(&fwd, &data).unwrap();
    std::fs::write(
        &rev,
        data.lines()
            .rev()
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let a = json(&doublet().args(["scan", "--json"]).arg(&fwd).stdout_ok());
    let b = json(&doublet().args(["scan", "--json"]).arg(&rev).stdout_ok());
    assert_eq!(a["clusters"], b["clusters"]);
    assert_eq!(a["pairs"], b["pairs"]);
    let mut da = decisions(&serde_json::to_vec(&a).unwrap());
    let mut db = decisions(&serde_json::to_vec(&b).unwrap());
    da.sort_by(|x, y| x.0.cmp(&y.0));
    db.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(da, db);
}

/// `--id-field` and `--text-field` take dotted paths into nested objects
/// (`metadata.body`), decide as the flat records do, and `dedup` writes the
/// cleaned text back where it was, beside the nested object's other fields.
#[test]
fn dotted_field_paths_read_and_write_nested_fields() {
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat.jsonl");
    std::fs::write(&flat, seeds_jsonl()).unwrap();
    let nested = dir.path().join("nested.jsonl");
    let lines: String = seeds_jsonl()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            serde_json::json!({
                "url": v["url"],
                "metadata": {"key": v["id"], "body": v["text"], "lang": "en"},
            })
            .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&nested, lines).unwrap();
    let expected = decisions(&doublet().args(["scan", "--json"]).arg(&flat).stdout_ok());
    let out = doublet()
        .args(["scan", "--json", "--id-field", "metadata.key"])
        .args(["--text-field", "metadata.body"])
        .arg(&nested)
        .stdout_ok();
    assert_eq!(decisions(&out), expected);

    let clean = dir.path().join("clean.jsonl");
    doublet()
        .args(["dedup", "-q", "--id-field", "metadata.key"])
        .args(["--text-field", "metadata.body", "--output"])
        .arg(&clean)
        .arg(&nested)
        .assert()
        .success();
    let kept: Vec<serde_json::Value> = std::fs::read_to_string(&clean)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(kept.len(), expected.iter().filter(|d| d.1).count());
    for k in &kept {
        let m = &k["metadata"];
        assert_eq!(m["lang"], "en", "{k}");
        assert!(
            m["key"].is_string() && m["body"].as_str().is_some_and(|t| !t.is_empty()),
            "{k}"
        );
        assert!(k.get("metadata.body").is_none(), "{k}");
    }
}
