//! Shared passages, reuse clusters and cross-document paragraph dedup
//! between kept documents.

use rayon::prelude::*;

use crate::align::AlignParams;
use crate::clean::Evidence;
use crate::group::Verified;
use crate::report::{Holder, Passage, ReuseCluster};
use crate::text::shingle;
use crate::{align, group, index, verify, Scanner, Span};

use super::analyse::{Content, ContentRuns};
use super::store::Cache;
use crate::error::Error;
use crate::keyed::{Sorted, Sorter};

impl Scanner {
    /// Pairs of kept documents that share passages without being duplicates.
    /// `shared`: the fingerprints two or more kept documents hold, as
    /// sorted keyed records (from [`reuse_clusters`](Self::reuse_clusters)).
    pub(super) fn shared_passages(
        &self,
        shared: Sorted<[u64; 2]>,
        related: &[Verified],
        clusters: &Clusters,
    ) -> crate::Result<Vec<Reuse>> {
        let cfg = &self.plan.config;
        let reused = &clusters.ranges;
        // Fingerprints inside a paragraph that a reuse cluster reports
        // propose no pairs: that sharing is listed once, with its holders.
        let outside = |d: u32, p: u32| {
            let end = p + cfg.ngram as u32;
            !reused
                .get(d as usize)
                .is_some_and(|r| r.iter().any(|c| c.start <= p && end <= c.end))
        };
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
        let store = &self.store;
        let agree = |a: u32, b: u32, positions: &[(u32, u32)]| {
            let (mut ta, mut tb) = (Vec::new(), Vec::new());
            store.tokens(a, &mut ta);
            store.tokens(b, &mut tb);
            positions.iter().any(|&(pa, pb)| {
                let (pa, pb) = (pa as isize, pb as isize);
                let lo = (-radius).max(-pa).max(-pb);
                let hi = (radius + k)
                    .min(ta.len() as isize - pa)
                    .min(tb.len() as isize - pb);
                (lo..hi)
                    .filter(|&d| ta[(pa + d) as usize] == tb[(pb + d) as usize])
                    .count()
                    >= need
            })
        };
        // Passages inside a clustered paragraph on both sides are that
        // cluster's, already reported once.
        // A passage that is mostly (half its bytes or more) inside one
        // document's clusters is reported by them; clusters of one
        // document do not overlap much, so their overlaps are summed.
        let within = |d: u32, x: Span| {
            reused.get(d as usize).is_some_and(|r| {
                let inside: usize = r
                    .iter()
                    .map(|c| {
                        x.end
                            .min(c.span.end)
                            .saturating_sub(x.start.max(c.span.start))
                    })
                    .sum();
                2 * inside >= x.end - x.start
            })
        };
        // A fingerprint two documents hold proposes their pair; one held by
        // more made a cluster or its pairs (`passage_clusters`), so the pairs
        // stay as many as the fingerprints, not their square.
        let found =
            index::passage_pairs(shared, REUSE_MIN_HOLDERS - 1, outside, agree, &self.sorts)
                .map_err(Error::Spill)?;
        let candidates: Vec<(u32, u32)> = index::merge([found, clusters.pairs.clone()])
            .into_iter()
            .filter(|p| known.binary_search(p).is_err())
            .collect();
        let seeds = self.plan.seeds;
        let params = self.plan.align;
        // Alignment is not symmetric: A is always the smaller id, so the
        // passages do not depend on input order. Pairs are grouped by A, so
        // that A's content, seed index and shingle set are made once.
        let mut oriented: Vec<(u32, u32)> = candidates
            .into_iter()
            .map(|(a, b)| {
                if self.docs[a as usize].id <= self.docs[b as usize].id {
                    (a, b)
                } else {
                    (b, a)
                }
            })
            .collect();
        oriented.par_sort_unstable();
        let groups: Vec<&[(u32, u32)]> = oriented.chunk_by(|x, y| x.0 == y.0).collect();
        let progress = &self.progress;
        progress.begin("aligning shared passages", oriented.len());
        let mut found: Vec<Reuse> = groups
            .par_iter()
            .flat_map_iter(|group| {
                let a = group[0].0;
                let ca = self.content_with_offsets(a);
                let index = align::SeedIndex::new(&ca.tokens, params);
                let sa = shingle::shingle_set(&ca.tokens, cfg.ngram, seeds.shingle);
                let found: Vec<Reuse> = group
                    .iter()
                    .filter_map(|&(_, b)| {
                        let cb = self.content_with_offsets(b);
                        let mut aligned = passages_between(&ca, &cb, params, &index, None);
                        // Passages mostly inside clusters on both sides
                        // are theirs, already reported once.
                        aligned.retain(|p| !(within(a, p.a) && within(b, p.b)));
                        if aligned.passages.is_empty() {
                            return None;
                        }
                        let sb = shingle::shingle_set(&cb.tokens, cfg.ngram, seeds.shingle);
                        Some(Reuse {
                            a,
                            b,
                            overlap: verify::measure(&sa, &sb),
                            shared: aligned.shared(),
                            passages: aligned.passages,
                        })
                    })
                    .collect();
                progress.add(group.len());
                found
            })
            .collect();
        found.sort_by(|x, y| {
            (&self.docs[x.a as usize].id, &self.docs[x.b as usize].id)
                .cmp(&(&self.docs[y.a as usize].id, &self.docs[y.b as usize].id))
        });
        Ok(found)
    }

