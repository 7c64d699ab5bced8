//! Verification: measure every candidate pair exactly.
//!
//! Scores come from the full shingle sets (sorted, distinct 64-bit hashes),
//! never from sketches, so no reported number is an artefact of sampling.
//! Containment follows Broder (1997): c(A, B) = |A ∩ B| / |A|, the share of
//! A's shingles found in B; it is asymmetric, and both directions are kept.

use serde::Serialize;

/// Measured overlap of two shingle sets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Overlap {
    /// Jaccard similarity |A ∩ B| / |A ∪ B|.
    pub jaccard: f64,
    /// Share of A's shingles found in B.
    pub a_in_b: f64,
    /// Share of B's shingles found in A.
    pub b_in_a: f64,
}

/// Size of the intersection of two sorted, distinct slices.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Whether two sorted, distinct lists share at least `t` values. Stops as
/// soon as what is left of the shorter list could not make up the
/// difference; the merge steps without branches on the comparison, which
/// random hashes would mispredict half of the time.
pub fn shares_at_least(a: &[u64], b: &[u64], t: usize) -> bool {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if n + (a.len() - i).min(b.len() - j) < t {
            return false;
        }
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n >= t
}

/// Measure two sorted, distinct shingle sets.
pub fn measure(a: &[u64], b: &[u64]) -> Overlap {
    let inter = intersection(a, b) as f64;
    let ratio = |num: f64, den: usize| if den == 0 { 0.0 } else { num / den as f64 };
    Overlap {
        jaccard: ratio(inter, a.len() + b.len() - inter as usize),
        a_in_b: ratio(inter, a.len()),
        b_in_a: ratio(inter, b.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn measures_simple_sets() {
        let o = measure(&[1, 2, 3, 4], &[3, 4, 5]);
        assert_eq!(o.jaccard, 2.0 / 5.0);
        assert_eq!(o.a_in_b, 0.5);
        assert_eq!(o.b_in_a, 2.0 / 3.0);
        assert_eq!(measure(&[], &[]).jaccard, 0.0);
    }

    proptest! {
        #[test]
        fn scores_are_symmetric_and_bounded(mut a in prop::collection::vec(0u64..200, 0..100),
                                            mut b in prop::collection::vec(0u64..200, 0..100)) {
            a.sort_unstable(); a.dedup(); b.sort_unstable(); b.dedup();
            let ab = measure(&a, &b);
            let ba = measure(&b, &a);
            prop_assert_eq!(ab.jaccard, ba.jaccard);
            prop_assert_eq!(ab.a_in_b, ba.b_in_a);
            for v in [ab.jaccard, ab.a_in_b, ab.b_in_a] {
                prop_assert!((0.0..=1.0).contains(&v));
            }
            prop_assert!(ab.jaccard <= ab.a_in_b.min(ab.b_in_a) + 1e-12);
        }

        #[test]
        fn shares_at_least_agrees_with_the_full_count(mut a in prop::collection::vec(0u64..120, 0..60),
                                                      mut b in prop::collection::vec(0u64..120, 0..60),
                                                      t in 0usize..70) {
            a.sort_unstable(); a.dedup(); b.sort_unstable(); b.dedup();
            prop_assert_eq!(shares_at_least(&a, &b, t), intersection(&a, &b) >= t);
        }
    }
}
