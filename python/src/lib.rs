//! `doublet._doublet`: the Python binding of doublet. Glue only: settings
//! from keyword arguments (validated as the command line validates them, by
//! `doublet_io::settings`), documents from paths (`doublet_io` readers) or
//! Arrow tables (through the Arrow PyCapsule interface), and the engine's
//! results back as JSON or Arrow. The Python package (`doublet/__init__.py`)
//! builds the tables users see.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, FixedSizeBinaryBuilder, LargeStringBuilder, ListBuilder, UInt32Builder,
    UInt64Builder,
};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use doublet::clean::Profile;
use doublet::config::Paragraphs;
use doublet::{Config, Document, KeepPolicy, Plan, Report, Scanner, Signer};
use doublet_io::settings::{self as shared, Overrides};
use doublet_io::sinks::Value;
use doublet_io::tables::{column_names, id_strings, is_string, Strings};
use doublet_io::{quoted, Fields, Input, Origin};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::input::{AnyArray, AnyRecordBatch};
use pyo3_arrow::PyRecordBatch;
use rayon::prelude::*;

mod parts;

create_exception!(
    doublet,
    InputError,
    PyException,
    "An input could not be read: the message names the file and line, or the row."
);

/// Documents handed to the scanner at a time.
const BATCH: usize = 4096;

/// A failure inside the detached (GIL-free) part, turned into a Python
/// exception once the GIL is back.
enum Failure {
    Input(String),
    Value(String),
    Engine(String),
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f {
            Failure::Input(m) => InputError::new_err(m),
            Failure::Value(m) => PyValueError::new_err(m),
            Failure::Engine(m) => PyRuntimeError::new_err(m),
        }
    }
}

impl From<doublet_io::Error> for Failure {
    fn from(e: doublet_io::Error) -> Failure {
        Failure::Input(e.to_string())
    }
}

fn engine(e: doublet::Error) -> Failure {
    match e {
        doublet::Error::Config { .. } => Failure::Value(e.to_string()),
        other => Failure::Engine(other.to_string()),
    }
}

/// Keyword arguments every function takes (the command line's setting
/// names), and those of one function only.
const COMMON: [&str; 11] = [
    "threshold",
    "containment",
    "ngram",
    "num_perm",
    "seed",
    "keep",
    "clean",
    "min_passage",
    "min_words",
    "dedup_paragraphs",
    "threads",
];

/// The columns (fields) of a corpus: scan and dedup only.
const CORPUS: [&str; 3] = ["id_column", "text_column", "site_column"];

/// What the keyword arguments resolve to.
struct Settings {
    config: Config,
    /// `min_passage` was given (dedup turns passages off otherwise).
    min_passage_given: bool,
    threads: Option<usize>,
    fields: Fields,
    /// The field or column naming each document's site (`--site-field`).
    site: Option<String>,
    clean_output: bool,
    /// Add `cluster` and `cluster_size` to kept rows (`--annotate`).
    annotate: bool,
}

fn non_negative(name: &str, v: &Bound<'_, PyAny>) -> PyResult<u64> {
    let n: i128 = v.extract()?;
    u64::try_from(n).map_err(|_| {
        PyValueError::new_err(format!("invalid setting `{name}`: must not be negative"))
    })
}

