//! Writers: outputs that appear complete or not at all, together.
//!
//! An [`Output`] goes to a temporary file beside the destination, compressed
//! when the name ends in `.gz` or `.zst`. [`commit`] renames the finished
//! temporaries of one run into place only when every one of them is
//! complete, all under the lock the signal handler takes, and puts back
//! what it had replaced if one rename fails; so the outputs of a run appear
//! all or none. Dropping an output without committing (an error, an
//! interrupted run) deletes its temporary file.
//!
//! A destination that exists and is not a regular file (`/dev/null`, a
//! FIFO, a terminal), or is a file-descriptor link such as `/dev/stdout`,
//! is written directly, never replaced (one of the process's own
//! descriptors through a duplicate of it, sharing its offset): what was
//! written to it cannot be taken back.

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
        // Allocate before taking the lock, which an out-of-memory handler
        // needs.
        let owned = path.to_owned();
        let guard = Unfinished(path.to_owned());
        unfinished().push(owned);
        guard
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

/// [`remove_unfinished`] for an out-of-memory handler: deletes the
/// registered temporary files without allocating (each path is copied into
/// a buffer on the stack and unlinked) and holds the list's lock until the
/// process exits. Another thread holds the list only briefly (while it
/// registers, drops or commits a file), so a held list is tried again for a
/// while; returns false, deleting nothing, when it stays held (by the
/// calling thread itself, if it ran out of memory while growing the list)
/// or a path does not fit the buffer; those temporary files keep their
/// hidden `.doublet-*.tmp` names.
pub fn remove_unfinished_in_place() -> bool {
    let mut tries = 0u32;
    let list = loop {
        match UNFINISHED.try_lock() {
            Ok(list) => break list,
            Err(std::sync::TryLockError::Poisoned(e)) => break e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) if tries < 20_000 => {
                tries += 1;
                std::thread::yield_now();
            }
            Err(std::sync::TryLockError::WouldBlock) => return false,
        }
    };
    let mut all = true;
    for path in list.iter() {
        all &= unlink_in_place(path);
    }
    std::mem::forget(list);
    all
}

#[cfg(unix)]
fn unlink_in_place(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    let mut buf = [0u8; 4096];
    if bytes.len() >= buf.len() || bytes.contains(&0) {
        return false;
    }
    buf[..bytes.len()].copy_from_slice(bytes);
    // SAFETY: `buf` holds the path and a terminating NUL.
    unsafe { libc::unlink(buf.as_ptr().cast()) == 0 }
}

#[cfg(not(unix))]
fn unlink_in_place(path: &Path) -> bool {
    // No allocation-free unlink here; std may allocate for the wide path.
    std::fs::remove_file(path).is_ok()
}

/// How an output is written, as its name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// JSON or JSON Lines, plain.
    Json,
    /// JSON or JSON Lines, gzip compressed.
    JsonGzip,
    /// JSON or JSON Lines, zstd compressed.
    JsonZstd,
    /// Parquet (zstd inside).
    Parquet,
}

/// The names doublet writes: `.jsonl`, `.json`, `.ndjson`, each optionally
/// followed by `.gz` or `.zst`, and `.parquet` (case aside). This is the one
/// rule for every output: a name it does not allow (`.jsonl.xz`, `.txt`,
/// `.csv`, none at all) is refused before anything is read, since the file
/// would hold JSON under a name that promises something else (and `scan
/// clean.txt` would read it back as one document). Files that exist and
/// are not regular files (`/dev/null`, a FIFO) and descriptor links
/// (`/dev/stdout`) have no format to promise, and are checked with
/// [`check_output_name`].
pub fn written_as(dest: &Path) -> Option<Written> {
    let name = dest.file_name()?.to_string_lossy().to_ascii_lowercase();
    let (base, compressed) = match name.rsplit_once('.') {
        Some((base, "gz")) => (base, Written::JsonGzip),
        Some((base, "zst")) => (base, Written::JsonZstd),
        _ => (name.as_str(), Written::Json),
    };
    match base.rsplit_once('.')? {
        (_, "jsonl" | "json" | "ndjson") => Some(compressed),
        (_, "parquet") if compressed == Written::Json => Some(Written::Parquet),
        _ => None,
    }
}

