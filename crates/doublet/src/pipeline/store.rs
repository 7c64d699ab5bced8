//! What the corpus-wide stages read of a document, kept off the heap.
//!
//! A document's 32-bit tokens (in native byte order: the file lives and
//! dies with the process) and their byte ranges are the largest part of
//! what the scanner keeps of it (about six bytes a word); its block table
//! ([`super::table`], about 27 bytes a block) comes next. Each kind goes
//! into a [`Stream`] of its own, in push order, in chunks of [`CHUNK`]
//! bytes: the [`Store`] of words, read a document or a range of tokens at
//! a time, and the [`Tables`] of blocks, read mostly in passes over every
//! document, a batch of consecutive documents with one read. With a spill
//! file ([`crate::Scanner::with_spill`], [`crate::Scanner::with_table_spill`]),
//! once a stream's chunks pass a given size every full chunk is written to
//! the file at its place in the stream and dropped, so the heap holds that
//! size and one chunk whatever the corpus; the stages read back what they
//! need with positioned reads, which any number of threads can make at
//! once. Without a spill file the chunks stay in memory. A record never
//! straddles two chunks, and the stream has no gaps: consecutive records
//! are consecutive bytes.
//!
//! A read of the spill file that fails is recorded rather than returned at
//! every call site (the stages read from inside parallel loops); the read
//! yields nothing, and [`Store::failure`] or [`Tables::failure`] turns the
//! run into an error before any result leaves the scanner.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::Mutex;

use super::analyse::{Block, Words};
use super::offsets::Offsets;
use super::table;

/// Bytes a chunk holds before the next one starts, unless set smaller
/// ([`Stream::limit_chunks`]); a record larger than a chunk has one of its
/// own.
pub(super) const CHUNK: usize = 16 << 20;

#[derive(Debug)]
struct Chunk {
    /// Stream position of its first byte (its place in the spill file).
    start: u64,
    /// Its bytes while in memory; empty once spilled.
    bytes: Vec<u8>,
}

/// Records appended in order, in chunks held in memory or spilled (see the
/// module documentation).
#[derive(Debug, Default)]
pub(super) struct Stream {
    chunks: Vec<Chunk>,
    /// Stream length: where the next record goes.
    end: u64,
    spill: Option<File>,
    /// Bytes of chunks still in memory.
    held: usize,
    /// Bytes a new chunk holds (0 for [`CHUNK`]).
    chunk: usize,
    /// Bytes of chunks held before they go to the spill file.
    spill_after: usize,
    failure: Mutex<Option<io::Error>>,
}

impl Stream {
    /// Write full chunks to `file` (at their stream positions) once more
    /// than `after` bytes of them are held.
    pub(super) fn spill_to(&mut self, file: File, after: usize) {
        self.spill = Some(file);
        self.spill_after = after;
    }

    /// Make chunks of `bytes` (at least 64 KiB, at most [`CHUNK`]).
    pub(super) fn limit_chunks(&mut self, bytes: usize) {
        self.chunk = bytes.clamp(64 << 10, CHUNK);
    }

    /// Make chunks of 4 KiB, smaller than [`limit_chunks`](Self::limit_chunks)
    /// allows, so that a test's small corpus spills.
    #[cfg(test)]
    pub(super) fn tiny_chunks(&mut self) {
        self.chunk = 4 << 10;
    }

    /// Bytes a new chunk holds.
    fn chunk_bytes(&self) -> usize {
        if self.chunk == 0 {
            CHUNK
        } else {
            self.chunk
        }
    }

    /// The most heap the records will take when a spill file takes the
    /// rest: what is held before spilling starts, and one chunk.
    pub(super) fn projected_spilling(&self) -> usize {
        (self.end as usize).min(self.spill_after) + self.chunk_bytes()
    }

    /// Whether full chunks go to a file.
    pub(super) fn spills(&self) -> bool {
        self.spill.is_some()
    }

