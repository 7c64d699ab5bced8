#!/usr/bin/env python3
"""Generate a news-like corpus with known answers, for doublet's measurements.

Article prose comes from a word-level order-2 Markov chain trained on real
English prose that every Python installation carries (the reference text in
``pydoc_data.topics``), so the text has real word statistics while every
article is new. Around each article the generator puts the furniture of one
of ``--sites`` web sites (menus, footers, subscription walls, "related" link
lists), repeats some paragraphs as scrapers do, and plants duplicates:
syndicated copies on other sites, truncated copies behind a paywall, and copies
with a few words changed.

Writes ``corpus.jsonl`` (``{id, text}``) and ``truth.jsonl`` (``{id, cluster,
kind, source, boilerplate: [[start, end]...], repeated: [[start, end]...]}``,
byte spans into ``text`` encoded as UTF-8; ``doublet eval --truth`` reads it).
Deterministic for a given ``--seed``.
"""

import argparse
import json
import os
import random
import re
import sys


def _prose(text, out):
    for p in re.split(r"\n\s*\n", text):
        p = " ".join(p.split())
        if len(p) > 120 and p[0].isupper() and p.endswith(".") and ">>>" not in p and "::" not in p:
            out.append(p)


def prose_paragraphs():
    """Real English prose every Python installation carries: the language
    reference topics and the docstrings of the standard library."""
    import ast
    import pydoc_data.topics as topics
    import sysconfig

    out = []
    _prose("\n".join(topics.topics.values()), out)
    root = sysconfig.get_paths()["stdlib"]
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        if "test" in folder or "site-packages" in folder or "idlelib" in folder:
            continue
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    tree = ast.parse(f.read())
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc:
                        _prose(doc, out)
    return out


class Markov:
    """Word chain of order 2 that backs off to order 1 now and then, so that
    it writes new 5-grams instead of copying long runs of its training text."""

    BACKOFF = 0.3

    def __init__(self, paragraphs):
        self.next = {}
        self.next1 = {}
        self.starts = []
        for p in paragraphs:
            for s in re.split(r"(?<=[.!?])\s+", p):
                words = s.split()
                if len(words) < 6:
                    continue
                self.starts.append((words[0], words[1]))
                for a, b, c in zip(words, words[1:], words[2:]):
                    self.next.setdefault((a, b), []).append(c)
                for a, b in zip(words, words[1:]):
                    self.next1.setdefault(a, []).append(b)

    def sentence(self, rng, lo=10, hi=35):
        a, b = rng.choice(self.starts)
        words = [a, b]
        while len(words) < hi:
            nxt = self.next1.get(b) if rng.random() < self.BACKOFF else self.next.get((a, b))
            if not nxt:
                break
            c = rng.choice(nxt)
            words.append(c)
            a, b = b, c
            if c.endswith(".") and len(words) >= lo:
                break
        s = " ".join(words)
        return s if s.endswith(".") else s.rstrip(",;:") + "."


NAMES = ["Courier", "Herald", "Gazette", "Observer", "Tribune", "Chronicle", "Post", "Times", "Journal", "Mercury"]
TOWNS = ["Aldford", "Brisk", "Carrow", "Dunmere", "Elsby", "Glenholm", "Harwick", "Linmouth", "Marden", "Oxley",
         "Penrose", "Redcar", "Stowe", "Thornbury", "Westbury", "Yarrow", "Zennor", "Kelso", "Ingleby", "Farrowdale"]
SECTIONS = ["News", "Politics", "Business", "Sport", "Culture", "Opinion", "Weather", "Travel", "Science", "Health"]


def make_site(i, rng, markov):
    name = f"The {TOWNS[i % len(TOWNS)]} {NAMES[(i // len(TOWNS) + i) % len(NAMES)]}"
    menu = ["Home"] + rng.sample(SECTIONS, 5) + ["Subscribe", "Sign in"]
    footer = [
        f"This article was published by {name}, an independent newspaper serving the region since {1850 + i}.",
        "Contact us | Advertise | Privacy policy | Cookie settings | Terms of use",
        f"\u00a9 2026 {name} Ltd. All rights reserved.",
    ]
    paywall = [
        "You have reached your limit of free articles this month.",
        f"Subscribe to {name} for unlimited access",
        "Already a subscriber? Sign in",
        "Digital",
        f"\u00a3{rng.randint(4, 9)}.99 a month",
        "Digital + Print",
        f"\u00a3{rng.randint(10, 19)}.99 a month",
        "Cancel anytime",
    ]
    return {"name": name, "menu": menu, "footer": footer, "paywall": paywall}


