//! Rewritten passages: reuse that word n-grams cannot seed.
//!
//! A rewrite keeps little verbatim: synonyms replace words, clauses move,
//! sentences are merged, split, dropped or put in another order. What it
//! keeps is *where* its content words are: most of them still occur, near
//! each other, in both texts. So seeds here are single **content words**
//! (every word not on either document's stop-word list), matched between the
//! two texts, and evidence is their **density**, in the spirit of the
//! dot-plot methods of the PAN text-alignment tasks (Potthast et al.,
//! "Overview of the 5th International Competition on Plagiarism Detection",
//! CLEF 2013; Sanchez-Perez, Sidorov & Gelbukh, "A Winning Approach to Text
//! Alignment", CLEF 2014, seed on sentence pairs whose content words agree):
//!
//! 1. **matches**: every pair of positions holding one content word, for
//!    words occurring at most [`MAX_WORD_REPEATS`] times in each text (a word
//!    that recurs throughout both, such as a topic's name, places nothing);
//!    positions count content words only, so dropped or added stop words
//!    move nothing;
//! 2. **fragments**: matches in order of A, each joining the open cluster
//!    it continues, one whose last match lies at most [`FRAGMENT_GAP`]
//!    content words before it in A and, in B, within the cluster's span
//!    widened by [`FRAGMENT_GAP`] with a diagonal that drifted at most
//!    [`FRAGMENT_DRIFT`] words (local reordering, inserted or substituted
//!    words); clusters matching fewer than [`FRAGMENT_MIN_WORDS`] distinct
//!    words on either side are chance;
//! 3. **passages**: fragments whose spans lie within [`MERGE_GAP`] content
//!    words of each other in *both* texts, without covering the same words
//!    twice, merge, in any order (sentences
//!    reordered, deleted or inserted inside one reused passage), as long as
//!    the result still matches at least [`MIN_DENSITY`] of the content words
//!    of its longer side; a passage needs [`MIN_MATCHED`] matched words;
//! 4. **anchoring**: a passage around verbatim passages (of reportable
//!    length) keeps what lies beyond them only where its own matches there
//!    are dense ([`Cluster::anchor`]): another report of the same event,
//!    sharing names and topic words with the text around a borrowed
//!    paragraph, must not be reported as borrowed with it.
//!
//! Texts on one topic share many content words, but scattered: a passage
//! must hold a dense block of them on both sides at once, which topic alone
//! does not produce. The constants were chosen on doublet's development
//! data (`bench/reuse_data.py`; see `BENCHMARKS.md`).

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::{Sequence, TokenPassage};

/// A content word occurring more often than this in either text seeds nothing.
pub const MAX_WORD_REPEATS: u32 = 8;
/// Largest stretch (content words) without a match inside one fragment.
pub const FRAGMENT_GAP: u32 = 8;
/// Largest drift of the diagonal between consecutive matches of a fragment.
pub const FRAGMENT_DRIFT: u32 = 10;
/// Fewest distinct words a fragment matches on each side.
pub const FRAGMENT_MIN_WORDS: usize = 3;
/// Largest distance (content words, on both sides) between fragments of one passage.
pub const MERGE_GAP: u32 = 25;
/// Fewest matched words per content word of a passage's longer side.
pub const MIN_DENSITY: f64 = 0.3;
/// A match further than this (content words) from the next one inward, at
/// either end of a passage, is left out of it.
pub const EDGE_GAP: u32 = 4;
/// Fewest distinct words a passage matches on each side.
pub const MIN_MATCHED: usize = 10;

/// A rewritten passage: token ranges of A and B and how many content words
/// it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewritten {
    /// Tokens of A.
    pub a: Range<usize>,
    /// Tokens of B.
    pub b: Range<usize>,
    /// Distinct content words matched (the smaller count of the two sides).
    pub matched: usize,
}

/// A cluster of matches, in content-word ranks.
#[derive(Clone, Debug)]
struct Cluster {
    a: Range<u32>,
    b: Range<u32>,
    last: (u32, u32),
    dots: Vec<(u32, u32)>,
    matched: usize,
}

impl Cluster {
    fn new(i: u32, j: u32) -> Cluster {
        Cluster {
            a: i..i + 1,
            b: j..j + 1,
            last: (i, j),
            dots: vec![(i, j)],
            matched: 1,
        }
    }

