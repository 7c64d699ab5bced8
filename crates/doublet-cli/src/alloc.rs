//! The binary's allocator: mimalloc, with an account of the heap in use,
//! so that `--max-memory` is a bound rather than an estimate, and with
//! running out of memory turned into an error like any other (exit status 2
//! and one line, not an abort with a backtrace).
//!
//! mimalloc rather than the C library's allocator: texts are made on the
//! reader's thread and freed on others, which glibc's arenas answer with
//! locking and consolidation. At 100k heavy-reuse documents that was a
//! fifth of the second pass's CPU; with mimalloc the 1M `dedup` is 16 %
//! shorter and its peak resident size 3 % smaller (BENCHMARKS.md).
//!
//! Every allocation, reallocation and release adjusts one counter of live
//! heap bytes. When a limit is set ([`limit`], from `--max-memory`), an
//! allocation that would take the count past it is refused before the system
//! is asked, wherever it happens: reading, the corpus-wide stages, the pair
//! lists, the HTML page, the outputs. The count is of bytes requested; what
//! the process holds besides (the program, thread stacks, the system
//! allocator's own slack) is outside it and is measured in BENCHMARKS.md.
//!
//! The standard library's answer to a failed allocation is
//! `handle_alloc_error`: "memory allocation of N bytes failed" and SIGABRT
//! (status 134). Here a refused or failed allocation ends the process
//! itself: it deletes the run's unfinished temporary outputs, writes one line
//! to standard error and exits with status 2. Nothing on that path allocates:
//! the message is formatted into a buffer on the stack and written with
//! `write(2)`, the process ends with `_exit(2)` (no destructors, no stdio
//! flushing, no atexit handlers that could allocate), and the temporaries are
//! deleted by [`doublet_io::remove_unfinished_in_place`], which only unlinks.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use mimalloc::MiMalloc;

use crate::memory::{Advice, Phase};

/// Heap bytes in use (requested sizes of live allocations).
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The `--max-memory` bound; `usize::MAX` when none is set.
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
/// What the run is doing, for the message when the bound is reached.
static PHASE: AtomicU8 = AtomicU8::new(Phase::Starting as u8);
/// What the message advises.
static ADVICE: AtomicU8 = AtomicU8::new(Advice::Corpus as u8);

/// Bound the heap to `bytes` from now on.
pub fn limit(bytes: usize) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// Heap bytes in use now.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Record what the run is doing now.
pub fn phase(p: Phase) {
    PHASE.store(p as u8, Ordering::Relaxed);
}

/// Record what a failure advises.
pub fn advice(a: Advice) {
    ADVICE.store(a as u8, Ordering::Relaxed);
}

fn current_advice() -> Advice {
    Advice::ALL
        .get(ADVICE.load(Ordering::Relaxed) as usize)
        .copied()
        .unwrap_or(Advice::Corpus)
}

/// Count `bytes` more in use, or refuse if that passes the limit.
#[inline]
fn reserve(bytes: usize) -> bool {
    let before = LIVE.fetch_add(bytes, Ordering::Relaxed);
    let after = before.saturating_add(bytes);
    if after > LIMIT.load(Ordering::Relaxed) {
        LIVE.fetch_sub(bytes, Ordering::Relaxed);
        return false;
    }
    true
}

#[inline]
fn release(bytes: usize) {
    LIVE.fetch_sub(bytes, Ordering::Relaxed);
}

/// [`MiMalloc`], with an account of the heap in use and failure turned into
/// exit status 2.
pub struct Accounted;

// SAFETY: every method forwards to `MiMalloc` with the same arguments; the
// additions only count sizes, and the failure paths never return.
unsafe impl GlobalAlloc for Accounted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            over_limit(layout.size());
        }
        let p = unsafe { MiMalloc.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            over_limit(layout.size());
        }
        let p = unsafe { MiMalloc.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !reserve(new_size - old) {
            over_limit(new_size - old);
        }
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        if new_size < old {
            release(old - new_size);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { MiMalloc.dealloc(ptr, layout) };
        release(layout.size());
    }
}

/// Set by the first thread to fail an allocation; any other that follows
/// waits for it to end the process, so the message is written once.
static FAILED: AtomicBool = AtomicBool::new(false);