    /// Passages that three or more kept documents hold word for word (at
    /// least `min_passage` words): each is one reuse cluster with every
    /// holder, so a passage in 80 documents costs 80 entries, not 3,160
    /// pairs. Whole paragraphs are found by their keys; other passages
    /// (sentences quoted across articles, runs of paragraphs) by the
    /// winnowed fingerprints three or more documents share, extended word by
    /// word in every holder (see [`Scanner::passage_clusters`]). Also
    /// returns, per document, the token ranges its clusters cover, which
    /// then propose no pairs.
    ///
    /// `fingerprints`: every document's passage fingerprints as sorted
    /// keyed records (emitted as the documents were signed), of which
    /// those of kept documents with content (`content[d]`) take part; the
    /// ones two or more of them hold come back, sorted, for
    /// [`shared_passages`](Self::shared_passages).
    pub(super) fn reuse_clusters(
        &self,
        fingerprints: Sorted<[u64; 2]>,
        content: &[bool],
        decisions: &[group::Decision],
    ) -> crate::Result<(Clusters, Sorted<[u64; 2]>)> {
        let docs = &self.docs;
        let mut clusters = self.paragraph_clusters(content, decisions)?;
        let mut ranges: Vec<Vec<Clustered>> = vec![Vec::new(); docs.len()];
        for c in &clusters {
            for h in c {
                ranges[h.0 as usize].push(h.1);
            }
        }
        let kept: Vec<bool> = (0..docs.len())
            .map(|d| decisions[d].kept() && content[d])
            .collect();
        let (passages, pairs, shared) = self.passage_clusters(fingerprints, &kept, &ranges)?;
        for c in &passages {
            for h in c {
                ranges[h.0 as usize].push(h.1);
            }
        }
        clusters.extend(passages);
        let first = |c: &Vec<(u32, Clustered)>| {
            let (d, r) = c[0];
            (&docs[d as usize].id, r.span.start, r.span.end)
        };
        clusters.sort_by(|x, y| first(x).cmp(&first(y)));
        // Kept as document numbers and spans until they are written: at a
        // million documents an id string per holder (7M of them) was a
        // third of a gigabyte.
        let report = clusters;
        let clusters = Clusters {
            report,
            ranges,
            pairs,
        };
        Ok((clusters, shared))
    }

