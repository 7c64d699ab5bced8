//! The binary forms of what the index stores: little-endian fields in a
//! fixed order, lists preceded by their length, optional fields by a
//! presence byte. Every reader refuses a short or over-long record.
//!
//! Every stored value carries a checksum (xxh3) of its table, its key and
//! its bytes, checked on every read: a damaged byte in a record, or a record
//! under a key that is not its own, is refused as damage rather than read
//! as a different document, posting or count. Records with a body (`&[u8]`
//! values) end in the 64-bit sum; the fixed-width values (ids, counters,
//! postings, which are many and small) carry its low 32 bits as their last
//! field.

use doublet::clean::Form;
use doublet::parts::Gist;
use doublet::pipeline::prior::{BlockHistory, Earlier, EarlierCopy, Tally};
use doublet::sketch::Signature;
use doublet::Relation;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::Fault;

type Result<T, E = Fault> = std::result::Result<T, E>;

/// The tables whose values are checksummed, mixed into each sum so that a
/// value cannot pass for another table's.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Table {
    Docs = 1,
    Ids,
    Exact,
    Bands,
    Anchors,
    Sketches,
    Content,
    Gists,
    Blocks,
    Counters,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Docs => "document",
            Table::Ids => "id",
            Table::Exact => "exact key",
            Table::Bands => "band posting",
            Table::Anchors => "anchor posting",
            Table::Sketches => "sketch",
            Table::Content => "content",
            Table::Gists => "gist",
            Table::Blocks => "block",
            Table::Counters => "counter",
        }
    }
}

/// The checksum of `payload` stored under `key` in `table`.
fn sum(table: Table, key: &[u8], payload: &[u8]) -> u64 {
    xxh3_64_with_seed(payload, xxh3_64_with_seed(key, table as u64))
}

/// A record's bytes followed by their checksum, as stored.
pub(crate) fn seal(table: Table, key: &[u8], mut payload: Vec<u8>) -> Vec<u8> {
    let s = sum(table, key, &payload);
    payload.extend_from_slice(&s.to_le_bytes());
    payload
}

/// The record's bytes, once its checksum holds.
pub(crate) fn unseal<'a>(table: Table, key: &[u8], stored: &'a [u8]) -> Result<&'a [u8]> {
    let damaged = || {
        Fault::Corrupt(format!(
            "the {} record under key {} fails its checksum",
            table.name(),
            shown(key)
        ))
    };
    let at = stored.len().checked_sub(8).ok_or_else(damaged)?;
    let (payload, tail) = stored.split_at(at);
    let mut s = [0u8; 8];
    s.copy_from_slice(tail);
    if u64::from_le_bytes(s) != sum(table, key, payload) {
        return Err(damaged());
    }
    Ok(payload)
}

/// The low 32 bits of the checksum of a fixed-width value's fields.
fn sum32(table: Table, key: &[u8], fields: &[u8]) -> u32 {
    sum(table, key, fields) as u32
}

fn verify32(table: Table, key: &[u8], fields: &[u8], stored: u32) -> Result<()> {
    if sum32(table, key, fields) == stored {
        Ok(())
    } else {
        Err(Fault::Corrupt(format!(
            "the {} under key {} fails its checksum",
            table.name(),
            shown(key)
        )))
    }
}

/// A key for a message: text as text, numbers as numbers.
fn shown(key: &[u8]) -> String {
    match key.len() {
        8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(key);
            u64::from_le_bytes(b).to_string()
        }
        16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(key);
            format!("{:032x}", u128::from_le_bytes(b))
        }
        _ => format!("{:?}", String::from_utf8_lossy(key)),
    }
}

/// A document's seq as stored under its id.
pub(crate) fn id_entry(id: &str, seq: u64) -> (u64, u32) {
    (seq, sum32(Table::Ids, id.as_bytes(), &seq.to_le_bytes()))
}

pub(crate) fn id_of(id: &str, (seq, check): (u64, u32)) -> Result<u64> {
    verify32(Table::Ids, id.as_bytes(), &seq.to_le_bytes(), check)?;
    Ok(seq)
}

/// A counter as stored.
pub(crate) fn counter(name: &str, n: u64) -> (u64, u32) {
    (n, sum32(Table::Counters, name.as_bytes(), &n.to_le_bytes()))
}

pub(crate) fn counter_of(name: &str, (n, check): (u64, u32)) -> Result<u64> {
    verify32(Table::Counters, name.as_bytes(), &n.to_le_bytes(), check)?;
    Ok(n)
}

