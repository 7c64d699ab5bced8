//! The scanner's stages in parts, for front ends that run the corpus-wide
//! stages elsewhere: a Spark job (the Python package's `doublet.spark`)
//! analyses, cleans and signs documents on its executors and lets the
//! cluster do the grouping, joining and counting between these steps.
//!
//! Every function here is what [`Scanner::finish`](crate::Scanner::finish)
//! itself calls for one document, one recurring block or one connected
//! group of verified pairs, so a front end that composes them as the
//! scanner does reaches the scanner's decisions. In order:
//!
//! 1. [`Analysis::new`] per document; its [`block_keys`](Analysis::block_keys)
//!    are its postings for corpus-wide cleaning, and its
//!    [`gist`](Analysis::gist) tells related holders of a block apart
//!    ([`related`]);
//! 2. a block recurs when `corpus_min_docs` holders are mutually unrelated,
//!    visited by id (of the corpus, or of one site); each holder then
//!    [votes](Analysis::furniture_votes) on where the block sits, and the
//!    [`Recurrence`](crate::clean::furniture::Recurrence) of the votes says
//!    whether it is furniture ([`Recurrence::evidence`](crate::clean::furniture::Recurrence::evidence));
//! 3. each document [removes](Analysis::remove_furniture) its furniture and
//!    is [signed](Analysis::sign) on its final content;
//! 4. exact groups, then candidates from band keys
//!    ([`Signature::band_key`](crate::sketch::Signature::band_key);
//!    buckets larger than `max_bucket` pair each member, in exact-key order,
//!    with the next [`index::GIANT_BUCKET_WINDOW`]) and from anchor prefixes
//!    ([`index::anchor_prefix`], [`index::plausible_anchors`]);
//! 5. candidates measured on [`shingles`] of the content;
//! 6. every connected group of related pairs [decided](decide_component)
//!    on its own: a document's decision depends only on the documents it
//!    is related to, so the groups' decisions are the corpus's.

use std::cmp::Ordering;

use crate::clean::{Evidence, Form};
use crate::config::Config;
use crate::group::{self, Decision, Thresholds, Verified};
use crate::index::Anchors;
use crate::plan::Plan;
use crate::sign::{DocSketch, Signer};
use crate::sketch::Sketcher;
use crate::text::{shingle, Document};
use crate::verify::Overlap;

use super::analyse::{analyse_with, Analysed, ContentRuns, Words};
pub use super::sign::Gist;
use super::whole_text_key;
use crate::index;

/// One document analysed and cleaned on its own (repeated paragraphs,
/// boilerplate), as the scanner holds it before the corpus-wide stages.
#[derive(Clone, Debug)]
pub struct Analysis {
    analysed: Analysed,
    words: Words,
}

impl Analysis {
    /// Analyse `doc` under `plan` (no byte offsets: shared passages are not
    /// found in parts).
    pub fn new(plan: &Plan, doc: &Document) -> Analysis {
        let (analysed, words) = analyse_with(doc, &plan.config, false);
        Analysis { analysed, words }
    }

    /// Its counted block keys (blocks with words that are not repeats
    /// within the document), sorted and distinct.
    pub fn block_keys(&self) -> Vec<u64> {
        Analysed::block_keys(&self.words.blocks)
    }

    /// Its signature and size before corpus-wide cleaning, to tell
    /// related holders of a recurring block apart ([`related`]).
    pub fn gist(&self, plan: &Plan, sketcher: &mut Sketcher) -> Gist {
        let mut content = Vec::new();
        self.analysed
            .content_tokens(&self.words.tokens, &mut content);
        Gist::of(&content, &plan.config, sketcher)
    }

    /// Where each recurring block (`recurs`) sits: `(key, vote, form)`,
    /// sorted by key, the vote true at a page edge, `None` when the
    /// document abstains.
    pub fn furniture_votes(&self, recurs: impl Fn(u64) -> bool) -> Vec<(u64, Option<bool>, Form)> {
        self.analysed.furniture_votes(&self.words.blocks, recurs)
    }

