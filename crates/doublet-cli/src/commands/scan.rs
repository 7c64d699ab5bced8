//! `doublet scan`: analyse, then print the summary or the JSON report, and
//! optionally write the HTML report.

use std::io::Write;

use anyhow::{Context, Result};
use doublet::{Outcome, Report};

use crate::args::ScanArgs;
use crate::load::{self, Inputs};
use crate::memory::{self, Phase};
use crate::printers::html;
use crate::{printers, settings};

pub fn run(args: ScanArgs) -> Result<()> {
    let (config, resources) = settings::resolve(&args.common)?;
    super::check_outputs(
        &args.common,
        &[],
        &[
            ("--report", args.report.as_deref()),
            ("--html", args.html.as_deref()),
        ],
    )?;
    let inputs = Inputs::parse(&args.common, args.html.is_some())?;
    let held = if args.html.is_some() {
        load::Held::WholeReport
    } else {
        load::Held::Ranges
    };
    let mut outcome =
        super::with_threads(&resources, || load::scan(&inputs, config, &resources, held))?;
    if inputs.rereadable() {
        memory::phase(Phase::PassageTexts);
        fill_passage_texts(&mut outcome, &inputs)?;
    }
    // The JSON report and the summary are made from the outcome a range
    // of documents at a time; the HTML page reads the whole report.
    let made = if args.html.is_some() {
        Made::Whole(Box::new(super::with_threads(&resources, || {
            Ok(outcome.into_report()?)
        })?))
    } else {
        Made::Outcome(Box::new(outcome))
    };
    let (report, whole): (&dyn super::Whole, Option<&Report>) = match &made {
        Made::Whole(whole) => (whole.as_ref(), Some(whole.as_ref())),
        Made::Outcome(outcome) => (outcome.as_ref(), None),
    };
    // Both files appear together, or neither does.
    let mut outputs = Vec::new();
    if let (Some(path), Some(whole)) = (&args.html, whole) {
        memory::phase(Phase::HtmlPage);
        let page = super::with_threads(&resources, || html_page(whole, &inputs, args.html_pairs))?;
        let mut out = doublet_io::Output::create(path)?;
        out.write_all(page.as_bytes())
            .with_context(|| path.display().to_string())?;
        outputs.push(out);
    }
    memory::phase(Phase::Writing);
    if let Some(path) = &args.report {
        outputs.push(super::with_threads(&resources, || {
            super::report_output(path, report)
        })?);
    }
    memory::unbounded_for_commit();
    doublet_io::commit(outputs)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        super::write_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        printers::summary::print(report, args.limit, args.report.as_deref(), &mut out)?;
    }
    out.flush()?;
    Ok(())
}

/// What the scan made: the whole report, for the HTML page, or the
/// outcome, whose documents are made as the JSON report or the summary
/// reads them.
enum Made {
    Whole(Box<Report>),
    Outcome(Box<Outcome>),
}

/// Give every shared passage its text, as it stands in document `a`: a
/// second pass over the inputs that keeps only the passages' slices.
fn fill_passage_texts(
    report: &mut impl doublet_io::settings::PassageTexts,
    inputs: &Inputs,
) -> Result<()> {
    doublet_io::settings::fill_passage_texts(
        report,
        inputs
            .records_with(Some(Vec::new()))
            .map(|r| r.map(|r| (r.id, r.text))),
    )
}

/// Read the texts the page embeds (a second pass over the inputs), then
/// render the page.
fn html_page(report: &Report, inputs: &Inputs, pairs: usize) -> Result<String> {
    let plan = html::Plan::new(
        report,
        html::Limits {
            pairs,
            ..html::Limits::default()
        },
    );
    let texts = inputs.texts_of(plan.texts())?;
    Ok(plan.render(&texts))
}
