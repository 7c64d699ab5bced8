//! Deciding a batch against documents decided before it: what a persistent
//! index (the `doublet index` command) asks of the engine.
//!
//! Under the keep-first policy a document is removed only as the twin of a
//! document kept *before* it, so a new batch is decided exactly as one scan
//! of everything before and the batch would decide it, given three things
//! about the earlier documents ([`Prior`]): the first holder of each exact
//! key and its decision, the earlier kept documents that a new document's
//! sketch proposes, measured on their full shingle sets, and (with
//! corpus-wide cleaning) what the corpus so far says about recurring blocks.
//! [`Scanner::finish_with`] then runs the scanner's own stages over the
//! batch with the earlier documents as extra members: each one already
//! kept, ahead of the whole batch in keep order.

use rayon::prelude::*;

use super::analyse::NO_SITE;
use super::furniture::vote_of;
pub use super::sign::Gist;
use super::sign::{gist_of, related_docs};
use crate::clean::furniture::Recurrence;
use crate::clean::{Evidence, Form};
use crate::config::KeepPolicy;
use crate::error::{Error, Result};
use crate::group::{Decision, Relation};
use crate::report::Report;
use crate::sign::DocSketch;
use crate::sketch::Sketcher;
use crate::text::shingle;
use crate::verify::Overlap;
use crate::Scanner;

/// A document decided before the batch.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Earlier {
    /// Its place in the order documents were added (keep order).
    pub seq: u64,
    /// Its id.
    pub id: String,
}

/// The first earlier holder of an exact key, and how it was decided.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlierCopy {
    /// The document that holds the content first.
    pub holder: Earlier,
    /// `None` when it was kept; otherwise the kept document it duplicates,
    /// the relation and the measured Jaccard and containment.
    pub removed: Option<(Earlier, Relation, f64, f64)>,
}

/// One earlier kept document measured against a new one.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The earlier document.
    pub earlier: Earlier,
    /// The overlap, the new document as `a` (`a_in_b`: the share of the new
    /// document found in the earlier one).
    pub overlap: Overlap,
}

/// What the documents decided before a batch say, as a persistent index
/// stores them. Methods are called from several threads at once.
pub trait Prior: Sync {
    /// The earliest document whose exact key (content, or whole text for a
    /// document too thin to judge) is `key`.
    fn exact(&self, key: u128) -> Result<Option<EarlierCopy>>;

    /// Earlier kept documents that `sketch` proposes as candidates (band
    /// keys, plausible anchors), each measured against `shingles` (the new
    /// document's sorted, distinct shingle set) on its own full set.
    fn related(&self, sketch: &DocSketch, shingles: &[u64]) -> Result<Vec<Measured>>;

    /// What the earlier documents say about block `key` (corpus-wide
    /// cleaning); `None` when none holds it.
    fn history(&self, key: u64) -> Result<Option<BlockHistory>>;

    /// The gist (signature before corpus-wide cleaning) of earlier document
    /// `seq`, a holder named in a [`BlockHistory`].
    fn gist(&self, seq: u64) -> Result<Option<Gist>>;
}

/// What earlier documents said about one block (corpus-wide cleaning).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockHistory {
    /// Mutually unrelated holders across the corpus, by `seq`, in the
    /// order they were found (at most `corpus_min_docs`).
    pub across: Vec<u64>,
    /// Mutually unrelated holders within each site holding it, by `seq`
    /// (at most `corpus_min_docs` a site), sorted by site.
    pub sites: Vec<(String, Vec<u64>)>,
    /// Votes on where it sits, summed over its holders.
    pub votes: Tally,
}

/// Votes on where a block sits, summed over documents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Documents holding it.
    pub documents: u64,
    /// Documents whose place for it counts.
    pub voters: u64,
    /// Voters in which it sits at an edge.
    pub at_edge: u64,
    /// Its most prose-like form (`None` before any holder).
    pub form: Option<Form>,
}

