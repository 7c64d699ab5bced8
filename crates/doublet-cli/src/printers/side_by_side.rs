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

/// The passage with some context, the passage itself marked: bold on a
/// terminal, between »guillemets« otherwise.
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
    let (open, close) = if color {
        ("\x1b[1;32m", "\x1b[0m")
    } else {
        ("»", "«")
    };
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "{}{} {open}{}{close} {}{}",
        if start > 0 { "… " } else { "" },
        clean(&text[start..span.start]),
        clean(&text[span.start..span.end]),
        clean(&text[span.end..end]),
        if end < text.len() { " …" } else { "" }
    )
}

/// Greedy word wrap that ignores ANSI escapes when measuring.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let visible = |w: &str| {
        let mut n = 0;
        let mut esc = false;
        for c in w.chars() {
            match (esc, c) {
                (false, '\x1b') => esc = true,
                (true, 'm') => esc = false,
                (true, _) => {}
                _ => n += 1,
            }
        }
        n
    };
    let mut lines = vec![String::new()];
    let mut len = 0;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let n = visible(word);
        if len > 0 && len + 1 + n > width {
            lines.push(String::new());
            len = 0;
        }
        let line = lines.last_mut().expect("lines starts non-empty");
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += n;
    }
    lines
}

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
            let pad = col.saturating_sub(l.chars().filter(|&ch| ch != '\x1b').count() - escapes(l));
            writeln!(out, "{l}{} | {r}", " ".repeat(pad))?;
        }
    }
    Ok(())
}

/// Characters belonging to ANSI escape sequences in `s` (besides the ESC).
fn escapes(s: &str) -> usize {
    let mut n = 0;
    let mut esc = false;
    for c in s.chars() {
        match (esc, c) {
            (false, '\x1b') => esc = true,
            (true, 'm') => {
                esc = false;
                n += 1;
            }
            (true, _) => n += 1,
            _ => {}
        }
    }
    n
}

/// The largest char boundary of `s` at or below `i`.
fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
