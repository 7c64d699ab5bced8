//! The engine's stages in parts (`doublet::parts`) on Arrow arrays, for
//! `doublet.spark`: each function takes the columns of one Arrow batch (as
//! an executor's `mapInArrow` or `applyInArrow` hands them over) and the
//! run's configuration as JSON (validated once on the driver by
//! `spark_config`), and returns a batch. Hashes travel as `int64` (the same
//! 64 bits: Spark has no unsigned type; they are only compared for
//! equality), exact keys as 16 big-endian bytes (so Spark's byte order is
//! the number order), and signatures, anchors and content tokens as
//! little-endian binary.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use arrow_schema::{Field, Schema};
use doublet::clean::furniture::Recurrence;
use doublet::clean::{Evidence, Form};
use doublet::parts::{self, Analysis, Gist, Member};
use doublet::sketch::{Signature, Sketcher};
use doublet::verify::Overlap;
use doublet::{Config, Document, Plan, Relation, Signer};
use doublet_io::tables::Strings;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::input::AnyArray;
use pyo3_arrow::PyRecordBatch;
use rayon::prelude::*;

use crate::settings;

/// Validate scan settings and return the configuration as JSON, for the
/// executors.
#[pyfunction]
#[pyo3(signature = (**kwargs))]
pub fn spark_config(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    let s = settings("spark.scan", kwargs, &[])?;
    if s.config.keep != doublet::KeepPolicy::MostComplete {
        return Err(PyValueError::new_err(
            "invalid setting `keep`: doublet.spark keeps the most complete copy; \"first\" \
             follows input order, which a cluster does not have",
        ));
    }
    serde_json::to_string(&s.config).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The host of each URL (as `doublet scan` takes a record's site from its
/// `url` field), null for null or host-less values.
#[pyfunction]
pub fn spark_hosts<'py>(py: Python<'py>, urls: AnyArray) -> PyResult<Bound<'py, PyAny>> {
    let urls = array(urls)?;
    let urls = strings("url", &urls)?;
    let hosts: StringArray = (0..urls.len())
        .map(|i| urls.get(i).and_then(doublet_io::settings::host_of))
        .collect();
    out(py, batch(vec![("site", Arc::new(hosts))])?)
}

fn plan(config: &str) -> PyResult<Plan> {
    let config: Config =
        serde_json::from_str(config).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Plan::new(config).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn array(a: AnyArray) -> PyResult<ArrayRef> {
    let (mut chunks, _) = a.into_chunked_array()?.into_inner();
    match chunks.len() {
        1 => Ok(chunks.remove(0)),
        n => Err(PyValueError::new_err(format!(
            "expected one Arrow array, got {n} chunks"
        ))),
    }
}

fn wrong(what: &str, a: &dyn Array) -> PyErr {
    PyTypeError::new_err(format!("{what}: unexpected Arrow type {}", a.data_type()))
}

fn strings<'a>(what: &str, a: &'a ArrayRef) -> PyResult<Strings<'a>> {
    Strings::of(a.as_ref()).ok_or_else(|| wrong(what, a.as_ref()))
}

fn binary<'a>(what: &str, a: &'a ArrayRef) -> PyResult<&'a BinaryArray> {
    a.as_binary_opt::<i32>()
        .ok_or_else(|| wrong(what, a.as_ref()))
}

fn int64<'a>(what: &str, a: &'a ArrayRef) -> PyResult<&'a Int64Array> {
    a.as_primitive_opt::<Int64Type>()
        .ok_or_else(|| wrong(what, a.as_ref()))
}

fn float64<'a>(what: &str, a: &'a ArrayRef) -> PyResult<&'a Float64Array> {
    a.as_primitive_opt::<Float64Type>()
        .ok_or_else(|| wrong(what, a.as_ref()))
}

/// Each row's `list<int64>` as 64-bit hashes (an empty list for null).
fn hash_lists(what: &str, a: &ArrayRef) -> PyResult<Vec<Vec<u64>>> {
    let lists = a
        .as_list_opt::<i32>()
        .ok_or_else(|| wrong(what, a.as_ref()))?;
    let mut out = Vec::with_capacity(lists.len());
    for i in 0..lists.len() {
        if lists.is_null(i) {
            out.push(Vec::new());
            continue;
        }
        let v = lists.value(i);
        let v = v
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| wrong(what, v.as_ref()))?;
        out.push(v.values().iter().map(|&x| x as u64).collect());
    }
    Ok(out)
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> PyResult<RecordBatch> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|c| c.1).collect(),
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))
}

