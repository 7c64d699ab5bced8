//! The Parquet footer, read and checked before any row is decoded.
//!
//! The parquet crate trusts a file's metadata: a footer that differs from a
//! valid one by a byte can make it (or arrow-ipc, decoding the Arrow schema
//! stored in it) panic, or ask for gigabytes. So doublet reads the footer
//! itself, decodes it with every panic contained ([`contained`]), and checks
//! what later reads rely on: every column chunk lies inside the file, row
//! counts are not negative and add up. A file that fails is refused by
//! name, before its first row.
//!
//! The parquet crate (59) also refuses a footer listing more than 32,767
//! row groups (it numbers them with an `i16`), although the format allows
//! more and pyarrow writes them. Such a footer is split into footers of at
//! most 32,767 row groups each, decoded one by one and joined: the Thrift
//! compact protocol lets a struct's fields be copied as bytes, so only the
//! row-group list is rewritten.

use std::cell::Cell;
use std::sync::{Arc, Once};

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::reader::ChunkReader;

/// Row groups one decoded footer may list (the parquet crate's `i16`).
const MAX_ROW_GROUPS: usize = i16::MAX as usize;

/// Nesting of Thrift structs and lists followed before a footer is refused:
/// Parquet's own metadata nests a few levels; more is damage, and a bound
/// keeps a hostile footer from exhausting the stack.
const MAX_DEPTH: usize = 64;

thread_local! {
    /// Contained calls running on this thread: their panics are expected
    /// and are not printed.
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

/// Run `f`, turning a panic inside it into an error message. The parquet
/// and arrow crates panic on some damaged files rather than return an
/// error; a damaged file is bad input, reported like any other, so the
/// panic is neither printed nor allowed to unwind past the reader. The
/// process's panic hook stays in charge of every other panic.
pub(crate) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(q.get() + 1));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    outcome.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_owned());
        format!("the decoder failed ({what})")
    })
}

/// Read, decode and check the footer of the Parquet file in `reader`;
/// the message says why it cannot be read.
pub(crate) fn read<R: ChunkReader>(reader: &R) -> Result<ArrowReaderMetadata, String> {
    let len = reader.len();
    if len < 12 {
        return Err(format!("{len} bytes, too short for a Parquet file"));
    }
    let tail = reader
        .get_bytes(len - 8, 8)
        .map_err(|e| format!("cannot read the footer: {e}"))?;
    if &tail[4..] != b"PAR1" {
        return Err("no Parquet footer (the file does not end in PAR1)".into());
    }
    let meta_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if meta_len + 12 > len {
        return Err(format!(
            "the footer claims {meta_len} bytes of metadata, more than the file holds"
        ));
    }
    let meta_start = len - 8 - meta_len;
    let bytes = reader
        .get_bytes(meta_start, meta_len as usize)
        .map_err(|e| format!("cannot read the footer: {e}"))?;
    let metadata = contained(|| decode(&bytes))?.map_err(|e| format!("damaged footer: {e}"))?;
    check(&metadata, meta_start)?;
    let metadata = Arc::new(metadata);
    contained(|| ArrowReaderMetadata::try_new(metadata, ArrowReaderOptions::new()))?
        .map_err(|e| format!("damaged footer: {e}"))
}

/// Decode footer bytes, split into parts when they list more row groups
/// than the parquet crate takes at once.
fn decode(bytes: &[u8]) -> Result<ParquetMetaData, String> {
    let layout = Layout::of(bytes)?;
    let groups = layout.groups.len();
    if groups <= MAX_ROW_GROUPS {
        return ParquetMetaDataReader::decode_metadata(bytes).map_err(|e| e.to_string());
    }
    let mut joined = Vec::with_capacity(groups);
    let mut file_metadata = None;
    for part in layout.groups.chunks(MAX_ROW_GROUPS) {
        let footer = layout.with_groups(bytes, part);
        let decoded = ParquetMetaDataReader::decode_metadata(&footer).map_err(|e| e.to_string())?;
        joined.extend(decoded.row_groups().iter().cloned());
        file_metadata.get_or_insert_with(|| decoded.file_metadata().clone());
    }
    let file_metadata = file_metadata.ok_or("a footer without row groups")?;
    Ok(ParquetMetaData::new(file_metadata, joined))
}

