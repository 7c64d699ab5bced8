//! Command-line arguments, as plain data. Names here are a public contract.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// Find duplicated and reused text in document collections, and explain every decision.
#[derive(Debug, Parser)]
#[command(name = "doublet", version, about, max_term_width = 100, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour in terminal output: auto (on a terminal, unless NO_COLOR is
    /// set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

const EXAMPLES: &str = "\
Examples:
  doublet scan examples/news                      summary of a folder of .txt files
  doublet scan corpus.jsonl.zst --report r.json --html r.html
  doublet dedup corpus.jsonl -o clean.jsonl --removed removed.jsonl
  doublet compare a.txt b.txt                     two documents side by side
  doublet completions bash > ~/.local/share/bash-completion/completions/doublet
  doublet man --out /usr/local/share/man/man1     one man page per command";

/// When terminal output is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless the NO_COLOR environment variable is set and not empty.
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether output to a stream that `is_terminal` or not is coloured.
    pub fn enabled(self, is_terminal: bool) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        self.decide(is_terminal, no_color)
    }

    fn decide(self, is_terminal: bool, no_color: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => is_terminal && !no_color,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ColorWhen::{Always, Auto, Never};

    /// A pipe cannot show `auto` on a terminal, so the rule is tested here
    /// (the CLI tests cover the flag end to end).
    #[test]
    fn auto_colours_a_terminal_unless_no_color_is_set() {
        assert!(Auto.decide(true, false));
        assert!(!Auto.decide(true, true));
        assert!(!Auto.decide(false, false));
        assert!(Always.decide(false, true));
        assert!(!Never.decide(true, false));
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse documents and print a summary (or the JSON report).
    Scan(ScanArgs),
    /// Write the clean corpus: kept documents, cleaned, and removed ones with reasons.
    Dedup(DedupArgs),
    /// Two documents side by side: scores, relation and the passages they share.
    Compare(CompareArgs),
    /// Measure doublet against labelled truth: a scan's grouping, or each pair's passages.
    Eval(EvalArgs),
    /// A persistent index: decide each new batch against everything kept before.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Serve an index over HTTP: POST /v1/query and /v1/add, GET /v1/stats and /healthz.
    Serve(ServeArgs),
    /// Print a completion script for a shell.
    #[command(
        after_help = "Examples:\n  doublet completions bash > ~/.local/share/bash-completion/completions/doublet\n  doublet completions zsh > ~/.zfunc/_doublet\n  doublet completions fish > ~/.config/fish/completions/doublet.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page, or write one page per command into a folder.
    #[command(
        after_help = "Examples:\n  doublet man | man -l -\n  doublet man --out /usr/local/share/man/man1"
    )]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write doublet.1, doublet-scan.1, ... into this folder (created if missing)
    /// instead of printing doublet.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `doublet index ...`
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Create an index in a new or empty folder; its settings are fixed from now on.
    Create(IndexCreateArgs),
    /// Decide documents against the index and store them (keep first: earlier documents stay).
    Add(IndexAddArgs),
    /// Decide documents against the index as `add` would; store nothing.
    Query(IndexQueryArgs),
    /// Counts, settings and size on disk.
    Stats(IndexDirArgs),
    /// Forget documents older than a given age.
    Evict(IndexEvictArgs),
    /// Rewrite the store without the space evicted records left (needs the index to itself).
    Compact(IndexDirArgs),
    /// Check that the index's tables agree with one another.
    Check(IndexDirArgs),
}

#[derive(Debug, Args)]
pub struct IndexCreateArgs {
    /// The index folder (created; must be new or empty).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub tuning: Tuning,
}

