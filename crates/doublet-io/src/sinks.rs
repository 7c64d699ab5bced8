//! Record outputs: JSON Lines, or Parquet.
//!
//! A [`RecordSink`] takes records as read (with the text to write, and
//! fields to add such as `cluster` or `relation`) and writes them to an
//! [`Output`], which appears only when the run's outputs are committed.
//!
//! Parquet is written two ways. When every input is Parquet with the same
//! columns ([`parquet_input_schema`]), rows are copied from the input
//! batches with their Arrow types, the text column replaced; the output
//! has the input's columns in their order, then the added ones. Otherwise
//! (JSON Lines or text inputs, or Parquet files that differ) each record's
//! JSON object goes to an unlinked temporary file, whose schema is inferred
//! over every record once they are all written (integers as 64-bit,
//! objects as structs, a field that is a string in one record and a number
//! in another as a string), and then decoded into Parquet. Both are zstd
//! compressed, in row groups of at most [`ROW_GROUP_BYTES`] in memory.

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::{io, Error, Result};
use crate::readers::{list_folder, Fields, Format, Input, Record};
use crate::tables::{field_path, Row};
use crate::writers::Output;

/// Encoded bytes a Parquet output holds before it writes a row group.
pub const ROW_GROUP_BYTES: usize = 128 << 20;

/// Rows gathered from one input batch before they are copied out.
const COPY_ROWS: usize = 8192;

/// A value of a field doublet adds to a record.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string, or null.
    Str(Option<String>),
    /// A count or id.
    UInt(u64),
    /// A score, or null.
    Float(Option<f64>),
}

impl Value {
    fn data_type(&self) -> DataType {
        match self {
            Value::Str(_) => DataType::Utf8,
            Value::UInt(_) => DataType::UInt64,
            Value::Float(_) => DataType::Float64,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Str(s) => s.as_deref().map_or(serde_json::Value::Null, Into::into),
            Value::UInt(n) => (*n).into(),
            Value::Float(f) => f.map_or(serde_json::Value::Null, Into::into),
        }
    }
}

/// Whether a destination is written as Parquet: its name ends `.parquet`.
pub fn is_parquet_output(dest: &Path) -> bool {
    dest.to_string_lossy()
        .to_ascii_lowercase()
        .ends_with(".parquet")
}

/// The columns every input shares when all of them are Parquet files
/// (directly or below a folder) with the same fields and a top-level text
/// column; `None` otherwise. Schema-level metadata (such as pandas' index
/// description, which filtering would make wrong) is not kept.
pub fn parquet_input_schema(inputs: &[Input], fields: &Fields) -> Result<Option<SchemaRef>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for input in inputs {
        match input {
            Input::Parquet(p) => files.push(p.clone()),
            Input::Folder(root) => {
                for (_, path, format) in list_folder(root, fields.select.as_ref())? {
                    if format != Format::Parquet {
                        return Ok(None);
                    }
                    files.push(path);
                }
            }
            _ => return Ok(None),
        }
    }
    let mut shared: Option<Schema> = None;
    for file in files {
        let schema = crate::tables::parquet_schema(&file)?;
        match &shared {
            None => shared = Some(Schema::new(schema.fields().clone())),
            Some(s) if s.fields() == schema.fields() => {}
            Some(_) => return Ok(None),
        }
    }
    Ok(shared.and_then(|s| {
        let top_level = field_path(s.fields(), &fields.text).is_some_and(|p| p.len() == 1);
        top_level.then(|| Arc::new(s))
    }))
}

fn writer_properties() -> WriterProperties {
    let level = ZstdLevel::try_new(3).unwrap_or_default();
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .build()
}

fn parquet_error(dest: &Path, e: impl std::fmt::Display) -> Error {
    Error::Unsupported {
        path: dest.to_owned(),
        message: format!("cannot write Parquet: {e}"),
    }
}

/// Rows of one input batch waiting to be copied out.
struct Gathered {
    batch: Arc<RecordBatch>,
    indices: Vec<u32>,
    /// The text to write for each row, when it replaces the input's.
    texts: Vec<Option<String>>,
    /// The id to write for each row, when the run renamed it
    /// (`--allow-duplicate-ids`).
    ids: Vec<Option<String>>,
    added: Vec<Vec<Value>>,
}

