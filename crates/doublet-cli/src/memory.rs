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

/// What the run is doing now, named if the bound is reached.
pub fn phase(p: Phase) {
    #[cfg(unix)]
    crate::alloc::phase(p);
    #[cfg(not(unix))]
    let _ = p;
}
