//! Boilerplate: page furniture that is not the article.
//!
//! # Per document: a block classifier in the spirit of jusText
//!
//! Pomikálek's jusText (PhD thesis, Masaryk University, 2011) classifies each
//! paragraph from its length, its *stop-word density* (prose is full of
//! function words; menus, prices and link lists are not) and then lets the
//! context decide the uncertain ones. doublet follows that scheme with the
//! same default thresholds (70 and 200 characters, densities 0.30 and 0.32),
//! stop-word lists for every language the `stop-words` crate carries (the
//! document's language is the one whose stop words it uses most), and one
//! more signal suited to scraped news: a block that ends like a sentence is
//! prose, while furniture rarely carries sentence punctuation.
//!
//! * `Bad`: long enough to judge but poor in stop words, or an unrendered
//!   template (`{{…}}`).
//! * `Short`: too short to judge alone.
//! * `NearGood`: enough stop words but no sentence ending (captions, promos).
//! * `Sentence`: a sentence shorter than `length_sentence` characters. A
//!   paywall's "You have reached your limit of 5 free articles." is exactly
//!   that in every language, so such blocks are not trusted on their own.
//! * `Good`: prose (long and rich in stop words, or a long sentence).
//!
//! Context, in three steps:
//!
//! 1. a `Sentence` is content unless furniture is its nearest decisive
//!    neighbour on either side, where decisive means `Good`, `Bad`, or part of
//!    a run of three or more `Short` blocks (a menu, price list or paywall);
//!    the document's edges are neutral, so an article may open or close with
//!    a short sentence, and two or more sentences in a row vouch for each
//!    other (a paywall has one sentence among short lines, an article has
//!    sentences in a row);
//! 2. a `NearGood` block is content only with `Good` blocks as its nearest
//!    decisive neighbours on both sides;
//! 3. a `Short` block is content only if its nearest non-short neighbours on
//!    both sides are content and it is not part of a run of three or more
//!    short blocks ("More from this section" and its links, a price table).
//!
//! In steps 2 and 3 the start and end of the document count as `Bad`, so runs
//! of short lines around an article (headers, paywalls, footers) fall away
//! while datelines and subheadings inside it stay. If nothing at all is
//! `Good` the classifier abstains and keeps every block: comparing a page
//! whole is better than comparing nothing.
//!
//! # Corpus-wide
//!
//! Site furniture repeats across unrelated articles; a syndicated article's
//! paragraphs repeat too, but only among copies of that article. A paragraph
//! is corpus-wide boilerplate when it occurs in at least `corpus_min_docs`
//! documents that are pairwise unrelated (see [`crate::pipeline`]).

use serde::Serialize;

use crate::config::CleanConfig;

/// The classifier's verdict on one block before context is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Prose: a long block rich in stop words, or a long sentence.
    Good,
    /// A sentence too short to be sure of; decided by context.
    Sentence,
    /// Enough stop words but no sentence ending; decided by context.
    NearGood,
    /// Too short to judge; decided by context.
    Short,
    /// Furniture.
    Bad,
}

/// What the classifier looks at in one block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockFeatures {
    /// Length in characters, wide (CJK) characters counted twice.
    pub length: u32,
    /// Words.
    pub words: u32,
    /// Stop words of the document's language; `None` when the language is
    /// unknown.
    pub stop_words: Option<u32>,
    /// Ends with sentence punctuation (closing quotes allowed).
    pub ends_sentence: bool,
    /// Contains unrendered template syntax such as `{{name}}`.
    pub template: bool,
}

impl BlockFeatures {
    /// Share of the block's words that are stop words.
    pub fn density(&self) -> Option<f64> {
        self.stop_words.map(|s| {
            if self.words == 0 {
                0.0
            } else {
                f64::from(s) / f64::from(self.words)
            }
        })
    }
}

