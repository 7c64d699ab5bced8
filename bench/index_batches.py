#!/usr/bin/env python3
"""The persistent index against one scan, end to end.

Splits a generated corpus (bench/gen_corpus.py) into K batches in input
order, adds them to a new index one `doublet index add` at a time, and
compares every decision with one `doublet scan --keep first --min-passage 0`
of the whole corpus (same cleaning setting). Prints add throughput, peak
memory of each add, index size on disk, and how many decisions differ.

    python3 bench/index_batches.py --corpus bench/out/g100000/corpus.jsonl \
        --batches 10 [--no-clean] [--work /tmp/ixb]
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "doublet")


def run(args, out=None):
    """Run doublet; return (seconds, peak RSS of the child in bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with open(out, "w") if out else open(os.devnull, "w") as sink:
        subprocess.run([BIN] + args, check=True, stdout=sink)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) * 1024


def decisions(report_path):
    with open(report_path) as f:
        report = json.load(f)
    return {d["id"]: (d["duplicate_of"], d["relation"]) for d in report["documents"]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", required=True)
    p.add_argument("--batches", type=int, default=10)
    p.add_argument("--no-clean", action="store_true")
    p.add_argument("--work", default="/tmp/ixb")
    p.add_argument("--skip-scan", action="store_true", help="only time the index")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    clean = ["--no-clean"] if a.no_clean else []
    with open(a.corpus) as f:
        lines = f.readlines()
    size = -(-len(lines) // a.batches)
    parts = []
    for i in range(a.batches):
        path = os.path.join(a.work, f"batch{i:03}.jsonl")
        with open(path, "w") as f:
            f.writelines(lines[i * size:(i + 1) * size])
        parts.append(path)
    del lines
    ix = os.path.join(a.work, "ix")
    shutil.rmtree(ix, ignore_errors=True)
    subprocess.run([BIN, "index", "create", ix] + clean, check=True, stdout=subprocess.DEVNULL)
    got = {}
    total, peak = 0.0, 0
    for i, part in enumerate(parts):
        out = os.path.join(a.work, "batch.json")
        s, rss = run(["index", "add", ix, part, "--json", "-q"], out)
        n = sum(1 for _ in open(part))
        total += s
        peak = max(peak, rss)
        size_now = os.path.getsize(os.path.join(ix, "index.redb"))
        print(f"batch {i}: {n} docs in {s:.2f} s ({n / s:.0f} docs/s), "
              f"index {size_now / 1e6:.1f} MB", flush=True)
        got.update(decisions(out))
        os.remove(out)
    docs = len(got)
    on_disk = os.path.getsize(os.path.join(ix, "index.redb"))
    print(f"added {docs} documents in {a.batches} batches: {total:.1f} s "
          f"({docs / total:.0f} docs/s); peak RSS of one add {peak / 1e6:.0f} MB; "
          f"index {on_disk / 1e6:.0f} MB ({on_disk / docs:.0f} bytes a document)")
    if a.skip_scan:
        return
    report = os.path.join(a.work, "scan.json")
    s, rss = run(["scan", a.corpus, "--keep", "first", "--min-passage", "0", "--json", "-q"] + clean,
                 report)
    one = decisions(report)
    os.remove(report)
    print(f"one scan --keep first: {s:.1f} s, peak RSS {rss / 1e6:.0f} MB")
    differ = [i for i in one if one[i] != got.get(i)]
    removed = sum(1 for v in one.values() if v[0] is not None)
    print(f"decisions differing from one scan: {len(differ)} of {len(one)} "
          f"(scan removes {removed}; index removes "
          f"{sum(1 for v in got.values() if v[0] is not None)})")
    for i in differ[:5]:
        print(f"  {i}: scan {one[i]}, index {got.get(i)}")


if __name__ == "__main__":
    sys.exit(main())
