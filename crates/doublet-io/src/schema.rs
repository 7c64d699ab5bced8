//! The schema of a Parquet output, planned before any row is written.
//!
//! A Parquet column has one type, and a value passed through must come out
//! as it went in. So the output's schema is settled from the inputs first:
//! the Parquet inputs' footers (read before any row, so shards that cannot
//! share a column are refused at once) and every JSON Lines record (seen
//! during the first pass, so a value no column can hold stops that pass at
//! its line). The rules, one per kind of value:
//!
//! * **Parquet columns** keep their Arrow type. Shards that differ are
//!   joined by name, in the order first seen, and a column's types must be
//!   equal or one must hold every value of the other exactly: a wider
//!   integer (signed from unsigned only when wider), a wider float, a float
//!   from an integer of at most 32 bits, a decimal wide enough for both
//!   (`decimal128(38, 0)` holds any `int64`), `large_utf8` for different
//!   string layouts, a dictionary's values. Anything else (`uint64` and
//!   `double`, `timestamp[ns]` and a string, timestamps in different units
//!   or zones) is refused, naming the column and both files.
//! * **JSON numbers** take the narrowest type that holds every value of the
//!   field exactly: `int64` when all are integers within it, `uint64` when
//!   all are non-negative integers within that, a double when every value
//!   reads back from a double as the same number (`0.1`, `1e300`, `-0`),
//!   else a decimal (`decimal128(38, s)`, or `decimal256(76, s)` past 38
//!   digits) with the scale of the most fractional value. A value that none
//!   holds (`1e400`, 80 digits) stops the run naming the field, file and
//!   line. Integer and decimal columns write `-0` as `0`.
//! * **JSON strings** are strings; a field that is a string in one record
//!   and a number or a boolean in another is a string column holding each
//!   value as written (`1.50` stays `"1.50"`).
//! * **JSON objects** are structs, their fields in the order first seen;
//!   **arrays** are lists of their elements' type. A field that is an
//!   object (or an array) in one record and anything else but null in
//!   another stops the run, naming the field and both lines.
//! * The id and text are strings (as JSON Lines outputs write them); the id
//!   column keeps a Parquet input's integer type unless ids were renamed
//!   (`--allow-duplicate-ids`) or inputs disagree, when it is a string.
//!
//! Every field is nullable where some input lacks it or holds a null.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, Decimal256Builder, Float64Builder, Int64Builder,
    LargeStringBuilder, StringBuilder, StringViewBuilder, UInt64Builder,
};
use arrow_array::{new_null_array, Array, ArrayRef, LargeListArray, ListArray, StructArray};
use arrow_buffer::{i256, NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Fields as ArrowFields, Schema, SchemaRef};
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::readers::{Fields, Input, RawObject, Record};

/// Digits a `decimal128` holds.
const DECIMAL128_DIGITS: u32 = 38;
/// Digits a `decimal256` holds.
const DECIMAL256_DIGITS: u32 = 76;

/// Where a type was first seen, for messages: `FILE:LINE`, `FILE: row N`,
/// or a Parquet file's footer.
type Place = String;

/// The planned type of one field, as the inputs have shown it so far.
#[derive(Clone, Debug)]
struct Slot {
    name: String,
    node: Node,
    nullable: bool,
}

#[derive(Clone, Debug)]
enum Node {
    /// Only nulls so far.
    Null,
    /// Values that are neither objects nor arrays.
    Leaf(Box<Leaf>),
    /// A JSON object or an Arrow struct, its fields in the order first seen.
    Object(Vec<Slot>, Place),
    /// A JSON array or an Arrow list (`large` for `large_list`).
    List(Box<Slot>, bool, Place),
}

#[derive(Clone, Debug, Default)]
struct Leaf {
    /// A Parquet column's type, and the file it came from.
    arrow: Option<(DataType, Place)>,
    /// JSON strings and booleans: where each was first seen.
    strings: Option<Place>,
    bools: Option<Place>,
    numbers: Option<Numbers>,
}

/// What the JSON numbers of one field need.
#[derive(Clone, Debug)]
struct Numbers {
    first: Place,
    /// Every value an integer within `int64` (or `uint64`).
    i64: bool,
    u64: bool,
    integers: bool,
    /// The first value a double does not hold exactly.
    not_double: Option<Place>,
    /// Digits left of the point and right of it, at most.
    int_digits: u32,
    scale: u32,
    /// The value with the most digits, and where.
    widest: (u32, Place),
}

/// A JSON number's value: its digits (no leading or trailing zeros),
/// times ten to `exp`.
#[derive(Debug, PartialEq)]
struct Decimal {
    negative: bool,
    digits: String,
    exp: i64,
}

impl Decimal {
    /// The value of a JSON number as written; `None` for text that is not
    /// one.
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let all: String = format!("{int}{frac}");
        let exp = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
        let trimmed = all.trim_start_matches('0');
        let kept = trimmed.trim_end_matches('0');
        let exp = exp.checked_add(i64::try_from(trimmed.len() - kept.len()).ok()?)?;
        Some(Decimal {
            negative,
            digits: kept.to_owned(),
            exp: if kept.is_empty() { 0 } else { exp },
        })
    }

    /// Digits left of the decimal point.
    fn int_digits(&self) -> i64 {
        (self.digits.len() as i64).saturating_add(self.exp).max(0)
    }

    /// Digits right of the decimal point.
    fn scale(&self) -> i64 {
        self.exp.saturating_neg().max(0)
    }

    /// The value times ten to `scale`, as decimal digits with a sign, when
    /// it is a whole number with at most `max` digits.
    fn scaled(&self, scale: u32, max: u32) -> Option<String> {
        let exp = self.exp.checked_add(i64::from(scale))?;
        if exp < 0 {
            return None;
        }
        let width = (self.digits.len() as i64).checked_add(exp)?;
        if self.digits.is_empty() {
            return Some("0".into());
        }
        if width > i64::from(max) {
            return None;
        }
        let mut s = String::with_capacity(width as usize + 1);
        if self.negative {
            s.push('-');
        }
        s.push_str(&self.digits);
        s.extend(std::iter::repeat_n('0', exp as usize));
        Some(s)
    }

    /// Whether a double holds this value exactly: the double nearest to it
    /// reads back as the same number (what every Parquet reader prints).
    fn is_double(&self, text: &str) -> bool {
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Decimal::parse(&format!("{f:e}")).is_some_and(|d| d == *self),
            _ => false,
        }
    }
}