fn settings(
    function: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
    extra: &[&str],
) -> PyResult<Settings> {
    let mut o = Overrides::default();
    let mut threads = None;
    let mut fields = Fields::default();
    let mut clean_output = true;
    let mut annotate = false;
    let mut site = None;
    let mut min_passage_given = false;
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            if value.is_none() {
                // None means "the default", as an absent flag does.
                if COMMON.contains(&key.as_str()) || extra.contains(&key.as_str()) {
                    continue;
                }
            }
            let usize_of = |v: &Bound<'_, PyAny>| -> PyResult<usize> {
                Ok(usize::try_from(non_negative(&key, v)?).unwrap_or(usize::MAX))
            };
            match key.as_str() {
                "threshold" => o.threshold = Some(value.extract()?),
                "containment" => o.containment = Some(value.extract()?),
                "ngram" => o.ngram = Some(usize_of(&value)?),
                "num_perm" => o.num_perm = Some(usize_of(&value)?),
                "seed" => o.seed = Some(non_negative(&key, &value)?),
                "keep" => {
                    let k: String = value.extract()?;
                    o.keep = Some(match k.as_str() {
                        "most-complete" | "most_complete" => KeepPolicy::MostComplete,
                        "first" => KeepPolicy::First,
                        _ => {
                            return Err(PyValueError::new_err(format!(
                                "invalid setting `keep`: {} is not \"most-complete\" or \"first\"",
                                quoted(&k)
                            )))
                        }
                    });
                }
                "clean" => {
                    // True and False as before; or a profile by name, as
                    // the command line's --clean takes it.
                    if let Ok(on) = value.extract::<bool>() {
                        o.no_clean = !on;
                    } else {
                        let p: String = value.extract()?;
                        match p.as_str() {
                            "auto" => o.profile = Some(Profile::Auto),
                            "web" => o.profile = Some(Profile::Web),
                            "plain" => o.profile = Some(Profile::Plain),
                            "off" => o.no_clean = true,
                            _ => {
                                return Err(PyValueError::new_err(format!(
                                    "invalid setting `clean`: {} is not True, False, \"auto\", \"web\", \"plain\" or \"off\"",
                                    quoted(&p)
                                )))
                            }
                        }
                    }
                }
                "paragraphs" => {
                    let p: String = value.extract()?;
                    o.paragraphs = Some(match p.as_str() {
                        "auto" => Paragraphs::Auto,
                        "lines" => Paragraphs::Lines,
                        "blank" => Paragraphs::Blank,
                        _ => {
                            return Err(PyValueError::new_err(format!(
                                "invalid setting `paragraphs`: {} is not \"auto\", \"lines\" or \"blank\"",
                                quoted(&p)
                            )))
                        }
                    });
                }
                "min_passage" => {
                    o.min_passage = Some(usize_of(&value)?);
                    min_passage_given = true;
                }
                "min_words" => o.min_words = Some(usize_of(&value)?),
                "dedup_paragraphs" => o.dedup_paragraphs = value.extract()?,
                "threads" => threads = Some(usize_of(&value)?),
                "id_column" if extra.contains(&"id_column") => fields.id = value.extract()?,
                "text_column" if extra.contains(&"text_column") => fields.text = value.extract()?,
                "site_column" if extra.contains(&"site_column") => site = Some(value.extract()?),
                "clean_output" if extra.contains(&"clean_output") => {
                    clean_output = value.extract()?
                }
                "annotate" if extra.contains(&"annotate") => annotate = value.extract()?,
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "{function}() got an unexpected keyword argument '{key}'"
                    )))
                }
            }
        }
    }
    let config = shared::apply(Config::default(), false, &o)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    shared::check_threads(threads).map_err(PyValueError::new_err)?;
    Ok(Settings {
        config,
        min_passage_given,
        threads,
        fields,
        site,
        clean_output,
        annotate,
    })
}

/// Run `f` on a pool of `threads` workers (all cores by default).
fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T, Failure> + Send,
) -> Result<T, Failure> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| Failure::Engine(format!("cannot start worker threads: {e}")))?;
    pool.install(f)
}

/// Where a document came from, for messages: a file (and line), or a row.
trait Place {
    fn place(&self, i: usize) -> String;
}

impl Place for Vec<Origin> {
    fn place(&self, i: usize) -> String {
        self.get(i)
            .map_or_else(|| format!("document #{i}"), Origin::to_string)
    }
}

/// Arrow rows are named by their 0-based row number.
struct Rows;

impl Place for Rows {
    fn place(&self, i: usize) -> String {
        format!("row {i}")
    }
}

/// A scanner that names documents by place in its errors, as the command
/// line does.
struct Feed {
    scanner: Scanner,
    batch: Vec<Document>,
}

impl Feed {
    /// Word tokens past a thirty-second of the default memory budget wait
    /// in an unlinked temporary file, as the command line keeps them.
    fn new(config: Config) -> Result<Feed, Failure> {
        let scanner = Scanner::new(config).map_err(engine)?;
        Ok(Feed {
            scanner: doublet_io::settings::with_spill(scanner, None)
                .map_err(|e| Failure::Engine(e.to_string()))?,
            batch: Vec::with_capacity(BATCH),
        })
    }

    fn add(&mut self, doc: Document, places: &dyn Place) -> Result<(), Failure> {
        self.batch.push(doc);
        if self.batch.len() >= BATCH {
            self.flush(places)?;
        }
        Ok(())
    }

