"""doublet: find duplicated and reused text in document collections.

The engine is Rust (the ``doublet`` command's); this package hands it
documents from files or Arrow tables and returns its findings as pyarrow
tables. Settings are keyword arguments named as the command line's flags
(``threshold``, ``containment``, ``ngram``, ``num_perm``, ``seed``, ``keep``,
``clean``, ``paragraphs``, ``min_passage``, ``min_words``, ``dedup_paragraphs``, ``threads``,
``id_column``, ``text_column``); an unknown one raises ``TypeError``, a bad
value ``ValueError`` with the command line's message, and an unreadable input
:class:`InputError` naming the file and line, or the row.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import tempfile
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import _doublet
from ._doublet import InputError

__all__ = ["InputError", "Report", "compare", "dedup", "scan", "sketch", "__version__"]

__version__: str = _doublet.version()[0]

_SPAN = pa.struct([("start", pa.int64()), ("end", pa.int64())])

# One struct for every kind of marked span: the fields of its kind are set,
# the others null (docs/report.md, `documents[]`).
_MARKED = pa.struct(
    [
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("reason", pa.string()),
        ("first", _SPAN),
        ("class", pa.string()),
        ("words", pa.int64()),
        ("stopword_density", pa.float64()),
        ("documents", pa.int64()),
        ("form", pa.string()),
        ("edge_share", pa.float64()),
        ("within_site", pa.bool_()),
        ("of", pa.string()),
    ]
)

DOCUMENTS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("cluster", pa.int64()),
        ("kept", pa.bool_()),
        ("duplicate_of", pa.string()),
        ("relation", pa.string()),
        ("jaccard", pa.float64()),
        ("containment", pa.float64()),
        ("repeated", pa.list_(_MARKED)),
        ("boilerplate", pa.list_(_MARKED)),
        ("duplicate_paragraphs", pa.list_(_MARKED)),
        (
            "cleaned",
            pa.struct(
                [
                    ("repeated", pa.int64()),
                    ("classifier", pa.int64()),
                    ("corpus", pa.int64()),
                    ("duplicate_paragraph", pa.int64()),
                ]
            ),
        ),
        ("too_little_content", pa.bool_()),
        ("bytes", pa.int64()),
        ("words", pa.int64()),
        ("content_words", pa.int64()),
        ("language", pa.string()),
    ]
)

CLUSTERS_SCHEMA = pa.schema(
    [("id", pa.int64()), ("kept", pa.string()), ("members", pa.list_(pa.string()))]
)

_PASSAGE = pa.struct(
    [("a", _SPAN), ("b", _SPAN), ("tokens", pa.int64()), ("text", pa.string())]
)

PAIRS_SCHEMA = pa.schema(
    [
        ("a", pa.string()),
        ("b", pa.string()),
        ("relation", pa.string()),
        ("jaccard", pa.float64()),
        ("a_in_b", pa.float64()),
        ("b_in_a", pa.float64()),
        ("passages", pa.list_(_PASSAGE)),
    ]
)

REMOVED_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("duplicate_of", pa.string()),
        ("relation", pa.string()),
        ("jaccard", pa.float64()),
        ("containment", pa.float64()),
        ("cluster", pa.int64()),
    ]
)


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


class Report:
    """The findings of :func:`scan`: the ``doublet.report/1`` document
    (docs/report.md) as pyarrow tables.

    ``documents`` (one row per input document, in input order), ``clusters``
    and ``pairs`` are pyarrow Tables with the report's field names; ``stats``
    and ``config`` are dicts; ``reuse`` and ``skipped`` lists of dicts;
    :meth:`to_json` is the document ``doublet scan --json`` prints.
    """

    def __init__(self, json_text: str) -> None:
        self._json = json_text

    @functools.cached_property
    def _data(self) -> dict[str, Any]:
        # Parsed on first use: at 100k documents the report is hundreds of
        # megabytes, and a caller that only writes to_json() never needs it.
        return json.loads(self._json)

    @property
    def stats(self) -> dict[str, Any]:
        """Totals: documents, kept, removed, clusters, exact, near_duplicate, ..."""
        return self._data["stats"]

    @property
    def config(self) -> dict[str, Any]:
        """Every setting that changed the results."""
        return self._data["config"]

    @property
    def documents(self) -> pa.Table:
        """One row per input document, in input order."""
        return _table(self._data["documents"], DOCUMENTS_SCHEMA)

    @property
    def clusters(self) -> pa.Table:
        """Every cluster (singletons included), ordered by id."""
        return _table(self._data["clusters"], CLUSTERS_SCHEMA)

    @property
    def pairs(self) -> pa.Table:
        """Every verified related pair, ordered by ``a``, then ``b``."""
        return _table(self._data["pairs"], PAIRS_SCHEMA)

    @property
    def reuse(self) -> list[dict[str, Any]]:
        """Passages held word for word by three or more kept documents."""
        return self._data["reuse"]

    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Input records left out (always empty here)."""
        return self._data["skipped"]

    def to_json(self) -> str:
        """The ``doublet.report/1`` document, as ``doublet scan --json`` prints it."""
        return self._json

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python objects (parsed :meth:`to_json`)."""
        return json.loads(self._json)

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"<doublet.Report: {s['documents']} documents, {s['kept']} kept, "
            f"{s['removed']} removed, {s['related_pairs']} related pairs>"
        )


def _is_path(data: Any) -> bool:
    return isinstance(data, (str, os.PathLike))


def _paths(data: Any) -> list[str] | None:
    """The paths `data` names, or None when it is not a path or a list of them."""
    if _is_path(data):
        return [os.fsdecode(data)]
    if isinstance(data, (list, tuple)) and data and all(_is_path(p) for p in data):
        return [os.fsdecode(p) for p in data]
    return None


def _arrow(data: Any) -> Any:
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data
    raise TypeError(
        "data must be a path, a list of paths, or an Arrow table "
        "(pyarrow Table, RecordBatch or RecordBatchReader, polars DataFrame, ...), "
        f"not {type(data).__name__}"
    )


def scan(data: Any, **settings: Any) -> Report:
    """Find the duplicates in ``data`` and explain every decision.

    ``data`` is a path (``str`` or ``os.PathLike``) or a list of paths --
    anything the ``doublet`` command reads: folders of ``.txt`` files, JSON
    Lines and Parquet shards, ``.txt`` files, JSON Lines (``.jsonl``,
    ``.json``, ``.ndjson``, plain, ``.gz`` or ``.zst``), Parquet files -- or
    any Arrow tabular object
    (pyarrow Table, RecordBatch or RecordBatchReader, a polars DataFrame,
    anything with ``__arrow_c_stream__``). In a table the text is the
    ``text_column`` (default ``"text"``; string, large string or string
    view) and the id the ``id_column`` (default ``"id"``; strings, or
    numbers written as strings). A table without the id column gets the row
    numbers (``"0"``, ``"1"``, ...) as ids. A ``url`` column, like the
    ``url`` field of JSON Lines, names each document's site (its host) for
    corpus-wide cleaning; ``site_column`` names another column (or field,
    for files) whose values are the sites, as ``--site-field`` does.

    Settings (keyword arguments, the command line's names): ``threshold``,
    ``containment``, ``ngram``, ``num_perm``, ``seed``, ``keep``
    (``"most-complete"`` or ``"first"``), ``clean`` (bool, or ``"auto"``, ``"web"``,
    ``"plain"`` or ``"off"`` as ``--clean``), ``paragraphs`` (``"auto"``, ``"lines"``
    or ``"blank"``), ``min_passage``,
    ``min_words``, ``dedup_paragraphs``, ``threads``, ``id_column``,
    ``text_column``, ``site_column``.

    The GIL is released while the engine works.

    Raises ``TypeError`` for an unknown setting, ``ValueError`` for a bad
    value, :class:`InputError` for an input that cannot be read.
    """
    paths = _paths(data)
    if paths is not None:
        return Report(_doublet.scan_paths(paths, **settings))
    return Report(_doublet.scan_arrow(_arrow(data), **settings))


def _removed(report: dict[str, Any]) -> pa.Table:
    rows = [
        {k: d[k] for k in REMOVED_SCHEMA.names}
        for d in report["documents"]
        if not d["kept"]
    ]
    return _table(rows, REMOVED_SCHEMA)


def dedup(data: Any, **settings: Any) -> tuple[pa.Table, pa.Table]:
    """The clean corpus: ``(kept, removed)`` pyarrow Tables, as ``doublet dedup``.

    ``data`` and settings as for :func:`scan`, plus ``clean_output`` (default
    True): False writes kept documents' original text instead of their
    cleaned text (``clean=False`` also keeps the original, since nothing is
    cleaned); and ``annotate`` (default False): True adds ``cluster`` and
    ``cluster_size`` (uint64; 1 for a document without duplicates) to the
    kept rows, as ``doublet dedup --annotate`` does, refusing an input that
    already has either column. Shared passages are looked for only when ``min_passage`` is
    given, as in ``doublet dedup``.

    ``kept`` holds the kept rows in input order: for an Arrow input every
    input column, the text column holding the output text; for files what
    ``doublet dedup -o kept.parquet`` writes: Parquet inputs' rows with
    every column and its type, JSON Lines records with every field (the
    schema inferred over all of them). ``removed`` holds the removed
    documents' ``id``, ``duplicate_of``, ``relation``, ``jaccard``,
    ``containment`` and ``cluster``.
    """
    paths = _paths(data)
    text_col = settings.get("text_column") or "text"
    if paths is not None:
        # The kept rows go through the command line's Parquet writer, so
        # they are what `doublet dedup -o kept.parquet` writes.
        with tempfile.TemporaryDirectory(prefix="doublet-") as tmp:
            kept_path = os.path.join(tmp, "kept.parquet")
            report_json = _doublet.dedup_paths(paths, kept_path, **settings)
            kept = pq.read_table(kept_path)
        return kept, _removed(json.loads(report_json))
    data = _arrow(data)
    table = data if isinstance(data, pa.Table) else pa.table(data)
    annotate = bool(settings.get("annotate"))
    for name in ("cluster", "cluster_size") if annotate else ():
        if name in table.column_names:
            raise InputError(
                f"the input already has a field `{name}`, which doublet adds here; rename it first"
            )
    report_json, rows, texts = _doublet.dedup_arrow(table, **settings)
    texts = texts.column(0)
    kept = table.take(pa.array(rows, pa.uint64()))
    i = kept.schema.get_field_index(text_col)
    kept = kept.set_column(i, kept.schema.field(i), texts.cast(kept.schema.field(i).type))
    report = json.loads(report_json)
    if annotate:
        docs = report["documents"]
        sizes = collections.Counter(d["cluster"] for d in docs)
        clusters = [d["cluster"] for d in docs if d["kept"]]
        kept = kept.append_column(pa.field("cluster", pa.uint64()), pa.array(clusters, pa.uint64()))
        kept = kept.append_column(
            pa.field("cluster_size", pa.uint64()), pa.array([sizes[c] for c in clusters], pa.uint64())
        )
    return kept, _removed(report)


def compare(a: str, b: str, **settings: Any) -> dict[str, Any]:
    """Compare two texts (ids ``"a"`` and ``"b"``): the ``doublet compare --json``
    object, ``{a, b, relation, jaccard, a_in_b, b_in_a, a_shared, b_shared,
    passages}`` (``a_shared``/``b_shared``: the share of each text's content
    words inside the passages), where
    ``relation`` is ``"exact"``, ``"near_duplicate"``, ``"contained"``,
    ``"shared_passages"`` or ``"unrelated"`` and each passage carries its
    byte spans and its text as it stands in ``a``. Settings as for :func:`scan`.
    """
    if not isinstance(a, str) or not isinstance(b, str):
        raise TypeError("compare() takes two texts (str)")
    return json.loads(_doublet.compare(a, b, **settings))


def sketch(texts: Any, **settings: Any) -> pa.RecordBatch:
    """The engine's sketch (``doublet::DocSketch``) of each text, one row each,
    for engines that distribute the work themselves.

    ``texts`` is a list of ``str`` (``None`` gives a null row) or an Arrow
    string array (pyarrow Array or ChunkedArray such as a table column, a
    polars Series), read in place. Columns: ``words`` (uint32, words
    signed), ``exact`` (16-byte exact key, null for a text without words),
    ``signature`` (list<uint32>, the MinHash signature; null without words),
    ``anchors`` (list<uint64>, containment anchors), ``fingerprint_hashes``
    (list<uint64>) and ``fingerprint_positions`` (list<uint32>, the winnowed
    passage fingerprints, empty when ``min_passage=0``), and ``sketch``
    (binary, ``DocSketch::to_bytes``, versioned).

    Each text is cleaned as one document (repeated paragraphs, boilerplate;
    ``clean=False`` signs it whole) and signed on what is left: the sketch
    :func:`scan` makes of it when corpus-wide cleaning finds nothing in it
    (``doublet::sign_document``). Settings as for :func:`scan`; ``threshold`` and ``containment`` do not
    change sketches, ``ngram``, ``num_perm``, ``seed`` and ``min_passage`` do.
    """
    if isinstance(texts, str):
        raise TypeError("sketch() takes a list of texts, not one str")
    if isinstance(texts, (list, tuple)):
        return _doublet.sketch_list(list(texts), **settings)
    if hasattr(texts, "__arrow_c_stream__") or hasattr(texts, "__arrow_c_array__"):
        return _doublet.sketch_arrow(texts, **settings)
    return _doublet.sketch_list(list(texts), **settings)
