#!/usr/bin/env python3
"""MinHash-LSH deduplication with a peer library, for side-by-side runs.

The usual single-pass recipe: for each document, build a MinHash of its word
5-gram shingles (lower-cased \\w+ words, the closest plain-Python equivalent
of doublet's shingles), query the LSH index, and either drop the document as a
duplicate of the first hit or insert it. No cleaning, no containment, no
verification: this is what the peers offer.

    bench/peers.py {datasketch|rensa} CORPUS.jsonl OUT.json

Writes a report-shaped JSON (``documents[].cluster``) that bench/evaluate.py
scores, and prints one JSON line with the time and peak memory.
"""

import json
import re
import resource
import sys
import time

WORD = re.compile(r"\w+")
NUM_PERM = 128
THRESHOLD = 0.8


def shingles(text, n=5):
    words = WORD.findall(text.lower())
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def run_datasketch(docs):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    for key, text in docs:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode() for s in shingles(text)])
        hits = lsh.query(m)
        if hits:
            yield key, min(hits)
        else:
            lsh.insert(key, m)
            yield key, None


def run_rensa(docs):
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=16)
    index = {}
    for i, (key, text) in enumerate(docs):
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(list(shingles(text)))
        hits = lsh.query(m)
        if hits:
            yield key, index[min(hits)]
        else:
            lsh.insert(i, m)
            index[i] = key
            yield key, None


def main(tool, corpus, out):
    run = {"datasketch": run_datasketch, "rensa": run_rensa}[tool]
    start = time.perf_counter()
    size = 0

    def docs():
        nonlocal size
        with open(corpus, encoding="utf-8") as f:
            for line in f:
                size += len(line)
                d = json.loads(line)
                yield d["id"], d["text"]

    decisions = list(run(docs()))
    elapsed = time.perf_counter() - start
    clusters = {}
    for key, dup in decisions:
        clusters.setdefault(dup or key, len(clusters))
    documents = [
        {"id": k, "cluster": clusters[d or k], "kept": d is None, "duplicate_of": d, "boilerplate": [], "repeated": []}
        for k, d in decisions
    ]
    with open(out, "w") as f:
        json.dump({"documents": documents}, f)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"tool": tool, "seconds": round(elapsed, 3), "bytes": size, "peak_rss": peak,
                      "removed": sum(d is not None for _, d in decisions)}))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
