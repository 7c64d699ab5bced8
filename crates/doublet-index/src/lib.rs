//! # doublet-index
//!
//! A persistent index: every new batch of documents is decided against
//! everything kept before it, and what is kept is stored, so a crawl is
//! deduplicated hour by hour without scanning its history again.
//!
//! An index is a folder holding `meta.json` (the format and the settings
//! that change results, fixed at creation) and `index.redb`, a crash-safe
//! embedded store (redb: copy-on-write B-trees, one writer, readers on
//! snapshots; ARCHITECTURE.md argues the choice). A batch is added in one
//! write transaction committed with an fsync before [`Index::add`]
//! returns, so an acknowledged document is never lost and a half-written
//! batch is never seen.
//!
//! Under the keep-first policy a batch is decided exactly as one scan of
//! every earlier document and the batch would decide it (see
//! [`doublet::pipeline::prior`]), when corpus-wide cleaning is off. With it
//! on, the index keeps each block's history (its mutually unrelated
//! holders, its votes) as the corpus grows, and earlier documents are not
//! cleaned again when a block later turns out to be furniture.
//!
//! What the index stores, per table:
//!
//! | table | key → value |
//! |---|---|
//! | `docs` | seq → id, times, decision flags, the exact key it holds first |
//! | `ids` | id → seq |
//! | `exact` | exact key → its first holder and that holder's decision |
//! | `bands` | LSH band key → (exact key, seq) of kept documents |
//! | `anchors` | anchor hash → (seq, τ, anchor count) of kept documents |
//! | `sketches` | seq → the kept document's sketch (binary form) |
//! | `content` | seq → its content tokens (what verification shingles) |
//! | `gists` | seq → signature before corpus-wide cleaning, of block holders |
//! | `blocks` | block key → history (holders, votes) |
//! | `counters` | name → count |
//!
//! Every value carries a checksum (xxh3) of its table, key and bytes,
//! checked on every read (see `codec`): a damaged record is refused, never
//! read as another document, and [`Index::check`] reads them all. After an
//! I/O error the store refuses everything until it is reopened, which the
//! index does before its next use; a change that fails because the disk
//! is full gives back the room its pages took in the file. An index whose
//! store cannot be written is opened read-only.

#![warn(missing_docs)]

mod codec;
mod error;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use doublet::parts::Gist;
use doublet::pipeline::prior::{BlockHistory, Decided, Earlier, EarlierCopy, Measured, Prior};
use doublet::{index as dindex, verify, Config, DocSketch, KeepPolicy, Plan, Report, Scanner};
use rayon::prelude::*;
use redb::{
    Database, Durability, MultimapTableDefinition, ReadOnlyDatabase, ReadTransaction,
    ReadableDatabase, ReadableMultimapTable, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};
use serde::{Deserialize, Serialize};

use codec::{DocRecord, Table};
use error::Fault;
pub use error::{Error, Result};

/// The index format this build reads and writes.
pub const FORMAT: &str = "doublet.index/2";

/// The format before checksums: refused with a word on what to do.
const UNCHECKED_FORMAT: &str = "doublet.index/1";

const META: &str = "meta.json";
const STORE: &str = "index.redb";

/// What the index does inside, before its faults are placed.
type Inner<T> = std::result::Result<T, Fault>;

const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
/// Id → (seq, check).
const IDS: TableDefinition<&str, (u64, u32)> = TableDefinition::new("ids");
const EXACT: TableDefinition<u128, &[u8]> = TableDefinition::new("exact");
/// Band key → (exact key, seq, check) of kept documents.
const BANDS: MultimapTableDefinition<u64, (u128, u64, u32)> = MultimapTableDefinition::new("bands");
/// Anchor hash → (seq, the holder's anchor threshold τ, its anchor count,
/// check): enough to judge most pairs' plausibility without reading the
/// holder's sketch.
const ANCHORS: MultimapTableDefinition<u64, (u64, u64, u32, u32)> =
    MultimapTableDefinition::new("anchors");
const SKETCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("sketches");
const CONTENT: TableDefinition<u64, &[u8]> = TableDefinition::new("content");
const GISTS: TableDefinition<u64, &[u8]> = TableDefinition::new("gists");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Name → (count, check).
const COUNTERS: TableDefinition<&str, (u64, u32)> = TableDefinition::new("counters");
/// The settings `meta.json` held when the index was created, so that an
/// edited `meta.json` is refused rather than silently changing results.
const SETTINGS: TableDefinition<&str, &str> = TableDefinition::new("settings");

/// What `meta.json` holds: fixed when the index is created.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    /// The index format ([`FORMAT`]).
    pub format: String,
    /// The sketch format of the engine that made it ([`doublet::seeds::FORMAT`]).
    pub sketch_format: u32,
    /// The doublet version that created it.
    pub created_by: String,
    /// Every setting that changes results.
    pub config: Config,
}

/// Counts an index keeps, as `doublet index stats` prints them.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    /// The index format.
    pub format: String,
    /// Documents ever added.
    pub added: u64,
    /// Documents held now (added and not evicted).
    pub documents: u64,
    /// Of those, kept when added.
    pub kept: u64,
    /// Of those, removed when added (held by id and exact key only).
    pub removed: u64,
    /// Kept documents later ones are measured against.
    pub candidates: u64,
    /// Documents evicted.
    pub evicted: u64,
    /// Blocks with a history (corpus-wide cleaning).
    pub blocks: u64,
    /// Size of the store file in bytes.
    pub bytes_on_disk: u64,
    /// When the oldest held document was added (Unix seconds).
    pub oldest_added: Option<i64>,
    /// When the newest held document was added (Unix seconds).
    pub newest_added: Option<i64>,
    /// Opened read-only (the store file or its device cannot be written).
    pub read_only: bool,
}

/// What an eviction removed.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Evicted {
    /// Documents removed from the index.
    pub documents: u64,
    /// Of those, kept documents later ones were measured against.
    pub candidates: u64,
    /// Exact keys forgotten (held by an evicted document, or whose holder
    /// was removed as the twin of one).
    pub exact_keys: u64,
}

/// How an index is opened.
#[derive(Clone, Debug)]
pub struct Options {
    /// Bytes of the store's pages kept in memory (256 MiB by default).
    pub cache: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { cache: CACHE }
    }
}

/// The store, open for writing, or for reading only.
enum Store {
    Writable(Database),
    ReadOnly(ReadOnlyDatabase),
}

