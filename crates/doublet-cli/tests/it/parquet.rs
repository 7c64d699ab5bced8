//! Parquet in and out, folders of shards, `--glob`, `--annotate` and
//! `--removed-records`: the command line as a data engineer uses it.

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;

use crate::{doublet, json, news, read_jsonl, stderr_of, StdoutOk};

/// The seeds as rows: (file name, text), in name order.
fn seeds() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(news())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).unwrap(),
            )
        })
        .collect()
}

/// A Parquet file of rows `(id, text)` with a numeric `rank` column and
/// a `meta` struct holding the `url`; a `None` text is a null.
fn write_parquet(path: &Path, rows: &[(String, Option<String>)], row_group: usize) {
    let (mut ids, mut texts, mut ranks, mut urls) = (
        StringBuilder::new(),
        StringBuilder::new(),
        Int64Builder::new(),
        StringBuilder::new(),
    );
    for (i, (id, text)) in rows.iter().enumerate() {
        ids.append_value(id);
        texts.append_option(text.as_deref());
        ranks.append_value(i as i64 * 10);
        urls.append_value(format!("https://site{}.example/{i}", i % 2));
    }
    let meta = StructArray::from(vec![(
        Arc::new(Field::new("url", DataType::Utf8, true)),
        Arc::new(urls.finish()) as ArrayRef,
    )]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(ranks.finish()),
        Arc::new(texts.finish()),
        Arc::new(meta),
    ];
    let batch = RecordBatch::try_from_iter(["id", "rank", "text", "meta"].into_iter().zip(columns))
        .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group))
        .build();
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// The same rows as JSON Lines, with the same fields.
fn write_jsonl(path: &Path, rows: &[(String, Option<String>)]) {
    let mut out = String::new();
    for (i, (id, text)) in rows.iter().enumerate() {
        let v = serde_json::json!({
            "id": id,
            "rank": i as i64 * 10,
            "text": text,
            "meta": {"url": format!("https://site{}.example/{i}", i % 2)},
        });
        out.push_str(&v.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// A Parquet file's schema and rows (as JSON objects).
fn read_parquet(path: &Path) -> (Arc<Schema>, Vec<serde_json::Value>) {
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    let schema = builder.schema().clone();
    let mut bytes = Vec::new();
    {
        let mut w = arrow_json::LineDelimitedWriter::new(&mut bytes);
        for batch in builder.build().unwrap() {
            w.write(&batch.unwrap()).unwrap();
        }
        w.finish().unwrap();
    }
    let rows = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (schema, rows)
}

fn rows_of(seeds: &[(String, String)]) -> Vec<(String, Option<String>)> {
    seeds
        .iter()
        .map(|(id, t)| (id.clone(), Some(t.clone())))
        .collect()
}

/// Parquet is read as its rows written as JSON Lines are: the same
/// report, byte for byte, whatever the row groups.
#[test]
fn parquet_reads_as_the_same_rows_in_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows_of(&seeds());
    let (pq, jl) = (dir.path().join("s.parquet"), dir.path().join("s.jsonl"));
    write_parquet(&pq, &rows, 2);
    write_jsonl(&jl, &rows);
    let flags = ["scan", "--json", "-q", "--site-field", "meta.url"];
    let a = doublet().args(flags).arg(&pq).stdout_ok();
    let b = doublet().args(flags).arg(&jl).stdout_ok();
    assert_eq!(a, b);
    let r = json(&a);
    assert_eq!(r["stats"]["removed"], 2);
    // The seeds conclude as always.
    let gone: Vec<_> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kept"] == false)
        .map(|d| {
            (
                d["id"].as_str().unwrap(),
                d["duplicate_of"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        gone,
        [
            ("001_f41e034662a1fcab.txt", "000_f100c1059ce78ca9.txt"),
            ("003_e9cfeb803afa4857.txt", "002_139156a821428acc.txt")
        ]
    );
}

/// `dedup` to Parquet from Parquet keeps every input column with its type,
/// in order, the text cleaned, and `--annotate` adds the cluster and its
/// size; the removed list is Parquet too; the same run to JSON Lines holds
/// the same rows.
#[test]
fn parquet_output_keeps_the_input_columns_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds();
    let rows = rows_of(&seeds);
    let pq = dir.path().join("s.parquet");
    write_parquet(&pq, &rows, 3);
    let (kept, removed) = (
        dir.path().join("kept.parquet"),
        dir.path().join("gone.parquet"),
    );
    doublet()
        .args(["dedup", "-q", "--annotate", "-o"])
        .arg(&kept)
        .arg("--removed")
        .arg(&removed)
        .arg(&pq)
        .assert()
        .success();
    let (schema, out) = read_parquet(&kept);
    let names: Vec<_> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        ["id", "rank", "text", "meta", "cluster", "cluster_size"]
    );
    assert_eq!(schema.field(1).data_type(), &DataType::Int64);
    assert!(matches!(schema.field(3).data_type(), DataType::Struct(_)));
    assert_eq!(schema.field(5).data_type(), &DataType::UInt64);
    let ids: Vec<_> = out.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [&seeds[0].0, &seeds[2].0, &seeds[4].0]);
    assert_eq!(out[0]["rank"], 0);
    assert_eq!(out[1]["meta"]["url"], "https://site0.example/2");
    // 000 repeats paragraphs, which the output drops; 001 is in its cluster.
    assert!(out[0]["text"].as_str().unwrap().len() < seeds[0].1.len());
    assert_eq!(out[0]["cluster_size"], 2);
    assert_eq!(out[2]["cluster_size"], 1);
    let (rschema, gone) = read_parquet(&removed);
    let rnames: Vec<_> = rschema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        rnames,
        [
            "id",
            "duplicate_of",
            "relation",
            "jaccard",
            "containment",
            "cluster"
        ]
    );
    assert_eq!(gone.len(), 2);
    assert_eq!(gone[0]["relation"], "contained");

    // The same to JSON Lines: the same rows.
    let kept_jl = dir.path().join("kept.jsonl");
    doublet()
        .args(["dedup", "-q", "--annotate", "-o"])
        .arg(&kept_jl)
        .arg(&pq)
        .assert()
        .success();
    let lines = read_jsonl(&kept_jl);
    assert_eq!(lines, out);
}

/// JSON Lines written as Parquet: the schema is inferred over every record
/// (numbers as integers, objects as structs), and the rows are the JSON
/// Lines output's.
#[test]
fn json_lines_written_as_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows_of(&seeds());
    let jl = dir.path().join("s.jsonl");
    write_jsonl(&jl, &rows);
    let (kept, kept_jl) = (dir.path().join("k.parquet"), dir.path().join("k.jsonl"));
    for out in [&kept, &kept_jl] {
        doublet()
            .args(["dedup", "-q", "--annotate", "-o"])
            .arg(out)
            .arg(&jl)
            .assert()
            .success();
    }
    let (schema, out) = read_parquet(&kept);
    assert_eq!(
        schema.field_with_name("rank").unwrap().data_type(),
        &DataType::Int64
    );
    assert_eq!(
        schema.field_with_name("cluster_size").unwrap().data_type(),
        &DataType::UInt64
    );
    let mut expected = read_jsonl(&kept_jl);
    // JSON objects list their keys as the inference orders them.
    for (a, b) in out.iter().zip(expected.iter_mut()) {
        assert_eq!(a.as_object().unwrap().len(), b.as_object().unwrap().len());
        for (k, v) in b.as_object().unwrap() {
            assert_eq!(&a[k], v, "{k}");
        }
    }
    assert_eq!(out.len(), expected.len());

    // No kept rows still make a valid, empty file with the id and text.
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let none = dir.path().join("none.parquet");
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&none)
        .arg(&empty)
        .assert()
        .success();
    let (schema, rows) = read_parquet(&none);
    assert!(rows.is_empty());
    assert!(schema.field_with_name("text").is_ok());
}