    /// Content paragraphs (of at least `min_passage` words) that three or
    /// more kept documents hold: per cluster, its holders ordered by id.
    /// Each kept document's paragraphs go through a keyed sort as
    /// [`paragraph_record`]s, one per key (its first copy), read back in
    /// (key, document, block) order a batch of whole runs at a time: at a
    /// million documents a list of them took half a gigabyte.
    fn paragraph_clusters(
        &self,
        content: &[bool],
        decisions: &[group::Decision],
    ) -> crate::Result<Vec<Vec<(u32, Clustered)>>> {
        let cfg = &self.plan.config;
        let docs = &self.docs;
        let postings: Sorter<[u64; 5]> = Sorter::new(&self.sorts);
        let kept = self.all_blocks().filter(|(d, _)| {
            let d = *d as usize;
            decisions[d].kept() && content[d]
        });
        postings.emit(kept, |(d, blocks), out| {
            let mut own: Vec<[u64; 5]> = blocks
                .into_iter()
                .enumerate()
                .filter(|(_, b)| {
                    b.status.is_content() && (b.end - b.start) as usize >= cfg.min_passage
                })
                .map(|(i, b)| paragraph_record(b.key, d, i as u32, b.start, b.end, b.span))
                .collect();
            own.sort_unstable();
            own.dedup_by_key(|r| r[0]);
            out.append(&mut own);
        });
        let mut clusters = Vec::new();
        postings
            .finish()
            .map_err(Error::Spill)?
            .for_each_batch(
                index::STREAM_BATCH,
                |r| r[0],
                |batch| {
                    for run in batch.chunk_by(|x, y| x[0] == y[0]) {
                        if run.len() < REUSE_MIN_HOLDERS {
                            continue;
                        }
                        let mut holders: Vec<(u32, Clustered)> =
                            run.iter().map(|&r| paragraph_holder(r)).collect();
                        holders.sort_by(|x, y| docs[x.0 as usize].id.cmp(&docs[y.0 as usize].id));
                        clusters.push(holders);
                    }
                    Ok::<(), std::io::Error>(())
                },
            )
            .map_err(Error::Spill)?;
        Ok(clusters)
    }

