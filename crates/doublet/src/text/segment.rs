//! Segmentation: split a document into blocks with byte spans.
//!
//! A *block* is the unit that cleaning judges: a paragraph as its author
//! made it. Texts mark paragraphs in two ways. Most scrapers write one
//! paragraph per line. Hard-wrapped texts (licences, mail, changelogs, man
//! pages, plain-text feeds) break lines inside a paragraph at a fixed width,
//! and mark paragraphs by a blank line, a line that ends early, indentation,
//! or a list marker. Judging each wrapped line alone makes every line of a
//! licence look like a menu item, so wrapped lines are joined into their
//! paragraph first.
//!
//! # Telling a wrapped line from a paragraph's end
//!
//! A program that wraps text at width `W` moves a word to the next line only
//! when it would not fit: a line of a wrapped paragraph is *full*, its
//! length plus one space and the next line's first word passing `W`. A line
//! that ends early was ended on purpose (the end of a paragraph, a heading, a
//! list item, a verse). That test holds whatever the case of the next word
//! (a sentence may begin on the next line), so it does not depend on
//! capitals. `W` is read off the text: the 95th percentile of its line
//! widths (a few longer lines, URLs or tables, do not move it). A text is
//! wrapped when `W` is a plausible wrapping width and at least a quarter of
//! its line breaks inside blank-line blocks fall after full lines (in one
//! paragraph per line text of any width, only the longest few do), or when
//! half of them fall mid-sentence before a word in lower case (ragged
//! wrapping, as mail clients write it).
//!
//! In a wrapped text the next line joins the paragraph when the line before
//! it is full (or breaks mid-sentence before a word in lower case), unless
//! the next line begins a new item: a bullet (`*`, `-`, `+`, `•`, `o`), a
//! numbered or lettered clause (`1.`, `(a)`, `iv)`), a heading (a line in
//! capitals, a Markdown `#`, an underline of `=` or `-`), a quotation mark
//! of mail (`>`), a table row (`|`). Indentation counts too: the first line
//! of a paragraph may be indented differently from the rest (a first-line
//! indent, or a hanging indent under a bullet), but a line indented less
//! than the line before it, inside a paragraph, starts a new one.
//!
//! A line holding only `.` is a blank line: Debian's copyright files write
//! blank lines inside a field that way.
//!
//! The user may also say how paragraphs are marked ([`Paragraphs`]): one per
//! line, or separated by blank lines.

use serde::{Deserialize, Serialize};

use super::Span;

/// How the texts of a corpus mark their paragraphs (`Config::paragraphs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paragraphs {
    /// Decided per document: hard-wrapped lines are joined into their
    /// paragraph (see the module docs), other texts have one paragraph a
    /// line.
    #[default]
    Auto,
    /// One paragraph per line.
    Lines,
    /// Paragraphs separated by blank lines; the lines between are one
    /// paragraph.
    Blank,
}

/// Narrowest width at which a text counts as hard-wrapped.
const MIN_WRAP: usize = 30;
/// Widest width at which a text counts as hard-wrapped; one paragraph per
/// line texts have a 95th-percentile line far longer.
const MAX_WRAP: usize = 160;
/// Share of line breaks inside blank-line blocks that must fall after full
/// lines for a text to count as wrapped.
const FULL_SHARE: f64 = 0.25;
/// Columns a tab advances (to its next stop, as terminals show it).
const TAB: usize = 8;

/// One non-blank line of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// The line without its surrounding whitespace.
    pub span: Span,
    /// Columns of leading whitespace (tabs to the next multiple of 8).
    pub indent: usize,
    /// Display width of the line, indentation included (wide characters
    /// count two columns).
    pub width: usize,
    /// A blank line (or the start of the text) comes before it.
    pub after_blank: bool,
}

/// A text's blocks and the facts about its lines that cleaning reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The blocks (paragraphs), each a trimmed span.
    pub blocks: Vec<Span>,
    /// How its lines are laid out.
    pub facts: LineFacts,
}

