//! Labelled truth for evaluation.
//!
//! * a **cluster file**: JSON Lines `{"id": …, "cluster": …}` (optionally
//!   `"label"` or `"kind"`: the document's kind, for per-kind scores), or CSV
//!   `id,cluster[,label]`;
//! * a **pair file**: CSV `id_a,id_b[,label]`, one duplicate pair per line; a label of `0`, `false`, `no`, `negative`, `unrelated` or
//!   `different` marks a pair that is *not* a duplicate. Clusters are the
//!   connected components of the positive pairs.
//!
//! A CSV file with a header row (naming `id`/`cluster` or `id_a`/`id_b`) is
//! recognised; without one, the format must be given and columns are
//! positional.
//!
//! The rules, each a refusal naming the file and line(s) rather than a
//! guess, since a score computed on a truth that says two things measures
//! nothing:
//!
//! * the scores compare partitions, so a pair file's positives are linked
//!   transitively; a negative between two ids its positives link (through
//!   any chain) contradicts them and is refused, naming its line and the
//!   lines of the shortest chain of positives linking the two;
//! * one pair labelled both ways (in either order) is refused, naming both
//!   lines; so is an id in two clusters;
//! * a file with no labelled pair or cluster is refused (scores over
//!   nothing would read as perfect);
//! * a cluster label (or a pair's label) that is a number is compared by
//!   its exact decimal value ([`number_key`]): `1`, `1.0`, `1e0` and `"1"`
//!   are one cluster, `0.5` and `0.50` another; nothing is rounded to
//!   binary floating point, so `0.1` and `0.10000000000000001` stay apart
//!   and integers of any length stay exact.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::readers::open;

/// Documents grouped by the truth.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Truth {
    /// Cluster key of each document id.
    pub cluster: HashMap<String, String>,
    /// Kind of each labelled document.
    pub label: HashMap<String, String>,
}

/// How a truth file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TruthFormat {
    /// Decide from the extension and the header.
    Auto,
    /// One line per document with its cluster.
    Clusters,
    /// One line per duplicate pair.
    Pairs,
}

/// A JSON scalar as text (strings as they are, numbers and booleans
/// printed); `None` for null, arrays and objects.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Labels are written out in full up to this many zeros before or after
/// their digits; past that as `<digits>e<exponent>`, so that `1e400` is
/// not four hundred zeros.
const PLAIN_ZEROS: i64 = 40;

/// The key a number written as `text` is compared by, or `None` when
/// `text` is not a number in JSON's grammar (with an exponent only when
/// `exponent` is true).
///
/// Equal values give equal keys and different values different keys,
/// exactly, whatever their length: the key is the number's significant
/// digits and the power of ten they are scaled by, written plainly (`1`,
/// `-2.5`, `0.001`, `18446744073709551616`) unless that needs more than
/// [`PLAIN_ZEROS`] zeros (`1e400`, `1.5e-60`). So `1`, `1.0`, `1e0` and
/// `10e-1` are `1`; `0.5` and `0.50` are `0.5`; `-0` is `0`.
pub fn number_key(text: &str, exponent: bool) -> Option<String> {
    let b = text.as_bytes();
    let digits_from = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let negative = b.first() == Some(&b'-');
    let start = usize::from(negative);
    let mut i = digits_from(start);
    let int = &text[start..i];
    // JSON's grammar: no leading zeros, digits on both sides of a point.
    if int.is_empty() || (int.len() > 1 && int.starts_with('0')) {
        return None;
    }
    let mut frac = "";
    if b.get(i) == Some(&b'.') {
        let end = digits_from(i + 1);
        frac = &text[i + 1..end];
        i = end;
        if frac.is_empty() {
            return None;
        }
    }
    let mut power: i64 = 0;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        if !exponent {
            return None;
        }
        i += 1;
        let minus = b.get(i) == Some(&b'-');
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let end = digits_from(i);
        let written = text[i..end].trim_start_matches('0');
        // More than fifteen digits of exponent would not fit the sums
        // below: such a number is compared as written.
        if end == i || written.len() > 15 {
            return None;
        }
        power = written.parse().unwrap_or(0);
        if minus {
            power = -power;
        }
        i = end;
    }
    if i != b.len() {
        return None;
    }
    let frac_len = i64::try_from(frac.len()).ok()?;
    let all = [int, frac].concat();
    let digits = all.trim_start_matches('0');
    if digits.is_empty() {
        return Some("0".to_owned());
    }
    let significant = digits.trim_end_matches('0');
    let len = i64::try_from(significant.len()).ok()?;
    // The value is `significant` × 10^scale.
    let scale = power - frac_len + i64::try_from(digits.len()).ok()? - len;
    let sign = if negative { "-" } else { "" };
    let zeros = |n: i64| "0".repeat(usize::try_from(n).unwrap_or(0));
    Some(if (0..=PLAIN_ZEROS).contains(&scale) {
        format!("{sign}{significant}{}", zeros(scale))
    } else if scale < 0 && -scale < len {
        let (whole, part) = significant.split_at(usize::try_from(len + scale).ok()?);
        format!("{sign}{whole}.{part}")
    } else if scale < 0 && -scale - len <= PLAIN_ZEROS {
        format!("{sign}0.{}{significant}", zeros(-scale - len))
    } else {
        let (first, rest) = significant.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        format!("{sign}{first}{point}{rest}e{}", scale + len - 1)
    })
}

