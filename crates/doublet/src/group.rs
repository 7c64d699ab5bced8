//! Grouping: decide which documents are kept and which are removed as whose
//! duplicate.
//!
//! The rule (design): a document is removed only as the duplicate of a document
//! that is *kept*, and it was *verified* against that very document; there are
//! no chains (A≈B and B≈C never makes A and C twins through B). Documents are
//! visited best first under the keep policy; each one is removed if it is a
//! duplicate of a document already kept, and kept otherwise. Because the
//! visiting order is a total order on (policy key, id) and the verified pairs
//! do not depend on input order or threads, neither does the outcome.

use serde::Serialize;

use crate::verify::Overlap;

/// How a removed document relates to the kept document it duplicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Same normalised content.
    Exact,
    /// Jaccard similarity at or above the threshold.
    NearDuplicate,
    /// Its share of shingles found in the other at or above the containment
    /// threshold.
    Contained,
}

/// The decision for one document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// Position of the kept document this one duplicates, if removed.
    pub duplicate_of: Option<u32>,
    /// The relation to `duplicate_of`.
    pub relation: Option<Relation>,
    /// Measured Jaccard similarity to `duplicate_of`.
    pub jaccard: Option<f64>,
    /// Measured share of this document's shingles found in `duplicate_of`.
    pub containment: Option<f64>,
    /// Kept although its cleaned content is a duplicate of a kept
    /// document's: the match does not hold on its text as written
    /// ([`Thresholds::removal`]).
    pub cleaning_dependent: bool,
}

impl Decision {
    const KEPT: Decision = Decision {
        duplicate_of: None,
        relation: None,
        jaccard: None,
        containment: None,
        cleaning_dependent: false,
    };

    /// True when the document is kept.
    pub fn kept(&self) -> bool {
        self.duplicate_of.is_none()
    }
}

/// A verified pair between two exact-group representatives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verified {
    /// First document position.
    pub a: u32,
    /// Second document position.
    pub b: u32,
    /// Measured overlap (`a_in_b` is the share of `a` found in `b`).
    pub overlap: Overlap,
}

/// Thresholds that make a verified pair a duplicate.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// Jaccard threshold.
    pub jaccard: f64,
    /// Containment threshold.
    pub containment: f64,
    /// The least share of a removed document's text as written that its
    /// kept twin must hold (`containment - written_margin`).
    pub written: f64,
}

impl Thresholds {
    /// The relation under which `x` (with share `x_in_y` found in `y`) is a
    /// duplicate of `y`, if any.
    pub fn relation(&self, jaccard: f64, x_in_y: f64) -> Option<Relation> {
        if jaccard >= self.jaccard {
            Some(Relation::NearDuplicate)
        } else if x_in_y >= self.containment {
            Some(Relation::Contained)
        } else {
            None
        }
    }
}

impl Thresholds {
    /// The relation under which `x` may be removed as the duplicate of
    /// `y`: its [`relation`](Self::relation), when the match also holds on
    /// `x`'s text as written. `x_written` is the share of `x`'s text
    /// (paragraphs it repeats counted once) that cleaning left, so
    /// `x_in_y * x_written` is the share of that text found in `y` through
    /// its content: a lower bound of its containment before cleaning.
    /// Below [`written`](Self::written) the match rests on what cleaning
    /// took away, and the document stays.
    pub fn removal(&self, jaccard: f64, x_in_y: f64, x_written: f64) -> Removal {
        match self.relation(jaccard, x_in_y) {
            None => Removal::No,
            Some(r) if x_in_y * x_written >= self.written => Removal::As(r),
            Some(_) => Removal::CleaningDependent,
        }
    }
}

/// Whether one document may be removed as another's duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// Not a duplicate.
    No,
    /// A duplicate under this relation.
    As(Relation),
    /// A duplicate on its cleaned content only (see [`Thresholds::removal`]).
    CleaningDependent,
}

impl Removal {
    fn relation(self) -> Option<Relation> {
        match self {
            Removal::As(r) => Some(r),
            _ => None,
        }
    }
}

/// For every document, how many verified partners could be removed as its
/// twin (the partner's removal in its favour qualifies). The keep policy
/// uses it to break ties between equally complete copies. `written`: each
/// document's share of its text as written that cleaning left.
pub fn twin_counts(verified: &[Verified], t: Thresholds, written: &[f64]) -> Vec<u32> {
    let mut count = vec![0u32; written.len()];
    for v in verified {
        let (o, a, b) = (v.overlap, v.a as usize, v.b as usize);
        if t.removal(o.jaccard, o.b_in_a, written[b])
            .relation()
            .is_some()
        {
            count[a] += 1;
        }
        if t.removal(o.jaccard, o.a_in_b, written[a])
            .relation()
            .is_some()
        {
            count[b] += 1;
        }
    }
    count
}