/// How a text's lines are laid out: what tells a document from a scraped
/// page (`crate::clean::profile`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineFacts {
    /// Non-blank lines.
    pub lines: usize,
    /// Non-blank lines that are indented.
    pub indented: usize,
    /// Line breaks between two non-blank lines, and those with a blank line
    /// between.
    pub breaks: usize,
    /// Of `breaks`, those with a blank line between.
    pub blank_breaks: usize,
    /// The text is hard-wrapped (its wrapped lines were joined, when
    /// paragraphs are told apart automatically).
    pub wrapped: bool,
    /// Lines of a markup people write documents in: Markdown headings
    /// (`# Title`) and code fences, underlines and rules (`=====`).
    pub marked: usize,
}

/// Display width of `s`: one column a character, two for wide (CJK)
/// characters.
pub fn width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Whether `c` takes two columns (East Asian wide and full-width forms).
pub fn is_wide(c: char) -> bool {
    (c as u32) >= 0x1100
        && matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 | 0x20000..=0x3FFFD)
}

/// The non-blank lines of `text`, each trimmed of surrounding whitespace.
pub fn lines(text: &str) -> Vec<Span> {
    read_lines(text).into_iter().map(|l| l.span).collect()
}

/// Whether a line is blank: whitespace, or a single `.` (Debian's blank
/// line inside a field).
pub fn blank_line(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t == "."
}

/// The non-blank lines of `text` with their indentation and width. A line
/// of whitespace, or of a single `.` (Debian's blank line inside a field),
/// is blank.
pub fn read_lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut blank = true;
    let mut start = 0;
    loop {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let trimmed = line.trim();
        if blank_line(line) {
            blank = true;
        } else {
            // `trim` only removes whole characters, so both offsets stay on
            // character boundaries.
            let lead = &line[..line.len() - line.trim_start().len()];
            let indent = lead.chars().fold(0, |col, c| {
                if c == '\t' {
                    (col / TAB + 1) * TAB
                } else {
                    col + 1
                }
            });
            let s = start + lead.len();
            out.push(Line {
                span: Span::new(s, s + trimmed.len()),
                indent,
                width: indent + width(trimmed),
                after_blank: blank,
            });
            blank = false;
        }
        if end == text.len() {
            return out;
        }
        start = end + 1;
    }
}

/// Whether `text` ends like a sentence: terminal punctuation (in any of the
/// common scripts), possibly followed by closing quotes or brackets.
pub fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | '\u{201D}' | '\u{2019}' | ')' | '\u{00BB}' | '\u{300D}'
            )
    });
    t.chars().next_back().is_some_and(|c| {
        matches!(
            c,
            '.' | '!'
                | '?'
                | '\u{3002}'
                | '\u{FF01}'
                | '\u{FF1F}'
                | '\u{2026}'
                | '\u{061F}'
                | '\u{06D4}'
                | '\u{0964}'
        )
    })
}

fn starts_lowercase(line: &str) -> bool {
    line.chars().next().is_some_and(char::is_lowercase)
}

/// Whether a line is a heading in capitals: at least two letters, none in
/// lower case.
fn capitals(line: &str) -> bool {
    let mut letters = 0;
    for c in line.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_alphabetic() {
            letters += 1;
        }
    }
    letters >= 2
}

/// Whether a line is an underline or a rule (`=====`, `-----`, `*****`).
fn rule(line: &str) -> bool {
    line.len() >= 3
        && line
            .bytes()
            .all(|b| matches!(b, b'=' | b'-' | b'~' | b'*' | b'_' | b'#' | b'+' | b' '))
}

/// Whether a line is document markup: a Markdown heading (`#` to `######`
/// and a space) or code fence, or an underline or rule.
fn markup(line: &str) -> bool {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    ((1..=6).contains(&hashes) && line.as_bytes().get(hashes) == Some(&b' '))
        || line.starts_with("```")
        || rule(line)
}