/// Parquet rows copied from Parquet inputs.
struct Copy {
    writer: ArrowWriter<Output>,
    input: SchemaRef,
    output: SchemaRef,
    text: usize,
    /// The id column, when it is a top-level one.
    id: Option<usize>,
    gathered: Option<Gathered>,
}

impl Copy {
    fn flush(&mut self, dest: &Path) -> Result<()> {
        let Some(g) = self.gathered.take() else {
            return Ok(());
        };
        let indices = UInt32Array::from(g.indices);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.output.fields().len());
        for (i, column) in g.batch.columns().iter().enumerate() {
            let taken = arrow_select::take::take(column, &indices, None)
                .map_err(|e| parquet_error(dest, e))?;
            let replaced = if i == self.text {
                Some(&g.texts)
            } else if Some(i) == self.id {
                Some(&g.ids)
            } else {
                None
            };
            columns.push(match replaced {
                Some(values) if values.iter().any(Option::is_some) => {
                    replace(&taken, values, self.input.field(i).data_type())
                        .map_err(|e| parquet_error(dest, e))?
                }
                _ => taken,
            });
        }
        for (k, field) in self.output.fields()[self.input.fields().len()..]
            .iter()
            .enumerate()
        {
            columns.push(build_column(
                field.data_type(),
                g.added.iter().map(|a| &a[k]),
            ));
        }
        let batch = RecordBatch::try_new(self.output.clone(), columns)
            .map_err(|e| parquet_error(dest, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| parquet_error(dest, e))?;
        if self.writer.in_progress_size() > ROW_GROUP_BYTES {
            self.writer.flush().map_err(|e| parquet_error(dest, e))?;
        }
        Ok(())
    }
}

/// `column` with the given rows replaced by strings, in its own type.
fn replace(
    column: &ArrayRef,
    values: &[Option<String>],
    data_type: &DataType,
) -> std::result::Result<ArrayRef, arrow_schema::ArrowError> {
    let as_strings =
        crate::tables::id_strings(column).map_err(arrow_schema::ArrowError::CastError)?;
    let original = crate::tables::Strings::of(as_strings.as_ref());
    let mut b = StringBuilder::new();
    for (row, value) in values.iter().enumerate() {
        match value {
            Some(v) => b.append_value(v),
            None => b.append_option(original.as_ref().and_then(|s| s.get(row))),
        }
    }
    let built: ArrayRef = Arc::new(b.finish());
    arrow_cast::cast(&built, data_type)
}

