//! The human summary of a scan: totals, then the largest clusters with their
//! kept document and each removed one with its relation and measured scores,
//! the pairs sharing the most text, and the documents cleaning cut most. A
//! long list stops at a limit and says how many more there are and where.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::Path;

use doublet::report::{Cluster, DocumentReport, PairReport};
use doublet::{PairRelation, Relation, Report};

use super::{size, Closeness};
use crate::commands::{Whole, LIST_BATCH};

fn relation(r: Relation) -> &'static str {
    match r {
        Relation::Exact => "exact duplicate",
        Relation::NearDuplicate => "near-duplicate",
        Relation::Contained => "contained",
    }
}

fn cleaned(d: &DocumentReport) -> String {
    let c = &d.cleaned;
    let (rep, bp) = (c.repeated, c.classifier + c.corpus);
    if c.total() == 0 {
        return "nothing cleaned".into();
    }
    let pct = |x: usize| {
        if d.bytes == 0 {
            0.0
        } else {
            100.0 * x as f64 / d.bytes as f64
        }
    };
    let mut parts = Vec::new();
    if rep > 0 {
        parts.push(format!("{} repeated ({:.0}%)", size(rep), pct(rep)));
    }
    if bp > 0 {
        parts.push(format!("{} boilerplate ({:.0}%)", size(bp), pct(bp)));
    }
    if c.duplicate_paragraph > 0 {
        let dp = c.duplicate_paragraph;
        parts.push(format!(
            "{} duplicate paragraphs ({:.0}%)",
            size(dp),
            pct(dp)
        ));
    }
    format!("cleaned {}", parts.join(", "))
}

/// Share of the corpus's bytes that corpus-wide cleaning may mark before the
/// summary warns: site furniture the per-document classifier misses is a few
/// percent of a page at most.
const CORPUS_WARN: f64 = 0.10;

/// Documents listed one by one at most; larger runs show the duplicate
/// clusters and the most-cleaned documents only.
const LIST_ALL: usize = 50;

/// Entries listed per section unless told otherwise (`scan --limit`).
pub const LIMIT: usize = 10;

/// `1234567` as `1,234,567`.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The line after a list cut at the limit.
fn more(
    out: &mut impl Write,
    left: usize,
    what: (&str, &str),
    full: Option<&Path>,
) -> io::Result<()> {
    if left == 0 {
        return Ok(());
    }
    let what = if left == 1 { what.0 } else { what.1 };
    let place = match full {
        Some(p) if p != Path::new("-") => format!("all in {}", p.display()),
        _ => "all in the JSON report: --json or --report FILE".to_owned(),
    };
    writeln!(
        out,
        "  … and {} more {what} ({place}; --limit N lists more)",
        count(left)
    )
}

/// What the summary reads of the documents: those its lists name, and the
/// most cleaned ones, found in one pass over the documents a batch at a
/// time (so that a report whose documents are made as they are read is
/// never held whole).
struct Read {
    /// The documents the lists name, by id.
    named: HashMap<String, DocumentReport>,
    /// The `limit` most cleaned documents, most cleaned first, then by id.
    most: Vec<DocumentReport>,
    /// Documents with something cleaned.
    cleaned: usize,
}

impl Read {
    fn of(report: &dyn Whole, names: &HashSet<&str>, limit: usize) -> anyhow::Result<Read> {
        let key = |d: &DocumentReport| (std::cmp::Reverse(d.cleaned.total()), d.id.clone());
        let mut read = Read {
            named: HashMap::new(),
            most: Vec::new(),
            cleaned: 0,
        };
        for lo in (0..report.document_count()).step_by(LIST_BATCH) {
            for d in report.documents(lo..lo + LIST_BATCH)?.iter() {
                if names.contains(d.id.as_str()) {
                    read.named.insert(d.id.clone(), d.clone());
                }
                if d.cleaned.total() > 0 {
                    read.cleaned += 1;
                    read.most.push(d.clone());
                }
            }
            if read.most.len() > limit.saturating_mul(2).max(LIST_BATCH) {
                read.most.sort_by_key(key);
                read.most.truncate(limit);
            }
        }
        read.most.sort_by_key(key);
        read.most.truncate(limit);
        Ok(read)
    }
}

