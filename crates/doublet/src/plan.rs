//! The plan of a run: everything the stages derive from a [`Config`], worked
//! out once.
//!
//! Stages take a `&Plan`, never a bare `Config`, so that two front ends (the
//! command line, Python, a Spark executor, the index) that start from the
//! same configuration sign, band and sample documents alike. A plan is cheap
//! to clone and holds no per-document state.

use crate::align::AlignParams;
use crate::config::Config;
use crate::error::Result;
use crate::group::Thresholds;
use crate::seeds::{self, Seeds};

/// What the stages derive from a validated [`Config`].
#[derive(Clone, Debug)]
pub struct Plan {
    /// The validated configuration the plan was made from.
    pub config: Config,
    /// Hash seeds, one per purpose ([`crate::seeds`]).
    pub seeds: Seeds,
    /// The sketch format this plan writes and reads ([`seeds::FORMAT`]).
    pub format: u32,
    /// LSH bands.
    pub bands: usize,
    /// Rows per LSH band.
    pub rows: usize,
    /// Containment anchors: every re-mixed shingle hash below this is one.
    pub anchor_tau: u64,
    /// Winnowing window (in shingles) for shared-passage fingerprints;
    /// `None` when passages are off.
    pub winnow: Option<usize>,
    /// Thresholds that make a measured pair a duplicate.
    pub thresholds: Thresholds,
    /// The aligner's parameters for shared passages.
    pub align: AlignParams,
}

impl Plan {
    /// The plan for `config` (validated here).
    pub fn new(config: Config) -> Result<Plan> {
        let config = config.validated()?;
        let (bands, rows) = config.lsh();
        Ok(Plan {
            seeds: Seeds::new(config.seed),
            format: seeds::FORMAT,
            bands,
            rows,
            anchor_tau: u64::MAX / config.anchor_rate,
            winnow: (config.min_passage > 0).then(|| config.min_passage + 1 - config.ngram),
            thresholds: Thresholds {
                jaccard: config.threshold,
                containment: config.containment,
                written: (config.containment - config.written_margin).max(0.0),
            },
            align: AlignParams {
                seed: config.ngram,
                max_gap: config.passage_gap,
                min_tokens: config.min_passage,
                rewrites: true,
            },
            config,
        })
    }

    /// Whether sketches made under `other` can be compared with sketches
    /// made under this plan: same format, seeds, n-gram length, signature
    /// size, anchor sampling and fingerprint window.
    pub fn compatible(&self, other: &Plan) -> bool {
        let (a, b) = (&self.config, &other.config);
        self.format == other.format
            && self.seeds == other.seeds
            && a.ngram == b.ngram
            && a.num_perm == b.num_perm
            && self.anchor_tau == other.anchor_tau
            && a.anchor_min == b.anchor_min
            && self.winnow == other.winnow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_derives_once_what_stages_need() {
        let p = Plan::new(Config::default()).unwrap();
        assert_eq!(
            (p.bands, p.rows),
            Config::default().validated().unwrap().lsh()
        );
        assert_eq!(p.anchor_tau, u64::MAX / 16);
        assert_eq!(p.winnow, Some(12 + 1 - 5));
        assert!(p.compatible(&p.clone()));
        let other = Plan::new(Config {
            seed: 7,
            ..Config::default()
        })
        .unwrap();
        assert!(!p.compatible(&other));
        let off = Plan::new(Config {
            min_passage: 0,
            ..Config::default()
        })
        .unwrap();
        assert_eq!(off.winnow, None);
    }

    #[test]
    fn an_invalid_config_makes_no_plan() {
        assert!(Plan::new(Config {
            threshold: 2.0,
            ..Config::default()
        })
        .is_err());
    }
}