    /// Passages other than whole paragraphs that three or more kept
    /// documents hold word for word, found from the passage fingerprints
    /// they share (outside the ranges `taken` by paragraph clusters).
    ///
    /// For a fingerprint held by between three and `passage_max_df` kept
    /// documents, the first holder by id is the reference: each other
    /// holder's run of equal words around the fingerprint (within content
    /// on both sides) is extended left and right, and holders sharing at
    /// least `min_passage` words with the reference take part. When three or
    /// more documents do, the passage all of them share (the intersection of
    /// those runs) is a cluster if it still spans `min_passage` words.
    /// Every fingerprint inside one passage yields the same cluster, kept
    /// once. A holder sharing fewer words with the reference is left to the
    /// pairs (it may share a shorter passage).
    ///
    /// `postings`: every document's fingerprints, sorted (as signing
    /// emitted them), of which those of `kept` documents take part. Also
    /// returns those held by two or more documents, sorted, for the pairs.
    #[allow(clippy::type_complexity)]
    fn passage_clusters(
        &self,
        postings: Sorted<[u64; 2]>,
        kept: &[bool],
        taken: &[Vec<Clustered>],
    ) -> crate::Result<(Vec<Holders>, Vec<(u32, u32)>, Sorted<[u64; 2]>)> {
        let cfg = &self.plan.config;
        let docs = &self.docs;
        let (ngram, min) = (cfg.ngram as u32, cfg.min_passage as u32);
        // Fingerprints touching a clustered paragraph take no part, and
        // runs stop at one: a passage cluster is what lies outside them.
        let free = |d: u32, p: u32| {
            !taken[d as usize]
                .iter()
                .any(|c| c.start < p + ngram && p < c.end)
        };
        let bounds = |d: u32, p: u32| {
            let (mut lo, mut hi) = docs[d as usize].content_run(p);
            for c in &taken[d as usize] {
                if c.end <= p {
                    lo = lo.max(c.end);
                } else if c.start >= p + ngram {
                    hi = hi.min(c.start);
                }
            }
            (lo, hi)
        };
        // The fingerprints two or more documents hold outside the paragraph
        // clusters, for the pairs; they arrive in order, so sorting them
        // again costs a pass.
        let shared: Sorter<[u64; 2]> = Sorter::new(&self.sorts);
        // The runs to extend (held by three to `passage_max_df` documents,
        // free): [first holder << 32 | holders, fingerprint, holder]
        // records, so that the fingerprints of one passage, which have the
        // same holders, come together (by their first holder, then size):
        // one task then reads each holder's tokens once for all of them.
        // What is found does not depend on the order (it is sorted below).
        let runs: Sorter<[u64; 3]> = Sorter::new(&self.sorts);
        let counted = std::sync::atomic::AtomicUsize::new(0);
        let inside_paragraphs = |d: u32, p: u32| {
            taken[d as usize]
                .iter()
                .any(|c| c.start <= p && p + ngram <= c.end)
        };
        let max_df = cfg.passage_max_df;
        postings
            .for_each_batch(
                index::STREAM_BATCH,
                |r| r[0],
                |batch| {
                    let groups: Vec<&[[u64; 2]]> = batch
                        .chunk_by(|x, y| x[0] == y[0])
                        .filter(|run| run.len() >= 2)
                        .collect();
                    // Most fingerprints have two holders: each task writes
                    // into vectors of its own, with no allocation or lock
                    // per fingerprint.
                    let done: Vec<(Vec<[u64; 2]>, Vec<[u64; 3]>)> = groups
                        .par_chunks(GROUPS_PER_TASK)
                        .map(|task| {
                            let (mut outside, mut extend) = (Vec::new(), Vec::new());
                            let mut free_holders: Vec<[u64; 2]> = Vec::new();
                            for run in task {
                                let kept_holder = |r: &&[u64; 2]| {
                                    kept[index::fingerprint_holder(r[1]).0 as usize]
                                };
                                if run.len() >= REUSE_MIN_HOLDERS {
                                    free_holders.clear();
                                    free_holders.extend(run.iter().filter(kept_holder).filter(
                                        |r| {
                                            let (d, p) = index::fingerprint_holder(r[1]);
                                            free(d, p)
                                        },
                                    ));
                                    if (REUSE_MIN_HOLDERS..=max_df).contains(&free_holders.len()) {
                                        let first = free_holders[0][1] >> 32;
                                        let order = (first << 32) | free_holders.len() as u64;
                                        extend.extend(
                                            free_holders.iter().map(|r| [order, r[0], r[1]]),
                                        );
                                    }
                                }
                                // A holder inside a paragraph cluster stays
                                // inside once the passage clusters are added:
                                // only the rest can make pairs.
                                let from = outside.len();
                                outside.extend(run.iter().filter(kept_holder).filter(|r| {
                                    let (d, p) = index::fingerprint_holder(r[1]);
                                    !inside_paragraphs(d, p)
                                }));
                                if outside.len() - from < 2 {
                                    outside.truncate(from);
                                }
                            }
                            (outside, extend)
                        })
                        .collect();
                    for (outside, extend) in done {
                        counted.fetch_add(
                            extend.chunk_by(|x, y| x[1] == y[1]).count(),
                            std::sync::atomic::Ordering::Relaxed,
                        );
                        runs.extend(extend);
                        shared.extend(outside);
                    }
                    Ok::<(), std::io::Error>(())
                },
            )
            .map_err(Error::Spill)?;
        let shared = shared.finish().map_err(Error::Spill)?;
        let runs = runs.finish().map_err(Error::Spill)?;
        // A fingerprint's holders grouped around references (see above).
        let extend_run = |run: &[[u64; 3]], cache: &mut Cache| -> Vec<Found> {
            // (holder, position, and the bounds a run of equal words
            // may extend to around it), by id.
            let mut holders: Vec<(u32, u32, (u32, u32))> = run
                .iter()
                .map(|e| {
                    let (d, p) = index::fingerprint_holder(e[2]);
                    (d, p, bounds(d, p))
                })
                .collect();
            holders.sort_by(|x, y| docs[x.0 as usize].id.cmp(&docs[y.0 as usize].id));
            // Holders are grouped around references: the first holder
            // left, and every other holder left that shares at least
            // `min_passage` words with it around the fingerprint.
            // Documents quoting one passage in different contexts thus
            // fall into one group per context.
            let mut out = Vec::new();
            let mut left = holders;
            for _ in 0..MAX_REFERENCES {
                if left.len() < 2 {
                    break;
                }
                let (r, pr, (r_lo, r_hi)) = left[0];
                cache.load(r);
                // (holder, shift, start, end) in the reference's positions.
                let mut shared: Vec<(u32, i64, u32, u32)> = Vec::new();
                let mut rest = Vec::new();
                for &(x, px, (x_lo, x_hi)) in &left[1..] {
                    cache.load(x);
                    let (dr, dx) = (cache.get(r), cache.get(x));
                    let (mut a, mut b) = (pr, px);
                    while a > r_lo && b > x_lo && dr[a as usize - 1] == dx[b as usize - 1] {
                        a -= 1;
                        b -= 1;
                    }
                    let (mut e, mut f) = (pr, px);
                    while e < r_hi && f < x_hi && dr[e as usize] == dx[f as usize] {
                        e += 1;
                        f += 1;
                    }
                    if e - a >= min {
                        shared.push((x, i64::from(px) - i64::from(pr), a, e));
                    } else {
                        rest.push((x, px, (x_lo, x_hi)));
                    }
                }
                left = rest;
                let start = shared.iter().map(|s| s.2).max().unwrap_or(0);
                let end = shared.iter().map(|s| s.3).min().unwrap_or(0);
                if shared.len() + 1 >= REUSE_MIN_HOLDERS && end >= start + min {
                    let mut cluster = vec![(r, start, end)];
                    cluster.extend(shared.iter().map(|&(x, shift, _, _)| {
                        let at = |p: u32| (i64::from(p) + shift) as u32;
                        (x, at(start), at(end))
                    }));
                    out.push(Found::Cluster(cluster));
                } else {
                    // Too few share the passage for a cluster, or no
                    // passage is common to all of them: each holder that
                    // shares one with the reference is a pair to align.
                    out.extend(shared.iter().map(|s| Found::Pair((r.min(s.0), r.max(s.0)))));
                }
            }
            out
        };
        let progress = &self.progress;
        progress.begin(
            "finding reuse clusters",
            counted.load(std::sync::atomic::Ordering::Relaxed),
        );
        let mut found: Vec<Found> = Vec::new();
        runs.for_each_batch(
            index::STREAM_BATCH,
            |r| (r[0], r[1]),
            |batch| {
                let batch: Vec<&[[u64; 3]]> = batch
                    .chunk_by(|x, y| (x[0], x[1]) == (y[0], y[1]))
                    .collect();
                found.par_extend(batch.par_chunks(RUNS_PER_TASK).flat_map_iter(|task| {
                    let mut cache = Cache::new(&self.store, CACHED_DOCUMENTS);
                    let found = task
                        .iter()
                        .flat_map(|run| {
                            cache.trim();
                            extend_run(run, &mut cache)
                        })
                        .collect::<Vec<_>>();
                    progress.add(task.len());
                    found
                }));
                Ok::<(), std::io::Error>(())
            },
        )
        .map_err(Error::Spill)?;
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut found: Vec<Vec<(u32, u32, u32)>> = found
            .into_iter()
            .filter_map(|f| match f {
                Found::Cluster(c) => Some(c),
                Found::Pair(p) => {
                    pairs.push(p);
                    None
                }
            })
            .collect();
        found.par_sort_unstable();
        found.dedup();
        let found = merge_overlapping(found);
        let clusters = found
            .into_iter()
            .map(|c| {
                c.into_iter()
                    .map(|(d, start, end)| {
                        let o = self.store.offsets(d);
                        let span = Span::new(
                            o.get(start as usize).0 as usize,
                            o.get(end as usize - 1).1 as usize,
                        );
                        (d, Clustered { start, end, span })
                    })
                    .collect::<Vec<_>>()
            })
            .map(|mut c: Vec<(u32, Clustered)>| {
                c.sort_by(|x, y| docs[x.0 as usize].id.cmp(&docs[y.0 as usize].id));
                c
            })
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        Ok((clusters, pairs, shared))
    }

