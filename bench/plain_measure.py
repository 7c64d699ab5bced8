#!/usr/bin/env python3
"""Run `doublet dedup` on the plain corpus and measure what cleaning did to it.

    bench/plain_measure.py CORPUS_DIR --doublet PATH --out DIR [--margin 0.4] [-- EXTRA ARGS]

CORPUS_DIR is what bench/plain_corpus.py wrote (corpus.jsonl, planted.jsonl).
Runs ``PATH dedup CORPUS_DIR/corpus.jsonl --output DIR/clean.jsonl --removed
DIR/removed.jsonl --report DIR/report.json EXTRA ARGS`` (timed; its standard
error is kept in DIR/doublet.stderr), then measures:

1. gutted kept documents: the share of each kept document's non-space
   characters that the written text still holds;
2. removals and their evidence: containment (of the removed document in its
   kept twin) and Jaccard over word 5-gram shingles of the *original* texts,
   and every removal whose uncleaned containment is below the report's
   containment threshold minus ``--margin``: evidence cleaning made up;
3. planted pairs found, per kind: the copy and its original in one cluster;
4. named natural cases, each PASS or FAIL (or N/A when absent);
5. totals from the report's stats, and the wall time.

Prints the results, and writes them to DIR/measure.txt, DIR/measure.json and
a markdown summary DIR/measure.md. Documents missing from an output are
reported, not fatal; the exit status is 1 when doublet failed. ``--reuse``
measures the outputs already in DIR without running doublet.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict

sys.dont_write_bytecode = True  # no bench/__pycache__ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plain_corpus import containment, jaccard, shingles, source_kind  # noqa: E402

WORST = 25
"""Kept documents listed as the most gutted."""

BUCKETS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""Lower edges of the histogram buckets of uncleaned containment (1.0: exactly 1)."""


# ---------------------------------------------------------------- inputs


def read_jsonl(path, problems):
    """The records of a JSON Lines file; a missing file or bad line is a problem, not a crash."""
    if not os.path.exists(path):
        problems.append(f"missing file: {path}")
        return []
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                problems.append(f"{path}:{n}: bad JSON ({e})")
    return rows


def run_doublet(binary, corpus, out, extra):
    """Run ``doublet dedup`` and return (command, exit status, wall seconds)."""
    cmd = [binary, "dedup", corpus,
           "--output", os.path.join(out, "clean.jsonl"),
           "--removed", os.path.join(out, "removed.jsonl"),
           "--report", os.path.join(out, "report.json"), *extra]
    start = time.monotonic()
    with open(os.path.join(out, "doublet.stderr"), "w") as err:
        status = subprocess.run(cmd, stdout=err, stderr=err).returncode
    return cmd, status, time.monotonic() - start


def nonspace(text):
    """Number of non-whitespace characters."""
    return sum(1 for ch in text if not ch.isspace())


class Shingles:
    """Word 5-gram shingle sets of the original texts, computed once per id."""

    def __init__(self, texts):
        self.texts = texts
        self.cache = {}

    def __getitem__(self, doc_id):
        if doc_id not in self.cache:
            self.cache[doc_id] = shingles(self.texts.get(doc_id, ""))
        return self.cache[doc_id]

    def scores(self, a, b):
        """(containment of ``a`` in ``b``, Jaccard) on the original texts."""
        sa, sb = self[a], self[b]
        return containment(sa, sb), jaccard(sa, sb)


def anchor(doc):
    """The kept document a report entry stands for: itself, or its ``duplicate_of``."""
    return doc["id"] if doc.get("kept") else doc.get("duplicate_of")


# ---------------------------------------------------------------- measures


def check_outputs(originals, docs, written, removed_rows, problems):
    """Report documents missing from the report or from the written outputs."""
    for doc_id in sorted(set(originals) - set(docs)):
        problems.append(f"in the corpus, not in the report: {doc_id}")
    for doc_id in sorted(set(docs) - set(originals)):
        problems.append(f"in the report, not in the corpus: {doc_id}")
    removed_ids = {r.get("id") for r in removed_rows}
    for doc_id, doc in sorted(docs.items()):
        if doc.get("kept") and doc_id not in written:
            problems.append(f"kept but not in clean.jsonl: {doc_id}")
        if not doc.get("kept") and doc_id not in removed_ids:
            problems.append(f"removed but not in removed.jsonl: {doc_id}")
        if not doc.get("kept") and doc.get("duplicate_of") not in docs:
            problems.append(f"removed without a known duplicate_of: {doc_id} -> {doc.get('duplicate_of')}")


