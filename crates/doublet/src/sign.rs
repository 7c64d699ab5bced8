//! Signing: a document's content tokens into its [`DocSketch`], the
//! comparison-ready summary every candidate source reads.
//!
//! A sketch is what the engine keeps of a document once it is signed, and
//! what crosses process boundaries: a Spark executor signs its partition and
//! sends sketches, a persistent index stores them. It therefore has a
//! versioned binary form ([`DocSketch::to_bytes`], format
//! [`seeds::FORMAT`]) besides its serde form; two sketches are comparable
//! only when made under [compatible](crate::Plan::compatible) plans.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use crate::error::{Error, Result};
use crate::index::{self, Anchors};
use crate::plan::Plan;
use crate::seeds;
use crate::sketch::{Signature, Sketcher};
use crate::text::shingle::{self, mix64};

/// The comparison-ready summary of one document's content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSketch {
    /// Content words.
    pub words: u32,
    /// 128-bit hash of the content token sequence; `None` when empty.
    pub exact: Option<u128>,
    /// MinHash signature of the content shingles; `None` when empty.
    pub signature: Option<Signature>,
    /// Containment anchors (consistent sample of the shingles).
    pub anchors: Anchors,
    /// Winnowed shingle fingerprints for shared passages: (hash, position of
    /// the n-gram in the document's full token sequence), sorted by hash;
    /// empty when passages are off.
    pub fingerprints: Vec<(u64, u32)>,
}

/// Signs documents under one plan; holds per-thread scratch space, so make
/// one per thread (`rayon`'s `map_init`).
#[derive(Clone, Debug)]
pub struct Signer {
    sketcher: Sketcher,
    ngram: usize,
    shingle_seed: u64,
    anchor_seed: u64,
    anchor_tau: u64,
    anchor_min: usize,
    winnow: Option<usize>,
    mixed: Vec<u64>,
    below: Vec<u64>,
}

impl Signer {
    /// A signer for `plan`.
    pub fn new(plan: &Plan) -> Signer {
        Signer {
            sketcher: Sketcher::new(plan.config.num_perm, plan.seeds.minhash),
            ngram: plan.config.ngram,
            shingle_seed: plan.seeds.shingle,
            anchor_seed: plan.seeds.anchor,
            anchor_tau: plan.anchor_tau,
            anchor_min: plan.config.anchor_min,
            winnow: plan.winnow,
            mixed: Vec::new(),
            below: Vec::new(),
        }
    }

    /// The sketch of a document whose content is `tokens` (32-bit word
    /// hashes, [`crate::text::shingle::token`]). `positions`, when
    /// given, maps each content token to its position in the document's
    /// full token sequence (content after cleaning skips removed blocks), so
    /// that fingerprints point into the full sequence; without it they point
    /// into `tokens`.
    pub fn sign(&mut self, tokens: &[u32], positions: Option<&[u32]>) -> DocSketch {
        if tokens.is_empty() {
            return DocSketch::default();
        }
        let (seed, anchor_seed) = (self.shingle_seed, self.anchor_seed);
        let mixed = &mut self.mixed;
        mixed.clear();
        // One pass over the shingles feeds the signature (repeats are
        // harmless there) and collects the re-mixed hashes that anchors and
        // fingerprints are drawn from.
        let signature = self
            .sketcher
            .sign(shingle::shingles(tokens, self.ngram, seed).inspect(|&h| {
                mixed.push(mix64(h ^ anchor_seed));
            }));
        let fingerprints = match self.winnow {
            Some(w) => {
                let mut f = index::winnow(mixed, w);
                if let Some(full) = positions {
                    for e in f.iter_mut() {
                        e.1 = full[e.1 as usize];
                    }
                }
                f
            }
            None => Vec::new(),
        };
        let tau = self.anchor_tau;
        // Gathered in scratch space and copied out at their size: a scan
        // holds every document's anchors through the candidates, and grown
        // in place they took a third more room than they fill.
        let end = index::dense_limit(tau);
        let below = &mut self.below;
        below.clear();
        below.extend(mixed.iter().copied().filter(|&h| h < end));
        below.sort_unstable();
        below.dedup();
        let anchors = if below.partition_point(|&h| h < tau) >= self.anchor_min {
            Anchors::at_global(below, tau)
        } else {
            // Too few below the global threshold: take the smallest hashes.
            mixed.sort_unstable();
            mixed.dedup();
            Anchors::sample(mixed, tau, self.anchor_min)
        };
        DocSketch {
            words: tokens.len() as u32,
            exact: Some(exact_key(tokens)),
            signature,
            anchors,
            fingerprints,
        }
    }
}