impl Numbers {
    fn new(first: Place) -> Numbers {
        Numbers {
            first: first.clone(),
            i64: true,
            u64: true,
            integers: true,
            not_double: None,
            int_digits: 0,
            scale: 0,
            widest: (0, first),
        }
    }

    /// Take one number; `Err` with why no Parquet type holds it.
    fn add(&mut self, text: &str, place: &str) -> std::result::Result<(), String> {
        let d = Decimal::parse(text).ok_or_else(|| format!("{text} is not a number"))?;
        let (int, scale) = (d.int_digits(), d.scale());
        let width = int.saturating_add(scale);
        let double = d.is_double(text);
        if width > i64::from(DECIMAL256_DIGITS) && !double {
            return Err(format!(
                "the number {} needs {width} digits, more than a decimal holds ({DECIMAL256_DIGITS}), and a double would change it",
                crate::quoted(text)
            ));
        }
        if scale > 0 {
            self.integers = false;
        }
        match d.scaled(0, 20).and_then(|s| s.parse::<i128>().ok()) {
            Some(n) if scale == 0 => {
                self.i64 &= i64::try_from(n).is_ok();
                self.u64 &= u64::try_from(n).is_ok();
            }
            _ => {
                self.i64 = false;
                self.u64 = false;
            }
        }
        if !double && self.not_double.is_none() {
            self.not_double = Some(place.to_owned());
        }
        let (int, scale) = (
            u32::try_from(int).unwrap_or(u32::MAX),
            u32::try_from(scale).unwrap_or(u32::MAX),
        );
        self.int_digits = self.int_digits.max(int);
        self.scale = self.scale.max(scale);
        let width = int.saturating_add(scale);
        if width > self.widest.0 {
            self.widest = (width, place.to_owned());
        }
        Ok(())
    }

    fn merge(&mut self, other: &Numbers) {
        self.i64 &= other.i64;
        self.u64 &= other.u64;
        self.integers &= other.integers;
        if self.not_double.is_none() {
            self.not_double.clone_from(&other.not_double);
        }
        self.int_digits = self.int_digits.max(other.int_digits);
        self.scale = self.scale.max(other.scale);
        if other.widest.0 > self.widest.0 {
            self.widest = other.widest.clone();
        }
    }

    /// The narrowest type holding every value exactly.
    fn data_type(&self) -> std::result::Result<DataType, String> {
        if self.integers && self.i64 {
            return Ok(DataType::Int64);
        }
        if self.integers && self.u64 {
            return Ok(DataType::UInt64);
        }
        // Fractions are doubles where a double holds them; integers past
        // uint64 stay integers in a decimal when one holds them.
        if !self.integers && self.not_double.is_none() {
            return Ok(DataType::Float64);
        }
        let digits = self.int_digits.saturating_add(self.scale);
        // The scale is at most the digits, so at most 76 here.
        let scale = i8::try_from(self.scale).unwrap_or(i8::MAX);
        if digits <= DECIMAL128_DIGITS {
            Ok(DataType::Decimal128(DECIMAL128_DIGITS as u8, scale))
        } else if digits <= DECIMAL256_DIGITS {
            Ok(DataType::Decimal256(DECIMAL256_DIGITS as u8, scale))
        } else if self.not_double.is_none() {
            Ok(DataType::Float64)
        } else {
            Err(format!(
                "its numbers need {digits} digits together ({} left of the point, {} right of it, the widest at {}), more than a decimal holds ({DECIMAL256_DIGITS}), and a double would change {}",
                self.int_digits,
                self.scale,
                self.widest.1,
                self.not_double.as_deref().unwrap_or(&self.first)
            ))
        }
    }
}

