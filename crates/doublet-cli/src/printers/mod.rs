//! Printers: turn a report into text for people.

pub mod summary;
