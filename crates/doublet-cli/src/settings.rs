//! Settings resolution: a config file, then flags, into one validated
//! [`Config`] plus speed-only [`Resources`], before any command runs.

use anyhow::{bail, Context, Result};
use doublet::clean::Profile;
use doublet::config::Paragraphs;
use doublet::{Config, KeepPolicy};
use doublet_io::settings::Overrides;

use crate::args::{Clean, Common, Keep, ParagraphMarks, Tuning};

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
    doublet_io::settings::check_threads(common.threads).map_err(anyhow::Error::msg)?;
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
    let config = match &common.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            serde_json::from_str::<Config>(&text)
                .with_context(|| format!("{}: invalid settings", path.display()))?
        }
        None => Config::default(),
    };
    let overrides = Overrides {
        threshold: common.threshold,
        containment: common.containment,
        ngram: common.ngram,
        num_perm: common.num_perm,
        seed: common.seed,
        keep: common.keep.map(|k| match k {
            Keep::MostComplete => KeepPolicy::MostComplete,
            Keep::First => KeepPolicy::First,
        }),
        no_clean: common.cleaning_off(),
        profile: common.clean.and_then(|c| match c {
            Clean::Auto => Some(Profile::Auto),
            Clean::Web => Some(Profile::Web),
            Clean::Plain => Some(Profile::Plain),
            Clean::Off => None,
        }),
        paragraphs: common.paragraphs.map(|p| match p {
            ParagraphMarks::Auto => Paragraphs::Auto,
            ParagraphMarks::Lines => Paragraphs::Lines,
            ParagraphMarks::Blank => Paragraphs::Blank,
        }),
        min_passage: common.min_passage,
        min_words: common.min_words,
        dedup_paragraphs: common.dedup_paragraphs,
    };
    Ok(doublet_io::settings::apply(
        config,
        common.config.is_some(),
        &overrides,
    )?)
}
