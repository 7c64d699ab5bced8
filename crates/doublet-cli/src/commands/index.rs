//! `doublet index`: create an index, add and query batches, stats, evict,
//! compact, check.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

use anyhow::{bail, Context, Result};
use doublet::{KeepPolicy, Report};
use doublet_index::Index;

use crate::args::{
    Common, IndexAddArgs, IndexCommand, IndexCreateArgs, IndexDirArgs, IndexEvictArgs,
    IndexQueryArgs, Tuning,
};
use crate::load::{self, Inputs};
use crate::printers;

pub fn run(command: IndexCommand) -> Result<()> {
    let store = match &command {
        IndexCommand::Create(a) => a.dir.clone(),
        IndexCommand::Add(a) => a.dir.clone(),
        IndexCommand::Query(a) => a.dir.clone(),
        IndexCommand::Stats(a) | IndexCommand::Compact(a) | IndexCommand::Check(a) => a.dir.clone(),
        IndexCommand::Evict(a) => a.dir.clone(),
    }
    .join("index.redb");
    // The store panics on a page it cannot parse (a damaged file): that is
    // a failure of the index, exit 2 with a message, not a crash.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(command)));
    outcome.unwrap_or_else(|_| {
        bail!(
            "{}: the index store failed (above): its file is damaged; `doublet index check` \
             reports what it can read, and an index restored from a copy will work",
            store.display()
        )
    })
}

fn dispatch(command: IndexCommand) -> Result<()> {
    match command {
        IndexCommand::Create(a) => create(a),
        IndexCommand::Add(a) => add(a),
        IndexCommand::Query(a) => query(a),
        IndexCommand::Stats(a) => stats(a),
        IndexCommand::Evict(a) => evict(a),
        IndexCommand::Compact(a) => compact(a),
        IndexCommand::Check(a) => check(a),
    }
}

/// Where an `add` stands, for the interrupt handler: not committing,
/// committing, or stored.
static ADD: AtomicU8 = AtomicU8::new(IDLE);
const IDLE: u8 = 0;
const COMMITTING: u8 = 1;
const STORED: u8 = 2;

/// Called by the interrupt handler before it exits: a commit under way is
/// let finish (it is one fsync), and an interrupt after it says the batch
/// is stored, so no one retries a batch the index already holds.
pub fn on_interrupt() {
    while ADD.load(Ordering::SeqCst) == COMMITTING {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    if ADD.load(Ordering::SeqCst) == STORED {
        eprintln!(
            "doublet: interrupted after the batch was stored: its documents are in the index, \
             but their decisions were not all printed"
        );
    }
}

/// Print to standard output, failing (not panicking) on a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// Seconds since 1970, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn create(args: IndexCreateArgs) -> Result<()> {
    let t = &args.tuning;
    let mut config = crate::settings::config(t)?;
    // A settings file is refused what the flags are: the index would
    // otherwise override it without a word.
    let in_file = settings_in_file(t.config.as_deref())?;
    let given = |flag: bool, field: &str| flag || in_file.iter().any(|f| f == field);
    if config.keep != KeepPolicy::First && given(t.keep.is_some(), "keep") {
        bail!(
            "an index keeps the first copy (earlier documents stay); {} cannot be used with it",
            source(
                t.keep.is_some(),
                t,
                "--keep most-complete",
                "\"keep\": \"most_complete\""
            )
        );
    }
    if config.min_passage > 0 && given(t.min_passage.is_some(), "min_passage") {
        bail!(
            "an index finds no shared passages: {} cannot be used with it",
            source(
                t.min_passage.is_some(),
                t,
                "--min-passage",
                "\"min_passage\" above 0"
            )
        );
    }
    if config.dedup_paragraphs && given(t.dedup_paragraphs, "dedup_paragraphs") {
        bail!(
            "an index finds no shared passages: {} cannot be used with it",
            source(
                t.dedup_paragraphs,
                t,
                "--dedup-paragraphs",
                "\"dedup_paragraphs\": true"
            )
        );
    }
    config.keep = KeepPolicy::First;
    config.min_passage = 0;
    config.dedup_paragraphs = false;
    let index = Index::create(&args.dir, config)?;
    say!(
        "created index {} (format {}); settings fixed in {}",
        args.dir.display(),
        doublet_index::FORMAT,
        index.dir().join("meta.json").display()
    );
    Ok(())
}

/// The fields a settings file sets (its top-level keys).
fn settings_in_file(path: Option<&std::path::Path>) -> Result<Vec<String>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: invalid settings", path.display()))?;
    Ok(value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default())
}

/// The flag, or the settings file's field, that asked for a setting.
fn source(by_flag: bool, t: &Tuning, flag: &str, field: &str) -> String {
    match (&t.config, by_flag) {
        (Some(path), false) => format!("--config {} setting {field}", path.display()),
        _ => flag.to_owned(),
    }
}

/// Open the index (read-only when it cannot be written).
fn open(dir: &std::path::Path) -> Result<Index> {
    Ok(Index::open(dir)?)
}

