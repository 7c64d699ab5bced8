//! The pipeline: documents in, a [`Report`] out.
//!
//! ```text
//! read → normalise → segment → clean → shingle → sketch → candidates → verify → group → align → report
//! ```
//!
//! [`Scanner::push`] analyses documents as they arrive (in parallel batches):
//! it segments the text, hashes every normalised word once into a 32-bit
//! token (keeping its byte range when passages are on), and applies
//! per-document cleaning. The text itself is then dropped; what stays per
//! document is its tokens and block table. [`Scanner::finish`] runs the
//! corpus-wide stages; [`compare`] runs the per-document stages on two
//! documents and aligns them whole. Every stage is deterministic: results depend
//! on document ids and contents only, never on input order or thread count.

use std::collections::HashMap;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use crate::align::{self, AlignParams};
use crate::clean::furniture::Recurrence;
use crate::clean::stopwords::{self, Lexicon};
use crate::clean::{boilerplate, repeated, BlockFeatures, Evidence, Form, Status};
use crate::config::{Config, KeepPolicy};
use crate::error::{Error, Result};
use crate::group::{self, Relation, Thresholds, Verified};
use crate::index::{self, Anchors};
use crate::report::{
    Cleaned, Cluster, Comparison, DocumentReport, Holder, Marked, PairRelation, PairReport,
    Passage, Report, ReuseCluster, Stats, SCHEMA,
};
use crate::seeds::{self, Seeds};
use crate::sketch::{Signature, Sketcher};
use crate::text::normalise;
use crate::text::shingle::{self, mix64};
use crate::text::{segment, Document, Span};
use crate::verify;

/// One block of an analysed document.
#[derive(Clone, Debug)]
struct Block {
    span: Span,
    /// Token range `start..end` in the document's token vector.
    start: u32,
    end: u32,
    /// Hash of the block's normalised words.
    key: u64,
    /// How the block reads (for corpus-wide furniture).
    form: Form,
    status: Status,
}

/// What is kept of a document after it is read.
#[derive(Clone, Debug)]
struct Analysed {
    id: String,
    bytes: usize,
    language: Option<&'static str>,
    tokens: Vec<u32>,
    /// Byte range of every token in the original text (empty when shared
    /// passages are off).
    offsets: Vec<(u32, u32)>,
    blocks: Vec<Block>,
    /// Words left by per-document cleaning (before corpus-wide cleaning).
    own_words: u32,
    /// The site it comes from (an index into the scanner's site names).
    site: u32,
}

/// No site given.
const NO_SITE: u32 = u32::MAX;

impl Analysed {
    /// Content tokens with their byte ranges in the original text.
    fn content_with_offsets(&self) -> Content {
        let mut c = Content::default();
        for b in self.blocks.iter().filter(|b| b.status.is_content()) {
            let range = b.start as usize..b.end as usize;
            c.tokens.extend_from_slice(&self.tokens[range.clone()]);
            if self.offsets.len() == self.tokens.len() {
                c.offsets.extend_from_slice(&self.offsets[range]);
            }
            c.breaks.push(c.tokens.len());
        }
        c
    }

    /// For each content token, its position in the full token sequence.
    fn content_positions(&self) -> Vec<u32> {
        self.blocks
            .iter()
            .filter(|b| b.status.is_content())
            .flat_map(|b| b.start..b.end)
            .collect()
    }

    /// What this document costs at the run's peak, in bytes: what it holds
    /// now plus its share of the corpus-wide stages (see
    /// [`Scanner::with_memory_budget`]).
    fn footprint(&self, cfg: &Config) -> usize {
        use std::mem::size_of;
        let tokens = self.tokens.len();
        let held = size_of::<Self>()
            + self.id.capacity()
            + self.tokens.capacity() * size_of::<u32>()
            + self.offsets.capacity() * size_of::<(u32, u32)>()
            + self.blocks.capacity() * size_of::<Block>();
        // Anchors (and their postings: hash, document), the signature and
        // its band keys.
        let anchors = tokens / cfg.anchor_rate as usize + cfg.anchor_min;
        let sketch = size_of::<Sketch>()
            + cfg.num_perm * size_of::<u32>()
            + anchors * (8 + 12)
            + cfg.lsh().0 * 16;
        // Winnowing keeps about 2 / (w + 1) of the shingles, each held as
        // (hash, position) and posted as (hash, document, position).
        let passages = if cfg.min_passage > 0 {
            let w = (cfg.min_passage + 1).saturating_sub(cfg.ngram).max(1);
            2 * tokens / (w + 1) * (12 + 16)
        } else {
            0
        };
        // The report: one entry per document, a span per block.
        let report = 160 + self.id.len() * 2 + self.blocks.len() * 48;
        held + sketch + passages + report
    }

    /// Words of content after all cleaning.
    fn content_words(&self) -> usize {
        self.blocks
            .iter()
            .filter(|b| b.status.is_content())
            .map(|b| (b.end - b.start) as usize)
            .sum()
    }

    /// Whether cleaning left enough of the document to remove it on what is
    /// left: at least `min_words` words, and at least `min_content_share` of
    /// what per-document cleaning kept (corpus-wide cleaning rests on other
    /// documents' evidence, so it may not take most of this one).
    fn judged(&self, cfg: &Config) -> bool {
        let content = self.content_words();
        content >= cfg.min_words
            && content as f64 >= cfg.min_content_share * f64::from(self.own_words)
    }

    /// True when cleaning removed nothing: the content is the whole text
    /// (its content key is then its whole-text key).
    fn uncleaned(&self) -> bool {
        self.blocks.iter().all(|b| b.status.is_content())
    }

    fn content_tokens(&self, buf: &mut Vec<u32>) {
        buf.clear();
        for b in self.blocks.iter().filter(|b| b.status.is_content()) {
            buf.extend_from_slice(&self.tokens[b.start as usize..b.end as usize]);
        }
    }
}

fn is_wide(c: char) -> bool {
    (c as u32) >= 0x1100
        && matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 | 0x20000..=0x3FFFD)
}

