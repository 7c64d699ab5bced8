#!/usr/bin/env python3
"""Build a corpus of plain documents from this Debian machine, with planted copies.

doublet's default cleaning was built for scraped news pages. This corpus holds
the other kind of text: licences, DEP-5 copyright files, changelogs, READMEs,
man pages (English, German, French, Japanese, Russian) and Python packages'
licence files, as the machine holds them. It carries natural duplicates
(identical licence files under different paths, the llvm-14 changelogs that
differ in one line, pip's LICENSE.txt across Python versions) and planted ones:

* ``exact``: a verbatim copy;
* ``one_line``: one word in one line replaced;
* ``near``: runs of lines deleted and lines of another document inserted until
  the Jaccard similarity of word 5-gram shingles falls to 0.86-0.93 (never
  below 0.85);
* ``truncated``: the first 50-70 % of the lines (contained in the original).

Document ids are the source path (``/usr/share/doc/curl/copyright``); man pages
are ``man/<lang>/manN/NAME.N`` (``man/manN/NAME.N`` for English); planted copies
are ``planted/<kind>/<n>/<original id without its leading />``.

Writes ``OUTDIR/corpus.jsonl`` (``{id, text}``, sorted by id),
``OUTDIR/planted.jsonl`` (``{a: original, b: copy, kind, jaccard,
containment, detail}``, the scores measured on the texts as written) and
``OUTDIR/manifest.json`` (documents and bytes per source kind, planted pairs
per kind, files skipped and why). The same machine and ``--seed`` give the
same files; the seed only decides the planting (the natural part does not
depend on it).

    bench/plain_corpus.py OUTDIR [--seed N]
"""

import argparse
import glob
import gzip
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

MAX_BYTES = 2_000_000
"""Files (decompressed) larger than this are skipped."""

MAX_CHANGELOG_BYTES = 256 * 1024
"""Changelogs and NEWS files larger than this are skipped too: the machine holds
120 MB of them, and this keeps the corpus near 50 MB."""

ENGLISH_MAN_PAGES = 250
"""English man pages sampled from man1, man5 and man8 (plus the forced ones)."""

GCLOUD_MAN_PAGES = 50
"""Cap on English ``gcloud_*`` pages: they are 17,000 of man1's 18,000 pages,
and a plain sample would be nothing else."""

MAN_PAGES_PER_LANGUAGE = 150
"""Cap on the man pages taken per translated language."""

MAN_TIMEOUT = 30
"""Seconds a man page may take to render."""

MAN_LANGUAGES = ("de", "fr", "ja", "ru")
MAN_ROOT = "/usr/share/man"
DOC_ROOT = "/usr/share/doc"
LICENCE_ROOT = "/usr/share/common-licenses"
PYTHON_SITE = "/root/.pyenv/versions/*/lib/python*/site-packages"

FORCED_MAN_PAGES = {
    "en": ("man1/gcloud.1.gz", "man1/chfn.1.gz"),
    "de": ("man1/chfn.1.gz",),
    "fr": ("man1/chfn.1.gz",),
}
"""Man pages always taken, when present (named cases of plain_measure.py)."""

PLANTED = {"exact": 60, "one_line": 60, "near": 40, "truncated": 40}
"""Planted copies per kind."""

MIN_PLANT_WORDS = 150
"""Originals of planted copies have at least this many words."""

NGRAM = 5
"""Words per shingle, as doublet's default."""

NEAR_FLOOR = 0.85
NEAR_TARGET = (0.86, 0.93)

REPLACEMENT_WORDS = (
    "zephyr", "quartz", "marmalade", "lantern", "pebble", "walrus",
    "saffron", "tundra", "juniper", "cobalt", "meadow", "falcon",
)


# ---------------------------------------------------------------- shingles


def words(text):
    """The words doublet's normalisation roughly sees: ``\\w+`` runs, lower-cased."""
    return re.findall(r"\w+", text.lower())


def shingles(text, n=NGRAM):
    """The set of word n-gram shingles of ``text`` (one shingle if it is shorter)."""
    w = words(text)
    if len(w) < n:
        return {tuple(w)} if w else set()
    return set(zip(*(w[i:] for i in range(n))))


def jaccard(a, b):
    """Jaccard similarity of two shingle sets (0 when both are empty)."""
    return len(a & b) / len(a | b) if a or b else 0.0


