//! Segmentation: split a document into blocks with byte spans.
//!
//! A *block* is the unit that cleaning judges: a paragraph. Scraped text marks
//! paragraphs in one of two ways. Most scrapers write one paragraph per line;
//! hard-wrapped sources (mail archives, plain-text feeds) break lines inside a
//! paragraph and separate paragraphs with a blank line. We look at how lines
//! end to tell the two apart: in wrapped text most line breaks inside a
//! blank-line block fall mid-sentence, before a word in lower case.

use super::Span;

/// How a document marks its paragraphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One paragraph per line.
    Lines,
    /// Paragraphs separated by blank lines, lines wrapped inside them.
    Paragraphs,
}

/// The non-blank lines of `text`, each trimmed of surrounding whitespace.
pub fn lines(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            push_trimmed(text, start, i, &mut out);
            start = i + 1;
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let line = &text[start..end];
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return;
    }
    // `trim` only removes whole characters, so both offsets stay on boundaries.
    let lead = line.len() - line.trim_start().len();
    let s = start + lead;
    out.push(Span::new(s, s + trimmed.len()));
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

/// Decide how `text` marks paragraphs, given its non-blank `lines`.
pub fn layout(text: &str, lines: &[Span]) -> Layout {
    let mut inside = 0usize;
    let mut continued = 0usize;
    for pair in lines.windows(2) {
        let gap = &text[pair[0].end..pair[1].start];
        if gap.bytes().filter(|&b| b == b'\n').count() != 1 {
            continue; // a blank line separates these two
        }
        inside += 1;
        let (a, b) = (
            &text[pair[0].start..pair[0].end],
            &text[pair[1].start..pair[1].end],
        );
        let clause_end = a.ends_with([':', ';']);
        if !ends_sentence(a) && !clause_end && starts_lowercase(b) {
            continued += 1;
        }
    }
    if inside >= 2 && continued * 2 >= inside {
        Layout::Paragraphs
    } else {
        Layout::Lines
    }
}

/// Split `text` into blocks (paragraphs), each a trimmed span.
pub fn blocks(text: &str) -> Vec<Span> {
    let lines = lines(text);
    match layout(text, &lines) {
        Layout::Lines => lines,
        Layout::Paragraphs => {
            let mut out: Vec<Span> = Vec::new();
            let mut prev_end: Option<usize> = None;
            for line in lines {
                let joined = prev_end.is_some_and(|e| {
                    text[e..line.start].bytes().filter(|&b| b == b'\n').count() == 1
                });
                match out.last_mut() {
                    Some(last) if joined => last.end = line.end,
                    _ => out.push(line),
                }
                prev_end = Some(line.end);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(text: &'a str, spans: &[Span]) -> Vec<&'a str> {
        spans.iter().map(|s| &text[s.start..s.end]).collect()
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
    fn lists_of_short_lines_stay_lines() {
        let t = "Smart Quarterly\n₹900\n3 Months\n\nArchives\nRepository of articles\n";
        assert_eq!(blocks(t).len(), 5);
    }

    #[test]
    fn empty_and_blank_documents_have_no_blocks() {
        assert!(blocks("").is_empty());
        assert!(blocks(" \n\t\n").is_empty());
    }
}