fn analyse(doc: &Document, cfg: &Config) -> Analysed {
    let lex = Lexicon::get();
    let text = doc.text.as_str();
    let spans = segment::blocks(text);
    let mut tokens: Vec<u32> = Vec::with_capacity(text.len() / 5);
    let mut masks: Vec<stopwords::LangMask> = Vec::with_capacity(text.len() / 5);
    let mut blocks = Vec::with_capacity(spans.len());
    let mut features = Vec::with_capacity(spans.len());
    let mut buf = String::new();
    let record_offsets = cfg.min_passage > 0 && text.len() <= u32::MAX as usize;
    let mut offsets: Vec<(u32, u32)> = Vec::new();
    for span in spans {
        let original = &text[span.start..span.end];
        let start = tokens.len() as u32;
        normalise::for_each_word(original, &mut buf, |s, e, w| {
            tokens.push(shingle::token(w));
            masks.push(lex.mask(w));
            if record_offsets {
                offsets.push(((span.start + s) as u32, (span.start + e) as u32));
            }
        });
        let end = tokens.len() as u32;
        let key = shingle::shingle(&tokens[start as usize..end as usize], seeds::BLOCK_KEY);
        let length = if original.is_ascii() {
            original.len() as u32
        } else {
            original
                .chars()
                .map(|c| if is_wide(c) { 2 } else { 1 })
                .sum()
        };
        features.push(BlockFeatures {
            length,
            words: end - start,
            stop_words: None,
            ends_sentence: segment::ends_sentence(original),
            template: original.contains("{{") || original.contains("}}"),
        });
        blocks.push(Block {
            span,
            start,
            end,
            key,
            form: Form::Formulaic,
            status: Status::Content,
        });
    }
    let lang_bit = stopwords::detect(&masks);
    if let Some(bit) = lang_bit {
        for (f, b) in features.iter_mut().zip(&blocks) {
            let n = masks[b.start as usize..b.end as usize]
                .iter()
                .filter(|&&m| m >> bit & 1 == 1)
                .count();
            f.stop_words = Some(n as u32);
        }
    }
    if cfg.clean.enabled {
        for (b, f) in blocks.iter_mut().zip(&features) {
            b.form = Form::of(boilerplate::initial(f, &cfg.clean), f.length, &cfg.clean);
        }
        let keys: Vec<u64> = blocks.iter().map(|b| b.key).collect();
        let counts: Vec<u32> = features.iter().map(|f| f.words).collect();
        let spans: Vec<Span> = blocks.iter().map(|b| b.span).collect();
        let repeats = repeated::find(&keys, &counts, &spans, cfg.clean.repeat_min_words);
        let (classes, content) = boilerplate::classify(&features, &cfg.clean);
        for (i, b) in blocks.iter_mut().enumerate() {
            b.status = if let Some(first) = repeats[i] {
                Status::Removed(Evidence::Repeated { first })
            } else if !content[i] {
                Status::Removed(Evidence::Classifier {
                    class: classes[i],
                    words: features[i].words,
                    stopword_density: features[i].density().map(|d| (d * 1000.0).round() / 1000.0),
                })
            } else {
                Status::Content
            };
        }
    }
    let own_words = blocks
        .iter()
        .filter(|b| b.status.is_content())
        .map(|b| b.end - b.start)
        .sum();
    Analysed {
        id: doc.id.clone(),
        bytes: text.len(),
        language: lang_bit.map(|b| lex.language(b)),
        tokens,
        offsets,
        blocks,
        own_words,
        site: NO_SITE,
    }
}

/// A document's content tokens, their byte ranges, and paragraph ends.
#[derive(Debug, Default)]
struct Content {
    tokens: Vec<u32>,
    offsets: Vec<(u32, u32)>,
    breaks: Vec<usize>,
}

impl Content {
    fn sequence(&self) -> align::Sequence<'_> {
        align::Sequence {
            tokens: &self.tokens,
            breaks: &self.breaks,
        }
    }
}

/// The comparison-ready summary of one document's cleaned content.
#[derive(Clone, Debug, Default)]
struct Sketch {
    signature: Option<Signature>,
    anchors: Anchors,
    /// Content words.
    words: usize,
    /// Hash of the content token sequence; `None` for empty documents.
    exact: Option<u128>,
    /// Winnowed shingle fingerprints for shared passages: (hash, position of
    /// the n-gram in the document's full token sequence), sorted by hash.
    fingerprints: Vec<(u64, u32)>,
}

/// Per-thread scratch space for sketching.
struct Scratch {
    sketcher: Sketcher,
    tokens: Vec<u32>,
    mixed: Vec<u64>,
}

fn sketch_of(doc: &Analysed, cfg: &Config, scratch: &mut Scratch) -> Sketch {
    let seeds = Seeds::new(cfg.seed);
    let Scratch {
        sketcher,
        tokens,
        mixed,
    } = scratch;
    doc.content_tokens(tokens);
    if tokens.is_empty() {
        return Sketch::default();
    }
    // One pass over the shingles feeds the signature (repeats are harmless
    // there) and collects the re-mixed hashes the anchors are drawn from.
    mixed.clear();
    let signature = sketcher.sign(shingle::shingles(tokens, cfg.ngram, seeds.shingle).inspect(
        |&h| {
            mixed.push(mix64(h ^ seeds.anchor));
        },
    ));
    let fingerprints = if cfg.min_passage > 0 {
        let full = doc.content_positions();
        let mut f = index::winnow(mixed, cfg.min_passage + 1 - cfg.ngram);
        for e in f.iter_mut() {
            e.1 = full[e.1 as usize];
        }
        f
    } else {
        Vec::new()
    };
    let tau = u64::MAX / cfg.anchor_rate;
    let mut below: Vec<u64> = mixed.iter().copied().filter(|&h| h < tau).collect();
    below.sort_unstable();
    below.dedup();
    let anchors = if below.len() >= cfg.anchor_min {
        Anchors { hashes: below, tau }
    } else {
        // Too few below the global threshold: take the smallest hashes.
        mixed.sort_unstable();
        mixed.dedup();
        Anchors::sample(mixed, tau, cfg.anchor_min)
    };
    let bytes: Vec<u8> = tokens.iter().flat_map(|t| t.to_le_bytes()).collect();
    Sketch {
        signature,
        anchors,
        words: tokens.len(),
        exact: Some(xxh3_128(&bytes)),
        fingerprints,
    }
}

