//! `doublet eval`: the scan's grouping against labelled truth
//! (`--truth`), or each pair's shared passages against known ones
//! (`--passages`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};
use std::ops::Range;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use doublet::eval::passages::{
    self, at_threshold, document_scores, Case, DocumentScores, Judgement, PassageScores,
};
use doublet::eval::{disagreements, evaluate, Metrics, PairScores};
use doublet::{Config, Document, PairRelation, Report};
use doublet_io::quoted;
use doublet_io::truth::{read_truth, scalar, TruthFormat};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::args::{EvalArgs, TruthLayout};
use crate::load::{self, Inputs};
use crate::memory::{self, Phase};
use crate::settings::Resources;
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
    let truth_path = match (&args.truth, &args.passages) {
        (Some(t), None) => t.clone(),
        (None, Some(p)) => return run_passages(&args, p, config, &resources),
        // The argument parser takes exactly one of the two.
        _ => bail!("give exactly one of --truth and --passages"),
    };
    let format = match args.truth_format {
        TruthLayout::Auto => TruthFormat::Auto,
        TruthLayout::Clusters => TruthFormat::Clusters,
        TruthLayout::Pairs => TruthFormat::Pairs,
    };
    let truth = read_truth(&truth_path, format)?;
    let inputs = Inputs::parse(&args.common, true)?;
    let report = super::with_threads(&resources, || {
        Ok(
            load::scan(&inputs, config.clone(), &resources, load::Held::WholeReport)?
                .into_report()?,
        )
    })?;
    let evaluation = super::with_threads(&resources, || {
        assess(
            &report,
            &truth,
            &inputs,
            &config,
            args.worst,
            truth_path.display().to_string(),
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

// `--passages`: each known pair compared, its passages scored with PAN's
// measures (`doublet::eval::passages`) and the pair judged as a whole.

/// Scores at or above which the threshold table calls a pair related.
const THRESHOLDS: [f64; 8] = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];

/// The label fields scores are broken down by, unless `--by` names others.
const BREAKDOWN: [&str; 4] = ["lang", "family", "obfuscation", "strength"];

/// A breakdown's value for a pair without the label.
const MISSING: &str = "(missing)";

/// One line of the pairs file.
struct KnownPair {
    line: u64,
    a: String,
    b: String,
    derived: bool,
    /// Byte ranges in a's text and in b's.
    passages: Vec<(Range<usize>, Range<usize>)>,
    /// Every other field with a string, number or boolean value.
    labels: BTreeMap<String, String>,
}

/// What `doublet compare` found on a pair, a's side first.
struct Measured {
    relation: PairRelation,
    jaccard: f64,
    a_in_b: f64,
    b_in_a: f64,
    a_shared: f64,
    b_shared: f64,
    detections: Vec<(Range<usize>, Range<usize>)>,
}

impl Measured {
    /// The score of the threshold table and the ROC curve: the larger share
    /// of either document inside the passages they share.
    fn score(&self) -> f64 {
        self.a_shared.max(self.b_shared)
    }

    fn related(&self) -> bool {
        self.relation != PairRelation::Unrelated
    }
}

/// A pair judged wrongly as a whole.
#[derive(Clone, Debug, Serialize)]
pub struct PairMistake {
    /// Its line in the pairs file.
    pub line: u64,
    pub a: String,
    pub b: String,
    pub labels: BTreeMap<String, String>,
    pub relation: PairRelation,
    /// `max(a_shared, b_shared)`.
    pub score: f64,
    pub a_shared: f64,
    pub b_shared: f64,
    pub jaccard: f64,
    pub a_in_b: f64,
    pub b_in_a: f64,
    /// Known passages of the pair.
    pub passages: usize,
    /// Passages doublet found.
    pub detections: usize,
}

/// Pairs judged wrongly one way, and the worst of them.
#[derive(Clone, Debug, Serialize)]
pub struct Mistakes {
    pub count: usize,
    pub worst: Vec<PairMistake>,
}

/// Document-level figures if pairs scoring at least `threshold` were called related.
#[derive(Clone, Debug, Serialize)]
pub struct ThresholdRow {
    pub threshold: f64,
    pub predicted: usize,
    #[serde(flatten)]
    pub scores: PairScores,
}

/// The scores of the pairs sharing values of some labels.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// One value per field of the breakdown, in its order.
    pub values: Vec<String>,
    pub pairs: usize,
    pub passages: PassageScores,
    pub documents: DocumentScores,
}

/// Scores per combination of values of `by`.
#[derive(Clone, Debug, Serialize)]
pub struct Breakdown {
    pub by: Vec<String>,
    pub groups: Vec<Group>,
}

/// Everything `eval --passages` reports.
#[derive(Clone, Debug, Serialize)]
pub struct PassageEvaluation {
    pub pairs_file: String,
    pub pairs: usize,
    /// PAN's measures over every pair's passages.
    pub passages: PassageScores,
    /// Each pair judged as a whole: derived, and called related by doublet
    /// (any relation but `unrelated`); AUC of `max(a_shared, b_shared)`.
    pub documents: DocumentScores,
    /// The same judgement made by a threshold on `max(a_shared, b_shared)`.
    pub thresholds: Vec<ThresholdRow>,
    pub breakdowns: Vec<Breakdown>,
    /// Called related, not derived: the highest scores first.
    pub false_positives: Mistakes,
    /// Derived, called unrelated: the lowest scores first.
    pub false_negatives: Mistakes,
    pub config: Config,
}

/// `[start, end]`, non-empty.
fn byte_range(v: Option<&Value>) -> std::result::Result<Range<usize>, &'static str> {
    let v = v.ok_or("is missing")?;
    let bounds: Option<Vec<usize>> = v.as_array().and_then(|a| {
        a.iter()
            .map(|x| x.as_u64().and_then(|n| usize::try_from(n).ok()))
            .collect()
    });
    match bounds.as_deref() {
        Some(&[start, end]) if start < end => Ok(start..end),
        Some(&[_, _]) => Err("is empty or reversed (start must be below end)"),
        _ => Err("is not [start, end] with two byte offsets"),
    }
}