    fn push(&mut self, i: u32, j: u32) {
        self.a.end = self.a.end.max(i + 1);
        self.b.start = self.b.start.min(j);
        self.b.end = self.b.end.max(j + 1);
        self.last = (i, j);
        self.dots.push((i, j));
    }

    /// Matched words: distinct positions on the side with fewer, and no
    /// more than the distinct words (`words`: A's content word at each
    /// rank), so one topic word recurring on both sides counts once.
    fn count(&mut self, words: &[u32]) -> usize {
        let (a, b) = distinct(self.dots.iter().copied());
        let mut types: Vec<u32> = a.iter().map(|&r| words[r as usize]).collect();
        types.sort_unstable();
        types.dedup();
        self.matched = a.len().min(b.len()).min(types.len());
        self.matched
    }

    /// Drop isolated matches at either end, in either text: a match more
    /// than [`EDGE_GAP`] content words from the next one inward is a
    /// shared topic word beside the passage, not part of it.
    fn trim(&mut self, words: &[u32]) {
        for side in 0..2 {
            let key = |d: &(u32, u32)| if side == 0 { (d.0, d.1) } else { (d.1, d.0) };
            self.dots.sort_unstable_by_key(key);
            let (mut lo, mut hi) = (0, self.dots.len());
            while hi - lo > 1 && key(&self.dots[lo + 1]).0 - key(&self.dots[lo]).0 > EDGE_GAP {
                lo += 1;
            }
            while hi - lo > 1 && key(&self.dots[hi - 1]).0 - key(&self.dots[hi - 2]).0 > EDGE_GAP {
                hi -= 1;
            }
            self.dots.truncate(hi);
            self.dots.drain(..lo);
        }
        self.a = self.dots.iter().map(|d| d.0).min().unwrap_or(0)
            ..self.dots.iter().map(|d| d.0 + 1).max().unwrap_or(0);
        self.b = self.dots.iter().map(|d| d.1).min().unwrap_or(0)
            ..self.dots.iter().map(|d| d.1 + 1).max().unwrap_or(0);
        self.count(words);
    }

    /// Hold a passage that contains verbatim passages (`verbatim`, in
    /// content-word ranks) to what its own matches support beyond them.
    /// Verbatim evidence is certain; a rewrite around it is not. Past the
    /// hull of the verbatim passages it covers, at either end, the passage
    /// keeps its extension only when the matches there, counting those not
    /// already explained by a verbatim passage on the other side, are as
    /// dense as a passage must be ([`MIN_DENSITY`]); else that
    /// end is cut back to the hull. Otherwise another report of the same
    /// event, sharing names and topic words with the text around a
    /// borrowed paragraph, would be reported as borrowed too.
    fn anchor(&mut self, verbatim: &[(Range<u32>, Range<u32>)]) {
        let inside: Vec<&(Range<u32>, Range<u32>)> = verbatim
            .iter()
            .filter(|(a, b)| shared(a, &self.a) > 0 && shared(b, &self.b) > 0)
            .collect();
        if inside.is_empty() {
            return;
        }
        let hull_a = inside.iter().map(|v| v.0.start).min().unwrap_or(0)
            ..inside.iter().map(|v| v.0.end).max().unwrap_or(0);
        let hull_b = inside.iter().map(|v| v.1.start).min().unwrap_or(0)
            ..inside.iter().map(|v| v.1.end).max().unwrap_or(0);
        // Words any verbatim passage holds are its, not evidence here.
        let explained_a = |i: u32| verbatim.iter().any(|v| v.0.contains(&i));
        let explained_b = |j: u32| verbatim.iter().any(|v| v.1.contains(&j));
        // Extension at one end: ranks of A and of B beyond the hull.
        let holds = |ext_a: Range<u32>, ext_b: Range<u32>| {
            let territory = ext_a.len().max(ext_b.len());
            if territory == 0 {
                return true;
            }
            let (a, b) = distinct(self.dots.iter().copied().filter(|&(i, j)| {
                (ext_a.contains(&i) && !explained_b(j)) || (ext_b.contains(&j) && !explained_a(i))
            }));
            let matched = a.len().min(b.len());
            matched > 0 && matched as f64 >= MIN_DENSITY * territory as f64
        };
        let head = holds(
            self.a.start..hull_a.start.max(self.a.start),
            self.b.start..hull_b.start.max(self.b.start),
        );
        let tail = holds(
            hull_a.end.min(self.a.end)..self.a.end,
            hull_b.end.min(self.b.end)..self.b.end,
        );
        if !head {
            self.a.start = self.a.start.max(hull_a.start);
            self.b.start = self.b.start.max(hull_b.start);
        }
        if !tail {
            self.a.end = self.a.end.min(hull_a.end);
            self.b.end = self.b.end.min(hull_b.end);
        }
    }