/// Streams documents in and produces the report.
///
/// ```
/// use doublet::{Config, Document, Scanner};
///
/// let story = "The minister met his counterpart on Friday and said that the talks \
///              had made a little progress on the ceasefire, officials said.";
/// let mut scanner = Scanner::new(Config::default()).unwrap();
/// scanner.push(vec![
///     Document::new("a", story),
///     Document::new("b", story.replace("Friday", "Friday,").to_uppercase()),
///     Document::new("c", "A different text about something else entirely, with no overlap."),
/// ]).unwrap();
/// let report = scanner.finish();
/// assert_eq!(report.stats.removed, 1);
/// assert_eq!(report.documents[1].duplicate_of.as_deref(), Some("a"));
/// ```
#[derive(Debug)]
pub struct Scanner {
    config: Config,
    docs: Vec<Analysed>,
    ids: HashMap<String, usize>,
    /// Site names, in order of first appearance (indices into this).
    sites: HashMap<String, u32>,
    /// Projected peak memory of the documents pushed so far, in bytes.
    footprint: usize,
    /// Text bytes of the largest batch pushed: the caller holds a few
    /// batches of text in flight while reading.
    largest_batch: usize,
    budget: Option<usize>,
}

impl Scanner {
    /// A scanner for `config` (validated here).
    pub fn new(config: Config) -> Result<Self> {
        Ok(Scanner {
            config: config.validated()?,
            docs: Vec::new(),
            ids: HashMap::new(),
            sites: HashMap::new(),
            footprint: 0,
            largest_batch: 0,
            budget: None,
        })
    }

    /// Refuse (with [`Error::MemoryBudget`]) to hold more than `bytes`.
    ///
    /// The scanner keeps an account of what each document costs at the run's
    /// peak: what it holds now (tokens, byte offsets, block table, id) plus
    /// what [`finish`](Self::finish) will add for it (signature, anchors,
    /// passage fingerprints, index postings, its report entry). `push` fails
    /// as soon as the account passes the budget, before the memory is spent
    /// on the corpus-wide stages. The account is an estimate: on the
    /// generated 100k benchmark corpus it projected 0.75 GB for a measured
    /// 0.91 GB peak without shared passages; the pair lists of shared
    /// passages depend on the corpus and are not foreseen (BENCHMARKS.md).
    pub fn with_memory_budget(mut self, bytes: usize) -> Self {
        self.budget = Some(bytes);
        self
    }

