//! Candidates: which pairs of documents are worth measuring.
//!
//! Four sources, each built by sorting flat vectors of `(key, document)`
//! rather than by hash maps of vectors, so the result is deterministic and
//! memory is two words per entry:
//!
//! * **exact**: documents with the same normalised content hash
//!   ([`exact_groups`]) are collapsed to one representative before anything
//!   else, so a thousand identical copies cost one document downstream;
//! * **near-duplicates**: MinHash LSH banding ([`band_pairs`]);
//! * **containment** ([`anchor_pairs`]): a short reprint inside a long
//!   original has a low Jaccard similarity (a quarter of a text inside the
//!   whole has J ≈ 0.25) that banding tuned for 0.8 never proposes. Each
//!   document keeps its *anchors*: the shingles whose hash falls below a
//!   threshold τ (the lowest 1/`anchor_rate` of the hash range, and at least
//!   `anchor_min` of them). This is Broder's consistent sampling (1997): a
//!   shingle is sampled in every document that has it, so the share of A's
//!   anchors found among B's anchors (both below min(τ_A, τ_B)) is an unbiased
//!   estimate of the containment of A in B, whatever the sizes. Anchors are
//!   grouped by hash; anchors shared by more than `anchor_max_df` documents
//!   (stock phrases) are skipped; pairs whose estimate could plausibly reach
//!   the containment threshold become candidates (see [`plausible`]);
//! * **shared passages** ([`winnow`], [`passage_pairs`]): winnowed n-gram
//!   fingerprints guarantee that documents sharing a passage of
//!   `min_passage` words share a fingerprint; a pair is proposed where one
//!   is shared and the caller confirms the text around it agrees.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sketch::Signature;

/// A candidate pair `(a, b)` with `a < b` (document positions), packed.
pub type Pair = (u32, u32);

fn pack(a: u32, b: u32) -> u64 {
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    (u64::from(a) << 32) | u64::from(b)
}

fn unpack(p: u64) -> Pair {
    ((p >> 32) as u32, p as u32)
}

/// Group document positions by an exact-content key. Returns, for each
/// document, the position of its group's representative: the first member
/// in `rank` order (smaller rank wins).
pub fn exact_groups(keys: &[Option<u128>], rank: &[u32]) -> Vec<u32> {
    let mut entries: Vec<(u128, u32, u32)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.map(|k| (k, rank[i], i as u32)))
        .collect();
    entries.par_sort_unstable();
    let mut rep: Vec<u32> = (0..keys.len() as u32).collect();
    for run in entries.chunk_by(|x, y| x.0 == y.0) {
        let leader = run[0].2;
        for e in run {
            rep[e.2 as usize] = leader;
        }
    }
    rep
}

/// In a bucket of more than `max_bucket` members, each member is paired
/// with this many members after it, in the order of their exact keys.
pub const GIANT_BUCKET_WINDOW: usize = 8;

/// Emit the pairs of one bucket: `members` are `(order key, position)`,
/// sorted by position and distinct.
fn bucket_pairs(members: &mut [(u128, u32)], max_bucket: usize, out: &mut Vec<u64>) {
    if members.len() <= max_bucket {
        for (i, &(_, a)) in members.iter().enumerate() {
            for &(_, b) in &members[i + 1..] {
                out.push(pack(a, b));
            }
        }
    } else {
        // A bucket this large means thousands of near-identical pages; each
        // document meets its neighbours only, which still links every member
        // to a close twin without a quadratic blow-up. Neighbours follow the
        // order of content (exact keys), not of input, so that any input
        // order and any partitioning meet the same neighbours.
        members.sort_unstable();
        for (i, &(_, a)) in members.iter().enumerate() {
            for &(_, b) in members[i + 1..].iter().take(GIANT_BUCKET_WINDOW) {
                out.push(pack(a, b));
            }
        }
    }
}

