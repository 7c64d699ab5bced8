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

use fastbloom::AtomicBloomFilter;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::keyed::{Sorted, Sorter, Spill};
use crate::sketch::Signature;
use crate::text::shingle::mix64;

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
    let keys: Vec<(u64, u32)> = docs
        .par_iter()
        .flat_map_iter(|&(d, sig, _)| (0..bands).map(move |b| (sig.band_key(b, rows), d)))
        .collect();
    let mut keys = Some(keys);
    let order = docs.iter().map(|&(d, _, k)| (d, k));
    pairs_of_band_keys(1, |_| keys.take().unwrap_or_default(), order, max_bucket)
}

/// Candidate pairs from band keys `(key, position)` already computed
/// ([`Signature::band_key`]), with each position's order key (see
/// [`band_pairs`]): the keys `part(p)` gives for each of `parts` parts,
/// which together are every key, each key wholly in one part (a range of
/// the key space: [`band_key_part`]). A bucket is one key, so its pairs
/// are found in its part, and only one part's keys are held.
pub fn pairs_of_band_keys(
    parts: usize,
    mut part: impl FnMut(usize) -> Vec<(u64, u32)>,
    order_keys: impl Iterator<Item = (u32, u128)> + Clone,
    max_bucket: usize,
) -> Vec<Pair> {
    let size = order_keys
        .clone()
        .map(|(d, _)| d as usize + 1)
        .max()
        .unwrap_or(0);
    let mut order = vec![0u128; size];
    for (d, k) in order_keys {
        order[d as usize] = k;
    }
    let mut out = Vec::new();
    let mut members = Vec::new();
    for p in 0..parts {
        let mut keys = part(p);
        keys.par_sort_unstable();
        for run in keys.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 {
                continue;
            }
            members.clear();
            members.extend(run.iter().map(|e| (order[e.1 as usize], e.1)));
            members.dedup_by_key(|m| m.1);
            bucket_pairs(&mut members, max_bucket, &mut out);
        }
    }
    finish(out)
}

/// The part, of `parts`, that band key `key` falls in: equal ranges of
/// the key space.
pub fn band_key_part(key: u64, parts: usize) -> usize {
    ((u128::from(key) * parts as u128) >> 64) as usize
}

/// One document's anchors: sorted sampled shingle hashes, and the sampling
/// threshold `tau` (every shingle of the document with hash `< tau` is here);
/// and its **dense tier**, the rest of its shingles below twice the global
/// threshold ([`dense_limit`]) as 16-bit keys ([`dense_key`]), which only
/// the check of a proposed pair reads (see [`plausible_anchors`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchors {
    /// Sorted, distinct.
    pub hashes: Vec<u64>,
    /// Sampling threshold.
    pub tau: u64,
    /// The keys of the document's shingles from `tau` up to the dense
    /// limit, sorted (empty when `tau` is past the limit).
    #[serde(default)]
    pub dense: Vec<u16>,
}

/// Where the dense tier of a document sampled at the global threshold
/// `tau_global` ends: twice as many of its shingles as its anchors.
pub fn dense_limit(tau_global: u64) -> u64 {
    tau_global.saturating_mul(2)
}

/// A shingle hash's key in the dense tier: 16 of its bits. Two shingles
/// of two documents compared there share a key by chance once in 65,536
/// comparisons, which can only make a pair look more plausible: the check
/// never loses a pair to it.
pub fn dense_key(h: u64) -> u16 {
    (h >> 20) as u16
}

/// The dense keys of sorted distinct hashes from a document's threshold
/// up: those below the dense limit, sorted by key.
fn dense_keys(above: &[u64], tau_global: u64) -> Vec<u16> {
    let end = dense_limit(tau_global);
    let mut keys: Vec<u16> = above
        .iter()
        .take_while(|&&h| h < end)
        .map(|&h| dense_key(h))
        .collect();
    keys.sort_unstable();
    keys
}

impl Anchors {
    /// Anchors of a document from its sorted distinct (re-mixed) shingle
    /// hashes: all below `tau_global`, and at least `min` of them; the rest
    /// below the dense limit form the dense tier.
    pub fn sample(sorted: &[u64], tau_global: u64, min: usize) -> Anchors {
        let below = sorted.partition_point(|&h| h < tau_global);
        let (take, tau) = if below >= min || below == sorted.len() {
            let tau = if below == sorted.len() {
                u64::MAX
            } else {
                tau_global
            };
            (below, tau)
        } else {
            let take = min.min(sorted.len());
            (take, sorted.get(take).copied().unwrap_or(u64::MAX))
        };
        Anchors {
            hashes: sorted[..take].to_vec(),
            tau,
            dense: dense_keys(&sorted[take..], tau_global),
        }
    }

    /// The anchors of a document sampled at `tau_global` (one with enough
    /// hashes below it), from its sorted distinct hashes below the dense
    /// limit.
    pub fn at_global(sorted: &[u64], tau_global: u64) -> Anchors {
        let below = sorted.partition_point(|&h| h < tau_global);
        Anchors {
            hashes: sorted[..below].to_vec(),
            tau: tau_global,
            dense: dense_keys(&sorted[below..], tau_global),
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
    (mean - 3.0 * sd - 1.0).max(2.0).ceil() as usize
}

/// Whether `shared` of `sampled` anchors is consistent with a containment of
/// at least `threshold` (see [`needed`]).
pub fn plausible(shared: usize, sampled: usize, threshold: f64) -> bool {
    sampled > 0 && shared >= needed(sampled, threshold)
}

/// Candidate pairs from shared anchors that could reach `threshold`
/// containment in either direction: exactly the pairs [`plausible_anchors`]
/// accepts, as long as no anchor (or pair of anchor classes, below) that
/// must propose a pair is held by more than `max_df` documents.
///
/// **Prefix filtering** (Chaudhuri, Ganti & Kaushik, ICDE 2006; Bayardo,
/// Ma & Srikant, WWW 2007): a document that must share `t =`
/// [`needed`]`(n)` of its `n` anchors with another shares one of any
/// `n − t + 1` of them, so only its rarest `n − t + 1` need look for
/// partners. That keeps candidates linear while the rarest anchors are
/// rare. It stops doing so when paragraphs recur: a page assembled from
/// paragraphs that each sit in hundreds of unrelated documents has no rare
/// anchors to spare, and every holder of every paragraph becomes a partner
/// to check, so the cost grows with the square of the reuse.
///
/// So anchors are first grouped into **classes**. A class is a function
/// of the anchor alone, so two documents agree on it; any such function
/// keeps the argument below exact, and the one chosen puts the anchors of
/// one recurring paragraph together: the two smallest hashes of the
/// documents that hold the anchor, which a few copies that edited one of
/// them away rarely change. A class counts as held by as many documents
/// as its most widely held anchor (`df`), and weighs as many of a
/// document's anchors as it holds. A document's classes, rarest first,
/// are then split at `rare_df`:
///
/// * while its `n − t + 1` prefix (by weight) is all rare classes, each of
///   their anchors proposes its holders, as before;
/// * otherwise its rare prefix classes propose their holders, and a partner
///   that shares none of their anchors must share its `t` anchors from the
///   frequent classes `C` (weight `|C|`). Of those, the rarest run `P`
///   whose weight reaches `|C| − t + 1 + max weight in P` cannot leave a
///   partner that shares anchors of only one of its classes with `t`
///   anchors (it shares at most that class's weight and what lies beyond
///   `P`), so a partner shares anchors of *two* classes of `P`: each pair of
///   `P`'s classes is a key, and the documents holding both classes of a
///   key are its partners. Two paragraphs that recur independently are held
///   together by their copies only, so a key has few holders however often
///   each paragraph recurs, and the candidates stay flat (when no such run
///   exists, `P` is all of `C`, and a class weighing `t` or more alone
///   proposes its holders; past [`MAX_PROBE_CLASSES`] classes, the frequent
///   classes of the prefix propose their holders as rare ones do).
///
/// A key's holders are found in two passes: every document names the keys
/// it probes with (into a Bloom filter: a key it wrongly admits has no
/// prober, so its run proposes nothing); then every document lists the
/// pairs of its own frequent classes that someone probes (a document with
/// more than
/// [`MAX_PAIRED_CLASSES`] of them looks up, class by class, the probed
/// pairs that hold each, so no document costs the square of its length),
/// and each key's run pairs its probers with its holders.
///
/// A document sampled above `tau_global` (a short one that keeps its
/// `anchor_min` smallest hashes) meets a long one below `tau_global`, with
/// the anchors it has there, which is what the classes count; against
/// another short document the two compare above it, so each short
/// document also proposes every short document that shares any anchor.
pub fn anchor_pairs(
    docs: Given<'_>,
    max_df: usize,
    threshold: f64,
    tau_global: u64,
    spill: &Spill,
) -> std::io::Result<Vec<Pair>> {
    anchor_pairs_with(docs, max_df, threshold, tau_global, TUNED, spill)
}

/// The anchors [`anchor_pairs`] reads: lent by the caller, or given up,
/// in which case every anchor no other document holds below the global
/// threshold is dropped once the postings are built (no pair can share
/// it; each document keeps its count there), with the same pairs.
pub enum Given<'a> {
    /// Read where they are.
    Lent(&'a [(u32, &'a Anchors)]),
    /// The caller's no longer.
    Owned(Vec<(u32, Anchors)>),
    /// The caller's no longer, their dense tiers (empty here) set aside
    /// as they were made, as [`dense_records`] sorted.
    Aside(Vec<(u32, Anchors)>, Sorted<[u64; 2]>),
}

