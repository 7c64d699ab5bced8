//! The `doublet` command. Glue only: arguments, settings, one module per
//! subcommand, printers. Exit status: 0 success, 2 error (one message naming
//! the file and line, or out of memory), 130 interrupted (SIGINT, SIGTERM or SIGHUP; no
//! unfinished output is left behind).

#[cfg(unix)]
mod alloc;
mod args;
mod commands;
mod load;
mod memory;
mod printers;
mod settings;

use std::process::ExitCode;

use clap::Parser;

/// The heap is accounted, bounded by `--max-memory`, and running out is
/// exit 2 with one line (see `alloc`).
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: alloc::Accounted = alloc::Accounted;

fn run() -> anyhow::Result<()> {
    let cli = args::Cli::parse();
    match cli.command {
        args::Command::Scan(a) => commands::scan::run(a),
        args::Command::Dedup(a) => commands::dedup::run(a),
        args::Command::Compare(a) => commands::compare::run(a, cli.color),
        args::Command::Completions(a) => commands::help::completions(a),
        args::Command::Man(a) => commands::help::man(a),
        args::Command::Eval(a) => commands::eval::run(a),
        args::Command::Index(c) => commands::index::run(c),
        args::Command::Serve(a) => commands::serve::run(a),
    }
}

/// Set by the signal handler before it removes the unfinished outputs.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn main() -> ExitCode {
    memory::purge_soon();
    memory::start_clock();
    // Outputs are written under temporary names and renamed when complete;
    // on a signal, delete the unfinished ones before exiting.
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
        commands::index::on_interrupt();
        doublet_io::remove_unfinished();
        eprintln!("doublet: interrupted; unfinished outputs removed");
        std::process::exit(130);
    });
    let result = run();
    // Once interrupted, the handler's exit (130) is the run's end: the
    // outputs it removes may make the run fail on its own, and that
    // failure must not exit first with another status.
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`doublet scan ... | head`) is not an error.
            let broken_pipe = e.chain().any(|c| {
                let kind = c
                    .downcast_ref::<std::io::Error>()
                    .map(std::io::Error::kind)
                    .or_else(|| {
                        c.downcast_ref::<serde_json::Error>()
                            .and_then(serde_json::Error::io_error_kind)
                    });
                kind == Some(std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("doublet: error: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line, each cause once: an error that
/// already quotes its cause (`path: No such file or directory`) is not
/// followed by it again.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
