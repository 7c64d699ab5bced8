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

#![warn(missing_docs)]

mod codec;
mod error;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use doublet::parts::Gist;
use doublet::pipeline::prior::{BlockHistory, Earlier, EarlierCopy, Measured, Prior};
use doublet::{index as dindex, verify, Config, DocSketch, KeepPolicy, Plan, Report, Scanner};
use rayon::prelude::*;
use redb::{
    Database, Durability, MultimapTableDefinition, ReadTransaction, ReadableDatabase,
    ReadableMultimapTable, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use serde::{Deserialize, Serialize};

use codec::DocRecord;
pub use error::{Error, Result};

/// The index format this build reads and writes.
pub const FORMAT: &str = "doublet.index/1";

const META: &str = "meta.json";
const STORE: &str = "index.redb";

const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
const IDS: TableDefinition<&str, u64> = TableDefinition::new("ids");
const EXACT: TableDefinition<u128, &[u8]> = TableDefinition::new("exact");
const BANDS: MultimapTableDefinition<u64, (u128, u64)> = MultimapTableDefinition::new("bands");
/// Anchor hash → (seq, the holder's anchor threshold τ, its anchor count):
/// enough to judge most pairs' plausibility without reading the holder's
/// sketch.
const ANCHORS: MultimapTableDefinition<u64, (u64, u64, u32)> =
    MultimapTableDefinition::new("anchors");
const SKETCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("sketches");
const CONTENT: TableDefinition<u64, &[u8]> = TableDefinition::new("content");
const GISTS: TableDefinition<u64, &[u8]> = TableDefinition::new("gists");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");
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

/// A persistent index, open for reading and (one batch at a time) writing.
pub struct Index {
    dir: PathBuf,
    db: Database,
    plan: Plan,
    meta: Meta,
    /// One batch is decided and written at a time: the next batch's
    /// decisions depend on this one's.
    writer: Mutex<()>,
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
        let db = redb::Builder::new()
            .set_cache_size(CACHE)
            .create(dir.join(STORE))?;
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
                serde_json::to_string(&meta.config).map_err(|e| Error::Store(e.to_string()))?;
            tx.open_table(SETTINGS)?.insert("config", config.as_str())?;
        }
        tx.commit()?;
        // meta.json last, through a rename: a folder with it holds a whole index.
        let path = dir.join(META);
        let tmp = dir.join("meta.json.tmp");
        let text = serde_json::to_string_pretty(&meta).map_err(|e| Error::Store(e.to_string()))?;
        std::fs::write(&tmp, text + "\n").map_err(io(&tmp))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        Ok(Index {
            dir: dir.to_path_buf(),
            db,
            plan,
            meta,
            writer: Mutex::new(()),
        })
    }

    /// Open the index in `dir`. Refuses an index of another format, and
    /// one another process has open.
    pub fn open(dir: &Path) -> Result<Index> {
        let meta = Self::read_meta(dir)?;
        let db = match redb::Builder::new()
            .set_cache_size(CACHE)
            .open(dir.join(STORE))
        {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(Error::InUse(dir.to_path_buf()))
            }
            Err(e) => return Err(e.into()),
        };
        let recorded: Option<String> = {
            let tx = db.begin_read()?;
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
            });
        }
        let plan = Plan::new(meta.config.clone())?;
        Ok(Index {
            dir: dir.to_path_buf(),
            db,
            plan,
            meta,
            writer: Mutex::new(()),
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
        Ok(Scanner::new(self.plan.config.clone())?)
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
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let snapshot = Snapshot::new(self)?;
        let first = snapshot.counter("next_seq")?;
        // Ids the index holds are refused before any work is done.
        let held: Vec<&str> = scanner
            .ids()
            .filter_map(|id| match snapshot.seq_of(id) {
                Ok(Some(_)) => Some(Ok(id)),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_>>()?;
        if let Some(first) = held.iter().min() {
            return Err(Error::DuplicateId {
                id: first.to_string(),
                more: held.len() - 1,
            });
        }
        let decided = scanner.finish_with(&snapshot, first)?;
        drop(snapshot);
        let report = decided.report;
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        {
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
            let mut band_postings: Vec<(u64, (u128, u64))> = Vec::new();
            let mut anchor_postings: Vec<(u64, (u64, u64, u32))> = Vec::new();
            for (i, (doc, entry)) in report.documents.iter().zip(&decided.entries).enumerate() {
                let seq = first + i as u64;
                let record = DocRecord {
                    id: doc.id.clone(),
                    added: now,
                    time: times.get(i).copied().flatten(),
                    kept: doc.kept,
                    first_of_key: entry.first_of_key,
                    candidate: entry.candidate.is_some(),
                    gist: entry.gist.is_some(),
                };
                docs.insert(seq, record.encode().as_slice())?;
                ids.insert(doc.id.as_str(), seq)?;
                kept += u64::from(doc.kept);
                if let Some(key) = entry.first_of_key {
                    // The twin is earlier: in the index, or in the batch
                    // and inserted above.
                    let target = match &doc.duplicate_of {
                        Some(t) => Some(Earlier {
                            seq: ids.get(t.as_str())?.map(|g| g.value()).ok_or_else(|| {
                                Error::Corrupt(format!("twin {t:?} of {:?} is not held", doc.id))
                            })?,
                            id: t.clone(),
                        }),
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
                    exact.insert(key, codec::encode_copy(&copy).as_slice())?;
                }
                if let Some((sketch, tokens)) = &entry.candidate {
                    candidates += 1;
                    let key = sketch.exact.unwrap_or(0);
                    if let Some(sig) = &sketch.signature {
                        for b in 0..self.plan.bands {
                            band_postings.push((sig.band_key(b, self.plan.rows), (key, seq)));
                        }
                    }
                    let a = &sketch.anchors;
                    let n = a.hashes.len() as u32;
                    anchor_postings.extend(a.hashes.iter().map(|&h| (h, (seq, a.tau, n))));
                    sketches.insert(seq, lean(sketch).to_bytes().as_slice())?;
                    content.insert(seq, codec::encode_tokens(tokens).as_slice())?;
                }
                if let Some(g) = &entry.gist {
                    gists.insert(seq, codec::encode_gist(g).as_slice())?;
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
                blocks.insert(b.key, codec::encode_history(&b.history).as_slice())?;
            }
            let n = report.documents.len() as u64;
            add_to(&mut counters, "next_seq", n)?;
            add_to(&mut counters, "added", n)?;
            add_to(&mut counters, "documents", n)?;
            add_to(&mut counters, "kept", kept)?;
            add_to(&mut counters, "candidates", candidates)?;
        }
        Ok(Pending {
            tx,
            report,
            _writer: writer,
        })
    }

    /// Decide the documents pushed into `scanner` against the index, as
    /// [`add`](Self::add) would, and store nothing. Runs beside a writer,
    /// on the index as of its last commit.
    pub fn query(&self, scanner: Scanner) -> Result<Report> {
        let snapshot = Snapshot::new(self)?;
        let first = snapshot.counter("next_seq")?;
        Ok(scanner.finish_with(&snapshot, first)?.report)
    }

    /// The index's counts.
    pub fn stats(&self) -> Result<Stats> {
        let tx = self.db.begin_read()?;
        let counters = tx.open_table(COUNTERS)?;
        let count =
            |name: &str| -> Result<u64> { Ok(counters.get(name)?.map(|g| g.value()).unwrap_or(0)) };
        let docs = tx.open_table(DOCS)?;
        let (mut oldest, mut newest) = (None, None);
        if let Some((_, v)) = docs.first()? {
            oldest = Some(DocRecord::decode(v.value())?.added);
        }
        if let Some((_, v)) = docs.last()? {
            newest = Some(DocRecord::decode(v.value())?.added);
        }
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
            bytes_on_disk: std::fs::metadata(self.dir.join(STORE))
                .map(|m| m.len())
                .unwrap_or(0),
            oldest_added: oldest,
            newest_added: newest,
        })
    }

    /// Forget every document older than `cutoff` (Unix seconds): by its
    /// own time when it has one (`--time-field`), else by when it was
    /// added. A forgotten kept document is no longer a twin for later ones,
    /// and an exact key whose holder, or whose holder's twin, is forgotten
    /// is forgotten with it. Block histories keep their counts.
    pub fn evict(&self, cutoff: i64) -> Result<Evicted> {
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Evicted::default();
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        {
            let mut docs = tx.open_table(DOCS)?;
            let mut old: Vec<(u64, DocRecord)> = Vec::new();
            for item in docs.iter()? {
                let (k, v) = item?;
                let record = DocRecord::decode(v.value())?;
                if record.time.unwrap_or(record.added) < cutoff {
                    old.push((k.value(), record));
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
            let gone: std::collections::HashSet<u64> = old.iter().map(|(s, _)| *s).collect();
            let mut kept = 0;
            for (seq, record) in &old {
                docs.remove(*seq)?;
                ids.remove(record.id.as_str())?;
                kept += u64::from(record.kept);
                if record.candidate {
                    out.candidates += 1;
                    let bytes = sketches
                        .remove(*seq)?
                        .ok_or_else(|| Error::Corrupt(format!("no sketch for {:?}", record.id)))?;
                    let sketch = DocSketch::from_bytes(bytes.value())?;
                    drop(bytes);
                    if let Some(sig) = &sketch.signature {
                        let key = sketch.exact.unwrap_or(0);
                        for b in 0..self.plan.bands {
                            bands.remove(sig.band_key(b, self.plan.rows), (key, *seq))?;
                        }
                    }
                    let a = &sketch.anchors;
                    for &h in &a.hashes {
                        anchors.remove(h, (*seq, a.tau, a.hashes.len() as u32))?;
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
                let copy = codec::decode_copy(v.value())?;
                let twin_gone = copy
                    .removed
                    .as_ref()
                    .is_some_and(|r| gone.contains(&r.0.seq));
                if gone.contains(&copy.holder.seq) || twin_gone {
                    forget.push((k.value(), copy.holder.seq));
                }
            }
            for (k, holder) in &forget {
                exact.remove(*k)?;
                // A holder still held no longer holds its key first.
                if !gone.contains(holder) {
                    let record = docs.get(*holder)?.map(|v| DocRecord::decode(v.value()));
                    if let Some(record) = record {
                        let record = DocRecord {
                            first_of_key: None,
                            ..record?
                        };
                        docs.insert(*holder, record.encode().as_slice())?;
                    }
                }
            }
            out.documents = old.len() as u64;
            out.exact_keys = forget.len() as u64;
            sub_from(&mut counters, "documents", out.documents)?;
            sub_from(&mut counters, "kept", kept)?;
            sub_from(&mut counters, "candidates", out.candidates)?;
            add_to(&mut counters, "evicted", out.documents)?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Rewrite the store without the space that evicted and replaced
    /// records left. Needs the index to itself (no service running).
    /// Returns the store's size before and after, in bytes.
    pub fn compact(mut self) -> Result<(u64, u64)> {
        let path = self.dir.join(STORE);
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let before = size();
        self.db.compact(redb::CompactionMode::Maximum)?;
        drop(self.db);
        Ok((before, size()))
    }

    /// Check that the tables agree with one another: every held document
    /// has its id, every candidate its sketch, content and postings, every
    /// exact key a held holder, and the counters match. Returns the
    /// problems found (none for a sound index).
    pub fn check(&self) -> Result<Vec<String>> {
        let tx = self.db.begin_read()?;
        let docs = tx.open_table(DOCS)?;
        let ids = tx.open_table(IDS)?;
        let exact = tx.open_table(EXACT)?;
        let bands = tx.open_multimap_table(BANDS)?;
        let anchors = tx.open_multimap_table(ANCHORS)?;
        let sketches = tx.open_table(SKETCHES)?;
        let content = tx.open_table(CONTENT)?;
        let counters = tx.open_table(COUNTERS)?;
        let count =
            |name: &str| -> Result<u64> { Ok(counters.get(name)?.map(|g| g.value()).unwrap_or(0)) };
        let mut problems = Vec::new();
        let (mut held, mut kept, mut candidates) = (0u64, 0u64, 0u64);
        for item in docs.iter()? {
            let (k, v) = item?;
            let seq = k.value();
            let r = DocRecord::decode(v.value())?;
            held += 1;
            kept += u64::from(r.kept);
            if ids.get(r.id.as_str())?.map(|g| g.value()) != Some(seq) {
                problems.push(format!("document {:?} (#{seq}) has no id entry", r.id));
            }
            if let Some(key) = r.first_of_key {
                let holder = exact.get(key)?.map(|g| codec::decode_copy(g.value()));
                if !matches!(holder, Some(Ok(c)) if c.holder.seq == seq) {
                    problems.push(format!("document {:?}: its exact key is missing", r.id));
                }
            }
            if r.candidate {
                candidates += 1;
                let Some(bytes) = sketches.get(seq)? else {
                    problems.push(format!("document {:?}: no sketch", r.id));
                    continue;
                };
                let sketch = DocSketch::from_bytes(bytes.value())?;
                if content.get(seq)?.is_none() {
                    problems.push(format!("document {:?}: no content", r.id));
                }
                if let Some(sig) = &sketch.signature {
                    let key = sketch.exact.unwrap_or(0);
                    for b in 0..self.plan.bands {
                        let found = bands
                            .get(sig.band_key(b, self.plan.rows))?
                            .any(|v| v.is_ok_and(|v| v.value() == (key, seq)));
                        if !found {
                            problems.push(format!("document {:?}: band {b} missing", r.id));
                        }
                    }
                }
                for &h in &sketch.anchors.hashes {
                    if !anchors.get(h)?.any(|v| v.is_ok_and(|v| v.value().0 == seq)) {
                        problems.push(format!("document {:?}: an anchor is missing", r.id));
                        break;
                    }
                }
            }
        }
        for item in exact.iter()? {
            let (_, v) = item?;
            let c = codec::decode_copy(v.value())?;
            if docs.get(c.holder.seq)?.is_none() {
                problems.push(format!("exact key of missing document {:?}", c.holder.id));
            }
        }
        if ids.len()? != held {
            problems.push(format!("{} ids for {held} documents", ids.len()?));
        }
        for (name, value) in [
            ("documents", held),
            ("kept", kept),
            ("candidates", candidates),
        ] {
            if count(name)? != value {
                problems.push(format!(
                    "counter {name} is {}, the tables hold {value}",
                    count(name)?
                ));
            }
        }
        Ok(problems)
    }

    /// Whether the index holds a document with this id.
    pub fn contains(&self, id: &str) -> Result<bool> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(IDS)?.get(id)?.is_some())
    }
}

/// A batch decided and written, not yet committed ([`Index::prepare`]).
pub struct Pending<'a> {
    tx: redb::WriteTransaction,
    report: Report,
    _writer: std::sync::MutexGuard<'a, ()>,
}

impl Pending<'_> {
    /// Make the batch durable (one fsync) and return its report. Until
    /// this returns, nothing of the batch is visible or kept.
    pub fn commit(self) -> Result<Report> {
        self.tx.commit()?;
        Ok(self.report)
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

fn add_to(t: &mut redb::Table<&str, u64>, name: &str, by: u64) -> Result<()> {
    let now = t.get(name)?.map(|g| g.value()).unwrap_or(0);
    t.insert(name, now + by)?;
    Ok(())
}

fn sub_from(t: &mut redb::Table<&str, u64>, name: &str, by: u64) -> Result<()> {
    let now = t.get(name)?.map(|g| g.value()).unwrap_or(0);
    t.insert(name, now.saturating_sub(by))?;
    Ok(())
}

/// The index as of one commit, as the engine asks about earlier
/// documents.
struct Snapshot<'a> {
    index: &'a Index,
    tx: ReadTransaction,
}

impl<'a> Snapshot<'a> {
    fn new(index: &'a Index) -> Result<Self> {
        Ok(Snapshot {
            index,
            tx: index.db.begin_read()?,
        })
    }

    fn counter(&self, name: &str) -> Result<u64> {
        Ok(self
            .tx
            .open_table(COUNTERS)?
            .get(name)?
            .map(|g| g.value())
            .unwrap_or(0))
    }

    fn seq_of(&self, id: &str) -> Result<Option<u64>> {
        Ok(self.tx.open_table(IDS)?.get(id)?.map(|g| g.value()))
    }

    /// The record under `key` in `table`, decoded, as the engine asks for it.
    fn read<'k, K: redb::Key + 'static, T>(
        &self,
        table: TableDefinition<K, &'static [u8]>,
        key: impl std::borrow::Borrow<K::SelfType<'k>>,
        decode: impl Fn(&[u8]) -> Result<T>,
    ) -> doublet::Result<Option<T>> {
        let found = (|| -> Result<Option<T>> {
            let table = self.tx.open_table(table)?;
            let v = table.get(key)?;
            v.map(|v| decode(v.value())).transpose()
        })();
        found.map_err(engine)
    }

    fn earlier(&self, seq: u64) -> Result<Earlier> {
        let docs = self.tx.open_table(DOCS)?;
        let record = docs
            .get(seq)?
            .ok_or_else(|| Error::Corrupt(format!("no document #{seq}")))?;
        Ok(Earlier {
            seq,
            id: DocRecord::decode(record.value())?.id,
        })
    }

    /// Earlier kept documents proposed by `sketch`: band buckets (a bucket
    /// larger than `max_bucket` gives the members nearest in exact-key
    /// order, as a scan pairs a giant bucket's members with their next
    /// ones), and anchors (each held by at most `anchor_max_df`) shared
    /// plausibly for the containment threshold.
    fn proposed(&self, sketch: &DocSketch) -> Result<Vec<u64>> {
        let plan = &self.index.plan;
        let cfg = &plan.config;
        let mut out: Vec<u64> = Vec::new();
        if let Some(sig) = &sketch.signature {
            let bands = self.tx.open_multimap_table(BANDS)?;
            let key = sketch.exact.unwrap_or(0);
            for b in 0..plan.bands {
                let members = bands.get(sig.band_key(b, plan.rows))?;
                if members.len() as usize <= cfg.max_bucket {
                    for m in members {
                        out.push(m?.value().1);
                    }
                } else {
                    let all: Vec<(u128, u64)> = members
                        .map(|m| m.map(|m| m.value()))
                        .collect::<Result<_, _>>()?;
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
                shared.push(s?.value());
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
            // anchors below it, so its count is known.
            if tau <= own.tau {
                let least = own.hashes.partition_point(|&h| h < tau).min(n as usize);
                if least == 0 {
                    continue;
                }
                let need = dindex::needed(least, cfg.containment);
                if count >= need {
                    out.push(seq);
                    continue;
                }
                if count + skipped < need {
                    continue;
                }
            }
            // Otherwise the holder's own anchors decide.
            let table = match &sketches {
                Some(t) => t,
                None => sketches.insert(self.tx.open_table(SKETCHES)?),
            };
            let Some(bytes) = table.get(seq)? else {
                continue;
            };
            let other = DocSketch::from_bytes(bytes.value())?;
            let theirs = (other.anchors.tau, other.anchors.hashes.as_slice());
            if dindex::plausible_anchors((own.tau, own.hashes.as_slice()), theirs, cfg.containment)
            {
                out.push(seq);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

impl Prior for Snapshot<'_> {
    fn exact(&self, key: u128) -> doublet::Result<Option<EarlierCopy>> {
        self.read(EXACT, key, codec::decode_copy)
    }

    fn related(&self, sketch: &DocSketch, shingles: &[u64]) -> doublet::Result<Vec<Measured>> {
        let found = (|| -> Result<Vec<Measured>> {
            let proposed = self.proposed(sketch)?;
            let content = self.tx.open_table(CONTENT)?;
            let plan = &self.index.plan;
            let mut out = Vec::with_capacity(proposed.len());
            for seq in proposed {
                let Some(bytes) = content.get(seq)? else {
                    continue;
                };
                let tokens = codec::decode_tokens(bytes.value())?;
                let theirs = doublet::parts::shingles(plan, &tokens);
                out.push(Measured {
                    earlier: self.earlier(seq)?,
                    overlap: verify::measure(shingles, &theirs),
                });
            }
            Ok(out)
        })();
        found.map_err(engine)
    }

    fn history(&self, key: u64) -> doublet::Result<Option<BlockHistory>> {
        self.read(BLOCKS, key, codec::decode_history)
    }

    fn gist(&self, seq: u64) -> doublet::Result<Option<Gist>> {
        self.read(GISTS, seq, codec::decode_gist)
    }
}

/// An index failure as the engine reports a failed read of earlier
/// documents.
fn engine(e: Error) -> doublet::Error {
    doublet::Error::Prior(e.to_string())
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
