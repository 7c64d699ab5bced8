//! Reading inputs into the engine: batches, progress, warnings, and the
//! mapping of engine errors back to files and lines.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Context, Result};
use doublet::report::Skipped;
use doublet::{Config, Document, Report, Scanner};
use doublet_io::{records, Fields, Input, Origin};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::Common;
use crate::printers::size;
use crate::settings::Resources;

/// Inputs ready to be read, possibly twice (standard input is spooled to a
/// temporary file when a second pass is needed).
pub struct Inputs {
    pub inputs: Vec<Input>,
    pub fields: Fields,
    /// Skip records that fail to parse instead of stopping.
    pub skip_invalid: bool,
    /// Rename repeated ids (`--allow-duplicate-ids`) instead of stopping.
    pub allow_duplicate_ids: bool,
    /// The field naming each record's site (`--site-field`); without it, a
    /// `url` field's host.
    pub site_field: Option<String>,
    _spool: Option<(tempfile::TempPath, doublet_io::Unfinished)>,
}

impl Inputs {
    pub fn parse(common: &Common, rereadable: bool) -> Result<Inputs> {
        let mut inputs = Vec::with_capacity(common.inputs.len());
        let mut spool = None;
        for arg in &common.inputs {
            let input = Input::parse(arg)?;
            if input == Input::Stdin && rereadable {
                let mut tmp = tempfile::NamedTempFile::new().context("spooling standard input")?;
                let tracked = doublet_io::Unfinished::track(tmp.path());
                std::io::copy(&mut std::io::stdin().lock(), &mut tmp)
                    .context("spooling standard input")?;
                let path = tmp.into_temp_path();
                inputs.push(Input::Spooled(path.to_path_buf()));
                spool = Some((path, tracked));
            } else {
                inputs.push(input);
            }
        }
        let fields = Fields {
            id: common.id_field.clone(),
            text: common.text_field.clone(),
        };
        Ok(Inputs {
            inputs,
            fields,
            skip_invalid: common.skip_invalid,
            allow_duplicate_ids: common.allow_duplicate_ids,
            site_field: common.site_field.clone(),
            _spool: spool,
        })
    }

    /// Whether the inputs can be read a second time (standard input only
    /// when it was spooled).
    pub fn rereadable(&self) -> bool {
        !self.inputs.contains(&Input::Stdin)
    }

    /// The original texts of the documents named in `ids`, by a second read
    /// of the inputs that keeps only those.
    pub fn texts_of(&self, ids: &HashSet<&str>) -> Result<HashMap<String, String>> {
        let mut texts = HashMap::new();
        if ids.is_empty() {
            return Ok(texts);
        }
        for record in self.records() {
            let record = record?;
            if ids.contains(record.id.as_str()) {
                texts.insert(record.id, record.text);
            }
        }
        Ok(texts)
    }

    /// Every record, errors included, with repeated ids renamed when that
    /// is allowed (the same way on every pass, since the inputs are read in
    /// the same order).
    fn all_records(&self) -> impl Iterator<Item = doublet_io::Result<doublet_io::Record>> + Send {
        let mut renamer = self.allow_duplicate_ids.then(Renamer::default);
        records(self.inputs.clone(), self.fields.clone()).map(move |r| {
            let mut record = r?;
            if let Some(renamer) = renamer.as_mut() {
                renamer.rename(&mut record);
            }
            Ok(record)
        })
    }

    /// The records the scan read as documents: with `--skip-invalid`, the
    /// skipped ones (already reported by the scan) are left out, so later
    /// passes line up with the report's documents.
    pub fn records(&self) -> impl Iterator<Item = doublet_io::Result<doublet_io::Record>> + Send {
        let skip = self.skip_invalid;
        self.all_records()
            .filter(move |r| !(skip && r.as_ref().is_err_and(doublet_io::Error::is_record_error)))
    }
}

/// Gives a repeated id a suffix, `#2` for its second use, `#3` for its
/// third, skipping any name already taken.
#[derive(Default)]
struct Renamer {
    seen: HashMap<String, u32>,
}

impl Renamer {
    fn rename(&mut self, record: &mut doublet_io::Record) {
        let Some(uses) = self.seen.get_mut(&record.id) else {
            self.seen.insert(record.id.clone(), 1);
            return;
        };
        let base = record.id.clone();
        let mut n = *uses;
        let renamed = loop {
            n += 1;
            let candidate = format!("{base}#{n}");
            if !self.seen.contains_key(&candidate) {
                break candidate;
            }
        };
        self.seen.insert(base.clone(), n);
        self.seen.insert(renamed.clone(), 1);
        record.renamed_from = Some(base);
        record.id = renamed;
    }
}

