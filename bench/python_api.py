"""The Python API's throughput beside the command line's, on one corpus.

    python3 bench/python_api.py bench/out/g100000/corpus.jsonl --reps 3

Writes the corpus once as Parquet (zstd) beside it, then, interleaved, runs
`doublet scan CORPUS.jsonl --report r.json`, `doublet scan CORPUS.parquet
--report r.json` and, in a fresh interpreter, `doublet.scan(...)` on the
Parquet file read by pyarrow (a Table) and on its path, each followed by
`report.to_json()` written to a file; prints the medians, the ratios to the
command line on the same Parquet file, and whether every report is the same.
All read and decide every document with default settings; the Python side
also pays for starting an interpreter, importing pyarrow and crossing into
Python.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PY_RUN = """
import sys, time, pyarrow.parquet as pq, doublet
t = time.perf_counter()
data = pq.read_table(sys.argv[1]) if sys.argv[3] == "table" else sys.argv[1]
report = doublet.scan(data)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(report.to_json())
print(time.perf_counter() - t)
"""


def to_parquet(jsonl):
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    out = os.path.splitext(jsonl)[0] + ".parquet"
    if not os.path.exists(out):
        table = pj.read_json(jsonl, read_options=pj.ReadOptions(block_size=64 << 20))
        pq.write_table(table, out, compression="zstd")
    return out


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--python", default=sys.executable, help="an interpreter with doublet installed")
    args = ap.parse_args()
    parquet = to_parquet(args.corpus)
    cli = os.path.join(ROOT, "target/release/doublet")
    # doublet writes reports only under names that say JSON.
    out = os.path.join(os.path.dirname(args.corpus), "report-python-api")
    runs = {
        "cli (JSON Lines)": [cli, "scan", args.corpus, "-q", "--report", out + ".cli-jsonl.json"],
        "cli (Parquet)": [cli, "scan", parquet, "-q", "--report", out + ".cli-parquet.json"],
        "python (Parquet Table)": [args.python, "-c", PY_RUN, parquet, out + ".py-table.json", "table"],
        "python (Parquet path)": [args.python, "-c", PY_RUN, parquet, out + ".py-path.json", "path"],
    }
    times = {name: [] for name in runs}
    for _ in range(args.reps):
        for name, cmd in runs.items():
            times[name].append(timed(cmd))
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["cli (Parquet)"]
    for name, t in times.items():
        print(f"{name:24} {medians[name]:8.2f} s  x{medians[name] / base:.3f}  {[round(x, 2) for x in t]}")
    reports = []
    for suffix in (".cli-jsonl.json", ".cli-parquet.json", ".py-table.json", ".py-path.json"):
        with open(out + suffix, encoding="utf-8") as f:
            reports.append(json.load(f))
    print(f"same reports             {all(r == reports[0] for r in reports)}")


if __name__ == "__main__":
    main()
