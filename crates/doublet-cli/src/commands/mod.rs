//! One file per subcommand.

pub mod compare;
pub mod dedup;
pub mod eval;
pub mod help;
pub mod index;
pub mod scan;
pub mod serve;

use std::path::Path;

use std::io::Write;

use std::borrow::Cow;
use std::ops::Range;

use anyhow::{Context, Result};
use doublet::report::{Cluster, DocumentReport, ReuseCluster};
use doublet::{Outcome, Report};
use doublet_io::plan::Source;
use doublet_io::Output;

use crate::args::Common;
use crate::settings::Resources;

/// Run `f` on a thread pool of the requested size.
pub fn with_threads<T: Send>(
    resources: &Resources,
    f: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = resources.threads {
        builder = builder.num_threads(n);
    }
    builder.build()?.install(f)
}

/// The JSON report, streamed into a pending output (compressed when the
/// name ends in `.gz` or `.zst`); it appears when the run's outputs are
/// committed.
pub fn report_output(path: &Path, report: &dyn Whole) -> Result<Output> {
    let mut out = Output::create(path)?;
    write_pretty(&mut out, report).with_context(|| path.display().to_string())?;
    out.write_all(b"\n")
        .with_context(|| path.display().to_string())?;
    Ok(out)
}

/// A report to write: a whole [`Report`], or an [`Outcome`] whose
/// documents and clusters are made a range at a time as they are written.
pub trait Whole: Sync {
    /// Everything but the documents and clusters.
    fn head(&self) -> &Report;
    fn document_count(&self) -> usize;
    fn cluster_count(&self) -> usize;
    /// The documents in `range` (clamped to the count).
    fn documents(&self, range: Range<usize>) -> Result<Cow<'_, [DocumentReport]>>;
    /// The clusters in `range` (clamped to the count).
    fn clusters(&self, range: Range<usize>) -> Cow<'_, [Cluster]>;
    fn reuse_count(&self) -> usize;
    /// The reuse clusters in `range` (clamped to the count).
    fn reuse(&self, range: Range<usize>) -> Cow<'_, [ReuseCluster]>;
}

fn clamp<T>(items: &[T], range: Range<usize>) -> &[T] {
    &items[range.start.min(items.len())..range.end.min(items.len())]
}

impl Whole for Report {
    fn head(&self) -> &Report {
        self
    }
    fn document_count(&self) -> usize {
        self.documents.len()
    }
    fn cluster_count(&self) -> usize {
        self.clusters.len()
    }
    fn documents(&self, range: Range<usize>) -> Result<Cow<'_, [DocumentReport]>> {
        Ok(Cow::Borrowed(clamp(&self.documents, range)))
    }
    fn clusters(&self, range: Range<usize>) -> Cow<'_, [Cluster]> {
        Cow::Borrowed(clamp(&self.clusters, range))
    }
    fn reuse_count(&self) -> usize {
        self.reuse.len()
    }
    fn reuse(&self, range: Range<usize>) -> Cow<'_, [ReuseCluster]> {
        Cow::Borrowed(clamp(&self.reuse, range))
    }
}

impl Whole for Outcome {
    fn head(&self) -> &Report {
        Outcome::head(self)
    }
    fn document_count(&self) -> usize {
        Outcome::document_count(self)
    }
    fn cluster_count(&self) -> usize {
        Outcome::cluster_count(self)
    }
    fn documents(&self, range: Range<usize>) -> Result<Cow<'_, [DocumentReport]>> {
        Ok(Cow::Owned(Outcome::documents(self, range)?))
    }
    fn clusters(&self, range: Range<usize>) -> Cow<'_, [Cluster]> {
        Cow::Owned(Outcome::clusters(self, range))
    }
    fn reuse_count(&self) -> usize {
        Outcome::reuse_count(self)
    }
    fn reuse(&self, range: Range<usize>) -> Cow<'_, [ReuseCluster]> {
        Cow::Owned(Outcome::reuse(self, range))
    }
}

/// Entries of a long list made, formatted and written at a time.
pub const LIST_BATCH: usize = 4096;

/// `report` exactly as `serde_json::to_writer_pretty` writes it, with the
/// long lists (documents, clusters, pairs, reuse clusters) formatted on all
/// threads, a bounded batch of entries at a time, and written in order. A
/// test holds the bytes equal, so a field added to `Report` and not here
/// fails it.
pub fn write_pretty(out: &mut dyn Write, report: &dyn Whole) -> Result<()> {
    let mut pretty = PrettyReport::start(out, report.head())?;
    for lo in (0..report.document_count()).step_by(LIST_BATCH) {
        pretty.documents(&report.documents(lo..lo + LIST_BATCH)?)?;
    }
    pretty.finish(report)?;
    Ok(())
}

