//! The HTML report: one self-contained page (no network, no CDN) with totals,
//! histograms of pair similarity and containment, the clusters and the pairs
//! as sortable tables, and a viewer pane that shows any pair whose texts are
//! in the page side by side: the words that differ for duplicates, the shared
//! passages for documents that share text, repeated and boilerplate spans
//! shaded.
//!
//! The page renders from embedded JSON a page of rows at a time, so it stays
//! usable for large corpora. Every related pair is listed up to
//! [`Limits::pairs`], and the histograms always count every pair of the
//! report; texts are embedded up to [`Limits::text_bytes`], chosen so that
//! every kind of relation and the largest clusters can be opened. The page
//! says when it holds less than the report.

use std::collections::{HashMap, HashSet};

use doublet::report::{DocumentReport, Marked, PairRelation, PairReport};
use doublet::{Relation, Report};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::word_diff::word_diff;
use super::{unjudged, Closeness, NEAR_MISS};

const TEMPLATE: &str = include_str!("html/report.html");
const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/app.js");

/// How much of a report the page holds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Related pairs listed at most (the closest of each relation, in
    /// equal shares).
    pub pairs: usize,
    /// Bytes of document text embedded at most.
    pub text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            pairs: 250_000,
            text_bytes: 32_000_000,
        }
    }
}

/// Histogram bins over [0, 1].
const BINS: usize = 20;

/// Byte offsets of a text to UTF-16 offsets, the unit of JavaScript strings.
struct Utf16 {
    at: Vec<u32>,
}

impl Utf16 {
    fn new(text: &str) -> Utf16 {
        let mut at = vec![0u32; text.len() + 1];
        let mut units = 0u32;
        for (i, c) in text.char_indices() {
            at[i] = units;
            units += c.len_utf16() as u32;
        }
        at[text.len()] = units;
        Utf16 { at }
    }

    fn of(&self, byte: usize) -> u32 {
        self.at.get(byte).copied().unwrap_or(0)
    }

    fn spans(&self, spans: impl IntoIterator<Item = (usize, usize)>) -> Vec<[u32; 2]> {
        spans
            .into_iter()
            .map(|(s, e)| [self.of(s), self.of(e)])
            .collect()
    }
}

/// What goes in the page: the pairs listed and the pairs that can be opened
/// side by side (whose two texts are embedded).
pub struct Plan<'r> {
    report: &'r Report,
    /// Listed pairs, closest relations first.
    listed: Vec<&'r PairReport>,
    /// Pairs that open side by side, as `(a, b)` of a report pair or
    /// `(kept, member)` of a cluster.
    views: Vec<(&'r str, &'r str)>,
    /// Documents whose text the page embeds.
    texts: HashSet<&'r str>,
    limits: Limits,
    docs: HashMap<&'r str, &'r DocumentReport>,
}

/// The order the page's pair table opens in: edits first (the near
/// misses lead the pairs sharing passages, being the closest of them),
/// identical copies last.
const PAGE_ORDER: [PairRelation; 4] = [
    PairRelation::NearDuplicate,
    PairRelation::Contained,
    PairRelation::SharedPassages,
    PairRelation::Exact,
];

