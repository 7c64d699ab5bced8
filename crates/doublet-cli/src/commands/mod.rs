//! One file per subcommand.

pub mod compare;
pub mod dedup;
pub mod eval;
pub mod scan;

use std::path::Path;

use anyhow::Result;
use doublet::Report;

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

/// Write the JSON report to `path` atomically.
pub fn write_report(path: &Path, report: &Report) -> Result<()> {
    doublet_io::write_atomic_with(path, |w| {
        serde_json::to_writer_pretty(&mut *w, report)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}