impl Store {
    fn open(dir: &Path, read_only: bool, cache: usize) -> Inner<Store> {
        let path = dir.join(STORE);
        let mut builder = redb::Builder::new();
        builder.set_cache_size(cache);
        let opened = if read_only {
            builder.open_read_only(&path).map(Store::ReadOnly)
        } else {
            builder.open(&path).map(Store::Writable)
        };
        match opened {
            Ok(store) => Ok(store),
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                Err(Error::InUse(dir.to_path_buf()).into())
            }
            Err(redb::DatabaseError::RepairAborted) => Err(Fault::Store(
                "the store was not closed cleanly (a crash, or a full disk) and needs a repair, \
                 which needs write access: run any `doublet index` command on it where it can \
                 be written"
                    .into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    fn begin_read(&self) -> Inner<ReadTransaction> {
        Ok(match self {
            Store::Writable(db) => db.begin_read()?,
            Store::ReadOnly(db) => db.begin_read()?,
        })
    }
}

/// Whether the store file can be opened for writing: not when its
/// permissions or its file system say no, which makes the index read-only.
fn writable(path: &Path) -> Inner<bool> {
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(_) => Ok(true),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Ok(false)
        }
        Err(cause) => Err(Error::Io {
            path: path.to_path_buf(),
            cause,
        }
        .into()),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A persistent index, open for reading and (one batch at a time) writing.
pub struct Index {
    dir: PathBuf,
    /// `None` only while it is being reopened.
    store: RwLock<Option<Store>>,
    read_only: bool,
    cache: usize,
    plan: Plan,
    meta: Meta,
    /// One batch is decided and written at a time: the next batch's
    /// decisions depend on this one's.
    writer: Mutex<()>,
    /// Why the store stopped working (an I/O error, after which it refuses
    /// everything): it is reopened before its next use.
    failed: Mutex<Option<String>>,
    /// The first damaged record read since the index was opened.
    damaged: Mutex<Option<String>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("dir", &self.dir).finish()
    }
}

/// Cache of the store (pages of its B-trees) in memory.
const CACHE: usize = 256 << 20;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    }
}