/// What one batch document leaves for the index to store.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// Its exact key, when it is the first holder of that key (so later
    /// copies follow it): `None` for a copy of an earlier document or of
    /// an earlier batch document, or without content.
    pub first_of_key: Option<u128>,
    /// For a kept, judged document with content: its sketch and content
    /// tokens, which later documents are proposed by and measured against.
    pub candidate: Option<(DocSketch, Vec<u32>)>,
    /// Its gist, when it became a holder in some block's history (later
    /// holders are told apart from it).
    pub gist: Option<Gist>,
}

/// A batch decided against the earlier documents.
#[derive(Debug)]
pub struct Decided {
    /// The batch's report: its documents' decisions (a `duplicate_of` may
    /// name an earlier document), clusters with the earlier kept documents
    /// that batch documents duplicate, and the related pairs.
    pub report: Report,
    /// Per batch document, in order: what to store.
    pub entries: Vec<Entry>,
    /// The history of every block the batch holds, after the batch (empty
    /// without corpus-wide cleaning), sorted by key.
    pub blocks: Vec<BlockEvidence>,
}

/// The batch's contribution to one block's history.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockEvidence {
    /// The block key.
    pub key: u64,
    /// The history after the batch.
    pub history: BlockHistory,
}

/// The earlier copies of each batch group's exact key: per batch document,
/// its group representative's earlier copy.
pub(super) fn earlier_copies(
    prior: &dyn Prior,
    keys: &[Option<u128>],
    rep: &[u32],
) -> Result<Vec<Option<EarlierCopy>>> {
    let n = keys.len();
    let found: Vec<Option<EarlierCopy>> = (0..n)
        .into_par_iter()
        .map(|d| match keys[d] {
            Some(k) if rep[d] as usize == d => prior.exact(k),
            _ => Ok(None),
        })
        .collect::<Result<_>>()?;
    Ok((0..n).map(|d| found[rep[d] as usize].clone()).collect())
}

/// Refuse what deciding against earlier documents cannot do.
pub(super) fn check(scanner: &Scanner) -> Result<()> {
    let cfg = scanner.config();
    if cfg.keep != KeepPolicy::First {
        return Err(Error::Config {
            field: "keep",
            reason: "a batch is decided against earlier documents only under the keep-first \
                     policy (earlier documents stay)"
                .into(),
        });
    }
    if cfg.min_passage > 0 || cfg.dedup_paragraphs {
        return Err(Error::Config {
            field: "min_passage",
            reason: "shared passages are not found against earlier documents; set it to 0".into(),
        });
    }
    Ok(())
}

/// The decision of a batch document that copies an earlier removed one:
/// the earlier document's, with `target` the position of its kept twin.
pub(super) fn follow(target: u32, relation: Relation, j: f64, c: f64) -> Decision {
    Decision {
        duplicate_of: Some(target),
        relation: Some(relation),
        jaccard: Some(j),
        containment: Some(c),
        cleaning_dependent: false,
    }
}

/// A block's recurrence from its merged history.
pub(super) fn recurrence_of(h: &BlockHistory, min_docs: usize) -> Recurrence {
    Recurrence {
        form: h.votes.form.unwrap_or(Form::Formulaic),
        documents: h.votes.documents as usize,
        across_corpus: h.across.len() >= min_docs,
        within_site: h.sites.iter().any(|(_, l)| l.len() >= min_docs),
        voters: h.votes.voters as usize,
        at_edge: h.votes.at_edge as usize,
    }
}

