//! The engine's error type.

use thiserror::Error;

/// Everything that can go wrong inside the engine.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range or inconsistent.
    #[error("invalid setting `{field}`: {reason}")]
    Config {
        /// The setting's name as users write it (`threshold`, `ngram`, ...).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Two input documents carry the same id.
    #[error("duplicate document id {id:?} (documents #{first} and #{second} in input order)")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Input position of the first document with this id.
        first: usize,
        /// Input position of the second one.
        second: usize,
    },
    /// Input past one of the engine's fixed limits (docs/limits.md).
    #[error("{0}")]
    Limit(String),
    /// The documents read so far already need more memory than allowed.
    #[error(
        "memory budget of {budget} bytes reached after {documents} documents \
         (about {needed} bytes needed by then, {per_document} per document)"
    )]
    MemoryBudget {
        /// The budget set with [`Scanner::with_memory_budget`](crate::Scanner::with_memory_budget).
        budget: usize,
        /// What the run would hold at its peak for the documents read so far.
        needed: usize,
        /// Documents read when the budget ran out.
        documents: usize,
        /// `needed / documents`, to size a budget for the whole corpus.
        per_document: usize,
    },
    /// The spill file ([`Scanner::with_spill`](crate::Scanner::with_spill))
    /// could not be written or read back.
    #[error("temporary spill file: {0}")]
    Spill(#[source] std::io::Error),
    /// The documents a batch is decided against could not be read
    /// ([`crate::pipeline::prior::Prior`]).
    #[error("{0}")]
    Prior(String),
    /// A sketch's binary form could not be read ([`crate::DocSketch::from_bytes`]).
    #[error("malformed sketch: {0}")]
    Sketch(String),
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