/// Candidate pairs from LSH banding over the given documents' signatures:
/// `(position, signature, order key)`, where the order key (the exact key)
/// orders the members of giant buckets.
pub fn band_pairs(
    docs: &[(u32, &Signature, u128)],
    bands: usize,
    rows: usize,
    max_bucket: usize,
) -> Vec<Pair> {
    let mut keys: Vec<(u64, u32)> = docs
        .par_iter()
        .flat_map_iter(|&(d, sig, _)| (0..bands).map(move |b| (sig.band_key(b, rows), d)))
        .collect();
    keys.par_sort_unstable();
    let size = docs
        .iter()
        .map(|&(d, _, _)| d as usize + 1)
        .max()
        .unwrap_or(0);
    let mut order = vec![0u128; size];
    for &(d, _, k) in docs {
        order[d as usize] = k;
    }
    let mut out = Vec::new();
    let mut members = Vec::new();
    for run in keys.chunk_by(|x, y| x.0 == y.0) {
        if run.len() < 2 {
            continue;
        }
        members.clear();
        members.extend(run.iter().map(|e| (order[e.1 as usize], e.1)));
        members.dedup_by_key(|m| m.1);
        bucket_pairs(&mut members, max_bucket, &mut out);
    }
    finish(out)
}

/// One document's anchors: sorted sampled shingle hashes, and the sampling
/// threshold `tau` (every shingle of the document with hash `< tau` is here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchors {
    /// Sorted, distinct.
    pub hashes: Vec<u64>,
    /// Sampling threshold.
    pub tau: u64,
}

impl Anchors {
    /// Anchors of a document from its sorted distinct (re-mixed) shingle
    /// hashes: all below `tau_global`, and at least `min` of them.
    pub fn sample(sorted: &[u64], tau_global: u64, min: usize) -> Anchors {
        let below = sorted.partition_point(|&h| h < tau_global);
        if below >= min || below == sorted.len() {
            let tau = if below == sorted.len() {
                u64::MAX
            } else {
                tau_global
            };
            return Anchors {
                hashes: sorted[..below].to_vec(),
                tau,
            };
        }
        let take = min.min(sorted.len());
        let tau = sorted.get(take).copied().unwrap_or(u64::MAX);
        Anchors {
            hashes: sorted[..take].to_vec(),
            tau,
        }
    }

    /// Number of anchors below `limit`.
    pub fn count_below(&self, limit: u64) -> usize {
        self.hashes.partition_point(|&h| h < limit)
    }
}

/// The fewest shared anchors, of `sampled`, consistent with a containment
/// of at least `threshold`: the count of sampled shingles that fall inside
/// the other document is (hyper)geometrically distributed with mean
/// `sampled * c`; anything above the mean minus three standard deviations
/// (and one for rounding) is accepted, so a true containment at the threshold
/// is missed with probability about 0.1 %.
pub fn needed(sampled: usize, threshold: f64) -> usize {
    let n = sampled as f64;
    let mean = n * threshold;
    let sd = (n * threshold * (1.0 - threshold)).sqrt();
    (mean - 3.0 * sd - 1.0).max(1.0).ceil() as usize
}

/// Whether `shared` of `sampled` anchors is consistent with a containment of
/// at least `threshold` (see [`needed`]).
pub fn plausible(shared: usize, sampled: usize, threshold: f64) -> bool {
    sampled > 0 && shared >= needed(sampled, threshold)
}

