//! Keyed steps: records emitted by parallel producers, sorted by key, and
//! read back in key order, within a memory budget.
//!
//! A corpus-wide step that would hold something for every document (the
//! pair keys each document holds, every proposal of a candidate source)
//! instead emits fixed-width records into a [`Sorter`]. Each thread fills
//! its own buffer; a full buffer is sorted and written as one *run* to an
//! unlinked temporary file (nothing is left behind, whatever stops the
//! process); [`Sorter::finish`] merges the runs (and what the buffers still
//! hold) back into one stream in order. When everything fits the budget
//! nothing touches the disk and the stream is one in-memory sort.
//!
//! A record is any plain-old-data type ([`bytemuck::Pod`]) whose order is
//! its key order, such as `u64` or `[u64; 2]`. The order is total and a
//! record is its bytes, so the stream is the same whatever the budget, the
//! thread count or the order records were emitted in: runs only decide
//! where the sorting happens. (The `extsort` crate sorts by segment count,
//! pushes from one thread and names its segment files in a temporary
//! folder, which a killed run leaves on disk; doublet promises it leaves
//! nothing, and its producers are rayon's threads.)

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

use bytemuck::Pod;
use rayon::prelude::*;

/// How much a [`Sorter`] holds before it writes sorted runs to unlinked
/// files in the system's temporary folder (`$TMPDIR`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Spill {
    /// Bytes of records one sorter holds in memory (`None`: all of them,
    /// never touching the disk).
    budget: Option<usize>,
}

impl Spill {
    /// Everything in memory.
    pub fn in_memory() -> Spill {
        Spill::default()
    }

    /// Runs past `budget` bytes of records.
    pub fn past(budget: usize) -> Spill {
        Spill {
            budget: Some(budget),
        }
    }

    /// Bytes of records one sorter holds in memory (`None`: unbounded).
    pub fn budget(&self) -> Option<usize> {
        self.budget
    }

    fn file(&self) -> io::Result<File> {
        tempfile::tempfile()
    }
}

/// Runs merged at once; more are merged in passes of this many.
const FAN_IN: usize = 64;

/// Bytes read from a run at a time while merging.
const READ_BLOCK: usize = 1 << 16;

/// One sorted run on disk: its file and record count.
struct Run {
    file: File,
    len: usize,
}

/// Sorts records of type `T` emitted from any number of rayon threads,
/// spilling sorted runs past its budget (see the module's documentation).
pub struct Sorter<T> {
    spill: Spill,
    /// Records a buffer holds before it is written as a run.
    cap: usize,
    /// One buffer per rayon thread, and one for any other thread.
    buffers: Vec<Mutex<Vec<T>>>,
    runs: Mutex<Vec<Run>>,
    error: Mutex<Option<io::Error>>,
}

impl<T: Pod + Ord + Send + Sync> Sorter<T> {
    /// An empty sorter spilling as `spill` says.
    pub fn new(spill: &Spill) -> Self {
        let threads = rayon::current_num_threads() + 1;
        let cap = match spill.budget {
            Some(b) => (b / std::mem::size_of::<T>().max(1) / threads).max(1),
            None => usize::MAX,
        };
        Sorter {
            spill: *spill,
            cap,
            buffers: (0..threads).map(|_| Mutex::new(Vec::new())).collect(),
            runs: Mutex::new(Vec::new()),
            error: Mutex::new(None),
        }
    }

    /// Calls `emit` for every item, in parallel; each call pushes its
    /// records onto the vector it is given.
    pub fn emit<I, F>(&self, items: I, emit: F)
    where
        I: IntoParallelIterator,
        F: Fn(I::Item, &mut Vec<T>) + Sync + Send,
    {
        self.emit_with(items, || (), |_, item, out| emit(item, out));
    }

    /// [`emit`](Self::emit) with scratch state that `init` makes for each
    /// thread's share of the items (a signer, buffers).
    pub fn emit_with<I, S, N, F>(&self, items: I, init: N, emit: F)
    where
        I: IntoParallelIterator,
        N: Fn() -> S + Sync + Send,
        F: Fn(&mut S, I::Item, &mut Vec<T>) + Sync + Send,
    {
        items.into_par_iter().for_each_init(
            || (init(), Vec::new()),
            |(state, local): &mut (S, Vec<T>), item| {
                emit(state, item, local);
                self.take(local);
            },
        );
    }

    /// Pushes records from the calling thread.
    pub fn extend(&self, records: impl IntoIterator<Item = T>) {
        let mut local: Vec<T> = records.into_iter().collect();
        self.take(&mut local);
    }

