//! Writers: JSON Lines outputs that appear complete or not at all.
//!
//! Output goes to a temporary file beside the destination, compressed when
//! the name ends in `.gz` or `.zst`, and is renamed into place only by
//! [`AtomicJsonLines::commit`]. Dropping a writer without committing (an
//! error, an interrupted run) deletes the temporary file, so a destination
//! never holds a half-written file that looks finished.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::error::{io, Result};

/// Temporary files not yet renamed into place, so that a signal handler can
/// delete them before the process exits ([`remove_unfinished`]).
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn unfinished() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves the list itself intact.
    UNFINISHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers a temporary file for [`remove_unfinished`] while it lives.
#[derive(Debug)]
pub struct Unfinished(PathBuf);

impl Unfinished {
    /// Track `path` until this guard is dropped.
    pub fn track(path: &Path) -> Unfinished {
        unfinished().push(path.to_owned());
        Unfinished(path.to_owned())
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let mut list = unfinished();
        if let Some(i) = list.iter().position(|p| *p == self.0) {
            list.swap_remove(i);
        }
    }
}

/// Delete every temporary file still being written, and keep any other
/// thread from renaming one into place afterwards. For a signal handler
/// that ends the process next: outputs already renamed stay (they are
/// complete), the rest vanish.
pub fn remove_unfinished() {
    let mut list = unfinished();
    for path in list.drain(..) {
        // Already gone is fine: nothing unfinished is left either way.
        let _ = std::fs::remove_file(path);
    }
    // Hold the lock until the process exits: a commit in progress then
    // waits instead of renaming a file that was just deleted.
    std::mem::forget(list);
}

enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

/// Temporary files are created private (0600); the finished output gets the
/// usual permissions of a new file (0644), so a report or corpus written by
/// doublet is readable like any other.
#[cfg(unix)]
fn publish_permissions(file: &File, dest: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(io(dest))
}

#[cfg(not(unix))]
fn publish_permissions(_file: &File, _dest: &Path) -> Result<()> {
    Ok(())
}

/// A new temporary file in `dest`'s folder, registered as unfinished.
/// Refuses a `dest` that is a folder, which the final rename could not
/// replace.
fn pending(dest: &Path) -> Result<(File, tempfile::TempPath, Unfinished)> {
    if dest.is_dir() {
        return Err(io(dest)(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a folder",
        )));
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let (file, temp) = tempfile::Builder::new()
        .prefix(".doublet-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io(dest))?
        .into_parts();
    let tracked = Unfinished::track(&temp);
    Ok((file, temp, tracked))
}

/// Sync a finished temporary file and rename it to `dest`. The rename runs
/// under the unfinished-files lock, so an interrupt either sees the file
/// still unfinished (and deletes it first) or not at all.
fn publish(file: File, temp: tempfile::TempPath, dest: &Path) -> Result<()> {
    file.sync_all().map_err(io(dest))?;
    publish_permissions(&file, dest)?;
    let list = unfinished();
    temp.persist(dest).map_err(|e| io(dest)(e.error))?;
    drop(list);
    Ok(())
}

/// A JSON Lines file written atomically.
pub struct AtomicJsonLines {
    sink: Option<Sink>,
    temp: Option<tempfile::TempPath>,
    dest: PathBuf,
    _tracked: Unfinished,
}

impl AtomicJsonLines {
    /// Start writing to `dest` (through a temporary file in its folder).
    pub fn create(dest: &Path) -> Result<Self> {
        let (file, temp, tracked) = pending(dest)?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let name = dest.to_string_lossy().to_ascii_lowercase();
        let sink = if name.ends_with(".gz") {
            Sink::Gzip(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::default(),
            ))
        } else if name.ends_with(".zst") {
            Sink::Zstd(zstd::Encoder::new(out, 3).map_err(io(dest))?)
        } else {
            Sink::Plain(out)
        };
        Ok(AtomicJsonLines {
            sink: Some(sink),
            temp: Some(temp),
            dest: dest.to_owned(),
            _tracked: tracked,
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self.sink.as_mut() {
            Some(Sink::Plain(w)) => w,
            Some(Sink::Gzip(w)) => w,
            Some(Sink::Zstd(w)) => w,
            // `sink` is only taken by `commit`, which consumes `self`.
            None => unreachable!("writer used after commit"),
        }
    }

    /// Append one value as a line.
    pub fn write<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let dest = self.dest.clone();
        let w = self.writer();
        serde_json::to_writer(&mut *w, value).map_err(|e| io(&dest)(e.into()))?;
        w.write_all(b"\n").map_err(io(&dest))
    }

    /// Finish compression, flush, sync and rename into place.
    pub fn commit(mut self) -> Result<()> {
        let dest = self.dest.clone();
        let inner = match self.sink.take() {
            Some(Sink::Plain(w)) => w,
            Some(Sink::Gzip(w)) => w.finish().map_err(io(&dest))?,
            Some(Sink::Zstd(w)) => w.finish().map_err(io(&dest))?,
            None => return Ok(()),
        };
        let file = inner.into_inner().map_err(|e| io(&dest)(e.into_error()))?;
        match self.temp.take() {
            Some(temp) => publish(file, temp, &dest),
            None => Ok(()),
        }
    }
}

/// Fail now, naming `dest`, if an output could not be written there later:
/// creates and removes a temporary file in its folder. Commands call this
/// before a long run, so a typo in an output path costs nothing.
pub fn check_writable(dest: &Path) -> Result<()> {
    pending(dest).map(drop)
}

/// Write `bytes` to `dest` atomically (temporary file, then rename).
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(dest, |w| w.write_all(bytes))
}

/// Write `dest` atomically through `fill`, which streams into a buffered
/// temporary file (so a large report is never held whole in memory).
pub fn write_atomic_with(
    dest: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let (file, temp, _tracked) = pending(dest)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    fill(&mut out).map_err(io(dest))?;
    let file = out.into_inner().map_err(|e| io(dest)(e.into_error()))?;
    publish(file, temp, dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.jsonl.zst");
        let mut w = AtomicJsonLines::create(&dest).unwrap();
        w.write(&serde_json::json!({"id": "a"})).unwrap();
        assert!(!dest.exists());
        w.commit().unwrap();
        let text = zstd::decode_all(File::open(&dest).unwrap()).unwrap();
        assert_eq!(text, b"{\"id\":\"a\"}\n");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("r.json");
        write_atomic(&dest, b"{}").unwrap();
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    #[test]
    fn dropped_writers_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.jsonl");
        let mut w = AtomicJsonLines::create(&dest).unwrap();
        w.write(&1).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_folders_are_named() {
        let e = AtomicJsonLines::create(Path::new("/no/such/dir/out.jsonl"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("/no/such/dir/out.jsonl:"), "{e}");
    }
}
