//! The Parquet reader on damaged files: it never panics, never lets a
//! panic of the parquet or arrow crates out, and every record and error
//! names the file (and a row the file has).
//!
//! Half the inputs are read as a file as they are; the other half build a
//! valid file (rows, row groups, pages, dictionary and compression chosen
//! by the input, with a struct, a timestamp with a named zone and a
//! decimal beside the text) and then change its bytes where the input
//! says, so that the footer, page headers and pages are all reached.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray, StructArray,
    TimestampMillisecondArray, UInt64Array,
};
use arrow_schema::{DataType, Field};
use doublet_io::tables::ParquetRecords;
use doublet_io::{Error, Fields};
use libfuzzer_sys::fuzz_target;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// A valid Parquet file made from `seed`, and the rest of the input.
fn build(seed: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let (&shape, rest) = seed.split_first()?;
    let (&count, rest) = rest.split_first()?;
    let rows = usize::from(count % 64) + 1;
    let split = rest.len().min(rows * 3);
    let (words, edits) = rest.split_at(split);
    let text: Vec<String> = (0..rows)
        .map(|i| {
            let w = words.get(i * 3..(i * 3 + 3).min(words.len())).unwrap_or(&[]);
            format!("row {i} {}", String::from_utf8_lossy(w))
        })
        .collect();
    let ids: Vec<i64> = (0..rows as i64).collect();
    let big: Vec<u64> = (0..rows as u64).map(|i| u64::MAX - i).collect();
    let times: Vec<i64> = (0..rows as i64).map(|i| 1_700_000_000_000 + i).collect();
    let money: Vec<i128> = (0..rows as i128).map(|i| i * 10_i128.pow(30)).collect();
    let meta = StructArray::from(vec![(
        Arc::new(Field::new("url", DataType::Utf8, true)),
        Arc::new(StringArray::from(
            (0..rows).map(|i| format!("https://s{}.example/", i % 3)).collect::<Vec<_>>(),
        )) as ArrayRef,
    )]);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(ids))),
        ("text", Arc::new(StringArray::from(text))),
        ("big", Arc::new(UInt64Array::from(big))),
        (
            "at",
            Arc::new(TimestampMillisecondArray::from(times).with_timezone("America/New_York")),
        ),
        (
            "money",
            Arc::new(Decimal128Array::from(money).with_precision_and_scale(38, 0).ok()?),
        ),
        ("meta", Arc::new(meta)),
    ];
    let batch = RecordBatch::try_from_iter(columns).ok()?;
    let compression = match shape % 4 {
        0 => Compression::UNCOMPRESSED,
        1 => Compression::SNAPPY,
        2 => Compression::ZSTD(ZstdLevel::default()),
        _ => Compression::LZ4_RAW,
    };
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(usize::from(shape >> 2 & 7) + 1))
        .set_data_page_row_count_limit(usize::from(shape >> 5) + 1)
        .set_write_batch_size(1)
        .set_dictionary_enabled(shape & 0x80 != 0)
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).ok()?;
    w.write(&batch).ok()?;
    w.close().ok()?;
    Some((out, edits))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let Some((mut file, edits)) = build(rest) else {
            return;
        };
        // Each edit: two bytes of position counted from the end (where the
        // footer is) or the start, and a byte to xor in.
        for e in edits.chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([e[0], e[1]]) >> 1);
            if file.is_empty() {
                break;
            }
            let at = at % file.len();
            let at = if e[0] & 1 == 0 { file.len() - 1 - at } else { at };
            file[at] ^= e[2].max(1);
        }
        file
    };
    let name = Path::new("fuzz.parquet");
    let fields = Fields {
        // Every other column is encoded as JSON, as a Parquet output or the
        // site and time fields need.
        only: None,
        ..Fields::default()
    };
    let records = match ParquetRecords::from_bytes(file, name, fields) {
        Ok(r) => r,
        Err(Error::Unsupported { path, .. }) => {
            assert_eq!(path, name);
            return;
        }
        Err(e) => panic!("unexpected error kind on open: {e}"),
    };
    let rows = records.rows();
    for item in records {
        match item {
            Ok(r) => assert!(r.origin.row.is_some_and(|row| row < rows)),
            Err(Error::Row { path, row, .. }) => {
                assert_eq!(path, name);
                assert!(row < rows);
            }
            Err(Error::Unsupported { path, message }) => {
                assert_eq!(path, name);
                assert!(message.starts_with("row "), "{message}");
            }
            Err(e) => panic!("unexpected error kind: {e}"),
        }
    }
});
