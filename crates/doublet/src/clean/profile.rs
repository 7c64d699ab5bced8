//! Which cleaning fits a document: a scraped web page, or a plain document.
//!
//! The per-document classifier ([`super::boilerplate`]) reads a block's
//! length, stop words and neighbours the way jusText reads a web page: short
//! lines in runs and at the page's edges are menus, link lists and
//! paywalls. On a plain document that reading is wrong. A changelog is runs
//! of short lines from top to bottom, a licence has numbered clauses and
//! headings, a manual page has option lists, a poem has verses. Their
//! authors wrote every line; nothing in them is a page's chrome.
//!
//! So each document is read first for what it is ([`Profile::Auto`]):
//!
//! * **web**: it shows a web page's chrome. Evidence is counted per short
//!   block (at most [`CHROME_WORDS`] words, no sentence ending): a menu of
//!   three or more items between `|`, `•` or `·`; a phrase that only page
//!   chrome uses ("sign in", "subscribe now", "privacy policy", "read
//!   more", "more from this section", in several languages); a price; an
//!   unrendered template (`{{…}}`); a run of three or more one-to-four-word
//!   lines at the head or tail of the page (a link list). Two such blocks,
//!   and one in a hundred of the document's blocks, make a page (a phrase
//!   counts once however often it is said: a licence may name its "Terms
//!   of Use" ten times);
//! * **plain**: it has none of that, and it is laid out as people lay out
//!   documents and scrapers do not: hard-wrapped, indented (a fifth of its
//!   lines or more), with blank lines between its paragraphs, or marked up
//!   (Markdown headings and code fences, underlined headings);
//! * anything else is read as a web page, as doublet always did: scraped
//!   text one paragraph per line is what crawls are made of. But without
//!   chrome seen, the classifier may not take more than half of a
//!   document's words on its own word: a document it would gut (a `git
//!   log --oneline` changelog, a list of names) is read as plain.
//!
//! A plain document loses nothing on its own evidence: a paragraph its
//! author repeats (a licence quoted for each part of a package) is theirs
//! to repeat, where a page that says everything twice was scraped twice.
//! Corpus-wide it loses only formulaic lines that recur in unrelated
//! documents *and* sit in a run at its very head or tail (a format
//! declaration, a generator's stamp); never a sentence or a paragraph,
//! whatever recurs. Users who know what they hold say so:
//! `--clean web`, `--clean plain`, or `--clean off`.

use serde::{Deserialize, Serialize};

use crate::text::segment::LineFacts;

/// Which cleaning to apply (`CleanConfig::profile`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Decided per document from its layout and chrome (module docs).
    #[default]
    Auto,
    /// Every document is a scraped web page.
    Web,
    /// Every document is a plain document.
    Plain,
}

/// What a document was cleaned as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A scraped web page: the jusText-style classifier applies.
    Web,
    /// A plain document: only what its own text proves redundant goes.
    Plain,
}

/// Blocks of at most this many words may be page chrome.
pub const CHROME_WORDS: usize = 12;

/// Phrases that page chrome uses and documents rarely do, lower case. Each
/// is matched inside a short block (at most [`CHROME_WORDS`] words, no
/// sentence ending) on word boundaries.
const CHROME_PHRASES: &[&str] = &[
    // English
    "sign in",
    "sign up",
    "log in",
    "log out",
    "subscribe now",
    "subscribe to",
    "subscribe for",
    "already a subscriber",
    "already subscribed",
    "free articles",
    "unlimited access",
    "privacy policy",
    "cookie policy",
    "cookie settings",
    "accept cookies",
    "terms of use",
    "terms of service",
    "read more",
    "read next",
    "more from this section",
    "more from",
    "related articles",
    "related stories",
    "most popular",
    "most read",
    "share this",
    "share on",
    "follow us",
    "skip to content",
    "skip to main content",
    "back to top",
    "advertisement",
    "sponsored content",
    "newsletter",
    "contact us",
    "all comments",
    // German
    "jetzt abonnieren",
    "anmelden",
    "datenschutzerklärung",
    "impressum",
    "weiterlesen",
    "mehr zum thema",
    // French
    "se connecter",
    "s'abonner",
    "abonnez-vous",
    "lire la suite",
    "lire aussi",
    "mentions légales",
    "politique de confidentialité",
    "publicité",
    // Spanish, Portuguese, Italian, Dutch
    "iniciar sesión",
    "suscríbete",
    "leer más",
    "política de privacidad",
    "publicidad",
    "leia mais",
    "assine",
    "publicidade",
    "leggi anche",
    "abbonati",
    "pubblicità",
    "lees meer",
    "inloggen",
    "advertentie",
];

