//! `doublet dedup`: write kept documents (cleaned) and removed ones with reasons.
//!
//! The inputs are read twice: once to analyse, once to copy records out.
//! Between the passes the engine holds its decisions and each document's
//! block table (spilled), never the corpus text nor the whole report: the
//! second pass makes the report's entries a batch at a time, writing the
//! report beside the clean corpus. Outputs
//! named `.parquet` are Parquet ([`doublet_io::sinks`]), the rest JSON Lines.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use doublet::report::DocumentReport;
use doublet::Outcome;
use doublet_io::schema::Planner;
use doublet_io::sinks::{self, RecordSink, Value};
use doublet_io::{Output, Record};
use rayon::prelude::*;

use super::{PrettyReport, LIST_BATCH};

use crate::args::DedupArgs;
use crate::load::{self, Inputs};
use crate::memory::{self, Phase};
use crate::settings;

/// Tests of interruption set `DOUBLET_TEST_HOLD_MS` to keep the finished,
/// still unrenamed outputs on disk for that long before committing them.
fn hold_for_tests() {
    if let Some(ms) = std::env::var("DOUBLET_TEST_HOLD_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// The decision about a removed document, as fields.
fn decision(doc: &DocumentReport) -> Vec<(&'static str, Value)> {
    let relation = doc
        .relation
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.as_str().map(str::to_owned));
    vec![
        ("duplicate_of", Value::Str(doc.duplicate_of.clone())),
        ("relation", Value::Str(relation)),
        ("jaccard", Value::Float(doc.jaccard)),
        ("containment", Value::Float(doc.containment)),
        ("cluster", Value::UInt(doc.cluster as u64)),
    ]
}

/// How kept and removed documents are written.
struct Written {
    /// Add each kept document's cluster and its size.
    annotate: bool,
    /// Write kept documents as they came, not cleaned.
    original: bool,
    /// Write removed documents whole, with the decision's fields.
    removed_records: bool,
}

/// Where documents go: the clean corpus, the removed list, the report.
struct Sinks<'a> {
    output: RecordSink,
    removed: Option<RecordSink>,
    report: Option<(&'a PathBuf, PrettyReport<Output>)>,
}

/// The second pass: every record read again, in input order, and written
/// where its decision sends it, with the report's documents a batch at a
/// time. The records are read on a thread of their own, each batch's
/// cleaned texts made on all threads.
fn write<'a>(
    inputs: &Inputs,
    only: Option<Vec<String>>,
    outcome: &Outcome,
    how: &Written,
    mut sinks: Sinks<'a>,
) -> Result<Sinks<'a>> {
    let n = outcome.document_count();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Record>>>(2);
    std::thread::scope(|scope| -> Result<()> {
        // Owned here, so that a failure below drops it and the reader's
        // next send fails instead of waiting forever for room.
        let rx = rx;
        scope.spawn(move || {
            let mut records = inputs.records_with(only).take(n);
            loop {
                let batch: Result<Vec<Record>> = records.by_ref().take(LIST_BATCH).collect();
                let last = batch.as_ref().map_or(true, |b| b.len() < LIST_BATCH);
                if tx.send(batch).is_err() || last {
                    return;
                }
            }
        });
        let Sinks {
            output,
            removed,
            report,
        } = &mut sinks;
        let mut seen = 0usize;
        let mut next = outcome.documents(0..LIST_BATCH);
        for lo in (0..n).step_by(LIST_BATCH) {
            let docs = next?;
            let records = rx.recv().unwrap_or_else(|_| Ok(Vec::new()))?;
            seen += records.len();
            if records.len() < docs.len() {
                // Each record was checked against its fingerprint from the
                // first pass: one missing means the input is shorter now.
                bail!("input changed while doublet was reading it: {seen} documents on the second pass, {n} on the first");
            }
            let texts: Vec<Option<String>> = records
                .par_iter()
                .zip(&docs)
                .map(|(record, doc)| {
                    (doc.kept && !how.original).then(|| doc.cleaned_text(&record.text))
                })
                .collect();
            // The records are written in order on this thread while the
            // others format this batch's report entries and make the next
            // batch's.
            let first = report.as_ref().is_some_and(|(_, r)| r.written() == 0);
            let (pushed, (formatted, following)) = rayon::join(
                || -> Result<()> {
                    for ((record, doc), text) in records.into_iter().zip(&docs).zip(texts) {
                        push(output, removed.as_mut(), record, doc, text, how, outcome)?;
                    }
                    Ok(())
                },
                || {
                    let formatted = report
                        .is_some()
                        .then(|| super::pretty_entries_of(&docs, first));
                    let hi = lo + LIST_BATCH;
                    (formatted, outcome.documents(hi..hi + LIST_BATCH))
                },
            );
            pushed?;
            next = following;
            if let (Some((path, report)), Some(formatted)) = (report.as_mut(), formatted) {
                formatted
                    .and_then(|bytes| report.write_documents(&bytes, docs.len()))
                    .with_context(|| path.display().to_string())?;
            }
        }
        Ok(())
    })?;
    Ok(sinks)
}

