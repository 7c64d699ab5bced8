//! Reported scores equal Jaccard and containment computed independently:
//! n-grams as strings in hash sets, no hashing, sketching or index involved.

use std::collections::HashSet;

use doublet::text::normalise::{normalise, words};
use doublet::{CleanConfig, Config, Document, Report};

use crate::fixtures::{article, lines, scan_with, seeds};

fn ngrams(text: &str, n: usize) -> HashSet<String> {
    let norm = normalise(text);
    let w: Vec<&str> = words(&norm).collect();
    if w.is_empty() {
        return HashSet::new();
    }
    if w.len() < n {
        return HashSet::from([w.join(" ")]);
    }
    w.windows(n).map(|g| g.join(" ")).collect()
}

fn content(report: &Report, docs: &[Document], id: &str) -> String {
    let d = report.documents.iter().find(|d| d.id == id).unwrap();
    let text = &docs.iter().find(|x| x.id == id).unwrap().text;
    d.content
        .iter()
        .map(|s| &text[s.start..s.end])
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(report: &Report, docs: &[Document], n: usize) {
    assert!(!report.pairs.is_empty());
    for p in &report.pairs {
        let a = ngrams(&content(report, docs, &p.a), n);
        let b = ngrams(&content(report, docs, &p.b), n);
        let inter = a.intersection(&b).count() as f64;
        let j = inter / a.union(&b).count() as f64;
        let close = |x: f64, y: f64| (x - y).abs() < 1e-6;
        assert!(
            close(p.jaccard, j),
            "{} {}: jaccard {} vs {j}",
            p.a,
            p.b,
            p.jaccard
        );
        assert!(
            close(p.a_in_b, inter / a.len() as f64),
            "{} in {}",
            p.a,
            p.b
        );
        assert!(
            close(p.b_in_a, inter / b.len() as f64),
            "{} in {}",
            p.b,
            p.a
        );
    }
    for d in report.documents.iter().filter(|d| !d.kept) {
        let k = d.duplicate_of.as_deref().unwrap();
        let a = ngrams(&content(report, docs, &d.id), n);
        let b = ngrams(&content(report, docs, k), n);
        let inter = a.intersection(&b).count() as f64;
        assert!(
            (d.containment.unwrap() - inter / a.len() as f64).abs() < 1e-6,
            "{}",
            d.id
        );
        assert!(
            (d.jaccard.unwrap() - inter / a.union(&b).count() as f64).abs() < 1e-6,
            "{}",
            d.id
        );
    }
}

#[test]
fn seed_scores_are_exact() {
    let docs = seeds();
    let r = scan_with(Config::default(), docs.clone());
    check(&r, &docs, 5);
}

#[test]
fn planted_scores_are_exact_without_cleaning_and_other_ngram_sizes() {
    let base = article(3, 10);
    let mut docs = vec![Document::new("base", lines(&base))];
    docs.push(Document::new("half", lines(&base[..6])));
    let mut edited = base.clone();
    edited[2] = article(99, 1).remove(0);
    docs.push(Document::new("edited", lines(&edited)));
    docs.push(Document::new("other", lines(&article(4, 8))));
    for n in [3, 5, 7] {
        let cfg = Config {
            ngram: n,
            clean: CleanConfig {
                enabled: false,
                ..Default::default()
            },
            ..Default::default()
        };
        let r = scan_with(cfg, docs.clone());
        check(&r, &docs, n);
    }
}