fn out(py: Python<'_>, b: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    PyRecordBatch::new(b).into_pyarrow(py)
}

fn u32s_le(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u16s_le(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le_u16s(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

fn le_u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn hash_list(lists: Vec<Vec<u64>>) -> ArrayRef {
    let mut b = ListBuilder::new(Int64Builder::new());
    for l in lists {
        b.append_value(l.into_iter().map(|h| Some(h as i64)));
    }
    Arc::new(b.finish())
}

/// Analyse each document: its counted block keys (its postings for
/// corpus-wide cleaning) and its gist (signature and content words before
/// corpus-wide cleaning).
#[pyfunction]
pub fn spark_analyse<'py>(
    py: Python<'py>,
    texts: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let texts = array(texts)?;
    let b = py.detach(|| -> PyResult<RecordBatch> {
        let texts = strings("text", &texts)?;
        let rows: Vec<(Vec<u64>, Gist)> = (0..texts.len())
            .into_par_iter()
            .map_init(
                || Sketcher::new(plan.config.num_perm, plan.seeds.minhash),
                |sketcher, i| {
                    let doc = Document::new("", texts.get(i).unwrap_or(""));
                    let a = Analysis::new(&plan, &doc);
                    (a.block_keys(), a.gist(&plan, sketcher))
                },
            )
            .collect();
        let mut gist = BinaryBuilder::new();
        let mut words = Int64Builder::new();
        let mut keys = Vec::with_capacity(rows.len());
        for (k, g) in rows {
            keys.push(k);
            match &g.signature {
                Some(s) => gist.append_value(u32s_le(s.values())),
                None => gist.append_null(),
            }
            words.append_value(g.words as i64);
        }
        batch(vec![
            ("keys", hash_list(keys)),
            ("gist", Arc::new(gist.finish())),
            ("gist_words", Arc::new(words.finish())),
        ])
    })?;
    out(py, b)
}

/// Row `i`'s gist: its signature (little-endian, null for none) and words.
fn gist_at(gists: &BinaryArray, words: &Int64Array, i: usize) -> Gist {
    Gist {
        signature: (!gists.is_null(i)).then(|| Signature::from_values(le_u32s(gists.value(i)))),
        words: words.value(i).max(0) as usize,
    }
}

/// Whether each pair of holders (gists `a` and `b`) looks like copies of
/// one text.
#[pyfunction]
pub fn spark_related<'py>(
    py: Python<'py>,
    gist_a: AnyArray,
    words_a: AnyArray,
    gist_b: AnyArray,
    words_b: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (ga, wa, gb, wb) = (
        array(gist_a)?,
        array(words_a)?,
        array(gist_b)?,
        array(words_b)?,
    );
    let (ga, gb) = (binary("gist", &ga)?, binary("gist", &gb)?);
    let (wa, wb) = (int64("gist_words", &wa)?, int64("gist_words", &wb)?);
    let min = plan.config.clean.corpus_related;
    let related: BooleanArray = (0..ga.len())
        .map(|i| {
            Some(parts::related(
                &gist_at(ga, wa, i),
                &gist_at(gb, wb, i),
                min,
            ))
        })
        .collect();
    out(py, batch(vec![("related", Arc::new(related))])?)
}

/// The greedy visit of corpus-wide cleaning over a prefix of each block's
/// holders: rows sorted by (`keys`, `sites`, `ids`), each run of equal
/// (key, site) one group. In each group, a holder is a leader when it is
/// unrelated to every earlier leader, until `corpus_min_docs` leaders. One
/// row per group: its first row, leaders found, their ids, holders seen,
/// and the last id seen.
#[pyfunction]
pub fn spark_greedy<'py>(
    py: Python<'py>,
    keys: AnyArray,
    sites: AnyArray,
    ids: AnyArray,
    gists: AnyArray,
    words: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (keys, sites, ids) = (array(keys)?, array(sites)?, array(ids)?);
    let (gists, words) = (array(gists)?, array(words)?);
    let keys = int64("key", &keys)?;
    let (sites, ids) = (strings("site", &sites)?, strings("id", &ids)?);
    let (gists, words) = (binary("gist", &gists)?, int64("gist_words", &words)?);
    let (min_docs, min) = (
        plan.config.clean.corpus_min_docs,
        plan.config.clean.corpus_related,
    );
    let mut first = Vec::new();
    let mut found = Vec::new();
    let mut leader_ids = ListBuilder::new(arrow_array::builder::StringBuilder::new());
    let mut seen = Vec::new();
    let mut last = Vec::new();
    let mut start = 0;
    while start < keys.len() {
        let group = (keys.value(start), sites.get(start));
        let mut end = start + 1;
        while end < keys.len() && (keys.value(end), sites.get(end)) == group {
            end += 1;
        }
        let group: Vec<Gist> = (start..end).map(|i| gist_at(gists, words, i)).collect();
        let mut leaders: Vec<usize> = Vec::new();
        parts::lead(&mut leaders, 0..group.len(), min_docs, |a, b| {
            parts::related(&group[a], &group[b], min)
        });
        first.push(start as i32);
        found.push(leaders.len() as i64);
        leader_ids.append_value(leaders.iter().map(|&i| ids.get(start + i)));
        seen.push((end - start) as i64);
        last.push(ids.get(end - 1));
        start = end;
    }
    let last: StringArray = last.into_iter().collect();
    out(
        py,
        batch(vec![
            ("first", Arc::new(Int32Array::from(first))),
            ("leaders", Arc::new(Int64Array::from(found))),
            ("leader_ids", Arc::new(leader_ids.finish())),
            ("seen", Arc::new(Int64Array::from(seen))),
            ("last", Arc::new(last)),
        ])?,
    )
}