def gutted(originals, docs, written):
    """Share of non-space characters kept in each written kept document."""
    shares = {}
    for doc_id, doc in docs.items():
        if doc.get("kept") and doc_id in written and doc_id in originals:
            before = nonspace(originals[doc_id])
            shares[doc_id] = nonspace(written[doc_id]) / before if before else 1.0
    worst = sorted(shares.items(), key=lambda kv: (kv[1], kv[0]))[:WORST]
    by_kind = defaultdict(lambda: {"kept": 0, "below_0.5": 0, "below_0.9": 0})
    for doc_id, share in shares.items():
        k = by_kind[source_kind(doc_id)]
        k["kept"] += 1
        k["below_0.5"] += share < 0.5
        k["below_0.9"] += share < 0.9
    n = len(shares)
    return {
        "kept_measured": n,
        "below_0.5": sum(s < 0.5 for s in shares.values()),
        "below_0.9": sum(s < 0.9 for s in shares.values()),
        "share_below_0.5": round(sum(s < 0.5 for s in shares.values()) / n, 4) if n else 0.0,
        "share_below_0.9": round(sum(s < 0.9 for s in shares.values()) / n, 4) if n else 0.0,
        "nonspace_kept_overall": round(
            sum(nonspace(written[i]) for i in shares) / max(1, sum(nonspace(originals[i]) for i in shares)), 4),
        "by_kind": dict(sorted(by_kind.items())),
        "worst": [{"id": i, "share": round(s, 4)} for i, s in worst],
        "shares": shares,
    }


def bucket(value):
    """The histogram bucket label of a containment value."""
    if value >= 1.0:
        return "1.0"
    lower = max(b for b in BUCKETS if b <= value)
    return f"{lower:.1f}-{lower + 0.1:.1f}"


def removals(docs, sh, bar):
    """Every removal with its evidence on the original texts; those below ``bar`` listed."""
    rows = []
    for doc_id, doc in sorted(docs.items()):
        if doc.get("kept") or doc.get("duplicate_of") not in docs:
            continue
        c, j = sh.scores(doc_id, doc["duplicate_of"])
        rows.append({"id": doc_id, "duplicate_of": doc["duplicate_of"], "relation": doc.get("relation"),
                     "uncleaned_containment": round(c, 4), "uncleaned_jaccard": round(j, 4),
                     "reported_containment": doc.get("containment"), "reported_jaccard": doc.get("jaccard")})
    histogram = defaultdict(Counter)
    for r in rows:
        histogram[r["relation"]][bucket(r["uncleaned_containment"])] += 1
    below = sorted((r for r in rows if r["uncleaned_containment"] < bar),
                   key=lambda r: (r["uncleaned_containment"], r["id"]))
    return {"bar": round(bar, 4), "count": len(rows),
            "histogram": {rel: dict(sorted(h.items())) for rel, h in sorted(histogram.items())},
            "below_bar": below, "rows": {r["id"]: r for r in rows}}


def planted_found(docs, pairs, sh):
    """Per planted kind: pairs whose copy and original stand for one kept document."""
    result = {}
    for kind in sorted({p["kind"] for p in pairs}):
        found, missed, relations = 0, [], Counter()
        of_kind = [p for p in pairs if p["kind"] == kind]
        for p in of_kind:
            a, b = docs.get(p["a"]), docs.get(p["b"])
            if a is None or b is None:
                missed.append({"a": p["a"], "b": p["b"], "why": "missing from the report"})
                continue
            if anchor(a) is not None and anchor(a) == anchor(b):
                found += 1
                removed = b if not b.get("kept") else a
                relations[removed.get("relation")] += 1
            else:
                c, j = sh.scores(p["b"], p["a"])
                missed.append({"a": p["a"], "b": p["b"], "uncleaned_containment": round(c, 4),
                               "uncleaned_jaccard": round(j, 4), "a_kept": a.get("kept"), "b_kept": b.get("kept"),
                               "a_relation": a.get("relation"), "b_relation": b.get("relation"),
                               "b_too_little_content": b.get("too_little_content")})
        result[kind] = {"pairs": len(of_kind), "found": found,
                        "share": round(found / len(of_kind), 4) if of_kind else 0.0,
                        "relations": dict(relations), "missed": missed}
    return result


