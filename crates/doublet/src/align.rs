//! Alignment: the passages two documents share, with offsets in both.
//!
//! Seed-and-extend, the scheme of text-reuse tools such as passim (Smith,
//! Cordell & Mullen, "Computational methods for uncovering reprinted texts in
//! antebellum newspapers", American Literary History 27(3), 2015) and of
//! BLAST before them:
//!
//! 1. **seeds**: every word n-gram of B that also occurs in A is an anchored
//!    match `(i, j)` (n-grams repeated more than [`MAX_SEED_REPEATS`] times
//!    inside A are ignored as uninformative);
//! 2. **extend**: matches on one diagonal (`i − j` constant) whose n-grams
//!    overlap or touch merge into a segment, an exactly shared stretch;
//! 3. **chain**: segments in order merge across small edits, a changed word
//!    (a gap on both sides), an inserted or deleted phrase (a gap on one
//!    side), so that one reused paragraph with a few edits is one passage;
//! 4. **edges**: inside the paragraphs where a passage ends, each end extends
//!    past a substitution of at most `max_gap` words when matching words
//!    follow it, at least two of them or exactly up to the paragraph's edge in
//!    both documents (seeds alone cannot reach an edit among a paragraph's
//!    last few words);
//! 5. passages spanning fewer than `min_tokens` words in either document are
//!    dropped.
//!
//! Quote styles, case and line breaks never split a passage because
//! alignment runs on normalised word tokens; byte spans come from each token's
//! offsets in the original text.

use std::ops::Range;

use crate::text::shingle;

/// An n-gram occurring more often than this inside A seeds nothing.
pub const MAX_SEED_REPEATS: usize = 16;

/// How passages are found.
#[derive(Clone, Copy, Debug)]
pub struct AlignParams {
    /// Words per seed.
    pub seed: usize,
    /// Largest edit (in words, on either side) bridged inside one passage.
    pub max_gap: usize,
    /// Fewest words a passage must span in both documents.
    pub min_tokens: usize,
}

/// A shared passage as token ranges of A and B.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPassage {
    /// Tokens of A.
    pub a: Range<usize>,
    /// Tokens of B.
    pub b: Range<usize>,
}

#[derive(Clone, Copy, Debug)]
struct Segment {
    a0: usize,
    a1: usize,
    b0: usize,
    b1: usize,
}

/// A token sequence and where its paragraphs end (sorted token positions;
/// the sequence's own end counts as one).
#[derive(Clone, Copy, Debug)]
pub struct Sequence<'a> {
    /// The tokens.
    pub tokens: &'a [u32],
    /// Positions one past each paragraph's last token.
    pub breaks: &'a [usize],
}

impl Sequence<'_> {
    /// End of the paragraph holding token `i - 1` (the one a passage ending
    /// at `i` ends in); `i` itself when a paragraph ends there.
    fn paragraph_end(&self, i: usize) -> usize {
        let k = self.breaks.partition_point(|&e| e < i);
        self.breaks
            .get(k)
            .copied()
            .unwrap_or(self.tokens.len())
            .min(self.tokens.len())
    }

    /// Start of the paragraph holding token `i`; `i` itself when one starts there.
    fn paragraph_start(&self, i: usize) -> usize {
        let k = self.breaks.partition_point(|&e| e <= i);
        if k == 0 {
            0
        } else {
            self.breaks[k - 1]
        }
    }
}

/// The passages shared by token sequences `a` and `b` (no paragraph
/// information), ordered by position in A.
pub fn align(a: &[u32], b: &[u32], p: AlignParams) -> Vec<TokenPassage> {
    align_sequences(
        Sequence {
            tokens: a,
            breaks: &[],
        },
        Sequence {
            tokens: b,
            breaks: &[],
        },
        p,
    )
}

/// Extend a chain's right end across small substitutions, within the
/// paragraphs it ends in (see the module doc).
fn extend_right(c: &mut Segment, a: Sequence, b: Sequence, gap: usize) {
    let (la, lb) = (a.paragraph_end(c.a1), b.paragraph_end(c.b1));
    'outer: loop {
        for d in 0..=gap {
            let (i, j) = (c.a1 + d, c.b1 + d);
            if i >= la || j >= lb {
                return;
            }
            if a.tokens[i] == b.tokens[j] {
                let run = a.tokens[i..la]
                    .iter()
                    .zip(&b.tokens[j..lb])
                    .take_while(|(x, y)| x == y)
                    .count();
                if run >= 2 || (i + run == la && j + run == lb) {
                    c.a1 = i + run;
                    c.b1 = j + run;
                    continue 'outer;
                }
                return;
            }
        }
        return;
    }
}