/// A line of the pairs file, or what is wrong with it.
fn parse_pair(text: &str, line: u64) -> std::result::Result<KnownPair, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let Value::Object(fields) = value else {
        return Err("not a JSON object".into());
    };
    let id = |key: &str| match fields.get(key) {
        None | Some(Value::Null) => Err(format!("missing field `{key}`")),
        Some(v) => scalar(v).ok_or_else(|| format!("`{key}` is not a document id")),
    };
    let (a, b) = (id("a")?, id("b")?);
    let mut passages = Vec::new();
    match fields.get("passages") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (k, p) in list.iter().enumerate() {
                let side = |s: &str| {
                    byte_range(p.get(s)).map_err(|e| format!("passage {}: `{s}` {e}", k + 1))
                };
                passages.push((side("a")?, side("b")?));
            }
        }
        Some(_) => return Err("`passages` is not a list".into()),
    }
    let derived = match fields.get("derived") {
        None | Some(Value::Null) => !passages.is_empty(),
        Some(Value::Bool(d)) => *d,
        Some(_) => return Err("`derived` is not true or false".into()),
    };
    let labels = fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "a" | "b" | "derived" | "passages"))
        .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
        .collect();
    Ok(KnownPair {
        line,
        a,
        b,
        derived,
        passages,
        labels,
    })
}

fn read_pairs(path: &Path) -> Result<Vec<KnownPair>> {
    let name = path.display();
    let reader = doublet_io::readers::open(path)?;
    let mut pairs = Vec::new();
    for (i, text) in reader.lines().enumerate() {
        let line = i as u64 + 1;
        let text = text.with_context(|| format!("{name}:{line}"))?;
        // A byte-order mark at the start of the file is not part of the data.
        let text = match (i, text.strip_prefix('\u{feff}')) {
            (0, Some(rest)) => rest,
            _ => text.as_str(),
        };
        if text.trim().is_empty() {
            continue;
        }
        pairs.push(parse_pair(text, line).map_err(|m| anyhow!("{name}:{line}: {m}"))?);
    }
    Ok(pairs)
}

/// The texts of the documents `needed` names, by one read of the inputs;
/// an id used twice among them is an error (which would the pair mean?).
fn texts_of(inputs: &Inputs, needed: &HashSet<&str>) -> Result<HashMap<String, String>> {
    let mut found: HashMap<String, (String, doublet_io::Origin)> = HashMap::new();
    for record in inputs.records_with(Some(Vec::new())) {
        let record = record?;
        if !needed.contains(record.id.as_str()) {
            continue;
        }
        if let Some((_, first)) = found.get(&record.id) {
            bail!(
                "duplicate document id {}: {} and {}",
                quoted(&record.id),
                first,
                record.origin
            );
        }
        found.insert(record.id, (record.text, record.origin));
    }
    Ok(found
        .into_iter()
        .map(|(id, (text, _))| (id, text))
        .collect())
}