fn band_fields(exact: u128, seq: u64) -> [u8; 24] {
    let mut f = [0u8; 24];
    f[..16].copy_from_slice(&exact.to_le_bytes());
    f[16..].copy_from_slice(&seq.to_le_bytes());
    f
}

/// A band posting as stored under its band key: the holder's exact key
/// (so that a giant bucket is read in exact-key order) and seq.
pub(crate) fn band(key: u64, exact: u128, seq: u64) -> (u128, u64, u32) {
    let check = sum32(Table::Bands, &key.to_le_bytes(), &band_fields(exact, seq));
    (exact, seq, check)
}

pub(crate) fn band_of(key: u64, (exact, seq, check): (u128, u64, u32)) -> Result<(u128, u64)> {
    verify32(
        Table::Bands,
        &key.to_le_bytes(),
        &band_fields(exact, seq),
        check,
    )?;
    Ok((exact, seq))
}

fn anchor_fields(seq: u64, tau: u64, n: u32) -> [u8; 20] {
    let mut f = [0u8; 20];
    f[..8].copy_from_slice(&seq.to_le_bytes());
    f[8..16].copy_from_slice(&tau.to_le_bytes());
    f[16..].copy_from_slice(&n.to_le_bytes());
    f
}

/// An anchor posting as stored under its anchor hash: the holder's seq,
/// its anchor threshold τ and its anchor count.
pub(crate) fn anchor(hash: u64, seq: u64, tau: u64, n: u32) -> (u64, u64, u32, u32) {
    let check = sum32(
        Table::Anchors,
        &hash.to_le_bytes(),
        &anchor_fields(seq, tau, n),
    );
    (seq, tau, n, check)
}

pub(crate) fn anchor_of(
    hash: u64,
    (seq, tau, n, check): (u64, u64, u32, u32),
) -> Result<(u64, u64, u32)> {
    verify32(
        Table::Anchors,
        &hash.to_le_bytes(),
        &anchor_fields(seq, tau, n),
        check,
    )?;
    Ok((seq, tau, n))
}

/// Appends fields to a record.
#[derive(Default)]
pub(crate) struct Put(pub(crate) Vec<u8>);

impl Put {
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn f64(&mut self, v: f64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn u128(&mut self, v: u128) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn str(&mut self, v: &str) -> &mut Self {
        self.u32(v.len() as u32);
        self.0.extend_from_slice(v.as_bytes());
        self
    }
    pub(crate) fn opt_i64(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.u8(1).i64(v),
            None => self.u8(0),
        }
    }
    pub(crate) fn opt_u128(&mut self, v: Option<u128>) -> &mut Self {
        match v {
            Some(v) => self.u8(1).u128(v),
            None => self.u8(0),
        }
    }
}

/// Reads fields of a record in order.
pub(crate) struct Take<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> Take<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Take { bytes, at: 0, what }
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(Fault::Corrupt(format!("{} record is truncated", self.what)));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.bytes(4)?.try_into().unwrap_or_default(),
        ))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.bytes(8)?.try_into().unwrap_or_default(),
        ))
    }
    pub(crate) fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(
            self.bytes(8)?.try_into().unwrap_or_default(),
        ))
    }
    pub(crate) fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(
            self.bytes(8)?.try_into().unwrap_or_default(),
        ))
    }
    pub(crate) fn u128(&mut self) -> Result<u128> {
        Ok(u128::from_le_bytes(
            self.bytes(16)?.try_into().unwrap_or_default(),
        ))
    }
    pub(crate) fn str(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.bytes(n)?.to_vec())
            .map_err(|_| Fault::Corrupt(format!("{} record holds invalid UTF-8", self.what)))
    }
    pub(crate) fn opt_i64(&mut self) -> Result<Option<i64>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.i64()?),
        })
    }
    pub(crate) fn opt_u128(&mut self) -> Result<Option<u128>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.u128()?),
        })
    }
    pub(crate) fn end(self) -> Result<()> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(Fault::Corrupt(format!("{} record is too long", self.what)))
        }
    }
}

/// One document as the index records it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DocRecord {
    pub(crate) id: String,
    /// When it was added (Unix seconds).
    pub(crate) added: i64,
    /// Its own time (`--time-field`), Unix seconds.
    pub(crate) time: Option<i64>,
    /// Kept when it was added.
    pub(crate) kept: bool,
    /// The exact key it holds first (so later copies follow it).
    pub(crate) first_of_key: Option<u128>,
    /// Later documents are measured against it.
    pub(crate) candidate: bool,
    /// It is a holder in some block's history (its gist is stored).
    pub(crate) gist: bool,
}

