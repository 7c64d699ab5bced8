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
//! 5. **rewrites**: passages rewritten beyond what seeds and small gaps
//!    bridge (synonyms, moved clauses, reordered, merged or dropped
//!    sentences) are found from dense blocks of shared content words
//!    ([`rewritten`]);
//! 6. **settle**: passages overlapping in both documents are one passage
//!    (their union), so the fragments of one reuse are reported once; of
//!    passages overlapping in one document only (a paragraph repeated in
//!    one text and held once by the other), the one with more evidence
//!    keeps the words they share (verbatim evidence outranks a rewrite's),
//!    so no stretch of text is reported twice or inside another passage;
//! 7. **cuts**: passages side by side in one document and in order, a few
//!    sentences apart, in the other are one passage from which one side cut
//!    (or into which it inserted) those sentences;
//! 8. passages spanning fewer than `min_tokens` words in either document are
//!    dropped.
//!
//! Quote styles, case and line breaks never split a passage because
//! alignment runs on normalised word tokens; byte spans come from each token's
//! offsets in the original text.

use std::ops::Range;

use crate::clean::stopwords::StopTokens;
use crate::text::shingle;

pub mod rewritten;

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
    /// Also align rewritten passages ([`rewritten`]).
    pub rewrites: bool,
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

/// A token sequence, where its paragraphs end (sorted token positions;
/// the sequence's own end counts as one) and its language's stop words.
#[derive(Clone, Copy, Debug)]
pub struct Sequence<'a> {
    /// The tokens.
    pub tokens: &'a [u32],
    /// Positions one past each paragraph's last token.
    pub breaks: &'a [usize],
    /// Its language's stop words ([`Lexicon::stop_tokens`](crate::clean::stopwords::Lexicon::stop_tokens)).
    pub stops: &'a StopTokens,
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

/// The share of `len` positions that the union of `ranges` covers (0 when
/// `len` is 0).
pub fn coverage(ranges: impl IntoIterator<Item = Range<usize>>, len: usize) -> f64 {
    let mut ranges: Vec<Range<usize>> = ranges.into_iter().filter(|r| !r.is_empty()).collect();
    if len == 0 {
        return 0.0;
    }
    ranges.sort_unstable_by_key(|r| (r.start, r.end));
    let (mut covered, mut reach) = (0usize, 0usize);
    for r in ranges {
        let start = r.start.max(reach);
        if r.end > start {
            covered += r.end - start;
            reach = r.end;
        }
    }
    covered.min(len) as f64 / len as f64
}

