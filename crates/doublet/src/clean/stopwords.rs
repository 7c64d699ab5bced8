//! Stop-word lexicon for many languages, from the `stop-words` crate
//! (Stopwords ISO lists), used to tell prose from page furniture.
//!
//! Every word maps to the set of languages whose list contains it, as a bit
//! mask, so one lookup per word serves both language detection and density.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

// Lookups run once per word of the corpus on short keys, where Fx hashing
// is several times cheaper than a streaming xxh3 state (profiled).
use rustc_hash::FxBuildHasher;

use crate::text::normalise::{normalise, words};
use crate::text::shingle;

/// Words added to a language's list where the Stopwords ISO list misses
/// the commonest function words: its Urdu list lacks میں, سے, نے, کو, کا,
/// وہ and بھی, among the most frequent words of any Urdu text.
const SUPPLEMENT: &[(&str, &str)] = &[(
    "ur",
    "میں سے نے کو کا کی کے اور ہے ہیں تھا تھی تھے ہو ہوا ہوئی ہوئے ہونے ہوتا ہوتی ہوتے \
     یہ وہ اس ان انہوں انہیں اسے پر بھی ایک کہ جو جس جن جنہوں لیے لئے گیا گئی گئے کر کیا \
     کرنے کرتے کرتا کرتی کریں ہی تو نہیں نہ یا اگر لیکن مگر تک ساتھ بعد پہلے اپنے اپنی \
     اپنا والے والی والا رہا رہی رہے دیا دی دیے سکتا سکتی سکتے جب تب اب کسی کچھ سب ہر \
     کوئی کون کیوں کیسے کہاں یہاں وہاں جیسے ایسے بہت زیادہ کم چاہیے گا گی گے ہوں جا جائے \
     جاتا جاتی جاتے جانے دیں لیا لی لے",
)];

/// Languages are bits of a `u128`.
pub type LangMask = u128;

/// One language's stop words as word tokens ([`shingle::token`]).
pub type StopTokens = HashSet<u32, FxBuildHasher>;

/// Stop words of every available language.
#[derive(Debug)]
pub struct Lexicon {
    /// Each stop word's languages, by the word's [`shingle::word_hash`], so
    /// that reading hashes a word once for its token and its languages. No
    /// two stop words share a hash (`tests`); a word outside the lexicon
    /// meets one with odds of about one in 10^15 over a billion distinct
    /// words, and the outcome is the same on every run.
    words: HashMap<u64, LangMask, FxBuildHasher>,
    languages: Vec<&'static str>,
    /// Per language (by bit), its stop words as tokens, made when first asked.
    tokens: Vec<OnceLock<StopTokens>>,
}

impl Lexicon {
    /// The lexicon, built once per process.
    pub fn get() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(Lexicon::build)
    }

    fn build() -> Lexicon {
        let languages = languages();
        Lexicon {
            tokens: languages.iter().map(|_| OnceLock::new()).collect(),
            words: stop_words_of(&languages)
                .into_iter()
                .map(|(w, m)| (shingle::word_hash(&w), m))
                .collect(),
            languages,
        }
    }

    /// The stop words of language `code` as word tokens (empty for a
    /// language without a list, or `None`).
    pub fn stop_tokens(&self, code: Option<&str>) -> &StopTokens {
        static NONE: OnceLock<StopTokens> = OnceLock::new();
        let Some(bit) = code.and_then(|c| self.bit(c)) else {
            return NONE.get_or_init(StopTokens::default);
        };
        self.tokens[bit as usize].get_or_init(|| {
            let mask: LangMask = 1 << bit;
            self.words
                .iter()
                .filter(|(_, &m)| m & mask != 0)
                .map(|(&h, _)| shingle::token_of(h))
                .collect()
        })
    }

    /// The languages whose stop-word lists contain `word` (normalised).
    #[inline]
    pub fn mask(&self, word: &str) -> LangMask {
        self.mask_of(shingle::word_hash(word))
    }

    /// [`mask`](Self::mask) of the word whose [`shingle::word_hash`] is `h`.
    #[inline]
    pub fn mask_of(&self, h: u64) -> LangMask {
        self.words.get(&h).copied().unwrap_or(0)
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

/// The languages with stop-word lists, in bit order.
fn languages() -> Vec<&'static str> {
    let mut languages: Vec<&'static str> = stop_words::available_languages().to_vec();
    languages.sort_unstable();
    languages.truncate(LangMask::BITS as usize);
    languages
}

/// Every single-word stop word of `languages` (normalised), with the
/// languages (bits) that list it.
fn stop_words_of(languages: &[&'static str]) -> HashMap<String, LangMask, FxBuildHasher> {
    let mut map: HashMap<String, LangMask, FxBuildHasher> = HashMap::default();
    for (bit, code) in languages.iter().enumerate() {
        let Some(list) = stop_words::lookup(code) else {
            continue;
        };
        let extra = SUPPLEMENT
            .iter()
            .filter(|(c, _)| c == code)
            .flat_map(|(_, w)| w.split_whitespace());
        for w in list.iter().map(|w| w.as_ref()).chain(extra) {
            let norm = normalise(w);
            let mut it = words(&norm);
            // Multi-word entries cannot match a single token; skip them.
            if let (Some(one), None) = (it.next(), it.next()) {
                *map.entry(one.to_owned()).or_default() |= 1 << bit;
            }
        }
    }
    map
}

/// Pick the language whose stop words occur most often among `masks`
/// (one mask per word); ties go to the lower bit. `None` when fewer than two
/// words of any language occur (too little evidence).
pub fn detect(masks: &[LangMask]) -> Option<u32> {
    // A stop word is listed by a few languages: its bits are counted on
    // the spot (a table of distinct masks cost more than it saved).
    let mut counts = [0u32; LangMask::BITS as usize];
    for &m in masks {
        let mut m = m;
        while m != 0 {
            counts[m.trailing_zeros() as usize] += 1;
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

    #[test]
    fn each_stop_word_is_found_by_its_hash_alone() {
        let lex = Lexicon::get();
        let words = stop_words_of(&languages());
        assert_eq!(lex.words.len(), words.len(), "two stop words share a hash");
        for (w, &m) in &words {
            assert_eq!(lex.mask(w), m, "{w}");
        }
        for w in ["doublet", "wire", "zzz"] {
            assert_eq!(lex.mask(w), 0, "{w}");
        }
    }

    fn lang_of(text: &str) -> &'static str {
        let lex = Lexicon::get();
        let norm = normalise(text);
        let masks: Vec<_> = words(&norm).map(|w| lex.mask(w)).collect();
        detect(&masks).map_or("und", |b| lex.language(b))
    }

    #[test]
    fn stop_tokens_cover_each_language_including_urdu_and_indonesian() {
        let lex = Lexicon::get();
        let has = |code: &str, w: &str| {
            lex.stop_tokens(Some(code))
                .contains(&shingle::token(&normalise(w)))
        };
        assert!(has("en", "the") && !has("en", "minister"));
        assert!(has("de", "und") && has("fr", "les") && has("es", "que"));
        assert!(has("id", "yang") && has("id", "dan"));
        assert!(has("ur", "کے") && has("ur", "میں"));
        assert!(lex.stop_tokens(None).is_empty() && lex.stop_tokens(Some("xx")).is_empty());
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