    fn flush(&mut self, places: &dyn Place) -> Result<(), Failure> {
        let batch = std::mem::take(&mut self.batch);
        self.scanner.push(batch).map_err(|e| match e {
            doublet::Error::DuplicateId { id, first, second } => Failure::Input(format!(
                "duplicate document id {}: {} and {}",
                quoted(&id),
                places.place(first),
                places.place(second)
            )),
            other => engine(other),
        })
    }

    fn finish(mut self, places: &dyn Place) -> Result<Report, Failure> {
        self.flush(places)?;
        self.scanner.finish().map_err(engine)
    }
}

fn inputs_of(paths: &[String]) -> Result<Vec<Input>, Failure> {
    paths
        .iter()
        .map(|p| Input::parse(p).map_err(Failure::from))
        .collect()
}

/// Scan files, then fill passage texts by a second read, as `doublet scan`.
fn scan_files(paths: &[String], s: &Settings) -> Result<Report, Failure> {
    let inputs = inputs_of(paths)?;
    let mut feed = Feed::new(s.config.clone())?;
    let mut origins: Vec<Origin> = Vec::new();
    for record in doublet_io::records(inputs.clone(), s.fields.clone()) {
        let record = record?;
        let site = shared::site_of(record.extra.as_ref(), s.site.as_deref());
        origins.push(record.origin);
        let doc = Document::new(record.id, record.text);
        feed.add(
            match site {
                Some(site) => doc.with_site(site),
                None => doc,
            },
            &origins,
        )?;
    }
    let mut report = feed.finish(&origins)?;
    shared::fill_passage_texts(
        &mut report,
        doublet_io::records(inputs, s.fields.clone()).map(|r| r.map(|r| (r.id, r.text))),
    )?;
    Ok(report)
}

/// The batches of an Arrow input with its id, text and site columns found.
struct Table {
    batches: Vec<RecordBatch>,
    id: Option<usize>,
    text: usize,
    url: Option<usize>,
    /// The site column's values are sites as they are (`site_column`);
    /// otherwise the `url` column's hosts are.
    site_as_is: bool,
    fields: Fields,
}

impl Table {
    fn new(
        schema: &Schema,
        batches: Vec<RecordBatch>,
        fields: &Fields,
        site: Option<&str>,
    ) -> Result<Table, Failure> {
        let text = schema.index_of(&fields.text).map_err(|_| {
            Failure::Input(format!(
                "no text column `{}` (columns: {}; choose another with text_column=)",
                fields.text,
                column_names(schema)
            ))
        })?;
        if !is_string(schema.field(text).data_type()) {
            return Err(Failure::Input(format!(
                "column `{}` must hold strings, not {}",
                fields.text,
                schema.field(text).data_type()
            )));
        }
        if let Some(site) = site {
            let i = schema.index_of(site).map_err(|_| {
                Failure::Input(format!(
                    "no site column `{site}` (columns: {})",
                    column_names(schema)
                ))
            })?;
            if !is_string(schema.field(i).data_type()) {
                return Err(Failure::Input(format!(
                    "column `{site}` must hold strings, not {}",
                    schema.field(i).data_type()
                )));
            }
            return Ok(Table {
                batches,
                id: schema.index_of(&fields.id).ok(),
                text,
                url: Some(i),
                site_as_is: true,
                fields: fields.clone(),
            });
        }
        let url = schema
            .index_of("url")
            .ok()
            .filter(|&i| is_string(schema.field(i).data_type()))
            .filter(|_| fields.text != "url");
        Ok(Table {
            batches,
            id: schema.index_of(&fields.id).ok(),
            text,
            url,
            site_as_is: false,
            fields: fields.clone(),
        })
    }