    /// Cross-document paragraph deduplication: visiting kept documents in
    /// keep order, a content paragraph (of at least `repeat_min_words`
    /// words) that an earlier one holds is removed, pointing at the holder.
    pub(super) fn dedup_paragraphs(&mut self, order: &[u32], decisions: &[group::Decision]) {
        let min = self.plan.config.clean.repeat_min_words;
        let mut rank = vec![u32::MAX; self.docs.len()];
        for (p, &d) in order.iter().enumerate() {
            rank[d as usize] = p as u32;
        }
        // (key, rank of the document, block, its span) of every eligible
        // paragraph.
        let mut postings: Vec<(u64, u32, u32, Span)> = self
            .all_blocks()
            .filter(|(d, _)| decisions[*d as usize].kept())
            .flat_map_iter(|(d, blocks)| {
                let rank = rank[d as usize];
                blocks
                    .into_iter()
                    .enumerate()
                    .filter(|(_, b)| b.status.is_content() && (b.end - b.start) as usize >= min)
                    .map(move |(i, b)| (b.key, rank, i as u32, b.span))
            })
            .collect();
        postings.par_sort_unstable_by_key(|e| (e.0, e.1, e.2));
        let mut later: Vec<(u32, u32, Evidence)> = Vec::new();
        for run in postings.chunk_by(|x, y| x.0 == y.0) {
            let (first_rank, first_span) = (run[0].1, run[0].3);
            let keeper = order[first_rank as usize] as usize;
            for e in run.iter().filter(|e| e.1 != first_rank) {
                later.push((
                    order[e.1 as usize],
                    e.2,
                    Evidence::DuplicateParagraph {
                        of: self.docs[keeper].id.to_string(),
                        first: first_span,
                    },
                ));
            }
        }
        drop(postings);
        later.sort_unstable_by_key(|e| (e.0, e.1));
        self.paragraphs = later;
        // What is left of each document's content.
        let mut touched: Vec<u32> = self.paragraphs.iter().map(|e| e.0).collect();
        touched.dedup();
        let changed: Vec<(u32, ContentRuns)> = touched
            .par_iter()
            .map(|&d| (d, ContentRuns::of(&self.blocks(d))))
            .collect();
        self.set_contents(changed);
    }
}

