//! Readers and writers for doublet.
//!
//! * [`readers`]: folders of `.txt` files, single `.txt` files, JSON Lines
//!   (plain, `.gz`, `.zst`) and standard input, streamed record by record;
//! * [`sinks`]: record outputs, JSON Lines or Parquet;
//! * [`tables`]: Parquet files read a batch of rows at a time, and the
//!   Arrow column lookups shared with the Python binding;
//! * [`writers`]: outputs written atomically, all of a run or none;
//! * [`plan`]: the check that no output is an input or another output;
//! * [`settings`]: the overrides every front end applies to a `Config`,
//!   and the passage texts filled in by a second pass.
//!
//! Every error names the file, and the line for JSON Lines.

pub mod error;
mod footer;
pub mod plan;
pub mod readers;
pub mod schema;
pub mod settings;
pub mod sinks;
pub mod tables;
pub mod truth;
pub mod writers;

pub use error::{Error, Result};
pub use readers::{records, Fields, Input, Origin, RawObject, Record};
pub use writers::{
    check_writable, commit, is_special, remove_unfinished, remove_unfinished_in_place,
    write_atomic, write_atomic_with, Output, Unfinished,
};

/// Characters of an id or other user value quoted in a message, at most.
pub const QUOTED_MAX: usize = 200;

/// `value` quoted for a one-line message (as `{:?}` does), cut to
/// [`QUOTED_MAX`] characters with `…` so that a huge id cannot flood the
/// terminal.
pub fn quoted(value: &str) -> String {
    match value.char_indices().nth(QUOTED_MAX) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}