impl<'r> Plan<'r> {
    /// Choose what the page holds within `limits`.
    ///
    /// Texts are given out in turns: the next member of the largest
    /// clusters, then the next pair of each relation in the order the page
    /// first lists them, while the budget lasts, so that every kind of
    /// relation can be opened whatever the mix of the corpus.
    pub fn new(report: &'r Report, limits: Limits) -> Plan<'r> {
        // Closest first within each relation; past the limit each relation
        // keeps an equal share (or all it has), so a corpus with more
        // duplicate pairs than the limit still lists pairs that share
        // passages, the near misses first.
        let mut by_relation: Vec<Vec<&PairReport>> = PAGE_ORDER
            .iter()
            .map(|&r| report.pairs.iter().filter(|p| p.relation == r).collect())
            .collect();
        for group in &mut by_relation {
            group.sort_by(|x, y| {
                y.jaccard
                    .total_cmp(&x.jaccard)
                    .then((&x.a, &x.b).cmp(&(&y.a, &y.b)))
            });
        }
        let mut listed: Vec<&PairReport> = in_turns(&by_relation).take(limits.pairs).collect();
        listed.sort_by_key(|p| p.relation);

        let mut queues: Vec<Vec<(&str, &str)>> = vec![clusters_in_page_order(report)
            .into_iter()
            .flat_map(|c| {
                c.members[1..]
                    .iter()
                    .map(move |m| (c.kept.as_str(), m.as_str()))
            })
            .collect()];
        queues.extend(PAGE_ORDER.iter().map(|&r| {
            listed
                .iter()
                .filter(|p| p.relation == r)
                .map(|p| (p.a.as_str(), p.b.as_str()))
                .collect()
        }));
        let mut plan = Plan {
            report,
            listed,
            views: Vec::new(),
            texts: HashSet::new(),
            limits,
            docs: report
                .documents
                .iter()
                .map(|d| (d.id.as_str(), d))
                .collect(),
        };
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        let mut used = 0usize;
        for (a, b) in in_turns(&queues) {
            let key = if a < b { (a, b) } else { (b, a) };
            if !seen.insert(key) {
                continue;
            }
            let cost: usize = [a, b]
                .iter()
                .filter(|id| !plan.texts.contains(**id))
                .map(|id| plan.docs.get(id).map_or(0, |d| d.bytes))
                .sum();
            if used + cost > limits.text_bytes {
                continue;
            }
            used += cost;
            plan.texts.extend([a, b]);
            plan.views.push((a, b));
        }
        plan
    }

    /// The documents whose texts the page needs.
    pub fn texts(&self) -> &HashSet<&'r str> {
        &self.texts
    }

    /// Render the page with `texts`, the original text of the documents in
    /// [`Plan::texts`].
    pub fn render(&self, texts: &HashMap<String, String>) -> String {
        let (report, docs) = (self.report, &self.docs);
        let unjudged = unjudged(report);
        // Every id the page names, numbered.
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut ids: Vec<&str> = Vec::new();
        let mut number = |id: &'r str| -> usize {
            *index.entry(id).or_insert_with(|| {
                ids.push(id);
                ids.len() - 1
            })
        };
        let pairs: Vec<Value> = self
            .listed
            .iter()
            .map(|p| {
                json!([
                    number(&p.a),
                    number(&p.b),
                    p.relation as u8,
                    round(p.jaccard),
                    round(p.a_in_b),
                    round(p.b_in_a),
                    p.passages.len(),
                    Closeness::of(report, p, &unjudged) as u8,
                ])
            })
            .collect();
        let clusters: Vec<Value> = clusters_in_page_order(report)
            .into_iter()
            .map(|c| {
                let kept = number(&c.kept);
                let members: Vec<Value> = c.members[1..]
                    .iter()
                    .map(|m| {
                        let d = docs.get(m.as_str()).copied();
                        json!([
                            number(m),
                            d.and_then(|d| d.relation).map(relation_code),
                            d.and_then(|d| d.jaccard).map(round),
                            d.and_then(|d| d.containment).map(round),
                        ])
                    })
                    .collect();
                json!([c.id, kept, members])
            })
            .collect();
        for &(a, b) in &self.views {
            number(a);
            number(b);
        }
        // Each named document: 1 kept, 0 removed.
        let kept: Vec<Option<u8>> = ids
            .iter()
            .map(|id| docs.get(id).map(|d| u8::from(d.kept)))
            .collect();

        let offsets: HashMap<&str, Utf16> = self
            .texts
            .par_iter()
            .filter_map(|&id| Some((id, Utf16::new(texts.get(id)?))))
            .collect();
        let mut text_map = serde_json::Map::new();
        for (i, id) in ids.iter().enumerate() {
            let (Some(text), Some(u), Some(d)) = (texts.get(*id), offsets.get(id), docs.get(id))
            else {
                continue;
            };
            let marked = |ms: &[Marked]| u.spans(ms.iter().map(|m| (m.start, m.end)));
            text_map.insert(
                i.to_string(),
                json!([text, marked(&d.repeated), marked(&d.boilerplate)]),
            );
        }

