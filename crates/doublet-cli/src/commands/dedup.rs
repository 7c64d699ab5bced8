//! `doublet dedup`: write kept documents (cleaned) and removed ones with reasons.
//!
//! The inputs are read twice: once to analyse, once to copy records out. Only
//! the report is held between the passes, never the corpus text.

use anyhow::{bail, Result};
use doublet_io::Output;

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
    let mut output = Output::create(&args.output)?;
    let mut removed = args.removed.as_deref().map(Output::create).transpose()?;
    let inputs = Inputs::parse(&args.common, true)?;
    let report = super::with_threads(&resources, || load::scan(&inputs, config, &resources))?;
    memory::phase(Phase::Writing);
    let mut seen = 0usize;
    for (record, doc) in inputs.records().zip(&report.documents) {
        // Each record was checked against its fingerprint from the first
        // pass, so it is the document the report describes.
        let record = record?;
        seen += 1;
        if doc.kept {
            // Without cleaning (`--no-clean`) nothing was removed: write the
            // original bytes, not a re-joined list of blocks.
            let original = args.no_clean_output || args.common.tuning.no_clean;
            let text = if original {
                record.text
            } else {
                doc.cleaned_text(&record.text)
            };
            let mut obj = record.extra.unwrap_or_default();
            obj.insert_str_path(&inputs.fields.id, &record.id);
            obj.insert_str_path(&inputs.fields.text, &text);
            output.write(&obj)?;
        } else if let Some(w) = removed.as_mut() {
            w.write(&serde_json::json!({
                "id": doc.id,
                "duplicate_of": doc.duplicate_of,
                "relation": doc.relation,
                "jaccard": doc.jaccard,
                "containment": doc.containment,
                "cluster": doc.cluster,
            }))?;
        }
    }
    if seen != report.documents.len() {
        bail!("input changed while doublet was reading it: {} documents on the second pass, {} on the first", seen, report.documents.len());
    }
    let mut outputs = vec![output];
    outputs.extend(removed);
    if let Some(path) = &args.report {
        outputs.push(super::report_output(path, &report)?);
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
