#!/usr/bin/env python3
"""Score a doublet report against the truth written by gen_corpus.py.

Cleaning: precision and recall of the bytes marked boilerplate and repeated.
Grouping: pairwise precision and recall of "same story" over clusters (a
planted copy and its source belong together; originals belong apart), and the
recall of each kind of planted copy.

    bench/evaluate.py TRUTH.jsonl REPORT.json
"""

import json
import sys
from collections import Counter, defaultdict
from itertools import combinations


def covered(spans):
    out = set()
    for s, e in spans:
        out.update(range(s, e))
    return out


def main(truth_path, report_path):
    truth = {t["id"]: t for t in map(json.loads, open(truth_path))}
    report = json.load(open(report_path))
    tp = Counter()
    fp = Counter()
    fn = Counter()
    for d in report["documents"]:
        t = truth[d["id"]]
        # Spans in the report are into the text; truth spans are UTF-8 bytes of the same text.
        for kind in ("boilerplate", "repeated"):
            got = covered((m["start"], m["end"]) for m in d[kind])
            want = covered(t[kind])
            tp[kind] += len(got & want)
            fp[kind] += len(got - want)
            fn[kind] += len(want - got)
        got = covered((m["start"], m["end"]) for m in d["boilerplate"] + d["repeated"])
        want = covered(t["boilerplate"] + t["repeated"])
        tp["removed"] += len(got & want)
        fp["removed"] += len(got - want)
        fn["removed"] += len(want - got)

    print("cleaning (bytes)")
    print(f"  {'kind':<12} {'precision':>9} {'recall':>7} {'marked':>10} {'true':>10}")
    for kind in ("boilerplate", "repeated", "removed"):
        p = tp[kind] / max(1, tp[kind] + fp[kind])
        r = tp[kind] / max(1, tp[kind] + fn[kind])
        print(f"  {kind:<12} {p:9.4f} {r:7.4f} {tp[kind] + fp[kind]:10d} {tp[kind] + fn[kind]:10d}")

    family = {i: (t["source"] or i) for i, t in truth.items()}
    cluster = {d["id"]: d["cluster"] for d in report["documents"]}
    by_family = defaultdict(list)
    for i, f in family.items():
        by_family[f].append(i)
    by_cluster = defaultdict(list)
    for i, c in cluster.items():
        by_cluster[c].append(i)
    true_pairs = {tuple(sorted(p)) for m in by_family.values() for p in combinations(m, 2)}
    found_pairs = {tuple(sorted(p)) for m in by_cluster.values() for p in combinations(m, 2)}
    both = len(true_pairs & found_pairs)
    p = both / max(1, len(found_pairs))
    r = both / max(1, len(true_pairs))
    print("grouping (pairs of documents in one cluster)")
    print(f"  precision {p:.4f}  recall {r:.4f}  F1 {2 * p * r / max(1e-12, p + r):.4f}  "
          f"(true pairs {len(true_pairs)}, found {len(found_pairs)})")
    per_kind = Counter()
    hit = Counter()
    for i, t in truth.items():
        if t["source"]:
            per_kind[t["kind"]] += 1
            hit[t["kind"]] += cluster[i] == cluster[t["source"]]
    for k in sorted(per_kind):
        print(f"  {k:<11} copies found with their source: {hit[k]}/{per_kind[k]} ({hit[k] / per_kind[k]:.4f})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