/// A label written as text (a CSV field, a JSON string) as compared: by
/// its value when it is a number in plain decimal notation (`1`, `1.0`,
/// `-2.50`), else as written. Text with an exponent (`0e5`, `1e3`) stays
/// text, since hexadecimal digests look like that and are not numbers.
fn text_key(text: &str) -> String {
    number_key(text, false).unwrap_or_else(|| text.to_owned())
}

/// A JSON label as compared: a number by its value ([`number_key`]), a
/// string as [`text_key`] reads it, `true` and `false` as words; `None`
/// for null, arrays and objects.
fn label_key(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => {
            let written = n.to_string();
            Some(number_key(&written, true).unwrap_or(written))
        }
        Value::String(s) => Some(text_key(s)),
        other => scalar(other),
    }
}

fn lines(path: &Path) -> Result<Vec<(u64, String)>> {
    let reader = open(path)?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufRead::lines(reader).enumerate() {
        let line = line.map_err(|e| Error::Line {
            path: path.to_owned(),
            line: i as u64 + 1,
            message: e.to_string(),
        })?;
        // A byte-order mark at the start of the file is not part of the data.
        let line = match (i, line.strip_prefix('\u{feff}')) {
            (0, Some(rest)) => rest.to_owned(),
            _ => line,
        };
        if !line.trim().is_empty() {
            out.push((i as u64 + 1, line));
        }
    }
    Ok(out)
}

fn split_csv(line: &str) -> Vec<String> {
    // Ids with commas must be quoted; a doubled quote is a literal quote.
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_owned()).collect()
}

/// Record `id` in `cluster`, refusing an id an earlier line put in another
/// cluster (naming both lines); `first` remembers where each id was given.
fn assign(
    truth: &mut Truth,
    first: &mut HashMap<String, u64>,
    path: &Path,
    line: u64,
    id: String,
    cluster: String,
) -> Result<()> {
    if let Some(prev) = truth.cluster.get(&id) {
        if *prev != cluster {
            return Err(Error::Line {
                path: path.to_owned(),
                line,
                message: format!(
                    "id {} is in cluster {} here but in cluster {} on line {}",
                    crate::quoted(&id),
                    crate::quoted(&cluster),
                    crate::quoted(prev),
                    first.get(&id).copied().unwrap_or(0)
                ),
            });
        }
        return Ok(());
    }
    first.insert(id.clone(), line);
    truth.cluster.insert(id, cluster);
    Ok(())
}

/// Pair labels that mark a non-duplicate (compared in lower case, after
/// [`text_key`], so `0.0` and `False` are negatives too).
const NEGATIVE: &[&str] = &["0", "false", "no", "negative", "unrelated", "different"];

/// Read a truth file.
pub fn read_truth(path: &Path, format: TruthFormat) -> Result<Truth> {
    let truth = read_lines(path, format)?;
    if truth.cluster.is_empty() {
        return Err(Error::Unsupported {
            path: path.to_owned(),
            message: "no labelled pairs or clusters (the file is empty or holds only a header): \
                      there is nothing to score against"
                .into(),
        });
    }
    Ok(truth)
}

