//! Stop-word lexicon for many languages, from the `stop-words` crate
//! (Stopwords ISO lists), used to tell prose from page furniture.
//!
//! Every word maps to the set of languages whose list contains it, as a bit
//! mask, so one lookup per word serves both language detection and density.

use std::collections::HashMap;
use std::sync::OnceLock;

// Lookups run once per word of the corpus on short keys, where Fx hashing
// is several times cheaper than a streaming xxh3 state (profiled).
use rustc_hash::FxBuildHasher;

use crate::text::normalise::{normalise, words};

/// Languages are bits of a `u128`.
pub type LangMask = u128;

/// Stop words of every available language.
#[derive(Debug)]
pub struct Lexicon {
    words: HashMap<String, LangMask, FxBuildHasher>,
    languages: Vec<&'static str>,
}

impl Lexicon {
    /// The lexicon, built once per process.
    pub fn get() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(Lexicon::build)
    }

    fn build() -> Lexicon {
        let mut languages: Vec<&'static str> = stop_words::available_languages().to_vec();
        languages.sort_unstable();
        languages.truncate(LangMask::BITS as usize);
        let mut map: HashMap<String, LangMask, FxBuildHasher> = HashMap::default();
        for (bit, code) in languages.iter().enumerate() {
            let Some(list) = stop_words::lookup(code) else {
                continue;
            };
            for w in list {
                let norm = normalise(w);
                let mut it = words(&norm);
                // Multi-word entries cannot match a single token; skip them.
                if let (Some(one), None) = (it.next(), it.next()) {
                    *map.entry(one.to_owned()).or_default() |= 1 << bit;
                }
            }
        }
        Lexicon {
            words: map,
            languages,
        }
    }

    /// The languages whose stop-word lists contain `word` (normalised).
    #[inline]
    pub fn mask(&self, word: &str) -> LangMask {
        self.words.get(word).copied().unwrap_or(0)
    }

    /// The language code of bit `bit`.
    pub fn language(&self, bit: u32) -> &'static str {
        self.languages.get(bit as usize).copied().unwrap_or("und")
    }

    /// The bit of a language code, if available.
    pub fn bit(&self, code: &str) -> Option<u32> {
        self.languages
            .iter()
            .position(|&c| c == code)
            .map(|p| p as u32)
    }
}

/// Pick the language whose stop words occur most often among `masks`
/// (one mask per word); ties go to the lower bit. `None` when fewer than two
/// words of any language occur (too little evidence).
pub fn detect(masks: &[LangMask]) -> Option<u32> {
    // Common words recur, so each distinct mask is expanded into its bits once.
    let mut distinct: HashMap<LangMask, u32, FxBuildHasher> = HashMap::default();
    for &m in masks.iter().filter(|&&m| m != 0) {
        *distinct.entry(m).or_default() += 1;
    }
    let mut counts = [0u32; LangMask::BITS as usize];
    for (&m, &n) in &distinct {
        let mut m = m;
        while m != 0 {
            counts[m.trailing_zeros() as usize] += n;
            m &= m - 1;
        }
    }
    let (bit, &best) = counts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
    (best >= 2).then_some(bit as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang_of(text: &str) -> &'static str {
        let lex = Lexicon::get();
        let norm = normalise(text);
        let masks: Vec<_> = words(&norm).map(|w| lex.mask(w)).collect();
        detect(&masks).map_or("und", |b| lex.language(b))
    }

    #[test]
    fn detects_languages_from_stop_words() {
        assert_eq!(
            lang_of("The minister said that it was not the time for this."),
            "en"
        );
        assert_eq!(
            lang_of(
                "Der Minister sagte, dass es nicht die Zeit dafür sei und dass er nicht kommt."
            ),
            "de"
        );
        assert_eq!(
            lang_of("El ministro dijo que no era el momento para esto y que no vendría."),
            "es"
        );
    }
}