/// The exact key of a token sequence.
pub fn exact_key(tokens: &[u32]) -> u128 {
    let bytes: Vec<u8> = tokens.iter().flat_map(|t| t.to_le_bytes()).collect();
    xxh3_128(&bytes)
}

/// The binary form's first bytes.
const MAGIC: &[u8; 4] = b"DSK\x01";

impl DocSketch {
    /// The sketch in its binary form: `DSK\x01`, the format (u32), then the
    /// fields in order, little-endian, each list preceded by its length
    /// (u32) and each optional field by a presence byte.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&seeds::FORMAT.to_le_bytes());
        out.extend_from_slice(&self.words.to_le_bytes());
        match self.exact {
            Some(k) => {
                out.push(1);
                out.extend_from_slice(&k.to_le_bytes());
            }
            None => out.push(0),
        }
        match &self.signature {
            Some(s) => {
                out.push(1);
                out.extend_from_slice(&(s.values().len() as u32).to_le_bytes());
                s.values()
                    .iter()
                    .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
            None => out.push(0),
        }
        out.extend_from_slice(&self.anchors.tau.to_le_bytes());
        out.extend_from_slice(&(self.anchors.hashes.len() as u32).to_le_bytes());
        self.anchors
            .hashes
            .iter()
            .for_each(|h| out.extend_from_slice(&h.to_le_bytes()));
        out.extend_from_slice(&(self.anchors.dense.len() as u32).to_le_bytes());
        self.anchors
            .dense
            .iter()
            .for_each(|k| out.extend_from_slice(&k.to_le_bytes()));
        out.extend_from_slice(&(self.fingerprints.len() as u32).to_le_bytes());
        for &(h, p) in &self.fingerprints {
            out.extend_from_slice(&h.to_le_bytes());
            out.extend_from_slice(&p.to_le_bytes());
        }
        out
    }

    /// Bytes of the binary form.
    pub fn encoded_len(&self) -> usize {
        let sig = self
            .signature
            .as_ref()
            .map_or(0, |s| 4 + 4 * s.values().len());
        4 + 4
            + 4
            + 1
            + self.exact.map_or(0, |_| 16)
            + 1
            + sig
            + 8
            + 4
            + 8 * self.anchors.hashes.len()
            + 4
            + 2 * self.anchors.dense.len()
            + 4
            + 12 * self.fingerprints.len()
    }

    /// Read a sketch written by [`to_bytes`](Self::to_bytes). Refuses
    /// another format, a truncated or over-long buffer, and lists that
    /// break the sketch's invariants (unsorted anchors or fingerprints).
    pub fn from_bytes(bytes: &[u8]) -> Result<DocSketch> {
        let mut r = Reader::new(bytes);
        if r.take(4)? != MAGIC {
            return Err(malformed("not a doublet sketch"));
        }
        let format = r.u32()?;
        if format != seeds::FORMAT {
            return Err(malformed(format!(
                "sketch format {format}, this build reads format {}",
                seeds::FORMAT
            )));
        }
        let words = r.u32()?;
        let exact = match r.flag()? {
            true => Some(u128::from_le_bytes(r.take(16)?.try_into().unwrap())),
            false => None,
        };
        let signature = match r.flag()? {
            true => {
                let n = r.len(4)?;
                let values = (0..n).map(|_| r.u32()).collect::<Result<Vec<u32>>>()?;
                Some(Signature::from_values(values))
            }
            false => None,
        };
        let tau = r.u64()?;
        let n = r.len(8)?;
        let hashes = (0..n).map(|_| r.u64()).collect::<Result<Vec<u64>>>()?;
        let n = r.len(2)?;
        let dense = (0..n)
            .map(|_| Ok(u16::from_le_bytes(r.take(2)?.try_into().unwrap())))
            .collect::<Result<Vec<u16>>>()?;
        let n = r.len(12)?;
        let fingerprints = (0..n)
            .map(|_| Ok((r.u64()?, r.u32()?)))
            .collect::<Result<Vec<(u64, u32)>>>()?;
        if r.at != bytes.len() {
            return Err(malformed(format!(
                "{} bytes after the end of the sketch",
                bytes.len() - r.at
            )));
        }
        if !hashes.windows(2).all(|w| w[0] < w[1]) {
            return Err(malformed("anchors are not sorted and distinct"));
        }
        if !dense.is_sorted() {
            return Err(malformed("dense anchor keys are not sorted"));
        }
        if !fingerprints.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err(malformed("fingerprints are not sorted and distinct"));
        }
        Ok(DocSketch {
            words,
            exact,
            signature,
            anchors: Anchors { hashes, tau, dense },
            fingerprints,
        })
    }
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::Sketch(reason.into())
}

