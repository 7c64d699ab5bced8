#!/usr/bin/env python3
"""Generate text-reuse pairs beyond verbatim copies, with known answers, in several languages.

doublet's passage finder is measured here on reuse that has been *rewritten*:
passages paraphrased with a thesaurus, words and sentences reordered, sentences
dropped, merged, split or padded with foreign ones. The pairs are scored with
PAN's plagiarism-detection measures (precision, recall, granularity and
plagdet over byte offsets) and, per pair, as a derived-or-not decision.

Prose is real and comes from packages any Debian machine can install:

* the Debian Administrator's Handbook (``apt-get install debian-handbook``),
  whose translations give the languages: ``en-US``, ``de-DE``, ``fr-FR``,
  ``es-ES``, ``id-ID``. Paragraphs are the ``<div class="para">`` (and plain
  ``<p>``) elements of each HTML page; a paragraph is kept when it has at
  least 25 words, at most a fifth of its characters inside code markup
  (commands, file names, literals) and few path-like tokens, and when it is
  written in the page's language: the translations are incomplete and leave
  many paragraphs in English, which a stop-word vote removes. Each paragraph
  keeps its chapter (the top-level page its page hangs under), its page and
  its section heading. Paragraphs of one chapter are the topic-similar
  material for the negatives.
* the OpenOffice/LibreOffice MyThes thesauri (``mythes-en-us``, ``mythes-de``,
  ``mythes-fr``, ``mythes-es``) for synonym substitution. There is no
  Indonesian thesaurus: ``id`` gets every obfuscation but ``synonym``.

Design, per language
--------------------
Each chapter's kept paragraphs are cut, in reading order, into alternating
blocks of 4-10 paragraphs: *source* blocks, each one source document, and
*filler* blocks, the chapter's own prose for the other documents. Sources
and filler never share a paragraph, so a derived document's own text is
topic-similar to its source but not taken from it; every such text is also
checked to share no sentence and no run of 8 words with the source.

Positives come in two families, spread evenly over family x obfuscation x
strength, the strengths being those of ``--strengths`` (default
``low,medium,high,heavy``; ``none`` goes with obfuscation ``none`` only), so
the more strengths, the fewer pairs per cell (a source serves several pairs):

* ``passage`` (PAN-like): a document of 4-10 filler paragraphs of the
  source's chapter into which 1-3 passages of the source are inserted, at a
  paragraph boundary or between two sentences. A passage is 2-8 consecutive
  source sentences (3-8 for ``reorder``, ``delete`` and ``mixed``), one time
  in five a whole paragraph and one time in ten two.
* ``rewrite`` (an outlet rewriting agency copy): the whole source, with 15 %
  of its sentences dropped and 1-3 sentences of the outlet's own (filler of
  the same chapter) added; each maximal run of consecutive kept source
  sentences not interrupted by an own sentence is one *stretch*, obfuscated
  on its own and marked as one passage.

Negatives, as many as positives: half ``same_chapter`` (a document of 4-10
filler paragraphs paired with a source of the same chapter), half
``other_source`` (a derived document paired with a source of its chapter
other than the one it used). A negative is written only if it shares no
sentence and no run of 8 words with its source.

Obfuscations and rates
----------------------
Every pair uses one obfuscation at one strength for all its passages.

============  =====================================  ======  ======  ======  ======
obfuscation   rate                                    low     medium  high    heavy
============  =====================================  ======  ======  ======  ======
none          verbatim copy (strength ``none``)       -       -       -       -
synonym       share of eligible words replaced        20 %    40 %    60 %    100 %
shuffle       word windows permuted, per word          5 %    10 %    20 %    30 %
              window size (words)                     2       2       3       3
reorder       sentences permuted                      one     half    all     all
                                                      adjacent window
                                                      swap
delete        share of sentences dropped (never the   15 %    30 %    50 %    50 %
              first or the last one)
insert        foreign sentences per sentence          20 %    35 %    50 %    50 %
merge_split   adjacent sentence pairs merged          20 %    40 %    60 %    60 %
              long sentences (16+ words) split        30 %    50 %    80 %    80 %
mixed         all of the above, in the order synonym, shuffle, merge_split,
              reorder, delete, insert, each at the pair's strength
              (``id``: all but synonym)
============  =====================================  ======  ======  ======  ======

``heavy`` is modelled on heavy human revision: the passage keeps its content
but almost no long verbatim run. ``reorder``, ``delete``, ``insert`` and
``merge_split`` keep their ``high`` rates, so that the content stays, and are
preceded by heavy word-level edits: ``synonym`` and ``shuffle`` at ``heavy``
(``id``, without a thesaurus: ``shuffle`` only). Then, for every obfuscation
at ``heavy``, the *9-word rule*: no run of 9 or more consecutive words (lower
case, punctuation stripped: runs of letters and digits) that the source
document has too may survive in the passage. Each such run is broken near its
middle: by one more synonym substitution if one of its words has an
acceptable synonym (as below), else by swapping two adjacent plain words
inside it, else by deleting a word of it other than its first; repeated until
no run is left. Foreign sentences are not touched, and a ``rewrite`` whose
adjacent passages happen to join into such a run is discarded. Why 9: heavy
revisions in published reuse corpora share at most about 9 consecutive words
with their source, so a longer run would make the pair a light revision,
found by verbatim matching. With the defaults, a ``heavy`` passage keeps
about a fifth of its source's 3-word runs (``high``: about 70 %); the fixes
are mostly swaps, then synonyms, and delete about 0.1 % of the words.
``--strengths low,medium,high`` regenerates the mix of the versions before
``heavy``, byte for byte.

Eligible words for ``synonym`` are words of 4+ letters, not stop words, not
acronyms, not a word that appears in code markup in the paragraph, not
capitalised inside a sentence (a name; except in German, where nouns are),
that have a usable synonym: a single word among the synonyms of the word's
first three senses that the book itself uses 3+ times, which keeps
"exploiter" for "user" and "celebridad" for "nombre" out (the first four
such are drawn from; English also maps plural nouns, ``files`` ->
``registers``). Capitalisation is kept. About a fifth of all words are
eligible, so low/medium/high/heavy change about 4/9/13/22 % of a passage's
words. ``shuffle`` leaves each sentence's first word and words carrying
punctuation in place. ``merge`` joins two sentences of one
paragraph with ", and" (``und``, ``et``, ``y``, ``dan``) or ";", lower-casing
the second one's first word only if it occurs in lower case elsewhere in the
book; ``split`` cuts at the comma nearest the middle that leaves 6+ words on
either side. Foreign sentences (``insert``) are 8-35 word sentences of other
chapters of the same language.

Truth
-----
Offsets are UTF-8 byte offsets, end exclusive. On the source side (``b``) a
passage runs from the first to the last source sentence whose words survive
in the passage's rewrite (so sentences deleted inside it are covered; a
sentence merged with its neighbour and the result split again counts as
surviving if either part does); on the derived side (``a``) it covers the
whole rewritten text, foreign sentences inserted into it included, as PAN
marks them. Documents are paragraphs separated by a blank line, sentences by
one space, so a verbatim passage is byte-identical on both sides (checked).

Output in ``--out``: ``docs.jsonl`` (``id``, ``text``, ``lang``) and
``pairs.jsonl`` (``a``, ``b``, ``derived``, ``lang``, ``family``,
``obfuscation``, ``strength``, ``passages``); negatives have family
``negative``, obfuscation ``same_chapter`` or ``other_source``, strength
``-``. The output depends only on the options and the installed packages.
Before writing, the truth is checked (spans on character boundaries,
verbatim passages byte-identical, no source run of 8 words outside the
passages, negatives sharing nothing, the 9-word rule for ``heavy``).

    python3 bench/reuse_data.py --out /tmp/reuse_dev
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import math
import os
import random
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser

HANDBOOK_DIR = "/usr/share/doc/debian-handbook/html"
MYTHES_DIR = "/usr/share/mythes"

HANDBOOK_LANGS = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "id": "id-ID"}
THESAURI = {
    "en": ("th_en_US_v2.dat", "mythes-en-us"),
    "de": ("th_de_DE_v2.dat", "mythes-de"),
    "fr": ("th_fr_FR_v2.dat", "mythes-fr"),
    "es": ("th_es_ES_v2.dat", "mythes-es"),
}

OBFUSCATIONS = ["none", "synonym", "shuffle", "reorder", "delete", "insert", "merge_split", "mixed"]
STRENGTHS = ["low", "medium", "high", "heavy"]
FAMILIES = ["passage", "rewrite"]

SYNONYM_RATE = {"low": 0.2, "medium": 0.4, "high": 0.6, "heavy": 1.0}
SHUFFLE_RATE = {"low": 0.05, "medium": 0.1, "high": 0.2, "heavy": 0.3}
SHUFFLE_WINDOW = {"low": 2, "medium": 2, "high": 3, "heavy": 3}
# heavy: the structural edits at their high rates, so that the passage keeps its
# content; what makes it heavy are the word-level edits added to them (HEAVY_WORD_STEPS)
DELETE_RATE = {"low": 0.15, "medium": 0.3, "high": 0.5, "heavy": 0.5}
INSERT_RATE = {"low": 0.2, "medium": 0.35, "high": 0.5, "heavy": 0.5}
MERGE_RATE = {"low": 0.2, "medium": 0.4, "high": 0.6, "heavy": 0.6}
SPLIT_RATE = {"low": 0.3, "medium": 0.5, "high": 0.8, "heavy": 0.8}
MIXED_ORDER = ["synonym", "shuffle", "merge_split", "reorder", "delete", "insert"]
HEAVY_WORD_STEPS = ["synonym", "shuffle"]  # run before a structural obfuscation at strength heavy
HEAVY_RUN = 9  # heavy: no run of this many words shared with the source survives

REWRITE_DROP_RATE = 0.15
MIN_PARAGRAPH_WORDS = 25
MAX_CODE_SHARE = 0.2
MAX_PATHLIKE_SHARE = 0.1
NGRAM = 8  # a shared run of this many words counts as reuse
SYNONYM_SENSES = 3  # senses of a word whose synonyms are considered, the first ones
SYNONYM_CHOICES = 4  # synonyms chosen from, the first ones the book uses
MIN_SYNONYM_FREQUENCY = 3  # times a synonym occurs in the book (same language)

# Language vote: frequent function words, for telling a translated paragraph
# from one the translators left in English.
MARKERS = {
    "en": "the of and to is in that for it this with as are be on by or an can which not from",
    "de": "der die das und ist nicht mit den von zu ein eine auf für sich des dem im werden wird auch",
    "fr": "le la les de des et est un une du pour dans que qui pas sur au par ce il sont",
    "es": "el la los las de del y es un una que en para por se con no su al lo como",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada adalah ke atau dapat juga",
}
MARKERS = {lang: set(words.split()) for lang, words in MARKERS.items()}

# Words of four letters or more never replaced by a synonym.
STOP = {
    "en": """about above after again also although always among another any anything are
        because been before being below between both cannot could does doing done down
        during each either else even ever every from further have having here however
        into itself just like made make makes many more most much must need needs never
        often once only other others over same should since some such than that their
        them then there these they this those though through thus under until upon very
        what when where whether which while will with within without would your yours""",
    "de": """aber alle allem allen aller alles also andere anderen anderer anderes auch
        beim bereits bzw dabei damit dann darf darin darum dass denn deren dessen diese
        diesem diesen dieser dieses doch dort durch eben eine einem einen einer eines
        einige einigen etwa etwas euch gibt habe haben hier ihre ihrem ihren ihrer immer
        jede jedem jeden jeder jedes jedoch kann kein keine können könnte machen mehr
        muss müssen nach nicht noch nur oder ohne schon sehr sein seine seinem seinen
        seiner sich sind soll sollte sondern sowie über unter viel viele vom von wenn
        werden wird wurde wurden zwar zwischen""",
    "fr": """afin ainsi alors après aucun aussi autre autres avant avec avoir beaucoup
        cela celle celles celui ceux cette chaque comme comment dans depuis donc dont
        elle elles encore entre être fait faire leur leurs lors mais même moins nous
        peut peuvent plus pour pourquoi puis quand quel quelle quelles quels sans selon
        sont sous souvent tous tout toute toutes très vers votre vous""",
    "es": """ante antes aquí así bien cada como con contra cual cuales cuando desde
        donde durante ella ellas ellos entre esta estas este esto estos hace hacer hasta
        más mismo mucho muy nada otra otras otro otros para pero poco porque puede
        pueden sobre sólo solo también tanto tiene tienen toda todas todo todos usted
        vez""",
    "id": "",
}
STOP = {lang: set(words.split()) for lang, words in STOP.items()}

LIST_ENDS = {"etc", "usw", "dll", "dsb"}  # "etc." ends a sentence, but "etc, and" reads badly
CONJUNCTION = {"en": "and", "de": "und", "fr": "et", "es": "y", "id": "dan"}
# Abbreviations (lower case, without the final dot) a sentence does not end on.
ABBREVIATIONS = {
    "en": {"e.g", "i.e", "cf", "vs", "mr", "mrs", "dr", "no", "fig", "approx"},
    "de": {"z.b", "d.h", "u.a", "bzw", "ca", "vgl", "nr", "abs", "ggf", "evtl", "inkl", "sog", "dr", "s"},
    "fr": {"cf", "p", "ex", "env", "m", "mme", "n°"},
    "es": {"p.ej", "ej", "pág", "sr", "sra", "aprox", "núm"},
    "id": {"mis", "dsb", "yth", "no"},
}
ABBREVIATIONS = {lang: words | {"dr", "corp", "inc", "ltd", "jr", "st"} for lang, words in ABBREVIATIONS.items()}

LETTERS = r"[^\W\d_]+"
WORD_TOKEN = re.compile(r"\w+")
# A word that may be replaced: letters only, not part of a path, option, address or file name.
SUBSTITUTABLE = re.compile(r"(?<![\w/.\-@$~=])" + LETTERS + r"(?![\w/\-@=]|\.\w)")
SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*\s+")
CODE_TAGS = {"code", "kbd", "samp", "tt", "pre"}
CODE_CLASSES = {"pkg", "command", "filename", "literal", "replaceable", "userinput", "citerefentry", "keycap"}


def require(path: str, package: str) -> None:
    if not os.path.exists(path):
        raise SystemExit(
            f"reuse_data: {path} not found; install the Debian package {package} (sudo apt-get install {package})"
        )


# ---------------------------------------------------------------------------
# Prose: paragraphs of the handbook


@dataclass
class Paragraph:
    text: str
    sentences: list[str]
    code: frozenset[str]  # lower-cased words that appear inside code markup
    chapter: str
    page: str
    section: str


class PageParser(HTMLParser):
    """Collects the prose paragraphs of one handbook page, and its ``up``/``next`` links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: dict[str, str] = {}
        self.paragraphs: list[tuple[str, str, str]] = []  # (text, code text, section)
        self.section = ""
        self._stack: list[str] = []  # kinds of the open elements inside a paragraph or heading
        self._text: list[str] = []
        self._code: list[str] = []
        self._blocky = False
        self._in = None  # "para" or "heading"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "link" and attrs.get("rel") in ("up", "next"):
            self.links[attrs["rel"]] = attrs.get("href", "")
            return
        if self._in is None:
            if (tag == "div" and "para" in classes) or (tag == "p" and not classes and "id" not in attrs):
                self._open("para")
            elif tag in ("h1", "h2", "h3", "h4") and "title" in classes:
                self._open("heading")
            return
        if tag == "div" and "title" in classes:
            kind = "skip"  # the run-in title of a formal paragraph
        elif tag in ("div", "pre", "table", "ul", "ol", "dl", "p"):
            kind = "skip"
            self._blocky = True
        elif tag in CODE_TAGS or classes & CODE_CLASSES:
            kind = "code"
        else:
            kind = "inline"
        self._stack.append(kind)

    def handle_startendtag(self, tag, attrs):
        if tag == "link":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self._in is None:
            return
        if self._stack:
            self._stack.pop()
            return
        text = " ".join("".join(self._text).split())
        if self._in == "heading":
            self.section = re.sub(r"^[\d.]+\s*", "", text)
        elif not self._blocky and text:
            self.paragraphs.append((text, " ".join(self._code), self.section))
        self._in = None

    def handle_data(self, data):
        if self._in is None or "skip" in self._stack:
            return
        self._text.append(data)
        if "code" in self._stack:
            self._code.append(data)

    def _open(self, kind):
        self._in = kind
        self._stack = []
        self._text = []
        self._code = []
        self._blocky = False


