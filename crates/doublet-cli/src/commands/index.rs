//! `doublet index`: create an index, add and query batches, stats, evict,
//! compact, check.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

use anyhow::{bail, Result};
use doublet::{KeepPolicy, Report};
use doublet_index::Index;

use crate::args::{
    Common, IndexAddArgs, IndexCommand, IndexCreateArgs, IndexDirArgs, IndexEvictArgs,
    IndexQueryArgs, Keep, Tuning,
};
use crate::load::{self, Inputs};
use crate::printers;

pub fn run(command: IndexCommand) -> Result<()> {
    // The store panics on a page it cannot parse (a damaged file): that is
    // a failure of the index, exit 2 with a message, not a crash.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(command)));
    outcome.unwrap_or_else(|_| {
        bail!(
            "the index store failed (above): its file is damaged; `doublet index check` \
             reports what it can read, and an index restored from a copy will work"
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
    if matches!(t.keep, Some(Keep::MostComplete)) {
        bail!(
            "an index keeps the first copy (earlier documents stay); --keep most-complete \
             cannot be used with it"
        );
    }
    if t.min_passage.is_some_and(|m| m > 0) || t.dedup_paragraphs {
        bail!("an index finds no shared passages: --min-passage and --dedup-paragraphs cannot be used with it");
    }
    let mut config = crate::settings::config(t)?;
    config.keep = KeepPolicy::First;
    config.min_passage = 0;
    let index = Index::create(&args.dir, config)?;
    say!(
        "created index {} (format {}); settings fixed in {}",
        args.dir.display(),
        doublet_index::FORMAT,
        index.dir().join("meta.json").display()
    );
    Ok(())
}

/// The first settings flag given, which add and query refuse: the
/// index's settings were fixed when it was created.
/// Open the index.
fn open(dir: &std::path::Path) -> Result<Index> {
    Index::open(dir).map_err(named(dir))
}

/// A failure of the index at `dir`, naming it when the message does not
/// (the store's own errors say what failed, not where).
fn named(dir: &std::path::Path) -> impl Fn(doublet_index::Error) -> anyhow::Error + '_ {
    move |e| match e {
        doublet_index::Error::Store(_) | doublet_index::Error::Corrupt(_) => {
            anyhow::Error::new(e).context(format!("index {}", dir.display()))
        }
        e => e.into(),
    }
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
    index: &Index,
    time_field: Option<&str>,
    decide: impl FnOnce(&Index, doublet::Scanner, Vec<Option<i64>>) -> doublet_index::Result<Report>
        + Send,
) -> Result<Report> {
    refuse_settings(&common.tuning)?;
    let (_, resources) = crate::settings::resolve(common)?;
    let inputs = Inputs::parse(common, false)?;
    let scanner = index.scanner()?;
    super::with_threads(&resources, || {
        load::scan_with(&inputs, scanner, &resources, time_field, |s, times| {
            decide(index, s, times).map_err(named(index.dir()))
        })
    })
}

fn print(report: &Report, json: bool) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        printers::summary::print(report, printers::summary::LIMIT, None, &mut out)?;
    }
    out.flush()?;
    Ok(())
}

fn add(args: IndexAddArgs) -> Result<()> {
    let index = open(&args.dir)?;
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
    let index = open(&args.dir)?;
    let report = decide(&args.common, &index, None, |ix, s, _| ix.query(s))?;
    print(&report, args.json)
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
    say!("index {} ({})", args.dir.display(), stats.format);
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
    let evicted = index
        .evict(now().saturating_sub(age))
        .map_err(named(&args.dir))?;
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
    let (before, after) = index.compact().map_err(named(&args.dir))?;
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
    let problems = index.check().map_err(named(&args.dir))?;
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
