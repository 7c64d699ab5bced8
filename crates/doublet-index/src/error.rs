//! The index's error type, and the store's faults before they are placed.

use std::path::{Path, PathBuf};

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
    /// A stored record failed its checksum or could not be decoded.
    #[error(
        "{}: the index is damaged: {detail}; `doublet index check` lists what is damaged, \
         and a copy of the index from before the damage will work",
        path.display()
    )]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What was found.
        detail: String,
    },
    /// The store failed (an I/O error, or a store that cannot be used).
    #[error("{}: {message}", path.display())]
    Store {
        /// The store file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The disk holding the index is full: nothing of the batch (or the
    /// eviction) was stored.
    #[error(
        "{}: no space left on the device ({message}); nothing of this change was stored. {advice}",
        path.display()
    )]
    NoSpace {
        /// The store file.
        path: PathBuf,
        /// The failure as the system reported it.
        message: String,
        /// What was done about the room the failed change took in the
        /// file, or what to run.
        advice: String,
    },
    /// A change to an index opened read-only.
    #[error(
        "{}: the index is read-only here (its folder or store file cannot be written); \
         it answers queries, stats and checks, not changes",
        .0.display()
    )]
    ReadOnly(PathBuf),
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

/// A failure inside the index before it is placed: the store's own errors
/// say what failed, not where, so the index names its file when it hands
/// one out ([`Fault::at`]).
#[derive(Debug)]
pub(crate) enum Fault {
    /// The store's file failed: an I/O error now, or one earlier that left
    /// the store unusable until it is reopened.
    Failed {
        message: String,
        /// The device is full (ENOSPC).
        no_space: bool,
    },
    /// A record is damaged: it fails its checksum, or the store found a
    /// page it cannot read.
    Corrupt(String),
    /// Anything else the store refused.
    Store(String),
    /// Already a placed error.
    Placed(Error),
}

impl Fault {
    /// The public error, naming the store file (`dir/index.redb`).
    pub(crate) fn at(self, dir: &Path, store: &Path) -> Error {
        match self {
            Fault::Failed {
                message,
                no_space: true,
            } => Error::NoSpace {
                path: store.to_path_buf(),
                message,
                advice: format!(
                    "Free some space, then run `doublet index compact {}` to give back the \
                     room the failed change took in the file",
                    dir.display()
                ),
            },
            Fault::Failed { message, .. } | Fault::Store(message) => Error::Store {
                path: store.to_path_buf(),
                message,
            },
            Fault::Corrupt(detail) => Error::Corrupt {
                path: store.to_path_buf(),
                detail,
            },
            Fault::Placed(e) => e,
        }
    }
}

impl From<Error> for Fault {
    fn from(e: Error) -> Self {
        Fault::Placed(e)
    }
}

impl From<doublet::Error> for Fault {
    fn from(e: doublet::Error) -> Self {
        Fault::Placed(Error::Engine(e))
    }
}

impl From<redb::Error> for Fault {
    fn from(e: redb::Error) -> Self {
        use redb::Error as R;
        match e {
            R::Io(cause) => Fault::Failed {
                no_space: cause.kind() == std::io::ErrorKind::StorageFull,
                message: cause.to_string(),
            },
            // The store latches an I/O failure and refuses everything after
            // it until it is reopened, which the index does.
            R::PreviousIo | R::DatabaseClosed => Fault::Failed {
                message: "the store failed earlier and must be reopened".into(),
                no_space: false,
            },
            R::Corrupted(detail) => Fault::Corrupt(detail),
            e => Fault::Store(e.to_string()),
        }
    }
}

macro_rules! store_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for Fault {
            fn from(e: $t) -> Self {
                redb::Error::from(e).into()
            }
        }
    )*};
}

store_errors!(
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
