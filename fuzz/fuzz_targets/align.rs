//! Alignment of arbitrary token sequences (a small alphabet, so that they
//! share runs): passages lie inside both sequences and are long enough, and
//! compare's byte spans fall inside both texts on character boundaries.
#![no_main]

use doublet::align::{align_sequences, AlignParams, Sequence};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u8>, Vec<u8>, String, String)| {
    let (a, b, cuts, ta, tb) = input;
    let a: Vec<u32> = a.iter().map(|&x| u32::from(x % 8)).collect();
    let b: Vec<u32> = b.iter().map(|&x| u32::from(x % 8)).collect();
    let mut breaks: Vec<usize> = cuts.iter().map(|&c| c as usize).filter(|&c| c > 0 && c < a.len()).collect();
    breaks.sort_unstable();
    breaks.dedup();
    let p = AlignParams { seed: 5, max_gap: 4, min_tokens: 12 };
    let sa = Sequence { tokens: &a, breaks: &breaks };
    let sb = Sequence { tokens: &b, breaks: &[] };
    for t in align_sequences(sa, sb, p) {
        assert!(t.a.start < t.a.end && t.a.end <= a.len() && t.a.len() >= 12);
        assert!(t.b.start < t.b.end && t.b.end <= b.len() && t.b.len() >= 12);
    }
    let (da, db) = (doublet::Document::new("a", ta.as_str()), doublet::Document::new("b", tb.as_str()));
    let c = doublet::compare(&doublet::Config::default(), &da, &db).unwrap();
    for p in &c.passages {
        assert!(p.a.end <= ta.len() && ta.is_char_boundary(p.a.start) && ta.is_char_boundary(p.a.end));
        assert!(p.b.end <= tb.len() && tb.is_char_boundary(p.b.start) && tb.is_char_boundary(p.b.end));
    }
});
