//! Nothing lost, whatever the user types: inputs read once, records
//! bounded and checked, numbers and names kept exactly, pages that cannot
//! be broken by their text, listings independent of input order.

use std::process::Stdio;
use std::time::Duration;

use crate::outputs::{bin, paused};
use crate::{
    doublet, json, news, read_jsonl, seeds_and_copies_jsonl, seeds_jsonl, stderr_of, StdoutOk,
};

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    assert!(std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success());
}

/// dedup reads its inputs twice, scan twice for passage texts: a FIFO is
/// read once, into an unlinked spool.
#[cfg(unix)]
#[test]
fn a_fifo_input_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("f.jsonl");
    mkfifo(&fifo);
    let feed = |data: String| {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, data).unwrap())
    };
    let kept = dir.path().join("kept.jsonl");
    let writer = feed(seeds_and_copies_jsonl());
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&kept)
        .arg(&fifo)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    writer.join().unwrap();
    assert_eq!(read_jsonl(&kept).len(), 3);
    let writer = feed(seeds_jsonl());
    let r = json(
        &doublet()
            .args(["scan", "--json"])
            .arg(&fifo)
            .timeout(Duration::from_secs(120))
            .stdout_ok(),
    );
    writer.join().unwrap();
    assert_eq!(r["stats"]["documents"], 5);
}

/// The standard-input spool has no name: a run killed with SIGKILL while
/// it exists leaves nothing in the temporary folder.
#[cfg(unix)]
#[test]
fn the_stdin_spool_is_unlinked() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let pause = dir.path().join("pause");
    let mut child = paused(
        bin()
            .env("TMPDIR", &tmp)
            .args(["dedup", "-q", "-o"])
            .arg(dir.path().join("kept.jsonl"))
            .arg("-")
            .stdin({
                let (r, mut w) = std::io::pipe().unwrap();
                w.write_all(seeds_jsonl().as_bytes()).unwrap();
                drop(w);
                Stdio::from(r)
            }),
        &pause,
    );
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none());
}

#[test]
fn a_record_over_the_memory_budget_is_refused_while_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.jsonl");
    let big = serde_json::json!({"id": "big", "text": "word ".repeat(400_000)});
    std::fs::write(&f, format!("{{\"id\":\"a\",\"text\":\"small\"}}\n{big}\n")).unwrap();
    for cmd in ["scan", "dedup"] {
        let mut c = doublet();
        c.args([cmd, "-q", "--max-memory", "4MB"]).arg(&f);
        if cmd == "dedup" {
            c.arg("-o").arg(dir.path().join("k.jsonl"));
        }
        let msg = stderr_of(c.assert());
        assert!(
            msg.contains("big.jsonl:2: record larger than 1000000 bytes"),
            "{msg}"
        );
    }
}

/// `/dev/zero` named `.txt` is refused at the per-document limit instead
/// of being read until the process is killed.
#[cfg(target_os = "linux")]
#[test]
fn an_endless_text_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let z = dir.path().join("zero.txt");
    std::os::unix::fs::symlink("/dev/zero", &z).unwrap();
    for cmd in ["scan", "dedup"] {
        let mut c = doublet();
        c.args([cmd, "-q", "--max-memory", "2MB"]).arg(&z);
        if cmd == "dedup" {
            c.arg("-o").arg(dir.path().join("k.jsonl"));
        }
        let msg = stderr_of(c.timeout(Duration::from_secs(60)).assert());
        assert!(msg.contains("zero.txt: record larger"), "{msg}");
    }
}

/// A record changed between dedup's two reads stops the run, naming the
/// file and line, and no output appears.
#[cfg(unix)]
#[test]
fn a_record_changed_between_the_reads_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let data = seeds_and_copies_jsonl();
    std::fs::write(&input, &data).unwrap();
    let kept = dir.path().join("kept.jsonl");
    let pause = dir.path().join("pause");
    let child = paused(
        bin().args(["dedup", "-q", "-o"]).arg(&kept).arg(&input),
        &pause,
    );
    // Same ids, same length, one word different on line 2.
    let mut lines: Vec<String> = data.lines().map(str::to_owned).collect();
    lines[1] = lines[1].replacen("the", "thy", 1);
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    std::fs::remove_file(&pause).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("in.jsonl:2: input changed"), "{msg}");
    assert!(!kept.exists());
}

#[test]
fn thread_counts_are_bounded() {
    let msg = stderr_of(
        doublet()
            .args(["scan", "--threads", "100000"])
            .arg(news())
            .assert(),
    );
    assert!(msg.contains("`threads`: 100000 is more than 1024"), "{msg}");
}

