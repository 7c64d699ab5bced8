//! Signing the scanner's documents on their final content (with
//! [`crate::sign`]), and the quick signatures corpus-wide cleaning uses to
//! tell related holders of a block apart.

use rayon::prelude::*;

use crate::seeds::Seeds;
use crate::sign::{DocSketch, Signer};
use crate::sketch::{Signature, Sketcher};
use crate::text::shingle;
use crate::Scanner;

impl Scanner {
    /// Sketch every document on its final content.
    pub(super) fn sketch_all(&self) -> Vec<DocSketch> {
        let plan = &self.plan;
        self.docs
            .par_iter()
            .enumerate()
            .map_init(
                || (Signer::new(plan), Vec::new(), Vec::new()),
                |(signer, all, tokens), (i, d)| {
                    self.content_tokens(i as u32, all, tokens);
                    if plan.winnow.is_some() {
                        signer.sign(tokens, Some(&d.content_positions()))
                    } else {
                        signer.sign(tokens, None)
                    }
                },
            )
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
    scanner: &Scanner,
    d: u32,
    sketcher: &mut Sketcher,
    (all, tokens): &mut (Vec<u32>, Vec<u32>),
) -> Gist {
    let cfg = &scanner.plan.config;
    scanner.content_tokens(d, all, tokens);
    let seed = Seeds::new(cfg.seed).shingle;
    Gist {
        signature: sketcher.sign(shingle::shingles(tokens, cfg.ngram, seed)),
        words: tokens.len(),
    }
}
