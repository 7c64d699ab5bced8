//! Corpus-wide furniture: which recurring blocks are page furniture and which
//! are content that several documents share.
//!
//! A block *recurs* when it is found in at least `corpus_min_docs` mutually
//! unrelated documents of the corpus, or of one site when the input says
//! which site each document comes from (a `url` field's host, or a site
//! field). Recurrence alone does not make furniture: wire copy rewritten by
//! many outlets, documentation quoted on many pages and legal text all put
//! the same real paragraphs into unrelated articles, and a deduplicator that
//! strips them compares what is left — a sentence, or nothing — and deletes
//! articles that are not duplicates. So the block's *form* and *place*
//! decide:
//!
//! * a **formulaic** block (short, no sentence ending, or poor in stop words:
//!   the jusText `short`, `near_good` and `bad` classes — menus, "Contact us |
//!   Advertise", copyright lines, "Read more") is furniture when it recurs;
//! * a **sentence** (prose shorter than `length_high` characters: "This
//!   article was published by …", a paywall's "You have reached your limit")
//!   is furniture when it recurs *and* sits at a page edge — before the first
//!   or after the last block of the document's own content — in at least
//!   `edge_share` of the documents holding it, and in at least
//!   `corpus_min_docs` of them. Furniture sits in the header or footer of
//!   every page it is on; a shared sentence sits wherever the article put it.
//!   Only documents whose own (not recurring) content is at least half of
//!   their content vote: a compilation of shared paragraphs has no middle;
//! * a **paragraph** (prose of at least `length_high` characters, jusText's
//!   `good`) is furniture only when it recurs *within one site* and sits at
//!   the edge as above (a site's appeal to readers under every article).
//!   Without site evidence, a long prose paragraph found in unrelated
//!   documents is a shared passage and stays content.
//!
//! The thresholds are jusText's (Pomikálek 2011) block length and stop-word
//! density; position follows the observation behind jusText's context rules
//! and trafilatura's header/footer pruning that furniture comes in runs at a
//! page's top and bottom; per-site recurrence is what passim's `series` and
//! trafilatura's per-site segment caches use.

use serde::Serialize;

use super::Class;
use crate::config::CleanConfig;

/// How a block reads, for the corpus-wide rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Short, unpunctuated or poor in stop words.
    Formulaic,
    /// Prose shorter than `length_high` characters.
    Sentence,
    /// Prose of at least `length_high` characters.
    Paragraph,
}

impl Form {
    /// The form of a block from its classifier class and length in characters.
    pub fn of(class: Class, length: u32, cfg: &CleanConfig) -> Form {
        match class {
            Class::Good if length as usize >= cfg.length_high => Form::Paragraph,
            Class::Good | Class::Sentence => Form::Sentence,
            Class::NearGood | Class::Short | Class::Bad => Form::Formulaic,
        }
    }
}

/// What the corpus says about one recurring block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recurrence {
    /// Its most prose-like form among the documents holding it.
    pub form: Form,
    /// Documents holding it.
    pub documents: usize,
    /// It is in at least `corpus_min_docs` mutually unrelated documents.
    pub across_corpus: bool,
    /// It is in at least `corpus_min_docs` mutually unrelated documents of
    /// one site.
    pub within_site: bool,
    /// Documents whose place for it counts: those whose own (not
    /// recurring) content is at least half of their content. A page made
    /// mostly of shared paragraphs has no middle to tell an edge from.
    pub voters: usize,
    /// Voters in which it sits at the page's head or tail.
    pub at_edge: usize,
}

impl Recurrence {
    /// Share of the voters in which it sits at an edge (0 without voters).
    pub fn edge_share(&self) -> f64 {
        if self.voters == 0 {
            0.0
        } else {
            self.at_edge as f64 / self.voters as f64
        }
    }

    /// Whether the block is page furniture (see the module docs). Its place
    /// counts only when at least `corpus_min_docs` documents put it at an
    /// edge and they make `edge_share` of the voters.
    pub fn is_furniture(&self, cfg: &CleanConfig) -> bool {
        let recurs = self.across_corpus || self.within_site;
        let at_edge = self.at_edge >= cfg.corpus_min_docs && self.edge_share() >= cfg.edge_share;
        match self.form {
            Form::Formulaic => recurs,
            Form::Sentence => recurs && at_edge,
            Form::Paragraph => self.within_site && at_edge,
        }
    }

    /// The evidence a furniture block carries (none when it is not
    /// furniture).
    pub fn evidence(&self, cfg: &CleanConfig) -> Option<super::Evidence> {
        self.is_furniture(cfg).then(|| super::Evidence::Corpus {
            documents: self.documents,
            form: self.form,
            edge_share: (self.edge_share() * 1000.0).round() / 1000.0,
            within_site: self.within_site,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(form: Form, across: bool, site: bool, edge: usize) -> Recurrence {
        Recurrence {
            form,
            documents: 12,
            across_corpus: across,
            within_site: site,
            voters: 10,
            at_edge: edge,
        }
    }

    #[test]
    fn prose_shared_by_unrelated_articles_is_not_furniture() {
        let cfg = CleanConfig::default();
        // A long paragraph in unrelated articles, even at their edges.
        assert!(!rec(Form::Paragraph, true, false, 10).is_furniture(&cfg));
        // A shared sentence in the middle of most of its articles.
        assert!(!rec(Form::Sentence, true, true, 3).is_furniture(&cfg));
    }

    #[test]
    fn furniture_is_formulaic_or_sits_at_the_edges() {
        let cfg = CleanConfig::default();
        assert!(rec(Form::Formulaic, true, false, 0).is_furniture(&cfg));
        assert!(rec(Form::Sentence, true, false, 9).is_furniture(&cfg));
        assert!(rec(Form::Paragraph, false, true, 10).is_furniture(&cfg));
        assert!(!rec(Form::Paragraph, false, true, 5).is_furniture(&cfg));
        assert!(!rec(Form::Formulaic, false, false, 10).is_furniture(&cfg));
    }

    #[test]
    fn forms_follow_the_classifier() {
        let cfg = CleanConfig::default();
        assert_eq!(Form::of(Class::Good, 250, &cfg), Form::Paragraph);
        assert_eq!(Form::of(Class::Good, 120, &cfg), Form::Sentence);
        assert_eq!(Form::of(Class::Sentence, 80, &cfg), Form::Sentence);
        assert_eq!(Form::of(Class::Short, 20, &cfg), Form::Formulaic);
        assert_eq!(Form::of(Class::Bad, 400, &cfg), Form::Formulaic);
    }
}
