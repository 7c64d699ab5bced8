//! The pipeline: documents in, a [`Report`] out.
//!
//! ```text
//! read → normalise → segment → clean → shingle → sketch → candidates → verify → group → align → report
//! ```
//!
//! [`Scanner::push`] analyses documents as they arrive (in parallel batches):
//! it segments the text, hashes every normalised word once into a 32-bit
//! token (keeping its byte range when passages are on), and applies
//! per-document cleaning. The text itself is then dropped; what stays per
//! document is its tokens and block table. [`Scanner::finish`] runs the
//! corpus-wide stages; [`compare`] runs the per-document stages on two
//! documents and aligns them whole. Every stage is deterministic: results depend
//! on document ids and contents only, never on input order or thread count.
//!
//! | stage | module |
//! |---|---|
//! | text → blocks, tokens, per-document cleaning | `analyse` |
//! | corpus-wide cleaning evidence | `furniture` |
//! | sketch: exact key, MinHash, anchors, fingerprints | `sign` |
//! | candidates measured on shingle sets | `resolve` |
//! | shared passages, reuse clusters, paragraph dedup | `passages` |
//! | the report | `build` |

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

use crate::candidates;
use crate::config::{Config, KeepPolicy};
use crate::error::{Error, Result};
use crate::group::{self, Verified};
use crate::index::{self, Anchors};
use crate::keyed::Sorter;
use crate::plan::Plan;
use crate::report::{Comparison, PairRelation, Report};
use crate::seeds;
use crate::text::shingle;
use crate::text::Document;
use crate::verify;

mod analyse;
mod build;
mod furniture;
mod offsets;
pub mod parts;
mod passages;
pub mod prior;
mod resolve;
mod sign;
mod store;
mod table;

use crate::clean::{Evidence, Status};
use crate::sign::{DocSketch, Signer};
use analyse::{analyse, Analysed, Block, Content, Words};
use build::Findings;
pub use build::Outcome;
use passages::passages_between;
use prior::{BlockEvidence, Decided, Prior};

/// Streams documents in and produces the report.
///
/// ```
/// use doublet::{Config, Document, Scanner};
///
/// let story = "The minister met his counterpart on Friday and said that the talks \
///              had made a little progress on the ceasefire, officials said.";
/// let mut scanner = Scanner::new(Config::default()).unwrap();
/// scanner.push(vec![
///     Document::new("a", story),
///     Document::new("b", story.replace("Friday", "Friday,").to_uppercase()),
///     Document::new("c", "A different text about something else entirely, with no overlap."),
/// ]).unwrap();
/// let report = scanner.finish().unwrap();
/// assert_eq!(report.stats.removed, 1);
/// assert_eq!(report.documents[1].duplicate_of.as_deref(), Some("a"));
/// ```
#[derive(Debug)]
pub struct Scanner {
    plan: Plan,
    docs: Vec<Analysed>,
    /// Every document's tokens and byte ranges, in memory or spilled.
    store: store::Store,
    /// Every document's block table as analysis left it, in memory or
    /// spilled.
    tables: store::Tables,
    /// Corpus-wide furniture by block key, once found: what it removes from
    /// a block table read from the store ([`Scanner::blocks`]).
    furniture: rustc_hash::FxHashMap<u64, Evidence>,
    /// Paragraphs removed as duplicates of another kept document's, once
    /// found: (document, block, evidence), sorted.
    paragraphs: Vec<(u32, u32, Evidence)>,
    /// Where the corpus-wide stages' keyed sorts spill ([`crate::keyed`]).
    sorts: crate::keyed::Spill,
    /// Each pushed document's position, found by the hash of its id (see
    /// [`id_hash`]) and compared with the document's own: a map from id to
    /// position held a second copy of every id, about 60 bytes a document
    /// (0.6 GB at ten million).
    ids: hashbrown::HashTable<u32>,
    /// Site names, in order of first appearance (indices into this).
    sites: HashMap<String, u32>,
    /// What the documents pushed so far add to each stage's peak.
    footprint: analyse::Cost,
    /// Whether the front end will hold the whole report
    /// ([`Scanner::holding_report`]).
    holds_report: bool,
    /// Whether the front end decides against an index, holding every
    /// sketch whole ([`Scanner::holding_sketches`]).
    holds_sketches: bool,
    /// Text bytes of the largest batch pushed: the caller holds a few
    /// batches of text in flight while reading.
    largest_batch: usize,
    budget: Option<usize>,
    observer: Observer,
    progress: Arc<Progress>,
}

/// A corpus-wide stage of [`Scanner::finish`], as reported to
/// [`Scanner::with_stage_observer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Corpus-wide cleaning: blocks recurring in unrelated documents.
    Furniture,
    /// Every document signed on its final content.
    Signing,
    /// Candidate pairs from the exact table, LSH bands and anchors.
    Candidates,
    /// Candidates measured on full shingle sets.
    Verifying,
    /// Reuse clusters and shared passages between kept documents.
    Passages,
    /// The report.
    Report,
}

impl Stage {
    /// The stage as a user reads it.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Furniture => "finding page furniture",
            Stage::Signing => "signing documents",
            Stage::Candidates => "finding candidate pairs",
            Stage::Verifying => "measuring candidates",
            Stage::Passages => "finding shared passages",
            Stage::Report => "building the report",
        }
    }
}

