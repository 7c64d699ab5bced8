//! Passage-level evaluation: the text-alignment measures of PAN, and
//! document-level scores of the same pairs.
//!
//! A *case* is a passage of one document pair known to be reused: a
//! half-open byte range in the first document (`a`, the suspicious or
//! derived one at PAN) and one in the second (`b`, the source). A
//! *detection* is a passage a detector reports, of the same shape (doublet's
//! shared passages). Positions are UTF-8 byte offsets into the documents'
//! original texts, doublet's convention everywhere; PAN counts characters,
//! so figures on non-ASCII text weigh multi-byte characters more.
//!
//! The measures are those of Potthast, Stein, Barrón-Cedeño & Rosso, "An
//! Evaluation Framework for Plagiarism Detection" (COLING 2010), as the PAN
//! text-alignment tasks computed them. A detection `r` *detects* a case `s`
//! when both belong to the same document pair and overlap on both sides;
//! `s ⊓ r` is then the positions of `s ∩ r` on both sides (otherwise none),
//! and `|x|` counts positions on both sides:
//!
//! * macro **precision**: the mean over detections `r` of `|⋃ₛ (s ⊓ r)| / |r|`;
//! * macro **recall**: the mean over cases `s` of `|⋃ᵣ (s ⊓ r)| / |s|`;
//! * **granularity**: the mean, over the cases detected at all, of the number
//!   of detections detecting each (1 when no case is detected);
//! * **plagdet**: `F1(precision, recall) / log2(1 + granularity)`;
//! * micro precision and recall, as extras: positions pooled over all
//!   cases and detections, `|⋃ (s ⊓ r)| / |⋃ r|` and `|⋃ (s ⊓ r)| / |⋃ s|`,
//!   each union taken per document pair and side.
//!
//! Edge cases follow the PAN reference implementation (Potthast's
//! `pan09-plagiarism-detection-performance-measures.py`, version 1.3, which
//! the later PAN text-alignment evaluators reuse): with neither cases nor
//! detections, precision and recall (macro and micro) are 1; with one of
//! them empty and not the other, both are 0; granularity is 1 without
//! detections; plagdet is 0 when precision and recall are both 0. Beyond
//! that reference: a case or detection with no positions at all cannot be
//! detected or detect, and scores 0 in the mean it belongs to (the
//! reference divides by zero there); and the micro unions are taken per
//! document pair, where the reference unions per document, so the two
//! differ only when one document's passage is in several pairs.
//!
//! Everything is computed on sorted ranges: the detecting links are found by
//! one sweep per pair over the ranges of its first side, so the cost is
//! `O(n log n)` plus the number of case-detection pairs that overlap on that
//! side; no set of positions is ever listed.
//!
//! Document-level scores judge each pair as a whole, derived or not:
//! precision, recall and F1 of a binary prediction ([`document_scores`],
//! with the conventions of [`PairScores`]), and the area under the ROC
//! curve of a score ([`auc`]).

use std::ops::Range;

use serde::Serialize;

use super::PairScores;

/// A case, or a detection: a passage of document pair `pair`, its bytes
/// `a` in the pair's first document and `b` in its second.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Case {
    /// The document pair, any numbering shared by cases and detections.
    pub pair: usize,
    /// Byte range in the pair's first document.
    pub a: Range<usize>,
    /// Byte range in the pair's second document.
    pub b: Range<usize>,
}

/// A detection has a case's shape.
pub type Detection = Case;

fn width(r: &Range<usize>) -> usize {
    r.end.saturating_sub(r.start)
}

fn overlaps(x: &Range<usize>, y: &Range<usize>) -> bool {
    x.start < y.end && y.start < x.end && x.start < x.end && y.start < y.end
}

fn intersection(x: &Range<usize>, y: &Range<usize>) -> Range<usize> {
    x.start.max(y.start)..x.end.min(y.end)
}

impl Case {
    /// Positions on both sides.
    pub fn size(&self) -> usize {
        width(&self.a) + width(&self.b)
    }

    /// Whether `self` and `other` detect one another: the same pair, and
    /// overlapping on both sides.
    pub fn detects(&self, other: &Case) -> bool {
        self.pair == other.pair && overlaps(&self.a, &other.a) && overlaps(&self.b, &other.b)
    }
}