/// `--removed-records` writes removed rows in full (original text, every
/// field) with the decision; a field the input already has by that name is
/// refused, never overwritten.
#[test]
fn removed_records_are_written_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds();
    let rows = rows_of(&seeds);
    let pq = dir.path().join("s.parquet");
    write_parquet(&pq, &rows, 100);
    for name in ["gone.parquet", "gone.jsonl"] {
        let gone = dir.path().join(name);
        doublet()
            .args(["dedup", "-q", "--removed-records", "-o"])
            .arg(dir.path().join("k.jsonl"))
            .arg("--removed")
            .arg(&gone)
            .arg(&pq)
            .assert()
            .success();
        let out = if name.ends_with(".parquet") {
            read_parquet(&gone).1
        } else {
            read_jsonl(&gone)
        };
        assert_eq!(out.len(), 2);
        assert_eq!(out[0]["id"], seeds[1].0.as_str());
        assert_eq!(out[0]["text"], seeds[1].1.as_str());
        assert_eq!(out[0]["rank"], 10);
        assert_eq!(out[0]["duplicate_of"], seeds[0].0.as_str());
        assert_eq!(out[0]["relation"], "contained");
        assert_eq!(out[1]["relation"], "near_duplicate");
    }
    // `cluster` is taken: --annotate refuses rather than overwrite it.
    let jl = dir.path().join("c.jsonl");
    std::fs::write(
        &jl,
        "{\"id\":\"a\",\"text\":\"one two three\",\"cluster\":7}\n",
    )
    .unwrap();
    for out in ["k2.jsonl", "k2.parquet"] {
        let msg = stderr_of(
            doublet()
                .args(["dedup", "-q", "--annotate", "-o"])
                .arg(dir.path().join(out))
                .arg(&jl)
                .assert(),
        );
        assert!(msg.contains("already has a field `cluster`"), "{msg}");
        assert!(!dir.path().join(out).exists());
    }
    // --removed-records without --removed is a usage error.
    doublet()
        .args(["dedup", "-q", "--removed-records", "-o"])
        .arg(dir.path().join("k3.jsonl"))
        .arg(&jl)
        .assert()
        .code(2);
}

