//! Readers: turn inputs into a stream of [`Record`]s.
//!
//! An input is a folder (every `.txt` file below it, ids are paths relative
//! to the folder, and every JSON Lines file below it, in sorted order), a
//! `.txt` file (one document), a JSON Lines
//! file (`.jsonl`/`.json`, optionally `.gz` or `.zst`), or `-` for JSON Lines
//! on standard input. Records are produced one at a time: nothing holds the
//! whole corpus, and no record larger than [`Fields::max_record`] is held at
//! all: reading stops with [`Error::TooLarge`] as soon as one passes it.
//!
//! Inputs that cannot be read twice (standard input, FIFOs, `/dev/fd/N`) are
//! copied once into an unlinked temporary file ([`Input::spooled`]), which
//! vanishes with the process however it ends.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::ser::SerializeMap;
use serde_json::value::RawValue;

use crate::error::{io, Error, Result};
use crate::tables::{ParquetRecords, Row};

/// Where a record came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file (`-` for standard input).
    pub path: PathBuf,
    /// 1-based line for JSON Lines; `None` for a whole text file.
    pub line: Option<u64>,
    /// 0-based row for Parquet.
    pub row: Option<u64>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.row) {
            (Some(l), _) => write!(f, "{}:{l}", self.path.display()),
            (None, Some(r)) => write!(f, "{}: row {r}", self.path.display()),
            (None, None) => write!(f, "{}", self.path.display()),
        }
    }
}

/// One input document as read.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Its id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Where it came from.
    pub origin: Origin,
    /// Bytes that were not valid UTF-8 and were replaced (text files only).
    pub replaced: usize,
    /// The other fields of a JSON Lines object, exactly as written, to pass
    /// through to outputs.
    pub extra: Option<RawObject>,
    /// The id the input gave, when the record was renamed because another
    /// record already used it.
    pub renamed_from: Option<String>,
    /// The record had no id field, and its id is its place: `FILE:LINE`
    /// (JSON Lines) or `FILE:ROW` (Parquet).
    pub id_from_place: bool,
    /// The Arrow row it was read from (Parquet).
    pub row: Option<Row>,
}

/// The largest document the engine accepts: positions are 32-bit.
pub const MAX_DOCUMENT: u64 = u32::MAX as u64;

/// A JSON object whose values are kept as written (numbers keep every
/// digit and their spelling, `1e2`, `-0`), in the order written; a repeated
/// key keeps its first place and its last value, as JSON parsers do.
#[derive(Clone, Debug, Default)]
pub struct RawObject(Vec<(String, Box<RawValue>)>);

impl RawObject {
    /// The value of `key`, as written.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| &**v)
    }

    /// The fields, in order, as written.
    pub fn entries(&self) -> impl Iterator<Item = (&String, &RawValue)> {
        self.0.iter().map(|(k, v)| (k, &**v))
    }

    /// Remove `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }

    /// Set `key` to `value`, in its place if it was there, else last.
    pub fn insert(&mut self, key: String, value: Box<RawValue>) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Set `key` to the JSON string `value`.
    pub fn insert_str(&mut self, key: String, value: &str) {
        // A string always serialises.
        if let Ok(raw) = serde_json::value::to_raw_value(value) {
            self.insert(key, raw);
        }
    }

    /// Where a field path leads: `metadata.body` is the key `metadata.body`
    /// when the object has one, else the key `body` of the object under
    /// `metadata` (and so on, a dot at a time, the longest key first).
    /// Returns the key here and, for a nested field, the object under it.
    fn step(&self, path: &str) -> Option<(String, Option<(RawObject, String)>)> {
        if self.get(path).is_some() || !path.contains('.') {
            return Some((path.to_owned(), None));
        }
        path.char_indices()
            .filter(|&(_, c)| c == '.')
            .map(|(i, _)| (&path[..i], &path[i + 1..]))
            .rev()
            .find_map(|(head, rest)| {
                let raw = self.get(head)?.get();
                let inner: RawObject = raw
                    .starts_with('{')
                    .then(|| serde_json::from_str(raw).ok())??;
                Some((head.to_owned(), Some((inner, rest.to_owned()))))
            })
    }

    /// The value at a field path (see [`RawObject::step`]), as written.
    pub fn get_path(&self, path: &str) -> Option<Box<RawValue>> {
        match self.step(path)? {
            (key, None) => self.get(&key).map(ToOwned::to_owned),
            (_, Some((inner, rest))) => inner.get_path(&rest),
        }
    }

    /// Remove the value at a field path, returning it; an object it was
    /// nested in keeps its other fields.
    pub fn remove_path(&mut self, path: &str) -> Option<Box<RawValue>> {
        match self.step(path)? {
            (key, None) => self.remove(&key),
            (key, Some((mut inner, rest))) => {
                let value = inner.remove_path(&rest)?;
                self.insert(key, serde_json::value::to_raw_value(&inner).ok()?);
                Some(value)
            }
        }
    }

    /// Take the value at a field path, leaving `null` in its place, so
    /// that writing the field back later keeps the order the fields were
    /// written in (the text of a record, replaced by its cleaned text).
    pub fn take_path(&mut self, path: &str) -> Option<Box<RawValue>> {
        match self.step(path)? {
            (key, None) => {
                let slot = self.0.iter_mut().find(|(k, _)| *k == key)?;
                let null = RawValue::from_string("null".to_owned()).ok()?;
                Some(std::mem::replace(&mut slot.1, null))
            }
            (key, Some((mut inner, rest))) => {
                let value = inner.take_path(&rest)?;
                self.insert(key, serde_json::value::to_raw_value(&inner).ok()?);
                Some(value)
            }
        }
    }

    /// Put `key` at `index` (at the end when past it) with a `null` value,
    /// unless the object has it: a field's place, kept for a value written
    /// later.
    pub fn reserve(&mut self, index: usize, key: &str) {
        if self.get(key).is_some() {
            return;
        }
        if let Ok(null) = RawValue::from_string("null".to_owned()) {
            self.0
                .insert(index.min(self.0.len()), (key.to_owned(), null));
        }
    }

    /// Set the field at a path to the JSON string `value`: inside the
    /// object the path leads to when there is one, else under the whole
    /// path as one key.
    pub fn insert_str_path(&mut self, path: &str, value: &str) {
        match self.step(path) {
            Some((key, Some((mut inner, rest)))) => {
                inner.insert_str_path(&rest, value);
                if let Ok(raw) = serde_json::value::to_raw_value(&inner) {
                    self.insert(key, raw);
                }
            }
            _ => self.insert_str(path.to_owned(), value),
        }
    }
}

