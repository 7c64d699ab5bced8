//! Normalisation: the text that two copies of one article have in common.
//!
//! Copies of an article drift in ways that carry no meaning: compatibility
//! characters (full-width letters, ligatures), curly versus straight quotes,
//! en and em dashes versus hyphens, letter case, and where lines were wrapped.
//! [`normalise`] removes all of these, and [`words`] then splits the result at
//! Unicode word boundaries (UAX #29), which works for every script: Latin,
//! Cyrillic and Arabic words come out whole, while Chinese and Japanese
//! ideographs (written without spaces) come out one character each, which is
//! the usual unit for shingling those scripts.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

/// Map typographic variants of quotes, apostrophes and dashes to one form.
fn fold_punctuation(c: char) -> char {
    match c {
        // apostrophes and single quotes
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{FF07}' | '`' | '\u{00B4}' => '\'',
        // double quotes and guillemets
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' | '\u{2039}' | '\u{203A}' | '\u{FF02}' | '\u{300C}' | '\u{300D}'
        | '\u{300E}' | '\u{300F}' => '"',
        // hyphens, dashes and minus signs
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        // non-breaking and other exotic spaces become plain spaces
        c if c.is_whitespace() => ' ',
        c => c,
    }
}

/// Normalise text: Unicode NFKC, folded quotes/dashes/spaces, lower case.
///
/// The result is stable: normalising it again changes nothing.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalise_into(text, &mut out);
    out
}

/// [`normalise`] appending to `out`, so callers can reuse one buffer.
pub fn normalise_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        // ASCII is NFKC already; only case, backticks and spacing change.
        // A word has neither backticks nor spaces: it is copied and lower
        // cased in place.
        if text.bytes().any(|b| b == b'`' || b.is_ascii_whitespace()) {
            out.extend(text.bytes().map(|b| match b {
                b'`' => '\'',
                b if b.is_ascii_whitespace() => ' ',
                b => b.to_ascii_lowercase() as char,
            }));
        } else {
            let start = out.len();
            out.push_str(text);
            out[start..].make_ascii_lowercase();
        }
        return;
    }
    let start = out.len();
    // Most text is already in NFKC; the quick check skips the decomposition.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        for c in text.chars().map(fold_punctuation) {
            out.extend(c.to_lowercase());
        }
    } else {
        for c in text.nfkc().map(fold_punctuation) {
            out.extend(c.to_lowercase());
        }
    }
    // Lower-casing can, for a handful of characters, produce a sequence that
    // NFKC would compose differently; a second pass makes the result a fixed
    // point, which the exact-duplicate key relies on.
    let tail = &out[start..];
    if !tail.is_ascii() && is_nfkc_quick(tail.chars()) != IsNormalized::Yes {
        let fixed: String = tail.nfkc().collect();
        out.truncate(start);
        out.push_str(&fixed);
    }
}

/// Every word of *original* text with its byte range, normalised: calls
/// `f(start, end, normalised)` for each. Words are found at Unicode word
/// boundaries (UAX #29) in the original, so offsets point into it exactly;
/// each word is then normalised on its own.
pub fn for_each_word(text: &str, buf: &mut String, mut f: impl FnMut(usize, usize, &str)) {
    let simple = simple_word_indices(text, &mut |offset: usize, word: &str| {
        buf.clear();
        if word.is_ascii() {
            // A word of the simple path holds no space or backtick, so
            // normalising ASCII is lower-casing it.
            buf.push_str(word);
            buf.make_ascii_lowercase();
        } else {
            normalise_into(word, buf);
        }
        if !buf.is_empty() {
            f(offset, offset + word.len(), buf);
        }
    });
    if !simple {
        for (offset, word) in text.unicode_word_indices() {
            buf.clear();
            normalise_into(word, buf);
            if !buf.is_empty() {
                f(offset, offset + word.len(), buf);
            }
        }
    }
}

