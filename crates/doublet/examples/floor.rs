//! The hash-once floor: the least work any shingle-based deduplicator does.
//!
//! Reads JSON Lines, takes each record's `text`, splits it into words at
//! non-alphanumeric characters, hashes every word once (xxh3) and every word
//! 5-gram once (combining the five word hashes), and folds the shingle hashes
//! into a checksum so nothing is optimised away. No normalisation, no
//! signatures, no index, no output. `bench/run.py` times it beside doublet:
//! the ratio says how much of doublet's time is the work every tool must do.
//!
//! ```text
//! cargo run --release --example floor -- CORPUS.jsonl [THREADS]
//! ```
//!
//! With more than one thread, a reader cuts the file into 4 MB chunks at line
//! ends and the workers parse and hash chunks in parallel.

use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

#[derive(serde::Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    text: std::borrow::Cow<'a, str>,
}

const N: usize = 5;

/// Hash every word and every word 5-gram of `text` once; returns
/// (checksum, shingles).
fn hash_text(text: &str) -> (u64, u64) {
    let mut window = [0u64; N];
    let (mut sum, mut count, mut words) = (0u64, 0u64, 0usize);
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        window[words % N] = xxh3_64(word.as_bytes());
        words += 1;
        if words >= N {
            // Order-dependent combination of the window's five hashes.
            let mut h = 0u64;
            for k in 0..N {
                h = (h.rotate_left(17) ^ window[(words + k) % N])
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
            sum = sum.wrapping_add(h);
            count += 1;
        }
    }
    (sum, count)
}

fn hash_chunk(chunk: &[u8]) -> (u64, u64, u64) {
    let (mut sum, mut shingles, mut docs) = (0u64, 0u64, 0u64);
    for line in chunk.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let record: Record = serde_json::from_slice(line).expect("a JSON object with a text field");
        let (s, c) = hash_text(&record.text);
        sum = sum.wrapping_add(s);
        shingles += c;
        docs += 1;
    }
    (sum, shingles, docs)
}

/// Chunks of about `size` bytes ending at line ends.
fn chunks(mut reader: impl BufRead, size: usize) -> impl Iterator<Item = Vec<u8>> {
    std::iter::from_fn(move || {
        let mut buf = Vec::with_capacity(size + 64 * 1024);
        let n = (&mut reader).take(size as u64).read_to_end(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        reader.read_until(b'\n', &mut buf).ok()?;
        Some(buf)
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: floor CORPUS.jsonl [THREADS]");
    let threads: usize = args
        .next()
        .map_or(1, |t| t.parse().expect("a thread count"));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("a thread pool");
    let start = Instant::now();
    let file = std::fs::File::open(&path).expect("a readable corpus");
    let reader = BufReader::with_capacity(1 << 20, file);
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let (sum, shingles, docs) = chunks(reader, 4 << 20)
        .par_bridge()
        .map(|c| hash_chunk(&c))
        .reduce(
            || (0, 0, 0),
            |a, b| (a.0.wrapping_add(b.0), a.1 + b.1, a.2 + b.2),
        );
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\": {secs:.3}, \"bytes\": {bytes}, \"documents\": {docs}, \"shingles\": {shingles}, \"checksum\": {sum}, \"threads\": {threads}}}"
    );
}