    /// Every row as `(id, text, site)`, in order; rows without an id column
    /// are named by their row number.
    fn rows(&self) -> impl Iterator<Item = Result<(String, String, Option<String>), Failure>> + '_ {
        let mut offset = 0usize;
        self.batches.iter().flat_map(move |batch| {
            let start = offset;
            offset += batch.num_rows();
            let ids: Result<Option<ArrayRef>, Failure> = self
                .id
                .map(|i| {
                    id_strings(batch.column(i)).map_err(|e| {
                        Failure::Input(format!(
                            "column `{}` must hold strings or numbers: {e}",
                            self.fields.id
                        ))
                    })
                })
                .transpose();
            let (ids, err) = match ids {
                Ok(ids) => (ids, None),
                Err(e) => (None, Some(e)),
            };
            let text = batch.column(self.text).clone();
            let url = self.url.map(|i| batch.column(i).clone());
            let n = if err.is_some() { 1 } else { batch.num_rows() };
            let mut err = err;
            (0..n).map(move |i| {
                if let Some(e) = err.take() {
                    return Err(e);
                }
                let row = start + i;
                let id = match &ids {
                    Some(ids) => Strings::of(ids.as_ref())
                        .and_then(|s| s.get(i))
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            Failure::Input(format!(
                                "row {row}: column `{}` is null",
                                self.fields.id
                            ))
                        })?,
                    None => row.to_string(),
                };
                let text = Strings::of(text.as_ref())
                    .and_then(|s| s.get(i))
                    .ok_or_else(|| {
                        Failure::Input(format!("row {row}: column `{}` is null", self.fields.text))
                    })?
                    .to_owned();
                let site = url
                    .as_ref()
                    .and_then(|u| Strings::of(u.as_ref())?.get(i))
                    .and_then(|v| {
                        if self.site_as_is {
                            Some(v.to_owned())
                        } else {
                            shared::host_of(v)
                        }
                    });
                Ok((id, text, site))
            })
        })
    }
}

fn read_table(py: Python<'_>, data: AnyRecordBatch, s: &Settings) -> PyResult<Table> {
    let reader = data.into_reader()?;
    let schema = reader.schema();
    let batches = py
        .detach(|| reader.collect::<Result<Vec<_>, _>>())
        .map_err(|e| InputError::new_err(e.to_string()))?;
    Ok(Table::new(&schema, batches, &s.fields, s.site.as_deref())?)
}

/// Scan an Arrow table, then fill passage texts from its rows.
fn scan_table(table: &Table, s: &Settings) -> Result<Report, Failure> {
    let mut feed = Feed::new(s.config.clone())?;
    for row in table.rows() {
        let (id, text, site) = row?;
        let doc = Document::new(id, text);
        feed.add(
            match site {
                Some(site) => doc.with_site(site),
                None => doc,
            },
            &Rows,
        )?;
    }
    let mut report = feed.finish(&Rows)?;
    shared::fill_passage_texts(
        &mut report,
        table.rows().map(|r| r.map(|(id, text, _)| (id, text))),
    )?;
    Ok(report)
}

fn to_json(report: &Report) -> Result<String, Failure> {
    serde_json::to_string_pretty(report).map_err(|e| Failure::Engine(e.to_string()))
}

/// The `doublet.report/1` document (as `doublet scan --json` prints it) of
/// files: folders, `.txt`, JSON Lines (plain, gzip, zstd).
#[pyfunction]
#[pyo3(signature = (paths, **kwargs))]
fn scan_paths(
    py: Python<'_>,
    paths: Vec<String>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let s = settings("scan", kwargs, &CORPUS)?;
    Ok(py.detach(|| with_threads(s.threads, || to_json(&scan_files(&paths, &s)?)))?)
}

/// The `doublet.report/1` document of an Arrow table.
#[pyfunction]
#[pyo3(signature = (data, **kwargs))]
fn scan_arrow(
    py: Python<'_>,
    data: AnyRecordBatch,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let s = settings("scan", kwargs, &CORPUS)?;
    let table = read_table(py, data, &s)?;
    Ok(py.detach(|| with_threads(s.threads, || to_json(&scan_table(&table, &s)?)))?)
}

