//! # doublet
//!
//! doublet finds duplicated and reused text in document collections: exact
//! copies, near-duplicates, documents contained in others, paragraphs repeated
//! inside a document and page boilerplate, and explains every decision.
//!
//! The crate is the engine; it reads no files and parses no arguments (see
//! `doublet-io` and the `doublet` command for that). The modules follow the
//! pipeline:
//!
//! | stage | module |
//! |---|---|
//! | normalise, segment, shingle | [`text`] |
//! | repeated passages, boilerplate | [`clean`] |
//! | what a run derives from its configuration, once | [`plan`] |
//! | a document's sketch: exact key, MinHash, anchors, fingerprints | [`sign`] |
//! | MinHash signatures, LSH bands | [`sketch`] |
//! | candidate sources behind one interface | [`candidates`] |
//! | exact table, LSH buckets, containment anchors, winnowing | [`index`] |
//! | exact Jaccard and containment | [`verify`] |
//! | shared passages | [`align`] |
//! | keep policy, clusters | [`group`] |
//! | findings | [`report`] |
//! | accuracy against labelled truth | [`eval`] |
//! | every hash seed and constant, versioned | [`seeds`] |
//! | orchestration | [`pipeline`] |
//! | a batch decided against earlier documents (a persistent index) | [`pipeline::prior`] |
//!
//! ```
//! use doublet::{Config, Document, Scanner};
//!
//! let mut scanner = Scanner::new(Config::default())?;
//! scanner.push(vec![
//!     Document::new("a-wire", "Officials said on Thursday that the two ministers had agreed to meet again next week in Geneva."),
//!     Document::new("b-reprint", "Officials said on Thursday that the two ministers had agreed to meet again next week in Geneva!"),
//! ])?;
//! let report = scanner.finish().unwrap();
//! assert_eq!(report.documents[1].relation, Some(doublet::Relation::Exact));
//! # Ok::<(), doublet::Error>(())
//! ```

#![warn(missing_docs)]

pub mod align;
pub mod candidates;
pub mod clean;
pub mod config;
pub mod error;
pub mod eval;
pub mod group;
pub mod index;
pub mod keyed;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod seeds;
pub mod sign;
pub mod sketch;
pub mod text;
pub mod verify;

pub use config::{CleanConfig, Config, KeepPolicy};
pub use error::{Error, Result};
pub use group::Relation;
pub use pipeline::{compare, parts, sign_document, Outcome, Scanner, Stage};
pub use plan::Plan;
pub use report::{Comparison, PairRelation, Report};
pub use sign::{DocSketch, Signer};
pub use text::{Document, Span};
