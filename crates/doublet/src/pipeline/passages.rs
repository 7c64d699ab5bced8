//! Shared passages, reuse clusters and cross-document paragraph dedup
//! between kept documents.

use rayon::prelude::*;

use crate::align::AlignParams;
use crate::clean::{Evidence, Status};
use crate::config::Config;
use crate::group::Verified;
use crate::report::{Holder, Passage, ReuseCluster};
use crate::seeds::Seeds;
use crate::text::shingle;
use crate::{align, group, index, verify, Scanner, Span};

use super::analyse::Content;
use super::sign::Sketch;

impl Scanner {
    /// Pairs of kept documents that share passages without being duplicates.
    pub(super) fn shared_passages(
        &self,
        sketches: &[Sketch],
        decisions: &[group::Decision],
        related: &[Verified],
        reused: &[Vec<Clustered>],
    ) -> Vec<Reuse> {
        let cfg = &self.config;
        // Fingerprints inside a paragraph that a reuse cluster reports
        // propose no pairs: that sharing is listed once, with its holders.
        let outside = |d: usize| -> Vec<(u64, u32)> {
            let inside = |p: u32| {
                let end = p + cfg.ngram as u32;
                reused
                    .get(d)
                    .is_some_and(|r| r.iter().any(|c| c.start <= p && end <= c.end))
            };
            sketches[d]
                .fingerprints
                .iter()
                .copied()
                .filter(|&(_, p)| !inside(p))
                .collect()
        };
        let fingerprints: Vec<(u32, Vec<(u64, u32)>)> = (0..self.docs.len())
            .into_par_iter()
            .filter(|&d| decisions[d].kept() && sketches[d].exact.is_some())
            .map(|d| (d as u32, outside(d)))
            .collect();
        let kept: Vec<(u32, &[(u64, u32)])> = fingerprints
            .iter()
            .map(|(d, f)| (*d, f.as_slice()))
            .collect();
        let mut known: Vec<(u32, u32)> = related
            .iter()
            .map(|v| (v.a.min(v.b), v.a.max(v.b)))
            .collect();
        known.sort_unstable();
        // A shared fingerprint proves only a shared n-gram; keep the pair if
        // the words around it agree along the same diagonal for at least a
        // passage's length less AGREEMENT_SLACK.
        let (k, radius) = (cfg.ngram as isize, cfg.min_passage as isize);
        let need = cfg
            .min_passage
            .saturating_sub(AGREEMENT_SLACK)
            .max(cfg.ngram);
        let agree = |a: u32, pa: u32, b: u32, pb: u32| {
            let (ta, tb) = (&self.docs[a as usize].tokens, &self.docs[b as usize].tokens);
            let (pa, pb) = (pa as isize, pb as isize);
            let lo = (-radius).max(-pa).max(-pb);
            let hi = (radius + k)
                .min(ta.len() as isize - pa)
                .min(tb.len() as isize - pb);
            (lo..hi)
                .filter(|&d| ta[(pa + d) as usize] == tb[(pb + d) as usize])
                .count()
                >= need
        };
        // Passages inside a clustered paragraph on both sides are that
        // cluster's, already reported once.
        let within = |d: u32, x: Span| {
            reused.get(d as usize).is_some_and(|r| {
                r.iter()
                    .any(|c| c.span.start <= x.start && x.end <= c.span.end)
            })
        };
        let candidates: Vec<(u32, u32)> = index::passage_pairs(&kept, cfg.passage_max_df, agree)
            .into_iter()
            .filter(|p| known.binary_search(p).is_err())
            .collect();
        let seeds = Seeds::new(cfg.seed);
        let params = align_params(cfg);
        let mut found: Vec<Reuse> = candidates
            .par_iter()
            .filter_map(|&(a, b)| {
                // Alignment is not symmetric: A is always the smaller id, so
                // the passages do not depend on input order.
                let (a, b) = if self.docs[a as usize].id <= self.docs[b as usize].id {
                    (a, b)
                } else {
                    (b, a)
                };
                let (da, db) = (&self.docs[a as usize], &self.docs[b as usize]);
                let (ca, cb) = (da.content_with_offsets(), db.content_with_offsets());
                let mut passages = passages_between(&ca, &cb, params, None);
                // Passages inside a clustered paragraph on both sides are
                // that cluster's, already reported once.
                passages.retain(|p| !(within(a, p.a) && within(b, p.b)));
                if passages.is_empty() {
                    return None;
                }
                let sa = shingle::shingle_set(&ca.tokens, cfg.ngram, seeds.shingle);
                let sb = shingle::shingle_set(&cb.tokens, cfg.ngram, seeds.shingle);
                Some(Reuse {
                    a,
                    b,
                    overlap: verify::measure(&sa, &sb),
                    passages,
                })
            })
            .collect();
        found.sort_by(|x, y| {
            (&self.docs[x.a as usize].id, &self.docs[x.b as usize].id)
                .cmp(&(&self.docs[y.a as usize].id, &self.docs[y.b as usize].id))
        });
        found
    }