/// Dedup's settings: passages only when asked for (they appear in no dedup
/// output), as `doublet dedup`.
fn dedup_settings(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Settings> {
    let mut s = settings(
        "dedup",
        kwargs,
        &[
            "id_column",
            "text_column",
            "site_column",
            "clean_output",
            "annotate",
        ],
    )?;
    if !s.min_passage_given {
        s.config.min_passage = 0;
    }
    Ok(s)
}

/// The text written for a kept document: cleaned, unless cleaning is off
/// or the original is asked for (as `doublet dedup --no-clean-output`).
fn output_text(s: &Settings, doc: &doublet::report::DocumentReport, text: String) -> String {
    if !s.clean_output || !s.config.clean.enabled {
        text
    } else {
        doc.cleaned_text(&text)
    }
}

fn changed(id: &str) -> Failure {
    Failure::Input(format!(
        "input changed since doublet first read it (document {}); stopping rather than write stale text",
        quoted(id)
    ))
}

/// Dedup of files: the kept records written to the Parquet file `kept` as
/// `doublet dedup -o kept.parquet` writes them (the rows of Parquet inputs
/// copied with their types, other inputs' records with an inferred schema);
/// returns the report.
#[pyfunction]
#[pyo3(signature = (paths, kept, **kwargs))]
fn dedup_paths(
    py: Python<'_>,
    paths: Vec<String>,
    kept: std::path::PathBuf,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let s = dedup_settings(kwargs)?;
    let out = py.detach(|| {
        with_threads(s.threads, || {
            let report = scan_files(&paths, &s)?;
            let inputs = inputs_of(&paths)?;
            let added: &[(&str, Value)] = if s.annotate {
                &[("cluster", Value::UInt(0)), ("cluster_size", Value::UInt(0))]
            } else {
                &[]
            };
            let mut sink = doublet_io::sinks::RecordSink::create(&kept, &s.fields, added, None)?;
            // The output's schema is planned from every record before any
            // row is written (a read of its own here: the scan above is
            // the engine's).
            sink.plan(&doublet_io::schema::Planner::by_reading(&inputs, &s.fields)?)?;
            let sizes = doublet_io::sinks::cluster_sizes(&report);
            let records = doublet_io::records(inputs, s.fields.clone());
            let mut seen = 0usize;
            for (record, doc) in records.zip(&report.documents) {
                let record = record?;
                seen += 1;
                if record.id != doc.id {
                    return Err(changed(&record.id));
                }
                if doc.kept {
                    let text = output_text(&s, doc, record.text.clone());
                    let added = if s.annotate {
                        let size = sizes.get(&doc.cluster).copied().unwrap_or(1);
                        doublet_io::sinks::annotations(doc.cluster, size)
                    } else {
                        Vec::new()
                    };
                    sink.push(record, Some(text), added)?;
                }
            }
            if seen != report.documents.len() {
                return Err(Failure::Input(format!(
                    "input changed while doublet was reading it: {seen} documents on the second pass, {} on the first",
                    report.documents.len()
                )));
            }
            doublet_io::commit(vec![sink.finish()?])?;
            to_json(&report)
        })
    })?;
    Ok(out)
}

/// Dedup of an Arrow table: the report, the kept rows' numbers, and their
/// output texts (a record batch of one large string column).
#[pyfunction]
#[pyo3(signature = (data, **kwargs))]
fn dedup_arrow<'py>(
    py: Python<'py>,
    data: AnyRecordBatch,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(String, Vec<u64>, Bound<'py, PyAny>)> {
    let s = dedup_settings(kwargs)?;
    let table = read_table(py, data, &s)?;
    let (json, rows, texts) = py.detach(|| {
        with_threads(s.threads, || {
            let report = scan_table(&table, &s)?;
            let mut rows = Vec::with_capacity(report.stats.kept);
            let mut texts = LargeStringBuilder::new();
            for (i, (row, doc)) in table.rows().zip(&report.documents).enumerate() {
                let (id, text, _) = row?;
                if id != doc.id {
                    return Err(changed(&id));
                }
                if doc.kept {
                    rows.push(i as u64);
                    texts.append_value(output_text(&s, doc, text));
                }
            }
            Ok((to_json(&report)?, rows, texts.finish()))
        })
    })?;
    // One column, as a record batch: pyarrow receives it without a copy.
    let texts: ArrayRef = Arc::new(texts);
    let schema = Schema::new(vec![Field::new("text", DataType::LargeUtf8, false)]);
    let batch = RecordBatch::try_new(Arc::new(schema), vec![texts])
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok((json, rows, PyRecordBatch::new(batch).into_pyarrow(py)?))
}

/// The `doublet compare --json` object of two texts (ids `a` and `b`).
#[pyfunction]
#[pyo3(signature = (a, b, **kwargs))]
fn compare(
    py: Python<'_>,
    a: String,
    b: String,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let s = settings("compare", kwargs, &[])?;
    Ok(py.detach(|| {
        with_threads(s.threads, || {
            let c = doublet::compare(&s.config, &Document::new("a", a), &Document::new("b", b))
                .map_err(engine)?;
            serde_json::to_string_pretty(&c).map_err(|e| Failure::Engine(e.to_string()))
        })
    })?)
}

fn sketch_batch(texts: &[Option<&str>], config: &Config) -> Result<RecordBatch, Failure> {
    let plan = Plan::new(config.clone()).map_err(engine)?;
    let sketches: Vec<Option<doublet::DocSketch>> = texts
        .par_iter()
        .map_init(
            || Signer::new(&plan),
            |signer, t| t.map(|t| doublet::sign_document(&plan, signer, &Document::new("", t))),
        )
        .collect();
    let mut words = Vec::with_capacity(sketches.len());
    let mut exact = FixedSizeBinaryBuilder::new(16);
    let mut signature = ListBuilder::new(UInt32Builder::new());
    let mut anchors = ListBuilder::new(UInt64Builder::new());
    let mut hashes = ListBuilder::new(UInt64Builder::new());
    let mut positions = ListBuilder::new(UInt32Builder::new());
    let mut bytes = BinaryBuilder::new();
    for s in &sketches {
        let Some(s) = s else {
            words.push(None);
            exact.append_null();
            signature.append_null();
            anchors.append_null();
            hashes.append_null();
            positions.append_null();
            bytes.append_null();
            continue;
        };
        words.push(Some(s.words));
        match s.exact {
            Some(k) => exact
                .append_value(k.to_le_bytes())
                .map_err(|e| Failure::Engine(e.to_string()))?,
            None => exact.append_null(),
        }
        match &s.signature {
            Some(sig) => signature.append_value(sig.values().iter().map(|&v| Some(v))),
            None => signature.append_null(),
        }
        anchors.append_value(s.anchors.hashes.iter().map(|&v| Some(v)));
        hashes.append_value(s.fingerprints.iter().map(|&(h, _)| Some(h)));
        positions.append_value(s.fingerprints.iter().map(|&(_, p)| Some(p)));
        bytes.append_value(s.to_bytes());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(words)),
        Arc::new(exact.finish()),
        Arc::new(signature.finish()),
        Arc::new(anchors.finish()),
        Arc::new(hashes.finish()),
        Arc::new(positions.finish()),
        Arc::new(bytes.finish()),
    ];
    let schema = Schema::new(
        [
            "words",
            "exact",
            "signature",
            "anchors",
            "fingerprint_hashes",
            "fingerprint_positions",
            "sketch",
        ]
        .iter()
        .zip(&columns)
        .map(|(name, c)| Field::new(*name, c.data_type().clone(), true))
        .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| Failure::Engine(e.to_string()))
}