/// The exact join of two Arrow types: a type that holds every value of
/// both unchanged, or `None`.
pub fn unify(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if a == b {
        return Some(a.clone());
    }
    let int = |t: &DataType| match t {
        Int8 => Some((true, 8)),
        Int16 => Some((true, 16)),
        Int32 => Some((true, 32)),
        Int64 => Some((true, 64)),
        UInt8 => Some((false, 8)),
        UInt16 => Some((false, 16)),
        UInt32 => Some((false, 32)),
        UInt64 => Some((false, 64)),
        _ => None,
    };
    let signed = |bits| match bits {
        8 => Int8,
        16 => Int16,
        32 => Int32,
        _ => Int64,
    };
    let float = |t: &DataType| match t {
        Float16 => Some(16),
        Float32 => Some(32),
        Float64 => Some(64),
        _ => None,
    };
    // Decimal digits an integer type needs.
    let int_digits = |(signed, bits): (bool, u32)| match (signed, bits) {
        (_, 8) => 3,
        (_, 16) => 5,
        (_, 32) => 10,
        (true, _) => 19,
        (false, _) => 20,
    };
    let decimal = |t: &DataType| match t {
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            Some((i32::from(*p), i32::from(*s)))
        }
        _ => int(t).map(|i| (int_digits(i), 0)),
    };
    match (a, b) {
        (Null, t) | (t, Null) => Some(t.clone()),
        (Dictionary(_, v), t) | (t, Dictionary(_, v)) => unify(v, t),
        _ if int(a).is_some() && int(b).is_some() => {
            let ((sa, ba), (sb, bb)) = (int(a)?, int(b)?);
            match (sa, sb) {
                (true, true) | (false, false) => Some(if ba >= bb { a.clone() } else { b.clone() }),
                // Signed holds unsigned only when wider.
                (true, false) if ba > bb => Some(a.clone()),
                (false, true) if bb > ba => Some(b.clone()),
                (true, false) | (false, true) => {
                    let wider = ba.max(bb) * 2;
                    (wider <= 64).then(|| signed(wider))
                }
            }
        }
        _ if float(a).is_some() && float(b).is_some() => Some(if float(a)? >= float(b)? {
            a.clone()
        } else {
            b.clone()
        }),
        // A double holds every integer of up to 32 bits.
        (f, i) | (i, f) if float(f) == Some(64) && int(i).is_some_and(|(_, bits)| bits <= 32) => {
            Some(Float64)
        }
        _ if decimal(a).is_some() && decimal(b).is_some() => {
            let ((pa, sa), (pb, sb)) = (decimal(a)?, decimal(b)?);
            let scale = sa.max(sb);
            let digits = (pa - sa).max(pb - sb) + scale;
            if scale < 0 {
                return None;
            }
            if digits <= DECIMAL128_DIGITS as i32 {
                Some(Decimal128(DECIMAL128_DIGITS as u8, scale as i8))
            } else if digits <= DECIMAL256_DIGITS as i32 {
                Some(Decimal256(DECIMAL256_DIGITS as u8, scale as i8))
            } else {
                None
            }
        }
        (Utf8 | LargeUtf8 | Utf8View, Utf8 | LargeUtf8 | Utf8View) => Some(LargeUtf8),
        (Binary | LargeBinary | BinaryView, Binary | LargeBinary | BinaryView) => Some(LargeBinary),
        _ => None,
    }
}

/// The output schema being planned: fed the Parquet inputs' footers and
/// the records of the first pass, then [`Planner::finish`]ed.
#[derive(Debug)]
pub struct Planner {
    fields: Fields,
    /// The Parquet inputs' schemas by the name their records carry, not
    /// yet merged (a file is merged when its first record is seen, so
    /// columns come in read order; the rest at the end).
    footers: Vec<(PathBuf, SchemaRef)>,
    merged: HashSet<PathBuf>,
    root: Vec<Slot>,
    /// Where a Parquet id column was an integer, and whether ids were
    /// renamed (which an integer column cannot hold).
    renamed: bool,
}

/// What to do about a value the plan cannot hold.
fn hint(message: String) -> String {
    format!("{message}; a Parquet output could not hold it exactly (write JSON Lines instead, or make the field one type)")
}

/// A refusal of the plan, naming where.
fn refused(place: &str, message: String) -> String {
    format!("{place}: {}", hint(message))
}

impl Planner {
    /// Start a plan from the inputs' Parquet footers, refusing shards whose
    /// columns cannot share one type before any row is read.
    pub fn new(inputs: &[Input], fields: &Fields) -> Result<Planner> {
        let footers = crate::readers::parquet_schemas(inputs, fields.select.as_ref())?;
        let mut check = Vec::new();
        for (path, schema) in &footers {
            merge_arrow(&mut check, schema.fields(), &footer_place(path), true).map_err(
                |message| Error::Unsupported {
                    path: path.clone(),
                    message,
                },
            )?;
        }
        Ok(Planner {
            fields: fields.clone(),
            footers,
            merged: HashSet::new(),
            root: Vec::new(),
            renamed: false,
        })
    }

    /// The plan of `inputs`, by reading them once to that end (for front
    /// ends without a first pass of their own to feed
    /// [`Planner::observe`]); records that do not parse are left out, as
    /// a scan that skips them leaves them out.
    pub fn by_reading(inputs: &[Input], fields: &Fields) -> Result<Plan> {
        let mut planner = Planner::new(inputs, fields)?;
        let fields = Fields {
            only: Some(Vec::new()),
            ..fields.clone()
        };
        for record in crate::readers::records(inputs.to_vec(), fields) {
            match record {
                Ok(r) => planner.observe(&r)?,
                Err(e) if e.is_record_error() => {}
                Err(e) => return Err(e),
            }
        }
        planner.finish()
    }

    /// Take one record of the first pass: its fields as the output will
    /// write them (JSON Lines records), or its file's columns (Parquet).
    /// `Err` names the record when no Parquet column can hold a value.
    pub fn observe(&mut self, record: &Record) -> Result<()> {
        let place = record.origin.to_string();
        if record.row.is_some() || record.origin.row.is_some() {
            self.renamed |= record.renamed_from.is_some();
            return self.merge_footer(&record.origin.path);
        }
        let mut object = record.extra.clone().unwrap_or_default();
        object.insert_str_path(&self.fields.id, &record.id);
        object.insert_str_path(&self.fields.text, "");
        merge_object(&mut self.root, &object, &place).map_err(|message| {
            let o = &record.origin;
            Error::Line {
                path: o.path.clone(),
                line: o.line.unwrap_or(0),
                message: hint(message),
            }
        })
    }

    fn merge_footer(&mut self, path: &Path) -> Result<()> {
        if self.merged.contains(path) {
            return Ok(());
        }
        let Some((_, schema)) = self.footers.iter().find(|(p, _)| p == path) else {
            return Ok(());
        };
        let schema = schema.clone();
        self.merged.insert(path.to_owned());
        let first = self.merged.len() == 1 && self.root.is_empty();
        merge_arrow(&mut self.root, schema.fields(), &footer_place(path), first).map_err(
            |message| Error::Unsupported {
                path: path.to_owned(),
                message,
            },
        )
    }