/// Decide every document.
///
/// * `order`: document positions, best first under the keep policy;
/// * `rep`: each document's exact-group representative (the group's best);
/// * `verified`: measured pairs between representatives;
/// * `written`: each document's share of its text as written that cleaning
///   left ([`Thresholds::removal`]).
pub fn decide(
    order: &[u32],
    rep: &[u32],
    verified: &[Verified],
    t: Thresholds,
    written: &[f64],
) -> Vec<Decision> {
    let n = rep.len();
    // Each representative's qualifying edges: (other, relation if self is
    // removed in favour of other, jaccard, self_in_other); and the partners
    // it would be a duplicate of on its cleaned content alone.
    let mut edges: Vec<Vec<(u32, Relation, f64, f64)>> = vec![Vec::new(); n];
    let mut dependent: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut edge =
        |x: u32, y: u32, j: f64, x_in_y: f64| match t.removal(j, x_in_y, written[x as usize]) {
            Removal::As(r) => edges[x as usize].push((y, r, j, x_in_y)),
            Removal::CleaningDependent => dependent[x as usize].push(y),
            Removal::No => {}
        };
    for v in verified {
        let o = v.overlap;
        edge(v.a, v.b, o.jaccard, o.a_in_b);
        edge(v.b, v.a, o.jaccard, o.b_in_a);
    }
    let mut position = vec![0u32; n];
    for (p, &d) in order.iter().enumerate() {
        position[d as usize] = p as u32;
    }
    let mut decision = vec![Decision::KEPT; n];
    let mut kept = vec![false; n];
    for &d in order {
        let d = d as usize;
        if rep[d] as usize != d {
            continue; // exact copies follow their representative below
        }
        // The best kept twin: near-duplicates before containments, then the
        // higher score, then the better-ranked document.
        let best = edges[d]
            .iter()
            .filter(|e| kept[e.0 as usize])
            .min_by(|x, y| {
                x.1.cmp(&y.1)
                    .then(y.2.total_cmp(&x.2))
                    .then(y.3.total_cmp(&x.3))
                    .then(position[x.0 as usize].cmp(&position[y.0 as usize]))
            });
        match best {
            Some(&(other, relation, jaccard, containment)) => {
                decision[d] = Decision {
                    duplicate_of: Some(other),
                    relation: Some(relation),
                    jaccard: Some(jaccard),
                    containment: Some(containment),
                    cleaning_dependent: false,
                };
            }
            None => {
                kept[d] = true;
                decision[d].cleaning_dependent = dependent[d].iter().any(|&o| kept[o as usize]);
            }
        }
    }
    for d in 0..n {
        let r = rep[d] as usize;
        if r == d {
            continue;
        }
        decision[d] = if kept[r] {
            Decision {
                duplicate_of: Some(r as u32),
                relation: Some(Relation::Exact),
                jaccard: Some(1.0),
                containment: Some(1.0),
                cleaning_dependent: false,
            }
        } else {
            // Identical content to its representative, so the representative's
            // verified scores against the kept twin are this document's too.
            decision[r]
        };
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Thresholds = Thresholds {
        jaccard: 0.8,
        containment: 0.8,
        written: 0.4,
    };
    const WHOLE: [f64; 3] = [1.0; 3];

    fn pair(a: u32, b: u32, j: f64, a_in_b: f64, b_in_a: f64) -> Verified {
        Verified {
            a,
            b,
            overlap: Overlap {
                jaccard: j,
                a_in_b,
                b_in_a,
            },
        }
    }

    #[test]
    fn no_chains_through_a_removed_document() {
        // 0 ≈ 1, 1 ≈ 2, 0 ≉ 2; 0 is best: 1 goes as 0's twin, 2 stays.
        let v = [pair(0, 1, 0.85, 0.9, 0.9), pair(1, 2, 0.85, 0.9, 0.9)];
        let d = decide(&[0, 1, 2], &[0, 1, 2], &v, T, &WHOLE);
        assert_eq!(d[1].duplicate_of, Some(0));
        assert!(d[2].kept());
    }

    #[test]
    fn contained_documents_point_at_the_container() {
        let v = [pair(0, 1, 0.5, 1.0, 0.5)];
        let d = decide(&[1, 0], &[0, 1], &v, T, &WHOLE);
        assert_eq!(d[0].duplicate_of, Some(1));
        assert_eq!(d[0].relation, Some(Relation::Contained));
        assert_eq!(d[0].containment, Some(1.0));
        assert!(d[1].kept());
    }

    #[test]
    fn exact_copies_follow_their_representative() {
        // 1 and 2 are exact copies (rep 1); 1 is a near-duplicate of kept 0.
        let v = [pair(0, 1, 0.9, 0.95, 0.95)];
        let d = decide(&[0, 1, 2], &[0, 1, 1], &v, T, &WHOLE);
        assert_eq!(d[2].duplicate_of, Some(0));
        assert_eq!(d[2].relation, Some(Relation::NearDuplicate));
        let d = decide(&[1, 2, 0], &[0, 1, 1], &[], T, &WHOLE);
        assert_eq!(d[2].relation, Some(Relation::Exact));
        assert_eq!(d[2].duplicate_of, Some(1));
    }

    #[test]
    fn a_match_that_rests_on_what_cleaning_took_keeps_the_document() {
        // 1's cleaned content is all in 0, but cleaning left a third of its
        // text: 0.95 of a third is below the bar of 0.4.
        let v = [pair(0, 1, 0.3, 0.3, 0.95)];
        let d = decide(&[0, 1], &[0, 1], &v, T, &[1.0, 0.35]);
        assert!(d[1].kept() && d[1].cleaning_dependent);
        assert!(!d[0].cleaning_dependent);
        // With half of its text left, the match holds as written.
        let d = decide(&[0, 1], &[0, 1], &v, T, &[1.0, 0.5]);
        assert_eq!(d[1].duplicate_of, Some(0));
        assert_eq!(twin_counts(&v, T, &[1.0, 0.35]), [0, 0]);
        assert_eq!(twin_counts(&v, T, &[1.0, 0.5]), [1, 0]);
    }
}
