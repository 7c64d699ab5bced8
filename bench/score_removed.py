#!/usr/bin/env python3
"""Score `doublet dedup --removed` against the truth of gen_corpus.py, streaming.

`bench/evaluate.py` reads a whole report, which at ten million documents is
more than Python holds comfortably; this reads the truth and the removed
list a line at a time and keeps only the documents that are in a planted
family or were removed. It gives the same grouping scores as
`evaluate.py` (pairwise precision and recall of "same story", and recall per
kind of planted copy): a cluster of `dedup` is its removed documents (by
their `cluster` number) and the document they name in `duplicate_of` that
was kept.

    bench/score_removed.py REMOVED.jsonl TRUTH.jsonl[.zst] [TRUTH...] [--json]

Truth files ending in .zst or .gz are read through `zstd -dc` or `gzip -dc`.
"""

import json
import subprocess
import sys
from collections import Counter, defaultdict
from math import comb


def lines(path):
    if path.endswith(".zst") or path.endswith(".gz"):
        tool = "zstd" if path.endswith(".zst") else "gzip"
        proc = subprocess.Popen([tool, "-dc", path], stdout=subprocess.PIPE)
        yield from proc.stdout
        if proc.wait() != 0:
            sys.exit(f"{tool} could not read {path}")
    else:
        with open(path, "rb") as f:
            yield from f


def main(removed_path, truth_paths, as_json):
    # Planted copies: id -> (family, kind). Originals are their own family.
    family, kind = {}, {}
    for path in truth_paths:
        for line in lines(path):
            t = json.loads(line)
            if t["source"]:
                family[t["id"]] = t.get("cluster") or t["source"]
                kind[t["id"]] = t["kind"]
    members = defaultdict(list)
    for i, f in family.items():
        members[f].append(i)
    for f in members:
        members[f].append(f)

    cluster = {}
    named = {}
    for line in lines(removed_path):
        r = json.loads(line)
        cluster[r["id"]] = r["cluster"]
        named.setdefault(r["duplicate_of"], r["cluster"])
    # A document named in duplicate_of and not removed is its cluster's kept one.
    for kept, c in named.items():
        if kept not in cluster:
            cluster[kept] = c
    by_cluster = defaultdict(list)
    for i, c in cluster.items():
        by_cluster[c].append(i)

    found_pairs = sum(comb(len(m), 2) for m in by_cluster.values())
    true_pairs = sum(comb(len(m), 2) for m in members.values())
    both = 0
    for m in members.values():
        counts = Counter(cluster[i] for i in m if i in cluster)
        both += sum(comb(n, 2) for n in counts.values())
    p = both / max(1, found_pairs)
    r = both / max(1, true_pairs)
    out = {"grouping": {"precision": p, "recall": r, "f1": 2 * p * r / max(1e-12, p + r),
                        "true_pairs": true_pairs, "found_pairs": found_pairs}, "kinds": {}}
    per_kind, hit = Counter(), Counter()
    for i, f in family.items():
        per_kind[kind[i]] += 1
        hit[kind[i]] += i in cluster and cluster.get(f) == cluster[i]
    for k in sorted(per_kind):
        out["kinds"][k] = {"copies": per_kind[k], "found": hit[k], "recall_copies": hit[k] / per_kind[k]}
    if as_json:
        print(json.dumps(out))
        return
    g = out["grouping"]
    print(f"grouping: precision {g['precision']:.4f} recall {g['recall']:.4f} F1 {g['f1']:.4f} "
          f"(true pairs {true_pairs}, found {found_pairs})")
    for k, v in out["kinds"].items():
        print(f"  {k:<13} copies found with their original {v['found']}/{v['copies']} ({v['recall_copies']:.4f})")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--json"]
    if len(args) < 2:
        sys.exit(__doc__)
    main(args[0], args[1:], as_json="--json" in sys.argv)
