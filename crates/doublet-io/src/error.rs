//! Errors of reading and writing, each naming the file (and line).

use std::path::PathBuf;

use thiserror::Error;

/// A reading or writing failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The file or folder could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line of a JSON Lines file is not valid.
    #[error("{}:{line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A row of a Parquet file cannot be read as a document.
    #[error("{}: row {row}: {message}", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// 0-based row number.
        row: u64,
        /// What is wrong.
        message: String,
    },
    /// Reading failed part-way (a truncated or corrupt compressed stream).
    #[error("{}:{line}: read failed: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// 1-based line being read.
        line: u64,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A document or JSON Lines line is larger than the limit (the
    /// `--max-memory` budget, at most 4 GiB); reading stops there.
    #[error("{}{}: record larger than {limit} bytes, the most one document may hold (a quarter of the --max-memory budget, at most 4 GiB)", path.display(), line.map_or(String::new(), |l| format!(":{l}")))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// 1-based line, for JSON Lines.
        line: Option<u64>,
        /// The limit in bytes.
        limit: u64,
    },
    /// The input names something doublet cannot read.
    #[error("{}: {message}", path.display())]
    Unsupported {
        /// The path as given.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// True for a problem confined to one record (a malformed or incomplete
    /// line, a Parquet row with a null text), after which reading can go
    /// on; false for failures of the file itself.
    pub fn is_record_error(&self) -> bool {
        matches!(self, Error::Line { .. } | Error::Row { .. })
    }
}

/// The I/O result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
