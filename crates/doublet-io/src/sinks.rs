//! Record outputs: JSON Lines, or Parquet.
//!
//! A [`RecordSink`] takes records as read (with the text to write, and
//! fields to add such as `cluster` or `relation`) and writes them to an
//! [`Output`], which appears only when the run's outputs are committed.
//!
//! A Parquet output's schema is planned before any row is written
//! ([`crate::schema`]): the sink is opened early (so an unwritable
//! destination fails at once), given the [`Plan`] once the first pass has
//! seen every record, and then writes as it is fed: rows of Parquet inputs
//! copied with their Arrow types (each column conformed to the planned
//! type, which holds it exactly), JSON Lines records decoded into the
//! planned types, the text (and a renamed id) replaced, the added fields
//! last. zstd compressed, in row groups of at most [`ROW_GROUP_BYTES`] in
//! memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder, UInt64Builder};
use arrow_array::{new_null_array, Array, ArrayRef, RecordBatch, StructArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::readers::{Fields, Origin, RawObject, Record};
use crate::schema::{conform, json_column, Plan};
use crate::tables::{field_path, Row};
use crate::writers::Output;

/// Encoded bytes a Parquet output holds before it writes a row group.
pub const ROW_GROUP_BYTES: usize = 128 << 20;

/// Rows gathered before they are written as one Arrow batch.
const BATCH_ROWS: usize = 8192;

/// Bytes of text gathered before they are written, whatever the rows.
const BATCH_BYTES: usize = 16 << 20;

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
    crate::writers::written_as(dest) == Some(crate::writers::Written::Parquet)
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

/// Rows of one input batch waiting to be written.
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

/// JSON objects waiting to be written: each record's fields as the
/// output writes them.
struct Objects {
    objects: Vec<RawObject>,
    /// The first record's place, for messages.
    first: Option<Origin>,
    added: Vec<Vec<Value>>,
}

enum Pending {
    Nothing,
    Rows(Gathered),
    Objects(Objects),
}

/// A Parquet output.
struct ParquetSink {
    /// The destination, until the plan gives the schema.
    output: Option<Output>,
    writer: Option<ArrowWriter<Output>>,
    /// The schema written: the planned fields, then the added ones.
    schema: Option<SchemaRef>,
    /// How many of its fields come from the inputs (the rest are added).
    planned: usize,
    pending: Pending,
    /// Text bytes in `pending`.
    pending_bytes: usize,
}

impl ParquetSink {
    fn start(&mut self, dest: &Path, schema: SchemaRef, planned: usize) -> Result<()> {
        let Some(output) = self.output.take() else {
            return Err(parquet_error(dest, "the output was already started"));
        };
        let writer = ArrowWriter::try_new(output, schema.clone(), Some(writer_properties()))
            .map_err(|e| parquet_error(dest, e))?;
        self.writer = Some(writer);
        self.schema = Some(schema);
        self.planned = planned;
        Ok(())
    }

    fn pending_rows(&self) -> usize {
        match &self.pending {
            Pending::Nothing => 0,
            Pending::Rows(g) => g.indices.len(),
            Pending::Objects(o) => o.objects.len(),
        }
    }

    /// Write what is pending as one batch.
    fn flush(&mut self, dest: &Path, fields: &Fields) -> Result<()> {
        let pending = std::mem::replace(&mut self.pending, Pending::Nothing);
        self.pending_bytes = 0;
        if matches!(pending, Pending::Nothing) {
            return Ok(());
        }
        let (Some(schema), Some(writer)) = (&self.schema, &mut self.writer) else {
            return Err(parquet_error(
                dest,
                "records written before the schema was planned",
            ));
        };
        let (mut columns, added) = match pending {
            Pending::Nothing => (Vec::new(), Vec::new()),
            Pending::Rows(g) => {
                let columns = copied_columns(&g, schema, self.planned, fields)
                    .map_err(|e| parquet_error(dest, e))?;
                (columns, g.added)
            }
            Pending::Objects(o) => {
                let columns = schema.fields()[..self.planned]
                    .iter()
                    .map(|f| {
                        let values: Vec<Option<&RawValue>> =
                            o.objects.iter().map(|obj| obj.get(f.name())).collect();
                        json_column(&values, f.data_type()).map_err(|e| {
                            parquet_error(
                                dest,
                                format!(
                                    "field `{}` of the records from {} on: {e}",
                                    f.name(),
                                    o.first.as_ref().map_or_else(String::new, |o| o.to_string())
                                ),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                (columns, o.added)
            }
        };
        for (k, field) in schema.fields()[self.planned..].iter().enumerate() {
            columns.push(build_column(field.data_type(), added.iter().map(|a| &a[k])));
        }
        let batch =
            RecordBatch::try_new(schema.clone(), columns).map_err(|e| parquet_error(dest, e))?;
        writer.write(&batch).map_err(|e| parquet_error(dest, e))?;
        if writer.in_progress_size() > ROW_GROUP_BYTES {
            writer.flush().map_err(|e| parquet_error(dest, e))?;
        }
        Ok(())
    }
}

/// The planned columns of gathered rows: each input column taken and
/// conformed to its planned type (a column the file lacks is null), with
/// the text, and renamed ids, replaced.
fn copied_columns(
    g: &Gathered,
    schema: &Schema,
    planned: usize,
    fields: &Fields,
) -> std::result::Result<Vec<ArrayRef>, String> {
    let indices = UInt32Array::from(g.indices.clone());
    let input = g.batch.schema();
    // The text's and id's places in this file, as names from the top.
    let names = |path: &str| -> Option<Vec<String>> {
        let at = field_path(input.fields(), path)?;
        let mut fields = input.fields().clone();
        let mut names = Vec::new();
        for i in at {
            let f = fields.get(i)?.clone();
            names.push(f.name().clone());
            if let DataType::Struct(children) = f.data_type() {
                fields = children.clone();
            }
        }
        Some(names)
    };
    let text = names(&fields.text);
    let id = names(&fields.id);
    let renamed = g.ids.iter().any(Option::is_some);
    let replaced = g.texts.iter().any(Option::is_some);
    schema.fields()[..planned]
        .iter()
        .map(|f| {
            let Some(column) = g.batch.column_by_name(f.name()) else {
                return Ok(new_null_array(f.data_type(), g.indices.len()));
            };
            let taken =
                arrow_select::take::take(column, &indices, None).map_err(|e| e.to_string())?;
            let mut column = conform(&taken, f.data_type())
                .map_err(|e| format!("column `{}`: {e}", f.name()))?;
            for (path, values, wanted) in [(&text, &g.texts, replaced), (&id, &g.ids, renamed)] {
                match path {
                    Some(path) if wanted && path[0] == *f.name() => {
                        column = replace_at(&column, &path[1..], values)?;
                    }
                    _ => {}
                }
            }
            Ok(column)
        })
        .collect()
}

/// `column` with the strings at a field path below it replaced in the
/// given rows (a struct rebuilt around its new field).
fn replace_at(
    column: &ArrayRef,
    path: &[String],
    values: &[Option<String>],
) -> std::result::Result<ArrayRef, String> {
    let Some((head, rest)) = path.split_first() else {
        return replace(column, values, column.data_type()).map_err(|e| e.to_string());
    };
    let s = column
        .as_any()
        .downcast_ref::<StructArray>()
        .ok_or("a field path through a column that is not a struct")?;
    let DataType::Struct(children) = s.data_type() else {
        return Err("a field path through a column that is not a struct".into());
    };
    let mut columns: Vec<ArrayRef> = s.columns().to_vec();
    let i = children
        .iter()
        .position(|c| c.name() == head)
        .ok_or_else(|| format!("no field `{head}`"))?;
    columns[i] = replace_at(&columns[i], rest, values)?;
    Ok(Arc::new(
        StructArray::try_new(children.clone(), columns, s.nulls().cloned())
            .map_err(|e| e.to_string())?,
    ))
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

enum Kind {
    Json(Box<Output>),
    Parquet(Box<ParquetSink>),
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
    /// (written once [`RecordSink::plan`] gives the schema), else JSON
    /// Lines. `added` are the fields each record gets beyond its own; one
    /// the input already has is refused. `fixed` is a schema known in
    /// advance, for records that are only the added fields.
    pub fn create(
        dest: &Path,
        fields: &Fields,
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
        } else {
            let mut sink = ParquetSink {
                output: Some(output),
                writer: None,
                schema: None,
                planned: 0,
                pending: Pending::Nothing,
                pending_bytes: 0,
            };
            if let Some(schema) = fixed {
                let n = schema.fields().len();
                sink.start(dest, schema, n)?;
            }
            Kind::Parquet(Box::new(sink))
        };
        Ok(RecordSink {
            kind,
            dest: dest.to_owned(),
            fields: fields.clone(),
            added: added_types,
        })
    }

    /// Whether this output needs a [`Plan`] before records are pushed (a
    /// Parquet output of records).
    pub fn needs_plan(&self) -> bool {
        matches!(&self.kind, Kind::Parquet(p) if p.writer.is_none())
    }

    /// Give a Parquet output its schema: the plan's fields, then the added
    /// ones (an added field the plan already has is refused). Nothing to do
    /// for JSON Lines.
    pub fn plan(&mut self, plan: &Plan) -> Result<()> {
        let dest = self.dest.clone();
        let Kind::Parquet(sink) = &mut self.kind else {
            return Ok(());
        };
        if sink.writer.is_some() {
            return Ok(());
        }
        let mut all: Vec<Field> = plan
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        for (name, t) in &self.added {
            if plan.schema.field_with_name(name).is_ok() {
                return Err(clash(&dest, name));
            }
            all.push(Field::new(name, t.clone(), true));
        }
        let planned = plan.schema.fields().len();
        sink.start(&dest, Arc::new(Schema::new(all)), planned)
    }

    /// Whether the records pushed need their other fields
    /// ([`Record::extra`]): not when Parquet rows are copied.
    pub fn needs_fields(&self) -> bool {
        !matches!(self.kind, Kind::Parquet(_))
    }

    /// Write one object that is the whole record (the short list of
    /// removed documents).
    pub fn write_object(&mut self, object: &serde_json::Value) -> Result<()> {
        let dest = self.dest.clone();
        match &mut self.kind {
            Kind::Json(out) => Output::write(out, object),
            Kind::Parquet(_) => {
                let raw: RawObject =
                    serde_json::from_value(object.clone()).map_err(|e| parquet_error(&dest, e))?;
                self.push_object(raw, None, Vec::new())
            }
        }
    }

    fn push_object(
        &mut self,
        object: RawObject,
        origin: Option<Origin>,
        added: Vec<Value>,
    ) -> Result<()> {
        let dest = self.dest.clone();
        let Kind::Parquet(sink) = &mut self.kind else {
            return Ok(());
        };
        if !matches!(sink.pending, Pending::Objects(_)) {
            sink.flush(&dest, &self.fields)?;
            sink.pending = Pending::Objects(Objects {
                objects: Vec::new(),
                first: origin.clone(),
                added: Vec::new(),
            });
        }
        if let Pending::Objects(o) = &mut sink.pending {
            sink.pending_bytes += object.entries().map(|(_, v)| v.get().len()).sum::<usize>();
            o.objects.push(object);
            o.added.push(added);
        }
        if sink.pending_rows() >= BATCH_ROWS || sink.pending_bytes >= BATCH_BYTES {
            sink.flush(&dest, &self.fields)?;
        }
        Ok(())
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
        if let Kind::Parquet(sink) = &mut self.kind {
            if let Some(Row { batch, index }) = record.row {
                let same =
                    matches!(&sink.pending, Pending::Rows(g) if Arc::ptr_eq(&g.batch, &batch));
                if !same {
                    sink.flush(&dest, &self.fields)?;
                    sink.pending = Pending::Rows(Gathered {
                        batch,
                        indices: Vec::new(),
                        texts: Vec::new(),
                        ids: Vec::new(),
                        added: Vec::new(),
                    });
                }
                if let Pending::Rows(g) = &mut sink.pending {
                    // An Arrow batch holds far fewer than 2^32 rows.
                    g.indices.push(u32::try_from(index).unwrap_or(u32::MAX));
                    sink.pending_bytes += text.as_ref().map_or(0, String::len);
                    g.texts.push(text);
                    g.ids
                        .push(record.renamed_from.is_some().then_some(record.id));
                    g.added.push(added.into_iter().map(|(_, v)| v).collect());
                }
                if sink.pending_rows() >= BATCH_ROWS || sink.pending_bytes >= BATCH_BYTES {
                    sink.flush(&dest, &self.fields)?;
                }
                return Ok(());
            }
        }
        let mut obj = record.extra.unwrap_or_default();
        obj.insert_str_path(&self.fields.id, &record.id);
        obj.insert_str_path(&self.fields.text, text.as_deref().unwrap_or(&record.text));
        if let Kind::Parquet(_) = &self.kind {
            let values = added.into_iter().map(|(_, v)| v).collect();
            return self.push_object(obj, Some(record.origin), values);
        }
        for (name, value) in added {
            if obj.get(name).is_some() {
                return Err(clash(&dest, name));
            }
            if let Ok(raw) = serde_json::value::to_raw_value(&value.to_json()) {
                obj.insert(name.to_owned(), raw);
            }
        }
        match &mut self.kind {
            Kind::Json(out) => Output::write(out, &obj),
            Kind::Parquet(_) => Ok(()),
        }
    }

    /// Finish writing: the output, ready to commit.
    pub fn finish(mut self) -> Result<Output> {
        let dest = self.dest.clone();
        match self.kind {
            Kind::Json(out) => Ok(*out),
            Kind::Parquet(ref mut sink) => {
                sink.flush(&dest, &self.fields)?;
                let Some(writer) = sink.writer.take() else {
                    return Err(parquet_error(&dest, "no schema was planned"));
                };
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
pub fn annotations(cluster: usize, size: u64) -> Vec<(&'static str, Value)> {
    vec![
        ("cluster", Value::UInt(cluster as u64)),
        ("cluster_size", Value::UInt(size)),
    ]
}
