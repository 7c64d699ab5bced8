//! Shared content is not furniture: paragraphs reused across unrelated
//! documents stay content, nothing unrelated is removed, thin evidence keeps
//! a document, and the reuse and paragraph-dedup findings are reported.

use std::collections::HashMap;

use doublet::clean::{Evidence, Form};
use doublet::{Config, Document};

use crate::fixtures::{article, doc, lines, scan, scan_with, Rng};

/// A site's furniture: a masthead, a menu, a footer sentence that reads as
/// prose, and for some sites a long appeal to readers.
struct Site {
    name: String,
    footer: String,
    appeal: Option<String>,
}

fn site(i: usize) -> Site {
    let name = format!("The Harbour Gazette {i}");
    Site {
        footer: format!(
            "This story was published by {name}, an independent paper serving the valley since {}.",
            1850 + i
        ),
        appeal: i.is_multiple_of(3).then(|| {
            format!(
                "{name} has reported on the life of the valley for more than a century, and we want \
                 to keep our journalism open to everyone who needs it. If you value what we do, please \
                 consider supporting us with a contribution of any size: it takes only a minute."
            )
        }),
        name,
    }
}

fn page(site: &Site, paras: &[String], paywall: bool) -> String {
    let mut out = vec![
        site.name.clone(),
        "Home | News | Sport | Business | Subscribe".to_string(),
    ];
    out.extend(paras.iter().cloned());
    if paywall {
        out.push("You have reached your limit of free articles this month.".into());
        out.push("Subscribe for unlimited access".into());
        out.push("Already a subscriber? Sign in".into());
    }
    out.extend(site.appeal.clone());
    out.push(site.footer.clone());
    out.push("Contact us | Advertise | Privacy policy".into());
    lines(&out)
}

/// A corpus in which unrelated originals reuse paragraphs from one pool
/// (each pool paragraph in about 15 originals; one original in seven is
/// mostly pool paragraphs around one short paragraph of its own), with
/// syndicated and truncated copies. Returns the documents, each document's
/// family (its original's id) and the pool.
fn reuse_corpus(n: usize) -> (Vec<Document>, HashMap<String, String>, Vec<String>) {
    let mut rng = Rng::new(11);
    let pool: Vec<String> = (0..240).flat_map(|i| article(10_000 + i, 1)).collect();
    let sites: Vec<Site> = (0..30).map(site).collect();
    let mut docs = Vec::new();
    let mut family = HashMap::new();
    let mut originals: Vec<(String, Vec<String>)> = Vec::new();
    for i in 0..n {
        let id = format!("d{i:05}");
        let s = &sites[(rng.next() % sites.len() as u64) as usize];
        if !originals.is_empty() && rng.next().is_multiple_of(5) {
            let (src, paras) = &originals[(rng.next() % originals.len() as u64) as usize];
            let truncated = rng.next().is_multiple_of(2);
            let shown = if truncated {
                &paras[..paras.len().div_ceil(2).max(2).min(paras.len())]
            } else {
                &paras[..]
            };
            docs.push(Document::new(&id, page(s, shown, truncated)).with_site(&s.name));
            family.insert(id, src.clone());
            continue;
        }
        let compilation = rng.next().is_multiple_of(7);
        let (own, pooled) = if compilation {
            (1, 4 + (rng.next() % 3) as usize)
        } else {
            (5 + (rng.next() % 4) as usize, (rng.next() % 2) as usize)
        };
        let mut paras = article(i as u64, own);
        if compilation {
            paras.truncate(1);
        }
        for _ in 0..pooled {
            let at = (rng.next() % (paras.len() as u64 + 1)) as usize;
            paras.insert(at, pool[(rng.next() % pool.len() as u64) as usize].clone());
        }
        docs.push(Document::new(&id, page(s, &paras, false)).with_site(&s.name));
        family.insert(id.clone(), id.clone());
        originals.push((id, paras));
    }
    (docs, family, pool)
}

#[test]
fn paragraphs_reused_across_unrelated_documents_remove_nothing_unrelated() {
    let (docs, family, pool) = reuse_corpus(3000);
    let r = scan_with(
        Config {
            min_passage: 0,
            ..Config::default()
        },
        docs.clone(),
    );
    let texts: HashMap<&str, &str> = docs
        .iter()
        .map(|d| (d.id.as_str(), d.text.as_str()))
        .collect();
    let mut copies = 0;
    let mut found = 0;
    for d in &r.documents {
        if let Some(k) = &d.duplicate_of {
            assert_eq!(
                family[&d.id], family[k],
                "{} removed as {:?} of unrelated {k} (J {:?}, c {:?})",
                d.id, d.relation, d.jaccard, d.containment
            );
        }
        if family[&d.id] != d.id {
            copies += 1;
            found += usize::from(r.clusters[d.cluster].members.contains(&family[&d.id]));
        }
        let text = texts[d.id.as_str()];
        for m in &d.boilerplate {
            let block = &text[m.start..m.end];
            assert!(
                !pool.iter().any(|p| p == block),
                "{}: a shared pool paragraph was marked boilerplate: {:?}",
                d.id,
                m.evidence
            );
        }
    }
    assert!(copies > 400, "{copies}");
    assert!(
        found as f64 >= 0.95 * copies as f64,
        "copies found with their original: {found}/{copies}"
    );
    // The footer sentence reads as prose; the corpus and its place give it away.
    let with_footer = r
        .documents
        .iter()
        .filter(|d| {
            let text = texts[d.id.as_str()];
            d.boilerplate
                .iter()
                .any(|m| text[m.start..m.end].starts_with("This story was published by"))
        })
        .count();
    assert!(
        with_footer as f64 >= 0.95 * docs.len() as f64,
        "{with_footer}"
    );
    let share = r.stats.corpus_boilerplate_bytes as f64 / r.stats.bytes as f64;
    assert!(
        share < 0.10,
        "corpus-wide furniture {share:.3} of the corpus"
    );
}