/// Little-endian fields read in order from a byte buffer, refusing to run
/// past its end: what the binary forms of sketches and of the scanner's
/// block tables are read with.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    /// Whether every byte was read.
    pub(crate) fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| malformed(format!("truncated at byte {}", self.at)))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn flag(&mut self) -> Result<bool> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(malformed(format!(
                "presence byte {b} at byte {}",
                self.at - 1
            ))),
        }
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    /// A list length, checked against the bytes left so that a corrupt
    /// length cannot ask for a huge allocation.
    pub(crate) fn len(&mut self, item: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(item) > self.bytes.len() - self.at {
            return Err(malformed(format!(
                "a list of {n} items at byte {} runs past the end",
                self.at - 4
            )));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::text::shingle::token;
    use proptest::prelude::*;

    fn tokens(text: &str) -> Vec<u32> {
        text.split_whitespace().map(token).collect()
    }

    fn story() -> Vec<u32> {
        tokens(
            "the minister met his counterpart on friday and said that the talks had made \
             a little progress on the ceasefire while officials in both capitals said \
             that a further meeting would be held in geneva next week to settle the rest",
        )
    }

    #[test]
    fn a_sketch_survives_its_binary_form() {
        let plan = Plan::new(Config::default()).unwrap();
        let s = Signer::new(&plan).sign(&story(), None);
        assert!(s.signature.is_some() && !s.anchors.hashes.is_empty());
        assert!(!s.fingerprints.is_empty());
        let bytes = s.to_bytes();
        assert_eq!(bytes.len(), s.encoded_len());
        assert_eq!(DocSketch::from_bytes(&bytes).unwrap(), s);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<DocSketch>(&json).unwrap(), s);
        let empty = Signer::new(&plan).sign(&[], None);
        assert_eq!(DocSketch::from_bytes(&empty.to_bytes()).unwrap(), empty);
    }

    #[test]
    fn damaged_binary_forms_are_refused_with_a_reason() {
        let plan = Plan::new(Config::default()).unwrap();
        let bytes = Signer::new(&plan).sign(&story(), None).to_bytes();
        for cut in [0, 3, 9, bytes.len() / 2, bytes.len() - 1] {
            let e = DocSketch::from_bytes(&bytes[..cut]).unwrap_err();
            assert!(matches!(e, Error::Sketch(_)), "{cut}: {e}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(DocSketch::from_bytes(&longer)
            .unwrap_err()
            .to_string()
            .contains("after the end"));
        let mut other = bytes.clone();
        other[4] = 99;
        assert!(DocSketch::from_bytes(&other)
            .unwrap_err()
            .to_string()
            .contains("format 99"));
    }

    #[test]
    fn signing_depends_on_the_plan_seed_only_through_seeds() {
        let a = Plan::new(Config::default()).unwrap();
        let b = Plan::new(Config {
            seed: 99,
            ..Config::default()
        })
        .unwrap();
        let (sa, sb) = (
            Signer::new(&a).sign(&story(), None),
            Signer::new(&b).sign(&story(), None),
        );
        // The exact key is the content's, under every seed.
        assert_eq!(sa.exact, sb.exact);
        assert_ne!(sa.signature, sb.signature);
        assert_eq!(Signer::new(&a).sign(&story(), None), sa);
    }

    proptest! {
        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = DocSketch::from_bytes(&bytes);
        }

        #[test]
        fn any_token_sequence_round_trips(words in proptest::collection::vec(0u32..50, 0..200)) {
            let plan = Plan::new(Config::default()).unwrap();
            let s = Signer::new(&plan).sign(&words, None);
            prop_assert_eq!(DocSketch::from_bytes(&s.to_bytes()).unwrap(), s);
        }
    }
}