fn read_lines(path: &Path, format: TruthFormat) -> Result<Truth> {
    let err = |line: u64, message: String| Error::Line {
        path: path.to_owned(),
        line,
        message,
    };
    let name = path.to_string_lossy().to_ascii_lowercase();
    let base = name.trim_end_matches(".gz").trim_end_matches(".zst");
    let jsonl = base.ends_with(".jsonl") || base.ends_with(".json") || base.ends_with(".ndjson");
    let rows = lines(path)?;
    let mut truth = Truth::default();
    let mut given_at: HashMap<String, u64> = HashMap::new();
    if jsonl {
        if format == TruthFormat::Pairs {
            return Err(Error::Unsupported {
                path: path.to_owned(),
                message: "pair files are CSV: id_a,id_b[,label]".into(),
            });
        }
        for (n, line) in rows {
            let v: Value =
                serde_json::from_str(&line).map_err(|e| err(n, format!("malformed JSON: {e}")))?;
            let id = v
                .get("id")
                .and_then(scalar)
                .ok_or_else(|| err(n, "missing field `id`".into()))?;
            let cluster = v
                .get("cluster")
                .and_then(label_key)
                .ok_or_else(|| err(n, "missing field `cluster`".into()))?;
            if let Some(label) = v.get("label").or_else(|| v.get("kind")).and_then(scalar) {
                truth.label.insert(id.clone(), label);
            }
            assign(&mut truth, &mut given_at, path, n, id, cluster)?;
        }
        return Ok(truth);
    }
    let Some(((first_line, first), rest)) = rows.split_first() else {
        return Ok(truth);
    };
    let names: Vec<String> = split_csv(first)
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let is_header = names
        .iter()
        .any(|h| ["id", "cluster", "id_a", "id_b"].contains(&h.as_str()));
    let pairs = match format {
        TruthFormat::Pairs => true,
        TruthFormat::Clusters => false,
        TruthFormat::Auto if names.iter().any(|h| h == "cluster") => false,
        TruthFormat::Auto if names.iter().any(|h| h == "id_a") => true,
        TruthFormat::Auto => {
            return Err(err(
                *first_line,
                "no header: start with `id,cluster[,label]` or `id_a,id_b[,label]`, or pass --truth-format".into(),
            ))
        }
    };
    // Without a header the columns are positional: id, cluster (or id_a,
    // id_b), then an optional label.
    let (header, body): (Vec<String>, &[(u64, String)]) = if is_header {
        (names, rest)
    } else {
        let cols = if pairs {
            ["id_a", "id_b", "label"]
        } else {
            ["id", "cluster", "label"]
        };
        (cols.iter().map(|c| c.to_string()).collect(), &rows[..])
    };
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let need = |names: &[&str], what: &str| {
        col(names).ok_or_else(|| err(*first_line, format!("the header has no `{what}` column")))
    };
    if pairs {
        let (ca, cb) = (need(&["id_a"], "id_a")?, need(&["id_b"], "id_b")?);
        let cl = col(&["label", "kind"]);
        let mut labelled = Vec::with_capacity(body.len());
        for (n, line) in body {
            let f = split_csv(line);
            let get = |i: usize| {
                f.get(i)
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .ok_or_else(|| err(*n, format!("missing column {}", i + 1)))
            };
            let negative = cl
                .and_then(|i| f.get(i))
                .is_some_and(|l| NEGATIVE.contains(&text_key(l).to_ascii_lowercase().as_str()));
            labelled.push(Labelled {
                line: *n,
                a: get(ca)?,
                b: get(cb)?,
                negative,
            });
        }
        truth.cluster = components(&labelled).map_err(|(line, message)| err(line, message))?;
    } else {
        let (ci, cc) = (need(&["id"], "id")?, need(&["cluster"], "cluster")?);
        let cl = col(&["label", "kind"]);
        for (n, line) in body {
            let f = split_csv(line);
            let id = f
                .get(ci)
                .filter(|s| !s.is_empty())
                .cloned()
                .ok_or_else(|| err(*n, "missing id".into()))?;
            let cluster = f
                .get(cc)
                .filter(|s| !s.is_empty())
                .map(|c| text_key(c))
                .ok_or_else(|| err(*n, "missing cluster".into()))?;
            if let Some(label) = cl.and_then(|i| f.get(i)).filter(|s| !s.is_empty()) {
                truth.label.insert(id.clone(), label.clone());
            }
            assign(&mut truth, &mut given_at, path, *n, id, cluster)?;
        }
    }
    Ok(truth)
}

/// One line of a pair file.
struct Labelled {
    line: u64,
    a: String,
    b: String,
    /// Marked not a duplicate.
    negative: bool,
}

/// How a pair is described in messages.
fn marked(negative: bool) -> &'static str {
    if negative {
        "not duplicates"
    } else {
        "duplicates"
    }
}