/// Keep one entry per key: at the key's first place, with its last value.
/// Sorting, not repeated lookups, so that an object with many keys costs
/// n log n.
fn dedupe(mut entries: Vec<(String, Box<RawValue>)>) -> Vec<(String, Box<RawValue>)> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| entries[a].0.cmp(&entries[b].0).then(a.cmp(&b)));
    let mut keep = vec![true; entries.len()];
    let mut moves = Vec::new();
    for run in order.chunk_by(|&a, &b| entries[a].0 == entries[b].0) {
        if let [first, .., last] = run {
            moves.push((*first, *last));
            for &i in &run[1..] {
                keep[i] = false;
            }
        }
    }
    for (first, last) in moves {
        entries.swap(first, last);
    }
    let mut keep = keep.into_iter();
    entries.retain(|_| keep.next().unwrap_or(false));
    entries
}

impl PartialEq for RawObject {
    fn eq(&self, other: &RawObject) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| a.0 == b.0 && a.1.get() == b.1.get())
    }
}

impl serde::Serialize for RawObject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for RawObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<RawObject, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push(entry);
                }
                Ok(RawObject(dedupe(entries)))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Field names used for JSON Lines, and the largest record read.
#[derive(Clone, Debug)]
pub struct Fields {
    /// The id field (default `id`).
    pub id: String,
    /// The text field (default `text`).
    pub text: String,
    /// The largest JSON Lines line or `.txt` document read, in bytes
    /// (default [`MAX_DOCUMENT`]); a larger one stops reading with
    /// [`Error::TooLarge`] before more than this much of it is held.
    pub max_record: u64,
    /// Which files below a folder input are read (`--glob`); without it,
    /// every `.txt`, JSON Lines and Parquet file.
    pub select: Option<Select>,
    /// The other fields a Parquet record carries in [`Record::extra`], by
    /// field path (a column is read when a path names it or a field inside
    /// it); `None` for every column. Encoding columns as JSON is most of
    /// what reading Parquet costs, and a pass that needs only the site, or
    /// no field at all, skips it. JSON Lines records always carry every
    /// field (they are parsed whole anyway).
    pub only: Option<Vec<String>>,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
            max_record: MAX_DOCUMENT,
            select: None,
            only: None,
        }
    }
}

/// An unlinked temporary file holding an input that could only be read once.
/// Each pass reads it from the start through its own offset.
#[derive(Clone, Debug)]
pub struct Spool(Arc<File>);

impl PartialEq for Spool {
    fn eq(&self, other: &Spool) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Spool {}

/// A reader of a [`Spool`] from its start, independent of other readers.
struct SpoolReader {
    file: Arc<File>,
    pos: u64,
}

impl Read for SpoolReader {
    #[cfg(unix)]
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }

    #[cfg(not(unix))]
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::{Seek, SeekFrom};
        let mut f = &*self.file;
        f.seek(SeekFrom::Start(self.pos))?;
        let n = f.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Spool {
    fn reader(&self) -> SpoolReader {
        SpoolReader {
            file: Arc::clone(&self.0),
            pos: 0,
        }
    }
}

/// Bytes read so far from input files as stored (a `.gz` or `.zst` file's
/// compressed bytes), for a progress bar against [`Input::size`]; clones
/// share one count. Files are counted as their reader pulls them in (a
/// megabyte at a time for plain JSON Lines, a buffer of compressed bytes
/// at a time under a decoder), Parquet files in proportion to the rows
/// read.
#[derive(Clone, Debug, Default)]
pub struct Consumed(Arc<AtomicU64>);

impl Consumed {
    /// The bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

/// A reader that adds what it reads to a [`Consumed`].
struct Counting<R> {
    inner: R,
    consumed: Consumed,
}

impl<R> Counting<R> {
    fn new(inner: R, consumed: &Consumed) -> Self {
        Counting {
            inner,
            consumed: consumed.clone(),
        }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.add(n as u64);
        Ok(n)
    }
}

/// The records of a Parquet file, adding to a [`Consumed`] the share of
/// the file's `size` that the rows read so far are of its rows (the rest at
/// its end).
struct CountedRows {
    inner: ParquetRecords,
    consumed: Consumed,
    size: u64,
    /// The file's rows, when its footer says.
    rows: Option<u64>,
    /// Bytes added so far.
    credited: u64,
}

impl CountedRows {
    fn new(inner: ParquetRecords, file: &File, consumed: &Consumed) -> Self {
        let size = file.metadata().map_or(0, |m| m.len());
        let rows = Some(inner.rows()).filter(|&rows| rows > 0);
        CountedRows {
            inner,
            consumed: consumed.clone(),
            size,
            rows,
            credited: 0,
        }
    }