/// The furniture votes of each document on the recurring blocks it holds:
/// one row per vote, `row` naming the input row.
#[pyfunction]
pub fn spark_votes<'py>(
    py: Python<'py>,
    texts: AnyArray,
    recurring: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (texts, recurring) = (array(texts)?, array(recurring)?);
    let b = py.detach(|| -> PyResult<RecordBatch> {
        let texts = strings("text", &texts)?;
        let recurring = hash_lists("recurring", &recurring)?;
        let votes: Vec<Vec<(u64, Option<bool>, Form)>> = (0..texts.len())
            .into_par_iter()
            .map(|i| {
                let doc = Document::new("", texts.get(i).unwrap_or(""));
                let a = Analysis::new(&plan, &doc);
                let held: HashSet<u64> = recurring[i].iter().copied().collect();
                a.furniture_votes(|k| held.contains(&k))
            })
            .collect();
        let (mut row, mut key, mut vote, mut form) =
            (Vec::new(), Vec::new(), BooleanBuilder::new(), Vec::new());
        for (i, v) in votes.into_iter().enumerate() {
            for (k, at_edge, f) in v {
                row.push(i as i32);
                key.push(k as i64);
                vote.append_option(at_edge);
                form.push(f as i32);
            }
        }
        batch(vec![
            ("row", Arc::new(Int32Array::from(row))),
            ("key", Arc::new(Int64Array::from(key))),
            ("vote", Arc::new(vote.finish())),
            ("form", Arc::new(Int32Array::from(form))),
        ])
    })?;
    out(py, b)
}

/// Whether each recurring block is page furniture, from what the corpus
/// says about it.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn spark_furniture<'py>(
    py: Python<'py>,
    form: AnyArray,
    documents: AnyArray,
    across: AnyArray,
    within: AnyArray,
    voters: AnyArray,
    at_edge: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let columns = [form, documents, voters, at_edge].map(array);
    let [form, documents, voters, at_edge] = columns;
    let (form, documents, voters, at_edge) = (form?, documents?, voters?, at_edge?);
    let (across, within) = (array(across)?, array(within)?);
    let ints = |what, a: &ArrayRef| -> PyResult<Vec<i64>> { Ok(int64(what, a)?.values().to_vec()) };
    let bools = |what, a: &ArrayRef| -> PyResult<Vec<bool>> {
        let b = a.as_boolean_opt().ok_or_else(|| wrong(what, a.as_ref()))?;
        Ok((0..b.len()).map(|i| b.is_valid(i) && b.value(i)).collect())
    };
    let (form, documents) = (ints("form", &form)?, ints("documents", &documents)?);
    let (voters, at_edge) = (ints("voters", &voters)?, ints("at_edge", &at_edge)?);
    let (across, within) = (bools("across", &across)?, bools("within", &within)?);
    let furniture: BooleanArray = (0..form.len())
        .map(|i| {
            let r = Recurrence {
                form: match form[i] {
                    0 => Form::Formulaic,
                    1 => Form::Sentence,
                    _ => Form::Paragraph,
                },
                documents: documents[i] as usize,
                across_corpus: across[i],
                within_site: within[i],
                voters: voters[i] as usize,
                at_edge: at_edge[i] as usize,
            };
            Some(r.is_furniture(&plan.config.clean))
        })
        .collect();
    out(py, batch(vec![("furniture", Arc::new(furniture))])?)
}

