//! The report: every finding of a run, in the `doublet.report/1` schema.
//!
//! The engine fills these types; front ends print them (as JSON, as a human
//! summary, as HTML). Field names are a public contract: extend, never
//! rename. See `docs/report.md` for the schema with an example.

use serde::Serialize;

use crate::clean::Evidence;
use crate::config::Config;
use crate::group::Relation;
use crate::text::segment::blank_line;
use crate::text::Span;

/// The schema identifier written into every report.
pub const SCHEMA: &str = "doublet.report/1";

/// A whole run's findings.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The engine version that produced the report.
    pub version: &'static str,
    /// Every setting that changes results.
    pub config: Config,
    /// Totals.
    pub stats: Stats,
    /// One entry per input document, in input order.
    pub documents: Vec<DocumentReport>,
    /// Every cluster (singletons included), ordered by id.
    pub clusters: Vec<Cluster>,
    /// Every verified related pair, ordered by `(a, b)`.
    pub pairs: Vec<PairReport>,
    /// Passages (whole paragraphs) held by three or more kept documents,
    /// each listed once with every holder, ordered by first holder.
    pub reuse: Vec<ReuseCluster>,
    /// Input records left out (with `--skip-invalid`), with the reason.
    pub skipped: Vec<Skipped>,
}

/// An input record that was not read as a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The file (`-` for standard input).
    pub source: String,
    /// 1-based line (JSON Lines); 0 for a Parquet row.
    pub line: u64,
    /// 0-based row (Parquet only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// Why.
    pub reason: String,
}

/// Totals of a run. `kept + removed == documents` always holds; `skipped`
/// input records are not documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Documents read.
    pub documents: usize,
    /// Input records skipped as invalid (see `Report::skipped`).
    pub skipped: usize,
    /// Documents kept.
    pub kept: usize,
    /// Documents removed as duplicates.
    pub removed: usize,
    /// Clusters, singletons included.
    pub clusters: usize,
    /// Clusters with more than one member.
    pub duplicate_clusters: usize,
    /// Removed as exact duplicates.
    pub exact: usize,
    /// Removed as near-duplicates.
    pub near_duplicate: usize,
    /// Removed as contained in another document.
    pub contained: usize,
    /// Documents with no words at all (kept, compared with nothing).
    pub empty: usize,
    /// Bytes of input text.
    pub bytes: usize,
    /// Bytes marked as repeated passages.
    pub repeated_bytes: usize,
    /// Bytes marked as boilerplate.
    pub boilerplate_bytes: usize,
    /// Of those, bytes marked as corpus-wide furniture.
    pub corpus_boilerplate_bytes: usize,
    /// Bytes removed as paragraphs another kept document holds
    /// (`dedup_paragraphs`).
    pub duplicate_paragraph_bytes: usize,
    /// Documents that lost more than half of their bytes to cleaning.
    pub mostly_cleaned: usize,
    /// Documents kept because cleaning left too little of them to judge
    /// (see `Config::min_words` and `Config::min_content_share`).
    pub too_little_content: usize,
    /// Documents kept because their match with a kept document rests on
    /// what cleaning removed (see `Config::written_margin`).
    pub cleaning_dependent: usize,
    /// Documents cleaned as plain documents (`clean.profile`); the others,
    /// when cleaning is on, as web pages.
    pub plain: usize,
    /// Candidate pairs proposed by the index.
    pub candidate_pairs: usize,
    /// Verified pairs that met a threshold.
    pub related_pairs: usize,
    /// Pairs of kept documents that share passages without being duplicates.
    pub shared_passage_pairs: usize,
    /// Passages shared by three or more kept documents, each listed once in
    /// `Report::reuse` rather than as every pair.
    pub reuse_clusters: usize,
}

/// A span with the evidence for removing it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Marked {
    /// First byte in the original text.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Why it was marked.
    #[serde(flatten)]
    pub evidence: Evidence,
}

/// One passage held by many documents (passim's reuse cluster): reported
/// once, with every holder, instead of as every pair of holders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReuseCluster {
    /// Its number, in report order.
    pub id: usize,
    /// Words of the passage.
    pub words: usize,
    /// Every kept document holding it, ordered by id.
    pub holders: Vec<Holder>,
    /// The passage as it stands in the first holder (filled by front ends
    /// that can read the text again; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Where one document holds a reused passage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Holder {
    /// The document.
    pub id: String,
    /// First byte of the passage in its original text.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Bytes of one document removed by each cleaning rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cleaned {
    /// Paragraphs repeated inside the document.
    pub repeated: usize,
    /// Furniture found by the per-document classifier.
    pub classifier: usize,
    /// Furniture found corpus-wide.
    pub corpus: usize,
    /// Paragraphs another kept document holds (`dedup_paragraphs`).
    pub duplicate_paragraph: usize,
}