/// Candidate pairs from shared anchors that could reach `threshold`
/// containment in either direction.
///
/// **Prefix filtering** (Chaudhuri, Ganti & Kaushik, "A primitive operator
/// for similarity joins", ICDE 2006; Bayardo, Ma & Srikant, WWW 2007): order
/// each document's `n` anchors rarest first (by how many documents hold
/// them). A document that shares at least [`needed`]`(n)` of its anchors with
/// another shares at least one of its `n − needed(n) + 1` rarest, so only
/// those *prefix* anchors propose pairs, and every proposed pair is then
/// checked on its full shared count. Paragraphs that many unrelated
/// documents reuse hold the most frequent anchors, so they fall outside
/// nearly every prefix: candidate volume stays linear in the corpus instead
/// of growing with the square of the reuse. A document sampled above the
/// global threshold `tau_global` (a short one that keeps its `anchor_min`
/// smallest hashes) may be compared below its own threshold, so its prefix
/// is all of its anchors. Anchors held by more than `max_df` documents
/// propose nothing.
pub fn anchor_pairs(
    docs: &[(u32, &Anchors)],
    max_df: usize,
    threshold: f64,
    tau_global: u64,
) -> Vec<Pair> {
    let mut postings: Vec<(u64, u32)> = docs
        .par_iter()
        .flat_map_iter(|&(d, a)| a.hashes.iter().map(move |&h| (h, d)))
        .collect();
    postings.par_sort_unstable();
    // Every distinct anchor: its document frequency and where its run of
    // postings starts.
    let mut start = 0u32;
    let dfs = Frequencies::new(
        postings
            .chunk_by(|x, y| x.0 == y.0)
            .map(|run| {
                let e = (run[0].0, run.len() as u32, start);
                start += run.len() as u32;
                e
            })
            .collect(),
    );
    let size = docs.iter().map(|&(d, _)| d as usize + 1).max().unwrap_or(0);
    // Every document's anchors in one flat array, with its threshold and
    // range in one record: checking a pair then touches two records and
    // two short runs of memory instead of chasing a pointer per document.
    let mut meta: Vec<(u64, usize, u32)> = vec![(0, 0, 0); size];
    let mut flat: Vec<u64> = Vec::with_capacity(docs.iter().map(|(_, a)| a.hashes.len()).sum());
    for &(d, a) in docs {
        meta[d as usize] = (a.tau, flat.len(), a.hashes.len() as u32);
        flat.extend_from_slice(&a.hashes);
    }
    let anchors_of = |d: u32| {
        let (tau, start, len) = meta[d as usize];
        (tau, &flat[start..start + len as usize])
    };
    let plausible_pair = |a: u32, b: u32| {
        let ((ta, ha), (tb, hb)) = (anchors_of(a), anchors_of(b));
        plausible_anchors((ta, ha), (tb, hb), threshold)
    };
    // Where each document's prefix ends, and each posting marked (in the
    // top bit of its document) when the anchor is in its document's prefix.
    let cuts: Vec<(u32, u64)> = docs
        .par_iter()
        .map(|&(_, a)| {
            prefix_of(a, |h| dfs.of(h), threshold, tau_global)
                .iter()
                .map(|&(df, h, _)| (df, h))
                .max()
                .unwrap_or((0, 0))
        })
        .collect();
    let mut cut: Vec<(u32, u64)> = vec![(0, 0); size];
    for (&(d, _), &c) in docs.iter().zip(&cuts) {
        cut[d as usize] = c;
    }
    drop(cuts);
    assert!(
        size <= IN_PREFIX as usize,
        "anchor_pairs: too many documents"
    );
    postings.par_iter_mut().for_each(|(h, d)| {
        let (df, _) = dfs.of(*h);
        if (df, *h) <= cut[*d as usize] {
            *d |= IN_PREFIX;
        }
    });
    drop(cut);
    // Each document probes with its prefix. A partner met through an
    // anchor that is also in the partner's prefix meets this document in
    // turn, so of the two only the smaller one checks the pair: every pair
    // is still checked at least once, and checks are about halved. Partners
    // are gathered, made distinct and checked on the spot, so no list of
    // every proposal is ever held.
    let out: Vec<u64> = docs
        .par_iter()
        .filter(|(_, a)| !a.hashes.is_empty())
        .map_init(Vec::new, |partners: &mut Vec<u32>, &(d, a)| {
            partners.clear();
            for (df, _, at) in prefix_of(a, |h| dfs.of(h), threshold, tau_global) {
                if df >= 2 && df as usize <= max_df {
                    let run = &postings[at as usize..(at + df) as usize];
                    partners.extend(run.iter().filter_map(|e| {
                        let other = e.1 & !IN_PREFIX;
                        let met_there = e.1 & IN_PREFIX != 0 && other < d;
                        (other != d && !met_there).then_some(other)
                    }));
                }
            }
            partners.sort_unstable();
            partners.dedup();
            partners
                .iter()
                .filter(|&&e| plausible_pair(d, e))
                .map(|&e| pack(d, e))
                .collect::<Vec<u64>>()
        })
        .flatten_iter()
        .collect();
    finish(out)
}

/// The mark of a posting whose anchor is in its document's prefix (the
/// top bit of the document's position).
const IN_PREFIX: u32 = 1 << 31;

