//! Printers: turn a report into text for people.

pub mod eval;
pub mod html;
pub mod side_by_side;
pub mod word_diff;
pub mod summary;

/// A byte count for people: KB below a megabyte, MB below a gigabyte, GB
/// above (decimal units, one decimal).
pub fn size(bytes: usize) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} KB", b / 1e3)
    }
}