    /// The projected peak memory, in bytes, of the documents pushed so far,
    /// plus four batches of text in flight (one being read, two queued, one
    /// being analysed, as the `doublet` command reads).
    pub fn footprint(&self) -> usize {
        self.footprint + 4 * self.largest_batch
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Documents pushed so far.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True before any document was pushed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Analyse a batch of documents (in parallel) and add them in order.
    pub fn push(&mut self, batch: Vec<Document>) -> Result<()> {
        // Documents, token positions and byte offsets are 32-bit.
        if self.docs.len() + batch.len() > u32::MAX as usize {
            return Err(Error::Limit(format!(
                "more than {} documents in one run; split the corpus",
                u32::MAX
            )));
        }
        if let Some(d) = batch.iter().find(|d| d.text.len() > u32::MAX as usize) {
            return Err(Error::Limit(format!(
                "document {:?} is {} bytes; the limit is 4 GiB per document",
                d.id,
                d.text.len()
            )));
        }
        for d in &batch {
            let next = self.ids.len();
            if let Some(&first) = self.ids.get(&d.id) {
                return Err(Error::DuplicateId {
                    id: d.id.clone(),
                    first,
                    second: next,
                });
            }
            self.ids.insert(d.id.clone(), next);
        }
        let cfg = &self.config;
        let mut analysed: Vec<Analysed> = batch.par_iter().map(|d| analyse(d, cfg)).collect();
        for (a, d) in analysed.iter_mut().zip(&batch) {
            if let Some(site) = &d.site {
                let next = self.sites.len() as u32;
                a.site = *self.sites.entry(site.clone()).or_insert(next);
            }
        }
        self.footprint += analysed.iter().map(|a| a.footprint(cfg)).sum::<usize>();
        self.largest_batch = self
            .largest_batch
            .max(batch.iter().map(|d| d.text.len()).sum());
        self.docs.extend(analysed);
        if let Some(budget) = self.budget.filter(|&b| self.footprint() > b) {
            let documents = self.docs.len();
            return Err(Error::MemoryBudget {
                budget,
                needed: self.footprint(),
                documents,
                per_document: self.footprint / documents.max(1),
            });
        }
        Ok(())
    }

    /// Run the corpus-wide stages and produce the report.
    pub fn finish(mut self) -> Report {
        let cfg = self.config.clone();
        let n = self.docs.len();
        // Corpus-wide cleaning first, so that every document is sketched once,
        // on its final content.
        if cfg.clean.enabled {
            self.corpus_furniture();
        }
        let judged: Vec<bool> = self.docs.par_iter().map(|d| d.judged(&cfg)).collect();
        let mut sketches: Vec<Sketch> = self.sketch_all();
        // A document with too little content left to judge takes part only
        // as an exact copy of its whole text (every word, cleaned or not):
        // its exact key is then taken over all its tokens, in a space of
        // its own.
        for (d, s) in sketches.iter_mut().enumerate() {
            let doc = &self.docs[d];
            if !judged[d] && !doc.uncleaned() {
                s.exact = (!doc.tokens.is_empty()).then(|| {
                    let bytes: Vec<u8> = doc.tokens.iter().flat_map(|t| t.to_le_bytes()).collect();
                    xxh3_128(&bytes) ^ seeds::WHOLE_TEXT_TAG
                });
            }
        }

        // Keep-policy order: best first.
        let mut order: Vec<u32> = (0..n as u32).collect();
        match cfg.keep {
            KeepPolicy::MostComplete => order.par_sort_by(|&x, &y| {
                let (a, b) = (&sketches[x as usize], &sketches[y as usize]);
                b.words
                    .cmp(&a.words)
                    .then_with(|| self.docs[x as usize].id.cmp(&self.docs[y as usize].id))
            }),
            KeepPolicy::First => {}
        }
        let mut rank = vec![0u32; n];
        for (p, &d) in order.iter().enumerate() {
            rank[d as usize] = p as u32;
        }

        let keys: Vec<Option<u128>> = sketches.iter().map(|s| s.exact).collect();
        let rep = index::exact_groups(&keys, &rank);

        let reps: Vec<u32> = (0..n as u32)
            .filter(|&d| {
                let d = d as usize;
                rep[d] == d as u32 && sketches[d].exact.is_some() && judged[d]
            })
            .collect();
        let (bands, rows) = cfg.lsh();
        let with_sig: Vec<(u32, &Signature)> = reps
            .iter()
            .filter_map(|&d| sketches[d as usize].signature.as_ref().map(|s| (d, s)))
            .collect();
        let with_anchors: Vec<(u32, &Anchors)> = reps
            .iter()
            .map(|&d| (d, &sketches[d as usize].anchors))
            .collect();
        let candidates = index::merge([
            index::band_pairs(&with_sig, bands, rows, cfg.max_bucket),
            index::anchor_pairs(
                &with_anchors,
                cfg.anchor_max_df,
                cfg.containment,
                u64::MAX / cfg.anchor_rate,
            ),
        ]);

        let verified = self.verify(&candidates);
        let t = Thresholds {
            jaccard: cfg.threshold,
            containment: cfg.containment,
        };
        let related: Vec<Verified> = verified
            .into_iter()
            .filter(|v| {
                let o = v.overlap;
                t.relation(o.jaccard, o.a_in_b).is_some()
                    || t.relation(o.jaccard, o.b_in_a).is_some()
            })
            .collect();
        // Among equally complete copies, the one the most others could be
        // removed as twins of is kept first: in a family of successively
        // edited copies that is its centre, which covers copies that are
        // twins of the centre but no longer of the root.
        if cfg.keep == KeepPolicy::MostComplete {
            let twins = group::twin_counts(n, &related, t);
            order.par_sort_by(|&x, &y| {
                let (a, b) = (&sketches[x as usize], &sketches[y as usize]);
                b.words
                    .cmp(&a.words)
                    .then_with(|| twins[y as usize].cmp(&twins[x as usize]))
                    .then_with(|| self.docs[x as usize].id.cmp(&self.docs[y as usize].id))
            });
        }
        let decisions = group::decide(&order, &rep, &related, t);
        let (clusters, reused) = if cfg.min_passage > 0 {
            self.reuse_clusters(&sketches, &decisions)
        } else {
            (Vec::new(), Vec::new())
        };
        let reuse = if cfg.min_passage > 0 {
            self.shared_passages(&sketches, &decisions, &related, &reused)
        } else {
            Vec::new()
        };
        if cfg.dedup_paragraphs {
            self.dedup_paragraphs(&order, &decisions);
        }

        let findings = Findings {
            sketches: &sketches,
            judged: &judged,
            rep: &rep,
            decisions: &decisions,
            related: &related,
            reuse: &reuse,
            reuse_clusters: clusters,
            candidate_pairs: candidates.len(),
        };
        self.build_report(cfg, findings)
    }

    /// Pairs of kept documents that share passages without being duplicates.
    fn shared_passages(
        &self,
        sketches: &[Sketch],
        decisions: &[group::Decision],
        related: &[Verified],
        reused: &[Vec<Clustered>],
    ) -> Vec<Reuse> {
        let cfg = &self.config;
        // Fingerprints inside a paragraph that a reuse cluster reports
        // propose no pairs: that sharing is listed once, with its holders.
        let outside = |d: usize| -> Vec<(u64, u32)> {
            let inside = |p: u32| {
                let end = p + cfg.ngram as u32;
                reused
                    .get(d)
                    .is_some_and(|r| r.iter().any(|c| c.start <= p && end <= c.end))
            };
            sketches[d]
                .fingerprints
                .iter()
                .copied()
                .filter(|&(_, p)| !inside(p))
                .collect()
        };
        let fingerprints: Vec<(u32, Vec<(u64, u32)>)> = (0..self.docs.len())
            .into_par_iter()
            .filter(|&d| decisions[d].kept() && sketches[d].exact.is_some())
            .map(|d| (d as u32, outside(d)))
            .collect();
        let kept: Vec<(u32, &[(u64, u32)])> = fingerprints
            .iter()
            .map(|(d, f)| (*d, f.as_slice()))
            .collect();
        let mut known: Vec<(u32, u32)> = related
            .iter()
            .map(|v| (v.a.min(v.b), v.a.max(v.b)))
            .collect();
        known.sort_unstable();
        // A shared fingerprint proves only a shared n-gram; keep the pair if
        // the words around it agree along the same diagonal for at least a
        // passage's length less AGREEMENT_SLACK.
        let (k, radius) = (cfg.ngram as isize, cfg.min_passage as isize);
        let need = cfg
            .min_passage
            .saturating_sub(AGREEMENT_SLACK)
            .max(cfg.ngram);
        let agree = |a: u32, pa: u32, b: u32, pb: u32| {
            let (ta, tb) = (&self.docs[a as usize].tokens, &self.docs[b as usize].tokens);
            let (pa, pb) = (pa as isize, pb as isize);
            let lo = (-radius).max(-pa).max(-pb);
            let hi = (radius + k)
                .min(ta.len() as isize - pa)
                .min(tb.len() as isize - pb);
            (lo..hi)
                .filter(|&d| ta[(pa + d) as usize] == tb[(pb + d) as usize])
                .count()
                >= need
        };
        // Passages inside a clustered paragraph on both sides are that
        // cluster's, already reported once.
        let within = |d: u32, x: Span| {
            reused.get(d as usize).is_some_and(|r| {
                r.iter()
                    .any(|c| c.span.start <= x.start && x.end <= c.span.end)
            })
        };
        let candidates: Vec<(u32, u32)> = index::passage_pairs(&kept, cfg.passage_max_df, agree)
            .into_iter()
            .filter(|p| known.binary_search(p).is_err())
            .collect();
        let seeds = Seeds::new(cfg.seed);
        let params = align_params(cfg);
        let mut found: Vec<Reuse> = candidates
            .par_iter()
            .filter_map(|&(a, b)| {
                // Alignment is not symmetric: A is always the smaller id, so
                // the passages do not depend on input order.
                let (a, b) = if self.docs[a as usize].id <= self.docs[b as usize].id {
                    (a, b)
                } else {
                    (b, a)
                };
                let (da, db) = (&self.docs[a as usize], &self.docs[b as usize]);
                let (ca, cb) = (da.content_with_offsets(), db.content_with_offsets());
                let mut passages = passages_between(&ca, &cb, params, None);
                // Passages inside a clustered paragraph on both sides are
                // that cluster's, already reported once.
                passages.retain(|p| !(within(a, p.a) && within(b, p.b)));
                if passages.is_empty() {
                    return None;
                }
                let sa = shingle::shingle_set(&ca.tokens, cfg.ngram, seeds.shingle);
                let sb = shingle::shingle_set(&cb.tokens, cfg.ngram, seeds.shingle);
                Some(Reuse {
                    a,
                    b,
                    overlap: verify::measure(&sa, &sb),
                    passages,
                })
            })
            .collect();
        found.sort_by(|x, y| {
            (&self.docs[x.a as usize].id, &self.docs[x.b as usize].id)
                .cmp(&(&self.docs[y.a as usize].id, &self.docs[y.b as usize].id))
        });
        found
    }

    /// Paragraphs that three or more kept documents hold word for word (at
    /// least `min_passage` words): each is one reuse cluster with every
    /// holder, so a paragraph in 80 documents costs 80 entries, not 3,160
    /// pairs. Also returns, per document, the token ranges of its clustered
    /// paragraphs.
    fn reuse_clusters(
        &self,
        sketches: &[Sketch],
        decisions: &[group::Decision],
    ) -> (Vec<ReuseCluster>, Vec<Vec<Clustered>>) {
        let cfg = &self.config;
        let docs = &self.docs;
        let mut postings: Vec<(u64, u32, u32)> = (0..docs.len())
            .into_par_iter()
            .filter(|&d| decisions[d].kept() && sketches[d].exact.is_some())
            .flat_map_iter(|d| {
                let mut own: Vec<(u64, u32, u32)> = docs[d]
                    .blocks
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| {
                        b.status.is_content() && (b.end - b.start) as usize >= cfg.min_passage
                    })
                    .map(|(i, b)| (b.key, d as u32, i as u32))
                    .collect();
                // One holding per document: its first copy.
                own.sort_unstable();
                own.dedup_by_key(|e| e.0);
                own
            })
            .collect();
        postings.par_sort_unstable();
        let mut clusters: Vec<(Vec<(u32, u32)>, usize)> = postings
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|run| run.len() >= REUSE_MIN_HOLDERS)
            .map(|run| {
                let mut holders: Vec<(u32, u32)> = run.iter().map(|e| (e.1, e.2)).collect();
                holders.sort_by(|x, y| docs[x.0 as usize].id.cmp(&docs[y.0 as usize].id));
                let b = &docs[run[0].1 as usize].blocks[run[0].2 as usize];
                (holders, (b.end - b.start) as usize)
            })
            .collect();
        drop(postings);
        let first = |c: &(Vec<(u32, u32)>, usize)| {
            let (d, b) = c.0[0];
            (
                &docs[d as usize].id,
                docs[d as usize].blocks[b as usize].span.start,
            )
        };
        clusters.sort_by(|x, y| first(x).cmp(&first(y)));
        let mut ranges: Vec<Vec<Clustered>> = vec![Vec::new(); docs.len()];
        let report = clusters
            .into_iter()
            .enumerate()
            .map(|(id, (holders, words))| ReuseCluster {
                id,
                words,
                holders: holders
                    .into_iter()
                    .map(|(d, b)| {
                        let block = &docs[d as usize].blocks[b as usize];
                        ranges[d as usize].push(Clustered {
                            start: block.start,
                            end: block.end,
                            span: block.span,
                        });
                        Holder {
                            id: docs[d as usize].id.clone(),
                            start: block.span.start,
                            end: block.span.end,
                        }
                    })
                    .collect(),
                text: None,
            })
            .collect();
        (report, ranges)
    }

    /// Cross-document paragraph deduplication: visiting kept documents in
    /// keep order, a content paragraph (of at least `repeat_min_words`
    /// words) that an earlier one holds is removed, pointing at the holder.
    fn dedup_paragraphs(&mut self, order: &[u32], decisions: &[group::Decision]) {
        let min = self.config.clean.repeat_min_words;
        let mut rank = vec![u32::MAX; self.docs.len()];
        for (p, &d) in order.iter().enumerate() {
            rank[d as usize] = p as u32;
        }
        // (key, rank of the document, block) of every eligible paragraph.
        let docs = &self.docs;
        let mut postings: Vec<(u64, u32, u32)> = (0..docs.len())
            .into_par_iter()
            .filter(|&d| decisions[d].kept())
            .flat_map_iter(|d| {
                let rank = rank[d];
                docs[d]
                    .blocks
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.status.is_content() && (b.end - b.start) as usize >= min)
                    .map(move |(i, b)| (b.key, rank, i as u32))
            })
            .collect();
        postings.par_sort_unstable();
        let mut later: Vec<(u32, u32, Evidence)> = Vec::new();
        for run in postings.chunk_by(|x, y| x.0 == y.0) {
            let (first_rank, first_block) = (run[0].1, run[0].2);
            let keeper = order[first_rank as usize] as usize;
            for e in run.iter().filter(|e| e.1 != first_rank) {
                let holder = &docs[keeper];
                later.push((
                    order[e.1 as usize],
                    e.2,
                    Evidence::DuplicateParagraph {
                        of: holder.id.clone(),
                        first: holder.blocks[first_block as usize].span,
                    },
                ));
            }
        }
        drop(postings);
        for (d, b, evidence) in later {
            self.docs[d as usize].blocks[b as usize].status = Status::Removed(evidence);
        }
    }

    /// Sketch every document, or only those listed.
    fn sketch_all(&self) -> Vec<Sketch> {
        let cfg = &self.config;
        let init = || Scratch {
            sketcher: Sketcher::new(cfg.num_perm, Seeds::new(cfg.seed).minhash),
            tokens: Vec::new(),
            mixed: Vec::new(),
        };
        self.docs
            .par_iter()
            .map_init(init, |s, d| sketch_of(d, cfg, s))
            .collect()
    }

    /// Mark recurring blocks that are page furniture (see
    /// [`crate::clean::furniture`]): find the blocks that recur in enough
    /// mutually unrelated documents, of the corpus or of one site; count
    /// where they sit; keep the furniture.
    fn corpus_furniture(&mut self) {
        let cfg = &self.config;
        let min_docs = cfg.clean.corpus_min_docs;
        let related = cfg.clean.corpus_related;
        let counted = |b: &Block| {
            b.end > b.start && !matches!(b.status, Status::Removed(Evidence::Repeated { .. }))
        };
        let mut postings: Vec<(u64, u32)> = self
            .docs
            .par_iter()
            .enumerate()
            .flat_map_iter(|(d, doc)| {
                let mut keys: Vec<u64> = doc
                    .blocks
                    .iter()
                    .filter(|b| counted(b))
                    .map(|b| b.key)
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                keys.into_iter().map(move |k| (k, d as u32))
            })
            .collect();
        postings.par_sort_unstable();
        let docs = &self.docs;
        let runs: Vec<&[(u64, u32)]> = postings
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|r| r.len() >= min_docs)
            .collect();
        // Relatedness needs a signature of each document holding a frequent
        // block, and of no other.
        let mut holders: Vec<u32> = runs.iter().flat_map(|r| r.iter().map(|e| e.1)).collect();
        holders.par_sort_unstable();
        holders.dedup();
        let init = || {
            (
                Sketcher::new(cfg.num_perm, Seeds::new(cfg.seed).minhash),
                Vec::new(),
            )
        };
        let gists: Vec<Gist> = holders
            .par_iter()
            .map_init(init, |(sketcher, tokens), &d| {
                gist_of(&docs[d as usize], cfg, sketcher, tokens)
            })
            .collect();
        // Every member of every run is in `holders`, so the search always hits.
        let gist = |d: u32| &gists[holders.binary_search(&d).unwrap_or(0)];
        // Whether `members` (visited in this order) hold `min_docs` documents
        // no two of which are copies of one text.
        let unrelated = |members: &[u32]| {
            let mut leaders: Vec<u32> = Vec::new();
            for &m in members {
                if leaders
                    .iter()
                    .all(|&l| !related_docs(gist(m), gist(l), related))
                {
                    leaders.push(m);
                    if leaders.len() >= min_docs {
                        return true;
                    }
                }
            }
            false
        };
        // (key, across the corpus, within a site), sorted by key.
        let recurring: Vec<(u64, bool, bool)> = runs
            .par_iter()
            .filter_map(|run| {
                // Visit documents by id, so the verdict ignores input order.
                let mut members: Vec<u32> = run.iter().map(|e| e.1).collect();
                members.sort_by(|&a, &b| docs[a as usize].id.cmp(&docs[b as usize].id));
                let across = unrelated(&members);
                members.sort_by_key(|&m| docs[m as usize].site);
                let within = members
                    .chunk_by(|&a, &b| docs[a as usize].site == docs[b as usize].site)
                    .any(|m| {
                        m.len() >= min_docs && docs[m[0] as usize].site != NO_SITE && unrelated(m)
                    });
                (across || within).then_some((run[0].0, across, within))
            })
            .collect();
        drop(postings);
        let recurs = |k: u64| recurring.binary_search_by_key(&k, |r| r.0).is_ok();
        // Where each recurring block sits: one vote per document holding it,
        // true when it lies before the first or after the last block of the
        // document's own content (content that does not recur). A document
        // made mostly of recurring content (a compilation of shared
        // paragraphs) has no meaningful middle, so it abstains.
        let mut votes: Vec<(u64, Option<bool>, Form)> = docs
            .par_iter()
            .flat_map_iter(|doc| {
                let own = |b: &Block| b.status.is_content() && b.end > b.start && !recurs(b.key);
                let words = |own: bool| -> u32 {
                    doc.blocks
                        .iter()
                        .filter(|b| b.status.is_content() && recurs(b.key) != own)
                        .map(|b| b.end - b.start)
                        .sum()
                };
                let votes = words(true) >= words(false);
                let first = doc.blocks.iter().position(own);
                let last = doc.blocks.iter().rposition(own);
                let mut out: Vec<(u64, Option<bool>, Form)> = doc
                    .blocks
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| counted(b) && recurs(b.key))
                    .map(|(i, b)| {
                        let edge = match (first, last) {
                            (Some(f), Some(l)) => i < f || i > l,
                            _ => true,
                        };
                        (b.key, votes.then_some(edge), b.form)
                    })
                    .collect();
                // The first occurrence speaks for the document.
                out.sort_by_key(|v| v.0);
                out.dedup_by_key(|v| v.0);
                out
            })
            .collect();
        votes.par_sort_unstable_by_key(|v| v.0);
        let clean = &cfg.clean;
        let furniture: HashMap<u64, Evidence> = votes
            .chunk_by(|a, b| a.0 == b.0)
            .filter_map(|run| {
                let key = run[0].0;
                let i = recurring.binary_search_by_key(&key, |r| r.0).ok()?;
                let r = Recurrence {
                    form: run.iter().map(|v| v.2).max().unwrap_or(Form::Formulaic),
                    documents: run.len(),
                    across_corpus: recurring[i].1,
                    within_site: recurring[i].2,
                    voters: run.iter().filter(|v| v.1.is_some()).count(),
                    at_edge: run.iter().filter(|v| v.1 == Some(true)).count(),
                };
                r.is_furniture(clean).then(|| {
                    let evidence = Evidence::Corpus {
                        documents: r.documents,
                        form: r.form,
                        edge_share: (r.edge_share() * 1000.0).round() / 1000.0,
                        within_site: r.within_site,
                    };
                    (key, evidence)
                })
            })
            .collect();
        drop(votes);
        self.docs.par_iter_mut().for_each(|doc| {
            for b in doc.blocks.iter_mut() {
                if b.status.is_content() {
                    if let Some(evidence) = furniture.get(&b.key) {
                        b.status = Status::Removed(evidence.clone());
                    }
                }
            }
        });
    }

    /// Measure every candidate pair on full shingle sets.
    fn verify(&self, candidates: &[(u32, u32)]) -> Vec<Verified> {
        let cfg = &self.config;
        let seeds = Seeds::new(cfg.seed);
        let mut involved: Vec<u32> = candidates.iter().flat_map(|&(a, b)| [a, b]).collect();
        involved.sort_unstable();
        involved.dedup();
        let sets: Vec<Vec<u64>> = involved
            .par_iter()
            .map_init(Vec::new, |buf, &d| {
                self.docs[d as usize].content_tokens(buf);
                shingle::shingle_set(buf, cfg.ngram, seeds.shingle)
            })
            .collect();
        let set_of = |d: u32| -> &[u64] {
            // `involved` holds every document of every candidate pair.
            let i = involved.binary_search(&d).unwrap_or(0);
            &sets[i]
        };
        candidates
            .par_iter()
            .map(|&(a, b)| Verified {
                a,
                b,
                overlap: verify::measure(set_of(a), set_of(b)),
            })
            .collect()
    }

    fn build_report(self, config: Config, f: Findings) -> Report {
        let Findings {
            sketches,
            judged,
            rep,
            decisions,
            related,
            reuse,
            reuse_clusters,
            candidate_pairs,
        } = f;
        let docs = self.docs;
        let n = docs.len();
        // Clusters are numbered by their kept document's id.
        let mut kept: Vec<u32> = (0..n as u32)
            .filter(|&d| decisions[d as usize].kept())
            .collect();
        kept.sort_by(|&a, &b| docs[a as usize].id.cmp(&docs[b as usize].id));
        let mut cluster_of_kept = vec![usize::MAX; n];
        for (c, &d) in kept.iter().enumerate() {
            cluster_of_kept[d as usize] = c;
        }
        let cluster = |d: usize| match decisions[d].duplicate_of {
            Some(k) => cluster_of_kept[k as usize],
            None => cluster_of_kept[d],
        };
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); kept.len()];
        for d in 0..n {
            if !decisions[d].kept() {
                members[cluster(d)].push(d as u32);
            }
        }
        let clusters: Vec<Cluster> = kept
            .iter()
            .zip(members)
            .enumerate()
            .map(|(id, (&k, mut m))| {
                m.sort_by(|&a, &b| docs[a as usize].id.cmp(&docs[b as usize].id));
                let mut ids = vec![docs[k as usize].id.clone()];
                ids.extend(m.iter().map(|&d| docs[d as usize].id.clone()));
                Cluster {
                    id,
                    kept: docs[k as usize].id.clone(),
                    members: ids,
                }
            })
            .collect();

        let mut stats = Stats {
            documents: n,
            clusters: clusters.len(),
            candidate_pairs,
            ..Stats::default()
        };
        stats.duplicate_clusters = clusters.iter().filter(|c| c.members.len() > 1).count();

        let round = |x: f64| (x * 1e6).round() / 1e6;
        let t = Thresholds {
            jaccard: config.threshold,
            containment: config.containment,
        };
        let mut pairs: Vec<PairReport> = Vec::new();
        let mut push_pair = |a: usize,
                             b: usize,
                             relation: PairRelation,
                             j: f64,
                             a_in_b: f64,
                             b_in_a: f64,
                             passages: Vec<Passage>| {
            let (a, b, a_in_b, b_in_a, passages) = if docs[a].id <= docs[b].id {
                (a, b, a_in_b, b_in_a, passages)
            } else {
                let mut swapped: Vec<Passage> =
                    passages.into_iter().map(Passage::swapped).collect();
                swapped.sort_by_key(|p| (p.a, p.b));
                (b, a, b_in_a, a_in_b, swapped)
            };
            pairs.push(PairReport {
                a: docs[a].id.clone(),
                b: docs[b].id.clone(),
                relation,
                jaccard: round(j),
                a_in_b: round(a_in_b),
                b_in_a: round(b_in_a),
                passages,
            });
        };
        for v in related {
            let o = v.overlap;
            let relation = t
                .relation(o.jaccard, o.a_in_b.max(o.b_in_a))
                .unwrap_or(Relation::Contained);
            push_pair(
                v.a as usize,
                v.b as usize,
                relation.into(),
                o.jaccard,
                o.a_in_b,
                o.b_in_a,
                Vec::new(),
            );
        }
        for (d, &r) in rep.iter().enumerate() {
            if r as usize != d {
                push_pair(
                    r as usize,
                    d,
                    PairRelation::Exact,
                    1.0,
                    1.0,
                    1.0,
                    Vec::new(),
                );
            }
        }
        for r in reuse {
            let o = r.overlap;
            let passages = r.passages.clone();
            push_pair(
                r.a as usize,
                r.b as usize,
                PairRelation::SharedPassages,
                o.jaccard,
                o.a_in_b,
                o.b_in_a,
                passages,
            );
        }
        stats.shared_passage_pairs = reuse.len();
        stats.reuse_clusters = reuse_clusters.len();
        pairs.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
        stats.related_pairs = pairs.len();

        let documents: Vec<DocumentReport> = docs
            .into_iter()
            .enumerate()
            .map(|(d, doc)| {
                let dec = decisions[d];
                let mut report = DocumentReport {
                    id: doc.id,
                    cluster: cluster(d),
                    kept: dec.kept(),
                    duplicate_of: None,
                    relation: dec.relation,
                    jaccard: dec.jaccard.map(round),
                    containment: dec.containment.map(round),
                    repeated: Vec::new(),
                    boilerplate: Vec::new(),
                    duplicate_paragraphs: Vec::new(),
                    cleaned: Cleaned::default(),
                    too_little_content: !judged[d] && dec.kept() && !doc.tokens.is_empty(),
                    bytes: doc.bytes,
                    words: doc.tokens.len(),
                    content_words: sketches[d].words,
                    language: doc.language,
                    content: Vec::new(),
                };
                for b in doc.blocks {
                    match b.status {
                        Status::Content => report.content.push(b.span),
                        Status::Removed(evidence) => {
                            let len = b.span.end - b.span.start;
                            let c = &mut report.cleaned;
                            let (list, count) = match evidence {
                                Evidence::Repeated { .. } => {
                                    (&mut report.repeated, &mut c.repeated)
                                }
                                Evidence::Classifier { .. } => {
                                    (&mut report.boilerplate, &mut c.classifier)
                                }
                                Evidence::Corpus { .. } => (&mut report.boilerplate, &mut c.corpus),
                                Evidence::DuplicateParagraph { .. } => {
                                    (&mut report.duplicate_paragraphs, &mut c.duplicate_paragraph)
                                }
                            };
                            *count += len;
                            list.push(Marked {
                                start: b.span.start,
                                end: b.span.end,
                                evidence,
                            });
                        }
                    }
                }
                report
            })
            .collect();
        let mut documents = documents;
        for d in 0..n {
            if let Some(k) = decisions[d].duplicate_of {
                documents[d].duplicate_of = Some(documents[k as usize].id.clone());
            }
        }
        for doc in &documents {
            stats.bytes += doc.bytes;
            stats.repeated_bytes += doc.cleaned.repeated;
            stats.boilerplate_bytes += doc.cleaned.classifier + doc.cleaned.corpus;
            stats.corpus_boilerplate_bytes += doc.cleaned.corpus;
            stats.duplicate_paragraph_bytes += doc.cleaned.duplicate_paragraph;
            if 2 * doc.cleaned.total() > doc.bytes {
                stats.mostly_cleaned += 1;
            }
            stats.too_little_content += usize::from(doc.too_little_content);
            if doc.words == 0 {
                stats.empty += 1;
            }
            match doc.relation {
                None => stats.kept += 1,
                Some(r) => {
                    stats.removed += 1;
                    match r {
                        Relation::Exact => stats.exact += 1,
                        Relation::NearDuplicate => stats.near_duplicate += 1,
                        Relation::Contained => stats.contained += 1,
                    }
                }
            }
        }
        Report {
            schema: SCHEMA,
            version: env!("CARGO_PKG_VERSION"),
            config,
            stats,
            documents,
            clusters,
            pairs,
            reuse: reuse_clusters,
            skipped: Vec::new(),
        }
    }
}

