//! Candidate sources: which pairs of signed documents are worth measuring,
//! behind one interface.
//!
//! Every source reads [`DocSketch`]es only, so the same code proposes pairs
//! inside one scan, across the partitions of a Spark job, or between a new
//! crawl and a persistent index. Exact copies are not a source but a
//! collapse that runs first ([`exact_groups`]): identical documents share
//! one representative, so a thousand copies cost one document downstream.
//! The sources (their algorithms are in [`crate::index`]):
//!
//! | source | finds | reads |
//! |---|---|---|
//! | [`Bands`] | near-duplicates (Jaccard) | MinHash signature |
//! | [`Anchored`] | one document contained in another | anchors |
//! | [`Fingerprints`] | shared passages | winnowed fingerprints |
//!
//! Each returns its pairs sorted and once each, with the smaller position
//! first; [`index::merge`] merges their lists.

use crate::error::{Error, Result};
use crate::index::{self, Anchors, Given};
pub use crate::index::{exact_groups, Pair};
use crate::keyed::Spill;
use crate::plan::Plan;
use crate::sign::DocSketch;

/// A source of candidate pairs.
pub trait Source: Sync {
    /// A short name for the source (for logs and statistics).
    fn name(&self) -> &'static str;

    /// Candidate pairs among `docs` (a document position and its sketch),
    /// sorted and without repeats, each as `(smaller, larger)` position.
    /// Fails only when a keyed step's spill file cannot be written or read
    /// ([`crate::keyed`]).
    fn propose(&self, docs: &[(u32, &DocSketch)]) -> Result<Vec<Pair>>;
}

/// Near-duplicates: MinHash LSH bands ([`index::band_pairs`]).
#[derive(Clone, Copy, Debug)]
pub struct Bands {
    /// Bands per signature.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Buckets with more members pair each member only with its next ones
    /// in exact-key order (see [`index::band_pairs`]).
    pub max_bucket: usize,
}

impl Bands {
    /// The bands of `plan`.
    pub fn new(plan: &Plan) -> Bands {
        Bands {
            bands: plan.bands,
            rows: plan.rows,
            max_bucket: plan.config.max_bucket,
        }
    }
}

impl Source for Bands {
    fn name(&self) -> &'static str {
        "bands"
    }

    fn propose(&self, docs: &[(u32, &DocSketch)]) -> Result<Vec<Pair>> {
        let signed: Vec<_> = docs
            .iter()
            .filter_map(|&(d, s)| {
                let sig = s.signature.as_ref()?;
                Some((d, sig, s.exact.unwrap_or(0)))
            })
            .collect();
        Ok(index::band_pairs(
            &signed,
            self.bands,
            self.rows,
            self.max_bucket,
        ))
    }
}

/// Near-duplicates from band keys computed when the documents were signed
/// (see [`BandKeys::of`]), so that the 128 bin values of every signature
/// need not be held until the candidates are found: the same pairs as
/// [`Bands`] over the signatures the keys came from.
#[derive(Clone, Debug, Default)]
pub struct BandKeys {
    /// `bands` keys for each position that has a signature, in order.
    keys: Vec<u64>,
    /// Where each position's keys start in `keys` (`u32::MAX`: no
    /// signature).
    at: Vec<u32>,
    bands: usize,
    max_bucket: usize,
}

impl BandKeys {
    /// Room for the keys of `n` positions under `plan`.
    pub fn new(plan: &Plan, n: usize) -> BandKeys {
        BandKeys {
            keys: Vec::new(),
            at: vec![u32::MAX; n],
            bands: plan.bands,
            max_bucket: plan.config.max_bucket,
        }
    }

    /// The band keys of one signature under `plan`.
    pub fn of<'a>(
        plan: &Plan,
        signature: &'a crate::sketch::Signature,
    ) -> impl Iterator<Item = u64> + 'a {
        let (bands, rows) = (plan.bands, plan.rows);
        (0..bands).map(move |b| signature.band_key(b, rows))
    }

    /// Record position `d`'s keys (`bands` of them, from [`BandKeys::of`]).
    pub fn set(&mut self, d: u32, keys: impl Iterator<Item = u64>) {
        let at = self.keys.len();
        self.keys.extend(keys);
        assert_eq!(self.keys.len() - at, self.bands, "one key a band");
        self.at[d as usize] = u32::try_from(at / self.bands).expect("positions are 32-bit");
    }
}

impl Source for BandKeys {
    fn name(&self) -> &'static str {
        "bands"
    }

    fn propose(&self, docs: &[(u32, &DocSketch)]) -> Result<Vec<Pair>> {
        let exact: Vec<(u32, u128)> = docs
            .iter()
            .map(|&(d, s)| (d, s.exact.unwrap_or(0)))
            .collect();
        self.pairs(&exact)
    }
}

