//! Normalisation is idempotent, and every word found in the original text
//! is a non-empty slice on character boundaries.
#![no_main]

use doublet::text::normalise::{for_each_word, normalise};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let once = normalise(text);
    assert_eq!(normalise(&once), once, "normalise is not idempotent on {text:?}");
    let mut buf = String::new();
    let mut last = 0;
    for_each_word(text, &mut buf, |start, end, word| {
        assert!(start < end && end <= text.len() && start >= last);
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        assert!(!word.is_empty());
        last = end;
    });
});