fn refuse_settings(t: &Tuning) -> Result<()> {
    let given = [
        ("--config", t.config.is_some()),
        ("--threshold", t.threshold.is_some()),
        ("--containment", t.containment.is_some()),
        ("--ngram", t.ngram.is_some()),
        ("--num-perm", t.num_perm.is_some()),
        ("--seed", t.seed.is_some()),
        ("--keep", t.keep.is_some()),
        ("--no-clean", t.no_clean),
        ("--clean", t.clean.is_some()),
        ("--paragraphs", t.paragraphs.is_some()),
        ("--min-passage", t.min_passage.is_some()),
        ("--min-words", t.min_words.is_some()),
        ("--dedup-paragraphs", t.dedup_paragraphs),
    ];
    if let Some((flag, _)) = given.iter().find(|g| g.1) {
        bail!(
            "{flag}: an index's settings are fixed when it is created (`doublet index create`); \
             `doublet index stats` shows them"
        );
    }
    Ok(())
}

/// Read the inputs and decide them against the index with `decide`.
fn decide(
    common: &Common,
    index: &std::sync::Arc<Index>,
    time_field: Option<&str>,
    decide: impl FnOnce(&Index, doublet::Scanner, Vec<Option<i64>>) -> doublet_index::Result<Report>
        + Send,
) -> Result<Report> {
    refuse_settings(&common.tuning)?;
    let (_, resources) = crate::settings::resolve(common)?;
    // A repeated id is renamed past the ids the index holds too, so that
    // `--allow-duplicate-ids` never renames into a stored one.
    let held = index.clone();
    let inputs = Inputs::parse(common, false)?.with_taken(std::sync::Arc::new(move |id: &str| {
        held.contains(id).unwrap_or(false)
    }));
    let scanner = index.scanner()?;
    super::with_threads(&resources, || {
        load::scan_with(
            &inputs,
            scanner,
            &resources,
            time_field,
            load::Reading::IndexBatch,
            |s, times| decide(index, s, times).map_err(anyhow::Error::from),
        )
    })
}

fn print(report: &Report, json: bool) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        super::write_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        printers::summary::print(report, printers::summary::LIMIT, None, &mut out)?;
    }
    out.flush()?;
    Ok(())
}

fn add(args: IndexAddArgs) -> Result<()> {
    let index = std::sync::Arc::new(open(&args.dir)?);
    let now = now();
    let report = decide(
        &args.common,
        &index,
        args.time_field.as_deref(),
        |ix, s, times| {
            let pending = ix.prepare(s, &times, now)?;
            ADD.store(COMMITTING, Ordering::SeqCst);
            let stored = pending.commit();
            ADD.store(if stored.is_ok() { STORED } else { IDLE }, Ordering::SeqCst);
            stored
        },
    )?;
    print(&report, args.json)
}

fn query(args: IndexQueryArgs) -> Result<()> {
    let index = std::sync::Arc::new(open(&args.dir)?);
    let report = decide(&args.common, &index, None, |ix, s, _| ix.query(s))?;
    print(&report, args.json)?;
    let held = report.documents.iter().filter(|d| d.held).count();
    if held > 0 && !args.json {
        say!(
            "{held} of these documents {} already held by the index (`held` in --json): \
             decided as if new, never as their own duplicates",
            if held == 1 { "is" } else { "are" }
        );
    }
    Ok(())
}

fn stats(args: IndexDirArgs) -> Result<()> {
    let index = open(&args.dir)?;
    let stats = index.stats()?;
    if args.json {
        let value = serde_json::json!({ "stats": stats, "meta": index.meta() });
        say!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let c = index.config();
    say!(
        "index {} ({}{})",
        args.dir.display(),
        stats.format,
        if stats.read_only {
            ", read-only here"
        } else {
            ""
        }
    );
    say!(
        "  documents held:  {} ({} kept, {} removed as duplicates when added)",
        stats.documents,
        stats.kept,
        stats.removed
    );
    say!(
        "  kept documents new ones are measured against: {}",
        stats.candidates
    );
    say!(
        "  added in all:    {} ({} evicted)",
        stats.added,
        stats.evicted
    );
    say!("  block histories: {}", stats.blocks);
    say!(
        "  size on disk:    {}",
        printers::size(stats.bytes_on_disk as usize)
    );
    say!(
        "  settings:        threshold {}, containment {}, ngram {}, num_perm {}, corpus-wide cleaning {}",
        c.threshold,
        c.containment,
        c.ngram,
        c.num_perm,
        if c.clean.enabled { "on" } else { "off" }
    );
    Ok(())
}

fn evict(args: IndexEvictArgs) -> Result<()> {
    let index = open(&args.dir)?;
    let age = i64::try_from(args.older_than).unwrap_or(i64::MAX);
    let evicted = index.evict(now().saturating_sub(age))?;
    if args.json {
        say!("{}", serde_json::to_string_pretty(&evicted)?);
    } else {
        say!(
            "evicted {} documents ({} kept ones new documents were measured against); \
             {} exact keys forgotten",
            evicted.documents,
            evicted.candidates,
            evicted.exact_keys
        );
    }
    Ok(())
}

fn compact(args: IndexDirArgs) -> Result<()> {
    let index = open(&args.dir)?;
    let (before, after) = index.compact()?;
    say!(
        "compacted {}: {} -> {}",
        args.dir.display(),
        printers::size(before as usize),
        printers::size(after as usize)
    );
    Ok(())
}

fn check(args: IndexDirArgs) -> Result<()> {
    let index = open(&args.dir)?;
    let problems = index.check()?;
    if args.json {
        say!("{}", serde_json::json!({ "problems": problems }));
    } else if problems.is_empty() {
        say!("index {}: sound", args.dir.display());
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("doublet: {p}");
        }
        bail!("index {}: {} problems", args.dir.display(), problems.len());
    }
    Ok(())
}