/// Whether `phrase` occurs in `text` (lower case) between word boundaries.
fn has_phrase(text: &str, phrase: &str) -> bool {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    text.match_indices(phrase).any(|(i, _)| {
        boundary(text[..i].chars().next_back()) && boundary(text[i + phrase.len()..].chars().next())
    })
}

/// A menu: three or more items of one to four words, each beginning with a
/// letter, between separators. A table row (numbers, or cells padded into
/// columns) is not one.
fn menu(block: &str) -> bool {
    if block.contains("  |") || block.contains("|  ") {
        return false;
    }
    let items: Vec<&str> = block
        .split(['|', '\u{2022}', '\u{00B7}'])
        .map(str::trim)
        .collect();
    items.len() >= 3
        && items.iter().all(|i| {
            let words = i.split_whitespace().count();
            (1..=4).contains(&words) && i.chars().next().is_some_and(char::is_alphabetic)
        })
}

/// A price: a currency sign next to an amount (two digits or more, or
/// with decimals: `£9.99`, `₹900`, `25 €`), in a block of a few words.
/// A shell's `$1` is not one.
fn price(block: &str, words: usize) -> bool {
    let money = |c: char| matches!(c, '$' | '\u{20AC}' | '\u{00A3}' | '\u{00A5}' | '\u{20B9}');
    let amount = |s: &str| {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &s.as_bytes()[digits..];
        digits >= 2
            || (digits == 1
                && rest.len() >= 2
                && matches!(rest[0], b'.' | b',')
                && rest[1].is_ascii_digit())
    };
    if words > 6 {
        return false;
    }
    block.char_indices().any(|(i, c)| {
        if !money(c) {
            return false;
        }
        let after = block[i + c.len_utf8()..].trim_start_matches(' ');
        let before = block[..i].trim_end_matches(' ');
        let tail: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        amount(after) || amount(&tail)
    })
}

/// What makes a block look like a web page's chrome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chrome {
    /// A menu of three or more items between separators.
    Menu,
    /// A price.
    Price,
    /// An unrendered template (`{{…}}`).
    Template,
    /// A chrome phrase, by its place in the list: a document that says
    /// "Terms of Use" ten times has shown one phrase, not ten.
    Phrase(u8),
}

/// Whether one block looks like a web page's chrome on its own: a menu, a
/// chrome phrase, a price, or a template. `words`: its word count;
/// `sentence`: it ends like a sentence. A short block may span lines (a
/// menu hard-wrapped with the page around it).
pub fn chrome(block: &str, words: usize, sentence: bool) -> Option<Chrome> {
    if block.contains("{{") || block.contains("}}") {
        return Some(Chrome::Template);
    }
    if words == 0 || words > CHROME_WORDS || sentence {
        return None;
    }
    if menu(block) {
        return Some(Chrome::Menu);
    }
    if price(block, words) {
        return Some(Chrome::Price);
    }
    let lower = block.to_lowercase();
    // One pass finds which phrases occur at all; only those are checked
    // for word boundaries, in order.
    let mut present = 0u64;
    for m in phrases().find_overlapping_iter(&lower) {
        present |= 1 << m.pattern().as_usize();
    }
    CHROME_PHRASES
        .iter()
        .enumerate()
        .filter(|&(i, _)| present & (1 << i) != 0)
        .find(|&(_, p)| has_phrase(&lower, p))
        .map(|(i, _)| Chrome::Phrase(i as u8))
}

/// An automaton of [`CHROME_PHRASES`], built once.
fn phrases() -> &'static aho_corasick::AhoCorasick {
    static PHRASES: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    const _: () = assert!(CHROME_PHRASES.len() <= 64, "one bit a phrase");
    PHRASES.get_or_init(|| {
        aho_corasick::AhoCorasick::new(CHROME_PHRASES)
            .expect("the chrome phrases are few and short")
    })
}

/// Counts a document's chrome: every menu, price and template, and each
/// distinct phrase once.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChromeCount {
    count: usize,
    phrases: u128,
}

impl ChromeCount {
    /// Count one block's chrome, if any.
    pub fn add(&mut self, c: Option<Chrome>) {
        match c {
            None => {}
            Some(Chrome::Phrase(i)) => self.phrases |= 1u128 << (i % 128),
            Some(_) => self.count += 1,
        }
    }

    /// The chrome counted.
    pub fn total(&self) -> usize {
        self.count + self.phrases.count_ones() as usize
    }
}

/// What is known of a document's blocks and lines, to tell its kind.
#[derive(Clone, Copy, Debug, Default)]
pub struct Signs {
    /// Blocks.
    pub blocks: usize,
    /// Blocks that look like chrome ([`chrome`], and link lists at the
    /// edges).
    pub chrome: usize,
    /// How its lines are laid out.
    pub lines: LineFacts,
}

impl Signs {
    /// The document shows a web page's chrome.
    pub fn web(&self) -> bool {
        self.chrome >= 2 && self.chrome * 100 >= self.blocks
    }

