"""Parity: the Python API, the CLI on JSON Lines and the CLI on the same rows
as Parquet decide alike, on the seeds and on a generated 10k corpus.

The 10k corpus comes from ``bench/gen_corpus.py`` (real prose from the
``python3.11-doc`` package; deterministic). Without that package the 10k case
is skipped, unless ``DOUBLET_REQUIRE_CORPUS`` is set (``.ci/run`` sets it), in
which case it fails.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq
import pytest

import doublet

from test_api import NEWS, ROOT, binary, seeds_table

DOC_ROOT = pathlib.Path("/usr/share/doc/python3.11/html")


def cli() -> pathlib.Path:
    exe = binary()
    if exe is None:
        if os.environ.get("DOUBLET_REQUIRE_CORPUS"):
            pytest.fail("no built doublet binary in target/")
        pytest.skip("no built doublet binary in target/")
    return exe


def run(*args: str) -> bytes:
    return subprocess.run(
        [str(cli()), *args], check=True, capture_output=True
    ).stdout


def as_files(table: pa.Table, folder: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """The same rows as JSON Lines and as Parquet."""
    jsonl = folder / "corpus.jsonl"
    with jsonl.open("w", encoding="utf-8") as f:
        for row in table.to_pylist():
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    parquet = folder / "corpus.parquet"
    # Small row groups, so that reading crosses many of them.
    pq.write_table(table, parquet, row_group_size=1000)
    return jsonl, parquet


def decisions(report: dict) -> list[tuple]:
    return [
        (d["id"], d["kept"], d["duplicate_of"], d["relation"], d["cluster"])
        for d in report["documents"]
    ]


def check_parity(table: pa.Table, folder: pathlib.Path) -> dict:
    jsonl, parquet = as_files(table, folder)
    from_jsonl = json.loads(run("scan", "--json", "--quiet", str(jsonl)))
    from_parquet = json.loads(run("scan", "--json", "--quiet", str(parquet)))
    from_python = json.loads(doublet.scan(table).to_json())
    from_python_path = json.loads(doublet.scan(parquet).to_json())
    assert decisions(from_jsonl) == decisions(from_parquet)
    assert decisions(from_jsonl) == decisions(from_python)
    # Beyond the decisions, the whole report: pairs, clusters, passages,
    # cleaning spans, statistics.
    assert from_jsonl == from_parquet == from_python == from_python_path

    # dedup: the kept rows, from each front end.
    kept_jsonl = folder / "kept.jsonl"
    kept_parquet = folder / "kept.parquet"
    run("dedup", "--quiet", str(jsonl), "-o", str(kept_jsonl))
    run("dedup", "--quiet", str(parquet), "-o", str(kept_parquet))
    rows_jsonl = [json.loads(line) for line in kept_jsonl.read_text(encoding="utf-8").splitlines()]
    rows_parquet = pq.read_table(kept_parquet).to_pylist()
    kept, removed = doublet.dedup(table)
    assert rows_jsonl == rows_parquet == kept.to_pylist()
    assert len(rows_jsonl) + removed.num_rows == table.num_rows
    return from_jsonl


def test_seeds(tmp_path):
    report = check_parity(seeds_table(), tmp_path)
    assert report["stats"]["removed"] == 2


@pytest.fixture(scope="module")
def corpus10k(tmp_path_factory) -> pa.Table:
    if not DOC_ROOT.is_dir():
        if os.environ.get("DOUBLET_REQUIRE_CORPUS"):
            pytest.fail(f"{DOC_ROOT} is missing: apt-get install python3.11-doc")
        pytest.skip(f"{DOC_ROOT} is missing: apt-get install python3.11-doc")
    out = tmp_path_factory.mktemp("g10k")
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "--docs", "10000", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return pajson.read_json(out / "corpus.jsonl")


def test_generated_10k(corpus10k, tmp_path):
    assert corpus10k.num_rows == 10000
    report = check_parity(corpus10k, tmp_path)
    # The generator plants copies: thousands of removals, each explained.
    assert report["stats"]["removed"] > 1000
    assert all(d["duplicate_of"] for d in report["documents"] if not d["kept"])