def containment(a, b):
    """Share of ``a``'s shingles found in ``b`` (0 when ``a`` is empty)."""
    return len(a & b) / len(a) if a else 0.0


# ---------------------------------------------------------------- kinds


def source_kind(doc_id):
    """The source kind of a document, read from its id."""
    if doc_id.startswith("planted/"):
        return "planted-" + doc_id.split("/")[1]
    if doc_id.startswith("man/"):
        part = doc_id.split("/")[1]
        return "man-en" if part.startswith("man") else "man-" + part
    if doc_id.startswith(LICENCE_ROOT + "/"):
        return "licence"
    if doc_id.startswith("/root/.pyenv/"):
        return "python-licence"
    name = os.path.basename(doc_id)
    if doc_id.startswith(DOC_ROOT + "/"):
        if name == "copyright":
            return "copyright"
        if name.startswith("README"):
            return "readme"
        if name.startswith("changelog"):
            return "changelog"
        if name.startswith("NEWS"):
            return "news"
    return "other"


# ---------------------------------------------------------------- reading


def stable_order(paths):
    """``paths`` in an order fixed by their names' hashes (a seed-free sample)."""
    return sorted(paths, key=lambda p: hashlib.sha1(p.encode()).hexdigest())


def unique_files(paths):
    """Regular files among ``paths`` (symlinks followed), one path per real file.

    Of the paths leading to one file, the file's own path wins, otherwise the
    first in sorted order. Distinct files with identical content all stay.
    """
    by_real = {}
    for path in sorted(paths):
        if not os.path.isfile(path):
            continue
        real = os.path.realpath(path)
        if real not in by_real or path == real:
            by_real[real] = path
    return sorted(by_real.values())


class Collector:
    """The natural documents gathered so far, with what was skipped and why."""

    def __init__(self):
        self.docs = {}
        self.real = set()
        self.skipped = Counter()

    def claim(self, path):
        """True the first time the real file behind ``path`` is seen."""
        real = os.path.realpath(path)
        if real in self.real:
            self.skipped["same_file"] += 1
            return False
        self.real.add(real)
        return True

    def add_text(self, doc_id, data, max_bytes=MAX_BYTES):
        """Add a document from its bytes, unless too large, empty or not UTF-8."""
        if len(data) > max_bytes:
            self.skipped["too_large"] += 1
            return
        try:
            text = data.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            self.skipped["not_utf8"] += 1
            return
        if not text.strip():
            self.skipped["empty"] += 1
            return
        if "\x00" in text:
            self.skipped["binary"] += 1
            return
        if doc_id in self.docs:
            self.skipped["duplicate_id"] += 1
            return
        self.docs[doc_id] = text

    def add_file(self, path, max_bytes=MAX_BYTES):
        """Add a file (``.gz`` decompressed) under its path as id."""
        if not self.claim(path):
            return
        try:
            if path.endswith(".gz"):
                with gzip.open(path) as f:
                    data = f.read(max_bytes + 1)
            else:
                if os.path.getsize(path) > max_bytes:
                    self.skipped["too_large"] += 1
                    return
                with open(path, "rb") as f:
                    data = f.read()
        except (OSError, EOFError, gzip.BadGzipFile):
            self.skipped["unreadable"] += 1
            return
        self.add_text(path, data, max_bytes)


# ---------------------------------------------------------------- sources


def add_licences(c):
    """``/usr/share/common-licenses/*``."""
    for path in unique_files(glob.glob(LICENCE_ROOT + "/*")):
        c.add_file(path)


def add_debian_docs(c):
    """DEP-5 copyright files, changelogs, NEWS files and READMEs under /usr/share/doc."""
    for path in unique_files(glob.glob(DOC_ROOT + "/*/copyright")):
        c.add_file(path)
    logs = glob.glob(DOC_ROOT + "/*/changelog*.gz") + glob.glob(DOC_ROOT + "/*/NEWS*.gz")
    for path in unique_files(logs):
        c.add_file(path, MAX_CHANGELOG_BYTES)
    readmes = []
    for root, _dirs, files in os.walk(DOC_ROOT):
        readmes += [os.path.join(root, f) for f in files if f.startswith("README")]
    for path in unique_files(readmes):
        if not re.search(r"\.(bz2|xz|zst|lzma|Z)$", path):  # .gz is read, others not
            c.add_file(path)


