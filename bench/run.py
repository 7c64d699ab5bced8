#!/usr/bin/env python3
"""End-to-end benchmark: doublet against datasketch and rensa, interleaved.

    bench/run.py --docs 10000,100000,1000000 --reps 3,3,1 [--peers gaoya,rensa,datasketch]
                 [--peers-up-to 100000] [--passages-up-to 1000000] [--quality]

Installs the generator's prose (Debian's python3.11-doc) if missing, generates
each corpus with bench/gen_corpus.py (seed 1) if it is missing, builds doublet
and the hash-once floor (crates/doublet/examples/floor.rs) in release mode,
then, size by size, runs every tool once per repetition in turn (so machine
noise hits all of them alike) and prints a markdown table per size: medians,
ratios to doublet with default settings (shared passages on), peak memory
(total and per document), candidate pairs per document, and pair precision and recall against the truth; with --quality, also each
transformation's figures.
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


def report_stats(report):
    """The report's `stats` object, read from its head (reports at 1M are gigabytes)."""
    with open(report, encoding="utf-8") as f:
        head = f.read(1 << 16)
    at = head.index('"stats":') + len('"stats":')
    return json.JSONDecoder().raw_decode(head[at:].lstrip())[0]


def scores(truth, report):
    r = sh([sys.executable, os.path.join(ROOT, "bench/evaluate.py"), truth, report, "--json"])
    return json.loads(r.stdout)


def run_floor(corpus, threads):
    exe = os.path.join(ROOT, "target/release/examples/floor")
    r = sh(["/usr/bin/time", "-f", "%e %M", exe, corpus, str(threads)])
    line = json.loads(r.stdout.strip().splitlines()[-1])
    _, kb = r.stderr.strip().splitlines()[-1].split()
    return line["seconds"], int(kb) * 1024


# The heavy-reuse corpus of issue 30: nine originals in ten are compilations
# of pool paragraphs, each pool paragraph in about 74 originals at 1M.
HEAVY = ["--compilations", "0.9", "--reuse", "2.2", "--pool", "87000"]


def ensure_corpus(docs, heavy=False, root=None):
    out = os.path.join(root or os.path.join(ROOT, "bench/out"), f"{'h' if heavy else 'g'}{docs}")
    corpus = os.path.join(out, "corpus.jsonl")
    if not os.path.exists(corpus):
        sh([sys.executable, os.path.join(ROOT, "bench/gen_corpus.py"), "--docs", str(docs), "--out", out]
           + (HEAVY if heavy else []))
    return out, corpus, os.path.join(out, "truth.jsonl")


def run_tool(tool, corpus, report):
    if tool.startswith("floor"):
        return run_floor(corpus, int(tool.split()[1].rstrip("t")))
    if tool.startswith("doublet"):
        return run_doublet(corpus, report, tool.split()[1:])
    return run_peer(tool, corpus, report)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", default="10000", help="corpus sizes, comma-separated")
    ap.add_argument("--reps", default="3", help="repetitions per size, comma-separated (last one repeats)")
    ap.add_argument("--peers", default="gaoya,rensa,datasketch")
    ap.add_argument("--peers-up-to", type=int, default=100000, help="largest size the peers run on")
    ap.add_argument("--passages-up-to", type=int, default=10**9,
                    help="largest size doublet also runs with shared passages on")
    ap.add_argument("--heavy", action="store_true",
                    help="the heavy-reuse corpus (gen_corpus.py " + " ".join(HEAVY) + "), in hN folders")
    ap.add_argument("--corpora", help="folder of the corpora (default bench/out)")
    ap.add_argument("--quality", action="store_true", help="also print grouping quality per transformation")
    args = ap.parse_args()

    if not os.path.isdir("/usr/share/doc/python3.11/html"):
        # The generator's prose: the Python documentation Debian packages.
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        sh(sudo + ["apt-get", "install", "-y", "-qq", "python3.11-doc"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    sh(["cargo", "build", "--release", "-q", "--bin", "doublet", "--example", "floor"], cwd=ROOT)
    sizes = [int(d) for d in args.docs.split(",")]
    reps = [int(r) for r in args.reps.split(",")]
    print(f"{os.cpu_count()} cores; {platform.platform()}; {time.strftime('%Y-%m-%d %H:%M')}")
    for i, docs in enumerate(sizes):
        out, corpus, truth = ensure_corpus(docs, args.heavy, args.corpora)
        size = os.path.getsize(corpus)
        n_reps = reps[min(i, len(reps) - 1)]
        tools = ["doublet --min-passage 0", "floor 1t", "floor 2t"]
        if docs <= args.passages_up_to:
            tools.insert(1, "doublet")
        if docs <= args.peers_up_to:
            tools += [p for p in args.peers.split(",") if p]
        times = {t: [] for t in tools}
        peaks = {t: 0 for t in tools}
        reports = {}
        for rep in range(n_reps):
            for t in tools:
                report = os.path.join(out, f"report-{t.replace(' ', '').replace('-', '')}.json")
                secs, peak = run_tool(t, corpus, report)
                times[t].append(secs)
                peaks[t] = max(peaks[t], peak)
                reports[t] = report
                print(f"  {docs} {t}: {secs:.2f} s, {peak / 1e6:.0f} MB", file=sys.stderr, flush=True)
        base_tool = "doublet" if "doublet" in tools else "doublet --min-passage 0"
        base = statistics.median(times[base_tool])
        print()
        print(f"### {docs:,} documents, {size / 1e6:.1f} MB ({n_reps} interleaved repetitions; medians)")
        print()
        print(f"| tool | median s | MB/s | documents/s | time / {base_tool} | peak memory | memory per document "
              "| candidates per document | pair precision | pair recall |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        results = {t: scores(truth, reports[t]) for t in tools if not t.startswith("floor")}
        for t in tools:
            m = statistics.median(times[t])
            g = results[t]["grouping"] if t in results else None
            quality = f"{g['precision']:.4f} | {g['recall']:.4f}" if g else "— | —"
            per_doc = "—"
            if t.startswith("doublet"):
                per_doc = f"{report_stats(reports[t])['candidate_pairs'] / docs:.2f}"
            print(f"| {t} | {m:.2f} | {size / 1e6 / m:.1f} | {docs / m:,.0f} | {m / base:.2f}x | "
                  f"{peaks[t] / 1e6:,.0f} MB | {peaks[t] / docs / 1e3:.1f} KB | {per_doc} | {quality} |")
        for t in tools:
            if t == "doublet":
                st = report_stats(reports[t])
                print(f"\n{t}: {st['shared_passage_pairs']:,} pairs sharing passages "
                      f"({st['shared_passage_pairs'] / docs:.3f} per document), "
                      f"{st['reuse_clusters']:,} reuse clusters ({st['reuse_clusters'] / docs:.3f} per document)")
        if args.quality:
            shown = ["doublet --min-passage 0"] + [t for t in tools if t in results and not t.startswith("doublet")]
            print()
            print("| transformation | copies | tool | precision | recall | F1 | ARI | copies found |")
            print("|---|---|---|---|---|---|---|---|")
            for k in sorted(results[shown[0]]["kinds"]):
                for t in shown:
                    v = results[t]["kinds"][k]
                    print(f"| {k} | {v['copies']} | {t} | {v['precision']:.4f} | {v['recall']:.4f} | "
                          f"{v['f1']:.4f} | {v['ari']:.4f} | {v['recall_copies']:.4f} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
