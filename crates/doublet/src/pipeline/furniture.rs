//! Corpus-wide cleaning: the evidence for page furniture (see
//! [`crate::clean::furniture`] for the rule).

use std::cell::RefCell;
use std::sync::OnceLock;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::clean::furniture::Recurrence;
use crate::clean::{Evidence, Form, Kind, Status};
use crate::error::{Error, Result};
use crate::index;
use crate::keyed::{Sorted, Sorter};
use crate::sketch::Sketcher;
use crate::{parts, Scanner};

use super::analyse::{Analysed, Block, ContentRuns, NO_SITE};
use super::sign::{gist_of, related_docs, Gist};

/// A thread's sketcher and token buffers, for making gists.
type Signing = (Sketcher, (Vec<u32>, Vec<u32>));

impl Scanner {
    /// Mark recurring blocks that are page furniture (see
    /// [`crate::clean::furniture`]): find the blocks that recur in enough
    /// mutually unrelated documents, of the corpus or of one site; count
    /// where they sit; keep the furniture.
    pub(super) fn corpus_furniture(&mut self) -> Result<()> {
        let cfg = &self.plan.config;
        let min_docs = cfg.clean.corpus_min_docs;
        let related = cfg.clean.corpus_related;
        let postings = self.block_postings().map_err(Error::Spill)?;
        let docs = &self.docs;
        // Relatedness needs a signature of the holders a run visits: made
        // when first needed and kept for the other runs. A run visits its
        // holders by id until `min_docs` unrelated ones lead it, so most
        // holders of a widely recurring block are never visited, and their
        // signatures never made (at a million documents, almost every
        // document holds a recurring paragraph).
        let gists: Vec<OnceLock<Gist>> = (0..docs.len()).map(|_| OnceLock::new()).collect();
        let init = || {
            RefCell::new((
                Sketcher::new(cfg.num_perm, self.plan.seeds.minhash),
                (Vec::new(), Vec::new()),
            ))
        };
        let scanner = &*self;
        let gist = |d: u32, state: &RefCell<Signing>| -> &Gist {
            gists[d as usize].get_or_init(|| {
                let (sketcher, buffers) = &mut *state.borrow_mut();
                gist_of(scanner, d, sketcher, buffers)
            })
        };
        // Whether `members` (visited in this order) hold `min_docs` documents
        // no two of which are copies of one text.
        let unrelated = |members: &[u32], state: &RefCell<_>| {
            let mut leaders = Vec::new();
            parts::lead(&mut leaders, members.iter().copied(), min_docs, |a, b| {
                related_docs(gist(a, state), gist(b, state), related)
            })
        };
        // (key, across the corpus, within a site), sorted by key: the
        // postings are read in key order a batch of whole runs at a time.
        let mut recurring: Vec<(u64, bool, bool)> = Vec::new();
        postings
            .for_each_batch(
                index::STREAM_BATCH,
                |p| p[0],
                |batch| {
                    let runs: Vec<&[[u64; 2]]> = batch
                        .chunk_by(|a, b| a[0] == b[0])
                        .filter(|r| r.len() >= min_docs)
                        .collect();
                    let found = runs.par_iter().map_init(init, |state, run| {
                        // Visit documents by id, so the verdict ignores input order.
                        let mut members: Vec<u32> = run.iter().map(|p| p[1] as u32).collect();
                        members.sort_by(|&a, &b| docs[a as usize].id.cmp(&docs[b as usize].id));
                        let across = unrelated(&members, state);
                        members.sort_by_key(|&m| docs[m as usize].site);
                        let within = members
                            .chunk_by(|&a, &b| docs[a as usize].site == docs[b as usize].site)
                            .any(|m| {
                                m.len() >= min_docs
                                    && docs[m[0] as usize].site != NO_SITE
                                    && unrelated(m, state)
                            });
                        (across || within).then_some((run[0][0], across, within))
                    });
                    recurring.par_extend(found.flatten_iter());
                    Ok::<(), std::io::Error>(())
                },
            )
            .map_err(Error::Spill)?;
        drop(gists);
        let recurs = |k: u64| recurring.binary_search_by_key(&k, |r| r.0).is_ok();
        // Where each recurring block sits: one vote per document holding it,
        // true when it lies before the first or after the last block of the
        // document's own content (content that does not recur). A document
        // made mostly of recurring content (a compilation of shared
        // paragraphs) has no meaningful middle, so it abstains.
        let votes = self.furniture_votes(recurs).map_err(Error::Spill)?;
        let clean = &cfg.clean;
        let mut furniture: FxHashMap<u64, Evidence> = FxHashMap::default();
        votes
            .for_each_batch(
                index::STREAM_BATCH,
                |v| v[0],
                |batch| {
                    for run in batch.chunk_by(|a, b| a[0] == b[0]) {
                        let key = run[0][0];
                        let Ok(i) = recurring.binary_search_by_key(&key, |r| r.0) else {
                            continue;
                        };
                        let votes = || run.iter().map(|&v| vote_of(v));
                        let r = Recurrence {
                            form: votes().map(|v| v.1).max().unwrap_or(Form::Formulaic),
                            documents: run.len(),
                            across_corpus: recurring[i].1,
                            within_site: recurring[i].2,
                            voters: votes().filter(|v| v.0.is_some()).count(),
                            at_edge: votes().filter(|v| v.0 == Some(true)).count(),
                        };
                        if let Some(evidence) = r.evidence(clean) {
                            furniture.insert(key, evidence);
                        }
                    }
                    Ok::<(), std::io::Error>(())
                },
            )
            .map_err(Error::Spill)?;
        self.remove_furniture(furniture);
        Ok(())
    }
}

