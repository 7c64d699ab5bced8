//! Cleaning on planted pages: corpus-wide furniture, syndication, and
//! paywalls in other languages.

use doublet::clean::Evidence;
use doublet::report::DocumentReport;
use doublet::{Config, Document, Scanner};
use proptest::prelude::*;

use crate::fixtures::{article, doc, lines, scan};

fn marked_texts<'a>(text: &'a str, d: &DocumentReport) -> Vec<&'a str> {
    d.boilerplate
        .iter()
        .map(|m| &text[m.start..m.end])
        .collect()
}

const FOOTER: &[&str] = &[
    "This story was produced by the newsroom of the Valley Courier and is published under our standard terms of use.",
    "Sign up for our morning briefing",
    "\u{a9} 2026 Valley Courier Media Group. All rights reserved.",
];

#[test]
fn a_footer_shared_by_fifty_unrelated_articles_is_found_corpus_wide() {
    let docs: Vec<Document> = (0..50)
        .map(|i| {
            let mut paras = article(500 + i, 5);
            paras.extend(FOOTER.iter().map(|s| s.to_string()));
            Document::new(format!("site-{i:02}"), lines(&paras))
        })
        .collect();
    let r = scan(docs.clone());
    assert_eq!(r.stats.removed, 0);
    for (d, src) in r.documents.iter().zip(&docs) {
        let bp = marked_texts(&src.text, d);
        for line in FOOTER {
            assert!(
                bp.contains(line),
                "{}: footer line not boilerplate: {line}",
                d.id
            );
        }
        assert_eq!(
            bp.len(),
            FOOTER.len(),
            "{}: article text marked: {bp:?}",
            d.id
        );
        // The first footer line reads like prose: only the corpus saw it.
        let first = d
            .boilerplate
            .iter()
            .find(|m| &src.text[m.start..m.end] == FOOTER[0])
            .unwrap();
        assert!(
            matches!(
                first.evidence,
                Evidence::Corpus {
                    documents: 50,
                    edge_share: 1.0,
                    within_site: false,
                    ..
                }
            ),
            "{:?}",
            first.evidence
        );
    }
}

#[test]
fn a_syndicated_article_is_not_boilerplate_of_its_copies() {
    let wire = article(42, 7);
    let mut docs: Vec<Document> = (0..5)
        .map(|i| {
            let mut paras = vec![format!("Outlet {i} Daily")];
            paras.extend(wire.iter().cloned());
            paras.push(format!("Read more stories from Outlet {i} Daily"));
            Document::new(format!("outlet-{i}"), lines(&paras))
        })
        .collect();
    docs.extend(
        (0..20).map(|i| Document::new(format!("other-{i:02}"), lines(&article(900 + i, 6)))),
    );
    let r = scan(docs.clone());
    for (i, src) in docs.iter().enumerate().take(5) {
        let id = format!("outlet-{i}");
        let d = doc(&r, &id);
        let text = &src.text;
        for m in &d.boilerplate {
            let t = &text[m.start..m.end];
            assert!(
                !wire.iter().any(|p| p == t),
                "{id}: wire paragraph called boilerplate"
            );
        }
    }
    // And the copies are recognised as one story.
    let cluster = r.clusters.iter().find(|c| c.members.len() > 1).unwrap();
    assert_eq!(cluster.members.len(), 5);
    assert_eq!(r.stats.removed, 4);
}

