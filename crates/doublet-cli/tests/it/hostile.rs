//! Hostile input: nothing panics, nothing vanishes, errors name the file.

use std::io::Write;

use crate::{doublet, json, seeds_jsonl, StdoutOk};

fn stderr_of(a: assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.code(2).get_output().stderr.clone()).unwrap()
}

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