/// How a character of the simple path takes part in word boundaries
/// (UAX #29 word-break properties, restricted to what the path accepts).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// ALetter: ASCII letters.
    Letter,
    /// Numeric: ASCII digits.
    Digit,
    /// ExtendNumLet: the underscore.
    Connector,
    /// MidLetter (`:`), joins letters only.
    MidLetter,
    /// MidNumLet and Single_Quote (`.`, `'`, `‘`, `’`), join letters or digits.
    MidNumLet,
    /// MidNum (`,` `;`), joins digits only.
    MidNum,
    /// Everything else the path accepts: spaces, other ASCII punctuation,
    /// curly double quotes and dashes.
    Other,
}

/// [`simple_class`] of every ASCII byte, looked up instead of decoded.
const ASCII_CLASS: [Class; 128] = {
    let mut table = [Class::Other; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
            b'0'..=b'9' => Class::Digit,
            b'_' => Class::Connector,
            b':' => Class::MidLetter,
            b'.' | b'\'' => Class::MidNumLet,
            b',' | b';' => Class::MidNum,
            _ => Class::Other,
        };
        b += 1;
    }
    table
};

fn simple_class(c: char) -> Option<Class> {
    Some(match c {
        'a'..='z' | 'A'..='Z' => Class::Letter,
        '0'..='9' => Class::Digit,
        '_' => Class::Connector,
        ':' => Class::MidLetter,
        '.' | '\'' | '\u{2018}' | '\u{2019}' => Class::MidNumLet,
        ',' | ';' => Class::MidNum,
        // Newlines (LF, VT, FF, CR) and spaces break like Other here: none
        // of them can be inside a word.
        '\0'..='\x7f' | '\u{201C}' | '\u{201D}' | '\u{2013}' | '\u{2014}' => Class::Other,
        _ => return None,
    })
}

/// Words of `text` by the UAX #29 rules that apply to ASCII letters,
/// digits and punctuation plus curly quotes and dashes, which is how most
/// news and web text is written: runs of letters, digits and underscores,
/// joined across one `:` `.` `'` `’` between letters (WB6, WB7) and one
/// `,` `;` `.` `'` `’` between digits (WB11, WB12). Calls `f` for each word
/// with a letter or digit, as `unicode_word_indices` does, and returns
/// true; returns false, having called nothing, when `text` holds any other
/// character (the general path then runs). A property test holds it equal
/// to `unicode-segmentation` on text drawn from every class.
fn simple_word_indices(text: &str, f: &mut impl FnMut(usize, &str)) -> bool {
    if !text.is_ascii() && !text.chars().all(|c| simple_class(c).is_some()) {
        return false;
    }
    // The class and width of the character at byte `at` (every character
    // has a class, checked above): ASCII from a table, the rest decoded.
    let bytes = text.as_bytes();
    let at = |i: usize| match bytes.get(i) {
        None => None,
        Some(&b) if b < 0x80 => Some((ASCII_CLASS[b as usize], 1)),
        Some(_) => text[i..]
            .chars()
            .next()
            .map(|c| (simple_class(c).unwrap_or(Class::Other), c.len_utf8())),
    };
    let word = |k: Class| matches!(k, Class::Letter | Class::Digit | Class::Connector);
    let mut i = 0;
    while let Some((k, w)) = at(i) {
        if !word(k) {
            i += w;
            continue;
        }
        let start = i;
        let mut alnum = k != Class::Connector;
        let mut before = k;
        i += w;
        loop {
            match at(i) {
                Some((k, w)) if word(k) => {
                    alnum |= k != Class::Connector;
                    before = k;
                    i += w;
                }
                Some((mid @ (Class::MidLetter | Class::MidNumLet | Class::MidNum), w)) => {
                    let after = at(i + w);
                    let joins = match (before, after) {
                        (Class::Letter, Some((Class::Letter, _))) => mid != Class::MidNum,
                        (Class::Digit, Some((Class::Digit, _))) => mid != Class::MidLetter,
                        _ => false,
                    };
                    if !joins {
                        break;
                    }
                    // The character after the joiner is a word character;
                    // the loop takes it next.
                    i += w;
                }
                _ => break,
            }
        }
        if alnum {
            f(start, &text[start..i]);
        }
    }
    true
}