/// Class of a block on its own.
pub fn initial(f: &BlockFeatures, cfg: &CleanConfig) -> Class {
    if f.template {
        return Class::Bad;
    }
    let len = f.length as usize;
    if f.words == 0 || len < cfg.length_low {
        return Class::Short;
    }
    let sentence = |len: usize| {
        if len >= cfg.length_sentence {
            Class::Good
        } else {
            Class::Sentence
        }
    };
    match f.density() {
        Some(d) if d >= cfg.stopwords_high && len >= cfg.length_high => Class::Good,
        Some(d) if d >= cfg.stopwords_low && f.ends_sentence => sentence(len),
        Some(d) if d >= cfg.stopwords_low => Class::NearGood,
        // A sentence with somewhat fewer function words (names, numbers) is
        // still more likely prose than furniture; context decides.
        Some(d) if f.ends_sentence && d >= cfg.stopwords_low / 2.0 => Class::Sentence,
        Some(_) => Class::Bad,
        None if f.ends_sentence => sentence(len),
        None => Class::NearGood,
    }
}

/// Consecutive short blocks that make a menu, a price list or a paywall.
const SHORT_RUN: usize = 3;

/// For every position, the nearest value strictly before and strictly after
/// it that `f` yields, in two linear passes (a page can have hundreds of
/// thousands of lines, so no scanning outward from each block).
fn neighbours<T: Copy>(
    n: usize,
    f: impl Fn(usize) -> Option<T>,
) -> (Vec<Option<T>>, Vec<Option<T>>) {
    let mut before = vec![None; n];
    let mut last = None;
    for (i, slot) in before.iter_mut().enumerate() {
        *slot = last;
        if let Some(v) = f(i) {
            last = Some(v);
        }
    }
    let mut after = vec![None; n];
    let mut next = None;
    for i in (0..n).rev() {
        after[i] = next;
        if let Some(v) = f(i) {
            next = Some(v);
        }
    }
    (before, after)
}