/// Clusters (holder, start, end) merged where they overlap: two clusters
/// in which one document holds overlapping ranges (by at least half the
/// shorter) report one passage, found through different fingerprints (each
/// fingerprint's holders are those whose winnowing picked it, which depends
/// on the words around the passage), so they become one cluster with every
/// holder; a document held twice keeps the span covering both ranges. This
/// is passim's reading of a reuse cluster: passages connected by overlap.
/// Each cluster's holders come out ordered by document position.
fn merge_overlapping(clusters: Vec<Vec<(u32, u32, u32)>>) -> Vec<Vec<(u32, u32, u32)>> {
    let mut parent: Vec<u32> = (0..clusters.len() as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    // (document, start, end, cluster), sorted: a document's ranges in order.
    let mut held: Vec<(u32, u32, u32, u32)> = clusters
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.iter().map(move |&(d, s, e)| (d, s, e, i as u32)))
        .collect();
    held.par_sort_unstable();
    for run in held.chunk_by(|x, y| x.0 == y.0) {
        // Ranges sorted by start: compare each with the open one reaching
        // furthest.
        let mut open: Option<(u32, u32, u32)> = None;
        for &(_, s, e, c) in run {
            if let Some((os, oe, oc)) = open {
                let overlap = oe.min(e).saturating_sub(s.max(os));
                if 2 * overlap >= (oe - os).min(e - s) {
                    let (a, b) = (root(&mut parent, oc), root(&mut parent, c));
                    parent[a.max(b) as usize] = a.min(b);
                }
                if e > oe {
                    open = Some((s, e, c));
                }
            } else {
                open = Some((s, e, c));
            }
        }
    }
    let mut groups: Vec<(u32, u32)> = (0..clusters.len() as u32)
        .map(|i| (root(&mut parent, i), i))
        .collect();
    groups.sort_unstable();
    groups
        .chunk_by(|x, y| x.0 == y.0)
        .map(|g| {
            let mut all: Vec<(u32, u32, u32)> = g
                .iter()
                .flat_map(|&(_, i)| clusters[i as usize].iter().copied())
                .collect();
            all.sort_unstable();
            let mut out: Vec<(u32, u32, u32)> = Vec::with_capacity(all.len());
            for (d, s, e) in all {
                match out.last_mut() {
                    Some(h) if h.0 == d => h.2 = h.2.max(e),
                    _ => out.push((d, s, e)),
                }
            }
            out
        })
        .collect()
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

/// A kept document's paragraph as a keyed record: `[key, document << 32
/// | block, start << 32 | end, span start, span end]`, so that records sort
/// by key, then document, then block.
fn paragraph_record(key: u64, d: u32, block: u32, start: u32, end: u32, span: Span) -> [u64; 5] {
    [
        key,
        u64::from(d) << 32 | u64::from(block),
        u64::from(start) << 32 | u64::from(end),
        span.start as u64,
        span.end as u64,
    ]
}

/// The document and paragraph of a [`paragraph_record`].
fn paragraph_holder(r: [u64; 5]) -> (u32, Clustered) {
    let held = Clustered {
        start: (r[2] >> 32) as u32,
        end: r[2] as u32,
        span: Span::new(r[3] as usize, r[4] as usize),
    };
    ((r[1] >> 32) as u32, held)
}

/// The most references one fingerprint's holders are grouped around (see
/// `passage_clusters`): holders left after that many groups share the
/// fingerprint in yet other contexts and are not reported through it.
const MAX_REFERENCES: usize = 8;

/// Fingerprint runs one task of [`Scanner::passage_clusters`] visits, and
/// the documents' tokens it holds at most (then lets go) while doing so.
const RUNS_PER_TASK: usize = 256;
/// Fingerprints (with two or more holders) one task of
/// [`Scanner::passage_clusters`] sorts into runs and pairs.
const GROUPS_PER_TASK: usize = 4096;
const CACHED_DOCUMENTS: usize = 4096;

/// Kept documents that must hold one paragraph for it to be reported once as
/// a reuse cluster rather than as pairs.
pub(super) const REUSE_MIN_HOLDERS: usize = 3;

/// One cluster's holders: each document with the range it holds.
pub(super) type Holders = Vec<(u32, Clustered)>;

/// Reuse cluster `id` as reported, from its holders (`name`: a document's
/// id).
pub(super) fn reuse_cluster<'a>(
    id: usize,
    holders: &[(u32, Clustered)],
    name: impl Fn(u32) -> &'a str,
    text: Option<String>,
) -> ReuseCluster {
    ReuseCluster {
        id,
        words: (holders[0].1.end - holders[0].1.start) as usize,
        holders: holders
            .iter()
            .map(|&(d, r)| Holder {
                id: name(d).to_owned(),
                start: r.span.start,
                end: r.span.end,
            })
            .collect(),
        text,
    }
}