/// The words of already-normalised text, split at Unicode word boundaries.
///
/// Punctuation and whitespace are dropped; ideographs are single words.
pub fn words(normalised: &str) -> impl Iterator<Item = &str> {
    normalised.unicode_words()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_quotes_dashes_case_and_width() {
        assert_eq!(
            normalise("\u{201C}We\u{2019}re\u{201D} \u{2014} ＡＢＣ"),
            "\"we're\" - abc"
        );
    }

    #[test]
    fn words_of_the_original_keep_their_offsets() {
        let text = "\u{201C}We\u{2019}re here,\u{201D} Kerry said.";
        let mut buf = String::new();
        let mut got = Vec::new();
        for_each_word(text, &mut buf, |s, e, w| {
            got.push((w.to_string(), &text[s..e]))
        });
        assert_eq!(
            got,
            [
                ("we're".into(), "We\u{2019}re"),
                ("here".into(), "here"),
                ("kerry".into(), "Kerry"),
                ("said".into(), "said")
            ]
        );
    }

    fn simple(text: &str) -> Option<Vec<(usize, String)>> {
        let mut out = Vec::new();
        simple_word_indices(text, &mut |i, w| out.push((i, w.to_string()))).then_some(out)
    }

    fn general(text: &str) -> Vec<(usize, String)> {
        text.unicode_word_indices()
            .map(|(i, w)| (i, w.to_string()))
            .collect()
    }

    #[test]
    fn the_ascii_table_is_the_class_of_each_byte() {
        for b in 0u8..128 {
            assert!(
                simple_class(b as char) == Some(ASCII_CLASS[b as usize]),
                "{b}"
            );
        }
    }

    #[test]
    fn ascii_words_and_lines_normalise_alike_on_either_path() {
        for text in ["MiXeD_Case42", "it`s", "a\tb  C", "plain", ""] {
            let slow: String = text
                .bytes()
                .map(|b| match b {
                    b'`' => '\'',
                    b if b.is_ascii_whitespace() => ' ',
                    b => b.to_ascii_lowercase() as char,
                })
                .collect();
            assert_eq!(normalise(text), slow);
        }
    }

    #[test]
    fn simple_words_follow_uax29_on_the_hard_cases() {
        for t in [
            "We\u{2019}re here: it's 3.14, 1,000.5; a.b.c a:b 1:2 a,b 1'2 a'1",
            "__ _a a_ 1_a x__y .5 5. 'a' a'' ''a a.. ..a -a- \u{201C}q\u{201D}\u{2014}r",
            "end.\nStart\r\nx\ty  z",
        ] {
            assert_eq!(simple(t).unwrap(), general(t), "{t:?}");
        }
        assert_eq!(simple("caf\u{e9}"), None);
    }

    proptest::proptest! {
        #[test]
        fn simple_words_equal_unicode_segmentation(
            text in "[a-zA-Z0-9_:.,;'\u{2018}\u{2019}\u{201C}\u{201D}\u{2013}\u{2014} \n\r\t\\-!?()\"]{0,40}"
        ) {
            proptest::prop_assert_eq!(simple(&text).unwrap(), general(&text));
        }
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_general_path() {
        let ascii = "Don`t  PANIC,\tsaid the Guide.";
        let general = normalise(&format!("{ascii}\u{e9}"));
        assert_eq!(format!("{}\u{e9}", normalise(ascii)), general);
    }

    #[test]
    fn normalise_is_idempotent_on_tricky_input() {
        for s in ["İstanbul", "ǅ", "ﬁne", "Straße", "ΣΑΣ", "x\u{0345}"] {
            let once = normalise(s);
            assert_eq!(normalise(&once), once, "{s}");
        }
    }

    #[test]
    fn words_split_every_script() {
        let en = normalise("We're here, Kerry said.");
        let w: Vec<_> = words(&en).collect();
        assert_eq!(w, ["we're", "here", "kerry", "said"]);
        let zh: Vec<_> = words("我们是中国人").collect();
        assert_eq!(zh.len(), 6, "{zh:?}");
        let ur: Vec<_> = words("یہ ایک مثال ہے").collect();
        assert_eq!(ur.len(), 4, "{ur:?}");
        let ru = normalise("Москва — столица России.");
        let ru: Vec<_> = words(&ru).collect();
        assert_eq!(ru, ["москва", "столица", "россии"]);
        let ja: Vec<_> = words("東京へ行きました").collect();
        assert!(ja.len() >= 5, "{ja:?}");
    }
}