impl Index {
    /// Create an index in `dir` (created if missing, and empty if present)
    /// with `config`, whose results-changing settings are fixed from now
    /// on. The index decides under the keep-first policy without shared
    /// passages, whatever `config` says of those.
    pub fn create(dir: &Path, mut config: Config) -> Result<Index> {
        config.keep = KeepPolicy::First;
        config.min_passage = 0;
        config.dedup_paragraphs = false;
        let plan = Plan::new(config)?;
        if dir.join(META).exists() || dir.join(STORE).exists() {
            return Err(Error::Exists(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        if std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
            return Err(Error::Format {
                path: dir.to_path_buf(),
                reason: "the folder is not empty; an index is created in a new or empty folder"
                    .into(),
            });
        }
        let meta = Meta {
            format: FORMAT.into(),
            sketch_format: doublet::seeds::FORMAT,
            created_by: format!("doublet {}", env!("CARGO_PKG_VERSION")),
            config: plan.config.clone(),
        };
        let store = dir.join(STORE);
        let db = Self::create_store(&store, &meta).map_err(|f| f.at(dir, &store))?;
        // meta.json last, through a rename: a folder with it holds a whole index.
        let path = dir.join(META);
        let tmp = dir.join("meta.json.tmp");
        let text = serde_json::to_string_pretty(&meta).map_err(|e| Error::Store {
            path: path.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&tmp, text + "\n").map_err(io(&tmp))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        Ok(Index {
            dir: dir.to_path_buf(),
            store: RwLock::new(Some(Store::Writable(db))),
            read_only: false,
            cache: CACHE,
            plan,
            meta,
            writer: Mutex::new(()),
            failed: Mutex::new(None),
            damaged: Mutex::new(None),
        })
    }

    fn create_store(path: &Path, meta: &Meta) -> Inner<Database> {
        let db = redb::Builder::new().set_cache_size(CACHE).create(path)?;
        let tx = db.begin_write()?;
        {
            // Every table exists from the start, so readers never find one missing.
            tx.open_table(DOCS)?;
            tx.open_table(IDS)?;
            tx.open_table(EXACT)?;
            tx.open_multimap_table(BANDS)?;
            tx.open_multimap_table(ANCHORS)?;
            tx.open_table(SKETCHES)?;
            tx.open_table(CONTENT)?;
            tx.open_table(GISTS)?;
            tx.open_table(BLOCKS)?;
            tx.open_table(COUNTERS)?;
            let config =
                serde_json::to_string(&meta.config).map_err(|e| Fault::Store(e.to_string()))?;
            tx.open_table(SETTINGS)?.insert("config", config.as_str())?;
        }
        tx.commit()?;
        Ok(db)
    }

    /// Open the index in `dir`. Refuses an index of another format, and
    /// one another process has open. An index whose store file cannot be
    /// written (its permissions, a read-only file system) is opened
    /// read-only: it answers queries, stats and checks, and refuses
    /// changes with [`Error::ReadOnly`].
    pub fn open(dir: &Path) -> Result<Index> {
        Self::open_with(dir, &Options::default())
    }

    /// [`open`](Self::open), with `options`.
    pub fn open_with(dir: &Path, options: &Options) -> Result<Index> {
        let meta = Self::read_meta(dir)?;
        let path = dir.join(STORE);
        let opened = (|| -> Inner<(Store, bool)> {
            let read_only = !writable(&path)?;
            let store = Store::open(dir, read_only, options.cache)?;
            let recorded: Option<String> = {
                let tx = store.begin_read()?;
                let table = tx.open_table(SETTINGS)?;
                let value = table.get("config")?.map(|v| v.value().to_owned());
                value
            };
            let same = recorded
                .as_deref()
                .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
                .zip(serde_json::to_value(&meta.config).ok())
                .is_some_and(|(a, b)| a == b);
            if !same {
                return Err(Error::Format {
                    path: dir.join(META),
                    reason: "its settings differ from those the index was created with; \
                             settings cannot change after `doublet index create`"
                        .into(),
                }
                .into());
            }
            Ok((store, read_only))
        })();
        let (store, read_only) = opened.map_err(|f| f.at(dir, &path))?;
        let plan = Plan::new(meta.config.clone())?;
        Ok(Index {
            dir: dir.to_path_buf(),
            store: RwLock::new(Some(store)),
            read_only,
            cache: options.cache,
            plan,
            meta,
            writer: Mutex::new(()),
            failed: Mutex::new(None),
            damaged: Mutex::new(None),
        })
    }

    /// The index's `meta.json`, checked.
    pub fn read_meta(dir: &Path) -> Result<Meta> {
        let path = dir.join(META);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if dir.join(STORE).exists() {
                    return Err(Error::Format {
                        path: dir.to_path_buf(),
                        reason: format!(
                            "{STORE} without {META}: an index whose creation did not finish; \
                             remove the folder and create the index again"
                        ),
                    });
                }
                return Err(Error::Missing(dir.to_path_buf()));
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let format = |reason: String| Error::Format {
            path: path.clone(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format(format!("not valid JSON: {e}")))?;
        let found = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if found == UNCHECKED_FORMAT {
            return Err(format(format!(
                "index format {found:?}; this doublet ({}) reads {FORMAT:?} only, which keeps \
                 a checksum with every record. Create a new index and add the documents again",
                env!("CARGO_PKG_VERSION")
            )));
        }
        if found != FORMAT {
            return Err(format(format!(
                "index format {found:?}; this doublet ({}) reads {FORMAT:?} only",
                env!("CARGO_PKG_VERSION")
            )));
        }
        let meta: Meta = serde_json::from_value(value).map_err(|e| format(e.to_string()))?;
        if meta.sketch_format != doublet::seeds::FORMAT {
            return Err(format(format!(
                "sketches of format {}; this doublet makes format {}",
                meta.sketch_format,
                doublet::seeds::FORMAT
            )));
        }
        Ok(meta)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The store file.
    fn path(&self) -> PathBuf {
        self.dir.join(STORE)
    }

    /// Whether the index was opened read-only (see [`open`](Self::open)).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The index's fixed settings.
    pub fn config(&self) -> &Config {
        &self.plan.config
    }

    /// Its `meta.json`.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// A scanner under the index's settings, to push a batch into.
    pub fn scanner(&self) -> Result<Scanner> {
        // A batch is decided into a whole report, against sketches held
        // whole: the memory budget's projection counts both.
        Ok(Scanner::new(self.plan.config.clone())?
            .holding_report()
            .holding_sketches())
    }

    /// A fault as the public error naming the store file. A failure of the
    /// store is remembered, so that it is reopened before its next use;
    /// damage is remembered for [`health`](Self::health).
    fn placed(&self, fault: Fault) -> Error {
        match &fault {
            Fault::Failed { message, .. } => *lock(&self.failed) = Some(message.clone()),
            Fault::Corrupt(detail) => {
                lock(&self.damaged).get_or_insert_with(|| detail.clone());
            }
            _ => {}
        }
        fault.at(&self.dir, &self.path())
    }

    fn run<T>(&self, work: impl FnOnce() -> Inner<T>) -> Result<T> {
        work().map_err(|f| self.placed(f))
    }

    /// The store, reopened first if an I/O error left it refusing
    /// everything (redb latches such an error until it is reopened).
    fn ensure_open(&self) -> Inner<()> {
        let open = self
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        if open && lock(&self.failed).is_none() {
            return Ok(());
        }
        // No write transaction may be alive when the store is dropped (its
        // close would wait for it and the file would stay locked): take
        // the writer's lock first, as every write does.
        let _writer = lock(&self.writer);
        let mut slot = self.store.write().unwrap_or_else(PoisonError::into_inner);
        if slot.is_some() && lock(&self.failed).is_none() {
            return Ok(()); // another thread reopened it meanwhile
        }
        // Dropping the store closes its file and releases its lock; read
        // transactions still alive on it fail, and are answered as failed.
        *slot = None;
        *slot = Some(Store::open(&self.dir, self.read_only, self.cache)?);
        *lock(&self.failed) = None;
        Ok(())
    }

    fn begin_read(&self) -> Inner<ReadTransaction> {
        self.ensure_open()?;
        self.read_open()
    }

    /// A read transaction on the store as it is, never reopened: what the
    /// holder of the writer's lock reads with (a reopen takes that lock).
    fn read_open(&self) -> Inner<ReadTransaction> {
        let slot = self.store.read().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some(store) => store.begin_read(),
            None => Err(Fault::Failed {
                message: "the store could not be reopened".into(),
                no_space: false,
            }),
        }
    }

    /// A durable write transaction; the caller holds the writer's lock
    /// (and called [`ensure_open`](Self::ensure_open) before taking it).
    fn begin_write(&self) -> Inner<WriteTransaction> {
        let slot = self.store.read().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some(Store::Writable(db)) => {
                let mut tx = db.begin_write()?;
                tx.set_durability(Durability::Immediate)?;
                Ok(tx)
            }
            Some(Store::ReadOnly(_)) => Err(Error::ReadOnly(self.dir.clone()).into()),
            None => Err(Fault::Failed {
                message: "the store could not be reopened".into(),
                no_space: false,
            }),
        }
    }

    /// The error of a write that failed. A full disk leaves the failed
    /// transaction's pages in the file (redb grew it for them, and frees
    /// them only once reopened): the store is reopened and compacted at
    /// once, which gives that room back, so that the next change, once
    /// there is space, does not fail for the failed one's sake.
    fn failed_write(&self, fault: Fault) -> Error {
        let no_space = matches!(fault, Fault::Failed { no_space: true, .. });
        let mut error = self.placed(fault);
        if !no_space {
            return error;
        }
        let reclaimed = self.reclaim();
        if let Error::NoSpace { advice, .. } = &mut error {
            match reclaimed {
                Ok((before, after)) => {
                    *advice = format!(
                        "The room it took in the file was given back (the store went from \
                         {before} to {after} bytes); free some space before the next change"
                    );
                }
                Err(Fault::Failed { no_space: true, .. }) => {
                    advice.push_str(" (giving it back now ran out of space too)");
                }
                Err(e) => {
                    let e = self.placed(e);
                    advice.push_str(&format!(" (giving it back now failed: {e})"));
                }
            }
        }
        error
    }

    /// Reopen the store and compact it; its size before and after.
    fn reclaim(&self) -> Inner<(u64, u64)> {
        let path = self.path();
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let _writer = lock(&self.writer);
        let mut slot = self.store.write().unwrap_or_else(PoisonError::into_inner);
        let before = size();
        *slot = None;
        let mut db = match Store::open(&self.dir, false, self.cache)? {
            Store::Writable(db) => db,
            Store::ReadOnly(_) => return Err(Error::ReadOnly(self.dir.clone()).into()),
        };
        // Reopened: whatever happens to the compaction, the store works.
        *lock(&self.failed) = None;
        let compacted = db.compact(redb::CompactionMode::Maximum);
        *slot = Some(Store::Writable(db));
        compacted?;
        Ok((before, size()))
    }

    /// Whether the index can be used now. A store that an I/O error left
    /// unusable is reopened first (a full disk that has room again, a
    /// device back); then its counters are read. Damage found in a record
    /// since the index was opened is reported too, since answers that
    /// read it cannot be trusted.
    pub fn health(&self) -> Result<()> {
        self.run(|| {
            if let Some(detail) = lock(&self.damaged).clone() {
                return Err(Fault::Corrupt(detail));
            }
            let tx = self.begin_read()?;
            let counters = tx.open_table(COUNTERS)?;
            if let Some(v) = counters.get("next_seq")? {
                codec::counter_of("next_seq", v.value())?;
            }
            Ok(())
        })
    }

    /// Decide the documents pushed into `scanner` against the index and
    /// store them: the batch's report (decisions as `doublet scan --keep
    /// first` of everything added before and the batch would make them).
    /// `times` gives each document's own time (Unix seconds) for
    /// eviction, in push order (empty: none); `now` is the time of the
    /// addition. Nothing is stored when it fails; when it returns, the
    /// batch is on disk.
    pub fn add(&self, scanner: Scanner, times: &[Option<i64>], now: i64) -> Result<Report> {
        self.prepare(scanner, times, now)?.commit()
    }

    /// [`add`](Self::add) up to its commit: the batch decided and written
    /// into a transaction that [`Pending::commit`] makes durable (and
    /// dropping it discards). Other adds wait until then.
    pub fn prepare(
        &self,
        scanner: Scanner,
        times: &[Option<i64>],
        now: i64,
    ) -> Result<Pending<'_>> {
        if self.read_only {
            return Err(Error::ReadOnly(self.dir.clone()));
        }
        self.run(|| {
            self.ensure_open()?;
            let writer = lock(&self.writer);
            let snapshot = Snapshot {
                index: self,
                tx: self.read_open()?,
            };
            let first = snapshot.counter("next_seq")?;
            // Ids the index holds are refused before any work is done.
            let mut held: Vec<&str> = Vec::new();
            for id in scanner.ids() {
                if snapshot.seq_of(id)?.is_some() {
                    held.push(id);
                }
            }
            if let Some(first) = held.iter().min() {
                return Err(Error::DuplicateId {
                    id: first.to_string(),
                    more: held.len() - 1,
                }
                .into());
            }
            let decided = scanner.finish_with(&snapshot, first)?;
            drop(snapshot);
            let tx = self.begin_write()?;
            let report = self.write_batch(&tx, decided, times, now, first)?;
            Ok(Pending {
                index: self,
                tx,
                report,
                _writer: writer,
            })
        })
    }

    /// Write a decided batch into `tx`, its documents numbered from `first`.
    fn write_batch(
        &self,
        tx: &WriteTransaction,
        decided: Decided,
        times: &[Option<i64>],
        now: i64,
        first: u64,
    ) -> Inner<Report> {
        let report = decided.report;
        let mut docs = tx.open_table(DOCS)?;
        let mut ids = tx.open_table(IDS)?;
        let mut exact = tx.open_table(EXACT)?;
        let mut bands = tx.open_multimap_table(BANDS)?;
        let mut anchors = tx.open_multimap_table(ANCHORS)?;
        let mut sketches = tx.open_table(SKETCHES)?;
        let mut content = tx.open_table(CONTENT)?;
        let mut gists = tx.open_table(GISTS)?;
        let mut blocks = tx.open_table(BLOCKS)?;
        let mut counters = tx.open_table(COUNTERS)?;
        let (mut kept, mut candidates) = (0u64, 0u64);
        // Postings are inserted in key order: neighbouring keys share
        // pages, so a batch touches each page of the tree once.
        let mut band_postings: Vec<(u64, (u128, u64, u32))> = Vec::new();
        let mut anchor_postings: Vec<(u64, (u64, u64, u32, u32))> = Vec::new();
        for (i, (doc, entry)) in report.documents.iter().zip(&decided.entries).enumerate() {
            let seq = first + i as u64;
            let key = seq.to_le_bytes();
            let record = DocRecord {
                id: doc.id.clone(),
                added: now,
                time: times.get(i).copied().flatten(),
                kept: doc.kept,
                first_of_key: entry.first_of_key,
                candidate: entry.candidate.is_some(),
                gist: entry.gist.is_some(),
            };
            docs.insert(
                seq,
                codec::seal(Table::Docs, &key, record.encode()).as_slice(),
            )?;
            ids.insert(doc.id.as_str(), codec::id_entry(&doc.id, seq))?;
            kept += u64::from(doc.kept);
            if let Some(exact_key) = entry.first_of_key {
                // The twin is earlier: in the index, or in the batch
                // and inserted above.
                let target = match &doc.duplicate_of {
                    Some(t) => {
                        let entry = ids.get(t.as_str())?.map(|g| g.value());
                        let seq = match entry {
                            Some(v) => codec::id_of(t, v)?,
                            None => {
                                return Err(Fault::Corrupt(format!(
                                    "twin {t:?} of {:?} is not held",
                                    doc.id
                                )))
                            }
                        };
                        Some(Earlier { seq, id: t.clone() })
                    }
                    None => None,
                };
                let copy = EarlierCopy {
                    holder: Earlier {
                        seq,
                        id: doc.id.clone(),
                    },
                    removed: target.map(|t| {
                        (
                            t,
                            doc.relation.unwrap_or(doublet::Relation::Exact),
                            doc.jaccard.unwrap_or(1.0),
                            doc.containment.unwrap_or(1.0),
                        )
                    }),
                };
                let sealed = codec::seal(
                    Table::Exact,
                    &exact_key.to_le_bytes(),
                    codec::encode_copy(&copy),
                );
                exact.insert(exact_key, sealed.as_slice())?;
            }
            if let Some((sketch, tokens)) = &entry.candidate {
                candidates += 1;
                let exact_key = sketch.exact.unwrap_or(0);
                if let Some(sig) = &sketch.signature {
                    for b in 0..self.plan.bands {
                        let band = sig.band_key(b, self.plan.rows);
                        band_postings.push((band, codec::band(band, exact_key, seq)));
                    }
                }
                let a = &sketch.anchors;
                let n = a.hashes.len() as u32;
                anchor_postings.extend(
                    a.hashes
                        .iter()
                        .map(|&h| (h, codec::anchor(h, seq, a.tau, n))),
                );
                let stored = codec::seal(Table::Sketches, &key, lean(sketch).to_bytes());
                sketches.insert(seq, stored.as_slice())?;
                let stored = codec::seal(Table::Content, &key, codec::encode_tokens(tokens));
                content.insert(seq, stored.as_slice())?;
            }
            if let Some(g) = &entry.gist {
                let stored = codec::seal(Table::Gists, &key, codec::encode_gist(g));
                gists.insert(seq, stored.as_slice())?;
            }
        }
        band_postings.sort_unstable();
        for (k, v) in band_postings {
            bands.insert(k, v)?;
        }
        anchor_postings.sort_unstable();
        for (k, v) in anchor_postings {
            anchors.insert(k, v)?;
        }
        for b in &decided.blocks {
            let stored = codec::seal(
                Table::Blocks,
                &b.key.to_le_bytes(),
                codec::encode_history(&b.history),
            );
            blocks.insert(b.key, stored.as_slice())?;
        }
        let n = report.documents.len() as u64;
        add_to(&mut counters, "next_seq", n)?;
        add_to(&mut counters, "added", n)?;
        add_to(&mut counters, "documents", n)?;
        add_to(&mut counters, "kept", kept)?;
        add_to(&mut counters, "candidates", candidates)?;
        Ok(report)
    }

    /// Decide the documents pushed into `scanner` against the index, as
    /// [`add`](Self::add) would, and store nothing. Runs beside a writer,
    /// on the index as of its last commit.
    ///
    /// A document whose id the index already holds is marked `held`. It
    /// is decided as the others are, except that a decision naming its
    /// own id (its stored self: an unchanged text is its own exact copy)
    /// is not given: it is reported kept, as its stored self was.
    pub fn query(&self, scanner: Scanner) -> Result<Report> {
        self.run(|| {
            let snapshot = Snapshot::new(self)?;
            let mut held: HashSet<String> = HashSet::new();
            for id in scanner.ids() {
                if snapshot.seq_of(id)?.is_some() {
                    held.insert(id.to_owned());
                }
            }
            let first = snapshot.counter("next_seq")?;
            let mut report = scanner.finish_with(&snapshot, first)?.report;
            if !held.is_empty() {
                mark_held(&mut report, &held);
            }
            Ok(report)
        })
    }

    /// The index's counts.
    pub fn stats(&self) -> Result<Stats> {
        self.run(|| {
            let tx = self.begin_read()?;
            let counters = tx.open_table(COUNTERS)?;
            let count = |name: &str| -> Inner<u64> { read_counter(&counters, name) };
            let docs = tx.open_table(DOCS)?;
            let added_of = |seq: u64, stored: &[u8]| -> Inner<i64> {
                let bytes = codec::unseal(Table::Docs, &seq.to_le_bytes(), stored)?;
                Ok(DocRecord::decode(bytes)?.added)
            };
            let oldest = match docs.first()? {
                Some((k, v)) => Some(added_of(k.value(), v.value())?),
                None => None,
            };
            let newest = match docs.last()? {
                Some((k, v)) => Some(added_of(k.value(), v.value())?),
                None => None,
            };
            let documents = count("documents")?;
            let kept = count("kept")?;
            Ok(Stats {
                format: FORMAT.into(),
                added: count("added")?,
                documents,
                kept,
                removed: documents - kept.min(documents),
                candidates: count("candidates")?,
                evicted: count("evicted")?,
                blocks: tx.open_table(BLOCKS)?.len()?,
                bytes_on_disk: std::fs::metadata(self.path()).map(|m| m.len()).unwrap_or(0),
                oldest_added: oldest,
                newest_added: newest,
                read_only: self.read_only,
            })
        })
    }

    /// Forget every document older than `cutoff` (Unix seconds): by its
    /// own time when it has one (`--time-field`), else by when it was
    /// added. A forgotten kept document is no longer a twin for later ones,
    /// and an exact key whose holder, or whose holder's twin, is forgotten
    /// is forgotten with it. Block histories keep their counts.
    pub fn evict(&self, cutoff: i64) -> Result<Evicted> {
        if self.read_only {
            return Err(Error::ReadOnly(self.dir.clone()));
        }
        self.run(|| {
            self.ensure_open()?;
            let writer = lock(&self.writer);
            let tx = self.begin_write()?;
            let out = self.evict_in(&tx, cutoff)?;
            if let Err(e) = tx.commit() {
                drop(writer);
                return Err(self.failed_write(Fault::from(e)).into());
            }
            Ok(out)
        })
    }

    fn evict_in(&self, tx: &WriteTransaction, cutoff: i64) -> Inner<Evicted> {
        let mut out = Evicted::default();
        let mut docs = tx.open_table(DOCS)?;
        let mut old: Vec<(u64, DocRecord)> = Vec::new();
        for item in docs.iter()? {
            let (k, v) = item?;
            let seq = k.value();
            let record =
                DocRecord::decode(codec::unseal(Table::Docs, &seq.to_le_bytes(), v.value())?)?;
            if record.time.unwrap_or(record.added) < cutoff {
                old.push((seq, record));
            }
        }
        let mut ids = tx.open_table(IDS)?;
        let mut exact = tx.open_table(EXACT)?;
        let mut bands = tx.open_multimap_table(BANDS)?;
        let mut anchors = tx.open_multimap_table(ANCHORS)?;
        let mut sketches = tx.open_table(SKETCHES)?;
        let mut content = tx.open_table(CONTENT)?;
        let mut gists = tx.open_table(GISTS)?;
        let mut counters = tx.open_table(COUNTERS)?;
        let gone: HashSet<u64> = old.iter().map(|(s, _)| *s).collect();
        let mut kept = 0;
        for (seq, record) in &old {
            docs.remove(*seq)?;
            ids.remove(record.id.as_str())?;
            kept += u64::from(record.kept);
            if record.candidate {
                out.candidates += 1;
                let stored = sketches
                    .remove(*seq)?
                    .ok_or_else(|| Fault::Corrupt(format!("no sketch for {:?}", record.id)))?;
                let bytes = codec::unseal(Table::Sketches, &seq.to_le_bytes(), stored.value())?;
                let sketch = DocSketch::from_bytes(bytes)?;
                drop(stored);
                if let Some(sig) = &sketch.signature {
                    let key = sketch.exact.unwrap_or(0);
                    for b in 0..self.plan.bands {
                        let band = sig.band_key(b, self.plan.rows);
                        bands.remove(band, codec::band(band, key, *seq))?;
                    }
                }
                let a = &sketch.anchors;
                let n = a.hashes.len() as u32;
                for &h in &a.hashes {
                    anchors.remove(h, codec::anchor(h, *seq, a.tau, n))?;
                }
                content.remove(*seq)?;
            }
            if record.gist {
                gists.remove(*seq)?;
            }
        }
        let mut forget: Vec<(u128, u64)> = Vec::new();
        for item in exact.iter()? {
            let (k, v) = item?;
            let key = k.value();
            let copy =
                codec::decode_copy(codec::unseal(Table::Exact, &key.to_le_bytes(), v.value())?)?;
            let twin_gone = copy
                .removed
                .as_ref()
                .is_some_and(|r| gone.contains(&r.0.seq));
            if gone.contains(&copy.holder.seq) || twin_gone {
                forget.push((key, copy.holder.seq));
            }
        }
        for (k, holder) in &forget {
            exact.remove(*k)?;
            // A holder still held no longer holds its key first.
            if !gone.contains(holder) {
                let key = holder.to_le_bytes();
                let stored = docs.get(*holder)?.map(|v| v.value().to_vec());
                if let Some(stored) = stored {
                    let record = DocRecord {
                        first_of_key: None,
                        ..DocRecord::decode(codec::unseal(Table::Docs, &key, &stored)?)?
                    };
                    let sealed = codec::seal(Table::Docs, &key, record.encode());
                    docs.insert(*holder, sealed.as_slice())?;
                }
            }
        }
        out.documents = old.len() as u64;
        out.exact_keys = forget.len() as u64;
        sub_from(&mut counters, "documents", out.documents)?;
        sub_from(&mut counters, "kept", kept)?;
        sub_from(&mut counters, "candidates", out.candidates)?;
        add_to(&mut counters, "evicted", out.documents)?;
        Ok(out)
    }

    /// Rewrite the store without the space that evicted and replaced
    /// records left, and that a batch which failed to commit (a full disk)
    /// took in the file. Needs the index to itself (no service running).
    /// Returns the store's size before and after, in bytes.
    pub fn compact(self) -> Result<(u64, u64)> {
        let path = self.path();
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let before = size();
        let store = self
            .store
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let compacted = match store {
            Some(Store::Writable(mut db)) => db
                .compact(redb::CompactionMode::Maximum)
                .map_err(|e| Fault::from(e).at(&self.dir, &path)),
            Some(Store::ReadOnly(_)) => Err(Error::ReadOnly(self.dir.clone())),
            None => Err(Error::Store {
                path: path.clone(),
                message: "the store could not be reopened".into(),
            }),
        };
        compacted?;
        Ok((before, size()))
    }

    /// Check every record and that the tables agree with one another:
    /// every stored value against its checksum (a damaged byte in any
    /// record is found), every held document has its id, every candidate
    /// its sketch, content and postings (each posting exactly as written),
    /// every posting a held candidate, every exact key a held holder, and
    /// the counters match. Returns the problems found (none for a sound
    /// index).
    pub fn check(&self) -> Result<Vec<String>> {
        self.run(|| self.check_in())
    }

    fn check_in(&self) -> Inner<Vec<String>> {
        let tx = self.begin_read()?;
        let docs = tx.open_table(DOCS)?;
        let ids = tx.open_table(IDS)?;
        let exact = tx.open_table(EXACT)?;
        let bands = tx.open_multimap_table(BANDS)?;
        let anchors = tx.open_multimap_table(ANCHORS)?;
        let sketches = tx.open_table(SKETCHES)?;
        let content = tx.open_table(CONTENT)?;
        let gists = tx.open_table(GISTS)?;
        let blocks = tx.open_table(BLOCKS)?;
        let counters = tx.open_table(COUNTERS)?;
        let mut problems = Vec::new();
        // A damaged record is a problem to list, not a reason to stop.
        let mut damaged = |what: Fault| match what {
            Fault::Corrupt(detail) => {
                problems.push(detail);
                Ok(())
            }
            other => Err(other),
        };
        let (mut held, mut kept, mut candidates, mut with_gist) = (0u64, 0u64, 0u64, 0u64);
        let (mut band_count, mut anchor_count) = (0u64, 0u64);
        let mut last_seq = None;
        let mut found: Vec<String> = Vec::new();
        for item in docs.iter()? {
            let (k, v) = item?;
            let seq = k.value();
            let key = seq.to_le_bytes();
            last_seq = Some(seq);
            held += 1;
            let r = match codec::unseal(Table::Docs, &key, v.value()).and_then(DocRecord::decode) {
                Ok(r) => r,
                Err(e) => {
                    damaged(e)?;
                    continue;
                }
            };
            kept += u64::from(r.kept);
            with_gist += u64::from(r.gist);
            match ids.get(r.id.as_str())?.map(|g| g.value()) {
                Some(v) => match codec::id_of(&r.id, v) {
                    Ok(s) if s == seq => {}
                    Ok(_) => found.push(format!(
                        "document {:?} (#{seq}): its id entry names another",
                        r.id
                    )),
                    Err(e) => damaged(e)?,
                },
                None => found.push(format!("document {:?} (#{seq}) has no id entry", r.id)),
            }
            if let Some(key) = r.first_of_key {
                let holder = exact.get(key)?.map(|g| {
                    codec::unseal(Table::Exact, &key.to_le_bytes(), g.value())
                        .and_then(codec::decode_copy)
                });
                match holder {
                    Some(Ok(c)) if c.holder.seq == seq => {}
                    Some(Err(e)) => damaged(e)?,
                    _ => found.push(format!("document {:?}: its exact key is missing", r.id)),
                }
            }
            if r.gist && gists.get(seq)?.is_none() {
                found.push(format!("document {:?}: no gist", r.id));
            }
            if !r.candidate {
                continue;
            }
            candidates += 1;
            let Some(stored) = sketches.get(seq)? else {
                found.push(format!("document {:?}: no sketch", r.id));
                continue;
            };
            let sketch = match codec::unseal(Table::Sketches, &key, stored.value())
                .and_then(|b| Ok(DocSketch::from_bytes(b)?))
            {
                Ok(s) => s,
                Err(e) => {
                    damaged(e)?;
                    continue;
                }
            };
            match content.get(seq)? {
                None => found.push(format!("document {:?}: no content", r.id)),
                Some(c) => {
                    if let Err(e) = codec::unseal(Table::Content, &key, c.value())
                        .and_then(codec::decode_tokens)
                    {
                        damaged(e)?;
                    }
                }
            }
            if let Some(sig) = &sketch.signature {
                let exact_key = sketch.exact.unwrap_or(0);
                for b in 0..self.plan.bands {
                    let band = sig.band_key(b, self.plan.rows);
                    let want = codec::band(band, exact_key, seq);
                    band_count += 1;
                    let present = bands.get(band)?.any(|v| v.is_ok_and(|v| v.value() == want));
                    if !present {
                        found.push(format!("document {:?}: band {b} missing", r.id));
                    }
                }
            }
            let a = &sketch.anchors;
            let n = a.hashes.len() as u32;
            for &h in &a.hashes {
                anchor_count += 1;
                let want = codec::anchor(h, seq, a.tau, n);
                if !anchors.get(h)?.any(|v| v.is_ok_and(|v| v.value() == want)) {
                    found.push(format!("document {:?}: an anchor is missing", r.id));
                    break;
                }
            }
        }
        // Every record of the other tables, against its checksum; and none
        // more than the documents account for.
        for item in ids.iter()? {
            let (k, v) = item?;
            if let Err(e) = codec::id_of(k.value(), v.value()) {
                damaged(e)?;
            }
        }
        for item in exact.iter()? {
            let (k, v) = item?;
            let key = k.value();
            match codec::unseal(Table::Exact, &key.to_le_bytes(), v.value())
                .and_then(codec::decode_copy)
            {
                Ok(c) => {
                    if docs.get(c.holder.seq)?.is_none() {
                        found.push(format!("exact key of missing document {:?}", c.holder.id));
                    }
                }
                Err(e) => damaged(e)?,
            }
        }
        let mut postings = 0u64;
        for item in bands.iter()? {
            let (k, values) = item?;
            let key = k.value();
            for v in values {
                postings += 1;
                if let Err(e) = codec::band_of(key, v?.value()) {
                    damaged(e)?;
                }
            }
        }
        if postings != band_count {
            found.push(format!(
                "{postings} band postings for the {band_count} the candidates hold"
            ));
        }
        let mut postings = 0u64;
        for item in anchors.iter()? {
            let (k, values) = item?;
            let key = k.value();
            for v in values {
                postings += 1;
                if let Err(e) = codec::anchor_of(key, v?.value()) {
                    damaged(e)?;
                }
            }
        }
        if postings != anchor_count {
            found.push(format!(
                "{postings} anchor postings for the {anchor_count} the candidates hold"
            ));
        }
        for (table, def, expected) in [
            (Table::Sketches, SKETCHES, candidates),
            (Table::Content, CONTENT, candidates),
            (Table::Gists, GISTS, with_gist),
            (Table::Blocks, BLOCKS, u64::MAX),
        ] {
            let t = tx.open_table(def)?;
            let mut n = 0u64;
            for item in t.iter()? {
                let (k, v) = item?;
                n += 1;
                let key = k.value().to_le_bytes();
                let read = codec::unseal(table, &key, v.value()).and_then(|b| match table {
                    Table::Gists => codec::decode_gist(b).map(drop),
                    Table::Blocks => codec::decode_history(b).map(drop),
                    _ => Ok(()),
                });
                if let Err(e) = read {
                    damaged(e)?;
                }
            }
            if expected != u64::MAX && n != expected {
                found.push(format!("{n} {table:?} records for {expected} documents"));
            }
        }
        drop(blocks);
        if ids.len()? != held {
            found.push(format!("{} ids for {held} documents", ids.len()?));
        }
        let mut count = |name: &str| -> Inner<Option<u64>> {
            match read_counter(&counters, name) {
                Ok(n) => Ok(Some(n)),
                Err(e) => damaged(e).map(|()| None),
            }
        };
        for (name, value) in [
            ("documents", held),
            ("kept", kept),
            ("candidates", candidates),
        ] {
            if let Some(n) = count(name)? {
                if n != value {
                    found.push(format!("counter {name} is {n}, the tables hold {value}"));
                }
            }
        }
        if let (Some(next), Some(last)) = (count("next_seq")?, last_seq) {
            if next <= last {
                found.push(format!(
                    "counter next_seq is {next}, document #{last} is held"
                ));
            }
        }
        if let (Some(added), Some(evicted)) = (count("added")?, count("evicted")?) {
            if added != held + evicted {
                found.push(format!(
                    "counter added is {added}, {held} held and {evicted} evicted"
                ));
            }
        }
        problems.extend(found);
        Ok(problems)
    }

    /// Whether the index holds a document with this id.
    pub fn contains(&self, id: &str) -> Result<bool> {
        self.run(|| {
            let tx = self.begin_read()?;
            let entry = tx.open_table(IDS)?.get(id)?.map(|g| g.value());
            match entry {
                Some(v) => codec::id_of(id, v).map(|_| true),
                None => Ok(false),
            }
        })
    }
}

/// Mark the documents of a query whose ids the index holds, and take back
/// a decision that names a document's own id: that is its stored self (an
/// unchanged text is its own exact copy), which was kept.
fn mark_held(report: &mut Report, held: &HashSet<String>) {
    use doublet::Relation as R;
    for d in &mut report.documents {
        if !held.contains(&d.id) {
            continue;
        }
        d.held = true;
        if d.duplicate_of.as_deref() != Some(d.id.as_str()) {
            continue;
        }
        let s = &mut report.stats;
        match d.relation {
            Some(R::Exact) => s.exact = s.exact.saturating_sub(1),
            Some(R::NearDuplicate) => s.near_duplicate = s.near_duplicate.saturating_sub(1),
            Some(R::Contained) => s.contained = s.contained.saturating_sub(1),
            None => {}
        }
        s.removed = s.removed.saturating_sub(1);
        s.kept += 1;
        d.kept = true;
        d.duplicate_of = None;
        d.relation = None;
        d.jaccard = None;
        d.containment = None;
    }
    // Its stored self and it share an id: one member of their cluster.
    for c in &mut report.clusters {
        let mut seen = HashSet::new();
        c.members.retain(|m| seen.insert(m.clone()));
    }
    report.stats.duplicate_clusters = report
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .count();
    report.pairs.retain(|p| p.a != p.b);
}

/// A batch decided and written, not yet committed ([`Index::prepare`]).
pub struct Pending<'a> {
    index: &'a Index,
    tx: WriteTransaction,
    report: Report,
    _writer: MutexGuard<'a, ()>,
}

impl Pending<'_> {
    /// Make the batch durable (one fsync) and return its report. Until
    /// this returns, nothing of the batch is visible or kept. When the
    /// disk is full, the room the failed batch took in the file is given
    /// back before the error is returned (see [`Error::NoSpace`]).
    pub fn commit(self) -> Result<Report> {
        let Pending {
            index,
            tx,
            report,
            _writer,
        } = self;
        match tx.commit() {
            Ok(()) => Ok(report),
            Err(e) => {
                drop(_writer);
                Err(index.failed_write(Fault::from(e)))
            }
        }
    }
}