/// What later reads rely on: row counts are not negative and add up to the
/// file's, and every column chunk lies between the magic bytes and the
/// footer (so no read runs past the file, or asks for more than it holds).
fn check(metadata: &ParquetMetaData, data_end: u64) -> Result<(), String> {
    let mut rows: i64 = 0;
    for (g, group) in metadata.row_groups().iter().enumerate() {
        let n = group.num_rows();
        if n < 0 {
            return Err(format!("damaged footer: row group {g} has {n} rows"));
        }
        rows = rows
            .checked_add(n)
            .ok_or_else(|| format!("damaged footer: row group {g}: row count overflows"))?;
        for (c, column) in group.columns().iter().enumerate() {
            // Computed here: `byte_range` asserts on negative offsets.
            let start = column
                .dictionary_page_offset()
                .unwrap_or(column.data_page_offset());
            let size = column.compressed_size();
            let inside = u64::try_from(start).ok().zip(u64::try_from(size).ok());
            let end = inside.and_then(|(s, n)| s.checked_add(n));
            if start < 4 || end.is_none_or(|end| end > data_end) {
                return Err(format!(
                    "damaged footer: row group {g}, column {c} ({}): its bytes {start}..+{size} lie outside the file's data (4..{data_end})",
                    column.column_path()
                ));
            }
            if column.num_values() < 0 {
                return Err(format!(
                    "damaged footer: row group {g}, column {c}: negative value count"
                ));
            }
        }
    }
    let declared = metadata.file_metadata().num_rows();
    if declared != rows {
        return Err(format!(
            "damaged footer: the file counts {declared} rows, its row groups {rows}"
        ));
    }
    Ok(())
}

/// Thrift compact-protocol type of a list of structs.
const STRUCT: u8 = 12;
const LIST: u8 = 9;

/// The top-level fields of an encoded `FileMetaData`, and the byte range
/// of each row group in its list (field 4).
struct Layout {
    /// Each field's id, type and the byte range of its value.
    fields: Vec<(i16, u8, std::ops::Range<usize>)>,
    groups: Vec<std::ops::Range<usize>>,
}

impl Layout {
    fn of(bytes: &[u8]) -> Result<Layout, String> {
        let mut r = Compact { bytes, at: 0 };
        let mut fields = Vec::new();
        let mut groups = Vec::new();
        let mut last = 0i16;
        while let Some((id, kind)) = r.field_header(&mut last)? {
            let start = r.at;
            if id == 4 && kind == LIST {
                let (element, n) = r.list_header()?;
                if element != STRUCT {
                    return Err("row groups are not a list of structs".into());
                }
                for _ in 0..n {
                    let at = r.at;
                    r.skip(STRUCT, 0)?;
                    groups.push(at..r.at);
                }
            } else {
                r.skip(kind, 0)?;
            }
            fields.push((id, kind, start..r.at));
        }
        Ok(Layout { fields, groups })
    }

