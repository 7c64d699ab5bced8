"""The Python API on the bundled seeds (examples/news), against the CLI."""

from __future__ import annotations

import gzip
import json
import os
import pathlib
import subprocess

import pyarrow as pa
import pytest

import doublet

ROOT = pathlib.Path(__file__).resolve().parents[2]
NEWS = ROOT / "examples" / "news"

S000 = "000_f100c1059ce78ca9.txt"
S001 = "001_f41e034662a1fcab.txt"
S002 = "002_139156a821428acc.txt"
S003 = "003_e9cfeb803afa4857.txt"
S004 = "004_9b52153850c921e1.txt"


def seeds_table() -> pa.Table:
    files = sorted(NEWS.glob("*.txt"))
    return pa.table(
        {
            "id": [f.name for f in files],
            "text": [f.read_text(encoding="utf-8") for f in files],
            "source": ["news"] * len(files),
        }
    )


def doc(report: doublet.Report, id_: str) -> dict:
    return next(d for d in report.documents.to_pylist() if d["id"] == id_)


def check_seeds(report: doublet.Report) -> None:
    """The expectations of crates/doublet/tests/it/seeds.rs."""
    d3 = doc(report, S003)
    assert d3["duplicate_of"] == S002
    assert d3["relation"] == "near_duplicate"
    assert d3["jaccard"] > 0.9
    assert d3["containment"] == 1.0
    assert doc(report, S002)["kept"]
    d1 = doc(report, S001)
    assert d1["duplicate_of"] == S000
    assert d1["relation"] == "contained"
    assert d1["containment"] >= 0.85
    assert doc(report, S000)["kept"]
    assert doc(report, S004)["kept"]
    clusters = report.clusters.to_pylist()
    alone = next(c for c in clusters if c["kept"] == S004)
    assert alone["members"] == [S004]
    s = report.stats
    assert (s["kept"], s["removed"], s["duplicate_clusters"]) == (3, 2, 2)
    pairs = [(p["a"], p["b"], p["relation"]) for p in report.pairs.to_pylist()]
    assert pairs == [
        (S000, S001, "contained"),
        (S000, S002, "shared_passages"),
        (S002, S003, "near_duplicate"),
    ]


def test_scan_path():
    report = doublet.scan(str(NEWS))
    check_seeds(report)
    assert report.stats["documents"] == 5
    assert report.documents.schema == doublet.DOCUMENTS_SCHEMA
    assert report.pairs.schema == doublet.PAIRS_SCHEMA
    # The shared passage carries its text, as the CLI's report does.
    shared = [p for p in report.pairs.to_pylist() if p["relation"] == "shared_passages"]
    assert "a little bit of progress" in shared[0]["passages"][0]["text"]


def test_scan_pathlike_and_list():
    files = sorted(NEWS.glob("*.txt"))
    check_seeds(doublet.scan(files))
    check_seeds(doublet.scan(NEWS))


def test_scan_pyarrow_table():
    check_seeds(doublet.scan(seeds_table()))


def test_scan_record_batch_reader():
    table = seeds_table()
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=2))
    check_seeds(doublet.scan(reader))


def test_scan_polars():
    pl = pytest.importorskip("polars")
    df = pl.from_arrow(seeds_table())
    check_seeds(doublet.scan(df))


def test_scan_pandas_via_pyarrow():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(seeds_table().to_pydict())
    check_seeds(doublet.scan(pa.Table.from_pandas(frame)))


def test_table_without_ids_uses_row_numbers():
    report = doublet.scan(seeds_table().drop_columns(["id"]))
    assert report.documents.column("id").to_pylist() == ["0", "1", "2", "3", "4"]
    assert doc(report, "1")["duplicate_of"] == "0"


def test_table_and_path_decide_alike():
    a = doublet.scan(NEWS).to_dict()
    b = doublet.scan(seeds_table()).to_dict()
    assert a["documents"] == b["documents"]
    assert a["pairs"] == b["pairs"]
    assert a["clusters"] == b["clusters"]


