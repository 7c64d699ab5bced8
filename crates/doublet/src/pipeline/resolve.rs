//! Resolution: candidate pairs measured on full shingle sets.

use rayon::prelude::*;

use crate::group::Verified;
use crate::text::shingle;
use crate::{verify, Scanner};

/// Candidate pairs measured at a time. The shingle sets of the documents in
/// one chunk are held together (8 bytes a shingle), so this bounds that
/// memory whatever the number of candidates; a document in several chunks
/// is shingled once per chunk. Candidates come sorted by their first
/// document, so a chunk holds few distinct ones.
const VERIFY_CHUNK: usize = 1 << 18;

impl Scanner {
    /// Measure every candidate pair on full shingle sets.
    pub(super) fn verify(&self, candidates: &[(u32, u32)]) -> Vec<Verified> {
        let (ngram, seed) = (self.plan.config.ngram, self.plan.seeds.shingle);
        let mut out = Vec::with_capacity(candidates.len());
        let mut involved: Vec<u32> = Vec::new();
        for chunk in candidates.chunks(VERIFY_CHUNK) {
            involved.clear();
            involved.extend(chunk.iter().flat_map(|&(a, b)| [a, b]));
            involved.par_sort_unstable();
            involved.dedup();
            let sets: Vec<Vec<u64>> = involved
                .par_iter()
                .map_init(Vec::new, |buf, &d| {
                    self.docs[d as usize].content_tokens(buf);
                    shingle::shingle_set(buf, ngram, seed)
                })
                .collect();
            let set_of = |d: u32| -> &[u64] {
                // `involved` holds every document of every pair of the chunk.
                let i = involved.binary_search(&d).unwrap_or(0);
                &sets[i]
            };
            out.par_extend(chunk.par_iter().map(|&(a, b)| Verified {
                a,
                b,
                overlap: verify::measure(set_of(a), set_of(b)),
            }));
        }
        out
    }
}
