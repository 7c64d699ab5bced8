"""doublet: find duplicated and reused text in document collections."""

import os
from typing import Any, Iterable, Literal, Sequence

import pyarrow as pa

__version__: str

DOCUMENTS_SCHEMA: pa.Schema
CLUSTERS_SCHEMA: pa.Schema
PAIRS_SCHEMA: pa.Schema
REMOVED_SCHEMA: pa.Schema

Path = str | os.PathLike[str]

class InputError(Exception):
    """An input could not be read: the message names the file and line, or the row."""

class Report:
    """The findings of :func:`scan`, the ``doublet.report/1`` document (docs/report.md)."""

    @property
    def stats(self) -> dict[str, Any]:
        """Totals: documents, kept, removed, clusters, exact, near_duplicate, contained, ..."""
    @property
    def config(self) -> dict[str, Any]:
        """Every setting that changed the results."""
    @property
    def documents(self) -> pa.Table:
        """One row per input document, in input order (``DOCUMENTS_SCHEMA``)."""
    @property
    def clusters(self) -> pa.Table:
        """Every cluster, singletons included, ordered by id (``CLUSTERS_SCHEMA``)."""
    @property
    def pairs(self) -> pa.Table:
        """Every verified related pair, ordered by ``a`` then ``b`` (``PAIRS_SCHEMA``)."""
    @property
    def reuse(self) -> list[dict[str, Any]]:
        """Passages held word for word by three or more kept documents."""
    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Input records left out (always empty here)."""
    def to_json(self) -> str:
        """The document ``doublet scan --json`` prints for the same input and settings."""
    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python objects."""


def scan(
    data: Path | Sequence[Path] | Any,
    *,
    threshold: float | None = ...,
    containment: float | None = ...,
    ngram: int | None = ...,
    num_perm: int | None = ...,
    seed: int | None = ...,
    keep: Literal["most-complete", "first"] | None = ...,
    clean: bool | Literal["auto", "web", "plain", "off"] | None = ...,
    paragraphs: Literal["auto", "lines", "blank"] | None = ...,
    min_passage: int | None = ...,
    min_words: int | None = ...,
    dedup_paragraphs: bool | None = ...,
    threads: int | None = ...,
    id_column: str | None = ...,
    text_column: str | None = ...,
    site_column: str | None = ...,
) -> Report:
    """Find the duplicates in ``data``: a path or list of paths (folders, ``.txt``,
    JSON Lines plain/gz/zst, Parquet) or an Arrow tabular object (pyarrow Table,
    RecordBatch or RecordBatchReader, polars DataFrame). A table without the
    id column gets its row numbers as ids. Raises ``TypeError`` for an
    unknown setting, ``ValueError`` for a bad value, :class:`InputError` for
    an unreadable input (naming file and line, or row)."""

def dedup(
    data: Path | Sequence[Path] | Any,
    *,
    clean_output: bool = ...,
    threshold: float | None = ...,
    containment: float | None = ...,
    ngram: int | None = ...,
    num_perm: int | None = ...,
    seed: int | None = ...,
    keep: Literal["most-complete", "first"] | None = ...,
    clean: bool | Literal["auto", "web", "plain", "off"] | None = ...,
    paragraphs: Literal["auto", "lines", "blank"] | None = ...,
    min_passage: int | None = ...,
    min_words: int | None = ...,
    dedup_paragraphs: bool | None = ...,
    threads: int | None = ...,
    id_column: str | None = ...,
    text_column: str | None = ...,
    site_column: str | None = ...,
    annotate: bool = ...,
) -> tuple[pa.Table, pa.Table]:
    """``(kept, removed)``: kept rows (every input column, text cleaned unless
    ``clean_output=False``; with ``annotate=True`` also ``cluster`` and
    ``cluster_size``) and removed documents' ``id``, ``duplicate_of``,
    ``relation``, ``jaccard``, ``containment``, ``cluster``."""

def compare(
    a: str,
    b: str,
    *,
    threshold: float | None = ...,
    containment: float | None = ...,
    ngram: int | None = ...,
    num_perm: int | None = ...,
    seed: int | None = ...,
    keep: Literal["most-complete", "first"] | None = ...,
    clean: bool | Literal["auto", "web", "plain", "off"] | None = ...,
    paragraphs: Literal["auto", "lines", "blank"] | None = ...,
    min_passage: int | None = ...,
    min_words: int | None = ...,
    dedup_paragraphs: bool | None = ...,
    threads: int | None = ...,
) -> dict[str, Any]:
    """The ``doublet compare --json`` object of two texts (ids ``"a"`` and ``"b"``)."""

def sketch(
    texts: Iterable[str | None] | Any,
    *,
    ngram: int | None = ...,
    num_perm: int | None = ...,
    seed: int | None = ...,
    min_passage: int | None = ...,
    threshold: float | None = ...,
    containment: float | None = ...,
    clean: bool | Literal["auto", "web", "plain", "off"] | None = ...,
    paragraphs: Literal["auto", "lines", "blank"] | None = ...,
    threads: int | None = ...,
) -> pa.RecordBatch:
    """One row per text: ``words``, ``exact``, ``signature``, ``anchors``,
    ``fingerprint_hashes``, ``fingerprint_positions``, ``sketch`` (the
    engine's ``DocSketch`` and its binary form). Each text is cleaned as one
    document, as :func:`scan` cleans it, unless ``clean=False``."""
