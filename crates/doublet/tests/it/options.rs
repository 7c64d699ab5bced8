//! Settings are validated as a whole: any combination of values either is
//! refused naming a field, or runs to a report that adds up, with scores in
//! [0, 1], and whose shared-passage pairs `compare` also finds related.

use doublet::clean::Profile;
use doublet::config::Paragraphs;
use doublet::{CleanConfig, Config, Document, Error, KeepPolicy, PairRelation, Scanner};
use proptest::prelude::*;

use crate::fixtures::{article, lines, seeds};

/// Every name `Config::validated` may give in an error.
const FIELDS: &[&str] = &[
    "ngram",
    "num_perm",
    "threshold",
    "containment",
    "bands",
    "rows",
    "anchor_rate",
    "anchor_min",
    "anchor_max_df",
    "max_bucket",
    "min_passage",
    "passage_gap",
    "passage_max_df",
    "min_words",
    "min_content_share",
    "written_margin",
    "clean.repeat_min_words",
    "clean.length_low",
    "clean.length_high",
    "clean.length_sentence",
    "clean.stopwords_low",
    "clean.stopwords_high",
    "clean.corpus_min_docs",
    "clean.edge_share",
    "clean.corpus_related",
];

/// Mostly values in `normal`, sometimes one of the values users (and
/// scripts) type at the edges: 0, 1, 2, huge.
fn size(normal: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = usize> {
    prop_oneof![
        24 => normal,
        1 => prop_oneof![
            Just(0usize),
            Just(1),
            Just(2),
            Just(3),
            Just(1 << 20),
            Just(u32::MAX as usize),
            Just(usize::MAX / 2),
            Just(usize::MAX),
        ],
    ]
}

fn share(normal: std::ops::RangeInclusive<f64>) -> impl Strategy<Value = f64> {
    prop_oneof![
        24 => normal,
        1 => prop_oneof![
            Just(f64::NAN),
            Just(-0.5),
            Just(-0.0),
            Just(0.0),
            Just(f64::MIN_POSITIVE),
            Just(1.0),
            Just(1.0 + f64::EPSILON),
            Just(1.5),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
        ],
    ]
}

fn lsh() -> impl Strategy<Value = (Option<usize>, Option<usize>)> {
    prop_oneof![
        8 => Just((None, None)),
        2 => (1..=16usize, 1..=8usize).prop_map(|(b, r)| (Some(b), Some(r))),
        1 => prop_oneof![
            Just((Some(0), Some(4))),
            Just((Some(4), None)),
            Just((None, Some(4))),
            Just((Some(usize::MAX), Some(usize::MAX))),
            Just((Some(1 << 33), Some(1 << 33))),
            Just((Some(1), Some(usize::MAX))),
        ],
    ]
}

fn clean() -> impl Strategy<Value = CleanConfig> {
    (
        any::<bool>(),
        size(1..=12),
        size(0..=100),
        size(150..=300),
        size(100..=150),
        share(0.05..=0.4),
        share(0.4..=0.6),
        size(2..=8),
        share(0.1..=1.0),
        share(0.1..=1.0),
        prop_oneof![
            Just(Profile::Auto),
            Just(Profile::Web),
            Just(Profile::Plain)
        ],
    )
        .prop_map(
            |(
                enabled,
                repeat_min_words,
                length_low,
                length_high,
                length_sentence,
                stopwords_low,
                stopwords_high,
                corpus_min_docs,
                edge_share,
                corpus_related,
                profile,
            )| CleanConfig {
                enabled,
                profile,
                repeat_min_words,
                length_low,
                length_high,
                length_sentence,
                stopwords_low,
                stopwords_high,
                corpus_min_docs,
                edge_share,
                corpus_related,
            },
        )
}

fn config() -> impl Strategy<Value = Config> {
    let sketch = (
        size(1..=8),
        // Bounded so that a case runs in milliseconds; the edges still reach
        // 0, 1, 2, 3 and huge (refused).
        size(8..=256),
        any::<u64>(),
        share(0.05..=1.0),
        share(0.05..=1.0),
        lsh(),
        prop_oneof![
            10 => 1..=64u64,
            1 => prop_oneof![Just(0u64), Just(1), Just(u64::MAX)]
        ],
        size(1..=64),
        size(2..=512),
        size(2..=2000),
    );
    let passages = (
        prop_oneof![3 => Just(0usize), 12 => 5..=24usize, 2 => size(0..=12)],
        size(0..=8),
        size(2..=128),
        prop_oneof![Just(KeepPolicy::MostComplete), Just(KeepPolicy::First)],
        size(0..=40),
        share(0.0..=1.0),
        any::<bool>(),
        clean(),
        (
            share(0.0..=1.0),
            prop_oneof![
                Just(Paragraphs::Auto),
                Just(Paragraphs::Lines),
                Just(Paragraphs::Blank)
            ],
        ),
    );
    (sketch, passages).prop_map(
        |(
            (
                ngram,
                num_perm,
                seed,
                threshold,
                containment,
                (bands, rows),
                anchor_rate,
                anchor_min,
                anchor_max_df,
                max_bucket,
            ),
            (
                min_passage,
                passage_gap,
                passage_max_df,
                keep,
                min_words,
                min_content_share,
                dedup_paragraphs,
                clean,
                (written_margin, paragraphs),
            ),
        )| Config {
            ngram,
            num_perm,
            seed,
            threshold,
            containment,
            bands,
            rows,
            anchor_rate,
            anchor_min,
            anchor_max_df,
            max_bucket,
            min_passage,
            passage_gap,
            passage_max_df,
            keep,
            min_words,
            min_content_share,
            written_margin,
            paragraphs,
            dedup_paragraphs,
            clean,
        },
    )
}

/// The seeds, plus copies of them that relate in every way a scan reports:
/// an exact copy, a cut-down one, one edited, one quoting a paragraph, an
/// empty and a one-word document, and generated unrelated prose.
fn corpus(edit: u64) -> Vec<Document> {
    let mut docs = seeds();
    let first = docs[0].text.clone();
    let paragraphs: Vec<&str> = first.lines().filter(|l| !l.trim().is_empty()).collect();
    docs.push(Document::new("copy-exact", first.to_uppercase()));
    docs.push(Document::new(
        "copy-part",
        paragraphs[..paragraphs.len().div_ceil(2)].join("\n"),
    ));
    let mut edited: Vec<String> = paragraphs.iter().map(|p| p.to_string()).collect();
    let at = edit as usize % edited.len();
    edited[at] = article(edit, 1).remove(0);
    docs.push(Document::new("copy-edited", edited.join("\n")));
    let longest = paragraphs
        .iter()
        .max_by_key(|p| p.len())
        .copied()
        .unwrap_or_default();
    let mut quoting = article(edit ^ 0x5eed, 4);
    quoting.insert(2, longest.to_owned());
    docs.push(Document::new("quoting", lines(&quoting)));
    docs.push(Document::new("empty", ""));
    docs.push(Document::new("one-word", "Advertisement"));
    docs.push(Document::new("generated", lines(&article(edit, 5))));
    docs
}

fn unit_interval(what: &str, x: f64) -> Result<(), TestCaseError> {
    prop_assert!((0.0..=1.0).contains(&x), "{what} = {x}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_settings_are_refused_by_name_or_run_consistently(cfg in config(), edit in any::<u64>()) {
        let validated = match cfg.clone().validated() {
            Err(Error::Config { field, reason }) => {
                prop_assert!(FIELDS.contains(&field), "unknown field {field}: {reason}");
                prop_assert!(!reason.is_empty());
                // The scanner and compare refuse the same settings.
                prop_assert!(Scanner::new(cfg.clone()).is_err());
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("not a config error: {e}"))),
            Ok(v) => v,
        };
        // Validation is idempotent: a validated config is valid as it is.
        let again = validated.clone().validated().ok();
        prop_assert_eq!(again.as_ref(), Some(&validated));

        let docs = corpus(edit);
        let mut scanner = Scanner::new(cfg.clone()).unwrap();
        scanner.push(docs.clone()).unwrap();
        let report = scanner.finish().unwrap();
        let s = &report.stats;
        prop_assert_eq!(s.documents, docs.len());
        prop_assert_eq!(s.kept + s.removed, s.documents);
        prop_assert_eq!(s.exact + s.near_duplicate + s.contained, s.removed);
        prop_assert_eq!(report.documents.len(), docs.len());
        let members: usize = report.clusters.iter().map(|c| c.members.len()).sum();
        prop_assert_eq!(members, docs.len());
        for d in &report.documents {
            if let Some(j) = d.jaccard {
                unit_interval("jaccard", j)?;
            }
            if let Some(c) = d.containment {
                unit_interval("containment", c)?;
            }
            prop_assert!(d.content_words <= d.words, "{}", d.id);
        }
        let by_id = |id: &str| docs.iter().find(|d| d.id == id).unwrap();
        for p in &report.pairs {
            unit_interval("pair jaccard", p.jaccard)?;
            unit_interval("a_in_b", p.a_in_b)?;
            unit_interval("b_in_a", p.b_in_a)?;
            prop_assert!(p.a < p.b, "{} {}", p.a, p.b);
            for x in &p.passages {
                prop_assert!(x.tokens >= validated.min_passage, "{x:?}");
            }
            if !p.passages.is_empty() {
                let c = doublet::compare(&cfg, by_id(&p.a), by_id(&p.b)).unwrap();
                prop_assert_ne!(
                    c.relation,
                    PairRelation::Unrelated,
                    "scan found passages between {} and {} that compare does not: {:?}",
                    &p.a,
                    &p.b,
                    &p.passages
                );
            }
        }
    }
}