/// Write one record where its decision sends it.
fn push(
    output: &mut RecordSink,
    removed: Option<&mut RecordSink>,
    record: Record,
    doc: &DocumentReport,
    text: Option<String>,
    how: &Written,
    outcome: &Outcome,
) -> Result<()> {
    if doc.kept {
        let added = if how.annotate {
            sinks::annotations(doc.cluster, outcome.cluster_size(doc.cluster))
        } else {
            Vec::new()
        };
        output.push(record, text, added)?;
    } else if let Some(w) = removed {
        if how.removed_records {
            w.push(record, None, decision(doc))?;
        } else {
            w.write_object(&serde_json::json!({
                "id": doc.id,
                "duplicate_of": doc.duplicate_of,
                "relation": doc.relation,
                "jaccard": doc.jaccard,
                "containment": doc.containment,
                "cluster": doc.cluster,
            }))?;
        }
    }
    Ok(())
}

pub fn run(args: DedupArgs) -> Result<()> {
    let (mut config, resources) = settings::resolve(&args.common)?;
    // Passages appear in no dedup output; find them only when asked to (for
    // the --report), since they cost as much as the rest of the pipeline.
    let tuning = &args.common.tuning;
    if tuning.min_passage.is_none() && tuning.config.is_none() {
        config.min_passage = 0;
    }
    // The output plan is checked and the outputs opened (as temporary
    // files) before the long part, so a clash or an unwritable destination
    // fails at once.
    super::check_outputs(
        &args.common,
        &[],
        &[
            ("--output", Some(args.output.as_path())),
            ("--removed", args.removed.as_deref()),
            ("--report", args.report.as_deref()),
        ],
    )?;
    let mut inputs = Inputs::parse(&args.common, true)?;
    let kept_added: &[(&str, Value)] = if args.annotate {
        &[
            ("cluster", Value::UInt(0)),
            ("cluster_size", Value::UInt(0)),
        ]
    } else {
        &[]
    };
    let mut output = RecordSink::create(&args.output, &inputs.fields, kept_added, None)?;
    let removed_added = [
        ("duplicate_of", Value::Str(None)),
        ("relation", Value::Str(None)),
        ("jaccard", Value::Float(None)),
        ("containment", Value::Float(None)),
        ("cluster", Value::UInt(0)),
    ];
    let mut removed = match &args.removed {
        Some(path) if args.removed_records => Some(RecordSink::create(
            path,
            &inputs.fields,
            &removed_added,
            None,
        )?),
        Some(path) => Some(RecordSink::create(
            path,
            &inputs.fields,
            &[],
            Some(sinks::removed_schema()),
        )?),
        None => None,
    };
    // A Parquet output's schema is planned before any row is written: the
    // Parquet inputs' footers now (shards that cannot share a column are
    // refused before reading), every JSON Lines record during the first
    // pass (a value no column holds stops it at its line).
    let plan_needed = output.needs_plan() || removed.as_ref().is_some_and(RecordSink::needs_plan);
    if plan_needed {
        inputs.plan_output(Planner::new(&inputs.inputs, &inputs.fields)?);
    }
    let outcome = super::with_threads(&resources, || {
        load::scan(&inputs, config, &resources, load::Held::Ranges)
    })?;
    memory::phase(Phase::Writing);
    if let Some(plan) = inputs.output_plan()? {
        output.plan(&plan)?;
        if let Some(removed) = removed.as_mut() {
            removed.plan(&plan)?;
        }
    }
    // The report is written beside the clean corpus, its documents a batch
    // at a time as they are made.
    let report = match &args.report {
        Some(path) => Some((
            path,
            PrettyReport::start(Output::create(path)?, outcome.head())
                .with_context(|| path.display().to_string())?,
        )),
        None => None,
    };
    let written = Written {
        annotate: args.annotate,
        // Without cleaning (`--no-clean`) nothing was removed: write the
        // original bytes, not a re-joined list of blocks.
        original: args.no_clean_output || args.common.tuning.cleaning_off(),
        removed_records: args.removed_records,
    };
    // Parquet records carry their other fields only when an output
    // writes them as JSON (copied rows and the short removed list do not).
    let needs_fields = output.needs_fields()
        || (args.removed_records && removed.as_ref().is_some_and(RecordSink::needs_fields));
    let only = (!needs_fields).then(Vec::new);
    let sinks = Sinks {
        output,
        removed,
        report,
    };
    let Sinks {
        output,
        removed,
        report,
    } = super::with_threads(&resources, || {
        write(&inputs, only, &outcome, &written, sinks)
    })?;
    memory::timing("kept documents written");
    let mut outputs = vec![output.finish()?];
    if let Some(removed) = removed {
        outputs.push(removed.finish()?);
    }
    if let Some((path, report)) = report {
        let mut out = super::with_threads(&resources, || report.finish(&outcome))
            .with_context(|| path.display().to_string())?;
        out.write_all(b"\n")
            .with_context(|| path.display().to_string())?;
        outputs.push(out);
    }
    memory::timing("kept documents and report synced");
    hold_for_tests();
    // All of them, or none.
    memory::unbounded_for_commit();
    doublet_io::commit(outputs)?;
    let s = &outcome.head().stats;
    eprintln!(
        "doublet: {} documents: {} kept -> {}, {} removed{}",
        s.documents,
        s.kept,
        args.output.display(),
        s.removed,
        args.removed
            .as_ref()
            .map_or(String::new(), |p| format!(" -> {}", p.display()))
    );
    Ok(())
}
