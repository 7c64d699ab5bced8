//! `doublet scan`: analyse, then print the summary or the JSON report.

use std::io::Write;

use anyhow::Result;

use crate::args::ScanArgs;
use crate::load::{self, Inputs};
use crate::{printers, settings};

pub fn run(args: ScanArgs) -> Result<()> {
    let (config, resources) = settings::resolve(&args.common)?;
    let inputs = Inputs::parse(&args.common, false)?;
    let report = super::with_threads(&resources, || load::scan(&inputs, config, &resources))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        if let Some(path) = &args.report {
            super::write_report(path, &report)?;
        }
        printers::summary::print(&report, &mut out)?;
    }
    out.flush()?;
    Ok(())
}
