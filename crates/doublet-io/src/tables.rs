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
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Fields as ArrowFields, Schema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use parquet::file::reader::ChunkReader;

use crate::error::{Error, Result};
use crate::footer::contained;
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

/// The Arrow schema a Parquet file is read with (its footer checked, see
/// [`crate::footer`]).
pub fn parquet_schema(path: &Path) -> Result<Arc<Schema>> {
    let file = File::open(path).map_err(crate::error::io(path))?;
    let metadata = crate::footer::read(&file)
        .map_err(|m| unsupported(path, format!("not a readable Parquet file: {m}")))?;
    Ok(metadata.schema().clone())
}

/// Where a Parquet file's bytes are: an open file, or memory (for tests
/// and fuzzing).
enum Source {
    File(File),
    Bytes(bytes::Bytes),
}

impl Source {
    /// A reader of row group `g` alone, so that a failure is placed in its
    /// row group and the rows before it count as read.
    fn row_group(
        &self,
        metadata: &ArrowReaderMetadata,
        g: usize,
    ) -> std::result::Result<ParquetRecordBatchReader, String> {
        fn build<R: ChunkReader + 'static>(
            reader: R,
            metadata: &ArrowReaderMetadata,
            g: usize,
        ) -> std::result::Result<ParquetRecordBatchReader, String> {
            let metadata = metadata.clone();
            contained(|| {
                ParquetRecordBatchReaderBuilder::new_with_metadata(reader, metadata)
                    .with_row_groups(vec![g])
                    .with_batch_size(BATCH_ROWS)
                    .build()
            })?
            .map_err(|e| e.to_string())
        }
        match self {
            Source::File(f) => build(f.try_clone().map_err(|e| e.to_string())?, metadata, g),
            Source::Bytes(b) => build(b.clone(), metadata, g),
        }
    }
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
    source: Source,
    metadata: ArrowReaderMetadata,
    /// The first row of each row group, and the file's rows last.
    group_starts: Vec<u64>,
    /// The row group being read, and its batches.
    group: Option<(usize, ParquetRecordBatchReader)>,
    current: Option<Current>,
    rows_read: u64,
    failed: bool,
}

impl ParquetRecords {
    /// Read an open Parquet file, naming it `name` in messages.
    pub fn from_file(file: File, name: &Path, fields: Fields) -> Result<ParquetRecords> {
        let metadata = crate::footer::read(&file);
        ParquetRecords::new(Source::File(file), metadata, name, fields)
    }

    /// Read a Parquet file held in memory, naming it `name` in messages.
    pub fn from_bytes(bytes: Vec<u8>, name: &Path, fields: Fields) -> Result<ParquetRecords> {
        let bytes = bytes::Bytes::from(bytes);
        let metadata = crate::footer::read(&bytes);
        ParquetRecords::new(Source::Bytes(bytes), metadata, name, fields)
    }

    fn new(
        source: Source,
        metadata: std::result::Result<ArrowReaderMetadata, String>,
        name: &Path,
        fields: Fields,
    ) -> Result<ParquetRecords> {
        let metadata =
            metadata.map_err(|m| unsupported(name, format!("not a readable Parquet file: {m}")))?;
        let layout = layout(name, metadata.schema(), &fields)?;
        let mut group_starts = vec![0u64];
        for group in metadata.metadata().row_groups() {
            // The footer check made every count non-negative, with a sum
            // that fits.
            let rows = u64::try_from(group.num_rows()).unwrap_or(0);
            group_starts.push(group_starts.last().copied().unwrap_or(0) + rows);
        }
        Ok(ParquetRecords {
            path: name.to_owned(),
            fields,
            layout,
            source,
            metadata,
            group_starts,
            group: None,
            current: None,
            rows_read: 0,
            failed: false,
        })
    }