#[derive(Debug, Args)]
pub struct IndexDirArgs {
    /// The index folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexAddArgs {
    /// The index folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub common: Common,
    /// Field holding each document's time (RFC 3339, a date, or Unix seconds), which
    /// `evict --older-than` ages it by [default: the time it was added].
    #[arg(long, value_name = "NAME")]
    pub time_field: Option<String>,
    /// Print the batch's JSON report (doublet.report/1) instead of the summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexQueryArgs {
    /// The index folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub common: Common,
    /// Print the batch's JSON report (doublet.report/1) instead of the summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexEvictArgs {
    /// The index folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Forget documents older than this: a number and a unit, s, m, h, d or w (e.g. 30d).
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub older_than: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The index folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7474", value_name = "ADDR:PORT")]
    pub listen: String,
    /// Largest request body accepted.
    #[arg(long, default_value = "64MiB", value_name = "SIZE", value_parser = parse_size)]
    pub max_body: u64,
    /// Most documents accepted in one request.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub max_documents: usize,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
    /// Seconds a connection may sit idle, or take to send a request's
    /// headers, before it is closed.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Connections served at once; one more is answered 503 and closed
    /// [default: 512, or fewer when `ulimit -n` allows fewer].
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Memory the server lets requests hold, the store's cache included:
    /// each request reserves what its body will cost before reading it,
    /// and one that does not fit beside the others is answered 503 at once
    /// [default: a quarter of the machine's memory, at most 2 GiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Worker threads for deciding documents (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// An age such as `30d`, `12h`, `90m`, `45s`, `2w`, in seconds.
fn parse_age(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 30d"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "{s:?}: the unit is one of s, m, h, d, w (e.g. 30d)"
            ))
        }
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{s:?} is too long an age"))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TruthLayout {
    /// From the extension and the header.
    Auto,
    /// id, cluster[, label]: JSON Lines or CSV.
    Clusters,
    /// id_a, id_b[, label]: CSV.
    Pairs,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("against").required(true).args(["truth", "passages"])))]
pub struct EvalArgs {
    #[command(flatten)]
    pub common: Common,
    /// The truth: a cluster file (JSON Lines {id, cluster[, label]} or CSV) or a pair file (CSV id_a,id_b[,label]).
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// Known passages instead of a grouping: JSON Lines, one document pair a
    /// line, {"a": id, "b": id, "derived": bool, "passages": [{"a": [start,
    /// end], "b": [start, end]}, ...], other fields as labels}, in UTF-8
    /// byte offsets. Each pair is compared as `doublet compare` does and
    /// scored with PAN's passage measures and per pair.
    #[arg(long, value_name = "PAIRS")]
    pub passages: Option<PathBuf>,
    /// How the truth file is laid out.
    #[arg(long, value_enum, default_value = "auto")]
    pub truth_format: TruthLayout,
    /// With --passages: the label fields of the pairs to break the scores
    /// down by, alone, two by two and all together [default:
    /// lang,family,obfuscation,strength].
    #[arg(
        long,
        value_name = "FIELD,...",
        value_delimiter = ',',
        conflicts_with = "truth"
    )]
    pub by: Vec<String>,
    /// Print the evaluation as JSON.
    #[arg(long)]
    pub json: bool,
    /// How many of the worst false positives and false negatives to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub worst: usize,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// First document: a text file, or an id with --input.
    #[arg(value_name = "A")]
    pub a: String,
    /// Second document: a text file, or an id with --input.
    #[arg(value_name = "B")]
    pub b: String,
    /// Look A and B up as ids in this JSON Lines (.gz/.zst allowed) or Parquet file.
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Field (JSON Lines) or column (Parquet) holding the document id;
    /// a dotted path (`meta.id`) reaches a nested one.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// Field (JSON Lines) or column (Parquet) holding the document text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// With --input: a repeated id is renamed `<id>#2`, `<id>#3`, ... as the
    /// corpus commands rename it (so ids from their reports are found),
    /// instead of refused.
    #[arg(long, requires = "input")]
    pub allow_duplicate_ids: bool,
    /// Print JSON instead of the side-by-side view.
    #[arg(long)]
    pub json: bool,
    /// Stop with a clear error (exit status 2) rather than hold more than
    /// this much heap, e.g. 1.5GB or 800MiB; documents larger than a quarter
    /// of it are refused while read.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    #[command(flatten)]
    pub tuning: Tuning,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print the JSON report (schema doublet.report/1) to standard output.
    #[arg(long, conflicts_with = "report")]
    pub json: bool,
    /// Write the JSON report to FILE (- for standard output) and print the summary.
    #[arg(long, value_name = "FILE", value_parser = json_output)]
    pub report: Option<PathBuf>,
    /// Also write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE", value_parser = html_output)]
    pub html: Option<PathBuf>,
    /// Related pairs listed in the HTML page at most, the closest first (the
    /// page says when the report holds more; its histograms count them all).
    #[arg(long, value_name = "N", default_value_t = 250_000, requires = "html")]
    pub html_pairs: usize,
    /// Clusters, pairs and documents listed per section of the summary (0: all).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    pub common: Common,
    /// Kept documents: JSON Lines (.gz / .zst compress; - for standard
    /// output), or Parquet when FILE ends in .parquet (the input's columns,
    /// zstd compressed).
    #[arg(long, short, value_name = "FILE", value_parser = records_output)]
    pub output: PathBuf,
    /// Removed documents with duplicate_of, relation and scores (JSON
    /// Lines, or Parquet when FILE ends in .parquet).
    #[arg(long, value_name = "FILE", value_parser = records_output)]
    pub removed: Option<PathBuf>,
    /// Write removed documents in full to --removed: every input field
    /// and the original text, with the decision fields added.
    #[arg(long, requires = "removed")]
    pub removed_records: bool,
    /// Add `cluster` (the report's cluster id) and `cluster_size` (the
    /// number of documents in it, 1 for a document without duplicates) to
    /// each kept document, for weighting later.
    #[arg(long)]
    pub annotate: bool,
    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE", value_parser = json_output)]
    pub report: Option<PathBuf>,
    /// Compare cleaned text but write kept documents' original text
    /// (`--no-clean` also writes the original text, since it cleans nothing).
    #[arg(long)]
    pub no_clean_output: bool,
}