/// Whether two documents look like copies of one text (estimated from their
/// signatures): either one's estimated share inside the other reaches `min`.
fn related_docs(a: &Gist, b: &Gist, min: f64) -> bool {
    let (Some(sa), Some(sb)) = (&a.signature, &b.signature) else {
        return false;
    };
    let j = sa.jaccard(sb);
    // |A ∩ B| = J (|A| + |B|) / (1 + J); word counts stand in for set sizes.
    let inter = j * (a.words + b.words) as f64 / (1.0 + j);
    let smaller = a.words.min(b.words).max(1) as f64;
    inter / smaller >= min
}

/// A document's signature and content size, for the corpus-wide check.
struct Gist {
    signature: Option<Signature>,
    words: usize,
}

fn gist_of(doc: &Analysed, cfg: &Config, sketcher: &mut Sketcher, tokens: &mut Vec<u32>) -> Gist {
    doc.content_tokens(tokens);
    let seed = Seeds::new(cfg.seed).shingle;
    Gist {
        signature: sketcher.sign(shingle::shingles(tokens, cfg.ngram, seed)),
        words: tokens.len(),
    }
}

/// What the corpus-wide stages found, for the report.
struct Findings<'a> {
    sketches: &'a [Sketch],
    judged: &'a [bool],
    rep: &'a [u32],
    decisions: &'a [group::Decision],
    related: &'a [Verified],
    reuse: &'a [Reuse],
    reuse_clusters: Vec<ReuseCluster>,
    candidate_pairs: usize,
}