/// The PAN measures of a set of detections against a set of cases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PassageScores {
    /// Cases.
    pub cases: usize,
    /// Detections.
    pub detections: usize,
    /// Cases detected by at least one detection.
    pub detected_cases: usize,
    /// Macro-averaged precision (the mean over detections).
    pub precision: f64,
    /// Macro-averaged recall (the mean over cases).
    pub recall: f64,
    /// Harmonic mean of `precision` and `recall`.
    pub f1: f64,
    /// Detections per detected case, on average; at least 1.
    pub granularity: f64,
    /// `f1 / log2(1 + granularity)`.
    pub plagdet: f64,
    /// Detected positions over detected-or-not positions of all detections.
    pub micro_precision: f64,
    /// Detected positions over all positions of all cases.
    pub micro_recall: f64,
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// Positions covered by `ranges` (sorted here; overlaps counted once).
fn union_len(ranges: &mut [Range<usize>]) -> usize {
    ranges.sort_unstable_by_key(|r| (r.start, r.end));
    let mut total = 0;
    let mut current: Option<Range<usize>> = None;
    for r in ranges.iter().filter(|r| r.start < r.end) {
        match &mut current {
            Some(c) if r.start <= c.end => c.end = c.end.max(r.end),
            _ => {
                total += current.as_ref().map_or(0, width);
                current = Some(r.clone());
            }
        }
    }
    total + current.as_ref().map_or(0, width)
}

/// Indices of `items` in order of (pair, start of `a`).
fn by_pair(items: &[Case]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_unstable_by_key(|&i| (items[i].pair, items[i].a.start, items[i].a.end));
    order
}

/// Every (case, detection) such that the detection detects the case, in no
/// particular order: one sweep along the `a` side per pair, then the `b`
/// side checked for the pairs overlapping there.
fn links(cases: &[Case], detections: &[Case]) -> Vec<(usize, usize)> {
    let (cs, ds) = (by_pair(cases), by_pair(detections));
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    // Ranges seen whose `a` side may still overlap what comes next.
    let mut open_cases: Vec<usize> = Vec::new();
    let mut open_dets: Vec<usize> = Vec::new();
    let mut pair = None;
    while i < cs.len() || j < ds.len() {
        let take_case = match (cs.get(i), ds.get(j)) {
            (Some(&c), Some(&d)) => {
                let (c, d) = (&cases[c], &detections[d]);
                (c.pair, c.a.start) <= (d.pair, d.a.start)
            }
            (Some(_), None) => true,
            _ => false,
        };
        let (item, this_pair) = if take_case {
            (cs[i], cases[cs[i]].pair)
        } else {
            (ds[j], detections[ds[j]].pair)
        };
        if pair != Some(this_pair) {
            pair = Some(this_pair);
            open_cases.clear();
            open_dets.clear();
        }
        if take_case {
            i += 1;
            let c = &cases[item];
            // Starts only grow within a pair: a detection ending at or
            // before this start overlaps nothing from here on.
            open_dets.retain(|&d| detections[d].a.end > c.a.start);
            for &d in &open_dets {
                if c.detects(&detections[d]) {
                    out.push((item, d));
                }
            }
            if c.a.start < c.a.end {
                open_cases.push(item);
            }
        } else {
            j += 1;
            let d = &detections[item];
            open_cases.retain(|&c| cases[c].a.end > d.a.start);
            for &c in &open_cases {
                if cases[c].detects(d) {
                    out.push((c, item));
                }
            }
            if d.a.start < d.a.end {
                open_dets.push(item);
            }
        }
    }
    out
}

/// For each of `whole` that `links` name (first of each link), the share of
/// its positions the other side of its links covers; the mean over all of
/// `whole`, those without links counting 0.
fn mean_coverage(whole: &[Case], others: &[Case], links: &[(usize, usize)]) -> f64 {
    let mut total = 0.0;
    let mut k = 0;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    while k < links.len() {
        let i = links[k].0;
        a.clear();
        b.clear();
        while k < links.len() && links[k].0 == i {
            let o = &others[links[k].1];
            a.push(intersection(&whole[i].a, &o.a));
            b.push(intersection(&whole[i].b, &o.b));
            k += 1;
        }
        let size = whole[i].size();
        if size > 0 {
            total += (union_len(&mut a) + union_len(&mut b)) as f64 / size as f64;
        }
    }
    total / whole.len() as f64
}