    /// Append a record of `len` bytes, which `write` appends to the buffer
    /// it is given; returns its stream position.
    fn append(&mut self, len: usize, write: impl FnOnce(&mut Vec<u8>)) -> io::Result<u64> {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.bytes.capacity() - c.bytes.len() >= len);
        if !fits {
            self.seal()?;
            let bytes = Vec::with_capacity(len.max(self.chunk_bytes()));
            self.held += bytes.capacity();
            self.chunks.push(Chunk {
                start: self.end,
                bytes,
            });
        }
        // The last chunk exists and has room: made just above if not.
        let Some(chunk) = self.chunks.last_mut() else {
            unreachable!("a chunk was just opened");
        };
        let before = chunk.bytes.len();
        write(&mut chunk.bytes);
        debug_assert_eq!(chunk.bytes.len() - before, len);
        let at = self.end;
        self.end += len as u64;
        Ok(at)
    }

    /// Once more than `spill_after` bytes are held, write every full chunk
    /// to the spill file (if any) and free it.
    fn seal(&mut self) -> io::Result<()> {
        if self.held <= self.spill_after {
            return Ok(());
        }
        self.write_held()
    }

    /// Once the stream has spilled, write every chunk still held to the
    /// spill file, the last one too, and free them: the corpus-wide stages
    /// only read, and what a large corpus's last chunks hold is better
    /// spent on them. A stream that never passed its threshold stays in
    /// memory.
    pub(super) fn settle(&mut self) -> io::Result<()> {
        if !self.chunks.iter().any(|c| c.bytes.capacity() == 0) {
            return Ok(());
        }
        self.write_held()
    }

    /// Write every chunk held to the spill file (if any) and free it.
    fn write_held(&mut self) -> io::Result<()> {
        let Some(file) = &self.spill else {
            return Ok(());
        };
        for chunk in self.chunks.iter_mut().filter(|c| c.bytes.capacity() > 0) {
            write_at(file, &chunk.bytes, chunk.start)?;
            self.held -= chunk.bytes.capacity();
            chunk.bytes = Vec::new();
        }
        Ok(())
    }

    /// Fill `out` with the bytes from stream position `at` on, across
    /// chunks when it spans more than one.
    fn read(&self, mut at: u64, mut out: &mut [u8]) -> bool {
        while !out.is_empty() {
            let i = self.chunks.partition_point(|c| c.start <= at) - 1;
            let chunk = &self.chunks[i];
            let chunk_end = self.chunks.get(i + 1).map_or(self.end, |next| next.start);
            let n = out.len().min((chunk_end - at) as usize);
            let (here, rest) = out.split_at_mut(n);
            if chunk.bytes.is_empty() {
                let Some(file) = &self.spill else {
                    return false;
                };
                if let Err(e) = read_at(file, here, at) {
                    self.fail(e);
                    return false;
                }
            } else {
                let from = (at - chunk.start) as usize;
                here.copy_from_slice(&chunk.bytes[from..from + n]);
            }
            at += n as u64;
            out = rest;
        }
        true
    }

    fn fail(&self, e: io::Error) {
        let mut first = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert(e);
    }

    fn damaged(&self) {
        self.fail(io::Error::new(
            io::ErrorKind::InvalidData,
            "the spill file does not read back as written",
        ));
    }

    /// The first read of the spill file that failed, if any.
    fn failure(&self) -> Option<io::Error> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

/// Where one document's words are: tokens (four bytes each), then the
/// binary form of their byte ranges.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slot {
    at: u64,
    words: u32,
    offset_bytes: u32,
}

/// Every document's tokens and byte ranges (see the module documentation).
#[derive(Debug, Default)]
pub(super) struct Store {
    slots: Vec<Slot>,
    pub(super) stream: Stream,
}

impl Store {
    /// Heap bytes held for records (chunks not yet spilled, and the slots).
    #[cfg(test)]
    pub(super) fn heap_bytes(&self) -> usize {
        self.stream.held + self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    /// Append the next document's tokens and byte ranges.
    pub(super) fn push(&mut self, words: &Words) -> io::Result<()> {
        let (tokens, offsets) = (&words.tokens, &words.offsets);
        let offset_bytes = offsets.encoded_len();
        let len = 4 * tokens.len() + offset_bytes;
        let at = self.stream.append(len, |out| {
            out.extend_from_slice(bytemuck::cast_slice(tokens));
            offsets.write(out);
        })?;
        self.slots.push(Slot {
            at,
            words: tokens.len() as u32,
            offset_bytes: offset_bytes as u32,
        });
        Ok(())
    }

    /// Replace `out` with tokens `from..to` of document `d` (clamped to its
    /// length).
    pub(super) fn tokens_in(&self, d: u32, from: usize, to: usize, out: &mut Vec<u32>) {
        out.clear();
        let slot = self.slots[d as usize];
        let to = to.min(slot.words as usize);
        if from >= to {
            return;
        }
        out.resize(to - from, 0);
        if !self
            .stream
            .read(slot.at + 4 * from as u64, bytemuck::cast_slice_mut(out))
        {
            out.clear();
        }
    }

    /// Replace `out` with every token of document `d`.
    pub(super) fn tokens(&self, d: u32, out: &mut Vec<u32>) {
        self.tokens_in(d, 0, usize::MAX, out);
    }

    /// The byte ranges of document `d`'s tokens (empty when none were kept).
    pub(super) fn offsets(&self, d: u32) -> Offsets {
        let slot = self.slots[d as usize];
        let mut bytes = vec![0; slot.offset_bytes as usize];
        if !self
            .stream
            .read(slot.at + 4 * u64::from(slot.words), &mut bytes)
        {
            return Offsets::default();
        }
        Offsets::read(&bytes, slot.words as usize).unwrap_or_else(|| {
            self.stream.damaged();
            Offsets::default()
        })
    }

    /// The first read of the spill file that failed, if any.
    pub(super) fn failure(&self) -> Option<io::Error> {
        self.stream.failure()
    }
}

/// Every document's block table as analysis left it (see the module
/// documentation).
#[derive(Debug, Default)]
pub(super) struct Tables {
    /// Where each document's table ends in the stream (it starts where the
    /// one before ends).
    ends: Vec<u64>,
    pub(super) stream: Stream,
}

impl Tables {
    /// Heap bytes held for tables (chunks not yet spilled, and the ends).
    #[cfg(test)]
    pub(super) fn heap_bytes(&self) -> usize {
        self.stream.held + self.ends.capacity() * std::mem::size_of::<u64>()
    }