    /// The planned schema (before the fields an output adds).
    pub fn finish(mut self) -> Result<Plan> {
        let rest: Vec<PathBuf> = self
            .footers
            .iter()
            .map(|(p, _)| p.clone())
            .filter(|p| !self.merged.contains(p))
            .collect();
        for path in rest {
            self.merge_footer(&path)?;
        }
        for path in [self.fields.id.clone(), self.fields.text.clone()] {
            if find_path(&self.root, &path).is_none() {
                self.root.push(Slot {
                    name: path,
                    node: Node::Leaf(Box::new(Leaf {
                        strings: Some(String::new()),
                        ..Leaf::default()
                    })),
                    nullable: true,
                });
            }
        }
        // Ids are strings (JSON Lines records write theirs so), unless
        // every input is Parquet with one integer id type and no id was
        // renamed.
        let id_path = self.fields.id.clone();
        let renamed = self.renamed;
        if let Some(slot) = find_path_mut(&mut self.root, &id_path) {
            if let Node::Leaf(leaf) = &mut slot.node {
                let integers = leaf.strings.is_none() && !renamed;
                let keep = match &leaf.arrow {
                    Some((t, _)) if t.is_integer() => integers,
                    Some((t, _)) => crate::tables::is_string(t),
                    None => false,
                };
                leaf.numbers = None;
                leaf.bools = None;
                if !keep {
                    leaf.arrow = None;
                    leaf.strings.get_or_insert_with(String::new);
                }
            }
        }
        let fields = to_fields(&self.root, "").map_err(|message| Error::Unsupported {
            path: PathBuf::from("the output"),
            message,
        })?;
        Ok(Plan {
            schema: Arc::new(Schema::new(fields)),
        })
    }
}

fn footer_place(path: &Path) -> Place {
    format!("{} (its columns)", path.display())
}

/// The slot a dotted field path names, as [`RawObject`] paths go: the
/// whole path as one name first, then the longest head that is an object.
fn find_path<'a>(slots: &'a [Slot], path: &str) -> Option<&'a Slot> {
    if let Some(s) = slots.iter().find(|s| s.name == path) {
        return Some(s);
    }
    path.char_indices()
        .filter(|&(_, c)| c == '.')
        .map(|(i, _)| (&path[..i], &path[i + 1..]))
        .rev()
        .find_map(
            |(head, rest)| match &slots.iter().find(|s| s.name == head)?.node {
                Node::Object(children, _) => find_path(children, rest),
                _ => None,
            },
        )
}

fn find_path_mut<'a>(slots: &'a mut [Slot], path: &str) -> Option<&'a mut Slot> {
    let at = slots.iter().position(|s| s.name == path);
    if let Some(i) = at {
        return slots.get_mut(i);
    }
    let split = path
        .char_indices()
        .filter(|&(_, c)| c == '.')
        .map(|(i, _)| i)
        .rev()
        .find(|&i| {
            slots
                .iter()
                .any(|s| s.name == path[..i] && matches!(s.node, Node::Object(..)))
        })?;
    let (head, rest) = (&path[..split], &path[split + 1..]);
    match &mut slots.iter_mut().find(|s| s.name == head)?.node {
        Node::Object(children, _) => find_path_mut(children, rest),
        _ => None,
    }
}

/// The slot named `name` among `slots`, added (nullable, unless this is
/// the first source of the fields) when new.
fn slot<'a>(slots: &'a mut Vec<Slot>, name: &str, first: bool) -> &'a mut Slot {
    let i = match slots.iter().position(|s| s.name == name) {
        Some(i) => i,
        None => {
            slots.push(Slot {
                name: name.to_owned(),
                node: Node::Null,
                nullable: !first,
            });
            slots.len() - 1
        }
    };
    &mut slots[i]
}

fn kind_of(node: &Node) -> String {
    match node {
        Node::Null => "null".into(),
        Node::Leaf(l) => match (&l.arrow, &l.strings, &l.numbers, &l.bools) {
            (Some((t, _)), ..) => format!("a {t} column"),
            (_, Some(_), ..) => "a string".into(),
            (_, _, Some(_), _) => "a number".into(),
            _ => "a boolean".into(),
        },
        Node::Object(..) => "an object".into(),
        Node::List(..) => "an array".into(),
    }
}

fn place_of(node: &Node) -> &str {
    match node {
        Node::Null => "",
        Node::Leaf(l) => l
            .arrow
            .as_ref()
            .map(|(_, p)| p)
            .or(l.strings.as_ref())
            .or(l.bools.as_ref())
            .or(l.numbers.as_ref().map(|n| &n.first))
            .map_or("", String::as_str),
        Node::Object(_, p) | Node::List(_, _, p) => p,
    }
}

fn conflict(name: &str, had: &Node, new: &Node) -> String {
    format!(
        "field `{name}` is {} here and {} at {}",
        kind_of(new),
        kind_of(had),
        place_of(had)
    )
}

