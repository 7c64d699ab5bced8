//! The human view of `doublet eval`.

use std::io::{self, Write};

use crate::commands::eval::{Evaluation, Group, Mistake, PairMistake, PassageEvaluation};

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

/// A relation in the report's own spelling.
fn relation_name(r: doublet::PairRelation) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn pair_mistake(m: &PairMistake, out: &mut impl Write) -> io::Result<()> {
    let labels: Vec<String> = m.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    writeln!(
        out,
        "  line {}: {} ~ {}{}: {}, score {:.3} (a shared {:.3}, b shared {:.3}), jaccard {:.3}; \
         passages {} known, {} found",
        m.line,
        m.a,
        m.b,
        if labels.is_empty() {
            String::new()
        } else {
            format!(" ({})", labels.join(", "))
        },
        relation_name(m.relation),
        m.score,
        m.a_shared,
        m.b_shared,
        m.jaccard,
        m.passages,
        m.detections
    )
}

fn auc(a: Option<f64>) -> String {
    a.map_or_else(|| "-".to_owned(), |a| format!("{a:.4}"))
}

fn group_row(name: &str, width: usize, g: &Group, out: &mut impl Write) -> io::Result<()> {
    let (p, d) = (&g.passages, &g.documents);
    writeln!(
        out,
        "{name:<width$} {:>6} {:>7} {:>8.4} {:>9.4} {:>7.4} {:>6.3} {:>7.4} {:>7.4} {:>7.4} {:>7}",
        g.pairs,
        d.derived,
        p.plagdet,
        p.precision,
        p.recall,
        p.granularity,
        d.scores.precision,
        d.scores.recall,
        d.scores.f1,
        auc(d.auc)
    )
}

/// The human view of `doublet eval --passages`.
pub fn print_passages(e: &PassageEvaluation, out: &mut impl Write) -> io::Result<()> {
    let (p, d) = (&e.passages, &e.documents);
    writeln!(
        out,
        "doublet eval: {} pairs of {} ({} derived, {} called related by doublet)",
        e.pairs, e.pairs_file, d.derived, d.predicted
    )?;
    writeln!(
        out,
        "passages (PAN): plagdet {:.4}  precision {:.4}  recall {:.4}  granularity {:.4}",
        p.plagdet, p.precision, p.recall, p.granularity
    )?;
    writeln!(
        out,
        "                micro precision {:.4}  micro recall {:.4}  ({} of {} known passages detected; {} found)",
        p.micro_precision, p.micro_recall, p.detected_cases, p.cases, p.detections
    )?;
    let s = &d.scores;
    writeln!(
        out,
        "pairs: precision {:.4}  recall {:.4}  F1 {:.4}  AUC {}  (true positives {}, false positives {}, false negatives {}, true negatives {})",
        s.precision, s.recall, s.f1, auc(d.auc), s.true_positives, s.false_positives, s.false_negatives, d.true_negatives
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "pairs called related when max(a_shared, b_shared) >= t:"
    )?;
    writeln!(
        out,
        "{:>6} {:>9} {:>8} {:>8} {:>9}",
        "t", "precision", "recall", "F1", "predicted"
    )?;
    for t in &e.thresholds {
        writeln!(
            out,
            "{:>6} {:>9.4} {:>8.4} {:>8.4} {:>9}",
            t.threshold, t.scores.precision, t.scores.recall, t.scores.f1, t.predicted
        )?;
    }
    let mut finer = false;
    for b in &e.breakdowns {
        // Every field together is often one row a pair: JSON only.
        if b.by.len() > 2 {
            finer = true;
            continue;
        }
        let title = b.by.join(" × ");
        let names: Vec<String> = b.groups.iter().map(|g| g.values.join(" × ")).collect();
        let width = names
            .iter()
            .map(|n| n.chars().count())
            .chain([title.chars().count()])
            .max()
            .unwrap_or(0);
        writeln!(out)?;
        writeln!(
            out,
            "{title:<width$} {:>6} {:>7} {:>8} {:>9} {:>7} {:>6} {:>7} {:>7} {:>7} {:>7}",
            "pairs",
            "derived",
            "plagdet",
            "precision",
            "recall",
            "gran",
            "pair P",
            "pair R",
            "pair F1",
            "AUC"
        )?;
        for (g, name) in b.groups.iter().zip(&names) {
            group_row(name, width, g, out)?;
        }
    }
    if finer {
        writeln!(out)?;
        writeln!(out, "(every label together: see --json)")?;
    }
    writeln!(out)?;
    for (title, m) in [
        (
            "false positives (called related, not derived; highest scores first)",
            &e.false_positives,
        ),
        (
            "false negatives (derived, called unrelated; lowest scores first)",
            &e.false_negatives,
        ),
    ] {
        writeln!(out, "{title}: {}", m.count)?;
        for x in &m.worst {
            pair_mistake(x, out)?;
        }
    }
    Ok(())
}
