//! Shingles: hashed word n-grams.
//!
//! Each word becomes a 32-bit token hash once, when the document is read; a
//! shingle is then a seeded 64-bit hash of `n` consecutive token hashes. This
//! keeps per-document state small (4 bytes a word) and lets cleaning drop
//! blocks and re-shingle without going back to the text. Shingles run across
//! block boundaries, so reflowing a text into more or fewer lines changes
//! nothing. A text shorter than `n` words yields one shingle of all its words,
//! so short documents can still be compared.

use xxhash_rust::xxh3::xxh3_64;

/// Hash one (normalised) word to its 32-bit token.
#[inline]
pub fn token(word: &str) -> u32 {
    token_of(word_hash(word))
}

/// The 64-bit hash of one (normalised) word, from which its token is
/// folded ([`token_of`]) and its stop-word languages looked up
/// ([`crate::clean::stopwords::Lexicon::mask_of`]).
#[inline]
pub fn word_hash(word: &str) -> u64 {
    xxh3_64(word.as_bytes())
}

/// A word's 32-bit token from its [`word_hash`].
#[inline]
pub fn token_of(h: u64) -> u32 {
    // Folding the 64-bit hash keeps entropy from both halves.
    (h ^ (h >> 32)) as u32
}

/// The murmur3 64-bit finaliser: a fast bijective mixer with full avalanche.
#[inline]
pub fn mix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Hash a window of tokens into one shingle, under `seed`.
#[inline]
pub fn shingle(window: &[u32], seed: u64) -> u64 {
    let mut h = seed ^ (window.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &t in window {
        h = (h ^ u64::from(t))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    mix64(h)
}

/// Every shingle hash of `tokens`, with repeats, in order.
pub fn shingles(tokens: &[u32], n: usize, seed: u64) -> impl Iterator<Item = u64> + '_ {
    // A text shorter than `n` words is one window of all of them; an empty
    // one has no window at all.
    let width = n.min(tokens.len()).max(1);
    tokens.windows(width).map(move |w| shingle(w, seed))
}

/// The sorted set of distinct shingle hashes of `tokens`.
pub fn shingle_set(tokens: &[u32], n: usize, seed: u64) -> Vec<u64> {
    let mut out: Vec<u64> = shingles(tokens, n, seed).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_get_one_shingle() {
        assert_eq!(shingle_set(&[1, 2], 5, 0).len(), 1);
        assert!(shingle_set(&[], 5, 0).is_empty());
        assert_eq!(shingle_set(&[1, 2, 3, 4, 5, 6], 5, 0).len(), 2);
    }

    #[test]
    fn order_and_seed_matter() {
        assert_ne!(shingle(&[1, 2, 3], 7), shingle(&[3, 2, 1], 7));
        assert_ne!(shingle(&[1, 2, 3], 7), shingle(&[1, 2, 3], 8));
        assert_ne!(shingle(&[0], 7), shingle(&[0, 0], 7));
    }
}