impl DocRecord {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut p = Put::default();
        p.str(&self.id)
            .i64(self.added)
            .opt_i64(self.time)
            .u8(u8::from(self.kept) | u8::from(self.candidate) << 1 | u8::from(self.gist) << 2)
            .opt_u128(self.first_of_key);
        p.0
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<DocRecord> {
        let mut t = Take::new(bytes, "document");
        let id = t.str()?;
        let added = t.i64()?;
        let time = t.opt_i64()?;
        let flags = t.u8()?;
        let first_of_key = t.opt_u128()?;
        t.end()?;
        Ok(DocRecord {
            id,
            added,
            time,
            kept: flags & 1 != 0,
            candidate: flags & 2 != 0,
            gist: flags & 4 != 0,
            first_of_key,
        })
    }
}

fn relation_code(r: Relation) -> u8 {
    match r {
        Relation::Exact => 0,
        Relation::NearDuplicate => 1,
        Relation::Contained => 2,
    }
}

fn relation_of(code: u8) -> Result<Relation> {
    Ok(match code {
        0 => Relation::Exact,
        1 => Relation::NearDuplicate,
        2 => Relation::Contained,
        c => return Err(Fault::Corrupt(format!("unknown relation code {c}"))),
    })
}

pub(crate) fn encode_copy(c: &EarlierCopy) -> Vec<u8> {
    let mut p = Put::default();
    p.u64(c.holder.seq).str(&c.holder.id);
    match &c.removed {
        None => {
            p.u8(0);
        }
        Some((target, relation, j, cont)) => {
            p.u8(1)
                .u64(target.seq)
                .str(&target.id)
                .u8(relation_code(*relation))
                .f64(*j)
                .f64(*cont);
        }
    }
    p.0
}

pub(crate) fn decode_copy(bytes: &[u8]) -> Result<EarlierCopy> {
    let mut t = Take::new(bytes, "exact key");
    let holder = Earlier {
        seq: t.u64()?,
        id: t.str()?,
    };
    let removed = match t.u8()? {
        0 => None,
        _ => {
            let target = Earlier {
                seq: t.u64()?,
                id: t.str()?,
            };
            Some((target, relation_of(t.u8()?)?, t.f64()?, t.f64()?))
        }
    };
    t.end()?;
    Ok(EarlierCopy { holder, removed })
}

pub(crate) fn encode_gist(g: &Gist) -> Vec<u8> {
    let mut p = Put::default();
    p.u64(g.words as u64);
    match &g.signature {
        Some(s) => {
            p.u8(1).u32(s.values().len() as u32);
            for &v in s.values() {
                p.u32(v);
            }
        }
        None => {
            p.u8(0);
        }
    }
    p.0
}

pub(crate) fn decode_gist(bytes: &[u8]) -> Result<Gist> {
    let mut t = Take::new(bytes, "gist");
    let words = t.u64()? as usize;
    let signature = match t.u8()? {
        0 => None,
        _ => {
            let n = t.u32()? as usize;
            let values = (0..n).map(|_| t.u32()).collect::<Result<Vec<u32>>>()?;
            Some(Signature::from_values(values))
        }
    };
    t.end()?;
    Ok(Gist { signature, words })
}

fn form_code(f: Option<Form>) -> u8 {
    match f {
        None => 0,
        Some(Form::Formulaic) => 1,
        Some(Form::Sentence) => 2,
        Some(Form::Paragraph) => 3,
    }
}

fn form_of(code: u8) -> Result<Option<Form>> {
    Ok(match code {
        0 => None,
        1 => Some(Form::Formulaic),
        2 => Some(Form::Sentence),
        3 => Some(Form::Paragraph),
        c => return Err(Fault::Corrupt(format!("unknown block form {c}"))),
    })
}

pub(crate) fn encode_history(h: &BlockHistory) -> Vec<u8> {
    let mut p = Put::default();
    let v = &h.votes;
    p.u64(v.documents)
        .u64(v.voters)
        .u64(v.at_edge)
        .u8(form_code(v.form));
    p.u32(h.across.len() as u32);
    for &s in &h.across {
        p.u64(s);
    }
    p.u32(h.sites.len() as u32);
    for (site, leaders) in &h.sites {
        p.str(site).u32(leaders.len() as u32);
        for &s in leaders {
            p.u64(s);
        }
    }
    p.0
}