/// The listed mistakes do not depend on the order of the input.
#[test]
fn eval_lists_do_not_depend_on_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let forward = seeds_and_copies_jsonl();
    let mut lines: Vec<&str> = forward.lines().collect();
    lines.reverse();
    let (f, r) = (dir.path().join("f.jsonl"), dir.path().join("r.jsonl"));
    std::fs::write(&f, &forward).unwrap();
    std::fs::write(&r, lines.join("\n") + "\n").unwrap();
    let ids: Vec<String> = forward
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Everything one cluster (false negatives), then everything apart
    // (false positives).
    for (name, cluster) in [("one", None), ("apart", Some(()))] {
        let truth = dir.path().join(format!("{name}.csv"));
        let body: String = ids
            .iter()
            .enumerate()
            .map(|(i, id)| match cluster {
                None => format!("{id},c\n"),
                Some(()) => format!("{id},c{i}\n"),
            })
            .collect();
        std::fs::write(&truth, format!("id,cluster\n{body}")).unwrap();
        let run = |input: &std::path::Path| {
            let mut v = json(
                &doublet()
                    .args(["eval", "--json", "--worst", "3", "--truth"])
                    .arg(&truth)
                    .arg(input)
                    .stdout_ok(),
            );
            v["truth"] = serde_json::Value::Null;
            v
        };
        let (a, b) = (run(&f), run(&r));
        let listed = a["false_negatives"].as_array().unwrap().len()
            + a["false_positives"].as_array().unwrap().len();
        assert!(listed > 0, "{name}: nothing listed");
        assert_eq!(a, b, "{name}");
    }
}

/// Text that would close a script element or open a comment leaves the
/// page's two script elements intact and its data exact.
#[test]
fn hostile_text_cannot_break_the_html_page() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "</script><script>alert(1)</script> <!-- ]]> & \u{2028}\u{2029} ";
    let base = std::fs::read_to_string(news().join("000_f100c1059ce78ca9.txt")).unwrap();
    let (a, b) = (format!("{hostile}{base}"), format!("{base}{hostile}"));
    let f = dir.path().join("h.jsonl");
    std::fs::write(
        &f,
        [("a", &a), ("b", &b)]
            .iter()
            .map(|(id, t)| serde_json::json!({"id": id, "text": t}).to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let page = dir.path().join("p.html");
    doublet()
        .args(["scan", "-q", "--html"])
        .arg(&page)
        .arg(&f)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<script").count(), 2, "opening tags");
    assert_eq!(html.matches("</script").count(), 2, "closing tags");
    assert!(!html.contains("<!--") && !html.contains('\u{2028}'));
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    let ids = data["ids"].as_array().unwrap();
    let at = ids.iter().position(|id| id == "a").unwrap();
    assert_eq!(data["texts"][at.to_string()][0], a.as_str());
}

/// Numbers pass through exactly: ids beyond 64 bits stay distinct,
/// exponents and negative zero keep their spelling, long numbers their
/// digits.
#[test]
fn json_numbers_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("n.jsonl");
    std::fs::write(
        &f,
        "{\"id\":98765432109876543210,\"text\":\"one text here\",\"n\":1e2,\"z\":-0,\"big\":123456789012345678901234567890}\n\
         {\"id\":98765432109876543211,\"text\":\"another text entirely\",\"n\":1.50}\n",
    )
    .unwrap();
    let kept = dir.path().join("k.jsonl");
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&kept)
        .arg(&f)
        .assert()
        .success();
    let text = std::fs::read_to_string(&kept).unwrap();
    for needle in [
        "\"98765432109876543210\"",
        "\"98765432109876543211\"",
        "\"n\":1e2",
        "\"z\":-0",
        "\"big\":123456789012345678901234567890",
        "\"n\":1.50",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

/// Two file names that differ only in bytes that are not UTF-8 keep
/// distinct ids (`\xff`, `\xfe`), and dedup finds both again.
#[cfg(unix)]
#[test]
fn non_utf8_file_names_get_distinct_ids() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    for (name, text) in [
        (&b"bad\xff.txt"[..], "the first document about one thing"),
        (b"bad\xfe.txt", "a second document about something else"),
    ] {
        std::fs::write(docs.join(std::ffi::OsStr::from_bytes(name)), text).unwrap();
    }
    let kept = dir.path().join("k.jsonl");
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&kept)
        .arg(&docs)
        .assert()
        .success();
    let ids: Vec<String> = read_jsonl(&kept)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["bad\\xfe.txt", "bad\\xff.txt"]);
}