/// A sketch as stored: what candidates and plausibility read (no
/// passage fingerprints, which the index does not use).
fn lean(sketch: &DocSketch) -> DocSketch {
    DocSketch {
        fingerprints: Vec::new(),
        ..sketch.clone()
    }
}

fn read_counter(t: &impl ReadableTable<&'static str, (u64, u32)>, name: &str) -> Inner<u64> {
    match t.get(name)? {
        Some(g) => codec::counter_of(name, g.value()),
        None => Ok(0),
    }
}

fn add_to(t: &mut redb::Table<&str, (u64, u32)>, name: &str, by: u64) -> Inner<()> {
    let now = read_counter(t, name)?;
    t.insert(name, codec::counter(name, now + by))?;
    Ok(())
}

fn sub_from(t: &mut redb::Table<&str, (u64, u32)>, name: &str, by: u64) -> Inner<()> {
    let now = read_counter(t, name)?;
    t.insert(name, codec::counter(name, now.saturating_sub(by)))?;
    Ok(())
}

/// The index as of one commit, as the engine asks about earlier
/// documents.
struct Snapshot<'a> {
    index: &'a Index,
    tx: ReadTransaction,
}

impl<'a> Snapshot<'a> {
    fn new(index: &'a Index) -> Inner<Self> {
        Ok(Snapshot {
            index,
            tx: index.begin_read()?,
        })
    }