/// Merge `new` into `slot` (of field `name`).
fn merge_node(slot: &mut Slot, new: Node, name: &str) -> std::result::Result<(), String> {
    match (&mut slot.node, new) {
        (_, Node::Null) => {
            slot.nullable = true;
            Ok(())
        }
        (n @ Node::Null, new) => {
            *n = new;
            Ok(())
        }
        (Node::Leaf(had), Node::Leaf(new)) => merge_leaf(had, *new, name),
        (Node::Object(had, _), Node::Object(new, _)) => {
            let names: Vec<String> = had.iter().map(|s| s.name.clone()).collect();
            // A field the new object lacks is null there.
            for s in had.iter_mut() {
                if !new.iter().any(|c| c.name == s.name) {
                    s.nullable = true;
                }
            }
            for child in new {
                let path = format!("{name}.{}", child.name);
                let known = names.contains(&child.name);
                let s = slot_for(had, &child.name, known);
                s.nullable |= child.nullable;
                merge_node(s, child.node, &path)?;
            }
            Ok(())
        }
        (Node::List(had, large, _), Node::List(new, new_large, _)) => {
            *large |= new_large;
            had.nullable |= new.nullable;
            merge_node(had, new.node, &format!("{name}[]"))
        }
        (had, new) => Err(conflict(name, had, &new)),
    }
}

fn slot_for<'a>(slots: &'a mut Vec<Slot>, name: &str, known: bool) -> &'a mut Slot {
    let s = slot(slots, name, false);
    if !known {
        s.nullable = true;
    }
    s
}

fn merge_leaf(had: &mut Leaf, new: Leaf, name: &str) -> std::result::Result<(), String> {
    if let Some((t, place)) = new.arrow {
        match &had.arrow {
            Some((old, old_place)) => {
                let joined = unify(old, &t).ok_or_else(|| {
                    format!(
                        "column `{name}` is {t} here and {old} in {old_place}; no type holds both exactly"
                    )
                })?;
                had.arrow = Some((joined, old_place.clone()));
            }
            None => had.arrow = Some((t, place)),
        }
    }
    if had.strings.is_none() {
        had.strings = new.strings;
    }
    if had.bools.is_none() {
        had.bools = new.bools;
    }
    match (&mut had.numbers, new.numbers) {
        (Some(a), Some(b)) => a.merge(&b),
        (a @ None, b) => *a = b,
        _ => {}
    }
    Ok(())
}

/// Merge a Parquet file's columns into `slots`; `first` when no other
/// source has given fields yet (their nullability is then the file's).
fn merge_arrow(
    slots: &mut Vec<Slot>,
    fields: &ArrowFields,
    place: &str,
    first: bool,
) -> std::result::Result<(), String> {
    let before: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();
    for field in fields {
        let known = before.contains(field.name());
        let s = slot(slots, field.name(), first);
        if !first && !known {
            s.nullable = true;
        }
        s.nullable |= field.is_nullable();
        let name = field.name().clone();
        merge_node(s, arrow_node(field.data_type(), place), &name)?;
    }
    // A column this file lacks is null in its rows.
    for s in slots.iter_mut() {
        if !fields.iter().any(|f| *f.name() == s.name) {
            s.nullable = true;
        }
    }
    Ok(())
}

fn arrow_node(data_type: &DataType, place: &str) -> Node {
    match data_type {
        DataType::Null => Node::Null,
        DataType::Struct(children) => {
            let mut slots = Vec::new();
            // Children of one struct cannot clash with each other.
            let _ = merge_arrow(&mut slots, children, place, true);
            Node::Object(slots, place.to_owned())
        }
        DataType::List(item) | DataType::LargeList(item) => {
            let mut s = Slot {
                name: item.name().clone(),
                node: Node::Null,
                nullable: item.is_nullable(),
            };
            s.node = arrow_node(item.data_type(), place);
            Node::List(
                Box::new(s),
                matches!(data_type, DataType::LargeList(_)),
                place.to_owned(),
            )
        }
        other => Node::Leaf(Box::new(Leaf {
            arrow: Some((other.clone(), place.to_owned())),
            ..Leaf::default()
        })),
    }
}

/// The node of one JSON value.
fn json_node(raw: &RawValue, place: &str, name: &str) -> std::result::Result<Node, String> {
    let text = raw.get();
    let first = text.as_bytes().first().copied().unwrap_or(b'n');
    let leaf = |f: &dyn Fn(&mut Leaf)| {
        let mut l = Leaf::default();
        f(&mut l);
        Node::Leaf(Box::new(l))
    };
    Ok(match first {
        b'n' => Node::Null,
        b'"' => leaf(&|l| l.strings = Some(place.to_owned())),
        b't' | b'f' => leaf(&|l| l.bools = Some(place.to_owned())),
        b'{' => {
            let object: RawObject = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let mut slots = Vec::new();
            merge_object(&mut slots, &object, place).map_err(|e| prefix(name, e))?;
            Node::Object(slots, place.to_owned())
        }
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let mut item = Slot {
                name: "item".into(),
                node: Node::Null,
                nullable: false,
            };
            let path = format!("{name}[]");
            for v in items {
                let node = json_node(v, place, &path)?;
                merge_node(&mut item, node, &path)?;
            }
            Node::List(Box::new(item), false, place.to_owned())
        }
        _ => {
            let mut n = Numbers::new(place.to_owned());
            n.add(text, place)
                .map_err(|e| format!("field `{name}`: {e}"))?;
            Node::Leaf(Box::new(Leaf {
                numbers: Some(n),
                ..Leaf::default()
            }))
        }
    })
}

fn prefix(name: &str, message: String) -> String {
    // Messages of nested fields name the path from the top.
    message.replacen("field `", &format!("field `{name}."), 1)
}

/// Merge the fields of one JSON object (a record, or an object in it).
fn merge_object(
    slots: &mut Vec<Slot>,
    object: &RawObject,
    place: &str,
) -> std::result::Result<(), String> {
    let before = slots.len();
    let mut seen = vec![false; before];
    for (key, value) in object.entries() {
        let node = json_node(value, place, key)?;
        let known = slots.iter().position(|s| s.name == *key);
        if let Some(i) = known.filter(|&i| i < before) {
            seen[i] = true;
        }
        let s = slot_for(slots, key, known.is_some() || before == 0);
        merge_node(s, node, key)?;
    }
    // A field this record lacks is null in it.
    for (s, seen) in slots.iter_mut().zip(seen) {
        if !seen {
            s.nullable = true;
        }
    }
    Ok(())
}