fn sketch_settings(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Settings> {
    settings("sketch", kwargs, &[])
}

/// Sketches of a list of texts, one row each.
#[pyfunction]
#[pyo3(signature = (texts, **kwargs))]
fn sketch_list<'py>(
    py: Python<'py>,
    texts: Vec<Option<String>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let s = sketch_settings(kwargs)?;
    let batch = py.detach(|| {
        let texts: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
        with_threads(s.threads, || sketch_batch(&texts, &s.config))
    })?;
    PyRecordBatch::new(batch).into_pyarrow(py)
}

/// Sketches of an Arrow string array or chunked array, read in place.
#[pyfunction]
#[pyo3(signature = (texts, **kwargs))]
fn sketch_arrow<'py>(
    py: Python<'py>,
    texts: AnyArray,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let s = sketch_settings(kwargs)?;
    let (chunks, field) = texts.into_chunked_array()?.into_inner();
    if !is_string(field.data_type()) {
        return Err(PyTypeError::new_err(format!(
            "sketch() takes strings, not {}",
            field.data_type()
        )));
    }
    let batch = py.detach(|| {
        let mut texts: Vec<Option<&str>> = Vec::new();
        for c in &chunks {
            if let Some(strings) = Strings::of(c.as_ref()) {
                texts.extend((0..c.len()).map(|i| strings.get(i)));
            }
        }
        with_threads(s.threads, || sketch_batch(&texts, &s.config))
    })?;
    PyRecordBatch::new(batch).into_pyarrow(py)
}

/// The engine's version and sketch format.
#[pyfunction]
fn version() -> (&'static str, u32) {
    (env!("CARGO_PKG_VERSION"), doublet::seeds::FORMAT)
}

#[pymodule]
mod _doublet {
    #[pymodule_export]
    use super::parts::{
        spark_analyse, spark_anchor_prefix, spark_clean, spark_config, spark_decide,
        spark_furniture, spark_greedy, spark_hosts, spark_measure, spark_plausible, spark_related,
        spark_sign, spark_votes,
    };
    #[pymodule_export]
    use super::{
        compare, dedup_arrow, dedup_paths, scan_arrow, scan_paths, sketch_arrow, sketch_list,
        version, InputError,
    };

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        // A bucket larger than `max_bucket` pairs each member with this
        // many next ones in exact-key order (doublet.spark repeats it).
        m.add("GIANT_BUCKET_WINDOW", doublet::index::GIANT_BUCKET_WINDOW)
    }
}
