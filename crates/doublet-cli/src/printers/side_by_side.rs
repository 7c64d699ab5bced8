//! Two documents side by side in the terminal, shared passages marked.

use std::io::{self, Write};

use doublet::report::{Comparison, PairRelation};
use doublet::Span;

/// Bytes of context shown around a passage on each side.
const CONTEXT: usize = 80;

fn relation(r: PairRelation) -> &'static str {
    match r {
        PairRelation::Exact => "exact duplicates",
        PairRelation::NearDuplicate => "near-duplicates",
        PairRelation::Contained => "one contained in the other",
        PairRelation::SharedPassages => "different documents sharing passages",
        PairRelation::Unrelated => "unrelated",
    }
}

/// The passage with some context, the passage itself marked: bold green
/// when colour is on, between »guillemets« otherwise.
fn excerpt(text: &str, span: Span, color: bool) -> String {
    // Context starts and ends at whitespace, so no word is cut in half.
    let before = &text[..span.start];
    let mut start = span.start.saturating_sub(CONTEXT);
    if start > 0 {
        start = before[..floor(before, start)]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + 1);
    }
    let after = &text[span.end..];
    let want = floor(after, CONTEXT.min(after.len()));
    let end = span.end
        + after[want..]
            .find(char::is_whitespace)
            .map_or(after.len(), |i| want + i);
    let (open, close) = if color { MARK } else { ("»", "«") };
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let marked = format!("{open}{}{close}", clean(&text[span.start..span.end]));
    [
        if start > 0 {
            "…".to_owned()
        } else {
            String::new()
        },
        clean(&text[start..span.start]),
        marked,
        clean(&text[span.end..end]),
        if end < text.len() {
            "…".to_owned()
        } else {
            String::new()
        },
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// Lines of at most `width` terminal columns: wide characters (CJK) count
/// two, ANSI escapes none, and text without spaces breaks where Unicode
/// allows (between ideographs).
/// A marked passage spanning several lines is closed at the end of each
/// and opened again at the start of the next, so the colour never runs
/// into the other column.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut open = false;
    textwrap::wrap(s, width.max(1))
        .into_iter()
        .map(|l| {
            let mut line = String::new();
            if open {
                line.push_str(MARK.0);
            }
            line.push_str(&l);
            if let Some(at) = line.rfind(MARK.0) {
                open = !line[at..].contains(MARK.1);
            }
            if open {
                line.push_str(MARK.1);
            }
            line
        })
        .collect()
}

/// How a passage is marked when colour is on.
const MARK: (&str, &str) = ("\x1b[1;32m", "\x1b[0m");

pub fn print(
    c: &Comparison,
    a: &str,
    b: &str,
    width: usize,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "A: {}", c.a)?;
    writeln!(out, "B: {}", c.b)?;
    writeln!(
        out,
        "{}: jaccard {:.3}, A in B {:.3}, B in A {:.3}; {} shared passage{}",
        relation(c.relation),
        c.jaccard,
        c.a_in_b,
        c.b_in_a,
        c.passages.len(),
        if c.passages.len() == 1 { "" } else { "s" }
    )?;
    let col = (width.max(40) - 3) / 2;
    for (i, p) in c.passages.iter().enumerate() {
        writeln!(out)?;
        writeln!(
            out,
            "passage {} of {}: {} words; A bytes {}..{}, B bytes {}..{}",
            i + 1,
            c.passages.len(),
            p.tokens,
            p.a.start,
            p.a.end,
            p.b.start,
            p.b.end
        )?;
        let left = wrap(&excerpt(a, p.a, color), col);
        let right = wrap(&excerpt(b, p.b, color), col);
        for k in 0..left.len().max(right.len()) {
            let l = left.get(k).map_or("", String::as_str);
            let r = right.get(k).map_or("", String::as_str);
            let pad = col.saturating_sub(textwrap::core::display_width(l));
            writeln!(out, "{l}{} | {r}", " ".repeat(pad))?;
        }
    }
    Ok(())
}

/// The largest char boundary of `s` at or below `i`.
fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