/// Document `d`'s dense-tier keys as keyed records, four to a record:
/// `[d << 32 | chunk << 2 | keys in it − 1, keys]`, so that sorting them
/// brings each document's keys back in order (see [`Given::Aside`]).
pub fn dense_records(d: u32, keys: &[u16]) -> impl Iterator<Item = [u64; 2]> + '_ {
    keys.chunks(4).enumerate().map(move |(c, chunk)| {
        let packed = chunk
            .iter()
            .enumerate()
            .fold(0u64, |p, (i, &k)| p | (u64::from(k) << (16 * i)));
        let key = (u64::from(d) << 32) | ((c as u64) << 2) | (chunk.len() as u64 - 1);
        [key, packed]
    })
}

/// The rules of the pair keys (see [`anchor_pairs`]), which tests vary.
#[derive(Clone, Copy)]
struct Tuning {
    rare_df: usize,
    paired_max: usize,
}

const TUNED: Tuning = Tuning {
    rare_df: RARE_DF,
    paired_max: MAX_PAIRED_CLASSES,
};

/// Classes held by at most this many documents propose their holders
/// directly (see [`anchor_pairs`]).
pub const RARE_DF: usize = 16;

/// A document probes with pair keys only while its frequent prefix has at
/// most this many classes (120 keys); past it the frequent classes propose
/// their holders as single anchors do.
const MAX_PROBE_CLASSES: usize = 16;

/// A document with at most this many frequent classes lists every pair of
/// them to find the keys it holds; one with more looks them up class by
/// class (see [`anchor_pairs`]).
pub const MAX_PAIRED_CLASSES: usize = 256;

/// How often the set of probed pair keys may answer yes for a key no one
/// probes (see [`anchor_pairs`]): each such answer costs one record in a
/// keyed sort, never a pair.
const PROBED_FALSE_POSITIVES: f64 = 0.01;

/// One class of a document's anchors: the most documents any anchor of
/// the class sits in, the class, how many of the document's anchors it holds, and
/// the range of their posting runs in [`Classes::runs`].
#[derive(Clone, Copy)]
struct Class {
    df: u32,
    id: u64,
    weight: u32,
    runs: (u32, u32),
}

/// A document's classes, rarest first, and the posting runs `(at, df)` of
/// their anchors.
struct Classes {
    classes: Vec<Class>,
    runs: Vec<(u32, u32)>,
}

impl Classes {
    fn runs_of(&self, c: &Class) -> &[(u32, u32)] {
        &self.runs[c.runs.0 as usize..(c.runs.0 + c.runs.1) as usize]
    }
}

/// What one document asks of the postings: the posting runs `(at, df)`
/// whose holders are its partners, and the pair keys it probes with.
#[derive(Default)]
struct Probe {
    runs: Vec<(u32, u32)>,
    /// The document's frequent classes, rarest first, which probers pair.
    frequent: Vec<u64>,
    /// The pair keys it probes with are every pair of its first `paired`
    /// frequent classes (made when needed: at a million documents they
    /// would hold ten times the room of the classes).
    paired: usize,
}

impl Probe {
    /// Whether it probes with pair keys.
    #[cfg(test)]
    fn has_keys(&self) -> bool {
        self.paired >= 2
    }
}

/// A document's frequent classes and how many of them it pairs, as held
/// in [`Probes`].
#[derive(Clone, Copy)]
struct Frequent<'a> {
    /// Rarest first; the paired ones lead.
    classes: &'a [u64],
    paired: usize,
}

impl<'a> Frequent<'a> {
    /// The pairs of classes it probes with, `(x, y)`, `x < y`.
    fn keys(self) -> impl Iterator<Item = (u64, u64)> + 'a {
        let paired = &self.classes[..self.paired];
        paired
            .iter()
            .enumerate()
            .flat_map(move |(i, &x)| paired[i + 1..].iter().map(move |&y| ordered(x, y)))
    }

    /// How many pair keys it probes with.
    fn key_count(self) -> usize {
        self.paired * self.paired.saturating_sub(1) / 2
    }

    /// Whether it probes with the pair of frequent classes `i < j`.
    fn probes_with(self, j: usize) -> bool {
        j < self.paired
    }
}

/// Documents whose probes are made at a time and stored together in one
/// [`ProbeBlock`].
const PROBE_BLOCK: usize = 1 << 16;

/// Every document's probe, [`PROBE_BLOCK`] documents to a block of flat
/// arrays: a [`Probe`] holds two vectors of its own, and a million of them
/// took a sixth of a gigabyte, a third of it their headers and rounding.
#[derive(Default)]
struct Probes {
    blocks: Vec<ProbeBlock>,
}

/// The probes of consecutive documents: each one's runs and frequent
/// classes, found by offsets into shared arrays.
#[derive(Default)]
struct ProbeBlock {
    runs: Vec<(u32, u32)>,
    runs_end: Vec<u32>,
    frequent: Vec<u64>,
    frequent_end: Vec<u32>,
    paired: Vec<u8>,
}

impl ProbeBlock {
    fn of(probes: Vec<Probe>) -> ProbeBlock {
        let runs: usize = probes.iter().map(|p| p.runs.len()).sum();
        let frequent: usize = probes.iter().map(|p| p.frequent.len()).sum();
        let mut block = ProbeBlock {
            runs: Vec::with_capacity(runs),
            runs_end: Vec::with_capacity(probes.len()),
            frequent: Vec::with_capacity(frequent),
            frequent_end: Vec::with_capacity(probes.len()),
            paired: Vec::with_capacity(probes.len()),
        };
        let end = |v: usize| u32::try_from(v).expect("a block's probes fit 32-bit offsets");
        for p in probes {
            block.runs.extend_from_slice(&p.runs);
            block.runs_end.push(end(block.runs.len()));
            block.frequent.extend_from_slice(&p.frequent);
            block.frequent_end.push(end(block.frequent.len()));
            let paired = u8::try_from(p.paired).expect("at most MAX_PROBE_CLASSES are paired");
            block.paired.push(paired);
        }
        block
    }

    fn range(ends: &[u32], i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        start..ends[i] as usize
    }
}

impl Probes {
    /// The `i`th document's single runs (until they are dropped).
    fn runs(&self, i: usize) -> &[(u32, u32)] {
        let b = &self.blocks[i / PROBE_BLOCK];
        &b.runs[ProbeBlock::range(&b.runs_end, i % PROBE_BLOCK)]
    }

    /// Free every single run, once they are read.
    fn drop_runs(&mut self) {
        for b in &mut self.blocks {
            b.runs = Vec::new();
            b.runs_end = Vec::new();
        }
    }

    /// The `i`th document's frequent classes.
    fn frequent(&self, i: usize) -> Frequent<'_> {
        let b = &self.blocks[i / PROBE_BLOCK];
        let i = i % PROBE_BLOCK;
        Frequent {
            classes: &b.frequent[ProbeBlock::range(&b.frequent_end, i)],
            paired: usize::from(b.paired[i]),
        }
    }

    fn all(&self) -> impl Iterator<Item = Frequent<'_>> + '_ {
        let n: usize = self.blocks.iter().map(|b| b.paired.len()).sum();
        (0..n).map(|i| self.frequent(i))
    }
}

/// Two classes in order.
fn ordered(x: u64, y: u64) -> (u64, u64) {
    if x < y {
        (x, y)
    } else {
        (y, x)
    }
}

fn pair_key((x, y): (u64, u64)) -> u64 {
    mix64(x ^ mix64(y).rotate_left(17))
}

/// A document's classes (anchors no other document holds left out).
fn classes_of(hashes: &[u64], table: &Postings) -> Classes {
    let mut anchors: Vec<(u64, u32, u32, u32)> = hashes
        .iter()
        .filter_map(|&h| {
            let e = table.find(h)?;
            let (df, at) = table.run(e);
            (df >= 2).then_some((table.classes[e], table.class_df[e], at, df))
        })
        .collect();
    anchors.sort_unstable();
    let mut classes = Vec::new();
    let mut runs = Vec::with_capacity(anchors.len());
    for group in anchors.chunk_by(|x, y| x.0 == y.0) {
        let start = runs.len() as u32;
        runs.extend(group.iter().map(|&(_, _, at, df)| (at, df)));
        classes.push(Class {
            df: group[0].1,
            id: group[0].0,
            weight: group.len() as u32,
            runs: (start, group.len() as u32),
        });
    }
    classes.sort_unstable_by_key(|c| (c.df, c.id));
    Classes { classes, runs }
}