def binary() -> pathlib.Path | None:
    """The most recently built `doublet` command, if any (CI builds the debug one)."""
    built = [
        path
        for path in (ROOT / "target" / p / "doublet" for p in ("release", "debug"))
        if path.is_file() and os.access(path, os.X_OK)
    ]
    return max(built, key=lambda p: p.stat().st_mtime, default=None)


@pytest.mark.parametrize(
    "settings,flags",
    [
        ({}, []),
        ({"threshold": 0.7, "clean": False}, ["--threshold", "0.7", "--no-clean"]),
        ({"clean": "plain", "paragraphs": "blank"}, ["--clean", "plain", "--paragraphs", "blank"]),
    ],
)
def test_to_json_is_the_cli_report(settings, flags):
    exe = binary()
    if exe is None:
        pytest.skip("no built doublet binary in target/")
    cli = subprocess.run(
        [str(exe), "scan", "--json", "--quiet", *flags, str(NEWS)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    ours = doublet.scan(str(NEWS), **settings).to_json()
    assert json.loads(ours) == json.loads(cli)


def test_dedup_table():
    table = seeds_table()
    kept, removed = doublet.dedup(table)
    assert kept.column_names == table.column_names
    assert kept.column("id").to_pylist() == [S000, S002, S004]
    assert kept.column("source").to_pylist() == ["news"] * 3
    originals = dict(zip(table.column("id").to_pylist(), table.column("text").to_pylist()))
    # Cleaned: 000 repeats paragraphs, which the output drops.
    assert len(kept.column("text")[0].as_py()) < len(originals[S000])
    assert removed.schema == doublet.REMOVED_SCHEMA
    rows = {r["id"]: r for r in removed.to_pylist()}
    assert set(rows) == {S001, S003}
    assert rows[S001]["duplicate_of"] == S000 and rows[S001]["relation"] == "contained"
    assert rows[S003]["duplicate_of"] == S002 and rows[S003]["relation"] == "near_duplicate"
    kept_original, _ = doublet.dedup(table, clean_output=False)
    assert kept_original.column("text").to_pylist() == [originals[i] for i in (S000, S002, S004)]


def test_dedup_paths_match_the_cli(tmp_path):
    kept, removed = doublet.dedup(NEWS)
    assert kept.column("id").to_pylist() == [S000, S002, S004]
    assert sorted(removed.column("id").to_pylist()) == [S001, S003]
    exe = binary()
    if exe is None:
        return
    out = tmp_path / "kept.jsonl"
    gone = tmp_path / "removed.jsonl"
    subprocess.run(
        [str(exe), "dedup", "--quiet", str(NEWS), "-o", str(out), "--removed", str(gone)],
        check=True,
        capture_output=True,
    )
    cli_kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert kept.to_pylist() == cli_kept
    cli_removed = [json.loads(line) for line in gone.read_text().splitlines()]
    assert removed.to_pylist() == cli_removed


def test_dedup_jsonl_keeps_other_fields(tmp_path):
    path = tmp_path / "seeds.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in seeds_table().to_pylist():
            f.write(json.dumps(row) + "\n")
    kept, removed = doublet.dedup(path)
    assert kept.column("id").to_pylist() == [S000, S002, S004]
    assert kept.column("source").to_pylist() == ["news"] * 3
    assert removed.num_rows == 2


def test_compare():
    quote = "we exchanged some ideas and we had a little bit of progress, Kerry said"
    a = f"The talks went on all week in New York. {quote}. Then he left for the airport."
    b = f"A very different report opens this one. \u201c{quote}.\u201d Nothing else is alike."
    c = doublet.compare(a, b)
    assert set(c) == {
        "a",
        "b",
        "relation",
        "jaccard",
        "a_in_b",
        "b_in_a",
        "a_shared",
        "b_shared",
        "passages",
    }
    assert 0 < c["a_shared"] < 1 and 0 < c["b_shared"] < 1
    assert c["relation"] == "shared_passages"
    assert "a little bit of progress" in c["passages"][0]["text"]
    same = doublet.compare(a, a)
    assert same["relation"] == "exact" and same["jaccard"] == 1.0


def test_compare_matches_the_cli():
    exe = binary()
    if exe is None:
        pytest.skip("no built doublet binary in target/")
    a, b = NEWS / S002, NEWS / S003
    cli = json.loads(
        subprocess.run(
            [str(exe), "compare", "--json", str(a), str(b)], check=True, capture_output=True, text=True
        ).stdout
    )
    ours = doublet.compare(a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8"))
    for key in ("relation", "jaccard", "a_in_b", "b_in_a", "a_shared", "b_shared", "passages"):
        assert ours[key] == cli[key], key


def test_sketch():
    texts = [p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))] + ["", None]
    batch = doublet.sketch(texts)
    assert isinstance(batch, pa.RecordBatch)
    assert batch.num_rows == 7
    assert batch.schema.names == [
        "words",
        "exact",
        "signature",
        "anchors",
        "fingerprint_hashes",
        "fingerprint_positions",
        "sketch",
    ]
    assert batch.schema.field("exact").type == pa.binary(16)
    assert batch.schema.field("signature").type == pa.list_(pa.uint32())
    assert batch.schema.field("anchors").type == pa.list_(pa.uint64())
    rows = batch.to_pylist()
    assert all(len(r["signature"]) == 128 for r in rows[:5])
    assert all(r["words"] > 100 for r in rows[:5])
    assert len(rows[0]["fingerprint_hashes"]) == len(rows[0]["fingerprint_positions"]) > 0
    assert rows[5]["words"] == 0 and rows[5]["exact"] is None and rows[5]["signature"] is None
    assert rows[6]["words"] is None and rows[6]["sketch"] is None
    assert rows[0]["sketch"].startswith(b"DSK\x01")
    # Deterministic, and the same from Arrow input (chunked, in place).
    assert doublet.sketch(texts).equals(batch)
    chunked = pa.chunked_array([texts[:3], texts[3:]], pa.large_string())
    assert doublet.sketch(chunked).equals(batch)
    assert doublet.sketch(seeds_table().column("text")).to_pylist() == rows[:5]
    assert doublet.sketch(texts[:2], num_perm=64).to_pylist()[0]["signature"].__len__() == 64
    assert doublet.sketch(texts[:2], seed=7).column("signature") != batch.slice(0, 2).column("signature")
    # Cleaning is per document, as scan() cleans: a paywall line repeated
    # under the article changes the cleaned sketch only when cleaning is off.
    article = texts[0]
    padded = article + "\n\nSubscribe now to keep reading.\n\nSubscribe now to keep reading."
    cleaned = doublet.sketch([article, padded]).to_pylist()
    whole = doublet.sketch([article, padded], clean=False).to_pylist()
    assert cleaned[0]["exact"] == cleaned[1]["exact"]
    assert whole[0]["exact"] != whole[1]["exact"]


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"threshold": 1.5}, "invalid setting `threshold`"),
        ({"ngram": 0}, "invalid setting `ngram`"),
        ({"ngram": -1}, "invalid setting `ngram`"),
        ({"threads": 0}, "invalid setting `threads`: must be at least 1"),
        ({"keep": "last"}, "invalid setting `keep`"),
        ({"clean": "page"}, "invalid setting `clean`"),
        ({"paragraphs": "pages"}, "invalid setting `paragraphs`"),
    ],
)
def test_bad_settings_are_value_errors(settings, message):
    with pytest.raises(ValueError, match=message.replace("`", ".")):
        doublet.scan(NEWS, **settings)