def add_python_licences(c):
    """LICENSE files of the Python packages of every pyenv version."""
    paths = []
    for pattern in ("/*/LICENSE*", "/*.dist-info/licenses/LICENSE*"):
        paths += glob.glob(PYTHON_SITE + pattern)
    for path in unique_files(paths):
        c.add_file(path)


def man_id(path):
    """``/usr/share/man/de/man1/chfn.1.gz`` -> ``man/de/man1/chfn.1``."""
    rel = os.path.relpath(path, "/usr/share")
    return rel[:-3] if rel.endswith(".gz") else rel


def man_sample(lang):
    """The man page files taken for ``lang`` ("en" or a translation)."""
    if lang == "en":
        base, sections, cap = MAN_ROOT, ("man1", "man5", "man8"), ENGLISH_MAN_PAGES
    else:
        base, sections, cap = os.path.join(MAN_ROOT, lang), ("man*",), MAN_PAGES_PER_LANGUAGE
    paths = unique_files([p for s in sections for p in glob.glob(f"{base}/{s}/*")])
    forced = [os.path.join(base, f) for f in FORCED_MAN_PAGES.get(lang, ())]
    forced = [p for p in forced if p in paths]
    rest = [p for p in stable_order(paths) if p not in forced]
    gcloud = [p for p in rest if os.path.basename(p).startswith("gcloud_")]
    over = set(gcloud[GCLOUD_MAN_PAGES:])
    rest = [p for p in rest if p not in over]
    return sorted(forced + rest[: max(0, cap - len(forced))])


