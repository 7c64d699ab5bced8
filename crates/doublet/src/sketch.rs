//! Sketches: MinHash signatures and the choice of LSH bands.
//!
//! # MinHash
//!
//! Broder (1997), "On the resemblance and containment of documents", showed
//! that for a random permutation of shingle space the probability that two
//! sets share their minimum equals their Jaccard similarity. Classic MinHash
//! applies `k` permutations to every shingle: cost `k` per shingle.
//!
//! doublet uses **one-permutation hashing** (Li, Owen & Zhang, NIPS 2012):
//! each shingle's hash picks one of `k` bins and competes only for that bin's
//! minimum, so the cost per shingle is constant whatever `k` is. Bins left
//! empty (short documents) are filled by **optimal densification**
//! (Shrivastava, ICML 2017, "Optimal Densification for Fast and Accurate
//! Minwise Hashing"): an empty bin copies the value of the first non-empty bin
//! along its own pseudo-random probe sequence. Two documents with the same
//! empty bin follow the same sequence, which keeps the collision probability of
//! every bin equal to the Jaccard similarity (the estimator is unbiased), with
//! variance close to that of `k` independent permutations.
//!
//! Each bin's minimum is stored as its low 32 bits: equal minima stay equal,
//! and unequal ones collide with probability 2⁻³², far below the estimator's
//! own error.
//!
//! # Bands
//!
//! Splitting a signature into `b` bands of `r` rows makes two documents with
//! Jaccard `s` share at least one band with probability `1 − (1 − sʳ)ᵇ`
//! (Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3).
//! [`optimal_bands`] picks `b` and `r` minimising the area of false positives
//! below the threshold plus false negatives above it, the criterion used by
//! MinHash LSH libraries.

use serde::{Deserialize, Serialize};

use crate::text::shingle::mix64;

/// A MinHash signature: one 32-bit value per bin.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signature(Box<[u32]>);

impl Signature {
    /// A signature from its bin values (as read back from storage).
    pub fn from_values(values: Vec<u32>) -> Signature {
        Signature(values.into_boxed_slice())
    }

    /// The bin values.
    pub fn values(&self) -> &[u32] {
        &self.0
    }

    /// Estimated Jaccard similarity: the share of bins that agree.
    pub fn jaccard(&self, other: &Signature) -> f64 {
        let n = self.0.len().min(other.0.len());
        if n == 0 {
            return 0.0;
        }
        let same = self
            .0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / n as f64
    }

    /// Hash key of band `band` (rows `band*rows .. band*rows+rows`).
    pub fn band_key(&self, band: usize, rows: usize) -> u64 {
        let mut h = mix64(band as u64 ^ crate::seeds::BAND_TAG);
        for &v in &self.0[band * rows..(band + 1) * rows] {
            h = mix64(h ^ u64::from(v));
        }
        h
    }
}

/// Computes signatures; holds the reusable per-thread scratch space.
#[derive(Clone, Debug)]
pub struct Sketcher {
    bins: usize,
    seed: u64,
    scratch: Vec<u64>,
}

const EMPTY: u64 = u64::MAX;

impl Sketcher {
    /// A sketcher with `bins` bins, hashing under `seed` (a run's
    /// [`Seeds::minhash`](crate::seeds::Seeds::minhash)).
    pub fn new(bins: usize, seed: u64) -> Self {
        Sketcher {
            bins,
            seed,
            scratch: vec![EMPTY; bins],
        }
    }

    #[inline]
    fn bin_of(&self, h: u64) -> usize {
        // Lemire's multiply-shift range reduction of the high 32 bits.
        (((h >> 32) * self.bins as u64) >> 32) as usize
    }

    /// The signature of a set given as shingle hashes (repeats are harmless).
    /// `None` for an empty set: it has no signature and matches nothing.
    pub fn sign(&mut self, shingles: impl IntoIterator<Item = u64>) -> Option<Signature> {
        self.scratch.fill(EMPTY);
        let mut any = false;
        for s in shingles {
            let h = mix64(s ^ self.seed);
            let b = self.bin_of(h);
            // A hash equal to EMPTY would be lost; it is one value in 2⁶⁴.
            if h < self.scratch[b] {
                self.scratch[b] = h;
            }
            any = true;
        }
        if !any {
            return None;
        }
        let mut out = vec![0u32; self.bins];
        for (i, slot) in out.iter_mut().enumerate() {
            let v = match self.scratch[i] {
                EMPTY => self.scratch[self.donor(i)],
                v => v,
            };
            *slot = v as u32;
        }
        Some(Signature(out.into_boxed_slice()))
    }

