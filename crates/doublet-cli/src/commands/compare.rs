//! `doublet compare`: two documents side by side.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{bail, Result};
use doublet::Document;
use doublet_io::{quoted, records, Fields, Input, Record};

use crate::args::{ColorWhen, CompareArgs};
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

/// Find the two ids in a JSON Lines file, reading no further than needed.
fn from_jsonl(path: &str, a: &str, b: &str, fields: Fields) -> Result<(Record, Record)> {
    let mut found: (Option<Record>, Option<Record>) = (None, None);
    for record in records(vec![Input::parse(path)?], fields) {
        let record = record?;
        if found.0.is_none() && record.id == a {
            found.0 = Some(record.clone());
        }
        if found.1.is_none() && record.id == b {
            found.1 = Some(record);
        }
        if found.0.is_some() && found.1.is_some() {
            break;
        }
    }
    match found {
        (Some(x), Some(y)) => Ok((x, y)),
        (None, _) => bail!("{path}: no document with id {}", quoted(a)),
        (_, None) => bail!("{path}: no document with id {}", quoted(b)),
    }
}

pub fn run(args: CompareArgs, color: ColorWhen) -> Result<()> {
    let config = settings::config(&args.tuning)?;
    let max_record = settings::max_record(args.max_memory);
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
            from_jsonl(path, &args.a, &args.b, fields)?
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
