//! One file per subcommand.

pub mod compare;
pub mod dedup;
pub mod eval;
pub mod help;
pub mod index;
pub mod scan;
pub mod serve;

use std::path::Path;

use std::io::Write;

use anyhow::{Context, Result};
use doublet::Report;
use doublet_io::plan::Source;
use doublet_io::Output;

use crate::args::Common;
use crate::settings::Resources;

/// Run `f` on a thread pool of the requested size.
pub fn with_threads<T: Send>(
    resources: &Resources,
    f: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = resources.threads {
        builder = builder.num_threads(n);
    }
    builder.build()?.install(f)
}

/// The JSON report, streamed into a pending output (compressed when the
/// name ends in `.gz` or `.zst`); it appears when the run's outputs are
/// committed.
pub fn report_output(path: &Path, report: &Report) -> Result<Output> {
    let mut out = Output::create(path)?;
    serde_json::to_writer_pretty(&mut out, report).with_context(|| path.display().to_string())?;
    out.write_all(b"\n")
        .with_context(|| path.display().to_string())?;
    Ok(out)
}

/// The output plan, before any input is read: no output may be an input
/// (the corpus, a settings file, a truth file) or another output, and every
/// output location must be writable.
pub fn check_outputs(
    common: &Common,
    extra_inputs: &[&Path],
    outputs: &[(&str, Option<&Path>)],
) -> Result<()> {
    let mut sources: Vec<Source> = common
        .inputs
        .iter()
        .map(|a| match a.as_str() {
            "-" => Source::Stdin,
            path => Source::Path(path.into()),
        })
        .collect();
    sources.extend(common.tuning.config.iter().map(|p| Source::Path(p.clone())));
    sources.extend(extra_inputs.iter().map(|p| Source::Path(p.to_path_buf())));
    let outputs: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|&(flag, p)| p.map(|p| (flag, p)))
        .collect();
    doublet_io::plan::check_outputs(&sources, &outputs)?;
    for (_, path) in outputs {
        doublet_io::check_writable(path)?;
    }
    Ok(())
}
