//! Settings resolution: a config file, then flags, into one validated
//! [`Config`] plus speed-only [`Resources`], before any command runs.

use anyhow::{bail, Context, Result};
use doublet::{Config, KeepPolicy};

use crate::args::{Common, Keep, Tuning};

/// Worker threads at most: each has a stack and a share of every batch, and
/// no machine doublet runs on has more cores than this.
pub const MAX_THREADS: usize = 1024;

/// Settings that change speed, never results.
#[derive(Clone, Debug)]
pub struct Resources {
    pub threads: Option<usize>,
    pub batch_size: usize,
    pub progress: bool,
    /// Memory budget in bytes (`--max-memory`).
    pub max_memory: Option<usize>,
}

pub fn resolve(common: &Common) -> Result<(Config, Resources)> {
    let config = config(&common.tuning)?;
    if common.threads == Some(0) {
        bail!("invalid setting `threads`: must be at least 1");
    }
    if let Some(n) = common.threads.filter(|&n| n > MAX_THREADS) {
        bail!("invalid setting `threads`: {n} is more than {MAX_THREADS}, the most doublet starts");
    }
    if common.batch_size == 0 {
        bail!("invalid setting `batch-size`: must be at least 1");
    }
    let max_memory = common
        .max_memory
        .map(|b| usize::try_from(b).unwrap_or(usize::MAX));
    if let Some(bytes) = max_memory {
        crate::memory::limit(bytes);
    }
    Ok((
        config,
        Resources {
            threads: common.threads,
            batch_size: common.batch_size,
            progress: !common.quiet,
            max_memory,
        },
    ))
}

/// The largest record a run reads under `--max-memory`: a document needs
/// about four times its size while it is read and analysed (the line, its
/// text, tokens and offsets), so one larger than a quarter of the budget
/// could not be held within it. Without a budget, the engine's 4 GiB.
pub fn max_record(max_memory: Option<u64>) -> u64 {
    use doublet_io::readers::MAX_DOCUMENT;
    max_memory.map_or(MAX_DOCUMENT, |m| (m / 4).clamp(1, MAX_DOCUMENT))
}

/// The validated `Config`: the settings file if any, then the flags.
pub fn config(common: &Tuning) -> Result<Config> {
    let mut config = match &common.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            serde_json::from_str::<Config>(&text)
                .with_context(|| format!("{}: invalid settings", path.display()))?
        }
        None => Config::default(),
    };
    if let Some(v) = common.threshold {
        config.threshold = v;
        // Bands follow the threshold unless the file fixed them.
        if common.config.is_none() {
            config.bands = None;
            config.rows = None;
        }
    }
    if let Some(v) = common.containment {
        config.containment = v;
    }
    if let Some(v) = common.ngram {
        config.ngram = v;
    }
    if let Some(v) = common.num_perm {
        config.num_perm = v;
        config.bands = None;
        config.rows = None;
    }
    if let Some(v) = common.seed {
        config.seed = v;
    }
    if let Some(k) = common.keep {
        config.keep = match k {
            Keep::MostComplete => KeepPolicy::MostComplete,
            Keep::First => KeepPolicy::First,
        };
    }
    if common.no_clean {
        config.clean.enabled = false;
    }
    if let Some(v) = common.min_passage {
        config.min_passage = v;
    }
    if let Some(v) = common.min_words {
        config.min_words = v;
    }
    if common.dedup_paragraphs {
        config.dedup_paragraphs = true;
    }
    Ok(config.validated()?)
}