    /// Moves `local` into this thread's buffer, writing the buffer as a run
    /// once it is full.
    fn take(&self, local: &mut Vec<T>) {
        if local.is_empty() {
            return;
        }
        let at = rayon::current_thread_index()
            .map_or(self.buffers.len() - 1, |i| i.min(self.buffers.len() - 2));
        let mut buffer = self.buffers[at].lock().unwrap_or_else(|e| e.into_inner());
        buffer.append(local);
        if buffer.len() >= self.cap {
            buffer.sort_unstable();
            let written = self.write_run(&buffer);
            buffer.clear();
            if let Err(e) = written {
                self.error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
            }
        }
    }

    fn write_run(&self, sorted: &[T]) -> io::Result<()> {
        let run = self.spill_run(sorted)?;
        self.runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(run);
        Ok(())
    }

    fn spill_run(&self, sorted: &[T]) -> io::Result<Run> {
        let mut file = self.spill.file()?;
        file.write_all(bytemuck::cast_slice(sorted))?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Run {
            file,
            len: sorted.len(),
        })
    }

    /// Every record emitted, in order (equal records kept).
    pub fn finish(mut self) -> io::Result<Sorted<T>> {
        if let Some(e) = self.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Err(e);
        }
        let mut runs = std::mem::take(&mut *self.runs.lock().unwrap_or_else(|e| e.into_inner()));
        let buffers: Vec<Vec<T>> = std::mem::take(&mut self.buffers)
            .into_iter()
            .map(|b| b.into_inner().unwrap_or_else(|e| e.into_inner()))
            .filter(|b| !b.is_empty())
            .collect();
        if runs.is_empty() {
            // All in memory: one sort.
            let total: usize = buffers.iter().map(Vec::len).sum();
            let mut buffers = buffers.into_iter();
            let mut all: Vec<T> = buffers.next().unwrap_or_default();
            all.reserve_exact(total - all.len());
            for b in buffers {
                all.extend_from_slice(&b);
            }
            all.par_sort_unstable();
            return Ok(Sorted::memory(all));
        }
        // Once anything spilled, the rest spills too: the stream then holds
        // a block of each run, not up to a budget of records while its
        // reader fills the next step's sorter.
        let mut buffers = buffers;
        buffers.par_iter_mut().for_each(|b| b.sort_unstable());
        for b in buffers {
            runs.push(self.spill_run(&b)?);
        }
        // Too many runs to read at once: merge them in passes.
        while runs.len() > FAN_IN {
            let take = FAN_IN.min(runs.len());
            let batch: Vec<Run> = runs.drain(..take).collect();
            let mut merged: Sorted<T> = Sorted::merging(batch)?;
            let mut file = self.spill.file()?;
            let mut len = 0;
            let mut block: Vec<T> =
                Vec::with_capacity(READ_BLOCK / std::mem::size_of::<T>().max(1));
            loop {
                block.clear();
                block.extend(merged.by_ref().take(block.capacity().max(1)));
                if block.is_empty() {
                    break;
                }
                len += block.len();
                file.write_all(bytemuck::cast_slice(&block))?;
            }
            merged.check()?;
            file.seek(SeekFrom::Start(0))?;
            runs.push(Run { file, len });
        }
        Sorted::merging(runs)
    }
}

/// One run of a merge, read a block at a time.
struct Source<T> {
    file: File,
    /// Records of the run not yet read into `block`.
    left: usize,
    block: Vec<T>,
    at: usize,
}

impl<T: Pod> Source<T> {
    /// The records of its block not yet taken, reading the next block when
    /// they are all taken (empty at the end of the run).
    fn unread(&mut self) -> io::Result<&[T]> {
        if self.at == self.block.len() && self.left > 0 {
            let per = (READ_BLOCK / std::mem::size_of::<T>().max(1)).max(1);
            let n = per.min(self.left);
            self.block.clear();
            self.block.resize(n, T::zeroed());
            self.file
                .read_exact(bytemuck::cast_slice_mut(&mut self.block))?;
            self.left -= n;
            self.at = 0;
        }
        Ok(&self.block[self.at..])
    }
}

/// The records of a [`Sorter`], in order. A read of a run that fails ends
/// the stream; [`Sorted::check`] then returns the error, so a consumer
/// calls it once the stream is read.
///
/// Runs are merged a block at a time rather than a record at a time: the
/// smallest of the last records of the runs' blocks bounds what may come
/// next, so every record up to it, from every run, is taken at once and
/// the pieces (each already in order) sorted together. Runs written in
/// order, each starting at or after the previous one's end (a step that
/// passes a sorted stream on), are simply read one after another.
pub struct Sorted<T> {
    sources: Vec<Source<T>>,
    /// Whether the runs follow one another (read in turn, not merged).
    chained: bool,
    /// Records merged and not yet given out, from `at` on.
    ready: Vec<T>,
    at: usize,
    error: Option<io::Error>,
}