/// How far [`Scanner::finish`] has got, for a front end to show while it
/// runs: take the handle with [`Scanner::progress`] before `finish` and
/// read it ([`Progress::step`]) from another thread.
///
/// The long stages count their work: [`Stage::Verifying`] candidate pairs
/// measured, [`Stage::Passages`] fingerprint runs extended into reuse
/// clusters, then pairs aligned. Counts are added with one relaxed atomic
/// addition per chunk of work, never per item, and nothing the stages
/// compute reads them, so they cost nothing measurable and cannot change
/// the result.
#[derive(Debug, Default)]
pub struct Progress {
    /// The stage under way and what its current step counts; a lock taken
    /// only when a step begins and when the progress is read.
    at: Mutex<Option<(Stage, Option<&'static str>)>>,
    done: AtomicU64,
    total: AtomicU64,
}

/// What [`Progress::step`] reads: the corpus-wide stage under way and, when
/// its current step counts its work, how far that has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The stage.
    pub stage: Stage,
    /// What is under way, as a user reads it: the stage's description, or
    /// the step of it that is counted.
    pub what: &'static str,
    /// Items done and the step's total (done never passes total); `None`
    /// when the step is not counted.
    pub count: Option<(u64, u64)>,
}

impl Progress {
    /// The stage under way, if `finish` has started one.
    pub fn step(&self) -> Option<Step> {
        let at = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        let (stage, counted) = (*at)?;
        let count = counted.map(|_| {
            let total = self.total.load(Ordering::Relaxed);
            (self.done.load(Ordering::Relaxed).min(total), total)
        });
        Some(Step {
            stage,
            what: counted.unwrap_or_else(|| stage.describe()),
            count,
        })
    }

    /// `stage` starts, counting nothing yet.
    fn enter(&self, stage: Stage) {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner) = Some((stage, None));
    }

    /// A step of the current stage starts, of `total` items, described as
    /// `what`.
    fn begin(&self, what: &'static str, total: usize) {
        let mut at = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, counted)) = at.as_mut() {
            self.done.store(0, Ordering::Relaxed);
            self.total.store(total as u64, Ordering::Relaxed);
            *counted = Some(what);
        }
    }

    /// `n` more items of the current step are done.
    fn add(&self, n: usize) {
        self.done.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// The stage observer (a closure has no `Debug`).
struct Observer(Option<Box<dyn FnMut(Stage) + Send + Sync>>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Observer(Some)"
        } else {
            "Observer(None)"
        })
    }
}

impl Scanner {
    /// A scanner for `config` (validated here).
    pub fn new(config: Config) -> Result<Self> {
        Ok(Scanner {
            plan: Plan::new(config)?,
            docs: Vec::new(),
            store: store::Store::default(),
            tables: store::Tables::default(),
            furniture: rustc_hash::FxHashMap::default(),
            paragraphs: Vec::new(),
            sorts: crate::keyed::Spill::in_memory(),
            ids: hashbrown::HashTable::new(),
            sites: HashMap::new(),
            footprint: analyse::Cost::default(),
            holds_report: false,
            holds_sketches: false,
            largest_batch: 0,
            budget: None,
            observer: Observer(None),
            progress: Arc::default(),
        })
    }

    /// Call `observe` as each corpus-wide stage of [`finish`](Self::finish)
    /// starts (for progress and timings; it cannot change the result).
    pub fn with_stage_observer(
        mut self,
        observe: impl FnMut(Stage) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Observer(Some(Box::new(observe)));
        self
    }

    /// A handle on how far [`finish`](Self::finish) has got, to read from
    /// another thread while it runs.
    pub fn progress(&self) -> Arc<Progress> {
        Arc::clone(&self.progress)
    }

    /// Keep what verification and alignment read of each document (its
    /// tokens and their byte ranges, about six bytes a word) in `file`
    /// instead of memory once more than `after` bytes of it are held: the
    /// heap then holds `after` bytes and one 16 MiB chunk of it (a 32nd of a
    /// [memory budget](Self::with_memory_budget) when smaller) whatever the
    /// corpus, and the corpus-wide stages read the rest back with positioned
    /// reads. Reading back costs time (at 1M documents the passage stage
    /// reads tens of millions of times), so `after` trades memory for speed.
    /// `file` should be a new, empty temporary file (the `doublet` command
    /// makes an unlinked one in the temporary folder); the scanner writes it
    /// from position 0. Set before the first [`push`](Self::push); results
    /// do not change.
    pub fn with_spill(mut self, file: std::fs::File, after: usize) -> Self {
        assert!(
            self.docs.is_empty(),
            "with_spill comes before the first push"
        );
        self.store.stream.spill_to(file, after);
        self
    }

    /// Keep documents' block tables (their paragraphs' spans, keys and what
    /// cleaning decided of each, about 27 bytes a paragraph) in `file`
    /// instead of memory once more than `after` bytes of them are held, as
    /// [`with_spill`](Self::with_spill) does for their words. The stages
    /// that read every table (corpus-wide cleaning, the report) read them
    /// back a batch of documents at a time. `file` should be a new, empty
    /// temporary file, another than `with_spill`'s. Set before the first
    /// [`push`](Self::push); results do not change.
    pub fn with_table_spill(mut self, file: std::fs::File, after: usize) -> Self {
        assert!(
            self.docs.is_empty(),
            "with_table_spill comes before the first push"
        );
        self.tables.stream.spill_to(file, after);
        self
    }

    /// Let the corpus-wide stages' keyed sorts (the pair keys documents
    /// hold, their proposals) keep at most `spill`'s budget in memory each
    /// and write the rest as sorted runs to unlinked temporary files
    /// ([`crate::keyed`]). Results do not depend on it.
    pub fn with_sort_spill(mut self, spill: crate::keyed::Spill) -> Self {
        self.sorts = spill;
        self
    }

