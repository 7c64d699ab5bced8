//! Running out of memory is an error like any other: exit status 2 and one
//! line, not an abort with a backtrace.
//!
//! The standard library's answer to a failed allocation is
//! `handle_alloc_error`: "memory allocation of N bytes failed" and SIGABRT
//! (status 134). doublet's allocator is the system one, except that a null
//! result ends the process itself: it deletes the run's unfinished
//! temporary outputs, writes one line to standard error and exits with
//! status 2. Nothing on that path allocates: the message is formatted into
//! a buffer on the stack and written with `write(2)`, the process ends with
//! `_exit(2)` (no destructors, no stdio flushing, no atexit handlers that
//! could allocate), and the temporaries are deleted by
//! [`doublet_io::remove_unfinished_in_place`], which only unlinks.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

/// [`System`], with failure turned into exit status 2.
pub struct ExitOnOutOfMemory;

// SAFETY: every method forwards to `System` with the same arguments; the
// only addition happens when `System` returned null, and it never returns.
unsafe impl GlobalAlloc for ExitOnOutOfMemory {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Set by the first thread to run out of memory; any other that follows
/// waits for it to end the process, so the message is written once.
static FAILED: AtomicBool = AtomicBool::new(false);

#[cold]
fn out_of_memory(bytes: usize) -> ! {
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
    let mut buf = [0u8; 160];
    let mut len = 0;
    for part in [
        b"doublet: out of memory (could not allocate ".as_slice(),
        decimal(bytes, &mut [0u8; 20]),
        b" bytes); set --max-memory lower or split the input\n",
    ] {
        buf[len..len + part.len()].copy_from_slice(part);
        len += part.len();
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
}
