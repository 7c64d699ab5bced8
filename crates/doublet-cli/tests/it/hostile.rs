//! Hostile input: nothing panics, nothing vanishes, errors name the file.

use std::io::Write;

use crate::{assert_accounting, doublet, json, seeds_jsonl, stderr_of, StdoutOk};

#[test]
fn truncated_compressed_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeds_jsonl();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Default::default());
    gz.write_all(data.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(data.as_bytes(), 3).unwrap();
    for (name, bytes) in [
        ("cut.jsonl.gz", &gz[..gz.len() / 2]),
        ("cut.jsonl.zst", &zst[..zst.len() / 2]),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        let msg = stderr_of(doublet().arg("scan").arg(&f).assert());
        assert!(msg.contains(name), "{name}: {msg}");
        assert!(!msg.contains("panicked"), "{msg}");
    }
}

#[test]
fn nul_bytes_and_control_characters_are_text_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ctl.jsonl");
    let text = "Before\u{0}the NUL and \u{1b}[31m escape codes, \u{7}bells and \u{feff}marks the minister said on Tuesday that talks would go on.";
    let lines = [("a", text), ("b", text), ("c", "\u{0}\u{0}\u{0}")]
        .iter()
        .map(|(id, t)| serde_json::json!({"id": id, "text": t}).to_string() + "\n")
        .collect::<String>();
    std::fs::write(&f, lines).unwrap();
    let r = json(&doublet().args(["scan", "--json"]).arg(&f).stdout_ok());
    assert_eq!(r["stats"]["documents"], 3);
    assert_eq!(r["documents"][1]["relation"], "exact");
}

#[test]
fn empty_inputs_give_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("empty.jsonl");
    std::fs::write(&f, "").unwrap();
    let r = json(&doublet().args(["scan", "--json"]).arg(&f).stdout_ok());
    assert_eq!(r["stats"]["documents"], 0);
    assert!(r["documents"].as_array().unwrap().is_empty());
    let out = dir.path().join("out.jsonl");
    doublet()
        .arg("dedup")
        .arg(&f)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), b"");
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_folders_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/a.txt"), "some text").unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    let r = json(
        &doublet()
            .args(["scan", "--json"])
            .arg(dir.path())
            .stdout_ok(),
    );
    assert_eq!(r["stats"]["documents"], 1);
}

#[test]
fn skip_invalid_goes_on_past_bad_records_and_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mixed.jsonl");
    let mut data = seeds_jsonl();
    data.push_str("{not json\n{\"id\":\"no-text\"}\n{\"id\":\"n\",\"text\":7}\n");
    data.push_str(&seeds_jsonl().replace("\"id\":\"0", "\"id\":\"again-0"));
    std::fs::write(&f, &data).unwrap();
    // Without the flag the first bad line stops the run.
    let msg = stderr_of(doublet().arg("scan").arg(&f).assert());
    assert!(msg.contains("mixed.jsonl:6: malformed JSON"), "{msg}");
    // With it, the three bad lines are skipped and listed.
    let r = json(
        &doublet()
            .args(["scan", "--json", "--skip-invalid"])
            .arg(&f)
            .stdout_ok(),
    );
    assert_eq!(r["stats"]["documents"], 10);
    assert_eq!(r["stats"]["skipped"], 3);
    let lines: Vec<u64> = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [6, 7, 8]);
    assert!(r["skipped"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("missing text field"));
    assert_accounting(&r);
    // dedup skips the same records on both passes, and accounts for the rest.
    let out = dir.path().join("clean.jsonl");
    let removed = dir.path().join("removed.jsonl");
    doublet()
        .arg("dedup")
        .arg(&f)
        .arg("--skip-invalid")
        .arg("-o")
        .arg(&out)
        .arg("--removed")
        .arg(&removed)
        .assert()
        .success();
    let count = |p: &std::path::Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert_eq!(count(&out) + count(&removed), 10);
}

#[test]
fn counts_add_up_on_every_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("seeds.jsonl");
    std::fs::write(&f, crate::seeds_and_copies_jsonl()).unwrap();
    for args in [
        vec![crate::news().display().to_string()],
        vec![f.display().to_string()],
        vec![f.display().to_string(), "--no-clean".into()],
    ] {
        let r = json(&doublet().args(["scan", "--json"]).args(&args).stdout_ok());
        assert_accounting(&r);
    }
}