/// Extend a chain's left end across small substitutions, within the
/// paragraphs it starts in.
fn extend_left(c: &mut Segment, a: Sequence, b: Sequence, gap: usize) {
    let (la, lb) = (a.paragraph_start(c.a0), b.paragraph_start(c.b0));
    'outer: loop {
        for d in 0..=gap {
            if c.a0 < la + d + 1 || c.b0 < lb + d + 1 {
                return;
            }
            let (i, j) = (c.a0 - 1 - d, c.b0 - 1 - d);
            if a.tokens[i] == b.tokens[j] {
                let run = a.tokens[la..=i]
                    .iter()
                    .rev()
                    .zip(b.tokens[lb..=j].iter().rev())
                    .take_while(|(x, y)| x == y)
                    .count();
                if run >= 2 || (i + 1 - run == la && j + 1 - run == lb) {
                    c.a0 = i + 1 - run;
                    c.b0 = j + 1 - run;
                    continue 'outer;
                }
                return;
            }
        }
        return;
    }
}

/// The seed index of one side of an alignment: every n-gram of A (n =
/// [`AlignParams::seed`]) with its position, sorted. Building it is most
/// of an alignment's set-up, so a document aligned against many others
/// builds it once ([`align_indexed`]).
#[derive(Clone, Debug, Default)]
pub struct SeedIndex {
    entries: Vec<(u64, usize)>,
}

impl SeedIndex {
    /// The index of `a` for seeds of `p.seed` words.
    pub fn new(a: &[u32], p: AlignParams) -> SeedIndex {
        let k = p.seed.max(1);
        let mut entries: Vec<(u64, usize)> = if a.len() < k {
            Vec::new()
        } else {
            a.windows(k)
                .enumerate()
                .map(|(i, w)| (shingle::shingle(w, crate::seeds::ALIGN_KEY), i))
                .collect()
        };
        entries.sort_unstable();
        SeedIndex { entries }
    }
}

/// The passages shared by `a` and `b`, ordered by position in A.
pub fn align_sequences(sa: Sequence, sb: Sequence, p: AlignParams) -> Vec<TokenPassage> {
    align_indexed(&SeedIndex::new(sa.tokens, p), sa, sb, p)
}

