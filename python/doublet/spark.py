"""doublet on Spark: the decisions of ``doublet scan``, computed on a cluster.

Executors run doublet's Rust code on Arrow batches (``mapInArrow``) for
everything done per document (analysis, cleaning, signing), per recurring
block, per candidate pair or per connected group of related pairs; Spark
does the shuffles between them. Nothing is collected on the driver: every
corpus-wide stage is a join or an aggregate.

1. **Corpus-wide cleaning.** Each document's block keys are counted; a
   block held by ``corpus_min_docs`` documents recurs when that many of its
   holders, visited by id, are mutually unrelated. doublet's visit is
   greedy (a holder becomes a leader when it is unrelated to every earlier
   leader), and it is distributed as rounds: the next leader of a block is
   the smallest id among its holders still unrelated to every leader, and
   each round drops the holders related to the new leader. At most
   ``corpus_min_docs`` rounds, each a join and a ``min``. The same rounds run
   per (block, site). Holders then vote on where the block sits, and the
   votes' counts decide furniture.
2. **Signing** on each document's final content.
3. **Candidates.** Exact copies collapse to their best copy (``min`` of
   (fewer words, id) per exact key). LSH band buckets pair their members
   (a bucket of more than ``max_bucket`` members pairs each member with the
   next eight in exact-key order, as doublet does). Anchors are counted; each
   document's prefix anchors (rarest first, as doublet's prefix filter
   takes them) propose partners holding them, and the pair is kept when
   the shared anchors could reach the containment threshold.
4. **Verification** joins each candidate pair to both documents' content
   tokens and measures Jaccard and both containments on shingle sets.
5. **Grouping.** doublet's decision for a document depends only on the
   documents it is related to, so each connected component of related
   pairs (found by iterated minimum-label propagation) is decided on its
   own, by the same code as ``doublet scan``; exact copies follow their
   best copy.

Ids are the caller's column; no step depends on partitioning, partition
order or ``monotonically_increasing_id``.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from . import InputError, _doublet

__all__ = ["scan", "dedup"]

_DECISIONS = (
    "id string, cluster bigint, kept boolean, duplicate_of string, relation string, "
    "jaccard double, containment double"
)


def _functions() -> Any:
    from pyspark.sql import functions

    return functions


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    column = batch.column(batch.schema.get_field_index(name))
    return column


def _docs(df: Any, id_column: str, text_column: str, site_column: str | None) -> Any:
    """The input as (id, text, site), checked: every id and text present,
    ids distinct."""
    F = _functions()
    names = df.columns
    for what, name in (("id_column", id_column), ("text_column", text_column), ("site_column", site_column)):
        if name is not None and name not in names:
            raise InputError(f"no column `{name}` ({what}); the columns are: {', '.join(names)}")
    text_type = df.schema[text_column].dataType.simpleString()
    if text_type != "string":
        raise InputError(f"column `{text_column}` holds {text_type}, not text")
    from_url = site_column is None and "url" in names and df.schema["url"].dataType.simpleString() == "string"
    if site_column:
        site = F.col(site_column).cast("string")
    elif from_url:
        site = F.col("url")
    else:
        site = F.lit(None).cast("string")
    docs = df.select(
        F.col(id_column).cast("string").alias("id"),
        F.col(text_column).alias("text"),
        site.alias("site"),
    )
    if from_url:
        # As `doublet scan` does without --site-field: the url's host.
        def hosts(b: pa.RecordBatch) -> pa.RecordBatch:
            site = _doublet.spark_hosts(_column(b, "site")).column(0)
            return pa.RecordBatch.from_arrays([_column(b, "id"), _column(b, "text"), site], names=["id", "text", "site"])

        docs = _map(docs, "id string, text string, site string", hosts)
    # Read once: the check below and every later stage read this.
    _describe(df, "read")
    docs = _checkpoint(docs)
    problems = (
        docs.groupBy("id")
        .agg(F.count(F.lit(1)).alias("n"), F.count("text").alias("texts"))
        .where("id IS NULL OR n > 1 OR texts < n")
        .orderBy("id")
        .limit(1)
        .collect()
    )
    if problems:
        row = problems[0]
        if row["id"] is None:
            raise InputError(f"a row has no id (column `{id_column}` is null)")
        if row["n"] > 1:
            raise InputError(f"id {row['id']!r} is used by {row['n']} rows; ids must be distinct")
        raise InputError(f"document {row['id']!r} has no text (column `{text_column}` is null)")
    return docs


def _map(df: Any, schema: str, f: Any) -> Any:
    """``mapInArrow`` with ``f(batch) -> RecordBatch``."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            if b.num_rows:
                yield f(b)

    return df.mapInArrow(run, schema)


