//! Test corpora: the seeds, and generated prose whose structure we know.

use std::path::Path;

use doublet::{Config, Document, Report, Scanner};

pub fn seeds() -> Vec<Document> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/news");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let id = p.file_name().unwrap().to_string_lossy().into_owned();
            Document::new(id, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

pub fn scan_with(config: Config, docs: Vec<Document>) -> Report {
    let mut s = Scanner::new(config).unwrap();
    s.push(docs).unwrap();
    s.finish().unwrap()
}

pub fn scan(docs: Vec<Document>) -> Report {
    scan_with(Config::default(), docs)
}

pub fn doc<'a>(r: &'a Report, id: &str) -> &'a doublet::report::DocumentReport {
    r.documents
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| panic!("no document {id}"))
}

/// A small deterministic generator (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const ADJ: &[&str] = &[
    "regional",
    "local",
    "national",
    "new",
    "former",
    "senior",
    "small",
    "large",
    "public",
    "private",
    "northern",
    "southern",
    "coastal",
    "rural",
    "urban",
    "annual",
    "emergency",
    "independent",
    "joint",
    "temporary",
    "municipal",
    "central",
    "western",
    "eastern",
    "provincial",
    "federal",
    "volunteer",
    "historic",
    "modern",
    "popular",
];
const NOUN: &[&str] = &[
    "council",
    "hospital",
    "school",
    "railway",
    "harbour",
    "museum",
    "library",
    "union",
    "bank",
    "court",
    "farm",
    "factory",
    "bridge",
    "festival",
    "committee",
    "police",
    "airport",
    "market",
    "orchestra",
    "theatre",
    "university",
    "clinic",
    "ministry",
    "agency",
    "club",
    "church",
    "garden",
    "reservoir",
    "stadium",
    "laboratory",
    "newspaper",
    "brewery",
    "bakery",
    "tunnel",
    "ferry",
    "lighthouse",
    "prison",
    "zoo",
    "forest",
    "mine",
    "canal",
    "observatory",
    "fleet",
    "choir",
    "archive",
    "parliament",
    "company",
    "charity",
    "embassy",
    "station",
];
const VERB: &[&str] = &[
    "opened",
    "closed",
    "expanded",
    "rebuilt",
    "inspected",
    "funded",
    "criticised",
    "praised",
    "delayed",
    "approved",
    "rejected",
    "renamed",
    "sold",
    "bought",
    "visited",
    "reviewed",
    "moved",
    "defended",
    "restored",
    "surveyed",
    "announced",
    "cancelled",
    "doubled",
    "halved",
    "reformed",
];
const PLACE: &[&str] = &[
    "Aldford",
    "Brisk",
    "Carrow",
    "Dunmere",
    "Elsby",
    "Farrowdale",
    "Glenholm",
    "Harwick",
    "Ingleby",
    "Jorvik",
    "Kelso",
    "Linmouth",
    "Marden",
    "Northolt",
    "Oxley",
    "Penrose",
    "Quarrington",
    "Redcar",
    "Stowe",
    "Thornbury",
    "Ulverston",
    "Valley",
    "Westbury",
    "Yarrow",
    "Zennor",
];
const TIME: &[&str] = &[
    "on Monday",
    "on Tuesday",
    "last week",
    "this morning",
    "after a long debate",
    "before the winter",
    "in the spring",
    "earlier this year",
    "for the first time",
    "despite protests",
    "without notice",
    "after months of talks",
];
const SPEAKER: &[&str] = &[
    "a spokesperson said",
    "officials said",
    "the mayor said",
    "residents said",
    "the report found",
    "according to the minutes",
    "witnesses said",
    "the chairman confirmed",
];

const TAIL: &[&str] = &[
    "while the {a} {n} had {v} the {n} a year before",
    "a decision the {n} of {p} {v} at once",
    "although nobody at the {a} {n} expected it",
    "and the {n} is now {v} by the {a} {n}",
    "two weeks after the {n} {v} the {a} {n}",
];

/// One sentence of plausible news prose, varied enough that two articles
/// rarely share a dozen words in a row.
pub fn sentence(rng: &mut Rng) -> String {
    let mut tail = rng.pick(TAIL).to_string();
    for (slot, words) in [("{n}", NOUN), ("{v}", VERB), ("{a}", ADJ), ("{p}", PLACE)] {
        while let Some(i) = tail.find(slot) {
            tail.replace_range(i..i + slot.len(), rng.pick(words));
        }
    }
    format!(
        "The {} {} of {} {} the {} {} {}, {}, {}.",
        rng.pick(ADJ),
        rng.pick(NOUN),
        rng.pick(PLACE),
        rng.pick(VERB),
        rng.pick(ADJ),
        rng.pick(NOUN),
        rng.pick(TIME),
        rng.pick(SPEAKER),
        tail,
    )
}

/// An article: `paragraphs` paragraphs of two or three sentences, one per line.
pub fn article(seed: u64, paragraphs: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..paragraphs)
        .map(|_| {
            let n = 2 + (rng.next() % 2) as usize;
            (0..n)
                .map(|_| sentence(&mut rng))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub fn lines(paragraphs: &[String]) -> String {
    paragraphs.join("\n") + "\n"
}
