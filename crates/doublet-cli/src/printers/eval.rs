//! The human view of `doublet eval`.

use std::io::{self, Write};

use crate::commands::eval::{Evaluation, Mistake};

fn mistake(m: &Mistake, out: &mut impl Write) -> io::Result<()> {
    let label = |l: &Option<String>| l.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
    // The report's own spelling of the relation.
    let relation = serde_json::to_value(m.relation)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    writeln!(
        out,
        "  {}{} ~ {}{}: {relation}, jaccard {:.3}, a in b {:.3}, b in a {:.3}",
        m.a,
        label(&m.a_label),
        m.b,
        label(&m.b_label),
        m.jaccard,
        m.a_in_b,
        m.b_in_a
    )
}

pub fn print(e: &Evaluation, out: &mut impl Write) -> io::Result<()> {
    let m = &e.metrics;
    writeln!(
        out,
        "doublet eval: {} documents against {} ({} truth clusters, {} predicted)",
        m.documents, e.truth, m.truth_clusters, m.predicted_clusters
    )?;
    if e.not_in_truth > 0 || e.not_in_corpus > 0 {
        writeln!(
            out,
            "note: {} documents are not in the truth (scored as singletons); {} truth ids are not in the corpus",
            e.not_in_truth, e.not_in_corpus
        )?;
    }
    let p = &m.pairs;
    writeln!(
        out,
        "pairs: precision {:.4}  recall {:.4}  F1 {:.4}  (true positives {}, false positives {}, false negatives {})",
        p.precision, p.recall, p.f1, p.true_positives, p.false_positives, p.false_negatives
    )?;
    writeln!(out, "adjusted Rand index: {:.4}", m.adjusted_rand_index)?;
    if !m.by_label.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{:<16} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7}",
            "label", "precision", "recall", "F1", "tp", "fp", "fn"
        )?;
        for (label, s) in &m.by_label {
            writeln!(
                out,
                "{label:<16} {:>9.4} {:>8.4} {:>8.4} {:>8} {:>7} {:>7}",
                s.precision, s.recall, s.f1, s.true_positives, s.false_positives, s.false_negatives
            )?;
        }
    }
    writeln!(out)?;
    for (title, list) in [
        (
            "worst false positives (grouped by doublet, apart in the truth; least similar first):",
            &e.false_positives,
        ),
        (
            "worst false negatives (together in the truth, apart in doublet; most similar first):",
            &e.false_negatives,
        ),
    ] {
        writeln!(out, "{title}")?;
        if list.is_empty() {
            writeln!(out, "  none")?;
        }
        for m in list {
            mistake(m, out)?;
        }
    }
    Ok(())
}
