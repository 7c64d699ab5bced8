//! Analysis: one document's text into blocks and 32-bit word tokens, with
//! per-document cleaning applied. What stays of a document after it is read.

use crate::clean::stopwords::Lexicon;
use crate::clean::{
    boilerplate, profile, repeated, stopwords, BlockFeatures, Evidence, Form, Kind, Profile, Status,
};
use crate::config::Config;
use crate::text::{normalise, segment, shingle};
use crate::{align, seeds, Document, Span};

use crate::sign::DocSketch;

use super::offsets::Offsets;

/// One block of an analysed document.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Block {
    pub(super) span: Span,
    /// Token range `start..end` in the document's token vector.
    pub(super) start: u32,
    pub(super) end: u32,
    /// Hash of the block's normalised words.
    pub(super) key: u64,
    /// How the block reads (for corpus-wide furniture).
    pub(super) form: Form,
    pub(super) status: Status,
}

/// What the scanner keeps of a document on the heap after it is read; its
/// tokens go to the [`Store`](super::store::Store) and its block table to
/// the [`Tables`](super::store::Tables), and what the corpus-wide stages
/// read of it every time, where its content is, stays here.
#[derive(Clone, Debug)]
pub(super) struct Analysed {
    pub(super) id: Box<str>,
    /// Its length in bytes (a document is at most 4 GiB: `Scanner::push`).
    pub(super) bytes: u32,
    /// Its language, as the lexicon's bit ([`Analysed::language`]): a
    /// scanner holds one of these per document (at ten million documents,
    /// each byte is 10 MB).
    language: Option<u8>,
    /// Its word count (all tokens, cleaned or not).
    pub(super) words: u32,
    /// Words that are not its owner's text as written: the later copies of
    /// paragraphs it repeats, and the blocks the classifier took from a page
    /// that showed a web page's chrome (its menus, paywall and footer).
    pub(super) unwritten_words: u32,
    /// What it was cleaned as (`None` when cleaning is off).
    pub(super) kind: Option<Kind>,
    /// The site it comes from (an index into the scanner's site names).
    pub(super) site: u32,
    /// Where its content is.
    pub(super) content: ContentRuns,
}

/// What documents add to the peak of each corpus-wide stage, in bytes:
/// the stages run one after another, so a run's peak is what every stage
/// holds throughout plus the largest of the rest (see
/// [`Scanner::footprint`](super::Scanner::footprint)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Cost {
    /// Held from reading to the end: what analysis keeps of a document.
    pub(super) held: usize,
    /// Corpus-wide cleaning.
    pub(super) furniture: usize,
    /// Signing, the candidates and their verification.
    pub(super) candidates: usize,
    /// Reuse clusters and shared passages.
    pub(super) passages: usize,
    /// The whole report, when the front end holds one.
    pub(super) report: usize,
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, c: Cost) {
        self.held += c.held;
        self.furniture += c.furniture;
        self.candidates += c.candidates;
        self.passages += c.passages;
        self.report += c.report;
    }
}

/// Where a document's content is, from its block table: whether cleaning
/// removed no block (its content is then its every token), and otherwise
/// the token ranges of its runs of consecutive content blocks, in order,
/// none empty.
#[derive(Clone, Debug, Default)]
pub(super) struct ContentRuns {
    uncleaned: bool,
    runs: Box<[(u32, u32)]>,
}

impl ContentRuns {
    pub(super) fn of(blocks: &[Block]) -> ContentRuns {
        let uncleaned = blocks.iter().all(|b| b.status.is_content());
        let mut runs: Vec<(u32, u32)> = Vec::new();
        if !uncleaned {
            let mut open: Option<(u32, u32)> = None;
            for b in blocks {
                match (&mut open, b.status.is_content()) {
                    (Some(run), true) => run.1 = b.end,
                    (None, true) => open = Some((b.start, b.end)),
                    (_, false) => runs.extend(open.take()),
                }
            }
            runs.extend(open);
            runs.retain(|r| r.1 > r.0);
        }
        ContentRuns {
            uncleaned,
            runs: runs.into_boxed_slice(),
        }
    }
}

/// A document's words and block table: what the scanner keeps of it in its
/// [`Store`](super::store::Store).
#[derive(Clone, Debug, Default)]
pub(super) struct Words {
    pub(super) tokens: Vec<u32>,
    /// Byte range of every token in the original text (empty when shared
    /// passages are off).
    pub(super) offsets: Offsets,
    /// Its blocks, with what cleaning decided of each.
    pub(super) blocks: Vec<Block>,
}

