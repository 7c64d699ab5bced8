//! A document's block table in binary, as the [`Store`](super::store::Store)
//! keeps it beside the document's tokens.
//!
//! The block table (every paragraph's span, token range, key, form and what
//! cleaning decided of it) is read whole by a few corpus-wide passes only:
//! corpus-wide cleaning, the report, the cleaned text and the alignment of
//! shared passages. Held as Rust values it took about 1.1 GB at a million
//! documents, the largest thing the scanner held; in the store it takes
//! about 27 bytes a block and goes to the spill file with the tokens. What
//! the other stages read of it, the content runs, stays on the heap in
//! [`Analysed`](super::analyse::Analysed).
//!
//! Each block is fixed fields (span, token range, key, form: 25 bytes,
//! little-endian) then its status: a tag byte and the evidence's fields. A
//! block's span and token range are 32-bit, as the scanner's documents are
//! (it refuses a document of 4 GiB or more).

use crate::clean::{Class, Evidence, Form, Status};
use crate::error::{Error, Result};
use crate::sign::Reader;
use crate::text::Span;

use super::analyse::Block;

const CONTENT: u8 = 0;
const REPEATED: u8 = 1;
const CLASSIFIER: u8 = 2;
const CORPUS: u8 = 3;
const DUPLICATE_PARAGRAPH: u8 = 4;

const FORMS: [Form; 3] = [Form::Formulaic, Form::Sentence, Form::Paragraph];
const CLASSES: [Class; 5] = [
    Class::Good,
    Class::Sentence,
    Class::NearGood,
    Class::Short,
    Class::Bad,
];

fn form_byte(f: Form) -> u8 {
    FORMS.iter().position(|&x| x == f).unwrap_or(0) as u8
}

fn class_byte(c: Class) -> u8 {
    CLASSES.iter().position(|&x| x == c).unwrap_or(0) as u8
}

/// Append `blocks` in binary to `out`.
pub(super) fn write(blocks: &[Block], out: &mut Vec<u8>) {
    out.extend_from_slice(&(blocks.len() as u32).to_le_bytes());
    for b in blocks {
        put_span(out, b.span);
        out.extend_from_slice(&b.start.to_le_bytes());
        out.extend_from_slice(&b.end.to_le_bytes());
        out.extend_from_slice(&b.key.to_le_bytes());
        out.push(form_byte(b.form));
        match &b.status {
            Status::Content => out.push(CONTENT),
            Status::Removed(e) => match &**e {
                Evidence::Repeated { first } => {
                    out.push(REPEATED);
                    put_span(out, *first);
                }
                Evidence::Classifier {
                    class,
                    words,
                    stopword_density,
                } => {
                    out.push(CLASSIFIER);
                    out.push(class_byte(*class));
                    out.extend_from_slice(&words.to_le_bytes());
                    put_option(out, *stopword_density);
                }
                Evidence::Corpus {
                    documents,
                    form,
                    edge_share,
                    within_site,
                } => {
                    out.push(CORPUS);
                    out.extend_from_slice(&(*documents as u64).to_le_bytes());
                    out.push(form_byte(*form));
                    out.extend_from_slice(&edge_share.to_le_bytes());
                    out.push(u8::from(*within_site));
                }
                Evidence::DuplicateParagraph { of, first } => {
                    out.push(DUPLICATE_PARAGRAPH);
                    out.extend_from_slice(&(of.len() as u32).to_le_bytes());
                    out.extend_from_slice(of.as_bytes());
                    put_span(out, *first);
                }
            },
        }
    }
}

/// Bytes [`write`] appends for `blocks`.
pub(super) fn encoded_len(blocks: &[Block]) -> usize {
    4 + blocks
        .iter()
        .map(|b| {
            26 + match &b.status {
                Status::Content => 0,
                Status::Removed(e) => match &**e {
                    Evidence::Repeated { .. } => 8,
                    Evidence::Classifier {
                        stopword_density, ..
                    } => 1 + 4 + 1 + stopword_density.map_or(0, |_| 8),
                    Evidence::Corpus { .. } => 8 + 1 + 8 + 1,
                    Evidence::DuplicateParagraph { of, .. } => 4 + of.len() + 8,
                },
            }
        })
        .sum::<usize>()
}

fn put_span(out: &mut Vec<u8>, s: Span) {
    out.extend_from_slice(&(s.start as u32).to_le_bytes());
    out.extend_from_slice(&(s.end as u32).to_le_bytes());
}