/// Words around a shared fingerprint that may disagree before a pair is
/// dropped without alignment. Measured on the generated 10k corpus (where
/// word-chain text shares 8–11 word runs everywhere): slack 1 keeps 94.8 % of
/// the pairs that slack 4 finds, at a fifth of the alignment time; slack 0
/// keeps 92.7 %. The pairs lost are minimal-length passages with an edit next
/// to their only fingerprint; `compare` aligns whole documents and finds them.
const AGREEMENT_SLACK: usize = 1;

/// A paragraph of one document that a reuse cluster reports: its token range
/// and byte span.
#[derive(Clone, Copy, Debug)]
struct Clustered {
    start: u32,
    end: u32,
    span: Span,
}

/// Kept documents that must hold one paragraph for it to be reported once as
/// a reuse cluster rather than as pairs.
const REUSE_MIN_HOLDERS: usize = 3;

/// Two kept documents that share passages.
struct Reuse {
    a: u32,
    b: u32,
    overlap: verify::Overlap,
    passages: Vec<Passage>,
}

fn align_params(cfg: &Config) -> AlignParams {
    AlignParams {
        seed: cfg.ngram,
        max_gap: cfg.passage_gap,
        min_tokens: cfg.min_passage,
    }
}

/// Aligned passages between two token sequences, as byte spans (and the
/// passage text when A's original text is given).
fn passages_between(
    ca: &Content,
    cb: &Content,
    params: AlignParams,
    text_a: Option<&str>,
) -> Vec<Passage> {
    if ca.offsets.len() != ca.tokens.len() || cb.offsets.len() != cb.tokens.len() {
        return Vec::new(); // offsets were not recorded (passages off, or a text over 4 GB)
    }
    let span = |o: &[(u32, u32)], r: &std::ops::Range<usize>| {
        Span::new(o[r.start].0 as usize, o[r.end - 1].1 as usize)
    };
    align::align_sequences(ca.sequence(), cb.sequence(), params)
        .into_iter()
        .map(|t| {
            let a = span(&ca.offsets, &t.a);
            Passage {
                a,
                b: span(&cb.offsets, &t.b),
                tokens: t.a.len(),
                text: text_a
                    .and_then(|x| x.get(a.start..a.end))
                    .map(str::to_owned),
            }
        })
        .collect()
}

