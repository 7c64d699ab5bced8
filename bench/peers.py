#!/usr/bin/env python3
"""MinHash-LSH deduplication with a peer library, for side-by-side runs.

The usual single-pass recipe: for each document, build a MinHash of its word
5-gram shingles (lower-cased \\w+ words, the closest plain-Python equivalent
of doublet's shingles), query the LSH index, and either drop the document as a
duplicate of the first hit or insert it. No cleaning, no containment, no
verification: this is what the peers offer.

    bench/peers.py {datasketch|rensa|gaoya} CORPUS.jsonl OUT.json

gaoya is used the way its documentation recommends for speed: its own Rust
word analyser (lower-cased word 5-grams), documents inserted and queried in
parallel batches of 10,000 on all cores.

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


def run_gaoya(docs):
    from gaoya.minhash import MinHashStringIndex

    # 128 hashes as 16 bands of 8, like rensa's setting above.
    index = MinHashStringIndex(hash_size=32, jaccard_threshold=THRESHOLD, num_bands=16, band_size=8,
                               analyzer="word", lowercase=True, ngram_range=(5, 5), id_container="smallvec")
    pairs = list(docs)
    keys = [k for k, _ in pairs]
    texts = [t for _, t in pairs]
    batch = 10000
    # Index everything (in parallel batches), then query in batches; a
    # document is a duplicate of the earliest other document it hits.
    for start in range(0, len(texts), batch):
        chunk = texts[start:start + batch]
        index.par_bulk_insert_docs(list(range(start, start + len(chunk))), chunk)
    for start in range(0, len(texts), batch):
        for offset, hits in enumerate(index.par_bulk_query(texts[start:start + batch])):
            i = start + offset
            earlier = [h for h in hits if h < i]
            yield keys[i], (keys[min(earlier)] if earlier else None)


def main(tool, corpus, out):
    run = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}[tool]
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
