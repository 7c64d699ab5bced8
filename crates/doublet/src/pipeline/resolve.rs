//! Resolution: candidate pairs measured on full shingle sets.

use rayon::prelude::*;

use crate::group::Verified;
use crate::text::shingle;
use crate::{verify, Scanner};

/// Candidate pairs measured at a time, at most. The shingle sets of the
/// documents in one chunk are held together (8 bytes a shingle), so a chunk
/// also ends once its documents hold [`VERIFY_WORDS`] words (counting a
/// document again in each pair it is the second of): this bounds that memory
/// whatever the number of candidates and their lengths. A document in
/// several chunks is shingled once per chunk. Candidates come sorted by
/// their first document, so a chunk holds few distinct ones.
const VERIFY_CHUNK: usize = 1 << 18;
const VERIFY_WORDS: usize = 1 << 23;

/// Split `candidates` (sorted by first document) into chunks of at most
/// [`VERIFY_CHUNK`] pairs whose documents hold about [`VERIFY_WORDS`]
/// words (a chunk always takes at least one pair).
fn chunks(candidates: &[(u32, u32)], words: impl Fn(u32) -> usize) -> Vec<&[(u32, u32)]> {
    let mut out = Vec::new();
    let (mut start, mut held, mut last) = (0, 0, None);
    for (i, &(a, b)) in candidates.iter().enumerate() {
        let mut cost = words(b);
        if last != Some(a) {
            cost += words(a);
        }
        if i > start && (held + cost > VERIFY_WORDS || i - start >= VERIFY_CHUNK) {
            out.push(&candidates[start..i]);
            start = i;
            held = words(a) + words(b);
        } else {
            held += cost;
        }
        last = Some(a);
    }
    if start < candidates.len() {
        out.push(&candidates[start..]);
    }
    out
}

impl Scanner {
    /// Measure every candidate pair on full shingle sets.
    pub(super) fn verify(&self, candidates: &[(u32, u32)]) -> Vec<Verified> {
        let (ngram, seed) = (self.plan.config.ngram, self.plan.seeds.shingle);
        let mut out = Vec::with_capacity(candidates.len());
        let mut involved: Vec<u32> = Vec::new();
        let words = |d: u32| self.docs[d as usize].words as usize;
        self.progress
            .begin(super::Stage::Verifying.describe(), candidates.len());
        for chunk in chunks(candidates, words) {
            involved.clear();
            involved.extend(chunk.iter().flat_map(|&(a, b)| [a, b]));
            involved.par_sort_unstable();
            involved.dedup();
            let sets: Vec<Vec<u64>> = involved
                .par_iter()
                .map_init(
                    || (Vec::new(), Vec::new()),
                    |(all, buf), &d| {
                        self.content_tokens(d, all, buf);
                        shingle::shingle_set(buf, ngram, seed)
                    },
                )
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
            self.progress.add(chunk.len());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_hold_every_pair_once_within_their_bounds() {
        let candidates: Vec<(u32, u32)> = (0..2000u32)
            .flat_map(|a| (1..4).map(move |k| (a, a + k)))
            .collect();
        let words = |d: u32| {
            if d.is_multiple_of(7) {
                VERIFY_WORDS
            } else {
                1 << 16
            }
        };
        let parts = chunks(&candidates, words);
        assert_eq!(parts.concat(), candidates);
        for p in &parts {
            assert!(p.len() <= VERIFY_CHUNK);
            let mut held = 0;
            let mut last = None;
            for &(a, b) in *p {
                held += words(b) + if last != Some(a) { words(a) } else { 0 };
                last = Some(a);
            }
            // Within the bound, or one pair alone that is larger.
            assert!(
                held <= VERIFY_WORDS || p.len() == 1,
                "{held} words in {} pairs",
                p.len()
            );
        }
    }
}
