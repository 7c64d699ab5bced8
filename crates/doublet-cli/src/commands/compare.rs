//! `doublet compare`: two documents side by side.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{bail, Result};
use doublet::Document;
use doublet_io::{quoted, records, Fields, Input, Record};

use crate::args::{ColorWhen, CompareArgs};
use crate::load::Renamer;
use crate::memory::{self, Phase};
use crate::{printers, settings};

fn warn_replaced(record: &Record) {
    if record.replaced > 0 {
        eprintln!(
            "doublet: warning: {}: {} bytes of invalid UTF-8 replaced with U+FFFD",
            record.origin, record.replaced
        );
    }
}

/// Find the two ids in a JSON Lines or Parquet file.
///
/// An id the file holds twice is ambiguous, so, as in the corpus commands,
/// a repeated A or B is refused naming both places, which takes reading the
/// whole file; with `allow_duplicate_ids` repeated ids are renamed as the
/// corpus commands rename them (`<id>#2`, ...), and reading stops once
/// both are found, since a name depends only on the records before it.
fn from_input(
    path: &str,
    ids: [&str; 2],
    fields: Fields,
    allow_duplicate_ids: bool,
) -> Result<(Record, Record)> {
    let mut renamer = allow_duplicate_ids.then(Renamer::new);
    let mut found: [Option<Record>; 2] = [None, None];
    for record in records(vec![Input::parse(path)?], fields) {
        let mut record = record?;
        if let Some(renamer) = renamer.as_mut() {
            renamer.rename(&mut record);
        }
        for (id, slot) in ids.iter().zip(found.iter_mut()) {
            if record.id != *id {
                continue;
            }
            match slot {
                Some(first) => bail!(
                    "duplicate document id {}: {} and {} (--allow-duplicate-ids names the \
                     later ones {}, ... as the corpus commands do)",
                    quoted(id),
                    first.origin,
                    record.origin,
                    quoted(&format!("{id}#2"))
                ),
                None => *slot = Some(record.clone()),
            }
        }
        if renamer.is_some() && found.iter().all(Option::is_some) {
            break;
        }
    }
    match found {
        [Some(x), Some(y)] => Ok((x, y)),
        [None, _] => bail!("{path}: no document with id {}", quoted(ids[0])),
        [_, None] => bail!("{path}: no document with id {}", quoted(ids[1])),
    }
}

pub fn run(args: CompareArgs, color: ColorWhen) -> Result<()> {
    let config = settings::config(&args.tuning)?;
    let max_record = settings::max_record(args.max_memory);
    memory::advice(memory::Advice::TwoDocuments);
    if let Some(bytes) = args.max_memory {
        memory::limit(usize::try_from(bytes).unwrap_or(usize::MAX));
    }
    memory::phase(Phase::Reading);
    let (ra, rb) = match &args.input {
        Some(path) => {
            let fields = Fields {
                id: args.id_field.clone(),
                text: args.text_field.clone(),
                max_record,
                select: None,
                only: Some(Vec::new()),
            };
            from_input(path, [&args.a, &args.b], fields, args.allow_duplicate_ids)?
        }
        None => {
            let read = |p: &str| {
                doublet_io::readers::read_text_limited(Path::new(p), p.to_owned(), max_record)
            };
            (read(&args.a)?, read(&args.b)?)
        }
    };
    warn_replaced(&ra);
    warn_replaced(&rb);
    let (a, b) = (Document::new(ra.id, ra.text), Document::new(rb.id, rb.text));
    memory::phase(Phase::Comparing);
    let comparison = doublet::compare(&config, &a, &b)?;
    let stdout = std::io::stdout();
    let color = color.enabled(stdout.is_terminal());
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &comparison)?;
        writeln!(out)?;
    } else {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        printers::side_by_side::print(&comparison, &a.text, &b.text, width, color, &mut out)?;
    }
    out.flush()?;
    Ok(())
}
