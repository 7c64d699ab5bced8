//! Settings shared by the front ends (the `doublet` command and the Python
//! package): the per-run overrides applied to a base [`Config`] and
//! validated, so both accept and refuse alike, with the same messages.

use doublet::clean::Profile;
use doublet::config::Paragraphs;
use doublet::{Config, KeepPolicy, Scanner};

/// Worker threads at most: each has a stack and a share of every batch, and
/// no machine doublet runs on has more cores than this.
pub const MAX_THREADS: usize = 1024;

/// The settings a run may override (by flag or keyword), each `None` or
/// `false` when not given.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Near-duplicate threshold on Jaccard similarity.
    pub threshold: Option<f64>,
    /// Containment threshold.
    pub containment: Option<f64>,
    /// Words per shingle.
    pub ngram: Option<usize>,
    /// MinHash signature length.
    pub num_perm: Option<usize>,
    /// Hash seed.
    pub seed: Option<u64>,
    /// Which copy of a duplicate group is kept.
    pub keep: Option<KeepPolicy>,
    /// No repeated-passage or boilerplate removal.
    pub no_clean: bool,
    /// What documents are cleaned as.
    pub profile: Option<Profile>,
    /// How paragraphs are marked.
    pub paragraphs: Option<Paragraphs>,
    /// Shortest shared passage reported, in words (0: off).
    pub min_passage: Option<usize>,
    /// Fewest content words for a removal.
    pub min_words: Option<usize>,
    /// Cross-document paragraph deduplication.
    pub dedup_paragraphs: bool,
}

/// `base` with `overrides` applied, validated. `fixed_bands`: the base came
/// from a settings file, whose LSH bands a new threshold keeps.
pub fn apply(
    mut config: Config,
    fixed_bands: bool,
    overrides: &Overrides,
) -> doublet::Result<Config> {
    let o = overrides;
    if let Some(v) = o.threshold {
        config.threshold = v;
        // Bands follow the threshold unless the file fixed them.
        if !fixed_bands {
            config.bands = None;
            config.rows = None;
        }
    }
    if let Some(v) = o.containment {
        config.containment = v;
    }
    if let Some(v) = o.ngram {
        config.ngram = v;
    }
    if let Some(v) = o.num_perm {
        config.num_perm = v;
        config.bands = None;
        config.rows = None;
    }
    if let Some(v) = o.seed {
        config.seed = v;
    }
    if let Some(k) = o.keep {
        config.keep = k;
    }
    if o.no_clean {
        config.clean.enabled = false;
    }
    if let Some(p) = o.profile {
        config.clean.profile = p;
    }
    if let Some(p) = o.paragraphs {
        config.paragraphs = p;
    }
    if let Some(v) = o.min_passage {
        config.min_passage = v;
    }
    if let Some(v) = o.min_words {
        config.min_words = v;
    }
    if o.dedup_paragraphs {
        config.dedup_paragraphs = true;
    }
    config.validated()
}

/// Refuse a thread count doublet would not start, with the message both
/// front ends print.
pub fn check_threads(threads: Option<usize>) -> Result<(), String> {
    match threads {
        Some(0) => Err("invalid setting `threads`: must be at least 1".into()),
        Some(n) if n > MAX_THREADS => Err(format!(
            "invalid setting `threads`: {n} is more than {MAX_THREADS}, the most doublet starts"
        )),
        _ => Ok(()),
    }
}