/// How documents are cleaned (`--clean`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Clean {
    /// Each document read as a scraped web page or a plain document, from
    /// its layout and chrome (docs/cleaning.md).
    Auto,
    /// Every document is a scraped web page: menus, link lists, paywalls
    /// and footers are found by a jusText-style classifier.
    Web,
    /// Every document is a plain document (licences, changelogs, manuals,
    /// books): only formulaic lines that recur in unrelated documents, at
    /// its head or tail, are removed.
    Plain,
    /// No cleaning: documents are compared as they are.
    Off,
}

/// How paragraphs are marked (`--paragraphs`).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ParagraphMarks {
    /// Per document: hard-wrapped lines joined into their paragraph, other
    /// texts one paragraph a line.
    Auto,
    /// One paragraph per line.
    Lines,
    /// Paragraphs separated by blank lines.
    Blank,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Keep {
    /// The copy with the most words after cleaning (ties: the copy most
    /// others are twins of, then the smaller id).
    MostComplete,
    /// The copy that comes first in the input.
    First,
}

/// Options shared by the corpus commands.
#[derive(Debug, Args)]
pub struct Common {
    /// Folders (of .txt files, JSON Lines and Parquet shards, in sorted
    /// path order), .txt files, JSON Lines files (.jsonl/.json/.ndjson,
    /// gzip or zstd), Parquet files (.parquet), or - for JSON Lines on stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Read only the files below a folder input whose path (relative to
    /// the folder, `/`-separated) matches this glob, e.g. '*.parquet' or
    /// '**/part-*.jsonl.gz'.
    #[arg(long, value_name = "PATTERN", value_parser = glob)]
    pub glob: Option<doublet_io::readers::Select>,
    /// Field (JSON Lines) or column (Parquet) holding the document id; a
    /// dotted path (`meta.id`) reaches a nested one. Records without it are
    /// named by place, FILE:LINE (JSON Lines) or FILE:ROW (Parquet, from 0).
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// Field (JSON Lines) or column (Parquet) holding the document text; a
    /// dotted path (`meta.body`) reaches a nested one.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// Field or column naming each document's site, for furniture that
    /// recurs within one site [default: the host of a `url` field, if any].
    #[arg(long, value_name = "NAME")]
    pub site_field: Option<String>,
    /// Skip malformed records (bad JSON, missing or non-string fields,
    /// invalid UTF-8, a Parquet row with a null text or id) instead of
    /// stopping; they are counted and
    /// listed in the report.
    #[arg(long)]
    pub skip_invalid: bool,
    #[command(flatten)]
    pub tuning: Tuning,
    /// Worker threads (default: all cores). Never changes results.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Documents analysed per parallel batch. Never changes results.
    #[arg(long, default_value_t = 4096, value_name = "N", hide = true)]
    pub batch_size: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Stop with a clear error (exit status 2) rather than hold more than
    /// this much heap, e.g. 1.5GB or 800MiB. Every allocation is counted
    /// against it, and the engine refuses early when its projection of the
    /// run's peak passes it (BENCHMARKS.md has measured figures per
    /// document). Never changes results.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Accept documents whose id was already used: the second is renamed
    /// `<id>#2`, the third `<id>#3`, and so on, with a warning, instead of
    /// stopping the run.
    #[arg(long)]
    pub allow_duplicate_ids: bool,
}

