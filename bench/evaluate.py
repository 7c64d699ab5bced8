#!/usr/bin/env python3
"""Score a doublet report against the truth written by gen_corpus.py.

Cleaning: precision and recall of the bytes marked boilerplate and repeated.
Grouping: pairwise precision and recall of "same story" over clusters (a
planted copy and its source belong together; originals belong apart), and the
recall of each kind of planted copy.

    bench/evaluate.py TRUTH.jsonl REPORT.json [--json]
"""

import json
import sys
from collections import Counter, defaultdict
from itertools import combinations
from math import comb


def merged(spans):
    """Sorted, disjoint intervals covering the same bytes as ``spans``."""
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        elif e > s:
            out.append([s, e])
    return out


def overlap(a, b):
    """Bytes in both interval lists (each sorted and disjoint)."""
    i = j = n = 0
    while i < len(a) and j < len(b):
        n += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return n


def length(spans):
    return sum(e - s for s, e in spans)


def ari(labels_a, labels_b):
    """Adjusted Rand index from the contingency table (Hubert & Arabie 1985)."""
    cells = Counter(zip(labels_a, labels_b))
    rows = Counter(labels_a)
    cols = Counter(labels_b)
    index = sum(comb(c, 2) for c in cells.values())
    sa = sum(comb(c, 2) for c in rows.values())
    sb = sum(comb(c, 2) for c in cols.values())
    expected = sa * sb / comb(len(labels_a), 2)
    top = (sa + sb) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def main(truth_path, report_path, as_json=False):
    truth = {t["id"]: t for t in map(json.loads, open(truth_path))}
    report = json.load(open(report_path))
    tp = Counter()
    fp = Counter()
    fn = Counter()
    for d in report["documents"]:
        t = truth[d["id"]]
        # Spans in the report are into the text; truth spans are UTF-8 bytes of the same text.
        for kind, got, want in (
            ("boilerplate", d["boilerplate"], t["boilerplate"]),
            ("repeated", d["repeated"], t["repeated"]),
            ("removed", d["boilerplate"] + d["repeated"], t["boilerplate"] + t["repeated"]),
        ):
            got = merged((m["start"], m["end"]) for m in got)
            want = merged(want)
            both = overlap(got, want)
            tp[kind] += both
            fp[kind] += length(got) - both
            fn[kind] += length(want) - both

    out = {"cleaning": {}, "kinds": {}}
    for kind in ("boilerplate", "repeated", "removed"):
        out["cleaning"][kind] = {"precision": tp[kind] / max(1, tp[kind] + fp[kind]),
                                 "recall": tp[kind] / max(1, tp[kind] + fn[kind])}

    family = {i: t.get("cluster") or t["source"] or i for i, t in truth.items()}
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
    ids = sorted(truth)
    out["grouping"] = {"precision": p, "recall": r, "f1": 2 * p * r / max(1e-12, p + r),
                       "ari": ari([family[i] for i in ids], [cluster[i] for i in ids]),
                       "true_pairs": len(true_pairs), "found_pairs": len(found_pairs)}
    per_kind = Counter()
    hit = Counter()
    for i, t in truth.items():
        if t["source"]:
            per_kind[t["kind"]] += 1
            hit[t["kind"]] += cluster[i] == cluster[family[i]]
    kind = {i: t["kind"] for i, t in truth.items()}
    for k in sorted(per_kind):
        # Pairwise scores over pairs touching a copy of this kind (as doublet
        # eval's per-label scores), ARI over these copies and their originals.
        touch = lambda pairs: {p for p in pairs if kind[p[0]] == k or kind[p[1]] == k}
        t_k, f_k = touch(true_pairs), touch(found_pairs)
        both_k = len(t_k & f_k)
        pk = both_k / len(f_k) if f_k else 1.0
        rk = both_k / len(t_k) if t_k else 1.0
        subset = sorted({i for i in ids if kind[i] == k} | {family[i] for i in ids if kind[i] == k})
        out["kinds"][k] = {"copies": per_kind[k], "found": hit[k], "recall_copies": hit[k] / per_kind[k],
                           "precision": pk, "recall": rk, "f1": 2 * pk * rk / max(1e-12, pk + rk),
                           "ari": ari([family[i] for i in subset], [cluster[i] for i in subset])}
    if as_json:
        print(json.dumps(out))
        return
    print("cleaning (bytes)")
    print(f"  {'kind':<12} {'precision':>9} {'recall':>7}")
    for kind, v in out["cleaning"].items():
        print(f"  {kind:<12} {v['precision']:9.4f} {v['recall']:7.4f}")
    g = out["grouping"]
    print("grouping (pairs of documents in one cluster)")
    print(f"  precision {g['precision']:.4f}  recall {g['recall']:.4f}  F1 {g['f1']:.4f}  ARI {g['ari']:.4f}  "
          f"(true pairs {g['true_pairs']}, found {g['found_pairs']})")
    for k, v in out["kinds"].items():
        print(f"  {k:<13} precision {v['precision']:.4f} recall {v['recall']:.4f} F1 {v['f1']:.4f} ARI {v['ari']:.4f}; "
              f"copies found with their original {v['found']}/{v['copies']}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--json"]
    if len(args) != 2:
        sys.exit(__doc__)
    main(*args, as_json="--json" in sys.argv)
