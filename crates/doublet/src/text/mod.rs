//! Text: documents, byte spans, normalisation, segmentation and shingles.
//!
//! Everything downstream works on *tokens* produced here: the original text is
//! only consulted through [`Span`]s, so every finding can point back at the
//! exact bytes a user gave us.

pub mod normalise;
pub mod segment;
pub mod shingle;

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into a document's original text.
///
/// Both ends always fall on UTF-8 character boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// One input document: an identifier and its original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Unique identifier (a relative path, or the JSON Lines id field).
    pub id: String,
    /// The original text, exactly as read.
    pub text: String,
    /// The site it comes from (a URL's host, say), when the input says:
    /// furniture that recurs within one site is told apart by it.
    pub site: Option<String>,
}

impl Document {
    /// A document from an id and its text.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document {
            id: id.into(),
            text: text.into(),
            site: None,
        }
    }

    /// The same document, from `site`.
    pub fn with_site(mut self, site: impl Into<String>) -> Self {
        self.site = Some(site.into());
        self
    }
}