/// The summary, listing at most `limit` entries per section (0: all);
/// `full` names the JSON report written beside it, if any.
pub fn print(
    report: &dyn Whole,
    limit: usize,
    full: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let limit = if limit == 0 { usize::MAX } else { limit };
    let head = report.head();
    let small = report.document_count() <= LIST_ALL;
    // Largest clusters first (then in report order); single documents only
    // in a small run.
    let mut clusters: Vec<Cluster> = Vec::new();
    for lo in (0..report.cluster_count()).step_by(LIST_BATCH) {
        clusters.extend(
            report
                .clusters(lo..lo + LIST_BATCH)
                .iter()
                .filter(|c| c.members.len() >= 2 || small)
                .cloned(),
        );
    }
    if !small {
        clusters.sort_by_key(|c| std::cmp::Reverse(c.members.len()));
    }
    let shown = clusters.len().min(limit);
    // Pairs sharing the most words first (then in report order).
    let mut reuse: Vec<_> = head
        .pairs
        .iter()
        .filter(|p| p.relation == PairRelation::SharedPassages)
        .collect();
    let words =
        |p: &doublet::report::PairReport| -> usize { p.passages.iter().map(|x| x.tokens).sum() };
    reuse.sort_by_key(|p| std::cmp::Reverse(words(p)));
    let names: HashSet<&str> = clusters[..shown]
        .iter()
        .flat_map(|c| std::iter::once(c.kept.as_str()).chain(c.members.iter().map(String::as_str)))
        .chain(
            reuse
                .iter()
                .take(limit)
                .flat_map(|p| [p.a.as_str(), p.b.as_str()]),
        )
        .collect();
    let read = Read::of(report, &names, if small { 0 } else { limit })?;
    let lists = Lists {
        small,
        clusters: &clusters,
        shown,
        reuse: &reuse,
        read: &read,
        limit,
    };
    print_lists(head, &lists, full, out)?;
    Ok(())
}

/// What the summary lists, chosen by [`print`].
struct Lists<'a> {
    /// A run small enough to list every cluster.
    small: bool,
    /// The clusters to list, in order, of which the first `shown`.
    clusters: &'a [Cluster],
    shown: usize,
    /// Pairs sharing passages, most shared words first.
    reuse: &'a [&'a PairReport],
    read: &'a Read,
    limit: usize,
}