/// What a document with `n` comparable anchors, of which `classes` are
/// held by others, probes with (see [`anchor_pairs`]).
fn probe_of(of: &Classes, n: usize, threshold: f64, rare_df: usize, max_df: usize) -> Probe {
    let classes = &of.classes;
    let mut probe = Probe::default();
    let t = needed(n, threshold);
    let total: usize = classes.iter().map(|c| c.weight as usize).sum();
    if n == 0 || total < t {
        return probe;
    }
    let proposes = |c: &&Class| c.df as usize <= max_df;
    let run = |c: &Class| of.runs_of(c).iter().copied();
    // The ℓ = 1 prefix.
    let mut weight = 0;
    let mut end = 0;
    while weight < total - t + 1 {
        weight += classes[end].weight as usize;
        end += 1;
    }
    let rare = classes[..end]
        .iter()
        .take_while(|c| c.df as usize <= rare_df)
        .count();
    probe
        .runs
        .extend(classes[..rare].iter().filter(proposes).flat_map(run));
    if rare == end {
        return probe;
    }
    // A partner holding none of the rare prefix classes takes its `t`
    // anchors from the rest.
    let rest = &classes[rare..];
    let left: usize = rest.iter().map(|c| c.weight as usize).sum();
    if left < t {
        return probe;
    }
    let (mut weight, mut heaviest) = (0, 0);
    let mut pairs_end = rest.len();
    for (i, c) in rest.iter().enumerate() {
        weight += c.weight as usize;
        heaviest = heaviest.max(c.weight as usize);
        if weight > left - t + heaviest {
            pairs_end = i + 1;
            break;
        }
    }
    let paired = &rest[..pairs_end];
    if paired.len() > MAX_PROBE_CLASSES {
        // Too many keys: the frequent classes of the ℓ = 1 prefix propose
        // their holders instead.
        probe
            .runs
            .extend(classes[rare..end].iter().filter(proposes).flat_map(run));
        return probe;
    }
    if pairs_end == rest.len() {
        // No run of classes rules out a partner holding one class only:
        // one heavy enough to hold `t` anchors alone proposes its holders.
        probe.runs.extend(
            rest.iter()
                .filter(|c| c.weight as usize >= t)
                .filter(proposes)
                .flat_map(run),
        );
    }
    // The keys are every pair of `paired`: the first of the document's
    // frequent classes, since the rare ones are all before `rare`.
    probe.paired = paired.len();
    probe
}

/// The anchors of `a` below `tau`.
fn below(a: &Anchors, tau: u64) -> &[u64] {
    &a.hashes[..a.count_below(tau)]
}

/// The postings of every document's anchors below the global threshold
/// (which every document holding the shingle samples, so a run of them is
/// every holder of its shingle), and of short documents' anchors, all of
/// them (what two short documents compare above the global threshold).
fn anchor_postings(docs: &[(u32, &Anchors)], tau_global: u64) -> (Postings, Postings) {
    let table = postings_of(docs, |a| below(a, tau_global), true);
    let short = postings_of(
        docs,
        |a| match a.tau > tau_global {
            true => &a.hashes[..],
            false => &[],
        },
        false,
    );
    (table, short)
}

/// Each document's count of anchors below the global threshold.
fn comparable_counts(docs: &[(u32, &Anchors)], tau_global: u64) -> Vec<u32> {
    docs.iter()
        .map(|(_, a)| a.count_below(tau_global) as u32)
        .collect()
}

fn anchor_pairs_with(
    given: Given<'_>,
    max_df: usize,
    threshold: f64,
    tau_global: u64,
    tuning: Tuning,
    spill: &Spill,
) -> std::io::Result<Vec<Pair>> {
    let Tuning {
        rare_df,
        paired_max,
    } = tuning;
    // Only the check of the pairs the anchors accept reads the dense
    // tiers, at the end: they wait as keyed records (on disk past the
    // budget), outside the proposals' peak.
    let (lent, mut owned, records) = match given {
        Given::Lent(docs) => {
            let tiers = docs.iter().map(|&(d, a)| (d, a.dense.clone()));
            (Some(docs), Vec::new(), set_aside(tiers, spill)?)
        }
        Given::Owned(mut docs) => {
            let tiers: Vec<(u32, Vec<u16>)> = docs
                .iter_mut()
                .map(|(d, a)| (*d, std::mem::take(&mut a.dense)))
                .collect();
            let records = set_aside(tiers.into_iter(), spill)?;
            (None, docs, records)
        }
        Given::Aside(docs, records) => (None, docs, records),
    };
    let aside = {
        let given: Vec<u32> = match lent {
            Some(docs) => docs.iter().map(|d| d.0).collect(),
            None => owned.iter().map(|d| d.0).collect(),
        };
        Aside::of(&given, records)
    };
    fn view<'a>(
        lent: Option<&'a [(u32, &'a Anchors)]>,
        owned: &'a [(u32, Anchors)],
    ) -> Vec<(u32, &'a Anchors)> {
        match lent {
            Some(docs) => docs.to_vec(),
            None => owned.iter().map(|(d, a)| (*d, a)).collect(),
        }
    }
    let (table, short, counts) = {
        let docs = view(lent, &owned);
        let (table, short) = anchor_postings(&docs, tau_global);
        (table, short, comparable_counts(&docs, tau_global))
    };
    // A document sampled below `tau_global` compares anchors below it with
    // others, whose counts there the dropped anchors would be missing from.
    if owned.iter().all(|(_, a)| a.tau >= tau_global) {
        owned.par_iter_mut().for_each(|(_, a)| {
            a.hashes
                .retain(|&h| h >= tau_global || table.find(h).is_some());
            a.hashes.shrink_to_fit();
        });
    }
    let docs = view(lent, &owned);
    let size = docs.iter().map(|&(d, _)| d as usize + 1).max().unwrap_or(0);
    let mut probes = Probes::default();
    for (block, counts) in docs.chunks(PROBE_BLOCK).zip(counts.chunks(PROBE_BLOCK)) {
        let made: Vec<Probe> = block
            .par_iter()
            .zip(counts)
            .map(|(&(_, a), &n)| {
                let classes = classes_of(below(a, tau_global), &table);
                let mut probe = probe_of(&classes, n as usize, threshold, rare_df, max_df);
                // The frequent classes, which probers pair; the paired ones
                // lead them, in the same order.
                probe.frequent = classes
                    .classes
                    .iter()
                    .filter(|c| c.df as usize > rare_df)
                    .map(|c| c.id)
                    .collect();
                debug_assert!(probe.paired <= probe.frequent.len());
                probe
            })
            .collect();
        probes.blocks.push(ProbeBlock::of(made));
    }
    // Past the probes, the single runs need only the postings' documents.
    let holders = table.into_holders();
    let by_position = ByPosition::new(&docs, &counts, tau_global, size);
    // Each document's single runs: partners gathered, made distinct and
    // checked on the spot, so no list of every proposal is held.
    let mut out: Vec<u64> = docs
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |partners: &mut Vec<u32>, (i, &(d, a))| {
            partners.clear();
            for &(at, df) in probes.runs(i) {
                partners.extend_from_slice(&holders[at as usize..(at + df) as usize]);
            }
            if a.tau > tau_global {
                for &h in &a.hashes {
                    if let Some(e) = short.find(h) {
                        let (df, at) = short.run(e);
                        if df >= 2 && df as usize <= max_df {
                            partners.extend(short.holders(at, df));
                        }
                    }
                }
            }
            partners.sort_unstable();
            partners.dedup();
            partners
                .iter()
                .filter(|&&e| e != d && by_position.plausible(d, e, threshold))
                .map(|&e| pack(d, e))
                .collect::<Vec<u64>>()
        })
        .flatten_iter()
        .collect();
    drop((holders, short));
    // The single runs are read only there: not held through the pair keys.
    probes.drop_runs();
    // Pair keys: the keys someone probes with, then each document's pairs
    // of frequent classes among them (probers marked in the top bit).
    let keys: usize = probes.all().map(Frequent::key_count).sum();
    if keys > 0 {
        // The keys someone probes with, as a set that may also answer yes
        // for a key no one probes (about one in a hundred): such a key's
        // run holds no prober and proposes nothing, so the pairs do not
        // depend on it, and the set takes a tenth of the room of the keys.
        let probed = AtomicBloomFilter::with_false_pos(PROBED_FALSE_POSITIVES).expected_items(keys);
        (0..docs.len()).into_par_iter().for_each(|i| {
            for pair in probes.frequent(i).keys() {
                probed.insert_hash(pair_key(pair));
            }
        });
        // A document with more frequent classes than `paired_max` would
        // list too many pairs of them; it looks up, for each of its
        // classes, the probed pairs that hold it instead, so its cost
        // stays linear in its classes.
        let by_class: Vec<(u64, u64)> = if probes.all().any(|p| p.classes.len() > paired_max) {
            let mut v: Vec<(u64, u64)> = probes
                .all()
                .flat_map(|p| p.keys().flat_map(|(x, y)| [(x, y), (y, x)]))
                .collect();
            v.par_sort_unstable();
            v.dedup();
            v
        } else {
            Vec::new()
        };
        assert!(size <= PROBER as usize, "anchor_pairs: too many documents");
        // Every document's pairs of frequent classes that someone probes,
        // as (key, document | mark) records sorted by key.
        let held: Sorter<[u64; 2]> = Sorter::new(spill);
        held.emit(docs.par_iter().enumerate(), |(i, &(d, _)), out| {
            let probe = probes.frequent(i);
            let frequent = probe.classes;
            let mut hold = |pair: (u64, u64), prober: bool| {
                let mark = if prober { PROBER } else { 0 };
                out.push([pair_key(pair), u64::from(d | mark)]);
            };
            if frequent.len() <= paired_max {
                for (i, &x) in frequent.iter().enumerate() {
                    for (j, &y) in frequent.iter().enumerate().skip(i + 1) {
                        let pair = ordered(x, y);
                        if probed.contains_hash(pair_key(pair)) {
                            hold(pair, probe.probes_with(j));
                        }
                    }
                }
            } else {
                let paired = &frequent[..probe.paired];
                let mut own = frequent.to_vec();
                own.sort_unstable();
                for &x in &own {
                    let from = by_class.partition_point(|e| e.0 < x);
                    for &(_, y) in by_class[from..].iter().take_while(|e| e.0 == x) {
                        if x < y && own.binary_search(&y).is_ok() {
                            hold((x, y), paired.contains(&x) && paired.contains(&y));
                        }
                    }
                }
            }
        });
        drop((probes, probed, by_class));
        let held = held.finish()?;
        // Each key's run pairs its probers with its holders: (prober,
        // holder) records, sorted, so that each pair is checked once. Most
        // are ruled out by their summaries first, so that only pairs that
        // may be plausible are sorted.
        let proposed: Sorter<u64> = Sorter::new(spill);
        held.for_each_batch(
            STREAM_BATCH,
            |r| r[0],
            |batch| {
                let runs: Vec<&[[u64; 2]]> = batch.chunk_by(|x, y| x[0] == y[0]).collect();
                proposed.emit(runs.par_iter(), |run, out| {
                    let mut members: Vec<u32> = run.iter().map(|r| r[1] as u32).collect();
                    members.dedup();
                    if members.len() < 2 || members.len() > max_df {
                        return;
                    }
                    for &p in members.iter().filter(|&&m| m & PROBER != 0) {
                        let a = p & !PROBER;
                        out.extend(
                            members
                                .iter()
                                .map(|&m| m & !PROBER)
                                .filter(|&b| {
                                    b != a && by_position.may_be_plausible(a, b, threshold)
                                })
                                .map(|b| (u64::from(a) << 32) | u64::from(b)),
                        );
                    }
                });
                Ok::<(), std::io::Error>(())
            },
        )?;
        let proposed = proposed.finish()?;
        proposed.for_each_batch(
            STREAM_BATCH,
            |&p| p,
            |mut batch| {
                batch.dedup();
                out.par_extend(
                    batch
                        .par_iter()
                        .map(|&p| ((p >> 32) as u32, p as u32))
                        // Every proposal passed its summaries when emitted.
                        .filter(|&(a, b)| by_position.anchors_plausible(a, b, threshold))
                        .map(|(a, b)| pack(a, b)),
                );
                Ok::<(), std::io::Error>(())
            },
        )?;
    }
    drop(docs);
    let tiers = aside.take()?;
    let out: Vec<u64> = out
        .into_par_iter()
        .filter(|&p| {
            let (a, b) = unpack(p);
            by_position.dense_plausible(a, b, threshold, &tiers)
        })
        .collect();
    Ok(finish(out))
}

