//! Reading inputs into the engine: batches, progress, warnings, and the
//! mapping of engine errors back to files and lines.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::Result;
use doublet::pipeline::Progress;
use doublet::report::Skipped;
use doublet::{Config, Document, Outcome, Report, Scanner};
use doublet_io::readers::{input_records_counting, Consumed};
use doublet_io::schema::{Plan, Planner};
use doublet_io::settings::site_of;
use doublet_io::{quoted, Fields, Input, Origin};
use indicatif::{HumanCount, ProgressBar, ProgressStyle};

use crate::args::Common;
use crate::memory::Phase;
use crate::printers::size;
use crate::settings::Resources;

/// Inputs ready to be read, possibly twice: an input that cannot be read
/// again (standard input, a FIFO) is spooled to an unlinked temporary file
/// when a second pass is needed.
pub struct Inputs {
    pub inputs: Vec<Input>,
    /// Each input as given, for messages.
    names: Vec<String>,
    pub fields: Fields,
    /// Skip records that fail to parse instead of stopping.
    pub skip_invalid: bool,
    /// Rename repeated ids (`--allow-duplicate-ids`) instead of stopping.
    pub allow_duplicate_ids: bool,
    /// The field naming each record's site (`--site-field`); without it, a
    /// `url` field's host.
    pub site_field: Option<String>,
    /// A fingerprint of each document's id and text as the first pass read
    /// it, so that a later pass can prove it reads the same records.
    fingerprints: OnceLock<Vec<u64>>,
    /// Ids taken outside the inputs (an index's), which a renamed id skips.
    taken: Option<Taken>,
    /// The schema plan of a Parquet output, fed every record of the first
    /// pass ([`Inputs::plan_output`]).
    planner: Option<Mutex<Planner>>,
}

/// Whether an id is taken outside the inputs.
pub type Taken = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// The fingerprint of a record: xxh3-64 of its id and text.
fn fingerprint(id: &str, text: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&(id.len() as u64).to_le_bytes());
    h.update(id.as_bytes());
    h.update(text.as_bytes());
    h.digest()
}