/// Forms in the order of their codes in a vote record.
const FORMS: [Form; 3] = [Form::Formulaic, Form::Sentence, Form::Paragraph];

/// A document's vote on block `key` as a keyed record:
/// `[key, where << 8 | form]`, `where` 0 for an abstention, 1 inside its
/// own content, 2 at its edge.
fn vote_record(key: u64, vote: Option<bool>, form: Form) -> [u64; 2] {
    let at = match vote {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    let form = FORMS.iter().position(|&f| f == form).unwrap_or(0) as u64;
    [key, at << 8 | form]
}

/// The vote and form of a [`vote_record`].
pub(super) fn vote_of(record: [u64; 2]) -> (Option<bool>, Form) {
    let vote = match record[1] >> 8 {
        0 => None,
        1 => Some(false),
        _ => Some(true),
    };
    (vote, FORMS[(record[1] & 0xff) as usize % FORMS.len()])
}

impl Scanner {
    /// Every document's counted block keys as `[key, document]` records,
    /// sorted (and, past the sorts' budget, on disk).
    pub(super) fn block_postings(&self) -> std::io::Result<Sorted<[u64; 2]>> {
        let postings = Sorter::new(&self.sorts);
        postings.emit(self.all_blocks(), |(d, blocks), out| {
            let keys = Analysed::block_keys(&blocks);
            out.extend(keys.into_iter().map(|k| [k, u64::from(d)]));
        });
        postings.finish()
    }

    /// Every document's [votes](Analysed::furniture_votes) on where the
    /// blocks that `recurs` says recur sit, as [`vote_record`]s, sorted.
    pub(super) fn furniture_votes(
        &self,
        recurs: impl Fn(u64) -> bool + Sync,
    ) -> std::io::Result<Sorted<[u64; 2]>> {
        let docs = &self.docs;
        let votes = Sorter::new(&self.sorts);
        votes.emit(self.all_blocks(), |(d, blocks), out| {
            let cast = docs[d as usize].furniture_votes(&blocks, &recurs);
            out.extend(cast.into_iter().map(|(k, v, f)| vote_record(k, v, f)));
        });
        votes.finish()
    }

    /// Remove the furniture that `evidence` (by block key) names from every
    /// document's content, and keep the evidence: every later read of a
    /// block table ([`Scanner::blocks`]) applies it again.
    pub(super) fn remove_furniture(&mut self, evidence: FxHashMap<u64, Evidence>) {
        if evidence.is_empty() {
            return;
        }
        let docs = &self.docs;
        let changed: Vec<(u32, ContentRuns)> = self
            .all_blocks()
            .filter_map(|(d, mut blocks)| {
                let marked = docs[d as usize].remove_furniture(&mut blocks, |k| evidence.get(&k));
                marked.then(|| (d, ContentRuns::of(&blocks)))
            })
            .collect();
        self.set_contents(changed);
        self.furniture = evidence;
    }
}

impl Analysed {
    /// Whether block `b` counts as an occurrence for corpus-wide cleaning:
    /// it has words and is not a repeat within its own document.
    pub(super) fn counted(b: &Block) -> bool {
        b.end > b.start
            && !matches!(&b.status, Status::Removed(e) if matches!(**e, Evidence::Repeated { .. }))
    }

    /// The counted keys of `blocks` (a document's), sorted and distinct:
    /// its postings for corpus-wide cleaning.
    pub(super) fn block_keys(blocks: &[Block]) -> Vec<u64> {
        let mut keys: Vec<u64> = blocks
            .iter()
            .filter(|b| Self::counted(b))
            .map(|b| b.key)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Where each recurring block (`recurs`) sits in this document: one vote
    /// per distinct block, true when it lies before the first or after the
    /// last block of the document's own content (content that does not
    /// recur), sorted by key. A document made mostly of recurring content
    /// (a compilation of shared paragraphs) has no meaningful middle, so it
    /// abstains (`None`). The first occurrence speaks for the document.
    pub(super) fn furniture_votes(
        &self,
        blocks: &[Block],
        recurs: impl Fn(u64) -> bool,
    ) -> Vec<(u64, Option<bool>, Form)> {
        let own = |b: &Block| b.status.is_content() && b.end > b.start && !recurs(b.key);
        let words = |own: bool| -> u32 {
            blocks
                .iter()
                .filter(|b| b.status.is_content() && recurs(b.key) != own)
                .map(|b| b.end - b.start)
                .sum()
        };
        // A plain document has no page around it: its head and tail say
        // nothing of where a site puts its furniture.
        let votes = words(true) >= words(false) && self.kind != Some(Kind::Plain);
        let first = blocks.iter().position(own);
        let last = blocks.iter().rposition(own);
        let mut out: Vec<(u64, Option<bool>, Form)> = blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| Self::counted(b) && recurs(b.key))
            .map(|(i, b)| {
                let edge = match (first, last) {
                    (Some(f), Some(l)) => i < f || i > l,
                    _ => true,
                };
                (b.key, votes.then_some(edge), b.form)
            })
            .collect();
        out.sort_by_key(|v| v.0);
        out.dedup_by_key(|v| v.0);
        out
    }

    /// Mark as furniture every content block whose key has corpus evidence.
    /// A plain document gives up only formulaic lines in a run of furniture
    /// at its very head or tail, and only when content of its own is left
    /// between (`crate::clean::profile`): a sentence or paragraph that
    /// recurs is shared text, and a document made of recurring text alone
    /// (a licence) is all content. Marks `blocks`, the document's, and
    /// says whether it marked any.
    pub(super) fn remove_furniture<'e>(
        &self,
        blocks: &mut [Block],
        evidence: impl Fn(u64) -> Option<&'e Evidence>,
    ) -> bool {
        if self.kind != Some(Kind::Plain) {
            let mut marked = false;
            for b in blocks.iter_mut() {
                if b.status.is_content() {
                    if let Some(e) = evidence(b.key) {
                        b.status = Status::Removed(Box::new(e.clone()));
                        marked = true;
                    }
                }
            }
            return marked;
        }
        let furniture = |b: &Block| {
            (b.form == Form::Formulaic)
                .then(|| evidence(b.key))
                .flatten()
        };
        // Blocks already removed (repeats) neither end nor join a run.
        let run = |blocks: &mut dyn Iterator<Item = (usize, &Block)>| {
            let mut marked = Vec::new();
            for (i, b) in blocks.filter(|(_, b)| b.status.is_content()) {
                match furniture(b) {
                    Some(e) => marked.push((i, e.clone())),
                    None => return Some(marked),
                }
            }
            None // nothing of its own: keep everything
        };
        let Some(head) = run(&mut blocks.iter().enumerate()) else {
            return false;
        };
        let tail = run(&mut blocks.iter().enumerate().rev()).unwrap_or_default();
        let marked = !head.is_empty() || !tail.is_empty();
        for (i, e) in head.into_iter().chain(tail) {
            blocks[i].status = Status::Removed(Box::new(e));
        }
        marked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every vote and form comes back from its record, and a block's
    /// records stay together under its key.
    #[test]
    fn vote_records_round_trip() {
        for key in [0, 1, u64::MAX] {
            for vote in [None, Some(false), Some(true)] {
                for form in FORMS {
                    let r = vote_record(key, vote, form);
                    assert_eq!(r[0], key);
                    assert_eq!(vote_of(r), (vote, form));
                }
            }
        }
    }
}
