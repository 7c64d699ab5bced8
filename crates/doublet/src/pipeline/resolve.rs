//! Resolution: candidate pairs measured on full shingle sets.

use rayon::prelude::*;

use crate::group::Verified;
use crate::text::shingle;
use crate::{verify, Scanner};

impl Scanner {
    /// Measure every candidate pair on full shingle sets.
    pub(super) fn verify(&self, candidates: &[(u32, u32)]) -> Vec<Verified> {
        let (ngram, seed) = (self.plan.config.ngram, self.plan.seeds.shingle);
        let mut involved: Vec<u32> = candidates.iter().flat_map(|&(a, b)| [a, b]).collect();
        involved.sort_unstable();
        involved.dedup();
        let sets: Vec<Vec<u64>> = involved
            .par_iter()
            .map_init(Vec::new, |buf, &d| {
                self.docs[d as usize].content_tokens(buf);
                shingle::shingle_set(buf, ngram, seed)
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
}