    fn credit(&mut self, upto: u64) {
        let upto = upto.min(self.size);
        if upto > self.credited {
            self.consumed.add(upto - self.credited);
            self.credited = upto;
        }
    }
}

impl Iterator for CountedRows {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.inner.next();
        match (&next, self.rows) {
            (Some(Ok(r)), Some(rows)) => {
                let done = r.origin.row.map_or(0, |row| row + 1);
                let share = u128::from(self.size) * u128::from(done) / u128::from(rows);
                self.credit(u64::try_from(share).unwrap_or(u64::MAX));
            }
            (None, _) => self.credit(self.size),
            _ => {}
        }
        next
    }
}

/// How a single file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One `.txt` document.
    Text,
    /// JSON Lines, maybe compressed.
    JsonLines,
    /// A Parquet file.
    Parquet,
}

impl Format {
    /// The format a file name says (lower-case): `None` for a name doublet
    /// does not read. A compressed file is JSON Lines whatever its inner
    /// name (`data.gz`), unless it says text.
    pub fn of_name(name: &str) -> Option<Format> {
        let compressed = name.ends_with(".gz") || name.ends_with(".zst");
        if is_parquet_name(name) {
            Some(Format::Parquet)
        } else if is_json_lines_name(name) || (compressed && !name.contains(".txt.")) {
            Some(Format::JsonLines)
        } else if name.ends_with(".txt") {
            Some(Format::Text)
        } else {
            None
        }
    }
}

/// The kind of an input, from its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A folder of `.txt` documents, JSON Lines and Parquet files.
    Folder(PathBuf),
    /// One `.txt` document.
    Text(PathBuf),
    /// A JSON Lines file, maybe compressed.
    JsonLines(PathBuf),
    /// A Parquet file.
    Parquet(PathBuf),
    /// JSON Lines on standard input.
    Stdin,
    /// An input that could only be read once (standard input, a FIFO),
    /// copied to an unlinked temporary file so that it can be read again;
    /// messages still use its name.
    Spooled {
        /// The copy.
        spool: Spool,
        /// The name given (`-` for standard input).
        name: PathBuf,
        /// How to read it.
        format: Format,
    },
}

impl Input {
    /// Classify a command-line input.
    pub fn parse(arg: &str) -> Result<Input> {
        if arg == "-" {
            return Ok(Input::Stdin);
        }
        let path = PathBuf::from(arg);
        let meta = std::fs::metadata(&path).map_err(io(&path))?;
        if meta.is_dir() {
            return Ok(Input::Folder(path));
        }
        match Format::of_name(&arg.to_ascii_lowercase()) {
            Some(Format::Parquet) => Ok(Input::Parquet(path)),
            Some(Format::JsonLines) => Ok(Input::JsonLines(path)),
            Some(Format::Text) => Ok(Input::Text(path)),
            None => Err(Error::Unsupported {
                path,
                message: "not a folder, .txt, .jsonl, .json, .ndjson (optionally .gz or .zst) or .parquet file".into(),
            }),
        }
    }

    /// Whether reading this input a second time would see the same bytes
    /// without a copy: false for standard input and for anything that is
    /// not a regular file or folder (a FIFO, `/dev/stdin`, a device).
    pub fn is_rereadable(&self) -> bool {
        match self {
            Input::Stdin => false,
            Input::Spooled { .. } | Input::Folder(_) => true,
            Input::Text(p) | Input::JsonLines(p) | Input::Parquet(p) => {
                std::fs::metadata(p).is_ok_and(|m| m.is_file())
            }
        }
    }

    /// The bytes this input holds as stored (compressed files at their
    /// compressed size; a folder's files that `select` chooses), which
    /// reading it counts in a [`Consumed`]; `None` for standard input and
    /// anything else that is not a regular file or a folder.
    pub fn size(&self, select: Option<&Select>) -> Option<u64> {
        let len = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len())
        };
        match self {
            Input::Stdin => None,
            Input::Text(p) | Input::JsonLines(p) | Input::Parquet(p) => len(p),
            Input::Folder(root) => list_folder(root, select)
                .ok()?
                .iter()
                .map(|(_, p, _)| len(p))
                .sum(),
            Input::Spooled { spool, .. } => spool.0.metadata().ok().map(|m| m.len()),
        }
    }

    /// This input, copied once to an unlinked temporary file if it could
    /// not be read twice ([`Input::is_rereadable`]). The copy stops with
    /// [`Error::TooLarge`] once a `.txt` document, or a line of
    /// uncompressed JSON Lines, passes `max_record` bytes, so that an
    /// endless source (`/dev/zero`) fills neither memory nor disk. (A
    /// Parquet file is copied whole: it is read from its end.)
    pub fn spooled(self, max_record: u64) -> Result<Input> {
        if self.is_rereadable() {
            return Ok(self);
        }
        let (name, format, source): (PathBuf, Format, Box<dyn Read>) = match self {
            Input::Stdin => ("-".into(), Format::JsonLines, Box::new(std::io::stdin())),
            Input::Text(p) => {
                let f = File::open(&p).map_err(io(&p))?;
                (p, Format::Text, Box::new(f))
            }
            Input::JsonLines(p) => {
                let f = File::open(&p).map_err(io(&p))?;
                (p, Format::JsonLines, Box::new(f))
            }
            Input::Parquet(p) => {
                let f = File::open(&p).map_err(io(&p))?;
                (p, Format::Parquet, Box::new(f))
            }
            other => return Ok(other),
        };
        let lower = name.to_string_lossy().to_ascii_lowercase();
        let compressed = lower.ends_with(".gz") || lower.ends_with(".zst");
        let mut file = tempfile::tempfile().map_err(io(&name))?;
        let text = format == Format::Text;
        let lines = format == Format::JsonLines && !compressed;
        copy_bounded(source, &mut file, &name, text, lines, max_record)?;
        Ok(Input::Spooled {
            spool: Spool(Arc::new(file)),
            name,
            format,
        })
    }
}

