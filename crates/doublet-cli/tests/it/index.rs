//! `doublet index`: batches decided as one scan, queries that store
//! nothing, settings fixed at creation, eviction by age, compaction.

use std::path::Path;

use serde_json::{json, Value};

use super::{doublet, json, seeds_and_copies_jsonl, stderr_of, Mount, StdoutOk};

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
    // Each seed is held by the index: said so, and never called its own
    // duplicate (a kept one is kept; a removed one goes as it went).
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
        assert_eq!(d["held"], true, "{d}");
        assert_ne!(d["duplicate_of"], d["id"], "{d}");
        if a["kept"] == true {
            assert_eq!(
                (&d["kept"], &d["relation"], &d["duplicate_of"]),
                (&json!(true), &Value::Null, &Value::Null),
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
    std::fs::write(&meta, text.replace("doublet.index/2", "doublet.index/9")).unwrap();
    let err = stderr_of(doublet().args(["index", "stats"]).arg(&ix).assert());
    assert!(
        err.contains("index format \"doublet.index/9\"")
            && err.contains("reads \"doublet.index/2\""),
        "{err}"
    );
    // The format before checksums is refused with what to do.
    std::fs::write(&meta, text.replace("doublet.index/2", "doublet.index/1")).unwrap();
    let err = stderr_of(
        doublet()
            .args(["index", "query"])
            .arg(&ix)
            .arg(super::news())
            .assert(),
    );
    assert!(
        err.contains("\"doublet.index/1\"")
            && err.contains("checksum")
            && err.contains("Create a new index"),
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

#[test]
fn create_refuses_in_a_settings_file_what_it_refuses_as_flags() {
    let tmp = tempfile::tempdir().unwrap();
    for (field, value, says) in [
        ("keep", json!("most_complete"), "keeps the first copy"),
        ("min_passage", json!(12), "no shared passages"),
        ("dedup_paragraphs", json!(true), "no shared passages"),
    ] {
        let config = tmp.path().join(format!("{field}.json"));
        std::fs::write(&config, json!({ field: value }).to_string()).unwrap();
        let ix = tmp.path().join(format!("ix-{field}"));
        let err = stderr_of(
            doublet()
                .args(["index", "create", "--config"])
                .arg(&config)
                .arg(&ix)
                .assert(),
        );
        assert!(
            err.contains(says) && err.contains("--config") && err.contains(field),
            "{err}"
        );
        assert!(!ix.join("meta.json").exists());
    }
    // What the index uses anyway is accepted, and so is a file the flags
    // override.
    let config = tmp.path().join("first.json");
    std::fs::write(
        &config,
        json!({"keep": "first", "min_passage": 12, "threshold": 0.7}).to_string(),
    )
    .unwrap();
    let ix = tmp.path().join("ix-ok");
    doublet()
        .args(["index", "create", "--min-passage", "0", "--config"])
        .arg(&config)
        .arg(&ix)
        .assert()
        .success();
    let meta: Value =
        serde_json::from_slice(&std::fs::read(ix.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["config"]["threshold"], 0.7);
}

#[test]
fn allow_duplicate_ids_renames_past_ids_the_index_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let ix = tmp.path().join("ix");
    create(&ix, &["--no-clean"]);
    let text = |seed: u64| {
        let words = [
            "river", "bridge", "council", "market", "winter", "harbour", "school",
        ];
        (0..60)
            .map(|i| words[((seed * 31 + i * 7 + i * i * seed) % 7) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let first = tmp.path().join("first.jsonl");
    std::fs::write(
        &first,
        json!({"id": "x#2", "text": text(1)}).to_string() + "\n",
    )
    .unwrap();
    add(&ix, &first, &[]);
    let second = tmp.path().join("second.jsonl");
    std::fs::write(
        &second,
        format!(
            "{}\n{}\n",
            json!({"id": "x", "text": text(2)}),
            json!({"id": "x", "text": text(3)})
        ),
    )
    .unwrap();
    let out = doublet()
        .args(["index", "add", "--json", "-q", "--allow-duplicate-ids"])
        .arg(&ix)
        .arg(&second)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let report = json(&out.get_output().stdout);
    let ids: Vec<&str> = super::document_ids(&report);
    assert_eq!(ids, ["x", "x#3"], "{stderr}");
    assert!(stderr.contains("\"x#3\""), "{stderr}");
    assert_eq!(stats(&ix)["documents"], 3);
}

/// Flip the last byte of every copy of `id` in the store file: its id
/// entry, its record and its exact key all hold it.
fn damage(store: &Path, id: &str) {
    let mut bytes = std::fs::read(store).unwrap();
    let id = id.as_bytes();
    let mut at = 0;
    let mut hits = 0;
    while let Some(p) = bytes[at..].windows(id.len()).position(|w| w == id) {
        let p = at + p;
        bytes[p + id.len() - 1] ^= 0x01;
        hits += 1;
        at = p + id.len();
    }
    assert!(hits > 0);
    std::fs::write(store, bytes).unwrap();
}

#[test]
fn a_damaged_store_is_found_by_check_and_refused_by_query() {
    let tmp = tempfile::tempdir().unwrap();
    let ix = tmp.path().join("ix");
    create(&ix, &[]);
    let seeds = super::news();
    add(&ix, &seeds, &[]);
    doublet()
        .args(["index", "check"])
        .arg(&ix)
        .assert()
        .success();
    let first = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let id = first.file_stem().unwrap().to_string_lossy().into_owned();
    damage(&ix.join("index.redb"), &id);
    let out = doublet().args(["index", "check"]).arg(&ix).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("checksum") && err.contains("problems"),
        "{err}"
    );
    let copy = tmp.path().join("copy.jsonl");
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(
        &copy,
        json!({"id": "copy", "text": text}).to_string() + "\n",
    )
    .unwrap();
    let err = stderr_of(
        doublet()
            .args(["index", "query", "-q"])
            .arg(&ix)
            .arg(&copy)
            .assert(),
    );
    assert!(
        err.contains("index.redb") && err.contains("damaged"),
        "{err}"
    );
}

#[test]
fn a_read_only_index_answers_query_stats_and_check() {
    let tmp = tempfile::tempdir().unwrap();
    let ix = tmp.path().join("ix");
    create(&ix, &[]);
    let seeds = super::news();
    add(&ix, &seeds, &[]);
    // As root, permissions do not stop a write: a read-only mount does.
    // Otherwise the folder and the file lose their write permission.
    let mount = Mount::read_only(&ix);
    let restore = mount.is_none().then(|| {
        use std::os::unix::fs::PermissionsExt;
        for p in [ix.join("index.redb"), ix.join("meta.json"), ix.clone()] {
            let mut perm = std::fs::metadata(&p).unwrap().permissions();
            perm.set_mode(perm.mode() & !0o222);
            std::fs::set_permissions(&p, perm).unwrap();
        }
        ix.clone()
    });
    let ro = mount.as_ref().map_or(ix.clone(), |m| m.dir.clone());
    if mount.is_none()
        && std::fs::OpenOptions::new()
            .write(true)
            .open(ro.join("index.redb"))
            .is_ok()
    {
        eprintln!("skipped: as root without mount, nothing here is read-only");
        return;
    }
    let s = json(
        &doublet()
            .args(["index", "stats", "--json"])
            .arg(&ro)
            .stdout_ok(),
    );
    assert_eq!(s["stats"]["documents"], 5);
    assert_eq!(s["stats"]["read_only"], true);
    doublet()
        .args(["index", "check"])
        .arg(&ro)
        .assert()
        .success();
    let q = json(
        &doublet()
            .args(["index", "query", "--json", "-q"])
            .arg(&ro)
            .arg(&seeds)
            .stdout_ok(),
    );
    assert_eq!(q["documents"][0]["held"], true);
    let other = tmp.path().join("other.jsonl");
    std::fs::write(
        &other,
        json!({"id": "new", "text": "a few new words"}).to_string() + "\n",
    )
    .unwrap();
    let err = stderr_of(
        doublet()
            .args(["index", "add", "-q"])
            .arg(&ro)
            .arg(&other)
            .assert(),
    );
    assert!(
        err.contains("read-only") && err.contains(&*ro.to_string_lossy()),
        "{err}"
    );
    if let Some(dir) = restore {
        use std::os::unix::fs::PermissionsExt;
        for p in [dir.clone(), dir.join("index.redb"), dir.join("meta.json")] {
            let mut perm = std::fs::metadata(&p).unwrap().permissions();
            perm.set_mode(perm.mode() | 0o200);
            std::fs::set_permissions(&p, perm).unwrap();
        }
    }
}

/// Prose of `words` words from a seeded generator, unlike any other seed's.
fn prose(words: usize, seed: u64) -> String {
    const VOCAB: [&str; 24] = [
        "the",
        "of",
        "and",
        "river",
        "council",
        "harbour",
        "station",
        "winter",
        "budget",
        "village",
        "market",
        "bridge",
        "museum",
        "library",
        "festival",
        "weather",
        "workers",
        "train",
        "school",
        "opened",
        "closed",
        "raised",
        "visited",
        "announced",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..words)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            VOCAB[(x % VOCAB.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn batch(path: &Path, name: &str, n: usize, seed: u64) {
    let text: String = (0..n)
        .map(|i| {
            json!({"id": format!("{name}-{i}"), "text": prose(400, seed + i as u64)}).to_string()
                + "\n"
        })
        .collect();
    std::fs::write(path, text).unwrap();
}

/// The disk-full probe, on a 3 MiB tmpfs: the add that fills the
/// disk fails with one message, and gives back the room its pages took
/// in the file, so that a smaller add then succeeds without `index
/// compact` (before, every later change, however small, failed with
/// ENOSPC until it was run).
#[test]
fn a_full_disk_fails_one_add_and_gives_its_room_back() {
    let Some(fs) = Mount::tmpfs("3m") else {
        eprintln!("skipped: this process may not mount a tmpfs");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let ix = fs.dir.join("ix");
    create(&ix, &["--no-clean"]);
    let mut failure = None;
    for b in 0..40 {
        let input = tmp.path().join(format!("b{b}.jsonl"));
        batch(&input, &format!("b{b}"), 60, b * 1000);
        let out = doublet()
            .args(["index", "add", "-q"])
            .arg(&ix)
            .arg(&input)
            .assert();
        if out.get_output().status.code() == Some(2) {
            failure = Some(stderr_of(out));
            break;
        }
        out.success();
    }
    let err = failure.expect("the tmpfs never filled up");
    assert!(
        err.contains("no space left") && err.contains("index.redb") && err.contains("given back"),
        "{err}"
    );
    let small = tmp.path().join("small.jsonl");
    batch(&small, "small", 5, 77_000);
    doublet()
        .args(["index", "add", "-q"])
        .arg(&ix)
        .arg(&small)
        .assert()
        .success();
    doublet()
        .args(["index", "check"])
        .arg(&ix)
        .assert()
        .success();
}
