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
    write_pretty(&mut out, report).with_context(|| path.display().to_string())?;
    out.write_all(b"\n")
        .with_context(|| path.display().to_string())?;
    Ok(out)
}

/// `report` exactly as `serde_json::to_writer_pretty` writes it, with the
/// long lists (documents, clusters, pairs, reuse clusters) formatted on all
/// threads, a bounded batch of entries at a time, and written in order. A
/// test holds the bytes equal, so a field added to `Report` and not here
/// fails it.
pub fn write_pretty(out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    type Field<'a> = (
        &'static str,
        &'a dyn Fn(&mut dyn Write) -> std::io::Result<()>,
    );
    let fields: [Field; 9] = [
        ("schema", &|o| pretty(o, &report.schema, b"  ")),
        ("version", &|o| pretty(o, &report.version, b"  ")),
        ("config", &|o| pretty(o, &report.config, b"  ")),
        ("stats", &|o| pretty(o, &report.stats, b"  ")),
        ("documents", &|o| pretty_list(o, &report.documents)),
        ("clusters", &|o| pretty_list(o, &report.clusters)),
        ("pairs", &|o| pretty_list(o, &report.pairs)),
        ("reuse", &|o| pretty_list(o, &report.reuse)),
        ("skipped", &|o| pretty_list(o, &report.skipped)),
    ];
    for (i, (name, value)) in fields.iter().enumerate() {
        out.write_all(if i == 0 { b"{\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut *out, name)?;
        out.write_all(b": ")?;
        value(out)?;
    }
    out.write_all(b"\n}")
}

/// `value` as the pretty printer writes it, its lines after the first
/// indented by `indent` (where it sits in the whole).
fn pretty(
    out: &mut (impl Write + ?Sized),
    value: &impl serde::Serialize,
    indent: &[u8],
) -> std::io::Result<()> {
    let flat = serde_json::to_vec_pretty(value)?;
    // A JSON string holds no raw line break, so every one is the printer's.
    for line in flat.split_inclusive(|&b| b == b'\n') {
        out.write_all(line)?;
        if line.ends_with(b"\n") {
            out.write_all(indent)?;
        }
    }
    Ok(())
}

/// A list that is the value of a top-level field, as the pretty printer
/// writes it there: each entry on its own lines, indented two levels.
fn pretty_list<T: serde::Serialize + Sync>(
    out: &mut dyn Write,
    items: &[T],
) -> std::io::Result<()> {
    use rayon::prelude::*;
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    // Entries formatted 64 at a time on each thread, 64 such parts held at once.
    const PART: usize = 64;
    for (b, batch) in items.chunks(PART * 64).enumerate() {
        let parts: Vec<Vec<u8>> = batch
            .par_chunks(PART)
            .enumerate()
            .map(|(p, part)| {
                let mut buf = Vec::new();
                for (i, item) in part.iter().enumerate() {
                    let first = b == 0 && p == 0 && i == 0;
                    buf.extend_from_slice(if first { b"\n    " } else { b",\n    " });
                    pretty(&mut buf, item, b"    ")?;
                }
                Ok(buf)
            })
            .collect::<std::io::Result<_>>()?;
        for part in &parts {
            out.write_all(part)?;
        }
    }
    out.write_all(b"\n  ]")
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

#[cfg(test)]
mod tests {
    use doublet::report::Skipped;
    use doublet::{Config, Document, Scanner};

    fn words(seed: usize, n: usize) -> String {
        (0..n)
            .map(|i| format!("w{}", (seed * 7919 + i * 104_729) % 100_003))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn the_report_is_written_as_serde_json_pretty_prints_it() {
        // Over one batch of entries, with copies, containment, a passage
        // three documents share, and ids that need escaping.
        let shared = words(1, 60);
        let mut docs = Vec::new();
        for i in 0..4200 {
            let own = words(i + 10, 80);
            let text = match i % 7 {
                0..=2 => format!("{own}\n\n{shared}"),
                _ => own,
            };
            docs.push(Document::new(format!("doc \"{i}\"\n\u{e9}"), text));
        }
        docs.push(Document::new("copy", docs[5].text.clone()));
        docs.push(Document::new("part", docs[8].text[..200].to_string()));
        let mut scanner = Scanner::new(Config::default()).unwrap();
        scanner.push(docs).unwrap();
        let mut report = scanner.finish().unwrap();
        assert!(report.documents.len() > 4096 && !report.pairs.is_empty());
        assert!(!report.reuse.is_empty());
        for skipped in [false, true] {
            if skipped {
                report.skipped.push(Skipped {
                    source: "in.jsonl".into(),
                    line: 3,
                    row: None,
                    reason: "not JSON".into(),
                });
            }
            let mut ours = Vec::new();
            super::write_pretty(&mut ours, &report).unwrap();
            let theirs = serde_json::to_vec_pretty(&report).unwrap();
            assert!(ours == theirs, "the two differ");
        }
    }
}