/// Dense tiers `(document, keys)` as sorted [`dense_records`].
fn set_aside(
    tiers: impl Iterator<Item = (u32, Vec<u16>)>,
    spill: &Spill,
) -> std::io::Result<Sorted<[u64; 2]>> {
    let records: Sorter<[u64; 2]> = Sorter::new(spill);
    for (d, keys) in tiers {
        records.extend(dense_records(d, &keys));
    }
    records.finish()
}

/// The dense tiers of the documents [`anchor_pairs`] reads, set aside as
/// sorted [`dense_records`] while the pairs are proposed, and where each
/// given position's keys will be.
struct Aside {
    /// `(start, len)` of each position's keys; [`NOT_GIVEN`] for
    /// documents not given, whose records are passed over.
    ranges: Vec<(u64, u32)>,
    records: Sorted<[u64; 2]>,
}

/// The dense tiers, by position, once they are back.
struct Tiers {
    ranges: Vec<(u64, u32)>,
    keys: Vec<u16>,
}

/// The start of the range of a position whose anchors were not given.
const NOT_GIVEN: u64 = u64::MAX;

impl Tiers {
    fn of(&self, d: u32) -> &[u16] {
        match self.ranges.get(d as usize) {
            Some(&(at, len)) if at != NOT_GIVEN => {
                &self.keys[at as usize..at as usize + len as usize]
            }
            _ => &[],
        }
    }
}

impl Aside {
    fn of(given: &[u32], records: Sorted<[u64; 2]>) -> Aside {
        let size = given.iter().map(|&d| d as usize + 1).max().unwrap_or(0);
        let mut ranges = vec![(NOT_GIVEN, 0); size];
        for &d in given {
            ranges[d as usize] = (0, 0);
        }
        Aside { ranges, records }
    }

    /// The tiers back, read in document order.
    fn take(self) -> std::io::Result<Tiers> {
        let mut ranges = self.ranges;
        let mut keys: Vec<u16> = Vec::new();
        self.records.for_each_batch(
            STREAM_BATCH,
            |r| r[0],
            |batch| {
                for [key, packed] in batch {
                    let d = (key >> 32) as usize;
                    if ranges.get(d).is_none_or(|r| r.0 == NOT_GIVEN) {
                        continue;
                    }
                    let n = (key & 3) as usize + 1;
                    if (key >> 2) & 0x3fff_ffff == 0 {
                        ranges[d] = (keys.len() as u64, 0);
                    }
                    ranges[d].1 += n as u32;
                    keys.extend((0..n).map(|i| (packed >> (16 * i)) as u16));
                }
                Ok::<(), std::io::Error>(())
            },
        )?;
        Ok(Tiers { ranges, keys })
    }
}

/// Every document's anchors by its position: where they are and their
/// counts, in one 16-byte record, so that checking a pair reads two
/// records and the two documents' anchors, with no copy of them; and a
/// [`Summary`] of each, which rules most pairs out before their anchors
/// are read.
struct ByPosition<'a> {
    slots: Vec<Slot<'a>>,
    summaries: Vec<Summary>,
    tau_global: u64,
}

/// A position's record in [`ByPosition`]: its anchors, if given, with its
/// counts (see [`Comparable`]), in 16 bytes.
#[derive(Clone, Copy, Default)]
struct Slot<'a> {
    anchors: Option<&'a Anchors>,
    comparable: u32,
    held_below: u32,
}

impl<'a> ByPosition<'a> {
    fn new(docs: &[(u32, &'a Anchors)], counts: &[u32], tau_global: u64, size: usize) -> Self {
        let mut slots = vec![Slot::default(); size];
        for (&(d, a), &comparable) in docs.iter().zip(counts) {
            slots[d as usize] = Slot {
                anchors: Some(a),
                comparable,
                held_below: a.count_below(tau_global) as u32,
            };
        }
        let mut by_position = ByPosition {
            slots,
            summaries: Vec::new(),
            tau_global,
        };
        by_position.summaries = (0..size as u32)
            .into_par_iter()
            .map(|d| {
                let c = by_position.meta(d);
                let (kept, count) = c.below(c.tau, tau_global);
                Summary::of(c.tau, &c.hashes[..kept], count)
            })
            .collect();
        by_position
    }

    /// The anchors and counts at position `d`.
    fn meta(&self, d: u32) -> Comparable<'a> {
        let s = self.slots[d as usize];
        match s.anchors {
            Some(a) => Comparable {
                tau: a.tau,
                comparable: s.comparable,
                held_below: s.held_below,
                hashes: &a.hashes,
            },
            None => Comparable::default(),
        }
    }

    /// The first count of [`plausible_anchors`] (below both thresholds)
    /// for the documents at `a` and `b`.
    fn plausible(&self, a: u32, b: u32, threshold: f64) -> bool {
        self.may_be_plausible(a, b, threshold) && self.anchors_plausible(a, b, threshold)
    }

    /// The first count of [`plausible_anchors`], from the anchors alone.
    fn anchors_plausible(&self, a: u32, b: u32, threshold: f64) -> bool {
        let (a, b) = (self.meta(a), self.meta(b));
        let limit = a.tau.min(b.tau);
        let (ka, na) = a.below(limit, self.tau_global);
        let (kb, nb) = b.below(limit, self.tau_global);
        plausible_below(&a.hashes[..ka], na, &b.hashes[..kb], nb, threshold)
    }

    /// The second count of [`plausible_anchors`], over the dense tiers,
    /// for a pair [`anchors_plausible`](Self::anchors_plausible) accepts.
    fn dense_plausible(&self, a: u32, b: u32, threshold: f64, tiers: &Tiers) -> bool {
        let side = |d: u32| (self.meta(d), tiers.of(d));
        let ((a, ta), (b, tb)) = (side(a), side(b));
        let limit = a.tau.min(b.tau);
        let (_, na) = a.below(limit, self.tau_global);
        let (_, nb) = b.below(limit, self.tau_global);
        let dense = |x: Comparable<'a>, below, keys| Dense {
            tau: x.tau,
            hashes: x.hashes,
            below,
            keys,
        };
        dense_plausible(
            dense(a, na, ta),
            dense(b, nb, tb),
            threshold,
            self.tau_global,
        )
    }

    /// False only where [`plausible_anchors`] is false for `a` and `b`,
    /// read from their summaries alone.
    fn may_be_plausible(&self, a: u32, b: u32, threshold: f64) -> bool {
        self.summaries[a as usize].may_share(&self.summaries[b as usize], threshold)
    }
}

/// One document's anchors as [`ByPosition`] reads them: perhaps without those no
/// other document holds below the global threshold, with its count of
/// anchors there.
#[derive(Clone, Copy, Default)]
struct Comparable<'a> {
    tau: u64,
    /// Its anchors below the global threshold, dropped or not.
    comparable: u32,
    /// Those of `hashes` below the global threshold.
    held_below: u32,
    hashes: &'a [u64],
}