/// [`align_sequences`] with A's seed index built beforehand (it must be
/// `SeedIndex::new(sa.tokens, p)`).
pub fn align_indexed(
    index: &SeedIndex,
    sa: Sequence,
    sb: Sequence,
    p: AlignParams,
) -> Vec<TokenPassage> {
    let (a, b) = (sa.tokens, sb.tokens);
    let k = p.seed.max(1);
    if a.len() < k || b.len() < k {
        return Vec::new();
    }
    let index = &index.entries;
    debug_assert_eq!(index.len(), a.len() + 1 - k);
    // Seeds, then segments along each diagonal.
    let mut matches: Vec<(isize, usize, usize)> = Vec::new();
    for (j, w) in b.windows(k).enumerate() {
        let h = shingle::shingle(w, crate::seeds::ALIGN_KEY);
        let lo = index.partition_point(|e| e.0 < h);
        let hi = index[lo..].partition_point(|e| e.0 == h) + lo;
        if hi - lo > MAX_SEED_REPEATS {
            continue;
        }
        for &(_, i) in &index[lo..hi] {
            matches.push((i as isize - j as isize, i, j));
        }
    }
    matches.sort_unstable();
    let mut segments: Vec<Segment> = Vec::new();
    for &(d, i, j) in &matches {
        match segments.last_mut() {
            Some(s) if s.a0 as isize - s.b0 as isize == d && i <= s.a1 => {
                s.a1 = s.a1.max(i + k);
                s.b1 = s.b1.max(j + k);
            }
            _ => segments.push(Segment {
                a0: i,
                a1: i + k,
                b0: j,
                b1: j + k,
            }),
        }
    }
    segments.sort_unstable_by_key(|s| (s.a0, s.b0));
    // Chain segments across small edits; each segment joins the open chain
    // it continues most closely, or starts a new one.
    let gap = p.max_gap as isize;
    // Segments come in order of their start in A, so a chain that ended more
    // than `gap` words before the current segment can never grow again:
    // retiring it keeps the search to the few chains still open.
    let mut chains: Vec<Segment> = Vec::new();
    let mut open: Vec<Segment> = Vec::new();
    for s in segments {
        open.retain(|c| {
            let live = c.a1 as isize + gap >= s.a0 as isize;
            if !live {
                chains.push(*c);
            }
            live
        });
        let best = open
            .iter_mut()
            .filter_map(|c| {
                let ga = s.a0 as isize - c.a1 as isize;
                let gb = s.b0 as isize - c.b1 as isize;
                let ok = s.a0 >= c.a0
                    && s.b0 >= c.b0
                    && (-(k as isize)..=gap).contains(&ga)
                    && (-(k as isize)..=gap).contains(&gb)
                    && (ga - gb).abs() <= gap;
                ok.then_some((ga.max(0) + gb.max(0), c))
            })
            .min_by_key(|(cost, _)| *cost);
        match best {
            Some((_, c)) => {
                c.a1 = c.a1.max(s.a1);
                c.b1 = c.b1.max(s.b1);
            }
            None => open.push(s),
        }
    }
    chains.extend(open);
    for c in chains.iter_mut() {
        extend_right(c, sa, sb, p.max_gap);
        extend_left(c, sa, sb, p.max_gap);
    }
    let mut out: Vec<TokenPassage> = chains
        .into_iter()
        .filter(|c| c.a1 - c.a0 >= p.min_tokens && c.b1 - c.b0 >= p.min_tokens)
        .map(|c| TokenPassage {
            a: c.a0..c.a1,
            b: c.b0..c.b1,
        })
        .collect();
    out.sort_by_key(|t| (t.a.start, t.b.start, t.a.end, t.b.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: AlignParams = AlignParams {
        seed: 5,
        max_gap: 4,
        min_tokens: 12,
    };

    fn seq(range: Range<u32>) -> Vec<u32> {
        range.collect()
    }

    #[test]
    fn one_edited_paragraph_is_one_passage() {
        // A: 100..200; B: unrelated, then A's 120..160 with two words changed, then unrelated.
        let a = seq(100..200);
        let mut shared = seq(120..160);
        shared[10] = 9_999;
        shared[25] = 8_888;
        let b: Vec<u32> = seq(1000..1030)
            .into_iter()
            .chain(shared)
            .chain(seq(2000..2030))
            .collect();
        let got = align(&a, &b, P);
        assert_eq!(
            got,
            [TokenPassage {
                a: 20..60,
                b: 30..70
            }]
        );
    }

    #[test]
    fn an_edit_among_the_last_words_of_a_paragraph_is_covered() {
        // A's paragraph is 100..140; B copies it with its second-to-last word changed.
        let a = seq(100..140);
        let mut copy = seq(100..140);
        copy[38] = 9_999;
        let b: Vec<u32> = seq(0..20)
            .into_iter()
            .chain(copy)
            .chain(seq(500..520))
            .collect();
        let (ba, bb) = ([40usize], [20usize, 60, 80]);
        let got = align_sequences(
            Sequence {
                tokens: &a,
                breaks: &ba,
            },
            Sequence {
                tokens: &b,
                breaks: &bb,
            },
            P,
        );
        assert_eq!(
            got,
            [TokenPassage {
                a: 0..40,
                b: 20..60
            }]
        );
        // Without paragraph information a lone matching word is not trusted.
        assert_eq!(
            align(&a, &b, P),
            [TokenPassage {
                a: 0..38,
                b: 20..58
            }]
        );
    }

    #[test]
    fn insertions_and_deletions_within_the_gap_are_bridged() {
        let a = seq(0..60);
        let b: Vec<u32> = seq(0..30)
            .into_iter()
            .chain([7_777, 7_778])
            .chain(seq(30..45))
            .chain(seq(48..60))
            .collect();
        assert_eq!(align(&a, &b, P), [TokenPassage { a: 0..60, b: 0..59 }]);
    }

    #[test]
    fn unrelated_and_short_overlaps_give_nothing() {
        assert!(align(&seq(0..100), &seq(500..600), P).is_empty());
        let b: Vec<u32> = seq(500..520)
            .into_iter()
            .chain(seq(10..20))
            .chain(seq(600..620))
            .collect();
        assert!(
            align(&seq(0..100), &b, P).is_empty(),
            "10 shared words are below 12"
        );
    }

    #[test]
    fn reordered_paragraphs_are_separate_passages() {
        let a = seq(0..60);
        let b: Vec<u32> = seq(30..60).into_iter().chain(seq(0..30)).collect();
        let got = align(&a, &b, P);
        assert_eq!(
            got,
            [
                TokenPassage {
                    a: 0..30,
                    b: 30..60
                },
                TokenPassage {
                    a: 30..60,
                    b: 0..30
                }
            ]
        );
    }

    proptest! {
        #[test]
        fn passages_stay_inside_both_sequences(a in prop::collection::vec(0u32..30, 0..200),
                                               b in prop::collection::vec(0u32..30, 0..200)) {
            for t in align(&a, &b, P) {
                prop_assert!(t.a.start < t.a.end && t.a.end <= a.len());
                prop_assert!(t.b.start < t.b.end && t.b.end <= b.len());
                prop_assert!(t.a.len() >= 12 && t.b.len() >= 12);
            }
        }
    }
}