/// The pretty JSON report written as it is made: its head, then the
/// documents a batch at a time, then the rest.
pub struct PrettyReport<W: Write> {
    out: W,
    /// Documents written so far.
    written: usize,
}

impl<W: Write> PrettyReport<W> {
    /// Write the fields before the documents.
    pub fn start(mut out: W, head: &Report) -> std::io::Result<Self> {
        out.write_all(b"{\n  \"schema\": ")?;
        pretty(&mut out, &head.schema, 1)?;
        out.write_all(b",\n  \"version\": ")?;
        pretty(&mut out, &head.version, 1)?;
        out.write_all(b",\n  \"config\": ")?;
        pretty(&mut out, &head.config, 1)?;
        out.write_all(b",\n  \"stats\": ")?;
        pretty(&mut out, &head.stats, 1)?;
        out.write_all(b",\n  \"documents\": ")?;
        Ok(PrettyReport { out, written: 0 })
    }

    /// Write the next documents.
    pub fn documents(&mut self, documents: &[DocumentReport]) -> std::io::Result<()> {
        pretty_entries(&mut self.out, documents, self.written == 0)?;
        self.written += documents.len();
        Ok(())
    }

    /// Documents written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Write the next `count` documents, formatted by [`pretty_entries_of`]
    /// (as the first ones when none were written before).
    pub fn write_documents(&mut self, formatted: &[Vec<u8>], count: usize) -> std::io::Result<()> {
        formatted
            .iter()
            .try_for_each(|part| self.out.write_all(part))?;
        self.written += count;
        Ok(())
    }

    /// Close the documents and write the rest of `report`; the output.
    pub fn finish(mut self, report: &dyn Whole) -> Result<W> {
        let out = &mut self.out;
        close_list(out, self.written)?;
        let head = report.head();
        out.write_all(b",\n  \"clusters\": ")?;
        let clusters = report.cluster_count();
        for lo in (0..clusters).step_by(LIST_BATCH) {
            pretty_entries(out, &report.clusters(lo..lo + LIST_BATCH), lo == 0)?;
        }
        close_list(out, clusters)?;
        out.write_all(b",\n  \"pairs\": ")?;
        pretty_list(out, &head.pairs)?;
        out.write_all(b",\n  \"reuse\": ")?;
        let reuse = report.reuse_count();
        for lo in (0..reuse).step_by(LIST_BATCH) {
            pretty_entries(out, &report.reuse(lo..lo + LIST_BATCH), lo == 0)?;
        }
        close_list(out, reuse)?;
        out.write_all(b",\n  \"skipped\": ")?;
        pretty_list(out, &head.skipped)?;
        out.write_all(b"\n}")?;
        Ok(self.out)
    }
}

/// `value` as the pretty printer writes it at `level` levels of nesting
/// (two spaces each): its lines after the first indented by that much.
fn pretty(
    out: &mut (impl Write + ?Sized),
    value: &(impl serde::Serialize + ?Sized),
    level: usize,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        Nested {
            level,
            has_value: false,
        },
    );
    value.serialize(&mut ser).map_err(std::io::Error::from)
}

/// `serde_json`'s pretty layout (two spaces a level) started `level` levels
/// deep, so that an entry of a long list is written in place, with no copy
/// to indent afterwards.
struct Nested {
    level: usize,
    has_value: bool,
}

impl Nested {
    fn line<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }

    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        (0..self.level).try_for_each(|_| w.write_all(b"  "))
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A list that is the value of a top-level field, as the pretty printer
/// writes it there: each entry on its own lines, indented two levels.
fn pretty_list<T: serde::Serialize + Sync>(
    out: &mut impl Write,
    items: &[T],
) -> std::io::Result<()> {
    for (b, batch) in items.chunks(LIST_BATCH).enumerate() {
        pretty_entries(out, batch, b == 0)?;
    }
    close_list(out, items.len())
}

/// The end of a top-level list of `len` entries, written by
/// [`pretty_entries`]: `[]` when there were none.
fn close_list(out: &mut impl Write, len: usize) -> std::io::Result<()> {
    out.write_all(if len == 0 { b"[]" } else { b"\n  ]" })
}

/// The next entries of a top-level list (`first`: its first ones, which
/// open it), formatted 64 at a time on each thread.
fn pretty_entries<T: serde::Serialize + Sync>(
    out: &mut impl Write,
    items: &[T],
    first: bool,
) -> std::io::Result<()> {
    pretty_entries_of(items, first)?
        .iter()
        .try_for_each(|part| out.write_all(part))
}

