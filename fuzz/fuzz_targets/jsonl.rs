//! The JSON Lines reader on arbitrary bytes: it never panics, every record
//! it returns names its line, and lossy decoding counts what it replaced.
#![no_main]

use doublet_io::readers::{decode_lossy, JsonLines};
use doublet_io::{Error, Fields};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for item in JsonLines::new(data, "fuzz.jsonl".into(), Fields::default()) {
        match item {
            Ok(r) => assert!(r.origin.line.is_some_and(|l| l >= 1 && l <= lines)),
            Err(Error::Line { line, .. }) => assert!(line >= 1 && line <= lines),
            Err(e) => panic!("unexpected error kind from an in-memory reader: {e}"),
        }
    }
    let (text, replaced) = decode_lossy(data.to_vec());
    assert!(replaced <= data.len());
    assert_eq!(replaced == 0, std::str::from_utf8(data).is_ok());
    assert!(text.len() >= data.len() - replaced);
});