/// How `dest` will be written, or why doublet refuses to write it:
/// [`written_as`] for names, special files and descriptor links written as
/// plain JSON whatever they are called. `parquet` says whether this output
/// may be Parquet (the records of `dedup`) or is JSON (a report).
pub fn check_output_name(dest: &Path, parquet: bool) -> std::result::Result<Written, String> {
    let json_names = "name the file .jsonl, .json or .ndjson, optionally followed by .gz or .zst";
    match written_as(dest) {
        Some(Written::Parquet) if !parquet => Err(format!(
            "doublet writes JSON here, not .parquet; {json_names} \
             (Parquet is written for --output and --removed of dedup)"
        )),
        Some(w) => Ok(w),
        None if is_special(dest) => Ok(Written::Json),
        None => {
            let name = dest
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let parquet_names = if parquet { ", or .parquet" } else { "" };
            if parquet && (name.ends_with(".parquet.gz") || name.ends_with(".parquet.zst")) {
                return Err("Parquet compresses itself (zstd); name the file .parquet".into());
            }
            let inner = name
                .strip_suffix(".gz")
                .or_else(|| name.strip_suffix(".zst"))
                .unwrap_or(&name);
            Err(match inner.rsplit_once('.') {
                Some((_, ext)) if !ext.is_empty() => format!(
                    "doublet writes JSON here, not .{ext}; {json_names}{parquet_names}"
                ),
                _ => format!(
                    "doublet writes JSON here, and the name {} does not say so; {json_names}{parquet_names}",
                    crate::quoted(&dest.to_string_lossy())
                ),
            })
        }
    }
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

/// Whether `dest` is to be written in place rather than replaced: it
/// exists and is not a regular file, or it is a file-descriptor link
/// (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`), which may lead to a
/// regular file but whose data belongs in the open stream, and replacing
/// the link would break the device tree.
pub fn is_special(dest: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(dest) else {
        return false;
    };
    if meta.is_dir() {
        return false;
    }
    if !meta.is_file() {
        return true;
    }
    let in_proc = |p: &Path| p.starts_with("/proc");
    let link_to_proc = std::fs::read_link(dest).is_ok_and(|t| in_proc(&t));
    let folder_in_proc = dest
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .is_some_and(|p| in_proc(&p));
    link_to_proc || folder_in_proc
}

/// A duplicate of this process's descriptor N when `dest` names it
/// (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`).
#[cfg(target_os = "linux")]
fn own_descriptor(dest: &Path) -> Option<File> {
    use std::os::fd::{FromRawFd, OwnedFd};
    // This process's descriptor folders as the kernel names them
    // (`/proc/self/fd` and `/proc/thread-self/fd` resolve to
    // `/proc/PID/fd` and `/proc/PID/task/TID/fd` in /proc's own PID
    // namespace, which need not be the one `getpid` answers in).
    let own_dirs: Vec<PathBuf> = ["/proc/self/fd", "/proc/thread-self/fd"]
        .iter()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .collect();
    let ours = |dir: &Path| std::fs::canonicalize(dir).is_ok_and(|dir| own_dirs.contains(&dir));
    // `/dev/stdout` is a link to `/proc/self/fd/1`; `/dev/fd` a link to
    // `/proc/self/fd`, whose entries are themselves the descriptors.
    let named = match std::fs::read_link(dest) {
        Ok(t) => {
            // A relative target is relative to the link's folder.
            let t = match dest.parent() {
                Some(p) if t.is_relative() => p.join(t),
                _ => t,
            };
            if t.parent().is_some_and(ours) {
                t
            } else if dest.parent().is_some_and(ours) {
                dest.to_owned()
            } else {
                return None;
            }
        }
        Err(_) if dest.parent().is_some_and(ours) => dest.to_owned(),
        Err(_) => return None,
    };
    let n: i32 = named.file_name()?.to_str()?.parse().ok()?;
    // One call duplicates descriptor N if it is open (close-on-exec, at the
    // lowest free number), with no window in which N could be closed.
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) takes no pointers.
    let dup = unsafe { libc::fcntl(n, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return None;
    }
    // SAFETY: `dup` is a new descriptor that nothing else owns.
    Some(File::from(unsafe { OwnedFd::from_raw_fd(dup) }))
}

#[cfg(not(target_os = "linux"))]
fn own_descriptor(_dest: &Path) -> Option<File> {
    None
}

/// Where an output's bytes go until it is committed.
enum Pending {
    /// A temporary file, renamed onto `target` by [`commit`].
    Temp {
        temp: tempfile::TempPath,
        target: PathBuf,
        _tracked: Unfinished,
    },
    /// A special file written directly.
    Direct,
}

/// The file to rename onto: the destination, or what a symbolic link there
/// points to, so that the link stays a link.
fn rename_target(dest: &Path) -> PathBuf {
    let is_link = std::fs::symlink_metadata(dest).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        if let Ok(real) = std::fs::canonicalize(dest) {
            return real;
        }
    }
    dest.to_owned()
}

