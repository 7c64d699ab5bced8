//! The index's error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong with an index.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine refused (settings, limits, documents).
    #[error(transparent)]
    Engine(#[from] doublet::Error),
    /// No index at the path.
    #[error("{}: no doublet index here (create one with `doublet index create`)", .0.display())]
    Missing(PathBuf),
    /// An index already exists where one was to be created.
    #[error("{}: an index already exists here", .0.display())]
    Exists(PathBuf),
    /// The index was written by a doublet that stores it otherwise.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The index folder.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
    /// Another process (a running `doublet serve`, or another command) has
    /// the index open.
    #[error("{}: the index is in use by another process (a running `doublet serve`?)", .0.display())]
    InUse(PathBuf),
    /// Document ids the index already holds: the first by id, and how
    /// many more.
    #[error("document id {id:?} is already in the index{}", if *more > 0 { format!(" (and {more} more of this batch's ids)") } else { String::new() })]
    DuplicateId {
        /// The first such id.
        id: String,
        /// How many more the batch holds.
        more: usize,
    },
    /// A stored record could not be read.
    #[error("the index is damaged: {0}")]
    Corrupt(String),
    /// The store failed.
    #[error("index store: {0}")]
    Store(String),
    /// Reading or writing the index's files (the cause is in the
    /// message, not a source, so it is printed once).
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        cause: std::io::Error,
    },
}

impl Error {
    /// Whether the caller's input is at fault (a bad request), rather than
    /// the index or the machine.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Error::DuplicateId { .. }
                | Error::Engine(doublet::Error::DuplicateId { .. })
                | Error::Engine(doublet::Error::Limit(_))
        )
    }
}

macro_rules! store_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Store(e.to_string())
            }
        }
    )*};
}

store_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::CompactionError,
    redb::SetDurabilityError
);

/// The index's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
