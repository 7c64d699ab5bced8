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

const NEGATIVE: &[&str] = &["0", "false", "no", "negative", "unrelated", "different"];

/// Read a truth file.
pub fn read_truth(path: &Path, format: TruthFormat) -> Result<Truth> {
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
                .and_then(scalar)
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
        let mut parent: HashMap<String, String> = HashMap::new();
        fn find(parent: &mut HashMap<String, String>, x: &str) -> String {
            let mut root = x.to_owned();
            while let Some(p) = parent.get(&root) {
                if *p == root {
                    break;
                }
                root = p.clone();
            }
            parent.insert(x.to_owned(), root.clone());
            root
        }
        for (n, line) in body {
            let f = split_csv(line);
            let get = |i: usize| {
                f.get(i)
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .ok_or_else(|| err(*n, format!("missing column {}", i + 1)))
            };
            let (a, b) = (get(ca)?, get(cb)?);
            parent.entry(a.clone()).or_insert_with(|| a.clone());
            parent.entry(b.clone()).or_insert_with(|| b.clone());
            let negative = cl
                .and_then(|i| f.get(i))
                .is_some_and(|l| NEGATIVE.contains(&l.to_ascii_lowercase().as_str()));
            if !negative {
                let (ra, rb) = (find(&mut parent, &a), find(&mut parent, &b));
                // The smaller root wins, so the result does not depend on line order.
                let (lo, hi) = if ra <= rb { (ra, rb) } else { (rb, ra) };
                parent.insert(hi, lo);
            }
        }
        let ids: Vec<String> = parent.keys().cloned().collect();
        for id in ids {
            let root = find(&mut parent, &id);
            truth.cluster.insert(id, root);
        }
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
                .cloned()
                .ok_or_else(|| err(*n, "missing cluster".into()))?;
            if let Some(label) = cl.and_then(|i| f.get(i)).filter(|s| !s.is_empty()) {
                truth.label.insert(id.clone(), label.clone());
            }
            assign(&mut truth, &mut given_at, path, *n, id, cluster)?;
        }
    }
    Ok(truth)
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
}