fn print_lists(
    report: &Report,
    lists: &Lists<'_>,
    full: Option<&Path>,
    out: &mut impl Write,
) -> io::Result<()> {
    let Lists {
        small,
        clusters,
        shown,
        reuse,
        read,
        limit,
    } = *lists;
    let s = &report.stats;
    writeln!(
        out,
        "doublet {}: {} documents, {}",
        report.version,
        s.documents,
        size(s.bytes)
    )?;
    writeln!(
        out,
        "kept {}, removed {} (exact {}, near-duplicate {}, contained {}); {} clusters, {} with duplicates",
        s.kept, s.removed, s.exact, s.near_duplicate, s.contained, s.clusters, s.duplicate_clusters
    )?;
    writeln!(
        out,
        "cleaned {} repeated and {} boilerplate",
        size(s.repeated_bytes),
        size(s.boilerplate_bytes),
    )?;
    let duplicates = s.related_pairs.saturating_sub(s.shared_passage_pairs);
    writeln!(
        out,
        "{} candidate pairs measured for duplication; {} related pairs reported: {} {}, {} sharing passages",
        count(s.candidate_pairs),
        count(s.related_pairs),
        count(duplicates),
        if duplicates == 1 { "duplicate" } else { "duplicates" },
        count(s.shared_passage_pairs)
    )?;
    if s.too_little_content > 0 {
        writeln!(
            out,
            "{} documents kept without judgement and written whole: cleaning left too little of them (fewer than {} words, or less than {:.0}% of their text)",
            s.too_little_content,
            report.config.min_words,
            100.0 * report.config.min_content_share
        )?;
    }
    if s.cleaning_dependent > 0 {
        writeln!(
            out,
            "{} documents kept because their match rests on what cleaning removed: less than {:.0}% of their text as written is in the kept document (written_margin {})",
            s.cleaning_dependent,
            100.0 * (report.config.containment - report.config.written_margin).max(0.0),
            report.config.written_margin
        )?;
    }
    if s.duplicate_paragraph_bytes > 0 {
        writeln!(
            out,
            "removed {} of paragraphs that an earlier kept document holds (--dedup-paragraphs)",
            size(s.duplicate_paragraph_bytes)
        )?;
    }
    if s.reuse_clusters > 0 {
        writeln!(
            out,
            "{} passages are each shared by 3 or more kept documents (listed once each as `reuse` in the JSON report)",
            s.reuse_clusters
        )?;
    }
    if s.bytes > 0 && s.corpus_boilerplate_bytes as f64 > CORPUS_WARN * s.bytes as f64 {
        writeln!(
            out,
            "warning: corpus-wide cleaning marked {} ({:.1}% of the corpus) as page furniture; {} documents lost more than half their bytes to cleaning. Check a few in the report, or compare with --no-clean.",
            size(s.corpus_boilerplate_bytes),
            100.0 * s.corpus_boilerplate_bytes as f64 / s.bytes as f64,
            s.mostly_cleaned
        )?;
    }
    let by_id = &read.named;
    for c in &clusters[..shown] {
        let Some(kept) = by_id.get(c.kept.as_str()) else {
            continue;
        };
        writeln!(out)?;
        writeln!(
            out,
            "cluster {}: kept {} ({} words; {})",
            c.id,
            kept.id,
            kept.content_words,
            cleaned(kept)
        )?;
        for m in &c.members[1..] {
            let Some(d) = by_id.get(m.as_str()) else {
                continue;
            };
            writeln!(
                out,
                "  removed {}: {} {} {} ({:.0}% of its shingles are there; jaccard {:.3}; {} words; {})",
                d.id,
                d.relation.map_or("?", relation),
                match d.relation {
                    Some(Relation::Contained) => "in",
                    _ => "of",
                },
                d.duplicate_of.as_deref().unwrap_or(&kept.id),
                100.0 * d.containment.unwrap_or(0.0),
                d.jaccard.unwrap_or(0.0),
                d.content_words,
                cleaned(d)
            )?;
        }
    }
    if clusters.len() > shown {
        writeln!(out)?;
    }
    more(
        out,
        clusters.len() - shown,
        if small {
            ("cluster", "clusters")
        } else {
            ("cluster with duplicates", "clusters with duplicates")
        },
        full,
    )?;
    let words =
        |p: &doublet::report::PairReport| -> usize { p.passages.iter().map(|x| x.tokens).sum() };
    if !reuse.is_empty() {
        writeln!(out)?;
        let plural = if reuse.len() == 1 { "pair" } else { "pairs" };
        writeln!(
            out,
            "shared passages between kept documents ({} {plural}):",
            reuse.len()
        )?;
        let unjudged: HashSet<&str> = read
            .named
            .values()
            .filter(|d| d.too_little_content)
            .map(|d| d.id.as_str())
            .collect();
        for p in reuse.iter().take(limit) {
            let closeness = match Closeness::of(report, p, &unjudged) {
                Closeness::NearByJaccard | Closeness::NearByContainment => format!(
                    "jaccard {:.3}, containment {:.3}: a near miss, below the duplicate thresholds {:.2} and {:.2}",
                    p.jaccard,
                    p.a_in_b.max(p.b_in_a),
                    report.config.threshold,
                    report.config.containment
                ),
                Closeness::Unjudged => format!(
                    "jaccard {:.3}: too little content to judge as duplicates",
                    p.jaccard
                ),
                Closeness::Apart => format!("jaccard {:.3}", p.jaccard),
            };
            writeln!(
                out,
                "  {} and {}: {} passage{}, {} words ({closeness})",
                p.a,
                p.b,
                p.passages.len(),
                if p.passages.len() == 1 { "" } else { "s" },
                words(p),
            )?;
        }
        more(
            out,
            reuse.len().saturating_sub(limit),
            ("pair", "pairs"),
            full,
        )?;
    }
    if !small {
        let most = &read.most;
        if !most.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "most cleaned ({} documents had something removed):",
                read.cleaned
            )?;
            for d in most.iter().take(limit) {
                writeln!(out, "  {}: {}", d.id, cleaned(d))?;
            }
            more(
                out,
                read.cleaned.saturating_sub(limit),
                ("document", "documents"),
                full,
            )?;
        }
    }
    Ok(())
}