def split_sentences(text: str, lang: str) -> list[str]:
    """Split at ``.``, ``!``, ``?`` followed by a space and an upper-case letter, except after abbreviations."""
    sentences, start = [], 0
    for m in SENTENCE_END.finditer(text):
        following = text[m.end() : m.end() + 2].lstrip("\"'«“¿¡(")
        if not following or not following[0].isupper():
            continue
        if is_abbreviation(text[: m.start()].rsplit(" ", 1)[-1], lang):
            continue
        sentences.append(text[start : m.end()].rstrip(" "))
        start = m.end()
    sentences.append(text[start:])
    return [s for s in sentences if s]


def is_abbreviation(token: str, lang: str) -> bool:
    """Whether ``token``, the word before a final dot, is an abbreviation rather than a sentence's end."""
    token = token.lstrip("\"'«“(").lower()
    return (
        token in ABBREVIATIONS[lang]
        or re.fullmatch(r"\w", token) is not None  # initials, "z. B."
        or re.fullmatch(r"(\w\.)+\w", token) is not None  # "e.g", "z.B"
        or (lang == "de" and token.isdigit())  # German ordinals: "am 3. Mai"
    )


def is_prose(text: str, code_text: str, lang: str) -> bool:
    words = WORD_TOKEN.findall(text.lower())
    if len(words) < MIN_PARAGRAPH_WORDS or text[-1] not in ".!?…)»\"”’":
        return False  # short, or introducing a list or a command the extraction leaves out
    if len(code_text) > MAX_CODE_SHARE * len(text):
        return False
    tokens = text.split()
    pathlike = sum(1 for t in tokens if re.search(r"[/\\_=<>{}$|]|^-|\w\.\w", t))
    if pathlike > MAX_PATHLIKE_SHARE * len(tokens):
        return False
    votes = {other: sum(w in markers for w in words) for other, markers in MARKERS.items()}
    rival = max(v for other, v in votes.items() if other != lang)
    return votes[lang] >= 3 and votes[lang] > 1.5 * rival