/// Sign each document on its final content, after removing the furniture
/// blocks it holds (`furniture`: their keys): its content words, whether it
/// is judged, exact key, signature, band keys, anchors and their
/// threshold, and content tokens (for verification).
#[pyfunction]
pub fn spark_sign<'py>(
    py: Python<'py>,
    texts: AnyArray,
    furniture: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (texts, furniture) = (array(texts)?, array(furniture)?);
    let b = py.detach(|| -> PyResult<RecordBatch> {
        let texts = strings("text", &texts)?;
        let furniture = hash_lists("furniture", &furniture)?;
        let mark = furniture_mark();
        let signed: Vec<_> = (0..texts.len())
            .into_par_iter()
            .map_init(
                || Signer::new(&plan),
                |signer, i| {
                    let doc = Document::new("", texts.get(i).unwrap_or(""));
                    let mut a = Analysis::new(&plan, &doc);
                    if !furniture[i].is_empty() {
                        a.remove_furniture(|k| furniture[i].contains(&k).then_some(&mark));
                    }
                    let sketch = a.sign(&plan, signer);
                    let judged = a.judged(&plan.config);
                    (sketch, (judged, a.written_share()), a.content_tokens())
                },
            )
            .collect();
        let mut words = Int64Builder::new();
        let mut written = Float64Builder::new();
        let mut judged = BooleanBuilder::new();
        let mut exact = BinaryBuilder::new();
        let mut signature = BinaryBuilder::new();
        let mut anchors = ListBuilder::new(Int64Builder::new());
        let mut tau = Int64Builder::new();
        let mut dense = BinaryBuilder::new();
        let mut content = BinaryBuilder::new();
        let mut bands = Vec::with_capacity(signed.len());
        for (s, (j, w), tokens) in &signed {
            words.append_value(i64::from(s.words));
            judged.append_value(*j);
            written.append_value(*w);
            match s.exact {
                Some(k) => exact.append_value(k.to_be_bytes()),
                None => exact.append_null(),
            }
            match &s.signature {
                Some(sig) => {
                    signature.append_value(u32s_le(sig.values()));
                    bands.push(
                        (0..plan.bands)
                            .map(|b| sig.band_key(b, plan.rows))
                            .collect(),
                    );
                }
                None => {
                    signature.append_null();
                    bands.push(Vec::new());
                }
            }
            anchors.append_value(s.anchors.hashes.iter().map(|&h| Some(h as i64)));
            tau.append_value(s.anchors.tau as i64);
            dense.append_value(u16s_le(&s.anchors.dense));
            content.append_value(u32s_le(tokens));
        }
        batch(vec![
            ("words", Arc::new(words.finish())),
            ("judged", Arc::new(judged.finish())),
            ("written", Arc::new(written.finish())),
            ("exact", Arc::new(exact.finish())),
            ("signature", Arc::new(signature.finish())),
            ("bands", hash_list(bands)),
            ("anchors", Arc::new(anchors.finish())),
            ("tau", Arc::new(tau.finish())),
            ("dense", Arc::new(dense.finish())),
            ("content", Arc::new(content.finish())),
        ])
    })?;
    out(py, b)
}

