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
//! * `Good`: prose.
//!
//! Context: a `NearGood` block is content only between `Good` blocks (nearest
//! decisive neighbours on both sides); then a `Short` block is content only if
//! its nearest non-short neighbours on both sides are content. The start and
//! end of the document count as `Bad`, so runs of short lines around an
//! article (headers, paywalls, footers) fall away while datelines and
//! subheadings inside it stay. If nothing at all is `Good` the classifier
//! abstains and keeps every block: comparing a page whole is better than
//! comparing nothing.
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
    /// Prose.
    Good,
    /// Probably prose; decided by context.
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
    if f.words == 0 || (f.length as usize) < cfg.length_low {
        return Class::Short;
    }
    match f.density() {
        Some(d) if d >= cfg.stopwords_high && f.length as usize >= cfg.length_high => Class::Good,
        Some(d) if d >= cfg.stopwords_low => {
            if f.ends_sentence {
                Class::Good
            } else {
                Class::NearGood
            }
        }
        // A sentence with somewhat fewer function words (names, numbers) is
        // still more likely prose than furniture.
        Some(d) if f.ends_sentence && d >= cfg.stopwords_low / 2.0 => Class::NearGood,
        Some(_) => Class::Bad,
        None if f.ends_sentence => Class::Good,
        None => Class::NearGood,
    }
}

/// Whether each block is content, given the blocks' features in order.
/// Returns the initial classes and the content verdicts.
pub fn classify(blocks: &[BlockFeatures], cfg: &CleanConfig) -> (Vec<Class>, Vec<bool>) {
    let classes: Vec<Class> = blocks.iter().map(|f| initial(f, cfg)).collect();
    if !classes.contains(&Class::Good) {
        return (classes, vec![true; blocks.len()]);
    }
    // Nearest class on each side satisfying `pred`, with the edges as Bad.
    fn nearest(of: &[Class], i: usize, pred: impl Fn(Class) -> bool) -> (Class, Class) {
        let before = of[..i]
            .iter()
            .rev()
            .copied()
            .find(|&c| pred(c))
            .unwrap_or(Class::Bad);
        let after = of[i + 1..]
            .iter()
            .copied()
            .find(|&c| pred(c))
            .unwrap_or(Class::Bad);
        (before, after)
    }
    let decisive = |c: Class| matches!(c, Class::Good | Class::Bad);
    let mut resolved = classes.clone();
    for i in 0..classes.len() {
        if classes[i] == Class::NearGood {
            let (b, a) = nearest(&classes, i, decisive);
            resolved[i] = if b == Class::Good && a == Class::Good {
                Class::Good
            } else {
                Class::Bad
            };
        }
    }
    let after_neargood = resolved.clone();
    for i in 0..classes.len() {
        if classes[i] == Class::Short {
            let (b, a) = nearest(&after_neargood, i, |c| c != Class::Short);
            resolved[i] = if b == Class::Good && a == Class::Good {
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
    fn templates_are_bad() {
        let cfg = CleanConfig::default();
        let f = BlockFeatures {
            template: true,
            ..prose()
        };
        assert_eq!(initial(&f, &cfg), Class::Bad);
    }
}
