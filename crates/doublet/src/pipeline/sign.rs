//! Signing the scanner's documents on their final content (with
//! [`crate::sign`]), and the quick signatures corpus-wide cleaning uses to
//! tell related holders of a block apart.

use rayon::prelude::*;

use crate::candidates;
use crate::config::Config;
use crate::index;
use crate::keyed::Sorter;
use crate::seeds::Seeds;
use crate::sign::{DocSketch, Signer};
use crate::sketch::{Signature, Sketcher};
use crate::text::shingle;
use crate::Scanner;

impl Scanner {
    /// Sketch every document on its final content; its passage
    /// fingerprints go to `fingerprints` (see [`sign_one`](Self::sign_one)).
    pub(super) fn sketch_all(&self, fingerprints: &Sorter<[u64; 2]>) -> Vec<DocSketch> {
        let plan = &self.plan;
        self.docs
            .par_iter()
            .enumerate()
            .map_init(
                || (Signer::new(plan), Vec::new(), Vec::new()),
                |(signer, all, tokens), (i, _)| {
                    self.sign_one(i as u32, signer, (all, tokens), fingerprints)
                },
            )
            .collect()
    }

    /// Document `d` signed on its final content (`all` and `tokens` are
    /// buffers). Its passage fingerprints are not kept in its sketch but
    /// emitted to `fingerprints` as keyed records
    /// ([`index::fingerprint_record`]), which the passage stage reads
    /// sorted: a scan holds every document's sketch until then, and at a
    /// million documents the fingerprints would take 2.5 GB of them.
    fn sign_one(
        &self,
        d: u32,
        signer: &mut Signer,
        (all, tokens): (&mut Vec<u32>, &mut Vec<u32>),
        fingerprints: &Sorter<[u64; 2]>,
    ) -> DocSketch {
        self.content_tokens(d, all, tokens);
        if self.plan.winnow.is_none() {
            return signer.sign(tokens, None);
        }
        let mut sketch = signer.sign(tokens, Some(&self.docs[d as usize].content_positions()));
        let found = std::mem::take(&mut sketch.fingerprints);
        fingerprints.extend(
            found
                .into_iter()
                .map(|(h, p)| index::fingerprint_record(h, d, p)),
        );
        sketch
    }

    /// Every document signed as [`sketch_all`](Self::sketch_all) signs it,
    /// with its signature replaced by its band keys: the candidates read
    /// nothing else of it, and the keys take a seventh of the room.
    pub(super) fn sketch_banded(
        &self,
        fingerprints: &Sorter<[u64; 2]>,
    ) -> (Vec<DocSketch>, candidates::BandKeys) {
        let plan = &self.plan;
        let signed: Vec<(DocSketch, Option<Vec<u64>>)> = self
            .docs
            .par_iter()
            .enumerate()
            .map_init(
                || (Signer::new(plan), Vec::new(), Vec::new()),
                |(signer, all, tokens), (i, _)| {
                    let mut sketch = self.sign_one(i as u32, signer, (all, tokens), fingerprints);
                    let keys = sketch
                        .signature
                        .take()
                        .map(|s| candidates::BandKeys::of(plan, &s).collect());
                    (sketch, keys)
                },
            )
            .collect();
        let mut bands = candidates::BandKeys::new(plan, signed.len());
        let sketches = signed
            .into_iter()
            .enumerate()
            .map(|(d, (sketch, keys))| {
                if let Some(keys) = keys {
                    bands.set(d as u32, keys.into_iter());
                }
                sketch
            })
            .collect();
        (sketches, bands)
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

/// A document's signature and content size before corpus-wide cleaning,
/// to tell related holders of a recurring block apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Gist {
    /// MinHash of its content shingles (none without a shingle).
    pub signature: Option<Signature>,
    /// Its content words.
    pub words: usize,
}

impl Gist {
    /// The gist of content `tokens`.
    pub fn of(tokens: &[u32], cfg: &Config, sketcher: &mut Sketcher) -> Gist {
        let seed = Seeds::new(cfg.seed).shingle;
        Gist {
            signature: sketcher.sign(shingle::shingles(tokens, cfg.ngram, seed)),
            words: tokens.len(),
        }
    }
}

pub(super) fn gist_of(
    scanner: &Scanner,
    d: u32,
    sketcher: &mut Sketcher,
    (all, tokens): &mut (Vec<u32>, Vec<u32>),
) -> Gist {
    scanner.content_tokens(d, all, tokens);
    Gist::of(tokens, &scanner.plan.config, sketcher)
}
