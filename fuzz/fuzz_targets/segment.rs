//! Blocks are trimmed, non-empty, in order, non-overlapping, inside the
//! text and on character boundaries; cleaning and sketching the same text
//! never panic.
#![no_main]

use doublet::text::segment::blocks;
use doublet::{Config, Document, Scanner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let mut last = 0;
    for s in blocks(text) {
        assert!(s.start < s.end && s.end <= text.len() && s.start >= last);
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        let block = &text[s.start..s.end];
        assert_eq!(block.trim(), block);
        last = s.end;
    }
    let mut scanner = Scanner::new(Config::default()).unwrap();
    scanner.push(vec![Document::new("a", text), Document::new("b", format!("{text}\n{text}"))]).unwrap();
    let report = scanner.finish();
    for d in &report.documents {
        for m in d.repeated.iter().chain(&d.boilerplate) {
            assert!(m.start < m.end && m.end <= d.bytes);
        }
    }
});