    /// `stage` starts: the observer first, so that it can still read the
    /// progress of the stage before.
    fn enter(&mut self, stage: Stage) {
        if let Some(f) = self.observer.0.as_mut() {
            f(stage);
        }
        self.progress.enter(stage);
    }

    /// Refuse (with [`Error::MemoryBudget`]) to hold more than `bytes`.
    ///
    /// The scanner keeps an account of what each document costs at the run's
    /// peak: what it holds from reading to the end (its id and where its
    /// content is; its tokens and block table while they are not spilled)
    /// plus the most any corpus-wide stage will add for it (its gist in
    /// cleaning, whose block postings and votes are sorted on disk past
    /// the budget; the sketch, anchors and band keys through the
    /// candidates; reuse clusters and passages; the report entry when the
    /// front end holds the whole report), and the keyed sorts' buffers and
    /// the batches of text in flight. `push` fails as soon as the account
    /// passes the budget, before the memory is spent on the corpus-wide
    /// stages. The account is an estimate, checked against measured peaks
    /// in BENCHMARKS.md; what a corpus's reuse makes of the pair lists is
    /// not foreseen.
    pub fn with_memory_budget(mut self, bytes: usize) -> Self {
        self.budget = Some(bytes);
        // The spill files' chunks in memory take a small share of it.
        self.store.stream.limit_chunks(bytes / 32);
        self.tables.stream.limit_chunks(bytes / 32);
        self
    }

    /// Count every sketch whole, signature included, in the projected peak
    /// (see [`with_memory_budget`](Self::with_memory_budget)): for a front
    /// end that decides the documents against an index, which reads the
    /// signatures after the candidates; a scan makes them band keys as it
    /// signs.
    pub fn holding_sketches(mut self) -> Self {
        self.holds_sketches = true;
        self
    }

    /// Count the whole report in the projected peak (see
    /// [`with_memory_budget`](Self::with_memory_budget)): for a front end
    /// that will call [`finish`](Self::finish) rather than write the
    /// [`Outcome`] a range at a time.
    pub fn holding_report(mut self) -> Self {
        self.holds_report = true;
        self
    }

    /// The projected peak memory, in bytes, of the documents pushed so far:
    /// what they hold throughout plus the stage that adds the most, with
    /// that stage's keyed sorts at their budget, and four batches of text
    /// in flight (one being read, two queued, one being analysed, as the
    /// `doublet` command reads).
    pub fn footprint(&self) -> usize {
        let projected = |s: &store::Stream| {
            if s.spills() {
                s.projected_spilling()
            } else {
                0
            }
        };
        // Sorters filling at once: one in cleaning (postings, then
        // votes), the anchors' (held, then proposed) and the passage
        // fingerprints' in the candidates, the passages' two while the
        // fingerprints are read.
        let sorts = |alive: usize| self.sorts.budget().map_or(0, |b| alive * b);
        self.peak(sorts)
            + 4 * self.largest_batch
            + projected(&self.store.stream)
            + projected(&self.tables.stream)
    }

    /// What the documents pushed so far hold at the run's peak, with
    /// `sorts(n)` the buffers of `n` keyed sorts alive at once.
    fn peak(&self, sorts: impl Fn(usize) -> usize) -> usize {
        let c = &self.footprint;
        let cfg = &self.plan.config;
        let passages = cfg.min_passage > 0;
        let signatures = if self.holds_sketches {
            self.docs.len() * cfg.num_perm * std::mem::size_of::<u32>()
        } else {
            0
        };
        let stages = [
            c.furniture + sorts(1),
            c.candidates + signatures + sorts(1 + usize::from(passages)),
            if passages { c.passages + sorts(3) } else { 0 },
            if self.holds_report { c.report } else { 0 },
        ];
        c.held + stages.into_iter().max().unwrap_or(0)
    }

    /// Replace `out` with document `d`'s content tokens (`all` is a buffer).
    fn content_tokens(&self, d: u32, all: &mut Vec<u32>, out: &mut Vec<u32>) {
        let doc = &self.docs[d as usize];
        if doc.uncleaned() {
            self.store.tokens(d, out);
        } else {
            self.store.tokens(d, all);
            doc.content_tokens(all, out);
        }
    }

    /// Document `d`'s words: its tokens, their byte ranges and its blocks.
    fn words(&self, d: u32) -> Words {
        let mut tokens = Vec::new();
        self.store.tokens(d, &mut tokens);
        Words {
            tokens,
            offsets: self.store.offsets(d),
            blocks: self.blocks(d),
        }
    }

    /// Document `d`'s block table with what every stage of cleaning so far
    /// decided: analysis (in the store), corpus-wide furniture and
    /// paragraphs removed as duplicates.
    fn blocks(&self, d: u32) -> Vec<Block> {
        let mut blocks = self.tables.get(d);
        self.decided(d, &mut blocks);
        blocks
    }

    /// Apply to `blocks`, document `d`'s table as analysis left it, what
    /// the corpus-wide stages decided since: furniture and paragraphs
    /// removed as duplicates.
    fn decided(&self, d: u32, blocks: &mut [Block]) {
        if !self.furniture.is_empty() {
            let doc = &self.docs[d as usize];
            doc.remove_furniture(blocks, |k| self.furniture.get(&k));
        }
        let from = self.paragraphs.partition_point(|p| p.0 < d);
        for (_, b, evidence) in self.paragraphs[from..].iter().take_while(|p| p.0 == d) {
            if let Some(block) = blocks.get_mut(*b as usize) {
                block.status = Status::Removed(Box::new(evidence.clone()));
            }
        }
    }

