//! Byte ranges of a document's tokens, about two bytes a token.
//!
//! Shared passages report byte spans, so every token's range in the
//! original text is kept from analysis to the report. Stored as pairs of
//! `u32` that is 8 bytes a token, more than the token itself; here each
//! token keeps the gap from the previous token's end and its own length,
//! one byte each (words and the spaces between them are short), with the
//! rare larger value in a side list, and every 64th token's absolute start
//! so that any range decodes from a nearby checkpoint.

/// One byte standing for "the value is in the side list".
const WIDE: u8 = u8::MAX;
/// Tokens between checkpoints.
const STRIDE: usize = 64;

/// Compact token byte ranges (see the module documentation).
#[derive(Clone, Debug, Default)]
pub(super) struct Offsets {
    gaps: Vec<u8>,
    lens: Vec<u8>,
    /// `(2 * token + 0 for the gap or 1 for the length, value)`, sorted.
    wide: Vec<(u32, u32)>,
    /// The start of tokens 0, STRIDE, 2 * STRIDE, ...
    checkpoints: Vec<u32>,
    /// The end of the last token pushed.
    last_end: u32,
}

impl Offsets {
    /// Tokens recorded.
    pub(super) fn len(&self) -> usize {
        self.lens.len()
    }

    /// Record the next token's range (`start >= ` the previous `end`).
    pub(super) fn push(&mut self, start: u32, end: u32) {
        let i = self.lens.len() as u32;
        if self.lens.len().is_multiple_of(STRIDE) {
            self.checkpoints.push(start);
        }
        let mut put = |list: &mut Vec<u8>, which: u32, v: u32| {
            if v < u32::from(WIDE) {
                list.push(v as u8);
            } else {
                list.push(WIDE);
                self.wide.push((2 * i + which, v));
            }
        };
        put(&mut self.gaps, 0, start - self.last_end);
        put(&mut self.lens, 1, end - start);
        self.last_end = end;
    }

    fn value(&self, list: &[u8], i: usize, which: u32) -> u32 {
        match list[i] {
            WIDE => {
                let key = 2 * i as u32 + which;
                let at = self.wide.binary_search_by_key(&key, |e| e.0);
                at.map_or(0, |k| self.wide[k].1)
            }
            v => u32::from(v),
        }
    }

    /// Append the ranges of tokens `range` to `out`.
    pub(super) fn extend_into(&self, range: std::ops::Range<usize>, out: &mut Vec<(u32, u32)>) {
        if range.is_empty() {
            return;
        }
        let base = range.start / STRIDE * STRIDE;
        let mut start = self.checkpoints[base / STRIDE];
        for i in base..range.end {
            if i > base {
                start += self.value(&self.gaps, i, 0);
            }
            let end = start + self.value(&self.lens, i, 1);
            if i >= range.start {
                out.push((start, end));
            }
            start = end;
        }
    }

    /// Append the binary form (read back by [`Offsets::read`]) to `out`:
    /// gaps, lengths, the side list's length and entries, the checkpoints
    /// and the last end, little-endian. Its size is [`Offsets::encoded_len`].
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        if self.lens.is_empty() {
            return;
        }
        out.extend_from_slice(&self.gaps);
        out.extend_from_slice(&self.lens);
        out.extend_from_slice(&(self.wide.len() as u32).to_le_bytes());
        for &(k, v) in &self.wide {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
        for c in &self.checkpoints {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.extend_from_slice(&self.last_end.to_le_bytes());
    }

    /// Bytes [`Offsets::write`] appends.
    pub(super) fn encoded_len(&self) -> usize {
        if self.lens.is_empty() {
            return 0;
        }
        2 * self.lens.len() + 4 + 8 * self.wide.len() + 4 * self.checkpoints.len() + 4
    }

    /// The ranges of `tokens` tokens from their binary form; `None` when
    /// `bytes` is not one (the scanner reads back only what it wrote).
    pub(super) fn read(bytes: &[u8], tokens: usize) -> Option<Offsets> {
        if bytes.is_empty() {
            return Some(Offsets::default());
        }
        let take = |at: &mut usize, n: usize| -> Option<&[u8]> {
            let s = bytes.get(*at..*at + n)?;
            *at += n;
            Some(s)
        };
        let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        let mut at = 0;
        let gaps = take(&mut at, tokens)?.to_vec();
        let lens = take(&mut at, tokens)?.to_vec();
        let wide_len = word(take(&mut at, 4)?) as usize;
        let wide = take(&mut at, wide_len.checked_mul(8)?)?
            .chunks_exact(8)
            .map(|e| (word(&e[..4]), word(&e[4..])))
            .collect();
        let checkpoints = take(&mut at, tokens.div_ceil(STRIDE) * 4)?
            .chunks_exact(4)
            .map(word)
            .collect();
        let last_end = word(take(&mut at, 4)?);
        (at == bytes.len()).then_some(Offsets {
            gaps,
            lens,
            wide,
            checkpoints,
            last_end,
        })
    }

    /// The range of token `i`.
    pub(super) fn get(&self, i: usize) -> (u32, u32) {
        let mut one = Vec::with_capacity(1);
        self.extend_into(i..i + 1, &mut one);
        one[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ranges_read_back_as_written(steps in prop::collection::vec((0u32..600, 1u32..400), 0..300),
                                       from in 0usize..300, len in 0usize..300) {
            let mut o = Offsets::default();
            let mut want = Vec::new();
            let mut at = 0u32;
            for (gap, width) in steps {
                let (s, e) = (at + gap, at + gap + width);
                o.push(s, e);
                want.push((s, e));
                at = e;
            }
            prop_assert_eq!(o.len(), want.len());
            let from = from.min(want.len());
            let to = (from + len).min(want.len());
            let mut got = Vec::new();
            o.extend_into(from..to, &mut got);
            prop_assert_eq!(&got[..], &want[from..to]);
            for (i, &w) in want.iter().enumerate() {
                prop_assert_eq!(o.get(i), w);
            }
            let mut bytes = Vec::new();
            o.write(&mut bytes);
            prop_assert_eq!(bytes.len(), o.encoded_len());
            let back = Offsets::read(&bytes, want.len()).expect("reads back");
            let mut again = Vec::new();
            back.extend_into(0..want.len(), &mut again);
            prop_assert_eq!(&again[..], &want[..]);
        }
    }
}
