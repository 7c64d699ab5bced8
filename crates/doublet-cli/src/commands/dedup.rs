//! `doublet dedup`: write kept documents (cleaned) and removed ones with reasons.
//!
//! The inputs are read twice: once to analyse, once to copy records out. Only
//! the report is held between the passes, never the corpus text. Outputs
//! named `.parquet` are Parquet ([`doublet_io::sinks`]), the rest JSON Lines.

use anyhow::{bail, Result};
use doublet::report::DocumentReport;
use doublet_io::schema::Planner;
use doublet_io::sinks::{self, RecordSink, Value};

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
    let report = super::with_threads(&resources, || load::scan(&inputs, config, &resources))?;
    memory::phase(Phase::Writing);
    if let Some(plan) = inputs.output_plan()? {
        output.plan(&plan)?;
        if let Some(removed) = removed.as_mut() {
            removed.plan(&plan)?;
        }
    }
    let sizes = if args.annotate {
        sinks::cluster_sizes(&report)
    } else {
        Default::default()
    };
    // Without cleaning (`--no-clean`) nothing was removed: write the
    // original bytes, not a re-joined list of blocks.
    let original = args.no_clean_output || args.common.tuning.cleaning_off();
    let mut seen = 0usize;
    // Parquet records carry their other fields only when an output
    // writes them as JSON (copied rows and the short removed list do not).
    let needs_fields = output.needs_fields()
        || (args.removed_records && removed.as_ref().is_some_and(RecordSink::needs_fields));
    let only = (!needs_fields).then(Vec::new);
    for (record, doc) in inputs.records_with(only).zip(&report.documents) {
        // Each record was checked against its fingerprint from the first
        // pass, so it is the document the report describes.
        let record = record?;
        seen += 1;
        if doc.kept {
            let text = (!original).then(|| doc.cleaned_text(&record.text));
            let added = if args.annotate {
                sinks::annotations(doc, &sizes)
            } else {
                Vec::new()
            };
            output.push(record, text, added)?;
        } else if let Some(w) = removed.as_mut() {
            if args.removed_records {
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
    }
    if seen != report.documents.len() {
        bail!("input changed while doublet was reading it: {} documents on the second pass, {} on the first", seen, report.documents.len());
    }
    memory::timing("kept documents written");
    let mut outputs = vec![output.finish()?];
    if let Some(removed) = removed {
        outputs.push(removed.finish()?);
    }
    memory::timing("kept documents synced");
    if let Some(path) = &args.report {
        outputs.push(super::with_threads(&resources, || {
            super::report_output(path, &report)
        })?);
        memory::timing("report written and synced");
    }
    hold_for_tests();
    // All of them, or none.
    memory::unbounded_for_commit();
    doublet_io::commit(outputs)?;
    let s = &report.stats;
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
