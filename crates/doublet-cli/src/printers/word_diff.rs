//! What differs between two texts, word by word: the view of a duplicate
//! pair that shows the edits rather than painting the shared text.

use doublet::text::normalise::for_each_word;
use similar::{capture_diff_slices, Algorithm, DiffTag};
use unicode_segmentation::UnicodeSegmentation;

/// Texts longer than this many words on either side are not diffed.
pub const MAX_WORDS: usize = 30_000;

/// A stretch of sentences that differ is diffed word by word only when it
/// holds at most this many words on each side; a longer one is marked
/// whole. With [`MAX_WORDS`] this bounds the cost of a pair whatever the
/// texts (a deadline would make the page depend on the machine's speed).
const REGION_WORDS: usize = 1_000;

/// Byte spans of a text, in order.
pub type Spans = Vec<(usize, usize)>;

/// The spans of each text that the other does not have: `(only_in_a,
/// only_in_b)`, each covering whole words (and what lies between changed
/// words). Words are found and compared as doublet's shingles see them
/// ([`for_each_word`]: Unicode word bounds, normalised, punctuation
/// folded), so a curly quote where the other text has a straight one is no
/// edit. `None` when either text is longer than [`MAX_WORDS`].
///
/// Sentences are aligned first, then the words of each stretch of
/// sentences that differ: a paragraph moved elsewhere stays one edit, and
/// repetitive text with few distinct words cannot make the word diff slow.
pub fn word_diff(a: &str, b: &str) -> Option<(Spans, Spans)> {
    let ((wa, ta), (wb, tb)) = (words(a), words(b));
    if wa.len() > MAX_WORDS || wb.len() > MAX_WORDS {
        return None;
    }
    let (sa, sb) = (sentences(a, &wa), sentences(b, &wb));
    let ka: Vec<&[String]> = sa.iter().map(|r| &ta[r.clone()]).collect();
    let kb: Vec<&[String]> = sb.iter().map(|r| &tb[r.clone()]).collect();
    let (mut only_a, mut only_b) = (Runs::default(), Runs::default());
    // Patience anchors on units found once on each side, so a short text
    // inside a long one costs little; Myers fills the gaps between anchors.
    for op in capture_diff_slices(Algorithm::Patience, &ka, &kb) {
        let (tag, ra, rb) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            continue;
        }
        let words_of = |s: &[std::ops::Range<usize>], r: std::ops::Range<usize>| {
            s.get(r.start)
                .zip(r.end.checked_sub(1).and_then(|e| s.get(e)))
                .map_or(0..0, |(x, y)| x.start..y.end)
        };
        let (xa, xb) = (words_of(&sa, ra), words_of(&sb, rb));
        if xa.len() > REGION_WORDS || xb.len() > REGION_WORDS {
            only_a.push(xa);
            only_b.push(xb);
        } else {
            diff_words(&ta, &tb, xa, xb, &mut only_a, &mut only_b);
        }
    }
    Some((only_a.spans(&wa), only_b.spans(&wb)))
}

/// The words of `ta[xa]` and `tb[xb]` that differ, as positions in the
/// whole texts.
fn diff_words(
    ta: &[String],
    tb: &[String],
    xa: std::ops::Range<usize>,
    xb: std::ops::Range<usize>,
    only_a: &mut Runs,
    only_b: &mut Runs,
) {
    let ops: Vec<_> = capture_diff_slices(Algorithm::Patience, &ta[xa.clone()], &tb[xb.clone()])
        .iter()
        .map(|op| op.as_tag_tuple())
        .collect();
    for (k, (tag, ra, rb)) in ops.iter().enumerate() {
        // A word or two left equal between two edits ("in", "of the") is
        // part of the edit to a reader: marking it apart cuts the edit up.
        let between_edits =
            *tag == DiffTag::Equal && ra.len() <= ABSORBED && k > 0 && k + 1 < ops.len();
        if *tag != DiffTag::Equal || between_edits {
            only_a.push(ra.start + xa.start..ra.end + xa.start);
            only_b.push(rb.start + xb.start..rb.end + xb.start);
        }
    }
}

/// Each sentence of `text` (Unicode sentence bounds) as the range of
/// `words` it holds.
fn sentences(text: &str, words: &[(usize, usize)]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut w = 0;
    for (at, sentence) in text.split_sentence_bound_indices() {
        let end = at + sentence.len();
        let first = w;
        while w < words.len() && words[w].0 < end {
            w += 1;
        }
        if w > first {
            out.push(first..w);
        }
    }
    out
}

