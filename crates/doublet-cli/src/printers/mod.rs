//! Printers: turn a report into text for people.

pub mod eval;
pub mod html;
pub mod side_by_side;
pub mod summary;
pub mod word_diff;

use std::collections::HashSet;

use doublet::report::{PairRelation, PairReport};
use doublet::Report;

/// A pair that shares passages is a near miss when its Jaccard similarity or
/// containment comes within this much below the duplicate thresholds: the
/// summary and the page say so ("below threshold, J 0.66") rather than file
/// an edited copy with quotations.
pub const NEAR_MISS: f64 = 0.2;

/// How close a pair came to being a duplicate, as the summary and the page
/// say it. The page receives it as its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closeness {
    /// A duplicate, or a pair sharing passages and nothing more.
    Apart = 0,
    /// Shares passages; Jaccard similarity within [`NEAR_MISS`] below the
    /// threshold (and containment below its own).
    NearByJaccard = 1,
    /// Shares passages; containment within [`NEAR_MISS`] below its
    /// threshold (Jaccard similarity further off).
    NearByContainment = 2,
    /// Shares passages although a score reaches a threshold: one of the two
    /// has too little content to be judged a duplicate.
    Unjudged = 3,
}

impl Closeness {
    /// The closeness of `p`; `unjudged` names the documents with too
    /// little content to be judged.
    pub fn of(report: &Report, p: &PairReport, unjudged: &HashSet<&str>) -> Closeness {
        if p.relation != PairRelation::SharedPassages {
            return Closeness::Apart;
        }
        let (j, c) = (p.jaccard, p.a_in_b.max(p.b_in_a));
        let (tj, tc) = (report.config.threshold, report.config.containment);
        if j >= tj || c >= tc {
            let short = unjudged.contains(p.a.as_str()) || unjudged.contains(p.b.as_str());
            return if short {
                Closeness::Unjudged
            } else {
                Closeness::Apart
            };
        }
        if j >= tj - NEAR_MISS {
            Closeness::NearByJaccard
        } else if c >= tc - NEAR_MISS {
            Closeness::NearByContainment
        } else {
            Closeness::Apart
        }
    }

    /// Whether the pair is worth showing word by word, like a duplicate.
    pub fn close(self) -> bool {
        self != Closeness::Apart
    }
}

/// The documents of `report` with too little content to be judged.
pub fn unjudged(report: &Report) -> HashSet<&str> {
    report
        .documents
        .iter()
        .filter(|d| d.too_little_content)
        .map(|d| d.id.as_str())
        .collect()
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