    fn density(&self) -> f64 {
        self.matched as f64 / self.a.len().max(self.b.len()) as f64
    }

    fn union(&self, other: &Cluster, words: &[u32]) -> Cluster {
        let mut dots = self.dots.clone();
        dots.extend_from_slice(&other.dots);
        let mut c = Cluster {
            a: self.a.start.min(other.a.start)..self.a.end.max(other.a.end),
            b: self.b.start.min(other.b.start)..self.b.end.max(other.b.end),
            last: self.last,
            dots,
            matched: 0,
        };
        c.count(words);
        c
    }
}

/// The distinct positions of A and of B among `dots`, each sorted.
fn distinct(dots: impl Iterator<Item = (u32, u32)>) -> (Vec<u32>, Vec<u32>) {
    let (mut a, mut b): (Vec<u32>, Vec<u32>) = dots.unzip();
    for v in [&mut a, &mut b] {
        v.sort_unstable();
        v.dedup();
    }
    (a, b)
}

/// How many positions two ranges share.
fn shared(x: &Range<u32>, y: &Range<u32>) -> u32 {
    x.end.min(y.end).saturating_sub(x.start.max(y.start))
}

/// Whether two fragments may be pieces of one passage: each dense enough
/// to stand as one (a dense passage must not carry sparse topic words
/// beside it), near each other on
/// both sides, and not the same text twice (overlapping by more than a
/// quarter of the smaller on either side, as when a paragraph one text
/// repeats matches the other's single copy twice).
fn neighbours(x: &Cluster, y: &Cluster) -> bool {
    let apart = |p: &Range<u32>, q: &Range<u32>| 4 * shared(p, q) <= p.len().min(q.len()) as u32;
    x.density() >= MIN_DENSITY
        && y.density() >= MIN_DENSITY
        && gap(&x.a, &y.a) <= MERGE_GAP
        && gap(&x.b, &y.b) <= MERGE_GAP
        && apart(&x.a, &y.a)
        && apart(&x.b, &y.b)
}

/// Distance between two ranges (0 when they overlap or touch).
fn gap(x: &Range<u32>, y: &Range<u32>) -> u32 {
    y.start
        .saturating_sub(x.end)
        .max(x.start.saturating_sub(y.end))
}

/// The content-word ranks (indices into `positions`) inside `tokens`.
fn ranks(positions: &[usize], tokens: &Range<usize>) -> Range<u32> {
    let lo = positions.partition_point(|&p| p < tokens.start);
    let hi = positions.partition_point(|&p| p < tokens.end);
    lo as u32..hi as u32
}

/// Positions of a sequence's content words (neither text's stop words).
fn content(s: Sequence, other: Sequence) -> Vec<usize> {
    (0..s.tokens.len())
        .filter(|&i| {
            let t = s.tokens[i];
            !s.stops.contains(&t) && !other.stops.contains(&t)
        })
        .collect()
}