    /// Every document's block table as [`blocks`](Self::blocks) gives it,
    /// in order, as `(document, table)`. Each task visits a run of at least
    /// [`TABLE_BATCH`] consecutive documents and reads their tables a batch
    /// at a time, with one read.
    fn all_blocks(&self) -> impl IndexedParallelIterator<Item = (u32, Vec<Block>)> + '_ {
        self.blocks_in(0..self.docs.len() as u32)
    }

    /// The same for the documents in `range`.
    fn blocks_in(
        &self,
        range: std::ops::Range<u32>,
    ) -> impl IndexedParallelIterator<Item = (u32, Vec<Block>)> + '_ {
        let n = self.docs.len() as u32;
        range
            .into_par_iter()
            .with_min_len(TABLE_BATCH as usize)
            .map_init(
                || (0u32, Vec::new()),
                move |(lo, batch): &mut (u32, Vec<Vec<Block>>), d| {
                    if !(*lo..*lo + batch.len() as u32).contains(&d) {
                        *lo = d - d % TABLE_BATCH;
                        *batch = self.tables.range(*lo..n.min(*lo + TABLE_BATCH));
                    }
                    let mut blocks = std::mem::take(&mut batch[(d - *lo) as usize]);
                    self.decided(d, &mut blocks);
                    (d, blocks)
                },
            )
    }

    /// Record where the content of each document in `changed` now is.
    fn set_contents(&mut self, changed: Vec<(u32, analyse::ContentRuns)>) {
        for (d, content) in changed {
            self.docs[d as usize].content = content;
        }
    }

    /// Document `d`'s content tokens with their byte ranges.
    fn content_with_offsets(&self, d: u32) -> Content {
        self.docs[d as usize].content_with_offsets(&self.words(d))
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.plan.config
    }

    /// The ids of the documents pushed so far, in push order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.docs.iter().map(|d| &*d.id)
    }

    /// Documents pushed so far.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True before any document was pushed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Analyse a batch of documents (in parallel) and add them in order.
    pub fn push(&mut self, batch: Vec<Document>) -> Result<()> {
        // Documents, token positions and byte offsets are 32-bit.
        if self.docs.len() + batch.len() > u32::MAX as usize {
            return Err(Error::Limit(format!(
                "more than {} documents in one run; split the corpus",
                u32::MAX
            )));
        }
        if let Some(d) = batch.iter().find(|d| d.text.len() > u32::MAX as usize) {
            return Err(Error::Limit(format!(
                "document {:?} is {} bytes; the limit is 4 GiB per document",
                d.id,
                d.text.len()
            )));
        }
        let base = self.docs.len();
        let (docs, ids) = (&self.docs, &mut self.ids);
        // Position p names a document pushed before or one of this batch.
        let id_at = |p: u32| -> &str {
            let p = p as usize;
            match p.checked_sub(base) {
                Some(i) => &batch[i].id,
                None => &docs[p].id,
            }
        };
        for (i, d) in batch.iter().enumerate() {
            let hash = id_hash(&d.id);
            if let Some(&first) = ids.find(hash, |&p| id_at(p) == d.id) {
                // The batch is not pushed: its positions go too.
                ids.retain(|p| (*p as usize) < base);
                return Err(Error::DuplicateId {
                    id: d.id.clone(),
                    first: first as usize,
                    second: base + i,
                });
            }
            ids.insert_unique(hash, (base + i) as u32, |&p| id_hash(id_at(p)));
        }
        let cfg = &self.plan.config;
        let held = !self.store.stream.spills();
        let table_held = !self.tables.stream.spills();
        // Each document's block table is written out, and its blocks and
        // their evidence freed, on the thread that made them: freeing them
        // here, a few allocations a paragraph from other threads' arenas,
        // slowed reading by a tenth.
        let analysed: Vec<(Analysed, Words, Vec<u8>, analyse::Cost)> = batch
            .par_iter()
            .map(|d| {
                let (a, mut words) = analyse(d, cfg);
                let footprint = a.footprint(cfg, &words, held, table_held);
                let mut table = Vec::with_capacity(table::encoded_len(&words.blocks));
                table::write(&std::mem::take(&mut words.blocks), &mut table);
                (a, words, table, footprint)
            })
            .collect();
        for ((mut a, words, table, footprint), d) in analysed.into_iter().zip(&batch) {
            if let Some(site) = &d.site {
                let next = self.sites.len() as u32;
                a.site = *self.sites.entry(site.clone()).or_insert(next);
            }
            self.footprint += footprint;
            self.store.push(&words).map_err(Error::Spill)?;
            self.tables.push_encoded(&table).map_err(Error::Spill)?;
            self.docs.push(a);
        }
        self.largest_batch = self
            .largest_batch
            .max(batch.iter().map(|d| d.text.len()).sum());
        if let Some(budget) = self.budget.filter(|&b| self.footprint() > b) {
            let documents = self.docs.len();
            return Err(Error::MemoryBudget {
                budget,
                needed: self.footprint(),
                documents,
                per_document: self.peak(|_| 0) / documents.max(1),
            });
        }
        Ok(())
    }

    /// Run the corpus-wide stages and produce the report.
    ///
    /// Fails only when the spill file ([`with_spill`](Self::with_spill))
    /// cannot be read back.
    pub fn finish(self) -> Result<Report> {
        self.finish_outcome()?.into_report()
    }

    /// Run the corpus-wide stages, and leave the report's documents and
    /// clusters to be made a range at a time as they are written
    /// ([`Outcome`]): the same report as [`finish`](Self::finish), without
    /// holding it whole.
    ///
    /// Fails only when the spill file ([`with_spill`](Self::with_spill))
    /// cannot be read back.
    pub fn finish_outcome(self) -> Result<Outcome> {
        self.run(None).map(|(outcome, _, _)| outcome)
    }

    /// Decide the documents pushed (a batch) against documents decided
    /// before them, which `prior` describes, as one scan of those and the
    /// batch would decide the batch under the keep-first policy; the
    /// batch's documents take the places from `first_seq` on, in push
    /// order. Returns the batch's report and what to store of each of its
    /// documents. Refuses (`Error::Config`) another keep policy and shared
    /// passages, which the earlier documents cannot take part in.
    pub fn finish_with(self, prior: &dyn Prior, first_seq: u64) -> Result<Decided> {
        prior::check(&self)?;
        let (outcome, entries, blocks) = self.run(Some((prior, first_seq)))?;
        Ok(Decided {
            report: outcome.into_report()?,
            entries,
            blocks,
        })
    }

    /// The corpus-wide stages: the outcome, and against an index, what to
    /// store of each document and of each block it holds.
    fn run(
        mut self,
        prior: Option<(&dyn Prior, u64)>,
    ) -> Result<(Outcome, Vec<prior::Entry>, Vec<BlockEvidence>)> {
        let plan = self.plan.clone();
        let cfg = &plan.config;
        let n = self.docs.len();
        // Ids were checked as documents were pushed; no stage looks one up.
        self.ids = hashbrown::HashTable::new();
        self.store.stream.settle().map_err(Error::Spill)?;
        self.tables.stream.settle().map_err(Error::Spill)?;
        // Corpus-wide cleaning first, so that every document is sketched once,
        // on its final content.
        let (mut blocks, mut gists) = (Vec::new(), Vec::new());
        if cfg.clean.enabled {
            self.enter(Stage::Furniture);
            match prior {
                None => self.corpus_furniture()?,
                Some((p, first)) => (blocks, gists) = self.furniture_against(p, first)?,
            }
        }
        let judged: Vec<bool> = self.docs.par_iter().map(|d| d.judged(cfg)).collect();
        self.enter(Stage::Signing);
        // Against an index the sketches are stored and looked up whole; a
        // scan keeps what it reads of them (see `sketch_banded`).
        let fingerprints: Sorter<[u64; 2]> = Sorter::new(&self.sorts);
        // The anchors' dense tiers wait for the end of the anchor source,
        // past a quarter of a sort's budget on disk.
        let aside = match self.sorts.budget() {
            Some(b) => crate::keyed::Spill::past(b / 4),
            None => crate::keyed::Spill::in_memory(),
        };
        let dense: Sorter<[u64; 2]> = Sorter::new(&aside);
        let (mut sketches, mut banded) = match prior {
            None => (Vec::new(), Some(self.sketch_banded(&fingerprints, &dense))),
            Some(_) => (self.sketch_all(&fingerprints), None),
        };
        // Sorted (and, past the budget, on disk) until the passage stage.
        let fingerprints = fingerprints.finish().map_err(Error::Spill)?;
        let dense = dense.finish().map_err(Error::Spill)?;
        let (words, mut exact): (Vec<u32>, Vec<Option<u128>>) = match banded.as_mut() {
            Some(b) => (std::mem::take(&mut b.words), std::mem::take(&mut b.exact)),
            None => sketches.iter().map(|s| (s.words, s.exact)).unzip(),
        };
        // A document with too little content left to judge takes part only
        // as an exact copy of its whole text (every word, cleaned or not):
        // its exact key is then taken over all its tokens, in a space of
        // its own.
        let mut all = Vec::new();
        for (d, key) in exact.iter_mut().enumerate() {
            let doc = &self.docs[d];
            if !judged[d] && !doc.uncleaned() {
                self.store.tokens(d as u32, &mut all);
                *key = whole_text_key(&all);
                if let Some(s) = sketches.get_mut(d) {
                    s.exact = *key;
                }
            }
        }

        // Keep-policy order: best first.
        let mut order: Vec<u32> = (0..n as u32).collect();
        match cfg.keep {
            KeepPolicy::MostComplete => order.par_sort_by(|&x, &y| {
                words[y as usize]
                    .cmp(&words[x as usize])
                    .then_with(|| self.docs[x as usize].id.cmp(&self.docs[y as usize].id))
            }),
            KeepPolicy::First => {}
        }
        let mut rank = vec![0u32; n];
        for (p, &d) in order.iter().enumerate() {
            rank[d as usize] = p as u32;
        }

        let mut rep = index::exact_groups(&exact, &rank);
        // Groups whose content an earlier document holds follow it.
        let copies = match prior {
            Some((p, _)) => prior::earlier_copies(p, &exact, &rep)?,
            None => Vec::new(),
        };
        let copied = |d: usize| copies.get(d).is_some_and(|c| c.is_some());

        let reps: Vec<u32> = (0..n as u32)
            .filter(|&d| {
                let d = d as usize;
                rep[d] == d as u32 && exact[d].is_some() && judged[d] && !copied(d)
            })
            .collect();
        // In a scan nothing reads the anchors past the candidates: the
        // representatives' are given to the anchor source, which frees
        // what no pair can share, and every other document's go now.
        let owned_anchors: Option<Vec<(u32, Anchors)>> = banded.as_mut().map(|b| {
            let mut anchors = std::mem::take(&mut b.anchors);
            anchors.retain(|(d, _)| reps.binary_search(d).is_ok());
            anchors.shrink_to_fit();
            anchors
        });
        // What later stages read of a sketch.
        let content: Vec<bool> = exact.iter().map(Option::is_some).collect();
        self.enter(Stage::Candidates);
        let anchored = candidates::Anchored::new(&plan).spilling(self.sorts);
        // One source at a time, so that the band keys are freed before the
        // anchors' postings are built.
        use candidates::Source;
        let band_keys = banded.map(|b| b.bands);
        let (near_pairs, anchored_pairs) = match band_keys.zip(owned_anchors) {
            // A scan: the band keys read the exact keys, the anchors are
            // given up, and nothing else reads a sketch again.
            Some((keys, owned)) => {
                let reps_exact: Vec<(u32, u128)> = reps
                    .iter()
                    .map(|&d| (d, exact[d as usize].unwrap_or(0)))
                    .collect();
                exact = Vec::new();
                let near = keys.pairs(&reps_exact)?;
                drop((keys, reps_exact));
                (near, anchored.propose_aside(owned, dense)?)
            }
            None => {
                let signed: Vec<(u32, &DocSketch)> =
                    reps.iter().map(|&d| (d, &sketches[d as usize])).collect();
                let bands = candidates::Bands::new(&plan);
                (bands.propose(&signed)?, anchored.propose(&signed)?)
            }
        };
        drop(exact);
        let candidates = index::merge(vec![near_pairs, anchored_pairs]);

        self.enter(Stage::Verifying);
        let mut verified = self.verify(&candidates);
        let mut candidate_pairs = candidates.len();
        // Earlier documents take part from position `n` on, ahead of the
        // batch in keep order.
        let mut earlier: Vec<prior::Earlier> = Vec::new();
        if let Some((p, _)) = prior {
            // Measured a slice at a time, for progress; the same results in
            // the same order.
            self.progress
                .begin("measuring against the index", reps.len());
            let mut measured = Vec::with_capacity(reps.len());
            for part in reps.chunks(PRIOR_CHUNK) {
                measured.extend(self.measure_against(p, part, &sketches)?);
                self.progress.add(part.len());
            }
            candidate_pairs += measured.iter().map(|m| m.1.len()).sum::<usize>();
            earlier.extend(
                measured
                    .iter()
                    .flat_map(|m| m.1.iter().map(|x| x.earlier.clone())),
            );
            for c in copies.iter().flatten() {
                earlier.push(c.holder.clone());
                earlier.extend(c.removed.iter().map(|r| r.0.clone()));
            }
            earlier.sort_unstable();
            earlier.dedup();
            let at = |e: &prior::Earlier| (n + earlier.binary_search(e).unwrap_or(0)) as u32;
            for (d, found) in &measured {
                verified.extend(found.iter().map(|m| Verified {
                    a: *d,
                    b: at(&m.earlier),
                    overlap: m.overlap,
                }));
            }
            rep.extend(n as u32..(n + earlier.len()) as u32);
            for (d, c) in copies.iter().enumerate() {
                if let Some(c) = c {
                    rep[d] = at(&c.holder);
                }
            }
            order.splice(0..0, n as u32..(n + earlier.len()) as u32);
        }
        let t = plan.thresholds;
        let related: Vec<Verified> = verified
            .into_iter()
            .filter(|v| parts::related_pair(&plan, &v.overlap))
            .collect();
        // Earlier documents (from `n` on) are kept before the batch: only
        // batch documents can be removed, so only theirs matter.
        let written: Vec<f64> = self
            .docs
            .iter()
            .map(|d| d.written_share())
            .chain(std::iter::repeat_n(1.0, earlier.len()))
            .collect();
        // Among equally complete copies, the one the most others could be
        // removed as twins of is kept first: in a family of successively
        // edited copies that is its centre, which covers copies that are
        // twins of the centre but no longer of the root.
        if cfg.keep == KeepPolicy::MostComplete {
            let twins = group::twin_counts(&related, t, &written);
            let key = |d: u32| {
                let d = d as usize;
                (words[d], twins[d], &*self.docs[d].id)
            };
            order.par_sort_by(|&x, &y| parts::most_complete_first(key(x), key(y)));
        }
        let mut decisions = group::decide(&order, &rep, &related, t, &written);
        // A copy of an earlier removed document is removed as it was.
        for (d, c) in copies.iter().enumerate() {
            if let Some(Some((target, relation, j, c))) = c.as_ref().map(|c| c.removed.as_ref()) {
                let target = (n + earlier.binary_search(target).unwrap_or(0)) as u32;
                decisions[d] = prior::follow(target, *relation, *j, *c);
            }
        }
        if cfg.min_passage > 0 {
            self.enter(Stage::Passages);
        }
        let (clusters, reuse) = if cfg.min_passage > 0 {
            let (clusters, shared) = self.reuse_clusters(fingerprints, &content, &decisions)?;
            let reuse = self.shared_passages(shared, &related, &clusters)?;
            // What each document's clusters cover (at 1M heavy-reuse
            // documents 0.3 GB) is read no further: only the clusters go on.
            (clusters.report, reuse)
        } else {
            (Vec::new(), Vec::new())
        };
        if cfg.dedup_paragraphs {
            self.dedup_paragraphs(&order, &decisions);
        }
        let entries = match prior {
            Some(_) => self.entries(&sketches, &judged, &rep, &decisions, gists),
            None => Vec::new(),
        };
        drop(sketches);
        let content_words = words;
        let findings = Findings {
            content_words,
            judged,
            rep: &rep,
            decisions,
            related: &related,
            reuse: &reuse,
            reuse_clusters: clusters,
            candidate_pairs,
            earlier,
        };
        self.enter(Stage::Report);
        blocks.sort_by_key(|b: &BlockEvidence| b.key);
        // Every read of the spill files up to the totals is checked there;
        // each range of documents made later checks its own.
        let outcome = self.outcome(plan.config.clone(), findings)?;
        Ok((outcome, entries, blocks))
    }
}