impl Scanner {
    /// Every batch representative in `reps` measured against the earlier
    /// kept documents its sketch proposes.
    pub(super) fn measure_against(
        &self,
        prior: &dyn Prior,
        reps: &[u32],
        sketches: &[DocSketch],
    ) -> Result<Vec<(u32, Vec<Measured>)>> {
        let (ngram, seed) = (self.plan.config.ngram, self.plan.seeds.shingle);
        reps.par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(all, buf), &d| {
                    self.content_tokens(d, all, buf);
                    let set = shingle::shingle_set(buf, ngram, seed);
                    Ok((d, prior.related(&sketches[d as usize], &set)?))
                },
            )
            .collect()
    }

    /// What to store of each batch document.
    pub(super) fn entries(
        &self,
        sketches: &[DocSketch],
        judged: &[bool],
        rep: &[u32],
        decisions: &[Decision],
        gists: Vec<Option<Gist>>,
    ) -> Vec<Entry> {
        let mut gists = gists.into_iter();
        (0..self.docs.len())
            .map(|d| {
                let first = rep[d] as usize == d;
                let sketch = &sketches[d];
                let candidate =
                    (first && judged[d] && decisions[d].kept() && sketch.exact.is_some()).then(
                        || {
                            let (mut all, mut content) = (Vec::new(), Vec::new());
                            self.content_tokens(d as u32, &mut all, &mut content);
                            (sketch.clone(), content)
                        },
                    );
                Entry {
                    first_of_key: sketch.exact.filter(|_| first),
                    candidate,
                    gist: gists.next().flatten(),
                }
            })
            .collect()
    }

    /// Corpus-wide cleaning of the batch against the earlier documents'
    /// block histories: each block's holders are the earlier ones the
    /// history names, then the batch's by id; it recurs when
    /// `corpus_min_docs` of them are mutually unrelated (across the corpus
    /// or within one site). Votes are tallied for every block held by more
    /// than one document so far (the batch's documents vote with every such
    /// block counted as recurring), since a block that does not recur yet
    /// may recur later. Earlier documents are not cleaned again.
    /// Returns every batch block's history after the batch, and the gist of
    /// each batch document that became a holder in one.
    pub(super) fn furniture_against(
        &mut self,
        prior: &dyn Prior,
        first_seq: u64,
    ) -> Result<(Vec<BlockEvidence>, Vec<Option<Gist>>)> {
        let plan = self.plan.clone();
        let cfg = &plan.config;
        let min_docs = cfg.clean.corpus_min_docs;
        let related = cfg.clean.corpus_related;
        let n = self.docs.len();
        let postings: Vec<(u64, u32)> = {
            let mut sorted = self.block_postings().map_err(Error::Spill)?;
            let all = sorted.by_ref().map(|p| (p[0], p[1] as u32)).collect();
            sorted.check().map_err(Error::Spill)?;
            all
        };
        let runs: Vec<&[(u64, u32)]> = postings.chunk_by(|a, b| a.0 == b.0).collect();
        let histories: Vec<BlockHistory> = runs
            .par_iter()
            .map(|r| Ok(prior.history(r[0].0)?.unwrap_or_default()))
            .collect::<Result<_>>()?;
        let init = || {
            (
                Sketcher::new(cfg.num_perm, plan.seeds.minhash),
                (Vec::new(), Vec::new()),
            )
        };
        let scanner = &*self;
        let batch_gists: Vec<Gist> = (0..n as u32)
            .into_par_iter()
            .map_init(init, |(sketcher, buffers), d| {
                gist_of(scanner, d, sketcher, buffers)
            })
            .collect();
        let mut named: Vec<u64> = histories
            .iter()
            .flat_map(|h| {
                h.across
                    .iter()
                    .chain(h.sites.iter().flat_map(|s| s.1.iter()))
            })
            .copied()
            .collect();
        named.par_sort_unstable();
        named.dedup();
        let earlier_gists: Vec<Option<Gist>> = named
            .par_iter()
            .map(|&s| prior.gist(s))
            .collect::<Result<_>>()?;
        let gist = |seq: u64| -> Option<&Gist> {
            if seq >= first_seq {
                batch_gists.get((seq - first_seq) as usize)
            } else {
                named
                    .binary_search(&seq)
                    .ok()
                    .and_then(|i| earlier_gists[i].as_ref())
            }
        };
        // Site names by index.
        let mut site_names = vec![String::new(); self.sites.len()];
        for (name, &i) in &self.sites {
            site_names[i as usize] = name.clone();
        }
        let docs = &self.docs;
        // Extend `leaders` with the holders in `members` (batch positions,
        // visited in order) unrelated to every leader so far; a leader
        // whose gist is gone (evicted) relates to nothing.
        let lead = |leaders: &mut Vec<u64>, members: &[u32]| {
            let seqs = members.iter().map(|&m| first_seq + m as u64);
            crate::parts::lead(leaders, seqs, min_docs, |a, b| {
                gist(a)
                    .zip(gist(b))
                    .is_some_and(|(x, y)| related_docs(x, y, related))
            });
        };
        let mut merged: Vec<BlockHistory> = runs
            .par_iter()
            .zip(histories)
            .map(|(run, mut h)| {
                let mut members: Vec<u32> = run.iter().map(|e| e.1).collect();
                members.sort_by(|&a, &b| docs[a as usize].id.cmp(&docs[b as usize].id));
                lead(&mut h.across, &members);
                members.sort_by_key(|&m| docs[m as usize].site);
                for group in
                    members.chunk_by(|&a, &b| docs[a as usize].site == docs[b as usize].site)
                {
                    let site = docs[group[0] as usize].site;
                    if site == NO_SITE {
                        continue;
                    }
                    let name = &site_names[site as usize];
                    let i = match h.sites.binary_search_by(|s| s.0.as_str().cmp(name)) {
                        Ok(i) => i,
                        Err(i) => {
                            h.sites.insert(i, (name.clone(), Vec::new()));
                            i
                        }
                    };
                    lead(&mut h.sites[i].1, group);
                }
                h.votes.documents += run.len() as u64;
                h
            })
            .collect();
        // Votes, with every block held by more than one document counted.
        let seen = |k: u64| {
            runs.binary_search_by_key(&k, |r| r[0].0)
                .is_ok_and(|i| merged[i].votes.documents >= 2)
        };
        let mut votes = self.furniture_votes(seen).map_err(Error::Spill)?;
        let cast: Vec<[u64; 2]> = votes.by_ref().collect();
        votes.check().map_err(Error::Spill)?;
        for run in cast.chunk_by(|a, b| a[0] == b[0]) {
            let Ok(i) = runs.binary_search_by_key(&run[0][0], |r| r[0].0) else {
                continue;
            };
            let run: Vec<(Option<bool>, Form)> = run.iter().map(|&v| vote_of(v)).collect();
            let t = &mut merged[i].votes;
            t.voters += run.iter().filter(|v| v.0.is_some()).count() as u64;
            t.at_edge += run.iter().filter(|v| v.0 == Some(true)).count() as u64;
            t.form = run.iter().map(|v| v.1).chain(t.form).max();
        }
        drop(votes);
        let clean = &cfg.clean;
        let keys: Vec<u64> = runs.iter().map(|r| r[0].0).collect();
        let furniture: rustc_hash::FxHashMap<u64, Evidence> = keys
            .iter()
            .zip(&merged)
            .filter_map(|(&k, h)| Some((k, recurrence_of(h, min_docs).evidence(clean)?)))
            .collect();
        self.remove_furniture(furniture);
        // Batch documents named as holders keep their gists.
        let mut holder = vec![false; n];
        for h in &merged {
            for &s in h
                .across
                .iter()
                .chain(h.sites.iter().flat_map(|s| s.1.iter()))
            {
                if s >= first_seq {
                    holder[(s - first_seq) as usize] = true;
                }
            }
        }
        let gists = batch_gists
            .into_iter()
            .zip(holder)
            .map(|(g, h)| h.then_some(g))
            .collect();
        let blocks = keys
            .into_iter()
            .zip(merged)
            .map(|(key, history)| BlockEvidence { key, history })
            .collect();
        Ok((blocks, gists))
    }
}