/// An Arrow column of added values.
fn build_column<'a>(data_type: &DataType, values: impl Iterator<Item = &'a Value>) -> ArrayRef {
    match data_type {
        DataType::UInt64 => {
            let mut b = UInt64Builder::new();
            for v in values {
                b.append_option(match v {
                    Value::UInt(n) => Some(*n),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        DataType::Float64 => {
            let mut b = Float64Builder::new();
            for v in values {
                b.append_option(match v {
                    Value::Float(f) => *f,
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        _ => {
            let mut b = StringBuilder::new();
            for v in values {
                b.append_option(match v {
                    Value::Str(s) => s.as_deref(),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
    }
}

/// Parquet built from JSON objects spooled to a temporary file.
struct Spooled {
    spool: BufWriter<File>,
    output: Output,
    /// The schema, when it is known before the records are (the short
    /// removed-document list); else inferred from them.
    schema: Option<SchemaRef>,
    rows: u64,
}

enum Kind {
    Json(Box<Output>),
    Copy(Box<Copy>),
    Spooled(Box<Spooled>),
}

/// An output of records: JSON Lines, or Parquet.
pub struct RecordSink {
    kind: Kind,
    dest: PathBuf,
    fields: Fields,
    /// The names of the added fields, in order, with their types.
    added: Vec<(String, DataType)>,
}

impl RecordSink {
    /// Start writing records to `dest`: Parquet when it ends `.parquet`
    /// (rows copied when `input` gives the Parquet inputs' shared schema),
    /// else JSON Lines. `added` are the fields each record gets beyond its
    /// own; one the input already has is refused. `fixed` is a schema known
    /// in advance, for records that are only the added fields.
    pub fn create(
        dest: &Path,
        fields: &Fields,
        input: Option<SchemaRef>,
        added: &[(&str, Value)],
        fixed: Option<SchemaRef>,
    ) -> Result<RecordSink> {
        let output = Output::create(dest)?;
        let added_types: Vec<(String, DataType)> = added
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.data_type()))
            .collect();
        let kind = if !is_parquet_output(dest) {
            Kind::Json(Box::new(output))
        } else if let (Some(input), None) = (input, &fixed) {
            for (name, _) in &added_types {
                if input.field_with_name(name).is_ok() {
                    return Err(clash(dest, name));
                }
            }
            let text = input
                .index_of(&fields.text)
                .map_err(|e| parquet_error(dest, e))?;
            let id = input.index_of(&fields.id).ok();
            let mut all: Vec<Field> = input.fields().iter().map(|f| f.as_ref().clone()).collect();
            all.extend(
                added_types
                    .iter()
                    .map(|(n, t)| Field::new(n, t.clone(), true)),
            );
            let output_schema = Arc::new(Schema::new(all));
            let writer =
                ArrowWriter::try_new(output, output_schema.clone(), Some(writer_properties()))
                    .map_err(|e| parquet_error(dest, e))?;
            Kind::Copy(Box::new(Copy {
                writer,
                input,
                output: output_schema,
                text,
                id,
                gathered: None,
            }))
        } else {
            let spool = tempfile::tempfile().map_err(io(dest))?;
            Kind::Spooled(Box::new(Spooled {
                spool: BufWriter::with_capacity(1 << 20, spool),
                output,
                schema: fixed,
                rows: 0,
            }))
        };
        Ok(RecordSink {
            kind,
            dest: dest.to_owned(),
            fields: fields.clone(),
            added: added_types,
        })
    }

    /// Whether the records pushed need their other fields
    /// ([`Record::extra`]): not when rows are copied from Parquet.
    pub fn needs_fields(&self) -> bool {
        !matches!(self.kind, Kind::Copy(_))
    }

    /// Write one object that is the whole record (the short list of
    /// removed documents).
    pub fn write_object(&mut self, object: &serde_json::Value) -> Result<()> {
        if matches!(self.kind, Kind::Copy(_)) {
            return Err(parquet_error(
                &self.dest,
                "a whole object given for copied rows",
            ));
        }
        self.write_json(object)
    }

    /// One JSON object to a JSON Lines output or to the spool.
    fn write_json(&mut self, object: &impl serde::Serialize) -> Result<()> {
        let dest = &self.dest;
        match &mut self.kind {
            Kind::Json(out) => Output::write(out, object),
            Kind::Spooled(s) => {
                serde_json::to_writer(&mut s.spool, object).map_err(|e| io(dest)(e.into()))?;
                s.spool.write_all(b"\n").map_err(io(dest))?;
                s.rows += 1;
                Ok(())
            }
            Kind::Copy(_) => Ok(()),
        }
    }

    /// Write `record`, with `text` in place of its text when given, and
    /// the `added` fields (the same names, in the same order, as at
    /// [`RecordSink::create`]).
    pub fn push(
        &mut self,
        record: Record,
        text: Option<String>,
        added: Vec<(&str, Value)>,
    ) -> Result<()> {
        let dest = self.dest.clone();
        if let Kind::Copy(copy) = &mut self.kind {
            let Some(Row { batch, index }) = record.row else {
                return Err(parquet_error(
                    &dest,
                    format!("{}: not a Parquet row", record.origin),
                ));
            };
            let same = copy
                .gathered
                .as_ref()
                .is_some_and(|g| Arc::ptr_eq(&g.batch, &batch) && g.indices.len() < COPY_ROWS);
            if !same {
                if batch.schema().fields() != copy.input.fields() {
                    return Err(parquet_error(
                        &dest,
                        format!("{}: the columns changed between files", record.origin),
                    ));
                }
                copy.flush(&dest)?;
                copy.gathered = Some(Gathered {
                    batch,
                    indices: Vec::new(),
                    texts: Vec::new(),
                    ids: Vec::new(),
                    added: Vec::new(),
                });
            }
            if let Some(g) = copy.gathered.as_mut() {
                g.indices.push(u32::try_from(index).unwrap_or(u32::MAX));
                g.texts.push(text);
                g.ids
                    .push(record.renamed_from.is_some().then_some(record.id));
                g.added.push(added.into_iter().map(|(_, v)| v).collect());
            }
            return Ok(());
        }
        let mut obj = record.extra.unwrap_or_default();
        obj.insert_str_path(&self.fields.id, &record.id);
        obj.insert_str_path(&self.fields.text, text.as_deref().unwrap_or(&record.text));
        for (name, value) in added {
            if obj.get(name).is_some() {
                return Err(clash(&dest, name));
            }
            if let Ok(raw) = serde_json::value::to_raw_value(&value.to_json()) {
                obj.insert(name.to_owned(), raw);
            }
        }
        self.write_json(&obj)
    }

    /// Finish writing: the output, ready to commit.
    pub fn finish(self) -> Result<Output> {
        let dest = self.dest;
        match self.kind {
            Kind::Json(out) => Ok(*out),
            Kind::Copy(mut copy) => {
                copy.flush(&dest)?;
                copy.writer
                    .into_inner()
                    .map_err(|e| parquet_error(&dest, e))
            }
            Kind::Spooled(s) => {
                let Spooled {
                    spool,
                    output,
                    schema,
                    rows,
                } = *s;
                let mut file = spool.into_inner().map_err(|e| io(&dest)(e.into_error()))?;
                file.rewind().map_err(io(&dest))?;
                let schema = match schema {
                    Some(s) => s,
                    None if rows == 0 => {
                        let mut all = vec![
                            Field::new(&self.fields.id, DataType::Utf8, true),
                            Field::new(&self.fields.text, DataType::Utf8, true),
                        ];
                        all.extend(
                            self.added
                                .iter()
                                .map(|(n, t)| Field::new(n, t.clone(), true)),
                        );
                        Arc::new(Schema::new(all))
                    }
                    None => {
                        let mut reader = BufReader::new(&mut file);
                        let (schema, _) =
                            arrow_json::reader::infer_json_schema_from_seekable(&mut reader, None)
                                .map_err(|e| parquet_error(&dest, e))?;
                        // The added fields keep their own types (counts
                        // unsigned), which JSON cannot say.
                        let fields: Vec<Field> = schema
                            .fields()
                            .iter()
                            .map(|f| match self.added.iter().find(|(n, _)| n == f.name()) {
                                Some((_, t)) => f.as_ref().clone().with_data_type(t.clone()),
                                None => f.as_ref().clone(),
                            })
                            .collect();
                        Arc::new(Schema::new(fields))
                    }
                };
                let mut writer =
                    ArrowWriter::try_new(output, schema.clone(), Some(writer_properties()))
                        .map_err(|e| parquet_error(&dest, e))?;
                let reader = arrow_json::ReaderBuilder::new(schema)
                    .with_coerce_primitive(true)
                    .with_batch_size(4096)
                    .build(BufReader::with_capacity(1 << 20, file))
                    .map_err(|e| parquet_error(&dest, e))?;
                for batch in reader {
                    let batch = batch.map_err(|e| parquet_error(&dest, e))?;
                    writer.write(&batch).map_err(|e| parquet_error(&dest, e))?;
                    if writer.in_progress_size() > ROW_GROUP_BYTES {
                        writer.flush().map_err(|e| parquet_error(&dest, e))?;
                    }
                }
                writer.into_inner().map_err(|e| parquet_error(&dest, e))
            }
        }
    }
}

fn clash(dest: &Path, name: &str) -> Error {
    Error::Unsupported {
        path: dest.to_owned(),
        message: format!(
            "the input already has a field `{name}`, which doublet adds here; rename it first"
        ),
    }
}

/// The schema of the short removed-document list.
pub fn removed_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("duplicate_of", DataType::Utf8, true),
        Field::new("relation", DataType::Utf8, true),
        Field::new("jaccard", DataType::Float64, true),
        Field::new("containment", DataType::Float64, true),
        Field::new("cluster", DataType::UInt64, false),
    ]))
}

/// How many documents each cluster of a report holds.
pub fn cluster_sizes(report: &doublet::Report) -> std::collections::HashMap<usize, u64> {
    let mut sizes = std::collections::HashMap::new();
    for doc in &report.documents {
        *sizes.entry(doc.cluster).or_default() += 1;
    }
    sizes
}

/// The fields `dedup --annotate` adds to a kept document: its cluster and
/// the cluster's size (1 for a document without duplicates).
pub fn annotations(
    doc: &doublet::report::DocumentReport,
    sizes: &std::collections::HashMap<usize, u64>,
) -> Vec<(&'static str, Value)> {
    vec![
        ("cluster", Value::UInt(doc.cluster as u64)),
        (
            "cluster_size",
            Value::UInt(sizes.get(&doc.cluster).copied().unwrap_or(1)),
        ),
    ]
}