/// Copy `source` to `dest`, refusing a whole (`text`) or a line (`lines`)
/// longer than `max` bytes.
fn copy_bounded(
    mut source: impl Read,
    dest: &mut File,
    name: &Path,
    text: bool,
    lines: bool,
    max: u64,
) -> Result<()> {
    use std::io::Write;
    let mut buf = vec![0u8; 1 << 16];
    let (mut total, mut line, mut since_break) = (0u64, 1u64, 0u64);
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(name)(e)),
        };
        let chunk = &buf[..n];
        total += n as u64;
        if text && total > max {
            return Err(too_large(name, None, max));
        }
        if lines {
            for part in chunk.split_inclusive(|&b| b == b'\n') {
                since_break += part.len() as u64;
                if since_break > max + 1 {
                    return Err(too_large(name, Some(line), max));
                }
                if part.last() == Some(&b'\n') {
                    line += 1;
                    since_break = 0;
                }
            }
        }
        dest.write_all(chunk).map_err(io(name))?;
    }
}

fn too_large(path: &Path, line: Option<u64>, limit: u64) -> Error {
    Error::TooLarge {
        path: path.to_owned(),
        line,
        limit,
    }
}

/// Open a file, decompressing by extension.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(io(path))?;
    decode(file, path)
}

/// gzip's and zstd's magic numbers, the first bytes of every stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Decompress `source` as its first bytes say (gzip, zstd, or neither),
/// whatever `name` (used in errors) ends with.
fn decode(source: impl Read + Send + 'static, name: &Path) -> Result<Box<dyn BufRead + Send>> {
    let mut source = BufReader::new(source);
    let head = source.fill_buf().map_err(io(name))?;
    let reader: Box<dyn Read + Send> = if head.starts_with(&GZIP_MAGIC) {
        Box::new(flate2::read::MultiGzDecoder::new(source))
    } else if head.starts_with(&ZSTD_MAGIC) {
        Box::new(zstd::Decoder::with_buffer(source).map_err(io(name))?)
    } else {
        Box::new(source)
    };
    Ok(Box::new(BufReader::with_capacity(1 << 20, reader)))
}

/// Decode bytes as UTF-8, replacing invalid sequences; returns the text and
/// the number of bytes replaced.
pub fn decode_lossy(bytes: Vec<u8>) -> (String, usize) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, 0),
        Err(e) => {
            let bytes = e.into_bytes();
            let mut replaced = 0;
            for chunk in bytes.utf8_chunks() {
                replaced += chunk.invalid().len();
            }
            (String::from_utf8_lossy(&bytes).into_owned(), replaced)
        }
    }
}

/// Read one `.txt` document (invalid UTF-8 replaced and counted), of at
/// most [`MAX_DOCUMENT`] bytes.
pub fn read_text(path: &Path, id: String) -> Result<Record> {
    read_text_limited(path, id, MAX_DOCUMENT)
}

/// Read one `.txt` document of at most `max` bytes.
pub fn read_text_limited(path: &Path, id: String, max: u64) -> Result<Record> {
    let file = File::open(path).map_err(io(path))?;
    text_record(file, path, id, max)
}

fn text_record(source: impl Read, path: &Path, id: String, max: u64) -> Result<Record> {
    let mut bytes = Vec::new();
    source
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io(path))?;
    if bytes.len() as u64 > max {
        return Err(too_large(path, None, max));
    }
    let (text, replaced) = decode_lossy(bytes);
    Ok(Record {
        id,
        text,
        origin: Origin {
            path: path.to_owned(),
            line: None,
            row: None,
        },
        replaced,
        extra: None,
        renamed_from: None,
        id_from_place: false,
        row: None,
    })
}

/// Whether a (lower-case) file name is JSON Lines: `.jsonl`, `.json` or
/// `.ndjson`, optionally `.gz` or `.zst`.
fn is_json_lines_name(name: &str) -> bool {
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
    base.ends_with(".jsonl") || base.ends_with(".json") || base.ends_with(".ndjson")
}

/// Whether a (lower-case) file name is Parquet: `.parquet` or `.pq`.
fn is_parquet_name(name: &str) -> bool {
    name.ends_with(".parquet") || name.ends_with(".pq")
}

/// The format of a file found in a folder, by its name: `.txt`, JSON Lines
/// (`.jsonl`, `.json`, `.ndjson`, optionally `.gz` or `.zst`) or Parquet;
/// other files (`.gz` alone included) are not read from a folder.
fn folder_format(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if is_parquet_name(&name) {
        Some(Format::Parquet)
    } else if is_json_lines_name(&name) {
        Some(Format::JsonLines)
    } else if name.ends_with(".txt") {
        Some(Format::Text)
    } else {
        None
    }
}

/// Which files below a folder are read (`--glob`): a glob pattern
/// matched against each file's path relative to the folder, `/`-separated
/// (`*.parquet`, `**/part-*.jsonl.gz`; `*` stays within one folder).
#[derive(Clone, Debug)]
pub struct Select {
    pattern: String,
    matcher: globset::GlobMatcher,
}

impl Select {
    /// Compile `pattern`, or say why it is not one.
    pub fn new(pattern: &str) -> std::result::Result<Select, String> {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Select {
            pattern: pattern.to_owned(),
            matcher: glob.compile_matcher(),
        })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    fn matches(&self, relative: &str) -> bool {
        self.matcher.is_match(relative)
    }
}