pub(crate) fn decode_history(bytes: &[u8]) -> Result<BlockHistory> {
    let mut t = Take::new(bytes, "block");
    let votes = Tally {
        documents: t.u64()?,
        voters: t.u64()?,
        at_edge: t.u64()?,
        form: form_of(t.u8()?)?,
    };
    let n = t.u32()? as usize;
    let across = (0..n).map(|_| t.u64()).collect::<Result<Vec<u64>>>()?;
    let n = t.u32()? as usize;
    let mut sites = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let site = t.str()?;
        let m = t.u32()? as usize;
        sites.push((site, (0..m).map(|_| t.u64()).collect::<Result<Vec<u64>>>()?));
    }
    t.end()?;
    Ok(BlockHistory {
        across,
        sites,
        votes,
    })
}

/// Content tokens as stored: 32-bit little-endian words.
pub(crate) fn encode_tokens(tokens: &[u32]) -> Vec<u8> {
    tokens.iter().flat_map(|t| t.to_le_bytes()).collect()
}

pub(crate) fn decode_tokens(bytes: &[u8]) -> Result<Vec<u32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(Fault::Corrupt("content record is truncated".into()));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_refuses_any_flipped_bit_and_a_record_under_another_key() {
        let sealed = seal(Table::Content, &7u64.to_le_bytes(), vec![1, 2, 3, 4, 5]);
        assert_eq!(
            unseal(Table::Content, &7u64.to_le_bytes(), &sealed).unwrap(),
            [1, 2, 3, 4, 5]
        );
        for byte in 0..sealed.len() {
            for bit in 0..8 {
                let mut damaged = sealed.clone();
                damaged[byte] ^= 1 << bit;
                assert!(unseal(Table::Content, &7u64.to_le_bytes(), &damaged).is_err());
            }
        }
        assert!(unseal(Table::Content, &8u64.to_le_bytes(), &sealed).is_err());
        assert!(unseal(Table::Sketches, &7u64.to_le_bytes(), &sealed).is_err());
        assert!(unseal(Table::Content, &7u64.to_le_bytes(), &sealed[..4]).is_err());

        let posting = band(11, 5, 9);
        assert_eq!(band_of(11, posting).unwrap(), (5, 9));
        assert!(band_of(12, posting).is_err());
        assert!(band_of(11, (5, 10, posting.2)).is_err());
        let posting = anchor(3, 4, 5, 6);
        assert_eq!(anchor_of(3, posting).unwrap(), (4, 5, 6));
        assert!(anchor_of(3, (4, 5, 7, posting.3)).is_err());
        assert_eq!(id_of("a", id_entry("a", 3)).unwrap(), 3);
        assert!(id_of("b", id_entry("a", 3)).is_err());
        assert_eq!(counter_of("kept", counter("kept", 9)).unwrap(), 9);
        assert!(counter_of("kept", (10, counter("kept", 9).1)).is_err());
    }

    #[test]
    fn records_read_back_as_written_and_refuse_truncation() {
        let d = DocRecord {
            id: "é-1".into(),
            added: 1_700_000_000,
            time: Some(-5),
            kept: true,
            first_of_key: Some(u128::MAX - 3),
            candidate: true,
            gist: false,
        };
        let bytes = d.encode();
        assert_eq!(DocRecord::decode(&bytes).unwrap(), d);
        assert!(DocRecord::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(DocRecord::decode(&long).is_err());

        let c = EarlierCopy {
            holder: Earlier {
                seq: 3,
                id: "a".into(),
            },
            removed: Some((
                Earlier {
                    seq: 1,
                    id: "b".into(),
                },
                Relation::Contained,
                0.25,
                0.9,
            )),
        };
        assert_eq!(decode_copy(&encode_copy(&c)).unwrap(), c);
        let h = BlockHistory {
            across: vec![1, 5],
            sites: vec![("x.org".into(), vec![2])],
            votes: Tally {
                documents: 4,
                voters: 3,
                at_edge: 2,
                form: Some(Form::Sentence),
            },
        };
        assert_eq!(decode_history(&encode_history(&h)).unwrap(), h);
        assert_eq!(
            decode_tokens(&encode_tokens(&[1, u32::MAX])).unwrap(),
            [1, u32::MAX]
        );
    }
}