/// Rows are named from 0: a missing id column names records `FILE:ROW`,
/// a null text stops the run naming the row, `--skip-invalid` lists it
/// with its row, and a missing text column names the columns there are.
#[test]
fn parquet_rows_are_named_in_ids_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        ("a".to_owned(), Some("one two three four".to_owned())),
        ("b".to_owned(), None),
        ("c".to_owned(), Some("five six seven".to_owned())),
    ];
    let pq = dir.path().join("n.parquet");
    write_parquet(&pq, &rows, 100);
    let msg = stderr_of(
        doublet()
            .current_dir(dir.path())
            .args(["scan", "n.parquet"])
            .assert(),
    );
    assert!(
        msg.contains("n.parquet: row 1: column `text` is null"),
        "{msg}"
    );
    let out = doublet()
        .current_dir(dir.path())
        .args([
            "scan",
            "-q",
            "--json",
            "--skip-invalid",
            "--id-field",
            "nope",
            "n.parquet",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let r = json(&out.stdout);
    assert_eq!(crate::document_ids(&r), ["n.parquet:0", "n.parquet:2"]);
    assert_eq!(r["skipped"][0]["row"], 1);
    assert_eq!(r["skipped"][0]["line"], 0);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("named by file and row (from 0)"), "{err}");
    assert!(
        err.contains("first: n.parquet: row 1: column `text` is null"),
        "{err}"
    );

    let msg = stderr_of(
        doublet()
            .args(["scan", "--text-field", "body"])
            .arg(&pq)
            .assert(),
    );
    assert!(
        msg.contains("no text column `body` (columns: id, rank, text, meta; choose another with --text-field)"),
        "{msg}"
    );
    let msg = stderr_of(
        doublet()
            .args(["scan", "--text-field", "rank"])
            .arg(&pq)
            .assert(),
    );
    assert!(
        msg.contains("column `rank` must hold strings, not Int64"),
        "{msg}"
    );
    let bad = dir.path().join("bad.parquet");
    std::fs::write(&bad, b"PAR1 not really").unwrap();
    let msg = stderr_of(doublet().arg("scan").arg(&bad).assert());
    assert!(
        msg.contains("bad.parquet: not a readable Parquet file"),
        "{msg}"
    );
}