/// The cluster of every id a pair file names: the connected components of
/// its positive pairs, each named by its smallest id (so the result does
/// not depend on line order). Refuses, as `(line, message)`, a pair
/// labelled both ways, and a negative between two ids that its positives
/// link: the scores compare partitions, in which duplicates are grouped
/// transitively, so such a file says two things.
fn components(pairs: &[Labelled]) -> std::result::Result<HashMap<String, String>, (u64, String)> {
    let mut first: HashMap<(&str, &str), (u64, bool)> = HashMap::new();
    for p in pairs {
        if p.negative && p.a == p.b {
            return Err((
                p.line,
                format!(
                    "id {} is paired with itself and marked not a duplicate",
                    crate::quoted(&p.a)
                ),
            ));
        }
        let key = if p.a <= p.b {
            (p.a.as_str(), p.b.as_str())
        } else {
            (p.b.as_str(), p.a.as_str())
        };
        match first.get(&key) {
            Some(&(line, negative)) if negative != p.negative => {
                return Err((
                    p.line,
                    format!(
                        "ids {} and {} are marked {} here but {} on line {line}",
                        crate::quoted(&p.a),
                        crate::quoted(&p.b),
                        marked(p.negative),
                        marked(negative)
                    ),
                ))
            }
            Some(_) => {}
            None => {
                first.insert(key, (p.line, p.negative));
            }
        }
    }
    let mut parent: HashMap<&str, &str> = HashMap::new();
    fn find<'a>(parent: &mut HashMap<&'a str, &'a str>, x: &'a str) -> &'a str {
        let mut root = x;
        while let Some(&p) = parent.get(root) {
            if p == root {
                break;
            }
            root = p;
        }
        parent.insert(x, root);
        root
    }
    for p in pairs {
        parent.entry(p.a.as_str()).or_insert(&p.a);
        parent.entry(p.b.as_str()).or_insert(&p.b);
        if !p.negative {
            let (ra, rb) = (find(&mut parent, &p.a), find(&mut parent, &p.b));
            // The smaller root wins, so the result does not depend on line order.
            let (lo, hi) = if ra <= rb { (ra, rb) } else { (rb, ra) };
            parent.insert(hi, lo);
        }
    }
    for p in pairs.iter().filter(|p| p.negative) {
        if find(&mut parent, &p.a) == find(&mut parent, &p.b) {
            let (lines, ids) = chain(pairs, &p.a, &p.b);
            let through = if ids.len() <= 6 {
                let ids: Vec<String> = ids.iter().map(|id| crate::quoted(id)).collect();
                format!(" ({})", ids.join(" ~ "))
            } else {
                String::new()
            };
            return Err((
                p.line,
                format!(
                    "ids {} and {} are marked not duplicates here, but the duplicates on {}{through} \
                     link them, and duplicates are grouped transitively: one of these lines is wrong",
                    crate::quoted(&p.a),
                    crate::quoted(&p.b),
                    line_list(&lines)
                ),
            ));
        }
    }
    let ids: Vec<&str> = parent.keys().copied().collect();
    Ok(ids
        .into_iter()
        .map(|id| (id.to_owned(), find(&mut parent, id).to_owned()))
        .collect())
}

/// The lines of the shortest chain of positive pairs from `a` to `b` (the
/// earliest lines among equally short ones), in line order, and the ids
/// along it from `a` to `b`.
fn chain<'a>(pairs: &'a [Labelled], a: &'a str, b: &'a str) -> (Vec<u64>, Vec<&'a str>) {
    let mut next: HashMap<&str, Vec<(&str, u64)>> = HashMap::new();
    for p in pairs.iter().filter(|p| !p.negative) {
        next.entry(p.a.as_str()).or_default().push((&p.b, p.line));
        next.entry(p.b.as_str()).or_default().push((&p.a, p.line));
    }
    let mut came_from: HashMap<&str, (&str, u64)> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([a]);
    while let Some(at) = queue.pop_front() {
        if at == b {
            break;
        }
        for &(to, line) in next.get(at).map_or(&[][..], Vec::as_slice) {
            if to != a && !came_from.contains_key(to) {
                came_from.insert(to, (at, line));
                queue.push_back(to);
            }
        }
    }
    let (mut lines, mut ids) = (Vec::new(), vec![b]);
    let mut at = b;
    while let Some(&(from, line)) = came_from.get(at) {
        lines.push(line);
        ids.push(from);
        at = from;
    }
    lines.sort_unstable();
    ids.reverse();
    (lines, ids)
}

