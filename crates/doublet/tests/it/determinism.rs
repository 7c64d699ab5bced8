//! The same documents give the same report whatever the thread count, and the
//! same decisions whatever the input order.

use doublet::{Config, Document, Report, Scanner};
use proptest::prelude::*;

use crate::fixtures::{article, lines, Rng};

/// Unrelated articles plus exact, near and partial copies of some of them.
fn corpus(seed: u64, originals: usize) -> Vec<Document> {
    let mut rng = Rng::new(seed);
    let mut docs = Vec::new();
    for i in 0..originals {
        let paras = article(
            seed.wrapping_mul(1000) + i as u64,
            6 + (rng.next() % 6) as usize,
        );
        docs.push(Document::new(format!("orig-{i:03}"), lines(&paras)));
        match rng.next() % 4 {
            0 => docs.push(Document::new(
                format!("exact-{i:03}"),
                lines(&paras).to_uppercase(),
            )),
            1 => {
                let mut p = paras.clone();
                p[0] = article(rng.next(), 1).remove(0);
                docs.push(Document::new(format!("near-{i:03}"), lines(&p)));
            }
            2 => docs.push(Document::new(
                format!("part-{i:03}"),
                lines(&paras[..paras.len() * 2 / 3]),
            )),
            _ => {}
        }
    }
    docs
}

fn run(docs: Vec<Document>, threads: usize, batch: usize) -> Report {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut s = Scanner::new(Config::default()).unwrap();
        for chunk in docs.chunks(batch) {
            s.push(chunk.to_vec()).unwrap();
        }
        s.finish().unwrap()
    })
}

/// Everything a report decides, independent of input order.
fn decisions(r: &Report) -> String {
    let mut docs: Vec<_> = r
        .documents
        .iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    docs.sort();
    format!(
        "{}\n{}\n{}\n{}",
        docs.join("\n"),
        serde_json::to_string(&r.clusters).unwrap(),
        serde_json::to_string(&r.pairs).unwrap(),
        serde_json::to_string(&r.stats).unwrap()
    )
}

#[test]
fn byte_identical_across_threads_and_batches() {
    let docs = corpus(1, 60);
    let one = serde_json::to_string(&run(docs.clone(), 1, 1000)).unwrap();
    for (threads, batch) in [(2, 7), (3, 1), (4, 33)] {
        let other = serde_json::to_string(&run(docs.clone(), threads, batch)).unwrap();
        assert_eq!(one, other, "{threads} threads, batches of {batch}");
    }
}

#[test]
fn same_decisions_with_reversed_input() {
    let docs = corpus(2, 60);
    let forward = run(docs.clone(), 2, 50);
    assert!(forward.stats.removed >= 20, "{:?}", forward.stats);
    let mut rev = docs;
    rev.reverse();
    let backward = run(rev, 2, 50);
    assert_eq!(decisions(&forward), decisions(&backward));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn any_order_gives_the_same_decisions(seed in 0u64..1_000_000, shuffle in any::<u64>()) {
        let docs = corpus(seed, 12);
        let base = run(docs.clone(), 1, 100);
        let mut shuffled = docs;
        let mut rng = Rng::new(shuffle);
        for i in (1..shuffled.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let other = run(shuffled, 2, 5);
        prop_assert_eq!(decisions(&base), decisions(&other));
    }
}

#[test]
fn a_memory_budget_stops_the_scan_with_the_figures() {
    use doublet::{Config, Document, Error, Scanner};
    let docs: Vec<Document> = (0..50)
        .map(|i| Document::new(format!("d{i}"), format!("document number {i} ").repeat(200)))
        .collect();
    let mut scanner = Scanner::new(Config::default())
        .unwrap()
        .with_memory_budget(100_000);
    match scanner.push(docs.clone()) {
        Err(Error::MemoryBudget {
            budget,
            needed,
            documents,
            per_document,
        }) => {
            assert_eq!((budget, documents), (100_000, 50));
            assert!(needed > budget && per_document * 50 <= needed);
        }
        other => panic!("expected a budget error, got {other:?}"),
    }
    let mut roomy = Scanner::new(Config::default())
        .unwrap()
        .with_memory_budget(1 << 30);
    roomy.push(docs).unwrap();
    assert!(roomy.footprint() > 0 && roomy.footprint() < 1 << 30);
}

#[test]
fn a_stage_observer_sees_every_stage_in_order_and_changes_nothing() {
    use std::sync::{Arc, Mutex};
    let docs = corpus(3, 30);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let mut s = Scanner::new(Config::default())
        .unwrap()
        .with_stage_observer(move |stage| log.lock().unwrap().push(stage));
    s.push(docs.clone()).unwrap();
    let observed = serde_json::to_string(&s.finish().unwrap()).unwrap();
    let plain = serde_json::to_string(&run(docs, 2, 1000)).unwrap();
    assert_eq!(observed, plain);
    use doublet::Stage::*;
    assert_eq!(
        *seen.lock().unwrap(),
        [Furniture, Signing, Candidates, Verifying, Passages, Report]
    );
}