/// Whether two documents' anchors `(tau, sorted hashes)` share enough below
/// both thresholds to be consistent with `threshold` containment of either
/// in the other (see [`needed`]).
pub fn plausible_anchors(a: (u64, &[u64]), b: (u64, &[u64]), threshold: f64) -> bool {
    let ((ta, ha), (tb, hb)) = (a, b);
    let limit = ta.min(tb);
    let na = ha.partition_point(|&h| h < limit);
    let nb = hb.partition_point(|&h| h < limit);
    // Plausible either way round is plausible for the smaller sample,
    // since `needed` grows with the sample.
    let least = na.min(nb);
    least > 0 && crate::verify::shares_at_least(&ha[..na], &hb[..nb], needed(least, threshold))
}

/// A document's prefix: `(document frequency, hash, at)` of the anchors up
/// to its cut in (document frequency, hash) order, where `df(hash)` gives
/// `(document frequency, at)`. A document sampled above `tau_global` keeps
/// every anchor (see [`anchor_pairs`]).
fn prefix_of(
    a: &Anchors,
    df: impl Fn(u64) -> (u32, u32),
    threshold: f64,
    tau_global: u64,
) -> Vec<(u32, u64, u32)> {
    let mut keyed: Vec<(u32, u64, u32)> = a
        .hashes
        .iter()
        .map(|&h| {
            let (df, at) = df(h);
            (df, h, at)
        })
        .collect();
    if a.tau <= tau_global && !keyed.is_empty() {
        let n = keyed.len();
        let k = n + 1 - needed(n, threshold).min(n);
        keyed.select_nth_unstable(k - 1);
        keyed.truncate(k);
    }
    keyed
}

/// The anchors of `a` that propose pairs: its prefix (see [`anchor_pairs`])
/// among the anchors whose document frequency `df(hash)` is from 2 to
/// `max_df`, sorted.
pub fn anchor_prefix(
    a: &Anchors,
    df: impl Fn(u64) -> u32,
    threshold: f64,
    tau_global: u64,
    max_df: usize,
) -> Vec<u64> {
    let mut out: Vec<u64> = prefix_of(a, |h| (df(h), 0), threshold, tau_global)
        .into_iter()
        .filter(|&(df, _, _)| df >= 2 && df as usize <= max_df)
        .map(|(_, h, _)| h)
        .collect();
    out.sort_unstable();
    out
}

/// Document frequencies of distinct anchors, sorted by hash, with a table
/// of where each bucket of leading hash bits starts: anchors are uniform
/// hashes, so a lookup reads one bucket of a few entries instead of
/// binary-searching the whole table (a cache miss per step at a million
/// documents).
struct Frequencies {
    /// (hash, document frequency, first posting).
    entries: Vec<(u64, u32, u32)>,
    /// `starts[b]`: the first entry whose hash has leading bits `>= b`.
    starts: Vec<usize>,
    bits: u32,
}

impl Frequencies {
    fn new(entries: Vec<(u64, u32, u32)>) -> Self {
        // About four entries a bucket.
        let bits = entries.len().max(1).ilog2().saturating_sub(2).min(32);
        let bucket = |h: u64| h.checked_shr(64 - bits).unwrap_or(0) as usize;
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut i = 0;
        for b in 0..=(1usize << bits) {
            while i < entries.len() && bucket(entries[i].0) < b {
                i += 1;
            }
            starts.push(i);
        }
        Frequencies {
            entries,
            starts,
            bits,
        }
    }

    /// The document frequency of `h` and its first posting ((1, 0) if it
    /// is not in the table).
    fn of(&self, h: u64) -> (u32, u32) {
        let b = h.checked_shr(64 - self.bits).unwrap_or(0) as usize;
        let run = &self.entries[self.starts[b]..self.starts[b + 1]];
        run.iter().find(|e| e.0 == h).map_or((1, 0), |e| (e.1, e.2))
    }
}