/// What the reuse clusters found.
pub(super) struct Clusters {
    /// The clusters, in report order: each one's holders, ordered by id
    /// (see [`reuse_cluster`]).
    pub(super) report: Vec<Holders>,
    /// Per document, the token ranges its clusters cover.
    pub(super) ranges: Vec<Vec<Clustered>>,
    /// Pairs that share a passage a fingerprint held by three or more
    /// documents starts, where no cluster formed.
    pub(super) pairs: Vec<(u32, u32)>,
}

/// A fingerprint's outcome: a cluster, or pairs to align.
enum Found {
    Cluster(Vec<(u32, u32, u32)>),
    Pair((u32, u32)),
}

/// Two kept documents that share passages.
pub(super) struct Reuse {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) overlap: verify::Overlap,
    pub(super) passages: Vec<Passage>,
    /// Shares of A's and of B's content words inside the passages.
    pub(super) shared: (f64, f64),
}

/// Passages between two documents and how much of each they cover.
#[derive(Clone, Debug, Default)]
pub(super) struct Aligned {
    pub(super) passages: Vec<Passage>,
    /// Each passage's token ranges, and the two documents' token counts.
    tokens: Vec<align::TokenPassage>,
    lengths: (usize, usize),
}

impl Aligned {
    /// Keep the passages `keep` accepts.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&Passage) -> bool) {
        let kept: Vec<bool> = self.passages.iter().map(&mut keep).collect();
        let mut flags = kept.iter();
        self.passages.retain(|_| *flags.next().unwrap_or(&true));
        let mut flags = kept.iter();
        self.tokens.retain(|_| *flags.next().unwrap_or(&true));
    }

    /// Shares of A's and of B's content tokens inside the passages.
    pub(super) fn shared(&self) -> (f64, f64) {
        (
            align::coverage(self.tokens.iter().map(|t| t.a.clone()), self.lengths.0),
            align::coverage(self.tokens.iter().map(|t| t.b.clone()), self.lengths.1),
        )
    }
}

