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
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