    /// Append the next document's block table.
    #[cfg(test)]
    pub(super) fn push(&mut self, blocks: &[Block]) -> io::Result<()> {
        let mut bytes = Vec::new();
        table::write(blocks, &mut bytes);
        self.push_encoded(&bytes)
    }

    /// Append the next document's block table in its binary form
    /// ([`table::write`]).
    pub(super) fn push_encoded(&mut self, bytes: &[u8]) -> io::Result<()> {
        let at = self
            .stream
            .append(bytes.len(), |out| out.extend_from_slice(bytes))?;
        self.ends.push(at + bytes.len() as u64);
        Ok(())
    }

    fn start(&self, d: u32) -> u64 {
        match d {
            0 => 0,
            _ => self.ends[d as usize - 1],
        }
    }

    /// Document `d`'s block table (empty when it cannot be read back,
    /// which is recorded as a failure).
    pub(super) fn get(&self, d: u32) -> Vec<Block> {
        self.range(d..d + 1).pop().unwrap_or_default()
    }

    /// The block tables of documents `docs`, in order, read with one read
    /// (each empty when they cannot be read back, which is recorded).
    pub(super) fn range(&self, docs: Range<u32>) -> Vec<Vec<Block>> {
        let n = docs.len();
        if n == 0 {
            return Vec::new();
        }
        let from = self.start(docs.start);
        let mut bytes = vec![0; (self.ends[docs.end as usize - 1] - from) as usize];
        if !self.stream.read(from, &mut bytes) {
            return vec![Vec::new(); n];
        }
        docs.map(|d| {
            let (s, e) = (self.start(d) - from, self.ends[d as usize] - from);
            table::read(&bytes[s as usize..e as usize]).unwrap_or_else(|| {
                self.stream.damaged();
                Vec::new()
            })
        })
        .collect()
    }