def article(rng, markov):
    paras = []
    for _ in range(rng.randint(6, 14)):
        paras.append(" ".join(markov.sentence(rng) for _ in range(rng.randint(2, 4))))
    return paras


class Page:
    """Builds a page line by line, remembering which lines are what."""

    def __init__(self):
        self.parts = []  # (text, kind) kind in content|boilerplate|repeated

    def add(self, text, kind):
        self.parts.append((text, kind))

    def render(self):
        out = bytearray()
        spans = {"boilerplate": [], "repeated": []}
        for text, kind in self.parts:
            b = text.encode()
            if kind in spans:
                spans[kind].append([len(out), len(out) + len(b)])
            out += b + b"\n"
        return out.decode(), spans


def page(site, paras, rng, markov, repeat_rate, paywall=False):
    p = Page()
    p.add(site["name"], "boilerplate")
    p.add(" | ".join(site["menu"]), "boilerplate")
    shown = []
    for i, para in enumerate(paras):
        p.add(para, "content")
        shown.append(para)
        if i == len(paras) // 2 and rng.random() < 0.3:
            p.add("More From This Section", "boilerplate")
            for _ in range(3):
                p.add(" ".join(markov.sentence(rng, 5, 9).split()[:7]).rstrip(".,;:"), "boilerplate")
    if paywall:
        for line in site["paywall"]:
            p.add(line, "boilerplate")
    elif rng.random() < repeat_rate:
        # A scraper artefact: the body again, from some paragraph on.
        start = rng.randint(0, max(0, len(shown) - 2))
        for para in shown[start:]:
            p.add(para, "repeated")
    for line in site["footer"]:
        p.add(line, "boilerplate")
    return p.render()


def change_words(paras, rng, n):
    paras = list(paras)
    for _ in range(n):
        i = rng.randrange(len(paras))
        words = paras[i].split()
        j = rng.randrange(len(words))
        words[j] = rng.choice(["river", "council", "harbour", "winter", "market", "station", "report", "bridge"])
        paras[i] = " ".join(words)
    return paras


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--sites", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dup-rate", type=float, default=0.2, help="share of documents that are planted copies")
    ap.add_argument("--repeat-rate", type=float, default=0.15, help="share of pages that repeat paragraphs")
    ap.add_argument("--out", default="bench/out/corpus")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    markov = Markov(prose_paragraphs())
    sites = [make_site(i, rng, markov) for i in range(args.sites)]
    os.makedirs(args.out, exist_ok=True)
    originals = []
    with open(os.path.join(args.out, "corpus.jsonl"), "w") as corpus, open(os.path.join(args.out, "truth.jsonl"), "w") as truth:
        for n in range(args.docs):
            doc_id = f"doc-{n:07d}"
            site = rng.choice(sites)
            kind, source = "original", None
            if originals and rng.random() < args.dup_rate:
                source_id, paras = rng.choice(originals)
                source = source_id
                r = rng.random()
                if r < 0.4:
                    kind = "syndicated"  # same article, another site's furniture
                elif r < 0.7:
                    kind = "truncated"
                    paras = paras[: max(2, len(paras) // 2)]
                else:
                    kind = "edited"
                    paras = change_words(paras, rng, 5)
                text, spans = page(site, paras, rng, markov, args.repeat_rate, paywall=(kind == "truncated"))
            else:
                paras = article(rng, markov)
                originals.append((doc_id, paras))
                if len(originals) > 5000:
                    originals.pop(rng.randrange(len(originals)))
                text, spans = page(site, paras, rng, markov, args.repeat_rate)
            corpus.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
            truth.write(json.dumps({"id": doc_id, "cluster": source or doc_id, "kind": kind, "source": source,
                                    **spans}) + "\n")
    print(f"wrote {args.docs} documents to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