    /// Paragraphs that three or more kept documents hold word for word (at
    /// least `min_passage` words): each is one reuse cluster with every
    /// holder, so a paragraph in 80 documents costs 80 entries, not 3,160
    /// pairs. Also returns, per document, the token ranges of its clustered
    /// paragraphs.
    pub(super) fn reuse_clusters(
        &self,
        sketches: &[Sketch],
        decisions: &[group::Decision],
    ) -> (Vec<ReuseCluster>, Vec<Vec<Clustered>>) {
        let cfg = &self.config;
        let docs = &self.docs;
        let mut postings: Vec<(u64, u32, u32)> = (0..docs.len())
            .into_par_iter()
            .filter(|&d| decisions[d].kept() && sketches[d].exact.is_some())
            .flat_map_iter(|d| {
                let mut own: Vec<(u64, u32, u32)> = docs[d]
                    .blocks
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| {
                        b.status.is_content() && (b.end - b.start) as usize >= cfg.min_passage
                    })
                    .map(|(i, b)| (b.key, d as u32, i as u32))
                    .collect();
                // One holding per document: its first copy.
                own.sort_unstable();
                own.dedup_by_key(|e| e.0);
                own
            })
            .collect();
        postings.par_sort_unstable();
        let mut clusters: Vec<(Vec<(u32, u32)>, usize)> = postings
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|run| run.len() >= REUSE_MIN_HOLDERS)
            .map(|run| {
                let mut holders: Vec<(u32, u32)> = run.iter().map(|e| (e.1, e.2)).collect();
                holders.sort_by(|x, y| docs[x.0 as usize].id.cmp(&docs[y.0 as usize].id));
                let b = &docs[run[0].1 as usize].blocks[run[0].2 as usize];
                (holders, (b.end - b.start) as usize)
            })
            .collect();
        drop(postings);
        let first = |c: &(Vec<(u32, u32)>, usize)| {
            let (d, b) = c.0[0];
            (
                &docs[d as usize].id,
                docs[d as usize].blocks[b as usize].span.start,
            )
        };
        clusters.sort_by(|x, y| first(x).cmp(&first(y)));
        let mut ranges: Vec<Vec<Clustered>> = vec![Vec::new(); docs.len()];
        let report = clusters
            .into_iter()
            .enumerate()
            .map(|(id, (holders, words))| ReuseCluster {
                id,
                words,
                holders: holders
                    .into_iter()
                    .map(|(d, b)| {
                        let block = &docs[d as usize].blocks[b as usize];
                        ranges[d as usize].push(Clustered {
                            start: block.start,
                            end: block.end,
                            span: block.span,
                        });
                        Holder {
                            id: docs[d as usize].id.clone(),
                            start: block.span.start,
                            end: block.span.end,
                        }
                    })
                    .collect(),
                text: None,
            })
            .collect();
        (report, ranges)
    }

    /// Cross-document paragraph deduplication: visiting kept documents in
    /// keep order, a content paragraph (of at least `repeat_min_words`
    /// words) that an earlier one holds is removed, pointing at the holder.
    pub(super) fn dedup_paragraphs(&mut self, order: &[u32], decisions: &[group::Decision]) {
        let min = self.config.clean.repeat_min_words;
        let mut rank = vec![u32::MAX; self.docs.len()];
        for (p, &d) in order.iter().enumerate() {
            rank[d as usize] = p as u32;
        }
        // (key, rank of the document, block) of every eligible paragraph.
        let docs = &self.docs;
        let mut postings: Vec<(u64, u32, u32)> = (0..docs.len())
            .into_par_iter()
            .filter(|&d| decisions[d].kept())
            .flat_map_iter(|d| {
                let rank = rank[d];
                docs[d]
                    .blocks
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.status.is_content() && (b.end - b.start) as usize >= min)
                    .map(move |(i, b)| (b.key, rank, i as u32))
            })
            .collect();
        postings.par_sort_unstable();
        let mut later: Vec<(u32, u32, Evidence)> = Vec::new();
        for run in postings.chunk_by(|x, y| x.0 == y.0) {
            let (first_rank, first_block) = (run[0].1, run[0].2);
            let keeper = order[first_rank as usize] as usize;
            for e in run.iter().filter(|e| e.1 != first_rank) {
                let holder = &docs[keeper];
                later.push((
                    order[e.1 as usize],
                    e.2,
                    Evidence::DuplicateParagraph {
                        of: holder.id.clone(),
                        first: holder.blocks[first_block as usize].span,
                    },
                ));
            }
        }
        drop(postings);
        for (d, b, evidence) in later {
            self.docs[d as usize].blocks[b as usize].status = Status::Removed(evidence);
        }
    }
}