impl BandKeys {
    /// The pairs [`Source::propose`] gives, from what it reads of each
    /// sketch: the documents with their exact keys (which order a bucket's
    /// members).
    pub fn pairs(&self, docs: &[(u32, u128)]) -> Result<Vec<Pair>> {
        use rayon::prelude::*;
        let keyed =
            |&&(d, _): &&(u32, u128)| self.at.get(d as usize).is_some_and(|&a| a != u32::MAX);
        // The keys are gathered a slice of the key space at a time, so
        // that the list of every (key, position) is never held.
        let total = docs.iter().filter(keyed).count() * self.bands;
        let parts = total / BAND_KEYS_PART + 1;
        let part = |p: usize| -> Vec<(u64, u32)> {
            docs.par_iter()
                .filter(keyed)
                .flat_map_iter(|&(d, _)| {
                    let at = self.at[d as usize] as usize * self.bands;
                    self.keys[at..at + self.bands]
                        .iter()
                        .filter(move |&&k| index::band_key_part(k, parts) == p)
                        .map(move |&k| (k, d))
                })
                .collect()
        };
        let order = docs.iter().copied();
        Ok(index::pairs_of_band_keys(
            parts,
            part,
            order,
            self.max_bucket,
        ))
    }
}

/// Band keys gathered and sorted at a time by [`BandKeys`] (32 MB).
const BAND_KEYS_PART: usize = 1 << 21;

/// Containment: shared anchors that could reach the containment threshold
/// ([`index::anchor_pairs`]).
#[derive(Clone, Copy, Debug)]
pub struct Anchored {
    /// Anchors held by more documents propose nothing.
    pub max_df: usize,
    /// The containment threshold.
    pub containment: f64,
    /// The global anchor sampling threshold.
    pub tau: u64,
    /// Where the pair keys' sorts put what passes their budget.
    pub spill: Spill,
}

impl Anchored {
    /// The anchor source of `plan`.
    pub fn new(plan: &Plan) -> Anchored {
        Anchored {
            max_df: plan.config.anchor_max_df,
            containment: plan.config.containment,
            tau: plan.anchor_tau,
            spill: Spill::in_memory(),
        }
    }

    /// The same source, its sorts spilling as `spill` says.
    pub fn spilling(self, spill: Spill) -> Anchored {
        Anchored { spill, ..self }
    }

    /// What [`Source::propose`] gives for documents with these anchors,
    /// from anchors the caller gives up, so that those no other document
    /// holds are freed before the pairs are found ([`Given::Owned`]).
    pub fn propose_owned(&self, docs: Vec<(u32, Anchors)>) -> Result<Vec<Pair>> {
        self.pairs(Given::Owned(docs))
    }

    /// [`propose_owned`](Self::propose_owned) for anchors whose dense
    /// tiers were set aside as they were signed ([`Given::Aside`]).
    pub fn propose_aside(
        &self,
        docs: Vec<(u32, Anchors)>,
        dense: crate::keyed::Sorted<[u64; 2]>,
    ) -> Result<Vec<Pair>> {
        self.pairs(Given::Aside(docs, dense))
    }

    fn pairs(&self, docs: Given<'_>) -> Result<Vec<Pair>> {
        let (max_df, tau) = (self.max_df, self.tau);
        index::anchor_pairs(docs, max_df, self.containment, tau, &self.spill).map_err(Error::Spill)
    }
}

impl Source for Anchored {
    fn name(&self) -> &'static str {
        "anchors"
    }

    fn propose(&self, docs: &[(u32, &DocSketch)]) -> Result<Vec<Pair>> {
        let anchors: Vec<_> = docs.iter().map(|&(d, s)| (d, &s.anchors)).collect();
        self.pairs(Given::Lent(&anchors))
    }
}

/// Shared passages: documents sharing a winnowed fingerprint
/// ([`index::passage_pairs`]), where `keep(doc, position)` admits the
/// fingerprint and `agree(a, b, positions)` confirms the text around one of
/// the shared ones matches (`positions`: each one's position in `a` and in
/// `b`, `a < b`).
pub struct Fingerprints<K, A> {
    /// Fingerprints held by more documents are stock phrases and propose
    /// nothing.
    pub max_df: usize,
    /// Which fingerprints take part (all, for `|_, _| true`).
    pub keep: K,
    /// The local check of a shared fingerprint.
    pub agree: A,
}