/// Compare two documents: measured scores, their relation, and the passages
/// they share (with the passage text). Cleaning applies per document;
/// corpus-wide boilerplate needs a corpus and is not used here.
///
/// ```
/// use doublet::{compare, Config, Document};
///
/// let quote = "we exchanged some ideas and we had a little bit of progress, Kerry said";
/// let a = Document::new("a", format!("The talks went on all week in New York. {quote}. Then he left for the airport."));
/// let b = Document::new("b", format!("A very different report opens this one. \u{201C}{quote}.\u{201D} Nothing else is alike."));
/// let c = compare(&Config::default(), &a, &b).unwrap();
/// assert_eq!(c.relation, doublet::PairRelation::SharedPassages);
/// assert!(c.passages[0].text.as_deref().unwrap().contains("a little bit of progress"));
/// ```
pub fn compare(config: &Config, a: &Document, b: &Document) -> Result<Comparison> {
    let cfg = config.clone().validated()?;
    let seeds = Seeds::new(cfg.seed);
    let (da, db) = (analyse(a, &cfg), analyse(b, &cfg));
    let (ca, cb) = (da.content_with_offsets(), db.content_with_offsets());
    let (ta, tb) = (&ca.tokens, &cb.tokens);
    let sa = shingle::shingle_set(ta, cfg.ngram, seeds.shingle);
    let sb = shingle::shingle_set(tb, cfg.ngram, seeds.shingle);
    let o = verify::measure(&sa, &sb);
    let passages = if cfg.min_passage > 0 {
        passages_between(&ca, &cb, align_params(&cfg), Some(&a.text))
    } else {
        Vec::new()
    };
    let t = Thresholds {
        jaccard: cfg.threshold,
        containment: cfg.containment,
    };
    let relation = if !ta.is_empty() && ta == tb {
        PairRelation::Exact
    } else if let Some(r) = t.relation(o.jaccard, o.a_in_b.max(o.b_in_a)) {
        r.into()
    } else if !passages.is_empty() {
        PairRelation::SharedPassages
    } else {
        PairRelation::Unrelated
    };
    let round = |x: f64| (x * 1e6).round() / 1e6;
    Ok(Comparison {
        a: a.id.clone(),
        b: b.id.clone(),
        relation,
        jaccard: round(o.jaccard),
        a_in_b: round(o.a_in_b),
        b_in_a: round(o.b_in_a),
        passages,
    })
}