/// Open `dest` for writing: a special file directly (one of the process's
/// own descriptors through a duplicate of it, sharing its offset; any other
/// appending, so that a shell's `>>` is honoured), anything else through a new temporary file in
/// its folder, registered as unfinished. Refuses a `dest` that is a folder,
/// which the final rename could not replace.
fn pending(dest: &Path) -> Result<(File, Pending)> {
    if dest.is_dir() {
        return Err(io(dest)(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a folder",
        )));
    }
    if is_special(dest) {
        // One of this process's own descriptors (`/dev/stdout`) is written
        // through that descriptor, sharing its offset, so that what the
        // process writes to it afterwards (the summary) follows the output
        // instead of overwriting it from a second offset.
        if let Some(file) = own_descriptor(dest) {
            return Ok((file, Pending::Direct));
        }
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(dest)
            .map_err(io(dest))?;
        return Ok((file, Pending::Direct));
    }
    let target = rename_target(dest);
    let dir = match target.parent() {
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
    Ok((
        file,
        Pending::Temp {
            temp,
            target,
            _tracked: tracked,
        },
    ))
}

/// One output of a run, compressed by its name's extension. Written
/// through [`Write`] or [`Output::write`]; appears at its destination only
/// through [`commit`].
pub struct Output {
    sink: Option<Sink>,
    pending: Pending,
    dest: PathBuf,
}

impl Output {
    /// Start writing to `dest`.
    pub fn create(dest: &Path) -> Result<Self> {
        let (file, pending) = pending(dest)?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let sink = match written_as(dest) {
            Some(Written::JsonGzip) => Sink::Gzip(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::default(),
            )),
            Some(Written::JsonZstd) => Sink::Zstd(zstd::Encoder::new(out, 3).map_err(io(dest))?),
            _ => Sink::Plain(out),
        };
        Ok(Output {
            sink: Some(sink),
            pending,
            dest: dest.to_owned(),
        })
    }

    /// The destination as given.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    fn writer(&mut self) -> std::io::Result<&mut dyn Write> {
        match self.sink.as_mut() {
            Some(Sink::Plain(w)) => Ok(w),
            Some(Sink::Gzip(w)) => Ok(w),
            Some(Sink::Zstd(w)) => Ok(w),
            None => Err(std::io::Error::other("output already finished")),
        }
    }

    /// Append one value as a JSON line.
    pub fn write<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let dest = self.dest.clone();
        let w = self.writer().map_err(io(&dest))?;
        serde_json::to_writer(&mut *w, value).map_err(|e| io(&dest)(e.into()))?;
        w.write_all(b"\n").map_err(io(&dest))
    }

    /// Finish compression and flush; sync and set permissions of a
    /// temporary file. Nothing is renamed yet.
    fn finish(&mut self) -> Result<()> {
        let dest = self.dest.clone();
        let inner = match self.sink.take() {
            Some(Sink::Plain(w)) => w,
            Some(Sink::Gzip(w)) => w.finish().map_err(io(&dest))?,
            Some(Sink::Zstd(w)) => w.finish().map_err(io(&dest))?,
            None => return Ok(()),
        };
        let file = inner.into_inner().map_err(|e| io(&dest)(e.into_error()))?;
        if let Pending::Temp { .. } = self.pending {
            file.sync_all().map_err(io(&dest))?;
            publish_permissions(&file, &dest)?;
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer()?.flush()
    }
}

/// A destination renamed over by [`commit`], and how to undo that.
struct Renamed {
    target: PathBuf,
    /// A second name for the file the rename replaced, if there was one.
    backup: Option<PathBuf>,
}