pub fn progress(enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} documents, {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A batch of records as read, with their origins and the records skipped.
struct Batch {
    docs: Vec<Document>,
    origins: Vec<Origin>,
    bytes: usize,
    skipped: Vec<Skipped>,
}

impl Batch {
    fn new(capacity: usize) -> Batch {
        Batch {
            docs: Vec::with_capacity(capacity),
            origins: Vec::new(),
            bytes: 0,
            skipped: Vec::new(),
        }
    }
}

/// Read every input into a scanner and produce the report.
///
/// A reader thread parses records into batches while the scanner analyses
/// the previous batch on the worker pool; the channel holds at most two
/// batches, so memory stays bounded by the batch size.
pub fn scan(inputs: &Inputs, config: Config, resources: &Resources) -> Result<Report> {
    let mut scanner = Scanner::new(config)?;
    if let Some(budget) = resources.max_memory {
        scanner = scanner.with_memory_budget(budget);
    }
    let bar = progress(resources.progress);
    let batch_size = resources.batch_size;
    let (tx, rx) = std::sync::mpsc::sync_channel::<doublet_io::Result<Batch>>(2);
    let mut skipped: Vec<Skipped> = Vec::new();
    let records = inputs.all_records();
    let skip_invalid = inputs.skip_invalid;
    let site_field = inputs.site_field.as_deref();
    std::thread::scope(|scope| -> Result<()> {
        let reader = scope.spawn(move || {
            let mut batch = Batch::new(batch_size);
            for record in records {
                let record = match record {
                    Ok(r) => r,
                    Err(doublet_io::Error::Line {
                        path,
                        line,
                        message,
                    }) if skip_invalid => {
                        batch.skipped.push(Skipped {
                            source: path.display().to_string(),
                            line,
                            reason: message,
                        });
                        continue;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                if let Some(first) = &record.renamed_from {
                    eprintln!(
                        "doublet: warning: {}: id {first:?} was already used; this document is {:?}",
                        record.origin, record.id
                    );
                }
                if record.replaced > 0 {
                    eprintln!(
                        "doublet: warning: {}: {} bytes of invalid UTF-8 replaced with U+FFFD",
                        record.origin, record.replaced
                    );
                }
                batch.bytes += record.text.len();
                batch.origins.push(record.origin);
                let site = site_of(record.extra.as_ref(), site_field);
                let doc = Document::new(record.id, record.text);
                batch
                    .docs
                    .push(if let Some(s) = site { doc.with_site(s) } else { doc });
                if batch.docs.len() >= batch_size {
                    let full = std::mem::replace(&mut batch, Batch::new(batch_size));
                    if tx.send(Ok(full)).is_err() {
                        return; // the consumer stopped on an error
                    }
                }
            }
            let _ = tx.send(Ok(batch));
        });
        let mut origins: Vec<Origin> = Vec::new();
        let mut bytes = 0usize;
        for batch in rx {
            let batch = batch?;
            bytes += batch.bytes;
            skipped.extend(batch.skipped);
            origins.extend(batch.origins);
            scanner.push(batch.docs).map_err(|e| match e {
                doublet::Error::DuplicateId { id, first, second } => {
                    anyhow::anyhow!(
                        "duplicate document id {id:?}: {} and {}",
                        origins[first],
                        origins[second]
                    )
                }
                doublet::Error::MemoryBudget {
                    budget,
                    needed,
                    documents,
                    per_document,
                } => anyhow::anyhow!(
                    "--max-memory {} is not enough: after {documents} documents ({}) \
                     doublet would need about {} at its peak, {} per document. \
                     Raise --max-memory, split the corpus, or lower the cost per \
                     document with --min-passage 0 (no shared passages)",
                    size(budget),
                    origins
                        .last()
                        .map_or_else(String::new, |o| format!("up to {o}")),
                    size(needed),
                    size(per_document)
                ),
                other => other.into(),
            })?;
            bar.set_position(scanner.len() as u64);
            bar.set_message(size(bytes));
        }
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?;
        bar.set_message(format!("{} read; comparing", size(bytes)));
        Ok(())
    })?;
    let mut report = scanner.finish();
    bar.finish_and_clear();
    if !skipped.is_empty() {
        let first = &skipped[0];
        eprintln!(
            "doublet: warning: skipped {} invalid record{} (first: {}:{}: {}); see `skipped` in the report",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            first.source,
            first.line,
            first.reason
        );
    }
    report.stats.skipped = skipped.len();
    report.skipped = skipped;
    Ok(report)
}

/// A record's site: the `--site-field` value, or else the host of its `url`
/// field. Absent or non-string values give none (the site is evidence for
/// cleaning, never required).
fn site_of(
    extra: Option<&serde_json::Map<String, serde_json::Value>>,
    field: Option<&str>,
) -> Option<String> {
    let extra = extra?;
    match field {
        Some(name) => match extra.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
        None => extra.get("url")?.as_str().and_then(host_of),
    }
}

/// The host of a URL (`https://user@News.Example:8080/a` → `news.example`).
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            host_of("https://user@News.Example:8080/a?b").as_deref(),
            Some("news.example")
        );
        assert_eq!(host_of("http://[::1]:80/x").as_deref(), Some("[::1]"));
        assert_eq!(host_of("example.org/page").as_deref(), Some("example.org"));
        assert_eq!(host_of("https:///x"), None);
    }
}