/// `line 4`, `lines 2 and 3`, `lines 2, 3 and 7`; past six, the first five
/// and the last with the count.
fn line_list(lines: &[u64]) -> String {
    let text: Vec<String> = lines.iter().map(u64::to_string).collect();
    match text.as_slice() {
        [one] => format!("line {one}"),
        [init @ .., last] if text.len() <= 6 => format!("lines {} and {last}", init.join(", ")),
        [init @ .., last] => format!(
            "lines {}, … {last} ({} lines)",
            init[..5].join(", "),
            text.len()
        ),
        [] => "no line".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn cluster_files_in_jsonl_and_csv() {
        let (_d, p) = write(
            "t.jsonl",
            "{\"id\":\"a\",\"cluster\":1,\"kind\":\"original\"}\n{\"id\":\"b\",\"cluster\":1}\n",
        );
        let t = read_truth(&p, TruthFormat::Auto).unwrap();
        assert_eq!(t.cluster["a"], t.cluster["b"]);
        assert_eq!(t.label["a"], "original");
        let (_d, p) = write("t.csv", "id,cluster,label\n\"x,1\",7,copy\ny,7,\n");
        let t = read_truth(&p, TruthFormat::Auto).unwrap();
        assert_eq!(t.cluster["x,1"], "7");
        assert_eq!(t.label.len(), 1);
    }

    #[test]
    fn pair_files_become_components_and_negatives_do_not_link() {
        let (_d, p) = write(
            "p.csv",
            "id_a,id_b,label\nc,b,syndicated\nb,a,edited\nd,e,unrelated\n",
        );
        let t = read_truth(&p, TruthFormat::Auto).unwrap();
        assert_eq!(t.cluster["a"], t.cluster["c"]);
        assert_ne!(t.cluster["d"], t.cluster["e"]);
    }

    #[test]
    fn headerless_csv_is_positional_when_the_format_is_given() {
        let (_d, p) = write("c.csv", "a,1\nb,1\nc,2\n");
        let t = read_truth(&p, TruthFormat::Clusters).unwrap();
        assert_eq!(t.cluster.len(), 3);
        assert_eq!(t.cluster["a"], t.cluster["b"]);
        let (_d, p) = write("p.csv", "a,b\nb,c\n");
        let t = read_truth(&p, TruthFormat::Pairs).unwrap();
        assert_eq!(t.cluster["a"], t.cluster["c"]);
    }

    #[test]
    fn byte_order_marks_are_skipped() {
        let (_d, p) = write("t.jsonl", "\u{feff}{\"id\":\"a\",\"cluster\":1}\n");
        assert_eq!(read_truth(&p, TruthFormat::Auto).unwrap().cluster["a"], "1");
        let (_d, p) = write("t.csv", "\u{feff}id,cluster\na,1\n");
        assert_eq!(read_truth(&p, TruthFormat::Auto).unwrap().cluster["a"], "1");
    }

    #[test]
    fn an_id_in_two_clusters_is_refused_naming_both_lines() {
        let (_d, p) = write("t.csv", "id,cluster\na,1\nb,1\na,1\na,2\n");
        let e = read_truth(&p, TruthFormat::Auto).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}:5:", p.display())), "{e}");
        assert!(e.contains("on line 2"), "{e}");
        let (_d, p) = write(
            "t.jsonl",
            "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"a\",\"cluster\":2}\n",
        );
        let e = read_truth(&p, TruthFormat::Auto).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("on line 1"), "{e}");
    }

    #[test]
    fn headerless_csv_is_refused_with_the_line() {
        let (_d, p) = write("p.csv", "a,b\n");
        let e = read_truth(&p, TruthFormat::Auto).unwrap_err().to_string();
        assert!(e.contains("p.csv:1:") && e.contains("header"), "{e}");
    }

    #[test]
    fn numbers_are_keyed_by_their_exact_value() {
        let key = |t: &str| number_key(t, true);
        for one in ["1", "1.0", "1e0", "10e-1", "0.1e1", "1.000E+0"] {
            assert_eq!(key(one).as_deref(), Some("1"), "{one}");
        }
        assert_eq!(key("-0").as_deref(), Some("0"));
        assert_eq!(key("0.50"), key("5e-1"));
        assert_eq!(key("0.5").as_deref(), Some("0.5"));
        assert_eq!(key("-2.50").as_deref(), Some("-2.5"));
        assert_eq!(key("1200").as_deref(), Some("1200"));
        assert_eq!(key("0.001").as_deref(), Some("0.001"));
        // Exact: no rounding through a double, no limit on length.
        assert_ne!(key("0.1"), key("0.10000000000000001"));
        assert_ne!(key("18446744073709551616"), key("18446744073709551617"));
        let long = "123456789012345678901234567890";
        assert_eq!(key(long).as_deref(), Some(long));
        assert_eq!(key("1e400").as_deref(), Some("1e400"));
        assert_eq!(key("10e399"), key("1e400"));
        assert_eq!(key("1.5e-60").as_deref(), Some("1.5e-60"));
        assert_ne!(key("1e400"), key("1e401"));
        for not in [
            "01", "1.", ".5", "1e", "--1", "1x", "", "-", "0x10", "1_000",
        ] {
            assert_eq!(key(not), None, "{not}");
        }
        // Text with an exponent is text (digests look like `0e5123…`).
        assert_eq!(number_key("0e5", false), None);
        assert_eq!(text_key("0e5"), "0e5");
        assert_eq!(text_key("1.0"), "1");
        assert_eq!(text_key("007"), "007");
    }

    /// The truth a file named `name` holding `text` gives, or its refusal.
    fn truth_of(name: &str, text: &str) -> std::result::Result<Truth, String> {
        let (_d, p) = write(name, text);
        read_truth(&p, TruthFormat::Auto).map_err(|e| e.to_string())
    }

    #[test]
    fn numeric_cluster_labels_are_one_label_by_value() {
        let t = truth_of(
            "t.jsonl",
            "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"b\",\"cluster\":1.0}\n\
             {\"id\":\"c\",\"cluster\":\"1\"}\n{\"id\":\"d\",\"cluster\":1.5}\n\
             {\"id\":\"e\",\"cluster\":18446744073709551617}\n\
             {\"id\":\"f\",\"cluster\":18446744073709551616}\n",
        )
        .unwrap();
        assert_eq!(t.cluster["a"], t.cluster["b"]);
        assert_eq!(t.cluster["a"], t.cluster["c"]);
        assert_ne!(t.cluster["a"], t.cluster["d"]);
        assert_ne!(t.cluster["e"], t.cluster["f"]);
        // The same id given as 1 and 1.0 is one cluster, not a conflict.
        let t = truth_of("t.csv", "id,cluster\na,1\na,1.0\nb,1.00\n").unwrap();
        assert_eq!(t.cluster["a"], t.cluster["b"]);
    }

    #[test]
    fn contradictions_in_pair_files_are_refused_naming_both_lines() {
        let e = truth_of("p.csv", "id_a,id_b,label\na,b,1\nc,d,1\nb,a,0\n").unwrap_err();
        assert!(e.contains("p.csv:4:") && e.contains("on line 2"), "{e}");
        // A negative inside a chain of positives: the chain's lines are named.
        let e = truth_of(
            "p.csv",
            "id_a,id_b,label\na,b,1\nx,y,1\nb,c,1\nc,d,1\na,d,0.0\n",
        )
        .unwrap_err();
        assert!(
            e.contains("p.csv:6:") && e.contains("lines 2, 4 and 5"),
            "{e}"
        );
        assert!(e.contains("\"a\" ~ \"b\" ~ \"c\" ~ \"d\""), "{e}");
        let e = truth_of("p.csv", "id_a,id_b,label\na,a,no\n").unwrap_err();
        assert!(e.contains("with itself"), "{e}");
        // Negatives between components, repeated labels that agree: fine.
        let t = truth_of(
            "p.csv",
            "id_a,id_b,label\na,b,1\nb,a,yes\nc,d\na,c,0\nd,b,false\n",
        )
        .unwrap();
        assert_eq!(t.cluster["a"], t.cluster["b"]);
        assert_eq!(t.cluster["c"], t.cluster["d"]);
        assert_ne!(t.cluster["a"], t.cluster["c"]);
    }

    #[test]
    fn long_chains_are_cut_in_the_message() {
        assert_eq!(line_list(&[4]), "line 4");
        assert_eq!(line_list(&[2, 3]), "lines 2 and 3");
        assert_eq!(
            line_list(&[2, 3, 4, 5, 6, 7, 9]),
            "lines 2, 3, 4, 5, 6, … 9 (7 lines)"
        );
    }

    #[test]
    fn an_empty_truth_is_refused() {
        for (name, text) in [
            ("t.jsonl", ""),
            ("t.csv", "id_a,id_b,label\n"),
            ("t.csv", "\n\n"),
        ] {
            let e = truth_of(name, text).unwrap_err();
            assert!(e.contains("no labelled pairs or clusters"), "{e}");
        }
    }
}