# ---------------------------------------------------------------- named cases


def case(status, detail):
    """A named case's result."""
    return {"status": status, "detail": detail}


def describe(doc_id, docs, rem):
    """One line on a document's fate: kept, or removed with its evidence."""
    doc = docs[doc_id]
    if doc.get("kept"):
        return f"{doc_id}: kept" + (" (too_little_content)" if doc.get("too_little_content") else "")
    r = rem["rows"].get(doc_id, {})
    return (f"{doc_id}: removed as {doc.get('relation')} of {doc.get('duplicate_of')} "
            f"(reported c={doc.get('containment')}, j={doc.get('jaccard')}; "
            f"uncleaned c={r.get('uncleaned_containment')}, j={r.get('uncleaned_jaccard')})")


def one_cluster(name, ids, docs, rem, required=()):
    """PASS when every document of ``ids`` (at least two) stands for one kept document."""
    ids = [i for i in ids if i in docs]
    missing = [i for i in required if i not in docs]
    if len(ids) < 2 or missing:
        return case("N/A", f"{name}: {len(ids)} present, missing {missing}")
    anchors = {anchor(docs[i]) for i in ids}
    lines = [describe(i, docs, rem) for i in ids]
    return case("PASS" if len(anchors) == 1 else "FAIL",
                f"{len(ids)} documents in {len(anchors)} cluster(s):\n    " + "\n    ".join(lines))


def not_removed_below(doc_id, docs, rem, bar, forbidden_twin=None):
    """PASS unless ``doc_id`` is removed on uncleaned containment below ``bar``
    (or, with ``forbidden_twin``, as a duplicate of that document at all)."""
    if doc_id not in docs:
        return case("N/A", f"{doc_id}: not in the report")
    doc = docs[doc_id]
    if doc.get("kept"):
        return case("PASS", describe(doc_id, docs, rem))
    c = rem["rows"].get(doc_id, {}).get("uncleaned_containment", 0.0)
    bad = c < bar or (forbidden_twin is not None and doc.get("duplicate_of") == forbidden_twin)
    return case("FAIL" if bad else "PASS", describe(doc_id, docs, rem))


def written_share_at_least(doc_id, docs, gut, rem, floor):
    """PASS when ``doc_id``, if kept, is written with at least ``floor`` of its non-space characters."""
    if doc_id not in docs:
        return case("N/A", f"{doc_id}: not in the report")
    if not docs[doc_id].get("kept"):
        return case("N/A", describe(doc_id, docs, rem))
    share = gut["shares"].get(doc_id)
    if share is None:
        return case("FAIL", f"{doc_id}: kept but not written")
    return case("PASS" if share >= floor else "FAIL", f"{doc_id}: written with {share:.1%} of its non-space characters")