/// Words around a shared fingerprint that may disagree before a pair is
/// dropped without alignment. Measured on the generated 10k corpus (where
/// word-chain text shares 8–11 word runs everywhere): slack 1 keeps 94.8 % of
/// the pairs that slack 4 finds, at a fifth of the alignment time; slack 0
/// keeps 92.7 %. The pairs lost are minimal-length passages with an edit next
/// to their only fingerprint; `compare` aligns whole documents and finds them.
pub(super) const AGREEMENT_SLACK: usize = 1;

/// A paragraph of one document that a reuse cluster reports: its token range
/// and byte span.
#[derive(Clone, Copy, Debug)]
pub(super) struct Clustered {
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) span: Span,
}

/// Kept documents that must hold one paragraph for it to be reported once as
/// a reuse cluster rather than as pairs.
pub(super) const REUSE_MIN_HOLDERS: usize = 3;

/// Two kept documents that share passages.
pub(super) struct Reuse {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) overlap: verify::Overlap,
    pub(super) passages: Vec<Passage>,
}

pub(super) fn align_params(cfg: &Config) -> AlignParams {
    AlignParams {
        seed: cfg.ngram,
        max_gap: cfg.passage_gap,
        min_tokens: cfg.min_passage,
    }
}

/// Aligned passages between two token sequences, as byte spans (and the
/// passage text when A's original text is given).
pub(super) fn passages_between(
    ca: &Content,
    cb: &Content,
    params: AlignParams,
    text_a: Option<&str>,
) -> Vec<Passage> {
    if ca.offsets.len() != ca.tokens.len() || cb.offsets.len() != cb.tokens.len() {
        return Vec::new(); // offsets were not recorded (passages off, or a text over 4 GB)
    }
    let span = |o: &[(u32, u32)], r: &std::ops::Range<usize>| {
        Span::new(o[r.start].0 as usize, o[r.end - 1].1 as usize)
    };
    align::align_sequences(ca.sequence(), cb.sequence(), params)
        .into_iter()
        .map(|t| {
            let a = span(&ca.offsets, &t.a);
            Passage {
                a,
                b: span(&cb.offsets, &t.b),
                tokens: t.a.len(),
                text: text_a
                    .and_then(|x| x.get(a.start..a.end))
                    .map(str::to_owned),
            }
        })
        .collect()
}