impl<T: Pod + Ord> Sorted<T> {
    fn memory(all: Vec<T>) -> Self {
        Sorted {
            sources: Vec::new(),
            chained: true,
            ready: all,
            at: 0,
            error: None,
        }
    }

    fn merging(runs: Vec<Run>) -> io::Result<Self> {
        let mut sources: Vec<Source<T>> = runs
            .into_iter()
            .filter(|r| r.len > 0)
            .map(|r| Source {
                file: r.file,
                left: r.len,
                block: Vec::new(),
                at: 0,
            })
            .collect();
        // Runs in order: each one's first record at or after the previous
        // one's last.
        let mut chained = true;
        let mut last: Option<T> = None;
        for s in &mut sources {
            let first = s.unread()?.first().copied();
            if let (Some(l), Some(f)) = (last, first) {
                chained &= l <= f;
            }
            last = read_last(s)?;
        }
        Ok(Sorted {
            sources,
            chained,
            ready: Vec::new(),
            at: 0,
            error: None,
        })
    }

    /// The error that ended the stream early, if any.
    pub fn check(&mut self) -> io::Result<()> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Make more records ready (none at the end of the stream).
    fn refill(&mut self) {
        self.ready.clear();
        self.at = 0;
        if let Err(e) = self.merge_more() {
            self.error = Some(e);
            self.sources.clear();
            self.ready.clear();
        }
    }

    fn merge_more(&mut self) -> io::Result<()> {
        if self.chained {
            while let Some(s) = self.sources.first_mut() {
                let block = s.unread()?;
                if block.is_empty() {
                    self.sources.remove(0);
                    continue;
                }
                self.ready.extend_from_slice(block);
                s.at = s.block.len();
                return Ok(());
            }
            return Ok(());
        }
        // Every record up to the least of the blocks' last records.
        let mut bound: Option<T> = None;
        let mut i = 0;
        while i < self.sources.len() {
            match self.sources[i].unread()?.last().copied() {
                None => {
                    self.sources.swap_remove(i);
                }
                Some(last) => {
                    bound = Some(bound.map_or(last, |b: T| b.min(last)));
                    i += 1;
                }
            }
        }
        let Some(bound) = bound else {
            return Ok(());
        };
        for s in &mut self.sources {
            let block = &s.block[s.at..];
            let n = block.partition_point(|r| *r <= bound);
            self.ready.extend_from_slice(&block[..n]);
            s.at += n;
        }
        // Pieces already in order: the stable sort merges its runs.
        self.ready.sort();
        Ok(())
    }

    /// The next records up to at least `min` of them, ending where the key
    /// `key` changes, so that no key's records are split between two
    /// batches (a batch is empty at the end of the stream).
    pub fn batch<K: PartialEq>(&mut self, min: usize, key: impl Fn(&T) -> K) -> Vec<T> {
        let mut out: Vec<T> = Vec::with_capacity(min.min(1 << 20));
        while out.len() < min {
            if self.at == self.ready.len() {
                self.refill();
                if self.ready.is_empty() {
                    return out;
                }
            }
            let n = (min - out.len()).min(self.ready.len() - self.at);
            out.extend_from_slice(&self.ready[self.at..self.at + n]);
            self.at += n;
        }
        if let Some(last) = out.last().map(&key) {
            while let Some(r) = self.peek() {
                if key(&r) != last {
                    break;
                }
                out.push(r);
                self.at += 1;
            }
        }
        out
    }

