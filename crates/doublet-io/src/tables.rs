//! Arrow tables: Parquet files read as records, and the column lookups the
//! Python binding shares for in-memory tables.
//!
//! A Parquet file is read a batch of rows at a time (never whole). The text
//! and id columns are found by field path, as in JSON Lines: a top-level
//! column of that name, else a field of a struct column (`metadata.body`).
//! The text is borrowed from the Arrow buffer until the record is made; the
//! other columns become the record's [`RawObject`] (through Arrow's JSON
//! encoder) so that sites and JSON Lines outputs see them as they see JSON
//! fields, and each record keeps a handle on its source row
//! ([`Row`]) so that a Parquet output can copy the row with its Arrow types.
//! Rows are numbered from 0, as pandas, polars and pyarrow number them; a
//! file without the id column names each record `FILE:ROW`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Fields as ArrowFields, Schema};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::error::{Error, Result};
use crate::readers::{Fields, Origin, RawObject, Record};

/// Rows decoded at a time from a Parquet file.
const BATCH_ROWS: usize = 1024;

/// One string column, whichever of Arrow's three string layouts it has.
pub enum Strings<'a> {
    /// `Utf8`.
    Utf8(&'a arrow_array::StringArray),
    /// `LargeUtf8`.
    Large(&'a arrow_array::LargeStringArray),
    /// `Utf8View`.
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Strings<'a> {
    /// The strings of `array`, or `None` when it does not hold strings.
    pub fn of(array: &'a dyn Array) -> Option<Strings<'a>> {
        match array.data_type() {
            DataType::Utf8 => Some(Strings::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Strings::Large(array.as_string::<i64>())),
            DataType::Utf8View => Some(Strings::View(array.as_string_view())),
            _ => None,
        }
    }

    /// Rows in the column.
    pub fn len(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.len(),
            Strings::Large(a) => a.len(),
            Strings::View(a) => a.len(),
        }
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`, or `None` when it is null.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Whether a column of this type holds strings.
pub fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Whether an id column of this type can be read: strings, or integers
/// (written in decimal as ids).
pub fn is_id_type(data_type: &DataType) -> bool {
    is_string(data_type) || data_type.is_integer()
}

/// An id column as strings: itself when it holds strings, else its
/// integers written in decimal.
pub fn id_strings(column: &ArrayRef) -> std::result::Result<ArrayRef, String> {
    if Strings::of(column.as_ref()).is_some() {
        return Ok(column.clone());
    }
    arrow_cast::cast(column, &DataType::Utf8).map_err(|e| e.to_string())
}

/// The place of a field path among `fields`: the indices from the top
/// level down. A top-level field with the whole path as its name wins;
/// else the path is split at a dot, the longest head first, into a struct
/// field and a path inside it, as JSON Lines paths are.
pub fn field_path(fields: &ArrowFields, path: &str) -> Option<Vec<usize>> {
    if let Some((i, _)) = fields.find(path) {
        return Some(vec![i]);
    }
    path.char_indices()
        .filter(|&(_, c)| c == '.')
        .map(|(i, _)| (&path[..i], &path[i + 1..]))
        .rev()
        .find_map(|(head, rest)| {
            let (i, field) = fields.find(head)?;
            let DataType::Struct(children) = field.data_type() else {
                return None;
            };
            let mut inner = field_path(children, rest)?;
            inner.insert(0, i);
            Some(inner)
        })
}

/// The data type at an index path.
fn type_at(schema: &Schema, path: &[usize]) -> DataType {
    let mut fields = schema.fields().clone();
    let mut data_type = DataType::Null;
    for &i in path {
        data_type = fields[i].data_type().clone();
        if let DataType::Struct(children) = &data_type {
            fields = children.clone();
        }
    }
    data_type
}

/// The column at an index path, with nulls wherever a struct above it is
/// null.
fn column_at(batch: &RecordBatch, path: &[usize]) -> ArrayRef {
    let mut column = batch.column(path[0]).clone();
    for &i in &path[1..] {
        let parent = column.as_struct();
        let child = parent.column(i).clone();
        let nulls = NullBuffer::union(
            parent.logical_nulls().as_ref(),
            child.logical_nulls().as_ref(),
        );
        column = match child.to_data().into_builder().nulls(nulls).build() {
            Ok(data) => arrow_array::make_array(data),
            Err(_) => child,
        };
    }
    column
}

/// A record's source row in an Arrow batch, for outputs that copy rows
/// with their types.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The batch.
    pub batch: Arc<RecordBatch>,
    /// The row within it.
    pub index: usize,
}

/// The columns of a Parquet file that records are read from.
#[derive(Clone, Debug)]
struct Layout {
    /// Index path of the text column.
    text: Vec<usize>,
    /// Index path of the id column, when there is one.
    id: Option<Vec<usize>>,
}

fn unsupported(path: &Path, message: String) -> Error {
    Error::Unsupported {
        path: path.to_owned(),
        message,
    }
}

/// The column names of a schema, for messages.
pub fn column_names(schema: &Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Find the text and id columns, or say why the file cannot be read.
fn layout(path: &Path, schema: &Schema, fields: &Fields) -> Result<Layout> {
    let text = field_path(schema.fields(), &fields.text).ok_or_else(|| {
        unsupported(
            path,
            format!(
                "no text column `{}` (columns: {}; choose another with --text-field)",
                fields.text,
                column_names(schema)
            ),
        )
    })?;
    let text_type = type_at(schema, &text);
    if !is_string(&text_type) {
        return Err(unsupported(
            path,
            format!(
                "column `{}` must hold strings, not {text_type}",
                fields.text
            ),
        ));
    }
    let id = field_path(schema.fields(), &fields.id);
    if let Some(id) = &id {
        let id_type = type_at(schema, id);
        if !is_id_type(&id_type) {
            return Err(unsupported(
                path,
                format!(
                    "column `{}` must hold strings or integers, not {id_type} (choose another with --id-field)",
                    fields.id
                ),
            ));
        }
    }
    Ok(Layout { text, id })
}

/// The Arrow schema a Parquet file is read with.
pub fn parquet_schema(path: &Path) -> Result<Arc<Schema>> {
    let file = File::open(path).map_err(crate::error::io(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| unsupported(path, format!("not a readable Parquet file: {e}")))?;
    Ok(builder.schema().clone())
}

/// Open a Parquet file (or a copy of one) for [`ParquetRecords`].
/// The file's batches, and its rows as its footer counts them.
fn open_batches(file: File, name: &Path) -> Result<(ParquetRecordBatchReader, u64)> {
    ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| {
            let rows = u64::try_from(b.metadata().file_metadata().num_rows()).unwrap_or(0);
            Ok((b.with_batch_size(BATCH_ROWS).build()?, rows))
        })
        .map_err(|e| unsupported(name, format!("not a readable Parquet file: {e}")))
}

/// The rows of one decoded batch, ready to become records.
struct Current {
    batch: Arc<RecordBatch>,
    text: ArrayRef,
    ids: Option<ArrayRef>,
    /// The other fields of each row, as JSON lines.
    json: Vec<u8>,
    /// Where each row's line starts in `json` (one more entry than rows).
    starts: Vec<usize>,
    /// The next row to make.
    next: usize,
    /// The file's row number of the batch's first row.
    first_row: u64,
}

/// The records of a Parquet file, one per row, read a batch at a time.
pub struct ParquetRecords {
    path: PathBuf,
    fields: Fields,
    layout: Layout,
    batches: ParquetRecordBatchReader,
    current: Option<Current>,
    rows_read: u64,
    /// The file's rows, as its footer counts them.
    rows: u64,
    failed: bool,
}

impl ParquetRecords {
    /// Read an open Parquet file, naming it `name` in messages.
    pub fn from_file(file: File, name: &Path, fields: Fields) -> Result<ParquetRecords> {
        let (batches, rows) = open_batches(file, name)?;
        let layout = layout(name, &batches.schema(), &fields)?;
        Ok(ParquetRecords {
            path: name.to_owned(),
            fields,
            layout,
            batches,
            current: None,
            rows_read: 0,
            rows,
            failed: false,
        })
    }

    /// The file's rows, as its footer counts them.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn row_error(&self, row: u64, message: String) -> Error {
        Error::Row {
            path: self.path.clone(),
            row,
            message,
        }
    }

    /// A failure of the file from `row` on, after which nothing more is
    /// read: not confined to one record, so never skipped.
    fn file_error(&self, row: u64, message: String) -> Error {
        unsupported(&self.path, format!("row {row}: {message}"))
    }

    /// Decode the next batch; `Ok(false)` at the end of the file.
    fn next_batch(&mut self) -> Result<bool> {
        let batch = match self.batches.next() {
            None => return Ok(false),
            Some(Ok(batch)) => batch,
            Some(Err(e)) => {
                return Err(self.file_error(self.rows_read, format!("read failed: {e}")))
            }
        };
        let first_row = self.rows_read;
        self.rows_read += batch.num_rows() as u64;
        let text = column_at(&batch, &self.layout.text);
        let ids = match &self.layout.id {
            Some(path) => Some(id_strings(&column_at(&batch, path)).map_err(|e| {
                self.file_error(first_row, format!("column `{}`: {e}", self.fields.id))
            })?),
            None => None,
        };
        // The other columns as JSON: all but a top-level text column (a
        // nested one is taken out of its object per row).
        let schema = batch.schema();
        let wanted = |name: &str| match &self.fields.only {
            None => true,
            Some(paths) => paths.iter().any(|p| {
                p == name
                    || p.strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('.'))
            }),
        };
        let others: Vec<usize> = (0..batch.num_columns())
            .filter(|&i| self.layout.text.len() > 1 || i != self.layout.text[0])
            .filter(|&i| wanted(schema.field(i).name()))
            .collect();
        let projected = batch
            .project(&others)
            .map_err(|e| self.file_error(first_row, e.to_string()))?;
        let (json, starts) = json_lines(&projected).map_err(|e| {
            self.file_error(first_row, format!("cannot read the other columns: {e}"))
        })?;
        self.current = Some(Current {
            batch: Arc::new(batch),
            text,
            ids,
            json,
            starts,
            next: 0,
            first_row,
        });
        Ok(true)
    }

    /// Row `i` of the current batch as a record.
    fn make(&self, cur: &Current, i: usize) -> Result<Record> {
        let row = cur.first_row + i as u64;
        let text = Strings::of(cur.text.as_ref())
            .and_then(|s| s.get(i))
            .ok_or_else(|| self.row_error(row, format!("column `{}` is null", self.fields.text)))?;
        if text.len() as u64 > self.fields.max_record {
            return Err(self.row_error(
                row,
                format!(
                    "text of {} bytes, larger than {} bytes, the most one document may hold (a quarter of the --max-memory budget, at most 4 GiB)",
                    text.len(),
                    self.fields.max_record
                ),
            ));
        }
        let id = match &cur.ids {
            Some(ids) => Strings::of(ids.as_ref())
                .and_then(|s| s.get(i))
                .map(str::to_owned)
                .ok_or_else(|| {
                    self.row_error(row, format!("column `{}` is null", self.fields.id))
                })?,
            None => format!("{}:{row}", self.path.display()),
        };
        let line = &cur.json[cur.starts[i]..cur.starts[i + 1]];
        let mut extra: RawObject = if line.trim_ascii().is_empty() {
            RawObject::default()
        } else {
            serde_json::from_slice(line)
                .map_err(|e| self.row_error(row, format!("cannot read the other columns: {e}")))?
        };
        if self.layout.text.len() > 1 {
            extra.remove_path(&self.fields.text);
        }
        Ok(Record {
            id,
            text: text.to_owned(),
            origin: Origin {
                path: self.path.clone(),
                line: None,
                row: Some(row),
            },
            replaced: 0,
            extra: Some(extra),
            renamed_from: None,
            id_from_place: cur.ids.is_none(),
            row: Some(Row {
                batch: Arc::clone(&cur.batch),
                index: i,
            }),
        })
    }
}

/// A batch's rows as JSON objects, one line each (nulls written, so every
/// row has every column), with where each line starts.
fn json_lines(batch: &RecordBatch) -> std::result::Result<(Vec<u8>, Vec<usize>), String> {
    let rows = batch.num_rows();
    let mut json = Vec::new();
    if batch.num_columns() == 0 {
        return Ok((json, vec![0; rows + 1]));
    }
    let mut writer = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, arrow_json::writer::LineDelimited>(&mut json);
    writer.write(batch).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    drop(writer);
    let mut starts = Vec::with_capacity(rows + 1);
    starts.push(0);
    for (i, &b) in json.iter().enumerate() {
        if b == b'\n' {
            starts.push(i + 1);
        }
    }
    if starts.len() != rows + 1 {
        return Err(format!(
            "{} JSON lines for {rows} rows",
            starts.len().saturating_sub(1)
        ));
    }
    Ok((json, starts))
}

impl Iterator for ParquetRecords {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            if let Some(cur) = self.current.take() {
                if cur.next < cur.batch.num_rows() {
                    let i = cur.next;
                    let record = self.make(&cur, i);
                    self.current = Some(Current { next: i + 1, ..cur });
                    return Some(record);
                }
            }
            match self.next_batch() {
                Ok(true) => continue,
                Ok(false) => return None,
                Err(e) => {
                    // A file that fails to decode cannot be trusted past
                    // this point.
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
