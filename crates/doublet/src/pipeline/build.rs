//! The report, from what the corpus-wide stages found: an [`Outcome`],
//! whose two long lists (a record per document, a cluster per kept
//! document) are made a batch at a time when they are written, so that a
//! run never holds the whole report.

use std::ops::Range;

use rayon::prelude::*;

use crate::clean::{Evidence, Status};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::group::{Decision, Verified};
use crate::report::{
    Cleaned, Cluster, DocumentReport, Marked, PairReport, Passage, ReuseCluster, Skipped, Stats,
    SCHEMA,
};
use crate::{PairRelation, Relation, Report, Scanner};

use super::analyse::Block;
use super::passages::{reuse_cluster, Holders, Reuse};
use super::prior::Earlier;

/// What a scan decided, with its report's short parts (settings, totals,
/// pairs) made and its long lists, the documents, the clusters and the
/// reuse clusters, made on demand a range at a time
/// ([`documents`](Self::documents), [`clusters`](Self::clusters),
/// [`reuse`](Self::reuse)), from the block tables the scanner keeps
/// (spilled, on the command line) and the document numbers it holds. A
/// front end that writes the report and the clean corpus as it goes never
/// holds either list whole; [`into_report`](Self::into_report) makes the
/// whole [`Report`].
///
/// ```
/// use doublet::{Config, Document, Scanner};
///
/// let story = "The minister met his counterpart on Friday and said that the talks \
///              had made a little progress on the ceasefire, officials said.";
/// let mut scanner = Scanner::new(Config::default()).unwrap();
/// scanner.push(vec![Document::new("a", story), Document::new("b", story)]).unwrap();
/// let outcome = scanner.finish_outcome().unwrap();
/// assert_eq!(outcome.head().stats.removed, 1);
/// let b = &outcome.documents(1..2).unwrap()[0];
/// assert_eq!(b.duplicate_of.as_deref(), Some("a"));
/// assert_eq!(outcome.clusters(0..1)[0].members, ["a", "b"]);
/// ```
#[derive(Debug)]
pub struct Outcome {
    scanner: Scanner,
    /// The report without its documents and clusters.
    head: Report,
    decisions: Vec<Decision>,
    judged: Vec<bool>,
    /// Per document, its words after cleaning (what was compared).
    content_words: Vec<u32>,
    /// Documents decided before these, at positions from the scan's
    /// document count on (`Scanner::finish_with`).
    earlier: Vec<Earlier>,
    /// Per cluster, in id order: its kept document.
    kept: Vec<u32>,
    /// Every cluster's removed members, cluster after cluster, each
    /// cluster's by id: cluster `c`'s are `members[starts[c]..starts[c + 1]]`.
    members: Vec<u32>,
    starts: Vec<u32>,
    /// Per document of the scan, its cluster.
    cluster_of: Vec<u32>,
    /// The reuse clusters, in report order: each one's holders (document
    /// and passage), named as they are made ([`reuse`](Self::reuse)).
    reuse: Vec<Holders>,
    /// Their passages' texts, where a front end filled them in (empty
    /// until then).
    reuse_texts: Vec<Option<String>>,
}

/// What the corpus-wide stages found, for the report.
pub(super) struct Findings<'a> {
    pub(super) content_words: Vec<u32>,
    pub(super) judged: Vec<bool>,
    pub(super) rep: &'a [u32],
    pub(super) decisions: Vec<Decision>,
    pub(super) related: &'a [Verified],
    pub(super) reuse: &'a [Reuse],
    pub(super) reuse_clusters: Vec<Holders>,
    pub(super) candidate_pairs: usize,
    /// Documents decided before these, at positions from
    /// `content_words.len()` on.
    pub(super) earlier: Vec<Earlier>,
}

/// Rounded as every score in the report: to six decimals.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Bytes of a block table that each cleaning rule removed.
fn cleaned(blocks: &[Block]) -> Cleaned {
    let mut c = Cleaned::default();
    for b in blocks {
        if let Status::Removed(evidence) = &b.status {
            let len = b.span.end - b.span.start;
            *match **evidence {
                Evidence::Repeated { .. } => &mut c.repeated,
                Evidence::Classifier { .. } => &mut c.classifier,
                Evidence::Corpus { .. } => &mut c.corpus,
                Evidence::DuplicateParagraph { .. } => &mut c.duplicate_paragraph,
            } += len;
        }
    }
    c
}

