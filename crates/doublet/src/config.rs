//! Configuration: every setting that changes results, validated in one place.
//!
//! Speed-only settings (threads, batch size) are deliberately absent: they live
//! with the caller and never change a report. A report embeds the `Config`
//! that produced it, so a run can always be reproduced.

use serde::{Deserialize, Serialize};

use crate::clean::Profile;
use crate::error::{Error, Result};
use crate::sketch;
pub use crate::text::segment::Paragraphs;

/// Which copy of a duplicate group is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum KeepPolicy {
    /// The copy with the most words of cleaned text; among equally complete
    /// copies, the one the most others could be removed as twins of, then
    /// the smaller id.
    #[default]
    MostComplete,
    /// The copy that came first in the input.
    First,
}

/// Cleaning settings: repeated passages and boilerplate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanConfig {
    /// Clean at all. When false, documents are compared as they are.
    pub enabled: bool,
    /// What documents are cleaned as: scraped web pages (the jusText-style
    /// classifier), plain documents (only paragraphs a document repeats, and
    /// formulaic recurring lines at its head or tail), or either, decided per
    /// document (`crate::clean::profile`).
    pub profile: Profile,
    /// A repeated paragraph must have at least this many words to be marked
    /// `repeated` (shorter repeats such as "Advertisement" are boilerplate's).
    pub repeat_min_words: usize,
    /// Blocks shorter than this many characters are "short" (jusText: 70).
    pub length_low: usize,
    /// Blocks at least this long with enough stop words are "good" (jusText: 200).
    pub length_high: usize,
    /// Sentences shorter than this many characters are decided by context.
    pub length_sentence: usize,
    /// Stop-word density below which a block is "bad".
    pub stopwords_low: f64,
    /// Stop-word density at or above which a long block is "good".
    pub stopwords_high: f64,
    /// A block seen in at least this many mutually unrelated documents (of
    /// the corpus, or of one site when the input names sites) *recurs*; a
    /// recurring block is corpus-wide boilerplate only when its form says
    /// furniture (see `edge_share` and `crate::clean::furniture`).
    pub corpus_min_docs: usize,
    /// A recurring block that reads as prose is furniture only if, in at least
    /// this share of the documents holding it, it sits in the page's head or
    /// tail (before the first or after the last block of the document's own
    /// content). Site furniture sits there on every page; a paragraph that
    /// unrelated articles share sits anywhere.
    pub edge_share: f64,
    /// Two documents sharing a paragraph count as *related* (copies of one
    /// story, not site furniture) when the estimated share of either one's
    /// shingles found in the other is at least this.
    pub corpus_related: f64,
}

impl Default for CleanConfig {
    fn default() -> Self {
        CleanConfig {
            enabled: true,
            profile: Profile::Auto,
            repeat_min_words: 5,
            length_low: 70,
            length_high: 200,
            length_sentence: 100,
            stopwords_low: 0.30,
            stopwords_high: 0.32,
            corpus_min_docs: 5,
            edge_share: 0.8,
            corpus_related: 0.5,
        }
    }
}

/// Everything that changes what doublet finds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Words per shingle.
    pub ngram: usize,
    /// MinHash signature length (number of bins).
    pub num_perm: usize,
    /// Seed for every hash that is not a fixed part of the format.
    pub seed: u64,
    /// Near-duplicate threshold on Jaccard similarity of shingle sets.
    pub threshold: f64,
    /// Containment threshold: share of a document's shingles found in another.
    pub containment: f64,
    /// LSH bands; `None` chooses bands and rows from `threshold`.
    pub bands: Option<usize>,
    /// LSH rows per band; set together with `bands`.
    pub rows: Option<usize>,
    /// Containment candidates: a shingle is an anchor when its hash falls in
    /// the lowest `1/anchor_rate` of the hash range.
    pub anchor_rate: u64,
    /// Every document keeps at least this many anchors (its smallest hashes),
    /// so short documents still have enough to be found.
    pub anchor_min: usize,
    /// Anchors shared by more documents than this are ignored when proposing
    /// containment candidates (they are boilerplate or stock phrases).
    pub anchor_max_df: usize,
    /// LSH buckets with more documents than this propose only neighbouring
    /// pairs instead of all pairs.
    pub max_bucket: usize,
    /// Shared passages: the fewest words an aligned passage must span to be
    /// reported; 0 turns passage detection off.
    pub min_passage: usize,
    /// Shared passages: a changed, inserted or deleted stretch of at most this
    /// many words does not split a passage.
    pub passage_gap: usize,
    /// Shared passages: fingerprints shared by more kept documents than
    /// this are stock phrases and form no reuse cluster (a fingerprint two
    /// documents share proposes their pair; one held by three up to this
    /// many makes a cluster, or pairs with its first holder).
    pub passage_max_df: usize,
    /// Which copy is kept.
    pub keep: KeepPolicy,
    /// No removal on thin evidence: a document is removed as a near-duplicate
    /// or as contained only when at least this many of its words remain
    /// after cleaning (exact copies of a whole, uncleaned text excepted).
    pub min_words: usize,
    /// No removal on thin evidence: corpus-wide cleaning must leave at least
    /// this share of the words per-document cleaning kept, or the document is
    /// kept and reported `too_little_content`.
    pub min_content_share: f64,
    /// A removal must hold on the text as written: the removed document's
    /// measured containment in its kept twin, times the share of its text
    /// (repeats counted once) that cleaning left, must reach `containment`
    /// minus this margin. Otherwise the document is kept and reported
    /// `cleaning_dependent`: the match rests on what cleaning took away.
    pub written_margin: f64,
    /// How paragraphs are marked: decided per document (hard-wrapped lines
    /// joined into their paragraph), one per line, or separated by blank
    /// lines.
    pub paragraphs: Paragraphs,
    /// Cross-document paragraph deduplication (off by default): a content
    /// paragraph that an earlier kept document (in keep order) already holds
    /// is removed from later kept documents, as `duplicate_paragraph`.
    pub dedup_paragraphs: bool,
    /// Cleaning settings.
    pub clean: CleanConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ngram: 5,
            num_perm: 128,
            seed: crate::seeds::DEFAULT_SEED,
            threshold: 0.8,
            containment: 0.8,
            bands: None,
            rows: None,
            anchor_rate: 16,
            anchor_min: 16,
            anchor_max_df: 256,
            max_bucket: 1000,
            min_passage: 12,
            passage_gap: 4,
            passage_max_df: 1024,
            keep: KeepPolicy::MostComplete,
            min_words: 20,
            min_content_share: 0.3,
            written_margin: 0.4,
            paragraphs: Paragraphs::Auto,
            dedup_paragraphs: false,
            clean: CleanConfig::default(),
        }
    }
}

