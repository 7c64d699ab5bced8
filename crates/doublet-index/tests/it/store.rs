//! What the store keeps and refuses: checksums that find damaged bytes,
//! queries that never call a stored document its own duplicate.

use std::path::Path;

use doublet::{Config, Document};
use doublet_index::Index;

use crate::fixtures::{article, lines, Rng};

fn config() -> Config {
    Config {
        min_passage: 0,
        ..Config::default()
    }
}

fn docs(n: usize, seed: u64) -> Vec<Document> {
    (0..n)
        .map(|i| Document::new(format!("doc-{i:03}"), lines(&article(seed + i as u64, 4))))
        .collect()
}

/// An index of `docs` in `dir`.
fn build(dir: &Path, docs: &[Document]) {
    let index = Index::create(dir, config()).unwrap();
    for chunk in docs.chunks(10) {
        let mut s = index.scanner().unwrap();
        s.push(chunk.to_vec()).unwrap();
        index.add(s, &[], 1_700_000_000).unwrap();
    }
}

type Decisions = Vec<(String, Option<String>, Option<doublet::Relation>, bool)>;

/// What a query of `docs` answers, or `None` when it refuses (an error,
/// or the store's panic on a page it cannot parse).
fn query(dir: &Path, docs: &[Document]) -> Option<Decisions> {
    std::panic::catch_unwind(|| {
        let index = Index::open(dir).ok()?;
        let mut s = index.scanner().ok()?;
        s.push(docs.to_vec()).ok()?;
        let report = index.query(s).ok()?;
        Some(
            report
                .documents
                .iter()
                .map(|d| (d.id.clone(), d.duplicate_of.clone(), d.relation, d.kept))
                .collect(),
        )
    })
    .ok()
    .flatten()
}

/// Whether `check` calls the index sound (not when it finds problems,
/// fails, or the store panics).
fn sound(dir: &Path) -> bool {
    std::panic::catch_unwind(|| {
        Index::open(dir)
            .and_then(|i| i.check())
            .is_ok_and(|p| p.is_empty())
    })
    .unwrap_or(false)
}

/// Copies of the stored texts under new ids, and the stored documents
/// themselves: what a query reads covers every kept record.
fn probes(stored: &[Document]) -> Vec<Document> {
    stored
        .iter()
        .map(|d| Document::new(format!("again-{}", d.id), d.text.clone()))
        .collect()
}

/// The probe: 1–3 bytes of the store flipped, 60 times. Before
/// checksums `check` called 38 of 60 such stores sound, once while a
/// query's answer had changed. Now a store `check` calls sound answers
/// every query as before, and every flip inside a live record is found.
#[test]
fn flipped_bytes_are_found_by_check_or_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    let stored = docs(40, 100);
    build(&good, &stored);
    let probes = probes(&stored);
    let expected = query(&good, &probes).unwrap();
    assert!(sound(&good));
    let original = std::fs::read(good.join("index.redb")).unwrap();
    let mut rng = Rng::new(29);
    let (mut found, mut harmless) = (0, 0);
    for trial in 0..60 {
        let dir = tmp.path().join(format!("t{trial}"));
        std::fs::create_dir(&dir).unwrap();
        std::fs::copy(good.join("meta.json"), dir.join("meta.json")).unwrap();
        let mut bytes = original.clone();
        for _ in 0..1 + rng.next() % 3 {
            let at = (rng.next() % bytes.len() as u64) as usize;
            bytes[at] ^= 1 << (rng.next() % 8);
        }
        std::fs::write(dir.join("index.redb"), &bytes).unwrap();
        if sound(&dir) {
            harmless += 1;
            assert_eq!(
                query(&dir, &probes).as_ref(),
                Some(&expected),
                "trial {trial}: check called the store sound, and a query answered otherwise"
            );
        } else {
            found += 1;
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!("{found} damaged stores found, {harmless} flips changed nothing");
    assert!(found > 0);
}

/// A byte flipped inside live records (every copy of one document's id in
/// the file, which its id entry, its record and its exact key hold) is
/// found by `check`, and a query that reads those records refuses.
#[test]
fn a_damaged_record_is_refused_by_query_and_listed_by_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ix");
    let stored = docs(20, 300);
    build(&dir, &stored);
    let path = dir.join("index.redb");
    let mut bytes = std::fs::read(&path).unwrap();
    let id = b"doc-007";
    let mut hits = 0;
    let mut at = 0;
    while let Some(p) = bytes[at..].windows(id.len()).position(|w| w == id) {
        let p = at + p;
        bytes[p + id.len() - 1] ^= 0x01; // "doc-007" becomes "doc-006"
        hits += 1;
        at = p + id.len();
    }
    assert!(hits >= 2, "the id is stored in its entry and its records");
    std::fs::write(&path, &bytes).unwrap();

    let index = Index::open(&dir).unwrap();
    let problems = index.check().unwrap();
    assert!(
        problems.iter().any(|p| p.contains("checksum")),
        "{problems:?}"
    );
    let mut s = index.scanner().unwrap();
    s.push(vec![Document::new("copy", stored[7].text.clone())])
        .unwrap();
    let err = index.query(s).unwrap_err().to_string();
    assert!(
        err.contains("index.redb") && err.contains("damaged"),
        "{err}"
    );
    assert!(index.health().is_err(), "health reports what was found");
}

/// `query` of a document the index holds says so, and never calls it
/// the duplicate of itself; a copy under another id is still a copy.
#[test]
fn a_query_of_a_stored_document_says_it_is_held() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ix");
    let stored = docs(10, 500);
    build(&dir, &stored);
    let index = Index::open(&dir).unwrap();
    let mut s = index.scanner().unwrap();
    s.push(vec![
        stored[3].clone(),
        Document::new("copy-of-3", stored[3].text.clone()),
        Document::new("new", lines(&article(9_999, 4))),
    ])
    .unwrap();
    let r = index.query(s).unwrap();
    let d = &r.documents;
    assert!(d[0].held && d[0].kept, "{:?}", d[0]);
    assert_eq!(d[0].duplicate_of, None);
    assert_eq!(d[1].duplicate_of.as_deref(), Some("doc-003"));
    assert!(!d[1].held && !d[2].held && d[2].kept);
    assert_eq!(r.stats.kept, 2);
    assert_eq!(r.stats.removed, 1);
    let json = serde_json::to_value(&r.documents[2]).unwrap();
    assert!(json.get("held").is_none(), "written only when true");
}