/// Give every shared passage and reuse cluster of `report` its text, as it
/// stands in its document (`a` of a pair, the first holder of a cluster),
/// from a second pass over the documents as `(id, text)`; the pass stops
/// once every wanted text is found.
pub fn fill_passage_texts<E>(
    report: &mut impl PassageTexts,
    documents: impl IntoIterator<Item = std::result::Result<(String, String), E>>,
) -> std::result::Result<(), E> {
    use std::collections::HashMap;
    let mut wanted: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (i, p) in report.pairs_mut().iter().enumerate() {
        for k in 0..p.passages.len() {
            wanted.entry(p.a.clone()).or_default().push((i, k));
        }
    }
    // Reuse clusters take their text from their first holder.
    let mut reused: HashMap<String, Vec<usize>> = HashMap::new();
    for c in 0..report.reuse_count() {
        if let Some((id, _)) = report.reuse_passage(c) {
            reused.entry(id.to_owned()).or_default().push(c);
        }
    }
    if wanted.is_empty() && reused.is_empty() {
        return Ok(());
    }
    for document in documents {
        let (id, text) = document?;
        for (i, k) in wanted.remove(&id).unwrap_or_default() {
            let p = &mut report.pairs_mut()[i].passages[k];
            p.text = text.get(p.a.start..p.a.end).map(str::to_owned);
        }
        for c in reused.remove(&id).unwrap_or_default() {
            let span = report.reuse_passage(c).map(|(_, span)| span);
            let passage = span.and_then(|span| text.get(span)).map(str::to_owned);
            report.set_reuse_text(c, passage);
        }
        if wanted.is_empty() && reused.is_empty() {
            break;
        }
    }
    Ok(())
}

/// What [`fill_passage_texts`] fills in: a whole report, or an outcome,
/// whose reuse clusters are named only as they are written.
pub trait PassageTexts {
    /// The related pairs, whose passages take their texts in place.
    fn pairs_mut(&mut self) -> &mut [doublet::report::PairReport];
    /// Reuse clusters.
    fn reuse_count(&self) -> usize;
    /// Reuse cluster `c`'s first holder and its passage's bytes there.
    fn reuse_passage(&self, c: usize) -> Option<(&str, std::ops::Range<usize>)>;
    /// Give reuse cluster `c` its passage's text.
    fn set_reuse_text(&mut self, c: usize, text: Option<String>);
}

impl PassageTexts for doublet::Report {
    fn pairs_mut(&mut self) -> &mut [doublet::report::PairReport] {
        &mut self.pairs
    }
    fn reuse_count(&self) -> usize {
        self.reuse.len()
    }
    fn reuse_passage(&self, c: usize) -> Option<(&str, std::ops::Range<usize>)> {
        let h = self.reuse[c].holders.first()?;
        Some((&h.id, h.start..h.end))
    }
    fn set_reuse_text(&mut self, c: usize, text: Option<String>) {
        self.reuse[c].text = text;
    }
}

impl PassageTexts for doublet::Outcome {
    fn pairs_mut(&mut self) -> &mut [doublet::report::PairReport] {
        &mut self.head_mut().pairs
    }
    fn reuse_count(&self) -> usize {
        doublet::Outcome::reuse_count(self)
    }
    fn reuse_passage(&self, c: usize) -> Option<(&str, std::ops::Range<usize>)> {
        Some(doublet::Outcome::reuse_passage(self, c))
    }
    fn set_reuse_text(&mut self, c: usize, text: Option<String>) {
        doublet::Outcome::set_reuse_text(self, c, text);
    }
}

/// A record's site: the `--site-field` value, or else the host of its `url`
/// field. Absent or non-string values give none (the site is evidence for
/// cleaning, never required).
pub fn site_of(extra: Option<&crate::RawObject>, field: Option<&str>) -> Option<String> {
    let extra = extra?;
    let value = extra.get_path(field.unwrap_or("url"))?;
    let raw = value.get();
    let value: Option<String> = serde_json::from_str(raw).ok();
    match field {
        // A site field may be a string or a number (written as given).
        Some(_) => value.or_else(|| {
            raw.starts_with(|c: char| c == '-' || c.is_ascii_digit())
                .then(|| raw.to_owned())
        }),
        None => value.as_deref().and_then(host_of),
    }
}