fn check(ok: bool, field: &'static str, reason: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Config {
            field,
            reason: reason(),
        })
    }
}

fn unit(field: &'static str, v: f64) -> Result<()> {
    check(v > 0.0 && v <= 1.0, field, || {
        format!("must be greater than 0 and at most 1, got {v}")
    })
}

impl Config {
    /// Check every value and fill in derived ones (LSH bands and rows).
    pub fn validated(mut self) -> Result<Self> {
        // The most words a count of words (`min_passage`, `passage_gap`) may
        // name: token positions are 32-bit, so no passage or gap is longer.
        const MAX_WORDS: usize = u32::MAX as usize;
        // The most anchors a document may be asked to keep (`anchor_min`):
        // far more than any containment estimate needs, few enough that the
        // memory account of 2^32 documents cannot overflow.
        const MAX_ANCHORS: usize = 1 << 20;
        check((1..=64).contains(&self.ngram), "ngram", || {
            format!("must be between 1 and 64, got {}", self.ngram)
        })?;
        check((8..=4096).contains(&self.num_perm), "num_perm", || {
            format!("must be between 8 and 4096, got {}", self.num_perm)
        })?;
        unit("threshold", self.threshold)?;
        unit("containment", self.containment)?;
        check(self.anchor_rate >= 1, "anchor_rate", || {
            "must be at least 1".into()
        })?;
        // Every count is bounded so that the engine's arithmetic on it
        // (memory accounting, window sizes, signed diagonals) cannot overflow:
        // a count of words or positions beyond 2^32 - 1 can never be reached
        // (documents and positions are 32-bit), and a document never has
        // more than MAX_ANCHORS anchors to keep.
        check(
            (1..=MAX_ANCHORS).contains(&self.anchor_min),
            "anchor_min",
            || {
                format!(
                    "must be between 1 and {MAX_ANCHORS}, got {}",
                    self.anchor_min
                )
            },
        )?;
        check(self.anchor_max_df >= 2, "anchor_max_df", || {
            "must be at least 2".into()
        })?;
        check(self.max_bucket >= 2, "max_bucket", || {
            "must be at least 2".into()
        })?;
        // Passages are found from n-gram seeds and winnowed over
        // `min_passage - ngram + 1` shingles: a passage shorter than one
        // shingle has no seed.
        check(
            self.min_passage == 0 || (self.ngram..=MAX_WORDS).contains(&self.min_passage),
            "min_passage",
            || {
                format!(
                    "must be 0 (off) or between ngram ({}) and {MAX_WORDS}, got {}",
                    self.ngram, self.min_passage
                )
            },
        )?;
        check(self.passage_gap <= MAX_WORDS, "passage_gap", || {
            format!("must be at most {MAX_WORDS}, got {}", self.passage_gap)
        })?;
        check(self.passage_max_df >= 2, "passage_max_df", || {
            "must be at least 2".into()
        })?;
        check(
            (0.0..=1.0).contains(&self.min_content_share),
            "min_content_share",
            || format!("must be between 0 and 1, got {}", self.min_content_share),
        )?;
        check(
            (0.0..=1.0).contains(&self.written_margin),
            "written_margin",
            || format!("must be between 0 and 1, got {}", self.written_margin),
        )?;
        let c = &self.clean;
        check(c.repeat_min_words >= 1, "clean.repeat_min_words", || {
            "must be at least 1".into()
        })?;
        check(c.length_low <= c.length_high, "clean.length_low", || {
            "must not exceed clean.length_high".into()
        })?;
        check(
            c.length_low <= c.length_sentence,
            "clean.length_sentence",
            || "must not be below clean.length_low".into(),
        )?;
        unit("clean.stopwords_low", c.stopwords_low)?;
        unit("clean.stopwords_high", c.stopwords_high)?;
        check(
            c.stopwords_low <= c.stopwords_high,
            "clean.stopwords_low",
            || {
                format!(
                    "must not exceed clean.stopwords_high ({}), got {}",
                    c.stopwords_high, c.stopwords_low
                )
            },
        )?;
        unit("clean.corpus_related", c.corpus_related)?;
        unit("clean.edge_share", c.edge_share)?;
        check(c.corpus_min_docs >= 2, "clean.corpus_min_docs", || {
            "must be at least 2".into()
        })?;
        match (self.bands, self.rows) {
            (None, None) => {
                let (b, r) = sketch::optimal_bands(self.threshold, self.num_perm);
                self.bands = Some(b);
                self.rows = Some(r);
            }
            (Some(b), Some(r)) => {
                let fits = b.checked_mul(r).is_some_and(|n| n <= self.num_perm);
                check(b >= 1 && r >= 1 && fits, "bands", || {
                    format!(
                        "bands x rows must be at least 1 and at most num_perm ({}), got {b} x {r}",
                        self.num_perm
                    )
                })?
            }
            _ => check(false, "bands", || "set bands and rows together".into())?,
        }
        Ok(self)
    }