def page_order(pages: dict[str, dict[str, str]]) -> list[str]:
    """Pages in reading order, following ``next`` links from the index."""
    order, seen, page = [], set(), "index.html"
    while page in pages and page not in seen:
        order.append(page)
        seen.add(page)
        page = pages[page].get("next", "")
    return order + sorted(p for p in pages if p not in seen)


def chapter_of(page: str, pages: dict[str, dict[str, str]]) -> str:
    seen = set()
    while page not in seen:
        seen.add(page)
        up = pages.get(page, {}).get("up", "index.html")
        if up in ("index.html", "") or up not in pages:
            return page
        page = up
    return page


def load_paragraphs(lang: str, handbook_dir: str) -> list[Paragraph]:
    folder = os.path.join(handbook_dir, HANDBOOK_LANGS[lang])
    require(folder, "debian-handbook")
    parsed, links = {}, {}
    for path in sorted(glob.glob(os.path.join(folder, "*.html"))):
        parser = PageParser()
        with open(path, encoding="utf-8") as f:
            parser.feed(f.read())
        name = os.path.basename(path)
        parsed[name] = parser.paragraphs
        links[name] = parser.links
    paragraphs = []
    for page in page_order(links):
        chapter = chapter_of(page, links)
        for text, code_text, section in parsed[page]:
            if is_prose(text, code_text, lang):
                code = frozenset(WORD_TOKEN.findall(code_text.lower()))
                paragraphs.append(Paragraph(text, split_sentences(text, lang), code, chapter, page, section))
    return paragraphs


# ---------------------------------------------------------------------------
# Thesaurus


Thesaurus = dict[str, list[tuple[str, list[str]]]]  # word -> senses: (part of speech, synonyms)


def load_thesaurus(lang: str, mythes_dir: str, vocabulary: set[str]) -> Thesaurus:
    """MyThes ``.dat``: an encoding line, then ``word|N`` followed by N lines ``(pos)|syn|syn...``.

    Returns, for each word of ``vocabulary`` with an entry, its senses with their
    usable synonyms: single words without notes (English ``(similar term)``
    excepted; generic terms, related terms and antonyms are not synonyms).
    """
    name, package = THESAURI[lang]
    path = os.path.join(mythes_dir, name)
    require(path, package)
    with open(path, "rb") as f:
        raw = f.read()
    first, _, body = raw.partition(b"\n")
    encoding = first.decode("ascii").strip().lower().replace("iso8859", "iso-8859")
    lines = body.decode(encoding, errors="replace").split("\n")
    thesaurus, i = {}, 0
    while i < len(lines):
        head, _, count = lines[i].partition("|")
        try:
            n = int(count)
        except ValueError:
            i += 1
            continue
        head = head.strip().lower()
        if head in vocabulary:
            senses = []
            for line in lines[i + 1 : i + 1 + n]:
                pos, *synonyms = line.split("|")
                usable = [s for s in (usable_synonym(s, head) for s in synonyms) if s]
                if usable:
                    senses.append((pos.strip("()").lower(), usable))
            if senses:
                thesaurus[head] = senses
        i += 1 + n
    return thesaurus