fn put_option(out: &mut Vec<u8>, x: Option<f64>) {
    match x {
        Some(v) => {
            out.push(1);
            out.extend_from_slice(&v.to_le_bytes());
        }
        None => out.push(0),
    }
}

/// The blocks [`write`] wrote; `None` when `bytes` is not such a table (the
/// scanner reads back only what it wrote).
pub(super) fn read(bytes: &[u8]) -> Option<Vec<Block>> {
    read_with(&mut Reader::new(bytes)).ok()
}

fn read_with(r: &mut Reader) -> Result<Vec<Block>> {
    let bad = || Error::Sketch("not a block table".into());
    let span = |r: &mut Reader| -> Result<Span> {
        Ok(Span {
            start: r.u32()? as usize,
            end: r.u32()? as usize,
        })
    };
    let form = |r: &mut Reader| FORMS.get(r.u8()? as usize).copied().ok_or_else(bad);
    // Every block takes at least 26 bytes.
    let n = r.len(26)?;
    let mut blocks = Vec::with_capacity(n);
    for _ in 0..n {
        let span_ = span(r)?;
        let (start, end) = (r.u32()?, r.u32()?);
        let key = r.u64()?;
        let form_ = form(r)?;
        let status = match r.u8()? {
            CONTENT => Status::Content,
            tag => Status::Removed(Box::new(match tag {
                REPEATED => Evidence::Repeated { first: span(r)? },
                CLASSIFIER => Evidence::Classifier {
                    class: CLASSES.get(r.u8()? as usize).copied().ok_or_else(bad)?,
                    words: r.u32()?,
                    stopword_density: match r.flag()? {
                        true => Some(f64::from_bits(r.u64()?)),
                        false => None,
                    },
                },
                CORPUS => Evidence::Corpus {
                    documents: usize::try_from(r.u64()?).map_err(|_| bad())?,
                    form: form(r)?,
                    edge_share: f64::from_bits(r.u64()?),
                    within_site: r.flag()?,
                },
                DUPLICATE_PARAGRAPH => {
                    let len = r.len(1)?;
                    let of = String::from_utf8(r.take(len)?.to_vec()).map_err(|_| bad())?;
                    Evidence::DuplicateParagraph {
                        of,
                        first: span(r)?,
                    }
                }
                _ => return Err(bad()),
            })),
        };
        blocks.push(Block {
            span: span_,
            start,
            end,
            key,
            form: form_,
            status,
        });
    }
    if r.done() {
        Ok(blocks)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(i: u32, status: Status) -> Block {
        Block {
            span: Span {
                start: 10 * i as usize,
                end: 10 * i as usize + 9,
            },
            start: 3 * i,
            end: 3 * i + 3,
            key: u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            form: FORMS[i as usize % 3],
            status,
        }
    }

    #[test]
    fn every_status_reads_back_as_written() {
        let span = Span { start: 4, end: 99 };
        let evidence = [
            Evidence::Repeated { first: span },
            Evidence::Classifier {
                class: Class::NearGood,
                words: 7,
                stopword_density: Some(0.125),
            },
            Evidence::Classifier {
                class: Class::Bad,
                words: 0,
                stopword_density: None,
            },
            Evidence::Corpus {
                documents: 123_456,
                form: Form::Sentence,
                edge_share: 0.875,
                within_site: true,
            },
            Evidence::DuplicateParagraph {
                of: "doc \u{e9}t\u{e9}".into(),
                first: span,
            },
        ];
        let mut blocks = vec![block(0, Status::Content)];
        for (i, e) in evidence.into_iter().enumerate() {
            blocks.push(block(i as u32 + 1, Status::Removed(Box::new(e))));
            blocks.push(block(i as u32 + 10, Status::Content));
        }
        let mut bytes = vec![0xAA];
        write(&blocks, &mut bytes);
        assert_eq!(bytes.len(), 1 + encoded_len(&blocks));
        assert_eq!(read(&bytes[1..]).unwrap(), blocks);
        assert_eq!(read(&[0, 0, 0, 0]).unwrap(), Vec::new());
        // Cut short or run on, it is refused.
        assert!(read(&bytes[1..bytes.len() - 1]).is_none());
        bytes.push(0);
        assert!(read(&bytes[1..]).is_none());
    }
}