    /// LSH bands and rows (after [`Config::validated`]).
    pub fn lsh(&self) -> (usize, usize) {
        match (self.bands, self.rows) {
            (Some(b), Some(r)) => (b, r),
            _ => sketch::optimal_bands(self.threshold, self.num_perm),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_choose_bands() {
        let c = Config::default().validated().unwrap();
        let (b, r) = c.lsh();
        assert!(b * r <= 128 && b > 1 && r > 1, "{b}x{r}");
    }

    #[test]
    fn out_of_range_values_name_the_field() {
        let e = Config {
            threshold: 1.5,
            ..Config::default()
        }
        .validated()
        .unwrap_err();
        assert!(e.to_string().contains("threshold"), "{e}");
        let e = Config {
            ngram: 0,
            ..Config::default()
        }
        .validated()
        .unwrap_err();
        assert!(e.to_string().contains("ngram"), "{e}");
    }

    fn refused(c: Config) -> &'static str {
        match c.validated() {
            Err(Error::Config { field, .. }) => field,
            other => panic!("accepted: {other:?}"),
        }
    }

    #[test]
    fn passages_shorter_than_a_shingle_are_refused() {
        // Before, 3 with ngram 5 divided by zero in winnowing and 1 or 2
        // silently found nothing.
        for min_passage in [1, 2, 3, 4] {
            let c = Config {
                min_passage,
                ..Config::default()
            };
            assert_eq!(refused(c), "min_passage");
        }
        for min_passage in [0, 5, 6] {
            let c = Config {
                min_passage,
                ..Config::default()
            };
            c.validated().unwrap();
        }
    }

    #[test]
    fn huge_counts_are_refused_before_they_overflow() {
        let huge = usize::MAX;
        assert_eq!(
            refused(Config {
                anchor_min: huge,
                ..Config::default()
            }),
            "anchor_min"
        );
        assert_eq!(
            refused(Config {
                min_passage: huge,
                ..Config::default()
            }),
            "min_passage"
        );
        assert_eq!(
            refused(Config {
                passage_gap: huge / 2,
                ..Config::default()
            }),
            "passage_gap"
        );
        // bands x rows overflowed in the check itself.
        assert_eq!(
            refused(Config {
                bands: Some(huge),
                rows: Some(huge),
                ..Config::default()
            }),
            "bands"
        );
    }

    #[test]
    fn stop_word_bounds_must_be_ordered() {
        let clean = CleanConfig {
            stopwords_low: 0.5,
            stopwords_high: 0.3,
            ..CleanConfig::default()
        };
        assert_eq!(
            refused(Config {
                clean,
                ..Config::default()
            }),
            "clean.stopwords_low"
        );
    }

    #[test]
    fn not_a_number_is_out_of_range() {
        assert_eq!(
            refused(Config {
                threshold: f64::NAN,
                ..Config::default()
            }),
            "threshold"
        );
        assert_eq!(
            refused(Config {
                min_content_share: f64::NAN,
                ..Config::default()
            }),
            "min_content_share"
        );
    }
}