    /// The file's rows, as its footer counts them.
    pub fn rows(&self) -> u64 {
        self.group_starts.last().copied().unwrap_or(0)
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

    /// The next decoded batch of the file, each row group read on its
    /// own; `Ok(None)` at the end of the file.
    fn decode(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            let g = match &mut self.group {
                Some((g, batches)) => {
                    let g = *g;
                    match contained(|| batches.next()) {
                        Ok(Some(Ok(batch))) => return Ok(Some(batch)),
                        Ok(None) => g + 1,
                        Ok(Some(Err(e))) => return Err(self.damaged(g, e.to_string())),
                        Err(panic) => return Err(self.damaged(g, panic)),
                    }
                }
                None => 0,
            };
            // A row group must hold the rows its footer counts: decoding
            // fewer or more is damage, not the end of the file.
            if self.group.is_some() && self.rows_read != self.group_starts[g] {
                return Err(self.damaged(
                    g - 1,
                    format!(
                        "the row group held {} rows where its footer counts {}",
                        self.rows_read - self.group_starts[g - 1],
                        self.group_starts[g] - self.group_starts[g - 1]
                    ),
                ));
            }
            if g + 1 >= self.group_starts.len() {
                return Ok(None);
            }
            self.rows_read = self.group_starts[g];
            let batches = self
                .source
                .row_group(&self.metadata, g)
                .map_err(|e| self.damaged(g, e))?;
            self.group = Some((g, batches));
        }
    }

    /// A failure while decoding row group `g`, after the rows read so far.
    fn damaged(&self, g: usize, message: String) -> Error {
        let start = self.group_starts.get(g).copied().unwrap_or(0);
        let end = self.group_starts.get(g + 1).copied().unwrap_or(start);
        self.file_error(
            self.rows_read,
            format!(
                "row group {g} (rows {start} to {}) cannot be read: {message}",
                end.saturating_sub(1)
            ),
        )
    }

    /// Decode the next batch; `Ok(false)` at the end of the file.
    fn next_batch(&mut self) -> Result<bool> {
        let Some(batch) = self.decode()? else {
            return Ok(false);
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
        let (json, starts) = contained(|| json_lines(&projected))
            .and_then(|r| r)
            .map_err(|e| {
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
        // The text keeps its place among the fields (a null until it is
        // written back), so JSON outputs keep the file's column order.
        if self.layout.text.len() > 1 {
            extra.take_path(&self.fields.text);
        } else if self.fields.only.is_none() {
            extra.reserve(self.layout.text[0], &self.fields.text);
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use arrow_array::StringArray;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    /// A Parquet file of `rows` rows (`id`, `text`) in row groups of
    /// `group` rows, uncompressed and without dictionaries, so that its
    /// pages hold the text as written.
    pub(crate) fn file(rows: usize, group: usize) -> Vec<u8> {
        let ids: Vec<String> = (0..rows).map(|i| format!("d{i}")).collect();
        let texts: Vec<String> = (0..rows)
            .map(|i| format!("the text of document {i}"))
            .collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
            ("text", Arc::new(StringArray::from(texts)) as ArrayRef),
        ])
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(group))
            .set_dictionary_enabled(false)
            .build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        out
    }

    fn read(bytes: Vec<u8>) -> Result<Vec<Record>> {
        ParquetRecords::from_bytes(bytes, Path::new("f.parquet"), Fields::default())?.collect()
    }

    /// Every byte of the footer changed, one at a time, three ways: the
    /// file reads, or fails with an error naming it; nothing panics
    /// (before, some of these panicked inside parquet and arrow-ipc).
    #[test]
    fn damaged_footers_fail_naming_the_file() {
        let good = file(20, 8);
        let len = good.len();
        let meta = u32::from_le_bytes(good[len - 8..len - 4].try_into().unwrap()) as usize;
        let (mut failed, mut read_ok) = (0, 0);
        for at in len - 8 - meta..len {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut bad = good.clone();
                bad[at] ^= mask;
                match read(bad) {
                    Ok(_) => read_ok += 1,
                    Err(e) => {
                        let m = e.to_string();
                        assert!(m.starts_with("f.parquet: "), "{m}");
                        assert!(!m.contains('\n'), "{m}");
                        failed += 1;
                    }
                }
            }
        }
        assert!(failed > 0 && read_ok > 0, "{failed} failed, {read_ok} read");
    }

    /// A damaged page is placed in its row group, after the rows read.
    #[test]
    fn a_damaged_page_names_its_row_group_and_the_row_reached() {
        let mut bytes = file(1500, 500);
        let meta = crate::footer::read(&bytes::Bytes::from(bytes.clone())).unwrap();
        let chunk = meta.metadata().row_group(2).column(1);
        let page = usize::try_from(chunk.data_page_offset()).unwrap();
        // The page header: its type and sizes.
        for b in &mut bytes[page..page + 6] {
            *b ^= 0x5A;
        }
        let e = read(bytes).unwrap_err().to_string();
        assert!(
            e.starts_with("f.parquet: row 1000: row group 2 (rows 1000 to 1499) cannot be read"),
            "{e}"
        );
    }
}
