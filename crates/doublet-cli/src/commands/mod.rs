//! One file per subcommand.

pub mod dedup;
pub mod scan;

use anyhow::Result;

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