/// Each document's cleaned text (`doublet dedup`'s output text), after
/// removing the furniture blocks it holds (`furniture`: their keys).
#[pyfunction]
pub fn spark_clean<'py>(
    py: Python<'py>,
    texts: AnyArray,
    furniture: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (texts, furniture) = (array(texts)?, array(furniture)?);
    let b = py.detach(|| -> PyResult<RecordBatch> {
        let texts = strings("text", &texts)?;
        let furniture = hash_lists("furniture", &furniture)?;
        let mark = furniture_mark();
        let cleaned: Vec<Option<String>> = (0..texts.len())
            .into_par_iter()
            .map(|i| {
                let text = texts.get(i)?;
                let mut a = Analysis::new(&plan, &Document::new("", text));
                a.remove_furniture(|k| furniture[i].contains(&k).then_some(&mark));
                Some(a.cleaned_text(text, &plan.config))
            })
            .collect();
        let cleaned: StringArray = cleaned.into_iter().collect();
        batch(vec![("text", Arc::new(cleaned))])
    })?;
    out(py, b)
}

/// What marks a furniture block in parts: only its key matters there (the
/// evidence is the report's).
fn furniture_mark() -> Evidence {
    Evidence::Repeated {
        first: doublet::Span { start: 0, end: 0 },
    }
}

/// Row `i`'s anchors; their dense tier from `dense` (LE u16 keys) when
/// the caller reads it.
fn anchors_of(
    hashes: &[Vec<u64>],
    tau: &Int64Array,
    dense: Option<&BinaryArray>,
    i: usize,
) -> doublet::index::Anchors {
    doublet::index::Anchors {
        hashes: hashes[i].clone(),
        tau: tau.value(i) as u64,
        dense: dense.map_or_else(Vec::new, |d| le_u16s(d.value(i))),
    }
}

/// Each document's prefix anchors (those that propose pairs), given the
/// document frequency of each of its anchors (`hashes`, `dfs`).
#[pyfunction]
pub fn spark_anchor_prefix<'py>(
    py: Python<'py>,
    anchors: AnyArray,
    tau: AnyArray,
    hashes: AnyArray,
    dfs: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (anchors, tau, hashes, dfs) = (array(anchors)?, array(tau)?, array(hashes)?, array(dfs)?);
    let b = py.detach(|| -> PyResult<RecordBatch> {
        let (anchors, tau) = (hash_lists("anchors", &anchors)?, int64("tau", &tau)?);
        let (hashes, dfs) = (hash_lists("hashes", &hashes)?, hash_lists("dfs", &dfs)?);
        let prefixes: Vec<Vec<u64>> = (0..anchors.len())
            .into_par_iter()
            .map(|i| {
                let mut known: Vec<(u64, u32)> = hashes[i]
                    .iter()
                    .zip(&dfs[i])
                    .map(|(&h, &d)| (h, d as u32))
                    .collect();
                known.sort_unstable();
                let df = |h: u64| {
                    known
                        .binary_search_by_key(&h, |e| e.0)
                        .map_or(1, |at| known[at].1)
                };
                parts::anchor_prefix(&plan, &anchors_of(&anchors, tau, None, i), df)
            })
            .collect();
        batch(vec![("prefix", hash_list(prefixes))])
    })?;
    out(py, b)
}

/// Whether each pair's shared anchors could reach the containment
/// threshold either way ([`doublet::index::plausible_anchors`]).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn spark_plausible<'py>(
    py: Python<'py>,
    anchors_a: AnyArray,
    tau_a: AnyArray,
    dense_a: AnyArray,
    anchors_b: AnyArray,
    tau_b: AnyArray,
    dense_b: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (aa, ta, da) = (array(anchors_a)?, array(tau_a)?, array(dense_a)?);
    let (ab, tb, db) = (array(anchors_b)?, array(tau_b)?, array(dense_b)?);
    let (aa, ab) = (hash_lists("anchors", &aa)?, hash_lists("anchors", &ab)?);
    let (ta, tb) = (int64("tau", &ta)?, int64("tau", &tb)?);
    let (da, db) = (binary("dense", &da)?, binary("dense", &db)?);
    let threshold = plan.config.containment;
    let ok: BooleanArray = (0..aa.len())
        .map(|i| {
            let a = anchors_of(&aa, ta, Some(da), i);
            let b = anchors_of(&ab, tb, Some(db), i);
            Some(doublet::index::plausible_anchors(
                &a,
                &b,
                threshold,
                plan.anchor_tau,
            ))
        })
        .collect();
    out(py, batch(vec![("plausible", Arc::new(ok))])?)
}