def render_man(path):
    """The man page at ``path`` as plain text (80 columns), as bytes.

    ``None`` when rendering takes longer than ``MAN_TIMEOUT`` seconds (troff
    loops forever on some Japanese pages); the whole pipeline is killed then.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAN_KEEP_FORMATTING", "LC_ALL", "LANGUAGE", "MANPAGER", "PAGER")}
    env.update(MANWIDTH="80", LANG="C.UTF-8")
    proc = subprocess.Popen(["sh", "-c", 'man -l "$1" 2>/dev/null | col -bx', "sh", path],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=MAN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        print(f"warning: {path}: rendering timed out, skipped", file=sys.stderr)
        return None
    return out


def add_man_pages(c):
    """English and translated man pages, rendered as text."""
    paths = [p for lang in ("en",) + MAN_LANGUAGES for p in man_sample(lang)]
    paths = [p for p in paths if c.claim(p)]
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        for path, data in zip(paths, pool.map(render_man, paths)):
            if data is None:
                c.skipped["render_timeout"] += 1
            else:
                c.add_text(man_id(path), data)


# ---------------------------------------------------------------- planting


def copy_exact(text, rng, donors):
    """A verbatim copy."""
    return text, "verbatim"


def copy_one_line(text, rng, donors):
    """The text with one word of one line replaced by a word it does not hold."""
    lines = text.splitlines(keepends=True)
    choices = [(i, m) for i, line in enumerate(lines)
               for m in re.finditer(r"[^\W\d_]{3,}", line)]
    if not choices:
        return None
    i, m = rng.choice(choices)
    present = set(words(text))
    new = rng.choice([w for w in REPLACEMENT_WORDS if w not in present])
    lines[i] = lines[i][: m.start()] + new + lines[i][m.end():]
    return "".join(lines), f"line {i + 1}: {m.group()!r} -> {new!r}"


def copy_near(text, rng, donors):
    """Runs of lines deleted and donor lines inserted, down to a drawn Jaccard.

    Each edit deletes or inserts a run of 1 up to 2 % of the lines; edits stop
    once the Jaccard similarity to the original is at most a target drawn from
    ``NEAR_TARGET``, an edit that would take it below ``NEAR_FLOOR`` is
    undone. ``None`` when no copy with at least two edits can be made.
    """
    original = shingles(text)
    lines = text.splitlines(keepends=True)
    if len(lines) < 5:
        return None
    donor = [l if l.endswith("\n") else l + "\n"
             for l in rng.choice(donors).splitlines(keepends=True) if l.strip()]
    target = rng.uniform(*NEAR_TARGET)
    edits = []
    sim = 1.0
    for _ in range(200):
        run = rng.randint(1, max(1, len(lines) // 50))
        trial = list(lines)
        if rng.random() < 0.5 and len(trial) > run + 2:
            at = rng.randrange(len(trial) - run)
            del trial[at: at + run]
            edit = f"-{run}@{at + 1}"
        else:
            start = rng.randrange(max(1, len(donor) - run))
            at = rng.randrange(len(trial) + 1)
            trial[at:at] = donor[start: start + run]
            edit = f"+{run}@{at + 1}"
        s = jaccard(shingles("".join(trial)), original)
        if s < NEAR_FLOOR:
            continue
        lines, sim = trial, s
        edits.append(edit)
        if sim <= target:
            break
    if len(edits) < 2 or sim >= 1.0:
        return None
    return "".join(lines), f"{len(edits)} edits ({' '.join(edits[:8])}{' …' if len(edits) > 8 else ''})"


def copy_truncated(text, rng, donors):
    """The first 50-70 % of the lines; ``None`` for texts of fewer than 6 lines."""
    lines = text.splitlines(keepends=True)
    if len(lines) < 6:
        return None
    keep = round(len(lines) * rng.uniform(0.5, 0.7))
    copy = "".join(lines[:keep])
    if len(words(copy)) < 50:
        return None
    return copy, f"first {keep} of {len(lines)} lines"


COPIERS = {
    "exact": copy_exact,
    "one_line": copy_one_line,
    "near": copy_near,
    "truncated": copy_truncated,
}


def plant(docs, seed):
    """Planted copies (``{id: text}``) and their pairs, drawn with ``seed``.

    Originals (at least ``MIN_PLANT_WORDS`` words) are drawn without
    replacement; one a copier cannot use is passed over. Donor lines for
    ``near`` come from another document of the same source kind.
    """
    rng = random.Random(seed)
    eligible = [i for i in sorted(docs) if len(words(docs[i])) >= MIN_PLANT_WORDS]
    rng.shuffle(eligible)
    by_kind = defaultdict(list)
    for i in sorted(docs):
        by_kind[source_kind(i)].append(i)
    copies, pairs = {}, []
    pool = iter(eligible)
    for kind, count in PLANTED.items():
        made = 0
        while made < count:
            original = next(pool, None)
            if original is None:
                print(f"warning: only {made} {kind} copies planted", file=sys.stderr)
                break
            text = docs[original]
            donors = [docs[d] for d in by_kind[source_kind(original)] if d != original]
            result = COPIERS[kind](text, rng, donors or [text])
            if result is None:
                continue
            copy, detail = result
            made += 1
            copy_id = f"planted/{kind}/{made:03d}/{original.lstrip('/')}"
            copies[copy_id] = copy
            a, b = shingles(text), shingles(copy)
            pairs.append({"a": original, "b": copy_id, "kind": kind,
                          "jaccard": round(jaccard(a, b), 6),
                          "containment": round(containment(b, a), 6),
                          "detail": detail})
    return copies, sorted(pairs, key=lambda p: p["b"])


# ---------------------------------------------------------------- output


def manifest(docs, pairs, skipped, seed):
    """Counts per source kind, planted pairs per kind, and skipped files."""
    kinds = defaultdict(lambda: {"documents": 0, "bytes": 0})
    for doc_id, text in docs.items():
        k = kinds[source_kind(doc_id)]
        k["documents"] += 1
        k["bytes"] += len(text.encode())
    total = sum(k["bytes"] for k in kinds.values())
    return {
        "seed": seed,
        "documents": len(docs),
        "bytes": total,
        "megabytes": round(total / 1e6, 1),
        "kinds": dict(sorted(kinds.items())),
        "planted": dict(Counter(p["kind"] for p in pairs)),
        "skipped_files": dict(sorted(skipped.items())),
    }


def write_jsonl(path, rows):
    """Write ``rows`` as JSON Lines (UTF-8, not ASCII-escaped)."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    c = Collector()
    for step in (add_licences, add_debian_docs, add_python_licences, add_man_pages):
        step(c)
        print(f"{step.__name__}: {len(c.docs)} documents so far", file=sys.stderr)
    copies, pairs = plant(c.docs, args.seed)
    docs = {**c.docs, **copies}

    write_jsonl(os.path.join(args.outdir, "corpus.jsonl"),
                ({"id": i, "text": docs[i]} for i in sorted(docs)))
    write_jsonl(os.path.join(args.outdir, "planted.jsonl"), pairs)
    m = manifest(docs, pairs, c.skipped, args.seed)
    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    print(json.dumps(m, indent=2))


if __name__ == "__main__":
    main()