def usable_synonym(synonym: str, head: str) -> str | None:
    synonym = synonym.strip()
    if synonym.endswith("(similar term)"):
        synonym = synonym[: -len("(similar term)")].strip()
    if not re.fullmatch(LETTERS, synonym) or len(synonym) < 3 or synonym.lower() == head:
        return None
    return synonym


# ---------------------------------------------------------------------------
# Documents with byte offsets


@dataclass
class Sent:
    """A sentence of a passage being rewritten."""

    text: str
    srcs: tuple[int, ...]  # indices of the source sentences whose words it carries; () if foreign
    brk: bool  # starts a paragraph
    code: frozenset[str] = frozenset()


@dataclass
class Piece:
    """A stretch of a document being assembled: own text, or one rewritten passage."""

    text: str
    brk: bool  # preceded by a paragraph break, else by a space
    passage: int | None = None


def render(sents: list[Sent]) -> str:
    out = []
    for i, s in enumerate(sents):
        if i:
            out.append("\n\n" if s.brk else " ")
        out.append(s.text)
    return "".join(out)


def assemble(pieces: list[Piece]) -> tuple[str, dict[int, tuple[int, int]]]:
    """Join pieces into a text; return it and each passage's byte span."""
    parts, spans, offset = [], {}, 0
    for i, piece in enumerate(pieces):
        if i:
            sep = "\n\n" if piece.brk else " "
            parts.append(sep)
            offset += len(sep)
        size = len(piece.text.encode("utf-8"))
        if piece.passage is not None:
            spans[piece.passage] = (offset, offset + size)
        parts.append(piece.text)
        offset += size
    return "".join(parts), spans


class Source:
    """A source document: consecutive paragraphs of one chapter, and where each sentence lies."""

    def __init__(self, doc_id: str, chapter: str, paragraphs: list[Paragraph]):
        self.id = doc_id
        self.chapter = chapter
        self.sents: list[Sent] = []
        self.spans: list[tuple[int, int]] = []  # byte span of each sentence
        offset = 0
        for para in paragraphs:
            for k, sentence in enumerate(para.sentences):
                if self.sents:
                    offset += len("\n\n") if k == 0 else len(" ")
                size = len(sentence.encode("utf-8"))
                self.sents.append(Sent(sentence, (len(self.sents),), k == 0, para.code))
                self.spans.append((offset, offset + size))
                offset += size
        self.text = render(self.sents)
        assert len(self.text.encode("utf-8")) == offset
        self.signature = Signature(self.text)

    @cached_property
    def long_runs(self) -> set[tuple[str, ...]]:
        """The source's runs of HEAVY_RUN words, which a heavy rewrite must not keep."""
        return ngrams(self.text, HEAVY_RUN)

    def b_span(self, sents: list[Sent]) -> tuple[int, int]:
        srcs = [i for s in sents for i in s.srcs]
        return self.spans[min(srcs)][0], self.spans[max(srcs)][1]

    def shares_text(self, text: str) -> bool:
        return self.signature.shares(Signature(text))


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    words = WORD_TOKEN.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


class Signature:
    """What two texts must not have in common to count as unrelated: a run of
    NGRAM words, or a sentence (of 4 words or more, to ignore fragments such as
    "Nr." that a crude split makes)."""

    def __init__(self, text: str):
        self.ngrams = ngrams(text)
        sentences = (WORD_TOKEN.findall(s.lower()) for s in re.split(r"(?<=[.!?])\s+", text))
        self.sentences = {" ".join(words) for words in sentences if len(words) >= 4}

    def shares(self, other: Signature) -> bool:
        return bool(self.ngrams & other.ngrams or self.sentences & other.sentences)


# ---------------------------------------------------------------------------
# Obfuscations: list[Sent] -> list[Sent]


@dataclass
class Context:
    lang: str
    rng: random.Random
    thesaurus: Thesaurus
    lower_words: set[str]  # words seen in lower case inside a sentence
    frequency: collections.Counter[str]  # lower-cased words of the book
    foreign: list[str]  # sentences of the language, for insert; filtered per source
    source: Source | None = None


def synonym(sents: list[Sent], strength: str, ctx: Context) -> list[Sent]:
    """Replace a share of the passage's eligible words by a thesaurus synonym."""
    candidates = []  # (sentence index, start, end, replacement choices)
    for i, s in enumerate(sents):
        for m in SUBSTITUTABLE.finditer(s.text):
            initial = not s.text[: m.start()].strip("\"'«“¿¡( ")
            choices = synonym_choices(m.group(), initial, s, ctx)
            if choices:
                candidates.append((i, m.start(), m.end(), choices))
    if not candidates:
        return sents
    k = max(1, round(SYNONYM_RATE[strength] * len(candidates)))
    chosen = sorted(ctx.rng.sample(candidates, k), key=lambda c: (c[0], -c[1]))
    texts = [s.text for s in sents]
    for i, start, end, choices in chosen:  # right to left within a sentence, so offsets hold
        texts[i] = texts[i][:start] + ctx.rng.choice(choices) + texts[i][end:]
    return [Sent(t, s.srcs, s.brk, s.code) for t, s in zip(texts, sents)]


def synonym_choices(word: str, initial: bool, sent: Sent, ctx: Context) -> list[str]:
    lower = word.lower()
    if len(word) < 4 or lower in STOP[ctx.lang] or lower in sent.code or word.isupper():
        return []
    capital = word[0].isupper()
    if capital and not initial and ctx.lang != "de":
        return []  # a name
    choices = senses(lower, ctx.thesaurus)
    if not choices and ctx.lang == "en" and lower.endswith("s"):
        choices = [plural(c) for c in senses(lower[:-1], ctx.thesaurus, pos="noun")]
    # a synonym the book itself uses is likelier to fit its register and sense
    choices = [c for c in choices if ctx.frequency[c.lower()] >= MIN_SYNONYM_FREQUENCY][:SYNONYM_CHOICES]
    if ctx.lang == "de":
        if not capital:
            choices = [c for c in choices if c[0].islower()]
        elif not initial:
            choices = [c for c in choices if c[0].isupper()]
    else:
        choices = [c for c in choices if c.islower()]
    if capital:
        choices = [c[0].upper() + c[1:] for c in choices]
    return choices


def senses(word: str, thesaurus: Thesaurus, pos: str | None = None) -> list[str]:
    """Synonyms of the first SYNONYM_SENSES senses of ``word`` (of part of speech ``pos``), in order."""
    found = [synonyms for p, synonyms in thesaurus.get(word, []) if pos is None or p == pos]
    return list(dict.fromkeys(s for synonyms in found[:SYNONYM_SENSES] for s in synonyms))