    fn counter(&self, name: &str) -> Inner<u64> {
        read_counter(&self.tx.open_table(COUNTERS)?, name)
    }

    fn seq_of(&self, id: &str) -> Inner<Option<u64>> {
        let entry = self.tx.open_table(IDS)?.get(id)?.map(|g| g.value());
        entry.map(|v| codec::id_of(id, v)).transpose()
    }

    /// The record under `key` in `table`, checked and decoded, as the
    /// engine asks for it.
    fn read<T>(
        &self,
        def: TableDefinition<u64, &'static [u8]>,
        table: Table,
        key: u64,
        decode: impl Fn(&[u8]) -> Inner<T>,
    ) -> doublet::Result<Option<T>> {
        let found = (|| -> Inner<Option<T>> {
            let t = self.tx.open_table(def)?;
            let v = t.get(key)?;
            v.map(|v| decode(codec::unseal(table, &key.to_le_bytes(), v.value())?))
                .transpose()
        })();
        found.map_err(|f| self.engine(f))
    }

    fn earlier(&self, seq: u64) -> Inner<Earlier> {
        let docs = self.tx.open_table(DOCS)?;
        let record = docs
            .get(seq)?
            .ok_or_else(|| Fault::Corrupt(format!("no document #{seq}")))?;
        let bytes = codec::unseal(Table::Docs, &seq.to_le_bytes(), record.value())?;
        Ok(Earlier {
            seq,
            id: DocRecord::decode(bytes)?.id,
        })
    }

