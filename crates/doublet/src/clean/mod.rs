//! Cleaning: find what in a document is not its article.
//!
//! Two kinds of noise are marked, always as spans of the original text:
//!
//! * **repeated passages** ([`repeated`]): a paragraph whose normalised words
//!   already occurred earlier in the same document, a common scraper artefact;
//!   the first occurrence stays;
//! * **boilerplate** ([`boilerplate`]): page furniture such as paywalls,
//!   subscription offers, footers and link lists, found per document by a block
//!   classifier and corpus-wide by paragraphs that recur across many unrelated
//!   documents.
//!
//! Comparison then uses only the remaining *content* blocks.

pub mod boilerplate;
pub mod repeated;
pub mod stopwords;

use serde::Serialize;

use crate::text::Span;
pub use boilerplate::{BlockFeatures, Class};

/// Why a block is not content.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Evidence {
    /// The paragraph already occurred at `first` in the same document.
    Repeated {
        /// Span of the first occurrence.
        first: Span,
    },
    /// The per-document classifier judged the block furniture.
    Classifier {
        /// The block's class before context was taken into account.
        class: Class,
        /// Words in the block.
        words: u32,
        /// Share of the block's words that are stop words of the document's
        /// language (null when no language was recognised).
        stopword_density: Option<f64>,
    },
    /// The same paragraph occurs in at least this many unrelated documents.
    Corpus {
        /// Documents the paragraph occurs in.
        documents: usize,
    },
}

/// What cleaning decided about one block.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Part of the article.
    Content,
    /// Removed, with the evidence.
    Removed(Evidence),
}

impl Status {
    /// True for content blocks.
    pub fn is_content(&self) -> bool {
        matches!(self, Status::Content)
    }
}