    /// The document is laid out as a document: hard-wrapped, indented,
    /// with blank lines between its paragraphs, or marked up (two headings,
    /// fences or underlines).
    pub fn laid_out(&self) -> bool {
        let l = &self.lines;
        l.wrapped
            || (l.lines >= 3 && l.indented * 5 >= l.lines)
            || (l.breaks >= 2 && l.blank_breaks * 2 >= l.breaks)
            || l.marked >= 2
    }

    /// The kind of document under `profile`.
    pub fn kind(&self, profile: Profile) -> Kind {
        match profile {
            Profile::Web => Kind::Web,
            Profile::Plain => Kind::Plain,
            Profile::Auto if self.laid_out() && !self.web() => Kind::Plain,
            Profile::Auto => Kind::Web,
        }
    }
}

/// Blocks in a run of short lines at the head or tail of a page (a link
/// list or a menu written one item a line): runs of at least three blocks
/// of one to four words without a sentence ending, touching the first or
/// last block. `short[i]`: block `i` is such a line.
pub fn edge_lists(short: &[bool]) -> usize {
    let head = short.iter().take_while(|&&s| s).count();
    if head == short.len() {
        return 0; // a list and nothing else is not a page around an article
    }
    let tail = short.iter().rev().take_while(|&&s| s).count();
    [head, tail].into_iter().filter(|&n| n >= 3).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrome_is_recognised_in_short_blocks_only() {
        for b in [
            "Home | News | Sport | Subscribe | Sign in",
            "Contact us | Advertise | Privacy policy",
            "Already subscribed? Log in",
            "More From This Section",
            "\u{00A3}9.99 a month",
            "\u{20B9}900",
            "25 \u{20AC} / Monat",
            "$15 a month",
            "You've reached your limit of {{free_limit}} free articles this month.",
            "Jetzt abonnieren und weiterlesen",
            "Home | News | Sport | Culture | Travel | Subscribe | Sign\nin",
        ] {
            let words = b
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count();
            assert!(chrome(b, words, false).is_some(), "{b}");
        }
        for b in [
            "login - begin session on the system",
            "-b, --cookie <data|filename>",
            "chfn [options] [LOGIN]",
            "Copyright (c) 1998 The Regents of the University of California.",
            "All rights reserved",
            "* Upload to unstable.",
            "GNU GENERAL PUBLIC LICENSE",
            "Version 2, June 1991",
            "[-a | -b | -c]",
            "configure.ac | 2 +-",
            "echo \"Usage: $0 username\"",
            "lprm $1",
            "Ratio | 2.8 | 510 MB/s",
            "uid   | name              | description",
            "configure.ac | 2 +-\n meson.build | 2 +-",
        ] {
            let words = b.split_whitespace().count();
            assert!(chrome(b, words, b.ends_with('.')).is_none(), "{b}");
        }
    }

    #[test]
    fn a_phrase_said_again_is_counted_once() {
        let mut c = ChromeCount::default();
        for _ in 0..10 {
            c.add(chrome("Terms of Use", 3, false));
        }
        assert_eq!(c.total(), 1);
        c.add(chrome("Sign in", 2, false));
        c.add(chrome("Home | News | Sport", 5, false));
        c.add(chrome("Home | News | Sport", 5, false));
        assert_eq!(c.total(), 4);
    }

    #[test]
    fn a_wrapped_or_indented_text_without_chrome_is_plain() {
        let plain = Signs {
            blocks: 40,
            chrome: 0,
            lines: LineFacts {
                lines: 120,
                indented: 100,
                breaks: 119,
                blank_breaks: 30,
                ..LineFacts::default()
            },
        };
        assert_eq!(plain.kind(Profile::Auto), Kind::Plain);
        // The same layout with a menu and a footer of links is a page.
        let page = Signs { chrome: 2, ..plain };
        assert_eq!(page.kind(Profile::Auto), Kind::Web);
        // One paragraph per line, no blank lines: as crawls hold pages.
        let scraped = Signs {
            blocks: 30,
            chrome: 0,
            lines: LineFacts {
                lines: 30,
                breaks: 29,
                ..LineFacts::default()
            },
        };
        assert_eq!(scraped.kind(Profile::Auto), Kind::Web);
        assert_eq!(scraped.kind(Profile::Plain), Kind::Plain);
        assert_eq!(plain.kind(Profile::Web), Kind::Web);
    }

    #[test]
    fn link_lists_count_at_the_edges_only() {
        assert_eq!(edge_lists(&[true, true, true, false, false, true]), 1);
        assert_eq!(edge_lists(&[true, true, true, false, true, true, true]), 2);
        assert_eq!(edge_lists(&[false, true, true, true, false]), 0);
        assert_eq!(edge_lists(&[true, true, true]), 0);
    }
}
