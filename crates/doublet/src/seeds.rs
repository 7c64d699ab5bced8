//! Every hash seed and fixed constant that decides doublet's results, in one
//! place.
//!
//! Two runs agree only if they hash alike: the word hash, the n-gram hash,
//! the MinHash permutation, the band keys and the anchor sample all derive
//! from [`Config::seed`](crate::Config::seed) and the tags below. A signature
//! or anchor written by one build and read by another (an index on disk, a
//! sketch sent from a Spark executor) is comparable only when both have the
//! same [`FORMAT`]: change any value here, or a hash function in
//! [`crate::text::shingle`] or [`crate::sketch`], and bump it.
//!
//! [`Sketcher::new`](crate::sketch::Sketcher::new) takes a derived seed
//! ([`Seeds::minhash`]) as it is; the engine never hands it the raw
//! configured seed.

use crate::text::shingle::mix64;

/// The version of everything this module fixes. Bump it whenever a sketch
/// computed before the change would no longer match one computed after.
///
/// 2: hard-wrapped lines are joined into their paragraph, and a document is
/// cleaned as a web page or a plain document, so the paragraph keys and the
/// content a document is signed on changed for wrapped and plain texts.
///
/// 3: anchors carry their dense tier (the keys of a document's other
/// shingles below twice the global threshold), which the pair check reads.
pub const FORMAT: u32 = 3;

/// [`Config::seed`](crate::Config::seed) when none is given.
pub const DEFAULT_SEED: u64 = 0x00d0_0b1e;

/// Paragraph keys (repeated paragraphs, corpus furniture, reuse clusters):
/// fixed, so that a paragraph has the same key under every `seed`.
pub const BLOCK_KEY: u64 = 0x6b10_c4e7;

/// The aligner's n-gram index, fixed for the same reason.
pub const ALIGN_KEY: u64 = 0xa119_2e55;

/// Mixed into every LSH band key, so band keys never equal other hashes.
pub const BAND_TAG: u64 = 0xba2d_0000_0000_0000;

/// Exact keys over a whole text (for documents too thin to judge on their
/// content) are kept apart from content keys by this tag.
pub const WHOLE_TEXT_TAG: u128 = 0x9d1c_6b2e_57a4_f013_c2b8_4e67_1f0d_a935;

const SHINGLE_TAG: u64 = 0x5819_9e11;
const ANCHOR_TAG: u64 = 0xa9c4_0b5e;
const MINHASH_TAG: u64 = 0x5eed_0f5c_e7c4;

/// The seeds of one run, one per purpose, derived from the configured seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    /// Word n-gram (shingle) hashes.
    pub shingle: u64,
    /// The re-mix that draws containment anchors and passage fingerprints
    /// from shingle hashes.
    pub anchor: u64,
    /// The MinHash permutation and its densification probes.
    pub minhash: u64,
}

impl Seeds {
    /// The seeds for [`Config::seed`](crate::Config::seed) `seed`.
    pub fn new(seed: u64) -> Self {
        Seeds {
            shingle: mix64(seed ^ SHINGLE_TAG),
            anchor: mix64(seed ^ ANCHOR_TAG),
            minhash: mix64(seed ^ MINHASH_TAG),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values sketches of FORMAT 3 are made with, as literals (the same
    /// as FORMAT 1's: 2 changed what is signed and 3 what a sketch holds,
    /// not how they hash): a change to a
    /// tag, the default seed or the mixer fails here, and must come with a
    /// new FORMAT.
    #[test]
    fn format_values_are_fixed() {
        assert_eq!(FORMAT, 3);
        assert_eq!(DEFAULT_SEED, 0x00d0_0b1e);
        assert_eq!(BLOCK_KEY, 0x6b10_c4e7);
        assert_eq!(ALIGN_KEY, 0xa119_2e55);
        assert_eq!(BAND_TAG, 0xba2d_0000_0000_0000);
        assert_eq!(WHOLE_TEXT_TAG, 0x9d1c_6b2e_57a4_f013_c2b8_4e67_1f0d_a935);
        let s = Seeds::new(DEFAULT_SEED);
        assert_eq!(s.shingle, 0x96e8_2b72_5add_d1d3);
        assert_eq!(s.anchor, 0x62c1_542f_0df1_1c9d);
        assert_eq!(s.minhash, 0x44d3_b1ec_d099_ed28);
        let t = Seeds::new(DEFAULT_SEED + 1);
        assert!(s.shingle != t.shingle && s.anchor != t.anchor && s.minhash != t.minhash);
    }
}