/// Positions covered per pair and side, summed.
fn pooled(ranges: impl Iterator<Item = (usize, Range<usize>, Range<usize>)>) -> usize {
    let mut all: Vec<(usize, Range<usize>, Range<usize>)> = ranges.collect();
    all.sort_unstable_by_key(|x| x.0);
    let mut total = 0;
    for group in all.chunk_by(|x, y| x.0 == y.0) {
        let mut a: Vec<Range<usize>> = group.iter().map(|x| x.1.clone()).collect();
        let mut b: Vec<Range<usize>> = group.iter().map(|x| x.2.clone()).collect();
        total += union_len(&mut a) + union_len(&mut b);
    }
    total
}

/// The PAN measures of `detections` against `cases` (see the module
/// documentation for the definitions and the edge cases).
pub fn score(cases: &[Case], detections: &[Detection]) -> PassageScores {
    let mut links = links(cases, detections);
    links.sort_unstable();
    let detected_cases = links.chunk_by(|x, y| x.0 == y.0).count();
    let granularity = if detected_cases == 0 {
        1.0
    } else {
        links.len() as f64 / detected_cases as f64
    };
    let (precision, recall, micro_precision, micro_recall) =
        match (cases.is_empty(), detections.is_empty()) {
            (true, true) => (1.0, 1.0, 1.0, 1.0),
            (true, false) | (false, true) => (0.0, 0.0, 0.0, 0.0),
            (false, false) => {
                let recall = mean_coverage(cases, detections, &links);
                let swapped: Vec<(usize, usize)> = {
                    let mut s: Vec<(usize, usize)> = links.iter().map(|&(c, d)| (d, c)).collect();
                    s.sort_unstable();
                    s
                };
                let precision = mean_coverage(detections, cases, &swapped);
                let case_positions =
                    pooled(cases.iter().map(|c| (c.pair, c.a.clone(), c.b.clone())));
                let detected_positions = pooled(
                    detections
                        .iter()
                        .map(|d| (d.pair, d.a.clone(), d.b.clone())),
                );
                let true_positions = pooled(links.iter().map(|&(c, d)| {
                    let (c, d) = (&cases[c], &detections[d]);
                    (c.pair, intersection(&c.a, &d.a), intersection(&c.b, &d.b))
                }));
                let share = |n: usize, of: usize| {
                    if of == 0 {
                        0.0
                    } else {
                        n as f64 / of as f64
                    }
                };
                (
                    precision,
                    recall,
                    share(true_positions, detected_positions),
                    share(true_positions, case_positions),
                )
            }
        };
    let f1 = f1(precision, recall);
    PassageScores {
        cases: cases.len(),
        detections: detections.len(),
        detected_cases,
        precision,
        recall,
        f1,
        granularity,
        plagdet: f1 / (1.0 + granularity).log2(),
        micro_precision,
        micro_recall,
    }
}

/// One document pair judged as a whole.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judgement {
    /// The truth: one document is derived from the other.
    pub truth: bool,
    /// The prediction: the detector called them related.
    pub predicted: bool,
    /// The detector's score, higher meaning more likely related (for the
    /// ROC curve); NaN sorts above every number.
    pub score: f64,
}

/// Document-level scores: pair counts, precision, recall and F1 of the
/// predictions (precision 1 when nothing is predicted, recall 1 when no pair
/// is derived, as [`PairScores`]), and the area under the ROC curve of the
/// scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocumentScores {
    /// Pairs judged.
    pub pairs: usize,
    /// Pairs derived in the truth.
    pub derived: usize,
    /// Pairs predicted related.
    pub predicted: usize,
    /// Counts, precision, recall and F1.
    #[serde(flatten)]
    pub scores: PairScores,
    /// Pairs neither derived nor predicted.
    pub true_negatives: u64,
    /// Area under the ROC curve of the scores; absent when the pairs are
    /// all derived or all not.
    pub auc: Option<f64>,
}