/// Winnowing (Schleimer, Wilkerson & Aiken, "Winnowing: local algorithms for
/// document fingerprinting", SIGMOD 2003): the minimum of every window of `w`
/// consecutive hashes (the rightmost on ties), with its position. Any run of
/// `w` consecutive hashes two documents share yields a fingerprint both
/// select, so with word n-gram hashes every shared passage of `w + n − 1`
/// words is guaranteed a shared fingerprint. Returned sorted by hash, one
/// position per distinct hash (the first).
pub fn winnow(hashes: &[u64], w: usize) -> Vec<(u64, u32)> {
    let w = w.max(1);
    let mut out: Vec<(u64, u32)> = Vec::with_capacity(2 * hashes.len() / (w + 1) + 1);
    if hashes.len() <= w {
        if let Some((i, &m)) = hashes
            .iter()
            .enumerate()
            .min_by_key(|&(i, &h)| (h, std::cmp::Reverse(i)))
        {
            out.push((m, i as u32));
        }
        return out;
    }
    let mut last = usize::MAX;
    for start in 0..=hashes.len() - w {
        let window = &hashes[start..start + w];
        let mut at = 0;
        for (i, &h) in window.iter().enumerate() {
            if h <= window[at] {
                at = i;
            }
        }
        if start + at != last {
            last = start + at;
            out.push((hashes[last], last as u32));
        }
    }
    out.sort_unstable();
    out.dedup_by_key(|e| e.0);
    out
}

/// Candidate pairs for shared passages: documents sharing a fingerprint that
/// at most `max_df` documents have, where `agree(a, b, positions)` confirms
/// the text around one of the fingerprints they share matches (`positions`
/// holds each shared fingerprint's position in `a` and in `b`, `a < b`).
/// Each pair is checked once, with all its shared fingerprints, so a check
/// that reads the two documents reads them once. Pairs come out once, sorted.
pub fn passage_pairs(
    docs: &[(u32, &[(u64, u32)])],
    max_df: usize,
    agree: impl Fn(u32, u32, &[(u32, u32)]) -> bool + Sync,
) -> Vec<Pair> {
    let mut postings: Vec<(u64, u32, u32)> = docs
        .par_iter()
        .flat_map_iter(|&(d, fps)| fps.iter().map(move |&(h, pos)| (h, d, pos)))
        .collect();
    postings.par_sort_unstable();
    // Every co-occurrence: (pair, position in its first, in its second).
    let mut shared: Vec<(u64, u32, u32)> = postings
        .par_chunk_by(|x, y| x.0 == y.0)
        .filter(|run| run.len() >= 2 && run.len() <= max_df)
        .flat_map_iter(|run| {
            run.iter().enumerate().flat_map(move |(i, x)| {
                run[i + 1..]
                    .iter()
                    .filter(move |y| y.1 != x.1)
                    .map(move |y| {
                        let (pa, pb) = if x.1 < y.1 { (x.2, y.2) } else { (y.2, x.2) };
                        (pack(x.1, y.1), pa, pb)
                    })
            })
        })
        .collect();
    drop(postings);
    shared.par_sort_unstable();
    shared
        .par_chunk_by(|x, y| x.0 == y.0)
        .filter_map(|run| {
            let (a, b) = unpack(run[0].0);
            let positions: Vec<(u32, u32)> = run.iter().map(|e| (e.1, e.2)).collect();
            agree(a, b, &positions).then_some((a, b))
        })
        .collect()
}

/// Merge candidate lists into one sorted, duplicate-free list.
pub fn merge(lists: impl IntoIterator<Item = Vec<Pair>>) -> Vec<Pair> {
    let packed: Vec<u64> = lists
        .into_iter()
        .flatten()
        .map(|(a, b)| pack(a, b))
        .collect();
    finish(packed)
}