/// No site given.
pub(super) const NO_SITE: u32 = u32::MAX;

impl Analysed {
    /// Its content as token ranges: its runs of consecutive content blocks.
    fn content_runs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let c = &self.content;
        let whole = (c.uncleaned && self.words > 0).then_some((0, self.words));
        whole.into_iter().chain(c.runs.iter().copied())
    }

    /// Its language, if detected.
    pub(super) fn language(&self) -> Option<&'static str> {
        self.language
            .map(|bit| Lexicon::get().language(u32::from(bit)))
    }

    /// Content tokens with their byte ranges in the original text, from its
    /// `words` (tokens, byte ranges and block table).
    pub(super) fn content_with_offsets(&self, words: &Words) -> Content {
        let mut c = Content {
            language: self.language(),
            ..Content::default()
        };
        for b in words.blocks.iter().filter(|b| b.status.is_content()) {
            let range = b.start as usize..b.end as usize;
            c.tokens.extend_from_slice(&words.tokens[range.clone()]);
            if words.offsets.len() == words.tokens.len() {
                words.offsets.extend_into(range, &mut c.offsets);
            }
            c.breaks.push(c.tokens.len());
        }
        c
    }

    /// The full-sequence token range of the run of consecutive content
    /// blocks that holds position `p` (empty at `p` when `p` is not content).
    pub(super) fn content_run(&self, p: u32) -> (u32, u32) {
        self.content_runs()
            .find(|r| r.0 <= p && p < r.1)
            .unwrap_or((p, p))
    }

    /// For each content token, its position in the full token sequence.
    pub(super) fn content_positions(&self) -> Vec<u32> {
        self.content_runs().flat_map(|(s, e)| s..e).collect()
    }

    /// What this document adds to each stage's peak, in bytes (see
    /// [`Scanner::with_memory_budget`]). Its words and its block table are
    /// counted only when they stay in memory (`words_held`, `table_held`:
    /// no spill file for them).
    pub(super) fn footprint(
        &self,
        cfg: &Config,
        words: &Words,
        words_held: bool,
        table_held: bool,
    ) -> Cost {
        use std::mem::size_of;
        let tokens = self.words as usize;
        let blocks = words.blocks.len();
        let held = size_of::<Self>()
            + self.id.len()
            + self.content.runs.len() * size_of::<(u32, u32)>()
            + if words_held {
                tokens * size_of::<u32>() + words.offsets.encoded_len()
            } else {
                0
            }
            + if table_held {
                super::table::encoded_len(&words.blocks)
            } else {
                0
            };
        // Corpus-wide cleaning: the gist of every holder a recurring block
        // visits (at most all); its block postings and votes are sorted on
        // disk past the budget.
        let furniture =
            size_of::<std::sync::OnceLock<super::sign::Gist>>() + cfg.num_perm * size_of::<u32>();
        // Signing and the candidates: the sketch with its anchors and band
        // keys (the signature is made into band keys as it is signed), its
        // dense tier (about as many shingles as its anchors, 2 bytes a
        // key), and what the verification reads of it.
        let anchors = (tokens / cfg.anchor_rate as usize).max(cfg.anchor_min);
        let candidates = size_of::<DocSketch>() + anchors * (8 + 2) + cfg.lsh().0 * 8 + 16;
        // The passage stage: its fingerprints are sorted on disk past the
        // budget; what stays is the reuse clusters and shared passages it
        // is in, and its decision and word count: measured at 1M
        // heavy-reuse documents, about 3 bytes a winnowed fingerprint
        // (winnowing keeps about 2 / (w + 1) of the shingles) and 48 more.
        let passages = if cfg.min_passage > 0 {
            let w = (cfg.min_passage + 1).saturating_sub(cfg.ngram).max(1);
            2 * tokens / (w + 1) * 3 + 48
        } else {
            0
        };
        // The whole report, for the front ends that hold one: an entry per
        // document, a span per block.
        let report = 160 + self.id.len() * 2 + blocks * 48;
        Cost {
            held,
            furniture,
            candidates,
            passages,
            report,
        }
    }

    /// Words of content after all cleaning.
    pub(super) fn content_words(&self) -> usize {
        self.content_runs().map(|(s, e)| (e - s) as usize).sum()
    }

    /// Its words as written: what its owner wrote, each paragraph it
    /// repeats counted once and the chrome of a page that showed it left
    /// out.
    pub(super) fn written_words(&self) -> u32 {
        self.words - self.unwritten_words
    }

    /// The share of its text as written ([`written_words`](Self::written_words))
    /// that cleaning left: 1 for a document cleaning took nothing from but
    /// repeats.
    pub(super) fn written_share(&self) -> f64 {
        let written = self.written_words();
        if written == 0 {
            1.0
        } else {
            self.content_words() as f64 / f64::from(written)
        }
    }

    /// Whether cleaning left enough of the document to remove it on what is
    /// left: at least `min_words` words, and at least `min_content_share` of
    /// its text as written (every rule of cleaning counted, per document and
    /// corpus-wide, but the chrome of a page that showed it: a removal on
    /// what little is left would not convince the document's owner).
    pub(super) fn judged(&self, cfg: &Config) -> bool {
        let content = self.content_words();
        content >= cfg.min_words && self.written_share() >= cfg.min_content_share
    }

    /// True when cleaning removed nothing: the content is the whole text
    /// (its content key is then its whole-text key).
    pub(super) fn uncleaned(&self) -> bool {
        self.content.uncleaned
    }

    /// Replace `buf` with the content tokens among `all` (the document's
    /// every token).
    pub(super) fn content_tokens(&self, all: &[u32], buf: &mut Vec<u32>) {
        buf.clear();
        for (s, e) in self.content_runs() {
            buf.extend_from_slice(&all[s as usize..e as usize]);
        }
    }
}