def named_cases(originals, docs, gut, rem, bar):
    """The natural cases the plain corpus was built around.

    The llvm-14 changelogs are the seven Debian changelogs of source package
    llvm-toolchain-14 (libclang-cpp14, libllvm14, llvm-14, llvm-14-dev, ...),
    which differ only in their last line's package name.
    """
    llvm = sorted(i for i in docs if i.startswith("/usr/share/doc/") and "/changelog" in i
                  and originals.get(i, "").startswith("llvm-toolchain-14 ("))
    pip = sorted(i for i in docs if re.search(r"/pip-[^/]*\.dist-info/LICENSE\.txt$", i))
    pip_required = [i for i in pip if re.search(r"/pip-(18\.1|22\.0\.4)\.dist-info/", i)]
    if len(pip_required) < 2:
        pip_required = ["pip-18.1 and pip-22.0.4 LICENSE.txt"]
    return {
        "llvm-14 changelogs in one cluster": one_cluster("llvm-14 changelogs", llvm, docs, rem),
        "pip LICENSE.txt in one cluster": one_cluster("pip LICENSE.txt", pip, docs, rem, pip_required),
        "nodejs copyright not removed on thin evidence": not_removed_below(
            "/usr/share/doc/nodejs/copyright", docs, rem, bar, "/usr/share/doc/libnsl-dev/copyright"),
        "curl copyright not removed on thin evidence": not_removed_below(
            "/usr/share/doc/curl/copyright", docs, rem, bar),
        "gcloud man page not removed on thin evidence": not_removed_below(
            "man/man1/gcloud.1", docs, rem, bar),
        "German chfn man page not removed on thin evidence": not_removed_below(
            "man/de/man1/chfn.1", docs, rem, bar),
        "BSD licence written with >= 90 %": written_share_at_least(
            "/usr/share/common-licenses/BSD", docs, gut, rem, 0.9),
    }


# ---------------------------------------------------------------- output


def summary_text(m):
    """The measurements as printed text."""
    t, g, r = m["totals"], m["gutted"], m["removals"]
    out = [f"doublet: {' '.join(m['command'])}",
           f"exit status {m['exit_status']}, wall {t['wall_seconds']:.1f} s",
           "",
           "== Totals",
           f"documents {t['documents']}, kept {t['kept']}, removed {t['removed']} "
           f"(exact {t['exact']}, near_duplicate {t['near_duplicate']}, contained {t['contained']}), "
           f"too_little_content {t['too_little_content']}, mostly_cleaned {t['mostly_cleaned']}",
           f"boilerplate bytes {t['boilerplate_bytes']} (corpus {t['corpus_boilerplate_bytes']}), "
           f"repeated bytes {t['repeated_bytes']}, of {t['bytes']} bytes",
           "",
           "== 1. Gutted kept documents (non-space characters written / original)",
           f"kept measured {g['kept_measured']}: < 0.5: {g['below_0.5']} ({g['share_below_0.5']:.1%}), "
           f"< 0.9: {g['below_0.9']} ({g['share_below_0.9']:.1%}); overall {g['nonspace_kept_overall']:.1%} written",
           "by source kind (kept / <0.5 / <0.9):",
           *[f"  {k:16} {v['kept']:5} {v['below_0.5']:5} {v['below_0.9']:5}" for k, v in g["by_kind"].items()],
           f"{WORST} worst:",
           *[f"  {w['share']:.3f}  {w['id']}" for w in g["worst"]],
           "",
           "== 2. Removals and their evidence on the original texts",
           f"{r['count']} removals; uncleaned containment histogram by relation:",
           *[f"  {rel}: {h}" for rel, h in r["histogram"].items()],
           f"removals on evidence cleaning made up (uncleaned containment < {r['bar']}): {len(r['below_bar'])}",
           *[f"  c={x['uncleaned_containment']:.3f} j={x['uncleaned_jaccard']:.3f} "
             f"(reported c={x['reported_containment']}, j={x['reported_jaccard']}) {x['relation']}: "
             f"{x['id']} -> {x['duplicate_of']}" for x in r["below_bar"]],
           "",
           "== 3. Planted pairs found (copy and original in one cluster)",
           *[f"  {k:10} {v['found']:3}/{v['pairs']:3} = {v['share']:.1%}  relations {v['relations']}"
             for k, v in m["planted"].items()]]
    for k, v in m["planted"].items():
        for miss in v["missed"][:10]:
            out.append(f"  missed {k}: {json.dumps(miss, ensure_ascii=False)}")
    out += ["", "== 4. Named natural cases"]
    for name, c in m["named"].items():
        out.append(f"  {c['status']:4}  {name}: {c['detail']}")
    if m["problems"]:
        out += ["", f"== Problems ({len(m['problems'])}; up to 5 of each kind shown)"]
        by_kind = defaultdict(list)
        for p in m["problems"]:
            by_kind[p.split(":")[0]].append(p)
        for kind, items in by_kind.items():
            out += [f"  {kind}: {len(items)}", *[f"    {p}" for p in items[:5]]]
    return "\n".join(out)


