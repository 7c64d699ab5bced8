//! Cleaning: find what in a document is not its article.
//!
//! Two kinds of noise are marked, always as spans of the original text:
//!
//! * **repeated passages** ([`repeated`]): a paragraph whose normalised words
//!   already occurred earlier in the same document, a common scraper artefact;
//!   the first occurrence stays;
//! * **boilerplate** ([`boilerplate`]): page furniture such as paywalls,
//!   subscription offers, footers and link lists, found per document by a block
//!   classifier and corpus-wide ([`furniture`]) by blocks that recur across
//!   unrelated documents *and* read or sit like furniture — never a prose
//!   paragraph that unrelated articles share;
//! * optionally, **duplicate paragraphs** across documents (CCNet-style
//!   paragraph deduplication, `dedup_paragraphs`), with the document that
//!   keeps each one.
//!
//! Comparison then uses only the remaining *content* blocks.

pub mod boilerplate;
pub mod furniture;
pub mod profile;
pub mod repeated;
pub mod stopwords;

use serde::Serialize;

use crate::text::Span;
pub use boilerplate::{BlockFeatures, Class};
pub use furniture::Form;
pub use profile::{Kind, Profile};

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
    /// Page furniture found corpus-wide: the block recurs in unrelated
    /// documents and its form and place say furniture (see [`furniture`]).
    Corpus {
        /// Documents the block occurs in.
        documents: usize,
        /// How the block reads.
        form: Form,
        /// Share of those documents in which it sits at the page's head or
        /// tail.
        edge_share: f64,
        /// It recurs within one site (not only across the corpus).
        within_site: bool,
    },
    /// Cross-document paragraph deduplication (`dedup_paragraphs`): an
    /// earlier kept document holds the same paragraph.
    DuplicateParagraph {
        /// The kept document that keeps the paragraph.
        of: String,
        /// Its span there.
        first: Span,
    },
}

/// What cleaning decided about one block.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Part of the article.
    Content,
    /// Removed, with the evidence (boxed: most blocks are content, and a
    /// corpus holds millions of blocks).
    Removed(Box<Evidence>),
}

impl Status {
    /// True for content blocks.
    pub fn is_content(&self) -> bool {
        matches!(self, Status::Content)
    }
}