/// The system refused memory.
#[cold]
fn out_of_memory(bytes: usize) -> ! {
    fail(&[
        b"doublet: out of memory (could not allocate ",
        decimal(bytes, &mut [0u8; 20]),
        b" bytes)",
        current_advice().out_of_memory(),
        b"\n",
    ])
}

/// The `--max-memory` bound would be passed.
#[cold]
fn over_limit(bytes: usize) -> ! {
    let phase = Phase::ALL
        .get(PHASE.load(Ordering::Relaxed) as usize)
        .copied()
        .unwrap_or(Phase::Starting);
    fail(&[
        b"doublet: error: --max-memory ",
        human(LIMIT.load(Ordering::Relaxed), &mut [0u8; 24]),
        b" reached while ",
        phase.describe(),
        b" (",
        human(LIVE.load(Ordering::Relaxed), &mut [0u8; 24]),
        b" in use, ",
        human(bytes, &mut [0u8; 24]),
        b" more needed)",
        current_advice().over_limit(),
        b"\n",
    ])
}

/// Delete the unfinished outputs, write `parts` as one line, exit 2.
fn fail(parts: &[&[u8]]) -> ! {
    if FAILED.swap(true, Ordering::SeqCst) {
        loop {
            // SAFETY: pause(2) only waits for a signal.
            unsafe { libc::pause() };
        }
    }
    // Unlinks only; gives up (leaving the hidden `.doublet-*.tmp` names)
    // if the failing thread itself holds the list, which a thread does
    // while registering a new temporary file.
    doublet_io::remove_unfinished_in_place();
    let mut buf = [0u8; 400];
    let mut len = 0;
    for part in parts {
        let n = part.len().min(buf.len() - len);
        buf[len..len + n].copy_from_slice(&part[..n]);
        len += n;
    }
    write_all(&buf[..len]);
    // SAFETY: _exit(2) ends the process at once; nothing after it runs.
    unsafe { libc::_exit(2) }
}

/// `n` in decimal, written at the end of `out`.
fn decimal(mut n: usize, out: &mut [u8; 20]) -> &[u8] {
    let mut i = out.len();
    loop {
        i -= 1;
        out[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &out[i..];
        }
    }
}

/// `n` bytes as the CLI prints sizes elsewhere ("420.0 MB", "20.0 KB"),
/// without allocating.
fn human(n: usize, out: &mut [u8; 24]) -> &[u8] {
    let (unit, scale): (&[u8], usize) = if n >= 1_000_000_000 {
        (b" GB", 100_000_000)
    } else if n >= 1_000_000 {
        (b" MB", 100_000)
    } else {
        (b" KB", 100)
    };
    // Tenths of the unit, rounded half up.
    let tenths = n / scale + usize::from(n % scale >= scale / 2);
    let mut digits = [0u8; 20];
    let whole = decimal(tenths / 10, &mut digits);
    let mut len = 0;
    for part in [whole, b".", &[b'0' + (tenths % 10) as u8], unit] {
        out[len..len + part.len()].copy_from_slice(part);
        len += part.len();
    }
    &out[..len]
}

fn write_all(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live buffer.
        let n = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        if n <= 0 {
            // EINTR: try again; anything else: nowhere left to say it.
            if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_every_digit() {
        for n in [0, 7, 10, 1234567, usize::MAX] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string().as_bytes());
        }
    }

    #[test]
    fn human_sizes_match_the_printers() {
        for n in [
            0,
            999,
            20_000,
            1_049_999,
            420_000_000,
            1_500_000_000,
            usize::MAX,
        ] {
            let ours = String::from_utf8(human(n, &mut [0; 24]).to_vec()).unwrap();
            assert_eq!(ours, crate::printers::size(n), "{n}");
        }
    }

    #[test]
    fn the_account_follows_allocations() {
        // Other tests of this binary allocate at the same time, but none
        // holds anywhere near 50 MB.
        let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(50_000_000));
        assert!(LIVE.load(Ordering::Relaxed) >= 50_000_000);
        drop(std::hint::black_box(v));
        assert!(LIVE.load(Ordering::Relaxed) < 50_000_000);
    }
}