def _with(batch: pa.RecordBatch, keep: list[str], out: pa.RecordBatch) -> pa.RecordBatch:
    arrays = [_column(batch, k) for k in keep] + list(out.columns)
    return pa.RecordBatch.from_arrays(arrays, names=keep + out.schema.names)


def _describe(df: Any, stage: str) -> None:
    """Name the Spark jobs that follow (the UI's job descriptions), by
    doublet stage."""
    df.sparkSession.sparkContext.setJobDescription(f"doublet: {stage}")


def _checkpoint(df: Any) -> Any:
    """Materialise ``df`` on the executors and cut its lineage (for the
    iterated stages)."""
    return df.localCheckpoint(eager=True)


#: Holders of a block visited in one pass before any round: most blocks
#: find their leaders among their first few holders by id.
_PREFIX = 32


def _leaders(members: Any, gists: Any, group: list[str], min_docs: int, config: str) -> Any:
    """The groups (rows of ``group``) whose members, visited by id, hold
    ``min_docs`` mutually unrelated documents: doublet's greedy visit.

    ``members``: group columns and id; ``gists``: id, gist, gist_words.
    The first ``_PREFIX`` members of every group (by id; a partial top-k,
    so a hot block costs no more) are visited in one pass; a group that
    neither found its leaders there nor ran out of members goes on in
    rounds: the next leader is the smallest id among the members still
    unrelated to every leader, and each round drops the members related
    to the new one."""
    F = _functions()
    from pyspark.sql import Window

    sites = "site" in group
    sizes = members.groupBy(*group).agg(F.count(F.lit(1)).alias("n"))
    ranked = members.withColumn("rank", F.row_number().over(Window.partitionBy(*group).orderBy("id")))
    prefix = ranked.where(F.col("rank") <= _PREFIX).join(gists, "id")
    ordered = prefix.repartition(*group).sortWithinPartitions(*group, "id")

    def visit(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        def summary(rows: pa.RecordBatch) -> pa.RecordBatch:
            site = _column(rows, "site") if sites else pa.nulls(rows.num_rows, pa.string())
            key = _column(rows, "key")
            out = _doublet.spark_greedy(
                key, site, _column(rows, "id"), _column(rows, "gist"), _column(rows, "gist_words"), config
            )
            first = _column(out, "first")
            names = ["key"] + (["site"] if sites else [])
            columns = [key.take(first)] + ([site.take(first)] if sites else [])
            return pa.RecordBatch.from_arrays(
                columns + [_column(out, c) for c in ("leaders", "leader_ids", "seen", "last")],
                names=names + ["leaders", "leader_ids", "seen", "last"],
            )

        carry = None
        for b in batches:
            if carry is not None:
                b = pa.Table.from_batches([carry, b.select(carry.schema.names)]).combine_chunks().to_batches()[0]
            if b.num_rows == 0:
                continue
            # The last group may go on in the next batch.
            last = b.num_rows - 1
            same = pc.equal(_column(b, "key"), _column(b, "key")[last])
            if sites:
                site = _column(b, "site")
                # Sites are never null here (only documents with one take part).
                same = pc.and_(same, pc.fill_null(pc.equal(site, site[last]), False))
            start = b.num_rows - pc.sum(pc.cast(same, pa.int64())).as_py()
            if start:
                yield summary(b.slice(0, start))
            carry = b.slice(start)
        if carry is not None and carry.num_rows:
            yield summary(carry)

    schema = ", ".join(f"{g} {t}" for g, t in _GROUP_TYPES if g in group)
    visited = _checkpoint(
        ordered.mapInArrow(visit, f"{schema}, leaders bigint, leader_ids array<string>, seen bigint, last string")
    )
    done = visited.where(F.col("leaders") >= min_docs).select(*group)
    going = visited.join(sizes, group).where((F.col("leaders") < min_docs) & (F.col("n") > F.col("seen")))
    going = _checkpoint(going)
    if going.isEmpty():
        return done
    # The rest of each open group: members after its prefix, unrelated to
    # every leader found there.
    rest = members.join(going.select(*group, "last", "leader_ids"), group).where(F.col("id") > F.col("last"))
    pairs = (
        rest.select(*group, "id", F.explode("leader_ids").alias("leader"))
        .join(gists, "id")
        .join(
            gists.select(
                F.col("id").alias("leader"),
                F.col("gist").alias("leader_gist"),
                F.col("gist_words").alias("leader_words"),
            ),
            "leader",
        )
    )
    related = _map(pairs, f"{schema}, id string", _related_rows(group, config, keep_related=True))
    live = rest.select(*group, "id").join(related, group + ["id"], "left_anti").join(gists, "id")
    live = _checkpoint(live.select(*group, "id", "gist", "gist_words"))
    found = going.select(*group, "leaders")
    reached = [done]
    for _ in range(min_docs):
        leader = live.groupBy(*group).agg(F.min("id").alias("leader"))
        found = _checkpoint(
            found.join(leader.select(*group), group, "inner").withColumn("leaders", F.col("leaders") + 1)
        )
        reached.append(found.where(F.col("leaders") >= min_docs).select(*group))
        found = found.where(F.col("leaders") < min_docs)
        if found.isEmpty():
            break
        live = live.join(found.select(*group), group, "left_semi")
        lead = leader.join(
            live.select(
                *group,
                F.col("id").alias("leader"),
                F.col("gist").alias("leader_gist"),
                F.col("gist_words").alias("leader_words"),
            ),
            group + ["leader"],
        )
        after = live.join(lead, group).where(F.col("id") > F.col("leader"))
        live = _checkpoint(
            _map(
                after,
                f"{schema}, id string, gist binary, gist_words bigint",
                _related_rows(group, config, keep_related=False),
            )
        )
    result = reached[0]
    for r in reached[1:]:
        result = result.unionByName(r)
    return result


def _related_rows(group: list[str], config: str, keep_related: bool) -> Any:
    """A batch function: rows whose member (gist, gist_words) is related
    (``keep_related``) or unrelated to their leader (leader_gist,
    leader_words)."""

    def f(b: pa.RecordBatch) -> pa.RecordBatch:
        related = _doublet.spark_related(
            _column(b, "gist"),
            _column(b, "gist_words"),
            _column(b, "leader_gist"),
            _column(b, "leader_words"),
            config,
        ).column(0)
        if keep_related:
            return b.filter(related).select(group + ["id"])
        return b.filter(pc.invert(related)).select(group + ["id", "gist", "gist_words"])

    return f


_GROUP_TYPES = (("key", "bigint"), ("site", "string"))


def _furniture(docs: Any, cfg: dict[str, Any], config: str) -> Any:
    """(id, furniture: array of block keys) for every document holding
    page furniture."""
    F = _functions()
    min_docs = cfg["clean"]["corpus_min_docs"]

    def analyse(b: pa.RecordBatch) -> pa.RecordBatch:
        return _with(b, ["id", "site"], _doublet.spark_analyse(_column(b, "text"), config))

    _describe(docs, "furniture: block keys")
    analysed = _checkpoint(
        _map(docs, "id string, site string, keys array<bigint>, gist binary, gist_words bigint", analyse)
    )
    postings = analysed.select("id", "site", F.explode("keys").alias("key"))
    frequent = postings.groupBy("key").count().where(F.col("count") >= min_docs).select("key")
    members = postings.join(frequent, "key")
    gists = analysed.select("id", "gist", "gist_words")
    _describe(docs, "furniture: recurring blocks")
    across = _leaders(members.select("key", "id"), gists, ["key"], min_docs, config)
    in_site = members.where(F.col("site").isNotNull())
    frequent_in_site = (
        in_site.groupBy("key", "site").count().where(F.col("count") >= min_docs).select("key", "site")
    )
    within = _leaders(
        in_site.join(frequent_in_site, ["key", "site"]).select("key", "site", "id"),
        gists,
        ["key", "site"],
        min_docs,
        config,
    )
    recurring = (
        across.select("key", F.lit(True).alias("across"))
        .join(within.select("key").distinct().select("key", F.lit(True).alias("within")), "key", "full")
        .select("key", F.coalesce("across", F.lit(False)).alias("across"), F.coalesce("within", F.lit(False)).alias("within"))
    )
    recurring = _checkpoint(recurring)
    _describe(docs, "furniture: votes")
    held = (
        postings.join(recurring.select("key"), "key")
        .groupBy("id")
        .agg(F.collect_list("key").alias("recurring"))
    )

    def votes(b: pa.RecordBatch) -> pa.RecordBatch:
        recurring = _column(b, "recurring").cast(pa.list_(pa.int64()))
        v = _doublet.spark_votes(_column(b, "text"), recurring, config)
        ids = _column(b, "id").take(_column(v, "row"))
        return pa.RecordBatch.from_arrays(
            [ids, _column(v, "key"), _column(v, "vote"), _column(v, "form")],
            names=["id", "key", "vote", "form"],
        )

    voted = _map(docs.join(held, "id"), "id string, key bigint, vote boolean, form int", votes)
    tally = voted.groupBy("key").agg(
        F.max("form").cast("bigint").alias("form"),
        F.count(F.lit(1)).alias("documents"),
        F.count("vote").alias("voters"),
        F.count(F.when(F.col("vote"), 1)).alias("at_edge"),
    )

    def rule(b: pa.RecordBatch) -> pa.RecordBatch:
        f = _doublet.spark_furniture(
            *(_column(b, c) for c in ("form", "documents", "across", "within", "voters", "at_edge")), config
        ).column(0)
        return b.select(["key"]).filter(f)

    furniture = _map(tally.join(recurring, "key"), "key bigint", rule)
    return _checkpoint(
        postings.join(furniture, "key").groupBy("id").agg(F.collect_list("key").alias("furniture"))
    )


def _signed(docs: Any, furniture: Any | None, config: str) -> Any:
    F = _functions()
    if furniture is None:
        with_furniture = docs.withColumn("furniture", F.lit(None).cast("array<bigint>"))
    else:
        with_furniture = docs.join(furniture, "id", "left")

    def sign(b: pa.RecordBatch) -> pa.RecordBatch:
        furniture = _column(b, "furniture").cast(pa.list_(pa.int64()))
        return _with(b, ["id"], _doublet.spark_sign(_column(b, "text"), furniture, config))

    schema = (
        "id string, words bigint, judged boolean, written double, exact binary, signature binary, "
        "bands array<bigint>, anchors array<bigint>, tau bigint, dense binary, content binary"
    )
    _describe(docs, "signing")
    return _checkpoint(_map(with_furniture, schema, sign))


def _band_pairs(reps: Any, max_bucket: int) -> Any:
    F = _functions()
    from pyspark.sql import Window

    keys = reps.where(F.col("signature").isNotNull()).select(
        "id", "exact", F.explode("bands").alias("bucket")
    ).distinct()
    sizes = keys.groupBy("bucket").count()
    small = keys.join(sizes.where((F.col("count") >= 2) & (F.col("count") <= max_bucket)), "bucket")
    x, y = small.alias("x"), small.alias("y")
    small_pairs = x.join(y, F.col("x.bucket") == F.col("y.bucket")).where(F.col("x.id") < F.col("y.id"))
    small_pairs = small_pairs.select(F.col("x.id").alias("a"), F.col("y.id").alias("b"))
    giant = keys.join(sizes.where(F.col("count") > max_bucket), "bucket").withColumn(
        "rank", F.row_number().over(Window.partitionBy("bucket").orderBy("exact"))
    )
    window = _doublet.GIANT_BUCKET_WINDOW
    ahead = giant.select(
        "bucket",
        F.col("id").alias("a"),
        F.explode(F.sequence(F.col("rank") + 1, F.col("rank") + window)).alias("rank"),
    )
    giant_pairs = ahead.join(giant.select("bucket", "rank", F.col("id").alias("b")), ["bucket", "rank"])
    giant_pairs = giant_pairs.select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b"))
    return small_pairs.unionByName(giant_pairs).distinct()


def _anchor_pairs(reps: Any, config: str) -> Any:
    F = _functions()
    postings = reps.select("id", F.explode("anchors").alias("hash"))
    df = postings.groupBy("hash").agg(F.count(F.lit(1)).alias("df"))
    counted = (
        postings.join(df, "hash")
        .groupBy("id")
        .agg(F.collect_list(F.struct("hash", "df")).alias("known"))
        .select("id", F.col("known.hash").alias("hashes"), F.col("known.df").alias("dfs"))
    )

    def prefix(b: pa.RecordBatch) -> pa.RecordBatch:
        out = _doublet.spark_anchor_prefix(
            _column(b, "anchors"), _column(b, "tau"), _column(b, "hashes"), _column(b, "dfs"), config
        )
        return _with(b, ["id"], out)

    prefixes = _map(reps.select("id", "anchors", "tau").join(counted, "id"), "id string, prefix array<bigint>", prefix)
    probes = prefixes.select("id", F.explode("prefix").alias("hash"))
    proposed = (
        probes.join(postings.select("hash", F.col("id").alias("partner")), "hash")
        .where(F.col("id") != F.col("partner"))
        .select(F.least("id", "partner").alias("a"), F.greatest("id", "partner").alias("b"))
        .distinct()
    )
    columns = ("anchors", "tau", "dense")
    both = proposed.join(_side(reps, "a", columns), "a").join(_side(reps, "b", columns), "b")

    def plausible(b: pa.RecordBatch) -> pa.RecordBatch:
        a_side = [_column(b, f"{c}_a") for c in columns]
        b_side = [_column(b, f"{c}_b") for c in columns]
        ok = _doublet.spark_plausible(*a_side, *b_side, config).column(0)
        return b.select(["a", "b"]).filter(ok)

    return _map(both, "a string, b string", plausible)


def _side(reps: Any, x: str, columns: tuple[str, ...]) -> Any:
    """One side `x` of a pair: the documents' id as `x` and `columns`, each
    suffixed with `_x`."""
    F = _functions()
    return reps.select(F.col("id").alias(x), *[F.col(c).alias(f"{c}_{x}") for c in columns])


def _related(reps: Any, candidates: Any, config: str) -> Any:
    """Candidate pairs measured, the related ones: (a, b, words_a, words_b,
    written_a, written_b, jaccard, a_in_b, b_in_a)."""
    F = _functions()
    columns = ("words", "written", "content")
    pairs = candidates.join(_side(reps, "a", columns), "a").join(_side(reps, "b", columns), "b")

    def measure(b: pa.RecordBatch) -> pa.RecordBatch:
        m = _doublet.spark_measure(_column(b, "content_a"), _column(b, "content_b"), config)
        return _with(b, ["a", "b", "words_a", "words_b", "written_a", "written_b"], m)

    measured = _map(
        pairs,
        "a string, b string, words_a bigint, words_b bigint, written_a double, written_b double, "
        "jaccard double, a_in_b double, b_in_a double, related boolean",
        measure,
    )
    # The engine says which pairs are related (`parts::related_pair`).
    return _checkpoint(measured.where(F.col("related")).drop("related"))


def _components(edges: Any) -> Any:
    """(id, component) for every document in ``edges`` (a, b): the smallest
    id reachable, by iterated minimum-label propagation."""
    F = _functions()
    links = edges.select(F.col("a").alias("x"), F.col("b").alias("y")).unionByName(
        edges.select(F.col("b").alias("x"), F.col("a").alias("y"))
    )
    _describe(edges, "grouping")
    links = _checkpoint(links)
    label = _checkpoint(links.groupBy("x").agg(F.least(F.col("x"), F.min("y")).alias("label")))
    while True:
        spread = links.join(label, "x").select(F.col("y").alias("x"), "label")
        nxt = _checkpoint(label.unionByName(spread).groupBy("x").agg(F.min("label").alias("label")))
        changed = nxt.join(label.withColumnRenamed("label", "before"), "x").where(
            F.col("label") != F.col("before")
        )
        if changed.isEmpty():
            return nxt.select(F.col("x").alias("id"), F.col("label").alias("component"))
        label = nxt


def _decide(related: Any, config: str) -> Any:
    """Decisions (id, duplicate_of, relation, jaccard, containment) of every
    document in a related pair, one connected component at a time."""
    components = _components(related)
    grouped = related.join(components.withColumnRenamed("id", "a"), "a")

    def decide(table: pa.Table) -> pa.Table:
        table = table.combine_chunks()
        b = _doublet.spark_decide(
            *(table.column(c).chunk(0) if table.column(c).num_chunks else table.column(c) for c in (
                "a", "b", "words_a", "words_b", "written_a", "written_b", "jaccard", "a_in_b", "b_in_a"
            )),
            config,
        )
        return pa.Table.from_batches([b])

    return grouped.groupBy("component").applyInArrow(
        decide, "id string, duplicate_of string, relation string, jaccard double, containment double"
    )


def _settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The engine settings of a Spark call: unset ones dropped, and those
    that only change shared passages (not looked for here) refused when
    they would change the output."""
    settings = {k: v for k, v in settings.items() if v is not None}
    if settings.get("dedup_paragraphs"):
        raise ValueError(
            "invalid setting `dedup_paragraphs`: doublet.spark does not look for shared "
            "passages, so it cannot remove repeated paragraphs; use doublet.dedup or the CLI"
        )
    settings.pop("dedup_paragraphs", None)
    settings.pop("min_passage", None)
    return settings


def _decisions(docs: Any, settings: dict[str, Any]) -> tuple[Any, Any]:
    """(decisions, furniture) for ``docs`` (id, text, site)."""
    F = _functions()
    config = _doublet.spark_config(**settings)
    cfg = json.loads(config)
    furniture = _furniture(docs, cfg, config) if cfg["clean"]["enabled"] else None
    signed = _signed(docs, furniture, config)

    keyed = signed.where(F.col("exact").isNotNull())
    best = keyed.groupBy("exact").agg(F.min(F.struct((-F.col("words")).alias("w"), F.col("id"))).alias("best"))
    best = best.select("exact", F.col("best.id").alias("rep"))
    grouped = keyed.select("id", "exact", "judged").join(best, "exact")
    copies = grouped.where(F.col("id") != F.col("rep")).select("id", "rep")
    reps = signed.join(grouped.where((F.col("id") == F.col("rep")) & F.col("judged")).select("id"), "id")
    _describe(docs, "exact groups")
    reps = _checkpoint(reps)
    _describe(docs, "candidates and verification")

    candidates = _band_pairs(reps, cfg["max_bucket"]).unionByName(_anchor_pairs(reps, config)).distinct()
    related = _related(reps, candidates, config)
    decided = _checkpoint(_decide(related, config))
    _describe(docs, "decisions")

    followed = copies.join(decided.withColumnRenamed("id", "rep"), "rep", "left").select(
        "id",
        F.coalesce("duplicate_of", "rep").alias("duplicate_of"),
        F.when(F.col("duplicate_of").isNull(), F.lit("exact")).otherwise(F.col("relation")).alias("relation"),
        F.when(F.col("duplicate_of").isNull(), F.lit(1.0)).otherwise(F.col("jaccard")).alias("jaccard"),
        F.when(F.col("duplicate_of").isNull(), F.lit(1.0)).otherwise(F.col("containment")).alias("containment"),
    )
    every = signed.select("id").join(decided.select("id"), "id", "left_anti").join(followed.select("id"), "id", "left_anti")
    untouched = every.select(
        "id",
        F.lit(None).cast("string").alias("duplicate_of"),
        F.lit(None).cast("string").alias("relation"),
        F.lit(None).cast("double").alias("jaccard"),
        F.lit(None).cast("double").alias("containment"),
    )
    decisions = _checkpoint(decided.unionByName(followed).unionByName(untouched))

    # Clusters are numbered by their kept document's id.
    _describe(docs, "clusters")
    spark = docs.sparkSession
    kept = decisions.where(F.col("duplicate_of").isNull()).select("id").orderBy("id")
    numbered = spark.createDataFrame(
        kept.rdd.zipWithIndex().map(lambda r: (r[0][0], r[1])), "kept string, cluster bigint"
    )
    out = decisions.join(
        numbered, F.coalesce(decisions["duplicate_of"], decisions["id"]) == numbered["kept"]
    ).select(
        "id",
        "cluster",
        F.col("duplicate_of").isNull().alias("kept"),
        "duplicate_of",
        "relation",
        "jaccard",
        "containment",
    )
    return out, furniture


def scan(
    df: Any,
    *,
    id_column: str = "id",
    text_column: str = "text",
    site_column: str | None = None,
    **settings: Any,
) -> Any:
    """The decisions of ``doublet scan`` for a Spark DataFrame of documents.

    Returns a DataFrame with the report's document fields: ``id``,
    ``cluster``, ``kept``, ``duplicate_of``, ``relation``, ``jaccard``,
    ``containment``; the same values as ``doublet scan`` gives for the same
    documents and settings (the settings are the command line's, as in
    :func:`doublet.scan`; ``keep="first"`` is refused, since a cluster has
    no input order). ``site_column`` names each document's site, for
    per-site page furniture (as ``--site-field``); without it, a ``url``
    column's host is the site, as for ``doublet scan``. Shared passages are not
    looked for: they are not part of the decisions.
    """
    settings = _settings(settings)
    _doublet.spark_config(**settings)  # bad settings fail before any work
    docs = _docs(df, id_column, text_column, site_column)
    decisions, _ = _decisions(docs, settings)
    return decisions


def dedup(
    df: Any,
    *,
    id_column: str = "id",
    text_column: str = "text",
    site_column: str | None = None,
    clean_output: bool = True,
    **settings: Any,
) -> tuple[Any, Any]:
    """The clean corpus on Spark: ``(kept_df, removed_df)``, as
    :func:`doublet.dedup` gives them.

    ``kept_df`` holds the kept rows with every input column, the text column
    holding the cleaned text (the original with ``clean_output=False`` or
    ``clean=False``); ``removed_df`` holds the removed documents' ``id``,
    ``duplicate_of``, ``relation``, ``jaccard``, ``containment`` and
    ``cluster``.
    """
    F = _functions()
    settings = _settings(settings)
    _doublet.spark_config(**settings)  # bad settings fail before any work
    docs = _docs(df, id_column, text_column, site_column)
    decisions, furniture = _decisions(docs, settings)
    config = _doublet.spark_config(**settings)
    removed = decisions.where(~F.col("kept")).select(
        "id", "duplicate_of", "relation", "jaccard", "containment", "cluster"
    )
    kept_ids = decisions.where(F.col("kept")).select(F.col("id").alias("__doublet_id"))
    original = df.withColumn("__doublet_id", F.col(id_column).cast("string"))
    kept = original.join(kept_ids, "__doublet_id", "left_semi")
    if not clean_output or not json.loads(config)["clean"]["enabled"]:
        return kept.drop("__doublet_id"), removed
    held = (
        furniture.withColumnRenamed("id", "__doublet_id")
        if furniture is not None
        else kept_ids.withColumn("furniture", F.lit(None).cast("array<bigint>"))
    )
    texts = kept.select("__doublet_id", F.col(text_column).alias("__doublet_text")).join(held, "__doublet_id", "left")

    def clean(b: pa.RecordBatch) -> pa.RecordBatch:
        furniture = _column(b, "furniture").cast(pa.list_(pa.int64()))
        out = _doublet.spark_clean(_column(b, "__doublet_text"), furniture, config)
        return pa.RecordBatch.from_arrays([_column(b, "__doublet_id"), out.column(0)], names=["__doublet_id", "__doublet_clean"])

    cleaned = _map(texts, "__doublet_id string, __doublet_clean string", clean)
    columns = [F.col("__doublet_clean").alias(text_column) if c == text_column else F.col(c) for c in df.columns]
    return kept.join(cleaned, "__doublet_id").select(*columns), removed
