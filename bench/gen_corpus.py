#!/usr/bin/env python3
"""Generate a news-like corpus with known answers, for doublet's measurements.

Prose comes from real English text any machine can install: the Python
documentation Debian packages as ``python3.11-doc`` (``apt-get install
python3.11-doc``; its HTML pages are the *topics*), plus the reference text and
docstrings every Python installation carries. Each original article belongs to
one topic page: a quarter of its sentences are real sentences of that page, the
rest come from a word chain (order 2, backing off to order 1) trained on all of
the prose, so that any number of articles can be made while two originals never
share more than a few sentences. Originals on the same topic are the negatives
that look alike without being duplicates.

Around each article the generator puts the furniture of one of ``--sites`` web
sites (masthead, menu, footer, a "More From This Section" list, a subscription
wall), repeats the body as some scrapers do, and plants copies, each labelled
with its transformation:

* ``syndicated``: the same article under another site's header and footer;
* ``truncated``: its first half and a paywall;
* ``edited``: five words changed;
* ``reflowed``: hard-wrapped at 72 columns, paragraphs separated by blank
  lines, straight and curly quotes swapped;
* ``reordered``: paragraphs shuffled;
* ``copy_of_copy``: an edited copy of an earlier copy, on yet another site.

Unrelated originals also *reuse real paragraphs*, as wire copy rewritten by
many outlets, documentation quoted on many pages, or legal and product text
do: every original draws on average ``--reuse`` whole paragraphs from one
shared pool (every prose paragraph of the documentation pages, about 12,000),
so each pool paragraph sits in about ``0.8 * docs * reuse / 12,000``
unrelated originals (8 at 100k documents, 80 at 1M). About one in seven
originals (``--compilations``) is a compilation, mostly pool paragraphs
around one or two short paragraphs of their own. The heavy-reuse corpus
(``--compilations 0.9 --reuse 2.2 --pool 87000``) makes nine originals in
ten compilations and grows the pool with chain-made paragraphs, so that each
pool paragraph sits in about 7 unrelated originals at 100k documents, 70 at
1M and 700 at 10M. Those paragraphs are content: a deduplicator that
calls them furniture compares what is left, a sentence, and deletes
articles.

Every page carries its site in a ``url`` field (``https://HOST/SECTION/ID``),
and a third of the sites end every page with a long prose appeal to readers,
furniture that reads like an article paragraph and that only recurrence
within one site gives away.

Writes ``corpus.jsonl`` (``{id, url, text}``) and ``truth.jsonl`` (``{id, cluster,
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
import textwrap


def _prose(text, out):
    for p in re.split(r"\n\s*\n", text):
        p = " ".join(p.split())
        if len(p) > 120 and p[0].isupper() and p.endswith(".") and ">>>" not in p and "::" not in p:
            out.append(p)


DOC_ROOT = "/usr/share/doc/python3.11/html"


def topic_pages():
    """Prose paragraphs of each page of the Python documentation package."""
    import glob
    import html

    if not os.path.isdir(DOC_ROOT):
        sys.exit(f"{DOC_ROOT} is missing: apt-get install python3.11-doc")
    pages = []
    for path in sorted(glob.glob(os.path.join(DOC_ROOT, "**", "*.html"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        paras = []
        for m in re.finditer(r"<p>(.*?)</p>", text, re.S):
            _prose(html.unescape(re.sub(r"<[^>]+>", "", m.group(1))), paras)
        if len(paras) >= 8:
            pages.append(list(dict.fromkeys(paras)))
    return pages


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
    host = name.lower().replace("the ", "").replace(" ", "-") + ".example"
    appeal = None
    if i % 3 == 0:
        appeal = (f"{name} has been reporting on the life of the region for more than a century, and we "
                  f"want to keep our journalism open to everyone who needs it. If you value what we do, "
                  f"please consider supporting us with a contribution of any size: it takes only a minute, "
                  f"and it helps to keep our reporters in the places where the news happens.")
    return {"name": name, "menu": menu, "footer": footer, "paywall": paywall, "host": host,
            "appeal": appeal}


def sentences_of(paragraphs):
    return [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p) if len(s.split()) >= 6]


REAL_SHARE = 0.25


def article(rng, markov, topic, pool, reuse, compilations):
    """Paragraphs of one original: real sentences of its topic page mixed
    into new text from the chain, and whole paragraphs from the shared pool
    at random places. Most originals hold few pool paragraphs; a share
    ``compilations`` of them (round-ups, explainers, pages quoting
    documentation) are mostly pool paragraphs around one or two short
    paragraphs of their own, which is what a cleaner that strips shared
    paragraphs reduces to a sentence. A compilation holds ``4 * reuse``
    pool paragraphs on average, any other original ``reuse * 0.5 / 0.85``
    (so that at the default share, 0.15, the mean is about ``reuse``)."""
    compilation = reuse > 0 and rng.random() < compilations
    own, pooled = ((rng.randint(1, 2), 4 * reuse) if compilation
                   else (rng.randint(6, 14), reuse * 0.5 / (1 - 0.15)))
    paras = []
    for _ in range(own):
        n = rng.randint(1, 2) if compilation else rng.randint(2, 4)
        paras.append(" ".join(rng.choice(topic) if rng.random() < REAL_SHARE else markov.sentence(rng)
                              for _ in range(n)))
    # A count with mean `pooled`: the integer part, plus one more with the
    # fractional part's probability.
    whole = int(pooled)
    for _ in range(whole + (rng.random() < pooled - whole)):
        paras.insert(rng.randint(0, len(paras)), rng.choice(pool))
    return paras


class Page:
    """Builds a page line by line, remembering which lines are what."""

    def __init__(self):
        self.parts = []  # (text, kind) kind in content|boilerplate|repeated

    def add(self, text, kind):
        self.parts.append((text, kind))

    def render(self, wrap=None):
        """One block per line, or (``wrap``) hard-wrapped blocks separated by
        blank lines, as plain-text feeds write them."""
        out = bytearray()
        spans = {"boilerplate": [], "repeated": []}
        for text, kind in self.parts:
            b = (textwrap.fill(text, wrap, break_long_words=False, break_on_hyphens=False) if wrap else text).encode()
            if kind in spans:
                spans[kind].append([len(out), len(out) + len(b)])
            out += b + (b"\n\n" if wrap else b"\n")
        return out.decode(), spans


def swap_quotes(paras):
    """Straight quotes become curly ones and curly ones straight."""
    out = []
    for p in paras:
        if '"' in p or "'" in p:
            p = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", p).replace("'", "\u2019")
        else:
            p = p.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
        out.append(p)
    return out


def page(site, paras, rng, markov, repeat_rate, paywall=False, wrap=None):
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
    if site["appeal"]:
        p.add(site["appeal"], "boilerplate")
    for line in site["footer"]:
        p.add(line, "boilerplate")
    return p.render(wrap)


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
    ap.add_argument("--reuse", type=float, default=1.2,
                    help="mean number of shared-pool paragraphs in each original (0: none)")
    ap.add_argument("--compilations", type=float, default=0.15,
                    help="share of originals that are mostly pool paragraphs (0.9 with --reuse 2.2 "
                         "and --pool 87000, about 8 pool paragraphs an original: the heavy-reuse corpus, each pool paragraph in about "
                         "70 originals at 1M documents)")
    ap.add_argument("--pool", type=int, default=0,
                    help="grow the shared pool to this many paragraphs with paragraphs of 2 to 5 "
                         "sentences from the word chain (0: the real paragraphs only, about 12,000)")
    ap.add_argument("--pool-seed", type=int,
                    help="seed of the chain-made pool paragraphs (default --seed); shards of one "
                         "corpus share it, so that they share the pool")
    ap.add_argument("--first-id", type=int, default=0,
                    help="number of the first document (doc-NNNNNNN), so that shards made with "
                         "different seeds have distinct ids")
    ap.add_argument("--out", default="bench/out/corpus")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pages = topic_pages()
    markov = Markov([p for page in pages for p in page] + prose_paragraphs())
    topics = [sentences_of(page) for page in pages]
    shared = sorted({p for page in pages for p in page})
    # The chain-made paragraphs come from their own generator, so that the
    # real pool and every document of a run without --pool stay as they were.
    grow = random.Random(f"pool-{args.seed if args.pool_seed is None else args.pool_seed}")
    while len(shared) < args.pool:
        shared.append(" ".join(markov.sentence(grow) for _ in range(grow.randint(2, 5))))
    sites = [make_site(i, rng, markov) for i in range(args.sites)]
    os.makedirs(args.out, exist_ok=True)
    originals = []  # (id, root, paragraphs)
    kinds = ["syndicated", "truncated", "edited", "reflowed", "reordered", "copy_of_copy"]
    with open(os.path.join(args.out, "corpus.jsonl"), "w") as corpus, open(os.path.join(args.out, "truth.jsonl"), "w") as truth:
        for n in range(args.docs):
            doc_id = f"doc-{args.first_id + n:07d}"
            site = rng.choice(sites)
            copies = [o for o in originals if o[1] != o[0]]
            if originals and rng.random() < args.dup_rate:
                kind = rng.choice(kinds if copies else kinds[:-1])
                pool = copies if kind == "copy_of_copy" else [o for o in originals if o[1] == o[0]]
                source, root, paras = rng.choice(pool)
                wrap = None
                paywall = False
                if kind == "truncated":
                    paras = paras[: max(2, len(paras) // 2)]
                    paywall = True
                elif kind in ("edited", "copy_of_copy"):
                    paras = change_words(paras, rng, 5)
                elif kind == "reflowed":
                    paras = swap_quotes(paras)
                    wrap = 72
                elif kind == "reordered":
                    paras = paras[:]
                    rng.shuffle(paras)
                text, spans = page(site, paras, rng, markov, args.repeat_rate, paywall=paywall, wrap=wrap)
                if kind != "truncated":
                    originals.append((doc_id, root, paras))
            else:
                kind, source = "original", None
                paras = article(rng, markov, rng.choice(topics), shared, args.reuse, args.compilations)
                root = doc_id
                originals.append((doc_id, root, paras))
                text, spans = page(site, paras, rng, markov, args.repeat_rate)
            if len(originals) > 5000:
                originals.pop(rng.randrange(len(originals)))
            url = f"https://{site['host']}/{rng.choice(SECTIONS).lower()}/{doc_id}"
            corpus.write(json.dumps({"id": doc_id, "url": url, "text": text}, ensure_ascii=False) + "\n")
            truth.write(json.dumps({"id": doc_id, "cluster": root, "kind": kind, "source": source, **spans}) + "\n")
    print(f"wrote {args.docs} documents to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