/// Each candidate pair measured on the shingle sets of its content tokens:
/// Jaccard and both containments.
#[pyfunction]
pub fn spark_measure<'py>(
    py: Python<'py>,
    content_a: AnyArray,
    content_b: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (ca, cb) = (array(content_a)?, array(content_b)?);
    let b = py.detach(|| -> PyResult<RecordBatch> {
        let (ca, cb) = (binary("content", &ca)?, binary("content", &cb)?);
        let measured: Vec<Overlap> = (0..ca.len())
            .into_par_iter()
            .map(|i| {
                let sa = parts::shingles(&plan, &le_u32s(ca.value(i)));
                let sb = parts::shingles(&plan, &le_u32s(cb.value(i)));
                doublet::verify::measure(&sa, &sb)
            })
            .collect();
        let col = |f: fn(&Overlap) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from_iter_values(measured.iter().map(f)))
        };
        let related: BooleanArray = measured
            .iter()
            .map(|o| Some(parts::related_pair(&plan, o)))
            .collect();
        batch(vec![
            ("jaccard", col(|o| o.jaccard)),
            ("a_in_b", col(|o| o.a_in_b)),
            ("b_in_a", col(|o| o.b_in_a)),
            ("related", Arc::new(related)),
        ])
    })?;
    out(py, b)
}

/// Decide one connected group of related representatives from its pairs
/// (ids, content words, shares of their text as written that cleaning left,
/// and measured overlap of each): a row per member with its decision,
/// scores rounded as the report rounds them.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn spark_decide<'py>(
    py: Python<'py>,
    a: AnyArray,
    b: AnyArray,
    words_a: AnyArray,
    words_b: AnyArray,
    written_a: AnyArray,
    written_b: AnyArray,
    jaccard: AnyArray,
    a_in_b: AnyArray,
    b_in_a: AnyArray,
    config: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let plan = plan(config)?;
    let (a, b, wa, wb) = (array(a)?, array(b)?, array(words_a)?, array(words_b)?);
    let (sa, sb) = (array(written_a)?, array(written_b)?);
    let (sa, sb) = (float64("written_a", &sa)?, float64("written_b", &sb)?);
    let (j, ab, ba) = (array(jaccard)?, array(a_in_b)?, array(b_in_a)?);
    let (a, b) = (strings("a", &a)?, strings("b", &b)?);
    let (wa, wb) = (int64("words_a", &wa)?, int64("words_b", &wb)?);
    let (j, ab, ba) = (
        float64("jaccard", &j)?,
        float64("a_in_b", &ab)?,
        float64("b_in_a", &ba)?,
    );
    let mut members: Vec<Member> = Vec::new();
    let mut at: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut related = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        let mut position = |id: &str, words: i64, written: f64| -> u32 {
            *at.entry(id.to_owned()).or_insert_with(|| {
                members.push(Member {
                    id: id.to_owned(),
                    words: words as u32,
                    written,
                });
                (members.len() - 1) as u32
            })
        };
        let pa = position(a.get(i).unwrap_or(""), wa.value(i), sa.value(i));
        let pb = position(b.get(i).unwrap_or(""), wb.value(i), sb.value(i));
        let overlap = Overlap {
            jaccard: j.value(i),
            a_in_b: ab.value(i),
            b_in_a: ba.value(i),
        };
        related.push(doublet::group::Verified {
            a: pa,
            b: pb,
            overlap,
        });
    }
    let decisions = parts::decide_component(&members, &related, plan.thresholds);
    let round = |x: f64| (x * 1e6).round() / 1e6;
    let ids: StringArray = members.iter().map(|m| Some(m.id.as_str())).collect();
    let duplicate_of: StringArray = decisions
        .iter()
        .map(|d| d.duplicate_of.map(|k| members[k as usize].id.as_str()))
        .collect();
    let relation: StringArray = decisions
        .iter()
        .map(|d| {
            d.relation.map(|r| match r {
                Relation::Exact => "exact",
                Relation::NearDuplicate => "near_duplicate",
                Relation::Contained => "contained",
            })
        })
        .collect();
    let jaccard: Float64Array = decisions.iter().map(|d| d.jaccard.map(round)).collect();
    let containment: Float64Array = decisions.iter().map(|d| d.containment.map(round)).collect();
    out(
        py,
        batch(vec![
            ("id", Arc::new(ids)),
            ("duplicate_of", Arc::new(duplicate_of)),
            ("relation", Arc::new(relation)),
            ("jaccard", Arc::new(jaccard)),
            ("containment", Arc::new(containment)),
        ])?,
    )
}