/// Documents whose block tables [`Scanner::all_blocks`] reads at a time.
const TABLE_BATCH: u32 = 512;

/// Batch documents measured against the earlier ones at a time (for
/// progress only: the results do not depend on it).
const PRIOR_CHUNK: usize = 4096;

/// The sketch [`Scanner::finish`] makes of `doc` when corpus-wide cleaning
/// finds nothing in it: the document analysed and cleaned as `plan` says
/// (repeated paragraphs, boilerplate), then signed on what is left, with
/// the whole-text exact key of a document too thin to judge. For front ends
/// that sign documents where they are (an Arrow batch in Python, a Spark
/// executor) and compare the sketches elsewhere.
///
/// ```
/// use doublet::{sign_document, Config, Document, Plan, Signer};
///
/// let plan = Plan::new(Config::default()).unwrap();
/// let mut signer = Signer::new(&plan);
/// let text = "The minister met his counterpart on Friday and said that the talks \
///             had made a little progress on the ceasefire, officials said.";
/// let a = sign_document(&plan, &mut signer, &Document::new("a", text));
/// let b = sign_document(&plan, &mut signer, &Document::new("b", text.to_uppercase()));
/// assert_eq!(a.exact, b.exact);
/// assert_eq!(a.words, 22);
/// ```
pub fn sign_document(plan: &Plan, signer: &mut Signer, doc: &Document) -> DocSketch {
    parts::Analysis::new(plan, doc).sign(plan, signer)
}

