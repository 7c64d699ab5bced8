#!/usr/bin/env python3
"""End-to-end benchmark: doublet against datasketch and rensa, interleaved.

    bench/run.py [--docs 10000] [--reps 3] [--peers datasketch,rensa]

Installs the generator's prose (Debian's python3.11-doc) if missing, generates
the corpus with bench/gen_corpus.py if it is missing, builds doublet in release
mode, then runs every tool once per repetition in turn (so machine noise hits
all of them alike) and prints markdown tables: medians, ratios, peak memory and
grouping quality against the truth, then the share of each transformation's
copies that each tool found.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def run_doublet(corpus, out, flags):
    cmd = ["/usr/bin/time", "-f", "%e %M", os.path.join(ROOT, "target/release/doublet"), "scan", corpus,
           "-q", "--report", out] + flags
    r = sh(cmd)
    secs, kb = r.stderr.strip().splitlines()[-1].split()
    return float(secs), int(kb) * 1024


def run_peer(tool, corpus, out):
    r = sh([sys.executable, os.path.join(ROOT, "bench/peers.py"), tool, corpus, out])
    line = json.loads(r.stdout.strip().splitlines()[-1])
    return line["seconds"], line["peak_rss"]


def scores(truth, report):
    r = sh([sys.executable, os.path.join(ROOT, "bench/evaluate.py"), truth, report, "--json"])
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peers", default="datasketch,rensa")
    args = ap.parse_args()

    if not os.path.isdir("/usr/share/doc/python3.11/html"):
        # The generator's prose: the Python documentation Debian packages.
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        sh(sudo + ["apt-get", "install", "-y", "-qq", "python3.11-doc"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    out = os.path.join(ROOT, "bench/out", f"g{args.docs}")
    corpus = os.path.join(out, "corpus.jsonl")
    truth = os.path.join(out, "truth.jsonl")
    if not os.path.exists(corpus):
        sh([sys.executable, os.path.join(ROOT, "bench/gen_corpus.py"), "--docs", str(args.docs), "--seed", "2",
            "--out", out])
    sh(["cargo", "build", "--release", "-q"], cwd=ROOT)
    size = os.path.getsize(corpus)
    tools = ["doublet", "doublet --min-passage 0", "doublet --threads 1"] + [p for p in args.peers.split(",") if p]
    times = {t: [] for t in tools}
    peaks = {t: 0 for t in tools}
    reports = {}
    for _ in range(args.reps):
        for t in tools:
            report = os.path.join(out, f"report-{t.replace(' ', '').replace('-', '')}.json")
            if t.startswith("doublet"):
                secs, peak = run_doublet(corpus, report, t.split()[1:])
            else:
                secs, peak = run_peer(t, corpus, report)
            times[t].append(secs)
            peaks[t] = max(peaks[t], peak)
            reports[t] = report

    doublet_median = statistics.median(times["doublet"])
    print(f"corpus: {args.docs} documents, {size / 1e6:.1f} MB; {args.reps} interleaved repetitions; "
          f"{os.cpu_count()} cores; {platform.platform()}; {time.strftime('%Y-%m-%d')}")
    print()
    print("| tool | median s | MB/s | documents/s | time vs doublet | peak memory | pair precision | pair recall | F1 | ARI |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    results = {t: scores(truth, reports[t]) for t in tools}
    for t in tools:
        m = statistics.median(times[t])
        g = results[t]["grouping"]
        print(f"| {t} | {m:.2f} | {size / 1e6 / m:.1f} | {args.docs / m:,.0f} | {m / doublet_median:.1f}x | "
              f"{peaks[t] / 1e6:.0f} MB | {g['precision']:.4f} | {g['recall']:.4f} | {g['f1']:.4f} | {g['ari']:.4f} |")
    # Per transformation, for every tool (pairs touching a copy of that kind).
    shown = ["doublet"] + [t for t in tools if not t.startswith("doublet")]
    print()
    print("| transformation | copies | tool | precision | recall | F1 | ARI | copies found |")
    print("|---|---|---|---|---|---|---|---|")
    for k in sorted(results["doublet"]["kinds"]):
        for t in shown:
            v = results[t]["kinds"][k]
            print(f"| {k} | {v['copies']} | {t} | {v['precision']:.4f} | {v['recall']:.4f} | {v['f1']:.4f} | "
                  f"{v['ari']:.4f} | {v['recall_copies']:.4f} |")

if __name__ == "__main__":
    main()
