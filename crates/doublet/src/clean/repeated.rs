//! Repeated passages: paragraphs a scraper wrote twice into one document.

use std::collections::HashMap;

use crate::text::Span;

/// For each block, the span of its earlier occurrence if it repeats one.
///
/// `keys` are the blocks' normalised-text hashes, `words` their word counts;
/// blocks with fewer than `min_words` words are never marked (a lone
/// "Advertisement" line is furniture, which boilerplate detection handles).
pub fn find(keys: &[u64], words: &[u32], spans: &[Span], min_words: usize) -> Vec<Option<Span>> {
    let mut first: HashMap<u64, Span> = HashMap::with_capacity(keys.len());
    keys.iter()
        .zip(words)
        .zip(spans)
        .map(|((&key, &n), &span)| {
            if (n as usize) < min_words {
                return None;
            }
            match first.get(&key) {
                Some(&earlier) => Some(earlier),
                None => {
                    first.insert(key, span);
                    None
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_copies_point_at_the_first() {
        let spans: Vec<Span> = (0..5).map(|i| Span::new(i * 10, i * 10 + 9)).collect();
        let got = find(&[1, 2, 1, 3, 2], &[9, 9, 9, 9, 9], &spans, 5);
        assert_eq!(got, [None, None, Some(spans[0]), None, Some(spans[1])]);
    }

    #[test]
    fn short_repeats_are_left_alone() {
        let spans = [Span::new(0, 3), Span::new(4, 7)];
        assert_eq!(find(&[7, 7], &[1, 1], &spans, 5), [None, None]);
    }
}