impl Scanner {
    /// The outcome of a run: the report's short parts now, its documents
    /// and clusters on demand. Reads every block table once (for the
    /// totals), and fails when one does not read back.
    pub(super) fn outcome(mut self, config: Config, f: Findings) -> Result<Outcome> {
        if let Some(e) = self.store.failure() {
            return Err(Error::Spill(e));
        }
        // No stage reads tokens any more: their memory and spill file go.
        self.store = Default::default();
        let Findings {
            content_words,
            judged,
            rep,
            decisions,
            related,
            reuse,
            reuse_clusters,
            candidate_pairs,
            earlier,
        } = f;
        let mut outcome = Outcome {
            scanner: self,
            head: Report {
                schema: SCHEMA,
                version: env!("CARGO_PKG_VERSION"),
                config,
                stats: Stats::default(),
                documents: Vec::new(),
                clusters: Vec::new(),
                pairs: Vec::new(),
                reuse: Vec::new(),
                skipped: Vec::new(),
            },
            decisions,
            judged,
            content_words,
            earlier,
            kept: Vec::new(),
            members: Vec::new(),
            starts: Vec::new(),
            cluster_of: Vec::new(),
            reuse: reuse_clusters,
            reuse_texts: Vec::new(),
        };
        outcome.cluster();
        outcome.head.pairs = outcome.pairs(rep, related, reuse);
        outcome.head.stats = outcome.stats(candidate_pairs, reuse.len())?;
        Ok(outcome)
    }
}

impl Outcome {
    /// The report without its documents, clusters and reuse clusters (all
    /// three empty here): settings, totals, pairs and skipped records.
    pub fn head(&self) -> &Report {
        &self.head
    }

    /// The same, to fill in what a front end knows (passages' texts,
    /// skipped records).
    pub fn head_mut(&mut self) -> &mut Report {
        &mut self.head
    }

    /// Record the input records left out, counting them in the totals.
    pub fn set_skipped(&mut self, skipped: Vec<Skipped>) {
        self.head.stats.skipped = skipped.len();
        self.head.skipped = skipped;
    }

    /// Documents in the report.
    pub fn document_count(&self) -> usize {
        self.scanner.docs.len()
    }

    /// Clusters in the report.
    pub fn cluster_count(&self) -> usize {
        self.kept.len()
    }

    /// Members of cluster `c`, its kept document included.
    pub fn cluster_size(&self, c: usize) -> u64 {
        u64::from(self.starts[c + 1] - self.starts[c]) + 1
    }

    /// The report's entries of the documents in `range` (in input order),
    /// made on all threads. Fails when a block table does not read back.
    pub fn documents(&self, range: Range<usize>) -> Result<Vec<DocumentReport>> {
        let range = range.start as u32..range.end.min(self.document_count()) as u32;
        let documents = self
            .scanner
            .blocks_in(range)
            .map(|(d, blocks)| self.document(d as usize, blocks))
            .collect();
        match self.scanner.tables.failure() {
            Some(e) => Err(Error::Spill(e)),
            None => Ok(documents),
        }
    }

    /// The report's clusters with ids in `range`.
    pub fn clusters(&self, range: Range<usize>) -> Vec<Cluster> {
        let range = range.start..range.end.min(self.cluster_count());
        range
            .map(|c| {
                let kept = self.name(self.kept[c] as usize).to_owned();
                let removed = &self.members[self.starts[c] as usize..self.starts[c + 1] as usize];
                let mut members = Vec::with_capacity(1 + removed.len());
                members.push(kept.clone());
                members.extend(removed.iter().map(|&d| self.name(d as usize).to_owned()));
                Cluster {
                    id: c,
                    kept,
                    members,
                }
            })
            .collect()
    }

    /// Reuse clusters in the report.
    pub fn reuse_count(&self) -> usize {
        self.reuse.len()
    }

    /// The report's reuse clusters with ids in `range`.
    pub fn reuse(&self, range: Range<usize>) -> Vec<ReuseCluster> {
        let range = range.start.min(self.reuse_count())..range.end.min(self.reuse_count());
        range
            .map(|c| {
                let text = self.reuse_texts.get(c).cloned().flatten();
                reuse_cluster(c, &self.reuse[c], |d| self.name(d as usize), text)
            })
            .collect()
    }

    /// Where reuse cluster `c`'s passage stands in its first holder: the
    /// holder's id and the passage's bytes there.
    pub fn reuse_passage(&self, c: usize) -> (&str, Range<usize>) {
        let (d, r) = self.reuse[c][0];
        (self.name(d as usize), r.span.start..r.span.end)
    }