/// The rewritten passages `a` and `b` share (see the module doc), ordered
/// by position in A, given the `verbatim` passages found before. They may
/// overlap each other and verbatim passages; [`super::align_indexed`]
/// settles that.
pub fn passages(sa: Sequence, sb: Sequence, verbatim: &[TokenPassage]) -> Vec<Rewritten> {
    let (pa, pb) = (content(sa, sb), content(sb, sa));
    if pa.len() < MIN_MATCHED || pb.len() < MIN_MATCHED {
        return Vec::new();
    }
    let mut counts: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    for &i in &pa {
        counts.entry(sa.tokens[i]).or_default().0 += 1;
    }
    for &j in &pb {
        counts.entry(sb.tokens[j]).or_default().1 += 1;
    }
    let rare = |t: u32| {
        counts
            .get(&t)
            .is_some_and(|&(x, y)| x > 0 && y > 0 && x <= MAX_WORD_REPEATS && y <= MAX_WORD_REPEATS)
    };
    // Postings of A's rare content words: (token, rank), sorted.
    let mut postings: Vec<(u32, u32)> = pa
        .iter()
        .enumerate()
        .filter(|&(_, &i)| rare(sa.tokens[i]))
        .map(|(r, &i)| (sa.tokens[i], r as u32))
        .collect();
    postings.sort_unstable();
    let mut dots: Vec<(u32, u32)> = Vec::new();
    for (rb, &j) in pb.iter().enumerate() {
        let t = sb.tokens[j];
        let lo = postings.partition_point(|e| e.0 < t);
        for &(_, ra) in postings[lo..].iter().take_while(|e| e.0 == t) {
            dots.push((ra, rb as u32));
        }
    }
    dots.sort_unstable();
    let words: Vec<u32> = pa.iter().map(|&i| sa.tokens[i]).collect();
    let mut frags = fragments(&dots, &words);
    merge(&mut frags, &words);
    for f in frags.iter_mut() {
        f.trim(&words);
    }
    let ranked: Vec<(Range<u32>, Range<u32>)> = verbatim
        .iter()
        .map(|v| (ranks(&pa, &v.a), ranks(&pb, &v.b)))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .collect();
    for f in frags.iter_mut() {
        f.anchor(&ranked);
    }
    let mut out: Vec<Rewritten> = frags
        .into_iter()
        .filter(|c| c.matched >= MIN_MATCHED && c.density() >= MIN_DENSITY)
        .map(|c| Rewritten {
            a: pa[c.a.start as usize]..pa[c.a.end as usize - 1] + 1,
            b: pb[c.b.start as usize]..pb[c.b.end as usize - 1] + 1,
            matched: c.matched,
        })
        .collect();
    out.sort_by_key(|p| (p.a.start, p.b.start, p.a.end, p.b.end));
    out
}

/// Matches (sorted by A's rank) into fragments (step 2 of the module doc).
fn fragments(dots: &[(u32, u32)], words: &[u32]) -> Vec<Cluster> {
    let mut done: Vec<Cluster> = Vec::new();
    let mut open: Vec<Cluster> = Vec::new();
    for &(i, j) in dots {
        // Dots come in order of A, so a cluster whose A span ended more than
        // FRAGMENT_GAP words back can never grow again.
        let mut k = 0;
        while k < open.len() {
            if open[k].a.end + FRAGMENT_GAP < i {
                done.push(open.remove(k));
            } else {
                k += 1;
            }
        }
        let diagonal = |x: (u32, u32)| i64::from(x.0) - i64::from(x.1);
        let best = open
            .iter_mut()
            .filter(|c| {
                j + FRAGMENT_GAP >= c.b.start
                    && j < c.b.end + FRAGMENT_GAP
                    && (diagonal((i, j)) - diagonal(c.last)).unsigned_abs()
                        <= u64::from(FRAGMENT_DRIFT)
            })
            .min_by_key(|c| (i - c.last.0) + j.abs_diff(c.last.1));
        match best {
            Some(c) => c.push(i, j),
            None => open.push(Cluster::new(i, j)),
        }
    }
    done.extend(open);
    done.into_iter()
        .filter_map(|mut c| (c.count(words) >= FRAGMENT_MIN_WORDS).then_some(c))
        .collect()
}

/// Merge fragments close on both sides while the result stays dense (step 3).
fn merge(frags: &mut Vec<Cluster>, words: &[u32]) {
    loop {
        frags.sort_by_key(|c| (c.a.start, c.b.start, c.a.end, c.b.end));
        let mut changed = false;
        let mut i = 0;
        while i < frags.len() {
            let mut j = i + 1;
            while j < frags.len() && frags[j].a.start <= frags[i].a.end + MERGE_GAP {
                if neighbours(&frags[i], &frags[j]) {
                    let merged = frags[i].union(&frags[j], words);
                    if merged.density() >= MIN_DENSITY {
                        frags[i] = merged;
                        frags.remove(j);
                        changed = true;
                        continue;
                    }
                }
                j += 1;
            }
            i += 1;
        }
        if !changed {
            return;
        }
    }
}
