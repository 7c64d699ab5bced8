//! Signing the scanner's documents on their final content (with
//! [`crate::sign`]), and the quick signatures corpus-wide cleaning uses to
//! tell related holders of a block apart.

use rayon::prelude::*;

use crate::candidates;
use crate::config::Config;
use crate::index::{self, Anchors};
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
    /// kept as what a scan reads of it ([`Banded`]): its signature replaced
    /// by its band keys (the candidates read nothing else of it, and the
    /// keys take a seventh of the room), and no sketch held whole.
    /// Its anchors' dense tiers go to `dense` as keyed records
    /// ([`index::dense_records`]): only the check of the pairs the anchors
    /// accept reads them, after the proposals' peak.
    pub(super) fn sketch_banded(
        &self,
        fingerprints: &Sorter<[u64; 2]>,
        dense: &Sorter<[u64; 2]>,
    ) -> Banded {
        let plan = &self.plan;
        type Parts = ((u32, Option<u128>), ((u32, Anchors), Option<Vec<u64>>));
        type Columns = (
            (Vec<u32>, Vec<Option<u128>>),
            (Vec<(u32, Anchors)>, Vec<Option<Vec<u64>>>),
        );
        let ((words, exact), (anchors, keys)): Columns = self
            .docs
            .par_iter()
            .enumerate()
            .map_init(
                || (Signer::new(plan), Vec::new(), Vec::new()),
                |(signer, all, tokens), (i, _)| -> Parts {
                    let d = i as u32;
                    let mut sketch = self.sign_one(d, signer, (all, tokens), fingerprints);
                    let tier = std::mem::take(&mut sketch.anchors.dense);
                    dense.extend(index::dense_records(d, &tier));
                    let keys = sketch
                        .signature
                        .map(|s| candidates::BandKeys::of(plan, &s).collect());
                    ((sketch.words, sketch.exact), ((d, sketch.anchors), keys))
                },
            )
            .unzip();
        let mut bands = candidates::BandKeys::new(plan, keys.len());
        for (d, keys) in keys.into_iter().enumerate() {
            if let Some(keys) = keys {
                bands.set(d as u32, keys.into_iter());
            }
        }
        Banded {
            words,
            exact,
            anchors,
            bands,
        }
    }
}

/// What a scan keeps of each document's sketch, by position: its content
/// words, exact key and anchors, and the band keys of its signature.
pub(super) struct Banded {
    pub words: Vec<u32>,
    pub exact: Vec<Option<u128>>,
    pub anchors: Vec<(u32, Anchors)>,
    pub bands: candidates::BandKeys,
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