/// The host of a URL (`https://user@News.Example:8080/a` → `news.example`).
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Let `scanner` keep documents' word tokens, past a set size, in an
/// unlinked temporary file in the temporary folder (`$TMPDIR`): past a
/// thirty-second of `max_memory`, or without it of [`default_budget`] (see
/// [`Scanner::with_spill`]); their block tables in another, past half of
/// that ([`Scanner::with_table_spill`]); each keyed sort of the corpus-wide
/// stages writes sorted runs there past a sixteenth
/// ([`Scanner::with_sort_spill`]). The stores are read back in order, a
/// chunk at a time, so spilling them early costs little, and the heap they
/// leave free is what the corpus-wide stages use. Fails, naming the folder,
/// when no file can be made there.
pub fn with_spill(scanner: Scanner, max_memory: Option<usize>) -> std::io::Result<Scanner> {
    let temporary = || {
        tempfile::tempfile().map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot make a temporary file in {} (set TMPDIR to a writable folder): {e}",
                    std::env::temp_dir().display()
                ),
            )
        })
    };
    let budget = max_memory.unwrap_or_else(default_budget);
    Ok(scanner
        .with_spill(temporary()?, budget / 32)
        .with_table_spill(temporary()?, budget / 64)
        .with_sort_spill(doublet::keyed::Spill::past(budget / 16)))
}

/// The memory a run plans for when `--max-memory` is not given: 2 GB, or a
/// quarter of the machine's memory when that is less.
pub fn default_budget() -> usize {
    (physical_memory() / 4).min(2_000_000_000)
}

/// The machine's physical memory in bytes (4 GiB when it cannot be told).
pub fn physical_memory() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: sysconf reads a system constant; it has no preconditions.
        let (pages, size) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if pages > 0 && size > 0 {
            return (pages as usize).saturating_mul(size as usize);
        }
    }
    4 << 30
}

/// A record's time from field `field` (a dotted path) as Unix seconds: an
/// RFC 3339 timestamp (`2026-12-03T10:00:00Z`, any offset), a date
/// (`2026-12-03`, midnight UTC), or a number of seconds since 1970.
pub fn time_of(extra: Option<&crate::RawObject>, field: &str) -> Result<i64, String> {
    let value = extra
        .and_then(|e| e.get_path(field))
        .ok_or_else(|| "the field is missing".to_owned())?;
    let raw = value.get();
    if let Ok(n) = raw.parse::<f64>() {
        if n.is_finite() && n.abs() < 1e15 {
            return Ok(n.floor() as i64);
        }
        return Err(format!("{raw} is not a time in seconds"));
    }
    let text: String = serde_json::from_str(raw).map_err(|_| format!("{raw} is not a time"))?;
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.as_second());
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_second())
            .map_err(|e| e.to_string());
    }
    Err(format!(
        "{text:?} is not an RFC 3339 time (2026-12-03T10:00:00Z), a date (2026-12-03) \
         or seconds since 1970"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            host_of("https://user@News.Example:8080/a?b").as_deref(),
            Some("news.example")
        );
        assert_eq!(host_of("http://[::1]:80/x").as_deref(), Some("[::1]"));
        assert_eq!(host_of("example.org/page").as_deref(), Some("example.org"));
        assert_eq!(host_of("https:///x"), None);
    }

    #[test]
    fn times_read_as_rfc3339_dates_or_seconds() {
        let obj = |v: &str| {
            let mut o = crate::RawObject::default();
            o.insert(
                "t".into(),
                serde_json::value::RawValue::from_string(v.into()).unwrap(),
            );
            o
        };
        let at = |v: &str| time_of(Some(&obj(v)), "t");
        assert_eq!(at("\"1970-01-02T00:00:00Z\""), Ok(86_400));
        assert_eq!(at("\"1970-01-02T01:00:00+01:00\""), Ok(86_400));
        assert_eq!(at("\"1970-01-03\""), Ok(172_800));
        assert_eq!(at("86400.9"), Ok(86_400));
        assert!(at("\"yesterday\"").unwrap_err().contains("RFC 3339"));
        assert!(time_of(None, "t").unwrap_err().contains("missing"));
    }
}
