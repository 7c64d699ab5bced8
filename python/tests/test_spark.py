"""doublet.spark gives exactly the decisions of ``doublet scan``.

On the seeds and on a generated 20k corpus with paragraph reuse (and
furniture of several sites, so that corpus-wide cleaning, giant and small
buckets, anchors and grouping all take part), repartitioned three ways.
Runs in ``local[2]`` by default; ``DOUBLET_SPARK_MASTER`` picks another
master (``.ci/run`` also runs ``local-cluster[2,1,1024]``: two executor
JVMs and a real shuffle). Skipped without pyspark, unless
``DOUBLET_REQUIRE_SPARK`` is set.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pyarrow as pa
import pyarrow.json as pajson
import pytest

from test_api import ROOT, seeds_table
from test_parity import DOC_ROOT, as_files, run

pyspark = pytest.importorskip("pyspark") if not os.environ.get("DOUBLET_REQUIRE_SPARK") else __import__("pyspark")

from doublet import InputError  # noqa: E402
from doublet import spark as dspark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    master = os.environ.get("DOUBLET_SPARK_MASTER", "local[2]")
    session = (
        SparkSession.builder.master(master)
        .appName("doublet-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.executor.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


FIELDS = ("id", "cluster", "kept", "duplicate_of", "relation", "jaccard", "containment")


def local_decisions(table: pa.Table, tmp_path, *args: str) -> dict[str, tuple]:
    jsonl, _ = as_files(table, tmp_path)
    report = json.loads(run("scan", "--json", "--quiet", *args, str(jsonl)))
    return {d["id"]: tuple(d[f] for f in FIELDS) for d in report["documents"]}


def spark_decisions(df, **settings) -> dict[str, tuple]:
    rows = dspark.scan(df, **settings).collect()
    out = {r["id"]: tuple(r[f] for f in FIELDS) for r in rows}
    assert len(out) == len(rows), "one row per document"
    return out


def differences(want: dict, got: dict) -> list:
    keys = sorted(set(want) | set(got))
    return [(k, want.get(k), got.get(k)) for k in keys if want.get(k) != got.get(k)][:10]


def test_seeds_decide_as_the_cli(spark, tmp_path):
    table = seeds_table()
    want = local_decisions(table, tmp_path)
    df = spark.createDataFrame(table.to_pandas())
    got = spark_decisions(df)
    assert not differences(want, got)
    assert sum(not v[2] for v in got.values()) == 2


def test_settings_are_the_cli_settings(spark, tmp_path):
    table = seeds_table()
    want = local_decisions(table, tmp_path, "--threshold", "0.5", "--no-clean")
    got = spark_decisions(spark.createDataFrame(table.to_pandas()), threshold=0.5, clean=False)
    assert not differences(want, got)
    with pytest.raises(ValueError, match="keep"):
        dspark.scan(spark.createDataFrame(table.to_pandas()), keep="first")
    with pytest.raises(ValueError, match="dedup_paragraphs"):
        dspark.dedup(spark.createDataFrame(table.to_pandas()), dedup_paragraphs=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        dspark.scan(spark.createDataFrame(table.to_pandas()), thresold=0.5)


def test_bad_input_is_refused_by_name(spark):
    df = spark.createDataFrame([("a", "one text"), ("a", "another text")], "id string, text string")
    with pytest.raises(InputError, match="'a' is used by 2 rows"):
        dspark.scan(df)
    df = spark.createDataFrame([("a", None)], "id string, text string")
    with pytest.raises(InputError, match="'a' has no text"):
        dspark.scan(df)
    df = spark.createDataFrame([("a", "text")], "id string, body string")
    with pytest.raises(InputError, match="no column `text`"):
        dspark.scan(df)


def test_dedup_keeps_the_cli_rows(spark, tmp_path):
    table = seeds_table()
    jsonl, _ = as_files(table, tmp_path)
    kept_path = tmp_path / "kept.jsonl"
    run("dedup", "--quiet", str(jsonl), "-o", str(kept_path))
    want = sorted((json.loads(l) for l in kept_path.read_text(encoding="utf-8").splitlines()), key=lambda r: r["id"])
    kept, removed = dspark.dedup(spark.createDataFrame(table.to_pandas()))
    got = sorted((r.asDict() for r in kept.collect()), key=lambda r: r["id"])
    assert got == want
    assert removed.count() + len(got) == table.num_rows
    assert set(removed.columns) == {"id", "duplicate_of", "relation", "jaccard", "containment", "cluster"}


@pytest.fixture(scope="module")
def corpus20k(tmp_path_factory) -> pa.Table:
    if not DOC_ROOT.is_dir():
        if os.environ.get("DOUBLET_REQUIRE_CORPUS"):
            pytest.fail(f"{DOC_ROOT} is missing: apt-get install python3.11-doc")
        pytest.skip(f"{DOC_ROOT} is missing: apt-get install python3.11-doc")
    # DOUBLET_TEST_CORPORA keeps the corpus between runs (.ci/run runs this
    # file under two masters); the generator is deterministic.
    kept = os.environ.get("DOUBLET_TEST_CORPORA")
    out = pathlib.Path(kept) / "g20k" if kept else tmp_path_factory.mktemp("g20k")
    if not (out / "corpus.jsonl").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "--docs", "20000", "--out", str(out)],
            check=True,
            capture_output=True,
        )
    return pajson.read_json(out / "corpus.jsonl")


def test_generated_20k_in_three_partitionings(spark, corpus20k, tmp_path):
    # Sites come from the url column's host, as in `doublet scan`.
    table = corpus20k.select(["id", "url", "text"])
    want = local_decisions(table, tmp_path)
    assert sum(not v[2] for v in want.values()) > 2000
    df = spark.createDataFrame(table.to_pandas())
    layouts = (df.repartition(3), df.repartition(7, "text"), df.orderBy("text").coalesce(1))
    # DOUBLET_SPARK_LAYOUTS=1 checks only the first (.ci/run's second master,
    # where the point is the shuffle between executor JVMs).
    for shuffled in layouts[: int(os.environ.get("DOUBLET_SPARK_LAYOUTS", "3"))]:
        got = spark_decisions(shuffled)
        assert not differences(want, got)