    /// The first read of the spill file that failed, if any.
    pub(super) fn failure(&self) -> Option<io::Error> {
        self.stream.failure()
    }
}

#[cfg(unix)]
fn read_at(file: &File, out: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, at)
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(windows)]
fn read_at(file: &File, mut out: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !out.is_empty() {
        match file.seek_read(out, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                out = &mut out[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_at(file: &File, mut bytes: &[u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        match file.seek_write(bytes, at)? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => {
                bytes = &bytes[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

/// Whole documents' tokens, each read once while one task visits them.
pub(super) struct Cache<'s> {
    store: &'s Store,
    docs: rustc_hash::FxHashMap<u32, Vec<u32>>,
    /// Documents held before [`Cache::trim`] lets them go.
    limit: usize,
}

impl<'s> Cache<'s> {
    pub(super) fn new(store: &'s Store, limit: usize) -> Self {
        Cache {
            store,
            docs: rustc_hash::FxHashMap::default(),
            limit,
        }
    }

    /// Read document `d` unless held.
    pub(super) fn load(&mut self, d: u32) {
        let store = self.store;
        self.docs.entry(d).or_insert_with(|| {
            let mut tokens = Vec::new();
            store.tokens(d, &mut tokens);
            tokens
        });
    }

    /// The tokens of `d`, which must have been [`load`](Self::load)ed since
    /// the last [`trim`](Self::trim) (else none).
    pub(super) fn get(&self, d: u32) -> &[u32] {
        self.docs.get(&d).map_or(&[], Vec::as_slice)
    }

    /// Let every document go once more than `limit` are held.
    pub(super) fn trim(&mut self) {
        if self.docs.len() > self.limit {
            self.docs.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets_of(n: u32) -> Offsets {
        let mut o = Offsets::default();
        for i in 0..n {
            o.push(6 * i, 6 * i + 5);
        }
        o
    }

    /// A block table of one block per hundred tokens, every third removed.
    fn blocks_of(n: u32) -> Vec<Block> {
        use crate::clean::{Evidence, Form, Status};
        (0..n.div_ceil(100))
            .map(|i| Block {
                span: crate::Span {
                    start: 600 * i as usize,
                    end: (6 * (100 * i + 100).min(n)) as usize,
                },
                start: 100 * i,
                end: (100 * i + 100).min(n),
                key: u64::from(i ^ n),
                form: Form::Paragraph,
                status: if i % 3 == 2 {
                    Status::Removed(Box::new(Evidence::Repeated {
                        first: crate::Span { start: 0, end: 5 },
                    }))
                } else {
                    Status::Content
                },
            })
            .collect()
    }

    fn fill(store: &mut Store, tables: &mut Tables) -> Vec<Vec<u32>> {
        // Records of every size up to past a chunk, so that chunks fill,
        // spill and hold an oversized record alone.
        let sizes = [0usize, 1, 700, 3, CHUNK / 4 + 5, 64, CHUNK / 3, 9, 65];
        let mut docs = Vec::new();
        for (k, &n) in sizes.iter().cycle().take(40).enumerate() {
            let tokens: Vec<u32> = (0..n as u32)
                .map(|i| i.wrapping_mul(2654435761) ^ k as u32)
                .collect();
            let words = Words {
                tokens: tokens.clone(),
                offsets: offsets_of(n as u32),
                blocks: blocks_of(n as u32),
            };
            store.push(&words).unwrap();
            tables.push(&words.blocks).unwrap();
            docs.push(tokens);
        }
        docs
    }

    fn check(store: &Store, tables: &Tables, docs: &[Vec<u32>]) {
        let all = tables.range(0..docs.len() as u32);
        assert_eq!(all.len(), docs.len());
        for (d, want) in docs.iter().enumerate() {
            assert_eq!(all[d], blocks_of(want.len() as u32), "document {d}");
            let some = tables.range(d as u32..(d + 3).min(docs.len()) as u32);
            assert_eq!(some[0], all[d]);
        }
        let mut buf = Vec::new();
        for (d, want) in docs.iter().enumerate() {
            let d32 = d as u32;
            store.tokens(d32, &mut buf);
            assert_eq!(&buf, want, "document {d}");
            let o = store.offsets(d32);
            assert_eq!(o.len(), want.len());
            assert_eq!(tables.get(d32), blocks_of(want.len() as u32));
            if !want.is_empty() {
                assert_eq!(
                    o.get(want.len() - 1),
                    (6 * (want.len() as u32 - 1), 6 * want.len() as u32 - 1)
                );
                store.tokens_in(d32, want.len() / 2, want.len() / 2 + 3, &mut buf);
                let to = (want.len() / 2 + 3).min(want.len());
                assert_eq!(&buf[..], &want[want.len() / 2..to]);
                let mut cache = Cache::new(store, 0);
                cache.load(d32);
                assert_eq!(cache.get(d32), &want[..]);
                cache.trim();
                assert!(cache.get(d32).is_empty());
            }
        }
        assert!(store.failure().is_none());
        assert!(tables.failure().is_none());
    }

    #[test]
    fn records_read_back_from_memory() {
        let (mut store, mut tables) = (Store::default(), Tables::default());
        let docs = fill(&mut store, &mut tables);
        check(&store, &tables, &docs);
    }

    #[test]
    fn records_read_back_from_the_spill_file_holding_one_chunk() {
        let (mut store, mut tables) = (Store::default(), Tables::default());
        store.stream.spill_to(tempfile::tempfile().unwrap(), 0);
        tables.stream.spill_to(tempfile::tempfile().unwrap(), 0);
        tables.stream.limit_chunks(0);
        let docs = fill(&mut store, &mut tables);
        assert!(
            store.heap_bytes() < 2 * CHUNK,
            "{} bytes held",
            store.heap_bytes()
        );
        check(&store, &tables, &docs);
    }
}