/// The Arrow fields of planned slots; `path` names them in messages.
fn to_fields(slots: &[Slot], path: &str) -> std::result::Result<Vec<Field>, String> {
    slots
        .iter()
        .map(|s| {
            let name = if path.is_empty() {
                s.name.clone()
            } else {
                format!("{path}.{}", s.name)
            };
            let data_type = to_type(&s.node, &name)?;
            let nullable = s.nullable || data_type == DataType::Null;
            Ok(Field::new(&s.name, data_type, nullable))
        })
        .collect()
}

fn to_type(node: &Node, name: &str) -> std::result::Result<DataType, String> {
    match node {
        Node::Null => Ok(DataType::Null),
        Node::Object(children, place) => {
            if children.is_empty() {
                return Err(refused(
                    place,
                    format!("field `{name}` is only ever an empty object, and Parquet has no struct without fields"),
                ));
            }
            Ok(DataType::Struct(to_fields(children, name)?.into()))
        }
        Node::List(item, large, _) => {
            let t = to_type(&item.node, &format!("{name}[]"))?;
            let nullable = item.nullable || t == DataType::Null;
            let field = Arc::new(Field::new(&item.name, t, nullable));
            Ok(if *large {
                DataType::LargeList(field)
            } else {
                DataType::List(field)
            })
        }
        Node::Leaf(leaf) => {
            let json = if leaf.strings.is_some() || (leaf.bools.is_some() && leaf.numbers.is_some())
            {
                Some(DataType::Utf8)
            } else if leaf.bools.is_some() {
                Some(DataType::Boolean)
            } else if let Some(n) = &leaf.numbers {
                Some(
                    n.data_type()
                        .map_err(|e| refused(&n.first, format!("field `{name}`: {e}")))?,
                )
            } else {
                None
            };
            match (&leaf.arrow, json) {
                (Some((t, _)), None) => Ok(t.clone()),
                (None, Some(j)) => Ok(j),
                (None, None) => Ok(DataType::Null),
                (Some((t, place)), Some(j)) => unify(t, &j).ok_or_else(|| {
                    let json_place = place_of(node);
                    let json_place = [&leaf.strings, &leaf.bools]
                        .into_iter()
                        .flatten()
                        .next()
                        .map(String::as_str)
                        .or(leaf.numbers.as_ref().map(|n| n.first.as_str()))
                        .unwrap_or(json_place);
                    format!(
                        "field `{name}` is {t} in {place} and JSON that needs {j} at {json_place}; no type holds both exactly"
                    )
                }),
            }
        }
    }
}

/// A planned output schema.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The input fields, in order (the fields an output adds come after).
    pub schema: SchemaRef,
}

/// A value that is there and not null.
fn values_of<'a>(v: &Option<&'a RawValue>) -> Option<&'a RawValue> {
    v.filter(|v| v.get() != "null")
}