/// Every id the pairs name is in the inputs, and every passage lies on
/// character boundaries inside its document.
fn check_pairs(pairs: &[KnownPair], texts: &HashMap<String, String>, name: &str) -> Result<()> {
    for p in pairs {
        let text = |id: &str| {
            texts.get(id).ok_or_else(|| {
                anyhow!(
                    "{name}:{}: no document with id {} in the inputs",
                    p.line,
                    quoted(id)
                )
            })
        };
        let (ta, tb) = (text(&p.a)?, text(&p.b)?);
        for (k, (ra, rb)) in p.passages.iter().enumerate() {
            for (side, r, id, t) in [("a", ra, &p.a, ta), ("b", rb, &p.b, tb)] {
                if r.end > t.len() {
                    bail!(
                        "{name}:{}: passage {}: `{side}` [{}, {}] is outside document {} ({} bytes)",
                        p.line,
                        k + 1,
                        r.start,
                        r.end,
                        quoted(id),
                        t.len()
                    );
                }
                if !t.is_char_boundary(r.start) || !t.is_char_boundary(r.end) {
                    bail!(
                        "{name}:{}: passage {}: `{side}` [{}, {}] cuts a character of document {} \
                         (offsets count UTF-8 bytes)",
                        p.line,
                        k + 1,
                        r.start,
                        r.end,
                        quoted(id)
                    );
                }
            }
        }
    }
    Ok(())
}

/// `doublet compare` on one pair, seen from a's side.
fn measure(config: &Config, p: &KnownPair, texts: &HashMap<String, String>) -> Result<Measured> {
    // check_pairs found both.
    let (Some(ta), Some(tb)) = (texts.get(&p.a), texts.get(&p.b)) else {
        bail!("no document with id {} or {}", quoted(&p.a), quoted(&p.b));
    };
    let c = doublet::compare(
        config,
        &Document::new(p.a.as_str(), ta.as_str()),
        &Document::new(p.b.as_str(), tb.as_str()),
    )?;
    let span = |s: &doublet::Span| s.start..s.end;
    let mut m = Measured {
        relation: c.relation,
        jaccard: c.jaccard,
        a_in_b: c.a_in_b,
        b_in_a: c.b_in_a,
        a_shared: c.a_shared.unwrap_or(0.0),
        b_shared: c.b_shared.unwrap_or(0.0),
        detections: c
            .passages
            .iter()
            .map(|x| (span(&x.a), span(&x.b)))
            .collect(),
    };
    // Should the comparison ever put the smaller id first, turn it back.
    if c.a != p.a {
        std::mem::swap(&mut m.a_in_b, &mut m.b_in_a);
        std::mem::swap(&mut m.a_shared, &mut m.b_shared);
        for (a, b) in &mut m.detections {
            std::mem::swap(a, b);
        }
    }
    Ok(m)
}

fn run_passages(args: &EvalArgs, path: &Path, config: Config, resources: &Resources) -> Result<()> {
    let name = path.display().to_string();
    let pairs = read_pairs(path)?;
    let inputs = Inputs::parse(&args.common, false)?;
    memory::phase(Phase::Reading);
    let needed: HashSet<&str> = pairs
        .iter()
        .flat_map(|p| [p.a.as_str(), p.b.as_str()])
        .collect();
    let texts = texts_of(&inputs, &needed)?;
    check_pairs(&pairs, &texts, &name)?;
    memory::phase(Phase::Comparing);
    let measured = super::with_threads(resources, || {
        pairs
            .par_iter()
            .map(|p| {
                measure(&config, p, &texts).with_context(|| {
                    format!(
                        "{name}:{}: comparing {} with {}",
                        p.line,
                        quoted(&p.a),
                        quoted(&p.b)
                    )
                })
            })
            .collect::<Result<Vec<Measured>>>()
    })?;
    let by: Vec<String> = if args.by.is_empty() {
        BREAKDOWN.iter().map(|&f| f.to_owned()).collect()
    } else {
        args.by.clone()
    };
    let evaluation = assess_passages(&pairs, &measured, &by, args.worst, name, config);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &evaluation)?;
        writeln!(out)?;
    } else {
        printers::eval::print_passages(&evaluation, &mut out)?;
    }
    out.flush()?;
    Ok(())
}

/// The passages `list` gives for each pair of `which`, as cases of that pair.
fn ranges_of<'a>(
    which: &[usize],
    list: impl Fn(usize) -> &'a [(Range<usize>, Range<usize>)],
) -> Vec<Case> {
    which
        .iter()
        .flat_map(|&i| {
            list(i).iter().map(move |(a, b)| Case {
                pair: i,
                a: a.clone(),
                b: b.clone(),
            })
        })
        .collect()
}

