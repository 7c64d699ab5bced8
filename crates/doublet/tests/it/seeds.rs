//! The founding example: what `design.md` says doublet must conclude.

use doublet::{PairRelation, Relation};

use crate::fixtures::{doc, scan, seeds};

const S000: &str = "000_f100c1059ce78ca9.txt";
const S001: &str = "001_f41e034662a1fcab.txt";
const S002: &str = "002_139156a821428acc.txt";
const S003: &str = "003_e9cfeb803afa4857.txt";
const S004: &str = "004_9b52153850c921e1.txt";

#[test]
fn the_seeds_group_as_designed() {
    let r = scan(seeds());
    let d3 = doc(&r, S003);
    assert_eq!(d3.duplicate_of.as_deref(), Some(S002));
    assert_eq!(d3.relation, Some(Relation::NearDuplicate));
    assert!(d3.jaccard.unwrap() > 0.9, "{:?}", d3.jaccard);
    assert_eq!(d3.containment, Some(1.0));
    assert!(doc(&r, S002).kept);

    let d1 = doc(&r, S001);
    assert_eq!(d1.duplicate_of.as_deref(), Some(S000));
    assert_eq!(d1.relation, Some(Relation::Contained));
    assert!(d1.containment.unwrap() >= 0.85, "{:?}", d1.containment);
    assert!(doc(&r, S000).kept);

    let d4 = doc(&r, S004);
    assert!(d4.kept);
    let alone = r.clusters.iter().find(|c| c.kept == S004).unwrap();
    assert_eq!(alone.members, [S004]);

    assert_eq!(
        (r.stats.kept, r.stats.removed, r.stats.duplicate_clusters),
        (3, 2, 2)
    );
    // The two designed duplicate pairs, and the two kept reports of the same
    // meeting sharing Kerry's quote; 004 relates to nothing.
    let pairs: Vec<(&str, &str, PairRelation)> = r
        .pairs
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str(), p.relation))
        .collect();
    assert_eq!(
        pairs,
        [
            (S000, S001, PairRelation::Contained),
            (S000, S002, PairRelation::SharedPassages),
            (S002, S003, PairRelation::NearDuplicate)
        ]
    );
}

fn text_of(id: &str) -> String {
    seeds().into_iter().find(|d| d.id == id).unwrap().text
}

fn marked<'a>(text: &'a str, spans: &[doublet::report::Marked]) -> Vec<&'a str> {
    spans.iter().map(|m| &text[m.start..m.end]).collect()
}

#[test]
fn second_copies_of_paragraphs_are_repeated_and_first_copies_are_not() {
    let r = scan(seeds());
    for id in [S000, S004] {
        let text = text_of(id);
        let d = doc(&r, id);
        assert!(d.repeated.len() >= 6, "{id}: {}", d.repeated.len());
        for m in &d.repeated {
            let passage = &text[m.start..m.end];
            let first = text.find(passage).unwrap();
            assert!(
                first < m.start,
                "{id}: a first occurrence was marked: {passage}"
            );
            let doublet::clean::Evidence::Repeated { first: f } = &m.evidence else {
                panic!()
            };
            assert_eq!(&text[f.start..f.end], passage);
        }
    }
}

#[test]
fn subscription_block_is_boilerplate_and_article_sentences_are_not() {
    let r = scan(seeds());
    let t1 = text_of(S001);
    let b1 = marked(&t1, &doc(&r, S001).boilerplate);
    for line in [
        "Subscribe now for unlimited access.",
        "Smart Quarterly",
        "₹900",
        "Renews automatically, cancel anytime",
        "Archives",
        "Curated Newsletters",
    ] {
        assert!(b1.contains(&line), "not boilerplate: {line}");
    }
    let start = t1.find("You\u{2019}ve reached").unwrap();
    let covered: usize = doc(&r, S001)
        .boilerplate
        .iter()
        .filter(|m| m.start >= start)
        .map(|m| m.end - m.start)
        .sum();
    let block_text: usize = t1[start..].lines().map(|l| l.trim().len()).sum();
    assert_eq!(
        covered, block_text,
        "the whole subscription block is boilerplate"
    );

    // Every sentence of the article text in 000, 001 and 002 stays.
    for (id, stop) in [
        (S000, "Track Latest News"),
        (S001, "Disclaimer:"),
        (S002, "\u{0}"),
    ] {
        let text = text_of(id);
        let d = doc(&r, id);
        let article_end = text.find(stop).unwrap_or(text.len());
        for m in &d.boilerplate {
            assert!(
                m.start >= article_end,
                "{id}: article text marked boilerplate: {}",
                &text[m.start..m.end]
            );
        }
    }
    let t0 = text_of(S000);
    assert!(marked(&t0, &doc(&r, S000).boilerplate)
        .iter()
        .any(|l| l.starts_with("Track Latest News")));
}

#[test]
fn cleaning_raises_the_containment_of_the_reprint() {
    let raw = crate::fixtures::scan_with(
        doublet::Config {
            clean: doublet::CleanConfig {
                enabled: false,
                ..Default::default()
            },
            ..Default::default()
        },
        seeds(),
    );
    // Uncleaned, 001's subscription block hides that it is a reprint of 000.
    assert!(doc(&raw, S001).kept);
    let clean = scan(seeds());
    assert!(doc(&clean, S001).containment.unwrap() > 0.85);
}