    /// Give reuse cluster `c` its passage's text.
    pub fn set_reuse_text(&mut self, c: usize, text: Option<String>) {
        if self.reuse_texts.is_empty() {
            self.reuse_texts = vec![None; self.reuse.len()];
        }
        self.reuse_texts[c] = text;
    }

    /// The whole report.
    pub fn into_report(self) -> Result<Report> {
        let documents = self.documents(0..self.document_count())?;
        let clusters = self.clusters(0..self.cluster_count());
        let reuse = self.reuse(0..self.reuse_count());
        Ok(Report {
            documents,
            clusters,
            reuse,
            ..self.head
        })
    }

    /// Document `d`'s id: a document of the scan, or from its document
    /// count on, one decided before.
    fn name(&self, d: usize) -> &str {
        let docs = &self.scanner.docs;
        match docs.get(d) {
            Some(doc) => &doc.id,
            None => &self.earlier[d - docs.len()].id,
        }
    }

    fn too_little_content(&self, d: usize) -> bool {
        !self.judged[d] && self.decisions[d].kept() && self.scanner.docs[d].words > 0
    }

    /// Number the clusters by their kept documents' ids, and list each
    /// one's removed members by id.
    fn cluster(&mut self) {
        let n = self.document_count();
        let all = n + self.earlier.len();
        let mut targets = vec![false; all];
        for dec in &self.decisions[..n] {
            if let Some(k) = dec.duplicate_of {
                targets[k as usize] = true;
            }
        }
        // Earlier documents are in a cluster here only when a document of
        // the scan duplicates them.
        let mut kept: Vec<u32> = (0..all as u32)
            .filter(|&d| match self.decisions.get(d as usize) {
                Some(dec) => dec.kept(),
                None => targets[d as usize],
            })
            .collect();
        kept.par_sort_by(|&a, &b| self.name(a as usize).cmp(self.name(b as usize)));
        let mut cluster_of_kept = vec![u32::MAX; all];
        for (c, &d) in kept.iter().enumerate() {
            cluster_of_kept[d as usize] = c as u32;
        }
        let cluster_of: Vec<u32> = self.decisions[..n]
            .iter()
            .enumerate()
            .map(|(d, dec)| cluster_of_kept[dec.duplicate_of.map_or(d, |k| k as usize)])
            .collect();
        let mut members: Vec<u32> = (0..n as u32)
            .filter(|&d| !self.decisions[d as usize].kept())
            .collect();
        members.par_sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            (cluster_of[a], self.name(a)).cmp(&(cluster_of[b], self.name(b)))
        });
        let mut starts = vec![0u32; kept.len() + 1];
        for &d in &members {
            starts[cluster_of[d as usize] as usize + 1] += 1;
        }
        for c in 0..kept.len() {
            starts[c + 1] += starts[c];
        }
        (self.kept, self.members, self.starts, self.cluster_of) =
            (kept, members, starts, cluster_of);
    }

    /// Every verified related pair (duplicates, exact copies, and kept
    /// documents sharing passages), ordered by `(a, b)`.
    fn pairs(&self, rep: &[u32], related: &[Verified], reuse: &[Reuse]) -> Vec<PairReport> {
        let t = self.scanner.plan.thresholds;
        let n = self.document_count();
        let mut pairs: Vec<PairReport> = Vec::new();
        let mut push_pair = |a: usize,
                             b: usize,
                             relation: PairRelation,
                             (j, a_in_b, b_in_a): (f64, f64, f64),
                             passages: Vec<Passage>,
                             shared: Option<(f64, f64)>| {
            let (a, b, a_in_b, b_in_a, passages, shared) = if self.name(a) <= self.name(b) {
                (a, b, a_in_b, b_in_a, passages, shared)
            } else {
                let mut swapped: Vec<Passage> =
                    passages.into_iter().map(Passage::swapped).collect();
                swapped.sort_by_key(|p| (p.a, p.b));
                let shared = shared.map(|(x, y)| (y, x));
                (b, a, b_in_a, a_in_b, swapped, shared)
            };
            pairs.push(PairReport {
                a: self.name(a).to_string(),
                b: self.name(b).to_string(),
                relation,
                jaccard: round(j),
                a_in_b: round(a_in_b),
                b_in_a: round(b_in_a),
                a_shared: shared.map(|s| round(s.0)),
                b_shared: shared.map(|s| round(s.1)),
                passages,
            });
        };
        for v in related {
            let o = v.overlap;
            let relation = t
                .relation(o.jaccard, o.a_in_b.max(o.b_in_a))
                .unwrap_or(Relation::Contained);
            let scores = (o.jaccard, o.a_in_b, o.b_in_a);
            push_pair(
                v.a as usize,
                v.b as usize,
                relation.into(),
                scores,
                Vec::new(),
                None,
            );
        }
        for (d, &r) in rep.iter().enumerate().take(n) {
            if r as usize != d {
                let scores = (1.0, 1.0, 1.0);
                push_pair(r as usize, d, PairRelation::Exact, scores, Vec::new(), None);
            }
        }
        for r in reuse {
            let o = r.overlap;
            push_pair(
                r.a as usize,
                r.b as usize,
                PairRelation::SharedPassages,
                (o.jaccard, o.a_in_b, o.b_in_a),
                r.passages.clone(),
                Some(r.shared),
            );
        }
        pairs.par_sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
        pairs
    }

    /// The totals: one pass over every block table, for the bytes cleaning
    /// removed.
    fn stats(&self, candidate_pairs: usize, shared_passage_pairs: usize) -> Result<Stats> {
        let scanner = &self.scanner;
        let n = self.document_count();
        let cleaned: Vec<Cleaned> = scanner
            .blocks_in(0..n as u32)
            .map(|(_, blocks)| cleaned(&blocks))
            .collect();
        if let Some(e) = scanner.tables.failure() {
            return Err(Error::Spill(e));
        }
        let mut stats = Stats {
            documents: n,
            clusters: self.cluster_count(),
            candidate_pairs,
            related_pairs: self.head.pairs.len(),
            shared_passage_pairs,
            reuse_clusters: self.reuse.len(),
            ..Stats::default()
        };
        stats.duplicate_clusters = (0..self.cluster_count())
            .filter(|&c| self.cluster_size(c) > 1)
            .count();
        for (d, (doc, c)) in scanner.docs.iter().zip(&cleaned).enumerate() {
            stats.bytes += doc.bytes as usize;
            stats.repeated_bytes += c.repeated;
            stats.boilerplate_bytes += c.classifier + c.corpus;
            stats.corpus_boilerplate_bytes += c.corpus;
            stats.duplicate_paragraph_bytes += c.duplicate_paragraph;
            if 2 * c.total() > doc.bytes as usize {
                stats.mostly_cleaned += 1;
            }
            stats.too_little_content += usize::from(self.too_little_content(d));
            stats.cleaning_dependent += usize::from(self.decisions[d].cleaning_dependent);
            stats.plain += usize::from(doc.kind == Some(crate::clean::Kind::Plain));
            if doc.words == 0 {
                stats.empty += 1;
            }
            match self.decisions[d].relation {
                None => stats.kept += 1,
                Some(r) => {
                    stats.removed += 1;
                    match r {
                        Relation::Exact => stats.exact += 1,
                        Relation::NearDuplicate => stats.near_duplicate += 1,
                        Relation::Contained => stats.contained += 1,
                    }
                }
            }
        }
        Ok(stats)
    }

    /// Document `d`'s entry, from its block table.
    fn document(&self, d: usize, blocks: Vec<Block>) -> DocumentReport {
        let doc = &self.scanner.docs[d];
        let dec = self.decisions[d];
        let mut report = DocumentReport {
            id: doc.id.to_string(),
            cluster: self.cluster_of[d] as usize,
            kept: dec.kept(),
            duplicate_of: dec.duplicate_of.map(|k| self.name(k as usize).to_owned()),
            relation: dec.relation,
            jaccard: dec.jaccard.map(round),
            containment: dec.containment.map(round),
            repeated: Vec::new(),
            boilerplate: Vec::new(),
            duplicate_paragraphs: Vec::new(),
            cleaned: cleaned(&blocks),
            too_little_content: self.too_little_content(d),
            cleaning_dependent: dec.cleaning_dependent,
            held: false,
            profile: doc.kind,
            bytes: doc.bytes as usize,
            words: doc.words as usize,
            content_words: self.content_words[d] as usize,
            language: doc.language(),
            content: Vec::new(),
        };
        for b in blocks {
            match b.status {
                Status::Content => report.content.push(b.span),
                Status::Removed(evidence) => {
                    let list = match *evidence {
                        Evidence::Repeated { .. } => &mut report.repeated,
                        Evidence::Classifier { .. } | Evidence::Corpus { .. } => {
                            &mut report.boilerplate
                        }
                        Evidence::DuplicateParagraph { .. } => &mut report.duplicate_paragraphs,
                    };
                    list.push(Marked {
                        start: b.span.start,
                        end: b.span.end,
                        evidence: *evidence,
                    });
                }
            }
        }
        report
    }
}