/// Document-level scores of `judgements`.
pub fn document_scores(judgements: &[Judgement]) -> DocumentScores {
    let count = |f: &dyn Fn(&Judgement) -> bool| judgements.iter().filter(|j| f(j)).count();
    let derived = count(&|j| j.truth);
    let predicted = count(&|j| j.predicted);
    let tp = count(&|j| j.truth && j.predicted);
    DocumentScores {
        pairs: judgements.len(),
        derived,
        predicted,
        scores: PairScores::new(tp as u64, predicted as u64, derived as u64),
        true_negatives: (judgements.len() + tp - derived - predicted) as u64,
        auc: auc(judgements),
    }
}

/// Document-level scores if a pair were predicted related exactly when its
/// score is at least `threshold`.
pub fn at_threshold(judgements: &[Judgement], threshold: f64) -> DocumentScores {
    let rethought: Vec<Judgement> = judgements
        .iter()
        .map(|j| Judgement {
            predicted: j.score >= threshold,
            ..*j
        })
        .collect();
    document_scores(&rethought)
}

/// The area under the ROC curve of the scores: the chance that a derived
/// pair scores above a pair that is not, ties counted half (the
/// Mann–Whitney U statistic over the product of the class sizes). `None`
/// without pairs of both classes.
pub fn auc(judgements: &[Judgement]) -> Option<f64> {
    let positives = judgements.iter().filter(|j| j.truth).count();
    let negatives = judgements.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = judgements.iter().map(|j| (j.score, j.truth)).collect();
    sorted.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    // Per run of equal scores: each positive beats every negative below
    // the run and ties with every negative in it.
    let (mut wins, mut below) = (0.0, 0usize);
    for run in sorted.chunk_by(|x, y| x.0.total_cmp(&y.0).is_eq()) {
        let p = run.iter().filter(|x| x.1).count();
        let n = run.len() - p;
        wins += p as f64 * (below as f64 + 0.5 * n as f64);
        below += n;
    }
    Some(wins / (positives as f64 * negatives as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn case(pair: usize, a: Range<usize>, b: Range<usize>) -> Case {
        Case { pair, a, b }
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-12
    }

    #[test]
    fn perfect_detection_scores_one() {
        let s = [case(0, 0..100, 0..100)];
        let m = score(&s, &s);
        assert_eq!(
            (m.precision, m.recall, m.granularity, m.plagdet),
            (1.0, 1.0, 1.0, 1.0)
        );
        assert_eq!((m.micro_precision, m.micro_recall), (1.0, 1.0));
        assert_eq!(m.detected_cases, 1);
    }

    #[test]
    fn one_case_in_two_detections_has_granularity_two() {
        // Case 200 positions; each half detected exactly: recall
        // (50+50 + 50+50)/200 = 1, precision (100/100 + 100/100)/2 = 1,
        // granularity 2/1 = 2, plagdet 1/log2(3) ≈ 0.631.
        let s = [case(0, 0..100, 0..100)];
        let r = [case(0, 0..50, 0..50), case(0, 50..100, 50..100)];
        let m = score(&s, &r);
        assert_eq!((m.precision, m.recall, m.granularity), (1.0, 1.0, 2.0));
        assert!(close(m.plagdet, 1.0 / 3f64.log2()), "{}", m.plagdet);
    }

    #[test]
    fn a_detection_half_outside_its_case() {
        // s = [0,100)×[0,100), r = [50,150)×[50,150): s ⊓ r = 50 + 50 = 100
        // positions; |s| = |r| = 200, so recall = precision = 0.5, F1 0.5,
        // granularity 1, plagdet 0.5/log2(2) = 0.5; pooled, the same.
        let m = score(&[case(0, 0..100, 0..100)], &[case(0, 50..150, 50..150)]);
        assert_eq!((m.precision, m.recall, m.f1), (0.5, 0.5, 0.5));
        assert_eq!((m.granularity, m.plagdet), (1.0, 0.5));
        assert_eq!((m.micro_precision, m.micro_recall), (0.5, 0.5));
    }

    #[test]
    fn a_detection_on_another_pair_detects_nothing() {
        // Same ranges, pair 1 instead of 0: no case detected, recall 0,
        // the detection's precision 0, granularity 1 by convention.
        let m = score(&[case(0, 0..100, 0..100)], &[case(1, 0..100, 0..100)]);
        assert_eq!((m.precision, m.recall, m.plagdet), (0.0, 0.0, 0.0));
        assert_eq!((m.granularity, m.detected_cases), (1.0, 0));
        assert_eq!((m.micro_precision, m.micro_recall), (0.0, 0.0));
    }

    #[test]
    fn overlap_on_one_side_only_does_not_detect() {
        // The a sides coincide but b = [200,300) misses [0,100): s ⊓ r = ∅,
        // even on the a side.
        let m = score(&[case(0, 0..100, 0..100)], &[case(0, 0..100, 200..300)]);
        assert_eq!((m.precision, m.recall, m.granularity), (0.0, 0.0, 1.0));
        assert_eq!(m.detected_cases, 0);
    }

    #[test]
    fn empty_sides_follow_the_pan_reference() {
        // Cases but no detections: 0 and 0 (the reference's
        // macro_avg_recall returns 0 when either list is empty), granularity 1.
        let s = [case(0, 0..100, 0..100)];
        let m = score(&s, &[]);
        assert_eq!(
            (m.precision, m.recall, m.granularity, m.plagdet),
            (0.0, 0.0, 1.0, 0.0)
        );
        // Detections but no cases: 0 and 0 as well.
        let m = score(&[], &s);
        assert_eq!((m.precision, m.recall, m.plagdet), (0.0, 0.0, 0.0));
        // Neither: nothing to find, nothing wrongly found: 1 throughout.
        let m = score(&[], &[]);
        assert_eq!(
            (m.precision, m.recall, m.granularity, m.plagdet),
            (1.0, 1.0, 1.0, 1.0)
        );
        assert_eq!((m.micro_precision, m.micro_recall), (1.0, 1.0));
    }

    #[test]
    fn overlapping_detections() {
        // s = [0,100)×[0,100); r1 = [0,60)×[0,60), r2 = [40,120)×[40,120).
        // Recall: r1 ∪ r2 covers all of s on both sides: 200/200 = 1.
        // Precision: r1 120/120 = 1; r2 (60 + 60)/160 = 0.75; mean 0.875.
        // Granularity 2. F1 = 2·0.875·1/1.875 = 14/15; plagdet (14/15)/log2(3).
        // Pooled: detections cover [0,120) per side, 240; detected 200:
        // micro precision 200/240 = 5/6, micro recall 200/200 = 1.
        let m = score(
            &[case(0, 0..100, 0..100)],
            &[case(0, 0..60, 0..60), case(0, 40..120, 40..120)],
        );
        assert!(close(m.precision, 0.875));
        assert_eq!((m.recall, m.granularity), (1.0, 2.0));
        assert!(close(m.f1, 14.0 / 15.0));
        assert!(close(m.plagdet, 14.0 / 15.0 / 3f64.log2()));
        assert!(close(m.micro_precision, 5.0 / 6.0));
        assert_eq!(m.micro_recall, 1.0);
    }

    #[test]
    fn macro_and_micro_recall_weigh_cases_differently() {
        // s1 = [0,100)×[0,100) found exactly; s2 = [200,220)×[200,220)
        // missed. Macro recall (1 + 0)/2 = 0.5; micro 200/(200 + 40) = 5/6;
        // precision 1 both ways.
        let s = [case(0, 0..100, 0..100), case(0, 200..220, 200..220)];
        let m = score(&s, &s[..1]);
        assert_eq!((m.recall, m.precision, m.micro_precision), (0.5, 1.0, 1.0));
        assert!(close(m.micro_recall, 5.0 / 6.0));
        assert_eq!((m.cases, m.detections, m.detected_cases), (2, 1, 1));
    }

    #[test]
    fn document_scores_count_by_hand() {
        // (truth, predicted, score): tp = 1 (a), fn = 1 (b), fp = 1 (c),
        // tn = 2 (d, e): precision 1/2, recall 1/2, F1 1/2.
        // AUC: positives 0.9 and 0.3 against negatives 0.4, 0.1, 0.3:
        // 0.9 beats all three (3); 0.3 beats 0.1 (1), ties 0.3 (0.5), loses
        // to 0.4: 4.5 of 2·3 = 6 → 0.75.
        let j = |truth, predicted, score| Judgement {
            truth,
            predicted,
            score,
        };
        let all = [
            j(true, true, 0.9),
            j(true, false, 0.3),
            j(false, true, 0.4),
            j(false, false, 0.1),
            j(false, false, 0.3),
        ];
        let d = document_scores(&all);
        assert_eq!((d.pairs, d.derived, d.predicted), (5, 2, 2));
        let s = &d.scores;
        assert_eq!(
            (s.true_positives, s.false_positives, s.false_negatives),
            (1, 1, 1)
        );
        assert_eq!(d.true_negatives, 2);
        assert_eq!((s.precision, s.recall, s.f1), (0.5, 0.5, 0.5));
        assert_eq!(d.auc, Some(0.75));
        // Called related at score ≥ 0.3: a, b, c and e; tp 2, fp 2, fn 0,
        // tn 1: precision 1/2, recall 1, F1 2/3.
        let t = at_threshold(&all, 0.3);
        assert_eq!(
            (
                t.scores.true_positives,
                t.scores.false_positives,
                t.true_negatives
            ),
            (2, 2, 1)
        );
        assert_eq!((t.scores.precision, t.scores.recall), (0.5, 1.0));
        assert!(close(t.scores.f1, 2.0 / 3.0));
        // One class only: no ROC curve.
        assert_eq!(auc(&all[..2]), None);
        assert_eq!(auc(&all[2..]), None);
        // A perfect ranking, and every score tied.
        assert_eq!(auc(&[j(true, true, 2.0), j(false, false, 1.0)]), Some(1.0));
        assert_eq!(auc(&[j(true, true, 1.0), j(false, false, 1.0)]), Some(0.5));
    }

    /// The definitions, by listing positions: (pair, side, byte).
    fn by_positions(cases: &[Case], detections: &[Case]) -> (f64, f64, f64) {
        use std::collections::BTreeSet;
        let positions = |s: &Case, r: &Case| -> BTreeSet<(usize, u8, usize)> {
            if !s.detects(r) {
                return BTreeSet::new();
            }
            let a = intersection(&s.a, &r.a).map(|p| (s.pair, 0, p));
            let b = intersection(&s.b, &r.b).map(|p| (s.pair, 1, p));
            a.chain(b).collect()
        };
        let mean = |whole: &[Case], others: &[Case]| {
            whole
                .iter()
                .map(|x| {
                    let covered: BTreeSet<_> =
                        others.iter().flat_map(|o| positions(x, o)).collect();
                    covered.len() as f64 / x.size() as f64
                })
                .sum::<f64>()
                / whole.len() as f64
        };
        let counts: Vec<usize> = cases
            .iter()
            .map(|s| detections.iter().filter(|r| s.detects(r)).count())
            .filter(|&n| n > 0)
            .collect();
        let granularity = if counts.is_empty() {
            1.0
        } else {
            counts.iter().sum::<usize>() as f64 / counts.len() as f64
        };
        (
            mean(detections, cases),
            mean(cases, detections),
            granularity,
        )
    }

    fn ranges() -> impl Strategy<Value = Vec<Case>> {
        prop::collection::vec(
            (0usize..3, 0usize..60, 1usize..30, 0usize..60, 1usize..30)
                .prop_map(|(pair, a, la, b, lb)| case(pair, a..a + la, b..b + lb)),
            1..8,
        )
    }

    proptest! {
        #[test]
        fn measures_are_bounded_and_match_their_definition(
            cases in ranges(),
            detections in ranges(),
        ) {
            let m = score(&cases, &detections);
            for x in [m.precision, m.recall, m.micro_precision, m.micro_recall, m.f1] {
                prop_assert!((0.0..=1.0).contains(&x), "{m:?}");
            }
            prop_assert!(m.granularity >= 1.0);
            prop_assert!(m.plagdet <= m.f1 + 1e-12);
            let (precision, recall, granularity) = by_positions(&cases, &detections);
            prop_assert!(close(m.precision, precision), "{} {precision}", m.precision);
            prop_assert!(close(m.recall, recall), "{} {recall}", m.recall);
            prop_assert!(close(m.granularity, granularity));
        }

        #[test]
        fn input_order_does_not_matter(
            cases in ranges(),
            detections in ranges(),
        ) {
            let m = score(&cases, &detections);
            let mut rc = cases.clone();
            rc.reverse();
            let mut rd = detections.clone();
            rd.reverse();
            let r = score(&rc, &rd);
            prop_assert!(close(m.precision, r.precision) && close(m.recall, r.recall));
            prop_assert_eq!(m.granularity, r.granularity);
        }
    }
}
