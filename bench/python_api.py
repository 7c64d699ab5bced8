"""The Python API's throughput beside the command line's, on one corpus.

    python3 bench/python_api.py bench/out/g100000/corpus.jsonl --reps 3

Writes the corpus once as Parquet (zstd) beside it, then, interleaved, runs
`doublet scan CORPUS.jsonl --report r.json` and, in a fresh interpreter,
`doublet.scan(pyarrow.parquet.read_table(CORPUS.parquet))` plus
`report.to_json()` written to a file; prints the medians, their ratio, and
whether the two reports decide every document alike.
Both read and decide every document with default settings; the Python side
also pays for reading the Parquet file and for crossing into Python.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PY_RUN = """
import sys, time, pyarrow.parquet as pq, doublet
t = time.perf_counter()
report = doublet.scan(pq.read_table(sys.argv[1]))
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
    out = os.path.join(os.path.dirname(args.corpus), "report-python-api.json")
    cli_times, py_times = [], []
    for _ in range(args.reps):
        cli_times.append(timed([cli, "scan", args.corpus, "-q", "--report", out + ".cli"]))
        py_times.append(timed([args.python, "-c", PY_RUN, parquet, out]))
    c, p = statistics.median(cli_times), statistics.median(py_times)
    print(f"cli (JSON Lines)      {c:8.2f} s  {cli_times}")
    print(f"python (Parquet)      {p:8.2f} s  {py_times}")
    print(f"python / cli          {p / c:8.3f}")
    import json

    def decisions(path):
        with open(path, encoding="utf-8") as f:
            docs = json.load(f)["documents"]
        return [(d["id"], d["kept"], d["duplicate_of"], d["relation"]) for d in docs]

    same = decisions(out) == decisions(out + ".cli")
    print(f"same decisions        {same}")


if __name__ == "__main__":
    main()