    /// The non-empty bin an empty bin `i` copies from: the first non-empty bin
    /// on `i`'s own probe sequence (optimal densification).
    fn donor(&self, i: usize) -> usize {
        let base = mix64(self.seed ^ ((i as u64) << 32));
        for attempt in 1..=(64 * self.bins as u64) {
            let j = self.bin_of(mix64(base.wrapping_add(attempt)));
            if self.scratch[j] != EMPTY {
                return j;
            }
        }
        // Unreachable in practice (probability (1 - 1/k)^(64k) ≈ e⁻⁶⁴ with one
        // filled bin); a deterministic scan keeps the result well defined.
        (0..self.bins)
            .map(|d| (i + d) % self.bins)
            .find(|&j| self.scratch[j] != EMPTY)
            .unwrap_or(i)
    }
}

/// Probability that two sets with Jaccard `s` share at least one band.
pub fn collision_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    // Composite Simpson's rule; the integrands are smooth polynomials.
    const N: usize = 200;
    if b <= a {
        return 0.0;
    }
    let h = (b - a) / N as f64;
    let mut sum = f(a) + f(b);
    for i in 1..N {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(a + i as f64 * h);
    }
    sum * h / 3.0
}

/// Bands and rows (`bands * rows <= num_perm`) minimising the false-positive
/// area below `threshold` plus the false-negative area above it.
pub fn optimal_bands(threshold: f64, num_perm: usize) -> (usize, usize) {
    let mut best = (1, num_perm.max(1));
    let mut best_err = f64::INFINITY;
    for bands in 1..=num_perm {
        for rows in 1..=(num_perm / bands) {
            let fp = integrate(|s| collision_probability(s, bands, rows), 0.0, threshold);
            let fneg = integrate(
                |s| 1.0 - collision_probability(s, bands, rows),
                threshold,
                1.0,
            );
            let err = fp + fneg;
            if err < best_err - 1e-12 {
                best_err = err;
                best = (bands, rows);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(|x| mix64(x ^ 0xabcdef)).collect()
    }

    #[test]
    fn identical_sets_have_identical_signatures() {
        let mut s = Sketcher::new(128, 7);
        let a = s.sign(set(0..500)).unwrap();
        let b = s.sign(set(0..500).into_iter().rev()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.jaccard(&b), 1.0);
    }

    #[test]
    fn empty_set_has_no_signature_and_singletons_densify() {
        let mut s = Sketcher::new(64, 7);
        assert!(s.sign(std::iter::empty()).is_none());
        let one = s.sign([42]).unwrap();
        assert!(one.values().iter().all(|&v| v == one.values()[0]));
    }

    #[test]
    fn bands_for_default_threshold_are_steep_around_it() {
        let (b, r) = optimal_bands(0.8, 128);
        // The S-curve turns at the threshold: rare below, near-certain above.
        assert!(collision_probability(0.95, b, r) > 0.99, "{b}x{r}");
        assert!(collision_probability(0.5, b, r) < 0.01, "{b}x{r}");
        let mid = collision_probability(0.8, b, r);
        assert!((0.3..0.8).contains(&mid), "{b}x{r}: {mid}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// The estimate stays within 5 standard errors of the exact Jaccard,
        /// for small sets (heavy densification) and large ones alike.
        #[test]
        fn estimate_is_within_expected_error(
            shared in 0u64..400, only_a in 0u64..400, only_b in 0u64..400,
            seed in any::<u64>(), k in prop::sample::select(vec![64usize, 128, 256]),
        ) {
            prop_assume!(shared + only_a > 0 && shared + only_b > 0);
            let a: Vec<u64> = set(0..shared + only_a);
            let b: Vec<u64> = set(0..shared).into_iter().chain(set(10_000..10_000 + only_b)).collect();
            let exact = shared as f64 / (shared + only_a + only_b) as f64;
            let mut sk = Sketcher::new(k, seed);
            let est = sk.sign(a.iter().copied()).unwrap().jaccard(&sk.sign(b.iter().copied()).unwrap());
            let sd = (exact * (1.0 - exact) / k as f64).sqrt();
            prop_assert!((est - exact).abs() <= 5.0 * sd + 1.5 / k as f64,
                "exact {exact:.3} estimate {est:.3} k {k}");
        }
    }

    /// Unbiasedness: averaged over many seeds the estimate converges to the
    /// exact value, including for sets much smaller than the signature.
    #[test]
    fn estimate_is_unbiased_over_seeds() {
        for (shared, only_a, only_b) in [(30u64, 10u64, 10u64), (200, 50, 150), (5, 2, 3)] {
            let a: Vec<u64> = set(0..shared + only_a);
            let b: Vec<u64> = set(0..shared)
                .into_iter()
                .chain(set(10_000..10_000 + only_b))
                .collect();
            let exact = shared as f64 / (shared + only_a + only_b) as f64;
            let trials = 400;
            let mean: f64 = (0..trials)
                .map(|seed| {
                    let mut sk = Sketcher::new(128, seed);
                    sk.sign(a.iter().copied())
                        .unwrap()
                        .jaccard(&sk.sign(b.iter().copied()).unwrap())
                })
                .sum::<f64>()
                / trials as f64;
            assert!(
                (mean - exact).abs() < 0.01,
                "exact {exact:.4} mean {mean:.4}"
            );
        }
    }
}