/// One column of JSON values (`None` where a record lacks the field) as
/// an Arrow array of `data_type`; `Err` names the value that does not fit
/// (the plan was made from the same values, so only an input changed
/// between the reads gets there).
pub fn json_column(
    values: &[Option<&RawValue>],
    data_type: &DataType,
) -> std::result::Result<ArrayRef, String> {
    let is_null = |v: &Option<&RawValue>| v.is_none_or(|v| v.get() == "null");
    if values.iter().all(is_null) {
        return Ok(new_null_array(data_type, values.len()));
    }
    let text = |v: &RawValue| -> std::result::Result<String, String> {
        let t = v.get();
        if t.starts_with('"') {
            serde_json::from_str::<String>(t).map_err(|e| e.to_string())
        } else if t.starts_with(['{', '[']) {
            Err(format!("{} is not a string", crate::quoted(t)))
        } else {
            Ok(t.to_owned())
        }
    };
    let number = |v: &RawValue| -> std::result::Result<Decimal, String> {
        Decimal::parse(v.get()).ok_or_else(|| format!("{} is not a number", crate::quoted(v.get())))
    };
    let whole = |v: &RawValue, scale: u32, max: u32| -> std::result::Result<String, String> {
        number(v)?
            .scaled(scale, max)
            .ok_or_else(|| format!("{} does not fit {data_type}", crate::quoted(v.get())))
    };
    Ok(match data_type {
        DataType::Null => new_null_array(data_type, values.len()),
        DataType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(values.len());
            for v in values.iter().map(values_of) {
                b.append_option(match v.map(RawValue::get) {
                    None => None,
                    Some("true") => Some(true),
                    Some("false") => Some(false),
                    Some(other) => {
                        return Err(format!("{} is not a boolean", crate::quoted(other)))
                    }
                });
            }
            Arc::new(b.finish())
        }
        DataType::Int64 => {
            let mut b = Int64Builder::with_capacity(values.len());
            for v in values.iter().map(values_of) {
                b.append_option(match v {
                    None => None,
                    Some(v) => {
                        Some(whole(v, 0, 20)?.parse::<i64>().map_err(|_| {
                            format!("{} does not fit int64", crate::quoted(v.get()))
                        })?)
                    }
                });
            }
            Arc::new(b.finish())
        }
        DataType::UInt64 => {
            let mut b = UInt64Builder::with_capacity(values.len());
            for v in values.iter().map(values_of) {
                b.append_option(match v {
                    None => None,
                    Some(v) => {
                        Some(whole(v, 0, 20)?.parse::<u64>().map_err(|_| {
                            format!("{} does not fit uint64", crate::quoted(v.get()))
                        })?)
                    }
                });
            }
            Arc::new(b.finish())
        }
        DataType::Float64 => {
            let mut b = Float64Builder::with_capacity(values.len());
            for v in values.iter().map(values_of) {
                b.append_option(match v {
                    None => None,
                    Some(v) => Some(
                        v.get()
                            .parse::<f64>()
                            .map_err(|_| format!("{} is not a number", crate::quoted(v.get())))?,
                    ),
                });
            }
            Arc::new(b.finish())
        }
        DataType::Decimal128(p, s) => {
            let mut b = Decimal128Builder::with_capacity(values.len());
            let scale = u32::try_from(*s).map_err(|_| format!("{data_type}: negative scale"))?;
            for v in values.iter().map(values_of) {
                b.append_option(match v {
                    None => None,
                    Some(v) => Some(
                        whole(v, scale, u32::from(*p))?
                            .parse::<i128>()
                            .map_err(|e| e.to_string())?,
                    ),
                });
            }
            Arc::new(
                b.finish()
                    .with_precision_and_scale(*p, *s)
                    .map_err(|e| e.to_string())?,
            )
        }
        DataType::Decimal256(p, s) => {
            let mut b = Decimal256Builder::with_capacity(values.len());
            let scale = u32::try_from(*s).map_err(|_| format!("{data_type}: negative scale"))?;
            for v in values.iter().map(values_of) {
                b.append_option(match v {
                    None => None,
                    Some(v) => {
                        let digits = whole(v, scale, u32::from(*p))?;
                        Some(
                            i256::from_string(&digits)
                                .ok_or_else(|| format!("{digits} does not fit {data_type}"))?,
                        )
                    }
                });
            }
            Arc::new(
                b.finish()
                    .with_precision_and_scale(*p, *s)
                    .map_err(|e| e.to_string())?,
            )
        }
        DataType::Utf8 => {
            let mut b = StringBuilder::with_capacity(values.len(), 0);
            for v in values.iter().map(values_of) {
                b.append_option(v.map(text).transpose()?);
            }
            Arc::new(b.finish())
        }
        DataType::LargeUtf8 => {
            let mut b = LargeStringBuilder::with_capacity(values.len(), 0);
            for v in values.iter().map(values_of) {
                b.append_option(v.map(text).transpose()?);
            }
            Arc::new(b.finish())
        }
        DataType::Utf8View => {
            let mut b = StringViewBuilder::with_capacity(values.len());
            for v in values.iter().map(values_of) {
                b.append_option(v.map(text).transpose()?);
            }
            Arc::new(b.finish())
        }
        DataType::Struct(children) => {
            let objects: Vec<Option<RawObject>> = values
                .iter()
                .map(values_of)
                .map(|v| {
                    v.map(|v| serde_json::from_str::<RawObject>(v.get()).map_err(|e| e.to_string()))
                        .transpose()
                })
                .collect::<std::result::Result<_, _>>()?;
            let columns = children
                .iter()
                .map(|f| {
                    let column: Vec<Option<&RawValue>> = objects
                        .iter()
                        .map(|o| o.as_ref().and_then(|o| o.get(f.name())))
                        .collect();
                    json_column(&column, f.data_type())
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let nulls = NullBuffer::from(objects.iter().map(Option::is_some).collect::<Vec<_>>());
            Arc::new(
                StructArray::try_new(children.clone(), columns, Some(nulls))
                    .map_err(|e| e.to_string())?,
            )
        }
        DataType::List(item) | DataType::LargeList(item) => {
            let lists: Vec<Option<Vec<&RawValue>>> = values
                .iter()
                .map(values_of)
                .map(|v| {
                    v.map(|v| {
                        serde_json::from_str::<Vec<&RawValue>>(v.get()).map_err(|e| e.to_string())
                    })
                    .transpose()
                })
                .collect::<std::result::Result<_, _>>()?;
            let lengths = lists.iter().map(|l| l.as_ref().map_or(0, Vec::len));
            let flat: Vec<Option<&RawValue>> = lists
                .iter()
                .flatten()
                .flat_map(|l| l.iter().map(|v| Some(*v)))
                .collect();
            let items = json_column(&flat, item.data_type())?;
            let nulls = NullBuffer::from(lists.iter().map(Option::is_some).collect::<Vec<_>>());
            if matches!(data_type, DataType::List(_)) {
                Arc::new(
                    ListArray::try_new(
                        item.clone(),
                        OffsetBuffer::<i32>::from_lengths(lengths),
                        items,
                        Some(nulls),
                    )
                    .map_err(|e| e.to_string())?,
                )
            } else {
                Arc::new(
                    LargeListArray::try_new(
                        item.clone(),
                        OffsetBuffer::<i64>::from_lengths(lengths),
                        items,
                        Some(nulls),
                    )
                    .map_err(|e| e.to_string())?,
                )
            }
        }
        other => {
            // Integer and float columns of other widths come from Parquet
            // inputs: JSON numbers reach them through int64/double and a
            // checked cast, which fails rather than change a value.
            let wide = if other.is_integer() {
                DataType::Decimal256(DECIMAL256_DIGITS as u8, 0)
            } else if other.is_floating() {
                DataType::Float64
            } else {
                return Err(format!("JSON values cannot be written as {other}"));
            };
            let column = json_column(values, &wide)?;
            let options = arrow_cast::CastOptions {
                safe: false,
                ..Default::default()
            };
            arrow_cast::cast_with_options(&column, other, &options).map_err(|e| e.to_string())?
        }
    })
}

/// `array` as `target`, a type the plan chose to hold it exactly: structs
/// matched by field name (a missing field null), lists by their items,
/// anything else through a checked cast, which fails rather than change a
/// value.
pub fn conform(array: &ArrayRef, target: &DataType) -> std::result::Result<ArrayRef, String> {
    if array.data_type() == target {
        return Ok(array.clone());
    }
    match (array.data_type(), target) {
        (DataType::Struct(_), DataType::Struct(children)) => {
            let s = array
                .as_any()
                .downcast_ref::<StructArray>()
                .ok_or("not a struct")?;
            let columns = children
                .iter()
                .map(|f| match s.column_by_name(f.name()) {
                    Some(c) => conform(c, f.data_type()),
                    None => Ok(new_null_array(f.data_type(), s.len())),
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Ok(Arc::new(
                StructArray::try_new(children.clone(), columns, s.nulls().cloned())
                    .map_err(|e| e.to_string())?,
            ))
        }
        (DataType::List(_), DataType::List(item)) => {
            let l = array
                .as_any()
                .downcast_ref::<ListArray>()
                .ok_or("not a list")?;
            let values = conform(l.values(), item.data_type())?;
            Ok(Arc::new(
                ListArray::try_new(
                    item.clone(),
                    l.offsets().clone(),
                    values,
                    l.nulls().cloned(),
                )
                .map_err(|e| e.to_string())?,
            ))
        }
        (DataType::LargeList(_), DataType::LargeList(item)) => {
            let l = array
                .as_any()
                .downcast_ref::<LargeListArray>()
                .ok_or("not a list")?;
            let values = conform(l.values(), item.data_type())?;
            Ok(Arc::new(
                LargeListArray::try_new(
                    item.clone(),
                    l.offsets().clone(),
                    values,
                    l.nulls().cloned(),
                )
                .map_err(|e| e.to_string())?,
            ))
        }
        (DataType::List(_), DataType::LargeList(item)) => {
            let l = array
                .as_any()
                .downcast_ref::<ListArray>()
                .ok_or("not a list")?;
            let values = conform(l.values(), item.data_type())?;
            let offsets = OffsetBuffer::<i64>::from_lengths(
                l.offsets().windows(2).map(|w| (w[1] - w[0]) as usize),
            );
            Ok(Arc::new(
                LargeListArray::try_new(item.clone(), offsets, values, l.nulls().cloned())
                    .map_err(|e| e.to_string())?,
            ))
        }
        (_, target) => {
            let options = arrow_cast::CastOptions {
                safe: false,
                ..Default::default()
            };
            arrow_cast::cast_with_options(array, target, &options).map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(values: &[&str]) -> std::result::Result<DataType, String> {
        let mut n = Numbers::new("f:1".into());
        for (i, v) in values.iter().enumerate() {
            n.add(v, &format!("f:{}", i + 1))?;
        }
        n.data_type()
    }

    #[test]
    fn json_numbers_take_the_narrowest_exact_type() {
        assert_eq!(numbers(&["1", "-2", "1e2"]), Ok(DataType::Int64));
        assert_eq!(
            numbers(&["18446744073709551615", "18446744073709551614"]),
            Ok(DataType::UInt64)
        );
        assert_eq!(
            numbers(&["-1", "18446744073709551615"]),
            Ok(DataType::Decimal128(38, 0))
        );
        assert_eq!(
            numbers(&["123456789012345678901234567890"]),
            Ok(DataType::Decimal128(38, 0))
        );
        assert_eq!(
            numbers(&["0.1", "1e300", "-0", "2.5"]),
            Ok(DataType::Float64)
        );
        assert_eq!(
            numbers(&["3.14159265358979323846", "1"]),
            Ok(DataType::Decimal128(38, 20))
        );
        assert_eq!(numbers(&[&"9".repeat(50)]), Ok(DataType::Decimal256(76, 0)));
        let e = numbers(&["1", "1e400"]).unwrap_err();
        assert!(e.contains("1e400") && e.contains("401 digits"), "{e}");
        // Each fits alone, not together.
        let e = numbers(&[
            &"9".repeat(60),
            "0.00000000000000000000000000000000000000000000000001",
        ]);
        assert!(e.is_err(), "{e:?}");
    }

    #[test]
    fn decimals_parse_to_their_value() {
        let d = Decimal::parse("-1.500e3").unwrap();
        assert_eq!((d.negative, d.digits.as_str(), d.exp), (true, "15", 2));
        assert_eq!(d.scaled(0, 38).as_deref(), Some("-1500"));
        assert_eq!(
            Decimal::parse("0.00").unwrap().scaled(2, 38).as_deref(),
            Some("0")
        );
        assert!(Decimal::parse("1e99999999999999999999").is_none());
        assert!(Decimal::parse("1.2.3").is_none());
        assert!(Decimal::parse("18446744073709551615")
            .is_some_and(|d| !d.is_double("18446744073709551615")));
        assert!(Decimal::parse("0.1").is_some_and(|d| d.is_double("0.1")));
    }

    #[test]
    fn arrow_types_join_only_exactly() {
        use DataType::*;
        assert_eq!(unify(&Int32, &Int64), Some(Int64));
        assert_eq!(unify(&UInt32, &Int64), Some(Int64));
        assert_eq!(unify(&UInt64, &Int64), None);
        assert_eq!(unify(&UInt64, &Float64), None);
        assert_eq!(unify(&Int32, &Float64), Some(Float64));
        assert_eq!(unify(&Int64, &Decimal128(38, 0)), Some(Decimal128(38, 0)));
        assert_eq!(
            unify(&Decimal128(38, 0), &Decimal128(10, 5)),
            Some(Decimal256(76, 5))
        );
        assert_eq!(
            unify(&Timestamp(arrow_schema::TimeUnit::Nanosecond, None), &Utf8),
            None
        );
        assert_eq!(unify(&Utf8, &Utf8View), Some(LargeUtf8));
    }
}
