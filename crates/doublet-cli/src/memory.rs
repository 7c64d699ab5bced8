//! The run's memory bound and phases, whatever the platform: on Unix they
//! reach the binary's accounting allocator (`alloc`); elsewhere the bound is
//! the engine's projection alone.

/// The stages of a run, named in the message when `--max-memory` is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Starting,
    Reading,
    Comparing,
    PassageTexts,
    HtmlPage,
    Writing,
}

impl Phase {
    /// Every phase, indexed by its `u8` value.
    pub const ALL: [Phase; 6] = [
        Phase::Starting,
        Phase::Reading,
        Phase::Comparing,
        Phase::PassageTexts,
        Phase::HtmlPage,
        Phase::Writing,
    ];

    /// What the run is doing, as the message says it.
    pub fn describe(self) -> &'static [u8] {
        match self {
            Phase::Starting => b"starting",
            Phase::Reading => b"reading and analysing the documents",
            Phase::Comparing => b"comparing the documents",
            Phase::PassageTexts => b"reading the shared passages' texts",
            Phase::HtmlPage => b"building the HTML page",
            Phase::Writing => b"writing the outputs",
        }
    }
}

/// What the one line advises when the bound is reached or the system
/// refuses memory: only what the command can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Advice {
    /// The corpus commands: more memory, or less input at a time.
    Corpus,
    /// `compare`: two documents, which no split makes smaller.
    TwoDocuments,
}

impl Advice {
    /// Every advice, indexed by its `u8` value.
    pub const ALL: [Advice; 2] = [Advice::Corpus, Advice::TwoDocuments];

    /// The end of the line when `--max-memory` is reached.
    pub fn over_limit(self) -> &'static [u8] {
        match self {
            Advice::Corpus => b"; raise --max-memory or split the input",
            Advice::TwoDocuments => b"; raise --max-memory",
        }
    }

    /// The end of the line when the system refuses memory.
    pub fn out_of_memory(self) -> &'static [u8] {
        match self {
            Advice::Corpus => b"; set --max-memory lower or split the input",
            Advice::TwoDocuments => {
                b"; the machine cannot hold the comparison of these two documents"
            }
        }
    }
}

/// What a failure of memory advises from now on ([`Advice::Corpus`] until
/// set).
pub fn advice(a: Advice) {
    #[cfg(unix)]
    crate::alloc::advice(a);
    #[cfg(not(unix))]
    let _ = a;
}

/// Bound the process's heap to `bytes` (`--max-memory`).
pub fn limit(bytes: usize) {
    #[cfg(unix)]
    crate::alloc::limit(bytes);
    #[cfg(not(unix))]
    let _ = bytes;
}

/// Lift the bound for the final commit of the outputs: its renames happen
/// under the lock the out-of-memory path needs to delete temporaries, so a
/// refusal there could leave some outputs renamed and others not. What it
/// allocates is a few paths; the outputs themselves are complete by then.
pub fn unbounded_for_commit() {
    limit(usize::MAX);
}

/// Give the free memory of the calling thread's heap, and of heaps whose
/// threads ended, back to the system now, so that what a stage freed is
/// not carried, resident, under the next one's (mimalloc returns the
/// worker threads' free pages itself, after a short delay). Called between
/// the corpus-wide stages; a few milliseconds each.
#[cfg(unix)]
pub fn give_back() {
    // SAFETY: mi_collect only returns the allocator's free pages to the
    // system; it touches no live allocation.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// Elsewhere the allocator is the system's and keeps its own counsel.
#[cfg(not(unix))]
pub fn give_back() {}

/// Have the allocator return freed pages to the system 10 ms after they
/// are free (mimalloc 2's default), not a second after (mimalloc 3's):
/// within a stage that frees one structure and builds the next, the long
/// delay keeps both resident. At 1M heavy-reuse documents a `dedup` peaked
/// at 0.97–1.04 GB resident with the second and 0.93–0.96 GB with 10 ms,
/// in the same time; a 100k `scan` at 0.30 GB and 0.25 GB. (Purging at
/// once cost a fifth more time.) Called first thing in `main`; a delay
/// set in the environment (`MIMALLOC_PURGE_DELAY`, in milliseconds) is
/// left as it is.
#[cfg(unix)]
pub fn purge_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // `mi_option_purge_delay` of mimalloc.h, the sixteenth option in
    // mimalloc 2 and 3 alike; `libmimalloc-sys` names only those before it.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option only changes when mimalloc purges free
    // pages; it touches no allocation.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
    }
}

/// Elsewhere the allocator is the system's.
#[cfg(not(unix))]
pub fn purge_soon() {}

/// When the process started, for the `DOUBLET_TIMINGS` lines.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Start the clock of the `DOUBLET_TIMINGS` lines (at the top of `main`).
pub fn start_clock() {
    STARTED.get_or_init(std::time::Instant::now);
    #[cfg(unix)]
    if std::env::var_os("DOUBLET_TIMINGS").is_some() {
        heap_max_since();
    }
}

/// With `DOUBLET_TIMINGS` set, one line on standard error: the seconds
/// since the start, what the run begins or has done, and where its memory
/// stands.
pub fn timing(what: &str) {
    if std::env::var_os("DOUBLET_TIMINGS").is_none() {
        return;
    }
    let at = STARTED
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64();
    eprintln!("doublet: {at:9.2} s  {what}  ({})", standing());
}

/// The most heap in use since the last `DOUBLET_TIMINGS` line, sampled
/// every 10 ms by a thread of its own (started by the first line).
#[cfg(unix)]
static HEAP_MAX: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The sampled maximum since the last call, which starts the next period.
#[cfg(unix)]
fn heap_max_since() -> usize {
    use std::sync::atomic::Ordering;
    static SAMPLER: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    SAMPLER.get_or_init(|| {
        std::thread::spawn(|| loop {
            HEAP_MAX.fetch_max(crate::alloc::live(), Ordering::Relaxed);
            std::thread::sleep(std::time::Duration::from_millis(10));
        });
    });
    let live = crate::alloc::live();
    HEAP_MAX.swap(live, Ordering::Relaxed).max(live)
}

/// Where the run's memory stands, for the `DOUBLET_TIMINGS` lines: heap
/// bytes in use (Unix, from the accounting allocator) and the process's
/// peak resident size so far (Linux, from `/proc/self/status`).
pub fn standing() -> String {
    #[cfg(unix)]
    let heap = format!(
        "heap {:.2} GB, at most {:.2} GB since the line before",
        crate::alloc::live() as f64 / 1e9,
        heap_max_since() as f64 / 1e9
    );
    #[cfg(not(unix))]
    let heap = String::new();
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", peak RSS {:.2} GB", kb * 1024.0 / 1e9))
        })
        .unwrap_or_default();
    heap + &peak + &cpu()
}

/// The process's CPU time so far, user and system (Unix), so that a
/// `DOUBLET_TIMINGS` line shows how busy the cores were since the last.
fn cpu() -> String {
    #[cfg(unix)]
    {
        // SAFETY: `getrusage` only writes the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
            let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            return format!(
                ", CPU {:.1} s user {:.1} s system",
                secs(usage.ru_utime),
                secs(usage.ru_stime)
            );
        }
    }
    String::new()
}

/// What the run is doing now, named if the bound is reached.
pub fn phase(p: Phase) {
    #[cfg(unix)]
    crate::alloc::phase(p);
    #[cfg(not(unix))]
    let _ = p;
}