/// Whether each block is content, given the blocks' features in order.
/// Returns the initial classes and the content verdicts.
pub fn classify(blocks: &[BlockFeatures], cfg: &CleanConfig) -> (Vec<Class>, Vec<bool>) {
    let classes: Vec<Class> = blocks.iter().map(|f| initial(f, cfg)).collect();
    if !classes.contains(&Class::Good) {
        return (classes, vec![true; blocks.len()]);
    }
    let n = classes.len();
    // Blocks inside a run of at least SHORT_RUN short blocks count as Bad
    // context for the sentences around them.
    let mut in_run = vec![false; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && classes[j] == Class::Short {
            j += 1;
        }
        if j - i >= SHORT_RUN {
            in_run[i..j].iter_mut().for_each(|x| *x = true);
        }
        i = j.max(i + 1);
    }
    let context = |k: usize| -> Option<Class> {
        match classes[k] {
            Class::Good | Class::Bad => Some(classes[k]),
            Class::Short if in_run[k] => Some(Class::Bad),
            _ => None,
        }
    };
    let mut resolved = classes.clone();
    // 1. Short sentences: content unless furniture is their nearest decisive
    //    neighbour on either side (the document's edges are neutral here, so
    //    an article may open or close with a short sentence).
    //    Consecutive sentences vouch for each other: a paywall has one
    //    sentence among short lines, an article has sentences in a row.
    let (before, after) = neighbours(n, context);
    for k in 0..n {
        if classes[k] == Class::Sentence {
            let paired = (k > 0 && classes[k - 1] == Class::Sentence)
                || (k + 1 < n && classes[k + 1] == Class::Sentence);
            let bad = before[k] == Some(Class::Bad) || after[k] == Some(Class::Bad);
            resolved[k] = if bad && !paired {
                Class::Bad
            } else {
                Class::Good
            };
        }
    }
    // 2. Near-good blocks: content only between prose on both sides (the
    //    edges count as Bad from here on).
    let decisive = resolved.clone();
    let (before, after) = neighbours(n, |i| {
        matches!(decisive[i], Class::Good | Class::Bad).then_some(decisive[i])
    });
    for k in 0..n {
        if classes[k] == Class::NearGood {
            let both = before[k] == Some(Class::Good) && after[k] == Some(Class::Good);
            resolved[k] = if both { Class::Good } else { Class::Bad };
        }
    }
    // 3. Short blocks: content only between content on both sides, and
    //    never inside a run of short blocks (a link list or a price table).
    let settled = resolved.clone();
    let (before, after) = neighbours(n, |i| (settled[i] != Class::Short).then_some(settled[i]));
    for k in 0..n {
        if classes[k] == Class::Short {
            let both = before[k] == Some(Class::Good) && after[k] == Some(Class::Good);
            resolved[k] = if both && !in_run[k] {
                Class::Good
            } else {
                Class::Bad
            };
        }
    }
    let content = resolved.iter().map(|&c| c == Class::Good).collect();
    (classes, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose() -> BlockFeatures {
        BlockFeatures {
            length: 150,
            words: 25,
            stop_words: Some(10),
            ends_sentence: true,
            template: false,
        }
    }
    fn short() -> BlockFeatures {
        BlockFeatures {
            length: 20,
            words: 3,
            stop_words: Some(0),
            ends_sentence: false,
            template: false,
        }
    }
    fn promo() -> BlockFeatures {
        BlockFeatures {
            length: 80,
            words: 14,
            stop_words: Some(5),
            ends_sentence: false,
            template: false,
        }
    }

    #[test]
    fn short_blocks_inside_an_article_stay_and_around_it_go() {
        let cfg = CleanConfig::default();
        let blocks = [
            short(),
            prose(),
            short(),
            prose(),
            short(),
            promo(),
            short(),
        ];
        let (_, content) = classify(&blocks, &cfg);
        assert_eq!(content, [false, true, true, true, false, false, false]);
    }

    #[test]
    fn runs_of_short_blocks_inside_an_article_go() {
        let cfg = CleanConfig::default();
        let blocks = [
            prose(),
            short(),
            short(),
            short(),
            prose(),
            short(),
            short(),
            prose(),
        ];
        let (_, content) = classify(&blocks, &cfg);
        assert_eq!(content, [true, false, false, false, true, true, true, true]);
    }

    #[test]
    fn neargood_between_prose_is_content() {
        let cfg = CleanConfig::default();
        let (_, content) = classify(&[prose(), promo(), prose()], &cfg);
        assert_eq!(content, [true, true, true]);
    }

    #[test]
    fn abstains_when_nothing_is_prose() {
        let cfg = CleanConfig::default();
        let (_, content) = classify(&[short(), short(), promo()], &cfg);
        assert_eq!(content, [true, true, true]);
    }

    #[test]
    fn short_sentences_before_a_run_of_short_lines_are_furniture() {
        let cfg = CleanConfig::default();
        let wall = BlockFeatures {
            length: 75,
            words: 12,
            stop_words: Some(5),
            ends_sentence: true,
            template: false,
        };
        assert_eq!(initial(&wall, &cfg), Class::Sentence);
        let (_, content) = classify(&[prose(), wall, short(), short(), short()], &cfg);
        assert_eq!(content, [true, false, false, false, false]);
        // The same sentence opening or closing an article stays.
        let (_, content) = classify(&[wall, short(), prose(), wall], &cfg);
        assert_eq!(content, [true, true, true, true]);
        // An article of short sentences between a menu and a paywall stays.
        let menu = BlockFeatures {
            length: 75,
            words: 9,
            stop_words: Some(0),
            ends_sentence: false,
            template: false,
        };
        let blocks = [menu, wall, wall, wall, short(), short(), short(), prose()];
        let (_, content) = classify(&blocks, &cfg);
        assert_eq!(
            content,
            [false, true, true, true, false, false, false, true]
        );
    }

    #[test]
    fn a_page_of_many_short_lines_is_classified() {
        // 300,000 blocks: with context searched outward from each block this
        // would not finish; speed itself is measured by the benches.
        let cfg = CleanConfig::default();
        let mut blocks = vec![prose()];
        blocks.extend(std::iter::repeat_n(short(), 300_000));
        blocks.push(prose());
        let (_, content) = classify(&blocks, &cfg);
        assert!(content[0] && content[300_001]);
        assert!(
            content[1..300_001].iter().all(|&c| !c),
            "a run of short lines is furniture"
        );
    }

    #[test]
    fn templates_are_bad() {
        let cfg = CleanConfig::default();
        let f = BlockFeatures {
            template: true,
            ..prose()
        };
        assert_eq!(initial(&f, &cfg), Class::Bad);
    }
}