#[test]
fn a_long_appeal_is_furniture_only_where_one_site_repeats_it_at_the_edge() {
    let (docs, _, _) = reuse_corpus(600);
    let r = scan_with(
        Config {
            min_passage: 0,
            ..Config::default()
        },
        docs.clone(),
    );
    let mut appeals = 0;
    for (d, src) in r.documents.iter().zip(&docs) {
        for m in &d.boilerplate {
            if src.text[m.start..m.end].contains("supporting us with a contribution") {
                appeals += 1;
                assert!(
                    matches!(
                        m.evidence,
                        Evidence::Corpus {
                            form: Form::Paragraph,
                            within_site: true,
                            ..
                        }
                    ),
                    "{:?}",
                    m.evidence
                );
            }
        }
    }
    let pages_with_appeal = docs
        .iter()
        .filter(|d| d.text.contains("supporting us with a contribution"))
        .count();
    assert!(
        appeals as f64 >= 0.95 * pages_with_appeal as f64,
        "{appeals}/{pages_with_appeal}"
    );

    // Without site evidence the same paragraph is prose shared by unrelated
    // pages: it stays content.
    let anonymous: Vec<Document> = docs
        .iter()
        .map(|d| Document::new(d.id.clone(), d.text.clone()))
        .collect();
    let r = scan_with(
        Config {
            min_passage: 0,
            ..Config::default()
        },
        anonymous.clone(),
    );
    for (d, src) in r.documents.iter().zip(&anonymous) {
        for m in &d.boilerplate {
            assert!(!src.text[m.start..m.end].contains("supporting us with a contribution"));
        }
    }
}

#[test]
fn too_little_content_keeps_the_document() {
    let story = article(7, 6);
    let long = Document::new("long", lines(&story));
    // Thirty words of the story, alone: contained in it.
    let joined = story.join(" ");
    let words: Vec<&str> = joined.split_whitespace().take(30).collect();
    let short = Document::new("short", words.join(" ") + ".");
    let r = scan(vec![long.clone(), short.clone()]);
    let s = doc(&r, "short");
    assert_eq!(s.duplicate_of.as_deref(), Some("long"), "{s:?}");
    assert!(!s.too_little_content);
    // Under a higher bar the same thirty words are too few to judge.
    let r = scan_with(
        Config {
            min_words: 40,
            ..Config::default()
        },
        vec![long, short],
    );
    let s = doc(&r, "short");
    assert!(s.kept && s.too_little_content, "{s:?}");
    assert_eq!(r.stats.too_little_content, 1);
}

#[test]
fn corpus_cleaning_that_takes_most_of_a_document_leaves_it_unjudged() {
    // Fifty unrelated articles under one footer sentence, and one of them
    // copied: with a content-share bar of 1.0, the footer's removal leaves
    // every document short of its own content, so nothing is removed.
    let footer = "This story was produced by the newsroom of the Valley Courier and is published under our standard terms of use.";
    let mut docs: Vec<Document> = (0..50)
        .map(|i| {
            let mut paras = article(500 + i, 4);
            paras.push(footer.to_string());
            Document::new(format!("a{i:02}"), lines(&paras))
        })
        .collect();
    docs.push(Document::new("copy", docs[0].text.replace("The ", "the ")));
    let r = scan(docs.clone());
    assert_eq!(doc(&r, "copy").duplicate_of.as_deref(), Some("a00"));
    let r = scan_with(
        Config {
            min_content_share: 1.0,
            ..Config::default()
        },
        docs,
    );
    assert_eq!(r.stats.too_little_content, 50);
    // Only the exact copy of a whole text still goes.
    assert_eq!(r.stats.removed, 1);
    let copy = doc(&r, "copy");
    assert_eq!(copy.relation, Some(doublet::Relation::Exact));
    assert_eq!(copy.duplicate_of.as_deref(), Some("a00"));
}