impl Comparable<'_> {
    /// How many of `hashes` lie below `limit`, and how many of all its
    /// anchors do. Anchors are dropped only where every threshold is at
    /// least `tau_global`, so a limit below it counts from the hashes.
    fn below(&self, limit: u64, tau_global: u64) -> (usize, usize) {
        let kept = self.hashes.partition_point(|&h| h < limit);
        if limit < tau_global {
            return (kept, kept);
        }
        let above = kept - self.held_below as usize;
        (kept, self.comparable as usize + above)
    }
}

/// What a pair check needs to rule a pair out without reading its anchors:
/// the document's sampling threshold, how many of its anchors lie below
/// it, and which of 256 buckets (by the anchors' low bits) they fall in.
///
/// Two documents with the same threshold compare every anchor below it,
/// and an anchor they share sets the same bucket in both, so the shared
/// anchors are at most the buckets both set plus the anchors of either
/// that share a bucket with another of its own. When that is below what
/// the smaller sample [`needed`], the pair is implausible. Unrelated
/// documents of about 40 anchors set about 6 common buckets of 256,
/// against the 20 or more a plausible pair needs, so the check is decided
/// here, from one record of each, for nearly every pair a recurring
/// paragraph proposes.
#[derive(Clone, Copy, Default)]
struct Summary {
    tau: u64,
    /// Anchors below `tau` (all of them but a hash of `u64::MAX`).
    below: u32,
    /// Of those, the ones held (see [`Comparable`]), which set the buckets.
    held: u32,
    buckets: [u64; 4],
}

impl Summary {
    /// The summary of anchors `held` below `tau`, of `below` in all.
    fn of(tau: u64, held: &[u64], below: usize) -> Summary {
        let mut buckets = [0u64; 4];
        for &h in held {
            let b = h as u8;
            buckets[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        Summary {
            tau,
            below: below as u32,
            held: held.len() as u32,
            buckets,
        }
    }

    fn set(&self) -> u32 {
        self.buckets.iter().map(|w| w.count_ones()).sum()
    }

    /// At most how many anchors below the threshold the two share (with
    /// the same threshold).
    fn shared_at_most(&self, other: &Summary) -> usize {
        let both: u32 = self
            .buckets
            .iter()
            .zip(&other.buckets)
            .map(|(x, y)| (x & y).count_ones())
            .sum();
        // An anchor of `self` in a bucket `other` sets is one of the
        // buckets both set, or one more of `self` in such a bucket. An
        // anchor the two share is held by both.
        let crowded = |s: &Summary| (s.held - s.set()) as usize;
        both as usize + crowded(self).min(crowded(other))
    }

    /// False only when the documents cannot be [`plausible_anchors`].
    fn may_share(&self, other: &Summary, threshold: f64) -> bool {
        if self.tau != other.tau {
            // Compared below the smaller threshold: left to the anchors.
            return true;
        }
        let least = self.below.min(other.below) as usize;
        least > 0 && self.shared_at_most(other) >= needed(least, threshold)
    }
}

/// The mark of a pair-key holder that probes with the key (the top bit of
/// its document's position).
const PROBER: u32 = 1 << 31;

/// Whether two documents' anchors share enough to be consistent with
/// `threshold` containment of either in the other: below both thresholds
/// (see [`needed`]), and again over the denser sample below the dense
/// limit of `tau_global`.
///
/// The second count is what keeps candidates flat when paragraphs recur.
/// A page of 200 words sampled one shingle in 16 compares about a dozen
/// anchors with a long document, and the bound, which must accept a true
/// containment of 0.8 nearly always, then accepts three or four shared
/// ones: a page that shares a third of its text with the long one (two of
/// its paragraphs, each held by dozens of unrelated documents) passes. At
/// twice the sample the bound's spread, relative to its mean, shrinks by
/// √2, and such pairs fail. The pairs are proposed from the anchors alone
/// (the dense tier has no postings), so it costs only the check of the
/// pairs the anchors accept, and a true pair is lost only when one of the
/// two independent-looking bounds misses it (each about 0.1 % at the
/// threshold).
pub fn plausible_anchors(a: &Anchors, b: &Anchors, threshold: f64, tau_global: u64) -> bool {
    let limit = a.tau.min(b.tau);
    let na = a.count_below(limit);
    let nb = b.count_below(limit);
    fn side(x: &Anchors, below: usize) -> Dense<'_> {
        Dense {
            tau: x.tau,
            hashes: &x.hashes,
            below,
            keys: &x.dense,
        }
    }
    plausible_below(&a.hashes[..na], na, &b.hashes[..nb], nb, threshold)
        && dense_plausible(side(a, na), side(b, nb), threshold, tau_global)
}

/// [`plausible_anchors`] of two samples of `na` and `nb` anchors below the
/// smaller threshold, of which `ha` and `hb` are the ones that can be
/// shared.
fn plausible_below(ha: &[u64], na: usize, hb: &[u64], nb: usize, threshold: f64) -> bool {
    // Plausible either way round is plausible for the smaller sample,
    // since `needed` grows with the sample.
    let least = na.min(nb);
    least > 0 && crate::verify::shares_at_least(ha, hb, needed(least, threshold))
}

/// One side of the dense count (see [`plausible_anchors`]).
struct Dense<'a> {
    tau: u64,
    /// The anchors that can be shared (perhaps without some only this
    /// document holds below the global threshold), sorted.
    hashes: &'a [u64],
    /// How many anchors the document has below the smaller threshold of
    /// the pair, those left out of `hashes` too.
    below: usize,
    /// Its dense tier.
    keys: &'a [u16],
}

impl Dense<'_> {
    /// The keys of the document's shingles from `from` to `end`: its
    /// anchors there and its dense tier, sorted.
    fn keys_from(&self, from: u64, end: u64) -> Vec<u16> {
        let at = self.hashes.partition_point(|&h| h < from);
        let mut keys: Vec<u16> = self.hashes[at..]
            .iter()
            .take_while(|&&h| h < end)
            .map(|&h| dense_key(h))
            .chain(self.keys.iter().copied())
            .collect();
        keys.sort_unstable();
        keys
    }
}

/// The count of [`plausible_anchors`] below the dense limit: shared anchors
/// below the smaller threshold `limit` of the two, counted exactly, and
/// shared keys from there to the dense limit. Two documents sampled past
/// the limit compare no more there than below their thresholds.
fn dense_plausible(a: Dense<'_>, b: Dense<'_>, threshold: f64, tau_global: u64) -> bool {
    let end = dense_limit(tau_global);
    if a.tau >= end && b.tau >= end {
        return true;
    }
    let limit = a.tau.min(b.tau);
    let ka = a.hashes.partition_point(|&h| h < limit);
    let kb = b.hashes.partition_point(|&h| h < limit);
    let exact = crate::verify::intersection(&a.hashes[..ka], &b.hashes[..kb]);
    let (xa, xb) = (a.keys_from(limit, end), b.keys_from(limit, end));
    let least = (a.below + xa.len()).min(b.below + xb.len());
    least > 0 && exact + shared_keys(&xa, &xb) >= needed(least, threshold)
}

/// Values two sorted lists share, repeats counted as often as both hold
/// them.
fn shared_keys(a: &[u16], b: &[u16]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
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

/// Where each bucket of leading hash bits starts in a sorted list of
/// uniform 64-bit hashes: a lookup reads one bucket of a few entries
/// instead of binary-searching the whole list (a cache miss per step at a
/// million documents).
struct Buckets {
    /// `starts[b]`: the first entry whose hash has leading bits `>= b`.
    starts: Vec<usize>,
    bits: u32,
}

impl Buckets {
    fn new(sorted: impl ExactSizeIterator<Item = u64>) -> Self {
        // About four entries a bucket.
        let bits = sorted.len().max(1).ilog2().saturating_sub(2).min(32);
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        starts.push(0);
        let mut i = 0;
        for h in sorted {
            let b = Self::bucket(bits, h);
            while starts.len() <= b {
                starts.push(i);
            }
            i += 1;
        }
        while starts.len() <= 1 << bits {
            starts.push(i);
        }
        Buckets { starts, bits }
    }

    fn bucket(bits: u32, h: u64) -> usize {
        h.checked_shr(64 - bits).unwrap_or(0) as usize
    }

    /// The entries that may hold `h`.
    fn range(&self, h: u64) -> std::ops::Range<usize> {
        let b = Self::bucket(self.bits, h);
        self.starts[b]..self.starts[b + 1]
    }
}

/// Document frequencies of distinct anchors, sorted by hash, with a
/// bucketed lookup ([`Buckets`]).
struct Frequencies {
    /// (hash, document frequency, first posting).
    entries: Vec<(u64, u32, u32)>,
    buckets: Buckets,
}

impl Frequencies {
    fn new(entries: Vec<(u64, u32, u32)>) -> Self {
        let buckets = Buckets::new(entries.iter().map(|e| e.0));
        Frequencies { entries, buckets }
    }

    /// The entry of `h`, if any document holds it.
    fn find(&self, h: u64) -> Option<usize> {
        let r = self.buckets.range(h);
        let start = r.start;
        self.entries[r]
            .iter()
            .position(|e| e.0 == h)
            .map(|i| start + i)
    }

    /// The document frequency of `h` and its first posting ((1, 0) if it
    /// is not in the table).
    #[cfg(test)]
    fn of(&self, h: u64) -> (u32, u32) {
        self.find(h)
            .map_or((1, 0), |e| (self.entries[e].1, self.entries[e].2))
    }
}

/// Mixed into document positions before their two smallest hashes name
/// an anchor's class.
const CLASS_SEED: u64 = 0x6a09_e667_f3bc_c909;

/// Anchor postings sorted by `(hash, document)`, their runs
/// ([`Frequencies`], which hold the hashes), and each run's class: a hash
/// of the documents that hold it, so that anchors held by the same
/// documents share a class.
struct Postings {
    /// The documents of the postings, run after run.
    postings: Vec<u32>,
    freq: Frequencies,
    classes: Vec<u64>,
    /// Per run, the document frequency of its class.
    class_df: Vec<u32>,
}

impl Postings {
    fn find(&self, h: u64) -> Option<usize> {
        self.freq.find(h)
    }

    /// `(document frequency, first posting)` of entry `e`.
    fn run(&self, e: usize) -> (u32, u32) {
        let (_, df, at) = self.freq.entries[e];
        (df, at)
    }

    /// The documents of every run, run after run: all that reading runs
    /// found before needs.
    fn into_holders(self) -> Vec<u32> {
        self.postings
    }

    /// The documents of a run.
    fn holders(&self, at: u32, df: u32) -> impl Iterator<Item = u32> + '_ {
        self.postings[at as usize..(at + df) as usize]
            .iter()
            .copied()
    }
}