/// The files below `root` that are read, sorted by relative path
/// (`/`-separated), each with its relative path (a `.txt` file's document
/// id) and format. Without `select`, every `.txt`, JSON Lines and Parquet
/// file; a folder that holds files but none of these kinds is refused,
/// naming one, rather than read as no documents. With `select`, the files
/// it matches, each of which must be of a kind doublet reads (a matched
/// `data.gz` is gzip JSON Lines).
pub fn list_folder(root: &Path, select: Option<&Select>) -> Result<Vec<(String, PathBuf, Format)>> {
    let mut out = Vec::new();
    let mut other: Option<PathBuf> = None;
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_owned();
            Error::Io {
                path,
                source: e.into(),
            }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let id = rel
            .components()
            .map(|c| name_id(c.as_os_str()))
            .collect::<Vec<_>>()
            .join("/");
        let format = match select {
            Some(select) => {
                if !select.matches(&id) {
                    continue;
                }
                let name = id.to_ascii_lowercase();
                Format::of_name(&name).ok_or_else(|| Error::Unsupported {
                    path: entry.path().to_owned(),
                    message: format!(
                        "matched --glob {} but is not a .txt, JSON Lines or Parquet file",
                        quoted_pattern(select.pattern())
                    ),
                })?
            }
            None => match folder_format(entry.path()) {
                Some(f) => f,
                None => {
                    other.get_or_insert_with(|| entry.path().to_owned());
                    continue;
                }
            },
        };
        out.push((id, entry.path().to_owned(), format));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    if let (true, Some(file)) = (out.is_empty(), other) {
        return Err(Error::Unsupported {
            path: root.to_owned(),
            message: format!(
                "folder holds no .txt, JSON Lines (.jsonl, .json, .ndjson, optionally .gz or .zst) or Parquet file; found {} (choose files with --glob)",
                file.display()
            ),
        });
    }
    Ok(out)
}

fn quoted_pattern(p: &str) -> String {
    format!("{p:?}")
}