def summary_markdown(m):
    """A short markdown table of the headline figures."""
    t, g, r = m["totals"], m["gutted"], m["removals"]
    rows = [("documents / kept / removed", f"{t['documents']} / {t['kept']} / {t['removed']}"),
            ("removed exact / near / contained", f"{t['exact']} / {t['near_duplicate']} / {t['contained']}"),
            ("too_little_content", t["too_little_content"]),
            ("kept written with < 50 % of non-space chars", f"{g['below_0.5']} ({g['share_below_0.5']:.1%})"),
            ("kept written with < 90 % of non-space chars", f"{g['below_0.9']} ({g['share_below_0.9']:.1%})"),
            (f"removals with uncleaned containment < {r['bar']}", len(r["below_bar"])),
            *[(f"planted {k} found", f"{v['found']}/{v['pairs']} ({v['share']:.1%})") for k, v in m["planted"].items()],
            *[(name, c["status"]) for name, c in m["named"].items()],
            ("wall time", f"{t['wall_seconds']:.1f} s")]
    return "| measure | value |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus_dir")
    ap.add_argument("--doublet", required=True, help="path to the doublet binary")
    ap.add_argument("--out", required=True, help="directory for the outputs and measurements")
    ap.add_argument("--margin", type=float, default=0.4,
                    help="removals below containment threshold minus this are listed (default 0.4)")
    ap.add_argument("--reuse", action="store_true", help="measure existing outputs in --out without running doublet")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    corpus = os.path.join(args.corpus_dir, "corpus.jsonl")
    if args.reuse:
        cmd, status, wall = ["(reused outputs)"], 0, 0.0
    else:
        cmd, status, wall = run_doublet(args.doublet, corpus, args.out, extra)
    problems = [] if status == 0 else [f"doublet exited with status {status}; see {args.out}/doublet.stderr"]

    originals = {r["id"]: r["text"] for r in read_jsonl(corpus, problems)}
    pairs = read_jsonl(os.path.join(args.corpus_dir, "planted.jsonl"), problems)
    written = {r.get("id"): r.get("text", "") for r in read_jsonl(os.path.join(args.out, "clean.jsonl"), problems)}
    removed_rows = read_jsonl(os.path.join(args.out, "removed.jsonl"), problems)
    report_path = os.path.join(args.out, "report.json")
    try:
        with open(report_path) as f:
            report = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        problems.append(f"no report: {e}")
        report = {}
    docs = {d["id"]: d for d in report.get("documents", [])}
    stats = report.get("stats", {})
    threshold = report.get("config", {}).get("containment", 0.8)
    bar = threshold - args.margin

    check_outputs(originals, docs, written, removed_rows, problems)
    sh = Shingles(originals)
    gut = gutted(originals, docs, written)
    rem = removals(docs, sh, bar)
    m = {
        "command": cmd, "exit_status": status, "margin": args.margin, "containment_threshold": threshold,
        "totals": {**{k: stats.get(k, 0) for k in (
            "documents", "kept", "removed", "exact", "near_duplicate", "contained", "too_little_content",
            "mostly_cleaned", "bytes", "boilerplate_bytes", "corpus_boilerplate_bytes", "repeated_bytes")},
            "wall_seconds": round(wall, 2)},
        "gutted": gut,
        "removals": rem,
        "planted": planted_found(docs, pairs, sh),
        "named": named_cases(originals, docs, gut, rem, bar),
        "problems": problems,
    }
    text = summary_text(m)
    print(text)
    with open(os.path.join(args.out, "measure.md"), "w") as f:
        f.write(summary_markdown(m))
    m["gutted"].pop("shares")
    m["removals"]["rows"] = list(m["removals"]["rows"].values())
    with open(os.path.join(args.out, "measure.json"), "w") as f:
        json.dump(m, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(args.out, "measure.txt"), "w") as f:
        f.write(text + "\n")
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