/// Equal runs of at most this many words between two edits count as edited.
const ABSORBED: usize = 2;

/// Runs of word positions, consecutive ones joined.
#[derive(Default)]
struct Runs(Vec<std::ops::Range<usize>>);

impl Runs {
    fn push(&mut self, range: std::ops::Range<usize>) {
        if range.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => self.0.push(range),
        }
    }

    /// Each run as one byte span, from its first word's start to its last
    /// word's end.
    fn spans(&self, words: &[(usize, usize)]) -> Spans {
        self.0
            .iter()
            .map(|r| (words[r.start].0, words[r.end - 1].1))
            .collect()
    }
}

/// The words of a text: their byte spans, and each normalised.
fn words(text: &str) -> (Vec<(usize, usize)>, Vec<String>) {
    let (mut spans, mut keys, mut buf) = (Vec::new(), Vec::new(), String::new());
    for_each_word(text, &mut buf, |start, end, word| {
        spans.push((start, end));
        keys.push(word.to_owned());
    });
    (spans, keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'t>(text: &'t str, spans: &[(usize, usize)]) -> Vec<&'t str> {
        spans.iter().map(|&(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn an_edited_word_is_marked_on_both_sides_and_nothing_else() {
        let a = "The minister said on Tuesday that talks would resume.";
        let b = "The minister said on Wednesday that talks would resume.";
        let (da, db) = word_diff(a, b).unwrap();
        assert_eq!(texts(a, &da), ["Tuesday"]);
        assert_eq!(texts(b, &db), ["Wednesday"]);
    }

    #[test]
    fn a_text_inside_a_longer_one_marks_only_the_extra_words() {
        let a = "Talks will resume next week.";
        let b = "Updated 10:32. Talks will resume next week. Read more: world news";
        let (da, db) = word_diff(a, b).unwrap();
        assert!(da.is_empty(), "{da:?}");
        assert_eq!(texts(b, &db), ["Updated 10:32", "Read more: world news"]);
    }

    #[test]
    fn identical_texts_and_wide_characters_have_no_differences() {
        let t = "北京大学的学生说，会谈将在下周恢复。";
        assert_eq!(word_diff(t, t), Some((vec![], vec![])));
        let (da, db) = word_diff(t, "北京大学的老师说，会谈将在下周恢复。").unwrap();
        assert_eq!(texts(t, &da), ["学生"]);
        assert_eq!(db.len(), 1);
    }

    #[test]
    fn a_short_word_between_two_edits_belongs_to_the_edit() {
        let a = "Talks began on Monday in Vienna and ended.";
        let b = "Talks began on Friday in Geneva and ended.";
        let (da, db) = word_diff(a, b).unwrap();
        assert_eq!(texts(a, &da), ["Monday in Vienna"]);
        assert_eq!(texts(b, &db), ["Friday in Geneva"]);
    }

    #[test]
    fn case_quotes_and_punctuation_are_no_edit() {
        let a = "\"We\u{2019}re close,\" Kerry said.";
        let b = "\u{201c}we're close\u{201d} Kerry said";
        assert_eq!(word_diff(a, b), Some((vec![], vec![])));
    }

    #[test]
    fn a_moved_paragraph_is_one_edit_and_repetitive_text_still_diffs() {
        let a = "First point here. Second point here. Third point here.";
        let b = "Second point here. Third point here. First point here.";
        let (da, db) = word_diff(a, b).unwrap();
        assert_eq!(texts(a, &da), ["First point here"]);
        assert_eq!(texts(b, &db), ["First point here"]);
        // Few distinct words, sentences reversed: nothing unique for a word
        // diff to anchor on; the sentence stretches bound its work.
        let sentence = |i: usize| format!("alpha beta gamma delta {} beta alpha. ", i % 7);
        let x: String = (0..4_000).map(sentence).collect();
        let y: String = (0..4_000).rev().map(sentence).collect();
        let (dx, dy) = word_diff(&x, &y).unwrap();
        assert!(!dx.is_empty() && !dy.is_empty());
    }

    #[test]
    fn very_long_texts_are_not_diffed() {
        let long = "word ".repeat(MAX_WORDS + 1);
        assert_eq!(word_diff(&long, "word"), None);
    }
}
