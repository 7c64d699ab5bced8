//! Per-stage throughput of the engine (criterion). Run with `cargo bench`.
//!
//! The corpus is generated here: news-like pages of varied sentences, a
//! quarter of them near-copies of others, so every stage has real work.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use doublet::clean::{boilerplate, BlockFeatures};
use doublet::index::{self, Anchors};
use doublet::keyed::Spill;
use doublet::sketch::Sketcher;

use doublet::text::{normalise, segment, shingle};
use doublet::{CleanConfig, Config, Document, Scanner};

const WORDS: &[&str] = &[
    "the",
    "minister",
    "said",
    "on",
    "tuesday",
    "that",
    "talks",
    "with",
    "his",
    "counterpart",
    "would",
    "continue",
    "in",
    "geneva",
    "after",
    "a",
    "week",
    "of",
    "meetings",
    "between",
    "officials",
    "from",
    "both",
    "countries",
    "harbour",
    "council",
    "agreed",
    "to",
    "fund",
    "new",
    "terminal",
    "despite",
    "protests",
    "by",
    "local",
    "traders",
    "who",
    "fear",
    "loss",
    "trade",
    "ceasefire",
    "brokered",
    "february",
    "has",
    "since",
    "collapsed",
    "amid",
    "heavy",
    "fighting",
    "report",
    "found",
    "were",
    "not",
    "consulted",
    "and",
    "warned",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn page(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..(8 + rng.next() % 8) {
        for _ in 0..(2 + rng.next() % 3) {
            let n = 10 + rng.next() % 20;
            let s: Vec<&str> = (0..n)
                .map(|_| WORDS[(rng.next() % WORDS.len() as u64) as usize])
                .collect();
            let mut s = s.join(" ");
            s[..1].make_ascii_uppercase();
            out.push_str(&s);
            out.push_str(". ");
        }
        out.push('\n');
    }
    out
}

fn corpus(n: usize) -> Vec<Document> {
    let mut rng = Rng(7);
    let mut docs: Vec<Document> = Vec::with_capacity(n);
    for i in 0..n {
        let text = if i % 4 == 3 {
            let src = &docs[(rng.next() % i as u64) as usize].text;
            src.replacen("the", "a", 3)
        } else {
            page(&mut rng)
        };
        docs.push(Document::new(format!("d{i:06}"), text));
    }
    docs
}

fn bytes(docs: &[Document]) -> u64 {
    docs.iter().map(|d| d.text.len() as u64).sum()
}

/// The engine's tokeniser, as analysis runs it: every block's words split at
/// Unicode word boundaries of the original text, each normalised on its own
/// and hashed once.
fn tokens(text: &str) -> Vec<u32> {
    let mut buf = String::new();
    let mut out = Vec::new();
    for s in segment::blocks(text) {
        normalise::for_each_word(&text[s.start..s.end], &mut buf, |_, _, w| {
            out.push(shingle::token(w))
        });
    }
    out
}

fn stages(c: &mut Criterion) {
    let docs = corpus(2000);
    let size = bytes(&docs);
    let cfg = Config::default();

    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(size));
    g.bench_function("normalise+segment+tokens", |b| {
        b.iter(|| docs.iter().map(|d| tokens(&d.text).len()).sum::<usize>())
    });
    let toks: Vec<Vec<u32>> = docs.iter().map(|d| tokens(&d.text)).collect();
    g.bench_function("shingle sets", |b| {
        b.iter(|| {
            toks.iter()
                .map(|t| shingle::shingle_set(t, 5, 1).len())
                .sum::<usize>()
        })
    });
    g.finish();

    let sets: Vec<Vec<u64>> = toks.iter().map(|t| shingle::shingle_set(t, 5, 1)).collect();
    let mut g = c.benchmark_group("sketch");
    g.throughput(Throughput::Bytes(size));
    for k in [64usize, 128, 256] {
        g.bench_function(format!("signatures k={k}"), |b| {
            let mut sk = Sketcher::new(k, 1);
            b.iter(|| {
                sets.iter()
                    .filter_map(|s| sk.sign(s.iter().copied()))
                    .count()
            })
        });
    }
    g.finish();

    let mut sk = Sketcher::new(128, 1);
    let sigs: Vec<_> = sets
        .iter()
        .map(|s| sk.sign(s.iter().copied()).unwrap())
        .collect();
    let with_sig: Vec<(u32, &doublet::sketch::Signature, u128)> = sigs
        .iter()
        .enumerate()
        .map(|(i, s)| (i as u32, s, i as u128))
        .collect();
    let anchors: Vec<Anchors> = sets
        .iter()
        .map(|s| {
            let mut m: Vec<u64> = s.iter().map(|&h| shingle::mix64(h ^ 99)).collect();
            m.sort_unstable();
            Anchors::sample(&m, u64::MAX / 16, 16)
        })
        .collect();
    let with_anchors: Vec<(u32, &Anchors)> = anchors
        .iter()
        .enumerate()
        .map(|(i, a)| (i as u32, a))
        .collect();
    let mut g = c.benchmark_group("candidates");
    g.throughput(Throughput::Bytes(size));
    g.bench_function("lsh bands 9x13", |b| {
        b.iter(|| index::band_pairs(&with_sig, 9, 13, 1000).len())
    });
    let anchored = || {
        let lent = index::Given::Lent(&with_anchors);
        index::anchor_pairs(lent, 256, 0.8, u64::MAX / 16, &Spill::in_memory()).unwrap()
    };
    g.bench_function("containment anchors", |b| b.iter(|| anchored().len()));
    let pairs = index::merge([index::band_pairs(&with_sig, 9, 13, 1000), anchored()]);
    g.finish();

    let mut g = c.benchmark_group("verify");
    let pair_bytes: u64 = pairs
        .iter()
        .map(|&(a, b)| (docs[a as usize].text.len() + docs[b as usize].text.len()) as u64)
        .sum();
    g.throughput(Throughput::Bytes(pair_bytes.max(1)));
    g.bench_function("exact jaccard and containment", |b| {
        b.iter(|| {
            pairs
                .iter()
                .map(|&(a, b)| {
                    doublet::verify::measure(&sets[a as usize], &sets[b as usize]).jaccard
                })
                .sum::<f64>()
        })
    });
    g.finish();

    let features: Vec<Vec<BlockFeatures>> = docs
        .iter()
        .map(|d| {
            segment::blocks(&d.text)
                .iter()
                .map(|s| {
                    let t = &d.text[s.start..s.end];
                    let w = t.split_whitespace().count() as u32;
                    BlockFeatures {
                        length: t.len() as u32,
                        words: w,
                        stop_words: Some(w / 3),
                        ends_sentence: t.ends_with('.'),
                        template: false,
                    }
                })
                .collect()
        })
        .collect();
    let mut g = c.benchmark_group("clean");
    g.throughput(Throughput::Bytes(size));
    let clean = CleanConfig::default();
    g.bench_function("block classifier", |b| {
        b.iter(|| {
            features
                .iter()
                .map(|f| boilerplate::classify(f, &clean).1.len())
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("align");
    let aligned: Vec<(usize, usize)> = (3..docs.len()).step_by(4).map(|i| (i, i - 3)).collect();
    let align_bytes: u64 = aligned
        .iter()
        .map(|&(a, b)| (docs[a].text.len() + docs[b].text.len()) as u64)
        .sum();
    g.throughput(Throughput::Bytes(align_bytes));
    let params = doublet::align::AlignParams {
        seed: 5,
        max_gap: 4,
        min_tokens: 12,
        rewrites: false,
    };
    g.bench_function("seed-and-extend, near-copy pairs", |b| {
        b.iter(|| {
            aligned
                .iter()
                .map(|&(x, y)| doublet::align::align(&toks[x], &toks[y], params).len())
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(size));
    g.sample_size(10);
    g.bench_function("scan end to end", |b| {
        b.iter_batched(
            || docs.clone(),
            |docs| {
                let mut s = Scanner::new(cfg.clone()).unwrap();
                s.push(docs).unwrap();
                s.finish().unwrap().stats.removed
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