fn finish(mut packed: Vec<u64>) -> Vec<Pair> {
    packed.par_sort_unstable();
    packed.dedup();
    packed.into_iter().map(unpack).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_groups_pick_the_best_ranked_member() {
        let keys = [Some(1u128), Some(2), Some(1), None, Some(1)];
        let rank = [5, 0, 2, 1, 9];
        assert_eq!(exact_groups(&keys, &rank), [2, 1, 2, 3, 2]);
    }

    #[test]
    fn bucketed_frequencies_agree_with_a_search() {
        for n in [0usize, 1, 3, 4, 5, 100, 5_000] {
            let mut entries: Vec<(u64, u32, u32)> = (0..n as u64)
                .map(|i| (crate::text::shingle::mix64(i), (i % 7) as u32 + 2, i as u32))
                .collect();
            entries.sort_unstable();
            let table = Frequencies::new(entries.clone());
            for &(h, df, at) in &entries {
                assert_eq!(table.of(h), (df, at));
            }
            for probe in [0, 1, u64::MAX, u64::MAX / 3] {
                let want = entries
                    .binary_search_by_key(&probe, |e| e.0)
                    .map_or((1, 0), |i| (entries[i].1, entries[i].2));
                assert_eq!(table.of(probe), want);
            }
        }
    }

    /// The anchor check asks for `needed` of the smaller sample only: the
    /// same answer as asking either way round, since `needed` never falls
    /// as the sample grows.
    #[test]
    fn plausible_either_way_is_plausible_for_the_smaller_sample() {
        for threshold in [0.5, 0.8, 0.9, 0.99, 1.0] {
            for na in 0..200 {
                for nb in [0, 1, 2, 5, 16, 31, 64, 199, 500] {
                    let least = na.min(nb);
                    for shared in 0..=least {
                        assert_eq!(
                            plausible(shared, na, threshold) || plausible(shared, nb, threshold),
                            least > 0 && shared >= needed(least, threshold),
                            "{threshold} {na} {nb} {shared}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn anchors_keep_a_minimum() {
        let sorted: Vec<u64> = (1..=100).map(|x| x * 1000).collect();
        let a = Anchors::sample(&sorted, 5_500, 16);
        assert_eq!(a.hashes.len(), 16);
        assert_eq!(a.tau, 17_000);
        let b = Anchors::sample(&sorted, 50_500, 16);
        assert_eq!(b.hashes.len(), 50);
        assert_eq!(b.tau, 50_500);
        let c = Anchors::sample(&sorted[..3], 10, 16);
        assert_eq!((c.hashes.len(), c.tau), (3, u64::MAX));
    }

    #[test]
    fn plausibility_accepts_the_threshold_and_rejects_noise() {
        assert!(plausible(26, 32, 0.8));
        assert!(plausible(19, 32, 0.8));
        assert!(!plausible(3, 32, 0.8));
        assert!(!plausible(0, 0, 0.8));
    }

    #[test]
    fn prefix_filtering_finds_what_the_full_count_finds() {
        // Random documents over a small vocabulary with heavy overlap; the
        // prefix-filtered candidates must equal the all-pairs check.
        let mut state = 7u64;
        let mut next = || {
            state = crate::text::shingle::mix64(state.wrapping_add(1));
            state
        };
        // Below the sampling threshold, as real anchors are.
        let vocab: Vec<u64> = (0..400).map(|_| next() >> 5).collect();
        let docs: Vec<Anchors> = (0..60)
            .map(|i| {
                let n = 16 + (next() % 40) as usize;
                let start = (next() % 200) as usize;
                let mut h: Vec<u64> = if i % 3 == 0 {
                    (0..n).map(|_| vocab[(next() % 400) as usize]).collect()
                } else {
                    vocab[start..start + n].to_vec()
                };
                h.sort_unstable();
                h.dedup();
                Anchors {
                    hashes: h,
                    tau: u64::MAX / 16,
                }
            })
            .collect();
        let with: Vec<(u32, &Anchors)> = docs
            .iter()
            .enumerate()
            .map(|(i, a)| (i as u32, a))
            .collect();
        let got = anchor_pairs(&with, 1000, 0.8, u64::MAX / 16);
        let mut want = Vec::new();
        for i in 0..docs.len() {
            for j in i + 1..docs.len() {
                let shared = crate::verify::intersection(&docs[i].hashes, &docs[j].hashes);
                if plausible(shared, docs[i].hashes.len(), 0.8)
                    || plausible(shared, docs[j].hashes.len(), 0.8)
                {
                    want.push((i as u32, j as u32));
                }
            }
        }
        assert!(!want.is_empty());
        assert_eq!(got, want);
    }

    /// Documents sampled at the global threshold and short ones sampled
    /// above it (whose prefix is every anchor), over a small vocabulary, so
    /// that most pairs meet through anchors in both prefixes: checking only
    /// from the smaller side of such a meeting finds exactly the pairs that
    /// checking every pair finds.
    #[test]
    fn each_pair_is_found_whichever_side_checks_it() {
        let tau_global = u64::MAX / 16;
        for seed in 0..20u64 {
            let mut state = seed;
            let mut next = || {
                state = crate::text::shingle::mix64(state.wrapping_add(1));
                state
            };
            let vocab: Vec<u64> = (0..120).map(|_| next() >> 4).collect();
            let docs: Vec<Anchors> = (0..50)
                .map(|_| {
                    let n = 3 + (next() % 30) as usize;
                    let start = (next() % 80) as usize;
                    let mut h: Vec<u64> = (0..n)
                        .map(|i| {
                            if next() % 4 == 0 {
                                vocab[(next() % 120) as usize]
                            } else {
                                vocab[(start + i) % 120]
                            }
                        })
                        .collect();
                    h.sort_unstable();
                    h.dedup();
                    // A short document keeps hashes above the global
                    // threshold too.
                    let tau = if h.len() < 12 {
                        h.push(tau_global + (next() >> 8));
                        h.sort_unstable();
                        u64::MAX
                    } else {
                        tau_global
                    };
                    Anchors { hashes: h, tau }
                })
                .collect();
            let with: Vec<(u32, &Anchors)> = docs.iter().zip(0..).map(|(a, i)| (i, a)).collect();
            for threshold in [0.5, 0.8] {
                let got = anchor_pairs(&with, 1000, threshold, tau_global);
                let mut want = Vec::new();
                for i in 0..docs.len() {
                    for j in i + 1..docs.len() {
                        let (a, b) = (&docs[i], &docs[j]);
                        if plausible_anchors((a.tau, &a.hashes), (b.tau, &b.hashes), threshold) {
                            want.push((i as u32, j as u32));
                        }
                    }
                }
                assert_eq!(got, want, "seed {seed}, threshold {threshold}");
            }
        }
    }

    #[test]
    fn winnowing_guarantees_a_shared_fingerprint_for_long_runs() {
        let mut state = 1u64;
        let mut take = |n: usize| -> Vec<u64> {
            (0..n)
                .map(|_| {
                    state = crate::text::shingle::mix64(state.wrapping_add(1));
                    state
                })
                .collect()
        };
        let shared = take(8);
        for _ in 0..200 {
            let a: Vec<u64> = [take(30), shared.clone(), take(30)].concat();
            let b: Vec<u64> = [take(17), shared.clone()].concat();
            let keys = |f: Vec<(u64, u32)>| f.into_iter().map(|e| e.0).collect::<Vec<_>>();
            let (fa, fb) = (keys(winnow(&a, 8)), keys(winnow(&b, 8)));
            assert!(crate::verify::intersection(&fa, &fb) >= 1);
        }
        assert_eq!(winnow(&[5, 3, 9], 8), [(3, 1)]);
        assert!(winnow(&[], 8).is_empty());
    }

    #[test]
    fn giant_buckets_pair_the_same_documents_in_any_input_order() {
        // 3000 documents in one bucket (identical signatures), each known by
        // its exact key; positions are a permutation of the input order.
        let sig = Signature::from_values(vec![7; 9 * 13]);
        let pairs_by_key = |order: &[u128]| {
            let docs: Vec<(u32, &Signature, u128)> = order
                .iter()
                .enumerate()
                .map(|(d, &k)| (d as u32, &sig, k))
                .collect();
            let mut by_key: Vec<(u128, u128)> = band_pairs(&docs, 9, 13, 1000)
                .into_iter()
                .map(|(a, b)| {
                    let (x, y) = (order[a as usize], order[b as usize]);
                    (x.min(y), x.max(y))
                })
                .collect();
            by_key.sort_unstable();
            by_key
        };
        let keys: Vec<u128> = (0..3000u128).map(|k| k * 0x9E37_79B9_7F4A_7C15).collect();
        let mut shuffled = keys.clone();
        shuffled.reverse();
        shuffled.swap(5, 2000);
        let (a, b) = (pairs_by_key(&keys), pairs_by_key(&shuffled));
        assert_eq!(a.len(), 3000 * 8 - 36);
        assert_eq!(a, b);
    }

    #[test]
    fn big_buckets_do_not_explode() {
        let mut members: Vec<(u128, u32)> = (0..5000)
            .map(|d| (u128::from(d * 7919 % 5000), d))
            .collect();
        let mut out = Vec::new();
        bucket_pairs(&mut members, 1000, &mut out);
        assert!(out.len() < 5000 * 8 + 1);
    }
}