/// A file name as an id: its UTF-8 as is, each byte that is not valid
/// UTF-8 written `\xHH` (lower-case hex), so that two names differing only
/// in such bytes keep distinct ids.
pub fn name_id(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// Parse one JSON Lines line into a record.
pub fn parse_line(raw: &[u8], path: &Path, line: u64, fields: &Fields) -> Result<Record> {
    let err = |message: String| Error::Line {
        path: path.to_owned(),
        line,
        message,
    };
    let text = std::str::from_utf8(raw)
        .map_err(|e| err(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    if !text.trim_start().starts_with('{') {
        // Still report malformed JSON as such.
        serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map_err(|e| err(format!("malformed JSON: {e}")))?;
        return Err(err("expected a JSON object".into()));
    }
    let mut obj: RawObject =
        serde_json::from_str(text).map_err(|e| err(format!("malformed JSON: {e}")))?;
    // Ids keep their exact spelling: a number's digits as written.
    let id_value = obj.get_path(&fields.id);
    let id = match id_value.as_deref().map(RawValue::get) {
        Some(raw) if raw.starts_with('"') => {
            serde_json::from_str::<String>(raw).map_err(|e| err(format!("malformed JSON: {e}")))?
        }
        Some(raw) if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => raw.to_owned(),
        Some(_) => {
            return Err(err(format!(
                "field `{}` must be a string or a number",
                fields.id
            )))
        }
        // No id: the record's place names it (a C4-style dump has none).
        None => format!("{}:{line}", path.display()),
    };
    let id_from_place = id_value.is_none();
    // The text's place stays (a null until it is written back), so outputs
    // keep the order of the fields.
    let body = match obj.take_path(&fields.text) {
        Some(raw) if raw.get().starts_with('"') => serde_json::from_str::<String>(raw.get())
            .map_err(|e| err(format!("malformed JSON: {e}")))?,
        Some(_) => return Err(err(format!("field `{}` must be a string", fields.text))),
        None => {
            return Err(err(format!(
                "missing text field `{}` (choose another with --text-field)",
                fields.text
            )))
        }
    };
    Ok(Record {
        id,
        text: body,
        origin: Origin {
            path: path.to_owned(),
            line: Some(line),
            row: None,
        },
        replaced: 0,
        extra: Some(obj),
        renamed_from: None,
        id_from_place,
        row: None,
    })
}

/// The UTF-8 byte-order mark, skipped at the start of a file.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Records of a JSON Lines stream, one per non-blank line.
pub struct JsonLines<R> {
    reader: R,
    path: PathBuf,
    line: u64,
    fields: Fields,
    buf: Vec<u8>,
    failed: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// Read `reader`, naming it `path` in messages.
    pub fn new(reader: R, path: PathBuf, fields: Fields) -> Self {
        JsonLines {
            reader,
            path,
            line: 0,
            fields,
            buf: Vec::new(),
            failed: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            self.buf.clear();
            self.line += 1;
            // Read at most one byte past the limit (and its line break), so
            // an endless line costs no more than the limit.
            let cap = self.fields.max_record.saturating_add(2);
            match (&mut self.reader)
                .take(cap)
                .read_until(b'\n', &mut self.buf)
            {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    // The stream cannot be trusted past this point: stop.
                    self.failed = true;
                    return Some(Err(Error::Read {
                        path: self.path.clone(),
                        line: self.line,
                        source: e,
                    }));
                }
            }
            let mut raw = &self.buf[..];
            if raw.last() == Some(&b'\n') {
                raw = &raw[..raw.len() - 1];
            }
            if raw.len() as u64 > self.fields.max_record {
                self.failed = true;
                return Some(Err(too_large(
                    &self.path,
                    Some(self.line),
                    self.fields.max_record,
                )));
            }
            if self.line == 1 {
                raw = raw.strip_prefix(BOM).unwrap_or(raw);
            }
            let raw = raw.trim_ascii();
            if raw.is_empty() {
                continue;
            }
            return Some(parse_line(raw, &self.path, self.line, &self.fields));
        }
    }
}

/// The id of a single `.txt` input: its file name.
fn text_id(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.to_string_lossy().into_owned(), name_id)
}

/// The records of one file of the given format, its bytes counted in
/// `consumed`.
fn file_records(
    path: PathBuf,
    format: Format,
    id: impl FnOnce() -> String,
    fields: &Fields,
    consumed: &Consumed,
) -> Box<dyn Iterator<Item = Result<Record>> + Send> {
    let file = match File::open(&path).map_err(io(&path)) {
        Ok(f) => f,
        Err(e) => return Box::new(std::iter::once(Err(e))),
    };
    match format {
        Format::Text => Box::new(std::iter::once(text_record(
            Counting::new(file, consumed),
            &path,
            id(),
            fields.max_record,
        ))),
        Format::JsonLines => match decode(Counting::new(file, consumed), &path) {
            Ok(r) => Box::new(JsonLines::new(r, path, fields.clone())),
            Err(e) => Box::new(std::iter::once(Err(e))),
        },
        Format::Parquet => parquet_records(file, &path, fields, consumed),
    }
}

/// The records of an open Parquet file, counted in `consumed` by rows.
fn parquet_records(
    file: File,
    name: &Path,
    fields: &Fields,
    consumed: &Consumed,
) -> Box<dyn Iterator<Item = Result<Record>> + Send> {
    let records = file
        .try_clone()
        .map_err(io(name))
        .and_then(|f| ParquetRecords::from_file(f, name, fields.clone()));
    match records {
        Ok(r) => Box::new(CountedRows::new(r, &file, consumed)),
        Err(e) => Box::new(std::iter::once(Err(e))),
    }
}

/// The Arrow schemas of the Parquet files among `inputs` (directly, below
/// a folder, or spooled), each under the name its records carry, in read
/// order; their footers are checked ([`crate::footer`]). For planning a
/// Parquet output before any row is read.
pub fn parquet_schemas(
    inputs: &[Input],
    select: Option<&Select>,
) -> Result<Vec<(PathBuf, arrow_schema::SchemaRef)>> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            Input::Parquet(p) => out.push((p.clone(), crate::tables::parquet_schema(p)?)),
            Input::Folder(root) => {
                for (_, path, format) in list_folder(root, select)? {
                    if format == Format::Parquet {
                        let schema = crate::tables::parquet_schema(&path)?;
                        out.push((path, schema));
                    }
                }
            }
            Input::Spooled {
                spool,
                name,
                format: Format::Parquet,
            } => {
                let file = spool.0.try_clone().map_err(io(name))?;
                let metadata = crate::footer::read(&file).map_err(|m| Error::Unsupported {
                    path: name.clone(),
                    message: format!("not a readable Parquet file: {m}"),
                })?;
                out.push((name.clone(), metadata.schema().clone()));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The records of one input, in order, one at a time.
pub fn input_records(
    input: Input,
    fields: &Fields,
) -> Box<dyn Iterator<Item = Result<Record>> + Send> {
    input_records_counting(input, fields, &Consumed::default())
}

/// [`input_records`], adding the bytes read from files to `consumed` (for
/// progress against [`Input::size`]).
pub fn input_records_counting(
    input: Input,
    fields: &Fields,
    consumed: &Consumed,
) -> Box<dyn Iterator<Item = Result<Record>> + Send> {
    match input {
        Input::Text(path) => {
            let id = text_id(&path);
            file_records(path, Format::Text, || id, fields, consumed)
        }
        Input::JsonLines(path) => {
            file_records(path, Format::JsonLines, String::new, fields, consumed)
        }
        Input::Parquet(path) => file_records(path, Format::Parquet, String::new, fields, consumed),
        Input::Folder(root) => match list_folder(&root, fields.select.as_ref()) {
            Ok(files) => {
                let fields = fields.clone();
                let consumed = consumed.clone();
                Box::new(files.into_iter().flat_map(move |(id, path, format)| {
                    file_records(path, format, || id, &fields, &consumed)
                }))
            }
            Err(e) => Box::new(std::iter::once(Err(e))),
        },
        Input::Spooled {
            spool,
            name,
            format: Format::Text,
        } => {
            let id = text_id(&name);
            let reader = Counting::new(spool.reader(), consumed);
            let r = text_record(reader, &name, id, fields.max_record);
            Box::new(std::iter::once(r))
        }
        Input::Spooled {
            spool,
            name,
            format: Format::Parquet,
        } => match spool.0.try_clone().map_err(io(&name)) {
            Ok(f) => parquet_records(f, &name, fields, consumed),
            Err(e) => Box::new(std::iter::once(Err(e))),
        },
        Input::Spooled { spool, name, .. } => {
            match decode(Counting::new(spool.reader(), consumed), &name) {
                Ok(r) => Box::new(JsonLines::new(r, name, fields.clone())),
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        }
        Input::Stdin => {
            let r = BufReader::new(std::io::stdin());
            Box::new(JsonLines::new(r, PathBuf::from("-"), fields.clone()))
        }
    }
}

/// Every record of every input, in order, one at a time.
pub fn records(inputs: Vec<Input>, fields: Fields) -> impl Iterator<Item = Result<Record>> + Send {
    inputs
        .into_iter()
        .flat_map(move |input| input_records(input, &fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn jsonl_lines_name_file_and_line() {
        let data =
            b"{\"id\":\"a\",\"text\":\"x\",\"url\":\"u\"}\n\n{\"id\":2,\"text\":\"y\"}\n{oops}\n";
        let recs: Vec<_> = JsonLines::new(&data[..], "f.jsonl".into(), Fields::default()).collect();
        assert_eq!(recs.len(), 3);
        let a = recs[0].as_ref().unwrap();
        assert_eq!((a.id.as_str(), a.text.as_str()), ("a", "x"));
        assert_eq!(a.extra.as_ref().unwrap().get("url").unwrap().get(), "\"u\"");
        assert_eq!(recs[1].as_ref().unwrap().id, "2");
        let e = recs[2].as_ref().unwrap_err().to_string();
        assert!(e.starts_with("f.jsonl:4: malformed JSON"), "{e}");
    }

    #[test]
    fn dotted_field_paths_reach_nested_fields() {
        let fields = Fields {
            id: "meta.id".into(),
            text: "meta.body.text".into(),
            ..Fields::default()
        };
        let line = br#"{"meta":{"id":7,"body":{"text":"hello","lang":"en"},"url":"u"},"x":1}"#;
        let r = parse_line(line, Path::new("f.jsonl"), 3, &fields).unwrap();
        assert_eq!((r.id.as_str(), r.text.as_str()), ("7", "hello"));
        assert!(!r.id_from_place);
        let mut obj = r.extra.unwrap();
        // The text left its nested object, whose other fields stay.
        // The text left its nested object, keeping its place there, and
        // the object's other fields stay.
        assert_eq!(
            serde_json::to_string(&obj).unwrap(),
            r#"{"meta":{"id":7,"body":{"text":null,"lang":"en"},"url":"u"},"x":1}"#
        );
        obj.insert_str_path("meta.body.text", "cleaned");
        assert_eq!(
            serde_json::to_string(&obj).unwrap(),
            r#"{"meta":{"id":7,"body":{"text":"cleaned","lang":"en"},"url":"u"},"x":1}"#
        );
        // A key spelled with the dot wins over the nested field.
        let literal = br#"{"meta.id":"a","meta":{"id":"b"},"meta.body.text":"t"}"#;
        let r = parse_line(literal, Path::new("f.jsonl"), 1, &fields).unwrap();
        assert_eq!((r.id.as_str(), r.text.as_str()), ("a", "t"));
        // A path that leads nowhere is a missing field, named as given.
        let none = br#"{"meta":{"id":"b"},"meta.body":"not an object"}"#;
        let e = parse_line(none, Path::new("f.jsonl"), 9, &fields).unwrap_err();
        assert!(
            e.to_string().contains("meta.body.text") && e.to_string().contains(":9"),
            "{e}"
        );
        // Without the id, the record's place names it.
        let r = parse_line(
            br#"{"meta":{"body":{"text":"x"}}}"#,
            Path::new("f.jsonl"),
            4,
            &fields,
        )
        .unwrap();
        assert!(r.id_from_place && r.id.ends_with("f.jsonl:4"));
    }

    #[test]
    fn fields_keep_their_spelling_order_and_last_value() {
        let p = Path::new("f.jsonl");
        let r = parse_line(
            br#"{"id":1e2,"b":1,"text":"t","a":-0,"b":2.50}"#,
            p,
            1,
            &Fields::default(),
        )
        .unwrap();
        assert_eq!(r.id, "1e2");
        assert_eq!(
            serde_json::to_string(&r.extra.unwrap()).unwrap(),
            r#"{"id":1e2,"b":2.50,"text":null,"a":-0}"#
        );
    }

    #[test]
    fn missing_or_wrong_fields_are_errors() {
        let p = Path::new("f.jsonl");
        let f = Fields::default();
        assert!(parse_line(b"{\"id\":\"a\"}", p, 1, &f)
            .unwrap_err()
            .to_string()
            .contains("missing text field `text`"));
        assert!(parse_line(b"{\"id\":\"a\",\"text\":3}", p, 1, &f)
            .unwrap_err()
            .to_string()
            .contains("must be a string"));
        assert!(parse_line(b"[1]", p, 1, &f)
            .unwrap_err()
            .to_string()
            .contains("expected a JSON object"));
    }

    #[test]
    fn folders_yield_sorted_relative_ids_and_compressed_files_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("a.txt"), b"a\xff").unwrap();
        std::fs::write(dir.path().join("skip.md"), "no").unwrap();
        let recs: Vec<_> = records(vec![Input::Folder(dir.path().into())], Fields::default())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(
            recs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a.txt", "sub/b.txt"]
        );
        assert_eq!(recs[0].replaced, 1);

        let gz = dir.path().join("d.jsonl.gz");
        let mut w = flate2::write::GzEncoder::new(File::create(&gz).unwrap(), Default::default());
        w.write_all(b"{\"id\":\"z\",\"text\":\"zip\"}\n").unwrap();
        w.finish().unwrap();
        let zst = dir.path().join("d.jsonl.zst");
        std::fs::write(
            &zst,
            zstd::encode_all(&b"{\"id\":\"s\",\"text\":\"std\"}\n"[..], 3).unwrap(),
        )
        .unwrap();
        let inputs = vec![
            Input::parse(gz.to_str().unwrap()).unwrap(),
            Input::parse(zst.to_str().unwrap()).unwrap(),
        ];
        let recs: Vec<_> = records(inputs, Fields::default())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(
            recs.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
            ["zip", "std"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_file_names_keep_distinct_ids() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        for name in [&b"bad\xff.txt"[..], b"bad\xfe.txt"] {
            let p = dir.path().join(std::ffi::OsStr::from_bytes(name));
            std::fs::write(p, "text").unwrap();
        }
        let recs: Vec<_> = records(vec![Input::Folder(dir.path().into())], Fields::default())
            .collect::<Result<_>>()
            .unwrap();
        let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["bad\\xfe.txt", "bad\\xff.txt"]);
    }

    #[test]
    fn records_over_the_limit_stop_reading_naming_the_line() {
        let fields = Fields {
            max_record: 100,
            ..Fields::default()
        };
        let long = format!("{{\"id\":\"b\",\"text\":\"{}\"}}\n", "x".repeat(500));
        let data = format!("{{\"id\":\"a\",\"text\":\"ok\"}}\n{long}{long}");
        let recs: Vec<_> =
            JsonLines::new(data.as_bytes(), "f.jsonl".into(), fields.clone()).collect();
        assert_eq!(recs.len(), 2);
        let e = recs[1].as_ref().unwrap_err().to_string();
        assert!(
            e.starts_with("f.jsonl:2: record larger than 100 bytes"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.txt");
        std::fs::write(&p, "y".repeat(101)).unwrap();
        let e = records(vec![Input::Text(p.clone())], fields)
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!("{}: record larger", p.display())),
            "{e}"
        );
    }

    #[test]
    fn a_byte_order_mark_opens_a_json_lines_file() {
        let data = b"\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\"}\n";
        let recs: Vec<_> = JsonLines::new(&data[..], "f.jsonl".into(), Fields::default())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(recs[0].id, "a");
    }

    #[cfg(unix)]
    #[test]
    fn endless_special_files_are_refused_while_spooled() {
        let dir = tempfile::tempdir().unwrap();
        let z = dir.path().join("zero.txt");
        std::os::unix::fs::symlink("/dev/zero", &z).unwrap();
        let input = Input::parse(z.to_str().unwrap()).unwrap();
        assert!(!input.is_rereadable());
        let e = input.spooled(1 << 20).unwrap_err().to_string();
        assert!(
            e.contains("zero.txt: record larger than 1048576 bytes"),
            "{e}"
        );
        let zj = dir.path().join("zero.jsonl");
        std::os::unix::fs::symlink("/dev/zero", &zj).unwrap();
        let e = Input::parse(zj.to_str().unwrap())
            .unwrap()
            .spooled(1 << 20)
            .unwrap_err()
            .to_string();
        assert!(e.contains("zero.jsonl:1: record larger"), "{e}");
    }

    #[test]
    fn consumed_bytes_reach_each_input_size_as_stored() {
        let dir = tempfile::tempdir().unwrap();
        let lines: String = (0..500)
            .map(|i| format!("{{\"id\":\"{i}\",\"text\":\"words of record {i}\"}}\n"))
            .collect();
        std::fs::write(dir.path().join("a.jsonl"), &lines).unwrap();
        let gz = File::create(dir.path().join("b.jsonl.gz")).unwrap();
        let mut w = flate2::write::GzEncoder::new(gz, Default::default());
        w.write_all(lines.as_bytes()).unwrap();
        w.finish().unwrap();
        let zst = zstd::encode_all(lines.as_bytes(), 3).unwrap();
        std::fs::write(dir.path().join("c.jsonl.zst"), zst).unwrap();
        std::fs::write(dir.path().join("d.txt"), "one text").unwrap();
        // Parquet in five row groups, counted by rows.
        let ids: Vec<String> = (0..500).map(|i| i.to_string()).collect();
        let batch = arrow_array::RecordBatch::try_from_iter([
            (
                "id",
                Arc::new(arrow_array::StringArray::from(ids.clone())) as arrow_array::ArrayRef,
            ),
            ("text", Arc::new(arrow_array::StringArray::from(ids))),
        ])
        .unwrap();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(100))
            .build();
        let pq = File::create(dir.path().join("e.parquet")).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(pq, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();

        let read_all = |input: Input, half: Option<u64>| {
            let consumed = Consumed::default();
            let mut records = input_records_counting(input, &Fields::default(), &consumed);
            for _ in 0..250 {
                records.next().unwrap().unwrap();
            }
            if let Some(half) = half {
                assert_eq!(consumed.bytes(), half);
            }
            assert_eq!(records.map(Result::unwrap).count(), 250);
            consumed.bytes()
        };
        let mut all = 0;
        for name in ["a.jsonl", "b.jsonl.gz", "c.jsonl.zst", "e.parquet"] {
            let path = dir.path().join(name);
            let stored = std::fs::metadata(&path).unwrap().len();
            let input = Input::parse(path.to_str().unwrap()).unwrap();
            assert_eq!(input.size(None), Some(stored), "{name}");
            let half = name.ends_with(".parquet").then_some(stored / 2);
            assert_eq!(read_all(input, half), stored, "{name}");
            all += stored;
        }
        let text = Input::parse(dir.path().join("d.txt").to_str().unwrap()).unwrap();
        assert_eq!(text.size(None), Some(8));
        all += 8;
        let folder = Input::Folder(dir.path().to_owned());
        assert_eq!(folder.size(None), Some(all));
        let consumed = Consumed::default();
        let n = input_records_counting(folder, &Fields::default(), &consumed).count();
        assert_eq!((n, consumed.bytes()), (4 * 500 + 1, all));
        let only_text = Select::new("*.txt").unwrap();
        assert_eq!(
            Input::Folder(dir.path().to_owned()).size(Some(&only_text)),
            Some(8)
        );
        assert_eq!(Input::Stdin.size(None), None);
    }

    #[test]
    fn missing_paths_are_named() {
        let e = Input::parse("/no/such/file.jsonl").unwrap_err().to_string();
        assert!(e.starts_with("/no/such/file.jsonl:"), "{e}");
    }
}
