//! The report, from what the corpus-wide stages found.

use rayon::prelude::*;

use crate::clean::{Evidence, Status};
use crate::config::Config;
use crate::group::Verified;
use crate::report::{
    Cleaned, Cluster, DocumentReport, Marked, PairReport, Passage, ReuseCluster, Stats, SCHEMA,
};
use crate::{group, PairRelation, Relation, Report, Scanner};

use super::passages::Reuse;
use crate::sign::DocSketch;

impl Scanner {
    pub(super) fn build_report(&self, config: Config, f: Findings) -> Report {
        let Findings {
            sketches,
            judged,
            rep,
            decisions,
            related,
            reuse,
            reuse_clusters,
            candidate_pairs,
            earlier,
        } = f;
        let docs = &self.docs;
        let n = docs.len();
        // Positions from `n` on are documents decided before these
        // (`Scanner::finish_with`): kept, and in a cluster here only when a
        // document here duplicates them.
        let name = |d: usize| -> &str {
            match docs.get(d) {
                Some(doc) => &doc.id,
                None => &earlier[d - n].id,
            }
        };
        let all = n + earlier.len();
        let mut targets = vec![false; all];
        for dec in &decisions[..n] {
            if let Some(k) = dec.duplicate_of {
                targets[k as usize] = true;
            }
        }
        // Clusters are numbered by their kept document's id.
        let mut kept: Vec<u32> = (0..all as u32)
            .filter(|&d| {
                let d = d as usize;
                if d < n {
                    decisions[d].kept()
                } else {
                    targets[d]
                }
            })
            .collect();
        kept.sort_by(|&a, &b| name(a as usize).cmp(name(b as usize)));
        let mut cluster_of_kept = vec![usize::MAX; all];
        for (c, &d) in kept.iter().enumerate() {
            cluster_of_kept[d as usize] = c;
        }
        let cluster = |d: usize| match decisions[d].duplicate_of {
            Some(k) => cluster_of_kept[k as usize],
            None => cluster_of_kept[d],
        };
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); kept.len()];
        for d in 0..n {
            if !decisions[d].kept() {
                members[cluster(d)].push(d as u32);
            }
        }
        let clusters: Vec<Cluster> = kept
            .iter()
            .zip(members)
            .enumerate()
            .map(|(id, (&k, mut m))| {
                m.sort_by(|&a, &b| docs[a as usize].id.cmp(&docs[b as usize].id));
                let mut ids = vec![name(k as usize).to_string()];
                ids.extend(m.iter().map(|&d| docs[d as usize].id.clone()));
                Cluster {
                    id,
                    kept: name(k as usize).to_string(),
                    members: ids,
                }
            })
            .collect();

        let mut stats = Stats {
            documents: n,
            clusters: clusters.len(),
            candidate_pairs,
            ..Stats::default()
        };
        stats.duplicate_clusters = clusters.iter().filter(|c| c.members.len() > 1).count();

        let round = |x: f64| (x * 1e6).round() / 1e6;
        let t = self.plan.thresholds;
        let mut pairs: Vec<PairReport> = Vec::new();
        let mut push_pair = |a: usize,
                             b: usize,
                             relation: PairRelation,
                             j: f64,
                             a_in_b: f64,
                             b_in_a: f64,
                             passages: Vec<Passage>,
                             shared: Option<(f64, f64)>| {
            let (a, b, a_in_b, b_in_a, passages, shared) = if name(a) <= name(b) {
                (a, b, a_in_b, b_in_a, passages, shared)
            } else {
                let mut swapped: Vec<Passage> =
                    passages.into_iter().map(Passage::swapped).collect();
                swapped.sort_by_key(|p| (p.a, p.b));
                let shared = shared.map(|(x, y)| (y, x));
                (b, a, b_in_a, a_in_b, swapped, shared)
            };
            pairs.push(PairReport {
                a: name(a).to_string(),
                b: name(b).to_string(),
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
            push_pair(
                v.a as usize,
                v.b as usize,
                relation.into(),
                o.jaccard,
                o.a_in_b,
                o.b_in_a,
                Vec::new(),
                None,
            );
        }
        for (d, &r) in rep.iter().enumerate().take(n) {
            if r as usize != d {
                push_pair(
                    r as usize,
                    d,
                    PairRelation::Exact,
                    1.0,
                    1.0,
                    1.0,
                    Vec::new(),
                    None,
                );
            }
        }
        for r in reuse {
            let o = r.overlap;
            let passages = r.passages.clone();
            push_pair(
                r.a as usize,
                r.b as usize,
                PairRelation::SharedPassages,
                o.jaccard,
                o.a_in_b,
                o.b_in_a,
                passages,
                Some(r.shared),
            );
        }
        stats.shared_passage_pairs = reuse.len();
        stats.reuse_clusters = reuse_clusters.len();
        pairs.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
        stats.related_pairs = pairs.len();

        let duplicate_of: Vec<Option<String>> = decisions[..n]
            .iter()
            .map(|dec| dec.duplicate_of.map(|k| name(k as usize).to_string()))
            .collect();
        let documents: Vec<DocumentReport> = self
            .all_blocks()
            .map(|(d, blocks)| {
                let d = d as usize;
                let doc = &docs[d];
                let dec = decisions[d];
                let mut report = DocumentReport {
                    id: doc.id.clone(),
                    cluster: cluster(d),
                    kept: dec.kept(),
                    duplicate_of: None,
                    relation: dec.relation,
                    jaccard: dec.jaccard.map(round),
                    containment: dec.containment.map(round),
                    repeated: Vec::new(),
                    boilerplate: Vec::new(),
                    duplicate_paragraphs: Vec::new(),
                    cleaned: Cleaned::default(),
                    too_little_content: !judged[d] && dec.kept() && doc.words > 0,
                    cleaning_dependent: dec.cleaning_dependent,
                    held: false,
                    profile: doc.kind,
                    bytes: doc.bytes,
                    words: doc.words as usize,
                    content_words: sketches[d].words as usize,
                    language: doc.language,
                    content: Vec::new(),
                };
                for b in blocks {
                    match b.status {
                        Status::Content => report.content.push(b.span),
                        Status::Removed(evidence) => {
                            let len = b.span.end - b.span.start;
                            let c = &mut report.cleaned;
                            let (list, count) = match *evidence {
                                Evidence::Repeated { .. } => {
                                    (&mut report.repeated, &mut c.repeated)
                                }
                                Evidence::Classifier { .. } => {
                                    (&mut report.boilerplate, &mut c.classifier)
                                }
                                Evidence::Corpus { .. } => (&mut report.boilerplate, &mut c.corpus),
                                Evidence::DuplicateParagraph { .. } => {
                                    (&mut report.duplicate_paragraphs, &mut c.duplicate_paragraph)
                                }
                            };
                            *count += len;
                            list.push(Marked {
                                start: b.span.start,
                                end: b.span.end,
                                evidence: *evidence,
                            });
                        }
                    }
                }
                report
            })
            .collect();
        let mut documents = documents;
        for (doc, dup) in documents.iter_mut().zip(duplicate_of) {
            doc.duplicate_of = dup;
        }
        for doc in &documents {
            stats.bytes += doc.bytes;
            stats.repeated_bytes += doc.cleaned.repeated;
            stats.boilerplate_bytes += doc.cleaned.classifier + doc.cleaned.corpus;
            stats.corpus_boilerplate_bytes += doc.cleaned.corpus;
            stats.duplicate_paragraph_bytes += doc.cleaned.duplicate_paragraph;
            if 2 * doc.cleaned.total() > doc.bytes {
                stats.mostly_cleaned += 1;
            }
            stats.too_little_content += usize::from(doc.too_little_content);
            stats.cleaning_dependent += usize::from(doc.cleaning_dependent);
            stats.plain += usize::from(doc.profile == Some(crate::clean::Kind::Plain));
            if doc.words == 0 {
                stats.empty += 1;
            }
            match doc.relation {
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
        Report {
            schema: SCHEMA,
            version: env!("CARGO_PKG_VERSION"),
            config,
            stats,
            documents,
            clusters,
            pairs,
            reuse: reuse_clusters,
            skipped: Vec::new(),
        }
    }
}

/// What the corpus-wide stages found, for the report.
pub(super) struct Findings<'a> {
    pub(super) sketches: &'a [DocSketch],
    pub(super) judged: &'a [bool],
    pub(super) rep: &'a [u32],
    pub(super) decisions: &'a [group::Decision],
    pub(super) related: &'a [Verified],
    pub(super) reuse: &'a [Reuse],
    pub(super) reuse_clusters: Vec<ReuseCluster>,
    pub(super) candidate_pairs: usize,
    /// Documents decided before these, at positions from `sketches.len()` on.
    pub(super) earlier: &'a [super::prior::Earlier],
}