const DE_ARTICLE: &[&str] = &[
    "Die Hafenbehörde von Lindau hat am Dienstag angekündigt, dass sie das alte Fährterminal am Ende des Sommers schließen wird, nachdem Ingenieure festgestellt hatten, dass der Steg durch die Winterstürme stark beschädigt worden ist.",
    "\u{201E}Wir können die Fahrgäste nicht über ein Bauwerk gehen lassen, dem wir selbst nicht mehr vertrauen\u{201C}, sagte der Direktor der Behörde bei einer Versammlung im Rathaus.",
    "Die Fähren zu den Inseln sollen bis zur Fertigstellung eines neuen Terminals von einem provisorischen Anleger am östlichen Kai ablegen, was nach Angaben der Behörde mindestens drei Jahre dauern wird.",
    "Die Händler in der Altstadt, die auf Besucher vom Wasser angewiesen sind, beklagten, dass man sie nicht gefragt habe, und befürchten, dass die Touristen in den größeren Hafen der Nachbarstadt ausweichen werden.",
];
const DE_PAYWALL: &[&str] = &[
    "Sie haben Ihr Limit von 5 kostenlosen Artikeln in diesem Monat erreicht.",
    "Jetzt abonnieren und weiterlesen",
    "Bereits Abonnent? Anmelden",
    "Digital Basis",
    "9,99 \u{20ac} / Monat",
    "Digital Plus",
    "14,99 \u{20ac} / Monat",
    "Jederzeit kündbar",
    "Alle Artikel auf allen Geräten, ohne Werbung und mit dem täglichen Newsletter aus der Redaktion",
    "Zum Angebot",
];
const ES_ARTICLE: &[&str] = &[
    "La autoridad portuaria de Linares anunció el martes que cerrará la antigua terminal de transbordadores al final del verano, después de que los ingenieros descubrieran que el muelle había sido debilitado por las tormentas de invierno.",
    "\u{ab}No podemos pedir a los pasajeros que caminen sobre una estructura en la que ya no confiamos\u{bb}, dijo el director de la autoridad a los periodistas en una reunión en el ayuntamiento.",
    "Los barcos a las islas utilizarán un pontón provisional en el muelle oriental mientras se diseña una nueva terminal, un proceso que según la autoridad durará al menos tres años.",
    "Los comerciantes del centro, que dependen de los visitantes que llegan por mar, dijeron que no habían sido consultados y advirtieron que los turistas se irán al puerto más grande de la región.",
];
const ES_PAYWALL: &[&str] = &[
    "Has alcanzado el límite de 5 artículos gratuitos de este mes.",
    "Suscríbete para seguir leyendo",
    "¿Ya eres suscriptor? Inicia sesión",
    "Plan Digital",
    "7,99 \u{20ac} al mes",
    "Plan Premium",
    "12,99 \u{20ac} al mes",
    "Cancela cuando quieras",
    "Acceso ilimitado a todos los contenidos en la web y en la aplicación, sin publicidad y con boletines exclusivos",
    "Ver oferta",
];

#[test]
fn german_and_spanish_paywalls_are_classified_like_the_english_one() {
    for (lang, art, wall) in [
        ("de", DE_ARTICLE, DE_PAYWALL),
        ("es", ES_ARTICLE, ES_PAYWALL),
    ] {
        let text = art
            .iter()
            .chain(wall)
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        let r = scan(vec![Document::new(lang, text.clone())]);
        let d = &r.documents[0];
        assert_eq!(d.language, Some(lang));
        let bp = marked_texts(&text, d);
        for line in wall {
            assert!(bp.contains(line), "{lang}: paywall line kept: {line}");
        }
        for line in art {
            assert!(!bp.contains(line), "{lang}: article line removed: {line}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Every span lies inside the text, on character boundaries, and spans
    /// never overlap.
    #[test]
    fn spans_are_on_char_boundaries(text in "(\\PC{0,40}[\n ]{0,3}){0,20}") {
        let mut s = Scanner::new(Config::default()).unwrap();
        s.push(vec![Document::new("x", text.clone()), Document::new("y", text.clone() + "\n" + &text)]).unwrap();
        let r = s.finish().unwrap();
        for (d, t) in r.documents.iter().zip([text.clone(), text.clone() + "\n" + &text]) {
            let mut spans: Vec<(usize, usize)> = d.repeated.iter().chain(&d.boilerplate).map(|m| (m.start, m.end)).collect();
            spans.extend(d.content.iter().map(|s| (s.start, s.end)));
            spans.sort();
            for w in spans.windows(2) {
                prop_assert!(w[0].1 <= w[1].0);
            }
            for (a, b) in spans {
                prop_assert!(a < b && b <= t.len());
                prop_assert!(t.is_char_boundary(a) && t.is_char_boundary(b));
            }
        }
    }
}
