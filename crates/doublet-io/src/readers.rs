//! Readers: turn inputs into a stream of [`Record`]s.
//!
//! An input is a folder (every `.txt` file below it, ids are paths relative
//! to the folder, in sorted order), a `.txt` file (one document), a JSON Lines
//! file (`.jsonl`/`.json`, optionally `.gz` or `.zst`), or `-` for JSON Lines
//! on standard input. Records are produced one at a time: nothing holds the
//! whole corpus.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{io, Error, Result};

/// Where a record came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file (`-` for standard input).
    pub path: PathBuf,
    /// 1-based line for JSON Lines; `None` for a whole text file.
    pub line: Option<u64>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// One input document as read.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Its id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Where it came from.
    pub origin: Origin,
    /// Bytes that were not valid UTF-8 and were replaced (text files only).
    pub replaced: usize,
    /// The other fields of a JSON Lines object, to pass through to outputs.
    pub extra: Option<Map<String, Value>>,
    /// The id the input gave, when the record was renamed because another
    /// record already used it.
    pub renamed_from: Option<String>,
}

/// Field names used for JSON Lines.
#[derive(Clone, Debug)]
pub struct Fields {
    /// The id field (default `id`).
    pub id: String,
    /// The text field (default `text`).
    pub text: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
        }
    }
}

/// The kind of an input, from its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A folder of `.txt` files.
    Folder(PathBuf),
    /// One `.txt` document.
    Text(PathBuf),
    /// A JSON Lines file, maybe compressed.
    JsonLines(PathBuf),
    /// JSON Lines on standard input.
    Stdin,
    /// Standard input saved to a file so that it can be read twice; messages
    /// still name it `-`.
    Spooled(PathBuf),
}

impl Input {
    /// Classify a command-line input.
    pub fn parse(arg: &str) -> Result<Input> {
        if arg == "-" {
            return Ok(Input::Stdin);
        }
        let path = PathBuf::from(arg);
        let meta = std::fs::metadata(&path).map_err(io(&path))?;
        if meta.is_dir() {
            return Ok(Input::Folder(path));
        }
        let name = arg.to_ascii_lowercase();
        let base = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .unwrap_or(&name);
        if base.ends_with(".jsonl") || base.ends_with(".json") || base.ends_with(".ndjson") {
            Ok(Input::JsonLines(path))
        } else if name.ends_with(".txt") {
            Ok(Input::Text(path))
        } else {
            Err(Error::Unsupported {
                path,
                message: "not a folder, .txt, .jsonl or .json file (optionally .gz or .zst)".into(),
            })
        }
    }
}

/// Open a file, decompressing by extension.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(io(path))?;
    let name = path.to_string_lossy().to_ascii_lowercase();
    let reader: Box<dyn Read + Send> = if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else if name.ends_with(".zst") {
        Box::new(zstd::Decoder::new(file).map_err(io(path))?)
    } else {
        Box::new(file)
    };
    Ok(Box::new(BufReader::with_capacity(1 << 20, reader)))
}

/// Decode bytes as UTF-8, replacing invalid sequences; returns the text and
/// the number of bytes replaced.
pub fn decode_lossy(bytes: Vec<u8>) -> (String, usize) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, 0),
        Err(e) => {
            let bytes = e.into_bytes();
            let mut replaced = 0;
            for chunk in bytes.utf8_chunks() {
                replaced += chunk.invalid().len();
            }
            (String::from_utf8_lossy(&bytes).into_owned(), replaced)
        }
    }
}

/// Read one `.txt` document (invalid UTF-8 replaced and counted).
pub fn read_text(path: &Path, id: String) -> Result<Record> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let (text, replaced) = decode_lossy(bytes);
    Ok(Record {
        id,
        text,
        origin: Origin {
            path: path.to_owned(),
            line: None,
        },
        replaced,
        extra: None,
        renamed_from: None,
    })
}

/// The `.txt` files below `root`, sorted by relative path (`/`-separated).
pub fn list_folder(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_owned();
            Error::Io {
                path,
                source: e.into(),
            }
        })?;
        let is_txt = entry
            .path()
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("txt"));
        if !entry.file_type().is_file() || !is_txt {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.push((id, entry.path().to_owned()));
    }
    out.sort();
    Ok(out)
}

/// Parse one JSON Lines line into a record.
pub fn parse_line(raw: &[u8], path: &Path, line: u64, fields: &Fields) -> Result<Record> {
    let err = |message: String| Error::Line {
        path: path.to_owned(),
        line,
        message,
    };
    let text = std::str::from_utf8(raw)
        .map_err(|e| err(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| err(format!("malformed JSON: {e}")))?;
    let Value::Object(mut obj) = value else {
        return Err(err("expected a JSON object".into()));
    };
    let id = match obj.get(&fields.id) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            return Err(err(format!(
                "field `{}` must be a string or a number",
                fields.id
            )))
        }
        None => {
            return Err(err(format!(
                "missing id field `{}` (choose another with --id-field)",
                fields.id
            )))
        }
    };
    let body = match obj.remove(&fields.text) {
        Some(Value::String(s)) => s,
        Some(_) => return Err(err(format!("field `{}` must be a string", fields.text))),
        None => {
            return Err(err(format!(
                "missing text field `{}` (choose another with --text-field)",
                fields.text
            )))
        }
    };
    Ok(Record {
        id,
        text: body,
        origin: Origin {
            path: path.to_owned(),
            line: Some(line),
        },
        replaced: 0,
        extra: Some(obj),
        renamed_from: None,
    })
}

