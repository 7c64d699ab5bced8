//! `doublet eval`: the scan's grouping against labelled truth.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use anyhow::Result;
use doublet::eval::{disagreements, evaluate, Metrics};
use doublet::{Config, Document, Report};
use doublet_io::truth::{read_truth, TruthFormat};
use rayon::prelude::*;
use serde::Serialize;

use crate::args::{EvalArgs, TruthLayout};
use crate::load::{self, Inputs};
use crate::{printers, settings};

/// Disagreeing pairs measured to find the worst, at most, each way.
const MEASURED: usize = 200;

/// A pair the grouping got wrong, with what doublet measured on it.
#[derive(Clone, Debug, Serialize)]
pub struct Mistake {
    pub a: String,
    pub b: String,
    pub a_label: Option<String>,
    pub b_label: Option<String>,
    pub relation: doublet::PairRelation,
    pub jaccard: f64,
    pub a_in_b: f64,
    pub b_in_a: f64,
}

/// Everything `eval` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub truth: String,
    pub metrics: Metrics,
    /// Documents of the corpus the truth does not mention (scored as singletons).
    pub not_in_truth: usize,
    /// Ids of the truth that are not in the corpus (ignored).
    pub not_in_corpus: usize,
    /// Merged by doublet, apart in the truth: the least similar first.
    pub false_positives: Vec<Mistake>,
    /// Together in the truth, apart in doublet's grouping: the most similar first.
    pub false_negatives: Vec<Mistake>,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let (config, resources) = settings::resolve(&args.common)?;
    let format = match args.truth_format {
        TruthLayout::Auto => TruthFormat::Auto,
        TruthLayout::Clusters => TruthFormat::Clusters,
        TruthLayout::Pairs => TruthFormat::Pairs,
    };
    let truth = read_truth(&args.truth, format)?;
    let inputs = Inputs::parse(&args.common, true)?;
    let report = super::with_threads(&resources, || {
        load::scan(&inputs, config.clone(), &resources)
    })?;
    let evaluation = super::with_threads(&resources, || {
        assess(
            &report,
            &truth,
            &inputs,
            &config,
            args.worst,
            args.truth.display().to_string(),
        )
    })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &evaluation)?;
        writeln!(out)?;
    } else {
        printers::eval::print(&evaluation, &mut out)?;
    }
    out.flush()?;
    Ok(())
}

fn assess(
    report: &Report,
    truth: &doublet_io::truth::Truth,
    inputs: &Inputs,
    config: &Config,
    worst: usize,
    truth_name: String,
) -> Result<Evaluation> {
    // Documents in id order, not input order: cluster numbers, the capped
    // sample of disagreeing pairs and each pair's (a, b) all follow from
    // it, so the same corpus gives the same list in any order.
    let mut docs: Vec<&doublet::report::DocumentReport> = report.documents.iter().collect();
    docs.sort_by(|x, y| x.id.cmp(&y.id));
    let docs = docs.as_slice();
    // Truth clusters as numbers; documents the truth does not name are alone.
    let mut numbers: HashMap<&str, usize> = HashMap::new();
    let mut not_in_truth = 0;
    let truth_of: Vec<usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| match truth.cluster.get(&d.id) {
            Some(key) => {
                let next = numbers.len();
                *numbers.entry(key.as_str()).or_insert(next)
            }
            None => {
                not_in_truth += 1;
                usize::MAX - i
            }
        })
        .collect();
    let ids: HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let not_in_corpus = truth
        .cluster
        .keys()
        .filter(|k| !ids.contains(k.as_str()))
        .count();
    let predicted: Vec<usize> = docs.iter().map(|d| d.cluster).collect();
    let labels: Vec<Option<String>> = docs
        .iter()
        .map(|d| truth.label.get(&d.id).cloned())
        .collect();
    let metrics = evaluate(
        &predicted,
        &truth_of,
        (!truth.label.is_empty()).then_some(labels.as_slice()),
    );

    let fps = disagreements(&predicted, &truth_of, MEASURED);
    let fns = disagreements(&truth_of, &predicted, MEASURED);
    let needed: HashSet<&str> = fps
        .iter()
        .chain(&fns)
        .flat_map(|&(a, b)| [docs[a].id.as_str(), docs[b].id.as_str()])
        .collect();
    let texts = inputs.texts_of(&needed)?;
    let measure = |pairs: &[(usize, usize)]| -> Vec<Mistake> {
        pairs
            .par_iter()
            .filter_map(|&(a, b)| {
                let (da, db) = (&docs[a], &docs[b]);
                let (ta, tb) = (texts.get(&da.id)?, texts.get(&db.id)?);
                let c = doublet::compare(
                    config,
                    &Document::new(da.id.as_str(), ta.as_str()),
                    &Document::new(db.id.as_str(), tb.as_str()),
                )
                .ok()?;
                Some(Mistake {
                    a: c.a,
                    b: c.b,
                    a_label: labels[a].clone(),
                    b_label: labels[b].clone(),
                    relation: c.relation,
                    jaccard: c.jaccard,
                    a_in_b: c.a_in_b,
                    b_in_a: c.b_in_a,
                })
            })
            .collect()
    };
    let closeness = |m: &Mistake| m.jaccard.max(m.a_in_b).max(m.b_in_a);
    let mut false_positives = measure(&fps);
    false_positives.sort_by(|x, y| {
        closeness(x)
            .total_cmp(&closeness(y))
            .then((&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    false_positives.truncate(worst);
    let mut false_negatives = measure(&fns);
    false_negatives.sort_by(|x, y| {
        closeness(y)
            .total_cmp(&closeness(x))
            .then((&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    false_negatives.truncate(worst);
    Ok(Evaluation {
        truth: truth_name,
        metrics,
        not_in_truth,
        not_in_corpus,
        false_positives,
        false_negatives,
    })
}