impl<K, A> Source for Fingerprints<K, A>
where
    K: Fn(u32, u32) -> bool + Sync,
    A: Fn(u32, u32, &[(u32, u32)]) -> bool + Sync,
{
    fn name(&self) -> &'static str {
        "fingerprints"
    }

    fn propose(&self, docs: &[(u32, &DocSketch)]) -> Result<Vec<Pair>> {
        use crate::keyed::Sorter;
        let spill = Spill::in_memory();
        let postings: Sorter<[u64; 2]> = Sorter::new(&spill);
        postings.emit(docs, |&(d, s), out| {
            out.extend(
                s.fingerprints
                    .iter()
                    .map(|&(h, p)| index::fingerprint_record(h, d, p)),
            );
        });
        let postings = postings.finish().map_err(Error::Spill)?;
        index::passage_pairs(postings, self.max_df, &self.keep, &self.agree, &spill)
            .map_err(Error::Spill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::sign::Signer;
    use crate::text::shingle::token;

    fn sketch(plan: &Plan, text: &str) -> DocSketch {
        let t: Vec<u32> = text.split_whitespace().map(token).collect();
        Signer::new(plan).sign(&t, None)
    }

    #[test]
    fn each_source_finds_its_kind_of_pair_and_not_the_others() {
        let plan = Plan::new(Config::default()).unwrap();
        let words: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
        let whole = words.join(" ");
        let edited = words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 150 { "changed" } else { w.as_str() })
            .collect::<Vec<_>>()
            .join(" ");
        let part = words[..90].join(" ");
        let other: String = (0..300).map(|i| format!("x{i} ")).collect();
        let docs = [
            sketch(&plan, &whole),
            sketch(&plan, &edited),
            sketch(&plan, &part),
            sketch(&plan, &other),
        ];
        let refs: Vec<(u32, &DocSketch)> = docs.iter().zip(0..).map(|(s, i)| (i, s)).collect();
        let bands = Bands::new(&plan).propose(&refs).unwrap();
        assert_eq!(bands, [(0, 1)]);
        let anchored = Anchored::new(&plan).propose(&refs).unwrap();
        assert!(anchored.contains(&(0, 2)) && anchored.contains(&(1, 2)));
        assert!(anchored.iter().all(|&(_, b)| b != 3));
        let all = index::merge([bands.clone(), anchored.clone()]);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert!(all.contains(&(0, 1)) && all.contains(&(0, 2)));
        let fp = Fingerprints {
            max_df: 64,
            keep: |_, _| true,
            agree: |_: u32, _: u32, _: &[(u32, u32)]| true,
        };
        let shared = fp.propose(&refs).unwrap();
        assert!(shared.contains(&(0, 2)) && !shared.iter().any(|&(_, b)| b == 3));
        let none = Fingerprints {
            max_df: 64,
            keep: |_, _| false,
            agree: |_: u32, _: u32, _: &[(u32, u32)]| true,
        };
        assert!(none.propose(&refs).unwrap().is_empty());
    }

    #[test]
    fn band_keys_propose_what_the_signatures_propose() {
        // Small enough that the family of twenty copies is a giant bucket.
        let config = Config {
            max_bucket: 6,
            ..Config::default()
        };
        let plan = Plan::new(config).unwrap();
        let mut texts: Vec<String> = Vec::new();
        for family in 0..12 {
            let words: Vec<String> = (0..120).map(|i| format!("f{family}w{i}")).collect();
            for copy in 0..(2 + family * 3 / 2) {
                let mut w = words.clone();
                w[(copy * 37) % 120] = format!("edit{copy}");
                texts.push(w.join(" "));
            }
        }
        texts.push(String::new());
        let docs: Vec<DocSketch> = texts.iter().map(|t| sketch(&plan, t)).collect();
        // Positions with gaps, in an order other than their numbers.
        let refs: Vec<(u32, &DocSketch)> = docs
            .iter()
            .zip(0u32..)
            .map(|(s, i)| ((i * 7919) % 1009 * 3, s))
            .collect();
        let mut keys = BandKeys::new(&plan, 3 * 1009);
        for &(d, s) in &refs {
            if let Some(sig) = &s.signature {
                keys.set(d, BandKeys::of(&plan, sig));
            }
        }
        let stripped: Vec<(u32, DocSketch)> = refs
            .iter()
            .map(|&(d, s)| {
                let mut s = s.clone();
                s.signature = None;
                (d, s)
            })
            .collect();
        let stripped: Vec<(u32, &DocSketch)> = stripped.iter().map(|(d, s)| (*d, s)).collect();
        let from_signatures = Bands::new(&plan).propose(&refs).unwrap();
        assert!(from_signatures.len() > 100, "{}", from_signatures.len());
        assert_eq!(keys.propose(&stripped).unwrap(), from_signatures);
        // A subset proposes only among itself, as the signatures do.
        let half: Vec<(u32, &DocSketch)> = stripped.iter().copied().step_by(2).collect();
        let half_signed: Vec<(u32, &DocSketch)> = refs.iter().copied().step_by(2).collect();
        assert_eq!(
            keys.propose(&half).unwrap(),
            Bands::new(&plan).propose(&half_signed).unwrap()
        );
    }
}
