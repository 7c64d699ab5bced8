//! Printers: turn a report into text for people.

pub mod eval;
pub mod html;
pub mod side_by_side;
pub mod summary;