/// The exact key of a document too thin to judge: over all its tokens,
/// cleaned or not, in a space of its own (none without words).
fn whole_text_key(tokens: &[u32]) -> Option<u128> {
    (!tokens.is_empty()).then(|| crate::sign::exact_key(tokens) ^ seeds::WHOLE_TEXT_TAG)
}

/// Compare two documents: measured scores, their relation, and the passages
/// they share (with the passage text). Cleaning applies per document;
/// corpus-wide boilerplate needs a corpus and is not used here.
///
/// ```
/// use doublet::{compare, Config, Document};
///
/// let quote = "we exchanged some ideas and we had a little bit of progress, Kerry said";
/// let a = Document::new("a", format!("The talks went on all week in New York. {quote}. Then he left for the airport."));
/// let b = Document::new("b", format!("A very different report opens this one. \u{201C}{quote}.\u{201D} Nothing else is alike."));
/// let c = compare(&Config::default(), &a, &b).unwrap();
/// assert_eq!(c.relation, doublet::PairRelation::SharedPassages);
/// assert!(c.passages[0].text.as_deref().unwrap().contains("a little bit of progress"));
/// ```
pub fn compare(config: &Config, a: &Document, b: &Document) -> Result<Comparison> {
    let plan = Plan::new(config.clone())?;
    let cfg = &plan.config;
    let seeds = plan.seeds;
    let ((da, wa), (db, wb)) = (analyse(a, cfg), analyse(b, cfg));
    let (ca, cb) = (da.content_with_offsets(&wa), db.content_with_offsets(&wb));
    let (ta, tb) = (&ca.tokens, &cb.tokens);
    let sa = shingle::shingle_set(ta, cfg.ngram, seeds.shingle);
    let sb = shingle::shingle_set(tb, cfg.ngram, seeds.shingle);
    let o = verify::measure(&sa, &sb);
    let aligned = if cfg.min_passage > 0 {
        passages_between(
            &ca,
            &cb,
            plan.align,
            &crate::align::SeedIndex::new(&ca.tokens, plan.align),
            Some(&a.text),
        )
    } else {
        passages::Aligned::default()
    };
    let shared = aligned.shared();
    let passages = aligned.passages;
    let t = plan.thresholds;
    let relation = if !ta.is_empty() && ta == tb {
        PairRelation::Exact
    } else if let Some(r) = t.relation(o.jaccard, o.a_in_b.max(o.b_in_a)) {
        r.into()
    } else if !passages.is_empty() {
        PairRelation::SharedPassages
    } else {
        PairRelation::Unrelated
    };
    let round = |x: f64| (x * 1e6).round() / 1e6;
    Ok(Comparison {
        a: a.id.clone(),
        b: b.id.clone(),
        relation,
        jaccard: round(o.jaccard),
        a_in_b: round(o.a_in_b),
        b_in_a: round(o.b_in_a),
        a_shared: Some(round(shared.0)),
        b_shared: Some(round(shared.1)),
        passages,
    })
}