/// Aligned passages between two token sequences, as byte spans (and the
/// passage text when A's original text is given).
pub(super) fn passages_between(
    ca: &Content,
    cb: &Content,
    params: AlignParams,
    index_a: &align::SeedIndex,
    text_a: Option<&str>,
) -> Aligned {
    if ca.offsets.len() != ca.tokens.len() || cb.offsets.len() != cb.tokens.len() {
        return Aligned::default(); // offsets were not recorded (passages off, or a text over 4 GB)
    }
    let span = |o: &[(u32, u32)], r: &std::ops::Range<usize>| {
        Span::new(o[r.start].0 as usize, o[r.end - 1].1 as usize)
    };
    let found = align::align_indexed(index_a, ca.sequence(), cb.sequence(), params);
    let passages = found
        .iter()
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
        .collect();
    Aligned {
        passages,
        tokens: found,
        lengths: (ca.tokens.len(), cb.tokens.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A paragraph's key, document, block, token range and byte span
    /// ends: often equal keys, documents and blocks, sometimes any.
    fn paragraph() -> impl Strategy<Value = (u64, u32, u32, (u32, u32, u32, u32))> {
        (
            prop_oneof![0u64..3, any::<u64>()],
            prop_oneof![0u32..3, any::<u32>()],
            prop_oneof![0u32..3, any::<u32>()],
            any::<(u32, u32, u32, u32)>(),
        )
    }

    proptest! {
        /// A paragraph record gives back what went in, and records sort by
        /// key, then document, then block, as the clusters read them.
        #[test]
        fn paragraph_records_round_trip_and_sort_by_key_document_block(
            a in paragraph(),
            b in paragraph(),
        ) {
            let record = |(key, d, block, (s, e, x, y)): (u64, u32, u32, (u32, u32, u32, u32))| {
                paragraph_record(key, d, block, s, e, Span::new(x.min(y) as usize, x.max(y) as usize))
            };
            let (ra, rb) = (record(a), record(b));
            let (d, held) = paragraph_holder(ra);
            let (_, _, _, (s, e, x, y)) = a;
            prop_assert_eq!(d, a.1);
            prop_assert_eq!((held.start, held.end), (s, e));
            prop_assert_eq!((held.span.start, held.span.end), (x.min(y) as usize, x.max(y) as usize));
            let (ka, kb) = ((a.0, a.1, a.2), (b.0, b.1, b.2));
            if ka != kb {
                prop_assert_eq!(ra.cmp(&rb), ka.cmp(&kb));
            }
        }
    }

    #[test]
    fn overlapping_clusters_merge_and_disjoint_ones_do_not() {
        let clusters = vec![
            // One passage found through two fingerprints: documents 1 and 2
            // are in both, at overlapping ranges.
            vec![(1, 10, 30), (2, 40, 60), (3, 5, 25)],
            vec![(1, 12, 34), (2, 42, 64), (4, 0, 22)],
            // Document 1 again, elsewhere: another passage.
            vec![(1, 100, 120), (5, 0, 20), (6, 0, 20)],
            // Touching by a few words only: not the same passage.
            vec![(1, 118, 140), (7, 0, 22), (8, 0, 22)],
        ];
        let merged = merge_overlapping(clusters);
        assert_eq!(
            merged,
            vec![
                vec![(1, 10, 34), (2, 40, 64), (3, 5, 25), (4, 0, 22)],
                vec![(1, 100, 120), (5, 0, 20), (6, 0, 20)],
                vec![(1, 118, 140), (7, 0, 22), (8, 0, 22)],
            ]
        );
    }
}