/// Records of a JSON Lines stream, one per non-blank line.
pub struct JsonLines<R> {
    reader: R,
    path: PathBuf,
    line: u64,
    fields: Fields,
    buf: Vec<u8>,
    failed: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// Read `reader`, naming it `path` in messages.
    pub fn new(reader: R, path: PathBuf, fields: Fields) -> Self {
        JsonLines {
            reader,
            path,
            line: 0,
            fields,
            buf: Vec::new(),
            failed: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            self.buf.clear();
            self.line += 1;
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    // The stream cannot be trusted past this point: stop.
                    self.failed = true;
                    return Some(Err(Error::Read {
                        path: self.path.clone(),
                        line: self.line,
                        source: e,
                    }));
                }
            }
            let raw = self.buf.trim_ascii();
            if raw.is_empty() {
                continue;
            }
            return Some(parse_line(raw, &self.path, self.line, &self.fields));
        }
    }
}

/// Every record of every input, in order, one at a time.
pub fn records(inputs: Vec<Input>, fields: Fields) -> impl Iterator<Item = Result<Record>> + Send {
    inputs.into_iter().flat_map(
        move |input| -> Box<dyn Iterator<Item = Result<Record>> + Send> {
            match input {
                Input::Text(path) => {
                    let id = path.file_name().map_or_else(
                        || path.to_string_lossy().into_owned(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    Box::new(std::iter::once(read_text(&path, id)))
                }
                Input::Folder(root) => match list_folder(&root) {
                    Ok(files) => Box::new(files.into_iter().map(|(id, path)| read_text(&path, id))),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                },
                Input::JsonLines(path) => match open(&path) {
                    Ok(r) => Box::new(JsonLines::new(r, path, fields.clone())),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                },
                Input::Spooled(path) => match open(&path) {
                    Ok(r) => Box::new(JsonLines::new(r, PathBuf::from("-"), fields.clone())),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                },
                Input::Stdin => {
                    let r = BufReader::new(std::io::stdin());
                    Box::new(JsonLines::new(r, PathBuf::from("-"), fields.clone()))
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn jsonl_lines_name_file_and_line() {
        let data =
            b"{\"id\":\"a\",\"text\":\"x\",\"url\":\"u\"}\n\n{\"id\":2,\"text\":\"y\"}\n{oops}\n";
        let recs: Vec<_> = JsonLines::new(&data[..], "f.jsonl".into(), Fields::default()).collect();
        assert_eq!(recs.len(), 3);
        let a = recs[0].as_ref().unwrap();
        assert_eq!((a.id.as_str(), a.text.as_str()), ("a", "x"));
        assert_eq!(a.extra.as_ref().unwrap()["url"], "u");
        assert_eq!(recs[1].as_ref().unwrap().id, "2");
        let e = recs[2].as_ref().unwrap_err().to_string();
        assert!(e.starts_with("f.jsonl:4: malformed JSON"), "{e}");
    }

    #[test]
    fn missing_or_wrong_fields_are_errors() {
        let p = Path::new("f.jsonl");
        let f = Fields::default();
        assert!(parse_line(b"{\"id\":\"a\"}", p, 1, &f)
            .unwrap_err()
            .to_string()
            .contains("missing text field `text`"));
        assert!(parse_line(b"{\"id\":\"a\",\"text\":3}", p, 1, &f)
            .unwrap_err()
            .to_string()
            .contains("must be a string"));
        assert!(parse_line(b"[1]", p, 1, &f)
            .unwrap_err()
            .to_string()
            .contains("expected a JSON object"));
    }

    #[test]
    fn folders_yield_sorted_relative_ids_and_compressed_files_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("a.txt"), b"a\xff").unwrap();
        std::fs::write(dir.path().join("skip.md"), "no").unwrap();
        let recs: Vec<_> = records(vec![Input::Folder(dir.path().into())], Fields::default())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(
            recs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a.txt", "sub/b.txt"]
        );
        assert_eq!(recs[0].replaced, 1);

        let gz = dir.path().join("d.jsonl.gz");
        let mut w = flate2::write::GzEncoder::new(File::create(&gz).unwrap(), Default::default());
        w.write_all(b"{\"id\":\"z\",\"text\":\"zip\"}\n").unwrap();
        w.finish().unwrap();
        let zst = dir.path().join("d.jsonl.zst");
        std::fs::write(
            &zst,
            zstd::encode_all(&b"{\"id\":\"s\",\"text\":\"std\"}\n"[..], 3).unwrap(),
        )
        .unwrap();
        let inputs = vec![
            Input::parse(gz.to_str().unwrap()).unwrap(),
            Input::parse(zst.to_str().unwrap()).unwrap(),
        ];
        let recs: Vec<_> = records(inputs, Fields::default())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(
            recs.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
            ["zip", "std"]
        );
    }

    #[test]
    fn missing_paths_are_named() {
        let e = Input::parse("/no/such/file.jsonl").unwrap_err().to_string();
        assert!(e.starts_with("/no/such/file.jsonl:"), "{e}");
    }
}