        let by_pair: HashMap<(&str, &str), &PairReport> = report
            .pairs
            .iter()
            .map(|p| ((p.a.as_str(), p.b.as_str()), p))
            .collect();
        let views: Vec<(String, Value)> = self
            .views
            .par_iter()
            .filter_map(|&(x, y)| {
                let (a, b) = if x < y { (x, y) } else { (y, x) };
                let (ta, tb) = (texts.get(a)?, texts.get(b)?);
                let (ua, ub) = (offsets.get(a)?, offsets.get(b)?);
                let pair = by_pair.get(&(a, b));
                let passages: Vec<[u32; 5]> = pair
                    .map(|p| {
                        p.passages
                            .iter()
                            .map(|x| {
                                [
                                    ua.of(x.a.start),
                                    ua.of(x.a.end),
                                    ub.of(x.b.start),
                                    ub.of(x.b.end),
                                    x.tokens as u32,
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                // The words that differ, for duplicates and near misses;
                // for documents that only share passages the differences
                // are nearly everything.
                let differs = pair.is_none_or(|p| {
                    p.relation != PairRelation::SharedPassages
                        || Closeness::of(report, p, &unjudged).close()
                });
                // "d": the differences, or "long" for texts too long to
                // diff; absent for pairs that only share passages.
                let mut view = json!({ "p": passages });
                if differs {
                    view["d"] = match word_diff(ta, tb) {
                        Some((da, db)) => json!([ua.spans(da), ub.spans(db)]),
                        None => json!("long"),
                    };
                }
                Some((format!("{},{}", index[a], index[b]), view))
            })
            .collect();

        let data = json!({
            "version": report.version,
            "stats": report.stats,
            "thresholds": {"jaccard": report.config.threshold, "containment": report.config.containment, "near_miss": NEAR_MISS},
            "total_pairs": report.pairs.len(),
            "text_budget": self.limits.text_bytes,
            "max_diff_words": super::word_diff::MAX_WORDS,
            "histogram": histogram(report),
            "ids": ids,
            "kept": kept,
            "order": PAGE_ORDER.map(|r| r as u8),
            "pairs": pairs,
            "clusters": clusters,
            "texts": text_map,
            "views": views.into_iter().collect::<serde_json::Map<_, _>>(),
        });
        let data = script_safe(&data.to_string());
        TEMPLATE
            .replacen("/*STYLE*/", STYLE, 1)
            .replacen("/*SCRIPT*/", SCRIPT, 1)
            .replacen("/*DATA*/", &data, 1)
    }
}

/// The items of `queues` one from each in turn, until all are spent.
fn in_turns<T: Copy>(queues: &[Vec<T>]) -> impl Iterator<Item = T> + '_ {
    let longest = queues.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest).flat_map(move |k| queues.iter().filter_map(move |q| q.get(k).copied()))
}

/// Clusters with duplicates, largest first, then by id: the page's first
/// order.
fn clusters_in_page_order(report: &Report) -> Vec<&doublet::report::Cluster> {
    let mut clusters: Vec<_> = report
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .collect();
    clusters.sort_by(|x, y| y.members.len().cmp(&x.members.len()).then(x.id.cmp(&y.id)));
    clusters
}

fn relation_code(r: Relation) -> u8 {
    PairRelation::from(r) as u8
}

/// Three decimals: what the page shows, in fewer bytes.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Pairs of the report per bin of Jaccard similarity and of containment
/// (the larger direction), per relation: counted from every pair, whatever
/// the page lists.
fn histogram(report: &Report) -> Value {
    let mut jaccard = vec![[0usize; 4]; BINS];
    let mut containment = vec![[0usize; 4]; BINS];
    let bin = |x: f64| ((x * BINS as f64) as usize).min(BINS - 1);
    for p in &report.pairs {
        let r = p.relation as usize;
        if r < 4 {
            jaccard[bin(p.jaccard)][r] += 1;
            containment[bin(p.a_in_b.max(p.b_in_a))][r] += 1;
        }
    }
    json!({"jaccard": jaccard, "containment": containment})
}

/// JSON made safe to embed in a `<script>` element: `<`, `>` and `&` (which
/// could close the element or open a comment, `</script>`, `<!--`, `]]>`)
/// and U+2028/U+2029 (line ends to older JavaScript) are written as `\\uXXXX`
/// escapes. They can only occur inside JSON strings, where the escape means
/// the same character.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_script() {
        let text = "</script><!-- <script> ]]> & \u{2028}\u{2029}";
        let safe = script_safe(&serde_json::json!({ "t": text }).to_string());
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!safe.contains(bad), "{safe}");
        }
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["t"], text);
    }

    fn seeds() -> (Report, HashMap<String, String>) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/news");
        let mut texts: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .map(|p| {
                let id = p.file_name().unwrap().to_string_lossy().into_owned();
                (id, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        texts.sort();
        let mut scanner = doublet::Scanner::new(doublet::Config::default()).unwrap();
        scanner
            .push(
                texts
                    .iter()
                    .map(|(id, t)| doublet::Document::new(id.as_str(), t.as_str()))
                    .collect(),
            )
            .unwrap();
        (scanner.finish().unwrap(), texts.into_iter().collect())
    }

    #[test]
    fn texts_are_embedded_within_the_budget_and_every_pair_opens_when_it_allows() {
        let (report, texts) = seeds();
        let bytes = |ids: &[&str]| -> usize {
            report
                .documents
                .iter()
                .filter(|d| ids.iter().any(|id| d.id.starts_with(id)))
                .map(|d| d.bytes)
                .sum()
        };
        let plan = |text_bytes| {
            Plan::new(
                &report,
                Limits {
                    pairs: 100,
                    text_bytes,
                },
            )
        };
        assert!(plan(0).views.is_empty() && plan(0).texts.is_empty());
        // The largest clusters come first: 000 and 001, then 002 and 003
        // do not fit, nor does 000/002, which needs 002.
        let two = plan(bytes(&["000", "001"]));
        assert_eq!(two.views.len(), 1);
        assert!(two.views[0].0.starts_with("000") && two.views[0].1.starts_with("001"));
        let all = plan(bytes(&["000", "001", "002", "003"]));
        for p in &report.pairs {
            let opens = all
                .views
                .iter()
                .any(|&(x, y)| (x, y) == (&p.a, &p.b) || (y, x) == (&p.a, &p.b));
            assert!(opens, "{} {} does not open", p.a, p.b);
        }
        let page = all.render(&texts);
        // Every view is in the page, each pair's texts with it.
        let open = "<script type=\"application/json\" id=\"data\">";
        let start = page.find(open).unwrap() + open.len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: Value = serde_json::from_str(&page[start..end]).unwrap();
        let views = data["views"].as_object().unwrap();
        assert_eq!(views.len(), all.views.len());
        for key in views.keys() {
            for i in key.split(',') {
                assert!(data["texts"].get(i).is_some(), "no text for {i}");
            }
        }
    }

    #[test]
    fn the_histogram_counts_every_pair_whatever_the_page_lists() {
        let (report, _) = seeds();
        let total = |h: &Value| -> u64 {
            h.as_array()
                .unwrap()
                .iter()
                .flat_map(|bin| bin.as_array().unwrap())
                .map(|c| c.as_u64().unwrap())
                .sum()
        };
        let h = histogram(&report);
        assert_eq!(total(&h["jaccard"]), report.pairs.len() as u64);
        assert_eq!(total(&h["containment"]), report.pairs.len() as u64);
        let listed = |pairs| {
            let plan = Plan::new(
                &report,
                Limits {
                    pairs,
                    text_bytes: 0,
                },
            );
            plan.listed.iter().map(|p| p.relation).collect::<Vec<_>>()
        };
        // Each relation gets its turn, closest relation first.
        use PairRelation::*;
        assert_eq!(listed(1), [NearDuplicate]);
        assert_eq!(listed(2), [NearDuplicate, Contained]);
        assert_eq!(listed(3), [NearDuplicate, Contained, SharedPassages]);
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        let u = Utf16::new("a€😀b");
        assert_eq!(
            [u.of(0), u.of(1), u.of(4), u.of(8), u.of(9)],
            [0, 1, 2, 4, 5]
        );
    }
}