    /// Earlier kept documents proposed by `sketch`: band buckets (a bucket
    /// larger than `max_bucket` gives the members nearest in exact-key
    /// order, as a scan pairs a giant bucket's members with their next
    /// ones), and anchors (each held by at most `anchor_max_df`) shared
    /// plausibly for the containment threshold.
    fn proposed(&self, sketch: &DocSketch) -> Inner<Vec<u64>> {
        let plan = &self.index.plan;
        let cfg = &plan.config;
        let mut out: Vec<u64> = Vec::new();
        if let Some(sig) = &sketch.signature {
            let bands = self.tx.open_multimap_table(BANDS)?;
            let key = sketch.exact.unwrap_or(0);
            for b in 0..plan.bands {
                let band = sig.band_key(b, plan.rows);
                let members = bands.get(band)?;
                if members.len() as usize <= cfg.max_bucket {
                    for m in members {
                        out.push(codec::band_of(band, m?.value())?.1);
                    }
                } else {
                    let all: Vec<(u128, u64)> = members
                        .map(|m| codec::band_of(band, m?.value()))
                        .collect::<Inner<_>>()?;
                    let at = all.partition_point(|m| m.0 < key);
                    let w = dindex::GIANT_BUCKET_WINDOW;
                    out.extend(
                        all[at.saturating_sub(w)..(at + w).min(all.len())]
                            .iter()
                            .map(|m| m.1),
                    );
                }
            }
        }
        // Shared anchors per holder, from the postings of this document's
        // anchors; those held by more than `anchor_max_df` are skipped, as
        // in a scan, and counted, since the pair's full count includes them.
        let anchors = self.tx.open_multimap_table(ANCHORS)?;
        let mut shared: Vec<(u64, u64, u32)> = Vec::new();
        let mut skipped = 0;
        for &h in &sketch.anchors.hashes {
            let holders = anchors.get(h)?;
            if holders.len() as usize > cfg.anchor_max_df {
                skipped += 1;
                continue;
            }
            for s in holders {
                shared.push(codec::anchor_of(h, s?.value())?);
            }
        }
        shared.sort_unstable();
        let own = &sketch.anchors;
        let mut sketches = None;
        for run in shared.chunk_by(|a, b| a.0 == b.0) {
            let (seq, tau, n) = run[0];
            let count = run.len();
            // Below both thresholds (see `index::plausible_anchors`): a
            // holder sampled at or below this document's τ has all its
            // anchors below it, so its count is known, and a pair that
            // cannot reach what it needs there is out without reading the
            // holder's sketch.
            if tau <= own.tau {
                let least = own.hashes.partition_point(|&h| h < tau).min(n as usize);
                if least == 0 || count + skipped < dindex::needed(least, cfg.containment) {
                    continue;
                }
            }
            // Otherwise the holder's own anchors, and their dense tier,
            // decide.
            let table = match &sketches {
                Some(t) => t,
                None => sketches.insert(self.tx.open_table(SKETCHES)?),
            };
            let Some(stored) = table.get(seq)? else {
                continue;
            };
            let bytes = codec::unseal(Table::Sketches, &seq.to_le_bytes(), stored.value())?;
            let other = DocSketch::from_bytes(bytes)?;
            if dindex::plausible_anchors(own, &other.anchors, cfg.containment, plan.anchor_tau) {
                out.push(seq);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// An index fault as the engine reports a failed read of earlier
    /// documents: placed (naming the store file) and remembered.
    fn engine(&self, fault: Fault) -> doublet::Error {
        doublet::Error::Prior(self.index.placed(fault).to_string())
    }
}

impl Prior for Snapshot<'_> {
    fn exact(&self, key: u128) -> doublet::Result<Option<EarlierCopy>> {
        let found = (|| -> Inner<Option<EarlierCopy>> {
            let t = self.tx.open_table(EXACT)?;
            let v = t.get(key)?;
            v.map(|v| {
                codec::decode_copy(codec::unseal(Table::Exact, &key.to_le_bytes(), v.value())?)
            })
            .transpose()
        })();
        found.map_err(|f| self.engine(f))
    }

    fn related(&self, sketch: &DocSketch, shingles: &[u64]) -> doublet::Result<Vec<Measured>> {
        let found = (|| -> Inner<Vec<Measured>> {
            let proposed = self.proposed(sketch)?;
            let content = self.tx.open_table(CONTENT)?;
            let plan = &self.index.plan;
            let mut out = Vec::with_capacity(proposed.len());
            for seq in proposed {
                let Some(stored) = content.get(seq)? else {
                    continue;
                };
                let bytes = codec::unseal(Table::Content, &seq.to_le_bytes(), stored.value())?;
                let tokens = codec::decode_tokens(bytes)?;
                let theirs = doublet::parts::shingles(plan, &tokens);
                out.push(Measured {
                    earlier: self.earlier(seq)?,
                    overlap: verify::measure(shingles, &theirs),
                });
            }
            Ok(out)
        })();
        found.map_err(|f| self.engine(f))
    }

    fn history(&self, key: u64) -> doublet::Result<Option<BlockHistory>> {
        self.read(BLOCKS, Table::Blocks, key, codec::decode_history)
    }

    fn gist(&self, seq: u64) -> doublet::Result<Option<Gist>> {
        self.read(GISTS, Table::Gists, seq, codec::decode_gist)
    }
}

/// Used by tests and benchmarks: the documents' decisions in a report as
/// `(id, duplicate_of, relation)`.
pub fn decisions(report: &Report) -> Vec<(String, Option<String>, Option<doublet::Relation>)> {
    report
        .documents
        .par_iter()
        .map(|d| (d.id.clone(), d.duplicate_of.clone(), d.relation))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After an I/O error redb refuses everything until reopened: the index
    /// reopens its store before the next use, here after a failure marked
    /// by hand (the full disk that causes one is tested through the CLI).
    #[test]
    fn a_failed_store_is_reopened_before_its_next_use() {
        let tmp = tempfile::tempdir().unwrap();
        let index = Index::create(&tmp.path().join("ix"), Config::default()).unwrap();
        let add = |id: &str| {
            let mut s = index.scanner().unwrap();
            s.push(vec![doublet::Document::new(id, "a few words of text")])
                .unwrap();
            index.add(s, &[], 0).map(|_| ())
        };
        add("a").unwrap();
        *lock(&index.failed) = Some("an I/O error".into());
        index.health().unwrap();
        assert!(lock(&index.failed).is_none());
        add("b").unwrap();
        *lock(&index.failed) = Some("an I/O error".into());
        add("c").unwrap();
        assert_eq!(index.stats().unwrap().documents, 3);
        assert!(index.check().unwrap().is_empty());
    }
}