/// The hash a document's id is found by among those pushed.
fn id_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documents built from a shared stock of paragraphs, so that every
    /// corpus-wide stage (furniture, candidates, clusters, passages) reads
    /// tokens back.
    fn corpus() -> Vec<Document> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let words: Vec<String> = (0..3000).map(|i| format!("w{i}x")).collect();
        let mut paragraph = |n: usize| -> String {
            let mut p: Vec<&str> = (0..n)
                .map(|_| words[(next() % 3000) as usize].as_str())
                .collect();
            p.push("end.");
            p.join(" ")
        };
        let stock: Vec<String> = (0..60).map(|_| paragraph(40)).collect();
        let mut own: Vec<String> = (0..1200).map(|_| paragraph(50)).collect();
        let mut docs = Vec::new();
        let mut pick = 0usize;
        for d in 0..400 {
            let mut paras = vec![own.pop().unwrap(), own.pop().unwrap()];
            paras.push(stock[pick % stock.len()].clone());
            pick = pick.wrapping_mul(31).wrapping_add(d + 7);
            paras.push(own.pop().unwrap_or_default());
            let text = paras.join("\n\n");
            if d % 5 == 0 {
                docs.push(Document::new(
                    format!("copy{d:03}"),
                    paras[..3].join("\n\n"),
                ));
            }
            docs.push(Document::new(format!("doc{d:03}"), text));
        }
        docs
    }

    fn report(spill: bool) -> String {
        let mut s = Scanner::new(Config::default()).unwrap();
        if spill {
            s.store.stream.limit_chunks(0);
            s.tables.stream.tiny_chunks();
            s = s
                .with_spill(tempfile::tempfile().unwrap(), 0)
                .with_table_spill(tempfile::tempfile().unwrap(), 0)
                .with_sort_spill(crate::keyed::Spill::past(64));
        }
        for batch in corpus().chunks(37) {
            s.push(batch.to_vec()).unwrap();
        }
        if spill {
            assert!(s.store.heap_bytes() < 1 << 20, "{}", s.store.heap_bytes());
            assert!(
                s.tables.heap_bytes() < 16 << 10,
                "{}",
                s.tables.heap_bytes()
            );
        }
        serde_json::to_string(&s.finish().unwrap()).unwrap()
    }

    /// What a scanner holds of every document from reading to the end
    /// stays small: at ten million documents each byte of it is 10 MB.
    #[test]
    fn a_document_held_costs_at_most_64_bytes_and_its_id() {
        assert!(
            std::mem::size_of::<Analysed>() <= 64,
            "{}",
            std::mem::size_of::<Analysed>()
        );
        assert!(std::mem::size_of::<store::Slot>() <= 16);
    }

    #[test]
    fn a_document_signed_alone_is_signed_as_the_scanner_signs_it() {
        let plan = Plan::new(Config::default()).unwrap();
        let docs = corpus();
        let mut s = Scanner::new(Config::default()).unwrap();
        s.push(docs.clone()).unwrap();
        let mut signer = Signer::new(&plan);
        let emitted = Sorter::new(&crate::keyed::Spill::in_memory());
        let sketches = s.sketch_all(&emitted);
        let emitted: Vec<[u64; 2]> = emitted.finish().unwrap().collect();
        for (d, mut sketch) in sketches.into_iter().enumerate() {
            // The scanner's fingerprints are records, sorted by hash.
            assert!(sketch.fingerprints.is_empty());
            sketch.fingerprints = emitted
                .iter()
                .map(|r| (r[0], index::fingerprint_holder(r[1])))
                .filter(|&(_, (e, _))| e == d as u32)
                .map(|(h, (_, p))| (h, p))
                .collect();
            assert_eq!(
                sign_document(&plan, &mut signer, &docs[d]),
                sketch,
                "{}",
                docs[d].id
            );
        }
    }

    #[test]
    fn counted_steps_reach_their_totals_and_change_nothing() {
        let mut s = Scanner::new(Config::default()).unwrap();
        let progress = s.progress();
        assert_eq!(progress.step(), None);
        // The observer runs as a stage starts, before the progress moves
        // on: it sees how the stage before ended.
        let ended = Arc::new(Mutex::new(Vec::new()));
        let (log, watch) = (Arc::clone(&ended), Arc::clone(&progress));
        s = s.with_stage_observer(move |_| log.lock().unwrap().extend(watch.step()));
        for batch in corpus().chunks(37) {
            s.push(batch.to_vec()).unwrap();
        }
        let observed = serde_json::to_string(&s.finish().unwrap()).unwrap();
        assert_eq!(observed, report(false));
        let ended = ended.lock().unwrap();
        let count = |what: &str| {
            let step = ended.iter().find(|s| s.what == what).unwrap();
            step.count.unwrap()
        };
        let (done, total) = count("measuring candidates");
        assert!(total > 0 && done == total, "{done} of {total}");
        let (done, total) = count("aligning shared passages");
        assert!(total > 0 && done == total, "{done} of {total}");
        // Uncounted stages say what they are.
        assert!(ended.iter().any(|s| s.stage == Stage::Furniture
            && s.what == "finding page furniture"
            && s.count.is_none()));
        let last = progress.step().unwrap();
        assert_eq!((last.stage, last.count), (Stage::Report, None));
    }

    #[test]
    fn block_tables_that_do_not_read_back_fail_the_run() {
        let file = tempfile::tempfile().unwrap();
        let damage = file.try_clone().unwrap();
        let mut s = Scanner::new(Config::default()).unwrap();
        s.tables.stream.tiny_chunks();
        s = s.with_table_spill(file, 0);
        for batch in corpus().chunks(37) {
            s.push(batch.to_vec()).unwrap();
        }
        // The spilled tables are cut short under the scanner. The chunks
        // still held are written when the corpus-wide stages start, past
        // the cut, so what was cut reads back as zeros (not as written) or
        // as an early end.
        damage.set_len(0).unwrap();
        match s.finish() {
            Err(Error::Spill(e)) => assert!(
                matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
                ),
                "{e}"
            ),
            other => panic!("{:?}", other.map(|r| r.stats)),
        }
    }

    #[test]
    fn spilling_words_and_sorted_runs_to_files_changes_nothing() {
        let (held, spilled) = (report(false), report(true));
        assert!(
            held.contains("\"reuse\":[{"),
            "the corpus has reuse clusters"
        );
        assert!(
            held.contains("\"relation\":\"contained\""),
            "and contained copies"
        );
        assert_eq!(held, spilled);
    }
}