    /// The footer with only `part` of the row groups: every other field
    /// copied as it is, each with a long-form header (its id written out,
    /// so the order of fields is free of the deltas of the original).
    fn with_groups(&self, bytes: &[u8], part: &[std::ops::Range<usize>]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len() / (self.groups.len() / part.len()).max(1));
        for (id, kind, range) in &self.fields {
            out.push(*kind);
            varint(&mut out, zigzag(i64::from(*id)));
            if *id == 4 && *kind == LIST {
                if part.len() < 15 {
                    out.push(((part.len() as u8) << 4) | STRUCT);
                } else {
                    out.push(0xF0 | STRUCT);
                    varint(&mut out, part.len() as u64);
                }
                for g in part {
                    out.extend_from_slice(&bytes[g.clone()]);
                }
            } else {
                out.extend_from_slice(&bytes[range.clone()]);
            }
        }
        out.push(0);
        out
    }
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A reader of the Thrift compact protocol that only finds where values
/// end.
struct Compact<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Compact<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or("damaged footer: it ends inside a value")?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7F).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("damaged footer: an integer runs on".into())
    }

    fn advance(&mut self, n: u64) -> Result<(), String> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.at.checked_add(n))
            .filter(|&end| end <= self.bytes.len())
            .ok_or("damaged footer: a value runs past its end")?;
        self.at = end;
        Ok(())
    }

    /// The next field's id and type, or `None` at the end of the struct.
    fn field_header(&mut self, last: &mut i16) -> Result<Option<(i16, u8)>, String> {
        let b = self.byte()?;
        if b == 0 {
            return Ok(None);
        }
        let kind = b & 0x0F;
        let delta = b >> 4;
        let id = if delta == 0 {
            let z = self.varint()?;
            i16::try_from((z >> 1) as i64 ^ -((z & 1) as i64))
                .map_err(|_| "damaged footer: a field id out of range")?
        } else {
            last.checked_add(i16::from(delta))
                .ok_or("damaged footer: a field id out of range")?
        };
        *last = id;
        Ok(Some((id, kind)))
    }

    fn list_header(&mut self) -> Result<(u8, u64), String> {
        let b = self.byte()?;
        let n = match b >> 4 {
            15 => self.varint()?,
            n => u64::from(n),
        };
        // Every element takes at least a byte: a longer list is damage.
        if n > (self.bytes.len() - self.at) as u64 {
            return Err("damaged footer: a list longer than the footer".into());
        }
        Ok((b & 0x0F, n))
    }

    /// Move past one value of type `kind`.
    fn skip(&mut self, kind: u8, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("damaged footer: nested too deeply".into());
        }
        match kind {
            // Booleans as fields carry their value in the type.
            1 | 2 => Ok(()),
            3 => self.advance(1),
            4..=6 => self.varint().map(drop),
            7 => self.advance(8),
            8 => {
                let n = self.varint()?;
                self.advance(n)
            }
            9 | 10 => {
                let (element, n) = self.list_header()?;
                for _ in 0..n {
                    self.element(element, depth + 1)?;
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                if n > (self.bytes.len() - self.at) as u64 {
                    return Err("damaged footer: a map longer than the footer".into());
                }
                let types = self.byte()?;
                for _ in 0..n {
                    self.element(types >> 4, depth + 1)?;
                    self.element(types & 0x0F, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => {
                let mut last = 0i16;
                while let Some((_, kind)) = self.field_header(&mut last)? {
                    self.skip(kind, depth + 1)?;
                }
                Ok(())
            }
            // A UUID.
            13 => self.advance(16),
            other => Err(format!("damaged footer: unknown Thrift type {other}")),
        }
    }

    /// An element of a list, set or map: booleans take a byte there.
    fn element(&mut self, kind: u8, depth: usize) -> Result<(), String> {
        match kind {
            1 | 2 => self.advance(1),
            _ => self.skip(kind, depth),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contained_panics_become_messages() {
        let e = contained(|| -> u8 { panic!("index out of bounds") }).unwrap_err();
        assert!(e.contains("index out of bounds"), "{e}");
        assert_eq!(contained(|| 7), Ok(7));
    }
}

#[cfg(test)]
mod more_row_groups {
    use super::*;
    use crate::Fields;
    use std::path::Path;

    /// A valid file whose footer lists 33,000 row groups (each the same
    /// one row, as a footer may point many groups at shared pages) reads
    /// whole: the parquet crate alone refuses more than 32,767.
    #[test]
    fn files_with_more_than_32767_row_groups_are_read() {
        let one = crate::tables::tests::file(1, 1);
        let len = one.len();
        let meta_len = u32::from_le_bytes(one[len - 8..len - 4].try_into().unwrap()) as usize;
        let footer = &one[len - 8 - meta_len..len - 8];
        let layout = Layout::of(footer).unwrap();
        assert_eq!(layout.groups.len(), 1);
        let n = 33_000usize;
        let mut out = Vec::new();
        for (id, kind, range) in &layout.fields {
            out.push(*kind);
            varint(&mut out, zigzag(i64::from(*id)));
            match id {
                3 => varint(&mut out, zigzag(n as i64)),
                4 => {
                    out.push(0xF0 | STRUCT);
                    varint(&mut out, n as u64);
                    for _ in 0..n {
                        out.extend_from_slice(&footer[layout.groups[0].clone()]);
                    }
                }
                _ => out.extend_from_slice(&footer[range.clone()]),
            }
        }
        out.push(0);
        let mut file = one[..len - 8 - meta_len].to_vec();
        file.extend_from_slice(&out);
        file.extend_from_slice(&(out.len() as u32).to_le_bytes());
        file.extend_from_slice(b"PAR1");
        // The parquet crate's own reader refuses it.
        let e = ParquetMetaDataReader::decode_metadata(&out).unwrap_err();
        assert!(e.to_string().contains("exceeds i16"), "{e}");
        let records = crate::tables::ParquetRecords::from_bytes(
            file,
            Path::new("many.parquet"),
            Fields::default(),
        )
        .unwrap();
        assert_eq!(records.rows(), n as u64);
        let mut count = 0;
        for r in records {
            let r = r.unwrap();
            assert_eq!(r.text, "the text of document 0");
            count += 1;
        }
        assert_eq!(count, n);
    }
}
