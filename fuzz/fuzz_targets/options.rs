//! Any combination of settings is refused naming a field, or runs: a scan
//! of a few short documents (words from a small vocabulary, copied and
//! edited between documents so that every relation occurs) finishes, its
//! counts add up, every score is in [0, 1], and `compare` finds every pair
//! the scan reports passages for related.
#![no_main]

use doublet::{CleanConfig, Config, Document, Error, KeepPolicy, PairRelation, Scanner};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// A count: mostly in `normal`, sometimes an edge users type (0, 1, huge).
fn size(u: &mut Unstructured, normal: std::ops::RangeInclusive<usize>) -> Result<usize> {
    const EDGES: [usize; 8] = [
        0,
        1,
        2,
        3,
        1 << 20,
        u32::MAX as usize,
        usize::MAX / 2,
        usize::MAX,
    ];
    Ok(match u.int_in_range(0..=15u8)? {
        0 => EDGES[u.choose_index(EDGES.len())?],
        1 => usize::from(u.arbitrary::<u16>()?),
        _ => u.int_in_range(normal)?,
    })
}

/// A share: mostly in `normal`, sometimes NaN, infinite, negative or past 1.
fn share(u: &mut Unstructured, normal: std::ops::RangeInclusive<f64>) -> Result<f64> {
    const EDGES: [f64; 9] = [
        f64::NAN,
        -0.5,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        1.0,
        1.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    Ok(match u.int_in_range(0..=15u8)? {
        0 => EDGES[u.choose_index(EDGES.len())?],
        1 => f64::from_bits(u.arbitrary()?),
        _ => {
            let t = f64::from(u.arbitrary::<u16>()?) / f64::from(u16::MAX);
            normal.start() + t * (normal.end() - normal.start())
        }
    })
}

fn config(u: &mut Unstructured) -> Result<Config> {
    let ngram = size(u, 1..=8)?;
    let num_perm = size(u, 8..=256)?;
    let (bands, rows) = match u.int_in_range(0..=7u8)? {
        0 => (Some(size(u, 1..=16)?), Some(size(u, 1..=8)?)),
        1 => (Some(size(u, 1..=16)?), None),
        2 => (None, Some(size(u, 1..=8)?)),
        _ => (None, None),
    };
    let clean = CleanConfig {
        enabled: u.arbitrary()?,
        repeat_min_words: size(u, 1..=12)?,
        length_low: size(u, 0..=100)?,
        length_high: size(u, 150..=300)?,
        length_sentence: size(u, 100..=150)?,
        stopwords_low: share(u, 0.05..=0.4)?,
        stopwords_high: share(u, 0.4..=0.6)?,
        corpus_min_docs: size(u, 2..=8)?,
        edge_share: share(u, 0.1..=1.0)?,
        corpus_related: share(u, 0.1..=1.0)?,
    };
    Ok(Config {
        ngram,
        num_perm,
        seed: u.arbitrary()?,
        threshold: share(u, 0.05..=1.0)?,
        containment: share(u, 0.05..=1.0)?,
        bands,
        rows,
        anchor_rate: match u.int_in_range(0..=15u8)? {
            0 => [0, 1, u64::MAX][u.choose_index(3)?],
            _ => u.int_in_range(1..=64)?,
        },
        anchor_min: size(u, 1..=64)?,
        anchor_max_df: size(u, 2..=512)?,
        max_bucket: size(u, 2..=2000)?,
        min_passage: match u.int_in_range(0..=3u8)? {
            0 => 0,
            1 => size(u, 0..=12)?,
            _ => u.int_in_range(ngram.min(64)..=ngram.min(64) + 16)?,
        },
        passage_gap: size(u, 0..=8)?,
        passage_max_df: size(u, 2..=128)?,
        keep: if u.arbitrary()? {
            KeepPolicy::First
        } else {
            KeepPolicy::MostComplete
        },
        min_words: size(u, 0..=40)?,
        min_content_share: share(u, 0.0..=1.0)?,
        dedup_paragraphs: u.arbitrary()?,
        clean,
    })
}

const WORDS: [&str; 16] = [
    "the",
    "minister",
    "said",
    "on",
    "tuesday",
    "that",
    "talks",
    "would",
    "continue",
    "and",
    "officials",
    "in",
    "capital",
    "had",
    "agreed",
    "to",
];

/// Two to five documents: fresh text, or a slice of an earlier one with a
/// few words changed; paragraphs every so many words.
fn documents(u: &mut Unstructured) -> Result<Vec<Document>> {
    let n = u.int_in_range(2..=5usize)?;
    let mut texts: Vec<Vec<&str>> = Vec::new();
    for _ in 0..n {
        let words: Vec<&str> = if !texts.is_empty() && u.arbitrary()? {
            let from = &texts[u.choose_index(texts.len())?];
            let start = u.int_in_range(0..=from.len())?;
            let end = u.int_in_range(start..=from.len())?;
            let mut w = from[start..end].to_vec();
            for _ in 0..u.int_in_range(0..=3u8)? {
                if !w.is_empty() {
                    let at = u.choose_index(w.len())?;
                    w[at] = WORDS[u.choose_index(WORDS.len())?];
                }
            }
            w
        } else {
            let len = u.int_in_range(0..=160usize)?;
            (0..len)
                .map(|_| Ok(WORDS[u.choose_index(WORDS.len())?]))
                .collect::<Result<_>>()?
        };
        texts.push(words);
    }
    let every = u.int_in_range(8..=60usize)?;
    Ok(texts
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let text: String = w
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let sep = if k % every == every - 1 { ".\n" } else { " " };
                    format!("{w}{sep}")
                })
                .collect();
            Document::new(format!("d{i}"), text)
        })
        .collect())
}

fn unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(cfg), Ok(docs)) = (config(&mut u), documents(&mut u)) else {
        return;
    };
    let validated = match cfg.clone().validated() {
        Err(Error::Config { field, reason }) => {
            assert!(!field.is_empty() && !reason.is_empty());
            assert!(Scanner::new(cfg).is_err());
            return;
        }
        Err(e) => panic!("not a config error: {e}"),
        Ok(v) => v,
    };
    let mut scanner = Scanner::new(cfg.clone()).unwrap();
    scanner.push(docs.clone()).unwrap();
    let report = scanner.finish();
    let s = &report.stats;
    assert_eq!(s.documents, docs.len());
    assert_eq!(s.kept + s.removed, s.documents);
    assert_eq!(s.exact + s.near_duplicate + s.contained, s.removed);
    assert_eq!(
        report
            .clusters
            .iter()
            .map(|c| c.members.len())
            .sum::<usize>(),
        docs.len()
    );
    for d in &report.documents {
        assert!(
            d.jaccard.is_none_or(unit) && d.containment.is_none_or(unit),
            "{d:?}"
        );
    }
    let by_id = |id: &str| docs.iter().find(|d| d.id == id).unwrap();
    for p in &report.pairs {
        assert!(unit(p.jaccard) && unit(p.a_in_b) && unit(p.b_in_a), "{p:?}");
        assert!(p.passages.iter().all(|x| x.tokens >= validated.min_passage));
        if !p.passages.is_empty() {
            let c = doublet::compare(&cfg, by_id(&p.a), by_id(&p.b)).unwrap();
            assert_ne!(c.relation, PairRelation::Unrelated, "{p:?}");
        }
    }
    let c = doublet::compare(&cfg, &docs[0], &docs[1]).unwrap();
    assert!(unit(c.jaccard) && unit(c.a_in_b) && unit(c.b_in_a), "{c:?}");
});
