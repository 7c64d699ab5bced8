//! Signing: a document's cleaned content into its sketch (exact key,
//! MinHash signature, containment anchors, passage fingerprints).

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use crate::config::Config;
use crate::index::Anchors;
use crate::seeds::Seeds;
use crate::sketch::{Signature, Sketcher};
use crate::text::shingle::{self, mix64};
use crate::{index, Scanner};

use super::analyse::Analysed;

/// The comparison-ready summary of one document's cleaned content.
#[derive(Clone, Debug, Default)]
pub(super) struct Sketch {
    pub(super) signature: Option<Signature>,
    pub(super) anchors: Anchors,
    /// Content words.
    pub(super) words: usize,
    /// Hash of the content token sequence; `None` for empty documents.
    pub(super) exact: Option<u128>,
    /// Winnowed shingle fingerprints for shared passages: (hash, position of
    /// the n-gram in the document's full token sequence), sorted by hash.
    pub(super) fingerprints: Vec<(u64, u32)>,
}

/// Per-thread scratch space for sketching.
pub(super) struct Scratch {
    pub(super) sketcher: Sketcher,
    pub(super) tokens: Vec<u32>,
    pub(super) mixed: Vec<u64>,
}

pub(super) fn sketch_of(doc: &Analysed, cfg: &Config, scratch: &mut Scratch) -> Sketch {
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

impl Scanner {
    /// Sketch every document, or only those listed.
    pub(super) fn sketch_all(&self) -> Vec<Sketch> {
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
}

/// Whether two documents look like copies of one text (estimated from their
/// signatures): either one's estimated share inside the other reaches `min`.
pub(super) fn related_docs(a: &Gist, b: &Gist, min: f64) -> bool {
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
pub(super) struct Gist {
    pub(super) signature: Option<Signature>,
    pub(super) words: usize,
}

pub(super) fn gist_of(
    doc: &Analysed,
    cfg: &Config,
    sketcher: &mut Sketcher,
    tokens: &mut Vec<u32>,
) -> Gist {
    doc.content_tokens(tokens);
    let seed = Seeds::new(cfg.seed).shingle;
    Gist {
        signature: sketcher.sign(shingle::shingles(tokens, cfg.ngram, seed)),
        words: tokens.len(),
    }
}