/// Whether a line begins a new item: a bullet, a numbered or lettered
/// clause, a Markdown heading, a mail quotation, a table row.
pub fn starts_item(line: &str) -> bool {
    let mut chars = line.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let second = chars.next();
    let spaced = |c: Option<char>| c.is_none_or(char::is_whitespace);
    match first {
        '*' | '-' | '+' | '\u{2022}' | '\u{00B7}' | '\u{2023}' | '\u{25E6}' | '\u{2013}'
        | '\u{2014}'
            if spaced(second) =>
        {
            return true
        }
        'o' if second.is_some_and(char::is_whitespace) => return true,
        '#' | '>' | '|' => return true,
        _ => {}
    }
    // "1.", "12)", "(3)", "a.", "(b)", "iv)", "IX." followed by a space.
    let body = line.strip_prefix('(').unwrap_or(line);
    let label: &str = body.split(['.', ')']).next().unwrap_or("");
    if label.is_empty() || label.len() > 5 || label.len() == body.len() {
        return false;
    }
    let after = &body[label.len() + 1..];
    if !spaced(after.chars().next()) {
        return false;
    }
    let numeric = label.len() <= 3 && label.bytes().all(|b| b.is_ascii_digit());
    let letter = label.len() == 1 && label.bytes().all(|b| b.is_ascii_alphabetic());
    let roman = label
        .bytes()
        .all(|b| matches!(b.to_ascii_lowercase(), b'i' | b'v' | b'x' | b'l'));
    numeric || letter || roman
}

/// Width of the first word of a line.
fn first_word(text: &str, line: &Line) -> usize {
    let s = &text[line.span.start..line.span.end];
    width(s.split(char::is_whitespace).next().unwrap_or(""))
}

/// The width at which `lines` look wrapped, if any: their 95th-percentile
/// width, when it is a plausible wrapping width.
fn wrap_width(lines: &[Line]) -> Option<usize> {
    if lines.len() < 3 {
        return None;
    }
    let mut widths: Vec<usize> = lines.iter().map(|l| l.width).collect();
    widths.sort_unstable();
    let w = widths[(widths.len() * 95 / 100).min(widths.len() - 1)];
    (MIN_WRAP..=MAX_WRAP).contains(&w).then_some(w)
}

/// How much shorter than the wrapping width a line may end and still be a
/// wrapped line when it breaks mid-sentence: hand-wrapped texts (licences
/// above all) end lines a word or two early.
const LOOSE: usize = 12;

/// What decides whether line `b` continues the paragraph of line `a`.
struct Joiner<'t> {
    text: &'t str,
    /// The text's wrapping width, if it looks wrapped.
    width: Option<usize>,
    /// For each line, the widest line of its blank-line group: a group
    /// wrapped narrower than the rest of the text (a quoted licence) is
    /// judged by its own width.
    group: Vec<usize>,
}

impl Joiner<'_> {
    fn str(&self, l: &Line) -> &str {
        &self.text[l.span.start..l.span.end]
    }

    /// The width line `i` was wrapped at: the text's, or its group's when
    /// that is a little narrower (three quarters of it or more: a group of
    /// short lines was not wrapped at all).
    fn width_at(&self, i: usize) -> Option<usize> {
        self.width.map(|w| {
            let g = self.group[i];
            if 4 * g >= 3 * w {
                g.min(w)
            } else {
                w
            }
        })
    }

    /// Line `i` is a heading in capitals: short for its width (a line of
    /// capitals that fills it is part of a paragraph of capitals), and not
    /// the end of a sentence (`DT_UNKNOWN.` closing a paragraph).
    fn heading(&self, i: usize, l: &Line) -> bool {
        let s = self.str(l);
        capitals(s) && !ends_sentence(s) && self.width_at(i).is_none_or(|w| 3 * l.width < 2 * w)
    }

    /// How far line `a` (the `i`th) fills its width: the first word of `b`
    /// would not have fitted on it (`> 0`), or by how many columns it
    /// would have.
    fn room(&self, i: usize, a: &Line, b: &Line) -> Option<isize> {
        self.width_at(i)
            .map(|w| (a.width + 1 + first_word(self.text, b)) as isize - w as isize)
    }

    /// `a` is full: the first word of `b` would not have fitted on it.
    fn full(&self, i: usize, a: &Line, b: &Line) -> bool {
        self.room(i, a, b).is_some_and(|r| r > 0)
    }

    /// `a` is nearly full and breaks mid-sentence, as hand-wrapped lines do.
    fn nearly_full(&self, i: usize, a: &Line, b: &Line) -> bool {
        let sa = self.str(a);
        self.room(i, a, b).is_some_and(|r| r > -(LOOSE as isize))
            && !ends_sentence(sa)
            && !sa.ends_with([':', ';'])
    }

    /// `a` breaks mid-sentence before a word in lower case.
    fn continued(&self, a: &Line, b: &Line) -> bool {
        let (sa, sb) = (self.str(a), self.str(b));
        !ends_sentence(sa) && !sa.ends_with([':', ';']) && starts_lowercase(sb)
    }

    /// `b` (line `i + 1`) cannot continue `a`'s paragraph whatever the
    /// widths: it begins an item or a heading, or `a` is a heading or a
    /// rule.
    fn separate(&self, i: usize, a: &Line, b: &Line) -> bool {
        let (sa, sb) = (self.str(a), self.str(b));
        // A short line of capitals is a heading, unless it ends a paragraph
        // of capitals (a licence's disclaimer).
        let (ha, hb) = (self.heading(i, a), self.heading(i + 1, b));
        starts_item(sb)
            || rule(sa)
            || rule(sb)
            || (ha && (hb || !capitals(sb)))
            || (hb && !capitals(sa))
    }
}