#[test]
fn a_byte_order_mark_opens_a_json_lines_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bom.jsonl");
    std::fs::write(&f, format!("\u{feff}{}", seeds_jsonl())).unwrap();
    let r = json(&doublet().args(["scan", "--json"]).arg(&f).stdout_ok());
    assert_eq!(r["stats"]["documents"], 5);
}

#[test]
fn huge_ids_are_cut_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.jsonl");
    let id = "x".repeat(100_000);
    let line = serde_json::json!({"id": id, "text": "t"}).to_string();
    std::fs::write(&f, format!("{line}\n{line}\n")).unwrap();
    let msg = stderr_of(doublet().arg("scan").arg(&f).assert());
    assert!(
        msg.len() < 600 && msg.contains("xxx\"…"),
        "{} chars",
        msg.len()
    );
}

/// JSON numbers keep their values in a Parquet output: the type of each
/// field is planned over every record before a row is written (int64,
/// uint64, a decimal, a double only where a double holds every value);
/// a value no Parquet type holds stops the run naming field, file and
/// line, and no output appears. Before, every large integer became a
/// double (two distinct 64-bit values collapsed, a 30-digit number lost
/// digits) and `1e400` became `inf`, with exit 0.
#[test]
fn json_numbers_keep_their_values_in_parquet_outputs() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Decimal128Type, Float64Type, Int64Type, UInt64Type};
    use arrow_schema::DataType;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("n.jsonl");
    let lines = [
        r#"{"id":"a","text":"alpha beta gamma","big":18446744073709551615,"wide":123456789012345678901234567890,"small":-3,"share":0.1}"#,
        r#"{"id":"b","text":"delta epsilon zeta","big":18446744073709551614,"wide":-1,"small":1e2,"share":2.5}"#,
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("k.parquet");
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&out).unwrap(),
    )
    .unwrap();
    let schema = reader.schema().clone();
    let names: Vec<_> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["id", "text", "big", "wide", "small", "share"]);
    let batch = reader.build().unwrap().next().unwrap().unwrap();
    let col = |name: &str| batch.column(schema.index_of(name).unwrap()).clone();
    assert_eq!(col("big").data_type(), &DataType::UInt64);
    let big = col("big");
    assert_eq!(
        big.as_primitive::<UInt64Type>().values(),
        &[u64::MAX, u64::MAX - 1]
    );
    assert_eq!(col("wide").data_type(), &DataType::Decimal128(38, 0));
    let wide = col("wide");
    assert_eq!(
        wide.as_primitive::<Decimal128Type>().values(),
        &[123456789012345678901234567890_i128, -1]
    );
    let small = col("small");
    assert_eq!(small.as_primitive::<Int64Type>().values(), &[-3, 100]);
    let share = col("share");
    assert_eq!(share.as_primitive::<Float64Type>().values(), &[0.1, 2.5]);

    // A number no Parquet type holds: refused at its line, nothing written.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        format!(
            "{}\n{}\n",
            lines[0], r#"{"id":"c","text":"eta theta","share":1e400}"#
        ),
    )
    .unwrap();
    let gone = dir.path().join("gone.parquet");
    let msg = stderr_of(
        doublet()
            .args(["dedup", "-q", "-o"])
            .arg(&gone)
            .arg(&bad)
            .assert(),
    );
    assert!(msg.contains("bad.jsonl:2: field `share`"), "{msg}");
    assert!(msg.contains("1e400"), "{msg}");
    assert!(!gone.exists());
    // JSON Lines holds it as written.
    let jl = dir.path().join("k.jsonl");
    doublet()
        .args(["dedup", "-q", "-o"])
        .arg(&jl)
        .arg(&bad)
        .assert()
        .success();
    assert!(std::fs::read_to_string(&jl)
        .unwrap()
        .contains("\"share\":1e400"));
}

/// A field that is an object in one record and a string in another stops
/// the first pass at the conflicting line, naming the field and where the
/// other kind was first seen; before, the run went to the end and failed
/// with an Arrow message naming no field or line.
#[test]
fn a_field_of_two_kinds_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("m.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"id":"a","text":"alpha beta gamma","meta":{"lang":"en"}}"#,
            "\n",
            r#"{"id":"b","text":"delta epsilon zeta","meta":{"lang":"de"}}"#,
            "\n",
            r#"{"id":"c","text":"eta theta iota","meta":"unknown"}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("k.parquet");
    let msg = stderr_of(
        doublet()
            .args(["dedup", "-q", "-o"])
            .arg(&out)
            .arg(&input)
            .assert(),
    );
    assert!(
        msg.contains("m.jsonl:3: field `meta` is a string here and an object at")
            && msg.contains("m.jsonl:1"),
        "{msg}"
    );
    assert!(!out.exists());
}