/// The passages shared by token sequences `a` and `b` (no paragraph
/// information, no stop words), ordered by position in A.
pub fn align(a: &[u32], b: &[u32], p: AlignParams) -> Vec<TokenPassage> {
    let none = crate::clean::stopwords::Lexicon::get().stop_tokens(None);
    align_sequences(
        Sequence {
            tokens: a,
            breaks: &[],
            stops: none,
        },
        Sequence {
            tokens: b,
            breaks: &[],
            stops: none,
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
    let reportable = |t: &TokenPassage| t.a.len() >= p.min_tokens && t.b.len() >= p.min_tokens;
    // Verbatim evidence outranks any rewrite's.
    let exact = verbatim(index, sa, sb, p);
    let rewrites = if p.rewrites {
        // Verbatim runs too short to report (a shared name, a stock
        // phrase) anchor nothing.
        let anchors: Vec<TokenPassage> = exact.iter().filter(|t| reportable(t)).cloned().collect();
        rewritten::passages(sa, sb, &anchors)
    } else {
        Vec::new()
    };
    let found: Vec<(TokenPassage, usize)> = exact
        .into_iter()
        .map(|t| {
            let weight = VERBATIM_WEIGHT + t.a.len().min(t.b.len());
            (t, weight)
        })
        .chain(
            rewrites
                .into_iter()
                .map(|r| (TokenPassage { a: r.a, b: r.b }, r.matched)),
        )
        .collect();
    let mut out: Vec<TokenPassage> = settle(found).into_iter().filter(reportable).collect();
    out.sort_by_key(|t| (t.a.start, t.b.start, t.a.end, t.b.end));
    out
}

/// Added to a verbatim passage's weight when passages compete for one
/// stretch of text (see [`settle`]).
const VERBATIM_WEIGHT: usize = 1 << 40;

/// Words between a passage and a weaker one that overlaps it in one
/// document, in the other, for the weaker to be taken as part of it.
const ABSORB_GAP: usize = 40;

/// Whether two ranges lie within [`ABSORB_GAP`] of each other.
fn near(x: &Range<usize>, y: &Range<usize>) -> bool {
    x.start <= y.end + ABSORB_GAP && y.start <= x.end + ABSORB_GAP
}

/// Whether `y` overlaps `x` at its edge only: on less than half of `x`.
fn edge(x: &Range<usize>, y: &Range<usize>) -> bool {
    let shared = x.end.min(y.end).saturating_sub(x.start.max(y.start));
    2 * shared < x.len()
}

fn overlaps(x: &Range<usize>, y: &Range<usize>) -> bool {
    x.start < y.end && y.start < x.end
}

/// Passages indexed by the stretches of text they cover, in cells of
/// [`CELL`] positions on each side, so that the passages overlapping a
/// range are found without visiting every passage: alignment must stay
/// near-linear even when two texts share thousands of short runs (texts
/// drawn from a few words).
struct Grid {
    a: Vec<Vec<usize>>,
    b: Vec<Vec<usize>>,
    /// The cells each passage is registered in, per side.
    held: Vec<(Range<usize>, Range<usize>)>,
}

/// Positions per [`Grid`] cell.
const CELL: usize = 64;

impl Grid {
    /// A grid for passages ending by `a_len` and `b_len`.
    fn new(a_len: usize, b_len: usize) -> Grid {
        Grid {
            a: vec![Vec::new(); a_len / CELL + 1],
            b: vec![Vec::new(); b_len / CELL + 1],
            held: Vec::new(),
        }
    }

    fn cells(r: &Range<usize>) -> Range<usize> {
        r.start / CELL..r.end.max(r.start + 1).div_ceil(CELL)
    }

    /// Register passage `id` (the next one, or one registered before that
    /// has grown to `t`) over `t`'s stretches: only the cells it did not
    /// hold yet.
    fn insert(&mut self, id: usize, t: &TokenPassage) {
        let (ca, cb) = (Self::cells(&t.a), Self::cells(&t.b));
        let (old_a, old_b) = match self.held.get(id) {
            Some(h) => h.clone(),
            None => {
                self.held.push((0..0, 0..0));
                (0..0, 0..0)
            }
        };
        for (cells, old, grid) in [(&ca, &old_a, &mut self.a), (&cb, &old_b, &mut self.b)] {
            for c in cells.clone().filter(|c| !old.contains(c)) {
                grid[c].push(id);
            }
        }
        // Passages only grow, so their cells now cover the old ones.
        self.held[id] = (ca, cb);
    }

    /// The passages registered in a cell that `t` touches on either side,
    /// sorted and distinct, into `out`.
    fn near(&self, t: &TokenPassage, out: &mut Vec<usize>) {
        out.clear();
        for c in Self::cells(&t.a) {
            out.extend_from_slice(&self.a[c]);
        }
        for c in Self::cells(&t.b) {
            out.extend_from_slice(&self.b[c]);
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Step 6 of the module doc: passages (with their evidence, in matched
/// words) overlapping in both documents merge; then, strongest first, a
/// passage overlapping a stronger one in either document loses the words
/// they share when they overlap at its edge, and is dropped when one holds
/// the other there. Each passage is compared only with those a [`Grid`]
/// finds beside it: the result is that of comparing it with all.
fn settle(found: Vec<(TokenPassage, usize)>) -> Vec<TokenPassage> {
    let a_len = found.iter().map(|f| f.0.a.end).max().unwrap_or(0);
    let b_len = found.iter().map(|f| f.0.b.end).max().unwrap_or(0);
    let mut found = merge_overlapping(found);
    // Ties in evidence go by place (a stable order on the whole extent).
    found.sort_by_key(|(t, _)| (t.a.start, t.b.start, t.a.end, t.b.end));
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by(|&x, &y| {
        let (x, y) = (&found[x], &found[y]);
        y.1.cmp(&x.1)
            .then((x.0.a.start, x.0.b.start).cmp(&(y.0.a.start, y.0.b.start)))
    });
    let mut kept: Vec<TokenPassage> = Vec::new();
    let mut grid = Grid::new(a_len, b_len);
    let mut beside = Vec::new();
    'next: for i in order {
        let mut t = found[i].0.clone();
        // Trimming only shrinks `t`, so what can touch it is what touched
        // it first, visited in the order the passages were kept.
        grid.near(&t, &mut beside);
        for &k in &beside {
            let k_range = (kept[k].a.clone(), kept[k].b.clone());
            let (on_a, on_b) = (overlaps(&t.a, &k_range.0), overlaps(&t.b, &k_range.1));
            if !on_a && !on_b {
                continue;
            }
            // Overlapping at the edge on one side (less than half of it)
            // and next to it on the other: a piece of the same reuse.
            if (on_a && !on_b && edge(&t.a, &k_range.0) && near(&t.b, &k_range.1))
                || (on_b && !on_a && edge(&t.b, &k_range.1) && near(&t.a, &k_range.0))
            {
                let k_passage = &mut kept[k];
                k_passage.a = k_passage.a.start.min(t.a.start)..k_passage.a.end.max(t.a.end);
                k_passage.b = k_passage.b.start.min(t.b.start)..k_passage.b.end.max(t.b.end);
                let grown = k_passage.clone();
                grid.insert(k, &grown);
                continue 'next;
            }
            for (mine, theirs) in [(&mut t.a, &k_range.0), (&mut t.b, &k_range.1)] {
                if !overlaps(mine, theirs) {
                    continue;
                }
                if theirs.start <= mine.start && mine.start < theirs.end && theirs.end < mine.end {
                    mine.start = theirs.end; // its head is the stronger one's tail
                } else if mine.start < theirs.start
                    && theirs.start < mine.end
                    && mine.end <= theirs.end
                {
                    mine.end = theirs.start; // its tail is the stronger one's head
                } else {
                    continue 'next; // one inside the other
                }
            }
        }
        grid.insert(kept.len(), &t);
        kept.push(t);
    }
    // Absorbing may have made a kept passage reach another: the earlier
    // (stronger) one stays whole.
    let mut settled: Vec<TokenPassage> = Vec::new();
    let mut grid = Grid::new(a_len, b_len);
    for t in kept {
        grid.near(&t, &mut beside);
        let clear = beside.iter().all(|&k| {
            let k: &TokenPassage = &settled[k];
            !overlaps(&k.a, &t.a) && !overlaps(&k.b, &t.b)
        });
        if clear {
            grid.insert(settled.len(), &t);
            settled.push(t);
        }
    }
    join_cuts(settled)
}

/// Passages overlapping in both documents merged into their union (with the
/// larger evidence), until no two overlap so. Merging in any order reaches
/// the same passages.
///
/// One sweep in order of A visits each passage with the groups still open
/// at its start: they all hold that position of A, so no two of them
/// overlap in B (they would have merged), and the ones the passage
/// overlaps in B are a run of a map ordered by B. A group that grows back
/// over one closed earlier is caught by the next sweep; sweeps repeat until
/// one merges nothing.
fn merge_overlapping(mut found: Vec<(TokenPassage, usize)>) -> Vec<(TokenPassage, usize)> {
    use std::cmp::Reverse;
    use std::collections::{BTreeMap, BinaryHeap};
    loop {
        found.sort_by_key(|(t, _)| (t.a.start, t.b.start, t.a.end, t.b.end));
        let n = found.len();
        // Open groups by their start in B (disjoint in B), and by their end
        // in A (to close them), each group one of `groups`.
        let mut groups: Vec<Option<(TokenPassage, usize)>> = Vec::with_capacity(n);
        let mut by_b: BTreeMap<usize, usize> = BTreeMap::new();
        let mut closing: BinaryHeap<Reverse<(usize, usize)>> = BinaryHeap::new();
        let mut merged = false;
        for (t, w) in found.drain(..) {
            while let Some(&Reverse((end, g))) = closing.peek() {
                if end > t.a.start {
                    break;
                }
                closing.pop();
                if let Some((x, _)) = groups[g].as_ref() {
                    if x.a.end == end && by_b.get(&x.b.start) == Some(&g) {
                        by_b.remove(&x.b.start);
                    }
                }
            }
            let (mut x, mut xw) = (t, w);
            // Open groups overlapping `x` in B: starting before its end and
            // ending after its start (one at most starts before it).
            loop {
                let hit = by_b
                    .range(..x.b.end)
                    .next_back()
                    .filter(|&(_, &g)| groups[g].as_ref().is_some_and(|(u, _)| u.b.end > x.b.start))
                    .map(|(&k, &g)| (k, g));
                let Some((key, g)) = hit else {
                    break;
                };
                by_b.remove(&key);
                if let Some((u, uw)) = groups[g].take() {
                    x.a = x.a.start.min(u.a.start)..x.a.end.max(u.a.end);
                    x.b = x.b.start.min(u.b.start)..x.b.end.max(u.b.end);
                    xw = xw.max(uw);
                    merged = true;
                }
            }
            let g = groups.len();
            by_b.insert(x.b.start, g);
            closing.push(Reverse((x.a.end, g)));
            groups.push(Some((x, xw)));
        }
        found = groups.into_iter().flatten().collect();
        if !merged {
            return found;
        }
    }
}

/// Words that may separate two pieces of one passage in the document that
/// holds them side by side (a word lost at a sentence boundary).
const CUT_SLACK: usize = 2;

/// Largest stretch (words) one document may have cut from the middle of a
/// passage the other holds whole.
const CUT_GAP: usize = 120;

/// Passages side by side in one document and in the same order, at most
/// [`CUT_GAP`] words apart, in the other are one passage with a cut (the
/// sentences between were deleted, or inserted, by one side), provided the
/// joined passage overlaps no other one.
fn join_cuts(mut passages: Vec<TokenPassage>) -> Vec<TokenPassage> {
    let within = |x: &Range<usize>, y: &Range<usize>, limit: usize| {
        x.end <= y.start && y.start <= x.end + limit
    };
    // Settled passages overlap on neither side, so in order of one side,
    // the only candidate after a passage is the next one.
    for side_a in [true, false] {
        let side = |t: &TokenPassage| if side_a { t.a.clone() } else { t.b.clone() };
        let other = |t: &TokenPassage| if side_a { t.b.clone() } else { t.a.clone() };
        passages.sort_by_key(|t| side(t).start);
        let mut i = 0;
        while i + 1 < passages.len() {
            let (p, q) = (&passages[i], &passages[i + 1]);
            let whole = TokenPassage {
                a: p.a.start.min(q.a.start)..p.a.end.max(q.a.end),
                b: p.b.start.min(q.b.start)..p.b.end.max(q.b.end),
            };
            let join = within(&side(p), &side(q), CUT_SLACK)
                && within(&other(p), &other(q), CUT_GAP)
                && passages.iter().enumerate().all(|(k, t)| {
                    k == i || k == i + 1 || (!overlaps(&t.a, &whole.a) && !overlaps(&t.b, &whole.b))
                });
            if join {
                passages[i] = whole;
                passages.remove(i + 1);
            } else {
                i += 1;
            }
        }
    }
    passages
}

/// Verbatim passages: steps 1 to 4 of the module doc.
fn verbatim(index: &SeedIndex, sa: Sequence, sb: Sequence, p: AlignParams) -> Vec<TokenPassage> {
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
    chains
        .into_iter()
        .map(|c| TokenPassage {
            a: c.a0..c.a1,
            b: c.b0..c.b1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: AlignParams = AlignParams {
        seed: 5,
        max_gap: 4,
        min_tokens: 12,
        rewrites: true,
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
        let none = crate::clean::stopwords::Lexicon::get().stop_tokens(None);
        let got = align_sequences(
            Sequence {
                tokens: &a,
                breaks: &ba,
                stops: none,
            },
            Sequence {
                tokens: &b,
                breaks: &bb,
                stops: none,
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
        // Without paragraph information the seeds stop two words short, but
        // the passage's content words, all matched, carry it to the end.
        assert_eq!(
            align(&a, &b, P),
            [TokenPassage {
                a: 0..40,
                b: 20..60
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
    fn reordered_paragraphs_of_one_reuse_are_one_passage() {
        let a = seq(0..60);
        let b: Vec<u32> = seq(30..60).into_iter().chain(seq(0..30)).collect();
        assert_eq!(align(&a, &b, P), [TokenPassage { a: 0..60, b: 0..60 }]);
        // Far apart in B, they are two reuses.
        let b: Vec<u32> = seq(30..60)
            .into_iter()
            .chain(seq(1000..1100))
            .chain(seq(0..30))
            .collect();
        assert_eq!(
            align(&a, &b, P),
            [
                TokenPassage {
                    a: 0..30,
                    b: 130..160
                },
                TokenPassage {
                    a: 30..60,
                    b: 0..30
                }
            ]
        );
    }

    #[test]
    fn sentences_cut_from_the_middle_of_a_passage_leave_one_passage() {
        // A holds B's passage with 60 words of its middle cut.
        let a = seq(0..60);
        let b: Vec<u32> = seq(0..30)
            .into_iter()
            .chain(seq(500..560))
            .chain(seq(30..60))
            .collect();
        assert_eq!(
            align(&a, &b, P),
            [TokenPassage {
                a: 0..60,
                b: 0..120
            }]
        );
        assert_eq!(
            align(&b, &a, P),
            [TokenPassage {
                a: 0..120,
                b: 0..60
            }]
        );
        // Further apart than a few sentences, they are two reuses.
        let b: Vec<u32> = seq(0..30)
            .into_iter()
            .chain(seq(500..500 + CUT_GAP as u32 + 1))
            .chain(seq(30..60))
            .collect();
        assert_eq!(align(&a, &b, P).len(), 2);
        // And not across a passage lying between them in either text.
        let b: Vec<u32> = seq(0..30)
            .into_iter()
            .chain(seq(500..520))
            .chain(seq(60..90))
            .chain(seq(30..60))
            .collect();
        let a: Vec<u32> = seq(0..60)
            .into_iter()
            .chain(seq(800..900))
            .chain(seq(60..90))
            .collect();
        assert_eq!(align(&a, &b, P).len(), 3);
    }

    /// A rewrite with every third word replaced, then sentence-sized
    /// pieces put in another order and words swapped inside them: no five
    /// words in a row survive, and it is still one passage.
    #[test]
    fn a_rewritten_passage_is_found_whole() {
        let a: Vec<u32> = seq(0..20)
            .into_iter()
            .chain(seq(100..160))
            .chain(seq(20..40))
            .collect();
        let piece = |r: Range<u32>| -> Vec<u32> {
            let mut v: Vec<u32> = r.map(|x| if x % 3 == 0 { 50_000 + x } else { x }).collect();
            for k in (0..v.len() - 1).step_by(4) {
                v.swap(k, k + 1);
            }
            v
        };
        let b: Vec<u32> = seq(9000..9030)
            .into_iter()
            .chain(piece(130..160))
            .chain(piece(100..130))
            .chain(seq(9100..9130))
            .collect();
        // A's passage is 20..80; its last word was replaced, so the
        // evidence ends one word short.
        assert_eq!(
            align(&a, &b, P),
            [TokenPassage {
                a: 20..79,
                b: 30..90
            }]
        );
    }

    /// Topic alone is no passage: the same words, scattered.
    #[test]
    fn shared_words_far_apart_are_no_passage() {
        let a: Vec<u32> = (0..300u32)
            .map(|i| if i % 10 == 0 { i / 10 } else { 10_000 + i })
            .collect();
        let b: Vec<u32> = (0..300u32)
            .map(|i| if i % 10 == 0 { 29 - i / 10 } else { 20_000 + i })
            .collect();
        assert!(align(&a, &b, P).is_empty());
    }

    /// The settling of the module before it was indexed (quadratic in the
    /// passages), kept to prove the indexed one gives the same passages.
    // Step 6 of the module doc: passages (with their evidence, in matched
    /// words) overlapping in both documents merge; then, strongest first, a
    /// passage overlapping a stronger one in either document loses the words
    /// they share when they overlap at its edge, and is dropped when one holds
    /// the other there.
    fn settle_reference(mut found: Vec<(TokenPassage, usize)>) -> Vec<TokenPassage> {
        loop {
            found.sort_by_key(|(t, _)| (t.a.start, t.b.start, t.a.end, t.b.end));
            let mut changed = false;
            let mut i = 0;
            while i < found.len() {
                let mut j = i + 1;
                while j < found.len() && found[j].0.a.start < found[i].0.a.end {
                    if overlaps(&found[i].0.b, &found[j].0.b) {
                        let (t, w) = found.remove(j);
                        let x = &mut found[i];
                        x.0.a = x.0.a.start.min(t.a.start)..x.0.a.end.max(t.a.end);
                        x.0.b = x.0.b.start.min(t.b.start)..x.0.b.end.max(t.b.end);
                        x.1 = x.1.max(w);
                        changed = true;
                    } else {
                        j += 1;
                    }
                }
                i += 1;
            }
            if !changed {
                break;
            }
        }
        found.sort_by(|x, y| {
            y.1.cmp(&x.1)
                .then((x.0.a.start, x.0.b.start).cmp(&(y.0.a.start, y.0.b.start)))
        });
        let mut kept: Vec<TokenPassage> = Vec::new();
        'next: for (mut t, _) in found {
            for k in kept.iter_mut() {
                let (on_a, on_b) = (overlaps(&t.a, &k.a), overlaps(&t.b, &k.b));
                if !on_a && !on_b {
                    continue;
                }
                if (on_a && !on_b && edge(&t.a, &k.a) && near(&t.b, &k.b))
                    || (on_b && !on_a && edge(&t.b, &k.b) && near(&t.a, &k.a))
                {
                    k.a = k.a.start.min(t.a.start)..k.a.end.max(t.a.end);
                    k.b = k.b.start.min(t.b.start)..k.b.end.max(t.b.end);
                    continue 'next;
                }
                for (mine, theirs) in [(&mut t.a, &k.a), (&mut t.b, &k.b)] {
                    if !overlaps(mine, theirs) {
                        continue;
                    }
                    if theirs.start <= mine.start
                        && mine.start < theirs.end
                        && theirs.end < mine.end
                    {
                        mine.start = theirs.end; // its head is the stronger one's tail
                    } else if mine.start < theirs.start
                        && theirs.start < mine.end
                        && mine.end <= theirs.end
                    {
                        mine.end = theirs.start; // its tail is the stronger one's head
                    } else {
                        continue 'next; // one inside the other
                    }
                }
            }
            kept.push(t);
        }
        // Absorbing may have made a kept passage reach another: the earlier
        // (stronger) one stays whole.
        let mut settled: Vec<TokenPassage> = Vec::new();
        for t in kept {
            if !settled
                .iter()
                .any(|k| overlaps(&k.a, &t.a) || overlaps(&k.b, &t.b))
            {
                settled.push(t);
            }
        }
        join_cuts(settled)
    }

    /// Regression: `compare` listed one span twice (a paragraph A repeats,
    /// held once by B) and spans inside other reported spans (pieces of one
    /// edited passage). Every stretch of either text is now in at most one
    /// passage.
    #[test]
    fn no_span_is_reported_twice_or_inside_another() {
        // A holds paragraph 0..40 twice; B holds it once, lightly edited.
        let a: Vec<u32> = seq(0..40).into_iter().chain(seq(0..40)).collect();
        let mut edited = seq(0..40);
        edited[13] = 77_777;
        edited[27] = 88_888;
        let b: Vec<u32> = seq(500..520)
            .into_iter()
            .chain(edited)
            .chain(seq(600..620))
            .collect();
        let got = align(&a, &b, P);
        assert_eq!(
            got,
            [TokenPassage {
                a: 0..40,
                b: 20..60
            }]
        );
    }

    proptest! {
        /// The indexed settling gives exactly the passages of the quadratic
        /// one, on passages crowded enough to meet in every way.
        #[test]
        fn settling_with_the_grid_changes_nothing(
            raw in prop::collection::vec((0usize..300, 1usize..60, 0usize..300, 1usize..60, 0usize..6), 0..120)
        ) {
            let found: Vec<(TokenPassage, usize)> = raw
                .into_iter()
                .map(|(a, la, b, lb, w)| (TokenPassage { a: a..a + la, b: b..b + lb }, w))
                .collect();
            prop_assert_eq!(settle(found.clone()), settle_reference(found));
        }
    }

    proptest! {
        #[test]
        fn passages_never_overlap_on_either_side(a in prop::collection::vec(0u32..40, 0..300),
                                                 b in prop::collection::vec(0u32..40, 0..300)) {
            let got = align(&a, &b, P);
            for (x, y) in got.iter().zip(got.iter().skip(1)) {
                prop_assert!(x.a.end <= y.a.start, "{x:?} {y:?}");
            }
            for x in &got {
                for y in &got {
                    prop_assert!(x == y || !overlaps(&x.b, &y.b), "{x:?} {y:?}");
                }
            }
        }
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