/// A folder of mixed shards is read in sorted path order, `--glob` chooses
/// among them, and an input that yields nothing is a warning. Compression
/// is found by its magic bytes, whatever the name.
#[test]
fn folders_of_shards_and_glob() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds();
    let root = dir.path().join("shards");
    std::fs::create_dir_all(root.join("b")).unwrap();
    write_parquet(&root.join("a.parquet"), &rows_of(&seeds[..2]), 100);
    write_jsonl(&root.join("b/c.jsonl"), &rows_of(&seeds[2..4]));
    // gzip JSON Lines under a plain `.jsonl` name.
    let gz = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), Default::default());
        let line = serde_json::json!({"id": seeds[4].0, "text": seeds[4].1}).to_string();
        std::io::Write::write_all(&mut enc, line.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    std::fs::write(root.join("b/d.jsonl"), gz).unwrap();
    let r = json(
        &doublet()
            .args(["scan", "-q", "--json"])
            .arg(&root)
            .stdout_ok(),
    );
    let ids: Vec<String> = crate::document_ids(&r)
        .iter()
        .map(|s| s.to_string())
        .collect();
    let expected: Vec<String> = seeds.iter().map(|s| s.0.clone()).collect();
    assert_eq!(ids, expected);
    assert_eq!(r["stats"]["removed"], 2);

    let r = json(
        &doublet()
            .args(["scan", "-q", "--json", "--glob", "b/*.jsonl"])
            .arg(&root)
            .stdout_ok(),
    );
    assert_eq!(crate::document_ids(&r).len(), 3);
    // Nothing matches in one input: a warning naming it, the run goes on.
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = doublet()
        .args(["scan", "-q", "--json", "--glob", "*.csv"])
        .arg(&root)
        .arg(news())
        .arg(&empty)
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("shards: no documents (no file matches --glob \"*.csv\")"),
        "{err}"
    );
    assert!(err.contains("empty.jsonl: no documents"), "{err}");
    let msg = crate::usage_error(doublet().args(["scan", "--glob", "a["]).arg(&root).assert());
    assert!(
        msg.contains("invalid value 'a[' for '--glob <PATTERN>'"),
        "{msg}"
    );
}

/// Dotted paths reach struct fields in Parquet as in JSON: the site from
/// `meta.url`, and the text from a struct.
#[test]
fn dotted_paths_reach_struct_columns() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("nested.parquet");
    let mut bodies = StringBuilder::new();
    let mut ids = StringBuilder::new();
    for (i, (id, text)) in seeds().iter().enumerate() {
        ids.append_value(id);
        if i == 4 {
            bodies.append_null();
        } else {
            bodies.append_value(text);
        }
    }
    let doc = StructArray::from(vec![(
        Arc::new(Field::new("body", DataType::Utf8, true)),
        Arc::new(bodies.finish()) as ArrayRef,
    )]);
    let batch = RecordBatch::try_from_iter([
        ("doc", Arc::new(doc) as ArrayRef),
        ("key", Arc::new(ids.finish()) as ArrayRef),
    ])
    .unwrap();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(&pq).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let out = doublet()
        .args([
            "dedup",
            "-q",
            "--skip-invalid",
            "--text-field",
            "doc.body",
            "--id-field",
            "key",
            "-o",
        ])
        .arg(dir.path().join("k.parquet"))
        .arg(&pq)
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 invalid record"));
    let (_, rows) = read_parquet(&dir.path().join("k.parquet"));
    assert_eq!(rows.len(), 2);
    assert!(rows[0]["doc"]["body"].as_str().unwrap().len() > 100);
    assert!(rows[0]["key"].as_str().is_some());
}

/// With `--allow-duplicate-ids`, a renamed row is written under its new id
/// in a copied Parquet output, as in JSON Lines.
#[test]
fn renamed_ids_reach_parquet_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        (
            "a".to_owned(),
            Some("one two three four five six".to_owned()),
        ),
        (
            "a".to_owned(),
            Some("seven eight nine ten eleven".to_owned()),
        ),
    ];
    let pq = dir.path().join("d.parquet");
    write_parquet(&pq, &rows, 100);
    let kept = dir.path().join("k.parquet");
    doublet()
        .args(["dedup", "-q", "--allow-duplicate-ids", "-o"])
        .arg(&kept)
        .arg(&pq)
        .assert()
        .success();
    let (_, out) = read_parquet(&kept);
    let ids: Vec<_> = out.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "a#2"]);
}

/// `compare --input` looks ids up in a Parquet file as in JSON Lines.
#[test]
fn compare_looks_ids_up_in_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds();
    let (pq, jl) = (dir.path().join("s.parquet"), dir.path().join("s.jsonl"));
    write_parquet(&pq, &rows_of(&seeds), 2);
    write_jsonl(&jl, &rows_of(&seeds));
    let run = |input: &Path| {
        doublet()
            .args(["compare", "--json", &seeds[2].0, &seeds[3].0, "--input"])
            .arg(input)
            .stdout_ok()
    };
    let from_parquet = run(&pq);
    assert_eq!(from_parquet, run(&jl));
    assert_eq!(json(&from_parquet)["relation"], "near_duplicate");
}

