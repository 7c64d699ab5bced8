//! Printers: turn a report into text for people.

pub mod eval;
pub mod html;
pub mod side_by_side;
pub mod summary;
pub mod word_diff;

use doublet::report::{PairRelation, PairReport};
use doublet::Report;

/// A pair that shares passages is a near miss when its Jaccard similarity or
/// containment comes within this much of the duplicate thresholds: the
/// summary and the page say so ("below threshold, J 0.66") rather than file
/// an edited copy with quotations.
pub const NEAR_MISS: f64 = 0.2;

/// Whether a pair that shares passages came close to being a duplicate:
/// below both thresholds, and within [`NEAR_MISS`] of one. (A pair above
/// them that only shares passages holds a document with too little content
/// to be judged.)
pub fn near_miss(report: &Report, p: &PairReport) -> bool {
    let (j, c) = (p.jaccard, p.a_in_b.max(p.b_in_a));
    let (tj, tc) = (report.config.threshold, report.config.containment);
    p.relation == PairRelation::SharedPassages
        && j < tj
        && c < tc
        && (j >= tj - NEAR_MISS || c >= tc - NEAR_MISS)
}

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