pub(super) fn analyse(doc: &Document, cfg: &Config) -> (Analysed, Words) {
    analyse_with(doc, cfg, cfg.min_passage > 0)
}

/// A block's language takes over from the document's when its own stop
/// words say so: at least this many of them...
const BLOCK_LANGUAGE_MIN: usize = 3;

/// The stop words of block `masks` in the language that suits it: the
/// document's (`doc`), or the block's own when more of its words are stop
/// words of that one (a German paragraph in a page that is mostly English
/// is judged by German stop words).
fn block_stop_words(masks: &[stopwords::LangMask], doc: u32, cfg: &Config) -> u32 {
    let of = |bit: u32| masks.iter().filter(|&&m| m >> bit & 1 == 1).count();
    let own = of(doc);
    // A block dense in the document's stop words is read as its language.
    if masks.len() < BLOCK_LANGUAGE_MIN
        || own as f64 >= cfg.clean.stopwords_high * masks.len() as f64
    {
        return own as u32;
    }
    match stopwords::detect(masks) {
        Some(bit) if bit != doc => {
            let other = of(bit);
            if other >= BLOCK_LANGUAGE_MIN && other > own {
                other as u32
            } else {
                own as u32
            }
        }
        _ => own as u32,
    }
}

/// [`analyse`], recording the byte range of every token only when
/// `offsets` (what shared passages need).
pub(super) fn analyse_with(doc: &Document, cfg: &Config, offsets: bool) -> (Analysed, Words) {
    let lex = Lexicon::get();
    let text = doc.text.as_str();
    let layout = segment::split(text, cfg.paragraphs);
    let mut tokens: Vec<u32> = Vec::with_capacity(text.len() / 5);
    let mut masks: Vec<stopwords::LangMask> = Vec::with_capacity(text.len() / 5);
    let mut blocks = Vec::with_capacity(layout.blocks.len());
    let mut features = Vec::with_capacity(layout.blocks.len());
    let mut buf = String::new();
    let record_offsets = offsets && text.len() <= u32::MAX as usize;
    let mut offsets = Offsets::default();
    let mut signs = profile::Signs {
        blocks: layout.blocks.len(),
        chrome: 0,
        lines: layout.facts,
    };
    let mut short = Vec::with_capacity(layout.blocks.len());
    let mut chrome = profile::ChromeCount::default();
    for &span in &layout.blocks {
        let original = &text[span.start..span.end];
        let start = tokens.len() as u32;
        normalise::for_each_word(original, &mut buf, |s, e, w| {
            let h = shingle::word_hash(w);
            tokens.push(shingle::token_of(h));
            masks.push(lex.mask_of(h));
            if record_offsets {
                offsets.push((span.start + s) as u32, (span.start + e) as u32);
            }
        });
        let end = tokens.len() as u32;
        let key = shingle::shingle(&tokens[start as usize..end as usize], seeds::BLOCK_KEY);
        let f = BlockFeatures {
            length: segment::width(original) as u32,
            words: end - start,
            stop_words: None,
            ends_sentence: segment::ends_sentence(original),
            template: original.contains("{{") || original.contains("}}"),
        };
        if cfg.clean.enabled && cfg.clean.profile == Profile::Auto {
            let words = f.words as usize;
            chrome.add(profile::chrome(original, words, f.ends_sentence));
            short.push((1..=4).contains(&words) && !f.ends_sentence);
        }
        features.push(f);
        blocks.push(Block {
            span,
            start,
            end,
            key,
            form: Form::Formulaic,
            status: Status::Content,
        });
    }
    signs.chrome = chrome.total() + profile::edge_lists(&short);
    let lang_bit = stopwords::detect(&masks);
    if let Some(bit) = lang_bit {
        for (f, b) in features.iter_mut().zip(&blocks) {
            let block = &masks[b.start as usize..b.end as usize];
            f.stop_words = Some(block_stop_words(block, bit, cfg));
        }
    }
    let mut kind = cfg.clean.enabled.then(|| signs.kind(cfg.clean.profile));
    let mut unwritten_words = 0;
    if let Some(k) = kind.as_mut() {
        for (b, f) in blocks.iter_mut().zip(&features) {
            b.form = Form::of(boilerplate::initial(f, &cfg.clean), f.length, &cfg.clean);
        }
        let keys: Vec<u64> = blocks.iter().map(|b| b.key).collect();
        let counts: Vec<u32> = features.iter().map(|f| f.words).collect();
        let spans: Vec<Span> = blocks.iter().map(|b| b.span).collect();
        let mut repeats = repeated::find(&keys, &counts, &spans, cfg.clean.repeat_min_words);
        // A plain document has no page chrome for the classifier to find.
        let (mut classes, mut content) = match k {
            Kind::Web => boilerplate::classify(&features, &cfg.clean),
            Kind::Plain => (Vec::new(), vec![true; features.len()]),
        };
        // Read as a page for want of a document's layout, not for chrome
        // seen: the classifier may not take most of it on its own word.
        if *k == Kind::Web && cfg.clean.profile == Profile::Auto && !signs.web() {
            let taken: u32 = features
                .iter()
                .zip(&content)
                .filter(|(_, &c)| !c)
                .map(|(f, _)| f.words)
                .sum();
            if 2 * taken > tokens.len() as u32 {
                *k = Kind::Plain;
                (classes, content) = (Vec::new(), vec![true; features.len()]);
            }
        }
        // What the author of a document repeats is theirs to repeat (a
        // licence quoted for each of a package's parts); a page that says
        // it twice was scraped twice.
        if *k == Kind::Plain {
            repeats.iter_mut().for_each(|r| *r = None);
        }
        for (i, b) in blocks.iter_mut().enumerate() {
            b.status = if let Some(first) = repeats[i] {
                unwritten_words += b.end - b.start;
                Status::Removed(Box::new(Evidence::Repeated { first }))
            } else if !content[i] {
                // On a page that showed chrome, what the classifier takes
                // is that page's chrome; where it was read as a page for
                // want of a document's layout, it is the author's text.
                if signs.web() {
                    unwritten_words += b.end - b.start;
                }
                Status::Removed(Box::new(Evidence::Classifier {
                    class: classes[i],
                    words: features[i].words,
                    stopword_density: features[i].density().map(|d| (d * 1000.0).round() / 1000.0),
                }))
            } else {
                Status::Content
            };
        }
    }
    let analysed = Analysed {
        id: doc.id.as_str().into(),
        bytes: text.len() as u32,
        language: lang_bit.and_then(|b| u8::try_from(b).ok()),
        words: tokens.len() as u32,
        unwritten_words,
        kind,
        site: NO_SITE,
        content: ContentRuns::of(&blocks),
    };
    let words = Words {
        tokens,
        offsets,
        blocks,
    };
    (analysed, words)
}

/// A document's content tokens, their byte ranges, and paragraph ends.
#[derive(Debug, Default)]
pub(super) struct Content {
    pub(super) tokens: Vec<u32>,
    pub(super) offsets: Vec<(u32, u32)>,
    pub(super) breaks: Vec<usize>,
    /// The document's language, if detected (its stop words seed nothing
    /// when rewritten passages are aligned).
    pub(super) language: Option<&'static str>,
}

impl Content {
    pub(super) fn sequence(&self) -> align::Sequence<'_> {
        align::Sequence {
            tokens: &self.tokens,
            breaks: &self.breaks,
            stops: Lexicon::get().stop_tokens(self.language),
        }
    }
}
