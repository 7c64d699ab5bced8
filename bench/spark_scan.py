#!/usr/bin/env python3
"""Time doublet.spark.scan on a JSON Lines corpus and check it against the CLI.

    python bench/spark_scan.py --corpus bench/out/g100000/corpus.jsonl \
        --cli target/release/doublet --master 'local[2]' --out bench/out/spark100k

Runs ``doublet scan`` on the corpus (timed), then ``doublet.spark.scan`` on
the same rows read by Spark (timed from reading to the decisions written as
Parquet), compares the decisions document by document, and records each
Spark stage's shuffle bytes, input bytes and executor time from the Spark
UI's REST API, per document, for the 1B plan in BENCHMARKS.md. Prints one
JSON object and writes it to ``OUT/summary.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.request


def by_stage(stages: list[dict]) -> dict[str, dict]:
    """Per-stage figures summed by doublet stage (the job descriptions
    doublet.spark sets)."""
    out: dict[str, dict] = {}
    for s in stages:
        name = s["name"] if s["name"].startswith("doublet:") else "other"
        t = out.setdefault(name, {"executor_seconds": 0.0, "shuffle_write_bytes_per_doc": 0.0, "peak_execution_memory": 0})
        t["executor_seconds"] = round(t["executor_seconds"] + s["executor_seconds"], 1)
        t["shuffle_write_bytes_per_doc"] = round(t["shuffle_write_bytes_per_doc"] + s["shuffle_write_bytes_per_doc"], 1)
        t["peak_execution_memory"] = max(t["peak_execution_memory"], s["peak_execution_memory"])
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True, type=pathlib.Path)
    p.add_argument("--cli", default="target/release/doublet")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--partitions", type=int, default=16, help="spark.sql.shuffle.partitions")
    p.add_argument("--driver-memory", default="4g")
    p.add_argument("--out", required=True, type=pathlib.Path)
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    report_path = args.out / "report-cli.json"
    t0 = time.monotonic()
    subprocess.run(
        [args.cli, "scan", "--quiet", "--min-passage", "0", "--report", str(report_path), str(args.corpus)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    cli_seconds = time.monotonic() - t0

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    from doublet import spark as dspark

    spark = (
        SparkSession.builder.master(args.master)
        .appName("doublet-bench")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.sql.shuffle.partitions", str(args.partitions))
        .getOrCreate()
    )
    t0 = time.monotonic()
    df = spark.read.json(str(args.corpus))
    decisions = dspark.scan(df)
    decisions.write.mode("overwrite").parquet(str(args.out / "decisions.parquet"))
    spark_seconds = time.monotonic() - t0

    stages = []
    try:
        ui = spark.sparkContext.uiWebUrl
        app = spark.sparkContext.applicationId
        with urllib.request.urlopen(f"{ui}/api/v1/applications/{app}/stages?status=complete") as r:
            stages = json.load(r)
    except OSError as e:  # the UI is off or unreachable: timings only
        print(f"no stage metrics: {e}", file=sys.stderr)

    fields = ("id", "cluster", "kept", "duplicate_of", "relation", "jaccard", "containment")
    got = {r["id"]: tuple(r[f] for f in fields) for r in spark.read.parquet(str(args.out / "decisions.parquet")).collect()}
    spark.stop()
    report = json.loads(report_path.read_text(encoding="utf-8"))
    want = {d["id"]: tuple(d[f] for f in fields) for d in report["documents"]}
    differing = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    n = len(want)
    per_stage = [
        {
            "stage": s["stageId"],
            "name": s.get("description") or s["name"].split(" at ")[0],
            "tasks": s["numTasks"],
            "executor_seconds": round(s["executorRunTime"] / 1000, 1),
            "input_bytes_per_doc": round(s["inputBytes"] / n, 1),
            "shuffle_read_bytes_per_doc": round(s["shuffleReadBytes"] / n, 1),
            "shuffle_write_bytes_per_doc": round(s["shuffleWriteBytes"] / n, 1),
            "peak_execution_memory": s.get("peakExecutionMemory", 0),
        }
        for s in sorted(stages, key=lambda s: s["stageId"])
    ]
    summary = {
        "documents": n,
        "master": args.master,
        "cli_seconds": round(cli_seconds, 2),
        "spark_seconds": round(spark_seconds, 2),
        "cli_docs_per_second": round(n / cli_seconds),
        "spark_docs_per_second": round(n / spark_seconds),
        "differing_decisions": len(differing),
        "first_differences": [(k, want.get(k), got.get(k)) for k in differing[:5]],
        "shuffle_write_bytes_per_doc": round(sum(s["shuffleWriteBytes"] for s in stages) / n, 1),
        "executor_seconds": round(sum(s["executorRunTime"] for s in stages) / 1000, 1),
        "by_doublet_stage": by_stage(per_stage),
        "stages": per_stage,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "stages"}, indent=1))


if __name__ == "__main__":
    main()