impl Cleaned {
    /// All bytes removed.
    pub fn total(&self) -> usize {
        self.repeated + self.classifier + self.corpus + self.duplicate_paragraph
    }
}

/// What doublet concluded about one document.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentReport {
    /// The document's id.
    pub id: String,
    /// The cluster it belongs to.
    pub cluster: usize,
    /// Whether it is kept.
    pub kept: bool,
    /// The kept document it duplicates, if removed.
    pub duplicate_of: Option<String>,
    /// Its relation to `duplicate_of`.
    pub relation: Option<Relation>,
    /// Measured Jaccard similarity to `duplicate_of`.
    pub jaccard: Option<f64>,
    /// Measured share of this document's shingles found in `duplicate_of`.
    pub containment: Option<f64>,
    /// Repeated passages (byte spans of the original).
    pub repeated: Vec<Marked>,
    /// Boilerplate (byte spans of the original).
    pub boilerplate: Vec<Marked>,
    /// Paragraphs removed because an earlier kept document holds them
    /// (`dedup_paragraphs`; byte spans of the original).
    pub duplicate_paragraphs: Vec<Marked>,
    /// Bytes each cleaning rule removed.
    pub cleaned: Cleaned,
    /// Kept without being judged: cleaning left fewer than `min_words` words,
    /// or corpus-wide cleaning took more than `1 - min_content_share` of what
    /// per-document cleaning kept. A removal on what little is left would
    /// not convince the document's owner.
    pub too_little_content: bool,
    /// Kept although its cleaned content is a duplicate of a kept
    /// document's: the match does not hold on its text as written (the
    /// share of its text that cleaning left, times its containment, is
    /// below `containment - written_margin`). It is in a cluster of its
    /// own; the pair is in `pairs`.
    pub cleaning_dependent: bool,
    /// Already held by the persistent index it was queried against
    /// (`doublet index query`, `POST /v1/query`): decided as if it were
    /// new, against everything else the index holds, never as its own
    /// duplicate. Written only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
    /// What it was cleaned as: `web` (a scraped page) or `plain` (a
    /// document); null when cleaning is off.
    pub profile: Option<crate::clean::Kind>,
    /// Bytes of original text.
    pub bytes: usize,
    /// Words before cleaning.
    pub words: usize,
    /// Words after cleaning (what was compared).
    pub content_words: usize,
    /// Language whose stop words the document uses most (ISO 639-1), if any.
    pub language: Option<&'static str>,
    /// The content blocks kept by cleaning, for writing cleaned text.
    #[serde(skip)]
    pub content: Vec<Span>,
}

impl DocumentReport {
    /// The cleaned text: the content blocks of `original` as its author laid
    /// them out ([`cleaned_text`]); the whole text when it is kept unjudged
    /// (`too_little_content`).
    pub fn cleaned_text(&self, original: &str) -> String {
        if self.too_little_content {
            // Cleaning decided nothing about it: it is written as it came.
            return original.to_owned();
        }
        cleaned_text(original, &self.content)
    }
}

/// The content blocks (`content`: byte spans, in order) of `original`, laid
/// out as the author laid them out: between two content blocks that were
/// neighbours the original line breaks, blank lines and indentation; where
/// blocks were removed between them, the break and indentation that came
/// before the later one. A text nothing was removed from comes back
/// unchanged, byte for byte.
pub fn cleaned_text(original: &str, content: &[Span]) -> String {
    // Layout between blocks: whitespace, and lines that segmentation reads
    // as blank (a Debian copyright file's ` .`).
    let blank = |s: &str| s.split('\n').all(blank_line);
    let text = |s: &Span| original.get(s.start..s.end).unwrap_or("");
    let gaps_blank = content
        .windows(2)
        .all(|w| original.get(w[0].end..w[1].start).is_some_and(&blank));
    let (Some(first), Some(last)) = (content.first(), content.last()) else {
        return String::new();
    };
    let head = original.get(..first.start).unwrap_or("");
    let tail = original.get(last.end..).unwrap_or("");
    if gaps_blank && blank(head) && blank(tail) {
        return original.to_owned();
    }
    // The layout that ends `before`: the blank lines and indentation in
    // front of what follows it, after the last text.
    fn layout_tail(before: &str) -> &str {
        let (mut start, mut rest) = (before.len(), before);
        loop {
            match rest.rfind('\n') {
                Some(i) if blank_line(&rest[i + 1..]) => (start, rest) = (i, &rest[..i]),
                None if blank_line(rest) => return before,
                _ => return &before[start..],
            }
        }
    }
    let mut out = String::with_capacity(original.len());
    // The first block keeps the indentation of its line.
    let space = layout_tail(head);
    out.push_str(&space[space.rfind('\n').map_or(0, |i| i + 1)..]);
    out.push_str(text(first));
    for w in content.windows(2) {
        let between = original.get(w[0].end..w[1].start).unwrap_or("");
        out.push_str(if blank(between) {
            between
        } else {
            layout_tail(between)
        });
        out.push_str(text(&w[1]));
    }
    let end = original.trim_end().len();
    out.push_str(if blank(tail) { tail } else { &original[end..] });
    out
}