def test_bad_setting_has_the_cli_message():
    exe = binary()
    if exe is None:
        pytest.skip("no built doublet binary in target/")
    cli = subprocess.run(
        [str(exe), "scan", "--threshold", "1.5", str(NEWS)], capture_output=True, text=True
    )
    assert cli.returncode != 0
    with pytest.raises(ValueError) as e:
        doublet.scan(NEWS, threshold=1.5)
    assert str(e.value) in cli.stderr


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="treshold"):
        doublet.scan(NEWS, treshold=0.5)
    with pytest.raises(TypeError):
        doublet.compare("a", "b", clean_output=False)
    with pytest.raises(TypeError):
        doublet.scan(NEWS, threshold="high")


def test_missing_file_is_an_input_error(tmp_path):
    missing = tmp_path / "nowhere.jsonl"
    with pytest.raises(doublet.InputError, match="nowhere.jsonl"):
        doublet.scan(missing)
    assert issubclass(doublet.InputError, Exception)


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n')
    with pytest.raises(doublet.InputError, match=r"bad\.jsonl:2: malformed JSON"):
        doublet.scan(path)


def test_table_errors_name_the_row():
    table = pa.table({"id": ["a", "b", "a"], "text": ["one two", "three four", "five six"]})
    with pytest.raises(doublet.InputError, match='duplicate document id "a": row 0 and row 2'):
        doublet.scan(table)
    with pytest.raises(doublet.InputError, match="row 1: column `text` is null"):
        doublet.scan(pa.table({"id": ["a", "b"], "text": ["x", None]}))
    with pytest.raises(doublet.InputError, match="no text column `body`"):
        doublet.scan(table, text_column="body")