/// Write one batch as a Parquet file.
fn write_batch(path: &Path, batch: &RecordBatch) {
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// A shard of two rows whose texts differ from every other shard's: ids
/// and texts, then `columns`.
fn shard(tag: &str, columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let ids = arrow_array::StringArray::from(vec![format!("{tag}-1"), format!("{tag}-2")]);
    let texts = arrow_array::StringArray::from(vec![
        format!("{tag} first shard text of several words"),
        format!("{tag} second shard text with other words"),
    ]);
    let mut all: Vec<(&str, ArrayRef)> = vec![("id", Arc::new(ids)), ("text", Arc::new(texts))];
    all.extend(columns);
    RecordBatch::try_from_iter(all).unwrap()
}

/// Shards with differing columns are joined by name without changing a
/// value: `uint64`, `timestamp[ns]` and `decimal128(38, 0)` keep their
/// types, `int32` widens to another shard's `int64`, a column one shard
/// lacks is null there. Shards whose types no column holds exactly are
/// refused before anything is read, naming the column and both files.
/// Before, such shards went through JSON: `uint64` became `double`,
/// timestamps strings and the decimal `int64`.
#[test]
fn parquet_shards_with_differing_columns_keep_every_value() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Decimal128Type, Int64Type, TimestampNanosecondType, UInt64Type};
    use arrow_array::{
        Decimal128Array, Float64Array, Int32Array, Int64Array, TimestampNanosecondArray,
        UInt64Array,
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("shards");
    std::fs::create_dir(&root).unwrap();
    let money = |v: Vec<i128>| -> ArrayRef {
        Arc::new(
            Decimal128Array::from(v)
                .with_precision_and_scale(38, 0)
                .unwrap(),
        )
    };
    let big = 10_i128.pow(37) + 7;
    write_batch(
        &root.join("a.parquet"),
        &shard(
            "a",
            vec![
                (
                    "big",
                    Arc::new(UInt64Array::from(vec![u64::MAX, u64::MAX - 1])),
                ),
                (
                    "at",
                    Arc::new(TimestampNanosecondArray::from(vec![
                        1,
                        1_700_000_000_123_456_789,
                    ])),
                ),
                ("money", money(vec![big, -big])),
                ("n", Arc::new(Int32Array::from(vec![1, -2]))),
            ],
        ),
    );
    write_batch(
        &root.join("b.parquet"),
        &shard(
            "b",
            vec![
                ("big", Arc::new(UInt64Array::from(vec![3, 4]))),
                ("at", Arc::new(TimestampNanosecondArray::from(vec![5, 6]))),
                ("money", money(vec![1, 2])),
                ("n", Arc::new(Int64Array::from(vec![i64::MAX, i64::MIN]))),
                (
                    "only_b",
                    Arc::new(arrow_array::StringArray::from(vec!["x", "y"])),
                ),
            ],
        ),
    );
    let out = dir.path().join("k.parquet");
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&out)
        .arg(&root)
        .assert()
        .success();
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    let batch = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
    let schema = batch.schema();
    let types: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), f.data_type()))
        .collect();
    assert_eq!(
        types,
        [
            "id: Utf8",
            "text: Utf8",
            "big: UInt64",
            "at: Timestamp(ns)",
            "money: Decimal128(38, 0)",
            "n: Int64",
            "only_b: Utf8"
        ]
    );
    let col = |name: &str| batch.column(schema.index_of(name).unwrap()).clone();
    assert_eq!(
        col("big").as_primitive::<UInt64Type>().values(),
        &[u64::MAX, u64::MAX - 1, 3, 4]
    );
    assert_eq!(
        col("at").as_primitive::<TimestampNanosecondType>().values(),
        &[1, 1_700_000_000_123_456_789, 5, 6]
    );
    assert_eq!(
        col("money").as_primitive::<Decimal128Type>().values(),
        &[big, -big, 1, 2]
    );
    assert_eq!(
        col("n").as_primitive::<Int64Type>().values(),
        &[1, -2, i64::MAX, i64::MIN]
    );
    assert_eq!(col("only_b").null_count(), 2);

    // A shard whose `big` is a double: no type holds both, refused before
    // reading, naming the column and both files.
    write_batch(
        &root.join("c.parquet"),
        &shard(
            "c",
            vec![("big", Arc::new(Float64Array::from(vec![0.5, 1.5])))],
        ),
    );
    let gone = dir.path().join("gone.parquet");
    let msg = stderr_of(
        doublet()
            .args(["dedup", "-q", "-o"])
            .arg(&gone)
            .arg(&root)
            .assert(),
    );
    assert!(
        msg.contains("c.parquet: column `big` is Float64 here and UInt64 in")
            && msg.contains("a.parquet"),
        "{msg}"
    );
    assert!(!gone.exists());
}