/// An output path: `-` is standard output.
fn output_path(s: &str) -> PathBuf {
    if s == "-" {
        PathBuf::from("/dev/stdout")
    } else {
        PathBuf::from(s)
    }
}

/// A folder's file selection.
fn glob(s: &str) -> Result<doublet_io::readers::Select, String> {
    doublet_io::readers::Select::new(s)
}

/// An output of records: Parquet when named `.parquet`, else JSON Lines;
/// refused when its name is not one doublet writes
/// ([`doublet_io::writers::check_output_name`], the one rule).
fn records_output(s: &str) -> Result<PathBuf, String> {
    let path = output_path(s);
    doublet_io::writers::check_output_name(&path, true)?;
    Ok(path)
}

/// A JSON or JSON Lines output (a report): refused when its name is not
/// one doublet writes JSON under.
fn json_output(s: &str) -> Result<PathBuf, String> {
    let path = output_path(s);
    doublet_io::writers::check_output_name(&path, false)?;
    Ok(path)
}

/// The HTML page's path.
fn html_output(s: &str) -> Result<PathBuf, String> {
    if s == "-" {
        return Err(
            "the page needs a file: standard output carries the summary or the JSON report".into(),
        );
    }
    Ok(PathBuf::from(s))
}

fn parse_size(s: &str) -> Result<u64, String> {
    match parse_size::parse_size(s) {
        Ok(0) => Err("must be more than 0".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e} (write a size such as 1.5GB or 800MiB)")),
    }
}

impl Tuning {
    /// Cleaning is off (`--no-clean` or `--clean off`).
    pub fn cleaning_off(&self) -> bool {
        self.no_clean || self.clean == Some(Clean::Off)
    }
}

/// Options that change results.
#[derive(Debug, Args)]
pub struct Tuning {
    /// Settings file (JSON, the `config` object of a report); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Near-duplicate threshold on Jaccard similarity [default: 0.8].
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Containment threshold: share of a document found in another [default: 0.8].
    #[arg(long)]
    pub containment: Option<f64>,
    /// Words per shingle [default: 5].
    #[arg(long)]
    pub ngram: Option<usize>,
    /// MinHash signature length [default: 128].
    #[arg(long)]
    pub num_perm: Option<usize>,
    /// Hash seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Which copy of a duplicate group is kept [default: most-complete].
    #[arg(long, value_enum)]
    pub keep: Option<Keep>,
    /// Compare documents as they are: no repeated-passage or boilerplate
    /// removal (the same as `--clean off`).
    #[arg(long)]
    pub no_clean: bool,
    /// How documents are cleaned: auto (each read as a web page or a plain
    /// document), web, plain, or off [default: auto].
    #[arg(long, value_enum, value_name = "PROFILE", conflicts_with = "no_clean")]
    pub clean: Option<Clean>,
    /// How paragraphs are marked: auto (hard-wrapped lines joined into
    /// their paragraph), lines (one per line), or blank (separated by blank
    /// lines) [default: auto].
    #[arg(long, value_enum, value_name = "MARKS")]
    pub paragraphs: Option<ParagraphMarks>,
    /// Shortest shared passage reported, in words; 0 turns passages off [default: 12].
    #[arg(long, value_name = "WORDS")]
    pub min_passage: Option<usize>,
    /// Remove a document as a near-duplicate or as contained only when at
    /// least this many of its words remain after cleaning [default: 20].
    #[arg(long, value_name = "WORDS")]
    pub min_words: Option<usize>,
    /// Also remove, from kept documents, paragraphs that an earlier kept
    /// document (in keep order) already holds; each is reported as
    /// `duplicate_paragraph` with the document that keeps it.
    #[arg(long)]
    pub dedup_paragraphs: bool,
}