def test_empty_table():
    report = doublet.scan(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}))
    assert report.stats["documents"] == 0
    assert report.documents.num_rows == 0
    kept, removed = doublet.dedup(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}))
    assert kept.num_rows == 0 and removed.num_rows == 0


def test_dedup_parquet_path_keeps_columns_and_types(tmp_path):
    import pyarrow.parquet as pq

    table = seeds_table().append_column("rank", pa.array(range(5), pa.int64()))
    path = tmp_path / "seeds.parquet"
    pq.write_table(table, path)
    kept, removed = doublet.dedup(path)
    assert kept.schema.remove_metadata() == table.schema.remove_metadata()
    assert kept.column("id").to_pylist() == [S000, S002, S004]
    assert kept.column("rank").to_pylist() == [0, 2, 4]
    from_table, removed_table = doublet.dedup(table)
    assert kept.to_pylist() == from_table.to_pylist()
    assert removed.equals(removed_table)


def test_dedup_annotate_adds_cluster_and_size(tmp_path):
    import pyarrow.parquet as pq

    table = seeds_table()
    kept, _ = doublet.dedup(table, annotate=True)
    assert kept.column_names == [*table.column_names, "cluster", "cluster_size"]
    assert kept.schema.field("cluster_size").type == pa.uint64()
    assert kept.column("cluster_size").to_pylist() == [2, 2, 1]
    path = tmp_path / "seeds.parquet"
    pq.write_table(table, path)
    from_path, _ = doublet.dedup(path, annotate=True)
    assert from_path.to_pylist() == kept.to_pylist()
    exe = binary()
    if exe is not None:
        out = tmp_path / "kept.parquet"
        subprocess.run(
            [str(exe), "dedup", "--quiet", "--annotate", str(path), "-o", str(out)],
            check=True,
            capture_output=True,
        )
        assert pq.read_table(out).to_pylist() == kept.to_pylist()
    clash = table.append_column("cluster", pa.array([1] * 5))
    with pytest.raises(doublet.InputError, match="already has a field `cluster`"):
        doublet.dedup(clash, annotate=True)
    with pytest.raises(doublet.InputError, match="already has a field `cluster`"):
        pq.write_table(clash, tmp_path / "clash.parquet")
        doublet.dedup(tmp_path / "clash.parquet", annotate=True)


def test_site_column_names_the_sites(tmp_path):
    table = seeds_table()
    assert doublet.scan(table, site_column="source").stats["documents"] == 5
    with pytest.raises(doublet.InputError, match="no site column `nope`"):
        doublet.scan(table, site_column="nope")
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()), encoding="utf-8")
    ours = doublet.scan(path, site_column="source").to_json()
    assert json.loads(ours) == doublet.scan(table, site_column="source").to_dict()
    exe = binary()
    if exe is not None:
        cli = subprocess.run(
            [str(exe), "scan", "--json", "--quiet", "--site-field", "source", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert json.loads(ours) == json.loads(cli)
