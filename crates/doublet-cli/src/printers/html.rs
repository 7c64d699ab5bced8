//! The HTML report: one self-contained page (no network, no CDN) with totals,
//! a histogram of pair similarities, the clusters, and any pair side by side
//! with shared passages highlighted and repeated and boilerplate spans shaded.
//!
//! The page renders from embedded JSON, a page of rows at a time and one pair
//! view on demand, so it stays usable for large corpora; the texts embedded
//! are only those of documents in the listed pairs.

use std::collections::HashMap;

use doublet::report::{PairRelation, Passage};
use doublet::Report;
use serde_json::{json, Value};

const TEMPLATE: &str = include_str!("html/report.html");
const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/app.js");

/// Pairs listed in the page at most (the closest first, as in the report).
pub const MAX_PAIRS: usize = 20_000;

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
}

/// The pairs shown: every related pair, closest relations first, at most
/// [`MAX_PAIRS`].
pub fn listed(report: &Report) -> Vec<&doublet::report::PairReport> {
    let mut pairs: Vec<_> = report.pairs.iter().collect();
    pairs.sort_by(|x, y| {
        x.relation
            .cmp(&y.relation)
            .then(y.jaccard.total_cmp(&x.jaccard))
            .then((&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    pairs.truncate(MAX_PAIRS);
    pairs
}

/// Render the page. `texts` holds the original text of documents in listed
/// pairs; `aligned` the passages of duplicate pairs (which the report itself
/// does not align), keyed by `(a, b)`.
pub fn render(
    report: &Report,
    texts: &HashMap<String, String>,
    aligned: &HashMap<(String, String), Vec<Passage>>,
) -> String {
    let mut offsets: HashMap<&str, Utf16> = HashMap::new();
    let mut docs = serde_json::Map::new();
    for d in &report.documents {
        let Some(text) = texts.get(&d.id) else {
            continue;
        };
        let u = Utf16::new(text);
        let spans = |ms: &[doublet::report::Marked]| -> Vec<[u32; 2]> {
            ms.iter().map(|m| [u.of(m.start), u.of(m.end)]).collect()
        };
        docs.insert(
            d.id.clone(),
            json!({"text": text, "repeated": spans(&d.repeated), "boilerplate": spans(&d.boilerplate)}),
        );
        offsets.insert(d.id.as_str(), u);
    }
    let pairs: Vec<Value> = listed(report)
        .into_iter()
        .map(|p| {
            let passages: &[Passage] = if p.relation == PairRelation::SharedPassages {
                &p.passages
            } else {
                aligned.get(&(p.a.clone(), p.b.clone())).map_or(&[], Vec::as_slice)
            };
            let spans: Vec<[u32; 5]> = match (offsets.get(p.a.as_str()), offsets.get(p.b.as_str())) {
                (Some(ua), Some(ub)) => passages
                    .iter()
                    .map(|x| [ua.of(x.a.start), ua.of(x.a.end), ub.of(x.b.start), ub.of(x.b.end), x.tokens as u32])
                    .collect(),
                _ => Vec::new(),
            };
            json!({"a": p.a, "b": p.b, "relation": p.relation, "jaccard": p.jaccard, "a_in_b": p.a_in_b, "b_in_a": p.b_in_a, "passages": spans})
        })
        .collect();
    let clusters: Vec<Value> = report
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .map(|c| json!([c.kept, &c.members[1..]]))
        .collect();
    let data = json!({
        "version": report.version,
        "stats": report.stats,
        "config": report.config,
        "docs": docs,
        "pairs": pairs,
        "clusters": clusters,
    });
    let data = script_safe(&data.to_string());
    TEMPLATE
        .replacen("/*STYLE*/", STYLE, 1)
        .replacen("/*SCRIPT*/", SCRIPT, 1)
        .replacen("/*DATA*/", &data, 1)
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

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        let u = Utf16::new("a€😀b");
        assert_eq!(
            [u.of(0), u.of(1), u.of(4), u.of(8), u.of(9)],
            [0, 1, 2, 4, 5]
        );
    }
}
