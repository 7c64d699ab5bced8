//! Readers and writers for doublet.
//!
//! * [`readers`]: folders of `.txt` files, single `.txt` files, JSON Lines
//!   (plain, `.gz`, `.zst`) and standard input, streamed record by record;
//! * [`writers`]: JSON Lines outputs written atomically.
//!
//! Every error names the file, and the line for JSON Lines.

pub mod error;
pub mod readers;
pub mod truth;
pub mod writers;

pub use error::{Error, Result};
pub use readers::{records, Fields, Input, Origin, Record};
pub use writers::{
    check_writable, remove_unfinished, write_atomic, write_atomic_with, AtomicJsonLines, Unfinished,
};