/// For each line, the width of the widest line in its blank-line group.
fn group_widths(lines: &[Line]) -> Vec<usize> {
    let mut out = vec![0; lines.len()];
    let mut start = 0;
    for i in 0..=lines.len() {
        if i == lines.len() || (i > start && lines[i].after_blank) {
            let w = lines[start..i].iter().map(|l| l.width).max().unwrap_or(0);
            out[start..i].iter_mut().for_each(|x| *x = w);
            start = i;
        }
    }
    out
}

/// Split `text` into blocks (paragraphs), each a trimmed span, telling
/// paragraphs apart automatically.
pub fn blocks(text: &str) -> Vec<Span> {
    split(text, Paragraphs::Auto).blocks
}

/// Split `text` into blocks as `mode` says, with the facts about its lines.
pub fn split(text: &str, mode: Paragraphs) -> Layout {
    let lines = read_lines(text);
    let mut layout = Layout::default();
    let facts = &mut layout.facts;
    facts.lines = lines.len();
    facts.indented = lines.iter().filter(|l| l.indent > 0).count();
    for b in lines.iter().skip(1) {
        facts.breaks += 1;
        facts.blank_breaks += usize::from(b.after_blank);
    }
    facts.marked = lines
        .iter()
        .filter(|l| markup(&text[l.span.start..l.span.end]))
        .count();
    let joiner = Joiner {
        text,
        width: wrap_width(&lines),
        group: group_widths(&lines),
    };
    // Line breaks inside blank-line groups, as (index of the line before).
    let inner = || {
        (1..lines.len())
            .filter(|&i| !lines[i].after_blank)
            .map(|i| i - 1)
    };
    let counted = inner().count();
    let full = inner()
        .filter(|&i| {
            let (a, b) = (&lines[i], &lines[i + 1]);
            joiner.full(i, a, b) && !joiner.separate(i, a, b)
        })
        .count();
    let continued = inner()
        .filter(|&i| joiner.continued(&lines[i], &lines[i + 1]))
        .count();
    let wrapped =
        counted >= 2 && (full as f64 >= FULL_SHARE * counted as f64 || continued * 2 >= counted);
    layout.facts.wrapped = wrapped;
    // Whether line `i + 1` continues the paragraph of line `i`, whose
    // paragraph began at line `first`.
    let join = |first: usize, i: usize| -> bool {
        let (a, b) = (&lines[i], &lines[i + 1]);
        if b.after_blank {
            return false;
        }
        match mode {
            Paragraphs::Lines => false,
            Paragraphs::Blank => true,
            Paragraphs::Auto => {
                wrapped
                    && !joiner.separate(i, a, b)
                    // Inside a paragraph its lines share their indentation;
                    // only its first line may differ.
                    && (b.indent == a.indent || first == i)
                    && (joiner.full(i, a, b)
                        || joiner.nearly_full(i, a, b)
                        || joiner.continued(a, b))
            }
        }
    };
    let mut first = 0;
    for (i, line) in lines.iter().enumerate() {
        match layout.blocks.last_mut() {
            Some(last) if i > 0 && join(first, i - 1) => last.end = line.span.end,
            _ => {
                layout.blocks.push(line.span);
                first = i;
            }
        }
    }
    layout
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(text: &'a str, spans: &[Span]) -> Vec<&'a str> {
        spans.iter().map(|s| &text[s.start..s.end]).collect()
    }

    fn wrap(text: &str, width: usize) -> String {
        let mut out = String::new();
        let mut line = String::new();
        for w in text.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + w.len() > width {
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        out.push_str(&line);
        out
    }

    #[test]
    fn one_paragraph_per_line() {
        let t = "  First line.\r\nSecond line.\n\n\nThird.\n";
        assert_eq!(
            texts(t, &blocks(t)),
            ["First line.", "Second line.", "Third."]
        );
    }

    #[test]
    fn wrapped_paragraphs_are_joined() {
        let t = "The minister said that the\ntalks would go on until\nthe end of the week.\n\nA second paragraph that\nwraps as well.\n";
        assert_eq!(
            texts(t, &blocks(t)),
            [
                "The minister said that the\ntalks would go on until\nthe end of the week.",
                "A second paragraph that\nwraps as well."
            ]
        );
    }

    #[test]
    fn wrapped_lines_are_joined_whatever_the_case_of_the_next_word() {
        let para = "Redistribution and use in source and binary forms, with or without \
                    modification, are permitted provided that the following conditions are \
                    met. Neither the name of the University nor the names of its \
                    Contributors may be used to endorse or promote products derived from \
                    this software without specific prior written permission. THIS \
                    SOFTWARE IS PROVIDED BY THE REGENTS AND CONTRIBUTORS AS IS AND ANY \
                    EXPRESS OR IMPLIED WARRANTIES ARE DISCLAIMED.";
        let t = format!("{}\n\n{}\n", wrap(para, 72), wrap(para, 72));
        assert!(t.lines().count() > 8);
        let b = blocks(&t);
        assert_eq!(b.len(), 2, "{:#?}", texts(&t, &b));
    }

    #[test]
    fn numbered_clauses_and_bullets_start_paragraphs() {
        let t = "Redistribution and use in source and binary forms, with or without\n\
                 modification, are permitted provided that the following conditions\n\
                 are met:\n\
                 1. Redistributions of source code must retain the above copyright\n   \
                    notice, this list of conditions and the following disclaimer.\n\
                 2. Redistributions in binary form must reproduce the above copyright\n   \
                    notice, this list of conditions and the following disclaimer in the\n   \
                    documentation and/or other materials provided with the distribution.\n";
        assert_eq!(
            texts(t, &blocks(t)),
            [
                "Redistribution and use in source and binary forms, with or without\n\
                 modification, are permitted provided that the following conditions\n\
                 are met:",
                "1. Redistributions of source code must retain the above copyright\n   \
                 notice, this list of conditions and the following disclaimer.",
                "2. Redistributions in binary form must reproduce the above copyright\n   \
                 notice, this list of conditions and the following disclaimer in the\n   \
                 documentation and/or other materials provided with the distribution."
            ]
        );
    }

    #[test]
    fn a_changelog_keeps_its_items_and_joins_their_wrapped_lines() {
        let t = "llvm-toolchain-14 (1:14.0.6-12) unstable; urgency=medium\n\n  \
                 * Fix the build on mips64el: the compiler-rt tests are disabled there\n    \
                   since they time out on the buildds.\n  \
                 * Upload to unstable.\n  \
                 * Bump the Standards-Version to 4.6.1, no changes needed for this one\n    \
                   at all.\n\n \
                 -- Sylvestre Ledru <sylvestre@debian.org>  Sun, 27 Nov 2022 10:10:10 +0100\n";
        let b = blocks(t);
        assert_eq!(b.len(), 5, "{:#?}", texts(t, &b));
        assert!(texts(t, &b)[1].ends_with("buildds."));
        assert_eq!(texts(t, &b)[2], "* Upload to unstable.");
    }

    #[test]
    fn headings_and_indentation_end_paragraphs() {
        let p = "The chfn command changes user fullname, office room number, office phone \
                 number, and home phone number information for a user's account. This \
                 information is typically printed by finger and similar programs.";
        let t = format!(
            "NAME\n       chfn - change real user name and information\n\nDESCRIPTION\n{}\n\nOPTIONS\n       -f, --full-name FULL_NAME\n           Change the user's full name.\n",
            wrap(p, 72)
                .lines()
                .map(|l| format!("       {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let b = blocks(&t);
        let got = texts(&t, &b);
        assert_eq!(got.len(), 7, "{got:#?}");
        assert_eq!(
            got[3].split_whitespace().count(),
            p.split_whitespace().count()
        );
        assert_eq!(got[4], "OPTIONS");
    }

    #[test]
    fn a_hand_wrapped_disclaimer_in_capitals_is_one_paragraph() {
        let t = " Redistribution and use in source and binary forms, with or without\n \
                 modification, are permitted provided that the following conditions are met:\n \
                 .\n \
                 THIS SOFTWARE IS PROVIDED BY AUTHORS AND CONTRIBUTORS ``AS IS'' AND\n \
                 ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE\n \
                 IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE\n \
                 ARE DISCLAIMED.  IN NO EVENT SHALL THE AUTHORS OR CONTRIBUTORS BE LIABLE\n \
                 FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL\n \
                 DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS\n \
                 OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)\n \
                 HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT\n \
                 LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY\n \
                 OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF\n \
                 SUCH DAMAGE.\n";
        let got = texts(t, &blocks(t));
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[1].starts_with("THIS SOFTWARE") && got[1].ends_with("SUCH DAMAGE."));
    }

    #[test]
    fn a_lone_dot_is_a_blank_line() {
        let t = "License: BSD-3-clause\n Redistribution and use in source and binary forms, with or\n without modification, are permitted provided that the following\n conditions are met.\n .\n THIS SOFTWARE IS PROVIDED AS IS.\n";
        let got = texts(t, &blocks(t));
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[1].ends_with("conditions are met."));
    }

    #[test]
    fn lines_and_blank_modes_do_as_told() {
        let t = "One short line.\nAnother short line.\n\nA third.\n";
        assert_eq!(split(t, Paragraphs::Lines).blocks.len(), 3);
        assert_eq!(split(t, Paragraphs::Blank).blocks.len(), 2);
    }

    #[test]
    fn paragraphs_one_per_line_are_never_joined() {
        // Lines of every length up to a few hundred characters, as scraped
        // pages have them: the longest are not taken for wrapped lines.
        let mut t = String::new();
        for i in 0..60 {
            let words = 5 + (i * 7) % 40;
            t.push_str(&vec!["word"; words].join(" "));
            t.push_str(".\n");
        }
        let l = split(&t, Paragraphs::Auto);
        assert!(!l.facts.wrapped);
        assert_eq!(l.blocks.len(), 60);
    }

    #[test]
    fn lists_of_short_lines_stay_lines() {
        let t = "Smart Quarterly\n₹900\n3 Months\n\nArchives\nRepository of articles\n";
        assert_eq!(blocks(t).len(), 5);
    }

    #[test]
    fn items_are_recognised() {
        for s in [
            "* a", "- a", "• a", "1. a", "12) a", "(3) a", "a. a", "(b) a", "iv) a", "IX. a",
            "# Title", "> quoted", "| cell |",
        ] {
            assert!(starts_item(s), "{s}");
        }
        for s in [
            "a",
            "e.g. this",
            "10.5 percent",
            "Mr. Smith",
            "--long-option",
            "2026",
        ] {
            assert!(!starts_item(s), "{s}");
        }
    }

    #[test]
    fn empty_and_blank_documents_have_no_blocks() {
        assert!(blocks("").is_empty());
        assert!(blocks(" \n\t\n").is_empty());
        assert!(blocks(" .\n").is_empty());
    }
}