    /// Remove every content block that `evidence` names as furniture.
    pub fn remove_furniture<'e>(&mut self, evidence: impl Fn(u64) -> Option<&'e Evidence>) {
        if self
            .analysed
            .remove_furniture(&mut self.words.blocks, evidence)
        {
            self.analysed.content = ContentRuns::of(&self.words.blocks);
        }
    }

    /// Whether cleaning left enough to judge the document on.
    pub fn judged(&self, cfg: &Config) -> bool {
        self.analysed.judged(cfg)
    }

    /// The share of its text as written (paragraphs it repeats counted
    /// once) that cleaning left: what a removal must also hold on
    /// ([`Thresholds::removal`]).
    pub fn written_share(&self) -> f64 {
        self.analysed.written_share()
    }

    /// Its cleaned text as `doublet dedup` writes it: the content blocks of
    /// `original` (the text it was analysed from) as its author laid them
    /// out, or the whole text when cleaning left too little to judge it on.
    pub fn cleaned_text(&self, original: &str, cfg: &Config) -> String {
        let whole = !self.analysed.judged(cfg);
        let content: Vec<crate::Span> = self
            .words
            .blocks
            .iter()
            .filter(|b| whole || b.status.is_content())
            .map(|b| b.span)
            .collect();
        crate::report::cleaned_text(original, &content)
    }

    /// Its content tokens (what verification shingles).
    pub fn content_tokens(&self) -> Vec<u32> {
        let mut out = Vec::new();
        self.analysed.content_tokens(&self.words.tokens, &mut out);
        out
    }

    /// The sketch of its final content, with the whole-text exact key of a
    /// document too thin to judge (as [`Scanner::finish`](crate::Scanner::finish)
    /// signs it).
    pub fn sign(&self, plan: &Plan, signer: &mut Signer) -> DocSketch {
        let a = &self.analysed;
        let content = self.content_tokens();
        let mut sketch = if plan.winnow.is_some() {
            signer.sign(&content, Some(&a.content_positions()))
        } else {
            signer.sign(&content, None)
        };
        if !a.judged(&plan.config) && !a.uncleaned() {
            sketch.exact = whole_text_key(&self.words.tokens);
        }
        sketch
    }
}

/// Whether two holders of a block look like copies of one text (either
/// one's estimated share inside the other reaches `min`).
pub fn related(a: &Gist, b: &Gist, min: f64) -> bool {
    super::sign::related_docs(a, b, min)
}

/// The shingle set verification measures (sorted, distinct).
pub fn shingles(plan: &Plan, content: &[u32]) -> Vec<u64> {
    shingle::shingle_set(content, plan.config.ngram, plan.seeds.shingle)
}

/// One document of a connected group of related pairs.
#[derive(Clone, Debug)]
pub struct Member {
    /// Its id.
    pub id: String,
    /// Its content words (the sketch's).
    pub words: u32,
    /// The share of its text as written that cleaning left
    /// ([`Analysis::written_share`]).
    pub written: f64,
}

/// Decide a connected group of exact-group representatives linked by
/// `related` pairs (positions into `members`; measured, and related in at
/// least one direction), as [`Scanner::finish`](crate::Scanner::finish)
/// decides them under the most-complete keep policy: most content words
/// first, then the copy most others are twins of, then id.
pub fn decide_component(members: &[Member], related: &[Verified], t: Thresholds) -> Vec<Decision> {
    let n = members.len();
    let written: Vec<f64> = members.iter().map(|m| m.written).collect();
    let twins = group::twin_counts(related, t, &written);
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&members[x as usize], &members[y as usize]);
        most_complete_first(
            (a.words, twins[x as usize], &a.id),
            (b.words, twins[y as usize], &b.id),
        )
    });
    let rep: Vec<u32> = (0..n as u32).collect();
    group::decide(&order, &rep, related, t, &written)
}

/// The most-complete keep order on `(content words, twin count, id)`:
/// more words first, then more twins, then the smaller id.
pub fn most_complete_first(a: (u32, u32, &str), b: (u32, u32, &str)) -> Ordering {
    b.0.cmp(&a.0)
        .then_with(|| b.1.cmp(&a.1))
        .then_with(|| a.2.cmp(b.2))
}

/// Whether a measured pair is related under `plan`'s thresholds, in either
/// direction: what verification keeps for grouping.
pub fn related_pair(plan: &Plan, o: &Overlap) -> bool {
    let t = plan.thresholds;
    t.relation(o.jaccard, o.a_in_b).is_some() || t.relation(o.jaccard, o.b_in_a).is_some()
}

/// Extend `leaders` with each of `members`, visited in order, that is
/// unrelated to every leader so far, until there are `min_docs`; whether
/// there are. The holders of a recurring block are visited so (by id, in
/// the scanner; earlier holders first, in an index; per group, on Spark).
pub fn lead<T: Copy>(
    leaders: &mut Vec<T>,
    members: impl IntoIterator<Item = T>,
    min_docs: usize,
    related: impl Fn(T, T) -> bool,
) -> bool {
    for m in members {
        if leaders.len() >= min_docs {
            break;
        }
        if leaders.iter().all(|&l| !related(m, l)) {
            leaders.push(m);
        }
    }
    leaders.len() >= min_docs
}

/// The anchors that propose pairs ([`index::anchor_prefix`]).
pub fn anchor_prefix(plan: &Plan, anchors: &Anchors, df: impl Fn(u64) -> u32) -> Vec<u64> {
    index::anchor_prefix(
        anchors,
        df,
        plan.config.containment,
        plan.anchor_tau,
        plan.config.anchor_max_df,
    )
}