def plural(noun: str) -> str:
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def shuffle(sents: list[Sent], strength: str, ctx: Context) -> list[Sent]:
    """Permute small windows of plain words (not the first word, nor words with punctuation)."""
    out = []
    for s in sents:
        tokens = s.text.split(" ")
        movable = [i for i, t in enumerate(tokens) if i > 0 and re.fullmatch(LETTERS, t) and t.lower() not in s.code]
        width = SHUFFLE_WINDOW[strength]
        ops = round(SHUFFLE_RATE[strength] * len(tokens))
        for _ in range(ops):
            runs = [j for j in range(len(movable) - width + 1) if movable[j + width - 1] - movable[j] == width - 1]
            if not runs:
                break
            j = ctx.rng.choice(runs)
            window = movable[j : j + width]
            words = [tokens[w] for w in window]
            for _ in range(5):
                ctx.rng.shuffle(words)
                if words != [tokens[w] for w in window]:
                    break
            for w, word in zip(window, words):
                tokens[w] = word
        out.append(Sent(" ".join(tokens), s.srcs, s.brk, s.code))
    return out


def reorder(sents: list[Sent], strength: str, ctx: Context) -> list[Sent]:
    """Permute the sentences; paragraph breaks stay where they were."""
    n = len(sents)
    if n < 2:
        return sents
    order = list(range(n))
    if strength == "low":
        i = ctx.rng.randrange(n - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
    else:
        width = n if strength == "high" else max(2, math.ceil(n / 2))
        start = ctx.rng.randrange(n - width + 1)
        window = order[start : start + width]
        for _ in range(10):
            ctx.rng.shuffle(window)
            if window != sorted(window):
                break
        order[start : start + width] = window
    return [Sent(sents[j].text, sents[j].srcs, sents[i].brk, sents[j].code) for i, j in enumerate(order)]


def delete(sents: list[Sent], strength: str, ctx: Context) -> list[Sent]:
    """Drop a share of the sentences, never the first or the last.

    Dropping an edge sentence would only make the passage shorter, a verbatim
    copy of fewer source sentences."""
    k = min(len(sents) - 2, max(1, round(DELETE_RATE[strength] * len(sents))))
    if k <= 0:
        return sents
    dropped = set(ctx.rng.sample(range(1, len(sents) - 1), k))
    out, brk = [], False
    for i, s in enumerate(sents):
        if i in dropped:
            brk = brk or s.brk
            continue
        out.append(Sent(s.text, s.srcs, s.brk or brk, s.code))
        brk = False
    return out


def insert(sents: list[Sent], strength: str, ctx: Context) -> list[Sent]:
    """Put foreign sentences (other chapters) between the passage's sentences."""
    if len(sents) < 2:
        return sents
    k = max(1, round(INSERT_RATE[strength] * len(sents)))
    gaps = sorted((ctx.rng.randrange(1, len(sents)) for _ in range(k)), reverse=True)
    out = list(sents)
    for gap in gaps:
        out.insert(gap, Sent(foreign_sentence(ctx), (), False))
    return out


def foreign_sentence(ctx: Context) -> str:
    for _ in range(100):
        sentence = ctx.rng.choice(ctx.foreign)
        if ctx.source is None or not ctx.source.shares_text(sentence):
            return sentence
    raise RuntimeError("no foreign sentence unrelated to the source")


def merge_split(sents: list[Sent], strength: str, ctx: Context) -> list[Sent]:
    """Merge adjacent sentences of a paragraph; split other long sentences at a comma."""
    merged, is_merged = [sents[0]], [False]
    for s in sents[1:]:
        if not s.brk and ctx.rng.random() < MERGE_RATE[strength] and (joined := join(merged[-1], s, ctx)):
            merged[-1], is_merged[-1] = joined, True
        else:
            merged.append(s)
            is_merged.append(False)
    out = []
    for s, was_merged in zip(merged, is_merged):
        parts = split(s.text) if not was_merged and ctx.rng.random() < SPLIT_RATE[strength] else None
        if parts:
            out += [Sent(parts[0], s.srcs, s.brk, s.code), Sent(parts[1], s.srcs, False, s.code)]
        else:
            out.append(s)
    return out


def join(first: Sent, second: Sent, ctx: Context) -> Sent | None:
    """``First. Second`` -> ``First, and second`` or ``First; second``."""
    last = first.text.rsplit(" ", 1)[-1][:-1]
    if not first.text.endswith(".") or last.endswith(".") or is_abbreviation(last, ctx.lang) or last in LIST_ENDS:
        return None
    head, _, rest = second.text.partition(" ")
    if head[:1].isupper() and head[1:].islower() and head.lower() in ctx.lower_words:
        head = head.lower()
    link = ctx.rng.choice([f", {CONJUNCTION[ctx.lang]} ", "; "])
    text = first.text[:-1] + link + head + (" " + rest if rest else "")
    return Sent(text, first.srcs + second.srcs, first.brk, first.code | second.code)


def split(text: str) -> tuple[str, str] | None:
    """``A long sentence, cut here.`` -> ``A long sentence. Cut here.``"""
    words = text.split(" ")
    if len(words) < 16:
        return None
    cuts = [
        i
        for i, w in enumerate(words[:-1])
        if w.endswith(",") and i >= 5 and len(words) - i - 1 >= 6 and balanced(" ".join(words[: i + 1]))
    ]
    if not cuts:
        return None
    i = min(cuts, key=lambda c: abs(c - len(words) / 2))
    right = words[i + 1 :]
    if not right[0][:1].isalpha():
        return None
    right[0] = right[0][0].upper() + right[0][1:]
    return " ".join(words[:i] + [words[i][:-1] + "."]), " ".join(right)


def balanced(text: str) -> bool:
    """No bracket or quotation left open: cutting here does not split a parenthesis."""
    quotes = sum(text.count(q) for q in "\"„“”«»")  # German „…“, English “…”, French « … »
    return text.count("(") == text.count(")") and text.count("[") == text.count("]") and quotes % 2 == 0


OBFUSCATE = {
    "synonym": synonym,
    "shuffle": shuffle,
    "reorder": reorder,
    "delete": delete,
    "insert": insert,
    "merge_split": merge_split,
}


def obfuscate(sents: list[Sent], obfuscation: str, strength: str, ctx: Context) -> list[Sent]:
    if obfuscation == "none":
        return sents
    if obfuscation == "mixed":
        steps = MIXED_ORDER
    elif strength == "heavy" and obfuscation not in HEAVY_WORD_STEPS:
        steps = HEAVY_WORD_STEPS + [obfuscation]  # a structural edit, with heavy word-level edits
    else:
        steps = [obfuscation]
    for step in steps:
        if step != "synonym" or ctx.thesaurus:
            sents = OBFUSCATE[step](sents, strength, ctx)
    if strength == "heavy":
        sents = break_long_runs(sents, ctx)
    return sents


def shared_runs(words: list[str], runs: set[tuple[str, ...]], n: int = HEAVY_RUN) -> list[tuple[int, int]]:
    """Maximal stretches ``[start, end)`` of ``words`` whose every ``n`` consecutive words are in ``runs``."""
    found = []
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in runs:
            if found and found[-1][1] == i + n - 1:
                found[-1] = (found[-1][0], i + n)
            else:
                found.append((i, i + n))
    return found


def break_long_runs(sents: list[Sent], ctx: Context) -> list[Sent]:
    """Heavy revision: leave no run of HEAVY_RUN words (lower case, punctuation
    stripped) that the source has too. Each run is broken near its middle, by a
    synonym substitution if one of its words has an acceptable synonym, else by
    swapping two adjacent plain words, else by deleting a word other than its
    first; until no run is left. Foreign sentences are left alone."""
    assert ctx.source is not None
    runs = ctx.source.long_runs
    tokens = [s.text.split(" ") for s in sents]
    for attempt in range(10_000):
        words, where = [], []  # each word, and (sentence, token) it lies in
        for i, sentence in enumerate(tokens):
            for k, token in enumerate(sentence):
                for w in WORD_TOKEN.findall(token.lower()):
                    words.append(w)
                    where.append((i, k))
        found = shared_runs(words, runs)
        if not found:
            break
        start, end = found[0]
        middle = (start + end - 1) / 2
        # the run's tokens, in sentences of the source, nearest the middle first
        distance = {}
        for p in range(start, end):
            i, k = where[p]
            if sents[i].srcs:
                distance[i, k] = min(distance.get((i, k), math.inf), abs(p - middle))
        inner = {where[p] for p in range(start + 1, end)}  # tokens with a word other than the run's first
        order = sorted(distance, key=lambda ik: (distance[ik], ctx.rng.random()))
        # a few hundred rounds without success (a word swapped back and forth): deletions only
        if attempt < 500 and (
            substitute_in_run(tokens, sents, order, ctx) or swap_in_run(tokens, sents, order, distance, ctx)
        ):
            continue
        if not delete_in_run(tokens, sents, [ik for ik in order if ik in inner]):
            raise RuntimeError(f"cannot break a run of {end - start} source words: {' '.join(words[start:end])}")
    else:
        raise RuntimeError("runs of source words left after 10000 edits")
    return [Sent(" ".join(t), s.srcs, s.brk, s.code) for t, s in zip(tokens, sents)]


def substitute_in_run(tokens: list[list[str]], sents: list[Sent], order, ctx: Context) -> bool:
    for i, k in order:
        token = tokens[i][k]
        for m in SUBSTITUTABLE.finditer(token):
            prefix = " ".join(tokens[i][:k] + [token[: m.start()]])
            choices = synonym_choices(m.group(), not prefix.strip("\"'«“¿¡( "), sents[i], ctx)
            if choices:
                tokens[i][k] = token[: m.start()] + ctx.rng.choice(choices) + token[m.end() :]
                return True
    return False


def swap_in_run(tokens: list[list[str]], sents: list[Sent], order, distance, ctx: Context) -> bool:
    def movable(i, k):
        return k > 0 and re.fullmatch(LETTERS, tokens[i][k]) and tokens[i][k].lower() not in sents[i].code

    for i, k in order:
        for j in sorted((k - 1, k + 1), key=lambda j: distance.get((i, j), math.inf)):
            if (i, j) in distance and movable(i, k) and movable(i, j) and tokens[i][k].lower() != tokens[i][j].lower():
                tokens[i][k], tokens[i][j] = tokens[i][j], tokens[i][k]
                return True
    return False


def delete_in_run(tokens: list[list[str]], sents: list[Sent], order) -> bool:
    """Delete a token (not a sentence's first): a plain word if there is one, else
    a word with punctuation after it, which moves to the token before, else any."""
    order = [(i, k) for i, k in order if k > 0]
    tiers = (
        [ik for ik in order if re.fullmatch(LETTERS, tokens[ik[0]][ik[1]])],
        [ik for ik in order if re.fullmatch(LETTERS + r"[,;:.!?]+", tokens[ik[0]][ik[1]])],
        order,
    )
    for tier in tiers:
        if tier:
            i, k = tier[0]
            tail = re.search(r"[,;:.!?]*$", tokens[i][k]).group()
            if tail and re.search(r"\w$", tokens[i][k - 1]):
                tokens[i][k - 1] += tail
            del tokens[i][k]
            return True
    return False


# ---------------------------------------------------------------------------
# Pairs


@dataclass
class Pair:
    a: str
    b: str
    derived: bool
    lang: str
    family: str
    obfuscation: str
    strength: str
    passages: list[dict[str, list[int]]]


class LanguageSet:
    """Documents and pairs of one language."""

    def __init__(self, lang: str, paragraphs: list[Paragraph], thesaurus: Thesaurus, rng: random.Random):
        self.lang = lang
        self.rng = rng
        self.thesaurus = thesaurus
        self.docs: dict[str, str] = {}
        self.pairs: list[Pair] = []
        self.derived: list[tuple[str, Source, str]] = []  # (id, source used, text)
        self.sources: list[Source] = []
        self.filler: dict[str, list[Paragraph]] = collections.defaultdict(list)
        self.frequency = collections.Counter(w for p in paragraphs for w in WORD_TOKEN.findall(p.text.lower()))
        self.lower_words = {
            w for p in paragraphs for s in p.sentences for w in s.split()[1:] if w.isalpha() and w.islower()
        }
        self._partition(paragraphs)
        self.foreign = {
            chapter: [
                s
                for p in paragraphs
                if p.chapter != chapter
                for s in p.sentences
                if 8 <= len(s.split()) <= 35 and s[-1] in ".!?"
            ]
            for chapter in self.filler
        }
        self._counts = collections.Counter()

    def _partition(self, paragraphs: list[Paragraph]) -> None:
        by_chapter = collections.defaultdict(list)
        for p in paragraphs:
            by_chapter[p.chapter].append(p)
        for chapter, paras in by_chapter.items():
            i, is_source = 0, self.rng.random() < 0.5
            while i < len(paras):
                size = self.rng.randint(4, 10)
                block = paras[i : i + size]
                if is_source and len(block) >= 4:
                    self.sources.append(Source(f"{self.lang}-src-{len(self.sources):05d}", chapter, block))
                else:
                    self.filler[chapter] += block
                i += size
                is_source = not is_source
        # a source is useful only if its chapter has own prose for the derived documents
        self.sources = [s for s in self.sources if len(self.filler[s.chapter]) >= 4]

    def _new_id(self, kind: str) -> str:
        self._counts[kind] += 1
        return f"{self.lang}-{kind}-{self._counts[kind] - 1:05d}"

    def _context(self, source: Source) -> Context:
        return Context(
            self.lang, self.rng, self.thesaurus, self.lower_words, self.frequency, self.foreign[source.chapter], source
        )

    def _filler_paragraphs(self, source: Source, count: int) -> list[Paragraph]:
        """``count`` consecutive filler paragraphs of the source's chapter that share nothing with it."""
        pool = self.filler[source.chapter]
        start = self.rng.randrange(len(pool))
        window = [pool[(start + i) % len(pool)] for i in range(min(count, len(pool)))]
        return [p for p in window if not source.shares_text(p.text)]

    # -- positives

    def passage_pair(self, source: Source, obfuscation: str, strength: str) -> bool:
        ctx = self._context(source)
        host = self._filler_paragraphs(source, self.rng.randint(4, 10))
        pieces = [Piece(s, k == 0) for p in host for k, s in enumerate(p.sentences)]
        min_len = 3 if obfuscation in ("reorder", "delete", "mixed") else 2
        taken = self._take_passages(source, self.rng.randint(1, 3), min_len)
        if len(host) < 2 or not taken:
            return False
        spans_b = {}
        for n, (start, end) in enumerate(taken):
            rewritten = obfuscate(source.sents[start:end], obfuscation, strength, ctx)
            spans_b[n] = source.b_span(rewritten)
            whole = source.sents[start].brk and (end == len(source.sents) or source.sents[end].brk)
            self._place(pieces, Piece(render(rewritten), True, n), at_boundary=whole or self.rng.random() < 0.5)
        return self._add_pair(source, pieces, spans_b, "passage", obfuscation, strength)

    def _take_passages(self, source: Source, count: int, min_len: int) -> list[tuple[int, int]]:
        """Up to ``count`` runs of source sentences, apart from each other by at least one sentence."""
        sents, taken = source.sents, []
        starts = [i for i, s in enumerate(sents) if s.brk]
        for _ in range(count * 20):
            if len(taken) == count:
                break
            roll = self.rng.random()
            if roll < 0.3:  # one or two whole paragraphs
                p = self.rng.randrange(len(starts))
                last = min(len(starts), p + (2 if roll < 0.1 else 1))
                start, end = starts[p], starts[last] if last < len(starts) else len(sents)
                if end - start < min_len or end - start > 12:
                    continue
            else:
                length = self.rng.randint(min_len, 8)
                if length > len(sents):
                    continue
                start = self.rng.randrange(len(sents) - length + 1)
                end = start + length
            if all(end < s0 or start > e0 for s0, e0 in taken):
                taken.append((start, end))
        return sorted(taken)

    def _place(self, pieces: list[Piece], passage: Piece, at_boundary: bool) -> None:
        inline = [i for i, p in enumerate(pieces) if not p.brk and p.passage is None]
        if at_boundary or not inline:
            slots = [i for i, p in enumerate(pieces) if p.brk] + [len(pieces)]
            pieces.insert(self.rng.choice(slots), passage)
        else:
            passage.brk = False
            pieces.insert(self.rng.choice(inline), passage)

    def rewrite_pair(self, source: Source, obfuscation: str, strength: str) -> bool:
        ctx = self._context(source)
        own = [s for p in self._filler_paragraphs(source, 3) for s in p.sentences if 8 <= len(s.split()) <= 35]
        own = self.rng.sample(own, min(len(own), self.rng.randint(1, 3)))
        # own sentences go before source sentences (an index past the end: at the end)
        own_at = collections.defaultdict(list)
        for sentence in own:
            own_at[self.rng.randint(0, len(source.sents))].append(sentence)
        kept = [self.rng.random() >= REWRITE_DROP_RATE for _ in source.sents]
        pieces, spans_b, stretch, brk = [], {}, [], True

        def close_stretch():
            nonlocal stretch
            if stretch:
                rewritten = obfuscate(stretch, obfuscation, strength, ctx)
                spans_b[len(spans_b)] = source.b_span(rewritten)
                pieces.append(Piece(render(rewritten), stretch[0].brk, len(spans_b) - 1))
                stretch = []

        for i in range(len(source.sents) + 1):
            sent = source.sents[i] if i < len(source.sents) else None
            brk = brk or (sent is not None and sent.brk)
            for sentence in own_at.get(i, []):
                close_stretch()
                pieces.append(Piece(sentence, brk))
                brk = False
            if sent is None:
                break
            if not kept[i]:
                close_stretch()
                continue
            if not stretch:
                stretch = [Sent(sent.text, sent.srcs, brk, sent.code)]
            else:
                stretch.append(Sent(sent.text, sent.srcs, sent.brk, sent.code))
            brk = False
        close_stretch()
        if not spans_b:
            return False
        return self._add_pair(source, pieces, spans_b, "rewrite", obfuscation, strength)

    def _add_pair(self, source, pieces, spans_b, family, obfuscation, strength) -> bool:
        text, spans_a = assemble(pieces)
        passages = [{"a": list(spans_a[n]), "b": list(spans_b[n])} for n in sorted(spans_a)]
        passages.sort(key=lambda p: p["a"])
        if any(ngrams(o) & source.signature.ngrams for o in outside_passages(text, passages)):
            return False  # own sentences that happen to join into a run of the source's words
        if strength == "heavy" and ngrams(text, HEAVY_RUN) & source.long_runs:
            return False  # adjacent passages whose words join into a run of the source's
        doc_id = self._new_id("drv")
        self.docs[doc_id] = text
        self.docs[source.id] = source.text
        self.derived.append((doc_id, source, text))
        self.pairs.append(Pair(doc_id, source.id, True, self.lang, family, obfuscation, strength, passages))
        return True

    # -- negatives

    def same_chapter_pair(self, source: Source) -> bool:
        doc = "\n\n".join(p.text for p in self._filler_paragraphs(source, self.rng.randint(4, 10)))
        if doc.count("\n\n") < 1 or source.shares_text(doc):
            return False  # too short, or paragraphs that join into a run of the source's words
        doc_id = self._new_id("oth")
        self.docs[doc_id] = doc
        self.docs[source.id] = source.text
        self.pairs.append(Pair(doc_id, source.id, False, self.lang, "negative", "same_chapter", "-", []))
        return True

    def other_source_pair(self, doc_id: str, used: Source, text: str) -> bool:
        others = [s for s in self.sources if s.chapter == used.chapter and s is not used and not s.shares_text(text)]
        if not others:
            return False
        source = self.rng.choice(others)
        self.docs[source.id] = source.text
        self.pairs.append(Pair(doc_id, source.id, False, self.lang, "negative", "other_source", "-", []))
        return True

    # -- schedule

    def generate(self, positives: int, negatives: int, strengths: list[str]) -> None:
        """Positives round-robin over family x obfuscation x strength; then the negatives."""
        obfuscations = [o for o in OBFUSCATIONS if o != "synonym" or self.thesaurus]
        cells = [(f, o, s) for o in obfuscations for s in (["none"] if o == "none" else strengths) for f in FAMILIES]
        turn = self.rng.randrange(len(cells))  # so that each language's remainder falls on other cells
        cells = cells[turn:] + cells[:turn]
        sources = self.rng.sample(self.sources, len(self.sources))
        if not sources:
            raise SystemExit(f"reuse_data: no usable source in language {self.lang}")
        made = tries = 0
        while made < positives:
            if tries > positives * 10:
                raise SystemExit(f"reuse_data: {self.lang}: only {made} positives could be made")
            family, obfuscation, strength = cells[made % len(cells)]
            source = sources[tries % len(sources)]
            tries += 1
            make = self.passage_pair if family == "passage" else self.rewrite_pair
            made += make(source, obfuscation, strength)
        made = 0
        for doc_id, used, text in self.rng.sample(self.derived, len(self.derived)):
            if made == negatives // 2:
                break
            made += self.other_source_pair(doc_id, used, text)
        tries = 0
        while made < negatives and tries < negatives * 10:
            made += self.same_chapter_pair(sources[tries % len(sources)])
            tries += 1
        if made < negatives:
            raise SystemExit(f"reuse_data: {self.lang}: only {made} negatives could be made")


# ---------------------------------------------------------------------------
# Checks, output


def outside_passages(text: str, passages: list[dict[str, list[int]]]) -> list[str]:
    """The stretches of ``text`` outside the passages' ``a`` spans."""
    data, outside, offset = text.encode("utf-8"), [], 0
    for start, end in sorted(p["a"] for p in passages):
        outside.append(data[offset:start].decode("utf-8"))
        offset = end
    outside.append(data[offset:].decode("utf-8"))
    return outside


def check(docs: dict[str, str], pairs: list[Pair]) -> None:
    """The truth is what it claims: spans on character boundaries, verbatim copies
    byte-identical, heavy rewrites without a run of HEAVY_RUN source words,
    nothing shared outside the passages, negatives share nothing."""
    for pair in pairs:
        a, b = docs[pair.a].encode("utf-8"), docs[pair.b].encode("utf-8")
        where = f"pair {pair.a} {pair.b}"
        for side, data in (("a", a), ("b", b)):
            spans = sorted(p[side] for p in pair.passages)
            for (start, end), following in zip(spans, spans[1:] + [[len(data), len(data)]]):
                assert 0 <= start < end <= following[0] <= len(data), f"{where}: {side} span {start}..{end} misplaced"
                data[:start].decode("utf-8"), data[start:end].decode("utf-8")  # raises off a boundary
        if pair.obfuscation == "none":
            for p in pair.passages:
                assert a[slice(*p["a"])] == b[slice(*p["b"])], f"{where}: verbatim passage differs"
        if pair.strength == "heavy":
            b_runs = ngrams(docs[pair.b], HEAVY_RUN)
            for p in pair.passages:
                shared = ngrams(a[slice(*p["a"])].decode("utf-8"), HEAVY_RUN) & b_runs
                assert not shared, f"{where}: heavy passage keeps {HEAVY_RUN} source words: {' '.join(min(shared))}"
            shared = ngrams(docs[pair.a], HEAVY_RUN) & b_runs  # across passages
            assert not shared, f"{where}: heavy rewrite keeps {HEAVY_RUN} source words: {' '.join(min(shared))}"
        if pair.derived:
            assert pair.passages, f"{where}: derived without passages"
            b_ngrams = ngrams(docs[pair.b])
            outside = outside_passages(docs[pair.a], pair.passages)
            assert not any(ngrams(o) & b_ngrams for o in outside), f"{where}: source text outside the passages"
        else:
            assert not Signature(docs[pair.a]).shares(Signature(docs[pair.b])), f"{where}: negative shares text"


def summarise(docs: dict[str, str], pairs: list[Pair], langs: list[str], strengths: list[str]) -> None:
    kinds = collections.Counter((d.split("-")[0], d.split("-")[1]) for d in docs)
    print(f"{len(docs)} documents, {len(pairs)} pairs")
    for lang in langs:
        n = collections.Counter(p.derived for p in pairs if p.lang == lang)
        print(
            f"  {lang}: {kinds[lang, 'src']} sources, {kinds[lang, 'drv']} derived, {kinds[lang, 'oth']} others;"
            f" {n[True]} positive pairs, {n[False]} negative"
        )
    cells = collections.Counter((p.family, p.obfuscation, p.strength) for p in pairs)
    print("positive pairs by obfuscation and strength (all languages), passage / rewrite:")
    print(f"  {'':13}" + "".join(f"{s:>14}" for s in ["none"] + strengths))
    for o in OBFUSCATIONS:
        counts = [
            f"{cells['passage', o, s]} / {cells['rewrite', o, s]}" if (o == "none") == (s == "none") else "-"
            for s in ["none"] + strengths
        ]
        print(f"  {o:13}" + "".join(f"{c:>14}" for c in counts))
    print("negative pairs: " + ", ".join(f"{n} {o}" for (f, o, _), n in sorted(cells.items()) if f == "negative"))


def write(out: str, docs: dict[str, str], pairs: list[Pair], langs: dict[str, str]) -> None:
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "docs.jsonl"), "w", encoding="utf-8") as f:
        for doc_id in sorted(docs):
            f.write(json.dumps({"id": doc_id, "text": docs[doc_id], "lang": langs[doc_id]}, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "pairs.jsonl"), "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p.__dict__, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--langs", default="en,de,fr,es,id", help=f"comma-separated, of {', '.join(HANDBOOK_LANGS)}")
    ap.add_argument("--pairs-per-lang", type=int, default=200, help="positive pairs per language; as many negatives")
    ap.add_argument(
        "--strengths",
        default=",".join(STRENGTHS),
        help=f"comma-separated, of {', '.join(STRENGTHS)}; the positives are spread over these"
        " (low,medium,high gives the mix of the versions before heavy)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--handbook-dir", default=HANDBOOK_DIR)
    ap.add_argument("--mythes-dir", default=MYTHES_DIR)
    args = ap.parse_args()
    langs = [lang.strip() for lang in args.langs.split(",") if lang.strip()]
    for lang in langs:
        if lang not in HANDBOOK_LANGS:
            ap.error(f"unknown language {lang!r}; choose among {', '.join(HANDBOOK_LANGS)}")
    strengths = [s.strip() for s in args.strengths.split(",") if s.strip()]
    for strength in strengths:
        if strength not in STRENGTHS:
            ap.error(f"unknown strength {strength!r}; choose among {', '.join(STRENGTHS)}")
    if not strengths or len(set(strengths)) != len(strengths):
        ap.error("--strengths: give each strength at most once, and at least one")
    strengths = [s for s in STRENGTHS if s in strengths]  # the canonical order, so the mix does not depend on it

    for lang in langs:  # all inputs first, rather than failing after minutes of work
        require(os.path.join(args.handbook_dir, HANDBOOK_LANGS[lang]), "debian-handbook")
        if lang in THESAURI:
            require(os.path.join(args.mythes_dir, THESAURI[lang][0]), THESAURI[lang][1])

    docs, pairs, doc_lang = {}, [], {}
    for lang in langs:
        paragraphs = load_paragraphs(lang, args.handbook_dir)
        thesaurus = {}
        if lang in THESAURI:
            vocabulary = {w for p in paragraphs for w in WORD_TOKEN.findall(p.text.lower())}
            if lang == "en":
                vocabulary |= {w[:-1] for w in vocabulary if w.endswith("s")}
            thesaurus = load_thesaurus(lang, args.mythes_dir, vocabulary)
        rng = random.Random(f"{args.seed}:{lang}")
        data = LanguageSet(lang, paragraphs, thesaurus, rng)
        data.generate(args.pairs_per_lang, args.pairs_per_lang, strengths)
        docs.update(data.docs)
        doc_lang.update({d: lang for d in data.docs})
        pairs += data.pairs
    check(docs, pairs)
    write(args.out, docs, pairs, doc_lang)
    summarise(docs, pairs, langs, strengths)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # the summary piped into head: the files are written
        sys.stderr.close()