/// Tests of changed inputs set `DOUBLET_TEST_PAUSE_FILE` (test-only, not a
/// setting): before a second pass over the inputs, doublet creates that file
/// and waits, for at most a minute, until the test deletes it.
fn pause_for_tests() {
    let Some(path) = std::env::var_os("DOUBLET_TEST_PAUSE_FILE") else {
        return;
    };
    if std::fs::write(&path, b"").is_err() {
        return;
    }
    let start = std::time::Instant::now();
    while std::path::Path::new(&path).exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Inputs {
    pub fn parse(common: &Common, rereadable: bool) -> Result<Inputs> {
        // No record may be larger than the memory budget (or the engine's
        // 4 GiB document limit): it is refused while read, not after.
        let max_record = crate::settings::max_record(common.max_memory);
        let mut inputs = Vec::with_capacity(common.inputs.len());
        for arg in &common.inputs {
            let input = Input::parse(arg)?;
            inputs.push(if rereadable {
                input.spooled(max_record)?
            } else {
                input
            });
        }
        let fields = Fields {
            id: common.id_field.clone(),
            text: common.text_field.clone(),
            max_record,
            select: common.glob.clone(),
            only: None,
        };
        Ok(Inputs {
            inputs,
            names: common.inputs.clone(),
            fields,
            skip_invalid: common.skip_invalid,
            allow_duplicate_ids: common.allow_duplicate_ids,
            site_field: common.site_field.clone(),
            fingerprints: OnceLock::new(),
            taken: None,
            planner: None,
        })
    }

    /// Rename repeated ids (`--allow-duplicate-ids`) past the ids `taken`
    /// says are held elsewhere, as well as those the inputs use.
    pub fn with_taken(self, taken: Taken) -> Inputs {
        Inputs {
            taken: Some(taken),
            ..self
        }
    }

    /// Have the first pass ([`scan`]) feed every record to `planner`,
    /// which stops the pass at a record no Parquet column could hold.
    pub fn plan_output(&mut self, planner: Planner) {
        self.planner = Some(Mutex::new(planner));
    }

    /// The finished plan, after the first pass; `None` when none was asked
    /// for.
    pub fn output_plan(&mut self) -> Result<Option<Plan>> {
        let Some(planner) = self.planner.take() else {
            return Ok(None);
        };
        // A poisoned lock means the reader thread panicked, which the scan
        // already reported; the plan itself is whole.
        let planner = planner.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(Some(planner.finish()?))
    }

    /// Whether the inputs can be read a second time (standard input and
    /// FIFOs only when they were spooled).
    pub fn rereadable(&self) -> bool {
        self.inputs.iter().all(Input::is_rereadable)
    }

    /// The inputs' bytes as stored, when every input's size is known (not
    /// standard input, unless spooled).
    fn size(&self) -> Option<u64> {
        self.inputs
            .iter()
            .map(|i| i.size(self.fields.select.as_ref()))
            .sum()
    }

    /// The original texts of the documents named in `ids`, by a second read
    /// of the inputs that keeps only those.
    pub fn texts_of(&self, ids: &HashSet<&str>) -> Result<HashMap<String, String>> {
        let mut texts = HashMap::new();
        if ids.is_empty() {
            return Ok(texts);
        }
        for record in self.records_with(Some(Vec::new())) {
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
    fn all_records(
        &self,
        only: Option<Vec<String>>,
    ) -> impl Iterator<Item = doublet_io::Result<doublet_io::Record>> + Send {
        self.records_warning(false, only, Consumed::default())
    }

    /// [`Inputs::all_records`], with a warning on stderr, when `warn`, for
    /// each input that yields no record (an empty file, a folder whose
    /// files `--glob` does not match), and the bytes read counted in
    /// `consumed`.
    fn records_warning(
        &self,
        warn: bool,
        only: Option<Vec<String>>,
        consumed: Consumed,
    ) -> impl Iterator<Item = doublet_io::Result<doublet_io::Record>> + Send {
        let mut renamer = self.allow_duplicate_ids.then(|| Renamer {
            seen: HashMap::new(),
            taken: self.taken.clone(),
        });
        let fields = Fields {
            only,
            ..self.fields.clone()
        };
        let several = self.inputs.len() > 1;
        let each = self
            .inputs
            .clone()
            .into_iter()
            .zip(self.names.clone())
            .flat_map(move |(input, name)| {
                let mut yielded = false;
                let mut inner = input_records_counting(input, &fields, &consumed);
                let glob = fields.select.as_ref().map(|s| s.pattern().to_owned());
                std::iter::from_fn(move || match inner.next() {
                    Some(r) => {
                        yielded = true;
                        Some(r)
                    }
                    None => {
                        if warn && several && !yielded {
                            eprintln!(
                                "doublet: warning: {name}: no documents{}",
                                match &glob {
                                    Some(g) if Path::new(&name).is_dir() => {
                                        format!(" (no file matches --glob {g:?})")
                                    }
                                    _ => String::new(),
                                }
                            );
                        }
                        yielded = true;
                        None
                    }
                })
            });
        each.map(move |r| {
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
    ///
    /// After a first pass ([`scan`]), every record is checked against the
    /// fingerprint that pass took of it: a record that changed in between
    /// stops the pass with an error naming its file and line, so no output
    /// is ever cut with spans measured on other text.
    ///
    /// Parquet records carry only the other fields `only` names (see
    /// [`Fields::only`]).
    pub fn records_with(
        &self,
        only: Option<Vec<String>>,
    ) -> impl Iterator<Item = Result<doublet_io::Record>> + Send + '_ {
        pause_for_tests();
        let skip = self.skip_invalid;
        let known = self.fingerprints.get();
        self.all_records(only)
            .filter(move |r| !(skip && r.as_ref().is_err_and(doublet_io::Error::is_record_error)))
            .enumerate()
            .map(move |(i, r)| {
                let record = r?;
                if let Some(known) = known {
                    let same = known
                        .get(i)
                        .is_some_and(|&f| f == fingerprint(&record.id, &record.text));
                    if !same {
                        anyhow::bail!(
                            "{}: input changed since doublet first read it (document {}); \
                             stopping rather than write stale text",
                            record.origin,
                            quoted(&record.id)
                        );
                    }
                }
                Ok(record)
            })
    }
}

/// Gives a repeated id a suffix, `#2` for its second use, `#3` for its
/// third, skipping any name already taken (by the inputs, or outside them).
/// `compare --input` renames with it too, so that it finds documents by the
/// names the corpus commands gave them.
pub(crate) struct Renamer {
    seen: HashMap<String, u32>,
    taken: Option<Taken>,
}

impl Renamer {
    /// A renamer of ids repeated in the inputs alone.
    pub(crate) fn new() -> Renamer {
        Renamer {
            seen: HashMap::new(),
            taken: None,
        }
    }

    pub(crate) fn rename(&mut self, record: &mut doublet_io::Record) {
        let Some(uses) = self.seen.get_mut(&record.id) else {
            self.seen.insert(record.id.clone(), 1);
            return;
        };
        let base = record.id.clone();
        let mut n = *uses;
        let renamed = loop {
            n += 1;
            let candidate = format!("{base}#{n}");
            let elsewhere = self.taken.as_ref().is_some_and(|t| t(&candidate));
            if !self.seen.contains_key(&candidate) && !elsewhere {
                break candidate;
            }
        };
        self.seen.insert(base.clone(), n);
        self.seen.insert(renamed.clone(), 1);
        record.renamed_from = Some(base);
        record.id = renamed;
    }
}

/// The progress line on stderr, hidden unless progress is on (not `-q`)
/// and stderr is a terminal: a bar of the input bytes read when their
/// total is known (`of`), else a spinner counting documents.
pub fn progress(enabled: bool, of: impl FnOnce() -> Option<u64>) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match of().filter(|&total| total > 0) {
        Some(total) => {
            let bar = ProgressBar::new(total);
            bar.set_style(style(
                "{spinner} reading [{bar:24}] {percent:>3}% {binary_bytes}/{binary_total_bytes}, \
                 {binary_bytes_per_sec}, ETA {eta}; {msg} [{elapsed}]",
            ));
            bar.set_message("0 documents");
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            bar.set_style(style("{spinner} {pos} documents, {msg} [{elapsed}]"));
            bar
        }
    };
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ")
}

/// Moves the progress line along through the corpus-wide stages, from
/// the engine's [`Progress`] polled ten times a second, which keeps the
/// display out of the engine's way. Stopped when dropped.
struct Poller {
    stop: Option<Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Poller {
    fn start(bar: &ProgressBar, engine: Arc<Progress>) -> Poller {
        if bar.is_hidden() {
            return Poller {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = std::sync::mpsc::channel();
        let bar = bar.clone();
        let thread = std::thread::spawn(move || poll(&bar, &engine, &stopped));
        Poller {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn poll(bar: &ProgressBar, engine: &Progress, stopped: &Receiver<()>) {
    // The step shown: its stage, description and total.
    let mut shown = None;
    loop {
        if let Some(step) = engine.step() {
            let key = (step.stage, step.what, step.count.map(|c| c.1));
            if shown != Some(key) {
                shown = Some(key);
                // The step's name is part of the style, and the count is
                // set with it, so that no line mixes two steps (setting a
                // style draws nothing, nor does `update` under a steady
                // tick).
                let what = step.what;
                match step.count {
                    Some((done, total)) => {
                        bar.set_style(style(&format!(
                            "{{spinner}} {what} [{{bar:24}}] {{human_pos}}/{{human_len}} \
                             ({{percent}}%), {{per_sec:0}}, ETA {{eta}} [{{elapsed}}]"
                        )));
                        bar.update(|s| {
                            s.set_len(total);
                            s.set_pos(done);
                        });
                        bar.reset_eta();
                    }
                    None => bar.set_style(style(&format!(
                        "{{spinner}} comparing: {what} [{{elapsed}}]"
                    ))),
                }
            }
            if let Some((done, _)) = step.count {
                bar.set_position(done);
            }
        }
        match stopped.recv_timeout(Duration::from_millis(100)) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// A batch of records as read, with their origins and the records skipped.
struct Batch {
    docs: Vec<Document>,
    origins: Vec<Origin>,
    fingerprints: Vec<u64>,
    /// Each document's time (`--time-field`), when one is named.
    times: Vec<Option<i64>>,
    bytes: usize,
    /// The input bytes read by the end of the batch (as stored: compressed
    /// bytes of a compressed file).
    consumed: u64,
    skipped: Vec<Skipped>,
    /// Records without an id field, named by their place (`FILE:LINE`),
    /// and the first of them.
    placed: usize,
    first_placed: Option<(String, bool)>,
}

impl Batch {
    fn new(capacity: usize) -> Batch {
        Batch {
            docs: Vec::with_capacity(capacity),
            origins: Vec::new(),
            fingerprints: Vec::new(),
            times: Vec::new(),
            bytes: 0,
            consumed: 0,
            skipped: Vec::new(),
            placed: 0,
            first_placed: None,
        }
    }
}

/// What reads a corpus, for the advice of a refused memory budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// `scan`, `dedup`, `eval`: the settings are the command's flags.
    Corpus,
    /// `index add` and `index query`: a batch decided against an index,
    /// whose settings are fixed (its settings flags are refused).
    IndexBatch,
}

/// What the refusal of a memory budget advises: only what lowers the
/// run's peak and what the command accepts. Shared passages cost per
/// document, so turning them off is advised where they are on and
/// `--min-passage` is accepted: not when they are off already (given `0`,
/// `dedup`'s default), nor for an index (no passages, and the flag is
/// refused); a batch for an index is better given in parts, which decide
/// as the whole batch would.
fn budget_advice(reading: Reading, config: &Config) -> &'static str {
    match reading {
        Reading::IndexBatch => "Raise --max-memory, or give the documents in smaller batches",
        Reading::Corpus if config.min_passage > 0 => {
            "Raise --max-memory, split the corpus, or lower the cost per document \
             with --min-passage 0 (no shared passages)"
        }
        Reading::Corpus => "Raise --max-memory or split the corpus",
    }
}

/// Read every input into a scanner and produce the report.
///
/// A reader thread parses records into batches while the scanner analyses
/// the previous batch on the worker pool; the channel holds at most two
/// batches, so memory stays bounded by the batch size.
pub fn scan(inputs: &Inputs, config: Config, resources: &Resources, held: Held) -> Result<Outcome> {
    let mut scanner = Scanner::new(config)?;
    if held == Held::WholeReport {
        scanner = scanner.holding_report();
    }
    scan_with(inputs, scanner, resources, None, Reading::Corpus, |s, _| {
        Ok(s.finish_outcome()?)
    })
}

/// What the caller of [`scan`] will hold of its outcome, for the memory
/// budget's projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Written a range of documents at a time.
    Ranges,
    /// Made into the whole report.
    WholeReport,
}

/// What a scan's `finish` produces: a whole report, or an outcome whose
/// documents and clusters are made as they are written.
pub trait Scanned {
    /// Documents in it.
    fn document_count(&self) -> usize;
    /// Record the input records left out.
    fn set_skipped(&mut self, skipped: Vec<Skipped>);
}

impl Scanned for Report {
    fn document_count(&self) -> usize {
        self.documents.len()
    }
    fn set_skipped(&mut self, skipped: Vec<Skipped>) {
        self.stats.skipped = skipped.len();
        self.skipped = skipped;
    }
}

impl Scanned for Outcome {
    fn document_count(&self) -> usize {
        Outcome::document_count(self)
    }
    fn set_skipped(&mut self, skipped: Vec<Skipped>) {
        Outcome::set_skipped(self, skipped);
    }
}

/// Read every input into `scanner` and let `finish` produce the report
/// from it (the `doublet index` commands decide against an index there),
/// with each document's value of `time_field` as Unix seconds, in input
/// order, when one is named (a record whose field is missing or not a
/// time stops the run, naming it); `reading` says what a refusal of the
/// memory budget can advise.
pub fn scan_with<T: Scanned>(
    inputs: &Inputs,
    mut scanner: Scanner,
    resources: &Resources,
    time_field: Option<&str>,
    reading: Reading,
    finish: impl FnOnce(Scanner, Vec<Option<i64>>) -> Result<T>,
) -> Result<T> {
    crate::memory::phase(Phase::Reading);
    // Tokens and byte ranges wait for the corpus-wide stages in memory up
    // to a thirty-second of the memory budget (of the default budget
    // without one), and past that in an unlinked temporary file.
    scanner = doublet_io::settings::with_spill(scanner, resources.max_memory)?;
    if let Some(budget) = resources.max_memory {
        scanner = scanner.with_memory_budget(budget);
    }
    let bar = progress(resources.progress, || inputs.size());
    let counts_bytes = bar.length().is_some();
    // The bar of bytes moves as batches are analysed, to the bytes read by
    // the end of each (the reader runs up to three batches ahead).
    let consumed = Consumed::default();
    let read = consumed.clone();
    // The corpus-wide stages show on the progress line what they are doing
    // (and how far they have got), and with DOUBLET_TIMINGS set, name
    // themselves on stderr with the seconds since the start.
    let poller = Poller::start(&bar, scanner.progress());
    // Between stages the memory the stage before freed goes back to the
    // system, so that the next one's large allocations do not add to it.
    scanner = scanner.with_stage_observer(|stage| {
        crate::memory::give_back();
        crate::memory::timing(stage.describe());
    });
    let batch_size = resources.batch_size;
    let (tx, rx) = std::sync::mpsc::sync_channel::<doublet_io::Result<Batch>>(2);
    let mut skipped: Vec<Skipped> = Vec::new();
    let (mut placed, mut first_placed) = (0usize, None::<(String, bool)>);
    // The first pass needs no field but the site's.
    let site_path = inputs
        .site_field
        .clone()
        .unwrap_or_else(|| "url".to_owned());
    let mut wanted = vec![site_path];
    wanted.extend(time_field.map(str::to_owned));
    let records = inputs.records_warning(true, Some(wanted), consumed);
    let mut times: Vec<Option<i64>> = Vec::new();
    let skip_invalid = inputs.skip_invalid;
    let site_field = inputs.site_field.as_deref();
    let planner = inputs.planner.as_ref();
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
                            row: None,
                            reason: message,
                        });
                        continue;
                    }
                    Err(doublet_io::Error::Row { path, row, message }) if skip_invalid => {
                        batch.skipped.push(Skipped {
                            source: path.display().to_string(),
                            line: 0,
                            row: Some(row),
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
                        "doublet: warning: {}: id {} was already used; this document is {}",
                        record.origin,
                        quoted(first),
                        quoted(&record.id)
                    );
                }
                if record.replaced > 0 {
                    eprintln!(
                        "doublet: warning: {}: {} bytes of invalid UTF-8 replaced with U+FFFD",
                        record.origin, record.replaced
                    );
                }
                batch.bytes += record.text.len();
                if record.id_from_place {
                    batch.placed += 1;
                    if batch.first_placed.is_none() {
                        batch.first_placed = Some((record.id.clone(), record.origin.row.is_some()));
                    }
                }
                if let Some(planner) = planner {
                    let mut planner = planner.lock().unwrap_or_else(|e| e.into_inner());
                    if let Err(e) = planner.observe(&record) {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
                batch
                    .fingerprints
                    .push(fingerprint(&record.id, &record.text));
                if let Some(field) = time_field {
                    match doublet_io::settings::time_of(record.extra.as_ref(), field) {
                        Ok(t) => batch.times.push(Some(t)),
                        Err(reason) => {
                            let message = format!("--time-field {field:?}: {reason}");
                            let o = &record.origin;
                            let path = o.path.clone();
                            let _ = tx.send(Err(match o.row {
                                Some(row) => doublet_io::Error::Row { path, row, message },
                                None => doublet_io::Error::Line {
                                    path,
                                    line: o.line.unwrap_or(0),
                                    message,
                                },
                            }));
                            return;
                        }
                    }
                }
                batch.origins.push(record.origin);
                let site = site_of(record.extra.as_ref(), site_field);
                let doc = Document::new(record.id, record.text);
                batch.docs.push(if let Some(s) = site {
                    doc.with_site(s)
                } else {
                    doc
                });
                if batch.docs.len() >= batch_size {
                    batch.consumed = read.bytes();
                    let full = std::mem::replace(&mut batch, Batch::new(batch_size));
                    if tx.send(Ok(full)).is_err() {
                        return; // the consumer stopped on an error
                    }
                }
            }
            batch.consumed = read.bytes();
            let _ = tx.send(Ok(batch));
        });
        let mut origins: Vec<Origin> = Vec::new();
        let mut fingerprints: Vec<u64> = Vec::new();
        let mut bytes = 0usize;
        for batch in rx {
            let batch = batch?;
            bytes += batch.bytes;
            placed += batch.placed;
            if first_placed.is_none() {
                first_placed = batch.first_placed;
            }
            skipped.extend(batch.skipped);
            origins.extend(batch.origins);
            fingerprints.extend(batch.fingerprints);
            times.extend(batch.times);
            scanner.push(batch.docs).map_err(|e| match e {
                doublet::Error::DuplicateId { id, first, second } => {
                    anyhow::anyhow!(
                        "duplicate document id {}: {} and {}",
                        quoted(&id),
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
                     doublet would need about {} at its peak, {} per document. {}",
                    size(budget),
                    origins
                        .last()
                        .map_or_else(String::new, |o| format!("up to {o}")),
                    size(needed),
                    size(per_document),
                    budget_advice(reading, scanner.config())
                ),
                other => other.into(),
            })?;
            if counts_bytes {
                bar.set_position(batch.consumed);
                bar.set_message(format!("{} documents", HumanCount(scanner.len() as u64)));
            } else {
                bar.set_position(scanner.len() as u64);
                bar.set_message(size(bytes));
            }
        }
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?;
        if !counts_bytes {
            bar.set_message(format!("{} read; comparing", size(bytes)));
        }
        // Set once: a second scan of the same inputs would find them equal.
        let _ = inputs.fingerprints.set(std::mem::take(&mut fingerprints));
        Ok(())
    })?;
    crate::memory::phase(Phase::Comparing);
    let mut report = finish(scanner, times)?;
    crate::memory::give_back();
    crate::memory::timing("report built");
    drop(poller);
    bar.finish_and_clear();
    if !skipped.is_empty() {
        let first = &skipped[0];
        let place = match first.row {
            Some(row) => format!("{}: row {row}", first.source),
            None => format!("{}:{}", first.source, first.line),
        };
        eprintln!(
            "doublet: warning: skipped {} invalid record{} (first: {place}: {}); see `skipped` in the report",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            first.reason
        );
    }
    if report.document_count() == 0 {
        eprintln!(
            "doublet: warning: the input{} held no documents",
            if inputs.inputs.len() == 1 { "" } else { "s" }
        );
    }
    if placed > 0 {
        eprintln!(
            "doublet: note: {placed} record{} had no `{}` field; {} named by file and {}, e.g. {}",
            if placed == 1 { "" } else { "s" },
            inputs.fields.id,
            if placed == 1 { "it is" } else { "they are" },
            match first_placed.as_ref().map(|(_, row)| *row) {
                Some(true) => "row (from 0)",
                _ => "line",
            },
            first_placed
                .as_ref()
                .map_or_else(String::new, |(id, _)| quoted(id)),
        );
    }
    report.set_skipped(skipped);
    Ok(report)
}