/// A new name beside `target` for the file there (a hard link, or a copy
/// where links are not supported), so that a rename over it can be undone.
fn back_up(target: &Path) -> Result<Option<PathBuf>> {
    match std::fs::symlink_metadata(target) {
        Ok(m) if m.is_file() => {}
        _ => return Ok(None),
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    for n in 0..1000u32 {
        let backup = dir.join(format!(".doublet-{}-{n}.bak", std::process::id()));
        match std::fs::hard_link(target, &backup) {
            Ok(()) => return Ok(Some(backup)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => {
                if backup.exists() {
                    continue;
                }
                std::fs::copy(target, &backup).map_err(io(target))?;
                return Ok(Some(backup));
            }
        }
    }
    Err(io(target)(std::io::Error::other(
        "no free name for a backup beside it",
    )))
}

/// Undo renames, last first: put back each file a rename replaced, delete
/// each file that was new.
fn roll_back(done: Vec<Renamed>) {
    for r in done.into_iter().rev() {
        // Best effort: the error that caused the rollback is what the user
        // needs to see.
        let _ = match r.backup {
            Some(b) => std::fs::rename(&b, &r.target),
            None => std::fs::remove_file(&r.target),
        };
    }
}

/// Publish the outputs of one run, all or none. Every output is finished
/// first (compression ended, flushed, synced); if any fails, nothing is
/// renamed and every temporary file is deleted. Then all renames happen
/// under the unfinished-files lock, so a signal cannot land between two of
/// them; if one fails, the ones already done are undone, restoring any
/// file they replaced. Special files were written directly and stay
/// written.
pub fn commit(outputs: Vec<Output>) -> Result<()> {
    let mut outputs = outputs;
    for out in &mut outputs {
        out.finish()?;
    }
    let mut trackers = Vec::new();
    let result = {
        let list = unfinished();
        let mut done: Vec<Renamed> = Vec::new();
        let mut failure = None;
        for out in outputs {
            let Pending::Temp {
                temp,
                target,
                _tracked,
            } = out.pending
            else {
                continue;
            };
            trackers.push(_tracked);
            let step = back_up(&target).and_then(|backup| match temp.persist(&target) {
                Ok(()) => Ok(backup),
                Err(e) => {
                    if let Some(b) = &backup {
                        let _ = std::fs::remove_file(b);
                    }
                    Err(io(&out.dest)(e.error))
                }
            });
            match step {
                Ok(backup) => done.push(Renamed { target, backup }),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let result = match failure {
            Some(e) => {
                roll_back(done);
                Err(e)
            }
            None => {
                for b in done.into_iter().filter_map(|r| r.backup) {
                    let _ = std::fs::remove_file(b);
                }
                Ok(())
            }
        };
        drop(list);
        result
    };
    // The guards take the lock to unregister, so only after it is released.
    drop(trackers);
    result
}

/// Fail now, naming `dest`, if an output could not be written there later:
/// creates and removes a temporary file in its folder (a special file is
/// only checked to exist: opening a FIFO would wait for a reader).
/// Commands call this before a long run, so a typo in an output path costs
/// nothing.
pub fn check_writable(dest: &Path) -> Result<()> {
    if is_special(dest) {
        return Ok(());
    }
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
    let mut out = Output::create(dest)?;
    fill(&mut out).map_err(io(dest))?;
    commit(vec![out])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.jsonl.zst");
        let mut w = Output::create(&dest).unwrap();
        w.write(&serde_json::json!({"id": "a"})).unwrap();
        assert!(!dest.exists());
        commit(vec![w]).unwrap();
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
        let mut w = Output::create(&dest).unwrap();
        w.write(&1).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failed_rename_undoes_the_others_and_restores_what_they_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        std::fs::write(&a, "old a\n").unwrap();
        let mut wa = Output::create(&a).unwrap();
        let mut wb = Output::create(&b).unwrap();
        wa.write(&"new a").unwrap();
        wb.write(&"new b").unwrap();
        // A non-empty folder appears where b goes: its rename must fail.
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("x"), "").unwrap();
        let e = commit(vec![wa, wb]).unwrap_err().to_string();
        assert!(e.starts_with(&b.display().to_string()), "{e}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a\n");
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a.jsonl", "b.jsonl"]);

        // Without a file to restore, the new one is deleted.
        std::fs::remove_file(&a).unwrap();
        let c = dir.path().join("c.jsonl");
        let wa = Output::create(&a).unwrap();
        let wc = Output::create(&c).unwrap();
        std::fs::create_dir(&c).unwrap();
        std::fs::write(c.join("x"), "").unwrap();
        assert!(commit(vec![wa, wc]).is_err());
        assert!(!a.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_special_file_fails_the_commit_before_any_rename() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        let mut wa = Output::create(&a).unwrap();
        let mut full = Output::create(Path::new("/dev/full")).unwrap();
        wa.write(&1).unwrap();
        full.write(&2).unwrap();
        let e = commit(vec![wa, full]).unwrap_err().to_string();
        assert!(e.starts_with("/dev/full:"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place_and_links_stay_links() {
        let dir = tempfile::tempdir().unwrap();
        let mut null = Output::create(Path::new("/dev/null")).unwrap();
        null.write(&"x").unwrap();
        commit(vec![null]).unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());

        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn missing_folders_are_named() {
        let e = Output::create(Path::new("/no/such/dir/out.jsonl"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("/no/such/dir/out.jsonl:"), "{e}");
    }
}