/// A nested text field (`--text-field doc.body`) is written back in its
/// place: the struct keeps its fields' order, in Parquet and JSON Lines
/// outputs, from Parquet and JSON Lines inputs. Before, the text moved to
/// the end of its struct.
#[test]
fn a_nested_text_keeps_its_place_in_the_struct() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows_of(&seeds());
    let mut bodies = StringBuilder::new();
    let mut langs = StringBuilder::new();
    let mut ids = StringBuilder::new();
    for (id, text) in &rows {
        ids.append_value(id);
        bodies.append_option(text.as_deref());
        langs.append_value("en");
    }
    let doc = StructArray::from(vec![
        (
            Arc::new(Field::new("body", DataType::Utf8, true)),
            Arc::new(bodies.finish()) as ArrayRef,
        ),
        (
            Arc::new(Field::new("lang", DataType::Utf8, true)),
            Arc::new(langs.finish()) as ArrayRef,
        ),
    ]);
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(ids.finish()) as ArrayRef),
        ("doc", Arc::new(doc) as ArrayRef),
    ])
    .unwrap();
    let pq = dir.path().join("nested.parquet");
    write_batch(&pq, &batch);
    let jl = dir.path().join("nested.jsonl");
    let lines: String = rows
        .iter()
        .map(|(id, text)| {
            serde_json::json!({"id": id, "doc": {"body": text, "lang": "en"}}).to_string() + "\n"
        })
        .collect();
    std::fs::write(&jl, lines).unwrap();
    for input in [&pq, &jl] {
        let (kp, kj) = (dir.path().join("k.parquet"), dir.path().join("k.jsonl"));
        for out in [&kp, &kj] {
            doublet()
                .args(["dedup", "-q", "--text-field", "doc.body", "-o"])
                .arg(out)
                .arg(input)
                .assert()
                .success();
        }
        let (schema, _) = read_parquet(&kp);
        let DataType::Struct(children) = schema.field_with_name("doc").unwrap().data_type() else {
            panic!("{schema:?}");
        };
        let names: Vec<_> = children.iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["body", "lang"], "{}", input.display());
        let first = std::fs::read_to_string(&kj).unwrap();
        let first = first.lines().next().unwrap();
        assert!(
            first.starts_with("{\"id\":") && first.find("\"body\"") < first.find("\"lang\""),
            "{first}"
        );
    }
}

/// Time zones by name (`UTC`, `America/New_York`, as pandas and Spark
/// write them) pass through: to JSON Lines as times with their offset, to
/// Parquet with their type, and `--time-field` reads them. Before, any
/// run that passed such a column through was refused.
#[test]
fn named_time_zones_pass_through() {
    use arrow_array::{TimestampMicrosecondArray, TimestampMillisecondArray};
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("tz.parquet");
    let at = TimestampMillisecondArray::from(vec![1_700_000_000_000, 1_700_000_001_000])
        .with_timezone("America/New_York");
    let utc = TimestampMicrosecondArray::from(vec![0, 1_000_000]).with_timezone("UTC");
    write_batch(
        &pq,
        &shard("t", vec![("at", Arc::new(at)), ("utc", Arc::new(utc))]),
    );
    let (kp, kj) = (dir.path().join("k.parquet"), dir.path().join("k.jsonl"));
    for out in [&kp, &kj] {
        doublet()
            .args(["dedup", "-q", "-o"])
            .arg(out)
            .arg(&pq)
            .assert()
            .success();
    }
    let rows = read_jsonl(&kj);
    assert_eq!(rows[0]["at"], "2023-11-14T17:13:20-05:00");
    assert_eq!(rows[0]["utc"], "1970-01-01T00:00:00Z");
    let (schema, _) = read_parquet(&kp);
    assert_eq!(
        schema
            .field_with_name("at")
            .unwrap()
            .data_type()
            .to_string(),
        "Timestamp(ms, \"America/New_York\")"
    );
    let ix = dir.path().join("ix");
    doublet()
        .args(["index", "create"])
        .arg(&ix)
        .assert()
        .success();
    doublet()
        .args(["index", "add", "-q", "--time-field", "at"])
        .arg(&ix)
        .arg(&pq)
        .assert()
        .success();
}