/// A kept document and the documents removed as its duplicates.
#[derive(Clone, Debug, Serialize)]
pub struct Cluster {
    /// Cluster id (clusters are numbered by their kept document's id).
    pub id: usize,
    /// The kept document.
    pub kept: String,
    /// Every member, the kept one first, the others by id.
    pub members: Vec<String>,
}

/// How two documents relate, from closest to farthest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairRelation {
    /// Same normalised content.
    Exact,
    /// Jaccard similarity at or above the threshold.
    NearDuplicate,
    /// One's share of shingles found in the other at or above the threshold.
    Contained,
    /// Not duplicates, but they share at least one aligned passage.
    SharedPassages,
    /// Nothing of the above.
    Unrelated,
}

impl From<Relation> for PairRelation {
    fn from(r: Relation) -> Self {
        match r {
            Relation::Exact => PairRelation::Exact,
            Relation::NearDuplicate => PairRelation::NearDuplicate,
            Relation::Contained => PairRelation::Contained,
        }
    }
}

/// A passage two documents share.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Passage {
    /// Its bytes in the first document's original text.
    pub a: Span,
    /// Its bytes in the second document's original text.
    pub b: Span,
    /// Its length in words, in the first document.
    pub tokens: usize,
    /// The passage as it stands in the first document, when the text is at
    /// hand: always from `compare`; in a scan report the engine leaves it
    /// empty (it keeps no text) and the CLI fills it from the input files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Passage {
    /// The same passage seen from the other document.
    pub fn swapped(self) -> Passage {
        Passage {
            a: self.b,
            b: self.a,
            ..self
        }
    }
}

/// Two documents side by side (`doublet compare`): the same record as a
/// report's pair, where the relation may also be `unrelated` and passages
/// carry their text.
pub type Comparison = PairReport;

/// A verified related pair.
#[derive(Clone, Debug, Serialize)]
pub struct PairReport {
    /// The smaller id.
    pub a: String,
    /// The larger id.
    pub b: String,
    /// How they relate.
    pub relation: PairRelation,
    /// Measured Jaccard similarity.
    pub jaccard: f64,
    /// Share of `a`'s shingles found in `b`.
    pub a_in_b: f64,
    /// Share of `b`'s shingles found in `a`.
    pub b_in_a: f64,
    /// Share of `a`'s content words inside the passages it shares with `b`:
    /// how much of `a` is derived from `b` (or `b` from `a`), verbatim or
    /// rewritten. Present when passages were aligned (`compare`, and a
    /// scan's `shared_passages` pairs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_shared: Option<f64>,
    /// Share of `b`'s content words inside the passages it shares with `a`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_shared: Option<f64>,
    /// Shared passages, in `a`'s order (a scan lists them for
    /// `shared_passages` pairs; `compare` for every pair).
    pub passages: Vec<Passage>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment;

    /// The blocks of `text`, all kept but those holding `drop`.
    fn keep_but(text: &str, drop: &str) -> Vec<Span> {
        segment::blocks(text)
            .into_iter()
            .filter(|s| !text[s.start..s.end].contains(drop))
            .collect()
    }

    #[test]
    fn a_text_nothing_was_removed_from_comes_back_byte_for_byte() {
        let t = "\n  Title\n\nFirst paragraph that\n  wraps.\n .\n Second.\n\n\n";
        assert_eq!(cleaned_text(t, &segment::blocks(t)), t);
    }

    #[test]
    fn removed_blocks_leave_the_layout_of_what_follows() {
        let t = "Menu | Home | News\nFirst paragraph.\n\nSecond paragraph.\n .\n Third, indented.\nFooter line\n";
        assert_eq!(
            cleaned_text(t, &keep_but(t, "Menu")),
            "First paragraph.\n\nSecond paragraph.\n .\n Third, indented.\nFooter line\n"
        );
        assert_eq!(
            cleaned_text(t, &keep_but(t, "Second")),
            "Menu | Home | News\nFirst paragraph.\n .\n Third, indented.\nFooter line\n"
        );
        assert_eq!(
            cleaned_text(t, &keep_but(t, "Footer")),
            "Menu | Home | News\nFirst paragraph.\n\nSecond paragraph.\n .\n Third, indented.\n"
        );
        assert_eq!(cleaned_text(t, &[]), "");
    }
}