    /// Calls `each` with every [`batch`](Self::batch) in turn, the next one
    /// merged on a thread of its own while `each` works on the last, then
    /// returns the error that ended the stream early, if any
    /// ([`check`](Self::check)). `each` stops the stream by returning an
    /// error.
    pub fn for_each_batch<K, E>(
        mut self,
        min: usize,
        key: impl Fn(&T) -> K + Send,
        mut each: impl FnMut(Vec<T>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        T: Send,
        K: PartialEq,
        E: From<io::Error>,
    {
        let (send, batches) = std::sync::mpsc::sync_channel::<Vec<T>>(1);
        let merged = std::thread::scope(|scope| {
            let producer = scope.spawn(move || {
                loop {
                    let batch = self.batch(min, &key);
                    if batch.is_empty() || send.send(batch).is_err() {
                        break;
                    }
                }
                self.check()
            });
            let mut stopped = Ok(());
            for batch in batches.iter() {
                stopped = each(batch);
                if stopped.is_err() {
                    break;
                }
            }
            drop(batches);
            stopped.map(|()| producer.join())
        })?;
        match merged {
            Ok(read) => Ok(read?),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    fn peek(&mut self) -> Option<T> {
        if self.at == self.ready.len() {
            self.refill();
        }
        self.ready.get(self.at).copied()
    }
}

/// The last record of a run, read from its end (the file's position is
/// kept).
fn read_last<T: Pod>(s: &mut Source<T>) -> io::Result<Option<T>> {
    if s.left == 0 {
        return Ok(s.block.last().copied());
    }
    let size = std::mem::size_of::<T>() as u64;
    let here = s.file.stream_position()?;
    s.file
        .seek(SeekFrom::Current((s.left as u64 - 1) as i64 * size as i64))?;
    let mut last = T::zeroed();
    s.file.read_exact(bytemuck::bytes_of_mut(&mut last))?;
    s.file.seek(SeekFrom::Start(here))?;
    Ok(Some(last))
}

impl<T: Pod + Ord> Iterator for Sorted<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let r = self.peek()?;
        self.at += 1;
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted_with(records: &[[u64; 2]], spill: &Spill, threads: usize) -> Vec<[u64; 2]> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let sorter = Sorter::new(spill);
            sorter.emit(records.par_chunks(7), |chunk, out| {
                out.extend_from_slice(chunk)
            });
            let mut s = sorter.finish().unwrap();
            let v: Vec<_> = s.by_ref().collect();
            s.check().unwrap();
            v
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Whatever the budget (so however many runs, and merge passes) and
        /// the thread count, the stream is the sorted input.
        #[test]
        fn the_stream_is_the_sort_whatever_the_budget(
            records in proptest::collection::vec((0u64..50, any::<u64>()), 0..3000),
            budget in 1usize..4096,
            threads in 1usize..4,
        ) {
            let records: Vec<[u64; 2]> = records.into_iter().map(|(a, b)| [a, b]).collect();
            let mut want = records.clone();
            want.sort_unstable();
            prop_assert_eq!(&sorted_with(&records, &Spill::in_memory(), threads), &want);
            prop_assert_eq!(&sorted_with(&records, &Spill::past(budget), threads), &want);
        }
    }

    #[test]
    fn a_small_budget_spills_and_merges_in_passes() {
        let records: Vec<u64> = (0..200_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let sorter = Sorter::new(&Spill::past(8 * 1000));
        sorter.emit(records.par_chunks(100), |c, out| out.extend_from_slice(c));
        assert!(
            sorter.runs.lock().unwrap().len() > FAN_IN,
            "the budget must force many runs"
        );
        let mut s = sorter.finish().unwrap();
        let got: Vec<u64> = s.by_ref().collect();
        s.check().unwrap();
        let mut want = records;
        want.sort_unstable();
        assert_eq!(got, want);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Records passed on in order (runs that follow one another, read
        /// in turn) and records out of order (runs merged) give the same
        /// stream, batch by batch on a thread of their own.
        #[test]
        fn runs_in_order_read_in_turn_and_batches_cover_the_stream(
            records in proptest::collection::vec((0u64..40, any::<u64>()), 0..2000),
            budget in 16usize..2048,
            min in 1usize..50,
        ) {
            let mut want: Vec<[u64; 2]> = records.into_iter().map(|(a, b)| [a, b]).collect();
            let as_drawn = want.clone();
            want.sort_unstable();
            for (input, in_order) in [(&want, true), (&as_drawn, false)] {
                let sorter = Sorter::new(&Spill::past(budget));
                sorter.extend(input.iter().copied());
                let sorted = sorter.finish().unwrap();
                if in_order {
                    prop_assert!(sorted.chained);
                }
                let mut got = Vec::new();
                let mut last_key = None;
                sorted.for_each_batch(min, |r| r[0], |batch| {
                    let first = batch[0][0];
                    prop_assert!(last_key.is_none_or(|l| l < first), "a key split between batches");
                    last_key = batch.last().map(|r| r[0]);
                    got.extend(batch);
                    Ok(())
                }).map_err(|e: TestCaseError| e)?;
                prop_assert_eq!(&got, &want);
            }
        }
    }

    #[test]
    fn batches_do_not_split_a_key() {
        let sorter = Sorter::new(&Spill::past(64));
        let records: Vec<[u64; 2]> = (0..1000u64).map(|i| [i % 37, i]).collect();
        sorter.extend(records.iter().copied());
        let mut s = sorter.finish().unwrap();
        let mut seen = Vec::new();
        loop {
            let b = s.batch(10, |r| r[0]);
            if b.is_empty() {
                break;
            }
            let first = b[0][0];
            assert!(
                seen.last().is_none_or(|&l| l < first),
                "a key split between batches"
            );
            seen.extend(b.iter().map(|r| r[0]));
            seen.dedup();
        }
        s.check().unwrap();
        assert_eq!(seen, (0..37).collect::<Vec<_>>());
    }
}
