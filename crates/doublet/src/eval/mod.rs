//! Evaluation: how a grouping compares with labelled truth.
//!
//! Both groupings are partitions of the same documents (singletons
//! included). Everything is computed from the contingency table of the two
//! partitions, never by listing pairs, so it is linear in the corpus:
//!
//! * **pairwise precision, recall and F1**: over the pairs of documents put
//!   in one cluster (the usual measure for duplicate detection);
//! * **adjusted Rand index** (Hubert & Arabie, "Comparing partitions",
//!   Journal of Classification 2, 1985): agreement on all pairs, corrected for
//!   chance; 1 is perfect, 0 is what random grouping scores;
//! * **per label**: when the truth names a kind per document (`syndicated`,
//!   `truncated`, ...), the same pairwise figures restricted to pairs that
//!   involve at least one document of that kind.
//!
//! [`passages`] scores detected passages against known ones instead, with
//! the measures of the PAN text-alignment tasks.

pub mod passages;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

/// Pair counts and the measures derived from them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PairScores {
    /// Pairs together in both groupings.
    pub true_positives: u64,
    /// Pairs together in the prediction only.
    pub false_positives: u64,
    /// Pairs together in the truth only.
    pub false_negatives: u64,
    /// `tp / (tp + fp)`; 1 when nothing was predicted.
    pub precision: f64,
    /// `tp / (tp + fn)`; 1 when the truth has no pairs.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl PairScores {
    fn new(tp: u64, predicted: u64, truth: u64) -> Self {
        let precision = if predicted == 0 {
            1.0
        } else {
            tp as f64 / predicted as f64
        };
        let recall = if truth == 0 {
            1.0
        } else {
            tp as f64 / truth as f64
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        PairScores {
            true_positives: tp,
            false_positives: predicted - tp,
            false_negatives: truth - tp,
            precision,
            recall,
            f1,
        }
    }
}

/// The evaluation of one grouping.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Documents evaluated.
    pub documents: usize,
    /// Clusters in the prediction (singletons included).
    pub predicted_clusters: usize,
    /// Clusters in the truth (singletons included).
    pub truth_clusters: usize,
    /// Pairwise scores over all documents.
    pub pairs: PairScores,
    /// Adjusted Rand index.
    pub adjusted_rand_index: f64,
    /// Pairwise scores per truth label, by label.
    pub by_label: BTreeMap<String, PairScores>,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Compare `predicted` with `truth` (cluster numbers per document, any
/// numbering); `labels` optionally names a kind per document.
pub fn evaluate(
    predicted: &[usize],
    truth: &[usize],
    labels: Option<&[Option<String>]>,
) -> Metrics {
    assert_eq!(
        predicted.len(),
        truth.len(),
        "one cluster per document in both groupings"
    );
    let n = predicted.len();
    let mut cells: HashMap<(usize, usize), u64> = HashMap::new();
    let mut rows: HashMap<usize, u64> = HashMap::new();
    let mut cols: HashMap<usize, u64> = HashMap::new();
    for (&p, &t) in predicted.iter().zip(truth) {
        *cells.entry((p, t)).or_default() += 1;
        *rows.entry(p).or_default() += 1;
        *cols.entry(t).or_default() += 1;
    }
    let tp: u64 = cells.values().map(|&c| pairs(c)).sum();
    let sum_rows: u64 = rows.values().map(|&c| pairs(c)).sum();
    let sum_cols: u64 = cols.values().map(|&c| pairs(c)).sum();
    let all = pairs(n as u64) as f64;
    let expected = if all == 0.0 {
        0.0
    } else {
        sum_rows as f64 * sum_cols as f64 / all
    };
    let max = 0.5 * (sum_rows + sum_cols) as f64;
    let adjusted_rand_index = if max == expected {
        1.0
    } else {
        (tp as f64 - expected) / (max - expected)
    };

    let mut by_label = BTreeMap::new();
    if let Some(labels) = labels {
        let mut names: Vec<&str> = labels.iter().flatten().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            // Pairs touching the label = all pairs less the pairs among
            // documents without it, for cells, rows and columns alike.
            let mut cells_without: HashMap<(usize, usize), u64> = HashMap::new();
            let mut rows_without: HashMap<usize, u64> = HashMap::new();
            let mut cols_without: HashMap<usize, u64> = HashMap::new();
            for ((&p, &t), label) in predicted.iter().zip(truth).zip(labels) {
                if label.as_deref() != Some(name) {
                    *cells_without.entry((p, t)).or_default() += 1;
                    *rows_without.entry(p).or_default() += 1;
                    *cols_without.entry(t).or_default() += 1;
                }
            }
            let sum = |m: Vec<u64>| m.into_iter().map(pairs).sum::<u64>();
            let tp_l = tp - sum(cells_without.into_values().collect());
            let pred_l = sum_rows - sum(rows_without.into_values().collect());
            let truth_l = sum_cols - sum(cols_without.into_values().collect());
            by_label.insert(name.to_owned(), PairScores::new(tp_l, pred_l, truth_l));
        }
    }
    Metrics {
        documents: n,
        predicted_clusters: rows.len(),
        truth_clusters: cols.len(),
        pairs: PairScores::new(tp, sum_rows, sum_cols),
        adjusted_rand_index,
        by_label,
    }
}

/// Pairs together in one grouping but not the other, by document position:
/// at most `limit`, in order of position. `together` is the grouping whose
/// pairs are listed, `apart` the one they are missing from.
pub fn disagreements(together: &[usize], apart: &[usize], limit: usize) -> Vec<(usize, usize)> {
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &c) in together.iter().enumerate() {
        members.entry(c).or_default().push(i);
    }
    let mut out = Vec::new();
    for m in members.values() {
        for (k, &a) in m.iter().enumerate() {
            for &b in &m[k + 1..] {
                if apart[a] != apart[b] {
                    out.push((a, b));
                    if out.len() >= limit {
                        return out;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_groupings_score_one() {
        let m = evaluate(&[0, 0, 1, 2], &[5, 5, 7, 9], None);
        assert_eq!(
            (m.pairs.precision, m.pairs.recall, m.adjusted_rand_index),
            (1.0, 1.0, 1.0)
        );
        assert_eq!(m.pairs.true_positives, 1);
    }

    #[test]
    fn known_counts() {
        // Predicted {0,1,2}{3}; truth {0,1}{2,3}.
        let m = evaluate(&[0, 0, 0, 1], &[0, 0, 1, 1], None);
        assert_eq!(
            (
                m.pairs.true_positives,
                m.pairs.false_positives,
                m.pairs.false_negatives
            ),
            (1, 2, 1)
        );
        assert!((m.pairs.precision - 1.0 / 3.0).abs() < 1e-12);
        assert!((m.pairs.recall - 0.5).abs() < 1e-12);
    }

    #[test]
    fn disagreements_list_missing_pairs() {
        assert_eq!(
            disagreements(&[0, 0, 0, 1], &[0, 0, 1, 1], 10),
            [(0, 2), (1, 2)]
        );
        assert_eq!(disagreements(&[0, 0, 1, 1], &[0, 0, 0, 1], 10), [(2, 3)]);
    }
}