/// The Parquet file of `write_parquet` with byte `at` of its footer (from
/// the end) changed: each of these made the parquet or arrow-ipc crate
/// panic before (`compare --input` exited 101, the other commands printed
/// the panic and "the reader thread panicked" without naming the file).
/// Footer bytes (from the end of `write_parquet`'s file) and the bits
/// flipped in them that made the parquet crate (and, in the stored Arrow
/// schema, arrow-ipc) panic, found by trying every byte.
const DAMAGED_FOOTERS: [(usize, u8); 6] = [
    (106, 0x01),
    (399, 0x01),
    (824, 0xFF),
    (1202, 0xFF),
    (1414, 0x01),
    (1525, 0x80),
];

fn damaged(dir: &Path, from_end: usize, mask: u8) -> std::path::PathBuf {
    let good = dir.join("good.parquet");
    write_parquet(&good, &rows_of(&seeds()), 2);
    let mut bytes = std::fs::read(&good).unwrap();
    let at = bytes.len() - from_end;
    bytes[at] ^= mask;
    let bad = dir.join(format!("bad-{from_end}-{mask}.parquet"));
    std::fs::write(&bad, bytes).unwrap();
    bad
}

/// A damaged footer is one error naming the file, exit 2, in every
/// command, and no panic.
#[test]
fn damaged_footers_are_one_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (from_end, mask) in DAMAGED_FOOTERS {
        let bad = damaged(dir.path(), from_end, mask);
        let name = bad.file_name().unwrap().to_str().unwrap().to_owned();
        let runs: Vec<Vec<std::ffi::OsString>> = vec![
            vec!["scan".into(), bad.clone().into()],
            vec![
                "dedup".into(),
                "-o".into(),
                dir.path().join("k.parquet").into(),
                bad.clone().into(),
            ],
            vec![
                "compare".into(),
                "a".into(),
                "b".into(),
                "--input".into(),
                bad.clone().into(),
            ],
        ];
        for args in runs {
            let msg = stderr_of(doublet().args(&args).assert());
            // In the footer, or (for a change the footer's checks cannot
            // see) in the row group it describes.
            assert!(
                msg.contains(&format!("{name}: not a readable Parquet file: "))
                    || msg.contains(&format!("{name}: row ")) && msg.contains("cannot be read"),
                "{args:?}: {msg}"
            );
        }
    }
}

/// A damaged data page is reported in its row group, at the row reached,
/// not at row 0 of the file.
#[test]
fn a_damaged_page_is_placed_at_the_row_reached() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.parquet");
    let rows: Vec<(String, Option<String>)> = (0..3000)
        .map(|i| {
            (
                format!("d{i}"),
                Some(format!("text number {i} of the corpus")),
            )
        })
        .collect();
    write_parquet(&good, &rows, 1000);
    let mut bytes = std::fs::read(&good).unwrap();
    let meta = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&good).unwrap())
        .unwrap()
        .metadata()
        .clone();
    // The text column (2) of row group 2: its first page's header.
    let chunk = meta.row_group(2).column(2);
    let page = chunk
        .dictionary_page_offset()
        .unwrap_or(chunk.data_page_offset()) as usize;
    for b in &mut bytes[page..page + 6] {
        *b ^= 0x5A;
    }
    let bad = dir.path().join("page.parquet");
    std::fs::write(&bad, bytes).unwrap();
    let msg = stderr_of(doublet().args(["scan", "-q"]).arg(&bad).assert());
    assert!(
        msg.contains("page.parquet: row 2000: row group 2 (rows 2000 to 2999) cannot be read"),
        "{msg}"
    );
}