/// PAN's measures and the document-level scores of the pairs `which`.
fn scores_of(
    which: &[usize],
    pairs: &[KnownPair],
    measured: &[Measured],
) -> (PassageScores, DocumentScores) {
    let cases = ranges_of(which, |i| &pairs[i].passages);
    let detections = ranges_of(which, |i| &measured[i].detections);
    let judgements: Vec<Judgement> = which
        .iter()
        .map(|&i| Judgement {
            truth: pairs[i].derived,
            predicted: measured[i].related(),
            score: measured[i].score(),
        })
        .collect();
    (
        passages::score(&cases, &detections),
        document_scores(&judgements),
    )
}

/// The fields of `by` some pair has, alone, two by two, and all together.
fn breakdown_fields(by: &[String], pairs: &[KnownPair]) -> Vec<Vec<String>> {
    let mut present: Vec<&String> = Vec::new();
    for f in by {
        if !present.contains(&f) && pairs.iter().any(|p| p.labels.contains_key(f)) {
            present.push(f);
        }
    }
    let mut out: Vec<Vec<String>> = present.iter().map(|&f| vec![f.clone()]).collect();
    for (i, &x) in present.iter().enumerate() {
        for &y in &present[i + 1..] {
            out.push(vec![x.clone(), y.clone()]);
        }
    }
    if present.len() > 2 {
        out.push(present.into_iter().cloned().collect());
    }
    out
}

fn assess_passages(
    pairs: &[KnownPair],
    measured: &[Measured],
    by: &[String],
    worst: usize,
    pairs_file: String,
    config: Config,
) -> PassageEvaluation {
    let all: Vec<usize> = (0..pairs.len()).collect();
    let (overall, documents) = scores_of(&all, pairs, measured);
    let judgements: Vec<Judgement> = pairs
        .iter()
        .zip(measured)
        .map(|(p, m)| Judgement {
            truth: p.derived,
            predicted: m.related(),
            score: m.score(),
        })
        .collect();
    let thresholds = THRESHOLDS
        .iter()
        .map(|&t| {
            let d = at_threshold(&judgements, t);
            ThresholdRow {
                threshold: t,
                predicted: d.predicted,
                scores: d.scores,
            }
        })
        .collect();
    let breakdowns = breakdown_fields(by, pairs)
        .into_iter()
        .map(|fields| {
            let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
            for (i, p) in pairs.iter().enumerate() {
                let values = fields
                    .iter()
                    .map(|f| p.labels.get(f).map_or(MISSING, String::as_str).to_owned())
                    .collect();
                groups.entry(values).or_default().push(i);
            }
            let groups = groups
                .into_iter()
                .map(|(values, which)| {
                    let (passages, documents) = scores_of(&which, pairs, measured);
                    Group {
                        values,
                        pairs: which.len(),
                        passages,
                        documents,
                    }
                })
                .collect();
            Breakdown { by: fields, groups }
        })
        .collect();
    let mistakes = |wrong: &dyn Fn(&KnownPair, &Measured) -> bool, highest_first: bool| {
        let mut list: Vec<PairMistake> = pairs
            .iter()
            .zip(measured)
            .filter(|(p, m)| wrong(p, m))
            .map(|(p, m)| PairMistake {
                line: p.line,
                a: p.a.clone(),
                b: p.b.clone(),
                labels: p.labels.clone(),
                relation: m.relation,
                score: m.score(),
                a_shared: m.a_shared,
                b_shared: m.b_shared,
                jaccard: m.jaccard,
                a_in_b: m.a_in_b,
                b_in_a: m.b_in_a,
                passages: p.passages.len(),
                detections: m.detections.len(),
            })
            .collect();
        list.sort_by(|x, y| {
            let by_score = x.score.total_cmp(&y.score);
            if highest_first {
                by_score.reverse()
            } else {
                by_score
            }
            .then(x.line.cmp(&y.line))
        });
        let count = list.len();
        list.truncate(worst);
        Mistakes { count, worst: list }
    };
    PassageEvaluation {
        pairs_file,
        pairs: pairs.len(),
        passages: overall,
        documents,
        thresholds,
        breakdowns,
        false_positives: mistakes(&|p, m| !p.derived && m.related(), true),
        false_negatives: mistakes(&|p, m| p.derived && !m.related(), false),
        config,
    }
}