/// What [`pretty_entries`] writes, in parts.
pub fn pretty_entries_of<T: serde::Serialize + Sync>(
    items: &[T],
    first: bool,
) -> std::io::Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    const PART: usize = 64;
    let opening = (first && !items.is_empty()).then(|| b"[".to_vec());
    let parts = items.par_chunks(PART).enumerate().map(|(p, part)| {
        let mut buf = Vec::new();
        for (i, item) in part.iter().enumerate() {
            let opens = first && p == 0 && i == 0;
            buf.extend_from_slice(if opens { b"\n    " } else { b",\n    " });
            pretty(&mut buf, item, 2)?;
        }
        Ok(buf)
    });
    opening.into_par_iter().map(Ok).chain(parts).collect()
}

/// The output plan, before any input is read: no output may be an input
/// (the corpus, a settings file, a truth file) or another output, and every
/// output location must be writable.
pub fn check_outputs(
    common: &Common,
    extra_inputs: &[&Path],
    outputs: &[(&str, Option<&Path>)],
) -> Result<()> {
    let mut sources: Vec<Source> = common
        .inputs
        .iter()
        .map(|a| match a.as_str() {
            "-" => Source::Stdin,
            path => Source::Path(path.into()),
        })
        .collect();
    sources.extend(common.tuning.config.iter().map(|p| Source::Path(p.clone())));
    sources.extend(extra_inputs.iter().map(|p| Source::Path(p.to_path_buf())));
    let outputs: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|&(flag, p)| p.map(|p| (flag, p)))
        .collect();
    doublet_io::plan::check_outputs(&sources, &outputs)?;
    for (_, path) in outputs {
        doublet_io::check_writable(path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use doublet::report::Skipped;
    use doublet::{Config, Document, Scanner};

    fn words(seed: usize, n: usize) -> String {
        (0..n)
            .map(|i| format!("w{}", (seed * 7919 + i * 104_729) % 100_003))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn the_report_is_written_as_serde_json_pretty_prints_it() {
        // Over one batch of entries, with copies, containment, a passage
        // three documents share, paragraphs repeated inside a document and
        // page furniture (evidence of every kind of cleaning), and ids that
        // need escaping; whole, and made a batch at a time.
        let shared = words(1, 60);
        let mut docs = Vec::new();
        for i in 0..4200 {
            let own = words(i + 10, 80);
            let text = match i % 7 {
                0..=2 => format!("{own}\n\n{shared}"),
                3 => format!(
                    "Home | News | Sport | Weather | Contact us\nShare on Facebook\n\
                     {own}\n\n{own}\nCopyright 2024. All rights reserved.\nPrivacy policy | Terms of use"
                ),
                _ => own,
            };
            docs.push(Document::new(format!("doc \"{i}\"\n\u{e9}"), text));
        }
        docs.push(Document::new("copy", docs[5].text.clone()));
        docs.push(Document::new("part", docs[8].text[..200].to_string()));
        let scan = || {
            let mut scanner = Scanner::new(Config::default()).unwrap();
            scanner.push(docs.clone()).unwrap();
            scanner
        };
        let mut report = scan().finish().unwrap();
        let mut outcome = scan().finish_outcome().unwrap();
        assert!(report.documents.len() > 4096 && !report.pairs.is_empty());
        assert!(!report.reuse.is_empty());
        // Passages' texts, filled in the whole report and in the outcome
        // (whose reuse clusters are named only as they are written).
        let texts = || {
            docs.iter()
                .map(|d| Ok::<_, std::convert::Infallible>((d.id.clone(), d.text.clone())))
        };
        doublet_io::settings::fill_passage_texts(&mut report, texts()).unwrap();
        doublet_io::settings::fill_passage_texts(&mut outcome, texts()).unwrap();
        assert!(report.reuse.iter().all(|c| c.text.is_some()));
        assert!(
            report.stats.repeated_bytes > 0 && report.stats.boilerplate_bytes > 0,
            "{:?}",
            report.stats
        );
        for skipped in [false, true] {
            if skipped {
                let skipped = vec![Skipped {
                    source: "in.jsonl".into(),
                    line: 3,
                    row: None,
                    reason: "not JSON".into(),
                }];
                report.skipped.clone_from(&skipped);
                report.stats.skipped = 1;
                outcome.set_skipped(skipped);
            }
            let theirs = serde_json::to_vec_pretty(&report).unwrap();
            let mut ours = Vec::new();
            super::write_pretty(&mut ours, &report).unwrap();
            assert!(ours == theirs, "the whole report is written otherwise");
            let mut ours = Vec::new();
            super::write_pretty(&mut ours, &outcome).unwrap();
            assert!(ours == theirs, "the report made as it is written differs");
        }
    }
}