/// Postings of about this many `(hash, document)` pairs are sorted at a
/// time (64 MB).
const POSTINGS_PART: usize = 1 << 22;

/// At most this many parts (see [`postings_of`]).
const MAX_POSTINGS_PARTS: usize = 64;

/// The postings of the hashes `of` gives of each document's anchors, for
/// the hashes at least two documents hold (a hash held once proposes
/// nothing; [`Postings::find`] does not find it).
///
/// They are built a slice of the hash space at a time: each part's
/// `(hash, document)` pairs gathered, sorted and appended, so that what is
/// held beside the postings is one part's pairs, not every pair at 16
/// bytes each (three times the room of the postings at a million
/// documents, and the candidate stage's peak). `classified`: whether runs
/// get classes (only the postings the classes are counted over need them).
fn postings_of<'a>(
    docs: &[(u32, &'a Anchors)],
    of: impl Fn(&'a Anchors) -> &'a [u64] + Sync,
    classified: bool,
) -> Postings {
    postings_in_parts(docs, of, classified, POSTINGS_PART)
}

/// [`postings_of`], sorting about `part_size` pairs at a time.
fn postings_in_parts<'a>(
    docs: &[(u32, &'a Anchors)],
    of: impl Fn(&'a Anchors) -> &'a [u64] + Sync,
    classified: bool,
    part_size: usize,
) -> Postings {
    let (total, max) = docs
        .par_iter()
        .map(|&(_, a)| (of(a).len(), of(a).last().copied().unwrap_or(0)))
        .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1.max(y.1)));
    // Every part visits every document, so their number is bounded: past
    // MAX_POSTINGS_PARTS parts, a part holds a 64th of the pairs.
    let parts = (total / part_size.max(1) + 1).min(MAX_POSTINGS_PARTS) as u64;
    // Part `p` holds the hashes below `end(p)` not in an earlier part; the
    // parts in order are the hashes in order.
    let end = |p: u64| {
        let end = (u128::from(p + 1) * (u128::from(max) + 1)).div_ceil(u128::from(parts));
        u64::try_from(end).unwrap_or(u64::MAX)
    };
    let mut postings: Vec<u32> = Vec::with_capacity(total);
    let mut runs: Vec<(u64, u32, u32)> = Vec::new();
    // Where each document's hashes of the next part start.
    let mut cursors = vec![0u32; docs.len()];
    for part in 0..parts {
        let end = end(part);
        // A document's hashes are sorted, so those of one part are a run
        // of them, from its cursor on; the part's pairs fill a vector of
        // exactly their number (a collected parallel iterator of unknown
        // length would hold them twice while it joins its pieces).
        let last = part + 1 == parts;
        let slices: Vec<(u32, &[u64])> = docs
            .par_iter()
            .zip(&mut cursors)
            .map(|(&(d, a), cursor)| {
                let rest = &of(a)[*cursor as usize..];
                let n = if last {
                    rest.len()
                } else {
                    rest.iter().take_while(|&&h| h < end).count()
                };
                *cursor += n as u32;
                (d, &rest[..n])
            })
            .collect();
        let size = slices.iter().map(|(_, h)| h.len()).sum();
        let mut pairs = vec![(0u64, 0u32); size];
        let mut pieces = Vec::with_capacity(slices.len());
        let mut rest = pairs.as_mut_slice();
        for &(d, hashes) in &slices {
            let (piece, tail) = rest.split_at_mut(hashes.len());
            pieces.push((d, hashes, piece));
            rest = tail;
        }
        pieces.into_par_iter().for_each(|(d, hashes, piece)| {
            for (slot, &h) in piece.iter_mut().zip(hashes) {
                *slot = (h, d);
            }
        });
        drop(slices);
        pairs.par_sort_unstable();
        pairs.dedup();
        for run in pairs.chunk_by(|x, y| x.0 == y.0).filter(|r| r.len() >= 2) {
            runs.push((run[0].0, run.len() as u32, postings.len() as u32));
            postings.extend(run.iter().map(|e| e.1));
        }
    }
    let (classes, class_df) = if classified {
        classes_of_runs(&postings, &runs)
    } else {
        (Vec::new(), Vec::new())
    };
    Postings {
        postings,
        freq: Frequencies::new(runs),
        classes,
        class_df,
    }
}

/// Each run's class (the two smallest hashes of its documents) and the
/// class's document frequency (the most documents any of its anchors sits
/// in, the same whichever of them a document holds).
fn classes_of_runs(postings: &[u32], runs: &[(u64, u32, u32)]) -> (Vec<u64>, Vec<u32>) {
    let classes = runs
        .par_iter()
        .map(|&(_, df, at)| {
            let (mut first, mut second) = (u64::MAX, u64::MAX);
            for &d in &postings[at as usize..(at + df) as usize] {
                let h = mix64(u64::from(d) ^ CLASS_SEED);
                if h < first {
                    (first, second) = (h, first);
                } else if h < second {
                    second = h;
                }
            }
            mix64(first ^ second.rotate_left(29))
        })
        .collect::<Vec<u64>>();
    let mut by_class: Vec<(u64, u32, u32)> = classes
        .iter()
        .zip(runs)
        .zip(0..)
        .map(|((&c, &(_, df, _)), e)| (c, df, e))
        .collect();
    by_class.par_sort_unstable();
    let mut class_df = vec![0u32; runs.len()];
    for group in by_class.chunk_by(|x, y| x.0 == y.0) {
        let most = group.iter().map(|g| g.1).max().unwrap_or(0);
        for g in group {
            class_df[g.2 as usize] = most;
        }
    }
    (classes, class_df)
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

/// A passage fingerprint held by a document, as a keyed record: `[hash,
/// document << 32 | position]`, so that records sort by fingerprint, then
/// document, then position.
pub fn fingerprint_record(hash: u64, doc: u32, position: u32) -> [u64; 2] {
    [hash, (u64::from(doc) << 32) | u64::from(position)]
}

/// The document and position of a [`fingerprint_record`] (its second
/// word).
pub fn fingerprint_holder(held: u64) -> (u32, u32) {
    ((held >> 32) as u32, held as u32)
}

/// Records read from a sorted stream at a time.
pub(crate) const STREAM_BATCH: usize = 1 << 18;

/// Candidate pairs for shared passages, from fingerprint records
/// ([`fingerprint_record`]) sorted by key: documents sharing a fingerprint
/// that `keep(document, position)` admits for at least two and at most
/// `max_df` of them, where `agree(a, b, positions)` confirms the text
/// around one of the fingerprints they share matches (`positions` holds
/// each shared fingerprint's position in `a` and in `b`, `a < b`). Each
/// pair is checked once, with all its shared fingerprints, so a check that
/// reads the two documents reads them once: the co-occurrences go through
/// a keyed sort by pair (spilling as `spill` says). Pairs come out once,
/// sorted.
pub fn passage_pairs(
    postings: Sorted<[u64; 2]>,
    max_df: usize,
    keep: impl Fn(u32, u32) -> bool + Sync,
    agree: impl Fn(u32, u32, &[(u32, u32)]) -> bool + Sync,
    spill: &Spill,
) -> std::io::Result<Vec<Pair>> {
    // Every co-occurrence: [pair, position in its first << 32 | in its
    // second].
    let shared: Sorter<[u64; 2]> = Sorter::new(spill);
    postings.for_each_batch(
        STREAM_BATCH,
        |r| r[0],
        |batch| {
            let runs: Vec<&[[u64; 2]]> = batch.chunk_by(|x, y| x[0] == y[0]).collect();
            shared.emit(runs.par_iter(), |run, out| {
                let held: Vec<(u32, u32)> = run
                    .iter()
                    .map(|r| fingerprint_holder(r[1]))
                    .filter(|&(d, p)| keep(d, p))
                    .collect();
                if held.len() < 2 || held.len() > max_df {
                    return;
                }
                for (i, x) in held.iter().enumerate() {
                    for y in held[i + 1..].iter().filter(|y| y.0 != x.0) {
                        let (pa, pb) = if x.0 < y.0 { (x.1, y.1) } else { (y.1, x.1) };
                        out.push([pack(x.0, y.0), (u64::from(pa) << 32) | u64::from(pb)]);
                    }
                }
            });
            Ok::<(), std::io::Error>(())
        },
    )?;
    let shared = shared.finish()?;
    let mut out = Vec::new();
    shared.for_each_batch(
        STREAM_BATCH,
        |r| r[0],
        |batch| {
            out.par_extend(batch.par_chunk_by(|x, y| x[0] == y[0]).filter_map(|run| {
                let (a, b) = unpack(run[0][0]);
                // The two positions pack as a holder does.
                let positions: Vec<(u32, u32)> =
                    run.iter().map(|r| fingerprint_holder(r[1])).collect();
                agree(a, b, &positions).then_some((a, b))
            }));
            Ok::<(), std::io::Error>(())
        },
    )?;
    Ok(out)
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
                    dense: Vec::new(),
                }
            })
            .collect();
        let with: Vec<(u32, &Anchors)> = docs
            .iter()
            .enumerate()
            .map(|(i, a)| (i as u32, a))
            .collect();
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
        assert_eq!(
            anchor_pairs(
                Given::Lent(&with),
                1000,
                0.8,
                u64::MAX / 16,
                &Spill::in_memory()
            )
            .unwrap(),
            want
        );
        // Every class frequent: pairs met through pair keys only.
        for rare_df in [1, 2, 4] {
            let tuning = Tuning {
                rare_df,
                paired_max: 1,
            };
            let spill = Spill::in_memory();
            let got =
                anchor_pairs_with(Given::Lent(&with), 1000, 0.8, u64::MAX / 16, tuning, &spill)
                    .unwrap();
            assert_eq!(got, want, "rare_df {rare_df}");
        }
    }

    /// A summary rules a pair out only where its anchors would: over pairs
    /// sharing from none to all of their anchors, of sizes where buckets
    /// crowd and where they do not, at both thresholds, and with a short
    /// document's threshold on either side.
    #[test]
    fn a_summary_rules_out_only_implausible_pairs() {
        let tau_global = u64::MAX / 16;
        let mut ruled_out = 0;
        let mut plausible = 0;
        for seed in 0..400u64 {
            let mut next = numbers(seed);
            let n = 1 + (next() % 300) as usize;
            let common: Vec<u64> = (0..n).map(|_| next() >> 4).collect();
            let keep = (next() % 101) as usize;
            let doc = |next: &mut dyn FnMut() -> u64| {
                let mut h: Vec<u64> = Vec::new();
                for &c in &common {
                    if (next() % 100) as usize <= keep {
                        h.push(c);
                    }
                }
                for _ in 0..next() % 80 {
                    h.push(next() >> 4);
                }
                h.sort_unstable();
                h.dedup();
                h
            };
            let (a, mut b) = (doc(&mut next), doc(&mut next));
            let tau_b = if seed % 7 == 0 {
                b.push(tau_global + (next() >> 8));
                u64::MAX
            } else {
                tau_global
            };
            for threshold in [0.5, 0.8] {
                let (x, y) = ((tau_global, &a[..]), (tau_b, &b[..]));
                let summary = |(tau, hashes): (u64, &[u64])| {
                    let below = hashes.partition_point(|&h| h < tau);
                    Summary::of(tau, &hashes[..below], below)
                };
                let may = summary(x).may_share(&summary(y), threshold);
                let anchors = |(tau, hashes): (u64, &[u64])| Anchors {
                    hashes: hashes.to_vec(),
                    tau,
                    dense: Vec::new(),
                };
                let is = plausible_anchors(&anchors(x), &anchors(y), threshold, tau_global);
                assert!(may || !is, "seed {seed}: a plausible pair ruled out");
                ruled_out += usize::from(!may);
                plausible += usize::from(is);
            }
        }
        // Neither side of the test is empty.
        assert!(
            ruled_out > 100 && plausible > 100,
            "{ruled_out} ruled out, {plausible} plausible"
        );
    }

    /// Postings built a few pairs at a time are the postings built at
    /// once, hashes held by one document left out.
    #[test]
    fn band_keys_gathered_in_parts_pair_as_when_gathered_at_once() {
        for seed in 0..8u64 {
            let mut next = numbers(seed);
            // Few distinct keys, so that buckets are large, some past the
            // giant-bucket limit.
            let vocab: Vec<u64> = (0..40).map(|_| next()).collect();
            let keys: Vec<(u64, u32)> = (0..600u32)
                .map(|i| (vocab[(next() % 40) as usize], i / 3))
                .collect();
            let order: Vec<(u32, u128)> =
                (0..200u32).map(|d| (d, u128::from(next() % 50))).collect();
            let mut once = Some(keys.clone());
            let whole = pairs_of_band_keys(
                1,
                |_| once.take().unwrap_or_default(),
                order.iter().copied(),
                8,
            );
            assert!(!whole.is_empty());
            for parts in [2, 3, 7] {
                let part = |p: usize| -> Vec<(u64, u32)> {
                    keys.iter()
                        .copied()
                        .filter(|&(k, _)| band_key_part(k, parts) == p)
                        .collect()
                };
                let got = pairs_of_band_keys(parts, part, order.iter().copied(), 8);
                assert_eq!(got, whole, "seed {seed}, {parts} parts");
            }
        }
    }

    #[test]
    fn postings_built_in_parts_are_the_postings_built_at_once() {
        let mut next = numbers(7);
        let vocab: Vec<u64> = (0..300).map(|_| next() >> 4).collect();
        let docs: Vec<Anchors> = (0..80)
            .map(|_| {
                let mut h: Vec<u64> = (0..next() % 40)
                    .map(|_| vocab[(next() % 300) as usize])
                    .collect();
                h.sort_unstable();
                h.dedup();
                Anchors {
                    hashes: h,
                    tau: u64::MAX,
                    dense: Vec::new(),
                }
            })
            .collect();
        let with: Vec<(u32, &Anchors)> = docs.iter().zip(0..).map(|(a, i)| (i * 2, a)).collect();
        let whole = postings_in_parts(&with, |a| &a.hashes[..], true, usize::MAX);
        assert!(whole.freq.entries.iter().all(|e| e.1 >= 2));
        let held: usize = vocab
            .iter()
            .filter(|&&h| docs.iter().filter(|a| a.hashes.contains(&h)).count() >= 2)
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert_eq!(whole.freq.entries.len(), held);
        for part_size in [1, 7, 100] {
            let parts = postings_in_parts(&with, |a| &a.hashes[..], true, part_size);
            assert_eq!(parts.postings, whole.postings, "part size {part_size}");
            assert_eq!(parts.freq.entries, whole.freq.entries);
            assert_eq!(parts.classes, whole.classes);
            assert_eq!(parts.class_df, whole.class_df);
        }
    }

    /// A seeded stream of hashes.
    fn numbers(seed: u64) -> impl FnMut() -> u64 {
        let mut state = seed;
        move || {
            state = crate::text::shingle::mix64(state.wrapping_add(1));
            state
        }
    }

    /// The pairs [`anchor_pairs_with`] finds from lent anchors, once the
    /// same as it finds from owned ones, without the anchors no other
    /// document holds.
    fn found_both_ways(
        docs: &[Anchors],
        threshold: f64,
        tau_global: u64,
        rare_df: usize,
        paired_max: usize,
        spill: &Spill,
    ) -> Vec<Pair> {
        let with: Vec<(u32, &Anchors)> = docs.iter().zip(0..).map(|(a, i)| (i, a)).collect();
        let tuning = Tuning {
            rare_df,
            paired_max,
        };
        let pairs =
            |given| anchor_pairs_with(given, 1000, threshold, tau_global, tuning, spill).unwrap();
        let got = pairs(Given::Lent(&with));
        let owned = docs.iter().cloned().zip(0..).map(|(a, i)| (i, a)).collect();
        assert_eq!(
            got,
            pairs(Given::Owned(owned)),
            "borrowed and owned anchors"
        );
        // Dense tiers set aside as keyed records, as a scan signs them.
        let records: Sorter<[u64; 2]> = Sorter::new(spill);
        let mut bare = Vec::new();
        for (a, i) in docs.iter().zip(0..) {
            records.extend(dense_records(i, &a.dense));
            let dense = Vec::new();
            bare.push((i, Anchors { dense, ..a.clone() }));
        }
        let aside = Given::Aside(bare, records.finish().unwrap());
        assert_eq!(got, pairs(aside), "dense tiers set aside");
        got
    }

    /// Every pair [`plausible_anchors`] accepts, by checking them all.
    fn all_pairs(docs: &[Anchors], threshold: f64, tau_global: u64) -> Vec<Pair> {
        let mut want = Vec::new();
        for i in 0..docs.len() {
            for j in i + 1..docs.len() {
                let (a, b) = (&docs[i], &docs[j]);
                if plausible_anchors(a, b, threshold, tau_global) {
                    want.push((i as u32, j as u32));
                }
            }
        }
        want
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
            let mut next = numbers(seed);
            let vocab: Vec<u64> = (0..120).map(|_| next() >> 4).collect();
            let docs: Vec<Anchors> = (0..50)
                .map(|_| {
                    let n = 3 + (next() % 30) as usize;
                    let start = (next() % 80) as usize;
                    let mut h: Vec<u64> = (0..n)
                        .map(|i| {
                            if next().is_multiple_of(4) {
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
                    Anchors {
                        hashes: h,
                        tau,
                        dense: Vec::new(),
                    }
                })
                .collect();
            for (threshold, rare_df) in
                [(0.5, RARE_DF), (0.8, RARE_DF), (0.5, 1), (0.8, 1), (0.8, 3)]
            {
                let spill = Spill::in_memory();
                let got = found_both_ways(
                    &docs,
                    threshold,
                    tau_global,
                    rare_df,
                    MAX_PAIRED_CLASSES,
                    &spill,
                );
                let want = all_pairs(&docs, threshold, tau_global);
                assert_eq!(
                    got, want,
                    "seed {seed}, threshold {threshold}, rare_df {rare_df}"
                );
            }
        }
    }

    /// Documents assembled from recurring paragraphs (runs of anchors that
    /// sit together in many documents) with a few anchors of their own,
    /// their truncated and edited copies: what the pair keys are for. With
    /// the paragraphs' classes frequent, most documents probe with pair
    /// keys, and the pairs are still exactly the all-pairs answer.
    #[test]
    fn recurring_paragraphs_meet_through_pair_keys() {
        let tau_global = u64::MAX / 16;
        for seed in 0..12u64 {
            let mut next = numbers(seed);
            let paragraphs: Vec<Vec<u64>> = (0..30)
                .map(|_| (0..2 + next() % 6).map(|_| next() >> 5).collect())
                .collect();
            let mut docs: Vec<Vec<u64>> = Vec::new();
            for i in 0..80 {
                let h: Vec<u64> = if i > 10 && next().is_multiple_of(3) {
                    // A copy: truncated, or with an anchor edited away.
                    let source = &docs[(next() % docs.len() as u64) as usize];
                    let mut h = source.clone();
                    if next().is_multiple_of(2) {
                        h.truncate(h.len() * 3 / 5);
                    } else {
                        let at = (next() % h.len() as u64) as usize;
                        h[at] = next() >> 5;
                    }
                    h
                } else {
                    let mut h: Vec<u64> = (0..1 + next() % 3).map(|_| next() >> 5).collect();
                    for _ in 0..2 + next() % 5 {
                        h.extend(&paragraphs[(next() % 30) as usize]);
                    }
                    h
                };
                docs.push(h);
            }
            let docs: Vec<Anchors> = docs
                .into_iter()
                .map(|mut h| {
                    h.sort_unstable();
                    h.dedup();
                    Anchors {
                        hashes: h,
                        tau: tau_global,
                        dense: Vec::new(),
                    }
                })
                .collect();
            let with: Vec<(u32, &Anchors)> = docs.iter().zip(0..).map(|(a, i)| (i, a)).collect();
            let want = all_pairs(&docs, 0.8, tau_global);
            let table = postings_of(&with, |a| &a.hashes[..], true);
            for rare_df in [1, 2, 3] {
                let keyed = docs
                    .iter()
                    .filter(|a| {
                        let classes = classes_of(&a.hashes, &table);
                        probe_of(&classes, a.hashes.len(), 0.8, rare_df, 1000).has_keys()
                    })
                    .count();
                assert!(
                    keyed > docs.len() / 4,
                    "seed {seed}: {keyed} probe with keys"
                );
                // Pairs of classes listed, or looked up class by class.
                // Pairs of classes listed, or looked up class by class; the
                // keyed sorts in memory, or spilling a few records at a time.
                for paired_max in [MAX_PAIRED_CLASSES, 2] {
                    for spill in [Spill::in_memory(), Spill::past(64)] {
                        let got =
                            found_both_ways(&docs, 0.8, tau_global, rare_df, paired_max, &spill);
                        assert_eq!(got, want, "seed {seed}, rare_df {rare_df}, {paired_max}");
                    }
                }
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

    /// Documents made of shingles over the whole hash range, sampled as the
    /// signer samples them (with their dense tiers): long ones, short ones
    /// sampled above the global threshold (some below the dense limit, some
    /// past it), assembled from recurring paragraphs, with truncated
    /// copies. The pairs found are exactly those the all-pairs check
    /// accepts, lent or owned, through pair keys or single anchors, and the
    /// dense count rules out some pairs the anchors alone would accept.
    #[test]
    fn the_dense_count_keeps_the_all_pairs_answer() {
        let tau_global = u64::MAX / 16;
        let mut denser = 0;
        for seed in 0..10u64 {
            let mut next = numbers(seed + 100);
            let paragraphs: Vec<Vec<u64>> = (0..24)
                .map(|_| (0..20 + next() % 60).map(|_| next()).collect())
                .collect();
            let mut docs: Vec<Vec<u64>> = Vec::new();
            for i in 0..70 {
                let h: Vec<u64> = if i > 10 && next().is_multiple_of(3) {
                    let mut h = docs[(next() % docs.len() as u64) as usize].clone();
                    let keep = h.len() * (50 + (next() % 50) as usize) / 100;
                    h.truncate(keep.max(1));
                    h
                } else {
                    let mut h: Vec<u64> = (0..next() % 40).map(|_| next()).collect();
                    for _ in 0..1 + next() % 6 {
                        h.extend(&paragraphs[(next() % 24) as usize]);
                    }
                    h
                };
                docs.push(h);
            }
            let docs: Vec<Anchors> = docs
                .iter()
                .map(|h| {
                    let mut h = h.clone();
                    h.sort_unstable();
                    h.dedup();
                    Anchors::sample(&h, tau_global, 16)
                })
                .collect();
            assert!(docs.iter().any(|a| a.tau > dense_limit(tau_global)));
            assert!(docs
                .iter()
                .any(|a| a.tau > tau_global && a.tau < dense_limit(tau_global)));
            for threshold in [0.5, 0.8] {
                let want = all_pairs(&docs, threshold, tau_global);
                // Dense tiers set aside in memory, or (given up under a
                // budget) on disk.
                for (rare_df, paired_max) in [(RARE_DF, MAX_PAIRED_CLASSES), (1, 2)] {
                    for spill in [Spill::in_memory(), Spill::past(64)] {
                        let got = found_both_ways(
                            &docs, threshold, tau_global, rare_df, paired_max, &spill,
                        );
                        assert_eq!(got, want, "seed {seed}, threshold {threshold}");
                    }
                }
                let mut sparse = 0;
                for (i, a) in docs.iter().enumerate() {
                    for (j, b) in docs.iter().enumerate().skip(i + 1) {
                        let alone = anchors_alone(a, b, threshold);
                        let pair = (i as u32, j as u32);
                        assert!(alone || want.binary_search(&pair).is_err());
                        sparse += usize::from(alone);
                    }
                }
                denser += sparse - want.len();
            }
        }
        assert!(denser > 0, "the dense count never ruled a pair out");
    }

    /// [`plausible_anchors`] below both thresholds only, as if there were
    /// no dense tier.
    fn anchors_alone(a: &Anchors, b: &Anchors, threshold: f64) -> bool {
        let limit = a.tau.min(b.tau);
        let (na, nb) = (a.count_below(limit), b.count_below(limit));
        plausible_below(&a.hashes[..na], na, &b.hashes[..nb], nb, threshold)
    }

    /// What the dense tier is for: a page of 200 shingles that shares a
    /// third of them with a long document passes the check of its dozen
    /// comparable anchors about half of the time, and the dense count
    /// rarely; a page that is 85 % inside the long one passes both.
    #[test]
    fn the_dense_count_rules_out_pages_that_share_a_third() {
        let tau_global = u64::MAX / 16;
        let trials = 400;
        let (mut sparse, mut dense, mut copies) = (0, 0, 0);
        let mut next = numbers(42);
        for _ in 0..trials {
            let long: Vec<u64> = (0..2000).map(|_| next()).collect();
            let page = |share: f64, next: &mut dyn FnMut() -> u64| {
                let inside = (200.0 * share) as usize;
                let mut h: Vec<u64> = long[..inside].to_vec();
                h.extend((inside..200).map(|_| next()));
                h.sort_unstable();
                h.dedup();
                Anchors::sample(&h, tau_global, 16)
            };
            let mut sorted = long.clone();
            sorted.sort_unstable();
            let long = Anchors::sample(&sorted, tau_global, 16);
            let third = page(0.35, &mut next);
            sparse += usize::from(anchors_alone(&third, &long, 0.8));
            dense += usize::from(plausible_anchors(&third, &long, 0.8, tau_global));
            let copy = page(0.85, &mut next);
            copies += usize::from(plausible_anchors(&copy, &long, 0.8, tau_global));
        }
        assert!(sparse > trials / 4, "anchors alone accepted {sparse}");
        assert!(dense * 5 < sparse, "dense {dense} of sparse {sparse}");
        assert!(copies * 100 >= trials * 99, "copies {copies} of {trials}");
    }

    #[test]
    fn the_dense_tier_holds_the_shingles_up_to_its_limit() {
        let tau_global = u64::MAX / 16;
        let end = dense_limit(tau_global);
        let mut next = numbers(3);
        for n in [5usize, 40, 300, 3000] {
            let mut h: Vec<u64> = (0..n).map(|_| next()).collect();
            h.sort_unstable();
            let a = Anchors::sample(&h, tau_global, 16);
            let mut want: Vec<u16> = h
                .iter()
                .filter(|&&x| x >= a.tau && x < end)
                .map(|&x| dense_key(x))
                .collect();
            want.sort_unstable();
            assert_eq!(a.dense, want, "{n} shingles");
            if a.tau == tau_global {
                assert_eq!(
                    a,
                    Anchors::at_global(&h[..h.partition_point(|&x| x < end)], tau_global)
                );
            }
        }
    }
}