#[test]
fn a_paragraph_in_many_documents_is_one_reuse_cluster() {
    let quote = article(77, 1).remove(0);
    let docs: Vec<Document> = (0..6)
        .map(|i| {
            let mut paras = article(300 + i, 5);
            paras.insert(2, quote.clone());
            Document::new(format!("r{i}"), lines(&paras))
        })
        .collect();
    let r = scan(docs.clone());
    assert_eq!(r.stats.removed, 0);
    assert_eq!(r.reuse.len(), 1, "{:?}", r.reuse);
    let c = &r.reuse[0];
    assert_eq!(c.holders.len(), 6);
    for (h, d) in c.holders.iter().zip(&docs) {
        assert_eq!(h.id, d.id);
        assert_eq!(&d.text[h.start..h.end], quote);
    }
    // The shared paragraph is not also reported pair by pair.
    let span_of = |id: &str| {
        c.holders
            .iter()
            .find(|h| h.id == id)
            .map(|h| (h.start, h.end))
    };
    for p in &r.pairs {
        for x in &p.passages {
            let (sa, ea) = span_of(&p.a).unwrap();
            let (sb, eb) = span_of(&p.b).unwrap();
            assert!(
                !(sa <= x.a.start && x.a.end <= ea && sb <= x.b.start && x.b.end <= eb),
                "{p:?}"
            );
        }
    }
}

#[test]
fn a_sentence_quoted_in_many_documents_is_one_reuse_cluster_not_pairs() {
    // The quote sits inside a paragraph of each document, with different
    // words around it: no paragraph is shared, only the sentence.
    let quote = "the committee said that it had found no evidence of wrongdoing by any of the \
                 officials named in the complaint";
    let docs: Vec<Document> = (0..5)
        .map(|i| {
            let mut paras = article(400 + i, 5);
            paras[2] = format!("{} {quote}. {}", paras[2], paras[3]);
            Document::new(format!("q{i}"), lines(&paras))
        })
        .collect();
    // Two of them also share a sentence nobody else has.
    let mut docs = docs;
    let pair_only = "a spokesman for the port authority declined to say when the cranes would \
                     return to service after the storm";
    for d in docs.iter_mut().take(2) {
        d.text = format!("{}\n{pair_only}.", d.text);
    }
    let r = scan(docs.clone());
    assert_eq!(r.stats.removed, 0);
    assert_eq!(r.reuse.len(), 1, "{:?}", r.reuse);
    let c = &r.reuse[0];
    assert_eq!(c.holders.len(), 5);
    for (h, d) in c.holders.iter().zip(&docs) {
        assert_eq!(h.id, d.id);
        // The quote, and at most the few words around it that some of the
        // holders also share (overlapping passages are one cluster).
        let held = &d.text[h.start..h.end];
        assert!(held.contains(quote), "{held:?}");
        assert!(held.len() < quote.len() + 24, "{held:?}");
    }
    // The quote is reported once, as the cluster: no pair reports a passage
    // that is mostly the quote in both documents (these word-chain articles
    // also share a few passages of their own, which pairs do report). The
    // sentence only two documents share is their pair's passage.
    let held = |id: &str| {
        c.holders
            .iter()
            .find(|h| h.id == id)
            .map(|h| (h.start, h.end))
    };
    let mostly = |x: doublet::Span, h: Option<(usize, usize)>| {
        h.is_some_and(|(s, e)| 2 * x.end.min(e).saturating_sub(x.start.max(s)) >= x.end - x.start)
    };
    for p in &r.pairs {
        for x in &p.passages {
            assert!(
                !(mostly(x.a, held(&p.a)) && mostly(x.b, held(&p.b))),
                "{p:?}"
            );
        }
    }
    let p = r
        .pairs
        .iter()
        .find(|p| (p.a.as_str(), p.b.as_str()) == ("q0", "q1"))
        .unwrap();
    assert!(p
        .passages
        .iter()
        .any(|x| docs[0].text[x.a.start..x.a.end].contains(pair_only)));
}

#[test]
fn paragraph_dedup_is_explicit_and_points_at_the_keeper() {
    let shared = article(91, 1).remove(0);
    let docs: Vec<Document> = (0..3)
        .map(|i| {
            let mut paras = article(600 + i, 4 + i as usize);
            paras.push(shared.clone());
            Document::new(format!("p{i}"), lines(&paras))
        })
        .collect();
    let r = scan(docs.clone());
    assert!(r
        .documents
        .iter()
        .all(|d| d.duplicate_paragraphs.is_empty()));
    let r = scan_with(
        Config {
            dedup_paragraphs: true,
            ..Config::default()
        },
        docs.clone(),
    );
    // Keep order is most complete first: p2 has the most words and keeps it.
    assert!(doc(&r, "p2").duplicate_paragraphs.is_empty());
    for id in ["p0", "p1"] {
        let d = doc(&r, id);
        assert_eq!(d.duplicate_paragraphs.len(), 1, "{id}");
        let m = &d.duplicate_paragraphs[0];
        let src = &docs.iter().find(|x| x.id == id).unwrap().text;
        assert_eq!(&src[m.start..m.end], shared);
        assert!(
            matches!(&m.evidence, Evidence::DuplicateParagraph { of, .. } if of == "p2"),
            "{:?}",
            m.evidence
        );
        assert_eq!(d.cleaned.duplicate_paragraph, shared.len());
        assert!(d.boilerplate.is_empty());
    }
    assert!(r.stats.duplicate_paragraph_bytes == 2 * shared.len());
}
